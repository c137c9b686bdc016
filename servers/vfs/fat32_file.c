/*
 * vfat: file data (fat32.h has the layering).
 *
 * A file's bytes are its clusters in chain order; a cluster is contiguous on
 * the device, so each is moved as block-sized pieces through the block
 * cache, straight between the cache's buffer and the caller (io_sink,
 * io_source). The chain is checked once (fat_chain_check) and then walked
 * from the node's cached position, so sequential I/O costs one FAT entry per
 * cluster.
 *
 * FAT has no holes: a write past the end, or a truncate that grows, writes
 * zeros from the old end on (Linux's cont_write_begin). Bytes past the end
 * within the last cluster are whatever was there and are never shown: every
 * growth zeroes them first. The chain is kept exactly as long as the size
 * needs (a write that stops short gives back the clusters it took), which is
 * what fsck.fat checks. The largest file is 4 GiB - 1 (sizes are 32 bits):
 * a write at or past it is EFBIG, one crossing it is cut short, as Linux.
 */
#include <errno.h>
#include <string.h>

#include "fat32.h"

static uint32_t clusters_for(const struct fat_fs *fs, uint64_t size)
{
    return (uint32_t)((size + fs->g.cluster_size - 1) >> fs->g.cluster_shift);
}

/* One block-sized piece of the file at pos: device offset and length (at
 * most `left`, never crossing a cluster or a cache block). */
static int piece(struct fat_fs *fs, struct fat_node *n, uint64_t pos, uint64_t left, uint64_t *dev, uint32_t *len)
{
    uint32_t c;
    int err = fat_chain_seek(fs, n, (uint32_t)(pos >> fs->g.cluster_shift), &c);
    if (err)
        return err;
    uint32_t in = (uint32_t)(pos & (fs->g.cluster_size - 1u));
    *dev = fat_clus_off(fs, c) + in;
    uint32_t k = fs->g.cluster_size - in;
    uint32_t to_block = BCACHE_BLOCK - (uint32_t)(*dev & (BCACHE_BLOCK - 1u));
    if (k > to_block)
        k = to_block;
    if (k > left)
        k = (uint32_t)left;
    *len = k;
    return 0;
}

long fat_file_read(struct fat_fs *fs, struct fat_node *n, uint64_t off, uint64_t len, struct io_sink *sink)
{
    if (off >= n->v.size || len == 0)
        return 0;
    if (len > n->v.size - off)
        len = n->v.size - off;
    int err = fat_chain_check(fs, n);
    if (err)
        return err;
    uint64_t done = 0;
    while (done < len) {
        uint64_t dev;
        uint32_t k;
        err = piece(fs, n, off + done, len - done, &dev, &k);
        struct bcache_buf *b = NULL;
        if (!err)
            err = bcache_get(fs->bc, dev >> BCACHE_BLOCK_SHIFT, 0, &b);
        if (err)
            return done ? (long)done : err;
        const uint8_t *p = bcache_data(b) + (dev & (BCACHE_BLOCK - 1u));
        if (sink->allow_direct && done == 0 && k == len) {
            /* The answer carries the bytes from the cache's buffer: nothing
             * touches the cache before the reply goes out. */
            sink->direct = p;
            sink->direct_len = k;
            bcache_put(fs->bc, b);
            return (long)k;
        }
        long r = sink->push(sink, done, p, k);
        bcache_put(fs->bc, b);
        if (r < 0)
            return done ? (long)done : r;
        done += (uint64_t)r;
        if ((uint64_t)r < k)
            break;
    }
    return (long)done;
}

/* Zeros bytes [from, to) of the file (within its clusters). */
static int zero_range(struct fat_fs *fs, struct fat_node *n, uint64_t from, uint64_t to)
{
    while (from < to) {
        uint64_t dev;
        uint32_t k;
        int err = piece(fs, n, from, to - from, &dev, &k);
        if (!err)
            err = bcache_zero(fs->bc, dev, k);
        if (err)
            return err;
        from += k;
    }
    return 0;
}

/* Clusters for `size` bytes, as many as the volume has room for; *room: the
 * bytes the chain holds then. -ENOSPC when it is short of size. */
static int grow_to(struct fat_fs *fs, struct fat_node *n, uint64_t size, uint64_t *room)
{
    uint32_t need = clusters_for(fs, size);
    int err = 0;
    if (need > n->nclus && (err = fat_chain_grow(fs, n, need - n->nclus, false)) == -ENOSPC) {
        /* Not all of it: one at a time, as far as the free clusters go. */
        while (n->nclus < need && fat_chain_grow(fs, n, 1, false) == 0)
            ;
    }
    *room = (uint64_t)n->nclus << fs->g.cluster_shift;
    return n->nclus >= need ? 0 : err;
}

static void touched(struct fat_node *n)
{
    n->v.mtime = n->v.ctime = vfs_now();
    n->attr |= ATTR_ARCH; /* changed since the last backup, as Linux and DOS mark it */
}

long fat_file_write(struct fat_fs *fs, struct fat_node *n, uint64_t off, uint64_t len, struct io_source *src)
{
    if (len == 0)
        return 0;
    if (off >= FAT_MAX_FILE)
        return -EFBIG;
    if (len > FAT_MAX_FILE - off)
        len = FAT_MAX_FILE - off;
    int err = fat_chain_check(fs, n);
    if (err)
        return err;
    uint64_t room, old_size = n->v.size;
    err = grow_to(fs, n, off + len, &room);
    if (room <= off) {
        fat_chain_cut(fs, n, clusters_for(fs, old_size));
        return err;
    }
    if (len > room - off)
        len = room - off;
    err = 0;
    if (off > old_size)
        err = zero_range(fs, n, old_size, off);
    uint64_t done = 0;
    while (!err && done < len) {
        uint64_t dev;
        uint32_t k;
        struct bcache_buf *b = NULL;
        err = piece(fs, n, off + done, len - done, &dev, &k);
        if (err)
            break;
        long r;
        if (k == BCACHE_BLOCK) {
            /* A whole block: the bytes come first, so the block need not be
             * read -- unless they do not all come, and the old ones must stay. */
            static uint8_t stage[BCACHE_BLOCK];
            r = src->pull(src, done, stage, k);
            if (r > 0 && !(err = bcache_get(fs->bc, dev >> BCACHE_BLOCK_SHIFT, r == (long)k ? BC_NOREAD : 0, &b))) {
                memcpy(bcache_data(b), stage, (size_t)r);
                bcache_dirty(fs->bc, b);
                bcache_put(fs->bc, b);
            }
        } else {
            err = bcache_get(fs->bc, dev >> BCACHE_BLOCK_SHIFT, 0, &b);
            if (err)
                break;
            r = src->pull(src, done, bcache_data(b) + (dev & (BCACHE_BLOCK - 1u)), k);
            if (r > 0)
                bcache_dirty(fs->bc, b);
            bcache_put(fs->bc, b);
        }
        if (err)
            break;
        if (r < 0) {
            err = (int)r;
            break;
        }
        done += (uint64_t)r;
        if ((uint64_t)r < k)
            break;
    }
    if (off + done > n->v.size)
        n->v.size = off + done;
    /* Clusters taken for bytes that did not come are given back. */
    int cut = fat_chain_cut(fs, n, clusters_for(fs, n->v.size));
    if (!err)
        err = cut;
    if (!done)
        return err;
    touched(n);
    fat_node_write(fs, n); /* an error here shows at the next sync */
    return (long)done;    /* what was written stands, as a short write */
}

int fat_file_truncate(struct fat_fs *fs, struct fat_node *n, uint64_t size)
{
    if (size > FAT_MAX_FILE)
        return -EFBIG;
    int err = fat_chain_check(fs, n);
    if (err)
        return err;
    if (size < n->v.size) {
        err = fat_chain_cut(fs, n, clusters_for(fs, size));
        if (err)
            return err;
        n->v.size = size;
    } else if (size > n->v.size) {
        uint64_t room;
        err = grow_to(fs, n, size, &room);
        if (!err)
            err = zero_range(fs, n, n->v.size, size);
        if (err) {
            fat_chain_cut(fs, n, clusters_for(fs, n->v.size));
            return err;
        }
        n->v.size = size;
    }
    touched(n);
    return fat_node_write(fs, n);
}
