/*
 * Host tests of the buddy allocator (kernel/mm/buddy.c).
 *
 * A shadow bitmap records which frames the tests hold, so that a frame
 * handed out twice, or one outside the ranges given to the allocator, is
 * caught at once; buddy_check() runs after every step that changes state.
 */
#include <stdlib.h>
#include <string.h>

#include "mm/buddy.h"
#include "test.h"

struct zone {
    struct buddy b;
    struct frame *meta;
    uint64_t base;
    uint32_t n;
    uint8_t *usable; /* 1 where a frame was handed to the allocator */
    uint8_t *held;   /* 1 where the test holds an allocated frame */
};

static void zone_init(struct zone *z, uint64_t base, uint32_t n)
{
    z->base = base;
    z->n = n;
    z->meta = malloc(buddy_metadata_size(n) != 0 ? buddy_metadata_size(n) : 1);
    z->usable = calloc(n + 1, 1);
    z->held = calloc(n + 1, 1);
    if (z->meta == NULL || z->usable == NULL || z->held == NULL)
        abort();
    /* garbage metadata proves buddy_init sets every field it relies on */
    memset(z->meta, 0xa5, buddy_metadata_size(n));
    buddy_init(&z->b, base, n, z->meta);
}

static void zone_free(struct zone *z)
{
    free(z->meta);
    free(z->usable);
    free(z->held);
}

static int zone_add(struct zone *z, uint64_t pfn, uint64_t count)
{
    int err = buddy_add_range(&z->b, pfn, count);
    if (err == BUDDY_OK)
        for (uint64_t i = 0; i < count; i++)
            z->usable[pfn - z->base + i] = 1;
    return err;
}

/* Takes a block into the shadow map; false (with a CHECK failure) when the
 * allocator returned something it must not have. */
static bool take(struct zone *z, uint64_t pfn, unsigned order)
{
    bool ok = true;
    uint64_t n = (uint64_t)1 << order;
    if ((pfn & (n - 1)) != 0) {
        printf("  pfn %#llx not aligned to order %u\n", (unsigned long long)pfn, order);
        ok = false;
    }
    if (pfn < z->base || pfn - z->base + n > z->n) {
        printf("  block %#llx/%u outside the zone\n", (unsigned long long)pfn, order);
        return false;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t idx = pfn - z->base + i;
        if (!z->usable[idx] || z->held[idx]) {
            printf("  frame %#llx handed out twice or never given\n",
                   (unsigned long long)(pfn + i));
            ok = false;
        }
        z->held[idx] = 1;
    }
    return ok;
}

static void give_back(struct zone *z, uint64_t pfn, unsigned order)
{
    for (uint64_t i = 0; i < ((uint64_t)1 << order); i++)
        z->held[pfn - z->base + i] = 0;
}

/* Blocks per order that the maximal decomposition of [pfn, end) yields. */
static void expected_blocks(uint64_t pfn, uint64_t end, uint32_t counts[BUDDY_ORDERS])
{
    while (pfn < end) {
        unsigned k = 0;
        while (k < BUDDY_MAX_ORDER && (pfn & ((2ull << k) - 1)) == 0 && pfn + (2ull << k) <= end)
            k++;
        counts[k]++;
        pfn += 1ull << k;
    }
}

static void check_blocks(const struct buddy *b, const uint32_t counts[BUDDY_ORDERS])
{
    for (unsigned k = 0; k < BUDDY_ORDERS; k++)
        CHECK_EQ(b->free_blocks[k], counts[k]);
}

/* ---- cases -------------------------------------------------------------- */

static void test_init(void)
{
    struct zone z;
    zone_init(&z, 0x40000, 100);
    CHECK_EQ(buddy_metadata_size(100), 100 * sizeof(struct frame));
    CHECK_EQ(buddy_metadata_size(0), 0);
    CHECK_EQ(buddy_free_pages(&z.b), 0);
    CHECK_EQ(buddy_check(&z.b), 0);
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
        CHECK_EQ(buddy_alloc(&z.b, k), BUDDY_NONE);
    for (uint32_t i = 0; i < 100; i++)
        CHECK_EQ(z.meta[i].state, FRAME_RESERVED);
    CHECK(buddy_contains(&z.b, 0x40000));
    CHECK(buddy_contains(&z.b, 0x40000 + 99));
    CHECK(!buddy_contains(&z.b, 0x40000 + 100));
    CHECK(!buddy_contains(&z.b, 0x3ffff));
    CHECK(buddy_frame(&z.b, 0x40000) == &z.meta[0]);
    CHECK(buddy_frame(&z.b, 0x40000 + 100) == NULL);
    CHECK(buddy_frame(&z.b, 0) == NULL);
    CHECK(buddy_frame(&z.b, UINT64_MAX) == NULL);
    zone_free(&z);

    struct zone empty;
    zone_init(&empty, 0, 0);
    CHECK_EQ(buddy_check(&empty.b), 0);
    CHECK_EQ(buddy_alloc(&empty.b, 0), BUDDY_NONE);
    CHECK_EQ(buddy_add_range(&empty.b, 0, 1), BUDDY_ERR_RANGE);
    CHECK_EQ(buddy_add_range(&empty.b, 0, 0), BUDDY_OK);
    zone_free(&empty);
}

static void test_add_ranges(void)
{
    /* unaligned base, unaligned range edges */
    const uint64_t base = 0x40003;
    struct zone z;
    zone_init(&z, base, 5000);
    CHECK_EQ(zone_add(&z, base + 5, 3995), BUDDY_OK);
    CHECK_EQ(buddy_free_pages(&z.b), 3995);
    CHECK_EQ(buddy_check(&z.b), 0);
    uint32_t want[BUDDY_ORDERS] = {0};
    expected_blocks(base + 5, base + 4000, want);
    check_blocks(&z.b, want);

    /* adjacent ranges given separately merge as if given at once */
    CHECK_EQ(zone_add(&z, base + 4000, 1000), BUDDY_OK);
    CHECK_EQ(buddy_check(&z.b), 0);
    CHECK_EQ(zone_add(&z, base, 5), BUDDY_OK);
    CHECK_EQ(buddy_check(&z.b), 0);
    CHECK_EQ(buddy_free_pages(&z.b), 5000);
    memset(want, 0, sizeof(want));
    expected_blocks(base, base + 5000, want);
    check_blocks(&z.b, want);
    /* every free head is aligned to its order in absolute frame numbers */
    for (uint32_t i = 0; i < z.n; i++)
        if (z.meta[i].state == FRAME_FREE_HEAD)
            CHECK_EQ((base + i) & ((1ull << z.meta[i].order) - 1), 0);
    zone_free(&z);

    /* one frame at a time, in a scrambled order, still ends fully merged */
    zone_init(&z, 0x1000, 3000);
    uint64_t rng = 7;
    uint32_t *perm = malloc(3000 * sizeof(*perm));
    for (uint32_t i = 0; i < 3000; i++)
        perm[i] = i;
    for (uint32_t i = 2999; i > 0; i--) {
        uint32_t j = (uint32_t)(test_rand(&rng) % (i + 1));
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (uint32_t i = 0; i < 3000; i++) {
        CHECK_EQ(zone_add(&z, 0x1000 + perm[i], 1), BUDDY_OK);
        if (i % 97 == 0)
            CHECK_EQ(buddy_check(&z.b), 0);
    }
    free(perm);
    CHECK_EQ(buddy_check(&z.b), 0);
    memset(want, 0, sizeof(want));
    expected_blocks(0x1000, 0x1000 + 3000, want);
    check_blocks(&z.b, want);
    zone_free(&z);

    /* a zone whose edge buddies lie outside it: pfns 1 and 2 never merge */
    zone_init(&z, 1, 2);
    CHECK_EQ(zone_add(&z, 1, 2), BUDDY_OK);
    CHECK_EQ(z.b.free_blocks[0], 2);
    CHECK_EQ(buddy_check(&z.b), 0);
    uint64_t a = buddy_alloc(&z.b, 0), c = buddy_alloc(&z.b, 0);
    CHECK(take(&z, a, 0));
    CHECK(take(&z, c, 0));
    CHECK_EQ(buddy_alloc(&z.b, 1), BUDDY_NONE);
    CHECK_EQ(buddy_free(&z.b, a, 0), BUDDY_OK);
    CHECK_EQ(buddy_free(&z.b, c, 0), BUDDY_OK);
    CHECK_EQ(buddy_check(&z.b), 0);
    zone_free(&z);
}

static void test_add_range_errors(void)
{
    struct zone z;
    zone_init(&z, 0x100, 256);
    CHECK_EQ(zone_add(&z, 0x100 + 16, 32), BUDDY_OK);
    uint64_t before = buddy_free_pages(&z.b);
    CHECK_EQ(buddy_add_range(&z.b, 0xff, 2), BUDDY_ERR_RANGE);
    CHECK_EQ(buddy_add_range(&z.b, 0x100 + 250, 7), BUDDY_ERR_RANGE);
    CHECK_EQ(buddy_add_range(&z.b, 0x100 + 256, 1), BUDDY_ERR_RANGE);
    CHECK_EQ(buddy_add_range(&z.b, 0x100, UINT64_MAX), BUDDY_ERR_RANGE);
    CHECK_EQ(buddy_add_range(&z.b, UINT64_MAX, 2), BUDDY_ERR_RANGE);
    /* overlapping what is already free: refused without partial effect */
    CHECK_EQ(buddy_add_range(&z.b, 0x100, 17), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_add_range(&z.b, 0x100 + 47, 10), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_add_range(&z.b, 0x100 + 20, 1), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_free_pages(&z.b), before);
    CHECK_EQ(z.meta[0].state, FRAME_RESERVED);
    CHECK_EQ(z.meta[48].state, FRAME_RESERVED);
    CHECK_EQ(buddy_check(&z.b), 0);
    /* allocated frames cannot be added either */
    uint64_t p = buddy_alloc(&z.b, 0);
    CHECK(p != BUDDY_NONE);
    CHECK_EQ(buddy_add_range(&z.b, p, 1), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_add_range(&z.b, 0x100, 0), BUDDY_OK);
    CHECK_EQ(buddy_check(&z.b), 0);
    zone_free(&z);
}

/* Allocates blocks of one order until none is left, then frees them in a
 * random order, checking after each step. */
static void exhaust_order(unsigned order, uint64_t base, uint32_t n, uint64_t seed)
{
    struct zone z;
    zone_init(&z, base, n);
    /* two usable ranges with a reserved hole between them */
    uint64_t lo = base + 3, hole = base + n / 3, hole_end = hole + 37, hi = base + n - 5;
    CHECK_EQ(zone_add(&z, lo, hole - lo), BUDDY_OK);
    CHECK_EQ(zone_add(&z, hole_end, hi - hole_end), BUDDY_OK);
    uint64_t initial = buddy_free_pages(&z.b);
    uint32_t initial_blocks[BUDDY_ORDERS];
    memcpy(initial_blocks, z.b.free_blocks, sizeof(initial_blocks));

    uint64_t *blocks = malloc(n * sizeof(*blocks));
    uint32_t count = 0;
    for (;;) {
        uint64_t p = buddy_alloc(&z.b, order);
        if (p == BUDDY_NONE)
            break;
        if (!take(&z, p, order)) {
            CHECK(0);
            break;
        }
        CHECK_EQ(z.meta[p - base].state, FRAME_ALLOCATED);
        CHECK_EQ(z.meta[p - base].refcount, 1);
        blocks[count++] = p;
        if (count % 16 == 0)
            CHECK_EQ(buddy_check(&z.b), 0);
    }
    CHECK_EQ(buddy_check(&z.b), 0);
    /* what is left is only smaller blocks */
    for (unsigned k = order; k < BUDDY_ORDERS; k++)
        CHECK_EQ(z.b.free_blocks[k], 0);
    CHECK_EQ(buddy_free_pages(&z.b) + ((uint64_t)count << order), initial);
    /* the number of blocks equals what the decomposition can hold */
    uint64_t fit = 0;
    for (unsigned k = order; k < BUDDY_ORDERS; k++)
        fit += (uint64_t)initial_blocks[k] << (k - order);
    CHECK_EQ(count, fit);

    uint64_t rng = seed;
    while (count > 0) {
        uint32_t i = (uint32_t)(test_rand(&rng) % count);
        uint64_t p = blocks[i];
        blocks[i] = blocks[--count];
        CHECK_EQ(buddy_free(&z.b, p, order), BUDDY_OK);
        give_back(&z, p, order);
        int err = buddy_check(&z.b);
        if (err != 0) {
            CHECK_EQ(err, 0);
            break;
        }
    }
    CHECK_EQ(buddy_free_pages(&z.b), initial);
    for (unsigned k = 0; k < BUDDY_ORDERS; k++)
        CHECK_EQ(z.b.free_blocks[k], initial_blocks[k]);
    free(blocks);
    zone_free(&z);
}

static void test_exhaust_every_order(void)
{
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        exhaust_order(k, 0x80000, 5000, 100 + k);
        exhaust_order(k, 0x80001, 4099, 200 + k); /* unaligned base */
    }
}

static void test_mixed_exhaustion(void)
{
    struct zone z;
    zone_init(&z, 0x12345, 10000);
    CHECK_EQ(zone_add(&z, 0x12345, 10000), BUDDY_OK);
    uint32_t initial_blocks[BUDDY_ORDERS];
    memcpy(initial_blocks, z.b.free_blocks, sizeof(initial_blocks));
    uint64_t rng = 99;
    uint64_t pfns[10000];
    unsigned orders[10000];
    uint32_t count = 0;
    uint64_t held = 0;
    for (;;) {
        unsigned order = (unsigned)(test_rand(&rng) % BUDDY_ORDERS);
        uint64_t p = buddy_alloc(&z.b, order);
        if (p == BUDDY_NONE) {
            /* fall back to smaller orders until even one frame fails */
            if (order == 0)
                break;
            continue;
        }
        CHECK(take(&z, p, order));
        pfns[count] = p;
        orders[count++] = order;
        held += 1ull << order;
    }
    CHECK_EQ(held, 10000);
    CHECK_EQ(buddy_free_pages(&z.b), 0);
    CHECK_EQ(buddy_check(&z.b), 0);
    while (count > 0) {
        uint32_t i = (uint32_t)(test_rand(&rng) % count);
        CHECK_EQ(buddy_free(&z.b, pfns[i], orders[i]), BUDDY_OK);
        give_back(&z, pfns[i], orders[i]);
        pfns[i] = pfns[--count];
        orders[i] = orders[count];
        CHECK_EQ(buddy_check(&z.b), 0);
    }
    CHECK_EQ(buddy_free_pages(&z.b), 10000);
    for (unsigned k = 0; k < BUDDY_ORDERS; k++)
        CHECK_EQ(z.b.free_blocks[k], initial_blocks[k]);
    zone_free(&z);
}

static void test_misuse(void)
{
    struct zone z;
    const uint64_t base = 0x2003;
    zone_init(&z, base, 4096);
    CHECK_EQ(zone_add(&z, base + 100, 3000), BUDDY_OK);
    uint64_t pages = buddy_free_pages(&z.b);

    uint64_t b2 = buddy_alloc(&z.b, 2);
    uint64_t b3 = buddy_alloc(&z.b, 3);
    uint64_t b0 = buddy_alloc(&z.b, 0);
    CHECK(take(&z, b2, 2) && take(&z, b3, 3) && take(&z, b0, 0));
    uint64_t after_alloc = buddy_free_pages(&z.b);
    CHECK_EQ(after_alloc, pages - 4 - 8 - 1);

    CHECK_EQ(buddy_free(&z.b, b2, BUDDY_MAX_ORDER + 1), BUDDY_ERR_ORDER);
    CHECK_EQ(buddy_free(&z.b, b2, 100), BUDDY_ERR_ORDER);
    CHECK_EQ(buddy_free(&z.b, b2, 1), BUDDY_ERR_ORDER);    /* aligned, wrong order */
    CHECK_EQ(buddy_free(&z.b, b2, 0), BUDDY_ERR_ORDER);
    CHECK_EQ(buddy_free(&z.b, b3, 2), BUDDY_ERR_ORDER);
    CHECK_EQ(buddy_free(&z.b, b2 + 1, 2), BUDDY_ERR_ALIGN); /* misaligned */
    CHECK_EQ(buddy_free(&z.b, b3 + 4, 3), BUDDY_ERR_ALIGN);
    CHECK_EQ(buddy_free(&z.b, b2 + 2, 1), BUDDY_ERR_STATE); /* inside the block */
    CHECK_EQ(buddy_free(&z.b, b2 + 1, 0), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_free(&z.b, b3 + 4, 2), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_free(&z.b, base - 1, 0), BUDDY_ERR_RANGE); /* outside the zone */
    CHECK_EQ(buddy_free(&z.b, base + 4096, 0), BUDDY_ERR_RANGE);
    CHECK_EQ(buddy_free(&z.b, 0, 0), BUDDY_ERR_RANGE);
    CHECK_EQ(buddy_free(&z.b, UINT64_MAX, 0), BUDDY_ERR_RANGE);
    CHECK_EQ(buddy_free(&z.b, base + 5, 0), BUDDY_ERR_STATE); /* reserved frame */
    /* a free frame: a head and a tail of some free block */
    uint32_t free_head = BUDDY_NIL;
    for (uint32_t i = 0; i < z.n && free_head == BUDDY_NIL; i++)
        if (z.meta[i].state == FRAME_FREE_HEAD && z.meta[i].order >= 1)
            free_head = i;
    CHECK(free_head != BUDDY_NIL);
    if (free_head != BUDDY_NIL) {
        CHECK_EQ(buddy_free(&z.b, base + free_head, z.meta[free_head].order), BUDDY_ERR_STATE);
        CHECK_EQ(buddy_free(&z.b, base + free_head + 1, 0), BUDDY_ERR_STATE);
    }
    CHECK_EQ(buddy_alloc(&z.b, BUDDY_MAX_ORDER + 1), BUDDY_NONE);
    CHECK_EQ(buddy_alloc(&z.b, 1000), BUDDY_NONE);
    /* none of that changed anything */
    CHECK_EQ(buddy_free_pages(&z.b), after_alloc);
    CHECK_EQ(buddy_check(&z.b), 0);

    /* proper frees work, and a second free of each is refused */
    CHECK_EQ(buddy_free(&z.b, b2, 2), BUDDY_OK);
    CHECK_EQ(buddy_free(&z.b, b2, 2), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_free(&z.b, b0, 0), BUDDY_OK);
    CHECK_EQ(buddy_free(&z.b, b0, 0), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_free(&z.b, b3, 3), BUDDY_OK);
    CHECK_EQ(buddy_free(&z.b, b3, 3), BUDDY_ERR_STATE);
    CHECK_EQ(buddy_free_pages(&z.b), pages);
    CHECK_EQ(buddy_check(&z.b), 0);
    zone_free(&z);
}

/* buddy_check must notice corruption, or its passing proves nothing. */
static void test_check_detects_corruption(void)
{
    struct zone z;
    zone_init(&z, 0x4000, 1024);
    CHECK_EQ(zone_add(&z, 0x4000, 1024), BUDDY_OK);
    uint64_t a = buddy_alloc(&z.b, 0);
    uint64_t big = buddy_alloc(&z.b, 3);
    CHECK_EQ(buddy_check(&z.b), 0);
    struct frame *saved = malloc(buddy_metadata_size(1024));
    memcpy(saved, z.meta, buddy_metadata_size(1024));
    struct buddy saved_b = z.b;
#define RESTORE()                                               \
    do {                                                        \
        memcpy(z.meta, saved, buddy_metadata_size(1024));       \
        z.b = saved_b;                                          \
    } while (0)

    z.b.free_pages++;
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    z.b.free_blocks[0]++;
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    z.meta[big - 0x4000 + 3].state = FRAME_FREE_TAIL; /* tail of an allocated block */
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    z.meta[a - 0x4000].state = FRAME_ALLOC_TAIL; /* orphan tail */
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    uint32_t h = z.b.free_head[0];
    CHECK(h != BUDDY_NIL);
    z.meta[h].prev = 5; /* broken back link */
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    z.meta[h].next = h; /* a cycle */
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    z.meta[h].next = 5000; /* out of the zone */
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    z.meta[h].order = 1; /* on the wrong list */
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    z.meta[big - 0x4000].order = BUDDY_MAX_ORDER + 1;
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    z.meta[big - 0x4000].order = 4; /* would be misaligned or overlap */
    CHECK(buddy_check(&z.b) != 0);
    RESTORE();
    CHECK_EQ(buddy_check(&z.b), 0);

    /* two free buddies left apart */
    CHECK_EQ(buddy_free(&z.b, a, 0), BUDDY_OK);
    CHECK_EQ(buddy_free(&z.b, big, 3), BUDDY_OK);
    CHECK_EQ(buddy_check(&z.b), 0);
    CHECK_EQ(z.b.free_blocks[BUDDY_MAX_ORDER], 1);
    uint32_t top = z.b.free_head[BUDDY_MAX_ORDER];
    /* split the one order-10 block by hand into two order-9 blocks */
    z.b.free_head[BUDDY_MAX_ORDER] = BUDDY_NIL;
    z.b.free_blocks[BUDDY_MAX_ORDER] = 0;
    z.meta[top].order = 9;
    z.meta[top].next = top + 512;
    z.meta[top].prev = BUDDY_NIL;
    z.meta[top + 512].state = FRAME_FREE_HEAD;
    z.meta[top + 512].order = 9;
    z.meta[top + 512].prev = top;
    z.meta[top + 512].next = BUDDY_NIL;
    z.b.free_head[9] = top;
    z.b.free_blocks[9] = 2;
    CHECK(buddy_check(&z.b) != 0);
#undef RESTORE
    free(saved);
    zone_free(&z);
}

static void test_split_and_merge(void)
{
    struct zone z;
    zone_init(&z, 0, 1024);
    CHECK_EQ(zone_add(&z, 0, 1024), BUDDY_OK);
    CHECK_EQ(z.b.free_blocks[BUDDY_MAX_ORDER], 1);
    /* one frame splits the 1024 block into 1+1+2+...+512 */
    uint64_t p = buddy_alloc(&z.b, 0);
    CHECK_EQ(p, 0);
    for (unsigned k = 0; k < BUDDY_MAX_ORDER; k++)
        CHECK_EQ(z.b.free_blocks[k], 1);
    CHECK_EQ(z.b.free_blocks[BUDDY_MAX_ORDER], 0);
    CHECK_EQ(buddy_check(&z.b), 0);
    /* the next order-0 request takes the smallest block, not a new split */
    uint64_t q = buddy_alloc(&z.b, 0);
    CHECK_EQ(q, 1);
    CHECK_EQ(z.b.free_blocks[0], 0);
    CHECK_EQ(buddy_free(&z.b, p, 0), BUDDY_OK);
    CHECK_EQ(buddy_check(&z.b), 0);
    CHECK_EQ(buddy_free(&z.b, q, 0), BUDDY_OK);
    CHECK_EQ(z.b.free_blocks[BUDDY_MAX_ORDER], 1);
    CHECK_EQ(buddy_free_pages(&z.b), 1024);
    CHECK_EQ(buddy_check(&z.b), 0);
    /* order-10 blocks never merge further */
    zone_free(&z);
    zone_init(&z, 0, 4096);
    CHECK_EQ(zone_add(&z, 0, 4096), BUDDY_OK);
    CHECK_EQ(z.b.free_blocks[BUDDY_MAX_ORDER], 4);
    CHECK_EQ(buddy_check(&z.b), 0);
    zone_free(&z);
}

static void test_large_zone(void)
{
    /* 4 GiB of frames, base not aligned to the largest order */
    const uint32_t n = 1u << 20;
    struct zone z;
    zone_init(&z, 0x80000 + 17, n);
    CHECK_EQ(zone_add(&z, 0x80000 + 17, n), BUDDY_OK);
    CHECK_EQ(buddy_free_pages(&z.b), n);
    uint32_t want[BUDDY_ORDERS] = {0};
    expected_blocks(0x80000 + 17, 0x80000 + 17 + (uint64_t)n, want);
    check_blocks(&z.b, want);
    CHECK_EQ(buddy_check(&z.b), 0);
    uint64_t p = buddy_alloc(&z.b, BUDDY_MAX_ORDER);
    CHECK(p != BUDDY_NONE);
    CHECK_EQ(p % (1u << BUDDY_MAX_ORDER), 0);
    CHECK_EQ(buddy_free(&z.b, p, BUDDY_MAX_ORDER), BUDDY_OK);
    CHECK_EQ(buddy_check(&z.b), 0);
    zone_free(&z);
}

static void test_stress(void)
{
    struct zone z;
    const uint64_t base = 0x40001;
    const uint32_t n = 6000;
    zone_init(&z, base, n);
    /* usable ranges with reserved holes, as after carving out the kernel */
    CHECK_EQ(zone_add(&z, base + 1, 999), BUDDY_OK);
    CHECK_EQ(zone_add(&z, base + 1200, 2333), BUDDY_OK);
    CHECK_EQ(zone_add(&z, base + 3600, 2390), BUDDY_OK);
    uint64_t initial = buddy_free_pages(&z.b);
    uint32_t initial_blocks[BUDDY_ORDERS];
    memcpy(initial_blocks, z.b.free_blocks, sizeof(initial_blocks));

    enum { SLOTS = 512 };
    uint64_t pfn[SLOTS];
    unsigned order[SLOTS];
    uint32_t live = 0;
    uint64_t rng = 0xb0dd1e5u;
    uint64_t allocs = 0, failures = 0, bad = 0;
    for (int step = 0; step < 200000; step++) {
        uint64_t r = test_rand(&rng);
        bool do_alloc = live == 0 || (live < SLOTS && r % 100 < 55);
        if (do_alloc) {
            /* mostly small blocks, sometimes big ones */
            unsigned k = (unsigned)((r >> 8) % 16);
            k = k < 8 ? 0 : k < 12 ? 1 + (unsigned)((r >> 16) % 3) : (unsigned)((r >> 16) % BUDDY_ORDERS);
            uint64_t p = buddy_alloc(&z.b, k);
            if (p == BUDDY_NONE) {
                failures++;
                continue;
            }
            if (!take(&z, p, k))
                bad++;
            pfn[live] = p;
            order[live++] = k;
            allocs++;
        } else {
            uint32_t i = (uint32_t)((r >> 8) % live);
            if (buddy_free(&z.b, pfn[i], order[i]) != BUDDY_OK)
                bad++;
            give_back(&z, pfn[i], order[i]);
            pfn[i] = pfn[--live];
            order[i] = order[live];
        }
        if (step % 1000 == 0 && buddy_check(&z.b) != 0)
            bad++;
    }
    CHECK_EQ(bad, 0);
    CHECK(allocs > 50000);
    printf("  stress: %llu allocations, %llu refused\n", (unsigned long long)allocs,
           (unsigned long long)failures);
    while (live > 0) {
        live--;
        CHECK_EQ(buddy_free(&z.b, pfn[live], order[live]), BUDDY_OK);
        give_back(&z, pfn[live], order[live]);
    }
    CHECK_EQ(buddy_check(&z.b), 0);
    CHECK_EQ(buddy_free_pages(&z.b), initial);
    for (unsigned k = 0; k < BUDDY_ORDERS; k++)
        CHECK_EQ(z.b.free_blocks[k], initial_blocks[k]);
    zone_free(&z);
}

int main(void)
{
    RUN(test_init);
    RUN(test_add_ranges);
    RUN(test_add_range_errors);
    RUN(test_split_and_merge);
    RUN(test_exhaust_every_order);
    RUN(test_mixed_exhaustion);
    RUN(test_misuse);
    RUN(test_check_detects_corruption);
    RUN(test_large_zone);
    RUN(test_stress);
    return test_finish();
}
