/*
 * Signal state without handlers (rt_sigaction is not there yet), with
 * Linux's semantics: default actions (terminate, ignore), SIGKILL/SIGSTOP
 * cannot be blocked, blocked signals stay pending and strike when
 * unblocked, rt_sigprocmask's old masks and errors, rt_sigpending, SIGCHLD
 * pending on a child's exit, the mask inherited by fork but not the
 * pending set, and kill's permission check between users.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>

#include "posix_test.h"

#define BIT(sig) (1ull << ((sig) - 1))
#define KERNEL_ADDRESS ((void *)0xffffffff80080000ull)

static unsigned long long raw_mask(void)
{
    unsigned long long m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    return m;
}

static unsigned long long raw_pending(void)
{
    unsigned long long m = 0;
    syscall(SYS_rt_sigpending, &m, 8);
    return m;
}

static int self_signal_child(void *arg)
{
    kill(getpid(), *(int *)arg);
    return 0; /* survived */
}

static void default_actions(void)
{
    int fatal[] = { SIGTERM, SIGUSR1, SIGUSR2, SIGHUP, SIGINT, SIGALRM, SIGPIPE };
    const char *fatal_names[] = { "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGHUP", "SIGINT", "SIGALRM", "SIGPIPE" };
    for (int i = 0; i < 7; i++) {
        int st = run_child(fatal_names[i], self_signal_child, &fatal[i]);
        checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == fatal[i],
               "a child sends itself %s (%d): default action terminates it (%s)", fatal_names[i], fatal[i],
               status_str(st));
    }
    int ignored[] = { SIGCHLD, SIGURG, SIGWINCH, SIGCONT };
    const char *ignored_names[] = { "SIGCHLD", "SIGURG", "SIGWINCH", "SIGCONT" };
    for (int i = 0; i < 4; i++) {
        int st = run_child(ignored_names[i], self_signal_child, &ignored[i]);
        checkf(st == 0, "a child sends itself %s (%d): ignored by default, it carries on (%s)", ignored_names[i],
               ignored[i], status_str(st));
    }

    int hold[2];
    pipe(hold);
    pid_t pid = fork_holder(hold);
    kill(pid, SIGUSR1);
    int st = -1;
    reap(pid, &st);
    close(hold[0]);
    close(hold[1]);
    checkf(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1, "the parent sends a child SIGUSR1: %s", status_str(st));
}

static int unblockable_child(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    unsigned long long m = raw_mask();
    ccheckf(!(m & BIT(SIGKILL)) && !(m & BIT(SIGSTOP)) && (m & BIT(SIGTERM)),
            "child blocks every signal: mask 0x%llx, without SIGKILL and SIGSTOP", m);
    kill(getpid(), SIGKILL);
    return 0;
}

static void unblockable(void)
{
    unsigned long long m0 = raw_mask();
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    sigaddset(&set, SIGUSR1);
    res_t r = res(sigprocmask(SIG_BLOCK, &set, NULL));
    sigprocmask(SIG_BLOCK, NULL, &old);
    checkf(r.ret == 0 && sigismember(&old, SIGUSR1) && !sigismember(&old, SIGKILL) && !sigismember(&old, SIGSTOP),
           "sigprocmask(SIG_BLOCK, {KILL, STOP, USR1}) -> %s: then USR1 blocked, KILL and STOP not (mask 0x%llx)", rs(r),
           raw_mask());
    unsigned long long want = BIT(SIGKILL) | BIT(SIGSTOP);
    long rr = syscall(SYS_rt_sigprocmask, SIG_SETMASK, &want, NULL, 8);
    checkf(rr == 0 && raw_mask() == 0, "raw SIG_SETMASK {KILL, STOP} -> %ld: the mask is then 0x%llx (empty)", rr,
           raw_mask());
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m0, NULL, 8);

    int st = run_child("unblockable", unblockable_child, NULL);
    checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "and SIGKILL still kills it: %s", status_str(st));
}

static int pending_child(void *arg)
{
    (void)arg;
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    res_t r = res(kill(getpid(), SIGTERM));
    ccheckf(r.ret == 0, "child blocks SIGTERM and sends it to itself: kill -> %s, still alive", rs(r));
    sigemptyset(&pending);
    sigpending(&pending);
    ccheckf(sigismember(&pending, SIGTERM) && raw_pending() == BIT(SIGTERM),
            "sigpending shows SIGTERM (raw pending set 0x%llx)", raw_pending());
    kill(getpid(), SIGTERM); /* standard signals do not queue: still one */
    ccheckf(raw_pending() == BIT(SIGTERM), "sent again: pending set still 0x%llx", raw_pending());
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    return 0; /* must not get here */
}

static void pending(void)
{
    int st = run_child("pending SIGTERM", pending_child, NULL);
    checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "it dies of it when it unblocks SIGTERM: %s",
           status_str(st));
}

static void masks(void)
{
    unsigned long long m0 = 0, old = 0, set;
    long r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m0, 8);
    checkf(r == 0 && !(m0 & (BIT(SIGUSR1) | BIT(SIGUSR2))), "rt_sigprocmask(SIG_BLOCK, NULL, &old) -> %ld: mask 0x%llx",
           r, m0);

    set = BIT(SIGUSR1);
    r = syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, &old, 8);
    checkf(r == 0 && old == m0, "SIG_SETMASK {USR1} -> %ld, old 0x%llx (expected 0x%llx)", r, old, m0);
    set = BIT(SIGUSR2);
    r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
    checkf(r == 0 && old == BIT(SIGUSR1), "SIG_BLOCK {USR2} -> %ld, old 0x%llx (expected 0x%llx)", r, old,
           BIT(SIGUSR1));
    set = BIT(SIGUSR1);
    r = syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, &old, 8);
    checkf(r == 0 && old == (BIT(SIGUSR1) | BIT(SIGUSR2)), "SIG_UNBLOCK {USR1} -> %ld, old 0x%llx (expected 0x%llx)", r,
           old, BIT(SIGUSR1) | BIT(SIGUSR2));
    r = syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m0, &old, 8);
    checkf(r == 0 && old == BIT(SIGUSR2) && raw_mask() == m0, "SIG_SETMASK back -> %ld, old 0x%llx (expected 0x%llx)", r,
           old, BIT(SIGUSR2));
    set = BIT(SIGRTMIN + 2);
    r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
    unsigned long long now = raw_mask();
    checkf(r == 0 && now == (m0 | set), "real-time signal %d can be blocked: mask 0x%llx", SIGRTMIN + 2, now);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m0, NULL, 8);
    /* qemu-user keeps the host's last real-time signals for itself: it
     * cannot give signal 64 to the guest */
    set = BIT(64);
    r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
    now = raw_mask();
    kcheckf(r == 0 && now == (m0 | set), "signal 64 can be blocked: mask 0x%llx", now);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m0, NULL, 8);

    set = BIT(SIGUSR1);
    res_t e = res(syscall(SYS_rt_sigprocmask, 3, &set, &old, 8));
    checkf(is_err(e, EINVAL) && raw_mask() == m0, "rt_sigprocmask(how 3) -> %s (expected EINVAL), mask unchanged",
           rs(e));
    e = res(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8));
    checkf(is_err(e, EINVAL), "rt_sigprocmask(how 99) -> %s (expected EINVAL)", rs(e));
    e = res(syscall(SYS_rt_sigprocmask, 99, NULL, &old, 8));
    checkf(e.ret == 0 && old == m0, "rt_sigprocmask(how 99) without a new set -> %s: how is not looked at", rs(e));
    sigset_t s;
    sigemptyset(&s);
    e = res(sigprocmask(3, &s, NULL));
    checkf(is_err(e, EINVAL), "sigprocmask(how 3) -> %s (expected EINVAL)", rs(e));
    e = res(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
    res_t e2 = res(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16));
    checkf(is_err(e, EINVAL) && is_err(e2, EINVAL) && raw_mask() == m0,
           "rt_sigprocmask with sigsetsize 4, 16 -> %s, %s (expected EINVAL)", rs(e), rs(e2));
    e = res(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)8, NULL, 8));
    checkf(is_err(e, EFAULT), "rt_sigprocmask from set 0x8 -> %s (expected EFAULT)", rs(e));
    e = res(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, KERNEL_ADDRESS, 8));
    checkf(is_err(e, EFAULT), "rt_sigprocmask to old set in the kernel -> %s (expected EFAULT)", rs(e));

    e = res(syscall(SYS_rt_sigpending, &old, 16));
    checkf(is_err(e, EINVAL), "rt_sigpending with sigsetsize 16 -> %s (expected EINVAL)", rs(e));
    e = res(syscall(SYS_rt_sigpending, &old, 4));
    checkf(e.ret == 0, "rt_sigpending with sigsetsize 4 -> %s (Linux takes sizes up to 8)", rs(e));
    e = res(syscall(SYS_rt_sigpending, (void *)8, 8));
    checkf(is_err(e, EFAULT), "rt_sigpending into 0x8 -> %s (expected EFAULT)", rs(e));
    checkf(raw_pending() == 0, "nothing pending here: 0x%llx", raw_pending());
}

static void sigchld_pending(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    unsigned long long before = raw_pending();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int st;
    reap(pid, &st);
    unsigned long long after = raw_pending();
    checkf(!(before & BIT(SIGCHLD)) && (after & BIT(SIGCHLD)),
           "SIGCHLD blocked: a child exits and SIGCHLD becomes pending (0x%llx, before 0x%llx)", after, before);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    checkf(!(raw_pending() & BIT(SIGCHLD)), "unblocked: its default action (ignore) discards it (pending 0x%llx)",
           raw_pending());
}

static int inherit_child(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    kill(getpid(), SIGUSR1);
    pid_t pid = fork();
    if (pid == 0) {
        unsigned long long m = raw_mask(), p = raw_pending();
        ccheckf(m & BIT(SIGUSR1), "grandchild: the blocked mask is inherited (0x%llx has SIGUSR1)", m);
        ccheckf(p == 0, "grandchild: the pending set is not (0x%llx)", p);
        _exit(0);
    }
    int st = -1;
    reap(pid, &st);
    ccheckf(st == 0, "grandchild ended: %s", status_str(st));
    ccheckf(raw_pending() & BIT(SIGUSR1), "child: SIGUSR1 still pending here (0x%llx)", raw_pending());
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    return 0;
}

static void inheritance(void)
{
    int st = run_child("inheritance", inherit_child, NULL);
    checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1, "the child dies of its SIGUSR1 when it unblocks: %s",
           status_str(st));
}

struct perm_args {
    pid_t root_child;
};

static int other_user_child(void *arg)
{
    struct perm_args *a = arg;
    res_t r = res(setuid(1000));
    ccheckf(r.ret == 0 && getuid() == 1000 && geteuid() == 1000, "child: setuid(1000) -> %s", rs(r));
    r = res(kill(a->root_child, 0));
    ccheckf(is_err(r, EPERM), "as uid 1000: kill(root process, 0) -> %s (expected EPERM)", rs(r));
    r = res(kill(a->root_child, SIGTERM));
    ccheckf(is_err(r, EPERM), "kill(root process, SIGTERM) -> %s (expected EPERM)", rs(r));
    r = res(kill(getppid(), SIGTERM));
    ccheckf(is_err(r, EPERM), "kill(my root parent, SIGTERM) -> %s (expected EPERM)", rs(r));
    r = res(syscall(SYS_tgkill, a->root_child, a->root_child, SIGTERM));
    ccheckf(is_err(r, EPERM), "tgkill(root process, SIGTERM) -> %s (expected EPERM)", rs(r));
    int hold[2];
    pipe(hold);
    pid_t mine = fork_holder(hold);
    r = res(kill(mine, SIGTERM));
    int st = -1;
    reap(mine, &st);
    ccheckf(r.ret == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
            "kill(my own uid-1000 child, SIGTERM) -> %s: %s", rs(r), status_str(st));
    return 0;
}

static void permission(void)
{
    int hold[2];
    pipe(hold);
    struct perm_args a = { fork_holder(hold) };
    run_child_ok("kill permission", other_user_child, &a);
    res_t r = res(kill(a.root_child, 0));
    checkf(r.ret == 0, "the root child is unharmed: kill(it, 0) -> %s", rs(r));
    close(hold[1]);
    int st = -1;
    reap(a.root_child, &st);
    checkf(st == 0, "and ends normally: %s", status_str(st));
    close(hold[0]);
}

int main(void)
{
    default_actions();
    unblockable();
    pending();
    masks();
    sigchld_pending();
    inheritance();
    permission();
    return check_summary();
}
