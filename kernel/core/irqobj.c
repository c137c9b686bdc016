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
    struct notification *n; /* holds a reference while bound */
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

static void unbind(struct irqobj *o)
{
    irq_unregister(o->intid);
    kobject_put(&o->n->obj);
    o->n = 0;
    o->bound = false;
}

/* A binding whose notification nobody else holds any more (its driver has
 * exited) can never be waited on: the interrupt is free to bind again. */
static bool binding_dead(const struct irqobj *o)
{
    return o->bound && o->n->obj.refs == 1;
}

void irqobj_destroy(struct kobject *obj)
{
    struct irqobj *o = (struct irqobj *)obj;
    if (o->bound)
        unbind(o);
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
    if (binding_dead(o))
        unbind(o);
    if (o->bound)
        return -EBUSY;
    o->n = (struct notification *)kobject_get(nh->obj);
    o->bits = f->x[2];
    err = irq_register(o->intid, irqobj_fire, o, o->edge);
    if (err) {
        kobject_put(&o->n->obj);
        o->n = 0;
        return err;
    }
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
    if (!o->bound || binding_dead(o))
        return -EINVAL;
    gic->enable(o->intid, o->edge);
    return 0;
}
