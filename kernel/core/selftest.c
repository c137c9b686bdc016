#include "selftest.h"

#include "kenix/cmdline.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "../arch/aarch64/sysreg.h"
#include "../arch/aarch64/timer.h"

#define SELFTEST_TICKS 20
#define UNMAPPED_KERNEL_ADDRESS 0xffff7ffffffff000ull /* top of the linear map: never RAM */

__attribute__((noinline)) void selftest_fault(void)
{
    volatile uint64_t *bad = (volatile uint64_t *)(uintptr_t)UNMAPPED_KERNEL_ADDRESS;
    *bad = 0x6b656e6978; /* "kenix" */
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
    else
        kprintf("selftest: unknown test \"%s\"\n", test);
}
