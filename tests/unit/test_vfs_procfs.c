/*
 * Host tests of procfs (servers/vfs/procfs.c, procfs_text.c) over a pretend
 * kernel: the records kx_sysinfo would give come from the tables below, and
 * the tests change them as processes come and go. Driven through the
 * protocol as the kernel drives the vfs; the formats are Linux's.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>

#include "procfs.h"
#include "test.h"
#include "vfs_harness.h"

#define NPROC_MAX 1024

static struct kx_proc_info procs[NPROC_MAX];
static int nprocs;
static uint64_t forks;
static struct kx_fd_info fds[4];
static int nfds;
static struct kx_proc_files files;
static long queries;

static long fake(unsigned what, uint64_t arg, void *buf, size_t len)
{
    queries++;
    switch (what) {
    case KX_SI_STAT: {
        struct kx_cpu_stat s = { .user = 150, .system = 50, .idle = 800, .boot_time = 1700000000, .forks = forks,
                                 .context_switches = 4242, .interrupts = 99, .running = 1, .total = (uint32_t)nprocs,
                                 .last_pid = 42, .load = { 2048, 1024, 0 } };
        if (len < sizeof(s))
            return -ENOSPC;
        memcpy(buf, &s, sizeof(s));
        return sizeof(s);
    }
    case KX_SI_PROCS: {
        size_t n = 0;
        struct kx_proc_info *out = buf;
        for (int i = 0; i < nprocs && (n + 1) * sizeof(*out) <= len; i++)
            if (procs[i].pid >= arg)
                out[n++] = procs[i];
        return (long)(n * sizeof(*out));
    }
    case KX_SI_PROC:
        for (int i = 0; i < nprocs; i++)
            if (procs[i].pid == arg) {
                memcpy(buf, &procs[i], sizeof(procs[i]));
                return sizeof(procs[i]);
            }
        return -ESRCH;
    case KX_SI_CMDLINE: {
        static const char cmd[] = "sleep\0" "100";
        if (arg != 42)
            return -ESRCH;
        memcpy(buf, cmd, sizeof(cmd));
        return sizeof(cmd);
    }
    case KX_SI_FDS:
        if (arg != 42)
            return -ESRCH;
        memcpy(buf, fds, (size_t)nfds * sizeof(fds[0]));
        return (long)((size_t)nfds * sizeof(fds[0]));
    case KX_SI_FILES:
        if (arg != 42)
            return -ESRCH;
        memcpy(buf, &files, sizeof(files));
        return sizeof(files);
    case KX_SI_MEMINFO: {
        struct kx_meminfo m = { .total = 128u << 20, .free = 100u << 20, .kernel_heap = 1u << 20 };
        memcpy(buf, &m, sizeof(m));
        return sizeof(m);
    }
    default: return -EINVAL;
    }
}

static void add_proc(uint32_t pid, uint32_t ppid, const char *comm, char state)
{
    struct kx_proc_info *p = &procs[nprocs++];
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    p->ppid = ppid;
    p->pgid = pid;
    p->sid = 1;
    p->state = state;
    p->threads = 1;
    p->tpgid = -1;
    p->utime = 12;
    p->stime = 3;
    p->start_time = 250;
    p->vsize = 2u << 20;
    p->rss = 40;
    snprintf(p->comm, sizeof(p->comm), "%s", comm);
    forks++;
}

static void drop_proc(uint32_t pid)
{
    for (int i = 0; i < nprocs; i++)
        if (procs[i].pid == pid) {
            procs[i] = procs[--nprocs];
            return;
        }
}

static char out[8192];

static long cat(const char *path)
{
    long fd = t_open(path, O_(RDONLY), 0);
    if (fd < 0)
        return fd;
    long n = t_read((uint64_t)fd, 0, out, sizeof(out) - 1);
    out[n > 0 ? n : 0] = 0;
    t_close((uint64_t)fd);
    return n;
}

static bool listed(const char *dir, const char *name)
{
    long fd = t_open(dir, O_(RDONLY) | O_(DIRECTORY), 0);
    bool found = false;
    uint64_t pos = 0;
    for (;;) {
        long n = h_io(IO_READDIR, (uint64_t)fd, pos, 4096, 0);
        if (n <= 0)
            break;
        for (long at = 0; at < n;) {
            uint16_t reclen;
            memcpy(&reclen, h_recv + at + 16, 2);
            found |= !strcmp((char *)h_recv + at + 19, name);
            at += reclen;
        }
        pos = h_ans[1];
    }
    t_close((uint64_t)fd);
    return found;
}

static void setup(void)
{
    h_fresh(0, 1ull << 30);
    procfs_query = fake;
    nprocs = 0;
    nfds = 0;
    forks = 0;
    add_proc(1, 0, "init", 'S');
    add_proc(42, 1, "sleep", 'S');
    t_mkdir("/proc", 0555);
    CHECK_EQ(t_mount("/proc", "proc", "", LX_MS_NOSUID | LX_MS_NODEV | LX_MS_NOEXEC), 0);
}

static void test_listing_follows_processes(void)
{
    setup();
    CHECK(listed("/proc", "1"));
    CHECK(listed("/proc", "42"));
    CHECK(listed("/proc", "meminfo"));
    CHECK(listed("/proc", "self"));
    CHECK(!listed("/proc", "7"));
    struct kx_stat st;
    CHECK_EQ(t_lstat("/proc/42", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0555);
    add_proc(7, 1, "sh", 'R');
    CHECK_EQ(t_lstat("/proc/7/stat", &st), 0);
    CHECK(listed("/proc", "7"));
    drop_proc(7);
    CHECK_EQ(t_lstat("/proc/7", &st), -ENOENT);
    CHECK(!listed("/proc", "7"));
    /* Nothing made and nothing gone: one small question, not a full listing. */
    long before = queries;
    CHECK_EQ(t_lstat("/proc/42/status", &st), 0);
    CHECK(queries - before <= 3);
}

/* More processes than one answer of the kernel holds (a page of ~250
 * records): every one has its directory, and they all go when they end. */
static void test_many_processes(void)
{
    setup();
    for (uint32_t pid = 100; pid < 1000; pid++)
        add_proc(pid, 1, "many", 'S');
    struct kx_stat st;
    CHECK_EQ(t_lstat("/proc/100", &st), 0);
    CHECK_EQ(t_lstat("/proc/999", &st), 0);
    CHECK_EQ(t_lstat("/proc/42", &st), 0);
    CHECK(listed("/proc", "777"));
    for (uint32_t pid = 100; pid < 1000; pid++)
        if (pid != 500)
            drop_proc(pid);
    forks++;
    CHECK_EQ(t_lstat("/proc/999", &st), -ENOENT);
    CHECK_EQ(t_lstat("/proc/500", &st), 0);
    CHECK_EQ(t_lstat("/proc/1", &st), 0);
}

static void test_pid_files(void)
{
    setup();
    CHECK(cat("/proc/42/stat") > 0);
    CHECK(!strncmp(out, "42 (sleep) S 1 42 1 0 -1 0 0 0 0 0 12 3 0 0 20 0 1 0 250 2097152 40 ", 67));
    CHECK(cat("/proc/42/status") > 0);
    CHECK(strstr(out, "Name:\tsleep\n") && strstr(out, "State:\tS (sleeping)\n") && strstr(out, "PPid:\t1\n"));
    CHECK(strstr(out, "VmRSS:\t     160 kB\n"));
    CHECK_EQ(cat("/proc/42/cmdline"), 10);
    CHECK(!memcmp(out, "sleep\0" "100", 10));
    CHECK_EQ(cat("/proc/42/comm"), 6);
    CHECK_STR(out, "sleep\n");
    CHECK(cat("/proc/42/statm") > 0);
    CHECK_STR(out, "512 40 0 0 0 0 0\n");
    /* An open file of a process that ends: ESRCH, as Linux. */
    long fd = t_open("/proc/42/stat", O_(RDONLY), 0);
    drop_proc(42);
    CHECK_EQ(t_read((uint64_t)fd, 0, out, 100), -ESRCH);
    t_close((uint64_t)fd);
    struct kx_stat st;
    CHECK_EQ(t_lstat("/proc/42", &st), -ENOENT);
    CHECK_EQ(t_open("/proc/42/x", O_(CREAT) | O_(WRONLY), 0644), -ENOENT);
}

static void test_links(void)
{
    setup();
    char buf[256];
    long n = t_readlink("/proc/self", buf, sizeof(buf));
    CHECK_EQ(n, 2);
    CHECK(!memcmp(buf, "42", 2)); /* the harness calls as pid 42 */
    CHECK_EQ(cat("/proc/self/comm"), 6); /* through the link */
    CHECK_STR(out, "sleep\n");
    h_file("/tmp/log", "x", 0644);
    long log = t_open("/tmp/log", O_(WRONLY), 0);
    long dir = t_open("/tmp", O_(RDONLY) | O_(DIRECTORY), 0);
    files = (struct kx_proc_files){ .cwd = (uint64_t)dir, .root = 0, .exe = 0 };
    fds[0] = (struct kx_fd_info){ .fd = 0, .kind = KX_FD_DEVICE, .id = 0x103 };
    fds[1] = (struct kx_fd_info){ .fd = 1, .kind = KX_FD_VFS, .flags = 1, .cookie = (uint64_t)log };
    fds[2] = (struct kx_fd_info){ .fd = 5, .kind = KX_FD_PIPE, .id = 77 };
    nfds = 3;
    n = t_readlink("/proc/42/cwd", buf, sizeof(buf));
    CHECK(n == 4 && !memcmp(buf, "/tmp", 4));
    n = t_readlink("/proc/42/root", buf, sizeof(buf));
    CHECK(n == 1 && buf[0] == '/');
    CHECK_EQ(t_readlink("/proc/42/exe", buf, sizeof(buf)), -ENOENT);
    CHECK(listed("/proc/42/fd", "5"));
    n = t_readlink("/proc/42/fd/0", buf, sizeof(buf));
    CHECK(n == 9 && !memcmp(buf, "/dev/null", 9));
    n = t_readlink("/proc/42/fd/1", buf, sizeof(buf));
    CHECK(n == 8 && !memcmp(buf, "/tmp/log", 8));
    n = t_readlink("/proc/42/fd/5", buf, sizeof(buf));
    CHECK(n == 9 && !memcmp(buf, "pipe:[77]", 9));
    t_unlink("/tmp/log");
    n = t_readlink("/proc/42/fd/1", buf, sizeof(buf));
    CHECK(n > 0 && !memcmp(buf, "/log (deleted)", 14));
    nfds = 1; /* 1 and 5 closed */
    CHECK(!listed("/proc/42/fd", "5"));
    CHECK_EQ(t_readlink("/proc/42/fd/5", buf, sizeof(buf)), -ENOENT);
    t_close((uint64_t)log);
    t_close((uint64_t)dir);
}

static void test_global_files(void)
{
    setup();
    CHECK(cat("/proc/meminfo") > 0);
    CHECK(!strncmp(out, "MemTotal:         131072 kB\nMemFree:          102400 kB\n", 56));
    CHECK(cat("/proc/stat") > 0);
    CHECK(!strncmp(out, "cpu  150 0 50 800 0 0 0 0 0 0\ncpu0 150 0 50 800", 46));
    CHECK(strstr(out, "\nctxt 4242\n") && strstr(out, "\nbtime 1700000000\n") && strstr(out, "\nprocesses 2\n"));
    CHECK(cat("/proc/loadavg") > 0);
    CHECK_STR(out, "1.00 0.50 0.00 1/2 42\n");
    CHECK(cat("/proc/uptime") > 0);
    CHECK(strchr(out, '.') && strstr(out, " 8.00\n"));
    CHECK(cat("/proc/mounts") > 0);
    CHECK(strstr(out, "none /proc proc rw,nosuid,nodev,noexec 0 0\n") != NULL);
    CHECK(strstr(out, "devtmpfs /dev devtmpfs") || strstr(out, " /dev devtmpfs "));
    CHECK(cat("/proc/filesystems") > 0);
    CHECK(strstr(out, "nodev\tproc\n") && strstr(out, "\tvfat\n"));
    /* Read-only, and takes no new names. */
    CHECK_EQ(t_openat(&USER, 0, "/proc/meminfo", O_(WRONLY), 0), -EACCES);
    long fd = t_open("/proc/meminfo", O_(WRONLY), 0); /* root passes the mode bits; the write fails */
    CHECK_EQ(t_write((uint64_t)fd, 0, "x", 1, 0), -EACCES);
    t_close((uint64_t)fd);
    CHECK_EQ(t_open("/proc/new", O_(CREAT) | O_(WRONLY), 0644), -EACCES);
    CHECK_EQ(t_mkdir("/proc/d", 0755), -EACCES);
    CHECK_EQ(t_unlink("/proc/meminfo"), -EACCES);
    struct kx_statfs sf;
    CHECK_EQ(t_statfs("/proc", &sf), 0);
    CHECK_EQ(sf.f_type, 0x9fa0);
    CHECK_EQ(t_umount("/proc", 0), 0);
}

int main(void)
{
    RUN(test_listing_follows_processes);
    RUN(test_many_processes);
    RUN(test_pid_files);
    RUN(test_links);
    RUN(test_global_files);
    return test_finish();
}
