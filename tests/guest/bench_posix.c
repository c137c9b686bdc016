/*
 * Costs of the POSIX process paths, measured in the guest with
 * CLOCK_MONOTONIC around many iterations after a warm-up (under QEMU's
 * -icount shift=0 a nanosecond is an instruction):
 *   - a 1-byte pipe round trip between two processes;
 *   - sched_yield ping-pong between two processes (per yield: one switch);
 *   - fork + _exit + wait4 of this (small, static) program;
 *   - fork + execve + wait4: of this program again (small and static,
 *     started with "exit", it ends at once) and of BusyBox's `true` (a
 *     1.2 MB static program, as every applet a shell script runs);
 *   - a kernel-originated call round trip to a toy server (lseek SEEK_END on
 *     one of its objects: IO_STAT and its answer), and a 4 KiB read through
 *     it (IO_READ answered with 4 KiB of bulk data, copied once into the
 *     reader's buffer);
 *   - ppoll on 1 and on 64 pipes that are all readable (a scan that finds
 *     everything ready at once: the cost per descriptor of R4's readiness);
 *   - a timer expiry to its handler: what a periodic POSIX timer's expiry
 *     adds -- firing from the tick, the signal queued, the handler's frame,
 *     the handler, sigreturn -- measured as the extra time a fixed user-mode
 *     loop takes while the timer fires once a tick, divided by the expiries
 *     handled (the tick itself happens either way).
 *   - a signal delivered to a handler and returned from: kill(getpid(),
 *     SIGUSR1) with a handler that counts, so each iteration is the kill, the
 *     frame built on the way out, the handler, and rt_sigreturn.
 *   - files on tmpfs (the vfs server): open+close of an existing file, stat
 *     of a path, a 4 KiB pread and pwrite, the whole getdents64 listing of a
 *     1,000-entry directory, and mmap + first touch + munmap of one page of
 *     a shared file mapping (its pages are mapped at mmap time).
 *   - the base costs: clock_gettime through libc (CLOCK_MONOTONIC; a vDSO
 *     where the kernel offers one), a null system call (getppid through
 *     syscall()), the raw clock_gettime system call, and prlimit64 with and
 *     without its 16-byte copy out (the difference is the "small user
 *     copy");
 *   - memory: an anonymous page fault (per page, a fresh 256-page mapping
 *     touched once per page) and mmap + munmap of 1 MiB never touched;
 *   - FAT32, when the directory given with -d (default /mnt) is on one:
 *     sequential write and read of a file in 64 KiB blocks (see fat_figures).
 * Command line:
 *   bench_posix [-n ROUNDS] [-f FAT_MIB] [-d FAT_DIR]
 *       every figure; ROUNDS (default 2000) sets every loop's length in
 *       proportion (forks ROUNDS/10, execs ROUNDS/20, ...), so CI runs small
 *       counts and a careful run large ones; FAT_MIB (default 4) is the FAT32
 *       file's size.
 *   bench_posix scale [-n ROUNDS]
 *       how costs grow with their work (scale.c's figures, see there).
 *   bench_posix WHAT [N]
 *       one figure alone (to profile it with tools/guest_profile.py); WHAT is
 *       one of the names in SINGLE below.
 * On Linux (tools/linux_baseline.py) the kernel-originated calls, which need
 * Kenix's native calls, are skipped; every other figure is portable POSIX.
 * Prints "bench: <what>: N ns" per figure and "bench: done"; never fails on
 * time; exits 0 unless an operation failed or gave a wrong answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kenix/io.h>
#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "bench.h"

#define SELF "/bin/bench_posix"
#define SLOT_EP 4
#define WARMUP 100
#define ROUNDS 2000 /* the default of -n */
#define BUSYBOX "/bin/busybox"
#define FILE_SIZE 8192


/* ---- a toy server: every object is the same 8 KiB file ----------------------- */

static int server_main(void)
{
    /* Page-aligned, like the reader's buffer: the figure must not move with
     * where the linker happens to put other static data (a buffer across two
     * pages costs a second page lookup and an unaligned copy). */
    static uint8_t file[FILE_SIZE] __attribute__((aligned(4096)));
    for (size_t i = 0; i < sizeof(file); i++)
        file[i] = (uint8_t)i;
    struct kx_msg m;
    uint64_t badge;
    long r = kx_recv(SLOT_EP, &m, NULL, &badge);
    for (;;) {
        if (r < 0)
            return 1;
        uint32_t label = KX_MSG_LABEL(m.label);
        struct kx_xfer out = { 0 };
        struct kx_xfer *x = NULL;
        if (label == IO_READ) {
            uint64_t pos = m.w[1], n = m.w[2];
            if (pos > FILE_SIZE)
                pos = FILE_SIZE;
            if (n > FILE_SIZE - pos)
                n = FILE_SIZE - pos;
            out.send = file + pos;
            out.send_len = n;
            x = &out;
            m.w[0] = n;
        } else if (label == IO_STAT) {
            m.w[0] = 0;
            m.w[1] = FILE_SIZE;
        } else if (label == IO_CLOSE) {
            m.w[0] = 0;
        } else if (label == 0xe417) {
            return 0; /* exit: the caller's call fails with EPIPE, which it expects */
        } else {
            m.w[0] = (uint64_t)-ENOSYS;
        }
        r = kx_reply_recv(SLOT_EP, &m, x, &badge);
    }
}

/* ---- the figures ------------------------------------------------------------------ */

static void pipe_round_trip(int rounds)
{
    int ping[2], pong[2];
    if (pipe(ping) || pipe(pong)) {
        fail("pipe", errno);
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(ping[1]); /* so the parent's close is our end of file */
        close(pong[0]);
        while (read(ping[0], &c, 1) == 1)
            if (write(pong[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    char c = 'x';
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1 || c != 'x') {
            fail("pipe round trip", errno);
            break;
        }
    }
    report("pipe round trip, 1 byte each way", now_ns() - start, (uint64_t)rounds);
    close(ping[1]);
    int st;
    waitpid(pid, &st, 0);
    close(ping[0]);
    close(pong[0]);
    close(pong[1]);
}

static void yield_ping_pong(int rounds)
{
    int go[2];
    pipe(go);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(go[0], &c, 1);
        for (int i = 0; i < WARMUP + rounds; i++)
            sched_yield();
        _exit(0);
    }
    write(go[1], "g", 1);
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        sched_yield();
    }
    report("sched_yield ping-pong (per yield)", now_ns() - start, (uint64_t)rounds);
    int st;
    waitpid(pid, &st, 0);
    close(go[0]);
    close(go[1]);
}

static void fork_exit_wait(int forks)
{
    uint64_t start = 0;
    for (int i = 0; i < WARMUP / 10 + forks; i++) {
        if (i == WARMUP / 10)
            start = now_ns();
        pid_t pid = fork();
        if (pid == 0)
            _exit(7);
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
            fail("fork+exit+wait", pid < 0 ? errno : st);
            return;
        }
    }
    report("fork+exit+wait", now_ns() - start, (uint64_t)forks);
}

/* fork + execve(path, argv) + wait4, the program exiting 0 at once. */
static void fork_exec_wait(const char *what, const char *path, char *const argv[], int rounds)
{
    char *envp[] = { NULL };
    uint64_t start = 0;
    for (int i = 0; i < WARMUP / 10 + rounds; i++) {
        if (i == WARMUP / 10)
            start = now_ns();
        pid_t pid = fork();
        if (pid == 0) {
            execve(path, argv, envp);
            _exit(127);
        }
        int st = 0;
        if (i == 0 && pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 127) {
            /* Linux's baseline initramfs may not carry the program. */
            printf("bench: skip %s (cannot execute %s)\n", what, path);
            return;
        }
        if (pid < 0 || (i > 0 && waitpid(pid, &st, 0) != pid) || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fail(what, pid < 0 ? errno : st);
            return;
        }
    }
    report(what, now_ns() - start, (uint64_t)rounds);
}

static void fork_exec_self(int rounds)
{
    char *argv[] = { "bench_posix", "exit", NULL };
    fork_exec_wait("fork+execve+wait (small static program)", SELF, argv, rounds);
}

static void fork_exec_busybox(int rounds)
{
    char *argv[] = { "true", NULL };
    fork_exec_wait("fork+execve+wait (busybox true)", BUSYBOX, argv, rounds);
}

static volatile unsigned signals_handled;

static void count_signal(int sig)
{
    (void)sig;
    signals_handled++;
}

static void signal_round_trip(int rounds)
{
    struct sigaction sa = { .sa_handler = count_signal };
    if (sigaction(SIGUSR1, &sa, NULL)) {
        fail("sigaction", errno);
        return;
    }
    pid_t self = getpid();
    signals_handled = 0;
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        if (kill(self, SIGUSR1)) {
            fail("kill(getpid(), SIGUSR1)", errno);
            return;
        }
    }
    uint64_t total = now_ns() - start;
    /* The handler ran before each kill returned: one run per kill, no more, no fewer. */
    if (signals_handled != (unsigned)(WARMUP + rounds))
        fail("signal round trip: handler runs", (long)signals_handled);
    report("signal to a handler and back (kill(getpid()) round trip)", total, (uint64_t)rounds);
    signal(SIGUSR1, SIG_DFL);
}

/* ppoll on n pipes with a byte in each: every call finds all n ready. */
static void ppoll_ready(int n, int rounds)
{
    static int p[64][2];
    static struct pollfd fds[64];
    for (int i = 0; i < n; i++) {
        if (pipe(p[i]) || write(p[i][1], "r", 1) != 1) {
            fail("ppoll: pipes", errno);
            return;
        }
        fds[i] = (struct pollfd){ p[i][0], POLLIN, 0 };
    }
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        if (ppoll(fds, (nfds_t)n, NULL, NULL) != n) {
            fail("ppoll on ready pipes", errno);
            break;
        }
    }
    uint64_t total = now_ns() - start;
    for (int i = 0; i < n; i++)
        if (fds[i].revents != POLLIN) {
            fail("ppoll: revents", fds[i].revents);
            break;
        }
    char what[64];
    snprintf(what, sizeof(what), "ppoll on %d ready pipe%s", n, n == 1 ? "" : "s");
    report(what, total, (uint64_t)rounds);
    for (int i = 0; i < n; i++) {
        close(p[i][0]);
        close(p[i][1]);
    }
}

static void kernel_calls(int rounds)
{
    struct kx_initrd rd;
    long ep = kx_endpoint_create();
    if (kx_initrd_open(KX_SLOT_INITRD, &rd) || ep < 0) {
        fail("setting up the server", ep);
        return;
    }
    char *argv[] = { SELF, "server", NULL };
    struct kx_give give = { (kx_handle_t)ep, KX_RIGHT_RECV, SLOT_EP };
    long server = kx_spawn_with(&rd, SELF, argv, NULL, &give, 1);
    int fd = (int)kx_fd_attach((kx_handle_t)ep, 1, O_RDONLY | KX_FD_SEEKABLE);
    if (server < 0 || fd < 0) {
        fail("server or kx_fd_attach", server < 0 ? server : fd);
        return;
    }
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        if (lseek(fd, 0, SEEK_END) != FILE_SIZE) {
            fail("lseek SEEK_END through the server", errno);
            break;
        }
    }
    report("kernel-originated call round trip (lseek SEEK_END: IO_STAT)", now_ns() - start, (uint64_t)rounds);
    static uint8_t buf[4096] __attribute__((aligned(4096)));
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        lseek(fd, 0, SEEK_SET); /* the kernel's alone: no call */
        if (read(fd, buf, sizeof(buf)) != sizeof(buf)) {
            fail("4 KiB read through the server", errno);
            break;
        }
    }
    report("4 KiB read through a kernel-originated call (lseek + read)", now_ns() - start, (uint64_t)rounds);
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] != (uint8_t)i) {
            fail("4 KiB read: the bytes", (long)i);
            break;
        }
    close(fd);
    struct kx_msg m = { .label = 0xe417 };
    kx_call((kx_handle_t)ep, &m, NULL);
    kx_process_wait((kx_handle_t)server);
    kx_handle_close((kx_handle_t)server);
    kx_handle_close((kx_handle_t)ep);
}

/* ---- timer expiry to handler ------------------------------------------------------- */

static volatile unsigned long expiries;

/* ---- files on tmpfs (the vfs) ------------------------------------------------ */

#define BENCH_FILE "/tmp/bench-file"
#define BENCH_DIR "/tmp/bench-dir"
#define DIR_ENTRIES 1000

static uint8_t page_buf[4096] __attribute__((aligned(4096)));

static int bench_file(void)
{
    int fd = open(BENCH_FILE, O_CREAT | O_RDWR, 0644);
    if (fd < 0) {
        fail("create " BENCH_FILE, errno);
        return -1;
    }
    memset(page_buf, 'b', sizeof(page_buf));
    if (pwrite(fd, page_buf, sizeof(page_buf), 0) != (ssize_t)sizeof(page_buf) ||
        pwrite(fd, page_buf, sizeof(page_buf), 4096) != (ssize_t)sizeof(page_buf)) {
        fail("write " BENCH_FILE, errno);
        close(fd);
        return -1;
    }
    return fd;
}

/* open + close of an existing tmpfs file (Linux's open+close is 7,447). */
static void file_open_close(int rounds)
{
    int keep = bench_file();
    if (keep < 0)
        return;
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        int fd = open(BENCH_FILE, O_RDONLY);
        if (fd < 0 || close(fd)) {
            fail("open+close", errno);
            break;
        }
    }
    report("open+close of a tmpfs file", now_ns() - start, (uint64_t)rounds);
    close(keep);
}

static void file_stat(int rounds)
{
    int keep = bench_file();
    if (keep < 0)
        return;
    struct stat st;
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        if (stat(BENCH_FILE, &st) || st.st_size != 8192) {
            fail("stat", errno);
            break;
        }
    }
    report("stat of a path", now_ns() - start, (uint64_t)rounds);
    close(keep);
}

static void file_read_write(int rounds)
{
    int fd = bench_file();
    if (fd < 0)
        return;
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        if (pread(fd, page_buf, 4096, 4096) != 4096) {
            fail("4 KiB pread", errno);
            break;
        }
    }
    report("4 KiB pread of a tmpfs file", now_ns() - start, (uint64_t)rounds);
    if (page_buf[0] != 'b' || page_buf[4095] != 'b')
        fail("4 KiB pread: the bytes", 0);
    start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        if (pwrite(fd, page_buf, 4096, 4096) != 4096) {
            fail("4 KiB pwrite", errno);
            break;
        }
    }
    report("4 KiB pwrite of a tmpfs file", now_ns() - start, (uint64_t)rounds);
    close(fd);
}

/* The whole listing of a 1,000-entry directory: rewind, then getdents64 into
 * a 32 KiB buffer until it says the end. */
static void file_getdents(int rounds)
{
    mkdir(BENCH_DIR, 0755);
    char name[64];
    for (int i = 0; i < DIR_ENTRIES; i++) {
        snprintf(name, sizeof(name), BENCH_DIR "/entry-%04d", i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        if (fd < 0) {
            fail("create the directory's entries", errno);
            return;
        }
        close(fd);
    }
    int d = open(BENCH_DIR, O_RDONLY | O_DIRECTORY);
    static char buf[32768];
    uint64_t start = 0;
    for (int i = 0; i < WARMUP / 10 + rounds; i++) {
        if (i == WARMUP / 10)
            start = now_ns();
        lseek(d, 0, SEEK_SET);
        long n, entries = 0;
        while ((n = syscall(SYS_getdents64, d, buf, sizeof(buf))) > 0)
            for (long at = 0; at < n; at += *(uint16_t *)(buf + at + 16))
                entries++;
        if (n < 0 || entries != DIR_ENTRIES + 2) {
            fail("getdents64 of 1,000 entries", n < 0 ? errno : entries);
            break;
        }
    }
    report("getdents64 of 1,000 entries (whole listing)", now_ns() - start, (uint64_t)rounds);
    close(d);
    for (int i = 0; i < DIR_ENTRIES; i++) {
        snprintf(name, sizeof(name), BENCH_DIR "/entry-%04d", i);
        unlink(name);
    }
    rmdir(BENCH_DIR);
}

/* A page of a shared file mapping: pages are mapped when the mapping is made
 * (IO_MAP), so this is mmap + the first touch + munmap of one page. */
static void file_map_page(int rounds)
{
    int fd = bench_file();
    if (fd < 0)
        return;
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        volatile char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
        if (m == MAP_FAILED) {
            fail("mmap of a file page", errno);
            break;
        }
        m[100] = 'm';
        munmap((void *)m, 4096);
    }
    report("mmap+touch+munmap of a shared file page", now_ns() - start, (uint64_t)rounds);
    close(fd);
}

static void file_figures(int rounds)
{
    file_open_close(rounds);
    file_stat(rounds);
    file_read_write(rounds);
    file_getdents(rounds / 20);
    file_map_page(rounds);
    unlink(BENCH_FILE);
}

static void on_expiry(int sig)
{
    (void)sig;
    expiries++;
}

static void __attribute__((noinline)) spin(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        __asm__ volatile("" ::: "memory");
}

static uint64_t timed_spin(uint64_t n)
{
    uint64_t start = now_ns();
    spin(n);
    return now_ns() - start;
}

static void timer_expiry(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_expiry;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) != 0) {
        fail("sigaction(SIGALRM) with a handler", errno);
        return;
    }
    timer_t t;
    struct sigevent sev = { 0 };
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGALRM;
    if (timer_create(CLOCK_MONOTONIC, &sev, &t) != 0) {
        fail("timer_create", errno);
        return;
    }
    /* A loop of about half a second of guest time, run without and with the
     * timer; each run twice, the shorter kept (the first warms up). */
    uint64_t n = 1000000;
    uint64_t probe = timed_spin(n);
    if (probe)
        n = n * 500000000ull / probe;
    uint64_t off = UINT64_MAX, on = UINT64_MAX;
    unsigned long handled = 0;
    for (int round = 0; round < 2; round++) {
        uint64_t d = timed_spin(n);
        if (d < off)
            off = d;
        struct itimerspec every_tick = { { 0, 10000000 }, { 0, 10000000 } }, stop = { { 0, 0 }, { 0, 0 } };
        expiries = 0;
        timer_settime(t, 0, &every_tick, NULL);
        d = timed_spin(n);
        timer_settime(t, 0, &stop, NULL);
        if (d < on) {
            on = d;
            handled = expiries;
        }
    }
    timer_delete(t);
    signal(SIGALRM, SIG_DFL);
    if (handled < 10) {
        fail("timer expiry: too few expiries handled", (long)handled);
        return;
    }
    /* Under icount the difference is exact; under plain TCG it is noise and
     * may even come out negative: 0 then. */
    report("timer expiry to handler (periodic POSIX timer, SIGALRM)", on > off ? on - off : 0, handled);
}

/* ---- the base costs: time, a null call, a small copy out ------------------------- */

/* Each loop checks what it got: the clock never goes back, getppid is the
 * parent's pid every time. */
static void clock_libc(int calls)
{
    struct timespec prev = { 0, 0 }, ts;
    int bad = 0;
    uint64_t start = now_ns();
    for (int i = 0; i < calls; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        bad |= ts.tv_sec < prev.tv_sec || (ts.tv_sec == prev.tv_sec && ts.tv_nsec < prev.tv_nsec);
        prev = ts;
    }
    uint64_t total = now_ns() - start;
    if (bad)
        fail("clock_gettime went backwards", 0);
    report("clock_gettime (libc, CLOCK_MONOTONIC)", total, (uint64_t)calls);
}

static void null_syscall(int calls)
{
    long parent = syscall(SYS_getppid), bad = 0;
    uint64_t start = now_ns();
    for (int i = 0; i < calls; i++)
        bad |= syscall(SYS_getppid) ^ parent;
    uint64_t total = now_ns() - start;
    if (bad)
        fail("getppid changed its answer", bad);
    report("null system call (getppid)", total, (uint64_t)calls);
}

/* getppid() itself: musl's wrapper is one inline svc, where syscall() is a
 * variadic function that spills eight argument and eight FP registers
 * (about 60 more instructions, on either kernel): the kernel's share of the
 * null call is this figure less the loop. */
static void null_syscall_direct(int calls)
{
    pid_t parent = getppid();
    long bad = 0;
    uint64_t start = now_ns();
    for (int i = 0; i < calls; i++)
        bad |= getppid() ^ parent;
    uint64_t total = now_ns() - start;
    if (bad)
        fail("getppid() changed its answer", bad);
    report("null system call (getppid(), musl's inline wrapper)", total, (uint64_t)calls);
}

/* The system call itself, never a vDSO: the kernel writes a 16-byte timespec
 * to user memory. Less the null call, that is the cost of a small user copy. */
static void clock_raw(int calls)
{
    struct timespec prev = { 0, 0 }, ts;
    long bad = 0;
    uint64_t start = now_ns();
    for (int i = 0; i < calls; i++) {
        bad |= syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
        bad |= ts.tv_sec < prev.tv_sec || (ts.tv_sec == prev.tv_sec && ts.tv_nsec < prev.tv_nsec);
        prev = ts;
    }
    uint64_t total = now_ns() - start;
    if (bad)
        fail("clock_gettime system call: error or time went backwards", bad);
    report("clock_gettime system call (raw, 16-byte copy out)", total, (uint64_t)calls);
}

/* prlimit64 asked for the old limit and not asked: the same call, the same
 * lock and checks, and in the first a 16-byte struct rlimit copied out to
 * user memory. The difference is the cost of a small user copy. */
static void rlimit_copy(int calls)
{
    struct rlimit first, rl;
    long bad = prlimit(0, RLIMIT_NOFILE, NULL, &first);
    uint64_t start = now_ns();
    for (int i = 0; i < calls; i++)
        bad |= prlimit(0, RLIMIT_NOFILE, NULL, NULL);
    uint64_t bare = now_ns() - start;
    start = now_ns();
    for (int i = 0; i < calls; i++) {
        bad |= prlimit(0, RLIMIT_NOFILE, NULL, &rl);
        bad |= rl.rlim_cur != first.rlim_cur || rl.rlim_max != first.rlim_max;
    }
    uint64_t total = now_ns() - start;
    if (bad)
        fail("prlimit: error or a changed answer", bad);
    report("prlimit64, nothing copied", bare, (uint64_t)calls);
    report("prlimit64 reading the old limit (16-byte copy out)", total, (uint64_t)calls);
}

static void base_figures(int rounds)
{
    clock_libc(rounds * 10);
    null_syscall(rounds * 10);
    null_syscall_direct(rounds * 10);
    clock_raw(rounds * 10);
    rlimit_copy(rounds * 10);
}

/* ---- memory: faults and mappings ------------------------------------------------- */

#define FAULT_PAGES 256
#define PAGE 4096

/* Per page: the first write to each page of a fresh private anonymous
 * mapping (the mmap and munmap around it are not timed). Each page is then
 * read back: it must hold what was written, and zeros elsewhere. */
static void anon_fault(int maps)
{
    uint64_t total = 0;
    for (int m = 0; m < maps; m++) {
        volatile uint8_t *p = mmap(NULL, FAULT_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                   -1, 0);
        if (p == MAP_FAILED) {
            fail("mmap of 256 anonymous pages", errno);
            return;
        }
        uint64_t start = now_ns();
        for (int i = 0; i < FAULT_PAGES; i++)
            p[i * PAGE + 8] = (uint8_t)(i + 1);
        total += now_ns() - start;
        for (int i = 0; i < FAULT_PAGES; i++)
            if (p[i * PAGE + 8] != (uint8_t)(i + 1) || p[i * PAGE] != 0 || p[i * PAGE + PAGE - 1] != 0) {
                fail("anonymous page: wrong contents", i);
                break;
            }
        munmap((void *)p, FAULT_PAGES * PAGE);
    }
    report("anonymous page fault (per page)", total, (uint64_t)maps * FAULT_PAGES);
}

static void mmap_unmap_1m(int rounds)
{
    uint64_t start = 0;
    for (int i = 0; i < WARMUP + rounds; i++) {
        if (i == WARMUP)
            start = now_ns();
        void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED || munmap(p, 1 << 20)) {
            fail("mmap+munmap of 1 MiB", errno);
            return;
        }
    }
    report("mmap+munmap of 1 MiB, untouched", now_ns() - start, (uint64_t)rounds);
}

static void memory_figures(int rounds)
{
    anon_fault(rounds / 100 > 0 ? rounds / 100 : 1);
    mmap_unmap_1m(rounds);
}

/* ---- FAT32 ------------------------------------------------------------------------ */

#define MSDOS_SUPER_MAGIC 0x4d44
#define FAT_BLOCK 65536

/* Mapped by fat_figures, not static: see bench_scale.c's big_buf. */
static uint8_t *fat_buf;

/* Block b's bytes: its number in the first word, a pattern after it, so a
 * block read from the wrong place or a stale one is caught. */
static void fat_fill(uint32_t b)
{
    memcpy(fat_buf, &b, sizeof(b));
    fat_buf[FAT_BLOCK - 1] = (uint8_t)(b * 7 + 1);
}

static int fat_block_ok(uint32_t b)
{
    uint32_t got;
    memcpy(&got, fat_buf, sizeof(got));
    return got == b && fat_buf[FAT_BLOCK - 1] == (uint8_t)(b * 7 + 1);
}

/* Writes `blocks` 64 KiB blocks to path and fsyncs; the time it took, or 0. */
static uint64_t fat_write(const char *path, uint32_t blocks)
{
    memset(fat_buf, 'f', FAT_BLOCK);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) {
        fail("FAT32: create the file", errno);
        return 0;
    }
    uint64_t start = now_ns();
    for (uint32_t b = 0; b < blocks; b++) {
        fat_fill(b);
        if (write(fd, fat_buf, FAT_BLOCK) != FAT_BLOCK) {
            fail("FAT32: 64 KiB write", errno);
            close(fd);
            return 0;
        }
    }
    if (fsync(fd)) {
        fail("FAT32: fsync", errno);
        close(fd);
        return 0;
    }
    uint64_t total = now_ns() - start;
    /* Drop the file's cached pages where the kernel keeps them (Linux), so the
     * read comes from the disk; Kenix takes it as advice only. */
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    return total;
}

/*
 * Sequential write (64 KiB writes, then fsync) and read (64 KiB reads) of a
 * file of `mib` MiB on the FAT32 file system at dir, per 64 KiB block.
 * Between the two a second file as large is written, which pushes the first
 * out of a block cache no larger than it (Kenix's vfs keeps 4 MiB); Linux
 * drops the first file's pages on POSIX_FADV_DONTNEED. So the read comes
 * mostly from the disk on both kernels.
 */
static void fat_figures(const char *dir, int mib)
{
    struct statfs sf;
    if (statfs(dir, &sf) != 0 || sf.f_type != MSDOS_SUPER_MAGIC) {
        printf("bench: skip FAT32 figures (no FAT32 file system at %s)\n", dir);
        return;
    }
    fat_buf = mmap(NULL, FAT_BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fat_buf == MAP_FAILED) {
        fail("FAT32: mapping the buffer", errno);
        return;
    }
    char path[256], other[256];
    snprintf(path, sizeof(path), "%s/bench-seq.bin", dir);
    snprintf(other, sizeof(other), "%s/bench-push.bin", dir);
    uint32_t blocks = (uint32_t)mib * 16;
    uint64_t wrote = fat_write(path, blocks);
    if (!wrote || !fat_write(other, blocks))
        return;
    report("FAT32 sequential write (64 KiB writes + fsync, per 64 KiB)", wrote, blocks);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fail("FAT32: open for reading", errno);
        return;
    }
    uint64_t start = now_ns();
    uint32_t b = 0;
    ssize_t n;
    while ((n = read(fd, fat_buf, FAT_BLOCK)) == FAT_BLOCK && fat_block_ok(b))
        b++;
    uint64_t total = now_ns() - start;
    close(fd);
    if (n != 0 || b != blocks)
        fail("FAT32: sequential read: short, failed or wrong bytes", n < 0 ? errno : (long)b);
    else
        report("FAT32 sequential read (64 KiB reads, per 64 KiB)", total, blocks);
    unlink(path);
    unlink(other);
    munmap(fat_buf, FAT_BLOCK);
}

/* ---- the command line ------------------------------------------------------------- */

int scale_figures(int rounds); /* bench_scale.c */

static int at_least_1(int n)
{
    return n > 0 ? n : 1;
}

static void ppoll_both(int rounds)
{
    ppoll_ready(1, rounds);
    ppoll_ready(64, rounds);
}

static void fork_exit_wait_scaled(int rounds)
{
    fork_exit_wait(rounds);
}

static void fat_default(int rounds)
{
    (void)rounds;
    fat_figures("/mnt", 4);
}

static void timer_expiry_n(int rounds)
{
    (void)rounds;
    timer_expiry();
}

/* `bench_posix WHAT N`: one figure alone, N its loop's length. */
static const struct {
    const char *what;
    void (*run)(int n);
} SINGLE[] = {
    { "clock", clock_libc },         { "syscall", null_syscall },
    { "getppid", null_syscall_direct },
    { "clock_raw", clock_raw },      { "pipe", pipe_round_trip },
    { "yield", yield_ping_pong },    { "fork", fork_exit_wait_scaled },
    { "exec", fork_exec_self },      { "exec_busybox", fork_exec_busybox },
    { "ppoll", ppoll_both },         { "signal", signal_round_trip },
    { "timer", timer_expiry_n },     { "open_close", file_open_close },
    { "stat", file_stat },           { "rw4k", file_read_write },
    { "getdents1000", file_getdents }, { "mmap_fault", file_map_page },
    { "anon_fault", anon_fault },    { "mmap1m", mmap_unmap_1m },
    { "fat", fat_default },
};

static void every_figure(int rounds, int fat_mib, const char *fat_dir)
{
    base_figures(rounds);
    pipe_round_trip(rounds);
    yield_ping_pong(rounds);
    fork_exit_wait(at_least_1(rounds / 10));
    fork_exec_self(at_least_1(rounds / 20));
    fork_exec_busybox(at_least_1(rounds / 20));
    ppoll_both(rounds);
    if (on_kenix())
        kernel_calls(rounds);
    else
        skip_figure("kernel-originated calls");
    signal_round_trip(rounds);
    timer_expiry();
    file_figures(rounds);
    memory_figures(rounds);
    fat_figures(fat_dir, fat_mib);
}

static int usage(void)
{
    printf("usage: bench_posix [-n ROUNDS] [-f FAT_MIB] [-d FAT_DIR] | scale [-n ROUNDS] | WHAT [N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exit"))
        return 0; /* the program fork_exec_self starts */
    if (argc > 1 && !strcmp(argv[1], "server"))
        return server_main();
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rounds = ROUNDS, fat_mib = 4;
    const char *fat_dir = "/mnt";
    int first = 1; /* the first argument that is not an option */
    if (argc > 1 && !strcmp(argv[1], "scale"))
        first = 2;
    else if (argc > 1 && argv[1][0] != '-') {
        for (size_t i = 0; i < sizeof(SINGLE) / sizeof(SINGLE[0]); i++)
            if (!strcmp(argv[1], SINGLE[i].what)) {
                SINGLE[i].run(argc > 2 ? at_least_1(atoi(argv[2])) : ROUNDS);
                return errors ? 1 : 0;
            }
        return usage();
    }
    for (int i = first; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "-n"))
            rounds = at_least_1(atoi(argv[++i]));
        else if (i + 1 < argc && !strcmp(argv[i], "-f"))
            fat_mib = at_least_1(atoi(argv[++i]));
        else if (i + 1 < argc && !strcmp(argv[i], "-d"))
            fat_dir = argv[++i];
        else
            return usage();
    }
    if (first == 2)
        errors += scale_figures(rounds);
    else
        every_figure(rounds, fat_mib, fat_dir);
    printf("bench: done\n");
    return errors ? 1 : 0;
}
