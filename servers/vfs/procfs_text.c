/*
 * procfs's files as text (procfs.h): Linux's formats, from the kernel's
 * records (<kenix/sysinfo.h>). Pure: every function writes at most cap bytes
 * into buf and returns how many it wrote (the text is cut at cap, as a
 * seq_file read past its buffer would be re-read; our files are small).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "procfs.h"

#define USER_HZ 100
#define PAGE_KB 4

/* Appends formatted text at *len, never past cap. */
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

static const char *state_name(char s)
{
    switch (s) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'D': return "D (disk sleep)";
    case 'T': return "T (stopped)";
    case 'Z': return "Z (zombie)";
    default: return "? (unknown)";
    }
}

static void comm_of(const struct kx_proc_info *p, char out[17])
{
    memcpy(out, p->comm, 16);
    out[16] = 0;
}

/* Resident pages as Linux counts them: the process's own address space and
 * the memory objects it maps (Linux's shared memory is in RSS too). */
static unsigned long long resident(const struct kx_proc_info *p)
{
    return (unsigned long long)(p->rss + p->rss_objects);
}

size_t procfs_pid_stat(const struct kx_proc_info *p, char *buf, size_t cap)
{
    char comm[17];
    comm_of(p, comm);
    size_t len = 0;
    /* Linux's do_task_stat, field by field (man 5 proc); what Kenix does not
     * have (major faults, code/stack addresses, wchan, swap) is 0. */
    add(buf, cap, &len, "%u (%s) %c %u %u %u %u %d %u %llu %llu 0 0 %llu %llu %llu %llu %d %d %u 0 %llu %llu %llu %llu",
        p->pid, comm, p->state, p->ppid, p->pgid, p->sid, p->tty, p->tpgid, 0u, (unsigned long long)p->minflt,
        (unsigned long long)p->cminflt, (unsigned long long)p->utime, (unsigned long long)p->stime,
        (unsigned long long)p->cutime, (unsigned long long)p->cstime, 20 + p->nice, p->nice, p->threads,
        (unsigned long long)p->start_time, (unsigned long long)p->vsize, resident(p),
        (unsigned long long)p->rlim_rss);
    add(buf, cap, &len, " 0 0 0 0 0 %llu %llu %llu %llu 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        (unsigned long long)(p->sig_pending & 0x7fffffff), (unsigned long long)(p->sig_blocked & 0x7fffffff),
        (unsigned long long)(p->sig_ignored & 0x7fffffff), (unsigned long long)(p->sig_caught & 0x7fffffff));
    return len;
}

size_t procfs_pid_status(const struct kx_proc_info *p, uint32_t fds, char *buf, size_t cap)
{
    char comm[17];
    comm_of(p, comm);
    size_t len = 0;
    add(buf, cap, &len, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%u\nNgid:\t0\nPid:\t%u\nPPid:\t%u\nTracerPid:\t0\n",
        comm, p->umask, state_name(p->state), p->pid, p->pid, p->ppid);
    add(buf, cap, &len, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%u\nGroups:\t\n", p->ruid, p->euid,
        p->suid, p->euid, p->rgid, p->egid, p->sgid, p->egid, fds);
    if (p->state != 'Z')
        add(buf, cap, &len,
            "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8u kB\nVmPin:\t%8u kB\nVmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\n"
            "RssAnon:\t%8llu kB\nRssFile:\t%8llu kB\nRssShmem:\t%8llu kB\n"
            "VmData:\t%8llu kB\nVmStk:\t%8llu kB\nVmExe:\t%8u kB\nVmLib:\t%8u kB\nVmSwap:\t%8u kB\n",
            (unsigned long long)p->vsize / 1024, (unsigned long long)p->vsize / 1024, 0u, 0u,
            (unsigned long long)(p->rss_peak + p->rss_objects) * PAGE_KB, resident(p) * PAGE_KB,
            /* Kenix's split (docs/footprint.md): RssAnon is what only this process
             * holds, RssFile what it shares with another holder (a file's
             * cached pages, copy-on-write pages after fork), RssShmem the
             * memory objects it maps. */
            (unsigned long long)(p->rss - p->rss_shared) * PAGE_KB, (unsigned long long)p->rss_shared * PAGE_KB,
            (unsigned long long)p->rss_objects * PAGE_KB,
            (unsigned long long)p->data / 1024, (unsigned long long)p->stack / 1024, 0u, 0u, 0u);
    add(buf, cap, &len, "Threads:\t%u\nSigQ:\t0/0\nSigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\n"
        "SigCgt:\t%016llx\n", p->threads, 0ull, (unsigned long long)p->sig_pending, (unsigned long long)p->sig_blocked,
        (unsigned long long)p->sig_ignored, (unsigned long long)p->sig_caught);
    add(buf, cap, &len, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
    return len;
}

size_t procfs_pid_statm(const struct kx_proc_info *p, char *buf, size_t cap)
{
    size_t len = 0;
    add(buf, cap, &len, "%llu %llu %llu 0 0 %llu 0\n", (unsigned long long)(p->vsize / 4096), resident(p),
        (unsigned long long)(p->rss_shared + p->rss_objects), (unsigned long long)((p->data + p->stack) / 4096));
    return len;
}

size_t procfs_pid_comm(const struct kx_proc_info *p, char *buf, size_t cap)
{
    char comm[17];
    comm_of(p, comm);
    size_t len = 0;
    add(buf, cap, &len, "%s\n", comm);
    return len;
}

size_t procfs_meminfo(const struct kx_meminfo *m, uint64_t cached, uint64_t shmem, char *buf, size_t cap)
{
    size_t len = 0;
    uint64_t kb = 1024, avail = m->free + cached;
    add(buf, cap, &len,
        "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\nBuffers:        %8llu kB\n"
        "Cached:         %8llu kB\nSwapCached:     %8u kB\nActive:         %8u kB\nInactive:       %8u kB\n"
        "SwapTotal:      %8u kB\nSwapFree:       %8u kB\nDirty:          %8u kB\nShmem:          %8llu kB\n"
        "Slab:           %8llu kB\nKernelStack:    %8llu kB\nPageTables:     %8llu kB\n"
        /* Not in Linux's: the rest of what the kernel holds (tools skip names they do not know). */
        "KernelImage:    %8llu kB\nKernelReserved: %8llu kB\n",
        (unsigned long long)(m->total / kb), (unsigned long long)(m->free / kb), (unsigned long long)(avail / kb), 0ull,
        (unsigned long long)(cached / kb), 0u, 0u, 0u, 0u, 0u, 0u, (unsigned long long)(shmem / kb),
        (unsigned long long)(m->kernel_heap / kb), (unsigned long long)(m->kernel_stacks / kb),
        (unsigned long long)(m->page_tables / kb), (unsigned long long)(m->kernel_image / kb),
        (unsigned long long)(m->reserved / kb));
    return len;
}

size_t procfs_stat(const struct kx_cpu_stat *s, char *buf, size_t cap)
{
    size_t len = 0;
    for (int cpu = -1; cpu < 1; cpu++) {
        if (cpu < 0)
            add(buf, cap, &len, "cpu ");
        else
            add(buf, cap, &len, "cpu%d", cpu);
        add(buf, cap, &len, " %llu 0 %llu %llu 0 0 0 0 0 0\n", (unsigned long long)s->user, (unsigned long long)s->system,
            (unsigned long long)s->idle);
    }
    add(buf, cap, &len, "intr %llu\nctxt %llu\nbtime %llu\nprocesses %llu\nprocs_running %u\nprocs_blocked %u\n",
        (unsigned long long)s->interrupts, (unsigned long long)s->context_switches, (unsigned long long)s->boot_time,
        (unsigned long long)s->forks, s->running, s->blocked);
    return len;
}

size_t procfs_loadavg(const struct kx_cpu_stat *s, char *buf, size_t cap)
{
    size_t len = 0;
    /* Linux's LOAD_INT/LOAD_FRAC of 11-bit fixed point, rounded to 1/100. */
    unsigned v[3];
    for (int i = 0; i < 3; i++)
        v[i] = (unsigned)(((uint64_t)s->load[i] * 100 + (1u << 10)) >> 11);
    add(buf, cap, &len, "%u.%02u %u.%02u %u.%02u %u/%u %u\n", v[0] / 100, v[0] % 100, v[1] / 100, v[1] % 100,
        v[2] / 100, v[2] % 100, s->running, s->total, s->last_pid);
    return len;
}

size_t procfs_uptime(uint64_t uptime_ns, uint64_t idle_ticks, char *buf, size_t cap)
{
    size_t len = 0;
    uint64_t cs = uptime_ns / 10000000u;
    add(buf, cap, &len, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(cs / 100), (unsigned long long)(cs % 100),
        (unsigned long long)(idle_ticks / USER_HZ), (unsigned long long)(idle_ticks % USER_HZ));
    return len;
}
