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

/* A caller a server set aside with kx_reply_save, answered later with kx_reply. */
struct reply_obj {
    struct kobject obj;
    struct thread *caller;         /* NULL once answered, abandoned or detached */
    bool detached;                 /* the caller was killed before the answer */
};

/* Gives a receiver the pending bits of n as a KX_MSG_NOTIFY message. */
void ipc_deliver_notification(struct thread *t, struct notification *n);
struct notification *notification_create(void);
/* Sets bits in n and wakes whoever waits for them (also from interrupt handlers). */
void notification_signal(struct notification *n, uint64_t bits);
/* kx_call / kx_reply_recv without the generic layers, when nothing unusual is
 * going on. Interrupts masked. Returns IPC_FAST_NO (take the ordinary path),
 * IPC_FAST_DONE (done: return to user mode at once) or IPC_FAST_DONE_WORK
 * (done, but a switch or a signal became due: exit_to_user first). */
enum { IPC_FAST_NO = 0, IPC_FAST_DONE = 1, IPC_FAST_DONE_WORK = 2 };
int ipc_fastpath(struct trap_frame *f);
/* A thread is ending: a caller it was about to answer gets -EPIPE. */
void ipc_thread_exit(struct thread *t);
/* A caller waiting for its answer is being interrupted: whoever holds it (a
 * server's implicit reply, a reply object) lets go; the answer is dropped.
 * ipc_lock held. */
void ipc_detach_caller(struct thread *t);
/* A handle with KX_RIGHT_RECV to an endpoint appeared (+1) or went (-1); when
 * the last goes, queued callers get -EPIPE (handle.c). */
void endpoint_recv_handles(struct kobject *ep, int delta);

#endif
