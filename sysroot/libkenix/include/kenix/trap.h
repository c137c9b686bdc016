/*
 * Raw system call traps for Kenix user space.
 *
 * A Kenix system call is `svc #0` with the call number in x8, up to six
 * arguments in x0..x5 and the result in x0 -- the same convention as Linux
 * AArch64, so these wrappers serve both the Linux-ABI calls (numbers below
 * 1024) and the Kenix-native ones (from KENIX_SYS_BASE in <kenix/syscall.h>).
 * They pass raw values and return the raw result; a negative result in
 * [-4095, -1] is an error number, and translating it into errno is the C
 * library's business, not this header's.
 *
 * The inline forms let the compiler keep arguments in registers; kenix_trap()
 * is the out-of-line form for callers that choose the number at run time.
 */
#ifndef KENIX_TRAP_H
#define KENIX_TRAP_H

#include <kenix/syscall.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel may read or write any memory the arguments point to: hence the
 * "memory" clobber. It preserves every register except x0. */
#define KENIX__TRAP(...)                                                        \
    __asm__ volatile("svc #0" : "+r"(x0) : __VA_ARGS__ : "memory")

static inline long kenix_trap0(long nr)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0");
    KENIX__TRAP("r"(x8));
    return x0;
}

static inline long kenix_trap1(long nr, long a0)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a0;
    KENIX__TRAP("r"(x8));
    return x0;
}

static inline long kenix_trap2(long nr, long a0, long a1)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    KENIX__TRAP("r"(x8), "r"(x1));
    return x0;
}

static inline long kenix_trap3(long nr, long a0, long a1, long a2)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    KENIX__TRAP("r"(x8), "r"(x1), "r"(x2));
    return x0;
}

static inline long kenix_trap4(long nr, long a0, long a1, long a2, long a3)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    register long x3 __asm__("x3") = a3;
    KENIX__TRAP("r"(x8), "r"(x1), "r"(x2), "r"(x3));
    return x0;
}

static inline long kenix_trap5(long nr, long a0, long a1, long a2, long a3,
                               long a4)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    register long x3 __asm__("x3") = a3;
    register long x4 __asm__("x4") = a4;
    KENIX__TRAP("r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4));
    return x0;
}

static inline long kenix_trap6(long nr, long a0, long a1, long a2, long a3,
                               long a4, long a5)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    register long x3 __asm__("x3") = a3;
    register long x4 __asm__("x4") = a4;
    register long x5 __asm__("x5") = a5;
    KENIX__TRAP("r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5));
    return x0;
}

long kenix_trap(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

#ifdef __cplusplus
}
#endif

#endif
