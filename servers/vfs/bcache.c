/*
 * The block cache (bcache.h says what it promises and who owns what).
 *
 * Each buffer of the caller's pool has a header: the block it holds, whether
 * that is valid and dirty, how many callers pin it. Valid headers are in a
 * hash by block number (chained, a power-of-two number of buckets no smaller
 * than the pool) and on one LRU list, most recent first; headers holding
 * nothing are on a free list. A miss takes a free header, else evicts from
 * the LRU end the first unpinned block (writing it first if dirty). Pins make
 * pointers into block data safe while a caller works on them; callers hold
 * at most a few at a time, so the eviction scan passes few pinned blocks.
 *
 * Bookkeeping is in pages from the vfs's store (struct bcache itself is one
 * page holding the tables of header and bucket pages), so nothing here needs
 * a large contiguous allocation.
 */
#include <errno.h>
#include <string.h>

#include "bcache.h"
#include "vfs.h"

struct bcache_buf {
    uint64_t blk;
    uint8_t *data;                 /* in the caller's pool */
    struct bcache_buf *hnext;      /* hash chain */
    struct bcache_buf *prev, *next; /* the LRU list (valid) or the free list (next only) */
    uint32_t pins;
    bool valid, dirty;
};

#define HDRS_PER_PAGE (VFS_PAGE / sizeof(struct bcache_buf))
#define HDR_PAGES ((BCACHE_MAX_BLOCKS + HDRS_PER_PAGE - 1) / HDRS_PER_PAGE)
#define BUCKETS_PER_PAGE (VFS_PAGE / sizeof(void *))
#define BUCKET_PAGES 64u /* 32768 buckets: enough for BCACHE_MAX_BLOCKS */

struct bcache {
    const struct blkdev_ops *ops;
    void *ctx;
    uint32_t sector_size;
    uint32_t spb;                  /* sectors per block */
    uint64_t nsectors;
    uint32_t nblocks;
    uint32_t nbuckets;             /* a power of two */
    struct bcache_buf *lru_head, *lru_tail;
    struct bcache_buf *free_list;
    struct bcache_stats st;
    bool unflushed;                /* a write reached the device since its last flush */
    struct bcache_buf *hdr_pages[HDR_PAGES];
    struct bcache_buf **bucket_pages[BUCKET_PAGES];
};

_Static_assert(sizeof(struct bcache) <= VFS_PAGE, "struct bcache is one page");

static struct bcache_buf *hdr(const struct bcache *bc, uint32_t i)
{
    return &bc->hdr_pages[i / HDRS_PER_PAGE][i % HDRS_PER_PAGE];
}

static struct bcache_buf **bucket(const struct bcache *bc, uint64_t blk)
{
    uint32_t b = (uint32_t)((blk * 0x9E3779B97F4A7C15ull) >> 32) & (bc->nbuckets - 1u);
    return &bc->bucket_pages[b / BUCKETS_PER_PAGE][b % BUCKETS_PER_PAGE];
}

void bcache_destroy(struct bcache *bc)
{
    if (!bc)
        return;
    for (uint32_t i = 0; i < HDR_PAGES; i++)
        if (bc->hdr_pages[i])
            ps_page_free(bc->hdr_pages[i]);
    for (uint32_t i = 0; i < BUCKET_PAGES; i++)
        if (bc->bucket_pages[i])
            ps_page_free(bc->bucket_pages[i]);
    ps_page_free(bc);
}

struct bcache *bcache_create(const struct blkdev_ops *ops, void *ctx, uint32_t sector_size, uint64_t nsectors,
                             void *pool, uint32_t nblocks)
{
    if (!ops || !ops->read || !ops->write || !pool || nblocks == 0 || sector_size < 512 ||
        sector_size > BCACHE_BLOCK || (sector_size & (sector_size - 1)))
        return NULL;
    if (nblocks > BCACHE_MAX_BLOCKS)
        nblocks = BCACHE_MAX_BLOCKS;
    struct bcache *bc = ps_page_zalloc();
    if (!bc)
        return NULL;
    bc->ops = ops;
    bc->ctx = ctx;
    bc->sector_size = sector_size;
    bc->spb = BCACHE_BLOCK / sector_size;
    bc->nsectors = nsectors;
    bc->nblocks = nblocks;
    bc->nbuckets = (uint32_t)BUCKETS_PER_PAGE;
    while (bc->nbuckets < nblocks)
        bc->nbuckets *= 2;
    for (uint32_t i = 0; i * HDRS_PER_PAGE < nblocks; i++) {
        if (!(bc->hdr_pages[i] = ps_page_zalloc())) {
            bcache_destroy(bc);
            return NULL;
        }
    }
    for (uint32_t i = 0; i * BUCKETS_PER_PAGE < bc->nbuckets; i++) {
        if (!(bc->bucket_pages[i] = ps_page_zalloc())) {
            bcache_destroy(bc);
            return NULL;
        }
    }
    for (uint32_t i = nblocks; i-- > 0;) {
        struct bcache_buf *b = hdr(bc, i);
        b->data = (uint8_t *)pool + (size_t)i * BCACHE_BLOCK;
        b->next = bc->free_list;
        bc->free_list = b;
    }
    bc->st.blocks = nblocks;
    return bc;
}

uint64_t bcache_dev_bytes(const struct bcache *bc)
{
    return bc->nsectors * bc->sector_size;
}

/* ---- lists ------------------------------------------------------------------ */

static void lru_unlink(struct bcache *bc, struct bcache_buf *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        bc->lru_head = b->next;
    if (b->next)
        b->next->prev = b->prev;
    else
        bc->lru_tail = b->prev;
    b->prev = b->next = NULL;
}

static void lru_push_front(struct bcache *bc, struct bcache_buf *b)
{
    b->prev = NULL;
    b->next = bc->lru_head;
    if (bc->lru_head)
        bc->lru_head->prev = b;
    else
        bc->lru_tail = b;
    bc->lru_head = b;
}

static void hash_remove(struct bcache *bc, struct bcache_buf *b)
{
    struct bcache_buf **pp = bucket(bc, b->blk);
    while (*pp != b)
        pp = &(*pp)->hnext;
    *pp = b->hnext;
    b->hnext = NULL;
}

/* ---- device I/O ------------------------------------------------------------- */

/* Sectors of block blk that exist on the device (the last block may be short). */
static uint32_t block_sectors(const struct bcache *bc, uint64_t blk)
{
    uint64_t first = blk * bc->spb;
    uint64_t left = bc->nsectors - first;
    return left < bc->spb ? (uint32_t)left : bc->spb;
}

static int write_out(struct bcache *bc, struct bcache_buf *b)
{
    int err = bc->ops->write(bc->ctx, b->blk * bc->spb, b->data, block_sectors(bc, b->blk));
    bc->st.writes++;
    if (err)
        return err < 0 ? err : -EIO;
    bc->unflushed = true;
    b->dirty = false;
    bc->st.dirty--;
    return 0;
}

/* A header for a new block: a free one, or the least recently used unpinned
 * block (written first if dirty; one that cannot be written is kept and the
 * next is tried). */
static int take_buffer(struct bcache *bc, struct bcache_buf **out)
{
    if (bc->free_list) {
        *out = bc->free_list;
        bc->free_list = (*out)->next;
        (*out)->next = NULL;
        return 0;
    }
    int err = -ENOBUFS; /* every block pinned: a caller holds too many */
    for (struct bcache_buf *b = bc->lru_tail; b; b = b->prev) {
        if (b->pins)
            continue;
        if (b->dirty) {
            int w = write_out(bc, b);
            if (w) {
                err = w;
                continue;
            }
            bc->st.dirty_evictions++;
        }
        bc->st.evictions++;
        hash_remove(bc, b);
        lru_unlink(bc, b);
        b->valid = false;
        *out = b;
        return 0;
    }
    return err;
}

static void give_back(struct bcache *bc, struct bcache_buf *b)
{
    b->valid = false;
    b->next = bc->free_list;
    bc->free_list = b;
}

/* ---- the interface ------------------------------------------------------------ */

int bcache_get(struct bcache *bc, uint64_t blk, unsigned flags, struct bcache_buf **out)
{
    *out = NULL;
    if (blk >= (bc->nsectors + bc->spb - 1) / bc->spb)
        return -EIO; /* past the end of the device */
    for (struct bcache_buf *b = *bucket(bc, blk); b; b = b->hnext) {
        if (b->blk == blk) {
            bc->st.hits++;
            if (b != bc->lru_head) {
                lru_unlink(bc, b);
                lru_push_front(bc, b);
            }
            b->pins++;
            *out = b;
            return 0;
        }
    }
    bc->st.misses++;
    struct bcache_buf *b;
    int err = take_buffer(bc, &b);
    if (err)
        return err;
    b->blk = blk;
    uint32_t n = block_sectors(bc, blk);
    if (!(flags & BC_NOREAD)) {
        err = bc->ops->read(bc->ctx, blk * bc->spb, b->data, n);
        bc->st.reads++;
        if (err) {
            give_back(bc, b);
            return err < 0 ? err : -EIO;
        }
    }
    if (n < bc->spb)
        memset(b->data + (size_t)n * bc->sector_size, 0, (size_t)(bc->spb - n) * bc->sector_size);
    b->valid = true;
    b->dirty = false;
    b->pins = 1;
    struct bcache_buf **head = bucket(bc, blk);
    b->hnext = *head;
    *head = b;
    lru_push_front(bc, b);
    *out = b;
    return 0;
}

uint8_t *bcache_data(const struct bcache_buf *b) { return b->data; }

void bcache_dirty(struct bcache *bc, struct bcache_buf *b)
{
    if (!b->dirty) {
        b->dirty = true;
        bc->st.dirty++;
    }
}

void bcache_put(struct bcache *bc, struct bcache_buf *b)
{
    (void)bc;
    if (b && b->pins)
        b->pins--;
}

/* Walks [off, off + len) block by block: fn gets each block's part. */
static int each_block(struct bcache *bc, uint64_t off, uint64_t len, bool writing,
                      void (*fn)(uint8_t *blockdata, uint64_t done, uint32_t n, void *arg), void *arg)
{
    if (len == 0)
        return 0;
    if (off > bcache_dev_bytes(bc) || len > bcache_dev_bytes(bc) - off)
        return -EIO;
    uint64_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t in = (uint32_t)(pos & (BCACHE_BLOCK - 1u));
        uint32_t n = BCACHE_BLOCK - in < len - done ? BCACHE_BLOCK - in : (uint32_t)(len - done);
        struct bcache_buf *b;
        int err = bcache_get(bc, pos >> BCACHE_BLOCK_SHIFT, writing && n == BCACHE_BLOCK ? BC_NOREAD : 0, &b);
        if (err)
            return err;
        fn(b->data + in, done, n, arg);
        if (writing)
            bcache_dirty(bc, b);
        bcache_put(bc, b);
        done += n;
    }
    return 0;
}

static void copy_out(uint8_t *p, uint64_t done, uint32_t n, void *arg)
{
    memcpy((uint8_t *)arg + done, p, n);
}

static void copy_in(uint8_t *p, uint64_t done, uint32_t n, void *arg)
{
    memcpy(p, (const uint8_t *)arg + done, n);
}

static void clear(uint8_t *p, uint64_t done, uint32_t n, void *arg)
{
    (void)done;
    (void)arg;
    memset(p, 0, n);
}

int bcache_read(struct bcache *bc, uint64_t off, void *buf, size_t len)
{
    return each_block(bc, off, len, false, copy_out, buf);
}

int bcache_write(struct bcache *bc, uint64_t off, const void *buf, size_t len)
{
    return each_block(bc, off, len, true, copy_in, (void *)(uintptr_t)buf);
}

int bcache_zero(struct bcache *bc, uint64_t off, uint64_t len)
{
    return each_block(bc, off, len, true, clear, NULL);
}

/* Writes the batch's blocks with one write_many call; marks the ones written clean. */
static int write_batch(struct bcache *bc, struct bcache_buf **bufs, struct blkdev_write *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        w[i] = (struct blkdev_write){ bufs[i]->blk * bc->spb, bufs[i]->data, block_sectors(bc, bufs[i]->blk), 0 };
    int err = bc->ops->write_many(bc->ctx, w, n);
    bc->st.writes += n;
    for (unsigned i = 0; i < n; i++) {
        if (w[i].status)
            continue; /* stays dirty */
        bufs[i]->dirty = false;
        bc->st.dirty--;
        bc->unflushed = true;
    }
    return err;
}

int bcache_sync(struct bcache *bc)
{
    int first = 0;
    struct bcache_buf *bufs[BCACHE_WRITE_BATCH];
    struct blkdev_write w[BCACHE_WRITE_BATCH];
    unsigned n = 0;
    /* Ascending header order, not block order: the device is a virtio queue,
     * and sorting would cost more than it saves there. With write_many the
     * dirty blocks go BCACHE_WRITE_BATCH at a time, in flight together. */
    for (uint32_t i = 0; i < bc->nblocks && bc->st.dirty; i++) {
        struct bcache_buf *b = hdr(bc, i);
        if (!b->valid || !b->dirty)
            continue;
        int err = 0;
        if (!bc->ops->write_many) {
            err = write_out(bc, b);
        } else {
            bufs[n++] = b;
            if (n == BCACHE_WRITE_BATCH) {
                err = write_batch(bc, bufs, w, n);
                n = 0;
            }
        }
        if (err && !first)
            first = err;
    }
    if (n) {
        int err = write_batch(bc, bufs, w, n);
        if (err && !first)
            first = err;
    }
    /* A flush only when something was written since the last: the vfs's
     * periodic write-back finds nothing to do most of the time, and a device
     * flush is not free (the host may fsync). */
    if (bc->ops->flush && bc->unflushed) {
        int err = bc->ops->flush(bc->ctx);
        bc->st.flushes++;
        if (err && !first)
            first = err < 0 ? err : -EIO;
        else if (!err)
            bc->unflushed = false;
    }
    return first;
}

void bcache_drop_clean(struct bcache *bc)
{
    struct bcache_buf *b = bc->lru_head;
    while (b) {
        struct bcache_buf *next = b->next;
        if (!b->dirty && !b->pins) {
            hash_remove(bc, b);
            lru_unlink(bc, b);
            give_back(bc, b);
        }
        b = next;
    }
}

void bcache_get_stats(const struct bcache *bc, struct bcache_stats *st)
{
    *st = bc->st;
}
