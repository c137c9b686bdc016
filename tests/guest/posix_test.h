/*
 * Helpers shared by the POSIX process tests (test_fd, test_pipe, test_fork,
 * test_proc, test_signal, test_cred, test_limits), on top of check.h.
 *
 * - on_kenix(): the expected behaviour is Linux's; the few checks that are
 *   about Kenix itself (exact free memory, exact defaults, things qemu-user
 *   cannot show) go through kcheckf(), which on Linux prints "skip <what>"
 *   and counts nothing.
 * - Children never print check lines: in a child, ccheckf() sends the line
 *   through the report pipe of run_child(), and the parent prints and counts
 *   it (a grandchild's lines go the same way, through its parent).
 * - Every wait is bounded: reap() polls waitpid(WNOHANG) and kills a child
 *   that is still there after CHILD_DEADLINE_NS; nothing here blocks on a
 *   child or a pipe without a deadline.
 * Each program defines _GNU_SOURCE before including anything.
 */
#ifndef KENIX_GUEST_POSIX_TEST_H
#define KENIX_GUEST_POSIX_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* How long a child may take before the parent gives up on it and kills it
 * (only reached when something is wrong: every child here finishes in
 * milliseconds when the kernel is right). */
#define CHILD_DEADLINE_NS (15LL * 1000000000LL)

static __attribute__((unused)) bool on_kenix(void)
{
    static int cached = -1;
    if (cached < 0) {
        struct utsname u;
        cached = uname(&u) == 0 && strcmp(u.sysname, "Kenix") == 0;
#ifdef KENIX_TESTS_AS_KENIX
        /* a native run on a Linux host that checks the Kenix-only cases too
         * (POSIX-TESTS.md): they are Linux's behaviour that qemu-user hides */
        cached = 1;
#endif
    }
    return cached;
}

static __attribute__((unused)) long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static __attribute__((unused)) long long cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Burns `ms` of this process's CPU time (gives up after 20x that in real time). */
static __attribute__((unused)) void burn_cpu_ms(long ms)
{
    long long start = cpu_ns(), wall = now_ns();
    while (cpu_ns() - start < ms * 1000000LL && now_ns() - wall < ms * 20000000LL)
        for (volatile int i = 0; i < 1000; i++)
            ;
}

static __attribute__((unused)) void sleep_ms(long ms)
{
    struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* One step of a polling loop: yield for the first polls, then sleep 1 ms. */
static __attribute__((unused)) void poll_pause(int round)
{
    if (round < 50)
        sched_yield();
    else
        sleep_ms(1);
}

static __attribute__((unused)) unsigned long long free_ram(void)
{
    struct sysinfo si;
    if (sysinfo(&si) != 0)
        return 0;
    return (unsigned long long)si.freeram * (si.mem_unit ? si.mem_unit : 1);
}

static const char *errname(int e)
{
    static const struct {
        int e;
        const char *name;
    } names[] = {
        { 0, "0" },           { EPERM, "EPERM" },   { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
        { EINTR, "EINTR" },   { EIO, "EIO" },       { E2BIG, "E2BIG" },   { EBADF, "EBADF" },
        { ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
        { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },   { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
        { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" },
        { EFBIG, "EFBIG" },   { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" }, { EPIPE, "EPIPE" },
        { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
        /* the file system's */
        { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { ENOTEMPTY, "ENOTEMPTY" }, { EXDEV, "EXDEV" },
        { EROFS, "EROFS" },     { ELOOP, "ELOOP" },   { ENAMETOOLONG, "ENAMETOOLONG" },
        { ENXIO, "ENXIO" },     { ETXTBSY, "ETXTBSY" }, { EMLINK, "EMLINK" }, { EOVERFLOW, "EOVERFLOW" },
        { ENOTBLK, "ENOTBLK" }, { EDEADLK, "EDEADLK" }, { ENOEXEC, "ENOEXEC" }, { ENOTSOCK, "ENOTSOCK" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].e == e)
            return names[i].name;
    static char other[24];
    snprintf(other, sizeof(other), "errno %d", e);
    return other;
}

/* A call's outcome, errno captured at once: res(call) reads errno right
 * after the call returns, before anything else can change it. */
typedef struct {
    long ret;
    int err; /* errno when ret == -1, else 0 */
} res_t;

static __attribute__((unused)) res_t res(long ret)
{
    res_t r = { ret, ret == -1 ? errno : 0 };
    return r;
}

static __attribute__((unused)) bool is_err(res_t r, int err)
{
    return r.ret == -1 && r.err == err;
}

/* "5" or "-1/EINVAL", for the check lines. */
static __attribute__((unused)) const char *rs(res_t r)
{
    static char buf[8][48];
    static int next;
    char *b = buf[next++ & 7];
    if (r.ret == -1)
        snprintf(b, sizeof(buf[0]), "-1/%s", errname(r.err));
    else
        snprintf(b, sizeof(buf[0]), "%ld", r.ret);
    return b;
}

/* A status from wait in words: "exit 3", "signal 9", ... */
static const char *status_str(int st)
{
    static char buf[4][40];
    static int next;
    char *b = buf[next++ & 3];
    if (WIFEXITED(st))
        snprintf(b, sizeof(buf[0]), "exit %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(b, sizeof(buf[0]), "signal %d", WTERMSIG(st));
    else
        snprintf(b, sizeof(buf[0]), "status 0x%x", st);
    return b;
}

/* --- check lines from children ------------------------------------------- */

/* In a child started by run_child: the write end of its report pipe. */
static __attribute__((unused)) int report_fd = -1;

static __attribute__((unused)) void send_line(char kind, const char *fmt, va_list ap)
{
    char line[400];
    line[0] = kind;
    int n = vsnprintf(line + 1, sizeof(line) - 2, fmt, ap);
    if (n < 0)
        n = 0;
    if (n > (int)sizeof(line) - 3)
        n = (int)sizeof(line) - 3;
    line[1 + n] = '\n';
    ssize_t w = write(report_fd, line, (size_t)n + 2); /* < PIPE_BUF: one piece */
    (void)w;
}

/* One line, printed "skip <what>", not counted. */
static __attribute__((unused, format(printf, 1, 2))) void skipf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (report_fd >= 0) {
        send_line('s', fmt, ap);
    } else if (!checks_quiet) {
        printf("skip ");
        vprintf(fmt, ap);
        printf("\n");
    }
    va_end(ap);
}

/* checkf that works in a child too: there, the line goes to the parent. */
static __attribute__((unused, format(printf, 2, 3))) bool ccheckf(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (report_fd >= 0) {
        send_line(ok ? '+' : '-', fmt, ap);
    } else {
        char line[400];
        vsnprintf(line, sizeof(line), fmt, ap);
        checkf(ok, "%s", line);
    }
    va_end(ap);
    return ok;
}

/* A check about Kenix itself: on Linux, "skip (Kenix only) <what>". */
static __attribute__((unused, format(printf, 2, 3))) bool kcheckf(bool ok, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (on_kenix())
        return ccheckf(ok, "%s", line);
    skipf("(Kenix only) %s", line);
    return true;
}

/* Lines received from a child: printed and counted here (or passed on up). */
static __attribute__((unused)) void replay(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        char kind = buf[i];
        int n = (int)(end - i - 1);
        if (kind == 's')
            skipf("%.*s", n, buf + i + 1);
        else if (kind == '+' || kind == '-')
            ccheckf(kind == '+', "%.*s", n, buf + i + 1);
        else
            ccheckf(false, "garbled report from a child: %.*s", (int)(end - i), buf + i);
        i = end + 1;
    }
}

/* --- bounded waiting ------------------------------------------------------ */

/* Appends what can be read now from the non-blocking `fd` to *buf. */
static __attribute__((unused)) void drain(int fd, char **buf, size_t *len, size_t *cap)
{
    for (;;) {
        if (*cap - *len < 4096) {
            *cap = *cap * 2 + 8192;
            *buf = realloc(*buf, *cap);
        }
        ssize_t n = read(fd, *buf + *len, *cap - *len);
        if (n <= 0)
            return;
        *len += (size_t)n;
    }
}

/* Waits for `pid` (a child) for at most CHILD_DEADLINE_NS, collecting what
 * arrives meanwhile on the non-blocking `fd` (-1: none) into *buf. Returns
 * 0 when reaped (*status set), 1 when it had to be killed (then reaped if
 * possible, *status set), -1 when waitpid failed (errno). */
static __attribute__((unused)) int reap_collecting(pid_t pid, int *status, int fd, char **buf, size_t *len, size_t *cap)
{
    long long deadline = now_ns() + CHILD_DEADLINE_NS;
    bool killed = false;
    for (int round = 0;; round++) {
        if (fd >= 0)
            drain(fd, buf, len, cap);
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            if (fd >= 0)
                drain(fd, buf, len, cap);
            return killed ? 1 : 0;
        }
        if (r < 0)
            return killed ? 1 : -1;
        if (now_ns() > deadline) {
            if (killed)
                return 1; /* not even SIGKILL: give up */
            kill(pid, SIGKILL);
            killed = true;
            deadline = now_ns() + 2000000000LL;
        }
        poll_pause(round);
    }
}

/* waitpid(pid) with a deadline: 0 reaped, 1 killed after the deadline, -1 error. */
static __attribute__((unused)) int reap(pid_t pid, int *status)
{
    return reap_collecting(pid, status, -1, NULL, NULL, NULL);
}

/* Polls waitpid(who, WNOHANG) until it reports a child (returned), fails
 * (-1) or the deadline passes (0). For pid -1, 0 or -pgid. */
static __attribute__((unused)) pid_t wait_any(pid_t who, int *status)
{
    long long deadline = now_ns() + CHILD_DEADLINE_NS;
    for (int round = 0;; round++) {
        pid_t r = waitpid(who, status, WNOHANG);
        if (r != 0)
            return r;
        if (now_ns() > deadline)
            return 0;
        poll_pause(round);
    }
}

/* Reads exactly n bytes from `fd` (made non-blocking: set it on a read end no
 * writer shares) before the deadline; returns how many arrived (less on EOF,
 * error or timeout). */
static __attribute__((unused)) size_t read_bounded(int fd, void *buf, size_t n, long long deadline_ns)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    size_t got = 0;
    for (int round = 0; got < n; round++) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r > 0) {
            got += (size_t)r;
            round = 0;
            continue;
        }
        if (r == 0 || errno != EAGAIN || now_ns() > deadline_ns)
            break;
        poll_pause(round);
    }
    return got;
}

static __attribute__((unused)) bool write_all(int fd, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *)buf + done, n - done);
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    return true;
}

/* Forks a child that runs fn(arg) and exits with its return value; *rd gets
 * the (non-blocking) read end of its report pipe. The child's stdio is never
 * flushed (it exits with _exit). Returns the pid, or -1. */
static __attribute__((unused)) pid_t start_child(int (*fn)(void *), void *arg, int *rd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        report_fd = p[1];
        _exit(fn(arg));
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    *rd = p[0];
    return pid;
}

/* Waits (bounded) for a child of start_child, prints and counts its lines,
 * and returns its wait status (-1 if it could not be reaped; a killed
 * straggler is reported as a failure). */
static __attribute__((unused)) int finish_child(pid_t pid, int rd, const char *name)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int status = -1;
    int r = reap_collecting(pid, &status, rd, &buf, &len, &cap);
    close(rd);
    replay(buf, len);
    free(buf);
    if (r != 0) {
        ccheckf(false, "%s: child %s", name, r > 0 ? "did not finish in time: killed" : "could not be waited for");
        return r > 0 ? status : -1;
    }
    return status;
}

/* Runs fn(arg) in a child; its check lines are counted here. Returns its
 * wait status (-1 if it could not be started or waited for). */
static __attribute__((unused)) int run_child(const char *name, int (*fn)(void *), void *arg)
{
    int rd;
    pid_t pid = start_child(fn, arg, &rd);
    if (pid < 0) {
        ccheckf(false, "%s: fork -> %s", name, rs(res(-1)));
        return -1;
    }
    return finish_child(pid, rd, name);
}

/* run_child, and the child must end with exit status 0 (one more check). */
static __attribute__((unused)) bool run_child_ok(const char *name, int (*fn)(void *), void *arg)
{
    int st = run_child(name, fn, arg);
    return ccheckf(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child ran to the end (%s)", name,
                   st < 0 ? "not waited" : status_str(st));
}

/* A child that waits until `hold` (a read end) reaches EOF, then exits 0:
 * hold[1] must be closed by everyone but the holder. Returns the pid. */
static __attribute__((unused)) pid_t fork_holder(int hold[2])
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(hold[1]);
        char c;
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    return pid;
}

#endif
