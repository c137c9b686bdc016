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
uint64_t timer_counter_to_ns(uint64_t count);
/* ns in counter ticks, rounded up (a wait never ends early), UINT64_MAX
 * where it would overflow. */
uint64_t timer_ns_to_counter(uint64_t ns);
/* The counter value ns nanoseconds from now, for a wait's deadline
 * (UINT64_MAX, "never", where it would overflow). */
uint64_t timer_deadline_after_ns(uint64_t ns);
/* CLOCK_MONOTONIC: time since the counter started (reset). */
uint64_t timer_monotonic_ns(void);
/* CLOCK_REALTIME: the RTC's time at boot (or what clock_settime last set)
 * plus the monotonic time since. */
uint64_t timer_realtime_ns(void);
void timer_set_realtime(uint64_t epoch_seconds);
void timer_set_realtime_ns(uint64_t ns); /* clock_settime, settimeofday */
/* CLOCK_REALTIME minus CLOCK_MONOTONIC, ns, modulo 2^64: set at boot and by
 * clock_settime (an absolute CLOCK_REALTIME timer converts to monotonic time
 * with it when armed). */
uint64_t timer_realtime_offset_ns(void);
/* The vDSO's data page (kernel address; vdso/vdso_data.h), kept by this file. */
const void *timer_vdso_data(void);
/* What clock_getres reports: one counter tick in ns, rounded up. */
uint64_t timer_resolution_ns(void);

#endif
