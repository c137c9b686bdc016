/*
 * The file descriptor table, with Linux's rules: dup/dup3/fcntl numbering,
 * close-on-exec per descriptor and status flags per open file description
 * (shared with dups and across fork), EBADF everywhere a bad fd goes,
 * RLIMIT_NOFILE and EMFILE, the generic ioctls, the kernel devices
 * (/dev/null, zero, full, random, urandom), readv/writev and bad user
 * pointers. Uses no files (Kenix has no VFS yet): devices and pipes only.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "posix_test.h"

#define BAD_FD 99
#define KERNEL_ADDRESS ((void *)0xffffffff80080000ull)

static int lowest_free(void)
{
    int fd = 0;
    while (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
        fd++;
    return fd;
}

static bool is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

static int getfd(int fd)
{
    return fcntl(fd, F_GETFD);
}

static int getfl(int fd)
{
    return fcntl(fd, F_GETFL);
}

static void dup_numbering(void)
{
    int lf = lowest_free();
    int a = open("/dev/null", O_RDWR);
    checkf(a == lf, "open gives the lowest free fd: %d (expected %d)", a, lf);
    int b = open("/dev/null", O_RDWR);
    close(a);
    int d = dup(b);
    checkf(d == a, "dup gives the lowest free fd: %d (expected %d)", d, a);
    int d2 = dup(b);
    checkf(d2 == b + 1, "dup again: %d (expected %d)", d2, b + 1);
    close(d);
    close(d2);

    /* dup3 with O_CLOEXEC: the flag on the new fd only */
    res_t r = res(dup3(b, 40, O_CLOEXEC));
    checkf(r.ret == 40 && getfd(40) == FD_CLOEXEC && getfd(b) == 0,
           "dup3(%d, 40, O_CLOEXEC) -> %s: FD_CLOEXEC on 40 (F_GETFD %d), not on %d (F_GETFD %d)", b, rs(r), getfd(40),
           b, getfd(b));
    /* dup3 onto an open fd replaces it; dup2 clears FD_CLOEXEC on the target */
    int z = open("/dev/zero", O_RDONLY);
    r = res(dup3(b, z, 0));
    char c = 'x';
    ssize_t n = read(z, &c, 1);
    checkf(r.ret == z && n == 0, "dup3 onto an open fd (/dev/zero) -> %s replaces it: now /dev/null, read -> %zd", rs(r),
           n);
    r = res(dup2(b, 40));
    checkf(r.ret == 40 && getfd(40) == 0, "dup2 onto an fd with FD_CLOEXEC -> %s, F_GETFD now %d", rs(r), getfd(40));
    close(40);
    close(z);

    r = res(dup3(b, b, 0));
    checkf(is_err(r, EINVAL), "dup3(a, a, 0) -> %s (expected EINVAL)", rs(r));
    r = res(syscall(SYS_dup3, b, b, O_CLOEXEC));
    checkf(is_err(r, EINVAL), "raw dup3(a, a, O_CLOEXEC) -> %s (expected EINVAL)", rs(r));
    r = res(syscall(SYS_dup3, b, 41, O_NONBLOCK));
    checkf(is_err(r, EINVAL) && !is_open(41), "raw dup3(a, 41, O_NONBLOCK) -> %s (expected EINVAL), 41 not opened",
           rs(r));
    r = res(syscall(SYS_dup3, b, 41, 1));
    checkf(is_err(r, EINVAL) && !is_open(41), "raw dup3(a, 41, 1) -> %s (expected EINVAL)", rs(r));

    r = res(dup2(b, b));
    checkf(r.ret == b, "dup2(a, a) -> %s (expected %d)", rs(r), b);
    r = res(dup2(BAD_FD, BAD_FD));
    checkf(is_err(r, EBADF), "dup2(closed, closed) -> %s (expected EBADF)", rs(r));

    /* F_DUPFD / F_DUPFD_CLOEXEC */
    res_t r2;
    r = res(fcntl(b, F_DUPFD, 30));
    r2 = res(fcntl(b, F_DUPFD, 30));
    checkf(r.ret == 30 && r2.ret == 31, "F_DUPFD(30) twice -> %s, %s (lowest >= 30: 30, 31)", rs(r), rs(r2));
    checkf(getfd(30) == 0, "F_DUPFD: no FD_CLOEXEC on the new fd (F_GETFD %d)", getfd(30));
    r = res(fcntl(b, F_DUPFD_CLOEXEC, 30));
    checkf(r.ret == 32 && getfd(32) == FD_CLOEXEC, "F_DUPFD_CLOEXEC(30) -> %s with FD_CLOEXEC (F_GETFD %d)", rs(r),
           getfd(32));
    lf = lowest_free();
    r = res(fcntl(b, F_DUPFD, 0));
    checkf(r.ret == lf, "F_DUPFD(0) -> %s (the lowest free, %d)", rs(r), lf);
    close((int)r.ret);
    close(30);
    close(31);
    close(32);

    /* the close-on-exec bit belongs to the descriptor */
    d = dup(b);
    r = res(fcntl(d, F_SETFD, FD_CLOEXEC));
    checkf(r.ret == 0 && getfd(d) == FD_CLOEXEC && getfd(b) == 0,
           "F_SETFD FD_CLOEXEC on a dup -> %s: set there (%d), not on the original (%d)", rs(r), getfd(d), getfd(b));
    r = res(fcntl(d, F_SETFD, 0));
    checkf(r.ret == 0 && getfd(d) == 0, "F_SETFD 0 -> %s clears it (%d)", rs(r), getfd(d));
    close(d);
    close(b);
}

static int shared_flags_child(void *arg)
{
    int fd = *(int *)arg;
    int fl = getfl(fd);
    ccheckf(fl != -1 && (fl & O_NONBLOCK), "child after fork: O_NONBLOCK set by the parent shows (F_GETFL 0x%x)", fl);
    char c;
    res_t r = res(read(fd, &c, 1));
    ccheckf(is_err(r, EAGAIN), "child: read of the empty pipe -> %s (expected EAGAIN)", rs(r));
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return 0;
}

static void status_flags(void)
{
    int p[2];
    pipe(p);
    int d = dup(p[0]);
    checkf((getfl(p[0]) & O_ACCMODE) == O_RDONLY && (getfl(p[1]) & O_ACCMODE) == O_WRONLY,
           "F_GETFL of a pipe: read end O_RDONLY (0x%x), write end O_WRONLY (0x%x)", getfl(p[0]), getfl(p[1]));
    res_t r = res(fcntl(p[0], F_SETFL, O_NONBLOCK));
    checkf(r.ret == 0 && (getfl(d) & O_NONBLOCK),
           "F_SETFL O_NONBLOCK -> %s through one fd shows through its dup (F_GETFL 0x%x)", rs(r), getfl(d));
    checkf(!(getfl(p[1]) & O_NONBLOCK), "but not on the other end of the pipe (0x%x)", getfl(p[1]));
    run_child_ok("O_NONBLOCK across fork", shared_flags_child, &d);
    checkf(!(getfl(p[0]) & O_NONBLOCK), "the child cleared O_NONBLOCK: the parent sees it cleared too (F_GETFL 0x%x)",
           getfl(p[0]));
    close(d);
    close(p[0]);
    close(p[1]);

    int fd = open("/dev/null", O_RDONLY);
    r = res(fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK));
    int fl = getfl(fd);
    checkf(r.ret == 0 && (fl & O_ACCMODE) == O_RDONLY && (fl & O_NONBLOCK),
           "F_SETFL(O_RDWR|O_NONBLOCK) on an O_RDONLY fd -> %s: access mode stays O_RDONLY, O_NONBLOCK set (0x%x)",
           rs(r), fl);
    r = res(write(fd, "x", 1));
    checkf(is_err(r, EBADF), "and it still cannot be written: %s (expected EBADF)", rs(r));
    close(fd);
    fd = open("/dev/null", O_WRONLY);
    fl = getfl(fd);
    checkf((fl & O_ACCMODE) == O_WRONLY && !(fl & O_NONBLOCK), "F_GETFL of an O_WRONLY open: 0x%x", fl);
    close(fd);
    fd = open("/dev/null", O_RDWR | O_NONBLOCK);
    fl = getfl(fd);
    checkf((fl & O_ACCMODE) == O_RDWR && (fl & O_NONBLOCK), "F_GETFL of an O_RDWR|O_NONBLOCK open: 0x%x", fl);
    close(fd);
}

static void bad_fds(void)
{
    char buf[4];
    int bads[] = { BAD_FD, -1, 1 << 20 };
    for (int i = 0; i < 3; i++) {
        int fd = bads[i];
        res_t r[10];
        int k = 0;
        r[k++] = res(read(fd, buf, 1));
        r[k++] = res(write(fd, "x", 1));
        r[k++] = res(close(fd));
        r[k++] = res(dup(fd));
        r[k++] = res(dup3(fd, 50, 0));
        r[k++] = res(fcntl(fd, F_GETFD));
        r[k++] = res(fcntl(fd, F_DUPFD, 0));
        r[k++] = res(fcntl(fd, F_SETFL, 0));
        r[k++] = res(ioctl(fd, FIONREAD, buf));
        r[k++] = res(lseek(fd, 0, SEEK_SET));
        char bad[200] = "";
        for (int j = 0; j < k; j++)
            if (!is_err(r[j], EBADF))
                snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), " [call %d: %s]", j, rs(r[j]));
        checkf(!bad[0] && !is_open(50),
               "fd %d: read, write, close, dup, dup3, fcntl(F_GETFD, F_DUPFD, F_SETFL), ioctl, lseek -> EBADF%s", fd,
               bad);
    }
    int fd = open("/dev/null", O_RDONLY);
    res_t r1 = res(close(fd));
    res_t r2 = res(close(fd));
    checkf(r1.ret == 0 && is_err(r2, EBADF), "close -> %s, close again -> %s (expected EBADF)", rs(r1), rs(r2));
}

/* In a child, so the parent keeps its limit (raising the hard limit back
 * needs CAP_SYS_RESOURCE, which a container's root may lack). */
static int nofile_child(void *arg)
{
    (void)arg;
    int before = 0;
    for (int fd = 0; fd < 64; fd++)
        before += is_open(fd);
    struct rlimit lim = { 64, 64 }, now;
    res_t r = res(setrlimit(RLIMIT_NOFILE, &lim));
    getrlimit(RLIMIT_NOFILE, &now);
    ccheckf(r.ret == 0 && now.rlim_cur == 64 && now.rlim_max == 64,
            "setrlimit(NOFILE, {64, 64}) -> %s, getrlimit {%llu, %llu}", rs(r), (unsigned long long)now.rlim_cur,
            (unsigned long long)now.rlim_max);

    int fds[64], n = 0;
    res_t last;
    while ((last = res(open("/dev/null", O_RDONLY))).ret >= 0 && n < 64)
        fds[n++] = (int)last.ret;
    ccheckf(is_err(last, EMFILE) && n == 64 - before,
            "opened /dev/null %d times until %s (%d fds were open before; expected %d, then EMFILE)", n, rs(last),
            before, 64 - before);
    if (n < 2)
        return 1;
    r = res(dup(fds[0]));
    ccheckf(is_err(r, EMFILE), "dup with the table full -> %s (expected EMFILE)", rs(r));
    r = res(fcntl(fds[0], F_DUPFD, 0));
    ccheckf(is_err(r, EMFILE), "F_DUPFD with the table full -> %s (expected EMFILE)", rs(r));
    int p[2];
    r = res(pipe(p));
    ccheckf(is_err(r, EMFILE), "pipe with the table full -> %s (expected EMFILE)", rs(r));
    int freed = fds[n - 1];
    close(freed);
    r = res(pipe(p));
    ccheckf(is_err(r, EMFILE) && !is_open(freed),
            "pipe with one fd free -> %s (expected EMFILE), and the free fd %d stays free", rs(r), freed);
    r = res(open("/dev/null", O_RDONLY));
    ccheckf(r.ret == freed, "close one, open again -> %s (expected %d)", rs(r), freed);
    fds[n - 1] = (int)r.ret;

    r = res(fcntl(fds[0], F_DUPFD, 64));
    ccheckf(is_err(r, EINVAL), "F_DUPFD with arg 64 = RLIMIT_NOFILE -> %s (expected EINVAL)", rs(r));
    r = res(fcntl(fds[0], F_DUPFD_CLOEXEC, 1000));
    ccheckf(is_err(r, EINVAL), "F_DUPFD_CLOEXEC with arg 1000 > RLIMIT_NOFILE -> %s (expected EINVAL)", rs(r));
    r = res(dup2(fds[0], 64));
    ccheckf(is_err(r, EBADF), "dup2 to fd 64 = RLIMIT_NOFILE -> %s (expected EBADF)", rs(r));
    r = res(dup3(fds[0], 100, O_CLOEXEC));
    ccheckf(is_err(r, EBADF), "dup3 to fd 100 > RLIMIT_NOFILE -> %s (expected EBADF)", rs(r));
    r = res(dup2(fds[0], fds[1]));
    ccheckf(r.ret == fds[1], "dup2 onto an open fd with the table full -> %s (expected %d)", rs(r), fds[1]);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    int count = 0;
    for (int fd = 0; fd < 64; fd++)
        count += is_open(fd);
    ccheckf(count == before, "all closed again: %d fds open (as before: %d)", count, before);
    r = res(open("/dev/null", O_RDONLY));
    ccheckf(r.ret >= 0, "and open works again -> %s", rs(r));

    struct rlimit bad = { 65, 64 };
    r = res(setrlimit(RLIMIT_NOFILE, &bad));
    ccheckf(is_err(r, EINVAL), "setrlimit(NOFILE, soft 65 > hard 64) -> %s (expected EINVAL)", rs(r));
    struct rlimit lower = { 32, 64 };
    r = res(setrlimit(RLIMIT_NOFILE, &lower));
    res_t d = res(dup2(0, 40));
    ccheckf(r.ret == 0 && is_err(d, EBADF), "soft limit lowered to 32 -> %s: dup2 to fd 40 -> %s (expected EBADF)",
            rs(r), rs(d));
    return 0;
}

static void ioctls(void)
{
    int p[2];
    pipe(p);
    int one = 1, zero = 0;
    res_t r = res(ioctl(p[0], FIONBIO, &one));
    checkf(r.ret == 0 && (getfl(p[0]) & O_NONBLOCK), "ioctl FIONBIO 1 -> %s: O_NONBLOCK in F_GETFL (0x%x)", rs(r),
           getfl(p[0]));
    r = res(ioctl(p[0], FIONBIO, &zero));
    checkf(r.ret == 0 && !(getfl(p[0]) & O_NONBLOCK), "ioctl FIONBIO 0 -> %s: O_NONBLOCK cleared (0x%x)", rs(r),
           getfl(p[0]));
    r = res(ioctl(p[0], FIOCLEX));
    checkf(r.ret == 0 && getfd(p[0]) == FD_CLOEXEC, "ioctl FIOCLEX -> %s: F_GETFD %d", rs(r), getfd(p[0]));
    r = res(ioctl(p[0], FIONCLEX));
    checkf(r.ret == 0 && getfd(p[0]) == 0, "ioctl FIONCLEX -> %s: F_GETFD %d", rs(r), getfd(p[0]));

    int avail = -1;
    r = res(ioctl(p[0], FIONREAD, &avail));
    checkf(r.ret == 0 && avail == 0, "FIONREAD of an empty pipe -> %s, %d bytes", rs(r), avail);
    write(p[1], "0123456789", 10);
    r = res(ioctl(p[0], FIONREAD, &avail));
    checkf(r.ret == 0 && avail == 10, "FIONREAD after writing 10 bytes -> %s, %d", rs(r), avail);
    char buf[4];
    read(p[0], buf, 4);
    r = res(ioctl(p[0], FIONREAD, &avail));
    checkf(r.ret == 0 && avail == 6, "FIONREAD after reading 4 -> %s, %d", rs(r), avail);

    struct winsize ws;
    int nul = open("/dev/null", O_RDWR);
    r = res(ioctl(p[0], TIOCGWINSZ, &ws));
    res_t r2 = res(ioctl(nul, TIOCGWINSZ, &ws));
    checkf(is_err(r, ENOTTY), "TIOCGWINSZ on a pipe -> %s (expected ENOTTY)", rs(r));
    checkf(is_err(r2, ENOTTY), "TIOCGWINSZ on /dev/null -> %s (expected ENOTTY)", rs(r2));
    /* Linux says ENOTTY; qemu-user answers ENOSYS itself for a request it
     * does not know, without asking the host: only Kenix can show it. */
    r = res(ioctl(p[0], 0x12345678, &ws));
    r2 = res(ioctl(nul, 0x12345678, &ws));
    kcheckf(is_err(r, ENOTTY) && is_err(r2, ENOTTY),
            "unknown ioctl 0x12345678 on a pipe, /dev/null -> %s, %s (expected ENOTTY)", rs(r), rs(r2));

    r = res(lseek(p[0], 0, SEEK_CUR));
    r2 = res(lseek(p[1], 0, SEEK_SET));
    checkf(is_err(r, ESPIPE) && is_err(r2, ESPIPE), "lseek on both ends of a pipe -> %s, %s (expected ESPIPE)", rs(r),
           rs(r2));
    close(nul);
    close(p[0]);
    close(p[1]);
}

static bool all_bytes(const unsigned char *b, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            return false;
    return true;
}

static void devices(void)
{
    static unsigned char buf[4096];
    int fd = open("/dev/null", O_RDWR);
    res_t n = res(read(fd, buf, sizeof(buf)));
    res_t w = res(write(fd, buf, 100));
    checkf(fd >= 0 && n.ret == 0 && w.ret == 100, "/dev/null: read -> %s (EOF), write of 100 -> %s", rs(n), rs(w));
    close(fd);

    fd = open("/dev/zero", O_RDWR);
    memset(buf, 0xaa, sizeof(buf));
    n = res(read(fd, buf, sizeof(buf)));
    checkf(fd >= 0 && n.ret == 4096 && all_bytes(buf, 4096, 0), "/dev/zero: read of 4096 -> %s, all zero", rs(n));
    w = res(write(fd, buf, 100));
    checkf(w.ret == 100, "/dev/zero: write of 100 -> %s", rs(w));
    close(fd);

    fd = open("/dev/full", O_RDWR);
    w = res(write(fd, buf, 10));
    checkf(fd >= 0 && is_err(w, ENOSPC), "/dev/full: write -> %s (expected ENOSPC)", rs(w));
    memset(buf, 0xaa, 512);
    n = res(read(fd, buf, 512));
    checkf(n.ret == 512 && all_bytes(buf, 512, 0), "/dev/full: read of 512 -> %s, all zero", rs(n));
    close(fd);

    const char *rnd[] = { "/dev/urandom", "/dev/random" };
    for (int i = 0; i < 2; i++) {
        unsigned char a[64], b[64];
        fd = open(rnd[i], O_RDONLY);
        res_t na = res(read(fd, a, 64)), nb = res(read(fd, b, 64));
        checkf(fd >= 0 && na.ret == 64 && nb.ret == 64 && !all_bytes(a, 64, a[0]) && memcmp(a, b, 64) != 0,
               "%s: two reads of 64 -> %s, %s bytes, not all equal, different", rnd[i], rs(na), rs(nb));
        close(fd);
    }

    res_t o = res(open("/dev/no-such-device", O_RDONLY));
    checkf(is_err(o, ENOENT), "open(/dev/no-such-device) -> %s (expected ENOENT)", rs(o));

    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    checkf(getfd(fd) == FD_CLOEXEC, "open with O_CLOEXEC: F_GETFD %d", getfd(fd));
    w = res(write(fd, "x", 1));
    checkf(is_err(w, EBADF), "write to an O_RDONLY fd -> %s (expected EBADF)", rs(w));
    close(fd);
    fd = open("/dev/zero", O_WRONLY);
    checkf(getfd(fd) == 0, "open without O_CLOEXEC: F_GETFD %d", getfd(fd));
    n = res(read(fd, buf, 1));
    checkf(is_err(n, EBADF), "read from an O_WRONLY fd -> %s (expected EBADF)", rs(n));
    close(fd);
}

static void vectors(void)
{
    int p[2];
    pipe(p);
    struct iovec out[3] = { { "abc", 3 }, { "defgh", 5 }, { "ij", 2 } };
    res_t w = res(writev(p[1], out, 3));
    char x[4] = { 0 }, y[6] = { 0 };
    struct iovec in[2] = { { x, 4 }, { y, 6 } };
    res_t n = res(readv(p[0], in, 2));
    checkf(w.ret == 10 && n.ret == 10 && !memcmp(x, "abcd", 4) && !memcmp(y, "efghij", 6),
           "writev of 3 iovecs -> %s, readv into 2 -> %s: \"%.4s\" \"%.6s\"", rs(w), rs(n), x, y);

    w = res(writev(p[1], out, 0));
    n = res(readv(p[0], in, 0));
    checkf(w.ret == 0 && n.ret == 0, "writev, readv with iovcnt 0 -> %s, %s", rs(w), rs(n));

    static struct iovec many[1025];
    static char bytes[1025];
    for (int i = 0; i < 1025; i++)
        many[i] = (struct iovec){ &bytes[i], 1 };
    w = res(syscall(SYS_writev, p[1], many, 1025));
    checkf(is_err(w, EINVAL), "writev with iovcnt 1025 -> %s (expected EINVAL)", rs(w));
    n = res(syscall(SYS_readv, p[0], many, 1025));
    checkf(is_err(n, EINVAL), "readv with iovcnt 1025 -> %s (expected EINVAL)", rs(n));
    w = res(syscall(SYS_writev, p[1], many, 1024));
    n = res(syscall(SYS_readv, p[0], many, 1024));
    checkf(w.ret == 1024 && n.ret == 1024, "writev, readv with iovcnt 1024 (IOV_MAX) -> %s, %s", rs(w), rs(n));

    w = res(syscall(SYS_writev, p[1], (void *)8, 1));
    checkf(is_err(w, EFAULT), "writev with iov pointer 0x8 -> %s (expected EFAULT)", rs(w));
    n = res(syscall(SYS_readv, p[0], KERNEL_ADDRESS, 1));
    checkf(is_err(n, EFAULT), "readv with an iov pointer into the kernel -> %s (expected EFAULT)", rs(n));
    struct iovec badbase = { (void *)8, 4 };
    w = res(syscall(SYS_writev, p[1], &badbase, 1));
    checkf(is_err(w, EFAULT), "writev of an iovec whose base is 0x8 -> %s (expected EFAULT)", rs(w));

    write(p[1], "hello", 5);
    n = res(syscall(SYS_read, p[0], (void *)8, 5));
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    checkf(is_err(n, EFAULT) && avail == 5,
           "read of a pipe with data into 0x8 -> %s (expected EFAULT), %d bytes still there", rs(n), avail);
    n = res(syscall(SYS_read, p[0], KERNEL_ADDRESS, 5));
    checkf(is_err(n, EFAULT), "read into a kernel address -> %s (expected EFAULT)", rs(n));
    char good[8] = { 0 };
    n = res(read(p[0], good, sizeof(good)));
    checkf(n.ret == 5 && !memcmp(good, "hello", 5), "the data is not lost: read again -> %s \"%.5s\"", rs(n), good);
    w = res(syscall(SYS_write, p[1], (void *)8, 5));
    ioctl(p[0], FIONREAD, &avail);
    checkf(is_err(w, EFAULT) && avail == 0, "write to a pipe from 0x8 -> %s (expected EFAULT), nothing written (%d)",
           rs(w), avail);

    w = res(write(p[1], good, 0));
    int nul = open("/dev/null", O_WRONLY);
    res_t w2 = res(write(nul, good, 0));
    ioctl(p[0], FIONREAD, &avail);
    checkf(w.ret == 0 && w2.ret == 0 && avail == 0, "write of 0 bytes to a pipe, /dev/null -> %s, %s", rs(w), rs(w2));
    close(nul);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    dup_numbering();
    status_flags();
    bad_fds();
    run_child_ok("RLIMIT_NOFILE", nofile_child, NULL);
    ioctls();
    devices();
    vectors();
    return check_summary();
}
