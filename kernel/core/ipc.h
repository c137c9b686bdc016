/*
 * Synchronous IPC between threads (endpoints, saved replies) and asynchronous
 * notifications. All of it runs with interrupts masked: an interrupt handler
 * may signal a notification, which can hand a message to a thread waiting on
 * an endpoint.
 */
#ifndef KENIX_CORE_IPC_H
#define KENIX_CORE_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "kobject.h"
#include "thread.h"

struct thread_queue {
    struct thread *head, *tail;
};

struct endpoint {
    struct kobject obj;
    struct thread_queue senders;   /* callers waiting for a receiver */
    struct thread_queue receivers; /* servers waiting for a call */
    struct notification *bound;    /* holds a reference */
};

struct notification {
    struct kobject obj;
    uint64_t bits;
    struct thread_queue waiters;   /* in kx_notify_wait */
    struct endpoint *bound;        /* whose receivers also get the bits */
    struct irqobj *irqs;           /* interrupts that signal it (irqobj.c) */
};

/* A caller a server set aside with kx_reply_save, answered later with kx_reply. */
struct reply_obj {
    struct kobject obj;
    struct thread *caller;         /* NULL once answered or abandoned */
};

void thread_queue_push(struct thread_queue *q, struct thread *t);
struct thread *thread_queue_pop(struct thread_queue *q);

/* Blocks the current thread (interrupts masked; it is already on the queue it
 * waits in) until ipc_wake; returns its result. */
long ipc_block(void);
/* Makes a blocked thread runnable with x0 = result. */
void ipc_wake(struct thread *t, long result);
/* Gives a receiver the pending bits of n as a KX_MSG_NOTIFY message. */
void ipc_deliver_notification(struct thread *t, struct notification *n);
struct notification *notification_create(void);
/* Sets bits in n and wakes whoever waits for them (also from interrupt handlers). */
void notification_signal(struct notification *n, uint64_t bits);
/* kx_call / kx_reply_recv without the generic layers, when nothing unusual is
 * going on; false: take the ordinary path. Interrupts masked. */
bool ipc_fastpath(struct trap_frame *f);
/* A thread is ending: a caller it was about to answer gets -EPIPE. */
void ipc_thread_exit(struct thread *t);

#endif
