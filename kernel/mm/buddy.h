/*
 * Binary buddy allocator over one contiguous range of physical page frames.
 *
 * Pure logic: it manages frame numbers and a caller-provided metadata array
 * (one struct frame per page), and never touches the frames themselves, so it
 * runs unchanged in host unit tests. The kernel keeps one buddy zone per RAM
 * region from the device tree. Every frame starts out reserved; boot code
 * hands usable ranges in with buddy_add_range() after carving out the kernel,
 * DTB, initrd and the metadata itself.
 *
 * struct frame also carries the per-page reference count that copy-on-write
 * will use.
 */
#ifndef KENIX_MM_BUDDY_H
#define KENIX_MM_BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUDDY_MAX_ORDER 10u               /* largest block: 2^10 pages = 4 MiB */
#define BUDDY_ORDERS (BUDDY_MAX_ORDER + 1u)
#define BUDDY_NONE UINT64_MAX             /* "no frame" result of buddy_alloc */
#define BUDDY_NIL UINT32_MAX              /* end of a free list */

enum frame_state {
    FRAME_RESERVED = 0, /* never handed to the allocator (or a hole) */
    FRAME_FREE_HEAD,    /* first frame of a free block of `order` */
    FRAME_FREE_TAIL,    /* inside a free block, not its head */
    FRAME_ALLOCATED,    /* first frame of an allocated block of `order` */
    FRAME_ALLOC_TAIL,   /* inside an allocated block */
};

struct frame {
    uint32_t next;      /* free-list links: frame indices, BUDDY_NIL ends */
    uint32_t prev;
    uint32_t refcount;  /* users of an allocated frame (COW); 1 after alloc */
    uint8_t order;
    uint8_t state;      /* enum frame_state */
    uint16_t flags;
};

struct buddy {
    uint64_t base_pfn;  /* frame number of frames[0] */
    uint32_t nframes;
    struct frame *frames;
    uint32_t free_head[BUDDY_ORDERS];
    uint32_t free_blocks[BUDDY_ORDERS];
    uint64_t free_pages;
};

enum buddy_error {
    BUDDY_OK = 0,
    BUDDY_ERR_RANGE = -1,   /* frame outside the zone */
    BUDDY_ERR_ALIGN = -2,   /* pfn not aligned to the block order */
    BUDDY_ERR_STATE = -3,   /* double free, or freeing a frame that is not a block head */
    BUDDY_ERR_ORDER = -4,   /* order above BUDDY_MAX_ORDER or not the allocated order */
};

/* Bytes of metadata needed for nframes frames. */
size_t buddy_metadata_size(uint32_t nframes);
/* All frames start reserved. `metadata` holds buddy_metadata_size(nframes) bytes. */
void buddy_init(struct buddy *b, uint64_t base_pfn, uint32_t nframes, void *metadata);
/* Hands frames [pfn, pfn + count) to the allocator, merging into the largest
 * blocks. All or nothing: BUDDY_ERR_RANGE outside the zone, BUDDY_ERR_STATE
 * if any frame is not reserved (added twice). */
int buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count);
/* Allocates 2^order contiguous frames aligned to 2^order; BUDDY_NONE when none. */
uint64_t buddy_alloc(struct buddy *b, unsigned order);
/* Frees a block returned by buddy_alloc with the same order; checks misuse. */
int buddy_free(struct buddy *b, uint64_t pfn, unsigned order);
uint64_t buddy_free_pages(const struct buddy *b);
/* Inline: the frame allocator looks a frame up on every reference count change. */
static inline bool buddy_contains(const struct buddy *b, uint64_t pfn)
{
    return pfn >= b->base_pfn && pfn - b->base_pfn < b->nframes;
}

static inline struct frame *buddy_frame(struct buddy *b, uint64_t pfn) /* NULL outside the zone */
{
    return buddy_contains(b, pfn) ? &b->frames[pfn - b->base_pfn] : NULL;
}
/* Walks every list and frame and checks the invariants; 0 if consistent,
 * otherwise a negative code (below -100) naming the first broken invariant. */
int buddy_check(const struct buddy *b);

#endif
