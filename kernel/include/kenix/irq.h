/* Interrupt routing from the GIC to kernel handlers. */
#ifndef KENIX_IRQ_H
#define KENIX_IRQ_H

#include <stdint.h>

#include <stdbool.h>

struct trap_frame;

#define IRQ_MAX 1020 /* INTIDs 1020-1023 are special (spurious) */

typedef void (*irq_handler_fn)(unsigned intid, void *arg);

/* Installs the handler and unmasks the interrupt at the GIC. */
int irq_register(unsigned intid, irq_handler_fn fn, void *arg, bool edge);
/* Masks the interrupt and forgets its handler. */
void irq_unregister(unsigned intid);
/* Called from the IRQ vector: acknowledges, dispatches, completes. */
void irq_handle(struct trap_frame *frame);
unsigned long irq_count(unsigned intid);
/* Every interrupt taken since boot. */
uint64_t irq_count_all(void);

#endif
