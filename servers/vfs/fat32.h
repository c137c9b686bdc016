/*
 * vfat: FAT32 with VFAT long names, a back-end of the vfs (struct vnode_ops)
 * over a block cache (bcache.h). Internal interface of the fat32_*.c files;
 * docs/architecture.md ("vfat") describes the whole.
 *
 * Files, one job each:
 *   fat32_bpb.c    the boot sector: parse and validate the BPB (pure)
 *   fat32_time.c   FAT dates and times <-> Unix seconds (pure)
 *   fat32_name.c   UTF-8 <-> UTF-16, case folding, 8.3 names, LFN checksum (pure)
 *   fat32_fat.c    the FAT: entries (every copy), chains and their checks,
 *                  cluster allocation, the FSInfo sector
 *   fat32_dir.c    directory entries: reading a directory into the dcache,
 *                  adding and removing entry sets, the short-name index
 *   fat32_file.c   file data: read, write, truncate (cluster position cache)
 *   fat32_vnode.c  struct vnode_ops
 *   fat32_mount.c  mount options, mount, sync, unmount, remount
 *
 * Ownership. A struct fat_fs belongs to its mount (mount.fs) and is freed by
 * fat32_unmount; it borrows the struct bcache (the block device's, see
 * mount.c's block device table). Every struct fat_node is on its fs's node
 * list from creation to release. A node exists for the root and for every
 * entry of every directory read so far (a directory is read the first time
 * something looks into it, not at mount); nodes are never evicted while
 * mounted. A node is freed (vnode_ops.release) when it has no name, no open
 * object and no removed subdirectory pinning it -- its clusters go then, so
 * an unlinked file stays readable while open -- or at unmount.
 *
 * Errors found on disk at run time (a chain that loops, leaves the volume or
 * runs into a free cluster, a directory entry that makes no sense) are -EIO,
 * with a message through vfs_logf; nothing trusts a value read from the
 * device without a bound check.
 */
#ifndef VFS_FAT32_H
#define VFS_FAT32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bcache.h"
#include "vfs.h"

#define MSDOS_SUPER_MAGIC 0x4d44

/* On-disk directory entries (32 bytes). */
#define DE_SIZE 32u
#define DE_NAME 0
#define DE_ATTR 11
#define DE_NTCASE 12
#define DE_CTIME_CS 13
#define DE_CTIME 14
#define DE_CDATE 16
#define DE_ADATE 18
#define DE_START_HI 20
#define DE_MTIME 22
#define DE_MDATE 24
#define DE_START_LO 26
#define DE_SIZE_FIELD 28

#define ATTR_RO 0x01u
#define ATTR_HIDDEN 0x02u
#define ATTR_SYS 0x04u
#define ATTR_VOLUME 0x08u
#define ATTR_DIR 0x10u
#define ATTR_ARCH 0x20u
#define ATTR_LFN 0x0fu /* RO | HIDDEN | SYS | VOLUME: a long-name slot */

#define DE_FREE 0xe5u  /* first byte of a deleted entry */
#define DE_END 0x00u   /* first byte of the first never-used entry */
#define DE_KANJI 0x05u /* first byte standing for 0xe5 in a name */

#define NT_LOWER_BASE 0x08u /* Windows NT: the base is shown in lower case */
#define NT_LOWER_EXT 0x10u

/* Long-name slots. */
#define LFN_ORD 0
#define LFN_CHKSUM 13
#define LFN_LAST 0x40u
#define LFN_CHARS 13u
#define LFN_MAX_SLOTS 20u    /* 255 UTF-16 units */
#define LFN_MAX_UNITS 255u

/* FAT entries. */
#define FAT_MASK 0x0fffffffu
#define FAT_FREE 0u
#define FAT_BAD 0x0ffffff7u
#define FAT_EOC 0x0fffffffu  /* what we write at a chain's end */
#define FAT_EOC_MIN 0x0ffffff8u
#define FAT32_MAX_CLUSTERS 0x0ffffff5u

#define FAT_MAX_FILE 0xffffffffull /* sizes are 32-bit: Linux's s_maxbytes for FAT */
#define FAT_MAX_DIR_SLOTS 65536u   /* 2 MiB of entries: the spec's limit */

/* ---- fat32_bpb.c ----------------------------------------------------------- */

/* What the BPB says, checked and in bytes where that helps. */
struct fat_geom {
    uint32_t sector_size;       /* bytes per logical sector: 512 .. 4096 */
    uint32_t cluster_size;      /* bytes */
    uint32_t cluster_shift;
    uint32_t reserved;          /* sectors */
    uint32_t nfats;
    uint32_t fat_sectors;       /* per FAT */
    uint64_t total_sectors;
    uint64_t fat_off;           /* byte offset of the first FAT */
    uint64_t fat_bytes;         /* bytes per FAT */
    uint64_t data_off;          /* byte offset of cluster 2 */
    uint32_t nclusters;         /* data clusters: 2 .. nclusters + 1 */
    uint32_t root_cluster;
    uint32_t fsinfo_sector;     /* 0: none */
    bool mirror;                /* write every FAT (else only active_fat) */
    uint32_t active_fat;
};

/* Parses sector 0 (at least 512 bytes: sec_len) of a device of dev_bytes.
 * 0, or -EINVAL with a sentence in msg. */
int fat_bpb_parse(const uint8_t *sec, size_t sec_len, uint64_t dev_bytes, struct fat_geom *g, char *msg,
                  size_t cap);

/* ---- fat32_time.c ---------------------------------------------------------- */

/* Unix seconds (UTC: FAT holds local time, and local time here is UTC) to a
 * FAT date and time, clamped to 1980-01-01 .. 2107-12-31 23:59:58; *cs gets
 * the creation time's hundredths (odd second and fraction), may be NULL. */
void fat_time_to_disk(struct vfs_time t, uint16_t *date, uint16_t *time, uint8_t *cs);
struct vfs_time fat_time_from_disk(uint16_t date, uint16_t time, uint8_t cs);
/* What a time becomes after a round trip through the disk. */
struct vfs_time fat_time_mtime(struct vfs_time t); /* 2 s */
struct vfs_time fat_time_adate(struct vfs_time t); /* the day */

/* ---- fat32_name.c ---------------------------------------------------------- */

/* UTF-8 to UTF-16 (surrogate pairs for U+10000 and up): units, -EINVAL for
 * bytes that are not UTF-8 (overlong, surrogates, past U+10FFFF, truncated),
 * -ENAMETOOLONG past cap units. */
int fat_utf8_to_utf16(const char *s, uint32_t len, uint16_t *out, uint32_t cap);
/* UTF-16 to UTF-8: bytes, or -1 for an unpaired surrogate or past cap bytes. */
int fat_utf16_to_utf8(const uint16_t *u, uint32_t n, char *out, uint32_t cap);
/* The name as vfat matches it: trailing dots do not count, case folds (see
 * fat32_name.c for which letters). */
uint32_t fat_name_hash(const char *s, uint32_t len);
bool fat_name_same(const char *a, uint32_t alen, const char *b, uint32_t blen);
uint32_t fat_name_strip(const char *s, uint32_t len); /* len without trailing dots */
/* A name we may create: not empty after the dots go, no character vfat
 * forbids, no trailing space. 0 or -EINVAL. */
int fat_name_valid(const char *s, uint32_t len);
uint8_t fat_lfn_checksum(const uint8_t sname[11]);

/* The 8.3 form of a (valid, stripped) name. *exact: the name is that short
 * name itself, up to case; *ntcase: the NT bits that show it in its case, or
 * 0xff when its case needs a long name (mixed within base or extension).
 * basis: the Windows-style basis (upper case, '_' for what 8.3 cannot hold);
 * *baselen: characters of its base. */
struct fat_shortname {
    uint8_t name[11];
    uint8_t baselen;
    bool exact;
    uint8_t ntcase;
};
void fat_short_basis(const char *s, uint32_t len, struct fat_shortname *sn);
/* basis with numeric tail ~n (n >= 1). */
void fat_short_tail(const struct fat_shortname *basis, uint32_t n, uint8_t out[11]);
/* The name a short entry shows (NT case bits applied, 0x05 -> 0xe5, bytes
 * past 0x7f as code page 437), UTF-8: bytes written (at most 12 * 3). */
uint32_t fat_short_display(const uint8_t sname[11], uint8_t ntcase, char *out);

/* ---- the file system -------------------------------------------------------- */

struct fat_node;

struct fat_fs {
    struct mount *m;
    struct bcache *bc;
    struct fat_geom g;
    bool rdonly;                /* mounted read-only: nothing is ever written */
    /* FSInfo: the free count is trusted only when it was in range at mount
     * (else it is counted when first needed); next_free is a hint. */
    bool fsinfo_ok;
    bool free_known;
    bool fsinfo_dirty;
    uint32_t free_count;
    uint32_t next_free;
    uint32_t fsinfo_free_disk, fsinfo_next_disk; /* what the sector holds */
    /* Options. */
    uint32_t uid, gid, fmask, dmask;
    /* Every node, for unmount; the nodes opened since the last sync, whose
     * times the generic layer may have changed (atime on reads, mtime by
     * O_TRUNC): what a sync writes besides what the ops wrote already. */
    struct fat_node *nodes;
    struct fat_node *opened;
    /* Short-name index: (directory, 11 bytes) -> node, chained through
     * fat_node.snext; buckets in pages, doubled as nodes outnumber them. */
    struct fat_node **sn_pages[64];
    uint32_t sn_npages;
    uint64_t sn_count;
    struct fat_node *root;
    uint32_t io_errors;         /* run-time errors reported so far */
};

struct fat_node {
    struct vnode v;             /* first: the vfs's node (container_of by cast) */
    struct fat_fs *fs;
    struct fat_node *prev, *next; /* fs->nodes */
    struct fat_node *oprev, *onext; /* fs->opened, while on_opened */
    bool on_opened;
    struct fat_node *snext;     /* short-name index chain */
    struct fat_node *sdir;      /* the directory its short name is indexed in (NULL: not indexed) */
    struct dirent *dent;        /* its name in the dcache (NULL: root, or no name any more) */
    /* Where its entry set is: slots [slot, slot + nslots) of its directory,
     * the short entry last, at device byte de_off (0: the root, no entry). */
    uint64_t de_off;
    uint32_t slot;
    uint8_t nslots;
    /* The short entry's fields (times live in v). */
    uint8_t sname[11];
    uint8_t attr;
    uint8_t ntcase;
    uint8_t crtime_cs;
    uint16_t crtime, crdate;
    uint32_t first;             /* first cluster; 0: none (an empty file) */
    /* The chain, once walked and checked (chain_ok): its length and end. */
    bool chain_ok;
    bool chain_bad;             /* found damaged: EIO without walking (and logging) again */
    uint32_t nclus;
    uint32_t last;
    /* Where the last walk stopped: cluster number pos_clus is the chain's
     * pos_idx-th (0-based). Sequential access costs one FAT read a cluster. */
    uint32_t pos_idx, pos_clus;
    /* Directories. */
    bool loaded;                /* its entries are in the dcache */
    uint32_t end_slot;          /* the first never-used slot (or capacity) */
    uint32_t free_slots;        /* deleted slots below end_slot */
    uint32_t hole_hint;         /* no deleted slot lies below it */
    uint32_t tail_hint;         /* where the search for a free ~N past ~4 goes on */
};

static inline struct fat_node *FN(struct vnode *v) { return (struct fat_node *)v; }
static inline bool fn_is_dir(const struct fat_node *n) { return S_IS(n->v.mode, LX_S_IFDIR); }

/* A run-time error on disk: logs "vfat (dev): what" and returns -EIO. */
int fat_error(struct fat_fs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline uint64_t fat_clus_off(const struct fat_fs *fs, uint32_t c)
{
    return fs->g.data_off + ((uint64_t)(c - 2u) << fs->g.cluster_shift);
}
static inline bool fat_clus_valid(const struct fat_fs *fs, uint32_t c)
{
    return c >= 2 && c - 2u < fs->g.nclusters;
}

/* ---- fat32_fat.c ------------------------------------------------------------ */

int fat_get(struct fat_fs *fs, uint32_t c, uint32_t *val);
int fat_set(struct fat_fs *fs, uint32_t c, uint32_t val);
/* The cluster after c in node n's chain: 0 at the end; -EIO (logged) for a
 * free, bad or out-of-range link. */
int fat_next(struct fat_fs *fs, struct fat_node *n, uint32_t c, uint32_t *next);
/* Walks n's chain once (loop detection, bounded by the cluster count) and
 * checks it against a file's size: sets nclus, last, chain_ok. */
int fat_chain_check(struct fat_fs *fs, struct fat_node *n);
/* The idx-th cluster of n's (checked) chain, from the cached position. */
int fat_chain_seek(struct fat_fs *fs, struct fat_node *n, uint32_t idx, uint32_t *clus);
/* Appends count clusters to n's chain (n->first set if it had none);
 * zero: their data zeroed (directories). -ENOSPC when the volume is full
 * (nothing is appended then). */
int fat_chain_grow(struct fat_fs *fs, struct fat_node *n, uint32_t count, bool zero);
/* Keeps the first keep clusters of n's chain and frees the rest. */
int fat_chain_cut(struct fat_fs *fs, struct fat_node *n, uint32_t keep);
/* Frees a whole chain from c (a node's, once it is gone). */
int fat_free_chain(struct fat_fs *fs, struct fat_node *n, uint32_t c);
/* Free clusters (counted from the FAT if FSInfo's count was not trusted). */
int fat_free_clusters(struct fat_fs *fs, uint32_t *out);
int fat_fsinfo_read(struct fat_fs *fs);
int fat_fsinfo_write(struct fat_fs *fs);

/* ---- fat32_dir.c ------------------------------------------------------------ */

/* Reads directory dir's entries into the dcache (once). */
int fat_dir_load(struct fat_fs *fs, struct fat_node *dir);
/* The node with short name sname in dir, or NULL. */
struct fat_node *fat_sn_find(struct fat_fs *fs, struct fat_node *dir, const uint8_t sname[11]);
void fat_sn_insert(struct fat_fs *fs, struct fat_node *dir, struct fat_node *n);
void fat_sn_remove(struct fat_fs *fs, struct fat_node *n);
/* Writes an entry set for name in dir (long-name slots if the name needs
 * them, then the short entry built from n's fields) and records where it is
 * in n (slot, nslots, de_off, sname, ntcase). n itself is not named in the
 * dcache or the short-name index here. */
int fat_dir_add(struct fat_fs *fs, struct fat_node *dir, const char *name, uint32_t len, struct fat_node *n);
/* Marks the entry set at slots [slot, slot + nslots) of dir deleted. */
int fat_dir_remove(struct fat_fs *fs, struct fat_node *dir, uint32_t slot, uint32_t nslots);
/* Writes n's short entry from its fields if they changed (no-op for the
 * root and nameless nodes). */
int fat_node_write(struct fat_fs *fs, struct fat_node *n);
/* Points directory n's ".." at parent. */
int fat_dir_set_dotdot(struct fat_fs *fs, struct fat_node *n, struct fat_node *parent);
/* Makes a new directory's first cluster: "." and "..". */
int fat_dir_init(struct fat_fs *fs, struct fat_node *n, struct fat_node *parent);
/* A new node (not named anywhere yet). */
struct fat_node *fat_node_new(struct fat_fs *fs, bool dir);
void fat_node_mode(struct fat_fs *fs, struct fat_node *n); /* v.mode from attr and options */
void fat_node_free(struct fat_fs *fs, struct fat_node *n);
void fat_node_opened(struct fat_fs *fs, struct fat_node *n);  /* onto fs->opened */
void fat_node_synced(struct fat_fs *fs, struct fat_node *n);  /* off it */

/* ---- fat32_file.c ----------------------------------------------------------- */

long fat_file_read(struct fat_fs *fs, struct fat_node *n, uint64_t off, uint64_t len, struct io_sink *sink);
long fat_file_write(struct fat_fs *fs, struct fat_node *n, uint64_t off, uint64_t len, struct io_source *src);
int fat_file_truncate(struct fat_fs *fs, struct fat_node *n, uint64_t size);

/* ---- fat32_vnode.c / fat32_mount.c ------------------------------------------ */

extern const struct vnode_ops fat32_ops;
int fat32_sync_fs(struct fat_fs *fs);

#endif
