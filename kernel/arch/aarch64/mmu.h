/*
 * Stage 1 translation tables (4 KiB granule, 4 levels, 48-bit VA) and the
 * kernel's address translation helpers.
 */
#ifndef KENIX_ARCH_MMU_H
#define KENIX_ARCH_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/memlayout.h"
#include "sysreg.h"

typedef uint64_t pte_t;

#define PTE_VALID (1ull << 0)
#define PTE_TABLE (1ull << 1)        /* table (levels 0-2) or page (level 3) */
#define PTE_ATTR(idx) ((uint64_t)(idx) << 2)
#define PTE_AP_RW_EL1 (0ull << 6)
#define PTE_AP_RW_ALL (1ull << 6)
#define PTE_AP_RO_EL1 (2ull << 6)
#define PTE_AP_RO_ALL (3ull << 6)
#define PTE_SH_INNER (3ull << 8)
#define PTE_AF (1ull << 10)
#define PTE_NG (1ull << 11)
#define PTE_PXN (1ull << 53)
#define PTE_UXN (1ull << 54)
#define PTE_ADDR_MASK 0x0000fffffffff000ull

#define PROT_KERNEL_RX (PTE_AF | PTE_SH_INNER | PTE_ATTR(MT_NORMAL) | PTE_AP_RO_EL1 | PTE_UXN)
#define PROT_KERNEL_RO (PTE_AF | PTE_SH_INNER | PTE_ATTR(MT_NORMAL) | PTE_AP_RO_EL1 | PTE_UXN | PTE_PXN)
#define PROT_KERNEL_RW (PTE_AF | PTE_SH_INNER | PTE_ATTR(MT_NORMAL) | PTE_AP_RW_EL1 | PTE_UXN | PTE_PXN)
#define PROT_DEVICE (PTE_AF | PTE_ATTR(MT_DEVICE_nGnRE) | PTE_AP_RW_EL1 | PTE_UXN | PTE_PXN)

/* Kernel image VA minus its PA; set by early_boot. */
extern uint64_t kimage_voffset;

/* Values boot.S loads into the MMU registers; set by early_boot. */
extern uint64_t boot_mair, boot_tcr, boot_ttbr0, boot_ttbr1;

/*
 * Maps [va, va + size) to [pa, pa + size) in the table rooted at root_pa with
 * the given leaf attributes, using 1 GiB and 2 MiB blocks where `blocks` is
 * set and alignment allows. Refuses (-EEXIST) to replace existing mappings.
 */
int pt_map(uint64_t root_pa, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot, bool blocks);
/* A zeroed page for a translation table; returns its PA, 0 when exhausted. */
uint64_t pt_alloc_table(void);
void pt_free_table(uint64_t pa);   /* one pt_alloc_table gave (after frames_init) */
uint64_t pt_table_pages(void);     /* table pages from the frame allocator now */
/* The PTE mapping va at level 3 (or the block covering it), NULL if unmapped. */
pte_t *pt_lookup(uint64_t root_pa, uint64_t va, unsigned *level);

/* Zeroes npages pages at va (linear map, MMU on) with DC ZVA. */
void pages_zero(void *va, uint64_t npages);

/* From now on translation tables are frames (so user tables can be freed). */
void mmu_use_frame_allocator(void);

/* Builds the boot tables; called by early_boot with the MMU off. */
void mmu_build_boot_tables(void);
/* Called first thing after the jump to the high half. */
void mmu_finish_boot(void);

/* Installs the empty user table (before an address space is destroyed, and at boot). */
void mmu_clear_user_space(void);

/* Maps one page of RAM read-write into the kernel half (for kernel stacks). */
int kernel_map_page(uint64_t va, uint64_t pa);
/* Removes a kernel_map_page mapping and flushes it from the TLB; returns its PA (0 if none). */
uint64_t kernel_unmap_page(uint64_t va);

/* Maps a device region into the MMIO window; NULL when the window is full. */
void *mmio_map(uint64_t pa, uint64_t size);

static inline void *phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)(pa + LINEAR_BASE);
}

/* PA of a linear-map or kernel-image address. */
static inline uint64_t virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)(uintptr_t)va;
    if (v >= KIMAGE_VBASE)
        return v - kimage_voffset;
    return v - LINEAR_BASE;
}

#endif
