/*
 * vfat: mounting, syncing and unmounting a volume (fat32.h has the layering).
 *
 * fat32_mount reads the boot sector through the block cache, has it checked
 * (fat32_bpb.c), reads FSInfo and checks the root directory's chain; the
 * directories themselves are read later, as they are first used. It owns the
 * struct fat_fs it makes (freed by fat32_unmount); the block cache stays the
 * block device's.
 *
 * Options (comma-separated, Linux's names): uid=N, gid=N (the owner every
 * file shows), umask=, dmask=, fmask= (octal: bits taken from the 0777
 * of directories and files, as Linux without showexec), and, accepted as
 * what is done anyway, utf8,
 * utf8=1, iocharset=utf8, codepage=437, shortname=mixed. Anything else is
 * EINVAL, as Linux's "Unrecognized mount option". Defaults: uid 0, gid 0,
 * umask 022. A remount checks the options but keeps the first ones (Linux
 * ignores them too); going read-only writes everything back first.
 *
 * Sync writes the entries of the nodes opened since the last sync (whose
 * times the generic layer may have set: the ops write their own changes at
 * once), FSInfo's free count and hint, then the block cache (bcache_sync):
 * its cost follows what was used, not how many nodes are cached.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fat32.h"

int fat_error(struct fat_fs *fs, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    vfs_logf("vfat (mount %u): %s", fs->m->index, what);
    fs->io_errors++;
    return -EIO;
}

struct vfat_opts {
    uint32_t uid, gid, fmask, dmask;
};

static bool parse_num(const char *s, size_t len, unsigned base, uint32_t max, uint32_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] >= '0' + (int)base)
            return false;
        v = v * base + (uint64_t)(s[i] - '0');
        if (v > max)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && !memcmp(s, word, len);
}

static int parse_opts(const char *s, struct vfat_opts *o, char *msg, size_t cap)
{
    o->uid = o->gid = 0;
    o->fmask = o->dmask = 022;
    while (s && *s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        size_t klen = eq ? (size_t)(eq - s) : len;
        const char *val = eq ? eq + 1 : "";
        size_t vlen = eq ? len - klen - 1 : 0;
        uint32_t n;
        bool ok = true;
        if (len == 0)
            ;
        else if (is(s, klen, "uid") && parse_num(val, vlen, 10, 0xfffffffeu, &n))
            o->uid = n;
        else if (is(s, klen, "gid") && parse_num(val, vlen, 10, 0xfffffffeu, &n))
            o->gid = n;
        else if (is(s, klen, "umask") && parse_num(val, vlen, 8, 0777, &n))
            o->fmask = o->dmask = n;
        else if (is(s, klen, "fmask") && parse_num(val, vlen, 8, 0777, &n))
            o->fmask = n;
        else if (is(s, klen, "dmask") && parse_num(val, vlen, 8, 0777, &n))
            o->dmask = n;
        else if (is(s, len, "utf8") || is(s, len, "utf8=1") || is(s, len, "iocharset=utf8") ||
                 is(s, len, "codepage=437") || is(s, len, "shortname=mixed"))
            ;
        else
            ok = false;
        if (!ok) {
            snprintf(msg, cap, "unrecognized mount option \"%.*s\" or missing value", (int)len, s);
            return -EINVAL;
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}

static void fs_free(struct fat_fs *fs)
{
    for (uint32_t i = 0; i < fs->sn_npages; i++)
        ps_page_free(fs->sn_pages[i]);
    meta_free(fs, sizeof(*fs));
}

int fat32_mount(struct mount *m, struct bcache *bc, const char *opts, char *msg, size_t cap)
{
    msg[0] = 0;
    struct vfat_opts o;
    int err = parse_opts(opts, &o, msg, cap);
    if (err)
        return err;
    uint64_t dev_bytes = bcache_dev_bytes(bc);
    uint8_t sec[512];
    if (dev_bytes < sizeof(sec)) {
        snprintf(msg, cap, "device too small for a boot sector (%llu bytes)", (unsigned long long)dev_bytes);
        return -EINVAL;
    }
    err = bcache_read(bc, 0, sec, sizeof(sec));
    if (err) {
        snprintf(msg, cap, "cannot read the boot sector: error %d", -err);
        return err;
    }
    struct fat_geom g;
    err = fat_bpb_parse(sec, sizeof(sec), dev_bytes, &g, msg, cap);
    if (err)
        return err;
    struct fat_fs *fs = meta_alloc(sizeof(*fs));
    if (!fs)
        return -ENOMEM;
    fs->m = m;
    fs->bc = bc;
    fs->g = g;
    fs->rdonly = mnt_rdonly(m);
    fs->uid = o.uid;
    fs->gid = o.gid;
    fs->fmask = o.fmask;
    fs->dmask = o.dmask;
    fs->sn_pages[0] = ps_page_zalloc();
    if (!fs->sn_pages[0]) {
        meta_free(fs, sizeof(*fs));
        return -ENOMEM;
    }
    fs->sn_npages = 1;
    m->fs = fs;
    m->next_ino = 1;
    err = fat_fsinfo_read(fs);
    if (err) {
        snprintf(msg, cap, "cannot read the FSInfo sector: error %d", -err);
        fs_free(fs);
        m->fs = NULL;
        return err;
    }
    struct fat_node *root = fat_node_new(fs, true);
    if (!root) {
        fs_free(fs);
        m->fs = NULL;
        return -ENOMEM;
    }
    root->first = g.root_cluster;
    root->v.u.dir.parent = &root->v;
    fs->root = root;
    err = fat_chain_check(fs, root);
    if (err) {
        snprintf(msg, cap, "the root directory's cluster chain is damaged (%s)", vfs_last_log);
        fat_node_free(fs, root);
        fs_free(fs);
        m->fs = NULL;
        return -EINVAL;
    }
    root->v.size = (uint64_t)root->nclus << g.cluster_shift;
    m->root = &root->v;
    return 0;
}

int fat32_sync_fs(struct fat_fs *fs)
{
    if (fs->rdonly)
        return 0; /* nothing was written */
    int first = 0;
    struct fat_node *next;
    for (struct fat_node *n = fs->opened; n; n = next) {
        next = n->onext;
        int err = fat_node_write(fs, n);
        if (err && !first)
            first = err;
        if (!err && n->v.opens == 0)
            fat_node_synced(fs, n); /* closed since: nothing more can change */
    }
    int err = fat_fsinfo_write(fs);
    if (err && !first)
        first = err;
    err = bcache_sync(fs->bc);
    return first ? first : err;
}

int fat32_sync(struct mount *m) { return fat32_sync_fs(m->fs); }

struct bcache *fat32_bcache(const struct mount *m)
{
    const struct fat_fs *fs = m->fs;
    return fs ? fs->bc : NULL;
}

int fat32_remount(struct mount *m, uint32_t flags, const char *opts)
{
    struct fat_fs *fs = m->fs;
    struct vfat_opts o;
    char msg[120];
    int err = parse_opts(opts, &o, msg, sizeof(msg));
    if (err) {
        vfs_logf("vfat: cannot remount: %s", msg);
        return err;
    }
    bool ro = flags & LX_MS_RDONLY;
    if (ro && !fs->rdonly) {
        /* A file removed but still open frees its clusters at its last
         * close, which a read-only volume could not do: EBUSY, as Linux's
         * sb_prepare_remount_readonly says while such files exist. */
        for (struct fat_node *n = fs->nodes; n; n = n->next)
            if (n->v.nlink == 0)
                return -EBUSY;
        err = fat32_sync_fs(fs);
        if (err)
            return err;
    }
    fs->rdonly = ro;
    return 0;
}

void fat32_unmount(struct mount *m)
{
    struct fat_fs *fs = m->fs;
    int err = fat32_sync_fs(fs);
    if (err)
        vfs_logf("vfat (mount %u): unmounted, but writing back failed: error %d", m->index, -err);
    /* Names first (every directory read so far), then the nodes: nothing is
     * open (umount said EBUSY otherwise), so nothing else refers to them. */
    for (struct fat_node *n = fs->nodes; n; n = n->next) {
        if (!fn_is_dir(n))
            continue;
        struct dirent *d = n->v.u.dir.first;
        while (d) {
            struct dirent *next = d->next;
            if (!d->is_cursor)
                dcache_remove(d);
            d = next;
        }
    }
    while (fs->nodes)
        fat_node_free(fs, fs->nodes);
    fs_free(fs);
    m->fs = NULL;
    m->root = NULL;
}
