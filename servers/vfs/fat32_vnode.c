/*
 * vfat: struct vnode_ops (fat32.h has the layering). The generic layer has
 * resolved names and checked permissions (namei.c); this makes each change on
 * disk, through the block cache, and in the dcache, keeping Linux vfat's
 * answers where FAT cannot do what POSIX asks:
 *
 *   - only regular files and directories: mknod of anything else, symlink
 *     and link are EPERM; O_TMPFILE is EOPNOTSUPP (no tmpfile op);
 *   - owners are the mount's uid and gid: chown to anything else is EPERM;
 *   - modes are the mount's (0777 for directories and files, less dmask
 *     and fmask: Linux without showexec); chmod may only take a file's write
 *     bits away or give them
 *     back (the read-only attribute), anything else is EPERM, as Linux's
 *     fat_sanitize_mode_change without the quiet option;
 *   - st_nlink is 1 for files and 2 + subdirectories for directories, whose
 *     size is their clusters' bytes; st_blksize is the cluster size;
 *   - times: mtime is the write time (2 s), atime the access date, ctime is
 *     the mtime as read (FAT has no change time; Linux shows it so) and
 *     moves with changes while mounted. The creation time is kept.
 *
 * Lookups ignore case and trailing dots (fat32_name.c) and also find a file
 * by its short alias. Changes reach the device at sync (fsync, unmount,
 * mount_sync_all), or before the answer with MS_SYNCHRONOUS / MS_DIRSYNC.
 */
#include <errno.h>
#include <string.h>

#include "fat32.h"

static struct fat_fs *FS(struct vnode *v) { return FN(v)->fs; }

static uint32_t clusters_for(const struct fat_fs *fs, uint64_t size)
{
    return (uint32_t)((size + fs->g.cluster_size - 1) >> fs->g.cluster_shift);
}

/* A directory changed: its times, on disk too (the root has no entry). */
static void dir_touch(struct fat_fs *fs, struct fat_node *d, struct vfs_time now)
{
    d->v.mtime = d->v.ctime = now;
    fat_node_write(fs, d);
}

/* A mount with MS_SYNCHRONOUS (or MS_DIRSYNC, for changes to directories)
 * writes each change through before answering, as Linux's sync and dirsync. */
static int sync_after(struct fat_fs *fs, int err, bool dir_change)
{
    uint32_t f = fs->m->flags;
    if (!err && ((f & LX_MS_SYNCHRONOUS) || (dir_change && (f & LX_MS_DIRSYNC))))
        return fat32_sync_fs(fs);
    return err;
}

static void f_release(struct vnode *v)
{
    /* A loop: freeing a removed directory may free the one it kept as "..". */
    while (v && v->nlink == 0 && v->opens == 0 && v->pins == 0) {
        struct fat_node *n = FN(v);
        struct fat_fs *fs = n->fs;
        struct vnode *up = NULL;
        /* Its data lived until now (unlinked while open). A chain found
         * damaged is left alone: it may run into another file's clusters,
         * and lost clusters are fsck's to collect, lost data is not. */
        if (n->first && !fs->rdonly && !n->chain_bad)
            fat_free_chain(fs, n, n->first);
        if (fn_is_dir(n) && (v->vflags & VN_PINNING)) {
            up = v->u.dir.parent;
            up->pins--;
        }
        fat_node_free(fs, n);
        v = up;
    }
}

static int f_fill_dir(struct vnode *dir)
{
    return fat_dir_load(FS(dir), FN(dir));
}

static struct dirent *f_lookup(struct vnode *dir, const char *name, uint32_t len, uint32_t hash)
{
    (void)hash; /* the generic hash is exact; vfat's folds case */
    struct fat_fs *fs = FS(dir);
    struct fat_node *d = FN(dir);
    if (!d->loaded && fat_dir_load(fs, d))
        return NULL;
    struct dirent *e = dcache_lookup_cmp(dir, name, len, fat_name_hash(name, len), fat_name_same);
    if (e)
        return e;
    /* A short alias names its file too ("LONGFI~1.TXT"). */
    uint32_t l = fat_name_strip(name, len);
    if (l == 0 || l > 12)
        return NULL;
    struct fat_shortname sn;
    fat_short_basis(name, l, &sn);
    if (!sn.exact)
        return NULL;
    struct fat_node *n = fat_sn_find(fs, d, sn.name);
    return n ? n->dent : NULL;
}

/* Names n (on disk already) as name in d: the dcache and the short-name index. */
static int name_node(struct fat_fs *fs, struct fat_node *d, struct fat_node *n, const char *name, uint32_t len)
{
    len = fat_name_strip(name, len);
    struct dirent *e = dcache_add(&d->v, name, len, fat_name_hash(name, len), &n->v);
    if (!e)
        return -ENOMEM;
    n->dent = e;
    fat_sn_insert(fs, d, n);
    if (fn_is_dir(n)) {
        n->v.u.dir.parent = &d->v;
        n->v.u.dir.self = e;
        d->v.nlink++;
    }
    return 0;
}

static int f_create(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, uint32_t mode, uint64_t rdev,
                    const struct cred *c, struct vnode **out)
{
    (void)hash, (void)rdev, (void)c;
    struct fat_fs *fs = FS(dir);
    struct fat_node *d = FN(dir);
    if (!S_IS(mode, LX_S_IFREG) && !S_IS(mode, LX_S_IFDIR))
        return -EPERM; /* FAT has no devices, FIFOs or sockets (Linux's vfat has no mknod) */
    int err = fat_name_valid(name, len);
    if (!err)
        err = fat_dir_load(fs, d);
    if (err)
        return err;
    bool isdir = S_IS(mode, LX_S_IFDIR);
    struct fat_node *n = fat_node_new(fs, isdir);
    if (!n)
        return -ENOMEM;
    /* The mode asked for is not kept: the mount's is, as Linux's vfat does. */
    struct vfs_time now = vfs_now();
    n->v.atime = n->v.mtime = n->v.ctime = now;
    fat_time_to_disk(now, &n->crdate, &n->crtime, &n->crtime_cs);
    n->chain_ok = true; /* no clusters yet */
    if (isdir) {
        err = fat_chain_grow(fs, n, 1, true);
        if (!err)
            err = fat_dir_init(fs, n, d);
    }
    if (!err) {
        err = fat_dir_add(fs, d, name, len, n);
        if (!err && (err = name_node(fs, d, n, name, len)))
            fat_dir_remove(fs, d, n->slot, n->nslots);
    }
    if (err) {
        if (n->first)
            fat_free_chain(fs, n, n->first);
        fat_node_free(fs, n);
        return err;
    }
    dir_touch(fs, d, now);
    *out = &n->v;
    return sync_after(fs, 0, true);
}

static int f_symlink(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, const char *target,
                     uint32_t tlen, const struct cred *c, struct vnode **out)
{
    (void)dir, (void)name, (void)len, (void)hash, (void)target, (void)tlen, (void)c, (void)out;
    return -EPERM;
}

static int f_link(struct vnode *node, struct vnode *dir, const char *name, uint32_t len, uint32_t hash)
{
    (void)node, (void)dir, (void)name, (void)len, (void)hash;
    return -EPERM;
}

/* n loses its name d in dir (on disk already). */
static void unname(struct fat_fs *fs, struct fat_node *dir, struct fat_node *n, struct dirent *d)
{
    fat_sn_remove(fs, n);
    dcache_remove(d);
    n->dent = NULL;
    n->de_off = 0;
    n->v.nlink = 0;
    if (fn_is_dir(n)) {
        /* Kept as ".." while it lives (an open descriptor, a working directory). */
        n->v.u.dir.self = NULL;
        n->v.u.dir.parent = &dir->v;
        dir->v.pins++;
        n->v.vflags |= VN_PINNING;
        dir->v.nlink--;
    }
}

static int f_unlink(struct vnode *dir, struct dirent *de)
{
    struct fat_fs *fs = FS(dir);
    struct fat_node *d = FN(dir), *n = FN(de->node);
    int err = fat_dir_remove(fs, d, n->slot, n->nslots);
    if (err)
        return err;
    struct vfs_time now = vfs_now();
    unname(fs, d, n, de);
    n->v.ctime = now;
    dir_touch(fs, d, now);
    f_release(&n->v);
    return sync_after(fs, 0, true);
}

static int f_rmdir(struct vnode *dir, struct dirent *de)
{
    struct fat_fs *fs = FS(dir);
    struct fat_node *d = FN(dir), *n = FN(de->node);
    int err = fat_dir_load(fs, n);
    if (err)
        return err;
    if (n->v.u.dir.nentries)
        return -ENOTEMPTY;
    err = fat_dir_remove(fs, d, n->slot, n->nslots);
    if (err)
        return err;
    struct vfs_time now = vfs_now();
    unname(fs, d, n, de);
    n->v.ctime = now;
    dir_touch(fs, d, now);
    f_release(&n->v);
    return sync_after(fs, 0, true);
}

/* Where a node's entry set is: what a rename moves. */
struct place {
    uint64_t de_off;
    uint32_t slot;
    uint8_t nslots, ntcase;
    uint8_t sname[11];
};

static struct place place_of(const struct fat_node *n)
{
    struct place p = { n->de_off, n->slot, n->nslots, n->ntcase, { 0 } };
    memcpy(p.sname, n->sname, 11);
    return p;
}

static void put_place(struct fat_node *n, const struct place *p)
{
    n->de_off = p->de_off;
    n->slot = p->slot;
    n->nslots = p->nslots;
    n->ntcase = p->ntcase;
    memcpy(n->sname, p->sname, 11);
}

/* A directory changed parents: its ".." on disk and the link counts. */
static void moved_dir(struct fat_fs *fs, struct fat_node *v, struct fat_node *from, struct fat_node *to,
                      struct dirent *name)
{
    v->v.u.dir.parent = &to->v;
    v->v.u.dir.self = name;
    if (from != to) {
        from->v.nlink--;
        to->v.nlink++;
        fat_dir_set_dotdot(fs, v, to); /* an error is logged; the rename stands */
    }
}

/* Open objects opened by od's name follow it to nd (vnode_path). */
static void forward(struct dirent *od, struct dirent *nd)
{
    if (od->refs > 1) {
        dcache_get(nd);
        od->moved = nd;
    }
    dcache_remove(od);
}

static int rename_exchange(struct fat_fs *fs, struct fat_node *odir, struct dirent *od, struct fat_node *ndir,
                           struct dirent *nd)
{
    struct fat_node *v = FN(od->node), *w = FN(nd->node);
    /* Both names stay where they are on disk; the nodes swap entry sets. */
    struct place pv = place_of(v), pw = place_of(w);
    fat_sn_remove(fs, v);
    fat_sn_remove(fs, w);
    put_place(v, &pw);
    put_place(w, &pv);
    int err = fat_node_write(fs, v);
    if (!err)
        err = fat_node_write(fs, w);
    if (err) {
        put_place(v, &pv);
        put_place(w, &pw);
        fat_node_write(fs, v);
        fat_node_write(fs, w);
        fat_sn_insert(fs, odir, v);
        fat_sn_insert(fs, ndir, w);
        return err;
    }
    fat_sn_insert(fs, ndir, v);
    fat_sn_insert(fs, odir, w);
    od->node = &w->v;
    nd->node = &v->v;
    v->dent = nd;
    w->dent = od;
    if (fn_is_dir(v))
        moved_dir(fs, v, odir, ndir, nd);
    if (fn_is_dir(w))
        moved_dir(fs, w, ndir, odir, od);
    return 0;
}

static int f_rename(struct vnode *odir_v, struct dirent *od, struct vnode *ndir_v, struct dirent *nd,
                    const char *name, uint32_t len, uint32_t hash, uint32_t flags)
{
    (void)hash;
    struct fat_fs *fs = FS(odir_v);
    struct fat_node *odir = FN(odir_v), *ndir = FN(ndir_v), *v = FN(od->node);
    struct vfs_time now = vfs_now();
    int err;
    if (flags & LX_RENAME_EXCHANGE) {
        struct fat_node *w = FN(nd->node);
        err = rename_exchange(fs, odir, od, ndir, nd);
        if (err)
            return err;
        w->v.ctime = now;
    } else if (nd) {
        /* v takes over w's entry set, name and all (Linux's vfat_rename keeps
         * the existing entry), then v's old set goes. */
        struct fat_node *w = FN(nd->node);
        if (fn_is_dir(w)) {
            err = fat_dir_load(fs, w);
            if (err)
                return err;
            if (w->v.u.dir.nentries)
                return -ENOTEMPTY;
        }
        struct place pv = place_of(v), pw = place_of(w);
        fat_sn_remove(fs, v);
        fat_sn_remove(fs, w);
        put_place(v, &pw);
        err = fat_node_write(fs, v);
        if (err) {
            put_place(v, &pv);
            fat_sn_insert(fs, odir, v);
            fat_sn_insert(fs, ndir, w);
            return err;
        }
        fat_dir_remove(fs, odir, pv.slot, pv.nslots); /* an error leaves a second name: fsck's to fix */
        fat_sn_insert(fs, ndir, v);
        /* w loses its name without its entry set, which is v's now. */
        w->dent = NULL;
        w->de_off = 0;
        w->v.nlink = 0;
        w->v.ctime = now;
        if (fn_is_dir(w)) {
            w->v.u.dir.self = NULL;
            w->v.u.dir.parent = &ndir->v;
            ndir->v.pins++;
            w->v.vflags |= VN_PINNING;
            ndir->v.nlink--;
        }
        nd->node = &v->v;
        v->dent = nd;
        if (fn_is_dir(v))
            moved_dir(fs, v, odir, ndir, nd);
        forward(od, nd);
        f_release(&w->v);
    } else {
        err = fat_name_valid(name, len);
        if (err)
            return err;
        uint32_t sl = fat_name_strip(name, len);
        struct dirent *e = dcache_add(&ndir->v, name, sl, fat_name_hash(name, sl), &v->v);
        if (!e)
            return -ENOMEM;
        struct place pv = place_of(v);
        fat_sn_remove(fs, v);
        err = fat_dir_add(fs, ndir, name, len, v);
        if (err) {
            put_place(v, &pv);
            fat_sn_insert(fs, odir, v);
            dcache_remove(e);
            return err;
        }
        fat_dir_remove(fs, odir, pv.slot, pv.nslots);
        fat_sn_insert(fs, ndir, v);
        v->dent = e;
        if (fn_is_dir(v))
            moved_dir(fs, v, odir, ndir, e);
        forward(od, e);
    }
    v->v.ctime = now;
    dir_touch(fs, odir, now);
    if (ndir != odir)
        dir_touch(fs, ndir, now);
    return sync_after(fs, 0, true);
}

static long f_readlink(struct vnode *v, const char **target)
{
    (void)v, (void)target;
    return -EINVAL; /* there are no links on FAT */
}

static void f_getattr(struct vnode *v, struct kx_stat *st)
{
    struct fat_node *n = FN(v);
    struct fat_fs *fs = n->fs;
    if (fn_is_dir(n) && v->nlink)
        fat_dir_load(fs, n); /* st_nlink counts subdirectories; an error shows as 2 */
    vnode_stat_base(v, st); /* then what FAT shows differently: */
    st->st_blksize = (int32_t)fs->g.cluster_size;
    if (fn_is_dir(n)) {
        st->st_size = (int64_t)((uint64_t)n->nclus << fs->g.cluster_shift);
        st->st_blocks = st->st_size / 512;
    } else {
        st->st_blocks = (int64_t)(((uint64_t)clusters_for(fs, v->size) << fs->g.cluster_shift) / 512);
    }
    /* What the disk will hold: 2-second write times, access dates. The root
     * has no entry and shows the epoch, as Linux. */
    if (n != fs->root) {
        struct vfs_time a = fat_time_adate(v->atime), m = fat_time_mtime(v->mtime), c = fat_time_mtime(v->ctime);
        st->st_atime_sec = a.sec;
        st->st_atime_nsec = a.nsec;
        st->st_mtime_sec = m.sec;
        st->st_mtime_nsec = m.nsec;
        st->st_ctime_sec = c.sec;
        st->st_ctime_nsec = c.nsec;
    }
}

/* chmod, as Linux's fat_sanitize_mode_change: read and execute bits cannot
 * change, write bits are all (of what the mask allows) or none (a file's
 * read-only attribute; a directory's cannot be set: EPERM). */
static int mode_change(struct fat_fs *fs, struct fat_node *n, uint32_t mode, uint8_t *attr)
{
    if (mode & ~0777u)
        return -EPERM; /* no set-id or sticky bits on FAT */
    uint32_t mask = fn_is_dir(n) ? fs->dmask : fs->fmask;
    uint32_t perm = mode & ~mask & 0777u;
    if ((perm & 0555u) != (n->v.mode & 0555u))
        return -EPERM;
    uint32_t w = 0222u & ~mask;
    if (fn_is_dir(n)) {
        if ((perm & 0222u) != w)
            return -EPERM;
        return 0;
    }
    if ((perm & 0222u) && (perm & 0222u) != w)
        return -EPERM;
    *attr = (uint8_t)((perm & 0222u) ? *attr & ~ATTR_RO : *attr | ATTR_RO);
    return 0;
}

static int f_setattr(struct vnode *v, const struct vfs_attr *a)
{
    struct fat_node *n = FN(v);
    struct fat_fs *fs = n->fs;
    /* Linux's fat_setattr: owners cannot change, not even by root. */
    if (((a->mask & VFS_ATTR_UID) && a->uid != fs->uid) || ((a->mask & VFS_ATTR_GID) && a->gid != fs->gid))
        return -EPERM;
    uint8_t attr = n->attr;
    if (a->mask & VFS_ATTR_MODE) {
        int err = mode_change(fs, n, a->mode, &attr);
        if (err)
            return err;
    }
    if (a->mask & VFS_ATTR_SIZE) {
        int err = fat_file_truncate(fs, n, a->size);
        if (err)
            return err;
    }
    struct vfs_time now = vfs_now();
    if (a->mask & VFS_ATTR_ATIME_NOW)
        v->atime = now;
    else if (a->mask & VFS_ATTR_ATIME)
        v->atime = (struct vfs_time){ a->atime_sec, (uint32_t)a->atime_nsec };
    if (a->mask & VFS_ATTR_MTIME_NOW)
        v->mtime = now;
    else if (a->mask & VFS_ATTR_MTIME)
        v->mtime = (struct vfs_time){ a->mtime_sec, (uint32_t)a->mtime_nsec };
    n->attr = attr;
    fat_node_mode(fs, n);
    v->ctime = now;
    return sync_after(fs, fat_node_write(fs, n), false);
}

static long f_read(struct vnode *v, uint64_t off, uint64_t len, struct io_sink *sink)
{
    return fat_file_read(FS(v), FN(v), off, len, sink);
}

static long f_write(struct vnode *v, uint64_t off, uint64_t len, struct io_source *src)
{
    long n = fat_file_write(FS(v), FN(v), off, len, src);
    int err = n > 0 ? sync_after(FS(v), 0, false) : 0;
    return err ? err : n;
}

static int f_truncate(struct vnode *v, uint64_t size)
{
    return sync_after(FS(v), fat_file_truncate(FS(v), FN(v), size), false);
}

static int f_sync(struct vnode *v)
{
    return fat32_sync_fs(FS(v)); /* the whole volume: one cache, one FAT */
}

static void f_statfs(struct mount *m, struct kx_statfs *st)
{
    struct fat_fs *fs = m->fs;
    uint32_t free = 0;
    fat_free_clusters(fs, &free); /* an I/O error reports none free */
    memset(st, 0, sizeof(*st));
    st->f_type = MSDOS_SUPER_MAGIC;
    st->f_bsize = fs->g.cluster_size;
    st->f_frsize = fs->g.cluster_size;
    st->f_blocks = fs->g.nclusters;
    st->f_bfree = st->f_bavail = free;
    st->f_fsid[0] = (int32_t)m->dev;
    st->f_namelen = VFS_NAME_MAX; /* bytes of UTF-8 a path component may have here */
    st->f_flags = mount_statfs_flags(m);
}

static void f_open(struct vnode *v)
{
    v->opens++;
    fat_node_opened(FS(v), FN(v)); /* its times may change behind the ops' back: sync looks */
}

static void f_close(struct vnode *v)
{
    v->opens--;
    f_release(v);
}

const struct vnode_ops fat32_ops = {
    .fill_dir = f_fill_dir,
    .lookup = f_lookup,
    .create = f_create,
    .symlink = f_symlink,
    .link = f_link,
    .unlink = f_unlink,
    .rmdir = f_rmdir,
    .rename = f_rename,
    .readlink = f_readlink,
    .getattr = f_getattr,
    .setattr = f_setattr,
    .read = f_read,
    .write = f_write,
    .truncate = f_truncate,
    .sync = f_sync,
    .statfs = f_statfs,
    .open = f_open,
    .close = f_close,
    .release = f_release,
};
