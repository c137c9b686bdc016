#include "kstack.h"

#include "kenix/memlayout.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "frames.h"
#include "../arch/aarch64/mmu.h"

#define KSTACK_SLOTS (KSTACK_AREA_SIZE / KSTACK_SLOT_SIZE)
#define KSTACK_PAGES (KSTACK_SIZE / PAGE_SIZE)

_Static_assert(KSTACK_AREA_BASE == MMIO_BASE + MMIO_SIZE, "kernel-stack area follows the MMIO window");
_Static_assert(KSTACK_AREA_BASE % KSTACK_SLOT_SIZE == 0, "slots must be aligned for the vectors' bit test");

static uint64_t slot_used[KSTACK_SLOTS / 64];
static uint64_t stacks_live; /* for meminfo's KernelStack; atomic */

uint64_t kstack_bytes(void)
{
    return __atomic_load_n(&stacks_live, __ATOMIC_RELAXED) * KSTACK_SIZE;
}
static unsigned slot_hint; /* no free slot below this word */

static uint64_t slot_stack(unsigned slot)
{
    return KSTACK_AREA_BASE + (uint64_t)slot * KSTACK_SLOT_SIZE + KSTACK_SIZE;
}

static long slot_take(void)
{
    for (unsigned w = slot_hint; w < KSTACK_SLOTS / 64; w++) {
        if (slot_used[w] == ~0ull)
            continue;
        unsigned bit = (unsigned)__builtin_ctzll(~slot_used[w]);
        slot_used[w] |= 1ull << bit;
        slot_hint = w;
        return (long)(w * 64 + bit);
    }
    return -1;
}

static void slot_give_back(unsigned slot)
{
    slot_used[slot / 64] &= ~(1ull << (slot % 64));
    if (slot / 64 < slot_hint)
        slot_hint = slot / 64;
}

static void unmap_and_free(uint64_t va, unsigned pages)
{
    for (unsigned i = 0; i < pages; i++) {
        uint64_t pa = kernel_unmap_page(va + (uint64_t)i * PAGE_SIZE);
        if (pa)
            frame_free(pa, 0);
    }
}

uint8_t *kstack_alloc(void)
{
    long slot = slot_take();
    if (slot < 0)
        return 0;
    uint64_t va = slot_stack((unsigned)slot);
    /* Page by page: a stack needs no physically contiguous memory. */
    for (unsigned i = 0; i < KSTACK_PAGES; i++) {
        uint64_t pa = frame_alloc(0);
        if (!pa || kernel_map_page(va + (uint64_t)i * PAGE_SIZE, pa) != 0) {
            if (pa)
                frame_free(pa, 0);
            unmap_and_free(va, i);
            slot_give_back((unsigned)slot);
            return 0;
        }
    }
    __atomic_fetch_add(&stacks_live, 1, __ATOMIC_RELAXED);
    return (uint8_t *)(uintptr_t)va;
}

void kstack_free(uint8_t *stack)
{
    uint64_t va = (uint64_t)(uintptr_t)stack;
    uint64_t offset = va - KSTACK_AREA_BASE;
    if (va < KSTACK_AREA_BASE || offset >= KSTACK_AREA_SIZE || offset % KSTACK_SLOT_SIZE != KSTACK_SIZE)
        panic("kstack_free: 0x%lx is not a kernel stack", va);
    unmap_and_free(va, KSTACK_PAGES);
    slot_give_back((unsigned)(offset / KSTACK_SLOT_SIZE));
    __atomic_fetch_sub(&stacks_live, 1, __ATOMIC_RELAXED);
}

/* Boot-time check of the slot bookkeeping and the mappings, like heap_selftest. */
void kstack_selftest(void)
{
    kstack_free(kstack_alloc()); /* the area's translation tables stay: count from here */
    uint64_t before = frames_free_pages();
    uint8_t *s[3];
    for (unsigned i = 0; i < 3; i++) {
        s[i] = kstack_alloc();
        uint64_t va = (uint64_t)(uintptr_t)s[i];
        if (!s[i] || !(va & KSTACK_SIZE) || (i && s[i] <= s[i - 1]))
            panic("kstack: stack %u at %p breaks the layout", i, s[i]);
        memset(s[i], (int)i + 1, KSTACK_SIZE); /* every page is mapped and writable */
    }
    uint8_t *middle = s[1];
    kstack_free(s[1]);
    s[1] = kstack_alloc();
    if (s[1] != middle || s[0][KSTACK_SIZE - 1] != 1 || s[2][0] != 3)
        panic("kstack: a freed slot was not reused, or a stack was disturbed");
    for (unsigned i = 0; i < 3; i++)
        kstack_free(s[i]);
    if (frames_free_pages() != before)
        panic("kstack: %ld pages leaked by the self-test", (long)(before - frames_free_pages()));
    kprintf("kstack: self-test ok\n");
}
