/*
 * The block cache: 4 KiB blocks of one block device, written back.
 *
 * Who owns what. The device (struct blkdev_ops and its ctx) is the caller's:
 * the host tests pass a file, the guest will pass the virtio-blk driver's
 * client. The block buffers are the caller's too (a pool: base pointer and a
 * block count), so the guest can hand in one contiguous memory object that a
 * driver can reach by DMA; the cache never allocates block memory itself. The
 * cache owns its bookkeeping (block headers and the hash), taken from the
 * vfs's page store (pagestore.c) at creation and given back at destruction.
 *
 * Write-back: a written block is only marked dirty; dirty blocks reach the
 * device at bcache_sync (fsync, sync, unmount; a periodic caller once the vfs
 * has a timer) or when the least recently used block must make room for
 * another (it is written first). Nothing orders writes: a crash between two
 * syncs may leave any subset of the dirty blocks on the device.
 *
 * Errors are negative errnos. A block starting at or past the end of the
 * device is -EIO; the device's last block may be partial (its missing sectors
 * read as zeros and are never written). A device error on a read leaves the
 * block uncached; on a write the block stays dirty and the error is returned.
 */
#ifndef VFS_BCACHE_H
#define VFS_BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A block device: sectors of the size given to bcache_create. */
struct blkdev_write {
    uint64_t sector;
    const void *buf;
    uint32_t nsectors;
    int status;                  /* out: 0 or -errno */
};

struct blkdev_ops {
    int (*read)(void *ctx, uint64_t sector, void *buf, uint32_t nsectors);
    int (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors);
    int (*flush)(void *ctx); /* what was written is durable when it returns */
    /* Optional: n writes at once (a device with several requests in flight);
     * fills each status, returns the first error or 0. NULL: one at a time. */
    int (*write_many)(void *ctx, struct blkdev_write *w, unsigned n);
};
#define BCACHE_WRITE_BATCH 32u /* writes bcache_sync hands write_many at once */

#define BCACHE_BLOCK 4096u
#define BCACHE_BLOCK_SHIFT 12u
/* The most blocks a cache can hold (its bookkeeping lives in a bounded table):
 * 120 MiB. */
#define BCACHE_MAX_BLOCKS 30720u

/* bcache_get flags. */
#define BC_NOREAD 1u /* the caller overwrites the whole block: do not read it */

struct bcache;
struct bcache_buf;

struct bcache_stats {
    uint64_t hits, misses;      /* bcache_get lookups */
    uint64_t reads, writes;     /* device calls (one per block) */
    uint64_t evictions, dirty_evictions, flushes;
    uint32_t blocks, dirty;     /* pool size, dirty blocks now */
};

/*
 * A cache of nblocks blocks (at most BCACHE_MAX_BLOCKS; more are not used)
 * whose buffers are pool[0 .. nblocks * 4096), over a device of nsectors
 * sectors of sector_size bytes (512 to 4096, a power of two). NULL when the
 * arguments are wrong or the bookkeeping cannot be allocated.
 */
struct bcache *bcache_create(const struct blkdev_ops *ops, void *ctx, uint32_t sector_size, uint64_t nsectors,
                             void *pool, uint32_t nblocks);
/* Forgets everything, dirty blocks included (sync first); the pool and the
 * device stay the caller's. */
void bcache_destroy(struct bcache *bc);
uint64_t bcache_dev_bytes(const struct bcache *bc);

/* Block blk, pinned (never evicted) until bcache_put; its data are valid
 * while pinned. With BC_NOREAD an uncached block is not read: its contents
 * are undefined until the caller fills all of it. */
int bcache_get(struct bcache *bc, uint64_t blk, unsigned flags, struct bcache_buf **out);
uint8_t *bcache_data(const struct bcache_buf *b);
void bcache_dirty(struct bcache *bc, struct bcache_buf *b);
void bcache_put(struct bcache *bc, struct bcache_buf *b);

/* Byte-granular copies through the cache (any offset and length). A write
 * covering whole blocks does not read them first. */
int bcache_read(struct bcache *bc, uint64_t off, void *buf, size_t len);
int bcache_write(struct bcache *bc, uint64_t off, const void *buf, size_t len);
int bcache_zero(struct bcache *bc, uint64_t off, uint64_t len);

/* Writes every dirty block, then flushes the device if anything was written
 * since its last flush. Returns the first error (the blocks that failed stay
 * dirty). */
int bcache_sync(struct bcache *bc);
/* Drops every clean, unpinned block: the next reads go to the device (after
 * someone else changed it, e.g. a test editing an image). */
void bcache_drop_clean(struct bcache *bc);
void bcache_get_stats(const struct bcache *bc, struct bcache_stats *st);

#endif
