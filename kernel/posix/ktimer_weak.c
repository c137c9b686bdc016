/*
 * TEMPORARY (deleted when main's signal core is merged): weak stand-ins for
 * the owned-entry calls signal.h declares, so the timer branch links before
 * the signal core lands. They keep only the bookkeeping the timers rely on:
 * the pending bit and q->queued, with no real queue.
 */
#include "kenix/linux_abi.h"
#include "../core/process.h"
#include "signal.h"

__attribute__((weak)) bool signal_send_owned_locked(struct process *p, struct sigqueue *q, struct spinlock *held)
{
    if (q->queued)
        return false;
    if (p->state != PROC_LIVE || !p->thread || (p->sig.ignored & SIGBIT(q->info.signo)))
        return true;
    signal_send_locked(p, q->info.signo, held);
    return true;
}

__attribute__((weak)) void signal_unqueue_owned_locked(struct process *p, struct sigqueue *q)
{
    (void)p;
    q->queued = false;
}

__attribute__((weak)) long sys_restart_syscall(struct trap_frame *f)
{
    (void)f;
    return -4; /* -EINTR */
}
