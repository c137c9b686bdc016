/*
 * The path operations: resolution (path.c), permission checks (perm.c) and
 * the back-end (vnode_ops), in the order Linux makes its checks, so each
 * error is the one Linux gives (fs/namei.c do_open, filename_create,
 * do_unlinkat, do_rmdir, do_renameat2, do_linkat, fs/open.c, fs/stat.c).
 */
#include <errno.h>
#include <string.h>

#include "vfs.h"

void vnode_touch_atime(struct vnode *v)
{
    struct mount *m = v->mnt;
    if (mnt_rdonly(m) || (m->flags & LX_MS_NOATIME) ||
        ((m->flags & LX_MS_NODIRATIME) && S_IS(v->mode, LX_S_IFDIR)))
        return;
    if (!(m->flags & LX_MS_STRICTATIME)) {
        /* relatime: only if atime is not after mtime or ctime, or a day old. The
         * day is judged by a clock read at most 64 reads ago, so the common case
         * (nothing to do) costs no system call. */
        static struct vfs_time recent;
        static unsigned age;
        bool le_m = v->atime.sec < v->mtime.sec || (v->atime.sec == v->mtime.sec && v->atime.nsec <= v->mtime.nsec);
        bool le_c = v->atime.sec < v->ctime.sec || (v->atime.sec == v->ctime.sec && v->atime.nsec <= v->ctime.nsec);
        if (!le_m && !le_c) {
            if (age++ % 64 == 0)
                recent = vfs_now();
            if (recent.sec - v->atime.sec < 24 * 60 * 60)
                return;
        }
    }
    v->atime = vfs_now();
}

void vnode_stat(struct vnode *v, struct kx_stat *st) { v->ops->getattr(v, st); }

void vnode_stat_base(const struct vnode *v, struct kx_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = v->mnt->dev;
    st->st_ino = v->ino;
    st->st_mode = v->mode;
    st->st_nlink = v->nlink;
    st->st_uid = v->uid;
    st->st_gid = v->gid;
    st->st_rdev = v->rdev;
    st->st_size = (int64_t)v->size;
    st->st_blksize = VFS_PAGE;
    st->st_atime_sec = v->atime.sec;
    st->st_atime_nsec = v->atime.nsec;
    st->st_mtime_sec = v->mtime.sec;
    st->st_mtime_nsec = v->mtime.nsec;
    st->st_ctime_sec = v->ctime.sec;
    st->st_ctime_nsec = v->ctime.nsec;
}

static uint32_t kind_of(uint32_t mode)
{
    switch (S_TYPE(mode)) {
    case LX_S_IFDIR: return VFS_KIND_DIR;
    case LX_S_IFLNK: return VFS_KIND_LNK;
    case LX_S_IFCHR: return VFS_KIND_CHR;
    case LX_S_IFBLK: return VFS_KIND_BLK;
    case LX_S_IFIFO: return VFS_KIND_FIFO;
    case LX_S_IFSOCK: return VFS_KIND_SOCK;
    default: return VFS_KIND_REG;
    }
}

static bool is_dir(const struct vnode *v) { return S_IS(v->mode, LX_S_IFDIR); }

/* Linux's may_open: what the object's type and mode allow. */
static int may_open(struct vnode *v, const struct cred *c, uint32_t acc, uint32_t flags)
{
    switch (S_TYPE(v->mode)) {
    case LX_S_IFLNK:
        return -ELOOP;
    case LX_S_IFDIR:
        if (acc & MAY_WRITE)
            return -EISDIR;
        if (acc & MAY_EXEC)
            return -EACCES;
        break;
    case LX_S_IFBLK:
    case LX_S_IFCHR:
        if (v->mnt->flags & LX_MS_NODEV)
            return -EACCES;
        /* fall through */
    case LX_S_IFIFO:
    case LX_S_IFSOCK:
        if (acc & MAY_EXEC)
            return -EACCES;
        break;
    default:
        if ((acc & MAY_EXEC) && (v->mnt->flags & LX_MS_NOEXEC))
            return -EACCES;
        break;
    }
    int err = vnode_permission(v, c, acc);
    if (err)
        return err;
    if ((flags & LX_O_NOATIME) && !owner_or_root(v, c))
        return -EPERM;
    return 0;
}

/* Truncation by open(O_TRUNC) or a write-side setattr: data gone, privileges too (not for root). */
static int truncate_node(struct vnode *v, const struct cred *c, uint64_t size)
{
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = size };
    uint32_t kill = c->uid ? kill_privs_mask(v) : 0;
    if (kill) {
        a.mask |= VFS_ATTR_MODE;
        a.mode = v->mode & 07777u & ~kill;
    }
    return v->ops->setattr(v, &a);
}

static int fill_open(struct vnode *v, struct dirent *d, uint32_t flags, struct open_result *r)
{
    uint64_t cookie = ofile_new(v, d, flags);
    if (!cookie)
        return -ENFILE;
    r->cookie = cookie;
    r->kind = kind_of(v->mode);
    r->mode = v->mode;
    r->size = v->size;
    r->rdev = v->rdev;
    r->identity = vnode_identity(v);
    r->pages_version = v->pages_version;
    return 0;
}

static int open_tmpfile(const struct cred *c, struct vnode *start, const char *path, uint32_t flags, uint32_t mode,
                        uint32_t acc, struct open_result *r)
{
    if (!(acc & MAY_WRITE))
        return -EINVAL;
    struct vnode *dir;
    int err = resolve(c, start, path, true, &dir, NULL);
    if (err)
        return err;
    if (!is_dir(dir))
        return -ENOTDIR;
    if (mnt_rdonly(dir->mnt))
        return -EROFS;
    err = may_create(dir, c);
    if (err)
        return err;
    if (!dir->ops->tmpfile)
        return -EOPNOTSUPP;
    struct vnode *v;
    err = dir->ops->tmpfile(dir, LX_S_IFREG | (mode & 07777u), c, &v);
    if (err)
        return err;
    if (!(flags & LX_O_EXCL))
        v->vflags |= VN_LINKABLE;
    err = fill_open(v, NULL, flags & ~LX_O_TMPFILE, r);
    if (err)
        v->ops->release(v);
    return err;
}

int vfs_open(const struct cred *c, struct vnode *start, const char *path, uint32_t flags, uint32_t mode,
             struct open_result *r)
{
    bool exec = flags & VFS_O_EXEC, chdir = flags & VFS_O_CHDIR;
    uint32_t acc;
    if (exec || chdir) {
        acc = MAY_EXEC;
        flags &= ~(LX_O_CREAT | LX_O_TRUNC | LX_O_TMPFILE | LX_O_ACCMODE);
        if (chdir)
            flags |= LX_O_DIRECTORY | LX_O_PATH; /* a working directory: searched, never read */
    } else if (flags & LX_O_PATH) {
        flags &= LX_O_DIRECTORY | LX_O_NOFOLLOW | LX_O_PATH | LX_O_CLOEXEC;
        acc = 0;
    } else {
        static const uint8_t acc_of[4] = { MAY_READ, MAY_WRITE, MAY_READ | MAY_WRITE, MAY_READ | MAY_WRITE };
        acc = acc_of[flags & LX_O_ACCMODE];
        if (flags & LX_O_TRUNC)
            acc |= MAY_WRITE;
    }
    if ((flags & LX_O_TMPFILE) == LX_O_TMPFILE) {
        if (flags & LX_O_CREAT)
            return -EINVAL;
        return open_tmpfile(c, start, path, flags, mode, acc, r);
    }
    if (flags & LX_O_TMPFILE)
        return -EINVAL; /* __O_TMPFILE without O_DIRECTORY */
    if (flags & VFS_O_EMPTY) {
        /* The object itself, for execution (execveat AT_EMPTY_PATH). */
        if (!exec || !start)
            return -EINVAL;
        int err = may_open(start, c, MAY_EXEC, flags);
        if (err)
            return err;
        if (!S_IS(start->mode, LX_S_IFREG))
            return -EACCES;
        return fill_open(start, NULL, flags, r);
    }
    bool creat = flags & LX_O_CREAT, excl = creat && (flags & LX_O_EXCL);
    if (creat && (flags & LX_O_DIRECTORY))
        return -EINVAL; /* Linux 6.4 on */
    bool follow = !(flags & LX_O_NOFOLLOW) && !excl;

    struct walk w;
    int err = walk_start(&w, c, start, path);
    if (!err)
        err = walk_parent(&w, path);
    if (err)
        return err;
    struct vnode *v = NULL;
    struct dirent *d = NULL;
    bool created = false;
    if (!creat) {
        err = walk_last(&w, follow, &v, &d);
        if (err)
            return err;
    } else {
        for (;;) {
            if (w.last_type != LAST_NORM) {
                err = walk_last(&w, follow, &v, &d);
                if (err)
                    return err;
                break;
            }
            if (w.trailing)
                return -EISDIR;
            if (w.last_len > VFS_NAME_MAX)
                return -ENAMETOOLONG;
            err = dir_lookup(w.dir, w.last, w.last_len, w.last_hash, &d);
            if (err)
                return err;
            if (!d) {
                if (mnt_rdonly(w.dir->mnt))
                    return -EROFS;
                err = may_create(w.dir, c);
                if (err)
                    return err;
                err = w.dir->ops->create(w.dir, w.last, w.last_len, w.last_hash, LX_S_IFREG | (mode & 07777u), 0,
                                         c, &v);
                if (err)
                    return err;
                d = w.dir->ops->lookup(w.dir, w.last, w.last_len, w.last_hash); /* filled: no I/O */
                created = true;
                break;
            }
            v = cross_mounts(d->node);
            if (S_IS(v->mode, LX_S_IFLNK) && follow) {
                err = walk_follow(&w, v);
                if (err)
                    return err;
                continue;
            }
            break;
        }
        if (excl && !created)
            return -EEXIST;
        if (is_dir(v))
            return -EISDIR;
    }
    if ((flags & LX_O_DIRECTORY) && !is_dir(v))
        return -ENOTDIR;
    bool do_trunc = false;
    if (created) {
        acc = 0;
    } else if (S_IS(v->mode, LX_S_IFREG) && (flags & LX_O_TRUNC) && !(flags & LX_O_PATH)) {
        if (mnt_rdonly(v->mnt))
            return -EROFS;
        do_trunc = true;
    }
    if (chdir) {
        err = vnode_permission(v, c, MAY_EXEC);
        if (err)
            return err;
    } else if (!(flags & LX_O_PATH)) {
        err = may_open(v, c, acc, flags);
        if (err)
            return err;
        if (S_IS(v->mode, LX_S_IFSOCK))
            return -ENXIO;
        if (exec && !S_IS(v->mode, LX_S_IFREG))
            return -EACCES;
    }
    if (do_trunc && (v->size || kill_privs_mask(v))) {
        err = truncate_node(v, c, 0);
        if (err)
            return err;
    } else if (do_trunc) {
        v->mtime = v->ctime = vfs_now(); /* Linux sets the times even when nothing is cut */
    }
    return fill_open(v, d, flags, r);
}

int vfs_stat(const struct cred *c, struct vnode *start, const char *path, uint32_t flags, struct kx_stat *st)
{
    struct vnode *v;
    int err = resolve(c, start, path, !(flags & LX_AT_SYMLINK_NOFOLLOW), &v, NULL);
    if (err)
        return err;
    vnode_stat(v, st);
    return 0;
}

int vfs_access(const struct cred *c, struct vnode *start, const char *path, uint32_t flags, uint32_t mode)
{
    if (mode & ~7u)
        return -EINVAL;
    struct vnode *v;
    if ((flags & LX_AT_EMPTY_PATH) && !path[0]) {
        v = start ? start : vfs_root(); /* the object w0 names itself */
    } else {
        int err = resolve(c, start, path, !(flags & LX_AT_SYMLINK_NOFOLLOW), &v, NULL);
        if (err)
            return err;
    }
    if (mode == 0)
        return 0;
    return vnode_permission(v, c, mode); /* R_OK, W_OK, X_OK are MAY_READ, MAY_WRITE, MAY_EXEC */
}

/*
 * filename_create: the parent of a new name, which must not exist. A trailing
 * slash is allowed only for a directory; otherwise it makes a missing name
 * ENOENT (and an existing one EEXIST).
 */
static int create_parent(struct walk *w, const struct cred *c, struct vnode *start, const char *path, bool want_dir)
{
    int err = walk_start(w, c, start, path);
    if (!err)
        err = walk_parent(w, path);
    if (err)
        return err;
    if (w->last_type != LAST_NORM)
        return -EEXIST;
    if (w->last_len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    struct dirent *d;
    err = dir_lookup(w->dir, w->last, w->last_len, w->last_hash, &d);
    if (err)
        return err;
    if (d)
        return -EEXIST;
    if (w->trailing && !want_dir)
        return -ENOENT;
    if (mnt_rdonly(w->dir->mnt))
        return -EROFS;
    return 0;
}

int vfs_mkdir(const struct cred *c, struct vnode *start, const char *path, uint32_t mode)
{
    struct walk w;
    int err = create_parent(&w, c, start, path, true);
    if (!err)
        err = may_create(w.dir, c);
    if (err)
        return err;
    struct vnode *v;
    return w.dir->ops->create(w.dir, w.last, w.last_len, w.last_hash, LX_S_IFDIR | (mode & 01777u), 0, c, &v);
}

int vfs_mknod(const struct cred *c, struct vnode *start, const char *path, uint32_t mode, uint64_t rdev)
{
    switch (S_TYPE(mode)) {
    case 0:
        mode |= LX_S_IFREG;
        break;
    case LX_S_IFREG: case LX_S_IFCHR: case LX_S_IFBLK: case LX_S_IFIFO: case LX_S_IFSOCK:
        break;
    case LX_S_IFDIR:
        return -EPERM;
    default:
        return -EINVAL;
    }
    struct walk w;
    int err = create_parent(&w, c, start, path, false);
    if (!err)
        err = may_create(w.dir, c);
    if (err)
        return err;
    if ((S_IS(mode, LX_S_IFCHR) || S_IS(mode, LX_S_IFBLK)) && c->uid != 0)
        return -EPERM;
    struct vnode *v;
    return w.dir->ops->create(w.dir, w.last, w.last_len, w.last_hash, mode & (LX_S_IFMT | 07777u), rdev, c, &v);
}

int vfs_unlink(const struct cred *c, struct vnode *start, const char *path, uint32_t flags)
{
    if (flags & ~LX_AT_REMOVEDIR)
        return -EINVAL;
    bool rmdir = flags & LX_AT_REMOVEDIR;
    struct walk w;
    int err = walk_start(&w, c, start, path);
    if (!err)
        err = walk_parent(&w, path);
    if (err)
        return err;
    if (w.last_type != LAST_NORM) {
        if (!rmdir)
            return -EISDIR;
        return w.last_type == LAST_DOTDOT ? -ENOTEMPTY : w.last_type == LAST_DOT ? -EINVAL : -EBUSY;
    }
    if (mnt_rdonly(w.dir->mnt))
        return -EROFS;
    if (w.last_len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    struct dirent *d;
    err = dir_lookup(w.dir, w.last, w.last_len, w.last_hash, &d);
    if (err)
        return err;
    if (!rmdir && (w.trailing || !d))
        return !d ? -ENOENT : is_dir(d->node) ? -EISDIR : -ENOTDIR;
    if (!d)
        return -ENOENT;
    err = may_delete(w.dir, d, rmdir, c);
    if (err)
        return err;
    if (d->node->mounted)
        return -EBUSY;
    return rmdir ? w.dir->ops->rmdir(w.dir, d) : w.dir->ops->unlink(w.dir, d);
}

/* Is a an ancestor of b (or b itself), within one mount? */
static bool is_ancestor(const struct vnode *a, const struct vnode *b)
{
    while (b) {
        if (a == b)
            return true;
        if (b == b->mnt->root)
            return false;
        b = b->u.dir.parent;
    }
    return false;
}

int vfs_rename(const struct cred *c, struct vnode *ostart, const char *opath, struct vnode *nstart,
               const char *npath, uint32_t flags)
{
    if (flags & ~(LX_RENAME_NOREPLACE | LX_RENAME_EXCHANGE | LX_RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & (LX_RENAME_NOREPLACE | LX_RENAME_WHITEOUT)) && (flags & LX_RENAME_EXCHANGE))
        return -EINVAL;
    if (flags & LX_RENAME_WHITEOUT)
        return -EINVAL; /* tmpfs here has no whiteouts (overlayfs's need) */
    struct walk ow, nw;
    int err = walk_start(&ow, c, ostart, opath);
    if (!err)
        err = walk_parent(&ow, opath);
    if (err)
        return err;
    err = walk_start(&nw, c, nstart, npath);
    if (!err)
        err = walk_parent(&nw, npath);
    if (err)
        return err;
    struct vnode *odir = ow.dir, *ndir = nw.dir;
    if (odir->mnt != ndir->mnt)
        return -EXDEV;
    if (ow.last_type != LAST_NORM)
        return -EBUSY;
    if (nw.last_type != LAST_NORM)
        return (flags & LX_RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
    if (mnt_rdonly(odir->mnt))
        return -EROFS;
    if (ow.last_len > VFS_NAME_MAX || nw.last_len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    struct dirent *od, *nd;
    err = dir_lookup(odir, ow.last, ow.last_len, ow.last_hash, &od);
    if (err)
        return err;
    if (!od)
        return -ENOENT;
    err = dir_lookup(ndir, nw.last, nw.last_len, nw.last_hash, &nd);
    if (err)
        return err;
    if ((flags & LX_RENAME_NOREPLACE) && nd)
        return -EEXIST;
    if (flags & LX_RENAME_EXCHANGE) {
        if (!nd)
            return -ENOENT;
        if (!is_dir(nd->node) && nw.trailing)
            return -ENOTDIR;
    }
    struct vnode *src = od->node, *dst = nd ? nd->node : NULL;
    bool src_dir = is_dir(src);
    if (!src_dir) {
        if (ow.trailing)
            return -ENOTDIR;
        if (!(flags & LX_RENAME_EXCHANGE) && nw.trailing)
            return -ENOTDIR;
    }
    /* Neither may be an ancestor of the other's new parent. */
    if (src_dir && odir != ndir && is_ancestor(src, ndir))
        return -EINVAL;
    if (dst && is_dir(dst) && odir != ndir && is_ancestor(dst, odir))
        return (flags & LX_RENAME_EXCHANGE) ? -EINVAL : -ENOTEMPTY;
    if (src == dst)
        return 0; /* the same name, or two links of one file: nothing happens, as Linux */
    err = may_delete(odir, od, src_dir, c);
    if (err)
        return err;
    if (!dst)
        err = may_create(ndir, c);
    else
        err = may_delete(ndir, nd, (flags & LX_RENAME_EXCHANGE) ? is_dir(dst) : src_dir, c);
    if (err)
        return err;
    if (odir != ndir) {
        /* A directory moving changes its ".." entry: it must be writable. */
        if (src_dir && (err = vnode_permission(src, c, MAY_WRITE)))
            return err;
        if ((flags & LX_RENAME_EXCHANGE) && is_dir(dst) && (err = vnode_permission(dst, c, MAY_WRITE)))
            return err;
    }
    if (src->mounted || (dst && dst->mounted))
        return -EBUSY;
    return odir->ops->rename(odir, od, ndir, nd, nw.last, nw.last_len, nw.last_hash, flags);
}

int vfs_link(const struct cred *c, struct vnode *ostart, const char *opath, struct vnode *nstart,
             const char *npath, uint32_t flags)
{
    if (flags & ~(LX_AT_SYMLINK_FOLLOW | LX_AT_EMPTY_PATH))
        return -EINVAL;
    struct vnode *old;
    int err;
    if ((flags & LX_AT_EMPTY_PATH) && !opath[0]) {
        if (!ostart || c->uid != 0)
            return -ENOENT; /* Linux: AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH */
        old = ostart;
    } else {
        err = resolve(c, ostart, opath, flags & LX_AT_SYMLINK_FOLLOW, &old, NULL);
        if (err)
            return err;
    }
    struct walk w;
    err = create_parent(&w, c, nstart, npath, false);
    if (err)
        return err;
    if (old->mnt != w.dir->mnt)
        return -EXDEV;
    err = may_create(w.dir, c);
    if (err)
        return err;
    if (is_dir(old))
        return -EPERM;
    if (old->nlink == 0 && !(old->vflags & VN_LINKABLE))
        return -ENOENT;
    err = w.dir->ops->link(old, w.dir, w.last, w.last_len, w.last_hash);
    if (!err)
        old->vflags &= ~VN_LINKABLE;
    return err;
}

int vfs_symlink(const struct cred *c, struct vnode *start, const char *path, const char *target)
{
    size_t tlen = strlen(target);
    if (tlen == 0)
        return -ENOENT;
    if (tlen >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    struct walk w;
    int err = create_parent(&w, c, start, path, false);
    if (!err)
        err = may_create(w.dir, c);
    if (err)
        return err;
    struct vnode *v;
    return w.dir->ops->symlink(w.dir, w.last, w.last_len, w.last_hash, target, (uint32_t)tlen, c, &v);
}

long vfs_readlink(const struct cred *c, struct vnode *start, const char *path, uint32_t flags, const char **target)
{
    struct vnode *v;
    if ((flags & LX_AT_EMPTY_PATH) && !path[0]) {
        if (!start)
            return -ENOENT;
        v = start;
    } else {
        int err = resolve(c, start, path, false, &v, NULL);
        if (err)
            return err;
    }
    if (!S_IS(v->mode, LX_S_IFLNK))
        return path[0] ? -EINVAL : -ENOENT; /* Linux: an empty path naming a non-link is ENOENT */
    vnode_touch_atime(v);
    return v->ops->readlink(v, target);
}

int vnode_setattr(struct vnode *v, const struct cred *c, const struct vfs_attr *attr, bool open_for_write)
{
    struct vfs_attr a = *attr;
    uint32_t known = VFS_ATTR_MODE | VFS_ATTR_UID | VFS_ATTR_GID | VFS_ATTR_SIZE | VFS_ATTR_ATIME |
                     VFS_ATTR_MTIME | VFS_ATTR_ATIME_NOW | VFS_ATTR_MTIME_NOW;
    if (a.mask & ~known)
        return -EINVAL;
    /* A *_NOW bit wins over its explicit time (whose value is then not looked at). */
    if (a.mask & VFS_ATTR_ATIME_NOW)
        a.mask &= ~VFS_ATTR_ATIME;
    if (a.mask & VFS_ATTR_MTIME_NOW)
        a.mask &= ~VFS_ATTR_MTIME;
    if (((a.mask & VFS_ATTR_ATIME) && (a.atime_nsec < 0 || a.atime_nsec >= 1000000000)) ||
        ((a.mask & VFS_ATTR_MTIME) && (a.mtime_nsec < 0 || a.mtime_nsec >= 1000000000)))
        return -EINVAL;
    if (a.mask == 0)
        return 0;
    int err = setattr_check(v, &a, c, open_for_write);
    if (err)
        return err;
    return v->ops->setattr(v, &a);
}

int vfs_setattr(const struct cred *c, struct vnode *start, const char *path, uint32_t flags,
                const struct vfs_attr *a)
{
    struct vnode *v;
    int err = resolve(c, start, path, !(flags & LX_AT_SYMLINK_NOFOLLOW), &v, NULL);
    if (err)
        return err;
    return vnode_setattr(v, c, a, false);
}

int vfs_statfs(const struct cred *c, struct vnode *start, const char *path, struct kx_statfs *st)
{
    struct vnode *v;
    int err = resolve(c, start, path, true, &v, NULL);
    if (err)
        return err;
    v->ops->statfs(v->mnt, st);
    return 0;
}

#define LX_MS_MGC_VAL 0xC0ED0000u
#define LX_MS_MGC_MSK 0xffff0000u
#define LX_MS_UNBINDABLE (1u << 17)
#define LX_MS_PRIVATE (1u << 18)
#define LX_MS_SLAVE (1u << 19)
#define LX_MS_SHARED (1u << 20)

/* The block device a disk file system is mounted from, as Linux's
 * lookup_bdev: a path to a block device node (ENOTBLK otherwise), on a mount
 * that allows devices (EACCES), with a registered device (ENXIO). */
static int source_bcache(const struct cred *c, struct vnode *start, const char *source, struct bcache **out)
{
    if (!source || !source[0])
        return -EINVAL;
    struct vnode *v;
    int err = resolve(c, start, source, true, &v, NULL);
    if (err)
        return err;
    if (!S_IS(v->mode, LX_S_IFBLK))
        return -ENOTBLK;
    if (v->mnt->flags & LX_MS_NODEV)
        return -EACCES;
    *out = blkdev_find(v->rdev);
    return *out ? 0 : -ENXIO;
}

int vfs_mount(const struct cred *c, struct vnode *start, const char *target, const char *source, const char *fstype,
              const char *opts, uint32_t flags)
{
    if (c->uid != 0)
        return -EPERM;
    if ((flags & LX_MS_MGC_MSK) == LX_MS_MGC_VAL)
        flags &= ~LX_MS_MGC_MSK;
    struct vnode *v;
    int err = resolve(c, start, target, true, &v, NULL);
    if (err)
        return err;
    uint32_t propagation = LX_MS_UNBINDABLE | LX_MS_PRIVATE | LX_MS_SLAVE | LX_MS_SHARED;
    if (flags & propagation)
        return (flags & ~(propagation | LX_MS_REC | LX_MS_SILENT)) ? -EINVAL : 0; /* one namespace: all private */
    if (flags & LX_MS_REMOUNT)
        return mount_remount(v, flags, (flags & LX_MS_BIND) ? NULL : opts);
    if (flags & (LX_MS_BIND | LX_MS_MOVE))
        return -EINVAL; /* bind and move mounts are not done (docs/architecture.md) */
    struct mount *m = NULL;
    if (!strcmp(fstype, "vfat")) {
        struct bcache *bc;
        err = source_bcache(c, start, source, &bc);
        if (err)
            return err;
        err = mount_vfat(bc, flags, opts, v, &m);
    } else {
        err = mount_new(fstype, flags, opts, v, &m);
    }
    if (!err && m && source && source[0])
        m->source = meta_strdup(source, strlen(source)); /* /proc/mounts shows it; NULL (no memory): the fstype */
    return err;
}

int vfs_umount(const struct cred *c, struct vnode *start, const char *target, uint32_t flags)
{
    if (c->uid != 0)
        return -EPERM;
    if (flags & ~(LX_MNT_FORCE | LX_MNT_DETACH | LX_MNT_EXPIRE | LX_UMOUNT_NOFOLLOW))
        return -EINVAL;
    struct vnode *v;
    int err = resolve(c, start, target, !(flags & LX_UMOUNT_NOFOLLOW), &v, NULL);
    if (err)
        return err;
    return mount_umount(v, flags);
}
