#include "kenix/irq.h"

#include "kenix/errno.h"
#include "kenix/printk.h"
#include "../arch/aarch64/gic.h"
#include "thread.h"
#include "process.h"
#include "trace.h"

struct irq_slot {
    irq_handler_fn fn;
    void *arg;
    unsigned long count;
};

static struct irq_slot slots[IRQ_MAX];

int irq_register(unsigned intid, irq_handler_fn fn, void *arg, bool edge)
{
    if (intid >= IRQ_MAX || !fn || !gic)
        return -EINVAL;
    if (slots[intid].fn)
        return -EBUSY;
    slots[intid].fn = fn;
    slots[intid].arg = arg;
    gic->enable(intid, edge);
    return 0;
}

void irq_unregister(unsigned intid)
{
    if (intid >= IRQ_MAX || !slots[intid].fn)
        return;
    gic->disable(intid);
    slots[intid].fn = 0;
    slots[intid].arg = 0;
}

static uint64_t irq_total; /* interrupts taken since boot (/proc/stat's "intr") */

void irq_handle(struct trap_frame *frame)
{
    (void)frame;
    unsigned intid = gic->ack();
    if (intid >= IRQ_MAX)
        return; /* spurious: nothing to complete */
    struct irq_slot *s = &slots[intid];
    s->count++;
    irq_total++;
    bool traced = trace_enabled();
    if (__builtin_expect(traced, 0)) {
        const struct process *p = current_thread()->proc;
        trace_emit(KX_TRACE_IRQ, p ? p->pid : 0, intid, 0);
    }
    if (s->fn) {
        s->fn(intid, s->arg);
    } else {
        /* Nobody asked for it: mask it so it cannot storm. */
        kprintf(KERN_WARNING "irq: unexpected interrupt %u, masking it\n", intid);
        gic->disable(intid);
    }
    gic->eoi(intid);
    if (__builtin_expect(traced, 0))
        trace_emit(KX_TRACE_IRQ_END, 0, intid, 0);
}

uint64_t irq_count_all(void)
{
    return irq_total;
}

unsigned long irq_count(unsigned intid)
{
    return intid < IRQ_MAX ? slots[intid].count : 0;
}
