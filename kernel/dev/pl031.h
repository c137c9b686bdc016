/* ARM PL031 real-time clock: read once at boot to set CLOCK_REALTIME. */
#ifndef KENIX_DEV_PL031_H
#define KENIX_DEV_PL031_H

#include "kenix/devtree.h"

void pl031_init(const struct fdt *fdt);

#endif
