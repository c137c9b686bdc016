/*
 * Kernel symbol table lookup. The table is generated from the first link of
 * the kernel and linked into the second (see kernel/CMakeLists.txt): sorted
 * function start addresses with their names.
 */
#include "kenix/bootinfo.h"
#include "kenix/panic.h"
#include "kenix/printk.h"

extern const uint64_t ksyms_num;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    if (ksyms_num == 0 || addr < ksyms_addr[0] || addr >= (uint64_t)(uintptr_t)_etext)
        return 0;
    uint64_t lo = 0, hi = ksyms_num; /* find the last start <= addr */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksyms_addr[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (offset)
        *offset = addr - ksyms_addr[lo];
    return ksyms_names + ksyms_name_off[lo];
}

void ksym_print(uint64_t addr)
{
    uint64_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        kprintf("%s+0x%lx", name, off);
    else
        kprintf("?");
}
