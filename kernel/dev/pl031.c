#include "pl031.h"

#include "kenix/printk.h"
#include "../arch/aarch64/mmu.h"
#include "../arch/aarch64/timer.h"

#define RTC_DR 0x000 /* seconds since the epoch */

void pl031_init(const struct fdt *fdt)
{
    int node = fdt_find_compatible(fdt, -1, "arm,pl031");
    uint64_t pa, size;
    if (node < 0 || !fdt_node_is_enabled(fdt, node) || fdt_read_reg(fdt, node, 0, &pa, &size)) {
        kprintf("rtc: none; CLOCK_REALTIME starts at the epoch\n");
        return;
    }
    volatile uint32_t *rtc = mmio_map(pa, 0x1000);
    if (!rtc)
        return;
    uint32_t seconds = rtc[RTC_DR / 4];
    timer_set_realtime(seconds);
    kprintf("rtc: pl031 at 0x%lx, %u seconds since the epoch\n", pa, seconds);
}
