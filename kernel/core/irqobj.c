#include "irqobj.h"

#include "kenix/errno.h"
#include "kenix/irq.h"
#include "handle.h"
#include "ipc.h"
#include "process.h"
#include "syscall.h"
#include "../arch/aarch64/gic.h"
#include "../mm/heap.h"

struct irqobj {
    struct kobject obj;
    unsigned intid;
    bool edge;
    bool bound;
    /* Not a reference: the binding lasts as long as someone can wait on the
     * notification, and notification_destroy unbinds (a driver that exits
     * leaves its interrupt free for the next one). */
    struct notification *n;
    struct irqobj *n_next;  /* the other IRQs bound to n */
    uint64_t bits;
};

struct irqobj *irqobj_create(unsigned intid, bool edge)
{
    struct irqobj *o = kzalloc(sizeof(*o));
    if (o) {
        kobject_init(&o->obj, KX_OBJ_IRQ);
        o->intid = intid;
        o->edge = edge;
    }
    return o;
}

struct kobject *irqobj_kobject(struct irqobj *o)
{
    return &o->obj;
}

/* Runs in the interrupt handler: the line stays masked until the driver
 * acknowledges. The binding is complete before the line is ever enabled
 * (sys_kx_irq_bind), and the handler is unregistered before it is undone. */
static void irqobj_fire(unsigned intid, void *arg)
{
    struct irqobj *o = arg;
    gic->disable(intid);
    spin_lock(&ipc_lock);
    struct notification *n = o->n;
    uint64_t bits = o->bits;
    spin_unlock(&ipc_lock);
    if (n)
        notification_signal(n, bits);
}

void irqobj_unbind(struct irqobj *o)
{
    spin_assert_held(&ipc_lock);
    irq_unregister(o->intid);
    struct irqobj **link = &o->n->irqs;
    while (*link != o)
        link = &(*link)->n_next;
    *link = o->n_next;
    o->n = 0;
    o->n_next = 0;
    o->bound = false;
}

void irqobj_destroy(struct kobject *obj)
{
    struct irqobj *o = (struct irqobj *)obj;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    if (o->bound)
        irqobj_unbind(o);
    spin_unlock_irqrestore(&ipc_lock, flags);
    kfree(o);
}

/* kx_irq_bind(irq, notification, bits): the interrupt signals `bits` from now on. */
long sys_kx_irq_bind(struct trap_frame *f)
{
    struct handle_table *ht = &current_process()->handles;
    struct handle *ih, *nh;
    int err = handle_get(ht, f->x[0], KX_OBJ_IRQ, KX_RIGHT_WRITE, &ih);
    if (!err)
        err = handle_get(ht, f->x[1], KX_OBJ_NOTIFICATION, KX_RIGHT_WRITE, &nh);
    if (err)
        return err;
    struct irqobj *o = (struct irqobj *)ih->obj;
    if (!f->x[2])
        return -EINVAL;
    struct notification *n = (struct notification *)nh->obj;
    /* Bind first, then enable the line, all with interrupts masked: a
     * completion left pending by the line's previous driver fires the moment
     * the line is enabled, and must find the binding whole. */
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    if (o->bound) {
        spin_unlock_irqrestore(&ipc_lock, flags);
        return -EBUSY;
    }
    o->bits = f->x[2];
    o->n = n;
    o->n_next = n->irqs;
    n->irqs = o;
    o->bound = true;
    err = irq_register(o->intid, irqobj_fire, o, o->edge);
    if (err) {
        n->irqs = o->n_next;
        o->n = 0;
        o->n_next = 0;
        o->bound = false;
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
    return err;
}

/* kx_irq_ack(irq): the device is serviced; let the line interrupt again. */
long sys_kx_irq_ack(struct trap_frame *f)
{
    struct handle *ih;
    int err = handle_get(&current_process()->handles, f->x[0], KX_OBJ_IRQ, KX_RIGHT_WRITE, &ih);
    if (err)
        return err;
    struct irqobj *o = (struct irqobj *)ih->obj;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    bool bound = o->bound;
    if (bound)
        gic->enable(o->intid, o->edge);
    spin_unlock_irqrestore(&ipc_lock, flags);
    return bound ? 0 : -EINVAL;
}
