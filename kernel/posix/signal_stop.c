/*
 * Job control: stopping and continuing processes, telling their parents, and
 * orphaned process groups (signal.h). Everything here runs under proc_lock,
 * which protects the stop state (sigstate.stopped, stop_sig, report) and the
 * family and group links it looks at.
 *
 * A process stops in signal_deliver, on its way back to user mode, sleeping
 * in WAIT_STOPPED, which only SIGCONT and SIGKILL end (no other signal is
 * acted on while stopped, as on Linux). A system call it was blocked in was
 * interrupted by the stop signal and is set up to restart on SIGCONT.
 */
#include "kenix/linux_abi.h"
#include "signal_internal.h"
#include "../core/process.h"
#include "../core/wait.h"

void signal_notify_parent_locked(struct process *child, int code, int status)
{
    struct process *parent = child->parent;
    if (!parent)
        return;
    bool job = code == CLD_STOPPED || code == CLD_CONTINUED;
    if (!job || !(parent->sig.chld_flags & SA_NOCLDSTOP)) {
        uint64_t u, s;
        process_times(child, &u, &s);
        struct ksiginfo info = {
            .signo = SIGCHLD,
            .code = code,
            .chld = { (int32_t)child->pid, child->cred.ruid, status, 0, (uint64_t)to_clock_ticks(u),
                      (uint64_t)to_clock_ticks(s) },
        };
        signal_send_info_locked(parent, &info, &proc_lock);
    }
    wait_wake_all(&parent->child_waiters, 0);
}

/* Ends p's stop: `report` (SIGCONT) tells the parent, SIGKILL does not. */
static void resume(struct process *p, bool report)
{
    p->sig.stopped = false;
    p->sig.report = report ? REPORT_CONTINUED : REPORT_NONE;
    if (report)
        signal_notify_parent_locked(p, CLD_CONTINUED, SIGCONT);
    struct thread *t = p->thread;
    if (t && t->state == THREAD_BLOCKED && t->wait.reason == WAIT_STOPPED)
        wait_wake(t, 0);
}

void signal_job_control_locked(struct process *p, int sig)
{
    if (sig == SIGCONT || sig == SIGKILL) {
        if (sig == SIGCONT)
            signal_flush_locked(p, DEFAULT_STOP);
        if (p->sig.stopped)
            resume(p, sig == SIGCONT);
    } else if (SIGBIT(sig) & DEFAULT_STOP) {
        signal_flush_locked(p, SIGBIT(SIGCONT));
    }
}

/* Whether group g has no member (but `ignore`) whose parent is in another
 * group of the same session: POSIX's orphaned process group, as Linux's
 * will_become_orphaned_pgrp counts it (a parent that is process 1 is outside). */
static bool orphaned(const struct pgrp *g, const struct process *ignore)
{
    for (const struct process *m = g->members; m; m = m->pg_next) {
        if (m == ignore || m->state != PROC_LIVE)
            continue;
        const struct process *pp = m->parent;
        if (!pp || pp->pid == 1)
            continue;
        if (pp->pgrp != g && pp->pgrp && pp->pgrp->session == g->session)
            return false;
    }
    return true;
}

bool pgrp_orphaned_locked(const struct pgrp *g)
{
    return orphaned(g, 0);
}

static bool has_stopped(const struct pgrp *g)
{
    for (const struct process *m = g->members; m; m = m->pg_next)
        if (m->state == PROC_LIVE && m->sig.stopped)
            return true;
    return false;
}

static void hangup_group(struct pgrp *g)
{
    for (struct process *m = g->members; m; m = m->pg_next)
        signal_send_locked(m, SIGHUP, &proc_lock);
    for (struct process *m = g->members; m; m = m->pg_next)
        signal_send_locked(m, SIGCONT, &proc_lock);
}

/* Linux's kill_orphaned_pgrp: p's group, whose link to the rest of the
 * session through `parent` is going, with `ignore` no longer counting. */
static void check_group(struct process *p, struct process *parent, struct process *ignore)
{
    struct pgrp *g = p->pgrp;
    if (!g || !parent || !parent->pgrp || parent->pgrp == g || parent->pgrp->session != g->session)
        return;
    if (orphaned(g, ignore) && has_stopped(g))
        hangup_group(g);
}

void signal_exiting_locked(struct process *p)
{
    check_group(p, p->parent, p);
}

void signal_reparented_locked(struct process *c, struct process *old_parent)
{
    /* Live or zombie (Linux's reparent_leader asks for both): a zombie still
     * names its group, and orphaned() does not count it as a link. */
    check_group(c, old_parent, 0);
}

void signal_stop_locked(struct process *p, int sig)
{
    /* Terminal stop signals do not stop an orphaned group: nobody would be
     * left to continue it (POSIX). SIGSTOP always stops. */
    if (sig != SIGSTOP && p->pgrp && orphaned(p->pgrp, 0))
        return;
    p->sig.stopped = true;
    p->sig.stop_sig = (uint8_t)sig;
    p->sig.report = REPORT_STOPPED;
    signal_notify_parent_locked(p, CLD_STOPPED, sig);
    while (p->sig.stopped && !(p->sig.pending & SIGBIT(SIGKILL)))
        wait_sleep(&proc_lock, 0, WAIT_STOPPED, 0, 0, 0);
}
