/*
 * Memory objects: pages that can be mapped into address spaces through a
 * handle -- shared memory, DMA buffers (physically contiguous, address
 * readable by the holder), the initrd, and device regions (MMIO registers,
 * type KX_OBJ_DEVICE). The object owns its pages; mappings hold references.
 */
#ifndef KENIX_CORE_MEMOBJ_H
#define KENIX_CORE_MEMOBJ_H

#include <stdint.h>

#include "kenix/memlayout.h"
#include "kobject.h"

#define MEMOBJ_CONTIGUOUS 1u /* one physical run starting at `phys` */
#define MEMOBJ_BORROWED 2u   /* pages not from the allocator (initrd, MMIO): never freed */
#define MEMOBJ_INITRD 4u     /* the initrd: its pages go to the allocator when the last reference does */

#define MEMOBJ_MAX_SIZE (256ull << 20)

struct memobj {
    struct kobject obj;  /* KX_OBJ_MEMORY or KX_OBJ_DEVICE */
    uint64_t size;       /* bytes, a multiple of the page size */
    unsigned flags;
    uint64_t phys;       /* contiguous objects: physical address of the first page */
    unsigned order;      /* contiguous allocated objects: buddy order */
    uint64_t *pages;     /* other objects: physical address of each page */
};

/* Physical address of page `index` of m. */
static inline uint64_t memobj_page(const struct memobj *m, uint64_t index)
{
    return (m->flags & MEMOBJ_CONTIGUOUS) ? m->phys + index * PAGE_SIZE : m->pages[index];
}

/* A zero-filled object of `size` bytes (rounded up to pages). */
struct memobj *memobj_create(uint64_t size, unsigned flags);
/* An object over existing physical memory or registers (not freed with it). */
struct memobj *memobj_borrow(uint64_t phys, uint64_t size, enum kx_object_type type);

#endif
