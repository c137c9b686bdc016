/*
 * IRQ objects: an interrupt line handed to a user-space driver. Bound to a
 * notification, the interrupt masks its line and signals the bits; the driver
 * services the device and calls kx_irq_ack, which unmasks the line.
 */
#ifndef KENIX_CORE_IRQOBJ_H
#define KENIX_CORE_IRQOBJ_H

#include <stdbool.h>

#include "kobject.h"

struct irqobj *irqobj_create(unsigned intid, bool edge);
struct kobject *irqobj_kobject(struct irqobj *o);
/* Ends a binding (its notification is going away, or the IRQ object is). */
void irqobj_unbind(struct irqobj *o);

#endif
