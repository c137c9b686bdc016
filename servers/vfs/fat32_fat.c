/*
 * vfat: the file allocation table and the FSInfo sector (fat32.h has the
 * layering).
 *
 * Entries are 28 bits in 32 (the top 4 are reserved and kept as found). Reads
 * use the active FAT; writes go to every copy when the volume mirrors (the
 * usual case, ExtFlags bit 7 clear), else to the active one only.
 *
 * A chain is never trusted: fat_chain_check walks a node's chain once before
 * its data are used, bounded by the volume's cluster count, with Brent's
 * cycle detection (a remembered cluster, moved to the walker's place each
 * time the distance doubles), so a loop is found in a few times its length
 * rather than after the whole volume's worth of steps; every link is checked
 * to stay inside the volume and not to be free or bad. A file's chain must
 * hold its size (a longer one is kept: the extra clusters are used as it
 * grows, or freed by a truncate). Afterwards, nodes remember where their last
 * walk stopped (pos_idx, pos_clus), so reading or writing a file from start
 * to end costs one FAT entry per cluster, not a walk from the start each time.
 *
 * Allocation scans the FAT from the FSInfo hint (next_free), wrapping around,
 * a block at a time; the free count is kept exact when it was trusted at
 * mount, or counted from the FAT the first time statfs asks.
 */
#include <errno.h>
#include <string.h>

#include "fat32.h"

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint64_t entry_off(const struct fat_fs *fs, uint32_t copy, uint32_t c)
{
    return fs->g.fat_off + (uint64_t)copy * fs->g.fat_bytes + (uint64_t)c * 4u;
}

int fat_get(struct fat_fs *fs, uint32_t c, uint32_t *val)
{
    if (c - 2u >= fs->g.nclusters)
        return fat_error(fs, "FAT entry %u asked for, outside the volume", c);
    uint8_t b[4];
    int err = bcache_read(fs->bc, entry_off(fs, fs->g.active_fat, c), b, 4);
    if (err)
        return err;
    *val = le32(b) & FAT_MASK;
    return 0;
}

int fat_set(struct fat_fs *fs, uint32_t c, uint32_t val)
{
    if (c - 2u >= fs->g.nclusters)
        return fat_error(fs, "FAT entry %u written, outside the volume", c);
    uint8_t b[4];
    int err = bcache_read(fs->bc, entry_off(fs, fs->g.active_fat, c), b, 4);
    if (err)
        return err;
    put_le32(b, (le32(b) & ~FAT_MASK) | (val & FAT_MASK));
    for (uint32_t copy = 0; copy < fs->g.nfats; copy++) {
        if (!fs->g.mirror && copy != fs->g.active_fat)
            continue;
        err = bcache_write(fs->bc, entry_off(fs, copy, c), b, 4);
        if (err)
            return err;
    }
    return 0;
}

/* Who a message is about. */
static uint64_t who(const struct fat_node *n) { return n ? n->v.ino : 0; }

int fat_next(struct fat_fs *fs, struct fat_node *n, uint32_t c, uint32_t *next)
{
    uint32_t v;
    int err = fat_get(fs, c, &v);
    if (err)
        return err;
    if (v >= FAT_EOC_MIN) {
        *next = 0;
        return 0;
    }
    if (v == FAT_FREE)
        return fat_error(fs, "inode %llu: cluster %u of its chain links to a free cluster",
                         (unsigned long long)who(n), c);
    if (v == FAT_BAD)
        return fat_error(fs, "inode %llu: cluster %u of its chain links to a bad cluster",
                         (unsigned long long)who(n), c);
    if (!fat_clus_valid(fs, v))
        return fat_error(fs, "inode %llu: cluster %u of its chain links out of the volume (%u)",
                         (unsigned long long)who(n), c, v);
    *next = v;
    return 0;
}

static int chain_walk(struct fat_fs *fs, struct fat_node *n);

int fat_chain_check(struct fat_fs *fs, struct fat_node *n)
{
    if (n->chain_ok)
        return 0;
    if (n->chain_bad)
        return -EIO; /* said once: a damaged chain stays damaged while mounted */
    uint32_t said = fs->io_errors;
    int err = chain_walk(fs, n);
    if (err && fs->io_errors != said)
        n->chain_bad = true; /* damage found (not a device error, which may pass) */
    return err;
}

static int chain_walk(struct fat_fs *fs, struct fat_node *n)
{
    uint64_t need = (n->v.size + fs->g.cluster_size - 1) >> fs->g.cluster_shift;
    bool file = !fn_is_dir(n);
    if (n->first == 0) {
        if ((file && need) || !file)
            return fat_error(fs, "inode %llu: %s without clusters", (unsigned long long)n->v.ino,
                             file ? "a non-empty file" : "a directory");
        n->nclus = n->last = n->pos_idx = n->pos_clus = 0;
        n->chain_ok = true;
        return 0;
    }
    if (!fat_clus_valid(fs, n->first))
        return fat_error(fs, "inode %llu: first cluster %u out of the volume", (unsigned long long)n->v.ino,
                         n->first);
    uint32_t c = n->first, count = 1, saved = n->first, power = 1, lam = 0;
    for (;;) {
        uint32_t next;
        int err = fat_next(fs, n, c, &next);
        if (err)
            return err;
        if (next == 0)
            break;
        if (next == saved || count >= fs->g.nclusters)
            return fat_error(fs, "inode %llu: its cluster chain loops (at cluster %u)",
                             (unsigned long long)n->v.ino, next);
        count++;
        if (++lam == power) {
            saved = next;
            power <<= 1;
            lam = 0;
        }
        c = next;
    }
    if (file && count < need)
        return fat_error(fs, "inode %llu: %u clusters cannot hold its %llu bytes", (unsigned long long)n->v.ino,
                         count, (unsigned long long)n->v.size);
    n->nclus = count;
    n->last = c;
    n->pos_idx = 0;
    n->pos_clus = n->first;
    n->chain_ok = true;
    return 0;
}

int fat_chain_seek(struct fat_fs *fs, struct fat_node *n, uint32_t idx, uint32_t *clus)
{
    if (!n->chain_ok || idx >= n->nclus)
        return fat_error(fs, "inode %llu: cluster %u of %u asked for", (unsigned long long)n->v.ino, idx, n->nclus);
    if (idx == n->nclus - 1) {
        *clus = n->last;
        return 0;
    }
    uint32_t i = 0, c = n->first;
    if (n->pos_clus && n->pos_idx <= idx) {
        i = n->pos_idx;
        c = n->pos_clus;
    }
    while (i < idx) {
        uint32_t next;
        int err = fat_next(fs, n, c, &next);
        if (err)
            return err;
        if (next == 0)
            return fat_error(fs, "inode %llu: its chain ended at %u of %u clusters", (unsigned long long)n->v.ino,
                             i + 1, n->nclus);
        c = next;
        i++;
    }
    n->pos_idx = idx;
    n->pos_clus = c;
    *clus = c;
    return 0;
}

/* A free cluster, from the hint on: its number, or -ENOSPC. */
static int find_free(struct fat_fs *fs, uint32_t *out)
{
    struct bcache_buf *b = NULL;
    uint64_t held = UINT64_MAX;
    uint32_t start = fat_clus_valid(fs, fs->next_free) ? fs->next_free : 2;
    int err = -ENOSPC;
    for (uint32_t k = 0; k < fs->g.nclusters; k++) {
        uint32_t c = 2 + (start - 2 + k) % fs->g.nclusters;
        uint64_t off = entry_off(fs, fs->g.active_fat, c);
        uint64_t blk = off >> BCACHE_BLOCK_SHIFT;
        if (blk != held) {
            if (b)
                bcache_put(fs->bc, b);
            b = NULL;
            int e = bcache_get(fs->bc, blk, 0, &b);
            if (e) {
                err = e;
                break;
            }
            held = blk;
        }
        if ((le32(bcache_data(b) + (off & (BCACHE_BLOCK - 1u))) & FAT_MASK) == FAT_FREE) {
            *out = c;
            err = 0;
            break;
        }
    }
    if (b)
        bcache_put(fs->bc, b);
    return err;
}

static int alloc_one(struct fat_fs *fs, uint32_t *out)
{
    uint32_t c;
    int err = find_free(fs, &c);
    if (err)
        return err;
    err = fat_set(fs, c, FAT_EOC);
    if (err)
        return err;
    if (fs->free_known && fs->free_count)
        fs->free_count--;
    fs->next_free = c + 1 - 2 < fs->g.nclusters ? c + 1 : 2;
    fs->fsinfo_dirty = true;
    *out = c;
    return 0;
}

int fat_free_chain(struct fat_fs *fs, struct fat_node *n, uint32_t c)
{
    for (uint32_t k = 0; c && k < fs->g.nclusters; k++) {
        uint32_t v;
        int err = fat_get(fs, c, &v);
        if (err)
            return err;
        if (v == FAT_FREE) /* freed already (a loop, or a link into free space): not counted twice */
            return fat_error(fs, "inode %llu: freeing its chain, cluster %u is free already",
                             (unsigned long long)who(n), c);
        if ((err = fat_set(fs, c, FAT_FREE)))
            return err;
        if (fs->free_known)
            fs->free_count++;
        fs->fsinfo_dirty = true;
        if (v >= FAT_EOC_MIN)
            return 0;
        if (!fat_clus_valid(fs, v))
            return fat_error(fs, "inode %llu: freeing its chain, cluster %u links to %u",
                             (unsigned long long)who(n), c, v);
        c = v;
    }
    return c ? fat_error(fs, "inode %llu: freeing its chain, it never ends", (unsigned long long)who(n)) : 0;
}

int fat_chain_grow(struct fat_fs *fs, struct fat_node *n, uint32_t count, bool zero)
{
    if (count == 0)
        return 0;
    /* The new clusters make a chain of their own first, linked to the node's
     * only once all of them exist: a failure frees them and leaves the node's
     * chain as it was. */
    uint32_t first_new = 0, last = 0;
    int err = 0;
    for (uint32_t got = 0; got < count && !err; got++) {
        uint32_t c;
        err = alloc_one(fs, &c);
        if (err)
            break;
        if (!first_new)
            first_new = c;
        else if ((err = fat_set(fs, last, c)))
            fat_free_chain(fs, n, c); /* allocated, not linked */
        if (!err)
            last = c;
        if (!err && zero)
            err = bcache_zero(fs->bc, fat_clus_off(fs, c), fs->g.cluster_size);
    }
    if (!err && n->last)
        err = fat_set(fs, n->last, first_new);
    if (err) {
        if (first_new)
            fat_free_chain(fs, n, first_new);
        return err;
    }
    if (!n->first) {
        n->first = first_new;
        n->pos_idx = 0;
        n->pos_clus = first_new;
    }
    n->nclus += count;
    n->last = last;
    return 0;
}

int fat_chain_cut(struct fat_fs *fs, struct fat_node *n, uint32_t keep)
{
    if (keep >= n->nclus)
        return 0;
    uint32_t rest;
    if (keep == 0) {
        rest = n->first;
        n->first = n->last = n->pos_idx = n->pos_clus = 0;
    } else {
        uint32_t c;
        int err = fat_chain_seek(fs, n, keep - 1, &c);
        if (!err)
            err = fat_get(fs, c, &rest);
        if (!err)
            err = fat_set(fs, c, FAT_EOC);
        if (err)
            return err;
        n->last = c;
        if (n->pos_idx >= keep) {
            n->pos_idx = keep - 1;
            n->pos_clus = c;
        }
    }
    n->nclus = keep;
    return rest && rest < FAT_EOC_MIN ? fat_free_chain(fs, n, rest) : 0;
}

int fat_free_clusters(struct fat_fs *fs, uint32_t *out)
{
    if (!fs->free_known) {
        uint32_t count = 0;
        struct bcache_buf *b = NULL;
        uint64_t held = UINT64_MAX;
        for (uint32_t c = 2; c - 2 < fs->g.nclusters; c++) {
            uint64_t off = entry_off(fs, fs->g.active_fat, c);
            uint64_t blk = off >> BCACHE_BLOCK_SHIFT;
            if (blk != held) {
                if (b)
                    bcache_put(fs->bc, b);
                b = NULL;
                int err = bcache_get(fs->bc, blk, 0, &b);
                if (err)
                    return err;
                held = blk;
            }
            if ((le32(bcache_data(b) + (off & (BCACHE_BLOCK - 1u))) & FAT_MASK) == FAT_FREE)
                count++;
        }
        if (b)
            bcache_put(fs->bc, b);
        fs->free_count = count;
        fs->free_known = true;
        fs->fsinfo_dirty = true;
    }
    *out = fs->free_count;
    return 0;
}

/* ---- FSInfo --------------------------------------------------------------------- */

#define FSI_LEAD 0x41615252u
#define FSI_STRUCT 0x61417272u
#define FSI_TRAIL 0xaa550000u

static uint64_t fsinfo_off(const struct fat_fs *fs) { return (uint64_t)fs->g.fsinfo_sector * fs->g.sector_size; }

int fat_fsinfo_read(struct fat_fs *fs)
{
    fs->fsinfo_ok = false;
    fs->free_known = false;
    fs->next_free = 2;
    if (!fs->g.fsinfo_sector)
        return 0;
    uint8_t s[512];
    int err = bcache_read(fs->bc, fsinfo_off(fs), s, sizeof(s));
    if (err)
        return err;
    if (le32(s) != FSI_LEAD || le32(s + 484) != FSI_STRUCT || le32(s + 508) != FSI_TRAIL)
        return 0; /* no usable FSInfo: counted when needed, never written */
    fs->fsinfo_ok = true;
    fs->fsinfo_free_disk = le32(s + 488);
    fs->fsinfo_next_disk = le32(s + 492);
    if (fs->fsinfo_free_disk <= fs->g.nclusters) {
        fs->free_count = fs->fsinfo_free_disk;
        fs->free_known = true;
    }
    if (fat_clus_valid(fs, fs->fsinfo_next_disk))
        fs->next_free = fs->fsinfo_next_disk;
    return 0;
}

int fat_fsinfo_write(struct fat_fs *fs)
{
    if (fs->rdonly || !fs->fsinfo_ok || !fs->fsinfo_dirty)
        return 0;
    uint32_t free = fs->free_known ? fs->free_count : 0xffffffffu;
    uint32_t next = fs->next_free;
    if (free != fs->fsinfo_free_disk || next != fs->fsinfo_next_disk) {
        uint8_t b[8];
        put_le32(b, free);
        put_le32(b + 4, next);
        int err = bcache_write(fs->bc, fsinfo_off(fs) + 488, b, sizeof(b));
        if (err)
            return err;
        fs->fsinfo_free_disk = free;
        fs->fsinfo_next_disk = next;
    }
    fs->fsinfo_dirty = false;
    return 0;
}
