/*
 * Signals (signal.h): sending, queueing, the choice of what happens to a
 * pending signal on the way back to user mode (default action, stop, handler)
 * with Linux's restart rules, and the system calls on masks and dispositions.
 * The handler's stack frame is signal_frame.c's; job control (stop, continue,
 * orphaned groups) is signal_stop.c's.
 */
#include "signal.h"

#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/printk.h"
#include "signal_internal.h"
#include "ktimer.h"
#include "../arch/aarch64/timer.h"
#include "crash_report.h"
#include "../core/process.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "../core/wait.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

#define SIGSET_SIZE 8

/* Faults: taken before other pending signals, as Linux does, so that the
 * handler sees the state of the instruction that faulted. */
#define SYNCHRONOUS (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) | SIGBIT(SIGSYS))

bool signal_valid(uint64_t sig)
{
    return sig >= 1 && sig < NSIG;
}

/* What the disposition of sig is now: a handler, or the default action's kind. */
enum sig_action signal_action(const struct process *p, int sig)
{
    uint64_t h = p->sig.handler[sig - 1], bit = SIGBIT(sig);
    if (h == SIG_IGN)
        return ACT_IGNORE;
    if (h != SIG_DFL)
        return ACT_HANDLER;
    if (DEFAULT_IGNORE & bit)
        return ACT_IGNORE;
    if (DEFAULT_STOP & bit)
        return ACT_STOP;
    return ACT_TERMINATE;
}

/* Whether sending sig to p now would only be thrown away: it is ignored and
 * neither blocked nor waited for (rt_sigtimedwait) -- a blocked signal stays
 * pending, since the process may change its mind before unblocking it.
 * SIGCONT is never thrown away here: it resumes a stopped process whatever
 * its disposition (signal_stop.c does that before this is asked). */
static bool discarded(const struct process *p, int sig)
{
    if ((p->sig.blocked | p->sig.waitset) & SIGBIT(sig))
        return false;
    return signal_action(p, sig) == ACT_IGNORE;
}

/* --- the queue ------------------------------------------------------------------ */

/* Frees or lets go of one entry taken off a queue. */
static void entry_release(struct sigqueue *q)
{
    if (q->owned)
        q->queued = false;
    else
        kfree(q);
}

static void queue_append(struct sigstate *s, struct sigqueue *q)
{
    q->next = 0;
    struct sigqueue **link = &s->queue;
    while (*link)
        link = &(*link)->next;
    *link = q;
}

/* Drops every queued instance of the signals in `set` (their pending bits too). */
void signal_flush_locked(struct process *p, uint64_t set)
{
    struct sigstate *s = &p->sig;
    s->pending &= ~set;
    struct sigqueue **link = &s->queue;
    while (*link) {
        struct sigqueue *q = *link;
        if (set & SIGBIT(q->info.signo)) {
            *link = q->next;
            if (!q->owned)
                s->queued--;
            entry_release(q);
        } else {
            link = &q->next;
        }
    }
}

/* Takes sig's oldest instance off the queue into *info (a bare SI_KERNEL one if
 * it was sent without information), clearing its pending bit when it was the
 * last instance. */
static void dequeue(struct process *p, int sig, struct ksiginfo *info)
{
    struct sigstate *s = &p->sig;
    struct sigqueue **link = &s->queue, *found = 0;
    bool more = false;
    while (*link) {
        struct sigqueue *q = *link;
        if (q->info.signo != sig) {
            link = &q->next;
        } else if (!found) {
            found = q;
            *link = q->next;
        } else {
            more = true;
            break;
        }
    }
    if (!more)
        s->pending &= ~SIGBIT(sig);
    if (!found) {
        *info = (struct ksiginfo){ .signo = sig, .code = SI_KERNEL };
        return;
    }
    *info = found->info;
    if (found->owned) {
        if (found->delivered)
            found->delivered(found, info);
    } else {
        s->queued--;
    }
    entry_release(found);
}

/* Marks sig pending in p and interrupts p's wait if p will act on it. */
static void make_pending(struct process *p, int sig, struct spinlock *held)
{
    p->sig.pending |= SIGBIT(sig);
    if (!(p->sig.blocked & SIGBIT(sig)) || (p->sig.waitset & SIGBIT(sig)))
        wait_interrupt(p->thread, held);
}

/* Whether p takes sig at all, doing what sending it does before queueing
 * (SIGCONT resumes, a stop signal cancels a pending SIGCONT). */
static bool accepts(struct process *p, int sig)
{
    spin_assert_held(&proc_lock);
    if (p->state != PROC_LIVE || !p->thread)
        return false;
    /* Job control first, for everyone (Linux's prepare_signal): a stop
     * signal cancels a pending SIGCONT even when process 1 then drops it. */
    signal_job_control_locked(p, sig);
    /* Process 1 gets only the signals it has handlers for, as Linux protects
     * init -- but a blocked signal is never dropped when sent: a handler may
     * come before it is unblocked (if none does, delivery drops it). SIGKILL
     * and SIGSTOP cannot be blocked, so they are always dropped. SIG_IGN is
     * discarded()'s business, as for anyone. */
    if (p->pid == 1 && p->sig.handler[sig - 1] == SIG_DFL && !((p->sig.blocked | p->sig.waitset) & SIGBIT(sig)))
        return false;
    return !discarded(p, sig);
}

int signal_send_info_locked(struct process *p, const struct ksiginfo *info, struct spinlock *held)
{
    int sig = info->signo;
    if (!accepts(p, sig))
        return 0;
    bool rt = sig >= LINUX_SIGRTMIN_KERNEL;
    /* A standard signal is pending at most once: later sends merge into it. */
    if (!rt && (p->sig.pending & SIGBIT(sig)))
        return 0;
    struct sigqueue *q = 0;
    if (p->sig.queued < p->rlim[RLIMIT_SIGPENDING].rlim_cur)
        q = kmalloc(sizeof(*q));
    if (q) {
        *q = (struct sigqueue){ .info = *info };
        queue_append(&p->sig, q);
        p->sig.queued++;
    } else if (rt && info->code != SI_USER && info->code != SI_KERNEL) {
        /* sigqueue, a timer's or a kernel's real-time signal carries a value
         * that must not be lost silently (Linux: EAGAIN); kill's may be. */
        return -EAGAIN;
    }
    make_pending(p, sig, held);
    return 0;
}

void signal_send_locked(struct process *p, int sig, struct spinlock *held)
{
    struct ksiginfo info = { .signo = sig, .code = SI_KERNEL };
    signal_send_info_locked(p, &info, held);
}

void signal_send(struct process *p, int sig)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    signal_send_locked(p, sig, &proc_lock);
    spin_unlock_irqrestore(&proc_lock, flags);
}

bool signal_send_owned_locked(struct process *p, struct sigqueue *q, struct spinlock *held)
{
    if (q->queued)
        return false;
    int sig = q->info.signo;
    if (!accepts(p, sig))
        return true;
    q->queued = true;
    queue_append(&p->sig, q);
    make_pending(p, sig, held);
    return true;
}

void signal_unqueue_owned_locked(struct process *p, struct sigqueue *q)
{
    if (!q->queued)
        return;
    int sig = q->info.signo;
    bool others = false;
    for (struct sigqueue **link = &p->sig.queue; *link;) {
        if (*link == q) {
            *link = q->next;
            continue;
        }
        if ((*link)->info.signo == sig)
            others = true;
        link = &(*link)->next;
    }
    q->queued = false;
    if (!others)
        p->sig.pending &= ~SIGBIT(sig);
}

/* Sends a fault's signal the way Linux forces one: if the process blocks or
 * ignores it, it cannot take it, so the default action (termination) applies. */
static void force_locked(struct process *p, const struct ksiginfo *info)
{
    int sig = info->signo;
    if ((p->sig.blocked & SIGBIT(sig)) || p->sig.handler[sig - 1] == SIG_IGN) {
        p->sig.handler[sig - 1] = SIG_DFL;
        p->sig.blocked &= ~SIGBIT(sig);
    }
    if (p->sig.pending & SIGBIT(sig))
        return; /* the same fault, not yet handled */
    struct sigqueue *q = kmalloc(sizeof(*q));
    if (q) {
        *q = (struct sigqueue){ .info = *info };
        queue_append(&p->sig, q);
        p->sig.queued++;
    }
    p->sig.pending |= SIGBIT(sig);
}

void signal_fault(struct trap_frame *f, const char *what, int sig, int code, uint64_t addr)
{
    struct process *p = current_process();
    struct ksiginfo info = { .signo = sig, .code = code, .fault.addr = addr };
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    force_locked(p, &info);
    bool fatal = signal_action(p, sig) == ACT_TERMINATE;
    spin_unlock_irqrestore(&proc_lock, flags);
    /* Nobody handles it: the report, then the end, as before handlers. */
    if (fatal)
        process_fault(what, f, sig);
}

/* No frame could be written for a handler of sig: SIGSEGV instead (Linux's
 * force_sigsegv), whose own handler may run on the alternate stack -- unless
 * it was SIGSEGV's handler that could not be given a frame. */
static void force_segv(int sig)
{
    struct process *p = current_process();
    struct ksiginfo info = { .signo = SIGSEGV, .code = SI_KERNEL };
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (sig == SIGSEGV)
        p->sig.handler[SIGSEGV - 1] = SIG_DFL;
    force_locked(p, &info);
    spin_unlock_irqrestore(&proc_lock, flags);
}

bool signal_kills(const struct process *p)
{
    uint64_t ready = p->sig.pending & ~p->sig.blocked;
    if (ready & SIGBIT(SIGKILL))
        return true;
    if (p->pid == 1)
        return false;
    for (; ready; ready &= ready - 1) {
        int sig = __builtin_ctzll(ready) + 1;
        if (signal_action(p, sig) == ACT_TERMINATE)
            return true;
    }
    return false;
}

void signal_set_temp_mask(uint64_t mask)
{
    struct process *p = current_process();
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (!p->sig.restore_mask) {
        p->sig.saved_blocked = p->sig.blocked;
        p->sig.restore_mask = true;
    }
    p->sig.blocked = mask & ~UNBLOCKABLE;
    spin_unlock_irqrestore(&proc_lock, flags);
}

void signal_restore_temp_mask(void)
{
    struct process *p = current_process();
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (p->sig.restore_mask) {
        p->sig.blocked = p->sig.saved_blocked;
        p->sig.restore_mask = false;
    }
    spin_unlock_irqrestore(&proc_lock, flags);
}

/* --- fork, exec, exit ----------------------------------------------------------------- */

void signal_fork(struct sigstate *child, const struct sigstate *parent)
{
    *child = *parent;
    child->pending = 0;
    child->queue = 0;
    child->queued = 0;
    child->waitset = 0;
    child->restore_mask = false;
    child->stopped = child->report = 0;
    /* A fork inside sigsuspend's window cannot happen (one thread); a fork
     * from ppoll's neither: the child's mask is the parent's real one. */
    if (parent->restore_mask)
        child->blocked = parent->saved_blocked;
}

void signal_exec(struct process *p)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct sigstate *s = &p->sig;
    for (unsigned i = 0; i < 64; i++) {
        if (s->handler[i] != SIG_IGN)
            s->handler[i] = SIG_DFL;
        s->action_flags[i] = 0;
        s->action_mask[i] = 0;
        s->restorer[i] = 0;
    }
    s->chld_flags = 0;
    s->altstack = (struct sigaltstack_state){ .flags = SS_DISABLE };
    ktimers_exec_locked(p);
    spin_unlock_irqrestore(&proc_lock, flags);
}

void signal_reset(struct sigstate *s)
{
    *s = (struct sigstate){ 0 };
}

void signal_release(struct sigstate *s)
{
    struct sigqueue *q;
    while ((q = s->queue)) {
        s->queue = q->next;
        entry_release(q);
    }
    s->queued = 0;
    s->pending = 0;
}

bool signal_autoreap(const struct process *parent)
{
    return parent->sig.handler[SIGCHLD - 1] == SIG_IGN || (parent->sig.chld_flags & SA_NOCLDWAIT);
}

/* --- delivery -------------------------------------------------------------------- */

/* The next signal to act on: SIGKILL, then faults, then the lowest number. */
static int next_signal(uint64_t ready)
{
    if (ready & SIGBIT(SIGKILL))
        return SIGKILL;
    if (ready & SYNCHRONOUS)
        ready &= SYNCHRONOUS;
    return __builtin_ctzll(ready) + 1;
}


/*
 * One pass of Linux's do_signal. An interrupted system call is first set up to
 * be made again (x0 gets its argument back, the PC goes back to the svc);
 * then the next signal is acted on. A handler undoes the restart where Linux
 * says so (ERESTARTNOHAND and ERESTART_RESTARTBLOCK always, ERESTARTSYS
 * without SA_RESTART: the call returns EINTR) and gets its frame; without a
 * handler a restart-block call is re-entered as restart_syscall, and a mask a
 * call installed for its duration comes back. A process that stops does so in
 * the middle of this, with its call set up to restart on SIGCONT.
 */
/* The signals whose default action dumps core on Linux (signal(7): "Core"). */
static bool dumps_core(int sig)
{
    const uint64_t core = SIGBIT(SIGQUIT) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | SIGBIT(SIGABRT) | SIGBIT(SIGBUS) |
                          SIGBIT(SIGFPE) | SIGBIT(SIGSEGV) | SIGBIT(SIGXCPU) | SIGBIT(SIGXFSZ) | SIGBIT(SIGSYS);
    return (core & SIGBIT(sig)) != 0;
}

static bool is_restart_code(long r)
{
    return r == -ERESTARTSYS || r == -ERESTARTNOINTR || r == -ERESTARTNOHAND || r == -ERESTART_RESTARTBLOCK;
}

void signal_deliver(struct trap_frame *f)
{
    struct process *p = current_process();
    bool syscall = f->syscallno >= 0;
    long retval = (long)f->x[0];
    uint64_t continue_addr = f->elr, restart_addr = f->elr - 4;
    if (syscall) {
        f->syscallno = -1; /* these rules apply once */
        if (is_restart_code(retval)) {
            f->x[0] = f->orig_x0;
            f->elr = restart_addr;
        }
    }
    for (;;) {
        irqflags_t flags = spin_lock_irqsave(&proc_lock);
        uint64_t ready = p->sig.pending & ~p->sig.blocked;
        if (!ready) {
            if (syscall && f->elr == restart_addr && retval == -ERESTART_RESTARTBLOCK)
                f->x[8] = LINUX_NR_restart_syscall;
            if (p->sig.restore_mask) {
                p->sig.blocked = p->sig.saved_blocked;
                p->sig.restore_mask = false;
            }
            spin_unlock_irqrestore(&proc_lock, flags);
            return;
        }
        int sig = next_signal(ready);
        struct ksiginfo info;
        dequeue(p, sig, &info);
        enum sig_action act = signal_action(p, sig);
        if (sig == SIGKILL || (act == ACT_TERMINATE && p->pid != 1)) {
            spin_unlock_irqrestore(&proc_lock, flags);
            if (dumps_core(sig)) {
                /* No core file (RLIMIT_CORE is 0), but the report a fault
                 * gets: abort() and friends are crashes too. */
                kprintf("process %u (%s): terminated by signal %d at pc 0x%lx\n", p->pid, p->name, sig, f->elr);
                crash_report(f, sig, false);
            }
            process_exit(sig);
        }
        if (act == ACT_STOP && p->pid != 1) {
            signal_stop_locked(p, sig); /* returns continued (or killed: SIGKILL is pending) */
            spin_unlock_irqrestore(&proc_lock, flags);
            continue;
        }
        if (act != ACT_HANDLER) {
            spin_unlock_irqrestore(&proc_lock, flags);
            continue;
        }
        struct sigaction_state sa = {
            .handler = p->sig.handler[sig - 1],
            .flags = p->sig.action_flags[sig - 1],
            .restorer = p->sig.restorer[sig - 1],
            .old_mask = p->sig.restore_mask ? p->sig.saved_blocked : p->sig.blocked,
        };
        uint64_t new_mask = p->sig.blocked | p->sig.action_mask[sig - 1];
        if (!(sa.flags & SA_NODEFER))
            new_mask |= SIGBIT(sig);
        if (sa.flags & SA_RESETHAND)
            p->sig.handler[sig - 1] = SIG_DFL;
        spin_unlock_irqrestore(&proc_lock, flags);

        if (syscall && f->elr == restart_addr &&
            (retval == -ERESTARTNOHAND || retval == -ERESTART_RESTARTBLOCK ||
             (retval == -ERESTARTSYS && !(sa.flags & SA_RESTART)))) {
            f->x[0] = (uint64_t)-EINTR;
            f->elr = continue_addr;
        }
        if (signal_frame_setup(f, &info, &sa) != 0) {
            force_segv(sig); /* no room for the frame: SIGSEGV, maybe on the alternate stack */
            continue;
        }
        flags = spin_lock_irqsave(&proc_lock);
        /* The frame saved the mask to put back; the temporary one is done with. */
        p->sig.restore_mask = false;
        p->sig.blocked = new_mask & ~UNBLOCKABLE;
        spin_unlock_irqrestore(&proc_lock, flags);
        return;
    }
}

/* --- masks and dispositions ---------------------------------------------------------- */

/* Blocks or unblocks: drops what was pending while blocked but is ignored now. */
void signal_set_blocked_locked(struct process *p, uint64_t mask)
{
    p->sig.blocked = mask & ~UNBLOCKABLE;
    uint64_t dropped = 0;
    for (uint64_t pend = p->sig.pending & ~p->sig.blocked; pend; pend &= pend - 1) {
        int sig = __builtin_ctzll(pend) + 1;
        if (signal_action(p, sig) == ACT_IGNORE)
            dropped |= SIGBIT(sig);
    }
    if (dropped)
        signal_flush_locked(p, dropped);
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
        uint64_t mask;
        switch (how) {
        case SIG_BLOCK: mask = old | set; break;
        case SIG_UNBLOCK: mask = old & ~set; break;
        case SIG_SETMASK: mask = set; break;
        default: return -EINVAL;
        }
        irqflags_t flags = spin_lock_irqsave(&proc_lock);
        signal_set_blocked_locked(p, mask);
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

/* rt_sigaction(sig, act, oldact, sigsetsize) */
long sys_rt_sigaction(struct trap_frame *f)
{
    struct process *p = current_process();
    uint64_t sig = f->x[0], uact = f->x[1], uold = f->x[2];
    if (f->x[3] != SIGSET_SIZE || !signal_valid(sig))
        return -EINVAL;
    struct k_sigaction act;
    if (uact) {
        int err = copy_from_user(p->vm, &act, uact, sizeof(act));
        if (err)
            return err;
        if (SIGBIT(sig) & UNBLOCKABLE)
            return -EINVAL;
    }
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct k_sigaction old = {
        .handler = p->sig.handler[sig - 1],
        .flags = p->sig.action_flags[sig - 1],
        .restorer = p->sig.restorer[sig - 1],
        .mask = p->sig.action_mask[sig - 1],
    };
    if (uact) {
        p->sig.handler[sig - 1] = act.handler;
        p->sig.action_flags[sig - 1] = act.flags;
        p->sig.restorer[sig - 1] = act.restorer;
        p->sig.action_mask[sig - 1] = act.mask & ~UNBLOCKABLE;
        if (sig == SIGCHLD)
            p->sig.chld_flags = act.flags & (SA_NOCLDWAIT | SA_NOCLDSTOP);
        /* POSIX: setting a pending signal to be ignored discards it, blocked or not. */
        if (signal_action(p, (int)sig) == ACT_IGNORE)
            signal_flush_locked(p, SIGBIT(sig));
        else
            ktimers_unignore_locked(p, (int)sig); /* timers parked while it was ignored go on */
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return uold ? copy_to_user(p->vm, uold, &old, sizeof(old)) : 0;
}

/* --- waiting for signals ----------------------------------------------------------- */

/* rt_sigsuspend(mask, sigsetsize): waits with `mask` until a signal is acted
 * on; the mask comes back after the handler (never restarted: ERESTARTNOHAND). */
long sys_rt_sigsuspend(struct trap_frame *f)
{
    struct process *p = current_process();
    if (f->x[1] != SIGSET_SIZE)
        return -EINVAL;
    uint64_t mask;
    int err = copy_from_user(p->vm, &mask, f->x[0], sizeof(mask));
    if (err)
        return err;
    signal_set_temp_mask(mask);
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    /* Only a signal ends it: wait_sleep returns at once if one is pending
     * already (checked under proc_lock, which senders take: no lost wake-up). */
    while (wait_sleep(&proc_lock, 0, WAIT_SIGNAL, 0, WAIT_INTERRUPTIBLE, 0) != -ERESTARTSYS)
        ;
    spin_unlock_irqrestore(&proc_lock, flags);
    return -ERESTARTNOHAND;
}

/* Writes a delivered signal's information as Linux's 128-byte siginfo_t. */
int signal_put_info(uint64_t uaddr, const struct ksiginfo *info)
{
    struct linux_siginfo out = { 0 };
    _Static_assert(sizeof(*info) <= sizeof(out), "ksiginfo fits in siginfo_t");
    __builtin_memcpy(&out, info, sizeof(*info));
    return copy_to_user(current_process()->vm, uaddr, &out, sizeof(out));
}

/* rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal of
 * `set` without running its handler, waiting for one until the timeout. */
long sys_rt_sigtimedwait(struct trap_frame *f)
{
    struct process *p = current_process();
    uint64_t uset = f->x[0], uinfo = f->x[1], utimeout = f->x[2];
    if (f->x[3] != SIGSET_SIZE)
        return -EINVAL;
    uint64_t set;
    int err = copy_from_user(p->vm, &set, uset, sizeof(set));
    if (err)
        return err;
    set &= ~UNBLOCKABLE;
    uint64_t deadline = 0;
    bool poll = false;
    if (utimeout) {
        uint64_t ns;
        err = ktime_read_user(utimeout, &ns);
        if (err)
            return err;
        poll = ns == 0;
        deadline = poll ? 0 : timer_deadline_after_ns(ns);
    }
    struct ksiginfo info;
    int sig = 0;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    for (;;) {
        uint64_t ready = p->sig.pending & set;
        if (ready) {
            sig = next_signal(ready);
            dequeue(p, sig, &info);
            break;
        }
        if (poll) {
            err = -EAGAIN;
            break;
        }
        /* Signals of `set` interrupt the wait although they are blocked (make_pending). */
        p->sig.waitset = set;
        long r = wait_sleep(&proc_lock, 0, WAIT_SIGNAL, deadline, WAIT_INTERRUPTIBLE, 0);
        p->sig.waitset = 0;
        if (r == -ETIMEDOUT) {
            poll = true; /* one last look */
            continue;
        }
        if (r == -ERESTARTSYS && !(p->sig.pending & set)) {
            err = -EINTR; /* another signal: Linux does not restart sigtimedwait */
            break;
        }
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    if (!sig)
        return err;
    if (uinfo && (err = signal_put_info(uinfo, &info)) != 0)
        return err; /* the signal is taken; Linux loses it likewise */
    return sig;
}

/* --- sending from user space --------------------------------------------------------- */

/* Linux's kill_ok_by_cred: root, or the sender's real or effective uid is the
 * target's real or saved uid. */
static bool may_signal(const struct process *from, const struct process *to)
{
    const struct cred *a = &from->cred, *b = &to->cred;
    return a->euid == 0 || a->euid == b->suid || a->euid == b->ruid || a->ruid == b->suid || a->ruid == b->ruid;
}

/* Sends info (signo 0: only check) to one process with permission checks; proc_lock held. */
static int send_checked(struct process *self, struct process *p, const struct ksiginfo *info)
{
    /* SIGCONT may go to anyone in the caller's session (job control across
     * users, as Linux allows). */
    bool same_session = self->pgrp && p->pgrp && self->pgrp->session == p->pgrp->session;
    if (!may_signal(self, p) && !(info->signo == SIGCONT && same_session))
        return -EPERM;
    if (p->state != PROC_LIVE)
        return 0; /* a zombie: the signal goes nowhere */
    return info->signo ? signal_send_info_locked(p, info, &proc_lock) : 0;
}

/* kill to a group: 0 if any member got it, else the first error (-ESRCH if empty). */
static int send_group(struct process *self, struct pgrp *g, const struct ksiginfo *info)
{
    int err = -ESRCH;
    for (struct process *p = g ? g->members : 0; p; p = p->pg_next) {
        int r = send_checked(self, p, info);
        if (r == 0 || err == -ESRCH)
            err = r;
    }
    return err;
}

static struct ksiginfo user_info(int sig, int code)
{
    struct process *self = current_process();
    return (struct ksiginfo){ .signo = sig, .code = code, .kill = { (int32_t)self->pid, self->cred.ruid, 0 } };
}

/* kill(pid, sig) */
long sys_kill(struct trap_frame *f)
{
    struct process *self = current_process();
    int64_t pid = (int32_t)f->x[0];
    uint64_t sig = f->x[1];
    if (sig != 0 && !signal_valid(sig))
        return -EINVAL;
    struct ksiginfo info = user_info((int)sig, SI_USER);
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    int err;
    if (pid > 0) {
        struct process *p = process_find((unsigned)pid);
        err = p ? send_checked(self, p, &info) : -ESRCH;
    } else if (pid == 0) {
        err = send_group(self, self->pgrp, &info);
    } else if (pid == -1) {
        /* Everyone but process 1 and ourselves, zombies included. As on Linux
         * (kill_something_info) the processes we may not signal count too:
         * ESRCH only when there is nobody else at all; otherwise the last
         * error other than EPERM, or 0. */
        int count = 0, last = 0;
        for (struct process *p = process_iter_next(0); p; p = process_iter_next(p)) {
            if (p->pid == 1 || p == self || p->detached)
                continue; /* and servers, as Linux spares its kernel threads */
            int r = send_checked(self, p, &info);
            count++;
            if (r != -EPERM)
                last = r;
        }
        err = count ? last : -ESRCH;
    } else {
        err = pid == INT32_MIN ? -ESRCH : send_group(self, pgrp_find((unsigned)-pid), &info);
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

/* Sends to one thread, named by tid (= its pid: one thread per process), of
 * thread group tgid (0: any). */
static long thread_send(int64_t tgid, int64_t tid, const struct ksiginfo *info)
{
    if (tid <= 0)
        return -EINVAL;
    struct process *self = current_process();
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = process_find((unsigned)tid);
    /* A zombie still names its thread until collected (Linux finds it too):
     * the signal goes nowhere. */
    int err = !p || (tgid > 0 && tgid != tid) ? -ESRCH : send_checked(self, p, info);
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

long sys_tgkill(struct trap_frame *f)
{
    int64_t tgid = (int32_t)f->x[0];
    uint64_t sig = f->x[2];
    if (tgid <= 0 || (sig != 0 && !signal_valid(sig)))
        return -EINVAL;
    struct ksiginfo info = user_info((int)sig, SI_TKILL);
    return thread_send(tgid, (int32_t)f->x[1], &info);
}

long sys_tkill(struct trap_frame *f)
{
    uint64_t sig = f->x[1];
    if (sig != 0 && !signal_valid(sig))
        return -EINVAL;
    struct ksiginfo info = user_info((int)sig, SI_TKILL);
    return thread_send(0, (int32_t)f->x[0], &info);
}

/* The information sigqueue passes: what the caller wrote, except that it may
 * not pretend to be the kernel or kill/tkill (si_code >= 0, SI_TKILL) when
 * signalling another process, as Linux refuses. */
static int queue_info_from_user(uint64_t uinfo, int sig, bool self_target, struct ksiginfo *info)
{
    struct linux_siginfo in;
    int err = copy_from_user(current_process()->vm, &in, uinfo, sizeof(in));
    if (err)
        return err;
    if ((in.si_code >= 0 || in.si_code == SI_TKILL) && !self_target)
        return -EPERM;
    __builtin_memcpy(info, &in, sizeof(*info));
    info->signo = sig;
    return 0;
}

/* rt_sigqueueinfo(tgid, sig, info) */
long sys_rt_sigqueueinfo(struct trap_frame *f)
{
    int64_t pid = (int32_t)f->x[0];
    uint64_t sig = f->x[1];
    if (sig != 0 && !signal_valid(sig))
        return -EINVAL;
    if (pid <= 0)
        return -ESRCH;
    struct ksiginfo info;
    int err = queue_info_from_user(f->x[2], (int)sig, (unsigned)pid == current_process()->pid, &info);
    return err ? err : thread_send(pid, pid, &info);
}

/* rt_tgsigqueueinfo(tgid, tid, sig, info) */
long sys_rt_tgsigqueueinfo(struct trap_frame *f)
{
    int64_t tgid = (int32_t)f->x[0], tid = (int32_t)f->x[1];
    uint64_t sig = f->x[2];
    if (tgid <= 0 || tid <= 0 || (sig != 0 && !signal_valid(sig)))
        return -EINVAL;
    struct ksiginfo info;
    int err = queue_info_from_user(f->x[3], (int)sig, (unsigned)tid == current_process()->pid, &info);
    return err ? err : thread_send(tgid, tid, &info);
}

/* restart_syscall(): goes on with a call a signal interrupted (thread.h). */
long sys_restart_syscall(struct trap_frame *f)
{
    (void)f;
    struct restart_block *rb = &current_thread()->restart;
    long (*fn)(struct restart_block *) = rb->fn;
    rb->fn = 0;
    return fn ? fn(rb) : -EINTR;
}
