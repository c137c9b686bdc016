/*
 * The wait primitive (wait.h). A blocked thread is on at most one wait queue
 * and at most one deadline; every way out of a wait -- its waker, its
 * deadline, a signal -- goes through wait_ready(), which takes it off both,
 * so a thread can never be woken twice or linger on a queue it left.
 */
#include "wait.h"

#include "kenix/errno.h"
#include "ipc.h"
#include "sched.h"
#include "thread.h"
#include "process.h"
#include "../posix/signal.h"

void wait_queue_push(struct wait_queue *q, struct thread *t)
{
    KASSERT(!t->wait.queue, "thread %u queued twice", t->tid);
    t->wait.queue = q;
    t->wait.next = 0;
    t->wait.prev = q->tail;
    if (q->tail)
        q->tail->wait.next = t;
    else
        q->head = t;
    q->tail = t;
}

void wait_queue_remove(struct thread *t)
{
    struct wait_queue *q = t->wait.queue;
    if (!q)
        return;
    if (t->wait.prev)
        t->wait.prev->wait.next = t->wait.next;
    else
        q->head = t->wait.next;
    if (t->wait.next)
        t->wait.next->wait.prev = t->wait.prev;
    else
        q->tail = t->wait.prev;
    t->wait.queue = 0;
    t->wait.next = t->wait.prev = 0;
}

long wait_sleep(struct spinlock *lock, struct wait_queue *q, enum wait_reason reason, uint64_t deadline,
                unsigned flags, struct thread *handoff)
{
    struct thread *self = current_thread();
    if (lock)
        spin_assert_held(lock);
    KASSERT(irqs_masked(), "wait_sleep with interrupts on");
    if ((flags & WAIT_INTERRUPTIBLE) && signal_pending(self)) {
        /* Checked under the lock a sender of the signal also takes to wake
         * us, so a signal is either seen here or ends the sleep. */
        if (handoff)
            sched_wake(handoff);
        return -ERESTARTSYS;
    }
    if (q)
        wait_queue_push(q, self);
    self->wait.lock = lock;
    self->wait.reason = (uint16_t)reason;
    self->wait.flags = (uint16_t)flags;
    self->wait.result = 0;
    if (deadline)
        sched_deadline_add(self, deadline);
    self->state = THREAD_BLOCKED;
    if (lock)
        spin_unlock(lock);
    if (handoff)
        sched_handoff(handoff);
    else
        schedule();
    if (lock)
        spin_lock(lock);
    self->wait.reason = WAIT_NONE;
    self->wait.lock = 0;
    return self->wait.result;
}

void wait_ready(struct thread *t, long result)
{
    wait_queue_remove(t);
    if (t->wait.deadline)
        sched_deadline_remove(t);
    t->wait.result = result;
}

void wait_wake(struct thread *t, long result)
{
    wait_ready(t, result);
    sched_wake(t);
}

unsigned wait_wake_all(struct wait_queue *q, long result)
{
    unsigned n = 0;
    struct thread *t;
    while ((t = q->head)) {
        wait_wake(t, result);
        n++;
    }
    return n;
}

bool wait_interrupt(struct thread *t, struct spinlock *held)
{
    irqflags_t flags = irq_save();
    bool woken = false;
    if (t->state == THREAD_BLOCKED && (t->wait.flags & WAIT_INTERRUPTIBLE)) {
        struct spinlock *lock = t->wait.lock;
        bool take = lock && lock != held;
        if (take)
            spin_lock(lock);
        if (t->wait.reason == WAIT_IPC_REPLY) {
            /* A call a server has taken may have had effects that only the
             * server knows: it is cancelled and the server answers (R3.2),
             * unless the signal ends the process -- then the caller is
             * detached now, and its call is not made again (-EINTR). */
            spin_assert_held(&proc_lock);
            woken = ipc_interrupt_caller(t, signal_kills(t->proc));
            if (woken)
                wait_wake(t, -EINTR);
        } else {
            wait_wake(t, -ERESTARTSYS);
            woken = true;
        }
        if (take)
            spin_unlock(lock);
    }
    irq_restore(flags);
    return woken;
}

void wait_expire(uint64_t now)
{
    struct thread *t;
    while ((t = sched_deadline_first_due(now))) {
        struct spinlock *lock = t->wait.lock;
        /* An interrupt handler finds no lock held (locks mask interrupts). */
        if (lock)
            spin_lock(lock);
        wait_wake(t, -ETIMEDOUT);
        if (lock)
            spin_unlock(lock);
    }
}
