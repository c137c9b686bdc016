/*
 * The generic interrupt controller, GICv2 or GICv3 as the device tree says.
 * One set of operations hides which one is present.
 */
#ifndef KENIX_ARCH_GIC_H
#define KENIX_ARCH_GIC_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/devtree.h"

#define GIC_SPURIOUS 1023

struct gic_ops {
    const char *name;
    void (*enable)(unsigned intid, bool edge);
    void (*disable)(unsigned intid);
    unsigned (*ack)(void);      /* INTID of the highest pending interrupt */
    void (*eoi)(unsigned intid);
};

/* Finds the GIC in the DTB, initializes it and this CPU's interface, and prints it. */
int gic_init(const struct fdt *fdt);
extern const struct gic_ops *gic;

int gicv2_init(const struct fdt *fdt, int node, const struct gic_ops **ops);
int gicv3_init(const struct fdt *fdt, int node, const struct gic_ops **ops);

/* Priority given to every interrupt; the CPU interface lets all of them through. */
#define GIC_DEFAULT_PRIORITY 0xa0
#define GIC_PMR_ALL 0xf0

#endif
