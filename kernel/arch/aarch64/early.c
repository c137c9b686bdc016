/*
 * The first C code: runs with the MMU off, at the physical load address.
 * It reads what it must from the device tree (RAM, console, initrd) and
 * builds the boot page tables; boot.S then turns the MMU on.
 *
 * Rules for everything called from here: only PC-relative addressing (no
 * static tables of pointers: their contents are link-time VAs) and no
 * unaligned accesses (memory is Device memory while the MMU is off).
 */
#include "kenix/bootinfo.h"
#include "kenix/devtree.h"
#include "kenix/printk.h"
#include "mmu.h"
#include "sysreg.h"
#include "../../core/klog.h"
#include "../../dev/pl011.h"

#define EARLY_UART_FALLBACK_PA 0x09000000 /* QEMU virt's PL011, only if the DTB names none */

struct boot_info boot_info;

static void __attribute__((noreturn)) early_halt(const char *why, int err)
{
    klog_panic(); /* nothing reaches the console before the command line is read: now all of it */
    kprintf("kenix: cannot boot: %s (%d)\n", why, err);
    for (;;)
        wfi();
}

static void collect_memory(const struct fdt *fdt)
{
    for (int node = fdt_find_device_type(fdt, -1, "memory"); node >= 0;
         node = fdt_find_device_type(fdt, node, "memory")) {
        if (!fdt_node_is_enabled(fdt, node))
            continue;
        uint64_t base, size;
        for (uint32_t i = 0; fdt_read_reg(fdt, node, i, &base, &size) == 0; i++) {
            /* Only whole pages are usable. */
            uint64_t start = (base + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
            uint64_t end = (base + size) & ~(uint64_t)(PAGE_SIZE - 1);
            if (end <= start || boot_info.nmem == BOOT_MAX_MEM)
                continue;
            boot_info.mem[boot_info.nmem].base = start;
            boot_info.mem[boot_info.nmem].size = end - start;
            boot_info.nmem++;
        }
    }
}

uint64_t early_boot(uint64_t dtb_pa, uint64_t entered_el, uint64_t entry_counter)
{
    boot_info.entered_el = (unsigned)entered_el;
    boot_info.entry_counter = entry_counter;
    boot_info.dtb_pa = dtb_pa;

    struct fdt fdt;
    int err = dtb_pa ? fdt_init(&fdt, (const void *)(uintptr_t)dtb_pa, FDT_MAX_SIZE) : FDT_ERR_NOTFOUND;
    if (err) {
        pl011_init(EARLY_UART_FALLBACK_PA);
        kprintf("kenix: no valid device tree at 0x%lx: %s\n", dtb_pa, fdt_strerror(err));
        early_halt("device tree", err);
    }
    boot_info.dtb_size = fdt.totalsize;

    uint64_t uart = EARLY_UART_FALLBACK_PA, size;
    int node = dt_stdout_node(&fdt);
    if (node >= 0 && fdt_read_reg(&fdt, node, 0, &uart, &size) != 0)
        uart = EARLY_UART_FALLBACK_PA;
    boot_info.uart_pa = uart;
    pl011_init(uart);

    collect_memory(&fdt);
    if (boot_info.nmem == 0)
        early_halt("the device tree describes no memory", 0);

    int chosen = fdt_path_offset(&fdt, "/chosen");
    if (chosen >= 0) {
        /* QEMU writes these as one or two cells depending on the address. */
        if (fdt_prop_number(&fdt, chosen, "linux,initrd-start", &boot_info.initrd_start) ||
            fdt_prop_number(&fdt, chosen, "linux,initrd-end", &boot_info.initrd_end) ||
            boot_info.initrd_end <= boot_info.initrd_start)
            boot_info.initrd_start = boot_info.initrd_end = 0;
    }

    boot_info.kimage_pa = (uint64_t)(uintptr_t)_text; /* PC-relative: the PA */
    boot_info.kimage_size = (uint64_t)(_end - _text);
    kimage_voffset = KIMAGE_VBASE + KIMAGE_TEXT_OFFSET - boot_info.kimage_pa;
    if (boot_info.kimage_pa & (PAGE_SIZE - 1))
        early_halt("kernel not loaded at a page boundary", 0);

    mmu_build_boot_tables();
    return kimage_voffset;
}
