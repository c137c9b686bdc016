/*
 * Poll entries and waiters (pollwait.h).
 */
#include "pollwait.h"

#include "kenix/errno.h"

void poll_waiter_init(struct poll_waiter *w)
{
    w->lock = (struct spinlock)SPINLOCK_INIT("poll");
    w->sleeper = (struct wait_queue){ 0 };
    w->triggered = false;
}

void poll_register(struct poll_head *h, struct poll_entry *e)
{
    spin_assert_held(h->lock);
    if (e->head)
        return;
    e->head = h;
    e->prev = 0;
    e->next = h->first;
    if (h->first)
        h->first->prev = e;
    h->first = e;
}

void poll_unregister(struct poll_entry *e)
{
    struct poll_head *h = e->head;
    if (!h)
        return;
    irqflags_t flags = spin_lock_irqsave(h->lock);
    if (e->prev)
        e->prev->next = e->next;
    else
        h->first = e->next;
    if (e->next)
        e->next->prev = e->prev;
    e->head = 0;
    e->next = e->prev = 0;
    spin_unlock_irqrestore(h->lock, flags);
}

void poll_wake(struct poll_head *h, uint32_t bits)
{
    spin_assert_held(h->lock);
    for (struct poll_entry *e = h->first; e; e = e->next) {
        if (!(e->key & bits))
            continue;
        struct poll_waiter *w = e->waiter;
        spin_lock(&w->lock);
        w->triggered = true;
        wait_wake_all(&w->sleeper, 0); /* nobody there: it is scanning, and will see the flag */
        spin_unlock(&w->lock);
    }
}

long poll_sleep(struct poll_waiter *w, uint64_t deadline)
{
    irqflags_t flags = spin_lock_irqsave(&w->lock);
    long r = 0;
    if (!w->triggered)
        r = wait_sleep(&w->lock, &w->sleeper, WAIT_POLL, deadline, WAIT_INTERRUPTIBLE, 0);
    w->triggered = false;
    spin_unlock_irqrestore(&w->lock, flags);
    return r;
}
