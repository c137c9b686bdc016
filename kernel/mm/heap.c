/*
 * Every heap page (or multi-page block) begins with a header, so kfree finds
 * it by rounding the pointer down to the page: a slab page holds objects of
 * one size class after its header; a large block holds one object. Slab
 * pages with free objects stay on their class's list; a slab that becomes
 * completely free goes back to the frame allocator.
 */
#include "heap.h"

#include <stdint.h>

#include "frames.h"
#include "kenix/memlayout.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "kenix/spinlock.h"
#include "kenix/string.h"
#include "../arch/aarch64/mmu.h"

#define HEAP_MAGIC_SLAB 0x534c4142u  /* "SLAB" */
#define HEAP_MAGIC_LARGE 0x4c415247u /* "LARG" */
#define NCLASSES 8                   /* 16 .. 2048 bytes */
#define MIN_SHIFT 4

struct free_obj {
    struct free_obj *next;
};

struct heap_page {
    uint32_t magic;
    uint16_t order_or_class;
    uint16_t used;            /* objects handed out (slabs) */
    struct free_obj *free;    /* free objects in this slab */
    struct heap_page *next;   /* slabs of the class that have free objects */
    struct heap_page *prev;
};

#define HEADER_SIZE ((sizeof(struct heap_page) + 15) & ~(size_t)15)

/* heap_lock protects the partial-slab lists and every slab's free list and
 * count. Taken only around those; it nests frame_lock (new and emptied
 * slabs) and nothing else. */
static struct spinlock heap_lock = SPINLOCK_INIT("heap");
static struct heap_page *partial[NCLASSES];
static uint64_t pages_held; /* frames the heap holds (slabs and large blocks); atomic */

static size_t class_size(unsigned c) { return (size_t)1 << (c + MIN_SHIFT); }

/* The smallest class holding size (1 .. the largest class's): log2 of size
 * rounded up, less MIN_SHIFT, with one count of leading zeros, not a loop
 * (every kmalloc asks). */
static unsigned size_class(size_t size)
{
    if (size <= class_size(0))
        return 0;
    return (unsigned)(64 - __builtin_clzll((unsigned long long)size - 1)) - MIN_SHIFT;
}

static unsigned objects_per_slab(unsigned c)
{
    return (unsigned)((PAGE_SIZE - HEADER_SIZE) / class_size(c));
}

static void list_remove(struct heap_page *p, unsigned c)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        partial[c] = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->next = p->prev = 0;
}

static void list_push(struct heap_page *p, unsigned c)
{
    p->prev = 0;
    p->next = partial[c];
    if (partial[c])
        partial[c]->prev = p;
    partial[c] = p;
}

static struct heap_page *new_slab(unsigned c)
{
    uint64_t pa = frame_alloc(0);
    if (!pa)
        return 0;
    __atomic_fetch_add(&pages_held, 1, __ATOMIC_RELAXED);
    struct heap_page *p = phys_to_virt(pa);
    p->magic = HEAP_MAGIC_SLAB;
    p->order_or_class = (uint16_t)c;
    p->used = 0;
    p->free = 0;
    uint8_t *base = (uint8_t *)p + HEADER_SIZE;
    for (unsigned i = objects_per_slab(c); i-- > 0;) {
        struct free_obj *o = (struct free_obj *)(base + i * class_size(c));
        o->next = p->free;
        p->free = o;
    }
    list_push(p, c);
    return p;
}

static void *slab_alloc(unsigned c)
{
    irqflags_t flags = spin_lock_irqsave(&heap_lock);
    struct heap_page *p = partial[c];
    struct free_obj *o = 0;
    if (p || (p = new_slab(c))) {
        o = p->free;
        p->free = o->next;
        p->used++;
        if (!p->free)
            list_remove(p, c);
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return o;
}

void *kmalloc(size_t size)
{
    if (size == 0)
        size = 1;
    if (size <= class_size(NCLASSES - 1))
        return slab_alloc(size_class(size));
    if (size > ((size_t)PAGE_SIZE << 10) - HEADER_SIZE)
        return 0; /* larger than the biggest buddy block */
    unsigned order = 0;
    while (((size_t)PAGE_SIZE << order) < size + HEADER_SIZE)
        order++;
    uint64_t pa = frame_alloc(order);
    if (!pa)
        return 0;
    __atomic_fetch_add(&pages_held, 1ull << order, __ATOMIC_RELAXED);
    struct heap_page *p = phys_to_virt(pa);
    p->magic = HEAP_MAGIC_LARGE;
    p->order_or_class = (uint16_t)order;
    return (uint8_t *)p + HEADER_SIZE;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    struct heap_page *p = (struct heap_page *)((uintptr_t)ptr & ~(uintptr_t)(PAGE_SIZE - 1));
    if (p->magic == HEAP_MAGIC_LARGE) {
        if ((uint8_t *)ptr != (uint8_t *)p + HEADER_SIZE)
            panic("kfree(%p): not the start of a large block", ptr);
        p->magic = 0;
        __atomic_fetch_sub(&pages_held, 1ull << p->order_or_class, __ATOMIC_RELAXED);
        frame_free(virt_to_phys(p), p->order_or_class);
        return;
    }
    if (p->magic != HEAP_MAGIC_SLAB)
        panic("kfree(%p): not a heap pointer", ptr);
    irqflags_t flags = spin_lock_irqsave(&heap_lock);
    unsigned c = p->order_or_class;
    uintptr_t off = (uintptr_t)ptr - (uintptr_t)p - HEADER_SIZE;
    if ((uintptr_t)ptr < (uintptr_t)p + HEADER_SIZE || off % class_size(c) || p->used == 0)
        panic("kfree(%p): misaligned or double free", ptr);
    struct free_obj *o = ptr;
    bool was_full = !p->free;
    o->next = p->free;
    p->free = o;
    p->used--;
    if (was_full)
        list_push(p, c);
    if (p->used == 0) {
        list_remove(p, c);
        p->magic = 0;
        __atomic_fetch_sub(&pages_held, 1, __ATOMIC_RELAXED);
        frame_free(virt_to_phys(p), 0);
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}

uint64_t heap_bytes_in_use(void)
{
    return __atomic_load_n(&pages_held, __ATOMIC_RELAXED) * PAGE_SIZE;
}

void heap_selftest(void)
{
    enum { N = 36 };
    static const size_t sizes[] = { 1, 16, 17, 100, 512, 2048, 3000, 9000, 20000 };
    void *ptrs[N];
    uint64_t before = frames_free_pages();
    for (unsigned i = 0; i < N; i++) {
        size_t sz = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
        ptrs[i] = kmalloc(sz);
        if (!ptrs[i] || ((uintptr_t)ptrs[i] & 15))
            panic("heap: kmalloc(%lu) returned %p", sz, ptrs[i]);
        memset(ptrs[i], (int)i, sz);
    }
    for (unsigned i = 0; i < N; i++) {
        size_t sz = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
        const uint8_t *b = ptrs[i];
        for (size_t k = 0; k < sz; k++)
            if (b[k] != (uint8_t)i)
                panic("heap: allocation %u (%lu bytes) overlaps another", i, sz);
    }
    for (unsigned i = 0; i < N; i += 2)
        kfree(ptrs[i]);
    for (unsigned i = 1; i < N; i += 2)
        kfree(ptrs[i]);
    kfree(0);
    if (frames_free_pages() != before)
        panic("heap: %lu pages leaked by the self-test", before - frames_free_pages());
    kprintf("heap: self-test ok\n");
}
