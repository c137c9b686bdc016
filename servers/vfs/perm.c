/*
 * Permission rules, as Linux's (fs/namei.c generic_permission, fs/attr.c
 * setattr_prepare, fs/inode.c inode_init_owner and should_remove_suid), with
 * the request's uid, gid and supplementary groups. uid 0 stands for the
 * capabilities root has (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
 * CAP_CHOWN, CAP_FSETID): Kenix has no finer capabilities.
 */
#include <errno.h>

#include "vfs.h"

bool cred_in_group(const struct cred *c, uint32_t gid)
{
    if (c->gid == gid)
        return true;
    for (uint32_t i = 0; i < c->ngroups; i++)
        if (c->groups[i] == gid)
            return true;
    return false;
}

static bool is_root(const struct cred *c) { return c->uid == 0; }

int vnode_permission(const struct vnode *v, const struct cred *c, uint32_t mask)
{
    uint32_t mode = v->mode;
    if ((mask & MAY_WRITE) && mnt_rdonly(v->mnt) &&
        (S_IS(mode, LX_S_IFREG) || S_IS(mode, LX_S_IFDIR) || S_IS(mode, LX_S_IFLNK)))
        return -EROFS;
    /* Owner, then group, then other: the first class that matches decides. */
    uint32_t bits;
    if (c->uid == v->uid)
        bits = mode >> 6;
    else if (cred_in_group(c, v->gid))
        bits = mode >> 3;
    else
        bits = mode;
    if ((mask & ~bits & 7u) == 0)
        return 0;
    if (is_root(c)) {
        /* Read and write always; execute on a directory, or a file with some x bit. */
        if (!(mask & MAY_EXEC) || S_IS(mode, LX_S_IFDIR) || (mode & 0111u))
            return 0;
    }
    return -EACCES;
}

bool owner_or_root(const struct vnode *v, const struct cred *c)
{
    return c->uid == v->uid || is_root(c);
}

int may_create(struct vnode *dir, const struct cred *c)
{
    if (dir->nlink == 0)
        return -ENOENT; /* a removed directory takes no new names */
    return vnode_permission(dir, c, MAY_WRITE | MAY_EXEC);
}

int may_delete(struct vnode *dir, struct dirent *victim, bool isdir, const struct cred *c)
{
    struct vnode *v = victim->node;
    int err = vnode_permission(dir, c, MAY_WRITE | MAY_EXEC);
    if (err)
        return err;
    /* Sticky directory: only the file's owner, the directory's, or root. */
    if ((dir->mode & LX_S_ISVTX) && c->uid != v->uid && c->uid != dir->uid && !is_root(c))
        return -EPERM;
    if (isdir) {
        if (!S_IS(v->mode, LX_S_IFDIR))
            return -ENOTDIR;
        if (v == v->mnt->root)
            return -EBUSY;
    } else if (S_IS(v->mode, LX_S_IFDIR)) {
        return -EISDIR;
    }
    if (dir->nlink == 0)
        return -ENOENT;
    return 0;
}

void new_node_owner(const struct vnode *dir, const struct cred *c, uint32_t *mode, uint32_t *gid)
{
    if (dir->mode & LX_S_ISGID) {
        *gid = dir->gid;
        if (S_IS(*mode, LX_S_IFDIR))
            *mode |= LX_S_ISGID;
        else if ((*mode & (LX_S_ISGID | LX_S_IXGRP)) == (LX_S_ISGID | LX_S_IXGRP) && !cred_in_group(c, *gid) &&
                 !is_root(c))
            *mode &= ~LX_S_ISGID; /* Linux's mode_strip_sgid */
    } else {
        *gid = c->gid;
    }
}

uint32_t kill_privs_mask(const struct vnode *v)
{
    uint32_t kill = 0;
    if (!S_IS(v->mode, LX_S_IFREG))
        return 0;
    if (v->mode & LX_S_ISUID)
        kill |= LX_S_ISUID;
    if ((v->mode & (LX_S_ISGID | LX_S_IXGRP)) == (LX_S_ISGID | LX_S_IXGRP))
        kill |= LX_S_ISGID;
    return kill;
}

/*
 * setattr_prepare and its neighbours. On success `a` is what to apply: mode
 * bits a chown must drop are folded in as a mode change.
 */
int setattr_check(struct vnode *v, struct vfs_attr *a, const struct cred *c, bool by_open_for_write)
{
    uint32_t times = VFS_ATTR_ATIME | VFS_ATTR_MTIME | VFS_ATTR_ATIME_NOW | VFS_ATTR_MTIME_NOW;
    if (a->mask & VFS_ATTR_SIZE) {
        if (S_IS(v->mode, LX_S_IFDIR))
            return -EISDIR;
        if (!S_IS(v->mode, LX_S_IFREG))
            return -EINVAL;
        if (mnt_rdonly(v->mnt))
            return -EROFS;
        if (!by_open_for_write) {
            int err = vnode_permission(v, c, MAY_WRITE);
            if (err)
                return err;
        }
        if (a->size > VFS_MAX_FILE_SIZE)
            return -EFBIG;
    } else if ((a->mask & (VFS_ATTR_MODE | VFS_ATTR_UID | VFS_ATTR_GID | times)) && mnt_rdonly(v->mnt)) {
        return -EROFS;
    }
    if (a->mask & VFS_ATTR_UID) {
        if (!is_root(c) && !(c->uid == v->uid && a->uid == v->uid))
            return -EPERM;
    }
    if (a->mask & VFS_ATTR_GID) {
        if (!is_root(c) && !(c->uid == v->uid && (a->gid == v->gid || cred_in_group(c, a->gid))))
            return -EPERM;
    }
    if (a->mask & VFS_ATTR_MODE) {
        if (S_IS(v->mode, LX_S_IFLNK))
            return -EOPNOTSUPP; /* fchmodat2(AT_SYMLINK_NOFOLLOW) on a link, as Linux */
        if (!owner_or_root(v, c))
            return -EPERM;
        uint32_t gid = (a->mask & VFS_ATTR_GID) ? a->gid : v->gid;
        if ((a->mode & LX_S_ISGID) && !cred_in_group(c, gid) && !is_root(c))
            a->mode &= ~LX_S_ISGID; /* silently, as Linux */
    }
    if (a->mask & times) {
        bool explicit_time = a->mask & (VFS_ATTR_ATIME | VFS_ATTR_MTIME);
        bool both_now = (a->mask & (VFS_ATTR_ATIME_NOW | VFS_ATTR_MTIME_NOW)) ==
                        (VFS_ATTR_ATIME_NOW | VFS_ATTR_MTIME_NOW);
        if (!owner_or_root(v, c)) {
            if (explicit_time || !both_now)
                return -EPERM;
            int err = vnode_permission(v, c, MAY_WRITE);
            if (err)
                return err;
        }
    }
    /* A chown of a non-directory drops setuid, and setgid if group-executable. */
    if ((a->mask & (VFS_ATTR_UID | VFS_ATTR_GID)) && !S_IS(v->mode, LX_S_IFDIR)) {
        uint32_t mode = (a->mask & VFS_ATTR_MODE) ? a->mode : (v->mode & 07777u);
        uint32_t kill = LX_S_ISUID;
        if ((mode & (LX_S_ISGID | LX_S_IXGRP)) == (LX_S_ISGID | LX_S_IXGRP))
            kill |= LX_S_ISGID;
        if (mode & kill) {
            a->mode = mode & ~kill;
            a->mask |= VFS_ATTR_MODE;
        }
    }
    /* A truncate by someone other than root drops the privileges as a write does. */
    if ((a->mask & VFS_ATTR_SIZE) && !is_root(c)) {
        uint32_t kill = kill_privs_mask(v);
        if (kill) {
            uint32_t mode = (a->mask & VFS_ATTR_MODE) ? a->mode : (v->mode & 07777u);
            a->mode = mode & ~kill;
            a->mask |= VFS_ATTR_MODE;
        }
    }
    return 0;
}
