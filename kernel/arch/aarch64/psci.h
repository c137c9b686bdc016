/* PSCI firmware calls (power off, reset), through the conduit the DTB names. */
#ifndef KENIX_ARCH_PSCI_H
#define KENIX_ARCH_PSCI_H

#include "kenix/devtree.h"

/* Reads /psci; prints "psci: <version> via hvc|smc". */
void psci_init(const struct fdt *fdt);
/* Powers the machine off; returns only if PSCI is unavailable or refuses. */
void psci_system_off(void);
/* Resets the machine likewise. */
void psci_system_reset(void);

#endif
