/*
 * Job control and kill, with Linux's semantics:
 * - the default action of every signal 1..64 (terminate, ignore, stop);
 * - stop and continue as waitpid(WUNTRACED/WCONTINUED) and waitid(WSTOPPED/
 *   WCONTINUED/WNOWAIT) report them (once each), the parent's SIGCHLD with
 *   CLD_* codes, SA_NOCLDSTOP, SA_NOCLDWAIT; a stopped child does not run,
 *   SIGKILL ends it, SIGTERM waits for SIGCONT; SIGCONT and the stop signals
 *   cancel each other's pending instances; a read and a nanosleep carry on
 *   after a stop;
 * - orphaned process groups: SIGTSTP/SIGTTIN/SIGTTOU do not stop their
 *   members (SIGSTOP does), and a group that becomes orphaned with a stopped
 *   member gets SIGHUP then SIGCONT (Linux's kill_orphaned_pgrp, both when a
 *   parent outside the group exits and when a member whose parent is outside
 *   exits; not while another member keeps a link);
 * - kill to a group, to 0, to -1 (as an unprivileged user: it reaches that
 *   user's other processes, not the caller; it returns 0 even when every
 *   process it saw refused), permissions (including SIGCONT within a
 *   session), ESRCH and EINVAL.
 *
 * Every child that is to be stopped by SIGTSTP and its kind puts itself in a
 * process group of its own within the test's session: its parent, in
 * another group of the same session, keeps the group from being orphaned
 * (under Kenix's /init the test's own group is orphaned, its parent being
 * process 1). The counter that shows whether a child runs is a pipe it
 * writes a byte to about every millisecond (Kenix has no shared anonymous
 * memory yet: mmap(MAP_SHARED|MAP_ANONYMOUS) is EINVAL there).
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/syscall.h>

#include "posix_test.h"

#define BIT(sig) (1ull << ((sig) - 1))
/* How long to wait for something that should happen at once. */
#define EVENT_NS (5LL * 1000000000LL)
/* How long to watch for something that must not happen. */
#define QUIET_MS 100

static unsigned long long raw_pending(void)
{
    unsigned long long m = 0;
    syscall(SYS_rt_sigpending, &m, 8);
    return m;
}

static void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Sleeps `ms` whatever signals arrive meanwhile. */
static void pause_ms(long ms)
{
    long long end = now_ns() + ms * 1000000LL;
    while (now_ns() < end)
        sleep_ms(1);
}

static void block(int sig, int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

static int install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO | flags };
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}

static const char *signame(int sig)
{
    static const char *names[] = { "0",       "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT",
                                   "SIGBUS",  "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",
                                   "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",
                                   "SIGTTIN", "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ",   "SIGVTALRM",
                                   "SIGPROF", "SIGWINCH", "SIGIO",    "SIGPWR",  "SIGSYS" };
    static char buf[4][16];
    static int next;
    if (sig >= 0 && sig < 32)
        return names[sig];
    char *b = buf[next++ & 3];
    snprintf(b, sizeof(buf[0]), "RT %d", sig);
    return b;
}

static const char *cld_name(int code)
{
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_USER: return "SI_USER";
    default: return "?";
    }
}

/* A status in words, stops and continues included. */
static const char *wstatus(pid_t r, int st)
{
    static char buf[4][48];
    static int next;
    char *b = buf[next++ & 3];
    if (r == 0)
        snprintf(b, sizeof(buf[0]), "nothing to report");
    else if (r < 0)
        snprintf(b, sizeof(buf[0]), "-1/%s", errname(errno));
    else if (WIFSTOPPED(st))
        snprintf(b, sizeof(buf[0]), "stopped by %s", signame(WSTOPSIG(st)));
    else if (WIFCONTINUED(st))
        snprintf(b, sizeof(buf[0]), "continued");
    else
        snprintf(b, sizeof(buf[0]), "%s", status_str(st));
    return b;
}

/* waitpid(pid, options) until it reports something (returned) or EVENT_NS pass (0). */
static pid_t wait_for(pid_t pid, int *st, int options)
{
    long long deadline = now_ns() + EVENT_NS;
    for (int round = 0;; round++) {
        pid_t r = waitpid(pid, st, options | WNOHANG);
        if (r != 0 || now_ns() > deadline)
            return r;
        poll_pause(round);
    }
}

/* waitid(P_PID, pid, options) until it reports something or EVENT_NS pass (si_pid 0). */
static int waitid_for(pid_t pid, siginfo_t *si, int options)
{
    long long deadline = now_ns() + EVENT_NS;
    for (int round = 0;; round++) {
        memset(si, 0, sizeof(*si));
        int r = waitid(P_PID, (id_t)pid, si, options | WNOHANG);
        if (r != 0 || si->si_pid != 0 || now_ns() > deadline)
            return r;
        poll_pause(round);
    }
}

static const char *siinfo_str(int r, const siginfo_t *si)
{
    static char buf[2][96];
    static int next;
    char *b = buf[next++ & 1];
    if (r != 0)
        snprintf(b, sizeof(buf[0]), "-1/%s", errname(errno));
    else if (si->si_pid == 0)
        snprintf(b, sizeof(buf[0]), "nothing (si_pid 0)");
    else
        snprintf(b, sizeof(buf[0]), "signo %d %s pid %d status %d uid %u", si->si_signo, cld_name(si->si_code),
                 si->si_pid, si->si_status, (unsigned)si->si_uid);
    return b;
}

static bool siinfo_is(int r, const siginfo_t *si, pid_t pid, int code, int status)
{
    return r == 0 && si->si_signo == SIGCHLD && si->si_pid == pid && si->si_code == code && si->si_status == status &&
           si->si_uid == getuid();
}

/* Ends a child some check may have left running: SIGKILL (which also ends a
 * stop), then waits for it. Returns its status. */
static int finish_killing(pid_t pid, int rd, const char *name)
{
    kill(pid, SIGKILL);
    return finish_child(pid, rd, name);
}

/* --- tickers: children that show whether they run ---------------------------- */

/* In a ticker: the write end of its tick pipe, and what it stops at (-1: nothing). */
static int tick_w = -1, until_r = -1;

/* Writes a byte to tick_w about every millisecond until until_r has data or
 * EOF (or 20 s pass). */
static void tick_loop(void)
{
    long long end = now_ns() + 20000000000LL;
    if (until_r >= 0)
        set_nonblock(until_r);
    while (now_ns() < end) {
        if (write(tick_w, "t", 1) < 0 && errno == EPIPE)
            return;
        char c;
        if (until_r >= 0 && read(until_r, &c, 1) >= 0)
            return;
        sleep_ms(1);
    }
}

static int ticker(void *arg)
{
    (void)arg;
    setpgid(0, 0); /* a group of its own: not orphaned, so SIGTSTP stops it */
    tick_loop();
    return 0;
}

static size_t drain_ticks(int fd)
{
    char b[512];
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, b, sizeof(b))) > 0)
        n += (size_t)r;
    return n;
}

/* Whether a tick arrives within EVENT_NS. */
static bool tick_arrives(int fd)
{
    long long deadline = now_ns() + EVENT_NS;
    for (int round = 0;; round++) {
        if (drain_ticks(fd) > 0)
            return true;
        if (now_ns() > deadline)
            return false;
        poll_pause(round);
    }
}

/* Ticks written during the next `ms` (what was there before is dropped). */
static size_t ticks_during(int fd, long ms)
{
    drain_ticks(fd);
    pause_ms(ms);
    return drain_ticks(fd);
}

struct child {
    pid_t pid;
    int report; /* its report pipe (start_child) */
    int ticks;  /* the read end of its tick pipe */
};

/* Starts fn as a child with a tick pipe, in a group of its own, and waits
 * for its first tick (by then it has set its group and whatever fn sets up
 * before ticking). */
static bool start_ticking(struct child *c, int (*fn)(void *), void *arg, const char *name)
{
    int t[2];
    if (pipe2(t, O_CLOEXEC) != 0)
        return ccheckf(false, "%s: pipe2 -> %s", name, rs(res(-1)));
    tick_w = t[1];
    c->pid = start_child(fn, arg, &c->report);
    tick_w = -1;
    close(t[1]);
    c->ticks = t[0];
    set_nonblock(c->ticks);
    if (c->pid < 0)
        return ccheckf(false, "%s: fork -> %s", name, rs(res(-1)));
    setpgid(c->pid, c->pid); /* as shells do: whichever of the two comes first */
    return ccheckf(tick_arrives(c->ticks), "%s: the child runs (ticks)", name);
}

/* --- default actions ---------------------------------------------------------- */

static int self_signal(void *arg)
{
    setpgid(0, 0);
    syscall(SYS_kill, getpid(), (int)(intptr_t)arg);
    return 0; /* survived, or continued */
}

static bool stops_by_default(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static bool ignored_by_default(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

static void default_actions(void)
{
    for (int sig = 1; sig <= 64; sig++) {
        char name[48];
        snprintf(name, sizeof(name), "default action of %s", signame(sig));
        int rd;
        pid_t c = start_child(self_signal, (void *)(intptr_t)sig, &rd);
        if (c < 0) {
            checkf(false, "%s: fork -> %s", name, rs(res(-1)));
            continue;
        }
        setpgid(c, c);
        int st = 0;
        pid_t r = wait_for(c, &st, WUNTRACED);
        const char *first = wstatus(r, st);
        bool ok;
        const char *expected;
        if (stops_by_default(sig)) {
            ok = r == c && WIFSTOPPED(st) && WSTOPSIG(st) == sig;
            kill(c, SIGCONT);
            int end = finish_child(c, rd, name);
            ok = ok && end == 0;
            expected = "stopped, then exit 0 after SIGCONT";
            checkf(ok, "a child sends itself %s (%d): %s, then %s (expected %s)", signame(sig), sig, first,
                   end < 0 ? "not waited" : status_str(end), expected);
            continue;
        }
        if (r == c) {
            close(rd);
        } else {
            st = finish_killing(c, rd, name);
            first = "still there after 5 s";
        }
        if (ignored_by_default(sig)) {
            ok = r == c && st == 0;
            expected = "ignored: exit 0";
        } else {
            ok = r == c && WIFSIGNALED(st) && WTERMSIG(st) == sig;
            expected = "terminated by it";
        }
        /* qemu-user keeps the host's last two real-time signals for itself. */
        if (sig >= 63)
            kcheckf(ok, "a child sends itself %s (%d): %s (expected %s)", signame(sig), sig, first, expected);
        else
            checkf(ok, "a child sends itself %s (%d): %s (expected %s)", signame(sig), sig, first, expected);
    }
}

/* --- stop and continue, as wait reports them ---------------------------------- */

static void stop_continue(void)
{
    struct child c;
    if (!start_ticking(&c, ticker, NULL, "stop/continue"))
        return;
    int st = 0;
    res_t k = res(kill(c.pid, SIGCONT));
    pause_ms(QUIET_MS / 2);
    pid_t r = waitpid(c.pid, &st, WCONTINUED | WUNTRACED | WNOHANG);
    checkf(k.ret == 0 && r == 0, "SIGCONT to a running child -> %s: nothing to report (waitpid(WCONTINUED) -> %s)",
           rs(k), wstatus(r, st));
    k = res(kill(c.pid, SIGSTOP));
    r = wait_for(c.pid, &st, WUNTRACED);
    checkf(k.ret == 0 && r == c.pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
           "kill(child, SIGSTOP) -> %s; waitpid(WUNTRACED): %s (expected stopped by SIGSTOP)", rs(k), wstatus(r, st));
    r = waitpid(c.pid, &st, WUNTRACED | WNOHANG);
    checkf(r == 0, "the stop is reported once: waitpid(WUNTRACED|WNOHANG) again -> %s", wstatus(r, st));
    size_t n = ticks_during(c.ticks, QUIET_MS);
    checkf(n == 0, "a stopped child does not run: %zu ticks in %d ms", n, QUIET_MS);
    r = waitpid(c.pid, &st, WNOHANG);
    checkf(r == 0, "waitpid(WNOHANG) without WUNTRACED on a stopped child -> %s", wstatus(r, st));

    /* A second SIGSTOP to a stopped child: pending, no new report; SIGCONT discards it. */
    kill(c.pid, SIGSTOP);
    pause_ms(QUIET_MS / 2);
    r = waitpid(c.pid, &st, WUNTRACED | WNOHANG);
    checkf(r == 0, "SIGSTOP to a stopped child reports nothing new: %s", wstatus(r, st));

    k = res(kill(c.pid, SIGCONT));
    r = wait_for(c.pid, &st, WCONTINUED);
    checkf(k.ret == 0 && r == c.pid && WIFCONTINUED(st) && st == 0xffff,
           "kill(child, SIGCONT) -> %s; waitpid(WCONTINUED): %s, status 0x%x (expected continued, 0xffff)", rs(k),
           wstatus(r, st), (unsigned)st);
    r = waitpid(c.pid, &st, WCONTINUED | WNOHANG);
    checkf(r == 0, "the continue is reported once: waitpid(WCONTINUED|WNOHANG) again -> %s", wstatus(r, st));
    checkf(tick_arrives(c.ticks), "the continued child runs again (ticks)");
    n = ticks_during(c.ticks, QUIET_MS);
    r = waitpid(c.pid, &st, WUNTRACED | WNOHANG);
    checkf(n > 0 && r == 0,
           "the SIGSTOP sent while it was stopped was discarded by SIGCONT: %zu ticks in %d ms, waitpid -> %s", n,
           QUIET_MS, wstatus(r, st));

    /* A stop nobody collected is replaced by the continue. */
    kill(c.pid, SIGTSTP);
    siginfo_t si;
    int w = waitid_for(c.pid, &si, WSTOPPED | WNOWAIT);
    checkf(siinfo_is(w, &si, c.pid, CLD_STOPPED, SIGTSTP),
           "SIGTSTP: waitid(WSTOPPED|WNOWAIT): %s (expected CLD_STOPPED, status SIGTSTP)", siinfo_str(w, &si));
    w = waitid_for(c.pid, &si, WSTOPPED | WNOWAIT);
    checkf(siinfo_is(w, &si, c.pid, CLD_STOPPED, SIGTSTP), "WNOWAIT left it: waitid again: %s", siinfo_str(w, &si));
    kill(c.pid, SIGCONT);
    w = waitid_for(c.pid, &si, WCONTINUED | WNOWAIT);
    checkf(siinfo_is(w, &si, c.pid, CLD_CONTINUED, SIGCONT),
           "SIGCONT: waitid(WCONTINUED|WNOWAIT): %s (expected CLD_CONTINUED, status SIGCONT)", siinfo_str(w, &si));
    memset(&si, 0, sizeof(si));
    w = waitid(P_PID, (id_t)c.pid, &si, WSTOPPED | WNOHANG);
    checkf(w == 0 && si.si_pid == 0, "the uncollected stop is gone once continued: waitid(WSTOPPED|WNOHANG): %s",
           siinfo_str(w, &si));
    w = waitid_for(c.pid, &si, WCONTINUED);
    checkf(siinfo_is(w, &si, c.pid, CLD_CONTINUED, SIGCONT), "waitid(WCONTINUED) collects it: %s", siinfo_str(w, &si));
    memset(&si, 0, sizeof(si));
    w = waitid(P_PID, (id_t)c.pid, &si, WCONTINUED | WNOHANG);
    checkf(w == 0 && si.si_pid == 0, "and only once: waitid(WCONTINUED|WNOHANG): %s", siinfo_str(w, &si));

    /* waitid(WSTOPPED) collects a stop; WEXITED does not see a live child. */
    kill(c.pid, SIGSTOP);
    w = waitid_for(c.pid, &si, WSTOPPED);
    checkf(siinfo_is(w, &si, c.pid, CLD_STOPPED, SIGSTOP), "SIGSTOP: waitid(WSTOPPED): %s", siinfo_str(w, &si));
    memset(&si, 0, sizeof(si));
    w = waitid(P_PID, (id_t)c.pid, &si, WSTOPPED | WEXITED | WNOHANG);
    checkf(w == 0 && si.si_pid == 0, "collected: waitid(WSTOPPED|WEXITED|WNOHANG): %s", siinfo_str(w, &si));

    /* SIGTERM to a stopped child waits for SIGCONT. */
    k = res(kill(c.pid, SIGTERM));
    n = ticks_during(c.ticks, QUIET_MS);
    r = waitpid(c.pid, &st, WNOHANG);
    checkf(k.ret == 0 && r == 0 && n == 0, "SIGTERM to the stopped child -> %s: after %d ms it is still there (%s), %zu ticks",
           rs(k), QUIET_MS, wstatus(r, st), n);
    kill(c.pid, SIGCONT);
    r = wait_for(c.pid, &st, 0);
    checkf(r == c.pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "after SIGCONT the SIGTERM ends it: %s",
           wstatus(r, st));
    if (r != c.pid)
        st = finish_killing(c.pid, c.report, "stop/continue");
    else
        close(c.report);
    close(c.ticks);

    /* SIGKILL ends a stopped child. */
    if (!start_ticking(&c, ticker, NULL, "SIGKILL while stopped"))
        return;
    kill(c.pid, SIGSTOP);
    r = wait_for(c.pid, &st, WUNTRACED);
    k = res(kill(c.pid, SIGKILL));
    pid_t r2 = wait_for(c.pid, &st, 0);
    checkf(r == c.pid && k.ret == 0 && r2 == c.pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
           "SIGKILL to a stopped child -> %s: %s", rs(k), wstatus(r2, st));
    if (r2 != c.pid)
        finish_killing(c.pid, c.report, "SIGKILL while stopped");
    else
        close(c.report);
    close(c.ticks);
}

/* --- SIGCHLD for stops, continues and ends ------------------------------------ */

struct chld_rec {
    int signo, code, pid, status;
    unsigned uid;
};
static struct chld_rec recs[16];
static volatile sig_atomic_t nrecs;

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (nrecs < 16) {
        recs[nrecs] = (struct chld_rec){ sig, si->si_code, si->si_pid, si->si_status, (unsigned)si->si_uid };
        nrecs++;
    }
}

/* Waits until `n` SIGCHLDs were recorded. */
static bool wait_recs(int n)
{
    long long deadline = now_ns() + EVENT_NS;
    while (nrecs < n && now_ns() < deadline)
        sleep_ms(1);
    return nrecs >= n;
}

static bool rec_is(int i, pid_t pid, int code, int status)
{
    return nrecs > i && recs[i].signo == SIGCHLD && recs[i].pid == pid && recs[i].code == code &&
           recs[i].status == status && recs[i].uid == getuid();
}

static const char *rec_str(int i)
{
    static char buf[4][80];
    static int next;
    char *b = buf[next++ & 3];
    if (nrecs <= i)
        snprintf(b, sizeof(buf[0]), "none");
    else
        snprintf(b, sizeof(buf[0]), "signo %d %s pid %d status %d uid %u", recs[i].signo, cld_name(recs[i].code),
                 recs[i].pid, recs[i].status, recs[i].uid);
    return b;
}

static int sigchld_info_child(void *arg)
{
    (void)arg;
    install(SIGCHLD, on_sigchld, 0);
    struct child c;
    if (!start_ticking(&c, ticker, NULL, "SIGCHLD"))
        return 1;
    kill(c.pid, SIGSTOP);
    wait_recs(1);
    ccheckf(rec_is(0, c.pid, CLD_STOPPED, SIGSTOP), "SIGCHLD handler (SA_SIGINFO), child stopped: %s", rec_str(0));
    kill(c.pid, SIGCONT);
    wait_recs(2);
    ccheckf(rec_is(1, c.pid, CLD_CONTINUED, SIGCONT), "child continued: %s", rec_str(1));
    kill(c.pid, SIGTSTP);
    wait_recs(3);
    ccheckf(rec_is(2, c.pid, CLD_STOPPED, SIGTSTP), "child stopped by SIGTSTP: %s", rec_str(2));
    kill(c.pid, SIGKILL);
    wait_recs(4);
    ccheckf(rec_is(3, c.pid, CLD_KILLED, SIGKILL), "stopped child killed by SIGKILL (no continue first): %s",
            rec_str(3));
    int st = finish_child(c.pid, c.report, "SIGCHLD");
    ccheckf(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "its wait status: %s", status_str(st));
    close(c.ticks);

    fflush(stdout);
    pid_t e = fork();
    if (e == 0)
        _exit(7);
    wait_recs(5);
    ccheckf(rec_is(4, e, CLD_EXITED, 7), "child exits 7: %s", rec_str(4));
    reap(e, &st);
    pause_ms(QUIET_MS / 2);
    ccheckf(nrecs == 5, "exactly 5 SIGCHLDs (got %d)", (int)nrecs);
    return 0;
}

static int nocldstop_child(void *arg)
{
    (void)arg;
    install(SIGCHLD, on_sigchld, SA_NOCLDSTOP);
    struct child c;
    if (!start_ticking(&c, ticker, NULL, "SA_NOCLDSTOP"))
        return 1;
    int st = 0;
    kill(c.pid, SIGSTOP);
    pid_t r = wait_for(c.pid, &st, WUNTRACED);
    pause_ms(QUIET_MS / 2);
    kcheckf(r == c.pid && WIFSTOPPED(st) && nrecs == 0,
            "SA_NOCLDSTOP: the stop is still reported by waitpid (%s), but no SIGCHLD (%d recorded)", wstatus(r, st),
            (int)nrecs);
    kill(c.pid, SIGCONT);
    r = wait_for(c.pid, &st, WCONTINUED);
    bool ran = tick_arrives(c.ticks); /* it has run: any CLD_CONTINUED would be sent by now */
    pause_ms(QUIET_MS / 2);
    kcheckf(r == c.pid && WIFCONTINUED(st) && ran && nrecs == 0,
            "the continue likewise (%s, runs again: %s), no SIGCHLD (%d recorded)", wstatus(r, st), ran ? "yes" : "no",
            (int)nrecs);
    kill(c.pid, SIGTERM);
    wait_recs(1);
    kcheckf(rec_is(0, c.pid, CLD_KILLED, SIGTERM), "its end is signalled: %s", rec_str(0));
    finish_child(c.pid, c.report, "SA_NOCLDSTOP");
    close(c.ticks);
    return 0;
}

/* Waits (up to 1 s: an exit takes milliseconds) until `pid` no longer exists (kill(pid, 0) says ESRCH). */
static bool gone(pid_t pid)
{
    long long deadline = now_ns() + 1000000000LL;
    for (int round = 0; now_ns() < deadline; round++) {
        if (kill(pid, 0) != 0 && errno == ESRCH)
            return true;
        poll_pause(round);
    }
    return false;
}

static int nocldwait_child(void *arg)
{
    (void)arg;
    struct sigaction sa = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        _exit(5);
    bool g = gone(c);
    int st = 0;
    res_t w = res(waitpid(c, &st, WNOHANG));
    kcheckf(g && is_err(w, ECHILD), "SA_NOCLDWAIT (SIG_DFL): an exited child leaves no zombie (%s); waitpid -> %s",
            g ? "gone" : "still there", rs(w));

    long long t0 = now_ns();
    c = fork();
    if (c == 0) {
        sleep_ms(100);
        _exit(0);
    }
    w = res(waitpid(-1, &st, 0));
    long long ms = (now_ns() - t0) / 1000000;
    kcheckf(is_err(w, ECHILD) && ms >= 90,
            "a blocking waitpid(-1) waits for the child's end, then -> %s after %lld ms (expected ECHILD, >= 100 ms)",
            rs(w), ms);

    install(SIGCHLD, on_sigchld, SA_NOCLDWAIT);
    c = fork();
    if (c == 0)
        _exit(6);
    wait_recs(1);
    g = gone(c);
    w = res(waitpid(c, &st, WNOHANG));
    kcheckf(rec_is(0, c, CLD_EXITED, 6) && g && is_err(w, ECHILD),
            "SA_NOCLDWAIT with a handler: SIGCHLD still comes (%s), no zombie, waitpid -> %s", rec_str(0), rs(w));
    return 0;
}

/* A blocking waitpid wakes for a stop and for a continue that happen while it sleeps. */
static int blocking_wait_child(void *arg)
{
    (void)arg;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        sleep_ms(100);
        kill(getpid(), SIGTSTP);
        sleep_ms(200); /* an exit would take the continue's place in the report */
        _exit(0);
    }
    setpgid(c, c);
    int st = 0;
    long long t0 = now_ns();
    pid_t r = waitpid(c, &st, WUNTRACED);
    long long ms = (now_ns() - t0) / 1000000;
    ccheckf(r == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP && ms >= 50,
            "a blocking waitpid(WUNTRACED) wakes when the child stops %lld ms later: %s", ms, wstatus(r, st));
    pid_t h = fork();
    if (h == 0) {
        sleep_ms(100);
        _exit(kill(c, SIGCONT) == 0 ? 0 : 1);
    }
    t0 = now_ns();
    r = waitpid(c, &st, WCONTINUED);
    ms = (now_ns() - t0) / 1000000;
    ccheckf(r == c && WIFCONTINUED(st) && ms >= 50,
            "a blocking waitpid(WCONTINUED) wakes when a sibling continues the child %lld ms later: %s", ms,
            wstatus(r, st));
    r = waitpid(c, &st, 0);
    ccheckf(r == c && st == 0, "then the child's exit: %s", wstatus(r, st));
    reap(h, &st);
    return 0;
}

static void sigchld(void)
{
    run_child_ok("blocking waits", blocking_wait_child, NULL);
    run_child_ok("SIGCHLD with SA_SIGINFO", sigchld_info_child, NULL);
    run_child_ok("SA_NOCLDSTOP", nocldstop_child, NULL);
    run_child_ok("SA_NOCLDWAIT", nocldwait_child, NULL);
}

/* --- pending stop signals and SIGCONT cancel each other ------------------------- */

static volatile sig_atomic_t conts;
static void on_cont(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    conts++;
}

static int cont_discards_stops(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTSTP);
    sigaddset(&s, SIGTTIN);
    sigaddset(&s, SIGTTOU);
    sigprocmask(SIG_BLOCK, &s, NULL);
    kill(getpid(), SIGTSTP);
    kill(getpid(), SIGTTIN);
    kill(getpid(), SIGTTOU);
    unsigned long long before = raw_pending();
    kill(getpid(), SIGCONT);
    unsigned long long after = raw_pending();
    unsigned long long stops = BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU);
    ccheckf(before == stops && after == 0,
            "blocked SIGTSTP, SIGTTIN, SIGTTOU pending (0x%llx); SIGCONT discards them (pending after: 0x%llx)", before,
            after);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    return 0; /* the parent checks that it did not stop on unblocking */
}

static int stop_discards_cont(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    install(SIGCONT, on_cont, 0);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGCONT);
    sigaddset(&s, SIGTSTP);
    sigprocmask(SIG_BLOCK, &s, NULL);
    kill(getpid(), SIGCONT);
    unsigned long long p1 = raw_pending();
    kill(getpid(), SIGTSTP);
    unsigned long long p2 = raw_pending();
    signal(SIGTSTP, SIG_IGN); /* discards the pending SIGTSTP */
    unsigned long long p3 = raw_pending();
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    ccheckf(p1 == BIT(SIGCONT) && p2 == BIT(SIGTSTP) && p3 == 0 && conts == 0,
            "blocked SIGCONT pending (0x%llx); SIGTSTP discards it (0x%llx); SIGTSTP ignored (0x%llx); unblocked, "
            "the SIGCONT handler runs %d times (expected 0)",
            p1, p2, p3, (int)conts);
    sigprocmask(SIG_BLOCK, &s, NULL);
    kill(getpid(), SIGCONT);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    ccheckf(conts == 1, "the same without the stop signal: the handler runs %d times (expected 1)", (int)conts);
    return 0;
}

/* Blocks SIGCONT (handler installed), ticks until told to end, then reports. */
static int blocked_cont_ticker(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    install(SIGCONT, on_cont, SA_RESTART);
    block(SIGCONT, SIG_BLOCK);
    tick_loop();
    unsigned long long p = raw_pending();
    block(SIGCONT, SIG_UNBLOCK);
    ccheckf((p & BIT(SIGCONT)) && conts == 1,
            "SIGCONT blocked: it continued the child anyway and stayed pending (0x%llx); the handler ran %d times "
            "once unblocked (expected 1)",
            p, (int)conts);
    return 0;
}

static int cont_handler_ticker(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    install(SIGCONT, on_cont, SA_RESTART);
    tick_loop();
    ccheckf(conts == 1, "a SIGCONT handler runs when SIGCONT continues the child: %d times (expected 1)", (int)conts);
    return 0;
}

static int cont_ignored_ticker(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    signal(SIGCONT, SIG_IGN);
    tick_loop();
    return 0;
}

static volatile sig_atomic_t usr1s;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    usr1s++;
}

static int usr1_handler_ticker(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    install(SIGUSR1, on_usr1, SA_RESTART);
    tick_loop();
    ccheckf(usr1s == 1, "the SIGUSR1 sent while it was stopped ran its handler once continued: %d times", (int)usr1s);
    return 0;
}

/* Stops and continues a ticker that ends (and reports) when `until` gets a
 * byte; `while_stopped` (0: none) is sent to it while it is stopped, and
 * must leave it stopped. */
static void stop_continue_told(const char *name, int (*fn)(void *), int while_stopped)
{
    int until[2];
    pipe2(until, O_CLOEXEC);
    until_r = until[0];
    struct child c;
    bool started = start_ticking(&c, fn, NULL, name);
    until_r = -1;
    close(until[0]);
    if (!started) {
        close(until[1]);
        return;
    }
    int st = 0;
    kill(c.pid, SIGSTOP);
    pid_t r = wait_for(c.pid, &st, WUNTRACED);
    size_t n = ticks_during(c.ticks, QUIET_MS / 2);
    if (while_stopped) {
        kill(c.pid, while_stopped);
        n += ticks_during(c.ticks, QUIET_MS);
    }
    kill(c.pid, SIGCONT);
    int st2 = 0;
    pid_t r2 = wait_for(c.pid, &st2, WCONTINUED);
    bool ran = tick_arrives(c.ticks);
    checkf(r == c.pid && WIFSTOPPED(st) && n == 0 && r2 == c.pid && WIFCONTINUED(st2) && ran,
           "%s: stopped (%s, %zu ticks%s), continued (%s, runs: %s)", name, wstatus(r, st), n,
           while_stopped ? ", also after a handled SIGUSR1" : "", wstatus(r2, st2), ran ? "yes" : "no");
    write(until[1], "e", 1);
    close(until[1]);
    st = finish_child(c.pid, c.report, name);
    checkf(st == 0, "%s: the child ends normally (%s)", name, status_str(st));
    close(c.ticks);
}

/* The lines of a child that was reaped already (they wait in its report pipe). */
static void collect_lines(int rd)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    drain(rd, &buf, &len, &cap);
    close(rd);
    replay(buf, len);
    free(buf);
}

static void pending_cancel(void)
{
    int rd;
    pid_t c = start_child(cont_discards_stops, NULL, &rd);
    setpgid(c, c);
    int st = 0;
    pid_t r = wait_for(c, &st, WUNTRACED);
    bool stopped = r == c && WIFSTOPPED(st);
    const char *what = wstatus(r, st);
    if (r == c && !stopped) {
        collect_lines(rd);
    } else {
        kill(c, SIGCONT);
        finish_child(c, rd, "SIGCONT discards stops");
    }
    checkf(r == c && WIFEXITED(st) && st == 0, "unblocking the discarded stop signals does not stop the child: %s",
           what);
    run_child_ok("a stop signal discards SIGCONT", stop_discards_cont, NULL);
    stop_continue_told("SIGCONT blocked", blocked_cont_ticker, 0);
    stop_continue_told("SIGCONT handler", cont_handler_ticker, 0);
    stop_continue_told("SIGCONT ignored", cont_ignored_ticker, 0);
    stop_continue_told("a handled signal while stopped", usr1_handler_ticker, SIGUSR1);
}

/* --- blocked calls across a stop ------------------------------------------------ */

static int data_r = -1;

enum { READ_PLAIN, READ_HANDLER_RESTART, READ_HANDLER_EINTR };

static int stopped_reader(void *arg)
{
    int mode = (int)(intptr_t)arg;
    setpgid(0, 0);
    if (mode != READ_PLAIN)
        install(SIGCONT, on_cont, mode == READ_HANDLER_RESTART ? SA_RESTART : 0);
    write(tick_w, "r", 1); /* about to read */
    char buf[8] = { 0 };
    res_t r = res(read(data_r, buf, 5));
    if (mode == READ_HANDLER_EINTR)
        ccheckf(is_err(r, EINTR) && conts == 1,
                "a read stopped and continued, SIGCONT handler without SA_RESTART: -> %s, handler ran %d times "
                "(expected EINTR, 1)",
                rs(r), (int)conts);
    else
        ccheckf(r.ret == 5 && !memcmp(buf, "hello", 5) && conts == (mode == READ_PLAIN ? 0 : 1),
                "a read stopped and continued (%s) restarts and gets the data written later: -> %s \"%s\"",
                mode == READ_PLAIN ? "SIGCONT's default action" : "SIGCONT handler with SA_RESTART", rs(r), buf);
    return 0;
}

static void read_across_stop(int mode)
{
    int data[2];
    pipe2(data, O_CLOEXEC);
    data_r = data[0];
    struct child c;
    bool started = start_ticking(&c, stopped_reader, (void *)(intptr_t)mode, "read across a stop");
    data_r = -1;
    close(data[0]);
    if (!started) {
        close(data[1]);
        return;
    }
    pause_ms(50); /* in its read by now */
    int st = 0;
    kill(c.pid, SIGSTOP);
    pid_t r = wait_for(c.pid, &st, WUNTRACED);
    pause_ms(30);
    kill(c.pid, SIGCONT);
    pid_t r2 = wait_for(c.pid, &st, WCONTINUED);
    bool ended = r2 == c.pid && !WIFCONTINUED(st); /* the EINTR reader may end first */
    pause_ms(50);
    if (mode != READ_HANDLER_EINTR) /* else the reader is gone: no SIGPIPE here */
        write(data[1], "hello", 5);
    if (ended)
        collect_lines(c.report);
    else
        st = finish_child(c.pid, c.report, "read across a stop");
    checkf(r == c.pid && r2 == c.pid && st == 0, "the reader was stopped and continued, and ended normally (%s)",
           status_str(st));
    close(data[1]);
    close(c.ticks);
}

static int stopped_sleeper(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    write(tick_w, "s", 1);
    struct timespec ts = { 0, 400000000 }, rem = { 0, 0 };
    long long t0 = now_ns();
    res_t r = res(nanosleep(&ts, &rem));
    long long ms = (now_ns() - t0) / 1000000;
    ccheckf(r.ret == 0 && ms >= 400 && ms < 3000,
            "nanosleep(400 ms) stopped for 100 ms and continued: -> %s after %lld ms (expected 0 after >= 400 ms: "
            "restart_syscall sleeps the rest)",
            rs(r), ms);
    return 0;
}

static void sleep_across_stop(void)
{
    struct child c;
    if (!start_ticking(&c, stopped_sleeper, NULL, "nanosleep across a stop"))
        return;
    pause_ms(100);
    int st = 0;
    kill(c.pid, SIGSTOP);
    pid_t r = wait_for(c.pid, &st, WUNTRACED);
    pause_ms(100);
    kill(c.pid, SIGCONT);
    st = finish_child(c.pid, c.report, "nanosleep across a stop");
    checkf(r == c.pid && st == 0, "the sleeper was stopped and ended normally (%s)", status_str(st));
    close(c.ticks);
}

/* --- orphaned process groups ---------------------------------------------------- */

/* Where processes that outlive their parent (and so escape its wait) name
 * themselves, so that the test can kill them if they get stuck. */
static int pids_w = -1;

static void announce(void)
{
    pid_t me = getpid();
    write(pids_w, &me, sizeof(me));
}

/* finish_child for a child whose descendants outlive it: its status, and
 * then every line until the report pipe's EOF (everyone who holds it has
 * ended); stragglers announced on pids_r are killed after EVENT_NS. */
static int finish_family(pid_t pid, int rd, int pids_r, const char *name)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int st = -1;
    int r = reap_collecting(pid, &st, rd, &buf, &len, &cap);
    long long deadline = now_ns() + EVENT_NS;
    bool eof = false;
    for (int round = 0; !eof; round++) {
        if (cap - len < 1024) {
            cap = cap * 2 + 4096;
            buf = realloc(buf, cap);
        }
        ssize_t n = read(rd, buf + len, cap - len);
        if (n > 0) {
            len += (size_t)n;
            continue;
        }
        if (n == 0) {
            eof = true;
        } else if (now_ns() > deadline) {
            break;
        } else {
            poll_pause(round);
        }
    }
    replay(buf, len);
    free(buf);
    close(rd);
    if (r != 0)
        ccheckf(false, "%s: child %s", name, r > 0 ? "did not finish in time: killed" : "could not be waited for");
    pid_t p;
    int stragglers = 0;
    while (read(pids_r, &p, sizeof(p)) == sizeof(p))
        if (!eof && kill(p, SIGKILL) == 0)
            stragglers++;
    if (!eof)
        ccheckf(false, "%s: %d descendants still there after %lld s: killed", name, stragglers, EVENT_NS / 1000000000);
    return r == 0 ? st : -1;
}

static void orphan_family(const char *name, int (*fn)(void *))
{
    int pids[2];
    pipe2(pids, O_CLOEXEC);
    set_nonblock(pids[0]);
    pids_w = pids[1];
    int rd;
    pid_t c = start_child(fn, NULL, &rd);
    pids_w = -1;
    close(pids[1]);
    if (c < 0) {
        checkf(false, "%s: fork -> %s", name, rs(res(-1)));
        close(pids[0]);
        return;
    }
    int st = finish_family(c, rd, pids[0], name);
    checkf(st == 0, "%s: the child ran to the end (%s)", name, st < 0 ? "not waited" : status_str(st));
    close(pids[0]);
}

/* What a member saw of SIGHUP and SIGCONT. */
struct hup_rec {
    int sig, code;
};
static struct hup_rec hups[8];
static volatile sig_atomic_t nhups;

static void on_hup_cont(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (nhups < 8) {
        hups[nhups] = (struct hup_rec){ sig, si->si_code };
        nhups++;
    }
}

static void record_hup_cont(void)
{
    install(SIGHUP, on_hup_cont, 0);
    install(SIGCONT, on_hup_cont, 0);
}

/* In a stopped member, once continued: it got SIGHUP and SIGCONT from the kernel. */
static void expect_hangup(const char *what)
{
    long long deadline = now_ns() + EVENT_NS;
    while (nhups < 2 && now_ns() < deadline)
        sleep_ms(1);
    int hup = 0, cont = 0;
    bool kernel = true;
    for (int i = 0; i < nhups; i++) {
        hup += hups[i].sig == SIGHUP;
        cont += hups[i].sig == SIGCONT;
        kernel = kernel && hups[i].code == SI_KERNEL;
    }
    ccheckf(hup == 1 && cont == 1 && kernel && nhups == 2,
            "%s: the stopped member got SIGHUP %d time(s) and SIGCONT %d time(s), from the kernel (si_code %s): "
            "expected once each, SI_KERNEL",
            what, hup, cont, kernel ? "SI_KERNEL" : "other");
}

/* In a new session (so its own group is orphaned): SIGTSTP, SIGTTIN and
 * SIGTTOU are discarded, SIGSTOP stops. */
static int orphaned_self_stop(void *arg)
{
    (void)arg;
    res_t s = res(setsid());
    ccheckf(s.ret == getpid(), "setsid() -> %s", rs(s));
    int sigs[] = { SIGTSTP, SIGTTIN, SIGTTOU };
    for (int i = 0; i < 3; i++) {
        kill(getpid(), sigs[i]);
        unsigned long long p = raw_pending();
        ccheckf(p == 0, "in an orphaned group (a new session) %s does not stop the process: it carries on, "
                        "nothing pending (0x%llx)",
                signame(sigs[i]), p);
    }
    install(SIGTSTP, on_usr1, 0);
    kill(getpid(), SIGTSTP);
    ccheckf(usr1s == 1, "only the default action is suppressed: a SIGTSTP handler runs (%d times)", (int)usr1s);
    kill(getpid(), SIGSTOP);
    return 0;
}

/* A new session; a child in a second group of it stops on SIGTTIN. */
static int session_child_stops(void *arg)
{
    (void)arg;
    setsid();
    fflush(stdout);
    pid_t b = fork();
    if (b == 0) {
        setpgid(0, 0);
        kill(getpid(), SIGTTIN);
        _exit(0);
    }
    setpgid(b, b);
    int st = 0;
    pid_t r = wait_for(b, &st, WUNTRACED);
    ccheckf(r == b && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN,
            "in a new session, a child in a second group (its parent outside the group, inside the session): "
            "SIGTTIN stops it: %s",
            wstatus(r, st));
    kill(b, SIGCONT);
    r = wait_for(b, &st, 0);
    ccheckf(r == b && st == 0, "continued, it ends normally: %s", wstatus(r, st));
    return 0;
}

/* A's child B, in a group of its own, stops; A exits: B's group loses its
 * only link (A) and gets SIGHUP and SIGCONT (the reparenting path). */
static int orphan_by_parent_exit(void *arg)
{
    (void)arg;
    setsid();
    fflush(stdout);
    pid_t b = fork();
    if (b == 0) {
        announce();
        setpgid(0, 0);
        record_hup_cont();
        kill(getpid(), SIGTSTP);
        expect_hangup("parent outside the group exits");
        _exit(0);
    }
    setpgid(b, b);
    int st = 0;
    pid_t r = wait_for(b, &st, WUNTRACED);
    ccheckf(r == b && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP,
            "while its parent lives, the child's group is not orphaned: SIGTSTP stops it (%s)", wstatus(r, st));
    return 0; /* B's group is orphaned now, with B stopped */
}

/* A's child P leads a group with its child S; S stops; P exits: the group
 * loses its link (P's parent A) and gets SIGHUP and SIGCONT (the exit path). */
static int orphan_by_member_exit(void *arg)
{
    (void)arg;
    setsid();
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        setpgid(0, 0);
        pid_t s = fork();
        if (s == 0) {
            announce();
            record_hup_cont();
            kill(getpid(), SIGTSTP);
            expect_hangup("the member linking the group exits");
            _exit(0);
        }
        int st = 0;
        pid_t r = wait_for(s, &st, WUNTRACED);
        ccheckf(r == s && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP,
                "a member whose parent is in the group stops on SIGTSTP while another member links the group (%s)",
                wstatus(r, st));
        _exit(0);
    }
    setpgid(p, p);
    int st = 0;
    reap(p, &st);
    ccheckf(st == 0, "the linking member exited (%s)", status_str(st));
    return 0;
}

/* Group GB = {B1 (child of A), B2 (child of X, in A's group)}. B1 stops. A
 * exits: X still links GB, nothing happens. X exits: GB is orphaned, B1
 * gets SIGHUP and SIGCONT, and finds X's farewell byte written before. */
static int orphan_second_link(void *arg)
{
    (void)arg;
    setsid();
    pid_t a = getpid();
    int ready[2], farewell[2];
    pipe(ready);
    pipe(farewell);
    fflush(stdout);
    pid_t b1 = fork();
    if (b1 == 0) {
        announce();
        setpgid(0, 0);
        record_hup_cont();
        close(farewell[1]);
        set_nonblock(farewell[0]);
        kill(getpid(), SIGSTOP);
        char c = 0;
        ssize_t n = read(farewell[0], &c, 1);
        ccheckf(n == 1 && c == 'x',
                "a stopped member is not continued while another member's parent (in another group of the session) "
                "lives: continued only after it exited (its farewell byte: %s)",
                n == 1 ? "there" : "not there yet");
        expect_hangup("the last link exits");
        _exit(0);
    }
    setpgid(b1, b1);
    int st = 0;
    pid_t r = wait_for(b1, &st, WUNTRACED);
    ccheckf(r == b1 && WIFSTOPPED(st), "B1 stopped: %s", wstatus(r, st));
    pid_t x = fork();
    if (x == 0) {
        announce();
        pid_t b2 = fork();
        if (b2 == 0) {
            announce();
            setpgid(0, b1);
            write(ready[1], "b", 1);
            long long end = now_ns() + 10000000000LL;
            while (now_ns() < end) /* until SIGHUP ends it */
                sleep_ms(5);
            _exit(0);
        }
        long long deadline = now_ns() + EVENT_NS;
        while (getppid() == a && now_ns() < deadline) /* A exits */
            sleep_ms(1);
        pause_ms(2 * QUIET_MS);
        write(farewell[1], "x", 1);
        _exit(0); /* B2's group loses its last link */
    }
    char c;
    size_t got = read_bounded(ready[0], &c, 1, now_ns() + EVENT_NS);
    ccheckf(got == 1, "B2 (X's child, in A's group) joined B1's group");
    return 0; /* X still links B1's group */
}

/* Linux's reparent_leader looks at zombie children too: group GZ = {Z, S},
 * S Z's child. Z exits (not collected by A): GZ is orphaned with S stopped:
 * SIGHUP and SIGCONT. S stops again (SIGSTOP: SIGTSTP no longer stops in
 * an orphaned group); then A exits, and reparenting the zombie Z -- GZ's
 * member whose parent was outside -- sends them again. */
static int orphan_zombie_link(void *arg)
{
    (void)arg;
    setsid();
    int stopping[2];
    pipe(stopping);
    fflush(stdout);
    pid_t z = fork();
    if (z == 0) {
        setpgid(0, 0);
        pid_t s = fork();
        if (s == 0) {
            announce();
            record_hup_cont();
            kill(getpid(), SIGTSTP);
            long long deadline = now_ns() + EVENT_NS;
            while (nhups < 2 && now_ns() < deadline)
                sleep_ms(1);
            int first = nhups;
            write(stopping[1], "s", 1);
            kill(getpid(), SIGSTOP);
            deadline = now_ns() + EVENT_NS;
            while (nhups < 4 && now_ns() < deadline)
                sleep_ms(1);
            int hup = 0, cont = 0;
            for (int i = 0; i < nhups; i++) {
                hup += hups[i].sig == SIGHUP && hups[i].code == SI_KERNEL;
                cont += hups[i].sig == SIGCONT && hups[i].code == SI_KERNEL;
            }
            ccheckf(first == 2 && hup == 2 && cont == 2 && nhups == 4,
                    "a zombie member's reparenting: SIGHUP and SIGCONT when its parent Z exits (%d signals), again when "
                    "Z's parent exits with Z uncollected (%d SIGHUP, %d SIGCONT in all; expected 2 and 2)",
                    first, hup, cont);
            _exit(0);
        }
        int st = 0;
        pid_t r = wait_for(s, &st, WUNTRACED);
        ccheckf(r == s && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP, "S stops on SIGTSTP while Z links its group (%s)",
                wstatus(r, st));
        _exit(0);
    }
    setpgid(z, z);
    char c;
    size_t got = read_bounded(stopping[0], &c, 1, now_ns() + EVENT_NS);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    int w = waitid(P_PID, (id_t)z, &si, WEXITED | WNOWAIT | WNOHANG);
    ccheckf(got == 1 && w == 0 && si.si_pid == z && si.si_code == CLD_EXITED,
            "Z exited and is a zombie (%s); S was continued and is stopping itself again", siinfo_str(w, &si));
    pause_ms(3 * QUIET_MS); /* S is stopped by now (nobody can wait for it: its parent is process 1) */
    return 0;                /* Z, still a zombie, goes to process 1 */
}

/* A's child B in a group of its own, running: A exits; no SIGHUP. */
static int orphan_none_stopped(void *arg)
{
    (void)arg;
    setsid();
    pid_t a = getpid();
    int ready[2];
    pipe(ready);
    fflush(stdout);
    pid_t b = fork();
    if (b == 0) {
        announce();
        setpgid(0, 0);
        record_hup_cont();
        write(ready[1], "b", 1);
        long long deadline = now_ns() + EVENT_NS;
        while (getppid() == a && now_ns() < deadline)
            sleep_ms(1);
        pause_ms(2 * QUIET_MS);
        ccheckf(getppid() != a && nhups == 0,
                "a group orphaned without a stopped member gets no SIGHUP/SIGCONT (%d signals)", (int)nhups);
        _exit(0);
    }
    setpgid(b, b);
    char c;
    read_bounded(ready[0], &c, 1, now_ns() + EVENT_NS);
    return 0;
}

static void orphaned_groups(void)
{
    int rd;
    pid_t c = start_child(orphaned_self_stop, NULL, &rd);
    int st = 0;
    pid_t r = wait_for(c, &st, WUNTRACED);
    checkf(r == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
           "orphaned group: the first stop reported is SIGSTOP's (%s)", wstatus(r, st));
    kill(c, SIGCONT);
    st = finish_child(c, rd, "orphaned group");
    checkf(st == 0, "orphaned group: continued, the child ends normally (%s)", status_str(st));

    run_child_ok("stop in a second group of a new session", session_child_stops, NULL);
    orphan_family("orphaned when the parent exits", orphan_by_parent_exit);
    orphan_family("orphaned when a member exits", orphan_by_member_exit);
    orphan_family("orphaned when the last link exits", orphan_second_link);
    orphan_family("orphaned without a stopped member", orphan_none_stopped);
    orphan_family("orphaned again through a zombie", orphan_zombie_link);
}

/* --- kill ---------------------------------------------------------------------- */

/* A child that holds until `hold` reaches EOF, after setting its uids. */
static pid_t holder_as(int hold[2], int ready_w, uid_t r, uid_t e, uid_t s, bool own_group, bool new_session)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(hold[1]);
        if (new_session)
            setsid();
        else if (own_group)
            setpgid(0, 0);
        bool ok = setresuid(r, e, s) == 0;
        write(ready_w, ok ? "y" : "n", 1);
        char c;
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    return pid;
}

static bool all_ready(int ready_r, int n)
{
    char buf[16];
    size_t got = read_bounded(ready_r, buf, (size_t)n, now_ns() + EVENT_NS);
    for (size_t i = 0; i < got; i++)
        if (buf[i] != 'y')
            return false;
    return got == (size_t)n;
}

static int group_kill_child(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    int hold[2], ready[2];
    pipe(hold);
    pipe(ready);
    pid_t a1 = holder_as(hold, ready[1], 0, 0, 0, false, false);
    pid_t a2 = holder_as(hold, ready[1], 0, 0, 0, false, false);
    pid_t b = holder_as(hold, ready[1], 0, 0, 0, true, false);
    setpgid(b, b);
    bool ready_ok = all_ready(ready[0], 3);
    block(SIGUSR1, SIG_BLOCK);
    res_t k = res(kill(0, SIGUSR1));
    unsigned long long p = raw_pending();
    int s1 = -1, s2 = -1;
    reap(a1, &s1);
    reap(a2, &s2);
    res_t kb = res(kill(b, 0));
    pid_t rb = waitpid(b, NULL, WNOHANG);
    ccheckf(ready_ok && k.ret == 0 && (p & BIT(SIGUSR1)) && WIFSIGNALED(s1) && WTERMSIG(s1) == SIGUSR1 &&
                WIFSIGNALED(s2) && WTERMSIG(s2) == SIGUSR1 && kb.ret == 0 && rb == 0,
            "kill(0, SIGUSR1) -> %s: reaches the caller (pending 0x%llx) and both members of its group (%s, %s), not "
            "a child in another group (kill(it, 0) -> %s, waitpid -> %d)",
            rs(k), p, status_str(s1), status_str(s2), rs(kb), (int)rb);
    k = res(kill(-b, SIGUSR2));
    int sb = -1;
    reap(b, &sb);
    ccheckf(k.ret == 0 && WIFSIGNALED(sb) && WTERMSIG(sb) == SIGUSR2, "kill(-pgid, SIGUSR2) -> %s: the member dies: %s",
            rs(k), status_str(sb));
    k = res(kill(-b, 0));
    ccheckf(is_err(k, ESRCH), "kill(-pgid of a group now empty, 0) -> %s (expected ESRCH)", rs(k));
    k = res(kill(-getpgrp(), 0));
    res_t k0 = res(kill(0, 0));
    ccheckf(k.ret == 0 && k0.ret == 0, "kill(-own pgid, 0) -> %s, kill(0, 0) -> %s", rs(k), rs(k0));
    close(hold[1]);
    return 0;
}

/* A uid no other process of the machine has (Linux hosts too): kill(-1) by it reaches only our own. */
static uid_t lone_uid(void)
{
    return 50000 + (uid_t)(getpid() % 10000);
}

static int kill_all_child(void *arg)
{
    (void)arg;
    uid_t u = lone_uid();
    int hold[2], ready[2];
    pipe(hold);
    pipe(ready);
    pid_t h1 = holder_as(hold, ready[1], u, u, u, false, false);
    pid_t h2 = holder_as(hold, ready[1], u, u, u, true, false);
    bool ready_ok = all_ready(ready[0], 2);
    res_t s = res(setresuid(u, u, u));
    block(SIGUSR1, SIG_BLOCK);
    res_t k = res(kill(-1, SIGUSR1));
    unsigned long long p = raw_pending();
    int s1 = -1, s2 = -1;
    reap(h1, &s1);
    reap(h2, &s2);
    ccheckf(ready_ok && s.ret == 0 && k.ret == 0 && WIFSIGNALED(s1) && WTERMSIG(s1) == SIGUSR1 && WIFSIGNALED(s2) &&
                WTERMSIG(s2) == SIGUSR1,
            "as uid %u: kill(-1, SIGUSR1) -> %s; both other processes of that uid die of it (%s, %s; one in another "
            "group)",
            (unsigned)u, rs(k), status_str(s1), status_str(s2));
    ccheckf(!(p & BIT(SIGUSR1)), "kill(-1) spares the caller (SIGUSR1 blocked: pending 0x%llx)", p);
    k = res(kill(-1, SIGUSR1));
    res_t k0 = res(kill(-1, 0));
    ccheckf(k.ret == 0 && k0.ret == 0,
            "with no other process of uid %u left, kill(-1, SIGUSR1) -> %s and kill(-1, 0) -> %s (expected 0: Linux "
            "counts the processes it may not signal)",
            (unsigned)u, rs(k), rs(k0));
    close(hold[1]);
    return 0;
}

struct perm_args {
    pid_t root_pid;    /* a root process in the test's session */
    pid_t root_pgid;   /* its group (root processes only) */
};

static int permission_child(void *arg)
{
    struct perm_args *a = arg;
    setpgid(0, 0); /* out of the test's group, which is root's */
    uid_t u = lone_uid(), u2 = u + 1, u4 = u + 3, u5 = u + 4;
    int hold[2], ready[2];
    pipe(hold);
    pipe(ready);
    /* Targets, and whether a sender with ruid u, euid = suid = u2 may signal them
     * (Linux's kill_ok_by_cred: sender's ruid or euid equals target's ruid or suid). */
    struct {
        uid_t r, e, s;
        bool allowed;
        const char *why;
    } t[] = {
        { u, u4, u4, true, "ruid = ruid" },   { u5, u5, u2, true, "euid = suid" }, { u5, u5, u, true, "ruid = suid" },
        { u2, u5, u5, true, "euid = ruid" },  { u5, u5, u5, false, "no match" },
        { u5, u, u5, false, "only the target's euid matches" },
    };
    enum { N = sizeof(t) / sizeof(t[0]) };
    pid_t pid[N];
    for (int i = 0; i < N; i++)
        pid[i] = holder_as(hold, ready[1], t[i].r, t[i].e, t[i].s, false, false);
    pid_t other_session = holder_as(hold, ready[1], 0, 0, 0, false, true);
    bool ready_ok = all_ready(ready[0], N + 1);
    res_t s = res(setresuid(u, u2, u2));
    ccheckf(ready_ok && s.ret == 0, "targets ready; the sender is ruid %u, euid = suid %u (%s)", (unsigned)u,
            (unsigned)u2, rs(s));
    for (int i = 0; i < N; i++) {
        res_t k = res(kill(pid[i], 0));
        ccheckf(t[i].allowed ? k.ret == 0 : is_err(k, EPERM), "kill(target ruid %u euid %u suid %u, 0) -> %s (%s: %s)",
                (unsigned)t[i].r, (unsigned)t[i].e, (unsigned)t[i].s, rs(k), t[i].why,
                t[i].allowed ? "allowed" : "EPERM");
    }
    res_t k = res(kill(pid[0], SIGUSR1));
    int st = -1;
    reap(pid[0], &st);
    ccheckf(k.ret == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1, "kill(an allowed target, SIGUSR1) -> %s: %s",
            rs(k), status_str(st));
    k = res(kill(pid[4], SIGUSR1));
    pid_t r = waitpid(pid[4], &st, WNOHANG);
    ccheckf(is_err(k, EPERM) && r == 0, "kill(a refused target, SIGUSR1) -> %s, it lives on (waitpid -> %d)", rs(k),
            (int)r);
    k = res(kill(a->root_pid, SIGUSR1));
    res_t k0 = res(kill(a->root_pid, 0));
    ccheckf(is_err(k, EPERM) && is_err(k0, EPERM), "kill(root process, SIGUSR1) -> %s, (.., 0) -> %s (expected EPERM)",
            rs(k), rs(k0));
    k = res(kill(-a->root_pgid, SIGUSR1));
    ccheckf(is_err(k, EPERM), "kill(-pgid of root's group, SIGUSR1) -> %s (expected EPERM)", rs(k));
    k = res(kill(a->root_pid, SIGCONT));
    ccheckf(k.ret == 0, "kill(root process in the same session, SIGCONT) -> %s (expected 0: SIGCONT within a session)",
            rs(k));
    k = res(kill(other_session, SIGCONT));
    ccheckf(is_err(k, EPERM), "kill(root process in another session, SIGCONT) -> %s (expected EPERM)", rs(k));
    close(hold[1]);
    for (int i = 1; i < N; i++)
        reap(pid[i], &st);
    reap(other_session, &st);
    return 0;
}

static void kill_errors(void)
{
    res_t r = res(kill(0x3fffffff, 0));
    checkf(is_err(r, ESRCH), "kill(0x3fffffff, 0) -> %s (expected ESRCH)", rs(r));
    r = res(kill(-0x3fffffff, SIGUSR1));
    checkf(is_err(r, ESRCH), "kill(-0x3fffffff, SIGUSR1) -> %s (expected ESRCH)", rs(r));
    r = res(syscall(SYS_kill, (int)0x80000000u, 0));
    checkf(is_err(r, ESRCH), "kill(INT_MIN, 0) -> %s (expected ESRCH)", rs(r));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    int st;
    reap(c, &st);
    r = res(kill(c, 0));
    checkf(is_err(r, ESRCH), "kill(a reaped child's pid, 0) -> %s (expected ESRCH)", rs(r));
    r = res(syscall(SYS_kill, getpid(), 65));
    res_t r2 = res(syscall(SYS_kill, getpid(), -1));
    res_t r3 = res(syscall(SYS_kill, -1, 65));
    res_t r4 = res(syscall(SYS_kill, 0, 65));
    checkf(is_err(r, EINVAL) && is_err(r2, EINVAL) && is_err(r3, EINVAL) && is_err(r4, EINVAL),
           "signal 65 or -1: kill(self) -> %s, %s; kill(-1) -> %s; kill(0) -> %s (expected EINVAL)", rs(r), rs(r2),
           rs(r3), rs(r4));
}

static void kill_tests(void)
{
    run_child_ok("kill to a group", group_kill_child, NULL);

    int hold[2];
    pipe(hold);
    pid_t root = fork_holder(hold);
    setpgid(root, root);
    run_child_ok("kill(-1) as another user", kill_all_child, NULL);
    struct perm_args a = { root, root };
    run_child_ok("kill permissions", permission_child, &a);
    res_t r = res(kill(root, 0));
    pid_t w = waitpid(root, NULL, WNOHANG);
    checkf(r.ret == 0 && w == 0, "the root process survived all of it: kill(it, 0) -> %s, waitpid -> %d", rs(r), (int)w);
    close(hold[1]);
    close(hold[0]);
    int st = -1;
    reap(root, &st);
    checkf(st == 0, "and ends normally (%s)", status_str(st));
    kill_errors();
}

int main(void)
{
    /* Terminating signals that dump core must not write files (Linux, qemu-user). */
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
    default_actions();
    stop_continue();
    sigchld();
    pending_cancel();
    read_across_stop(READ_PLAIN);
    read_across_stop(READ_HANDLER_RESTART);
    read_across_stop(READ_HANDLER_EINTR);
    sleep_across_stop();
    orphaned_groups();
    kill_tests();
    return check_summary();
}
