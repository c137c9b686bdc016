/*
 * Signals without handlers (signal.h): state, sending, and the default
 * actions, plus the system calls on them.
 */
#include "signal.h"

#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/printk.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../core/wait.h"
#include "../mm/uaccess.h"

#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SIGSET_SIZE 8

/* Default actions (signal(7)). Real-time signals terminate. */
#define DEFAULT_IGNORE (SIGBIT(SIGCHLD) | SIGBIT(SIGURG) | SIGBIT(SIGWINCH) | SIGBIT(SIGCONT))
#define DEFAULT_STOP (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

static bool valid_signal(uint64_t sig)
{
    return sig >= 1 && sig < NSIG;
}

/* Whether sending sig to p now would only be thrown away: it is ignored
 * (explicitly, or by default) and not blocked -- a blocked signal stays
 * pending, since the process may change its mind before unblocking it. */
static bool discarded(const struct process *p, int sig)
{
    uint64_t bit = SIGBIT(sig);
    if (p->sig.blocked & bit)
        return false;
    if (p->sig.ignored & bit)
        return true;
    /* Stop signals are not carried out yet (see signal.h): discarded too. */
    return (DEFAULT_IGNORE | DEFAULT_STOP) & bit;
}

void signal_send_locked(struct process *p, int sig, struct spinlock *held)
{
    spin_assert_held(&proc_lock);
    if (p->state != PROC_LIVE || !p->thread)
        return;
    /* Process 1 gets only the signals it has asked for (handlers come next;
     * until then nothing), as Linux protects init. */
    if (p->pid == 1 && sig != SIGCHLD)
        return;
    if (discarded(p, sig))
        return;
    p->sig.pending |= SIGBIT(sig);
    if (!(p->sig.blocked & SIGBIT(sig)))
        wait_interrupt(p->thread, held);
}

void signal_send(struct process *p, int sig)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    signal_send_locked(p, sig, &proc_lock);
    spin_unlock_irqrestore(&proc_lock, flags);
}

void signal_fork(struct sigstate *child, const struct sigstate *parent)
{
    *child = *parent;
    child->pending = 0;
}

void signal_reset(struct sigstate *s)
{
    *s = (struct sigstate){ 0 };
}

bool signal_autoreap(const struct process *parent)
{
    return (parent->sig.ignored & SIGBIT(SIGCHLD)) || (parent->sig.chld_flags & SA_NOCLDWAIT);
}

void signal_deliver(struct trap_frame *f)
{
    (void)f; /* handlers will build their frame here */
    struct process *p = current_process();
    for (;;) {
        irqflags_t flags = spin_lock_irqsave(&proc_lock);
        uint64_t ready = p->sig.pending & ~p->sig.blocked;
        if (!ready) {
            spin_unlock_irqrestore(&proc_lock, flags);
            return;
        }
        int sig = __builtin_ctzll(ready) + 1;
        p->sig.pending &= ~SIGBIT(sig);
        bool ignore = (p->sig.ignored & SIGBIT(sig)) || (DEFAULT_IGNORE & SIGBIT(sig));
        bool stop = DEFAULT_STOP & SIGBIT(sig);
        spin_unlock_irqrestore(&proc_lock, flags);
        if (ignore)
            continue;
        if (stop) {
            static bool said;
            if (!said) {
                said = true;
                kprintf("signal: stop signals are not carried out yet: %d to process %u discarded\n", sig,
                        p->pid);
            }
            continue;
        }
        process_exit(sig); /* terminated by sig: no core dumps (RLIMIT_CORE is 0) */
    }
}

/* rt_sigprocmask(how, set, oldset, sigsetsize) */
long sys_rt_sigprocmask(struct trap_frame *f)
{
    struct process *p = current_process();
    uint64_t how = f->x[0], uset = f->x[1], uold = f->x[2];
    if (f->x[3] != SIGSET_SIZE)
        return -EINVAL;
    uint64_t old = p->sig.blocked;
    if (uset) {
        uint64_t set;
        int err = copy_from_user(p->vm, &set, uset, sizeof(set));
        if (err)
            return err;
        set &= ~UNBLOCKABLE;
        irqflags_t flags = spin_lock_irqsave(&proc_lock);
        switch (how) {
        case SIG_BLOCK: p->sig.blocked |= set; break;
        case SIG_UNBLOCK: p->sig.blocked &= ~set; break;
        case SIG_SETMASK: p->sig.blocked = set; break;
        default:
            spin_unlock_irqrestore(&proc_lock, flags);
            return -EINVAL;
        }
        /* A signal sent while blocked and ignored now (the process ignored
         * it after it became pending) is dropped as it is unblocked. */
        p->sig.pending &= ~(p->sig.ignored & ~p->sig.blocked);
        spin_unlock_irqrestore(&proc_lock, flags);
    }
    return uold ? copy_to_user(p->vm, uold, &old, sizeof(old)) : 0;
}

/* rt_sigpending(set, sigsetsize): pending signals that are blocked. */
long sys_rt_sigpending(struct trap_frame *f)
{
    struct process *p = current_process();
    if (f->x[1] > SIGSET_SIZE)
        return -EINVAL;
    uint64_t set = p->sig.pending & p->sig.blocked;
    return copy_to_user(p->vm, f->x[0], &set, f->x[1]);
}

/* The kernel's struct sigaction on AArch64. */
struct k_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

/* rt_sigaction(sig, act, oldact, sigsetsize): SIG_DFL and SIG_IGN for now. */
long sys_rt_sigaction(struct trap_frame *f)
{
    struct process *p = current_process();
    uint64_t sig = f->x[0], uact = f->x[1], uold = f->x[2];
    if (f->x[3] != SIGSET_SIZE || !valid_signal(sig))
        return -EINVAL;
    struct k_sigaction act;
    if (uact) {
        int err = copy_from_user(p->vm, &act, uact, sizeof(act));
        if (err)
            return err;
        if (SIGBIT(sig) & UNBLOCKABLE)
            return -EINVAL;
        if (act.handler != SIG_DFL && act.handler != SIG_IGN) {
            static bool said;
            if (!said) {
                said = true;
                kprintf("signal: handlers are not implemented yet (process %u, signal %lu): -EINVAL\n", p->pid,
                        sig);
            }
            return -EINVAL;
        }
    }
    struct k_sigaction old = {
        .handler = (p->sig.ignored & SIGBIT(sig)) ? SIG_IGN : SIG_DFL,
        .flags = p->sig.action_flags[sig - 1],
        .mask = p->sig.action_mask[sig - 1],
    };
    if (uact) {
        irqflags_t flags = spin_lock_irqsave(&proc_lock);
        if (act.handler == SIG_IGN) {
            p->sig.ignored |= SIGBIT(sig);
            p->sig.pending &= ~SIGBIT(sig); /* POSIX: a pending signal set to SIG_IGN is discarded */
        } else {
            p->sig.ignored &= ~SIGBIT(sig);
        }
        if (act.handler == SIG_DFL && (DEFAULT_IGNORE & SIGBIT(sig)))
            p->sig.pending &= ~SIGBIT(sig);
        p->sig.action_flags[sig - 1] = act.flags;
        p->sig.action_mask[sig - 1] = act.mask & ~UNBLOCKABLE;
        if (sig == SIGCHLD)
            p->sig.chld_flags = act.flags & (SA_NOCLDWAIT | SA_NOCLDSTOP);
        spin_unlock_irqrestore(&proc_lock, flags);
    }
    return uold ? copy_to_user(p->vm, uold, &old, sizeof(old)) : 0;
}

/* Linux's kill_ok_by_cred: root, or the sender's real or effective uid is the
 * target's real or saved uid. */
static bool may_signal(const struct process *from, const struct process *to)
{
    const struct cred *a = &from->cred, *b = &to->cred;
    return a->euid == 0 || a->euid == b->suid || a->euid == b->ruid || a->ruid == b->suid || a->ruid == b->ruid;
}

/* Sends sig (0: only check) to one process with permission checks; proc_lock held. */
static int send_checked(struct process *self, struct process *p, int sig)
{
    if (!may_signal(self, p))
        return -EPERM;
    if (sig)
        signal_send_locked(p, sig, &proc_lock);
    return 0;
}

/* kill to a group: 0 if any member got it, else the first error (-ESRCH if empty). */
static int send_group(struct process *self, struct pgrp *g, int sig)
{
    int err = -ESRCH;
    for (struct process *p = g ? g->members : 0; p; p = p->pg_next) {
        int r = send_checked(self, p, sig);
        if (r == 0 || err == -ESRCH)
            err = r;
    }
    return err;
}

/* kill(pid, sig) */
long sys_kill(struct trap_frame *f)
{
    struct process *self = current_process();
    int64_t pid = (int32_t)f->x[0];
    uint64_t sig = f->x[1];
    if (sig != 0 && !valid_signal(sig))
        return -EINVAL;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    int err;
    if (pid > 0) {
        struct process *p = process_find((unsigned)pid);
        err = p ? send_checked(self, p, (int)sig) : -ESRCH;
    } else if (pid == 0) {
        err = send_group(self, self->pgrp, (int)sig);
    } else if (pid == -1) {
        /* Everyone we may signal but process 1 and ourselves. */
        int count = 0;
        err = 0;
        for (struct process *p = process_iter_next(0); p; p = process_iter_next(p)) {
            if (p->pid == 1 || p == self || p->state != PROC_LIVE)
                continue;
            if (send_checked(self, p, (int)sig) == 0)
                count++;
        }
        err = count ? 0 : -ESRCH;
    } else {
        err = pid == INT32_MIN ? -ESRCH : send_group(self, pgrp_find((unsigned)-pid), (int)sig);
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

/* tgkill(tgid, tid, sig): one thread per process, whose tid is the pid. */
static long thread_kill(int64_t tgid, int64_t tid, uint64_t sig)
{
    if (tid <= 0 || (sig != 0 && !valid_signal(sig)))
        return -EINVAL;
    struct process *self = current_process();
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = process_find((unsigned)tid);
    /* A zombie still names its thread until collected (Linux finds it too):
     * the signal goes nowhere. */
    int err = !p || (tgid > 0 && tgid != tid) ? -ESRCH : send_checked(self, p, (int)sig);
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

long sys_tgkill(struct trap_frame *f)
{
    int64_t tgid = (int32_t)f->x[0];
    if (tgid <= 0)
        return -EINVAL;
    return thread_kill(tgid, (int32_t)f->x[1], f->x[2]);
}

long sys_tkill(struct trap_frame *f)
{
    return thread_kill(0, (int32_t)f->x[0], f->x[1]);
}
