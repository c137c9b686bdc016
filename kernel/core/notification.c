/*
 * Notifications: a word of bits that signallers OR in and a waiter takes
 * (and clears) all at once. Signalling never blocks and may come from an
 * interrupt handler; a notification bound to an endpoint also wakes a server
 * waiting there, so one kx_recv serves both calls and events.
 */
#include "ipc.h"

#include "kenix/errno.h"
#include "handle.h"
#include "irqobj.h"
#include "process.h"
#include "syscall.h"
#include "../mm/heap.h"

struct notification *notification_create(void)
{
    struct notification *n = kzalloc(sizeof(*n));
    if (n)
        kobject_init(&n->obj, KX_OBJ_NOTIFICATION);
    return n;
}

void notification_signal(struct notification *n, uint64_t bits)
{
    if (!bits)
        return; /* nothing to wake anyone for: waits end on a non-zero word */
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    notification_signal_locked(n, bits);
    spin_unlock_irqrestore(&ipc_lock, flags);
}

void notification_signal_locked(struct notification *n, uint64_t bits)
{
    spin_assert_held(&ipc_lock);
    if (!bits)
        return;
    n->bits |= bits;
    struct thread *t = wait_queue_first(&n->waiters);
    if (t) {
        thread_user_frame(t)->x[1] = n->bits;
        n->bits = 0;
        wait_wake(t, 0);
    } else if (n->bound && (t = wait_queue_first(&n->bound->receivers))) {
        ipc_deliver_notification(t, n);
        wait_wake(t, 0);
    }
}

void notification_destroy(struct kobject *o)
{
    /* Waiters hold a handle and an endpoint bound to it holds a reference,
     * so nobody waits on it any more: its interrupts are free again. */
    struct notification *n = (struct notification *)o;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    while (n->irqs)
        irqobj_unbind(n->irqs);
    spin_unlock_irqrestore(&ipc_lock, flags);
    kfree(n);
}

long sys_kx_notify_create(struct trap_frame *f)
{
    (void)f;
    struct notification *n = notification_create();
    if (!n)
        return -ENOMEM;
    int h = handle_install(&current_process()->handles, &n->obj,
                           KX_RIGHT_DUP | KX_RIGHT_TRANSFER | KX_RIGHT_READ | KX_RIGHT_WRITE, 0, 0);
    kobject_put(&n->obj);
    return h;
}

static int notification_of(uint64_t h, uint32_t rights, struct notification **out)
{
    struct handle *e;
    int err = handle_get(&current_process()->handles, h, KX_OBJ_NOTIFICATION, rights, &e);
    if (!err)
        *out = (struct notification *)e->obj;
    return err;
}

long sys_kx_notify_signal(struct trap_frame *f)
{
    struct notification *n;
    int err = notification_of(f->x[0], KX_RIGHT_WRITE, &n);
    if (err)
        return err;
    notification_signal(n, f->x[1]);
    return 0;
}

/* Takes the bits (into x1), clearing them; with `block`, waits for some first. */
static long take_bits(struct trap_frame *f, bool block)
{
    struct notification *n;
    int err = notification_of(f->x[0], KX_RIGHT_READ, &n);
    if (err)
        return err;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    long result = 0;
    if (n->bits || !block) {
        f->x[1] = n->bits;
        n->bits = 0;
    } else {
        /* The signaller puts the bits in x1. */
        result = wait_sleep(&ipc_lock, &n->waiters, WAIT_NOTIFY, 0, WAIT_INTERRUPTIBLE, 0);
        if (result == -ERESTARTSYS)
            result = -EINTR;
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
    return result;
}

/* kx_notify_wait(handle) -> 0, the bits in x1 (blocks until some are set). */
long sys_kx_notify_wait(struct trap_frame *f)
{
    return take_bits(f, true);
}

/* kx_notify_poll(handle) -> 0, the bits in x1 (0 if none; never blocks). */
long sys_kx_notify_poll(struct trap_frame *f)
{
    return take_bits(f, false);
}
