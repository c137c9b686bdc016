/*
 * Process 1 and signals, as Linux treats init: a signal process 1 has no
 * handler for is dropped when sent (SIGKILL and SIGSTOP included, from
 * itself or from a child), unless it is blocked -- blocked signals are never
 * ignored at sending time; it stays pending and is dropped when unblocked if
 * still SIG_DFL, or runs the handler installed meanwhile. Signals it has
 * handlers for are delivered as to anyone. Sending a stop signal still
 * discards a pending SIGCONT (job control happens before the check).
 * kill(-1) from a child does not reach process 1.
 *
 * Must run as process 1: the posix.init_signals scenario boots with
 * kenix.init=/bin/init_signals. Not a test_* program, so /init does not run
 * it as one of its children. Checked on Linux as process 1 of a PID
 * namespace (`unshare --pid --fork`, native build), whose init the kernel
 * protects the same way from signals sent inside the namespace.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>

#include "posix_test.h"

#define BIT(sig) (1ull << ((sig) - 1))

static volatile sig_atomic_t got[65];
static siginfo_t info[65];

static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got[sig]++;
    info[sig] = *si;
}

static void install(int sig)
{
    struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO | SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void mask(int how, int sig1, int sig2)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig1);
    if (sig2)
        sigaddset(&s, sig2);
    sigprocmask(how, &s, NULL);
}

static unsigned long long raw_pending(void)
{
    unsigned long long m = 0;
    syscall(SYS_rt_sigpending, &m, 8);
    return m;
}

static void default_dropped(void)
{
    static const struct {
        int sig;
        const char *name;
    } some[] = { { SIGTERM, "SIGTERM" }, { SIGKILL, "SIGKILL" }, { SIGSTOP, "SIGSTOP" }, { SIGUSR1, "SIGUSR1" } };
    for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++) {
        res_t r = res(syscall(SYS_kill, 1, some[i].sig));
        unsigned long long p = raw_pending();
        checkf(r.ret == 0 && p == 0, "process 1 sends itself %s (SIG_DFL): -> %s, it carries on, nothing pending (0x%llx)",
               some[i].name, rs(r), p);
    }
    char failed[256] = "none";
    size_t len = 0;
    for (int sig = 1; sig <= 64; sig++) {
        res_t r = res(syscall(SYS_kill, 1, sig));
        if (r.ret != 0 || raw_pending() != 0)
            len += (size_t)snprintf(failed + len, sizeof(failed) - len, "%s%d", len ? " " : "", sig);
        if (len >= sizeof(failed))
            break;
    }
    checkf(len == 0, "process 1 sends itself every signal 1..64 (SIG_DFL): it survives each, each -> 0, nothing "
                     "pending (failed: %s)",
           failed);
}

static void blocked_default(void)
{
    mask(SIG_BLOCK, SIGUSR1, SIGTERM);
    kill(1, SIGUSR1);
    kill(1, SIGTERM);
    unsigned long long p = raw_pending();
    checkf(p == (BIT(SIGUSR1) | BIT(SIGTERM)),
           "blocked SIGUSR1 and SIGTERM (SIG_DFL) sent to process 1 stay pending: 0x%llx (expected 0x%llx)", p,
           BIT(SIGUSR1) | BIT(SIGTERM));
    install(SIGUSR1);
    mask(SIG_UNBLOCK, SIGUSR1, SIGTERM);
    p = raw_pending();
    checkf(got[SIGUSR1] == 1 && p == 0,
           "unblocked: the SIGUSR1 handler installed meanwhile runs (%d times), SIGTERM is dropped (pending 0x%llx)",
           (int)got[SIGUSR1], p);
}

static void handled(void)
{
    got[SIGUSR1] = 0;
    res_t r = res(kill(1, SIGUSR1));
    checkf(r.ret == 0 && got[SIGUSR1] == 1 && info[SIGUSR1].si_code == SI_USER && info[SIGUSR1].si_pid == 1 &&
               info[SIGUSR1].si_uid == 0,
           "with a handler, SIGUSR1 to process 1 -> %s: handler ran %d times, si_code %d, si_pid %d, si_uid %u", rs(r),
           (int)got[SIGUSR1], info[SIGUSR1].si_code, info[SIGUSR1].si_pid, (unsigned)info[SIGUSR1].si_uid);
    install(SIGTSTP);
    r = res(kill(1, SIGTSTP));
    checkf(r.ret == 0 && got[SIGTSTP] == 1, "with a handler, SIGTSTP to process 1 -> %s: handler ran %d times", rs(r),
           (int)got[SIGTSTP]);

    /* Job control comes before the check for process 1: SIGSTOP, though dropped, discards a pending SIGCONT. */
    install(SIGCONT);
    mask(SIG_BLOCK, SIGCONT, 0);
    kill(1, SIGCONT);
    unsigned long long p1 = raw_pending();
    kill(1, SIGSTOP);
    unsigned long long p2 = raw_pending();
    mask(SIG_UNBLOCK, SIGCONT, 0);
    checkf(p1 == BIT(SIGCONT) && p2 == 0 && got[SIGCONT] == 0,
           "blocked SIGCONT pending (0x%llx); SIGSTOP to process 1 discards it (0x%llx); unblocked, its handler runs %d "
           "times (expected 0)",
           p1, p2, (int)got[SIGCONT]);
}

static void from_a_child(void)
{
    install(SIGCHLD);
    got[SIGUSR1] = 0;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int bits = 0;
        int sigs[] = { SIGTERM, SIGKILL, SIGSTOP, SIGINT, SIGHUP, SIGUSR1 };
        for (int i = 0; i < 6; i++)
            if (kill(1, sigs[i]) != 0)
                bits |= 1 << i;
        _exit(bits);
    }
    int st = -1;
    reap(c, &st);
    long long deadline = now_ns() + 2000000000LL;
    while ((got[SIGUSR1] == 0 || got[SIGCHLD] == 0) && now_ns() < deadline)
        sleep_ms(1);
    checkf(st == 0, "a child sends process 1 SIGTERM, SIGKILL, SIGSTOP, SIGINT, SIGHUP (no handlers) and SIGUSR1: each "
                    "-> 0 (%s), process 1 carries on",
           status_str(st));
    checkf(got[SIGUSR1] == 1 && info[SIGUSR1].si_pid == c && info[SIGUSR1].si_code == SI_USER,
           "only the handled SIGUSR1 arrives: %d times, si_pid %d (the child is %d)", (int)got[SIGUSR1],
           info[SIGUSR1].si_pid, (int)c);
    checkf(got[SIGCHLD] >= 1 && info[SIGCHLD].si_pid == c && info[SIGCHLD].si_code == CLD_EXITED &&
               info[SIGCHLD].si_status == 0,
           "process 1's SIGCHLD handler: si_pid %d, si_code %d (CLD_EXITED %d), si_status %d", info[SIGCHLD].si_pid,
           info[SIGCHLD].si_code, CLD_EXITED, info[SIGCHLD].si_status);

    /* kill(-1) by a child reaches its sibling, not process 1 (which handles SIGUSR2). */
    int hold[2];
    pipe(hold);
    pid_t h = fork_holder(hold); /* before the handler, which it would inherit */
    install(SIGUSR2);
    fflush(stdout);
    pid_t k = fork();
    if (k == 0)
        _exit(kill(-1, SIGUSR2) == 0 ? 0 : 1);
    int sk = -1, sh = -1;
    reap(k, &sk);
    close(hold[1]);
    reap(h, &sh);
    close(hold[0]);
    sleep_ms(20);
    checkf(sk == 0 && WIFSIGNALED(sh) && WTERMSIG(sh) == SIGUSR2 && got[SIGUSR2] == 0,
           "a child's kill(-1, SIGUSR2) -> %s: its sibling dies of it (%s), process 1's handler does not run (%d times)",
           sk == 0 ? "0" : "error", status_str(sh), (int)got[SIGUSR2]);
}

int main(void)
{
    printf("init_signals: start, pid %d\n", getpid());
    if (getpid() != 1) {
        checkf(false, "running as process 1 (boot with kenix.init=/bin/init_signals; on Linux: unshare --pid --fork)");
        return check_summary();
    }
    default_dropped();
    blocked_default();
    handled();
    from_a_child();
    return check_summary();
}
