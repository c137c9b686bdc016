/*
 * Binary buddy allocator; see buddy.h for the contract.
 *
 * Block alignment is relative to the absolute frame number, not to the zone
 * base, so that an order-k block is also physically 2^k-page aligned (what
 * large mappings and DMA want). A zone whose base is not aligned therefore
 * has edge frames that can only form smaller blocks, and a block's buddy may
 * lie outside the zone, in which case it never merges.
 *
 * Free lists are doubly linked through frame indices so that removing a
 * buddy during coalescing is O(1). Tail frames carry a state too, which costs
 * O(2^order) writes per alloc/free (no more than touching the pages would)
 * but lets buddy_free() tell a block head from a frame in its middle.
 */
#include "buddy.h"

static uint64_t order_pages(unsigned order)
{
    return (uint64_t)1 << order;
}

static void list_push(struct buddy *b, uint32_t idx, unsigned order)
{
    struct frame *f = &b->frames[idx];
    f->prev = BUDDY_NIL;
    f->next = b->free_head[order];
    if (f->next != BUDDY_NIL)
        b->frames[f->next].prev = idx;
    b->free_head[order] = idx;
    b->free_blocks[order]++;
    b->free_pages += order_pages(order);
}

static void list_remove(struct buddy *b, uint32_t idx, unsigned order)
{
    struct frame *f = &b->frames[idx];
    if (f->prev != BUDDY_NIL)
        b->frames[f->prev].next = f->next;
    else
        b->free_head[order] = f->next;
    if (f->next != BUDDY_NIL)
        b->frames[f->next].prev = f->prev;
    f->next = f->prev = BUDDY_NIL;
    b->free_blocks[order]--;
    b->free_pages -= order_pages(order);
}

/* Frame index of the order-`order` block at pfn if it lies wholly inside the
 * zone; BUDDY_NIL otherwise. */
static uint32_t block_index(const struct buddy *b, uint64_t pfn, unsigned order)
{
    if (pfn < b->base_pfn)
        return BUDDY_NIL;
    uint64_t idx = pfn - b->base_pfn;
    if (idx >= b->nframes || order_pages(order) > b->nframes - idx)
        return BUDDY_NIL;
    return (uint32_t)idx;
}

/*
 * Makes the block at idx free, merging it with its buddy as long as the buddy
 * is a free block of the same order. The block's frames are on no list.
 */
static void release(struct buddy *b, uint32_t idx, unsigned order)
{
    uint64_t n = order_pages(order);
    for (uint64_t i = 1; i < n; i++)
        b->frames[idx + i].state = FRAME_FREE_TAIL;

    uint64_t pfn = b->base_pfn + idx;
    while (order < BUDDY_MAX_ORDER) {
        uint64_t buddy_pfn = pfn ^ order_pages(order);
        uint32_t bi = block_index(b, buddy_pfn, order);
        if (bi == BUDDY_NIL)
            break;
        struct frame *bf = &b->frames[bi];
        if (bf->state != FRAME_FREE_HEAD || bf->order != order)
            break;
        list_remove(b, bi, order);
        /* whichever head is higher becomes a tail of the merged block */
        bf->state = FRAME_FREE_TAIL;
        b->frames[pfn - b->base_pfn].state = FRAME_FREE_TAIL;
        if (buddy_pfn < pfn)
            pfn = buddy_pfn;
        order++;
    }
    uint32_t head = (uint32_t)(pfn - b->base_pfn);
    struct frame *f = &b->frames[head];
    f->state = FRAME_FREE_HEAD;
    f->order = (uint8_t)order;
    f->refcount = 0;
    list_push(b, head, order);
}

size_t buddy_metadata_size(uint32_t nframes)
{
    return (size_t)nframes * sizeof(struct frame);
}

void buddy_init(struct buddy *b, uint64_t base_pfn, uint32_t nframes, void *metadata)
{
    /* BUDDY_NIL must never be a valid index */
    if (nframes == BUDDY_NIL)
        nframes--;
    b->base_pfn = base_pfn;
    b->nframes = nframes;
    b->frames = metadata;
    for (unsigned k = 0; k < BUDDY_ORDERS; k++) {
        b->free_head[k] = BUDDY_NIL;
        b->free_blocks[k] = 0;
    }
    b->free_pages = 0;
    for (uint32_t i = 0; i < nframes; i++) {
        struct frame *f = &b->frames[i];
        f->next = f->prev = BUDDY_NIL;
        f->refcount = 0;
        f->order = 0;
        f->state = FRAME_RESERVED;
        f->flags = 0;
    }
}

int buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count)
{
    if (count == 0)
        return BUDDY_OK;
    if (pfn < b->base_pfn)
        return BUDDY_ERR_RANGE;
    uint64_t start = pfn - b->base_pfn;
    if (start >= b->nframes || count > b->nframes - start)
        return BUDDY_ERR_RANGE;
    /* all or nothing: refuse before changing anything */
    for (uint64_t i = start; i < start + count; i++)
        if (b->frames[i].state != FRAME_RESERVED)
            return BUDDY_ERR_STATE;

    uint64_t end = pfn + count;
    while (pfn < end) {
        unsigned order = 0;
        while (order < BUDDY_MAX_ORDER && (pfn & (order_pages(order + 1) - 1)) == 0 &&
               order_pages(order + 1) <= end - pfn)
            order++;
        release(b, (uint32_t)(pfn - b->base_pfn), order);
        pfn += order_pages(order);
    }
    return BUDDY_OK;
}

uint64_t buddy_alloc(struct buddy *b, unsigned order)
{
    if (order > BUDDY_MAX_ORDER)
        return BUDDY_NONE;
    unsigned k = order;
    while (k <= BUDDY_MAX_ORDER && b->free_head[k] == BUDDY_NIL)
        k++;
    if (k > BUDDY_MAX_ORDER)
        return BUDDY_NONE;

    uint32_t idx = b->free_head[k];
    list_remove(b, idx, k);
    /* Split off upper halves; their frames are already FREE_TAIL, so only
     * the new heads change. Each half's buddy (the lower part) is in use,
     * so no merging applies. */
    while (k > order) {
        k--;
        uint32_t half = idx + (uint32_t)order_pages(k);
        struct frame *h = &b->frames[half];
        h->state = FRAME_FREE_HEAD;
        h->order = (uint8_t)k;
        h->refcount = 0;
        list_push(b, half, k);
    }
    struct frame *f = &b->frames[idx];
    f->state = FRAME_ALLOCATED;
    f->order = (uint8_t)order;
    f->refcount = 1;
    uint64_t n = order_pages(order);
    for (uint64_t i = 1; i < n; i++)
        b->frames[idx + i].state = FRAME_ALLOC_TAIL;
    return b->base_pfn + idx;
}

int buddy_free(struct buddy *b, uint64_t pfn, unsigned order)
{
    if (order > BUDDY_MAX_ORDER)
        return BUDDY_ERR_ORDER;
    if (!buddy_contains(b, pfn))
        return BUDDY_ERR_RANGE;
    if ((pfn & (order_pages(order) - 1)) != 0)
        return BUDDY_ERR_ALIGN;
    uint32_t idx = (uint32_t)(pfn - b->base_pfn);
    struct frame *f = &b->frames[idx];
    if (f->state != FRAME_ALLOCATED)
        return BUDDY_ERR_STATE;
    if (f->order != order)
        return BUDDY_ERR_ORDER;
    f->next = f->prev = BUDDY_NIL;
    release(b, idx, order);
    return BUDDY_OK;
}

uint64_t buddy_free_pages(const struct buddy *b)
{
    return b->free_pages;
}

/* Distinct codes say which invariant broke; all are below the error enum. */
enum {
    CHECK_LIST_INDEX = -101,  /* list link outside the zone */
    CHECK_LIST_STATE = -102,  /* list member not a free head of that order */
    CHECK_LIST_LINK = -103,   /* prev link does not match */
    CHECK_LIST_COUNT = -104,  /* list length differs from free_blocks */
    CHECK_LIST_ALIGN = -105,  /* free block misaligned or past the zone */
    CHECK_FREE_PAGES = -106,  /* free_pages differs from the lists */
    CHECK_TAIL_ORPHAN = -107, /* tail frame not inside a block */
    CHECK_TAIL_STATE = -108,  /* block interior has the wrong state */
    CHECK_HEAD_ORDER = -109,  /* head order above the maximum */
    CHECK_HEAD_ALIGN = -110,  /* head misaligned or block past the zone */
    CHECK_UNMERGED = -111,    /* two free buddies left apart */
    CHECK_HEAD_COUNT = -112,  /* free heads differ from list lengths */
};

static int check_lists(const struct buddy *b)
{
    uint64_t pages = 0;
    for (unsigned k = 0; k < BUDDY_ORDERS; k++) {
        uint32_t prev = BUDDY_NIL;
        uint32_t count = 0;
        for (uint32_t i = b->free_head[k]; i != BUDDY_NIL; i = b->frames[i].next) {
            if (i >= b->nframes)
                return CHECK_LIST_INDEX;
            const struct frame *f = &b->frames[i];
            if (f->state != FRAME_FREE_HEAD || f->order != k)
                return CHECK_LIST_STATE;
            if (f->prev != prev)
                return CHECK_LIST_LINK;
            if (block_index(b, b->base_pfn + i, k) == BUDDY_NIL ||
                ((b->base_pfn + i) & (order_pages(k) - 1)) != 0)
                return CHECK_LIST_ALIGN;
            /* prev links rule out cycles, but bound the walk regardless */
            if (++count > b->nframes)
                return CHECK_LIST_COUNT;
            prev = i;
        }
        if (count != b->free_blocks[k])
            return CHECK_LIST_COUNT;
        pages += (uint64_t)count << k;
    }
    return pages == b->free_pages ? 0 : CHECK_FREE_PAGES;
}

static int check_frames(const struct buddy *b)
{
    uint32_t heads[BUDDY_ORDERS] = {0};
    uint32_t i = 0;
    while (i < b->nframes) {
        const struct frame *f = &b->frames[i];
        uint8_t tail;
        if (f->state == FRAME_RESERVED) {
            i++;
            continue;
        } else if (f->state == FRAME_FREE_HEAD) {
            tail = FRAME_FREE_TAIL;
        } else if (f->state == FRAME_ALLOCATED) {
            tail = FRAME_ALLOC_TAIL;
        } else {
            return CHECK_TAIL_ORPHAN;
        }
        if (f->order > BUDDY_MAX_ORDER)
            return CHECK_HEAD_ORDER;
        uint64_t pfn = b->base_pfn + i;
        if ((pfn & (order_pages(f->order) - 1)) != 0 ||
            block_index(b, pfn, f->order) == BUDDY_NIL)
            return CHECK_HEAD_ALIGN;
        uint64_t n = order_pages(f->order);
        for (uint64_t j = 1; j < n; j++)
            if (b->frames[i + j].state != tail)
                return CHECK_TAIL_STATE;
        if (f->state == FRAME_FREE_HEAD) {
            heads[f->order]++;
            if (f->order < BUDDY_MAX_ORDER) {
                uint32_t bi = block_index(b, pfn ^ n, f->order);
                if (bi != BUDDY_NIL && b->frames[bi].state == FRAME_FREE_HEAD &&
                    b->frames[bi].order == f->order)
                    return CHECK_UNMERGED;
            }
        }
        i += (uint32_t)n;
    }
    for (unsigned k = 0; k < BUDDY_ORDERS; k++)
        if (heads[k] != b->free_blocks[k])
            return CHECK_HEAD_COUNT;
    return 0;
}

int buddy_check(const struct buddy *b)
{
    int err = check_lists(b);
    if (err == 0)
        err = check_frames(b);
    return err;
}
