/*
 * Faults on purpose, one way per build (FAULT_NULL, FAULT_KERNEL, FAULT_EXEC):
 * the kernel must end the process with SIGSEGV and carry on. Reaching the
 * last line means the fault did not happen, which is the failure.
 */
#include <stdint.h>
#include <stdio.h>

/* Two named frames above main, kept apart (noinline) and kept as calls (the
 * volatile depth), so the kernel's crash report has a backtrace to name:
 * crash_here <- crash_caller <- main. */
static volatile int depth;

static __attribute__((noinline)) void crash_here(void)
{
    depth++;
#if defined(FAULT_NULL)
    *(volatile int *)0 = 1; /* unmapped user address */
#elif defined(FAULT_KERNEL)
    (void)*(volatile uint64_t *)0xffffffff80080000ull; /* the kernel image */
#elif defined(FAULT_EXEC)
    static const uint32_t code[] = { 0xd65f03c0 }; /* ret, in a non-executable page */
    ((void (*)(void))(uintptr_t)code)();
#endif
    depth++;
}

static __attribute__((noinline)) void crash_caller(void)
{
    depth++;
    crash_here();
    depth++;
}

int main(void)
{
    printf("fault: about to fault\n");
    fflush(stdout);
    crash_caller();
    printf("fault: FAIL: still running\n");
    return 1;
}
