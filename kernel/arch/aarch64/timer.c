/*
 * Periodic tick on the EL1 virtual timer. The compare value advances by a
 * fixed period each tick, so ticks do not drift with interrupt latency; if
 * the kernel fell more than a period behind it resynchronizes instead of
 * firing a burst of late ticks.
 */
#include "timer.h"

#include "kenix/irq.h"
#include "kenix/printk.h"
#include "../../core/sched.h"
#include "sysreg.h"

#define CNTV_CTL_ENABLE (1u << 0)
#define CNTKCTL_EL0VCTEN (1u << 1) /* EL0 reads CNTVCT_EL0 and CNTFRQ_EL0 */
#define TIMER_VIRT_INDEX 2 /* the binding lists secure phys, phys, virt, hyp */

static uint64_t frequency;
static uint64_t period;
static volatile uint64_t ticks;

uint64_t timer_counter(void)
{
    isb(); /* keep the read from being speculated ahead of earlier code */
    return read_sysreg(cntvct_el0);
}

uint64_t timer_counter_to_us(uint64_t count)
{
    /* Usable before timer_init: the counter runs from reset. */
    uint64_t f = frequency ? frequency : read_sysreg(cntfrq_el0);
    if (!f)
        return 0;
    /* Split to avoid overflowing count * 10^6 after a few days of uptime. */
    return (count / f) * 1000000 + (count % f) * 1000000 / f;
}

uint64_t timer_counter_to_ns(uint64_t count)
{
    uint64_t f = frequency ? frequency : read_sysreg(cntfrq_el0);
    if (!f)
        return 0;
    return (count / f) * 1000000000u + (count % f) * 1000000000u / f;
}

uint64_t timer_ns_to_counter(uint64_t ns)
{
    uint64_t f = timer_frequency(), sec = ns / 1000000000u, rest = ns % 1000000000u;
    if (f && sec > (UINT64_MAX - f) / f)
        return UINT64_MAX;
    return sec * f + (rest * f + 1000000000u - 1) / 1000000000u;
}

uint64_t timer_deadline_after_ns(uint64_t ns)
{
    uint64_t ticks = timer_ns_to_counter(ns), now = timer_counter();
    return ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
}

static uint64_t realtime_offset_ns; /* realtime minus monotonic */

uint64_t timer_monotonic_ns(void)
{
    return timer_counter_to_ns(timer_counter());
}

uint64_t timer_realtime_ns(void)
{
    return timer_monotonic_ns() + realtime_offset_ns;
}

uint64_t timer_realtime_offset_ns(void)
{
    return realtime_offset_ns;
}

void timer_set_realtime(uint64_t epoch_seconds)
{
    timer_set_realtime_ns(epoch_seconds * 1000000000u);
}

void timer_set_realtime_ns(uint64_t ns)
{
    /* Modulo 2^64: a time before the monotonic clock's reading still reads back right. */
    realtime_offset_ns = ns - timer_monotonic_ns();
}

uint64_t timer_frequency(void)
{
    return frequency;
}

uint64_t timer_ticks(void)
{
    return ticks;
}

static void timer_tick(unsigned intid, void *arg)
{
    (void)intid;
    (void)arg;
    ticks++;
    sched_tick();
    uint64_t next = read_sysreg(cntv_cval_el0) + period;
    uint64_t now = timer_counter();
    if (next <= now)
        next = now + period;
    write_sysreg(cntv_cval_el0, next);
}

int timer_init(const struct fdt *fdt)
{
    int node = fdt_find_compatible(fdt, -1, "arm,armv8-timer");
    if (node < 0) {
        kprintf(KERN_ERR "timer: no arm,armv8-timer in the device tree\n");
        return -1;
    }
    int intid = dt_irq(fdt, node, TIMER_VIRT_INDEX);
    frequency = read_sysreg(cntfrq_el0);
    if (!frequency)
        frequency = fdt_prop_u32(fdt, node, "clock-frequency", 0, 0);
    if (intid < 0 || frequency < 1000000) {
        kprintf(KERN_ERR "timer: unusable (irq %d, %lu Hz)\n", intid, frequency);
        return -1;
    }
    period = frequency / TIMER_HZ;
    write_sysreg(cntv_ctl_el0, 0);
    write_sysreg(cntv_cval_el0, timer_counter() + period);
    if (irq_register((unsigned)intid, timer_tick, 0, false) != 0)
        return -1;
    write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
    /* User mode may read the virtual counter and its frequency, as on Linux
     * (cheap time stamps without a system call); the physical one stays ours. */
    write_sysreg(cntkctl_el1, CNTKCTL_EL0VCTEN);
    isb();
    kprintf("timer: virtual timer irq %d, %lu Hz, tick %u ms\n", intid, frequency, 1000 / TIMER_HZ);
    return 0;
}
