/*
 * Translation tables for the kernel half (TTBR1) and the boot identity map.
 *
 * mmu_build_boot_tables() runs before the MMU is on, at the physical load
 * address: table pages then are addressed by their PA. Afterwards they are
 * reached through the linear map. `table_va_offset` is the one switch
 * between the two worlds.
 */
#include "mmu.h"

#include "kenix/bootinfo.h"
#include "kenix/errno.h"
#include "kenix/string.h"
#include "../../mm/frames.h"

#define PT_ENTRIES 512
#define PT_POOL_PAGES 64 /* boot tables + early MMIO; later tables come from the frame allocator */

uint64_t kimage_voffset;
uint64_t boot_mair, boot_tcr, boot_ttbr0, boot_ttbr1;

static uint8_t pt_pool[PT_POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned pt_pool_used;
static uint64_t table_va_offset; /* 0 with the MMU off, LINEAR_BASE after */
static bool mmu_on;
static uint64_t mmio_next = MMIO_BASE;
static uint64_t empty_ttbr0;
static bool use_frames; /* after frames_init: tables come from (and go back to) the frame allocator */

void mmu_use_frame_allocator(void)
{
    use_frames = true;
}

static pte_t *table_ptr(uint64_t pa)
{
    return (pte_t *)(uintptr_t)(pa + table_va_offset);
}

/* Translation-table pages taken from the frame allocator, the kernel's and
 * every address space's (meminfo's PageTables); the boot pool's are part of
 * the kernel image. Atomic: tables are made and freed without a common lock. */
static uint64_t table_pages;

uint64_t pt_table_pages(void)
{
    return __atomic_load_n(&table_pages, __ATOMIC_RELAXED);
}

void pt_free_table(uint64_t pa)
{
    __atomic_fetch_sub(&table_pages, 1, __ATOMIC_RELAXED);
    frame_free(pa, 0);
}

uint64_t pt_alloc_table(void)
{
    if (!use_frames && pt_pool_used < PT_POOL_PAGES) {
        /* Pool pages are still zero from boot.S clearing .bss. */
        uintptr_t addr = (uintptr_t)pt_pool[pt_pool_used++];
        return mmu_on ? addr - kimage_voffset : addr; /* pre-MMU, addresses are PAs */
    }
    uint64_t pa = use_frames ? frame_alloc(0) : 0;
    if (pa) {
        pages_zero(table_ptr(pa), 1);
        __atomic_fetch_add(&table_pages, 1, __ATOMIC_RELAXED);
    }
    return pa;
}

/* DC ZVA clears a whole block (DCZID_EL0: 4 << BS bytes, 64 on QEMU's
 * cortex-a72) per instruction: a page in 64 of them instead of 512 stores.
 * Only with the MMU on, on Normal memory (the linear map). */
void pages_zero(void *va, uint64_t npages)
{
    static unsigned block; /* bytes per DC ZVA; 0: not known yet */
    if (!block) {
        uint64_t dczid = read_sysreg(dczid_el0);
        block = (dczid & 0x10) ? 1 : 4u << (dczid & 0xf); /* DZP: prohibited, use stores */
    }
    uint8_t *p = va, *end = p + npages * PAGE_SIZE;
    if (block < 16) {
        memset(va, 0, npages * PAGE_SIZE);
        return;
    }
    if (block == 64) { /* QEMU's and most cores' size: four a round, the loop's cost a quarter */
        for (; p < end; p += 256)
            __asm__ volatile("dc zva, %0\n dc zva, %1\n dc zva, %2\n dc zva, %3"
                             ::"r"(p), "r"(p + 64), "r"(p + 128), "r"(p + 192) : "memory");
        return;
    }
    for (; p < end; p += block)
        __asm__ volatile("dc zva, %0" ::"r"(p) : "memory");
}

static unsigned level_shift(unsigned level)
{
    return 39 - 9 * level;
}

int pt_map(uint64_t root_pa, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot, bool blocks)
{
    if ((va | pa | size) & (PAGE_SIZE - 1))
        return -EINVAL;
    while (size) {
        pte_t *table = table_ptr(root_pa);
        uint64_t step = 0;
        for (unsigned level = 0;; level++) {
            uint64_t span = 1ull << level_shift(level);
            pte_t *e = &table[(va >> level_shift(level)) & (PT_ENTRIES - 1)];
            if (level == 3) {
                if (*e & PTE_VALID)
                    return -EEXIST;
                *e = (pa & PTE_ADDR_MASK) | prot | PTE_TABLE | PTE_VALID;
                step = PAGE_SIZE;
                break;
            }
            if (blocks && level >= 1 && !(*e & PTE_VALID) && ((va | pa) & (span - 1)) == 0 &&
                size >= span) {
                *e = (pa & PTE_ADDR_MASK) | prot | PTE_VALID; /* block descriptor */
                step = span;
                break;
            }
            if (!(*e & PTE_VALID)) {
                uint64_t t = pt_alloc_table();
                if (!t)
                    return -ENOMEM;
                *e = t | PTE_TABLE | PTE_VALID;
            } else if (!(*e & PTE_TABLE)) {
                return -EEXIST; /* a block already covers this address */
            }
            table = table_ptr(*e & PTE_ADDR_MASK);
        }
        va += step;
        pa += step;
        size -= step;
    }
    dsb_ishst();
    return 0;
}

pte_t *pt_lookup(uint64_t root_pa, uint64_t va, unsigned *level_out)
{
    pte_t *table = table_ptr(root_pa);
    for (unsigned level = 0; level <= 3; level++) {
        pte_t *e = &table[(va >> level_shift(level)) & (PT_ENTRIES - 1)];
        if (!(*e & PTE_VALID))
            return 0;
        if (level == 3 || !(*e & PTE_TABLE)) {
            if (level_out)
                *level_out = level;
            return e;
        }
        table = table_ptr(*e & PTE_ADDR_MASK);
    }
    return 0;
}

int kernel_map_page(uint64_t va, uint64_t pa)
{
    return pt_map(boot_ttbr1, va, pa, PAGE_SIZE, PROT_KERNEL_RW, false);
}

uint64_t kernel_unmap_page(uint64_t va)
{
    unsigned level;
    pte_t *e = pt_lookup(boot_ttbr1, va, &level);
    if (!e || level != 3)
        return 0;
    uint64_t pa = *e & PTE_ADDR_MASK;
    *e = 0;
    /* Kernel mappings are global: drop the entry from every ASID's view
     * (the operand is VA[55:12] in bits 43:0, the bits above are RES0). */
    uint64_t operand = (va >> PAGE_SHIFT) & ((1ull << 44) - 1);
    __asm__ volatile("dsb ishst\n tlbi vaae1is, %0\n dsb ish\n isb" ::"r"(operand) : "memory");
    return pa;
}

/* Boot-time mapping failures leave no way to continue. */
static void must_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot, bool blocks)
{
    if (pt_map(root, va, pa, size, prot, blocks) != 0)
        for (;;)
            wfi();
}

static uint64_t kimage_pa(const char *sym)
{
    /* Called with the MMU off, where a symbol's address is its PA. */
    return (uint64_t)(uintptr_t)sym;
}

static uint64_t read_tcr(void)
{
    uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1);
    uint64_t ips = mmfr0 & 0xf;
    if (ips > 5)
        ips = 5; /* 48-bit PA is all a 4-level 4 KiB table can address */
    uint64_t tcr = 16 | (1ull << 8) | (1ull << 10) | (3ull << 12) | (0ull << 14) /* TTBR0: 48 bits, WBWA, inner shareable, 4K */
                   | (16ull << 16) | (1ull << 24) | (1ull << 26) | (3ull << 28) | (2ull << 30) /* TTBR1 likewise */
                   | (ips << 32);
    if (((mmfr0 >> 4) & 0xf) == 2)
        tcr |= 1ull << 36; /* 16-bit ASIDs */
    return tcr;
}

void mmu_build_boot_tables(void)
{
    uint64_t text = kimage_pa(_text), etext = kimage_pa(_etext), erodata = kimage_pa(_erodata);
    uint64_t guard = kimage_pa(boot_stack_guard), end = kimage_pa(_end);
    uint64_t voff = kimage_voffset;

    uint64_t ttbr1 = pt_alloc_table();
    uint64_t ttbr0 = pt_alloc_table();
    /* Kernel image with per-section permissions (W^X); the guard below the
     * boot stack stays unmapped so an overflow faults instead of corrupting .bss. */
    must_map(ttbr1, text + voff, text, etext - text, PROT_KERNEL_RX, false);
    must_map(ttbr1, etext + voff, etext, erodata - etext, PROT_KERNEL_RO, false);
    must_map(ttbr1, erodata + voff, erodata, guard - erodata, PROT_KERNEL_RW, false);
    must_map(ttbr1, guard + KSTACK_SIZE + voff, guard + KSTACK_SIZE, end - guard - KSTACK_SIZE, PROT_KERNEL_RW, false);
    /* Linear map of RAM, never executable. */
    for (unsigned i = 0; i < boot_info.nmem; i++)
        must_map(ttbr1, LINEAR_BASE + boot_info.mem[i].base, boot_info.mem[i].base, boot_info.mem[i].size,
                 PROT_KERNEL_RW, true);
    /* Identity map of the text, only so the MMU can be switched on under our feet. */
    must_map(ttbr0, text, text, etext - text, PROT_KERNEL_RX, false);

    /* MAIR: index 0 Device-nGnRE, 1 Normal WB RA/WA, 2 Normal non-cacheable, 3 Device-nGnRnE. */
    boot_mair = (0x04ull << (8 * MT_DEVICE_nGnRE)) | (0xffull << (8 * MT_NORMAL)) |
                (0x44ull << (8 * MT_NORMAL_NC)) | (0x00ull << (8 * MT_DEVICE_nGnRnE));
    boot_tcr = read_tcr();
    boot_ttbr0 = ttbr0;
    boot_ttbr1 = ttbr1;
}

void mmu_finish_boot(void)
{
    mmu_on = true;
    table_va_offset = LINEAR_BASE;
    /* Drop the identity map: TTBR0 now holds an empty table whenever no user
     * address space is active, so stray user-half accesses fault cleanly. */
    empty_ttbr0 = pt_alloc_table();
    mmu_clear_user_space();
    __asm__ volatile("tlbi vmalle1\n dsb nsh\n isb" ::: "memory");
}

void mmu_clear_user_space(void)
{
    write_sysreg(ttbr0_el1, empty_ttbr0); /* ASID 0 is never given to a process */
    isb();
}

void *mmio_map(uint64_t pa, uint64_t size)
{
    uint64_t offset = pa & (PAGE_SIZE - 1);
    uint64_t base = pa - offset;
    uint64_t len = (size + offset + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    if (mmio_next + len + PAGE_SIZE > MMIO_BASE + MMIO_SIZE)
        return 0;
    uint64_t va = mmio_next;
    if (pt_map(boot_ttbr1, va, base, len, PROT_DEVICE, false) != 0)
        return 0;
    mmio_next += len + PAGE_SIZE; /* an unmapped page between regions catches overruns */
    isb();
    return (void *)(uintptr_t)(va + offset);
}
