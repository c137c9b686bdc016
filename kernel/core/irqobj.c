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

/* Runs in the interrupt handler: the line stays masked until the driver acknowledges. */
static void irqobj_fire(unsigned intid, void *arg)
{
    struct irqobj *o = arg;
    gic->disable(intid);
    notification_signal(o->n, o->bits);
}

void irqobj_unbind(struct irqobj *o)
{
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
    if (o->bound)
        irqobj_unbind(o);
    kfree(o);
}

/* kx_irq_bind(irq, notification, bits): the interrupt signals `bits` from now on. */
long sys_kx_irq_bind(struct trap_frame *f)
{
    struct handle_table *ht = &current_process()->handles;
    struct handle *ih, *nh;
    int err = handle_get(ht, (int)f->x[0], KX_OBJ_IRQ, KX_RIGHT_WRITE, &ih);
    if (!err)
        err = handle_get(ht, (int)f->x[1], KX_OBJ_NOTIFICATION, KX_RIGHT_WRITE, &nh);
    if (err)
        return err;
    struct irqobj *o = (struct irqobj *)ih->obj;
    if (!f->x[2])
        return -EINVAL;
    if (o->bound)
        return -EBUSY;
    struct notification *n = (struct notification *)nh->obj;
    o->bits = f->x[2];
    err = irq_register(o->intid, irqobj_fire, o, o->edge);
    if (err)
        return err;
    o->n = n;
    o->n_next = n->irqs;
    n->irqs = o;
    o->bound = true;
    return 0;
}

/* kx_irq_ack(irq): the device is serviced; let the line interrupt again. */
long sys_kx_irq_ack(struct trap_frame *f)
{
    struct handle *ih;
    int err = handle_get(&current_process()->handles, (int)f->x[0], KX_OBJ_IRQ, KX_RIGHT_WRITE, &ih);
    if (err)
        return err;
    struct irqobj *o = (struct irqobj *)ih->obj;
    if (!o->bound)
        return -EINVAL;
    gic->enable(o->intid, o->edge);
    return 0;
}
