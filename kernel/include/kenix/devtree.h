/*
 * Device-tree queries the kernel needs, on top of the generic parser in
 * lib/fdt.c. All of it is safe to call before the MMU is on.
 */
#ifndef KENIX_DEVTREE_H
#define KENIX_DEVTREE_H

#include <stdbool.h>
#include <stdint.h>

#include "../../lib/fdt.h"

#define FDT_MAX_SIZE (2u << 20) /* the arm64 boot protocol caps the DTB at 2 MiB */

/* The device tree the kernel booted with (linear-map copy of boot_info.dtb_pa). */
extern struct fdt boot_fdt;

/* Node of the console UART: /chosen stdout-path (path or alias), else the
 * first enabled "arm,pl011". FDT_ERR_NOTFOUND if neither exists. */
int dt_stdout_node(const struct fdt *fdt);
/* Interrupt `index` of a node as a GIC INTID (SPI n -> 32+n, PPI n -> 16+n), or -1. */
int dt_irq(const struct fdt *fdt, int node, unsigned index);
/* Whether that interrupt is edge-triggered (else level). */
bool dt_irq_is_edge(const struct fdt *fdt, int node, unsigned index);

#endif
