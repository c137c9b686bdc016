/*
 * Events (event.h) and their native calls.
 */
#include "event.h"

#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "handle.h"
#include "process.h"
#include "syscall.h"
#include "../mm/heap.h"

/* The word with the bits Linux's drivers report alongside POLLIN and POLLOUT. */
static uint32_t expand(uint32_t bits)
{
    return bits | (bits & POLLIN ? POLLRDNORM : 0) | (bits & POLLOUT ? POLLWRNORM : 0);
}

uint32_t event_poll(struct event *ev, struct poll_entry *e)
{
    irqflags_t flags = spin_lock_irqsave(&ev->lock);
    uint32_t bits = ev->bits;
    if (e)
        poll_register(&ev->pollers, e);
    spin_unlock_irqrestore(&ev->lock, flags);
    return expand(bits);
}

void event_destroy(struct kobject *o)
{
    struct event *ev = (struct event *)o;
    /* A poller holds a file that holds the event: none can be left. */
    KASSERT(poll_head_empty(&ev->pollers), "event freed with pollers registered");
    kfree(ev);
}

/* kx_event_create() -> handle (DUP, TRANSFER, READ, WRITE); the word starts at 0. */
long sys_kx_event_create(struct trap_frame *f)
{
    (void)f;
    struct event *ev = kzalloc(sizeof(*ev));
    if (!ev)
        return -ENOMEM;
    kobject_init(&ev->obj, KX_OBJ_EVENT);
    ev->lock = (struct spinlock)SPINLOCK_INIT("event");
    poll_head_init(&ev->pollers, &ev->lock);
    int h = handle_install(&current_process()->handles, &ev->obj,
                           KX_RIGHT_DUP | KX_RIGHT_TRANSFER | KX_RIGHT_READ | KX_RIGHT_WRITE, 0, 0);
    kobject_put(&ev->obj);
    return h;
}

/* kx_event_update(h, clear, set) -> the new word: clears, then sets (a bit in
 * both ends set); wakes the pollers watching a bit that rose. Needs WRITE;
 * bits outside KX_EVENT_ALL are -EINVAL. Never blocks. */
long sys_kx_event_update(struct trap_frame *f)
{
    struct handle *h;
    int err = handle_get(&current_process()->handles, f->x[0], KX_OBJ_EVENT, KX_RIGHT_WRITE, &h);
    if (err)
        return err;
    uint64_t clear = f->x[1], set = f->x[2];
    if ((clear | set) & ~(uint64_t)KX_EVENT_ALL)
        return -EINVAL;
    struct event *ev = (struct event *)h->obj;
    irqflags_t flags = spin_lock_irqsave(&ev->lock);
    uint32_t old = ev->bits;
    ev->bits = (old & ~(uint32_t)clear) | (uint32_t)set;
    uint32_t rose = ev->bits & ~old;
    if (rose && !poll_head_empty(&ev->pollers))
        poll_wake(&ev->pollers, expand(rose));
    uint32_t now = ev->bits;
    spin_unlock_irqrestore(&ev->lock, flags);
    return now;
}
