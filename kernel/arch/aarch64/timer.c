/*
 * Periodic tick on the EL1 virtual timer. The compare value advances by a
 * fixed period each tick, so ticks do not drift with interrupt latency; if
 * the kernel fell more than a period behind it resynchronizes instead of
 * firing a burst of late ticks.
 */
#include "timer.h"

#include "kenix/irq.h"
#include "kenix/memlayout.h"
#include "kenix/printk.h"
#include "kenix/spinlock.h"
#include "../../core/sched.h"
#include "../../vdso/vdso_data.h"
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
    return vdso_counter_to_ns(count, f); /* the vDSO's own formula: both clocks agree */
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

/*
 * The vDSO's data page (vdso_data.h), which every process maps read-only:
 * this file is its only writer, and the realtime offset lives here alone, so
 * the kernel's CLOCK_REALTIME and the vDSO's read the same value. A page of
 * its own (nothing else of the kernel may be seen by user space).
 */
static union {
    struct vdso_data d;
    uint8_t bytes[PAGE_SIZE];
} vdso_page __attribute__((aligned(PAGE_SIZE)));
/* Writers of the data page: the sequence goes odd, the fields change, and it
 * goes even again in one piece. A leaf lock. */
static struct spinlock vdso_data_lock = SPINLOCK_INIT("vdso_data");

const void *timer_vdso_data(void)
{
    return &vdso_page;
}

uint64_t timer_resolution_ns(void)
{
    return vdso_page.d.resolution_ns;
}

uint64_t timer_monotonic_ns(void)
{
    return timer_counter_to_ns(timer_counter());
}

uint64_t timer_realtime_ns(void)
{
    return timer_monotonic_ns() + timer_realtime_offset_ns();
}

uint64_t timer_realtime_offset_ns(void)
{
    /* One aligned 64-bit load is single-copy atomic: no sequence needed for
     * the kernel's own reads of this one field. */
    return __atomic_load_n(&vdso_page.d.realtime_offset_ns, __ATOMIC_RELAXED);
}

void timer_set_realtime(uint64_t epoch_seconds)
{
    timer_set_realtime_ns(epoch_seconds * 1000000000u);
}

void timer_set_realtime_ns(uint64_t ns)
{
    struct vdso_data *d = &vdso_page.d;
    irqflags_t flags = spin_lock_irqsave(&vdso_data_lock);
    /* Odd first and ordered before the new offset (a reader that sees the new
     * offset then sees a changed count), even after it with release order. */
    __atomic_store_n(&d->seq, d->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    /* Modulo 2^64: a time before the monotonic clock's reading still reads back right. */
    __atomic_store_n(&d->realtime_offset_ns, ns - timer_monotonic_ns(), __ATOMIC_RELAXED);
    __atomic_store_n(&d->seq, d->seq + 1, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&vdso_data_lock, flags);
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
    /* Before any program runs, so the vDSO needs no sequence for these. A
     * reading resolves one counter tick (16 ns at QEMU's 62.5 MHz). */
    vdso_page.d.resolution_ns = (VDSO_NSEC_PER_SEC + frequency - 1) / frequency;
    vdso_page.d.frequency = frequency;
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
