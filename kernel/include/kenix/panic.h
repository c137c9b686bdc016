#ifndef KENIX_PANIC_H
#define KENIX_PANIC_H

#include <stdint.h>

/* Reports a fatal kernel error with a backtrace of the caller, then stops. */
void __attribute__((noreturn, format(printf, 1, 2))) panic(const char *fmt, ...);
/* Ends a panic report: "PANIC: system halted", then power off or halt. */
void __attribute__((noreturn)) panic_stop(void);

/*
 * Kernel self-checks: on in the default build (KENIX_DEBUG, CMake option
 * KENIX_KERNEL_ASSERTS), compiled out otherwise. For invariants whose breach
 * would corrupt state silently; a user's bad input is an error code, never
 * an assertion.
 */
#ifdef KENIX_DEBUG
#define KASSERT(cond, ...)          \
    do {                            \
        if (__builtin_expect(!(cond), 0)) \
            panic(__VA_ARGS__);     \
    } while (0)
#else
#define KASSERT(cond, ...) ((void)0)
#endif

/* Marks the start of a panic report (interrupts off); returns non-zero if one is already running. */
int panic_enter(void);

/* Prints "  #N 0x... symbol+0xoff" lines for pc and the frame-pointer chain from fp. */
void backtrace_print(uint64_t pc, uint64_t fp);

/* Kernel symbol lookup (the table is generated at link time, see scripts/gen_ksyms.py). */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
/* Prints "name+0xoff" for addr, or "?" when it is not inside a kernel function. */
void ksym_print(uint64_t addr);

#endif
