/*
 * vfat: directory entries (fat32.h has the layering).
 *
 * A directory is read the first time something looks into it (lookup,
 * readdir, getattr): every entry set becomes a node named in the dcache with
 * vfat's hash (fat32_name.c), and its short name goes into the short-name
 * index. From then on the dcache is the directory's truth and every change is
 * made on disk (through the block cache) and in the dcache together.
 *
 * An entry set is zero or more long-name slots (last part first, each with
 * the short name's checksum) followed by the short entry. A set whose slots
 * are out of order or whose checksum does not match is shown by its short
 * name (the long name is an orphan, as Windows and Linux treat it). Volume
 * labels, "." and ".." are not names of the directory. Reading stops at the
 * first never-used slot (first byte 0) or after 65,536 slots (2 MiB, the
 * spec's limit).
 *
 * New sets go into a run of deleted slots if the directory has enough of them
 * (a scan), else after the last used slot, growing the directory by zeroed
 * clusters. A removed set is marked deleted (0xe5); if it was the last one,
 * its slots become never-used again so the directory does not fragment at
 * its end.
 *
 * Short names must be unique in a directory: the short-name index, keyed by
 * (directory, 11 bytes), answers that in O(1) when an alias ~N is chosen, and
 * finds a file by its alias (lookup of "LONGFI~1.TXT").
 */
#include <errno.h>
#include <string.h>

#include "fat32.h"

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v), put16(p + 2, v >> 16); }

/* ---- nodes ------------------------------------------------------------------------ */

void fat_node_mode(struct fat_fs *fs, struct fat_node *n)
{
    /* Linux's fat_make_mode without showexec: 0777 for directories and for
     * files (FAT keeps no execute bit, so every file may be a program, as a
     * program copied to a USB stick is on Linux), less the mount's masks;
     * the read-only attribute takes a file's write bits (a directory's RO bit
     * means nothing to Windows' shell but "customized folder", so it is
     * ignored, as Linux does without rodir). */
    if (n->attr & ATTR_DIR) {
        n->v.mode = LX_S_IFDIR | (0777u & ~fs->dmask);
    } else {
        n->v.mode = LX_S_IFREG | (0777u & ~fs->fmask);
        if (n->attr & ATTR_RO)
            n->v.mode &= ~0222u;
    }
    n->v.uid = fs->uid;
    n->v.gid = fs->gid;
}

struct fat_node *fat_node_new(struct fat_fs *fs, bool dir)
{
    struct fat_node *n = meta_alloc(sizeof(*n));
    if (!n)
        return NULL;
    n->v.ops = &fat32_ops;
    n->v.mnt = fs->m;
    n->v.ino = fs->m->next_ino++;
    n->fs = fs;
    n->attr = dir ? ATTR_DIR : ATTR_ARCH;
    fat_node_mode(fs, n);
    n->v.nlink = dir ? 2 : 1;
    if (dir)
        n->v.u.dir.next_pos = 2; /* 0 and 1 are "." and ".." */
    n->next = fs->nodes;
    if (fs->nodes)
        fs->nodes->prev = n;
    fs->nodes = n;
    return n;
}

void fat_node_opened(struct fat_fs *fs, struct fat_node *n)
{
    if (n->on_opened)
        return;
    n->on_opened = true;
    n->oprev = NULL;
    n->onext = fs->opened;
    if (fs->opened)
        fs->opened->oprev = n;
    fs->opened = n;
}

void fat_node_synced(struct fat_fs *fs, struct fat_node *n)
{
    if (!n->on_opened)
        return;
    n->on_opened = false;
    if (n->oprev)
        n->oprev->onext = n->onext;
    else
        fs->opened = n->onext;
    if (n->onext)
        n->onext->oprev = n->oprev;
    n->oprev = n->onext = NULL;
}

void fat_node_free(struct fat_fs *fs, struct fat_node *n)
{
    fat_node_synced(fs, n);
    if (n->sdir)
        fat_sn_remove(fs, n);
    if (n->prev)
        n->prev->next = n->next;
    else
        fs->nodes = n->next;
    if (n->next)
        n->next->prev = n->prev;
    meta_free(n, sizeof(*n));
}

/* ---- the short-name index --------------------------------------------------------- */

#define SN_PER_PAGE (VFS_PAGE / sizeof(void *))
#define SN_MAX_PAGES 64u

static uint32_t sn_hash(const struct fat_node *dir, const uint8_t s[11])
{
    uint64_t k = ((uint64_t)(uintptr_t)dir >> 4) * 0x9E3779B97F4A7C15ull;
    uint32_t h = 2166136261u ^ (uint32_t)(k >> 32);
    for (int i = 0; i < 11; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static struct fat_node **sn_bucket(struct fat_fs *fs, uint32_t h, uint32_t pages)
{
    uint32_t b = h & (pages * (uint32_t)SN_PER_PAGE - 1u);
    return &fs->sn_pages[b / SN_PER_PAGE][b % SN_PER_PAGE];
}

/* Doubles the buckets if memory allows (else chains just grow longer). */
static void sn_grow(struct fat_fs *fs)
{
    uint32_t n = fs->sn_npages * 2;
    if (n > SN_MAX_PAGES)
        return;
    for (uint32_t i = fs->sn_npages; i < n; i++) {
        if (!(fs->sn_pages[i] = ps_page_zalloc())) {
            while (i-- > fs->sn_npages) {
                ps_page_free(fs->sn_pages[i]);
                fs->sn_pages[i] = NULL;
            }
            return;
        }
    }
    /* Every chain of the old half splits between its bucket and the one n/2 pages on. */
    uint32_t old = fs->sn_npages;
    for (uint32_t p = 0; p < old; p++) {
        for (uint32_t k = 0; k < SN_PER_PAGE; k++) {
            struct fat_node *e = fs->sn_pages[p][k];
            fs->sn_pages[p][k] = NULL;
            while (e) {
                struct fat_node *next = e->snext;
                struct fat_node **head = sn_bucket(fs, sn_hash(e->sdir, e->sname), n);
                e->snext = *head;
                *head = e;
                e = next;
            }
        }
    }
    fs->sn_npages = n;
}

struct fat_node *fat_sn_find(struct fat_fs *fs, struct fat_node *dir, const uint8_t sname[11])
{
    for (struct fat_node *e = *sn_bucket(fs, sn_hash(dir, sname), fs->sn_npages); e; e = e->snext)
        if (e->sdir == dir && !memcmp(e->sname, sname, 11))
            return e;
    return NULL;
}

void fat_sn_insert(struct fat_fs *fs, struct fat_node *dir, struct fat_node *n)
{
    n->sdir = dir;
    struct fat_node **head = sn_bucket(fs, sn_hash(dir, n->sname), fs->sn_npages);
    n->snext = *head;
    *head = n;
    if (++fs->sn_count > (uint64_t)fs->sn_npages * SN_PER_PAGE)
        sn_grow(fs);
}

void fat_sn_remove(struct fat_fs *fs, struct fat_node *n)
{
    struct fat_node **pp = sn_bucket(fs, sn_hash(n->sdir, n->sname), fs->sn_npages);
    while (*pp && *pp != n)
        pp = &(*pp)->snext;
    if (*pp) {
        *pp = n->snext;
        fs->sn_count--;
    }
    n->snext = NULL;
    n->sdir = NULL;
}

/* ---- slots ------------------------------------------------------------------------- */

static uint32_t capacity(const struct fat_fs *fs, const struct fat_node *dir)
{
    uint64_t slots = ((uint64_t)dir->nclus << fs->g.cluster_shift) / DE_SIZE;
    return slots < FAT_MAX_DIR_SLOTS ? (uint32_t)slots : FAT_MAX_DIR_SLOTS;
}

static int slot_off(struct fat_fs *fs, struct fat_node *dir, uint32_t slot, uint64_t *off)
{
    uint64_t byte = (uint64_t)slot * DE_SIZE;
    uint32_t c;
    int err = fat_chain_check(fs, dir); /* a directory moved before it was ever read */
    if (!err)
        err = fat_chain_seek(fs, dir, (uint32_t)(byte >> fs->g.cluster_shift), &c);
    if (err)
        return err;
    *off = fat_clus_off(fs, c) + (byte & (fs->g.cluster_size - 1u));
    return 0;
}

static int slot_read(struct fat_fs *fs, struct fat_node *dir, uint32_t slot, uint8_t e[DE_SIZE], uint64_t *off)
{
    uint64_t o;
    int err = slot_off(fs, dir, slot, &o);
    if (!err)
        err = bcache_read(fs->bc, o, e, DE_SIZE);
    if (off)
        *off = o;
    return err;
}

static int slot_write(struct fat_fs *fs, struct fat_node *dir, uint32_t slot, const uint8_t e[DE_SIZE])
{
    uint64_t o;
    int err = slot_off(fs, dir, slot, &o);
    return err ? err : bcache_write(fs->bc, o, e, DE_SIZE);
}

/* n's short entry as it should be on disk. */
static void build_short(const struct fat_node *n, uint8_t e[DE_SIZE])
{
    memset(e, 0, DE_SIZE);
    memcpy(e + DE_NAME, n->sname, 11);
    e[DE_ATTR] = n->attr;
    e[DE_NTCASE] = n->ntcase;
    e[DE_CTIME_CS] = n->crtime_cs;
    put16(e + DE_CTIME, n->crtime);
    put16(e + DE_CDATE, n->crdate);
    uint16_t date, time;
    fat_time_to_disk(n->v.atime, &date, &time, NULL);
    put16(e + DE_ADATE, date);
    put16(e + DE_START_HI, n->first >> 16);
    fat_time_to_disk(n->v.mtime, &date, &time, NULL);
    put16(e + DE_MTIME, time);
    put16(e + DE_MDATE, date);
    put16(e + DE_START_LO, n->first & 0xffff);
    put32(e + DE_SIZE_FIELD, fn_is_dir(n) ? 0 : (uint32_t)n->v.size);
}

int fat_node_write(struct fat_fs *fs, struct fat_node *n)
{
    if (!n->de_off || n->v.nlink == 0 || fs->rdonly)
        return 0;
    uint8_t want[DE_SIZE], have[DE_SIZE];
    build_short(n, want);
    int err = bcache_read(fs->bc, n->de_off, have, DE_SIZE);
    if (err || !memcmp(want, have, DE_SIZE))
        return err;
    return bcache_write(fs->bc, n->de_off, want, DE_SIZE);
}

/* ---- reading a directory ------------------------------------------------------------ */

/* A long name being gathered, slot by slot. */
struct lfn_state {
    int next;            /* the ordinal expected next; 0: complete; -1: none */
    uint32_t nslots, start;
    uint8_t sum;
    uint16_t units[LFN_MAX_SLOTS * LFN_CHARS];
};

static const uint8_t lfn_char_at[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };

static void lfn_take(struct lfn_state *l, const uint8_t *e, uint32_t slot)
{
    uint32_t ord = e[LFN_ORD] & 0x1fu;
    if (e[LFN_ORD] & LFN_LAST) {
        if (ord == 0 || ord > LFN_MAX_SLOTS) {
            l->next = -1;
            return;
        }
        l->nslots = ord;
        l->start = slot;
        l->sum = e[LFN_CHKSUM];
    } else if (l->next <= 0 || ord != (uint32_t)l->next || e[LFN_CHKSUM] != l->sum) {
        l->next = -1; /* out of order: an orphan */
        return;
    }
    for (uint32_t k = 0; k < LFN_CHARS; k++)
        l->units[(ord - 1) * LFN_CHARS + k] = (uint16_t)le16(e + lfn_char_at[k]);
    l->next = (int)ord - 1;
}

/* Whether the long name gathered is whole and belongs to short entry e. */
static bool lfn_owns(const struct lfn_state *l, const uint8_t *e)
{
    return l->next == 0 && fat_lfn_checksum(e + DE_NAME) == l->sum;
}

/* The long name (lfn_owns), UTF-8 in out: bytes, or -1 if no path could hold it. */
static int lfn_name(const struct lfn_state *l, char *out, uint32_t cap)
{
    uint32_t n = 0, max = l->nslots * LFN_CHARS;
    while (n < max && l->units[n])
        n++;
    if (n == 0 || n > LFN_MAX_UNITS)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (l->units[i] == '/')
            return -1; /* no path could name it */
    return fat_utf16_to_utf8(l->units, n, out, cap);
}

static bool is_dot_entry(const uint8_t *e)
{
    return !memcmp(e, ".          ", 11) || !memcmp(e, "..         ", 11);
}

/* A node for short entry e at slot (its set starting at first_slot), named name in dir. */
static int load_entry(struct fat_fs *fs, struct fat_node *dir, const uint8_t *e, uint64_t off, uint32_t first_slot,
                      uint32_t slot, const char *name, uint32_t len)
{
    bool isdir = e[DE_ATTR] & ATTR_DIR;
    struct fat_node *n = fat_node_new(fs, isdir);
    if (!n)
        return -ENOMEM;
    memcpy(n->sname, e + DE_NAME, 11);
    n->attr = e[DE_ATTR];
    n->ntcase = e[DE_NTCASE];
    n->crtime_cs = e[DE_CTIME_CS];
    n->crtime = (uint16_t)le16(e + DE_CTIME);
    n->crdate = (uint16_t)le16(e + DE_CDATE);
    n->first = (le16(e + DE_START_HI) << 16 | le16(e + DE_START_LO)) & FAT_MASK;
    n->v.size = isdir ? 0 : le32(e + DE_SIZE_FIELD);
    n->v.mtime = fat_time_from_disk((uint16_t)le16(e + DE_MDATE), (uint16_t)le16(e + DE_MTIME), 0);
    n->v.ctime = n->v.mtime; /* FAT has no change time: Linux shows the modification time */
    n->v.atime = fat_time_from_disk((uint16_t)le16(e + DE_ADATE), 0, 0);
    fat_node_mode(fs, n);
    n->de_off = off;
    n->slot = first_slot;
    n->nslots = (uint8_t)(slot - first_slot + 1);
    struct dirent *d = dcache_add(&dir->v, name, len, fat_name_hash(name, len), &n->v);
    if (!d) {
        fat_node_free(fs, n);
        return -ENOMEM;
    }
    n->dent = d;
    if (isdir) {
        n->v.u.dir.parent = &dir->v;
        n->v.u.dir.self = d;
        dir->v.nlink++;
    }
    fat_sn_insert(fs, dir, n);
    return 0;
}

/* Undoes a directory read that failed half-way. */
static void unload(struct fat_fs *fs, struct fat_node *dir)
{
    struct dirent *d = dir->v.u.dir.first;
    while (d) {
        struct dirent *next = d->next;
        if (!d->is_cursor) {
            struct fat_node *n = FN(d->node);
            dcache_remove(d);
            fat_node_free(fs, n);
        }
        d = next;
    }
    if (dir->v.nlink)
        dir->v.nlink = 2;
}

int fat_dir_load(struct fat_fs *fs, struct fat_node *dir)
{
    if (dir->loaded)
        return 0;
    int err = fat_chain_check(fs, dir);
    if (err)
        return err;
    dir->v.size = (uint64_t)dir->nclus << fs->g.cluster_shift;
    uint32_t cap = capacity(fs, dir), end = cap, freed = 0;
    struct lfn_state *l = meta_alloc(sizeof(*l)); /* 520 bytes: not on the server's stack */
    if (!l)
        return -ENOMEM;
    l->next = -1;
    if (dir->v.nlink)
        dir->v.nlink = 2;
    for (uint32_t slot = 0; slot < cap; slot++) {
        uint8_t e[DE_SIZE];
        uint64_t off;
        err = slot_read(fs, dir, slot, e, &off);
        if (err)
            break;
        if (e[0] == DE_END) {
            end = slot;
            break;
        }
        if (e[0] == DE_FREE) {
            freed++;
            l->next = -1;
            continue;
        }
        if ((e[DE_ATTR] & 0x3f) == ATTR_LFN) {
            lfn_take(l, e, slot);
            continue;
        }
        if ((e[DE_ATTR] & ATTR_VOLUME) || is_dot_entry(e)) {
            l->next = -1;
            continue;
        }
        /* The set includes its long-name slots even when the name cannot be
         * shown (too long as UTF-8, an unpaired surrogate): removing the file
         * removes them too. */
        char name[VFS_NAME_MAX + 1];
        bool owned = lfn_owns(l, e);
        int len = owned ? lfn_name(l, name, VFS_NAME_MAX) : -1;
        uint32_t first_slot = owned ? l->start : slot;
        if (len <= 0)
            len = (int)fat_short_display(e + DE_NAME, e[DE_NTCASE], name);
        l->next = -1;
        err = load_entry(fs, dir, e, off, first_slot, slot, name, (uint32_t)len);
        if (err)
            break;
    }
    meta_free(l, sizeof(*l));
    if (err) {
        unload(fs, dir);
        return err;
    }
    dir->end_slot = end;
    dir->free_slots = freed;
    dir->hole_hint = 0;
    dir->loaded = true;
    return 0;
}

/* ---- adding and removing entry sets ------------------------------------------------------ */

/* A run of n slots for a new set: deleted ones if there is such a run, else
 * at the end (the directory grows by zeroed clusters as needed). */
static int find_slots(struct fat_fs *fs, struct fat_node *dir, uint32_t n, uint32_t *out)
{
    if (dir->free_slots >= n) {
        /* From the first slot that may be deleted on; the scan moves that
         * mark to the first deleted slot it meets. */
        uint32_t run = 0, first_free = UINT32_MAX;
        for (uint32_t slot = dir->hole_hint; slot < dir->end_slot; slot++) {
            uint8_t e[DE_SIZE];
            int err = slot_read(fs, dir, slot, e, NULL);
            if (err)
                return err;
            run = e[0] == DE_FREE ? run + 1 : 0;
            if (run && first_free == UINT32_MAX)
                first_free = slot;
            if (run == n) {
                *out = slot + 1 - n;
                dir->free_slots -= n;
                dir->hole_hint = first_free == *out ? slot + 1 : first_free;
                return 0;
            }
        }
        dir->hole_hint = first_free == UINT32_MAX ? dir->end_slot : first_free;
    }
    uint32_t start = dir->end_slot;
    if (start + n > FAT_MAX_DIR_SLOTS)
        return -ENOSPC; /* 2 MiB of entries: Linux's limit too */
    uint64_t bytes = (uint64_t)(start + n) * DE_SIZE;
    uint32_t need = (uint32_t)((bytes + fs->g.cluster_size - 1) >> fs->g.cluster_shift);
    if (need > dir->nclus) {
        int err = fat_chain_grow(fs, dir, need - dir->nclus, true);
        if (err)
            return err;
        dir->v.size = (uint64_t)dir->nclus << fs->g.cluster_shift;
    } else if (start + n < capacity(fs, dir)) {
        /* What follows must read as the end, whatever another system left there. */
        uint8_t e[DE_SIZE];
        int err = slot_read(fs, dir, start + n, e, NULL);
        if (!err && e[0] != DE_END) {
            memset(e, 0, DE_SIZE);
            err = slot_write(fs, dir, start + n, e);
        }
        if (err)
            return err;
    }
    dir->end_slot = start + n;
    *out = start;
    return 0;
}

#define TAILS (999999u - 4u) /* ~5 .. ~999999 */

/* The short name for a new name in dir: the name itself if it is one (with
 * NT case bits), else the basis, with a numeric tail unless the name is the
 * basis up to case. Returns whether long-name slots are needed. */
static int pick_short(struct fat_fs *fs, struct fat_node *dir, const char *name, uint32_t len, uint8_t sname[11],
                      uint8_t *ntcase, bool *need_lfn)
{
    struct fat_shortname sn;
    fat_short_basis(name, len, &sn);
    *ntcase = 0;
    if (sn.exact && !fat_sn_find(fs, dir, sn.name)) {
        memcpy(sname, sn.name, 11);
        *need_lfn = sn.ntcase == 0xff;
        if (!*need_lfn)
            *ntcase = sn.ntcase;
        return 0;
    }
    *need_lfn = true;
    /* ~1 to ~4 first, as Windows; then from where the last search stopped,
     * so a directory of many names with one basis costs O(1) a name rather
     * than a walk over all its tails. */
    for (uint32_t k = 1; k <= 4; k++) {
        fat_short_tail(&sn, k, sname);
        if (!fat_sn_find(fs, dir, sname))
            return 0;
    }
    for (uint32_t j = 0; j < TAILS; j++) {
        uint32_t k = 5 + (dir->tail_hint + j) % TAILS;
        fat_short_tail(&sn, k, sname);
        if (!fat_sn_find(fs, dir, sname)) {
            dir->tail_hint = (k - 5 + 1) % TAILS;
            return 0;
        }
    }
    return -EEXIST; /* a million aliases of one basis: cannot happen in 65,536 slots */
}

int fat_dir_add(struct fat_fs *fs, struct fat_node *dir, const char *name, uint32_t len, struct fat_node *n)
{
    len = fat_name_strip(name, len);
    bool need_lfn;
    int err = pick_short(fs, dir, name, len, n->sname, &n->ntcase, &need_lfn);
    if (err)
        return err;
    uint16_t units[LFN_MAX_UNITS];
    int nunits = 0;
    uint32_t nl = 0;
    if (need_lfn) {
        nunits = fat_utf8_to_utf16(name, len, units, LFN_MAX_UNITS);
        if (nunits <= 0)
            return nunits < 0 ? nunits : -EINVAL;
        nl = ((uint32_t)nunits + LFN_CHARS - 1) / LFN_CHARS;
    }
    uint32_t slot;
    err = find_slots(fs, dir, nl + 1, &slot);
    if (err)
        return err;
    uint8_t sum = fat_lfn_checksum(n->sname);
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t ord = nl - i;
        uint8_t e[DE_SIZE];
        memset(e, 0, DE_SIZE);
        e[LFN_ORD] = (uint8_t)(ord | (i == 0 ? LFN_LAST : 0));
        e[DE_ATTR] = ATTR_LFN;
        e[LFN_CHKSUM] = sum;
        for (uint32_t k = 0; k < LFN_CHARS; k++) {
            uint32_t at = (ord - 1) * LFN_CHARS + k;
            /* The name, its terminating 0 if there is room, then 0xffff. */
            uint32_t u = at < (uint32_t)nunits ? units[at] : at == (uint32_t)nunits ? 0 : 0xffff;
            put16(e + lfn_char_at[k], u);
        }
        if ((err = slot_write(fs, dir, slot + i, e)))
            return err;
    }
    n->slot = slot;
    n->nslots = (uint8_t)(nl + 1);
    uint64_t off;
    err = slot_off(fs, dir, slot + nl, &off);
    if (err)
        return err;
    n->de_off = off;
    uint8_t e[DE_SIZE];
    build_short(n, e);
    return bcache_write(fs->bc, off, e, DE_SIZE);
}

int fat_dir_remove(struct fat_fs *fs, struct fat_node *dir, uint32_t slot, uint32_t nslots)
{
    bool at_end = slot + nslots == dir->end_slot;
    for (uint32_t s = slot; s < slot + nslots; s++) {
        uint8_t e[DE_SIZE];
        int err = slot_read(fs, dir, s, e, NULL);
        if (err)
            return err;
        if (at_end)
            memset(e, 0, DE_SIZE);
        else
            e[0] = DE_FREE;
        if ((err = slot_write(fs, dir, s, e)))
            return err;
    }
    if (at_end) {
        dir->end_slot = slot;
    } else {
        dir->free_slots += nslots;
        if (slot < dir->hole_hint)
            dir->hole_hint = slot;
    }
    return 0;
}

/* ---- "." and ".." -------------------------------------------------------------------------- */

static uint32_t dir_cluster(struct fat_fs *fs, const struct fat_node *d)
{
    return d == fs->root ? 0 : d->first; /* ".." of the root's children is 0 */
}

static void dot_entry(const struct fat_node *n, const char *name, uint32_t cluster, uint8_t e[DE_SIZE])
{
    build_short(n, e);
    memcpy(e + DE_NAME, name, 11);
    e[DE_ATTR] = ATTR_DIR;
    e[DE_NTCASE] = 0;
    put16(e + DE_START_HI, cluster >> 16);
    put16(e + DE_START_LO, cluster & 0xffff);
}

int fat_dir_init(struct fat_fs *fs, struct fat_node *n, struct fat_node *parent)
{
    uint8_t e[2 * DE_SIZE];
    dot_entry(n, ".          ", n->first, e);
    dot_entry(n, "..         ", dir_cluster(fs, parent), e + DE_SIZE);
    int err = bcache_write(fs->bc, fat_clus_off(fs, n->first), e, sizeof(e));
    if (err)
        return err;
    n->end_slot = 2;
    n->free_slots = 0;
    n->loaded = true;
    n->v.size = (uint64_t)n->nclus << fs->g.cluster_shift;
    return 0;
}

int fat_dir_set_dotdot(struct fat_fs *fs, struct fat_node *n, struct fat_node *parent)
{
    uint8_t e[DE_SIZE];
    uint64_t off;
    int err = slot_read(fs, n, 1, e, &off);
    if (err)
        return err;
    if (memcmp(e, "..         ", 11) || !(e[DE_ATTR] & ATTR_DIR))
        return fat_error(fs, "inode %llu: directory without a \"..\" entry", (unsigned long long)n->v.ino);
    uint32_t c = dir_cluster(fs, parent);
    put16(e + DE_START_HI, c >> 16);
    put16(e + DE_START_LO, c & 0xffff);
    return bcache_write(fs->bc, off, e, DE_SIZE);
}
