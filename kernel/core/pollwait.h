/*
 * Waiting for any of many objects to become ready (ppoll, pselect6).
 *
 * The wait primitive (wait.h) puts a thread on at most one wait queue, so a
 * thread that watches many objects needs a structure of its own. A poller
 * (one ppoll or pselect6 call) owns a struct poll_waiter, on its kernel
 * stack: a lock, a flag `triggered` and a wait queue that holds the poller
 * while it sleeps. For each object it watches it registers a struct
 * poll_entry on the object's poll_head, under the object's own lock. When the
 * object's state changes, its code (holding that lock) calls poll_wake with
 * the readiness bits that rose; every entry whose key has one of them sets
 * its waiter's flag and wakes the poller. The poller clears the flag before
 * each scan and sleeps only while it is still clear, so a change between the
 * scan and the sleep is never lost.
 *
 * Locks: an object's lock (a pipe's, an event's) -> a waiter's lock ("poll")
 * -> sched_lock. The waiter's lock is also the lock wait_sleep records, so a
 * signal (wait_interrupt, under proc_lock) or the deadline (wait_expire, from
 * the tick) ends the sleep under it.
 *
 * Lifetime: entries live in the poller's memory and stay registered only
 * during its call: poll_unregister takes each off its object, under the
 * object's lock, on every way out. An object cannot go away while an entry is
 * on it, because the poller holds a reference to the file naming it; an
 * object's destructor may therefore assert that its poll_head is empty.
 */
#ifndef KENIX_CORE_POLLWAIT_H
#define KENIX_CORE_POLLWAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/spinlock.h"
#include "wait.h"

struct poll_entry;

/* One poller's wake-up state. */
struct poll_waiter {
    struct spinlock lock;          /* protects triggered and sleeper */
    struct wait_queue sleeper;     /* the polling thread while it sleeps */
    bool triggered;                /* a watched bit rose since the last scan began */
};

/* An object's pollers. Protected by the object's lock (`lock`). */
struct poll_head {
    struct poll_entry *first;
    struct spinlock *lock;
};

/* One poller watching one object. */
struct poll_entry {
    struct poll_entry *next, *prev;   /* on head's list (head->lock) */
    struct poll_head *head;           /* where it is registered; NULL: nowhere */
    struct poll_waiter *waiter;
    uint32_t key;                     /* the POLL* bits whose rise wakes the waiter */
};

static inline void poll_head_init(struct poll_head *h, struct spinlock *lock)
{
    h->first = 0;
    h->lock = lock;
}

static inline bool poll_head_empty(const struct poll_head *h)
{
    return !h->first;
}

void poll_waiter_init(struct poll_waiter *w);

/* Registers e on h, h's lock held. A registered entry stays where it is (a
 * rescan after a wake-up passes it again). */
void poll_register(struct poll_head *h, struct poll_entry *e);

/* Takes e off its object, if it is on one (takes the object's lock). */
void poll_unregister(struct poll_entry *e);

/* h's lock held: `bits` rose in the object; wakes the pollers watching any
 * of them. Never blocks. */
void poll_wake(struct poll_head *h, uint32_t bits);

/* Sleeps until a watched bit rose since the flag was last cleared, the
 * deadline (a counter value; 0: none) passes or a signal is going to be acted
 * on: 0, -ETIMEDOUT or -ERESTARTSYS. Clears the flag either way, so the scan
 * that follows starts a new round. */
long poll_sleep(struct poll_waiter *w, uint64_t deadline);

#endif
