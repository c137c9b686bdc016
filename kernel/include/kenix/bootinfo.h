/*
 * What the kernel learned at boot, filled in by early_boot() (before the MMU
 * is on) and read by everything after. Addresses are physical.
 */
#ifndef KENIX_BOOTINFO_H
#define KENIX_BOOTINFO_H

#include <stdint.h>

#define BOOT_MAX_MEM 8

struct mem_range {
    uint64_t base;
    uint64_t size;
};

struct boot_info {
    uint64_t dtb_pa;
    uint32_t dtb_size;
    unsigned entered_el;
    uint64_t entry_counter;   /* CNTVCT at the first kernel instruction */
    uint64_t kimage_pa;       /* physical address of _text */
    uint64_t kimage_size;     /* _end - _text, including .bss */
    struct mem_range mem[BOOT_MAX_MEM];
    unsigned nmem;
    uint64_t initrd_start;    /* 0 when there is no initrd */
    uint64_t initrd_end;
    uint64_t uart_pa;
};

extern struct boot_info boot_info;

/* Linker-script symbols bounding the kernel image sections. */
extern char _text[], _etext[], _erodata[], _end[], boot_stack_guard[];
extern char boot_stack_bottom[], boot_stack_top[];

#endif
