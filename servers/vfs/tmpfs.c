/*
 * tmpfs: files that live in the vfs's memory (Linux's shmem/tmpfs).
 *
 * The dcache is the directory's whole truth, so lookup only asks it. File
 * data are pages in a radix tree (struct pagetree, 512 slots a level); a hole
 * holds no page and reads as zeros. Each mount has a size limit counted in
 * data pages (size=, default half of RAM) and an inode limit (nr_inodes=,
 * default half of RAM's pages, as Linux); a write that needs a page past the
 * limit, or when the store has no memory left, stops there: the bytes that fit
 * are written and counted, ENOSPC if none did. Tree nodes and metadata come
 * from the same store and fail with ENOMEM (metadata) or ENOSPC (a write).
 *
 * Timestamps as Linux's shmem: creation sets the new node's a/m/ctime and the
 * directory's m/ctime; link, unlink and rename set the nodes' ctime and the
 * directories' m/ctime; write and truncate set m/ctime. Directory sizes count
 * 20 bytes a name (Linux's BOGO_DIRENT_SIZE), 40 when empty.
 */
#include <errno.h>
#include <string.h>

#include "vfs.h"

#define BOGO_DIRENT_SIZE 20u
#define SLOTS 512u
#define SLOT_SHIFT 9u
#define SHORT_SYMLINK_LEN 128u /* Linux keeps shorter targets in the inode: no block */

/* The last value given to a vnode's pages_version (vfs.h). */
static uint64_t last_pages_version;

/* v's pages are no longer the ones the kernel may have kept (vfs.h). */
static void pages_changed(struct vnode *v)
{
    v->pages_version = ++last_pages_version;
}

static struct vnode *vnode_new(struct mount *m, uint32_t mode, uint32_t uid, uint32_t gid)
{
    if (m->max_inodes && m->used_inodes >= m->max_inodes)
        return NULL;
    struct vnode *v = meta_alloc(sizeof(*v));
    if (!v)
        return NULL;
    m->used_inodes++;
    v->ops = &tmpfs_ops;
    v->mnt = m;
    v->ino = m->next_ino++;
    v->mode = mode;
    v->uid = uid;
    v->gid = gid;
    v->atime = v->mtime = v->ctime = vfs_now();
    if (S_IS(mode, LX_S_IFDIR)) {
        v->nlink = 2;
        v->size = 2 * BOGO_DIRENT_SIZE;
        v->u.dir.next_pos = 2; /* 0 and 1 are "." and ".." */
    } else {
        v->nlink = 1;
        if (S_IS(mode, LX_S_IFREG))
            pages_changed(v);
    }
    return v;
}

/* The error for a node that could not be made: the inode limit, or memory. */
static int vnode_new_error(const struct mount *m)
{
    return m->max_inodes && m->used_inodes >= m->max_inodes ? -ENOSPC : -ENOMEM;
}

/* ---- the page tree ----------------------------------------------------------- */

static uint64_t tree_capacity(uint8_t height)
{
    return height == 0 ? 1 : 1ull << (SLOT_SHIFT * height);
}

/* The slot for page `index`, or NULL (missing and !create, or out of memory). */
static void **tree_slot(struct pagetree *t, uint64_t index, bool create)
{
    if (index >= tree_capacity(t->height)) {
        if (!create)
            return NULL;
        while (index >= tree_capacity(t->height)) {
            if (t->root) {
                void **node = ps_page_zalloc();
                if (!node)
                    return NULL;
                node[0] = t->root;
                t->root = node;
            }
            t->height++;
        }
    }
    if (t->height == 0)
        return &t->root;
    void **slotp = &t->root;
    for (int level = t->height - 1; level >= 0; level--) {
        if (!*slotp) {
            if (!create)
                return NULL;
            *slotp = ps_page_zalloc();
            if (!*slotp)
                return NULL;
        }
        void **node = *slotp;
        slotp = &node[(index >> (SLOT_SHIFT * (unsigned)level)) & (SLOTS - 1)];
    }
    return slotp;
}

static void *tree_page(struct pagetree *t, uint64_t index)
{
    void **s = tree_slot(t, index, false);
    return s ? *s : NULL;
}

/* Frees the pages of `node` (a subtree at `level`, 0 = data page) from page
 * `first` on, relative to the subtree; returns data pages freed. Frees the
 * node itself if first == 0. Depth is at most 4. */
static uint64_t tree_free_from(void *node, int level, uint64_t first)
{
    if (!node)
        return 0;
    if (level == 0) {
        if (first == 0) {
            ps_data_free(node);
            return 1;
        }
        return 0;
    }
    uint64_t span = 1ull << (SLOT_SHIFT * (unsigned)(level - 1));
    void **slots = node;
    uint64_t freed = 0;
    for (uint64_t i = first / span; i < SLOTS; i++) {
        uint64_t sub_first = i == first / span ? first % span : 0;
        freed += tree_free_from(slots[i], level - 1, sub_first);
        if (sub_first == 0)
            slots[i] = NULL;
    }
    if (first == 0)
        ps_page_free(node);
    return freed;
}

static void reg_free_pages_from(struct vnode *v, uint64_t first_page)
{
    struct pagetree *t = &v->u.reg.tree;
    uint64_t freed = tree_free_from(t->root, t->height, first_page);
    if (first_page == 0) {
        t->root = NULL;
        t->height = 0;
    }
    v->u.reg.pages -= freed;
    v->mnt->used_pages -= freed;
    if (freed)
        pages_changed(v);
    ps_data_flush(); /* the frames go now; mappings keep theirs */
}

/* The page for index `i` of v, made if missing (a zeroed page, counted
 * against the mount's limit): the write path and IO_MAP_WRITE. NULL: the
 * limit, or no memory. */
static uint8_t *reg_page_make(struct vnode *v, uint64_t i)
{
    struct mount *m = v->mnt;
    void **slot = tree_slot(&v->u.reg.tree, i, true);
    if (!slot)
        return NULL;
    if (!*slot) {
        if (m->max_pages && m->used_pages >= m->max_pages)
            return NULL;
        void *page = ps_data_alloc(); /* a fresh frame: zero */
        if (!page)
            return NULL;
        *slot = page;
        v->u.reg.pages++;
        m->used_pages++;
        pages_changed(v);
    }
    return *slot;
}

/* The file grows past its size: what lies between the old end and the end of
 * its page must read as zeros, whatever a shared mapping wrote there (bytes
 * past the end are not the file's). */
static void reg_zero_tail(struct vnode *v)
{
    uint32_t tail = (uint32_t)(v->size % VFS_PAGE);
    if (!tail)
        return;
    uint8_t *page = tree_page(&v->u.reg.tree, v->size / VFS_PAGE);
    if (page)
        memset(page + tail, 0, VFS_PAGE - tail);
}

/* ---- node lifetime ------------------------------------------------------------ */

uint8_t vnode_dtype(const struct vnode *v)
{
    return (uint8_t)(S_TYPE(v->mode) >> 12);
}

void vnode_release(struct vnode *v)
{
    /* A loop, not recursion: freeing a removed directory may free the removed
     * directory it kept as "..", and so on up. */
    while (v && v->nlink == 0 && v->opens == 0 && v->pins == 0) {
        struct mount *m = v->mnt;
        struct vnode *up = NULL;
        if (S_IS(v->mode, LX_S_IFREG)) {
            reg_free_pages_from(v, 0);
        } else if (S_IS(v->mode, LX_S_IFLNK)) {
            meta_free(v->u.lnk.target, v->u.lnk.len + 1u);
        } else if (S_IS(v->mode, LX_S_IFDIR) && (v->vflags & VN_PINNING)) {
            up = v->u.dir.parent;
            up->pins--;
        }
        m->used_inodes--;
        meta_free(v, sizeof(*v));
        v = up;
    }
}

/* A directory loses its name (rmdir, or replaced by a rename): it keeps its
 * old parent as ".." while it lives (an open descriptor or a working
 * directory may still walk "..", as on Linux), pinning it. */
static void dir_unname(struct vnode *v, struct vnode *parent)
{
    v->nlink = 0;
    v->u.dir.self = NULL;
    v->u.dir.parent = parent;
    parent->pins++;
    v->vflags |= VN_PINNING;
}

static void dir_touch(struct vnode *dir, struct vfs_time now)
{
    dir->mtime = dir->ctime = now;
}

/* Names `v` in dir; on failure v is released (it had no name yet). */
static int add_name(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, struct vnode *v)
{
    struct dirent *d = dcache_add(dir, name, len, hash, v);
    if (!d) {
        v->nlink = 0;
        vnode_release(v);
        return -ENOMEM;
    }
    if (S_IS(v->mode, LX_S_IFDIR)) {
        v->u.dir.parent = dir;
        v->u.dir.self = d;
        dir->nlink++;
    }
    dir->size += BOGO_DIRENT_SIZE;
    dir_touch(dir, v->ctime);
    return 0;
}

/* ---- ops ------------------------------------------------------------------------- */

static struct dirent *t_lookup(struct vnode *dir, const char *name, uint32_t len, uint32_t hash)
{
    return dcache_lookup(dir, name, len, hash);
}

static int t_create(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, uint32_t mode, uint64_t rdev,
                    const struct cred *c, struct vnode **out)
{
    uint32_t gid;
    new_node_owner(dir, c, &mode, &gid);
    struct vnode *v = vnode_new(dir->mnt, mode, c->uid, gid);
    if (!v)
        return vnode_new_error(dir->mnt);
    if (S_IS(mode, LX_S_IFCHR) || S_IS(mode, LX_S_IFBLK))
        v->rdev = rdev;
    int err = add_name(dir, name, len, hash, v);
    if (err)
        return err;
    *out = v;
    return 0;
}

static int t_symlink(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, const char *target,
                     uint32_t tlen, const struct cred *c, struct vnode **out)
{
    uint32_t mode = LX_S_IFLNK | 0777u, gid;
    new_node_owner(dir, c, &mode, &gid);
    struct vnode *v = vnode_new(dir->mnt, mode, c->uid, gid);
    if (!v)
        return vnode_new_error(dir->mnt);
    v->u.lnk.target = meta_strdup(target, tlen);
    if (!v->u.lnk.target) {
        v->nlink = 0;
        vnode_release(v); /* the target's size says what to free: 0 + 1, and it is NULL */
        return -ENOMEM;
    }
    v->u.lnk.len = tlen;
    v->size = tlen;
    int err = add_name(dir, name, len, hash, v);
    if (err)
        return err;
    *out = v;
    return 0;
}

static int t_tmpfile(struct vnode *dir, uint32_t mode, const struct cred *c, struct vnode **out)
{
    uint32_t gid;
    new_node_owner(dir, c, &mode, &gid);
    struct vnode *v = vnode_new(dir->mnt, mode, c->uid, gid);
    if (!v)
        return vnode_new_error(dir->mnt);
    v->nlink = 0; /* the open keeps it; linkat may name it */
    *out = v;
    return 0;
}

static int t_link(struct vnode *node, struct vnode *dir, const char *name, uint32_t len, uint32_t hash)
{
    if (!dcache_add(dir, name, len, hash, node))
        return -ENOMEM;
    node->nlink++;
    struct vfs_time now = vfs_now();
    node->ctime = now;
    dir->size += BOGO_DIRENT_SIZE;
    dir_touch(dir, now);
    return 0;
}

static int t_unlink(struct vnode *dir, struct dirent *d)
{
    struct vnode *v = d->node;
    dcache_remove(d);
    struct vfs_time now = vfs_now();
    v->nlink--;
    v->ctime = now;
    dir->size -= BOGO_DIRENT_SIZE;
    dir_touch(dir, now);
    vnode_release(v);
    return 0;
}

static int t_rmdir(struct vnode *dir, struct dirent *d)
{
    struct vnode *v = d->node;
    if (v->u.dir.nentries)
        return -ENOTEMPTY;
    dcache_remove(d);
    struct vfs_time now = vfs_now();
    dir_unname(v, dir);
    v->ctime = now;
    dir->nlink--;
    dir->size -= BOGO_DIRENT_SIZE;
    dir_touch(dir, now);
    vnode_release(v);
    return 0;
}

/* Moves entry od (in odir) to `name` in ndir, keeping its node: a new entry
 * at ndir's tail; the old one forwards to it for open objects' paths. */
static struct dirent *move_entry(struct dirent *od, struct vnode *ndir, const char *name, uint32_t len,
                                 uint32_t hash)
{
    struct vnode *v = od->node;
    struct dirent *nd = dcache_add(ndir, name, len, hash, v);
    if (!nd)
        return NULL;
    if (S_IS(v->mode, LX_S_IFDIR)) {
        v->u.dir.parent = ndir;
        v->u.dir.self = nd;
    }
    if (od->refs > 1) {
        dcache_get(nd);
        od->moved = nd;
    }
    dcache_remove(od);
    return nd;
}

static int t_rename(struct vnode *odir, struct dirent *od, struct vnode *ndir, struct dirent *nd, const char *name,
                    uint32_t len, uint32_t hash, uint32_t flags)
{
    struct vnode *v = od->node;
    bool is_dir = S_IS(v->mode, LX_S_IFDIR);
    struct vfs_time now = vfs_now();
    if (flags & LX_RENAME_EXCHANGE) {
        /* Both names stay; the nodes swap. */
        struct vnode *w = nd->node;
        bool w_dir = S_IS(w->mode, LX_S_IFDIR);
        od->node = w;
        nd->node = v;
        if (is_dir) {
            v->u.dir.parent = ndir;
            v->u.dir.self = nd;
        }
        if (w_dir) {
            w->u.dir.parent = odir;
            w->u.dir.self = od;
        }
        if (odir != ndir && is_dir != w_dir) {
            if (is_dir) {
                odir->nlink--;
                ndir->nlink++;
            } else {
                ndir->nlink--;
                odir->nlink++;
            }
        }
        v->ctime = w->ctime = now;
        dir_touch(odir, now);
        dir_touch(ndir, now);
        return 0;
    }
    if (nd) {
        /* Replace the target's node in place: its name is present throughout. */
        struct vnode *w = nd->node;
        if (S_IS(w->mode, LX_S_IFDIR)) {
            if (w->u.dir.nentries)
                return -ENOTEMPTY;
            dir_unname(w, ndir);
            ndir->nlink--;
        } else {
            w->nlink--;
        }
        w->ctime = now;
        nd->node = v;
        if (is_dir) {
            v->u.dir.parent = ndir;
            v->u.dir.self = nd;
            if (odir != ndir) {
                odir->nlink--;
                ndir->nlink++;
            }
        }
        if (od->refs > 1) {
            dcache_get(nd);
            od->moved = nd;
        }
        dcache_remove(od);
        odir->size -= BOGO_DIRENT_SIZE;
        vnode_release(w);
    } else {
        if (!move_entry(od, ndir, name, len, hash))
            return -ENOMEM;
        odir->size -= BOGO_DIRENT_SIZE;
        ndir->size += BOGO_DIRENT_SIZE;
        if (is_dir && odir != ndir) {
            odir->nlink--;
            ndir->nlink++;
        }
    }
    v->ctime = now;
    dir_touch(odir, now);
    dir_touch(ndir, now);
    return 0;
}

static long t_readlink(struct vnode *v, const char **target)
{
    *target = v->u.lnk.target;
    return v->u.lnk.len;
}

static void t_getattr(struct vnode *v, struct kx_stat *st)
{
    vnode_stat_base(v, st);
    if (S_IS(v->mode, LX_S_IFREG))
        st->st_blocks = (int64_t)(v->u.reg.pages * (VFS_PAGE / 512u));
    else if (S_IS(v->mode, LX_S_IFLNK) && v->u.lnk.len >= SHORT_SYMLINK_LEN)
        st->st_blocks = VFS_PAGE / 512u;
}

static int t_truncate(struct vnode *v, uint64_t size)
{
    if (size > VFS_MAX_FILE_SIZE)
        return -EFBIG;
    if (size < v->size) {
        uint64_t keep = (size + VFS_PAGE - 1) / VFS_PAGE;
        reg_free_pages_from(v, keep);
        uint32_t tail = (uint32_t)(size % VFS_PAGE);
        if (tail) {
            /* What lies past the end must read as zeros if the file grows again. */
            uint8_t *page = tree_page(&v->u.reg.tree, size / VFS_PAGE);
            if (page)
                memset(page + tail, 0, VFS_PAGE - tail);
        }
    }
    /* Growing makes a hole: no pages, as Linux's tmpfs (the size limit counts pages). */
    if (size > v->size)
        reg_zero_tail(v);
    v->size = size;
    v->mtime = v->ctime = vfs_now();
    return 0;
}

static int t_setattr(struct vnode *v, const struct vfs_attr *a)
{
    if (a->mask & VFS_ATTR_SIZE) {
        int err = t_truncate(v, a->size);
        if (err)
            return err;
    }
    struct vfs_time now = vfs_now();
    if (a->mask & VFS_ATTR_MODE)
        v->mode = (v->mode & LX_S_IFMT) | (a->mode & 07777u);
    if (a->mask & VFS_ATTR_UID)
        v->uid = a->uid;
    if (a->mask & VFS_ATTR_GID)
        v->gid = a->gid;
    if (a->mask & VFS_ATTR_ATIME_NOW)
        v->atime = now;
    else if (a->mask & VFS_ATTR_ATIME)
        v->atime = (struct vfs_time){ a->atime_sec, (uint32_t)a->atime_nsec };
    if (a->mask & VFS_ATTR_MTIME_NOW)
        v->mtime = now;
    else if (a->mask & VFS_ATTR_MTIME)
        v->mtime = (struct vfs_time){ a->mtime_sec, (uint32_t)a->mtime_nsec };
    v->ctime = now;
    return 0;
}

static const uint8_t zero_page[VFS_PAGE];

static long t_read(struct vnode *v, uint64_t off, uint64_t len, struct io_sink *sink)
{
    if (off >= v->size || len == 0)
        return 0;
    if (len > v->size - off)
        len = v->size - off;
    uint64_t po = off % VFS_PAGE;
    if (sink->allow_direct && po + len <= VFS_PAGE) {
        const uint8_t *page = tree_page(&v->u.reg.tree, off / VFS_PAGE);
        sink->direct = (page ? page : zero_page) + po;
        sink->direct_len = len;
        return (long)len;
    }
    uint64_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint64_t in = pos % VFS_PAGE;
        uint64_t n = VFS_PAGE - in < len - done ? VFS_PAGE - in : len - done;
        const uint8_t *page = tree_page(&v->u.reg.tree, pos / VFS_PAGE);
        /* Consecutive zero pages go out as one run; a hole takes no page. */
        long r = sink->push(sink, done, (page ? page : zero_page) + in, n);
        if (r < 0)
            return done ? (long)done : r;
        done += (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    }
    return (long)done;
}

static long t_write(struct vnode *v, uint64_t off, uint64_t len, struct io_source *src)
{
    if (len == 0)
        return 0;
    if (off >= VFS_MAX_FILE_SIZE)
        return -EFBIG;
    if (len > VFS_MAX_FILE_SIZE - off)
        len = VFS_MAX_FILE_SIZE - off;
    if (off > v->size)
        reg_zero_tail(v);
    uint64_t done = 0;
    long err = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint64_t in = pos % VFS_PAGE;
        uint64_t n = VFS_PAGE - in < len - done ? VFS_PAGE - in : len - done;
        uint8_t *page = reg_page_make(v, pos / VFS_PAGE);
        if (!page) {
            err = -ENOSPC;
            break;
        }
        long r = src->pull(src, done, page + in, n);
        if (r < 0) {
            err = r;
            break;
        }
        done += (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    }
    if (done == 0)
        return err;
    if (off + done > v->size)
        v->size = off + done;
    v->mtime = v->ctime = vfs_now();
    return (long)done;
}

/* IO_MAP: the addresses of pages [first, first + n) of v, no page wholly
 * past the end; a hole is 0, or made when the mapping will write (shared and
 * writable). Returns the pages described, or -ENOMEM when a page cannot be
 * made (the limit or memory: mmap's error for it). */
static long t_map(struct vnode *v, uint64_t first, uint64_t n, bool write, uint64_t *out)
{
    uint64_t end = (v->size + VFS_PAGE - 1) / VFS_PAGE;
    if (first >= end)
        return 0;
    if (n > end - first)
        n = end - first;
    if (!write) {
        /* Reading: the leaf's slots in a row, one descent per leaf of the tree
         * (a program's exec asks for hundreds of pages). */
        struct pagetree *t = &v->u.reg.tree;
        void **slot = NULL;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t index = first + i;
            if (!slot || t->height == 0 || (index & (SLOTS - 1)) == 0)
                slot = tree_slot(t, index, false);
            else
                slot++;
            out[i] = slot ? (uint64_t)(uintptr_t)*slot : 0;
        }
        return (long)n;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint8_t *page = reg_page_make(v, first + i);
        if (!page)
            return -ENOMEM;
        out[i] = (uint64_t)(uintptr_t)page;
    }
    return (long)n;
}

static int t_sync(struct vnode *v)
{
    (void)v;
    return 0; /* memory is as durable as tmpfs gets */
}

static void t_statfs(struct mount *m, struct kx_statfs *st)
{
    memset(st, 0, sizeof(*st));
    st->f_type = TMPFS_MAGIC;
    st->f_bsize = VFS_PAGE;
    st->f_frsize = VFS_PAGE;
    if (m->max_pages) {
        st->f_blocks = m->max_pages;
        st->f_bfree = st->f_bavail = m->max_pages > m->used_pages ? m->max_pages - m->used_pages : 0;
    }
    if (m->max_inodes) {
        st->f_files = m->max_inodes;
        st->f_ffree = m->max_inodes > m->used_inodes ? m->max_inodes - m->used_inodes : 0;
    }
    st->f_fsid[0] = (int32_t)m->dev;
    st->f_namelen = VFS_NAME_MAX;
    st->f_flags = mount_statfs_flags(m);
}

static void t_open(struct vnode *v) { v->opens++; }

static void t_close(struct vnode *v)
{
    v->opens--;
    vnode_release(v);
}

const struct vnode_ops tmpfs_ops = {
    .lookup = t_lookup,
    .create = t_create,
    .symlink = t_symlink,
    .tmpfile = t_tmpfile,
    .link = t_link,
    .unlink = t_unlink,
    .rmdir = t_rmdir,
    .rename = t_rename,
    .readlink = t_readlink,
    .getattr = t_getattr,
    .setattr = t_setattr,
    .read = t_read,
    .write = t_write,
    .truncate = t_truncate,
    .map = t_map,
    .sync = t_sync,
    .statfs = t_statfs,
    .open = t_open,
    .close = t_close,
    .release = vnode_release,
};

/* ---- mounts ------------------------------------------------------------------------ */

static void apply_limits(struct mount *m, const struct mount_opts *o)
{
    uint64_t ram_pages = ps_ram_bytes() / VFS_PAGE;
    if (o->has_size)
        m->max_pages = o->max_pages;
    else if (!m->root)
        m->max_pages = ram_pages / 2;
    if (o->has_inodes)
        m->max_inodes = o->max_inodes;
    else if (!m->root)
        m->max_inodes = ram_pages / 2;
}

int tmpfs_fill(struct mount *m, const struct mount_opts *o)
{
    m->root = NULL;
    m->next_ino = 1;
    m->used_pages = m->used_inodes = 0;
    apply_limits(m, o);
    uint32_t mode = o->has_mode ? (o->mode & 07777u) : 01777u;
    struct vnode *root = vnode_new(m, LX_S_IFDIR | mode, o->has_uid ? o->uid : 0, o->has_gid ? o->gid : 0);
    if (!root)
        return -ENOMEM;
    root->u.dir.parent = root;
    m->root = root;
    return 0;
}

int tmpfs_reconfigure(struct mount *m, const struct mount_opts *o)
{
    /* As Linux's shmem_reconfigure: the limits cannot drop below what is used. */
    if (o->has_size && o->max_pages && o->max_pages < m->used_pages)
        return -EINVAL;
    if (o->has_inodes && o->max_inodes && o->max_inodes < m->used_inodes)
        return -EINVAL;
    apply_limits(m, o);
    return 0;
}

/* Frees a directory's subtree, iteratively enough: depth is bounded by what
 * paths can reach, but the recursion here is over the tree's own depth, so
 * walk it with the parent pointers instead of the stack. */
void tmpfs_destroy(struct mount *m)
{
    struct vnode *dir = m->root;
    while (dir) {
        struct dirent *d = dir->u.dir.first;
        while (d && d->is_cursor)
            d = d->next;
        if (!d) {
            struct vnode *up = dir == m->root ? NULL : dir->u.dir.parent;
            if (up) {
                t_rmdir(up, dir->u.dir.self);
            } else {
                dir->nlink = 0;
                vnode_release(dir);
            }
            dir = up;
            continue;
        }
        struct vnode *v = d->node;
        if (S_IS(v->mode, LX_S_IFDIR) && !v->mounted)
            dir = v;
        else if (S_IS(v->mode, LX_S_IFDIR))
            t_rmdir(dir, d); /* cannot happen: umount refuses with mounts below */
        else
            t_unlink(dir, d);
    }
    m->root = NULL;
}
