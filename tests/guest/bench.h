/*
 * The output convention of the in-guest benchmarks, which the bench.*
 * scenarios parse: "bench: <what>: N ns" per figure (under -icount shift=0 a
 * nanosecond is an instruction), "bench: FAIL <what> (err)" when an operation
 * failed or gave a wrong answer; the exit status is 0 only if none did.
 * The same binaries also run on Linux (tools/linux_baseline.py boots Debian's
 * kernel with them in the same QEMU machine): a figure that needs Kenix's
 * native calls is measured only when on_kenix() says so, and otherwise
 * "bench: skip <what>" is printed in its place.
 */
#ifndef KENIX_GUEST_BENCH_H
#define KENIX_GUEST_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

static int errors;

static inline void fail(const char *what, long err)
{
    printf("bench: FAIL %s (%ld)\n", what, err);
    errors++;
}

/* Decided at run time, not at build time: it is one binary for both kernels. */
static inline int on_kenix(void)
{
    struct utsname u;
    return uname(&u) == 0 && !strcmp(u.sysname, "Kenix");
}

static inline void skip_figure(const char *what)
{
    printf("bench: skip %s (not on Kenix)\n", what);
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
