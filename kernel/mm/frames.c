#include "frames.h"

#include "buddy.h"
#include "kenix/bootinfo.h"
#include "kenix/devtree.h"
#include "kenix/memlayout.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "kenix/spinlock.h"
#include "../arch/aarch64/mmu.h"

#define MAX_RESERVED 32

struct reserved {
    uint64_t start, end; /* page-aligned, [start, end) */
    const char *what;
};

/* frame_lock protects the zones (free lists and per-frame metadata) and the
 * hot list; the reference counts of allocated frames move atomically without
 * it (frame_ref). A leaf: nothing else is taken while it is held. */
static struct spinlock frame_lock = SPINLOCK_INIT("frames");
static struct buddy zones[BOOT_MAX_MEM];
static unsigned nzones;
static struct reserved reserved[MAX_RESERVED];
static unsigned nreserved;
static uint64_t total_pages;

static uint64_t page_down(uint64_t a) { return a & ~(uint64_t)(PAGE_SIZE - 1); }
static uint64_t page_up(uint64_t a) { return (a + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1); }

static void reserve(uint64_t start, uint64_t size, const char *what, bool report)
{
    if (!size)
        return;
    if (nreserved == MAX_RESERVED)
        panic("frames: more than %u reserved ranges", MAX_RESERVED);
    struct reserved *r = &reserved[nreserved++];
    r->start = page_down(start);
    r->end = page_up(start + size);
    r->what = what;
    if (report)
        kprintf("reserved: %s 0x%lx-0x%lx (%lu KiB)\n", what, r->start, r->end, (r->end - r->start) / 1024);
}

static const struct reserved *overlapping(uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < nreserved; i++)
        if (reserved[i].start < end && start < reserved[i].end)
            return &reserved[i];
    return 0;
}

/* Firmware reservations: the DTB's /memreserve/ entries and /reserved-memory. */
static void reserve_firmware_ranges(const struct fdt *fdt)
{
    uint64_t addr, size;
    for (uint32_t i = 0; fdt_get_rsv(fdt, i, &addr, &size) == 0; i++)
        reserve(addr, size, "memreserve", true);
    int rm = fdt_path_offset(fdt, "/reserved-memory");
    if (rm < 0)
        return;
    for (int node = fdt_first_child(fdt, rm); node >= 0; node = fdt_next_sibling(fdt, node))
        for (uint32_t i = 0; fdt_read_reg(fdt, node, i, &addr, &size) == 0; i++)
            reserve(addr, size, "reserved-memory", true);
}

/* Finds page-aligned room for `size` bytes inside [start, end) clear of every reservation. */
static uint64_t find_room(uint64_t start, uint64_t end, uint64_t size)
{
    uint64_t candidate = start;
    for (unsigned tries = 0; tries <= nreserved; tries++) {
        if (candidate + size > end)
            return 0;
        const struct reserved *r = overlapping(candidate, candidate + size);
        if (!r)
            return candidate;
        candidate = r->end;
    }
    return 0;
}

static void add_free_ranges(struct buddy *z, uint64_t start, uint64_t end)
{
    uint64_t pos = start;
    while (pos < end) {
        /* The nearest reservation starting at or after pos that overlaps [pos, end). */
        const struct reserved *next = 0;
        for (unsigned i = 0; i < nreserved; i++) {
            const struct reserved *r = &reserved[i];
            if (r->end > pos && r->start < end && (!next || r->start < next->start))
                next = r;
        }
        uint64_t stop = next ? (next->start > pos ? next->start : pos) : end;
        if (stop > pos)
            buddy_add_range(z, pos >> PAGE_SHIFT, (stop - pos) >> PAGE_SHIFT);
        if (!next)
            break;
        pos = next->end > stop ? next->end : stop;
    }
}

void frames_init(void)
{
    reserve(boot_info.kimage_pa, boot_info.kimage_size, "kernel", true);
    reserve(boot_info.dtb_pa, boot_info.dtb_size, "dtb", true);
    if (boot_info.initrd_start)
        reserve(boot_info.initrd_start, boot_info.initrd_end - boot_info.initrd_start, "initrd", true);
    reserve_firmware_ranges(&boot_fdt);

    for (unsigned i = 0; i < boot_info.nmem; i++) {
        uint64_t start = boot_info.mem[i].base, end = start + boot_info.mem[i].size;
        uint64_t n = (end - start) >> PAGE_SHIFT;
        if (n > UINT32_MAX - 1)
            n = UINT32_MAX - 1; /* one zone indexes frames with 32 bits */
        end = start + (n << PAGE_SHIFT);
        uint64_t meta_size = page_up(buddy_metadata_size((uint32_t)n));
        uint64_t meta = find_room(start, end, meta_size);
        if (!meta) {
            kprintf(KERN_WARNING "frames: no room for the metadata of 0x%lx-0x%lx, skipping it\n", start, end);
            continue;
        }
        reserve(meta, meta_size, "frame metadata", true);
        struct buddy *z = &zones[nzones++];
        buddy_init(z, start >> PAGE_SHIFT, (uint32_t)n, phys_to_virt(meta));
        add_free_ranges(z, start, end);
        total_pages += n;
    }
    mmu_use_frame_allocator();
    uint64_t free = frames_free_pages();
    kprintf("frames: %lu free of %lu pages (%lu MiB free)\n", free, total_pages, free >> (20 - PAGE_SHIFT));
}

static struct buddy *zone_of(uint64_t pa)
{
    for (unsigned i = 0; i < nzones; i++)
        if (buddy_contains(&zones[i], pa >> PAGE_SHIFT))
            return &zones[i];
    panic("frame 0x%lx: not a RAM frame", pa);
}

/*
 * Single frames freed lately, handed out again first (Linux's per-CPU page
 * lists): a process faulting pages in and unmapping them, or forking and
 * exiting, would otherwise merge each freed page back up into a large block
 * and split one down again for the next allocation, ten levels each way.
 * A hot frame is still a buddy allocation (FRAME_ALLOCATED, order 0) with a
 * reference count of 0, so frame_ref or frame_unref on one panics as on a
 * free page. They count as free (frames_free_pages) and go back to the zones
 * (hot_drain) before any allocation of a block of two pages or more, so
 * contiguous memory is found exactly as without them. frame_lock.
 */
#define HOT_FRAMES 256 /* 1 MiB: a munmap of that size comes back whole */
static uint64_t hot[HOT_FRAMES];
static unsigned nhot;

static void hot_drain(void)
{
    while (nhot) {
        uint64_t pa = hot[--nhot];
        buddy_frame(zone_of(pa), pa >> PAGE_SHIFT)->refcount = 1; /* buddy_free expects an allocation's count */
        int err = buddy_free(zone_of(pa), pa >> PAGE_SHIFT, 0);
        if (err)
            panic("hot frame 0x%lx: error %d", pa, err);
    }
}

/* A single frame whose last reference went (frame_lock held, refcount 0). */
static void free_single(struct buddy *z, struct frame *f, uint64_t pa)
{
    if (nhot < HOT_FRAMES) {
        hot[nhot++] = pa;
        return;
    }
    f->refcount = 1;
    int err = buddy_free(z, pa >> PAGE_SHIFT, 0);
    if (err)
        panic("frame 0x%lx: error %d", pa, err);
}

static uint64_t zones_alloc(unsigned order)
{
    for (unsigned i = 0; i < nzones; i++) {
        uint64_t pfn = buddy_alloc(&zones[i], order);
        if (pfn != BUDDY_NONE)
            return pfn << PAGE_SHIFT;
    }
    return 0;
}

uint64_t frame_alloc(unsigned order)
{
    irqflags_t flags = spin_lock_irqsave(&frame_lock);
    uint64_t pa;
    if (order == 0 && nhot) {
        pa = hot[--nhot];
        buddy_frame(zone_of(pa), pa >> PAGE_SHIFT)->refcount = 1;
    } else {
        /* A block: the hot pages go back first, so what can be merged is,
         * and the zones' layout is what it would be without them. */
        if (order > 0)
            hot_drain();
        pa = zones_alloc(order);
    }
    spin_unlock_irqrestore(&frame_lock, flags);
    return pa;
}

void frame_free(uint64_t pa, unsigned order)
{
    irqflags_t flags = spin_lock_irqsave(&frame_lock);
    struct buddy *z = zone_of(pa);
    struct frame *f = buddy_frame(z, pa >> PAGE_SHIFT);
    if (order == 0 && f->state == FRAME_ALLOCATED && f->order == 0 && f->refcount == 1) {
        f->refcount = 0;
        free_single(z, f, pa);
    } else {
        int err = buddy_free(z, pa >> PAGE_SHIFT, order);
        if (err)
            panic("frame_free(0x%lx, order %u): error %d", pa, order, err);
    }
    spin_unlock_irqrestore(&frame_lock, flags);
}

/*
 * Reference counts of allocated single frames change without frame_lock:
 * whoever calls frame_ref or frame_unref holds a reference already, so the
 * frame stays allocated meanwhile and its buddy metadata (state, order) does
 * not change under us; the count itself moves with atomic operations. Only
 * the last frame_unref takes the lock, to free the frame. (One lock round
 * trip per page was most of what mapping a program's pages cost.)
 */
static __attribute__((noinline)) struct frame *frame_meta_other(uint64_t pa)
{
    return buddy_frame(zone_of(pa), pa >> PAGE_SHIFT);
}

static inline struct frame *frame_meta(uint64_t pa)
{
    uint64_t pfn = pa >> PAGE_SHIFT;
    if (buddy_contains(&zones[0], pfn)) /* the common case: one RAM range */
        return &zones[0].frames[pfn - zones[0].base_pfn];
    return frame_meta_other(pa);
}

static __attribute__((noinline, noreturn)) void not_allocated(uint64_t pa, const struct frame *f)
{
    panic("frame 0x%lx: not an allocated page (state %u, order %u, refs %u)", pa, f->state, f->order,
          __atomic_load_n(&f->refcount, __ATOMIC_RELAXED));
}

/* The metadata of an allocated single frame someone holds a reference to
 * (inline: every reference count change looks one up). */
static inline struct frame *allocated_frame(uint64_t pa)
{
    struct frame *f = frame_meta(pa);
    if (f->state != FRAME_ALLOCATED || f->order != 0 || __atomic_load_n(&f->refcount, __ATOMIC_RELAXED) == 0)
        not_allocated(pa, f);
    return f;
}

void frame_ref(uint64_t pa)
{
    __atomic_fetch_add(&allocated_frame(pa)->refcount, 1, __ATOMIC_RELAXED);
}

bool frame_ref_unless_shared(uint64_t pa, bool refuse_shared)
{
    struct frame *f = allocated_frame(pa);
    if (!refuse_shared) {
        __atomic_fetch_add(&f->refcount, 1, __ATOMIC_RELAXED);
        return true;
    }
    uint32_t refs = 1; /* only a frame nobody else holds */
    return __atomic_compare_exchange_n(&f->refcount, &refs, 2, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* The last reference went: the frame goes back (out of line, so the common
 * frame_unref saves no registers for it). */
static __attribute__((noinline)) void free_last_ref(struct frame *f, uint64_t pa)
{
    irqflags_t flags = spin_lock_irqsave(&frame_lock);
    free_single(zone_of(pa), f, pa);
    spin_unlock_irqrestore(&frame_lock, flags);
}

void frame_unref(uint64_t pa)
{
    struct frame *f = allocated_frame(pa);
    /* Release: this holder's writes to the page come before its reuse. */
    if (__atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        free_last_ref(f, pa);
}

unsigned frame_refcount(uint64_t pa)
{
    return __atomic_load_n(&allocated_frame(pa)->refcount, __ATOMIC_RELAXED);
}

uint64_t frames_free_pages(void)
{
    uint64_t n = nhot; /* a snapshot: no lock, each count is one word */
    for (unsigned i = 0; i < nzones; i++)
        n += buddy_free_pages(&zones[i]);
    return n;
}

uint64_t frames_total_pages(void)
{
    return total_pages;
}

uint64_t frames_reserved_pages(void)
{
    uint64_t n = 0;
    irqflags_t flags = spin_lock_irqsave(&frame_lock);
    for (unsigned i = 0; i < nreserved; i++)
        for (unsigned z = 0; z < nzones; z++) {
            uint64_t zs = zones[z].base_pfn << PAGE_SHIFT, ze = zs + ((uint64_t)zones[z].nframes << PAGE_SHIFT);
            uint64_t a = reserved[i].start > zs ? reserved[i].start : zs;
            uint64_t b = reserved[i].end < ze ? reserved[i].end : ze;
            if (a < b)
                n += (b - a) >> PAGE_SHIFT;
        }
    spin_unlock_irqrestore(&frame_lock, flags);
    return n;
}

uint64_t frames_give_back(uint64_t start, uint64_t size)
{
    uint64_t lo = page_down(start), hi = page_up(start + size), pages = 0;
    irqflags_t flags = spin_lock_irqsave(&frame_lock);
    for (unsigned i = 0; i < nreserved; i++) {
        if (reserved[i].start != lo || reserved[i].end != hi)
            continue;
        /* No longer reserved: the pages it does not share with another
         * reservation join the zones they are in. */
        reserved[i] = reserved[--nreserved];
        uint64_t before = 0;
        for (unsigned z = 0; z < nzones; z++)
            before += buddy_free_pages(&zones[z]);
        for (unsigned z = 0; z < nzones; z++) {
            uint64_t zs = zones[z].base_pfn << PAGE_SHIFT, ze = zs + ((uint64_t)zones[z].nframes << PAGE_SHIFT);
            uint64_t a = lo > zs ? lo : zs, b = hi < ze ? hi : ze;
            if (a < b)
                add_free_ranges(&zones[z], a, b);
        }
        for (unsigned z = 0; z < nzones; z++)
            pages += buddy_free_pages(&zones[z]);
        pages -= before;
        break;
    }
    spin_unlock_irqrestore(&frame_lock, flags);
    return pages;
}
