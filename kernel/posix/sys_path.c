/*
 * The system calls that name a path: each becomes one request to the vfs
 * (vfs_client.h), which resolves the whole path and checks permissions. The
 * kernel checks arguments first, as Linux does before any lookup (flags,
 * modes), so bad arguments fail the same way with or without a file system.
 */
#include "file.h"
#include "sobj.h"
#include "vfs_client.h"
#include "kenix/errno.h"
#include "kenix/string.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

/* renameat2 flags (Linux's uapi/linux/fs.h). */
#define RENAME_NOREPLACE 1u
#define RENAME_EXCHANGE 2u
#define RENAME_WHITEOUT 4u

/* mount(2) flags the vfs knows, and the old magic in the high half. */
#define MS_MGC_MASK 0xffff0000u
#define MS_MGC_VAL 0xc0ed0000u
#define MOUNT_OPTIONS_MAX PAGE_SIZE  /* Linux copies at most a page of options */
#define FSTYPE_MAX 256

#define MNT_FORCE 1u
#define MNT_DETACH 2u
#define MNT_EXPIRE 4u
#define UMOUNT_NOFOLLOW 8u

static struct process *self(void)
{
    return current_process();
}

/* Starts a request for (dirfd, upath); on error nothing is left to free. */
static int path_request(struct vfs_request *r, uint32_t label, uint32_t data_len, unsigned npaths, bool real_ids,
                        int dirfd, uint64_t upath)
{
    if (!vfs_endpoint())
        return -ENOENT;
    int err = vfsreq_init(r, label, data_len, npaths, real_ids);
    if (!err)
        err = vfsreq_path_user(r, 1, upath, false);
    if (!err)
        err = vfs_dir_cookie(dirfd, r->path, &r->kc.msg.w[0]);
    if (err)
        vfsreq_free(r);
    return err;
}

/* Sends a request and frees it: the result. */
static long finish(struct vfs_request *r)
{
    long res = vfsreq_call(r);
    vfsreq_free(r);
    return res;
}

/* openat(dirfd, path, flags, mode) -> fd */
long sys_openat(struct trap_frame *f)
{
    int dirfd = (int32_t)f->x[0];
    uint32_t flags = (uint32_t)f->x[2], mode = (uint32_t)f->x[3];
    if ((flags & O_ACCMODE) == O_ACCMODE && !(flags & O_PATH))
        return -EINVAL;
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return -EOPNOTSUPP; /* no unnamed files yet */
    if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
        return -EINVAL; /* as Linux 6.4 and later */
    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC; /* Linux ignores the rest */
    flags &= ~(uint32_t)(VFS_O_EXEC | VFS_O_CHDIR); /* the kernel's own bits */
    if (!vfs_endpoint())
        return kdev_openat(f->x[1], flags);
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_OPEN, 0, 1, false);
    if (err)
        return err;
    err = vfsreq_path_user(&r, 1, f->x[1], false);
    struct file *file = 0;
    if (!err)
        err = (int)vfs_open(dirfd, &r, flags, (flags & O_CREAT) ? mode : 0, &file);
    vfsreq_free(&r);
    if (err)
        return err;
    int fd = fd_install(self()->files, file, 0, fd_limit(), flags & O_CLOEXEC);
    if (fd < 0)
        file_put(file);
    return fd;
}

/* mkdirat(dirfd, path, mode) */
long sys_mkdirat(struct trap_frame *f)
{
    struct vfs_request r;
    int err = path_request(&r, VFS_MKDIR, 0, 1, false, (int32_t)f->x[0], f->x[1]);
    if (err)
        return err;
    r.kc.msg.w[2] = (f->x[2] & 01777) & ~self()->umask;
    return finish(&r);
}

/* mknodat(dirfd, path, mode, dev) */
long sys_mknodat(struct trap_frame *f)
{
    uint32_t mode = (uint32_t)f->x[2];
    uint32_t type = mode & S_IFMT;
    switch (type) {
    case 0: type = S_IFREG; break;
    case S_IFREG: case S_IFIFO: case S_IFSOCK: break;
    case S_IFCHR: case S_IFBLK:
        if (self()->cred.euid != 0)
            return -EPERM; /* CAP_MKNOD */
        break;
    case S_IFDIR: return -EPERM;
    default: return -EINVAL;
    }
    struct vfs_request r;
    int err = path_request(&r, VFS_MKNOD, 0, 1, false, (int32_t)f->x[0], f->x[1]);
    if (err)
        return err;
    r.kc.msg.w[2] = type | ((mode & 07777) & ~self()->umask);
    r.kc.msg.w[3] = (uint32_t)f->x[3];
    return finish(&r);
}

/* unlinkat(dirfd, path, flags) */
long sys_unlinkat(struct trap_frame *f)
{
    if (f->x[2] & ~(uint64_t)AT_REMOVEDIR)
        return -EINVAL;
    struct vfs_request r;
    int err = path_request(&r, VFS_UNLINK, 0, 1, false, (int32_t)f->x[0], f->x[1]);
    if (err)
        return err;
    r.kc.msg.w[1] = f->x[2];
    return finish(&r);
}

/* Two paths, each from its own directory: rename and link. */
static long two_paths(uint32_t label, int olddir, uint64_t oldpath, int newdir, uint64_t newpath, uint64_t flags,
                      bool old_may_be_empty)
{
    if (!vfs_endpoint())
        return -ENOENT;
    struct vfs_request r;
    int err = vfsreq_init(&r, label, 0, 2, false);
    if (err)
        return err;
    err = vfsreq_path_user(&r, 1, oldpath, old_may_be_empty);
    if (!err)
        err = vfsreq_path_user(&r, 2, newpath, false);
    if (!err && r.path[0] == 0) {
        /* linkat(AT_EMPTY_PATH): the old "path" is the object dirfd names. */
        struct file *file;
        struct sobj *node;
        err = olddir == AT_FDCWD ? -ENOENT : vfs_fd_node(olddir, &file, &node);
        if (!err && (!node || node->ep != vfs_endpoint()))
            err = -ENOENT;
        if (!err) {
            r.kc.msg.w[0] = node->cookie;
            flags |= AT_EMPTY_PATH; /* the vfs's word that w0 is the object itself */
        }
    } else if (!err) {
        err = vfs_dir_cookie(olddir, r.path, &r.kc.msg.w[0]);
    }
    if (!err)
        err = vfs_dir_cookie(newdir, r.path2, &r.kc.msg.w[3]);
    if (err) {
        vfsreq_free(&r);
        return err;
    }
    r.kc.msg.w[1] = flags;
    return finish(&r);
}

static long rename_common(struct trap_frame *f, uint64_t flags)
{
    if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
        return -EINVAL;
    if (flags & RENAME_WHITEOUT)
        return -EINVAL; /* no overlay file systems here */
    return two_paths(VFS_RENAME, (int32_t)f->x[0], f->x[1], (int32_t)f->x[2], f->x[3], flags, false);
}

/* renameat(olddirfd, oldpath, newdirfd, newpath) */
long sys_renameat(struct trap_frame *f)
{
    return rename_common(f, 0);
}

/* renameat2(olddirfd, oldpath, newdirfd, newpath, flags) */
long sys_renameat2(struct trap_frame *f)
{
    return rename_common(f, (uint32_t)f->x[4]);
}

/* linkat(olddirfd, oldpath, newdirfd, newpath, flags) */
long sys_linkat(struct trap_frame *f)
{
    uint64_t flags = f->x[4];
    if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    /* Linking an open file by descriptor needs CAP_DAC_READ_SEARCH. */
    bool empty_ok = (flags & AT_EMPTY_PATH) && self()->cred.euid == 0;
    return two_paths(VFS_LINK, (int32_t)f->x[0], f->x[1], (int32_t)f->x[2], f->x[3], flags & AT_SYMLINK_FOLLOW,
                     empty_ok);
}

/* symlinkat(target, newdirfd, linkpath) */
long sys_symlinkat(struct trap_frame *f)
{
    if (!vfs_endpoint())
        return -ENOENT;
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_SYMLINK, 0, 2, false);
    if (err)
        return err;
    err = vfsreq_path_user(&r, 1, f->x[2], false);
    if (!err)
        err = vfsreq_path_user(&r, 2, f->x[0], false);
    if (!err)
        err = vfs_dir_cookie((int32_t)f->x[1], r.path, &r.kc.msg.w[0]);
    if (err) {
        vfsreq_free(&r);
        return err;
    }
    return finish(&r);
}

/* readlinkat(dirfd, path, buf, bufsiz) -> bytes */
long sys_readlinkat(struct trap_frame *f)
{
    int dirfd = (int32_t)f->x[0];
    int32_t size = (int32_t)f->x[3];
    if (size <= 0)
        return -EINVAL;
    if (!vfs_endpoint())
        return -ENOENT;
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_READLINK, 0, 1, false);
    if (err)
        return err;
    err = vfsreq_path_user(&r, 1, f->x[1], true);
    if (!err && r.path[0] == 0) {
        /* An empty path reads the link dirfd names (opened O_PATH | O_NOFOLLOW). */
        struct file *file;
        struct sobj *node;
        err = dirfd == AT_FDCWD ? -ENOENT : vfs_fd_node(dirfd, &file, &node);
        if (!err && (!node || node->ep != vfs_endpoint()))
            err = -ENOENT;
        if (!err) {
            r.kc.msg.w[0] = node->cookie;
            r.kc.msg.w[1] = AT_EMPTY_PATH;
        }
    } else if (!err) {
        err = vfs_dir_cookie(dirfd, r.path, &r.kc.msg.w[0]);
    }
    if (err) {
        vfsreq_free(&r);
        return err;
    }
    r.kc.recv = (struct ipc_buf){ self()->vm, f->x[2], (uint64_t)size };
    long res = vfsreq_call(&r);
    /* The vfs answers the target's whole length; what fits is what arrived. */
    if (res > size)
        res = size;
    if (res > 0 && (uint64_t)res > r.kc.recv_len)
        res = -EIO; /* claimed more than it sent */
    vfsreq_free(&r);
    return res;
}

long vfs_node_access(struct sobj *node, uint32_t mode, bool real_ids)
{
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_ACCESS, 0, 1, real_ids);
    if (err)
        return err;
    vfsreq_path_empty(&r);
    r.kc.msg.w[0] = node->cookie;
    r.kc.msg.w[1] = AT_EMPTY_PATH;
    r.kc.msg.w[2] = mode;
    return finish(&r);
}

/* access(2) of a file the kernel made alone (a pipe, the kernel log): the
 * attributes made_up_stat shows -- the caller's own, mode 0600 (0666 for a
 * character device), no execute bit for anyone. */
static long access_madeup(const struct file *file, uint32_t mode, bool real_ids)
{
    if (mode == 0)
        return 0;
    if (mode & X_OK)
        return -EACCES;
    const struct cred *c = &self()->cred;
    uint32_t uid = real_ids ? c->ruid : c->euid;
    if (file->ops->st_type == S_IFCHR || uid == c->euid || uid == 0)
        return 0;
    return -EACCES;
}

static long access_common(int dirfd, uint64_t upath, uint64_t mode, uint64_t flags)
{
    if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
        return -EINVAL;
    if (flags & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (!vfs_endpoint())
        return -ENOENT;
    bool real_ids = !(flags & AT_EACCESS);
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_ACCESS, 0, 1, real_ids);
    if (!err)
        err = vfsreq_path_user(&r, 1, upath, flags & AT_EMPTY_PATH);
    if (err) {
        if (r.req)
            vfsreq_free(&r);
        return err;
    }
    if (r.path[0] == 0) {
        /* AT_EMPTY_PATH: the object dirfd names (the working directory for AT_FDCWD). */
        struct file *file = 0;
        struct sobj *node = 0;
        if (dirfd == AT_FDCWD)
            node = self()->cwd ? self()->cwd->node : 0; /* none yet: the root, cookie 0 */
        else
            err = vfs_fd_node(dirfd, &file, &node);
        if (!err && file && (!node || node->ep != vfs_endpoint())) {
            vfsreq_free(&r);
            return access_madeup(file, (uint32_t)mode, real_ids);
        }
        r.kc.msg.w[0] = node ? node->cookie : 0;
        r.kc.msg.w[1] = AT_EMPTY_PATH;
    } else {
        err = vfs_dir_cookie(dirfd, r.path, &r.kc.msg.w[0]);
        r.kc.msg.w[1] = flags & AT_SYMLINK_NOFOLLOW;
    }
    if (err) {
        vfsreq_free(&r);
        return err;
    }
    r.kc.msg.w[2] = mode;
    return finish(&r);
}

/* faccessat(dirfd, path, mode): with the real ids, as access(2) */
long sys_faccessat(struct trap_frame *f)
{
    return access_common((int32_t)f->x[0], f->x[1], f->x[2], 0);
}

/* faccessat2(dirfd, path, mode, flags) */
long sys_faccessat2(struct trap_frame *f)
{
    return access_common((int32_t)f->x[0], f->x[1], f->x[2], f->x[3]);
}

/* Sends a VFS_SETATTR for (dirfd, upath), or IO_SETATTR to dirfd's node when
 * the path is empty and that is allowed (or upath is 0: utimensat's fd form). */
static long setattr(int dirfd, uint64_t upath, uint64_t at_flags, const struct vfs_attr *attr, bool empty_ok)
{
    if (!vfs_endpoint())
        return -ENOENT;
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_SETATTR, sizeof(*attr), upath ? 1 : 0, false);
    if (err)
        return err;
    memcpy(vfsreq_data(&r), attr, sizeof(*attr));
    if (upath)
        err = vfsreq_path_user(&r, 1, upath, empty_ok);
    if (!err && (!upath || r.path[0] == 0)) {
        /* The object dirfd names: an IO request with no path. */
        struct file *file;
        struct sobj *node;
        err = dirfd == AT_FDCWD ? (self()->cwd ? 0 : -ENOENT) : vfs_fd_node(dirfd, &file, &node);
        if (!err && dirfd == AT_FDCWD)
            node = self()->cwd->node;
        if (!err && !node)
            err = -EPERM; /* a pipe or kernel-made file: no attributes to change */
        if (!err) {
            r.req->path_len = 0;
            r.kc.msg.label = IO_SETATTR;
            r.kc.msg.w[0] = node->cookie;
            r.kc.send = (struct ipc_buf){ 0, (uint64_t)r.req, VFS_REQ_SIZE(r.req) };
            long res = sobj_call(node, &r.kc);
            if (!res)
                res = sobj_result(node, &r.kc, 0);
            vfsreq_free(&r);
            return res;
        }
    } else if (!err) {
        err = vfs_dir_cookie(dirfd, r.path, &r.kc.msg.w[0]);
    }
    if (err) {
        vfsreq_free(&r);
        return err;
    }
    r.kc.msg.w[1] = at_flags & AT_SYMLINK_NOFOLLOW;
    return finish(&r);
}

long vfs_fd_setattr(int fd, const struct vfs_attr *attr)
{
    return setattr(fd, 0, 0, attr, false);
}

/* fchmodat(dirfd, path, mode) */
long sys_fchmodat(struct trap_frame *f)
{
    struct vfs_attr a = { .mask = VFS_ATTR_MODE, .mode = (uint32_t)f->x[2] & 07777 };
    return setattr((int32_t)f->x[0], f->x[1], 0, &a, false);
}

static void chown_attr(struct vfs_attr *a, uint64_t uid, uint64_t gid)
{
    if ((uint32_t)uid != (uint32_t)-1) {
        a->mask |= VFS_ATTR_UID;
        a->uid = (uint32_t)uid;
    }
    if ((uint32_t)gid != (uint32_t)-1) {
        a->mask |= VFS_ATTR_GID;
        a->gid = (uint32_t)gid;
    }
}

/* fchownat(dirfd, path, uid, gid, flags) */
long sys_fchownat(struct trap_frame *f)
{
    uint64_t flags = f->x[4];
    if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct vfs_attr a = { 0 };
    chown_attr(&a, f->x[2], f->x[3]);
    return setattr((int32_t)f->x[0], f->x[1], flags, &a, flags & AT_EMPTY_PATH);
}

long vfs_fchown(int fd, uint64_t uid, uint64_t gid)
{
    struct vfs_attr a = { 0 };
    chown_attr(&a, uid, gid);
    return vfs_fd_setattr(fd, &a);
}

static bool valid_nsec(int64_t ns)
{
    return ns == UTIME_NOW || ns == UTIME_OMIT || (ns >= 0 && ns < 1000000000);
}

/* utimensat(dirfd, path, times[2], flags): path NULL is futimens(dirfd). */
long sys_utimensat(struct trap_frame *f)
{
    uint64_t flags = f->x[3];
    if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    /* NULL times: both now (the vfs lets a writer who is not the owner do that). */
    struct vfs_attr a = { .mask = VFS_ATTR_ATIME_NOW | VFS_ATTR_MTIME_NOW };
    if (f->x[2]) {
        struct linux_timespec ts[2];
        int err = copy_from_user(self()->vm, ts, f->x[2], sizeof(ts));
        if (err)
            return err;
        if (!valid_nsec(ts[0].tv_nsec) || !valid_nsec(ts[1].tv_nsec))
            return -EINVAL;
        a.mask = 0;
        if (ts[0].tv_nsec == UTIME_NOW) {
            a.mask |= VFS_ATTR_ATIME_NOW;
        } else if (ts[0].tv_nsec != UTIME_OMIT) {
            a.mask |= VFS_ATTR_ATIME;
            a.atime_sec = ts[0].tv_sec;
            a.atime_nsec = ts[0].tv_nsec;
        }
        if (ts[1].tv_nsec == UTIME_NOW) {
            a.mask |= VFS_ATTR_MTIME_NOW;
        } else if (ts[1].tv_nsec != UTIME_OMIT) {
            a.mask |= VFS_ATTR_MTIME;
            a.mtime_sec = ts[1].tv_sec;
            a.mtime_nsec = ts[1].tv_nsec;
        }
        if (a.mask == 0)
            return 0; /* both UTIME_OMIT: Linux does nothing, does not even look at the path */
    }
    if (!f->x[1]) {
        if (flags & AT_SYMLINK_NOFOLLOW)
            return -EINVAL;
        if ((int32_t)f->x[0] == AT_FDCWD)
            return -EFAULT;
    }
    return setattr((int32_t)f->x[0], f->x[1], flags, &a, flags & AT_EMPTY_PATH);
}

/* truncate(path, length) */
long sys_truncate(struct trap_frame *f)
{
    if ((int64_t)f->x[1] < 0)
        return -EINVAL;
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = f->x[1] };
    return setattr(AT_FDCWD, f->x[0], 0, &a, false);
}

/* statfs(path, buf) */
long sys_statfs(struct trap_frame *f)
{
    struct vfs_request r;
    int err = path_request(&r, VFS_STATFS, 0, 1, false, AT_FDCWD, f->x[0]);
    if (err)
        return err;
    struct kx_statfs st = { 0 };
    r.kc.recv = (struct ipc_buf){ 0, (uint64_t)&st, sizeof(st) };
    long res = finish(&r);
    if (res < 0)
        return res;
    return copy_to_user(self()->vm, f->x[1], &st, sizeof(st));
}

/* The directory the user path at upath names, held open as chdir and chroot
 * keep one: searched (VFS_O_CHDIR), never read. */
static long open_search_dir(uint64_t upath, struct file **dir)
{
    struct vfs_request r;
    int err = path_request(&r, VFS_OPEN, 0, 1, false, AT_FDCWD, upath);
    if (err)
        return err;
    *dir = 0;
    long res = vfs_open(AT_FDCWD, &r, O_RDONLY | O_DIRECTORY | VFS_O_CHDIR, 0, dir);
    vfsreq_free(&r);
    return res;
}

/* chdir(path) */
long sys_chdir(struct trap_frame *f)
{
    struct file *dir;
    long res = open_search_dir(f->x[0], &dir);
    if (res)
        return res;
    struct process *p = self();
    if (p->cwd)
        file_put(p->cwd);
    p->cwd = dir;
    return 0;
}

/* chroot(path): the directory becomes where the caller's absolute paths start
 * and above which ".." does not climb; the working directory stays (as Linux).
 * The path is looked up and searched first, then privilege: EPERM. */
long sys_chroot(struct trap_frame *f)
{
    struct file *dir;
    long res = open_search_dir(f->x[0], &dir);
    if (res)
        return res;
    struct process *p = self();
    if (p->cred.euid != 0) {
        file_put(dir);
        return -EPERM;
    }
    if (p->root)
        file_put(p->root);
    p->root = dir;
    return 0;
}

/* A string argument of mount(2) into buf: "" for NULL. */
static long mount_string(uint64_t u, char *buf, size_t max)
{
    if (!u) {
        buf[0] = 0;
        return 0;
    }
    return strncpy_from_user(self()->vm, buf, u, max);
}

/* mount(source, target, fstype, flags, data) */
long sys_mount(struct trap_frame *f)
{
    if (self()->cred.euid != 0)
        return -EPERM; /* CAP_SYS_ADMIN */
    uint64_t flags = f->x[3];
    if ((flags & MS_MGC_MASK) == MS_MGC_VAL)
        flags &= ~(uint64_t)MS_MGC_MASK;
    char *buf = kmalloc(FSTYPE_MAX + MOUNT_OPTIONS_MAX);
    if (!buf)
        return -ENOMEM;
    long tlen = mount_string(f->x[2], buf, FSTYPE_MAX);
    long olen = tlen < 0 ? tlen : mount_string(f->x[4], buf + tlen + 1, MOUNT_OPTIONS_MAX);
    if (olen == -ENAMETOOLONG)
        olen = -EINVAL;
    long err = olen < 0 ? olen : 0;
    struct vfs_request r;
    if (!err)
        err = path_request(&r, VFS_MOUNT, (uint32_t)(tlen + olen + 2), 2, false, AT_FDCWD, f->x[1]);
    if (err) {
        kfree(buf);
        return err;
    }
    memcpy(vfsreq_data(&r), buf, (size_t)(tlen + olen + 2));
    kfree(buf);
    /* A missing source is shown as "none", as Linux does. */
    err = f->x[0] ? vfsreq_path_user(&r, 2, f->x[0], true) : vfsreq_path_kernel(&r, 2, "none");
    if (err) {
        vfsreq_free(&r);
        return err;
    }
    r.kc.msg.w[1] = flags;
    return finish(&r);
}

/* umount2(target, flags) */
long sys_umount2(struct trap_frame *f)
{
    if (self()->cred.euid != 0)
        return -EPERM;
    if (f->x[1] & ~(uint64_t)(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
        return -EINVAL;
    struct vfs_request r;
    int err = path_request(&r, VFS_UMOUNT, 0, 1, false, AT_FDCWD, f->x[0]);
    if (err)
        return err;
    r.kc.msg.w[1] = f->x[1];
    return finish(&r);
}
