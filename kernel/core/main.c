/*
 * kmain: the kernel's first code on the high-half mapping. Brings up the
 * console, reports what the device tree describes, starts the frame
 * allocator, heap, interrupt controller and timer, then idles.
 */
#include "kenix/bootinfo.h"
#include "kenix/cmdline.h"
#include "kenix/devtree.h"
#include "kenix/memlayout.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "kenix/version.h"
#include "boot.h"
#include "init.h"
#include "klog.h"
#include "random.h"
#include "selftest.h"
#include "sched.h"
#include "thread.h"
#include "../arch/aarch64/gic.h"
#include "../arch/aarch64/mmu.h"
#include "../arch/aarch64/psci.h"
#include "../arch/aarch64/sysreg.h"
#include "../arch/aarch64/timer.h"
#include "../dev/pl011.h"
#include "../dev/pl031.h"
#include "../posix/vdso.h"
#include "../dev/virtio_mmio.h"
#include "../mm/frames.h"
#include "../mm/heap.h"
#include "../mm/kstack.h"

static void report_machine(void)
{
    /* Kernel entry to banner; under -icount shift=0 this counts guest instructions (1 us = 1000). */
    uint64_t banner_us = timer_counter_to_us(timer_counter() - boot_info.entry_counter);
    kprintf("Kenix %s (aarch64)\n", KENIX_VERSION_STRING);
    kprintf("boot: entered at EL%u, running at EL%lu, banner %lu us after kernel entry\n", boot_info.entered_el,
            (read_sysreg(CurrentEL) >> 2) & 3, banner_us);
    int root = fdt_root(&boot_fdt);
    const char *model = fdt_prop_string(&boot_fdt, root, "model");
    kprintf("dtb: 0x%lx (%u bytes) model \"%s\"\n", boot_info.dtb_pa, boot_info.dtb_size, model ? model : "?");
    kprintf("cmdline: \"%s\"\n", cmdline_get());
    uint64_t total = 0;
    for (unsigned i = 0; i < boot_info.nmem; i++) {
        const struct mem_range *m = &boot_info.mem[i];
        kprintf("memory: 0x%lx-0x%lx (%lu MiB)\n", m->base, m->base + m->size, m->size >> 20);
        total += m->size;
    }
    kprintf("memory: total %lu MiB\n", total >> 20);
}

static void report_initrd_and_uart(void)
{
    if (boot_info.initrd_start)
        kprintf("initrd: 0x%lx-0x%lx (%lu KiB)\n", boot_info.initrd_start, boot_info.initrd_end,
                (boot_info.initrd_end - boot_info.initrd_start) / 1024);
    else
        kprintf("initrd: none\n");
    int uart = dt_stdout_node(&boot_fdt);
    kprintf("uart: pl011 at 0x%lx irq %d\n", boot_info.uart_pa, uart >= 0 ? dt_irq(&boot_fdt, uart, 0) : -1);
}

void boot_announce_done(void)
{
    char nonce[80], marker[100];
    if (cmdline_value("kenix.nonce", nonce, sizeof(nonce))) {
        ksnprintf(marker, sizeof(marker), "KENIX-BOOT-OK nonce=%s", nonce);
        klog_announce(marker); /* the harness waits for it, whatever the console level */
    }
}

void boot_finish(void)
{
    boot_announce_done();
    if (cmdline_has("kenix.poweroff") || cmdline_has_value("kenix.test", "ticks")) {
        kprintf("boot: powering off\n");
        psci_system_off();
    }
}

void boot_init_exited(int status)
{
    kprintf("init: exited (status 0x%x)\n", status);
    boot_finish();
}

/*
 * QEMU hands over its whole device-tree buffer, 1 MiB of which the tree uses
 * a few KiB, placed after the initrd in the middle of RAM: a sixteenth of a
 * 16 MiB machine. Once the boot has read what it needs, the kernel keeps only
 * the bytes the tree uses (a heap copy: init's start still looks up the
 * console's node) and gives the blob's pages to the frame allocator. A
 * firmware's /memreserve/ ranges stay reserved: they are reservations of
 * their own. Without memory for the copy the blob simply stays.
 */
static void keep_devtree(void)
{
    const struct fdt *f = &boot_fdt;
    uint64_t used = f->off_rsvmap + ((uint64_t)f->num_rsv + 1) * 16;
    if (f->off_struct + f->size_struct > used)
        used = f->off_struct + f->size_struct;
    if ((uint64_t)f->off_strings + f->size_strings > used)
        used = (uint64_t)f->off_strings + f->size_strings;
    if (used >= f->totalsize || f->totalsize - used < PAGE_SIZE)
        return; /* nothing worth a page to give back */
    uint8_t *copy = kmalloc(used);
    if (!copy)
        return;
    memcpy(copy, f->blob, used);
    /* totalsize (offset 4, big-endian) shrinks to what was copied. */
    for (int i = 0; i < 4; i++)
        copy[4 + i] = (uint8_t)(used >> (24 - 8 * i));
    struct fdt moved;
    if (fdt_init(&moved, copy, used) != 0) {
        kfree(copy);
        return;
    }
    boot_fdt = moved;
    uint64_t pages = frames_give_back(boot_info.dtb_pa, boot_info.dtb_size);
    kprintf("dtb: %lu bytes kept, %lu KiB given back\n", used, pages * (PAGE_SIZE / 1024));
    boot_info.dtb_size = (uint32_t)used;
}

void kmain(uint64_t dtb_pa)
{
    mmu_finish_boot();
    thread_init_boot(); /* this thread becomes the idle thread */
    /* Validated once already before the MMU was on; this is the same blob through the linear map. */
    if (fdt_init(&boot_fdt, phys_to_virt(dtb_pa), boot_info.dtb_size) != 0)
        for (;;)
            wfi();
    pl011_init((uintptr_t)mmio_map(boot_info.uart_pa, 0x1000));
    int chosen = fdt_path_offset(&boot_fdt, "/chosen");
    cmdline_init(chosen >= 0 ? fdt_prop_string(&boot_fdt, chosen, "bootargs") : 0);
    klog_configure(); /* the console level from the command line; what came before is replayed */

    report_machine();
    frames_init();
    report_initrd_and_uart();
    if (gic_init(&boot_fdt) != 0)
        panic("no usable interrupt controller");
    if (timer_init(&boot_fdt) != 0)
        panic("no usable timer");
    pl031_init(&boot_fdt);
    psci_init(&boot_fdt);
    random_init(&boot_fdt);
    vdso_init();
    virtio_mmio_probe(&boot_fdt);
    keep_devtree();
    heap_selftest();
    kstack_selftest();
    /* User code may use FP/SIMD; the kernel never does (-mgeneral-regs-only). */
    write_sysreg(cpacr_el1, 3u << 20);
    isb();
    irq_enable();
    kprintf("boot: done in %lu us\n", timer_counter_to_us(timer_counter() - boot_info.entry_counter));

    run_selftests();
    if (!start_init())
        boot_finish();
    sched_idle();
}
