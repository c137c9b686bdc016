/*
 * Synchronous IPC between threads (endpoints, saved replies) and asynchronous
 * notifications.
 *
 * ipc_lock protects every endpoint's queues and receive-handle count, every
 * notification's bits, waiters and bindings, every reply object's caller,
 * process objects' waiters and status, IRQ objects' bindings, and the IPC
 * state of every thread (struct ipc_thread). Interrupt handlers take it (an
 * IRQ signals a notification, which can hand a message to a waiting server).
 * It nests inside proc_lock and pipe locks and outside sched_lock. Object
 * destructors take it themselves: never drop a reference (kobject_put,
 * handle_close) while holding it.
 */
#ifndef KENIX_CORE_IPC_H
#define KENIX_CORE_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/spinlock.h"
#include "kobject.h"
#include "thread.h"
#include "wait.h"

struct process;

extern struct spinlock ipc_lock;

struct endpoint {
    struct kobject obj;
    struct wait_queue senders;     /* callers waiting for a receiver */
    struct wait_queue receivers;   /* servers waiting for a call */
    struct notification *bound;    /* holds a reference */
    unsigned recv_handles;         /* handles with KX_RIGHT_RECV: 0 means no call can ever be received */
    struct kpost *posts, *posts_tail; /* one-way kernel messages not yet received (kcall.h) */
};

struct notification {
    struct kobject obj;
    uint64_t bits;
    struct wait_queue waiters;     /* in kx_notify_wait */
    struct endpoint *bound;        /* whose receivers also get the bits */
    struct irqobj *irqs;           /* interrupts that signal it (irqobj.c) */
};

/*
 * A caller a server set aside with kx_reply_save, answered later with
 * kx_reply (core/reply.c). Kept alive by the handles naming it (normally the
 * one kx_reply_save returned). A signal to its caller cancels it (R3.2): it is
 * marked, put on its owner's cancel list (once) and the endpoint's bound
 * notification gets KX_NOTE_CANCEL; the owner learns which with
 * kx_reply_cancelled and answers. Every field is protected by ipc_lock.
 */
struct reply_obj {
    struct kobject obj;
    struct thread *caller;         /* NULL once answered, abandoned or detached */
    bool detached;                 /* the caller was killed before the answer */
    bool cancelled;                /* a signal asked for the call to end; set once, never cleared */
    bool listed;                   /* on owner's cancel list (not yet reported) */
    struct endpoint *ep;           /* a reference: the endpoint the call came through, whose bound
                                    * notification hears of the cancel; NULL if the caller was gone
                                    * before the save */
    struct process *owner;         /* the process that saved it, which kx_reply_cancelled reports it
                                    * to; NULL once that process has exited */
    uint64_t handle;               /* the handle number kx_reply_save returned in owner */
    struct reply_obj *saved_prev, *saved_next;   /* owner's list of every reply it saved */
    struct reply_obj *cancel_prev, *cancel_next; /* owner's cancel list, oldest first */
};

/* The saved replies of one server process (struct process.replies), for the
 * cancel protocol. Protected by ipc_lock. */
struct reply_lists {
    struct reply_obj *saved;                     /* every reply object it saved that still exists */
    struct reply_obj *cancel_head, *cancel_tail; /* cancelled, not yet reported by kx_reply_cancelled */
};

/* Gives a receiver the pending bits of n as a KX_MSG_NOTIFY message. */
void ipc_deliver_notification(struct thread *t, struct notification *n);
struct notification *notification_create(void);
/* Sets bits in n and wakes whoever waits for them (also from interrupt handlers). */
void notification_signal(struct notification *n, uint64_t bits);
/* The same with ipc_lock held. */
void notification_signal_locked(struct notification *n, uint64_t bits);
/* kx_call / kx_reply_recv without the generic layers, when nothing unusual is
 * going on. Interrupts masked. Returns IPC_FAST_NO (take the ordinary path),
 * IPC_FAST_DONE (done: return to user mode at once) or IPC_FAST_DONE_WORK
 * (done, but a switch or a signal became due: exit_to_user first). */
enum { IPC_FAST_NO = 0, IPC_FAST_DONE = 1, IPC_FAST_DONE_WORK = 2 };
int ipc_fastpath(struct trap_frame *f);
/* A thread is ending: a caller it was about to answer gets -EPIPE. */
void ipc_thread_exit(struct thread *t);
/*
 * A signal is going to be acted on in the process of t, a caller in
 * WAIT_IPC_REPLY (R3.2, R3.3). Already answered (ready to run): nothing, the
 * answer wins and the signal is taken as the call returns. Otherwise, not
 * `fatal`: the call is cancelled -- t keeps waiting for its server's answer,
 * and a saved reply holding it tells the server (cancel list, KX_NOTE_CANCEL).
 * `fatal` (the signal ends the process): t is detached at once -- whoever
 * holds it lets go, the answer will be dropped, the server is still told.
 * Returns whether t must be woken now (detached). ipc_lock held.
 */
bool ipc_interrupt_caller(struct thread *t, bool fatal);
/* Cancels a saved reply: marks it, lists it for its owner once, and signals
 * KX_NOTE_CANCEL on the bound notification of its endpoint. ipc_lock held. */
void reply_cancel(struct reply_obj *r);
/* What a caller gets when the call it made is dropped unanswered (its server
 * exits, receives again, closes the saved reply): -EPIPE, or, once a signal
 * has cancelled it, -ERESTARTSYS -- the server's dropping it is the answer
 * "nothing happened", and the call is interrupted like one never received. */
long ipc_dropped_result(const struct thread *caller);
/* A process has exited (its handles are closed): the reply objects it saved
 * that live on elsewhere (handles sent away) forget it. */
void ipc_process_exit(struct process *p);
/* A handle with KX_RIGHT_RECV to an endpoint appeared (+1) or went (-1); when
 * the last goes, queued callers get -EPIPE (handle.c). */
void endpoint_recv_handles(struct kobject *ep, int delta);

#endif
