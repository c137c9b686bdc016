/*
 * The vDSO's data page ("vvar"): what user space needs to read the clocks
 * without a system call, and the one conversion from counter ticks to
 * nanoseconds that the kernel's clocks and the vDSO both use.
 *
 * Included by the kernel (arch/aarch64/timer.c, the only writer) and by the
 * vDSO itself (vdso.c, built as user code): plain C, no kernel headers.
 *
 * Who writes it: timer.c alone, through the kernel's own mapping of the page
 * -- `frequency` and `resolution_ns` once in timer_init, before any user
 * program exists, and `realtime_offset_ns` whenever CLOCK_REALTIME is set
 * (the RTC at boot, clock_settime, settimeofday). Every process maps the same
 * frame read-only (posix/vdso.c), so a change is seen by all at once.
 *
 * What keeps a reader consistent: `seq`, a sequence count. The writer makes it
 * odd, stores, and makes it even again, with release ordering around the
 * stores; a reader that saw an odd count, or a different count after reading,
 * reads again. On one CPU the kernel's update can never be interleaved with a
 * user read (the kernel is not preemptible and user code cannot run in the
 * middle of it), but a reader can be preempted between its two looks at seq
 * and the update happen in between: the retry covers that, and covers SMP.
 */
#ifndef KENIX_VDSO_DATA_H
#define KENIX_VDSO_DATA_H

#include <stdint.h>

#define VDSO_NSEC_PER_SEC 1000000000ull

struct vdso_data {
    uint32_t seq;                /* odd while the kernel rewrites the fields below */
    uint32_t reserved;
    uint64_t frequency;          /* CNTFRQ in Hz; 0: the counter is not set up, use the system call */
    uint64_t realtime_offset_ns; /* CLOCK_REALTIME minus CLOCK_MONOTONIC, modulo 2^64 */
    uint64_t resolution_ns;      /* what clock_getres reports: one counter tick, rounded up */
};

/*
 * Counter ticks to nanoseconds since the counter started. Split into whole
 * seconds and the rest so that count * 10^9 cannot overflow (it would after a
 * few minutes at 62.5 MHz); the rest times 10^9 stays below f * 10^9, which
 * fits for any frequency under 18 GHz. The kernel's clocks (timer.c) and the
 * vDSO compute with this same function, so a vDSO reading and a system call
 * reading never disagree by a rounding, and interleaved they never go back.
 */
static inline uint64_t vdso_counter_to_ns(uint64_t count, uint64_t frequency)
{
    return (count / frequency) * VDSO_NSEC_PER_SEC + (count % frequency) * VDSO_NSEC_PER_SEC / frequency;
}

/* The same reading as whole seconds and nanoseconds, without going through
 * one ns figure: the second term above is below 10^9, so these are exactly
 * that figure's quotient and remainder by 10^9 (for 584 years of uptime,
 * after which the sum above wraps). Three instructions fewer for the vDSO's
 * CLOCK_MONOTONIC. */
static inline void vdso_counter_split(uint64_t count, uint64_t frequency, uint64_t *sec, uint64_t *nsec)
{
    *sec = count / frequency;
    *nsec = (count % frequency) * VDSO_NSEC_PER_SEC / frequency;
}

#endif
