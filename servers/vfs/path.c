/*
 * Whole-path resolution in one request, as Linux's fs/namei.c does it:
 * walk_parent is link_path_walk (every component but the last: each must be a
 * directory we may search, symlinks among them always followed), walk_last is
 * lookup_last (the last component: followed only when asked or when a slash
 * trails it). Symbolic links nest through a stack of "what is left to walk"
 * pointers into the request's path and the links' own targets, which stay put
 * for the request (nothing changes while one request runs). At most 40 links
 * are followed per request (Linux's MAXSYMLINKS), the 41st is ELOOP.
 *
 * Absolute paths and absolute link targets start at the caller's root (its
 * chroot directory, else the namespace root); ".." there stays there, as it
 * does at the namespace root; ".." at the root of a mounted file system goes to the parent of the directory it is mounted on. A directory
 * that has something mounted on it is replaced by the mount's root wherever a
 * walk lands on it.
 */
#include <errno.h>
#include <string.h>

#include "vfs.h"

struct vnode *cross_mounts(struct vnode *v)
{
    while (v->mounted)
        v = v->mounted->root;
    return v;
}

/* Where "/" is for this walk's caller. */
static struct vnode *caller_root(const struct walk *w)
{
    return w->cred->root ? cross_mounts(w->cred->root) : vfs_root();
}

static struct vnode *dotdot(const struct walk *w, struct vnode *v)
{
    struct vnode *root = vfs_root(), *mine = caller_root(w);
    for (;;) {
        if (v == root || v == mine)
            return v;
        if (v != v->mnt->root)
            break;
        if (!v->mnt->mountpoint)
            return v; /* the bottom root, covered by what is now "/" */
        v = v->mnt->mountpoint;
    }
    struct vnode *up = v->u.dir.parent; /* a removed directory keeps (pins) its old one, as Linux */
    if (!up)
        up = v->mnt->root;
    return cross_mounts(up);
}

int walk_start(struct walk *w, const struct cred *c, struct vnode *start, const char *path)
{
    w->cred = c;
    w->links = 0;
    w->depth = 0;
    w->trailing = false;
    w->must_dir = false;
    w->last = NULL;
    w->last_len = 0;
    w->last_type = LAST_NORM;
    if (!path[0])
        return -ENOENT;
    if (path[0] == '/')
        w->dir = caller_root(w);
    else if (!start)
        w->dir = vfs_root();
    else
        w->dir = start;
    if (!S_IS(w->dir->mode, LX_S_IFDIR))
        return -ENOTDIR;
    return 0;
}

/* Jumps into a link's target: returns where the walk continues. */
static const char *enter_link(struct walk *w, const char *body)
{
    if (*body == '/') {
        w->dir = caller_root(w);
        while (*body == '/')
            body++;
    }
    return body;
}

/* The link's target, through its back-end (procfs makes targets as asked:
 * /proc/self). An empty target is ENOENT, as Linux. */
static int follow_check(struct walk *w, struct vnode *v, const char **target)
{
    if (++w->links > VFS_MAXSYMLINKS)
        return -ELOOP;
    long len = v->ops->readlink(v, target);
    if (len < 0)
        return (int)len;
    if (len == 0)
        return -ENOENT;
    return 0;
}

int walk_parent(struct walk *w, const char *p)
{
    const struct cred *c = w->cred;
    p = enter_link(w, p);
    while (!*p && w->depth > 0)
        p = w->stack[--w->depth];
    if (!*p) {
        w->last = p;
        w->last_len = 0;
        w->last_type = LAST_ROOT;
        w->trailing = false;
        return 0;
    }
    for (;;) {
        int err = vnode_permission(w->dir, c, MAY_EXEC);
        if (err)
            return err;
        const char *name = p;
        uint32_t len = 0;
        uint32_t hash = 2166136261u; /* dcache_hash's FNV-1a, in the same pass */
        for (char ch; (ch = name[len]) && ch != '/'; len++)
            hash = (hash ^ (uint8_t)ch) * 16777619u;
        enum last_type type = LAST_NORM;
        if (name[0] == '.' && len == 1)
            type = LAST_DOT;
        else if (name[0] == '.' && name[1] == '.' && len == 2)
            type = LAST_DOTDOT;
        p = name + len;
        bool slash = *p == '/';
        while (*p == '/')
            p++;
        if (!*p) {
            if (w->depth == 0) {
                w->last = name;
                w->last_len = len;
                w->last_type = type;
                w->last_hash = hash;
                w->trailing = slash;
                return 0;
            }
            /* The last component of a link's target, with more to walk after the link. */
            p = w->stack[--w->depth];
        }
        if (type == LAST_DOT)
            continue;
        if (type == LAST_DOTDOT) {
            w->dir = dotdot(w, w->dir);
            continue;
        }
        if (len > VFS_NAME_MAX)
            return -ENAMETOOLONG;
        struct dirent *d;
        err = dir_lookup(w->dir, name, len, hash, &d);
        if (err)
            return err;
        if (!d)
            return -ENOENT;
        struct vnode *v = cross_mounts(d->node);
        if (S_IS(v->mode, LX_S_IFLNK)) {
            const char *target;
            err = follow_check(w, v, &target);
            if (err)
                return err;
            w->stack[w->depth++] = p; /* never empty here: more follows the link */
            p = enter_link(w, target);
            while (!*p && w->depth > 0)
                p = w->stack[--w->depth];
            continue;
        }
        if (!S_IS(v->mode, LX_S_IFDIR))
            return -ENOTDIR;
        w->dir = v;
    }
}

int walk_follow(struct walk *w, struct vnode *link)
{
    const char *target;
    int err = follow_check(w, link, &target);
    if (err)
        return err;
    if (w->trailing)
        w->must_dir = true;
    return walk_parent(w, target);
}

int walk_last(struct walk *w, bool follow, struct vnode **out, struct dirent **dent)
{
    *out = NULL;
    if (dent)
        *dent = NULL;
    for (;;) {
        struct vnode *v;
        struct dirent *d = NULL;
        switch (w->last_type) {
        case LAST_ROOT:
        case LAST_DOT:
            v = w->dir;
            break;
        case LAST_DOTDOT:
            v = dotdot(w, w->dir);
            break;
        default:
            if (w->last_len > VFS_NAME_MAX)
                return -ENAMETOOLONG;
            int err = dir_lookup(w->dir, w->last, w->last_len, w->last_hash, &d);
            if (err)
                return err;
            if (!d)
                return -ENOENT;
            v = cross_mounts(d->node);
            if (S_IS(v->mode, LX_S_IFLNK) && (follow || w->trailing)) {
                int err = walk_follow(w, v);
                if (err)
                    return err;
                continue;
            }
            break;
        }
        if ((w->trailing || w->must_dir) && !S_IS(v->mode, LX_S_IFDIR))
            return -ENOTDIR;
        *out = v;
        if (dent)
            *dent = d;
        return 0;
    }
}

int dir_lookup(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, struct dirent **out)
{
    *out = NULL;
    if (dir->ops->fill_dir) {
        int err = dir->ops->fill_dir(dir);
        if (err)
            return err;
    }
    *out = dir->ops->lookup(dir, name, len, hash);
    return 0;
}

int resolve(const struct cred *c, struct vnode *start, const char *path, bool follow, struct vnode **out,
            struct dirent **dent)
{
    struct walk w;
    int err = walk_start(&w, c, start, path);
    if (!err)
        err = walk_parent(&w, path);
    if (!err)
        err = walk_last(&w, follow, out, dent);
    return err;
}

/* Prepends "/name" to the path being built backwards at buf[*at..cap). */
static int prepend(char *buf, size_t *at, const char *name, size_t len)
{
    if (*at < len + 1)
        return -ENAMETOOLONG;
    *at -= len;
    memcpy(buf + *at, name, len);
    buf[--*at] = '/';
    return 0;
}

int vnode_path(struct vnode *v, struct dirent *d, char *buf, size_t cap)
{
    if (cap < 2)
        return -ERANGE;
    size_t at = cap - 1;
    buf[at] = 0;
    int err;
    if (!S_IS(v->mode, LX_S_IFDIR)) {
        while (d && d->dead)
            d = d->moved;
        if (!d || d->node != v)
            return -ENOENT;
        err = prepend(buf, &at, d->name, d->len);
        if (err)
            return err;
        v = d->dir;
    }
    struct vnode *root = vfs_root();
    struct vnode *bottom = vfs_mounts[0].root;
    while (v != root && v != bottom) {
        if (v == v->mnt->root) {
            v = v->mnt->mountpoint;
            if (!v)
                break;
            continue;
        }
        struct dirent *self = v->u.dir.self;
        if (!self)
            return -ENOENT; /* removed */
        err = prepend(buf, &at, self->name, self->len);
        if (err)
            return err;
        v = self->dir;
    }
    if (at == cap - 1)
        buf[--at] = '/';
    size_t n = cap - at;
    memmove(buf, buf + at, n);
    return (int)n;
}
