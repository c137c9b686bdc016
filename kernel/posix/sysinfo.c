/*
 * The system-information capability (<kenix/sysinfo.h>): a read-only view of
 * processes, memory and CPU time for the vfs's procfs.
 *
 * Every query gathers into a kernel buffer under proc_lock -- nothing there
 * blocks, so the processes it looks at cannot change or go away meanwhile --
 * and copies to the caller afterwards, when a fault on the caller's buffer may
 * block. Reading another process's argument strings takes a reference on its
 * address space first. Work is proportional to what exists (processes, open
 * descriptors), bounded by what the caller's buffer holds.
 *
 * Ownership: the one sysinfo object is static and lives for ever (the kernel
 * holds a reference nobody drops); handles to it are given to init at boot.
 */
#include "kenix/errno.h"
#include "kenix/sysinfo.h"
#include "kenix/string.h"
#include "file.h"
#include "sobj.h"
#include "tty.h"
#include "vfs_client.h"
#include "../arch/aarch64/timer.h"
#include "../core/handle.h"
#include "../core/process.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "kenix/irq.h"
#include "../mm/frames.h"
#include "../mm/heap.h"
#include "../mm/kstack.h"
#include "../arch/aarch64/mmu.h"
#include "kenix/bootinfo.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"

#define GATHER_MAX (64u << 10) /* bytes gathered per call: a caller pages through more */

static struct kobject sysinfo_obj = { KX_OBJ_SYSINFO, 1 }; /* the 1 is the kernel's, never dropped */

struct kobject *sysinfo_object(void)
{
    return kobject_get(&sysinfo_obj);
}

void sysinfo_destroy(struct kobject *o)
{
    (void)o; /* never: the kernel's reference stays */
}

static uint64_t ticks(uint64_t counter)
{
    return (uint64_t)to_clock_ticks(counter);
}

static char state_of(const struct process *p)
{
    if (p->state == PROC_ZOMBIE || !p->thread)
        return 'Z';
    if (p->sig.stopped)
        return 'T';
    if (p->thread->state != THREAD_BLOCKED)
        return 'R';
    return (p->thread->wait.flags & WAIT_INTERRUPTIBLE) ? 'S' : 'D';
}

static uint64_t area_bytes(uint64_t start, uint64_t end)
{
    return end > start ? end - start : 0;
}

/* One process's record (proc_lock held); walk: rss_shared too. */
static void describe(const struct process *p, struct kx_proc_info *o, bool walk)
{
    memset(o, 0, sizeof(*o));
    o->pid = p->pid;
    o->ppid = p->parent ? p->parent->pid : 0;
    o->pgid = p->pgrp ? p->pgrp->pgid : 0;
    o->sid = p->pgrp ? p->pgrp->session->sid : 0;
    o->ruid = p->cred.ruid;
    o->euid = p->cred.euid;
    o->suid = p->cred.suid;
    o->rgid = p->cred.rgid;
    o->egid = p->cred.egid;
    o->sgid = p->cred.sgid;
    tty_describe_ctty(p, &o->tty, &o->tpgid);
    o->state = state_of(p);
    o->umask = p->umask;
    o->nice = p->nice;
    o->threads = 1;
    uint64_t u = 0, s = 0;
    if (p->state == PROC_LIVE)
        process_times(p, &u, &s);
    o->utime = ticks(u);
    o->stime = ticks(s);
    o->cutime = ticks(p->child_utime);
    o->cstime = ticks(p->child_stime);
    o->start_time = ticks(p->start_counter);
    o->minflt = p->min_faults + (p->vm ? p->vm->faults : 0);
    const struct vmspace *vm = p->vm;
    if (vm) {
        o->vsize = vm->total_vm;
        o->rss = vm->resident_pages;
        o->rss_peak = vm->max_resident > p->max_rss_pages ? vm->max_resident : p->max_rss_pages;
        o->data = area_bytes(vm->brk_start, vm->brk);
        o->stack = area_bytes(vm->stack_bottom, USER_STACK_TOP);
        vmspace_usage(p->vm, walk, &o->rss_objects, &o->rss_shared);
    }
    o->sig_pending = p->sig.pending;
    o->sig_blocked = p->sig.blocked;
    for (int i = 0; i < 64; i++) {
        if (p->sig.handler[i] == SIG_IGN)
            o->sig_ignored |= 1ull << i;
        else if (p->sig.handler[i] != SIG_DFL)
            o->sig_caught |= 1ull << i;
    }
    o->rlim_rss = p->rlim[RLIMIT_RSS].rlim_cur;
    memcpy(o->comm, p->comm, sizeof(o->comm));
}

static int by_pid(const void *a, const void *b)
{
    unsigned x = (*(const struct process *const *)a)->pid, y = (*(const struct process *const *)b)->pid;
    return x < y ? -1 : x > y;
}

static void sift_down(struct process **v, unsigned root, unsigned n)
{
    for (;;) {
        unsigned child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && by_pid(&v[child], &v[child + 1]) < 0)
            child++;
        if (by_pid(&v[root], &v[child]) >= 0)
            return;
        struct process *t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

/* Heapsort by pid: O(n log n) in place with no recursion -- it runs under
 * proc_lock with interrupts masked, over as many as PID_MAX processes. */
static void sort_procs(struct process **v, unsigned n)
{
    for (unsigned i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (unsigned end = n; end > 1; end--) {
        struct process *t = v[0];
        v[0] = v[end - 1];
        v[end - 1] = t;
        sift_down(v, 0, end - 1);
    }
}

/* KX_SI_PROCS: the `room` lowest pids from `first` on (walk: KX_SI_PROC's rss_shared). */
static long gather_procs(unsigned first, struct kx_proc_info *out, unsigned room, bool walk)
{
    uint64_t made;
    unsigned last, total;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    process_counts(&made, &last, &total);
    spin_unlock_irqrestore(&proc_lock, flags);
    /* One slot per process that exists, plus slack for ones made meanwhile
     * (none can be: nothing below blocks, one CPU). */
    struct process **v = kmalloc((total + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    flags = spin_lock_irqsave(&proc_lock);
    unsigned n = 0;
    for (struct process *p = process_iter_next(0); p && n <= total; p = process_iter_next(p))
        if (p->pid >= first)
            v[n++] = p;
    /* Keep the `room` smallest: a partial selection would do, but sorting n
     * pointers is cheap next to formatting n records. */
    sort_procs(v, n);
    unsigned k = n < room ? n : room;
    for (unsigned i = 0; i < k; i++)
        describe(v[i], &out[i], walk);
    spin_unlock_irqrestore(&proc_lock, flags);
    kfree(v);
    return (long)(k * sizeof(*out));
}

/* KX_SI_CMDLINE / KX_SI_ENVIRON. */
static long gather_strings(unsigned pid, bool env, char *out, uint64_t room)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = process_find(pid);
    struct vmspace *vm = p && p->state == PROC_LIVE && p->vm ? vmspace_get(p->vm) : 0;
    bool found = p != 0;
    spin_unlock_irqrestore(&proc_lock, flags);
    if (!found)
        return -ESRCH;
    if (!vm)
        return 0;
    uint64_t start = env ? vm->env_start : vm->arg_start, end = env ? vm->env_end : vm->arg_end;
    uint64_t n = end > start ? end - start : 0;
    if (n > room)
        n = room;
    /* The program may have unmapped or scribbled over them: what is there. */
    long r = n && copy_from_user(vm, out, start, n) ? 0 : (long)n;
    vmspace_put(vm);
    return r;
}

static void describe_fd(const struct file *f, struct kx_fd_info *o)
{
    uint64_t id;
    struct endpoint *vfs = vfs_endpoint();
    o->flags = f->flags;
    o->pos = f->pos;
    if (f->node && f->node->ep == vfs) {
        o->kind = KX_FD_VFS;
        o->cookie = f->node->cookie;
        if (pipe_id(f, &id))
            o->id = id; /* a FIFO opened by name */
    } else if (pipe_id(f, &id)) {
        o->kind = KX_FD_PIPE;
        o->id = id;
    } else if (kdev_rdev(f)) {
        o->kind = KX_FD_DEVICE;
        o->id = kdev_rdev(f);
    } else {
        o->kind = KX_FD_OTHER;
    }
}

/* KX_SI_FDS (proc_lock keeps the table still: only its owner changes it, and
 * it cannot run while we hold the lock on this CPU). */
static long gather_fds(unsigned pid, struct kx_fd_info *out, unsigned room)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = process_find(pid);
    long r = p ? 0 : -ESRCH;
    unsigned n = 0;
    const struct fdtable *t = p ? p->files : 0;
    for (unsigned fd = 0; t && fd < t->cap && n < room; fd++) {
        if (!(fd & 63) && !t->open[fd / 64]) {
            fd += 63; /* a word of closed slots: a process that dup2'd to fd 1,000,000 has few open */
            continue;
        }
        struct file *f = fd_file(t, fd);
        if (!f)
            continue;
        memset(&out[n], 0, sizeof(out[n]));
        out[n].fd = (int32_t)fd;
        out[n].cloexec = fd_cloexec(t, fd);
        describe_fd(f, &out[n]);
        n++;
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return r ? r : (long)(n * sizeof(*out));
}

static uint64_t cookie_of(const struct file *f)
{
    return f && f->node && f->node->ep == vfs_endpoint() ? f->node->cookie : 0;
}

static long gather_files(unsigned pid, struct kx_proc_files *out)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = process_find(pid);
    if (p) {
        out->cwd = cookie_of(p->cwd);
        out->root = cookie_of(p->root);
        out->exe = cookie_of(p->exe);
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return p ? (long)sizeof(*out) : -ESRCH;
}

static long gather_stat(struct kx_cpu_stat *o)
{
    struct sched_stats s;
    sched_get_stats(&s);
    memset(o, 0, sizeof(*o));
    o->user = s.user_ticks * USER_HZ / TIMER_HZ;
    o->system = s.system_ticks * USER_HZ / TIMER_HZ;
    o->idle = s.idle_ticks * USER_HZ / TIMER_HZ;
    o->context_switches = s.switches;
    o->interrupts = irq_count_all();
    o->running = s.running;
    for (int i = 0; i < 3; i++)
        o->load[i] = s.load[i];
    o->boot_time = timer_realtime_offset_ns() / 1000000000u;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    unsigned last, now;
    process_counts(&o->forks, &last, &now);
    o->last_pid = last;
    o->total = now;
    for (struct process *p = process_iter_next(0); p; p = process_iter_next(p))
        o->blocked += state_of(p) == 'D';
    spin_unlock_irqrestore(&proc_lock, flags);
    return (long)sizeof(*o);
}

/* kx_sysinfo(handle, what, arg, buf, len) -> bytes: <kenix/sysinfo.h>. */
long sys_kx_sysinfo(struct trap_frame *f)
{
    struct process *self = current_process();
    struct handle *h;
    int err = handle_get(&self->handles, f->x[0], KX_OBJ_SYSINFO, KX_RIGHT_READ, &h);
    if (err)
        return err;
    uint64_t what = f->x[1], arg = f->x[2], ubuf = f->x[3], len = f->x[4];
    if (len > GATHER_MAX)
        len = GATHER_MAX;
    size_t record;
    switch (what) {
    case KX_SI_PROCS:
    case KX_SI_PROC: record = sizeof(struct kx_proc_info); break;
    case KX_SI_FDS: record = sizeof(struct kx_fd_info); break;
    case KX_SI_FILES: record = sizeof(struct kx_proc_files); break;
    case KX_SI_MEMINFO: record = sizeof(struct kx_meminfo); break;
    case KX_SI_STAT: record = sizeof(struct kx_cpu_stat); break;
    case KX_SI_CMDLINE:
    case KX_SI_ENVIRON: record = 1; break;
    default: return -EINVAL;
    }
    if (arg > 0xffffffffu)
        return -ESRCH;
    if (len < record)
        return len ? -ENOSPC : 0;
    void *buf = kmalloc(len);
    if (!buf)
        return -ENOMEM;
    long r;
    switch (what) {
    case KX_SI_PROCS: r = gather_procs((unsigned)arg, buf, (unsigned)(len / record), false); break;
    case KX_SI_PROC:
        r = gather_procs((unsigned)arg, buf, 1, true);
        if (r > 0 && ((struct kx_proc_info *)buf)->pid != arg)
            r = 0;
        if (r == 0)
            r = -ESRCH;
        break;
    case KX_SI_CMDLINE:
    case KX_SI_ENVIRON: r = gather_strings((unsigned)arg, what == KX_SI_ENVIRON, buf, len); break;
    case KX_SI_FDS: r = gather_fds((unsigned)arg, buf, (unsigned)(len / record)); break;
    case KX_SI_FILES: r = gather_files((unsigned)arg, buf); break;
    case KX_SI_MEMINFO: {
        struct kx_meminfo *m = buf;
        memset(m, 0, sizeof(*m));
        m->total = frames_total_pages() * PAGE_SIZE;
        m->free = frames_free_pages() * PAGE_SIZE;
        m->kernel_heap = heap_bytes_in_use();
        m->page_tables = pt_table_pages() * PAGE_SIZE;
        m->kernel_image = boot_info.kimage_size;
        m->kernel_stacks = kstack_bytes();
        uint64_t reserved = frames_reserved_pages() * PAGE_SIZE, image = (boot_info.kimage_size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
        m->reserved = reserved > image ? reserved - image : 0;
        r = (long)sizeof(*m);
        break;
    }
    default: r = gather_stat(buf); break;
    }
    if (r > 0)
        r = copy_to_user(self->vm, ubuf, buf, (size_t)r) ? -EFAULT : r;
    kfree(buf);
    return r;
}
