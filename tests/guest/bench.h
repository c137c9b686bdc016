/*
 * The output convention of the in-guest benchmarks, which the bench.*
 * scenarios parse: "bench: <what>: N ns" per figure (under -icount shift=0 a
 * nanosecond is an instruction), "bench: FAIL <what> (err)" when an operation
 * failed or gave a wrong answer; the exit status is 0 only if none did.
 */
#ifndef KENIX_GUEST_BENCH_H
#define KENIX_GUEST_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

static int errors;

static inline void fail(const char *what, long err)
{
    printf("bench: FAIL %s (%ld)\n", what, err);
    errors++;
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void report(const char *what, uint64_t total_ns, uint64_t ops)
{
    printf("bench: %s: %lu ns\n", what, (unsigned long)(total_ns / ops));
}

#endif
