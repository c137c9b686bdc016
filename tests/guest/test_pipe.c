/*
 * Pipes with Linux's semantics: pipe2 flags, data across fork, EOF when the
 * last write end closes (in every process), EPIPE and SIGPIPE, the 64 KiB
 * capacity, a blocked writer woken by the reader, PIPE_BUF atomicity with
 * two writers, non-blocking reads and writes (partial above PIPE_BUF,
 * all-or-EAGAIN up to it), zero-length reads, FIONREAD.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "posix_test.h"

#define CAPACITY 65536 /* Linux's default pipe size: 16 pages */

static int fionread(int fd)
{
    int n = -1;
    ioctl(fd, FIONREAD, &n);
    return n;
}

static void creation(void)
{
    int p[2] = { -1, -1 };
    res_t r = res(pipe2(p, 0));
    char buf[8] = { 0 };
    ssize_t w = write(p[1], "pipe", 4), n = read(p[0], buf, sizeof(buf));
    checkf(r.ret == 0 && p[0] >= 0 && p[1] >= 0 && p[0] != p[1] && w == 4 && n == 4 && !memcmp(buf, "pipe", 4),
           "pipe2(0) -> %s, fds %d, %d: the read end reads what the write end wrote (%zd bytes)", rs(r), p[0], p[1], n);
    checkf(fcntl(p[0], F_GETFD) == 0 && fcntl(p[1], F_GETFD) == 0 && !(fcntl(p[0], F_GETFL) & O_NONBLOCK),
           "pipe2(0): no FD_CLOEXEC, no O_NONBLOCK");
    res_t wr = res(read(p[1], buf, 1));
    res_t rw = res(write(p[0], "x", 1));
    checkf(is_err(wr, EBADF) && is_err(rw, EBADF), "read from the write end, write to the read end -> %s, %s (EBADF)",
           rs(wr), rs(rw));
    close(p[0]);
    close(p[1]);

    r = res(pipe2(p, O_CLOEXEC));
    checkf(r.ret == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC,
           "pipe2(O_CLOEXEC) -> %s: FD_CLOEXEC on both (%d, %d)", rs(r), fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
    close(p[0]);
    close(p[1]);
    r = res(pipe2(p, O_NONBLOCK));
    checkf(r.ret == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK) &&
               fcntl(p[0], F_GETFD) == 0,
           "pipe2(O_NONBLOCK) -> %s: O_NONBLOCK on both (F_GETFL 0x%x, 0x%x)", rs(r), fcntl(p[0], F_GETFL),
           fcntl(p[1], F_GETFL));
    close(p[0]);
    close(p[1]);

    /* (Linux also takes O_DIRECT, packet mode, which is not tested here) */
    int bad[] = { O_APPEND, O_RDWR, O_CREAT };
    for (int i = 0; i < 3; i++) {
        int q[2] = { -1, -1 };
        r = res(syscall(SYS_pipe2, q, bad[i]));
        checkf(is_err(r, EINVAL) && q[0] == -1, "pipe2(flags 0x%x) -> %s (expected EINVAL)", bad[i], rs(r));
    }
    /* qemu-user drops flag bits it does not know before asking the host */
    if (on_kenix()) {
        int q[2] = { -1, -1 };
        r = res(syscall(SYS_pipe2, q, 0x40000000));
        checkf(is_err(r, EINVAL), "pipe2(flags 0x40000000) -> %s (expected EINVAL)", rs(r));
    } else {
        skipf("(Kenix only) pipe2(flags 0x40000000) -> EINVAL: qemu-user drops the unknown bit");
    }
    r = res(syscall(SYS_pipe2, (void *)8, 0));
    checkf(is_err(r, EFAULT), "pipe2 into 0x8 -> %s (expected EFAULT)", rs(r));
}

/* --- data across fork ----------------------------------------------------- */

#define XFER 10000

static int reader_child(void *arg)
{
    int *p = arg;
    close(p[1]);
    static unsigned char buf[XFER + 1];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(p[0], buf + got, sizeof(buf) - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    size_t bad = 0;
    for (size_t i = 0; i < got; i++)
        bad += buf[i] != (unsigned char)(i * 7);
    ccheckf(got == XFER && bad == 0, "child read %zu bytes (expected %d) then EOF, %zu wrong", got, XFER, bad);
    return 0;
}

static void across_fork(void)
{
    int p[2];
    pipe(p);
    int rd;
    pid_t pid = start_child(reader_child, p, &rd);
    close(p[0]);
    static unsigned char buf[XFER];
    for (int i = 0; i < XFER; i++)
        buf[i] = (unsigned char)(i * 7);
    bool ok = write_all(p[1], buf, XFER);
    close(p[1]);
    checkf(ok, "parent wrote %d bytes for the child", XFER);
    int st = finish_child(pid, rd, "parent writes, child reads");
    checkf(st == 0, "the child reader ended: %s", status_str(st));
}

/* --- EOF ------------------------------------------------------------------- */

static void eof(void)
{
    int p[2], ctl[2];
    pipe(p);
    pipe(ctl);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* holds the write end until told, then closes it and waits again */
        close(p[0]);
        close(ctl[1]);
        char c;
        if (read(ctl[0], &c, 1) != 1)
            _exit(1);
        close(p[1]);
        while (read(ctl[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(ctl[0]);
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    char c;
    res_t r = res(read(p[0], &c, 1));
    checkf(is_err(r, EAGAIN), "parent closed its write end, the child still has one: read -> %s (expected EAGAIN)",
           rs(r));
    write(ctl[1], "c", 1);
    long long deadline = now_ns() + CHILD_DEADLINE_NS;
    for (int round = 0;; round++) {
        r = res(read(p[0], &c, 1));
        if (!is_err(r, EAGAIN) || now_ns() > deadline)
            break;
        poll_pause(round);
    }
    checkf(r.ret == 0, "the child (still running) closed its write end too: read -> %s (EOF)", rs(r));
    close(ctl[1]);
    int st;
    reap(pid, &st);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the holder child ended: %s", status_str(st));
    close(p[0]);

    /* a child that exits closes its ends */
    pipe(p);
    pid = fork();
    if (pid == 0) {
        write(p[1], "bye", 3);
        _exit(0);
    }
    close(p[1]);
    reap(pid, &st);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    char buf[8];
    res_t r1 = res(read(p[0], buf, sizeof(buf)));
    res_t r2 = res(read(p[0], buf, sizeof(buf)));
    checkf(r1.ret == 3 && r2.ret == 0,
           "a child wrote 3 bytes and exited without closing: after reaping it, read -> %s, then %s (EOF)", rs(r1),
           rs(r2));
    close(p[0]);
}

/* --- EPIPE / SIGPIPE --------------------------------------------------------- */

static int sigpipe_default_child(void *arg)
{
    int fd = *(int *)arg;
    write(fd, "x", 1);
    return 0; /* must not get here */
}

static int sigpipe_blocked_child(void *arg)
{
    int fd = *(int *)arg;
    sigset_t set, pending, raw;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    res_t r = res(write(fd, "x", 1));
    ccheckf(is_err(r, EPIPE), "child with SIGPIPE blocked: write to a pipe without readers -> %s (expected EPIPE)",
            rs(r));
    sigemptyset(&pending);
    sigpending(&pending);
    ccheckf(sigismember(&pending, SIGPIPE), "and SIGPIPE is pending (sigpending)");
    sigemptyset(&raw);
    res_t rr = res(syscall(SYS_rt_sigpending, &raw, 8));
    ccheckf(rr.ret == 0 && sigismember(&raw, SIGPIPE), "raw rt_sigpending -> %s: SIGPIPE in it", rs(rr));
    r = res(write(fd, "x", 1));
    ccheckf(is_err(r, EPIPE), "a second write -> %s (EPIPE again)", rs(r));
    sigprocmask(SIG_UNBLOCK, &set, NULL); /* now it is delivered: the default action kills */
    return 0;
}

static void epipe(void)
{
    int p[2];
    pipe(p);
    close(p[0]); /* no read end anywhere: the child gets only the write end */
    int st = run_child("SIGPIPE", sigpipe_default_child, &p[1]);
    checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
           "child writing to a pipe whose read ends are all closed: %s (expected signal %d, SIGPIPE)", status_str(st),
           SIGPIPE);
    st = run_child("SIGPIPE blocked", sigpipe_blocked_child, &p[1]);
    checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
           "and dies of the pending SIGPIPE when it unblocks it: %s", status_str(st));
    close(p[1]);
}

/* --- capacity and blocking ---------------------------------------------------- */

static unsigned char big[CAPACITY + 8 * 4096];

static void capacity(void)
{
    int p[2];
    pipe2(p, O_NONBLOCK);
    size_t total = 0;
    res_t r;
    while ((r = res(write(p[1], big, 4096))).ret > 0)
        total += (size_t)r.ret;
    checkf(total == CAPACITY && is_err(r, EAGAIN), "non-blocking writes of 4096 into an empty pipe: %zu bytes, then %s",
           total, rs(r));
    checkf(fionread(p[0]) == CAPACITY, "FIONREAD of the full pipe: %d", fionread(p[0]));
    r = res(write(p[1], big, 1));
    checkf(is_err(r, EAGAIN), "a 1-byte write to the full pipe -> %s (expected EAGAIN)", rs(r));
    close(p[0]);
    close(p[1]);

    pipe2(p, O_NONBLOCK);
    r = res(write(p[1], big, sizeof(big)));
    checkf(r.ret == CAPACITY, "one non-blocking write of %zu bytes into an empty pipe -> %s (what fits: %d)", sizeof(big),
           rs(r), CAPACITY);
    close(p[0]);
    close(p[1]);

    /* partial above PIPE_BUF */
    pipe2(p, O_NONBLOCK);
    write(p[1], big, CAPACITY - 4096);
    r = res(write(p[1], big, 8192));
    checkf(r.ret == 4096, "4096 bytes free, non-blocking write of 8192 (> PIPE_BUF) -> %s (partial: 4096)", rs(r));
    close(p[0]);
    close(p[1]);

    /* all or EAGAIN up to PIPE_BUF */
    pipe2(p, O_NONBLOCK);
    write(p[1], big, CAPACITY - 100);
    r = res(write(p[1], big, 200));
    checkf(is_err(r, EAGAIN), "100 bytes free, non-blocking write of 200 (<= PIPE_BUF) -> %s (expected EAGAIN)", rs(r));
    checkf(fionread(p[0]) == CAPACITY - 100, "nothing of it was written (FIONREAD %d)", fionread(p[0]));
    r = res(write(p[1], big, 100));
    checkf(r.ret == 100, "a write of exactly the 100 free bytes -> %s", rs(r));
    r = res(write(p[1], big, 1));
    checkf(is_err(r, EAGAIN), "then the pipe is full: write of 1 -> %s", rs(r));
    close(p[0]);
    close(p[1]);

    pipe2(p, O_NONBLOCK);
    char c;
    r = res(read(p[0], &c, 1));
    checkf(is_err(r, EAGAIN), "non-blocking read of an empty pipe -> %s (expected EAGAIN)", rs(r));
    r = res(read(p[0], &c, 0));
    checkf(r.ret == 0, "non-blocking read of 0 bytes from an empty pipe -> %s", rs(r));
    write(p[1], "abc", 3);
    r = res(read(p[0], &c, 0));
    checkf(r.ret == 0 && fionread(p[0]) == 3, "read of 0 bytes from a pipe with 3 -> %s, still %d buffered", rs(r),
           fionread(p[0]));
    close(p[0]);
    close(p[1]);
}

static int zero_read_child(void *arg)
{
    int *p = arg;
    char c;
    res_t r = res(read(p[0], &c, 0));
    ccheckf(r.ret == 0, "blocking read of 0 bytes from an empty pipe returns at once: %s", rs(r));
    return 0;
}

#define BLOCKED_WRITE (CAPACITY + 4096)

static int big_writer_child(void *arg)
{
    int *p = arg;
    close(p[0]);
    ssize_t w = write(p[1], big, BLOCKED_WRITE);
    return w == BLOCKED_WRITE ? 0 : 1;
}

static void blocking(void)
{
    int p[2];
    pipe(p);
    run_child_ok("zero-length read", zero_read_child, p);
    close(p[0]);
    close(p[1]);

    pipe(p);
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (unsigned char)(i % 251);
    int rd;
    pid_t pid = start_child(big_writer_child, p, &rd);
    close(p[1]);
    /* the pipe fills up: the child is then blocked in its write */
    long long deadline = now_ns() + CHILD_DEADLINE_NS;
    for (int round = 0; fionread(p[0]) < CAPACITY && now_ns() < deadline; round++)
        poll_pause(round);
    int filled = fionread(p[0]);
    int st = 0, done = 0;
    for (int i = 0; i < 60 && !done; i++) { /* 50 yields, 10 sleeps */
        done = waitpid(pid, &st, WNOHANG);
        poll_pause(i);
    }
    checkf(filled == CAPACITY && done == 0,
           "a child writing %d bytes at once: the pipe fills (%d bytes) and the child is still in write after 60 polls",
           BLOCKED_WRITE, filled);
    static unsigned char got[BLOCKED_WRITE];
    size_t n = read_bounded(p[0], got, BLOCKED_WRITE, now_ns() + CHILD_DEADLINE_NS);
    checkf(n == BLOCKED_WRITE && !memcmp(got, big, BLOCKED_WRITE), "the parent reads all %zu bytes, in order", n);
    if (!done)
        st = finish_child(pid, rd, "blocked writer");
    else
        close(rd);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 0, "then the writer's write returns the full %d (child: %s, 0 = yes)",
           BLOCKED_WRITE, status_str(st));
    close(p[0]);
}

/* --- PIPE_BUF atomicity ---------------------------------------------------------- */

#define MESSAGES 200

static int message_writer(void *arg)
{
    int *p = arg;
    close(p[0]);
    static unsigned char msg[PIPE_BUF];
    memset(msg, p[2], sizeof(msg));
    for (int i = 0; i < MESSAGES; i++)
        if (write(p[1], msg, sizeof(msg)) != PIPE_BUF)
            return 1;
    return 0;
}

static void atomicity(void)
{
    int p[3];
    pipe(p);
    int rd[2];
    pid_t pid[2];
    for (int k = 0; k < 2; k++) {
        p[2] = 'A' + k;
        pid[k] = start_child(message_writer, p, &rd[k]);
    }
    close(p[1]);
    unsigned count[2] = { 0, 0 }, mixed = 0, chunks = 0;
    static unsigned char chunk[PIPE_BUF];
    long long deadline = now_ns() + CHILD_DEADLINE_NS;
    for (;;) {
        size_t n = read_bounded(p[0], chunk, PIPE_BUF, deadline);
        if (n == 0)
            break;
        chunks++;
        bool same = n == PIPE_BUF;
        for (size_t i = 1; same && i < n; i++)
            same = chunk[i] == chunk[0];
        if (!same || (chunk[0] != 'A' && chunk[0] != 'B'))
            mixed++;
        else
            count[chunk[0] - 'A']++;
    }
    int st[2];
    for (int k = 0; k < 2; k++)
        st[k] = finish_child(pid[k], rd[k], "PIPE_BUF writer");
    checkf(PIPE_BUF == 4096, "PIPE_BUF is %d", PIPE_BUF);
    checkf(mixed == 0 && count[0] == MESSAGES && count[1] == MESSAGES && chunks == 2 * MESSAGES,
           "two children write %d messages of %d bytes each: %u chunks read, %u of A, %u of B, %u mixed", MESSAGES,
           PIPE_BUF, chunks, count[0], count[1], mixed);
    checkf(st[0] == 0 && st[1] == 0, "both writers wrote every message whole: %s, %s", status_str(st[0]),
           status_str(st[1]));
    close(p[0]);
}

int main(void)
{
    creation();
    across_fork();
    eof();
    epipe();
    capacity();
    blocking();
    atomicity();
    return check_summary();
}
