#include "selftest.h"

#include "kenix/cmdline.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "sched.h"
#include "thread.h"
#include "../arch/aarch64/sysreg.h"
#include "../arch/aarch64/timer.h"

#define SELFTEST_TICKS 20
#define UNMAPPED_KERNEL_ADDRESS 0xffff7ffffffff000ull /* top of the linear map: never RAM */

__attribute__((noinline)) void selftest_fault(void)
{
    volatile uint64_t *bad = (volatile uint64_t *)(uintptr_t)UNMAPPED_KERNEL_ADDRESS;
    *bad = 0x6b656e6978; /* "kenix" */
}

/* Read at run time, so the compiler cannot prove the recursion endless. */
static volatile unsigned recursion_limit = ~0u;

/* Recurses until the kernel stack runs out (at about 200 bytes a frame). */
__attribute__((noinline)) unsigned selftest_recurse(unsigned depth)
{
    volatile uint8_t frame[160];
    frame[0] = (uint8_t)depth;
    if (depth >= recursion_limit)
        return frame[0];
    return selftest_recurse(depth + 1) + frame[0];
}

static void overflow_thread(void *arg)
{
    (void)arg;
    selftest_recurse(0);
}

/* Overflows the stack of a new kernel thread (from the kernel-stack area). */
static void selftest_thread_stack_overflow(void)
{
    struct thread *t = thread_create_kernel("overflow", overflow_thread, 0, SCHED_PRIORITIES - 1);
    if (!t) {
        kprintf("selftest: no memory for the overflow thread\n");
        return;
    }
    sched_wake(t);
    schedule(); /* the thread runs and never comes back: its overflow halts the kernel */
    kprintf("selftest: the overflow thread returned\n");
}

/* Waits for timer interrupts with the CPU asleep: proves the GIC delivers them. */
static void selftest_ticks(void)
{
    uint64_t first = timer_ticks();
    uint64_t start = timer_counter();
    while (timer_ticks() - first < SELFTEST_TICKS)
        wfi();
    uint64_t us = timer_counter_to_us(timer_counter() - start);
    /* Ticks sit on a fixed grid (the compare value advances by one period), so
     * 20 ticks span at least 19 periods from the first; a late first tick,
     * delayed by the host, eats into that by less than one period (a later
     * tick resynchronizes). Fewer than 18 periods means ticks came early. */
    bool ok = us >= (SELFTEST_TICKS - 2) * (1000000 / TIMER_HZ);
    kprintf("timer: %u interrupts in %lu ms (%s)\n", SELFTEST_TICKS, us / 1000, ok ? "ok" : "TOO FAST");
}

__attribute__((noinline)) void run_selftests(void)
{
    char test[32];
    if (!cmdline_value("kenix.test", test, sizeof(test)))
        return;
    if (!strcmp(test, "ticks"))
        selftest_ticks();
    else if (!strcmp(test, "fault"))
        selftest_fault();
    else if (!strcmp(test, "boot-stack-overflow"))
        selftest_recurse(0); /* on the boot stack, in the image */
    else if (!strcmp(test, "stack-overflow"))
        selftest_thread_stack_overflow();
    else
        kprintf("selftest: unknown test \"%s\"\n", test);
}
