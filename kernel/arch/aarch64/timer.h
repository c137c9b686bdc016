/* The Arm generic timer: the scheduler tick and the kernel's clock. */
#ifndef KENIX_ARCH_TIMER_H
#define KENIX_ARCH_TIMER_H

#include <stdint.h>

#include "kenix/devtree.h"

#define TIMER_HZ 100

/* Finds the timer in the DTB, starts the periodic tick and prints it. */
int timer_init(const struct fdt *fdt);
uint64_t timer_ticks(void);
uint64_t timer_frequency(void);
/* Counter value and conversions (the virtual counter; CNTVOFF is 0). */
uint64_t timer_counter(void);
uint64_t timer_counter_to_us(uint64_t count);

#endif
