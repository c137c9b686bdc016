/*
 * Waiting: the one way a thread blocks in the kernel.
 *
 * A blocked thread records what it waits for (reason), on which queue, under
 * which lock, until when (deadline) and whether a signal may end the wait --
 * seL4's thread state, in effect. So anything that must end a wait early (a
 * deadline passing, a signal, an IPC partner dying) can find the thread's
 * queue and take it off without knowing who put it there.
 *
 * Protocol: take the lock that protects the condition and the queue, check
 * the condition, call wait_sleep(). wait_sleep enqueues the thread, releases
 * the lock, switches away, and retakes the lock before returning the result
 * its waker gave (wait_wake), -ETIMEDOUT when the deadline passed, or
 * -ERESTARTSYS when a signal interrupted an interruptible wait. Interrupts
 * stay masked from the check to the switch, so no wake-up is lost (xv6's
 * sleep/wakeup).
 */
#ifndef KENIX_CORE_WAIT_H
#define KENIX_CORE_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/spinlock.h"

struct thread;

/* Threads waiting for one thing, first come first served. Protected by the
 * lock its owner names (every user documents it). */
struct wait_queue {
    struct thread *head, *tail;
};

enum wait_reason {
    WAIT_NONE = 0,
    WAIT_SLEEP,      /* nanosleep: only the deadline ends it */
    WAIT_IPC_SEND,   /* a caller queued on an endpoint, not yet received */
    WAIT_IPC_RECV,   /* a server waiting for a call */
    WAIT_IPC_REPLY,  /* a caller received by a server, waiting for its answer */
    WAIT_NOTIFY,     /* kx_notify_wait */
    WAIT_PROCESS,    /* kx_process_wait */
    WAIT_CHILD,      /* wait4/waitid */
    WAIT_VFORK,      /* a vfork parent until its child execs or exits */
    WAIT_PIPE_READ,
    WAIT_PIPE_WRITE,
    WAIT_POS_LOCK,   /* a file position shared with a call in a server */
    WAIT_SIGNAL,     /* rt_sigsuspend, rt_sigtimedwait: for a signal */
    WAIT_STOPPED,    /* stopped by a signal: only SIGCONT and SIGKILL end it */
    WAIT_POLL,       /* ppoll/pselect6: any of many objects (pollwait.h) */
    WAIT_FIFO_OPEN,  /* opening a FIFO: for the other side */
    WAIT_FILE_LOCK,  /* F_SETLKW, flock: for a lock to go */
};

#define WAIT_INTERRUPTIBLE 1u /* a signal that is going to be acted on ends the wait */

/* A thread's wait, while it is blocked (struct thread.wait). */
struct thread_wait {
    struct wait_queue *queue;        /* the queue it is on, or NULL */
    struct thread *next, *prev;      /* links in that queue */
    struct spinlock *lock;           /* protects queue and the condition waited for */
    uint64_t deadline;               /* counter value; 0: none */
    struct thread *dnext, *dprev;    /* links in the deadline list (sched_lock) */
    uint16_t reason;                 /* enum wait_reason */
    uint16_t flags;                  /* WAIT_INTERRUPTIBLE */
    long result;                     /* what wait_sleep returns */
};

void wait_queue_push(struct wait_queue *q, struct thread *t);
/* Takes t off whatever queue it is on (no-op if none). */
void wait_queue_remove(struct thread *t);
static inline struct thread *wait_queue_first(const struct wait_queue *q)
{
    return q->head;
}
static inline bool wait_queue_empty(const struct wait_queue *q)
{
    return !q->head;
}

/*
 * Blocks the current thread on q (NULL: on no queue) for `reason`, with
 * `lock` held (interrupts masked); returns with it held again. `deadline` is
 * a counter value (0: none). `handoff` (or NULL), a thread made ready with
 * wait_ready, gets the CPU directly: an IPC rendezvous skips the run queue.
 */
long wait_sleep(struct spinlock *lock, struct wait_queue *q, enum wait_reason reason, uint64_t deadline,
                unsigned flags, struct thread *handoff);
/* Ends t's wait with `result`: off its queue and deadline, ready to run but not
 * yet runnable (the caller passes it to wait_sleep as handoff, or wakes it). */
void wait_ready(struct thread *t, long result);
/* wait_ready and make it runnable. */
void wait_wake(struct thread *t, long result);
/* Wakes every thread on q with `result`; returns how many. */
unsigned wait_wake_all(struct wait_queue *q, long result);

/* A signal is going to be acted on in t's process: end t's wait if it may be
 * interrupted. A caller a server holds (WAIT_IPC_REPLY) is not woken but its
 * call cancelled, unless the signal ends the process (ipc_interrupt_caller).
 * `held` is a lock the caller holds, which may be the wait's own; proc_lock
 * must be held (signal_kills reads the signal state). Returns whether t was
 * woken. */
bool wait_interrupt(struct thread *t, struct spinlock *held);

/* From the timer tick: ends the waits whose deadline has passed. */
void wait_expire(uint64_t now);

#endif
