/*
 * Readiness: ppoll and pselect6 exactly as Linux has them (fs/select.c,
 * fs/pipe.c's pipe_poll), and Kenix's event objects (KX_OBJ_EVENT) behind
 * server descriptors.
 *
 * Pipes (readable, writable, full, hangup, POLLERR), POLLNVAL and negative
 * fds, kernel devices, pselect6's sets and counts, EBADF, blocks beyond 512
 * descriptors, many descriptors at once; timeouts zero, short (measured:
 * within a tick) and none with a child waking the caller, the time left
 * written back (and not for a zero timeout, and a read-only one not an
 * error); signal masks that block a signal for the wait and that let a
 * pending one through (EINTR at once, the caller's mask back afterwards, a
 * ready descriptor winning over the signal), EINTR even with SA_RESTART;
 * wake-ups by a child's write, close (POLLHUP, POLLERR) and read (POLLOUT),
 * and none lost when the child writes just as the caller starts waiting;
 * EFAULT, EINVAL, EBADF. The event part (Kenix only) checks kx_event_create /
 * kx_event_update, kx_fd_attach with an event, and a helper process (this
 * program with "event-helper") raising a bit while the caller sleeps in ppoll.
 *
 * Checked against Linux with qemu-aarch64-static (tests/guest/POSIX-TESTS.md).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>

#include "posix_test.h"

#include <kenix/io.h>
#include <kenix/kx.h>
#include <kenix/spawn.h>

#define SELF "/bin/test_poll"
#define MS 1000000LL
#define TICK_NS (10 * MS)
#define SLACK_NS (10 * MS) /* what a busy host may add to a guest's wake-up */
#define SIGBIT(s) (1ull << ((s) - 1))

/* Raw calls: 8-byte kernel sigsets, every argument as given. */
static res_t xppoll(struct pollfd *fds, unsigned long nfds, struct timespec *ts, const uint64_t *mask)
{
    return res(syscall(SYS_ppoll, fds, nfds, ts, mask, 8));
}

static res_t xpselect(long n, fd_set *r, fd_set *w, fd_set *e, struct timespec *ts, const uint64_t *mask)
{
    struct {
        const uint64_t *p;
        size_t size;
    } pack = { mask, 8 };
    return res(syscall(SYS_pselect6, n, r, w, e, ts, mask ? &pack : NULL));
}

static struct timespec zero(void)
{
    return (struct timespec){ 0, 0 };
}

static struct timespec ms(long n)
{
    return (struct timespec){ n / 1000, (n % 1000) * 1000000L };
}

static long long ts_ns(const struct timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void make_pipe(int p[2])
{
    if (pipe(p) != 0) {
        checkf(false, "pipe -> %s", rs(res(-1)));
        exit(1);
    }
}

static void close_pipe(int p[2])
{
    close(p[0]);
    close(p[1]);
}

/* Forks a child that sleeps `delay` ms, runs fn(arg) and exits 0. */
static pid_t later(long delay, void (*fn)(void *), void *arg)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(delay);
        fn(arg);
        _exit(0);
    }
    return pid;
}

static void reaped(pid_t pid, const char *what)
{
    int st;
    int r = reap(pid, &st);
    checkf(r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the child exited 0 (%s)", what,
           r == 0 ? status_str(st) : "not reaped");
}

static void write_byte(void *fd)
{
    ssize_t w = write(*(int *)fd, "x", 1);
    (void)w;
}

static void read_page(void *fd)
{
    static char buf[4096];
    ssize_t n = read(*(int *)fd, buf, sizeof(buf));
    (void)n;
}

/* --- pipes ------------------------------------------------------------------- */

static void pipes(void)
{
    int p[2];
    make_pipe(p);
    struct pollfd f[2] = { { p[0], POLLIN, 0x77 }, { p[1], POLLOUT, 0x77 } };
    struct timespec t = zero();
    res_t r = xppoll(f, 2, &t, NULL);
    checkf(r.ret == 1 && f[0].revents == 0 && f[1].revents == POLLOUT,
           "empty pipe: the write end is ready (POLLOUT), the read end not: %s, revents %#x %#x", rs(r), f[0].revents,
           f[1].revents);
    write_byte(&p[1]);
    r = xppoll(f, 2, &t, NULL);
    checkf(r.ret == 2 && f[0].revents == POLLIN && f[1].revents == POLLOUT,
           "a byte in it: POLLIN on the read end too: %s, revents %#x %#x", rs(r), f[0].revents, f[1].revents);
    f[0].events = POLLRDNORM;
    f[1].events = POLLWRNORM;
    r = xppoll(f, 2, &t, NULL);
    checkf(r.ret == 2 && f[0].revents == POLLRDNORM && f[1].revents == POLLWRNORM,
           "POLLRDNORM and POLLWRNORM asked: reported alone: %s, revents %#x %#x", rs(r), f[0].revents,
           f[1].revents);
    f[0].events = f[1].events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP | POLLRDBAND | POLLWRBAND;
    r = xppoll(f, 2, &t, NULL);
    checkf(r.ret == 2 && f[0].revents == POLLIN && f[1].revents == POLLOUT,
           "everything asked of both ends: the read end POLLIN, the write end POLLOUT: %s, revents %#x %#x", rs(r),
           f[0].revents, f[1].revents);
    f[0].events = f[1].events = 0;
    r = xppoll(f, 2, &t, NULL);
    checkf(r.ret == 0 && f[0].revents == 0 && f[1].revents == 0, "nothing asked: nothing reported: %s, %#x %#x",
           rs(r), f[0].revents, f[1].revents);

    /* Full: POLLOUT only once a PIPE_BUF write fits again (Linux: a free page). */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    static char big[65536];
    ssize_t w = write(p[1], big, sizeof(big) - 1); /* with the byte already there: exactly full */
    struct pollfd o = { p[1], POLLOUT, 0 };
    r = xppoll(&o, 1, &t, NULL);
    checkf(w == 65535 && r.ret == 0 && o.revents == 0, "full pipe (64 KiB): not writable: wrote %zd, %s, %#x", w,
           rs(r), o.revents);
    ssize_t n = read(p[0], big, 4095);
    r = xppoll(&o, 1, &t, NULL);
    checkf(n == 4095 && r.ret == 0, "4095 bytes read: still not writable (a PIPE_BUF write would block): %s", rs(r));
    n = read(p[0], big, 1);
    r = xppoll(&o, 1, &t, NULL);
    checkf(n == 1 && r.ret == 1 && o.revents == POLLOUT, "one more byte read (4096 free): POLLOUT: %s, %#x", rs(r),
           o.revents);
    /* Hangup: the writer gone. */
    close(p[1]);
    struct pollfd h = { p[0], POLLIN, 0 };
    r = xppoll(&h, 1, &t, NULL);
    checkf(r.ret == 1 && h.revents == (POLLIN | POLLHUP), "writer gone, bytes left: POLLIN|POLLHUP: %s, %#x", rs(r),
           h.revents);
    h.events = 0;
    r = xppoll(&h, 1, &t, NULL);
    checkf(r.ret == 1 && h.revents == POLLHUP, "POLLHUP is reported though not asked for: %s, %#x", rs(r), h.revents);
    while (read(p[0], big, sizeof(big)) > 0)
        ;
    h.events = POLLIN;
    r = xppoll(&h, 1, &t, NULL);
    checkf(r.ret == 1 && h.revents == POLLHUP, "drained: POLLHUP alone (end of file is not POLLIN): %s, %#x", rs(r),
           h.revents);
    close(p[0]);

    /* POLLERR: the readers gone. */
    make_pipe(p);
    close(p[0]);
    struct pollfd e = { p[1], POLLOUT, 0 };
    r = xppoll(&e, 1, &t, NULL);
    checkf(r.ret == 1 && e.revents == (POLLOUT | POLLERR), "reader gone: the write end POLLOUT|POLLERR: %s, %#x",
           rs(r), e.revents);
    e.events = 0;
    r = xppoll(&e, 1, &t, NULL);
    checkf(r.ret == 1 && e.revents == POLLERR, "POLLERR is reported though not asked for: %s, %#x", rs(r),
           e.revents);
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(p[1], &rd);
    FD_SET(p[1], &wr);
    r = xpselect(p[1] + 1, &rd, &wr, NULL, &t, NULL);
    checkf(r.ret == 2 && FD_ISSET(p[1], &rd) && FD_ISSET(p[1], &wr),
           "pselect6: that write end counts as readable and writable (POLLERR is in both sets): %s", rs(r));
    close(p[1]);
}

/* POLLNVAL and negative descriptors. */
static void bad_fds(void)
{
    int p[2];
    make_pipe(p);
    int closed = dup(p[0]);
    close(closed);
    struct pollfd f[4] = { { 999, POLLIN, 0x55 }, { -1, POLLIN, 0x55 }, { closed, 0, 0x55 }, { -77, 0, 0x55 } };
    struct timespec t = zero();
    res_t r = xppoll(f, 4, &t, NULL);
    checkf(r.ret == 2 && f[0].revents == POLLNVAL && f[1].revents == 0 && f[2].revents == POLLNVAL &&
               f[3].revents == 0,
           "fds 999 and a closed one: POLLNVAL (counted); negative fds: revents 0: %s, %#x %#x %#x %#x", rs(r),
           f[0].revents, f[1].revents, f[2].revents, f[3].revents);
    int opath = open("/dev/null", O_PATH);
    struct pollfd op = { opath, POLLIN | POLLOUT, 0 };
    r = xppoll(&op, 1, &t, NULL);
    checkf(opath >= 0 && r.ret == 1 && op.revents == POLLNVAL, "an O_PATH descriptor: POLLNVAL: %s, %#x", rs(r),
           op.revents);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(opath, &rd);
    r = xpselect(opath + 1, &rd, NULL, NULL, &t, NULL);
    checkf(r.ret == 1 && FD_ISSET(opath, &rd),
           "pselect6 on an O_PATH descriptor: readable, as a file without a poll operation (Linux 6.18): %s", rs(r));
    close(opath);
    close_pipe(p);
}

static void devices(void)
{
    static const struct {
        const char *path;
        int flags;
        short want;
    } dev[] = {
        { "/dev/null", O_RDWR, POLLIN | POLLOUT },
        { "/dev/zero", O_RDONLY, POLLIN | POLLOUT },
        { "/dev/full", O_WRONLY, POLLIN | POLLOUT },
        { "/dev/urandom", O_RDONLY, POLLIN | POLLOUT },
    };
    struct timespec t = zero();
    for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
        int fd = open(dev[i].path, dev[i].flags);
        struct pollfd f = { fd, POLLIN | POLLOUT | POLLPRI, 0 };
        res_t r = xppoll(&f, 1, &t, NULL);
        checkf(fd >= 0 && r.ret == 1 && f.revents == dev[i].want,
               "%s: always readable and writable, whatever its mode: %s, %#x", dev[i].path, rs(r), f.revents);
        f.events = POLLRDNORM | POLLWRNORM;
        r = xppoll(&f, 1, &t, NULL);
        checkf(r.ret == 1 && f.revents == (POLLRDNORM | POLLWRNORM), "%s: POLLRDNORM|POLLWRNORM too: %#x",
               dev[i].path, f.revents);
        fd_set rd, wr, ex;
        FD_ZERO(&rd);
        FD_ZERO(&wr);
        FD_ZERO(&ex);
        FD_SET(fd, &rd);
        FD_SET(fd, &wr);
        FD_SET(fd, &ex);
        r = xpselect(fd + 1, &rd, &wr, &ex, &t, NULL);
        checkf(r.ret == 2 && FD_ISSET(fd, &rd) && FD_ISSET(fd, &wr) && !FD_ISSET(fd, &ex),
               "%s: pselect6 counts it in two sets (2), not in the exceptional one: %s", dev[i].path, rs(r));
        close(fd);
    }
    if (on_kenix()) {
        struct pollfd f = { 1, POLLIN | POLLOUT, 0 };
        res_t r = xppoll(&f, 1, &t, NULL);
        kcheckf(r.ret == 1 && f.revents == (POLLIN | POLLOUT), "fd 1 (the kernel log): POLLIN|POLLOUT: %s, %#x",
                rs(r), f.revents);
    }
}

/* --- pselect6 ------------------------------------------------------------------ */

static void selects(void)
{
    int p[2], q[2];
    make_pipe(p);
    make_pipe(q);
    write_byte(&p[1]);
    fd_set rd, wr, ex;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    FD_SET(p[0], &rd);
    FD_SET(q[0], &rd);
    FD_SET(p[1], &wr);
    FD_SET(q[1], &wr);
    FD_SET(p[0], &ex);
    FD_SET(q[1], &ex);
    int n = q[1] > p[1] ? q[1] + 1 : p[1] + 1;
    struct timespec t = zero();
    res_t r = xpselect(n, &rd, &wr, &ex, &t, NULL);
    checkf(r.ret == 3 && FD_ISSET(p[0], &rd) && !FD_ISSET(q[0], &rd) && FD_ISSET(p[1], &wr) && FD_ISSET(q[1], &wr) &&
               !FD_ISSET(p[0], &ex) && !FD_ISSET(q[1], &ex),
           "pselect6: one readable, two writable, no exception: 3, sets rewritten: %s", rs(r));
    FD_ZERO(&rd);
    FD_SET(q[0], &rd);
    r = xpselect(n, &rd, NULL, NULL, &t, NULL);
    checkf(r.ret == 0 && !FD_ISSET(q[0], &rd), "nothing ready, zero timeout: 0 and the set cleared: %s", rs(r));
    r = xpselect(10, NULL, NULL, NULL, &t, NULL);
    checkf(r.ret == 0, "no sets at all: 0: %s", rs(r));

    int closed = dup(p[0]);
    close(closed);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    FD_SET(closed, &rd);
    r = xpselect(closed + 1, &rd, NULL, NULL, &t, NULL);
    checkf(is_err(r, EBADF) && FD_ISSET(closed, &rd) && FD_ISSET(p[0], &rd),
           "a closed fd in a set: EBADF, the sets untouched: %s", rs(r));
    r = xpselect(closed, &rd, NULL, NULL, &t, NULL);
    checkf(r.ret == 1 && FD_ISSET(p[0], &rd) && !FD_ISSET(closed, &rd),
           "the same with nfds = that fd: bits from nfds up are not looked at: %s", rs(r));
    r = xpselect(-1, &rd, NULL, NULL, &t, NULL);
    checkf(is_err(r, EINVAL), "nfds -1: EINVAL: %s", rs(r));
    r = xpselect(0x100000000L | 0, NULL, NULL, NULL, &t, NULL);
    checkf(r.ret == 0, "nfds 2^32 (an int: 0): 0: %s", rs(r));

    /* Beyond the first 512 descriptors (a block of the kernel's). */
    int hi = dup2(p[0], 700);
    static fd_set big_rd; /* FD_SETSIZE is 1024 */
    FD_ZERO(&big_rd);
    FD_SET(hi, &big_rd);
    FD_SET(q[0], &big_rd);
    r = xpselect(701, &big_rd, NULL, NULL, &t, NULL);
    checkf(hi == 700 && r.ret == 1 && FD_ISSET(700, &big_rd) && !FD_ISSET(q[0], &big_rd),
           "fd 700 (dup of a readable end) with nfds 701: found, and fd %d cleared: %s", q[0], rs(r));
    close(hi);
    close_pipe(p);
    close_pipe(q);
}

/* Many descriptors: 150 pipes, more than one page of the kernel's items. */
#define MANY 150
static int many_p[MANY][2];

static void many(void)
{
    static struct pollfd f[MANY];
    for (int i = 0; i < MANY; i++) {
        make_pipe(many_p[i]);
        f[i] = (struct pollfd){ many_p[i][0], POLLIN, 0 };
    }
    struct timespec t = zero();
    res_t r = xppoll(f, MANY, &t, NULL);
    checkf(r.ret == 0, "150 empty pipes: 0: %s", rs(r));
    pid_t pid = later(30, write_byte, &many_p[100][1]);
    t = ms(5000);
    long long t0 = now_ns();
    r = xppoll(f, MANY, &t, NULL);
    long long dt = now_ns() - t0;
    int others = 0;
    for (int i = 0; i < MANY; i++)
        others += i != 100 && f[i].revents;
    checkf(r.ret == 1 && f[100].revents == POLLIN && !others && dt < 2000 * MS,
           "150 pipes, a child writes to the 101st after 30 ms: woken, that one POLLIN (%lld ms): %s", dt / MS,
           rs(r));
    reaped(pid, "many");
    static fd_set rd;
    FD_ZERO(&rd);
    int n = 0;
    for (int i = 0; i < MANY; i++) {
        FD_SET(many_p[i][0], &rd);
        if (many_p[i][0] >= n)
            n = many_p[i][0] + 1;
    }
    t = zero();
    r = xpselect(n, &rd, NULL, NULL, &t, NULL);
    int set = 0;
    for (int i = 0; i < n; i++)
        set += FD_ISSET(i, &rd);
    checkf(r.ret == 1 && set == 1 && FD_ISSET(many_p[100][0], &rd), "pselect6 over the same 150: 1, that one: %s",
           rs(r));
    for (int i = 0; i < MANY; i++)
        close_pipe(many_p[i]);
}

/* --- timeouts ---------------------------------------------------------------- */

static void timeouts(void)
{
    int p[2];
    make_pipe(p);
    struct pollfd f = { p[0], POLLIN, 0 };
    struct timespec t = zero();
    long long t0 = now_ns();
    res_t r = xppoll(&f, 1, &t, NULL);
    long long dt = now_ns() - t0;
    checkf(r.ret == 0 && dt < 5 * MS, "zero timeout, nothing ready: 0 at once (%lld us)", dt / 1000);

    const long waits[] = { 30, 55 };
    for (size_t i = 0; i < 2; i++) {
        t = ms(waits[i]);
        t0 = now_ns();
        r = xppoll(&f, 1, &t, NULL);
        dt = now_ns() - t0;
        checkf(r.ret == 0 && dt >= waits[i] * MS && dt < waits[i] * MS + TICK_NS + SLACK_NS,
               "ppoll %ld ms, nothing ready: 0 after %lld.%03lld ms (within a tick)", waits[i], dt / MS,
               dt % MS / 1000);
        checkf(t.tv_sec == 0 && t.tv_nsec == 0, "and the time left written back is 0: {%lld, %ld}",
               (long long)t.tv_sec, t.tv_nsec);
    }
    t = ms(40);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    t0 = now_ns();
    r = xpselect(p[0] + 1, &rd, NULL, NULL, &t, NULL);
    dt = now_ns() - t0;
    checkf(r.ret == 0 && dt >= 40 * MS && dt < 40 * MS + TICK_NS + SLACK_NS && t.tv_sec == 0 && t.tv_nsec == 0 &&
               !FD_ISSET(p[0], &rd),
           "pselect6 40 ms: 0 after %lld ms, time left 0, set cleared", dt / MS);

    /* Ready at once: the time left is nearly all of it. */
    write_byte(&p[1]);
    t = ms(5000);
    t0 = now_ns();
    r = xppoll(&f, 1, &t, NULL);
    dt = now_ns() - t0;
    long long left = ts_ns(&t);
    checkf(r.ret == 1 && left <= 5000 * MS && left >= 5000 * MS - dt - MS,
           "ready at once with 5 s: time left written back %lld.%09lld s", left / 1000000000LL,
           left % 1000000000LL);
    char c;
    ssize_t n = read(p[0], &c, 1);
    (void)n;

    /* NULL: forever, until a child writes. */
    pid_t pid = later(30, write_byte, &p[1]);
    t0 = now_ns();
    r = xppoll(&f, 1, NULL, NULL);
    dt = now_ns() - t0;
    checkf(r.ret == 1 && f.revents == POLLIN && dt >= 15 * MS,
           "no timeout: sleeps until a child writes (%lld ms): %s, %#x", dt / MS, rs(r), f.revents);
    reaped(pid, "ppoll forever");
    n = read(p[0], &c, 1);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    pid = later(30, write_byte, &p[1]);
    r = xpselect(p[0] + 1, &rd, NULL, NULL, NULL, NULL);
    checkf(r.ret == 1 && FD_ISSET(p[0], &rd), "pselect6 without timeout: woken by the child's write: %s", rs(r));
    reaped(pid, "pselect6 forever");
    n = read(p[0], &c, 1);

    /* A zero timeout is not written back (it may be read-only); a non-zero one that cannot be is no error. */
    struct timespec *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *ro = zero();
    mprotect(ro, 4096, PROT_READ);
    r = xppoll(&f, 1, ro, NULL);
    kcheckf(r.ret == 0, "zero timeout in read-only memory: 0, nothing written: %s", rs(r));
    mprotect(ro, 4096, PROT_READ | PROT_WRITE);
    *ro = ms(5000);
    mprotect(ro, 4096, PROT_READ);
    write_byte(&p[1]);
    r = xppoll(&f, 1, ro, NULL);
    kcheckf(r.ret == 1, "5 s timeout in read-only memory, fd ready: 1 (the failed write-back is no error): %s",
            rs(r));
    munmap(ro, 4096);
    close_pipe(p);
}

/* Wake-ups by a child: close (POLLHUP, POLLERR), read (POLLOUT). */
static void wakeups(void)
{
    int p[2];
    make_pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        sleep_ms(30);
        _exit(0); /* the last write end goes */
    }
    close(p[1]);
    struct pollfd f = { p[0], POLLIN, 0 };
    struct timespec t = ms(5000);
    res_t r = xppoll(&f, 1, &t, NULL);
    checkf(r.ret == 1 && f.revents == POLLHUP, "the child (the last writer) exits: POLLHUP wakes a POLLIN poller: %s, %#x",
           rs(r), f.revents);
    reaped(pid, "POLLHUP");
    close(p[0]);

    make_pipe(p);
    pid = fork();
    if (pid == 0) {
        close(p[1]);
        sleep_ms(30);
        _exit(0); /* the last read end goes */
    }
    close(p[0]);
    f = (struct pollfd){ p[1], 0, 0 };
    t = ms(5000);
    r = xppoll(&f, 1, &t, NULL);
    checkf(r.ret == 1 && f.revents == POLLERR, "the last reader exits: POLLERR wakes a poller that asked nothing: %s, %#x",
           rs(r), f.revents);
    reaped(pid, "POLLERR");
    close(p[1]);

    make_pipe(p);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    static char big[65536];
    ssize_t w = write(p[1], big, sizeof(big));
    pid = later(30, read_page, &p[0]);
    f = (struct pollfd){ p[1], POLLOUT, 0 };
    t = ms(5000);
    r = xppoll(&f, 1, &t, NULL);
    checkf(w == 65536 && r.ret == 1 && f.revents == POLLOUT, "full pipe, a child reads 4 KiB: POLLOUT wakes the writer: %s",
           rs(r));
    reaped(pid, "POLLOUT");
    close_pipe(p);
}

/* Several processes polling one pipe: one write wakes them all. */
static int poll_one_pipe(void *arg)
{
    int fd = *(int *)arg;
    struct pollfd f = { fd, POLLIN, 0 };
    struct timespec t = ms(5000);
    res_t r = xppoll(&f, 1, &t, NULL);
    return r.ret == 1 && f.revents == POLLIN ? 0 : 1;
}

static void shared_pipe(void)
{
    int p[2];
    make_pipe(p);
    pid_t kids[6];
    for (int i = 0; i < 6; i++) {
        fflush(stdout);
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(poll_one_pipe(&p[0]));
    }
    sleep_ms(50); /* they are all asleep on the pipe by now (or will see the byte) */
    write_byte(&p[1]);
    int ok = 0;
    for (int i = 0; i < 6; i++) {
        int st;
        ok += reap(kids[i], &st) == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    checkf(ok == 6, "six processes polling one pipe: one write wakes all six: %d", ok);
    close_pipe(p);
}

/* A child writes just as the parent starts waiting: no wake-up may be lost. */
static void no_lost_wakeup(void)
{
    int go[2], data[2];
    make_pipe(go);
    make_pipe(data);
    const int rounds = 300;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(go[1]);
        close(data[0]);
        char c;
        for (int i = 0; read(go[0], &c, 1) == 1; i++) {
            for (volatile int k = 0; k < (i * 7) % 61; k++)
                ;
            if (write(data[1], "d", 1) != 1)
                _exit(1);
        }
        _exit(0);
    }
    close(go[0]);
    close(data[1]);
    int ok = 0;
    long long worst = 0;
    for (int i = 0; i < rounds; i++) {
        if (write(go[1], "g", 1) != 1)
            break;
        for (volatile int k = 0; k < (i * 5) % 43; k++)
            ;
        struct pollfd f = { data[0], POLLIN, 0 };
        struct timespec t = ms(3000);
        long long t0 = now_ns();
        res_t r = xppoll(&f, 1, &t, NULL);
        long long dt = now_ns() - t0;
        if (dt > worst)
            worst = dt;
        char c;
        if (r.ret == 1 && f.revents == POLLIN && read(data[0], &c, 1) == 1)
            ok++;
        else
            break;
    }
    checkf(ok == rounds && worst < 1000 * MS,
           "%d rounds of a child writing just as ppoll starts: %d woken, slowest %lld ms (none waited for the timeout)",
           rounds, ok, worst / MS);
    close(go[1]);
    reaped(pid, "lost wake-up");
    close(data[0]);
}

/* --- signal masks ------------------------------------------------------------ */

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    (void)sig;
    got++;
}

static uint64_t current_mask(void)
{
    uint64_t m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    return m;
}

static uint64_t pending_set(void)
{
    uint64_t m = 0;
    syscall(SYS_rt_sigpending, &m, 8);
    return m;
}

static void set_mask(uint64_t m)
{
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, 8);
}

static void send_usr1_to_parent(void *arg)
{
    (void)arg;
    kill(getppid(), SIGUSR1);
}

static void masks(void)
{
    struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    if (!checkf(sigaction(SIGUSR1, &sa, NULL) == 0, "a SIGUSR1 handler (SA_RESTART) is installed"))
        return;
    int p[2];
    make_pipe(p);
    struct pollfd f = { p[0], POLLIN, 0 };
    const uint64_t usr1 = SIGBIT(SIGUSR1), none = 0;

    /* The mask blocks SIGUSR1 for the wait: the signal waits until the call returns. */
    got = 0;
    set_mask(0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(30);
        kill(getppid(), SIGUSR1);
        sleep_ms(30);
        write_byte(&p[1]);
        _exit(0);
    }
    struct timespec t = ms(5000);
    res_t r = xppoll(&f, 1, &t, &usr1);
    int seen = got;
    checkf(r.ret == 1 && f.revents == POLLIN,
           "a mask blocking SIGUSR1: the signal does not end the wait; the call returns 1 when the child writes: %s",
           rs(r));
    kcheckf(seen == 1, "and the handler runs as the call returns, its mask restored (ran %d times)", seen);
    checkf(current_mask() == 0, "and the caller's mask is back: %#llx", (unsigned long long)current_mask());
    reaped(pid, "blocking mask");
    char c;
    ssize_t n = read(p[0], &c, 1);
    (void)n;

    /* A pending signal the caller blocks, let through by the call's mask: EINTR at once. */
    set_mask(usr1);
    got = 0;
    raise(SIGUSR1);
    t = ms(5000);
    long long t0 = now_ns();
    r = xppoll(&f, 1, &t, &none);
    long long dt = now_ns() - t0;
    checkf(is_err(r, EINTR) && got == 1 && dt < 100 * MS,
           "SIGUSR1 pending and blocked, ppoll's mask lets it through: EINTR at once (%lld ms), handler ran %d, even "
           "with SA_RESTART: %s",
           dt / MS, (int)got, rs(r));
    checkf(current_mask() == usr1 && !(pending_set() & usr1), "after it, the caller's mask (SIGUSR1 blocked) is back: %#llx",
           (unsigned long long)current_mask());
    long long left = ts_ns(&t);
    checkf(left > 4800 * MS && left <= 5000 * MS, "the time left is written back: %lld ms", left / MS);
    got = 0;
    raise(SIGUSR1);
    t = zero();
    r = xppoll(&f, 1, &t, &none);
    checkf(is_err(r, EINTR) && got == 1, "the same with a zero timeout: EINTR: %s", rs(r));
    got = 0;
    raise(SIGUSR1);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    t = ms(5000);
    r = xpselect(p[0] + 1, &rd, NULL, NULL, &t, &none);
    checkf(is_err(r, EINTR) && got == 1 && FD_ISSET(p[0], &rd),
           "pselect6 likewise: EINTR, the set left as it was: %s", rs(r));

    /* Ready beats the signal: the call returns its count, the signal stays pending under the caller's mask. */
    got = 0;
    raise(SIGUSR1);
    write_byte(&p[1]);
    t = ms(5000);
    r = xppoll(&f, 1, &t, &none);
    checkf(r.ret == 1 && got == 0 && (pending_set() & usr1),
           "pending SIGUSR1 let through, but an fd is ready: 1, no handler, still pending (the mask came back first): %s, "
           "handler ran %d",
           rs(r), (int)got);
    set_mask(0);
    checkf(got == 1, "unblocked afterwards, it is delivered: handler ran %d", (int)got);
    n = read(p[0], &c, 1);

    /* No mask at all: a handled signal ends the wait with EINTR (SA_RESTART or not). */
    got = 0;
    pid = later(30, send_usr1_to_parent, NULL);
    t = ms(5000);
    r = xppoll(&f, 1, &t, NULL);
    checkf(is_err(r, EINTR) && got == 1, "a handled SIGUSR1 during ppoll (no mask): EINTR despite SA_RESTART: %s",
           rs(r));
    reaped(pid, "EINTR");
    got = 0;
    pid = later(30, send_usr1_to_parent, NULL);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    r = xpselect(p[0] + 1, &rd, NULL, NULL, NULL, NULL);
    checkf(is_err(r, EINTR) && got == 1, "and during pselect6 without a timeout: EINTR: %s", rs(r));
    reaped(pid, "EINTR pselect6");

    r = res(syscall(SYS_ppoll, &f, 1, &t, &none, 7));
    checkf(is_err(r, EINVAL), "ppoll sigsetsize 7: EINVAL: %s", rs(r));
    r = res(syscall(SYS_ppoll, &f, 1, &(struct timespec){ 0, 0 }, NULL, 12345));
    checkf(r.ret == 0, "no mask: its size is not looked at: %s", rs(r));
    struct {
        const uint64_t *p;
        size_t size;
    } pack = { &none, 16 };
    r = res(syscall(SYS_pselect6, 0, NULL, NULL, NULL, &t, &pack));
    checkf(is_err(r, EINVAL), "pselect6 sigsetsize 16: EINVAL: %s", rs(r));
    signal(SIGUSR1, SIG_DFL);
    set_mask(0);
    close_pipe(p);
}

/* --- errors -------------------------------------------------------------------- */

static void errors(void)
{
    int p[2];
    make_pipe(p);
    write_byte(&p[1]);
    struct pollfd f = { p[0], POLLIN, 0 };
    struct timespec t = zero();
    void *bad = (void *)8;
    res_t r = xppoll(bad, 1, &t, NULL);
    checkf(is_err(r, EFAULT), "ppoll fds at a bad address: EFAULT: %s", rs(r));
    r = xppoll(bad, 0, &t, NULL);
    checkf(r.ret == 0, "... with nfds 0 nothing is read: 0: %s", rs(r));
    r = xppoll(&f, 1, bad, NULL);
    checkf(is_err(r, EFAULT), "timeout at a bad address: EFAULT: %s", rs(r));
    r = xppoll(&f, 1, &t, bad);
    checkf(is_err(r, EFAULT), "sigmask at a bad address: EFAULT: %s", rs(r));
    struct timespec inval[] = { { 0, 1000000000 }, { -1, 0 }, { 0, -1 } };
    for (int i = 0; i < 3; i++) {
        t = inval[i];
        r = xppoll(&f, 1, &t, NULL);
        checkf(is_err(r, EINVAL), "timeout {%lld, %ld}: EINVAL: %s", (long long)inval[i].tv_sec, inval[i].tv_nsec,
               rs(r));
    }
    t = zero();
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    size_t cnt = rl.rlim_cur + 1;
    struct pollfd *many = calloc(cnt, sizeof(*many));
    for (size_t i = 0; i < cnt; i++)
        many[i].fd = -1;
    r = xppoll(many, cnt, &t, NULL);
    checkf(is_err(r, EINVAL), "nfds = RLIMIT_NOFILE + 1 (%zu): EINVAL: %s", cnt, rs(r));
    r = xppoll(many, cnt - 1, &t, NULL);
    checkf(r.ret == 0, "nfds = RLIMIT_NOFILE, all negative: 0: %s", rs(r));
    free(many);
    r = xppoll(&f, 0x100000001ul, &t, NULL);
    checkf(r.ret == 1 && f.revents == POLLIN, "nfds 2^32 + 1 is 1 (an unsigned int): %s", rs(r));

    /* revents cannot be written back: EFAULT, though the fd was ready. */
    struct pollfd *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *ro = f;
    mprotect(ro, 4096, PROT_READ);
    r = xppoll(ro, 1, &t, NULL);
    checkf(is_err(r, EFAULT), "pollfds in read-only memory: EFAULT: %s", rs(r));

    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    r = xpselect(p[0] + 1, bad, NULL, NULL, &t, NULL);
    checkf(is_err(r, EFAULT), "pselect6 readfds at a bad address: EFAULT: %s", rs(r));
    r = xpselect(p[0] + 1, &rd, NULL, NULL, bad, NULL);
    checkf(is_err(r, EFAULT), "pselect6 timeout at a bad address: EFAULT: %s", rs(r));
    r = res(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &t, bad));
    checkf(is_err(r, EFAULT), "pselect6 sigmask pack at a bad address: EFAULT: %s", rs(r));
    uint64_t *ro_set = (uint64_t *)ro;
    mprotect(ro, 4096, PROT_READ | PROT_WRITE);
    memset(ro_set, 0, 128);
    ro_set[0] = 1ull << p[0];
    mprotect(ro, 4096, PROT_READ);
    r = xpselect(p[0] + 1, (fd_set *)ro_set, NULL, NULL, &t, NULL);
    checkf(is_err(r, EFAULT), "pselect6 result set in read-only memory: EFAULT: %s", rs(r));
    munmap(ro, 4096);
    close_pipe(p);
}

/* --- events (Kenix only) ------------------------------------------------------ */

#define SLOT_EVENT 5

static int event_helper(void)
{
    sleep_ms(30);
    return kx_event_update(SLOT_EVENT, 0, KX_EVENT_IN) == KX_EVENT_IN ? 0 : 1;
}

static void events(void)
{
    if (!on_kenix()) {
        skipf("(Kenix only) event objects, kx_fd_attach with an event");
        return;
    }
    long ev = kx_event_create();
    struct kx_handle_info info;
    kcheckf(ev > 0 && kx_handle_info((kx_handle_t)ev, &info) == 0 && info.type == KX_OBJ_EVENT &&
                info.rights == (KX_RIGHT_DUP | KX_RIGHT_TRANSFER | KX_RIGHT_READ | KX_RIGHT_WRITE),
            "kx_event_create: an event handle with DUP, TRANSFER, READ, WRITE (%ld)", ev);
    kx_handle_t e = (kx_handle_t)ev;
    long u = kx_event_update(e, 0, KX_EVENT_IN | KX_EVENT_OUT);
    kcheckf(u == (KX_EVENT_IN | KX_EVENT_OUT), "kx_event_update sets bits and returns the word: %#lx", u);
    u = kx_event_update(e, KX_EVENT_IN | KX_EVENT_OUT, KX_EVENT_OUT);
    kcheckf(u == KX_EVENT_OUT, "clears, then sets (a bit in both stays set): %#lx", u);
    kcheckf(kx_event_update(e, 0, 0x40) == -EINVAL && kx_event_update(e, 0x100, 0) == -EINVAL,
            "bits outside KX_EVENT_ALL (POLLRDNORM, POLLWRNORM): EINVAL");
    long ro = kx_handle_dup(e, KX_RIGHT_READ);
    kcheckf(kx_event_update((kx_handle_t)ro, 0, KX_EVENT_IN) == -EPERM, "update needs WRITE: EPERM");
    long n = kx_notify_create();
    kcheckf(kx_event_update((kx_handle_t)n, 0, 1) == -EINVAL, "update on a notification: EINVAL");
    kcheckf(kx_event_update(0, 0, 1) == -EBADF, "update on handle 0: EBADF");

    long ep = kx_endpoint_create();
    int fd = (int)kx_fd_attach_event((kx_handle_t)ep, 1, O_RDWR, e);
    kcheckf(fd >= 0, "kx_fd_attach with KX_FD_EVENT: a descriptor carrying the event (%d)", fd);
    struct pollfd f = { fd, POLLIN | POLLOUT, 0 };
    struct timespec t = zero();
    res_t r = xppoll(&f, 1, &t, NULL);
    kcheckf(r.ret == 1 && f.revents == POLLOUT, "ppoll reads the event's word (POLLOUT): %s, %#x", rs(r), f.revents);
    kx_event_update(e, KX_EVENT_OUT, 0);
    r = xppoll(&f, 1, &t, NULL);
    kcheckf(r.ret == 0 && f.revents == 0, "word 0: not ready: %s", rs(r));
    kx_event_update(e, 0, KX_EVENT_IN);
    f.events = POLLRDNORM;
    r = xppoll(&f, 1, &t, NULL);
    kcheckf(r.ret == 1 && f.revents == POLLRDNORM, "POLLIN in the word is POLLRDNORM too: %#x", f.revents);
    kx_event_update(e, KX_EVENT_IN, KX_EVENT_HUP | KX_EVENT_PRI);
    f.events = 0;
    r = xppoll(&f, 1, &t, NULL);
    kcheckf(r.ret == 1 && f.revents == POLLHUP, "POLLHUP is reported unasked: %#x", f.revents);
    fd_set rd, wr, ex;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    FD_SET(fd, &rd);
    FD_SET(fd, &wr);
    FD_SET(fd, &ex);
    r = xpselect(fd + 1, &rd, &wr, &ex, &t, NULL);
    kcheckf(r.ret == 2 && FD_ISSET(fd, &rd) && !FD_ISSET(fd, &wr) && FD_ISSET(fd, &ex),
            "pselect6: POLLHUP counts as readable, POLLPRI as exceptional: %s", rs(r));
    kx_event_update(e, KX_EVENT_ALL, 0);

    /* A helper holding the event raises POLLIN while we sleep in ppoll. */
    struct kx_initrd rd0;
    long helper = -1;
    if (kx_initrd_open(KX_SLOT_INITRD, &rd0) == 0) {
        char *argv[] = { SELF, "event-helper", NULL };
        struct kx_give give = { e, KX_RIGHT_WRITE, SLOT_EVENT };
        helper = kx_spawn_with(&rd0, SELF, argv, NULL, &give, 1);
    }
    f.events = POLLIN;
    t = ms(5000);
    long long t0 = now_ns();
    r = xppoll(&f, 1, &t, NULL);
    long long dt = now_ns() - t0;
    kcheckf(helper > 0 && r.ret == 1 && f.revents == POLLIN && dt < 2000 * MS,
            "another process's kx_event_update wakes ppoll (%lld ms): %s, %#x", dt / MS, rs(r), f.revents);
    kcheckf(helper > 0 && kx_process_wait((kx_handle_t)helper) == 0, "the helper exited 0");

    /* The descriptor keeps the event: the handles may go. */
    kx_handle_close(e);
    kx_handle_close((kx_handle_t)ro);
    r = xppoll(&f, 1, &t, NULL);
    kcheckf(r.ret == 1 && f.revents == POLLIN, "the event's handles closed: the descriptor still reads it: %#x",
            f.revents);
    close(fd);

    int plain = (int)kx_fd_attach((kx_handle_t)ep, 2, O_RDONLY);
    f = (struct pollfd){ plain, POLLIN | POLLOUT, 0 };
    t = zero();
    r = xppoll(&f, 1, &t, NULL);
    kcheckf(r.ret == 1 && f.revents == (POLLIN | POLLOUT), "a server object without an event: POLLIN|POLLOUT: %#x",
            f.revents);
    close(plain);
    long junk = kenix_trap4(KX_SYS_fd_attach, (long)ep, 3, O_RDONLY, 0xdeadbeef);
    kcheckf(junk >= 0, "without KX_FD_EVENT, x3 is not looked at (garbage there): %ld", junk);
    if (junk >= 0)
        close((int)junk);
    long ev2 = kx_event_create();
    long ev_ro = kx_handle_dup((kx_handle_t)ev2, KX_RIGHT_WRITE);
    kcheckf(kenix_trap4(KX_SYS_fd_attach, (long)ep, 4, O_RDONLY | KX_FD_EVENT, 0) == -EBADF &&
                kenix_trap4(KX_SYS_fd_attach, (long)ep, 4, O_RDONLY | KX_FD_EVENT, n) == -EINVAL &&
                kenix_trap4(KX_SYS_fd_attach, (long)ep, 4, O_RDONLY | KX_FD_EVENT, ev_ro) == -EPERM,
            "KX_FD_EVENT with handle 0: EBADF; a notification: EINVAL; an event without READ: EPERM");
    kx_handle_close((kx_handle_t)ev2);
    kx_handle_close((kx_handle_t)ev_ro);
    kx_handle_close((kx_handle_t)n);
    kx_handle_close((kx_handle_t)ep);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "event-helper"))
        return event_helper();
    pipes();
    bad_fds();
    devices();
    selects();
    many();
    timeouts();
    wakeups();
    shared_pipe();
    no_lost_wakeup();
    masks();
    errors();
    events();
    return check_summary();
}
