/*
 * Attributes and directories: fstat/newfstatat/statx, getdents64, the fd
 * forms of chmod/chown/truncate/sync/statfs, the working directory
 * (getcwd, fchdir), and the advice calls. A descriptor's node (file->node)
 * answers through the IO protocol; files the kernel made alone (pipes, the
 * kernel log of fds 0-2) get attributes made up here, as Linux's pipefs and
 * anonymous inodes would show them.
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
#include "../mm/vmspace.h"

#define PIPEFS_MAGIC 0x50495045
#define STATX_BASIC_STATS 0x7ffu
#define STATX__RESERVED 0x80000000u
#define AT_NO_AUTOMOUNT 0x800
#define AT_STATX_SYNC_TYPE 0x6000

long vfs_fd_setattr(int fd, const struct vfs_attr *attr); /* sys_path.c */
long vfs_fchown(int fd, uint64_t uid, uint64_t gid);

static struct process *self(void)
{
    return current_process();
}

/* Attributes of a file with no node. */
static void made_up_stat(const struct file *f, struct kx_stat *st)
{
    const struct cred *c = &self()->cred;
    memset(st, 0, sizeof(*st));
    st->st_mode = (f->ops->st_type ? f->ops->st_type : S_IFREG) | (f->ops->st_type == S_IFCHR ? 0666 : 0600);
    st->st_nlink = 1;
    st->st_uid = c->euid;
    st->st_gid = c->egid;
    st->st_ino = (uint64_t)(uintptr_t)f->priv >> 4; /* distinct per object while it exists */
    st->st_blksize = 4096;
}

/* The attributes of fd's object (AT_FDCWD: the working directory). */
static long fd_stat(int fd, struct kx_stat *st)
{
    struct file *file;
    struct sobj *node;
    if (fd == AT_FDCWD) {
        file = self()->cwd;
        if (!file)
            return -ENOENT; /* the root without a vfs: callers ask the vfs for "/" instead */
        node = file->node;
    } else {
        int err = vfs_fd_node(fd, &file, &node);
        if (err)
            return err;
    }
    if (!node) {
        made_up_stat(file, st);
        return 0;
    }
    file_get(file); /* asking a server may sleep */
    long r = vfs_node_stat(node, st);
    file_put(file);
    return r;
}

/* VFS_STAT of (dirfd, upath), or of dirfd itself for an empty path with
 * AT_EMPTY_PATH (and of "/" when that is the working directory unset). */
static long path_stat(int dirfd, uint64_t upath, uint64_t flags, struct kx_stat *st)
{
    if (!vfs_endpoint()) {
        /* Without a vfs, only descriptors have attributes. */
        if (flags & AT_EMPTY_PATH) {
            char c;
            if (copy_from_user(self()->vm, &c, upath, 1))
                return -EFAULT;
            if (!c)
                return fd_stat(dirfd, st);
        }
        return -ENOENT;
    }
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_STAT, 0, 1, false);
    if (!err)
        err = vfsreq_path_user(&r, 1, upath, flags & AT_EMPTY_PATH);
    if (!err && r.path[0] == 0) {
        vfsreq_free(&r);
        if (dirfd != AT_FDCWD || self()->cwd)
            return fd_stat(dirfd, st);
        err = vfsreq_init(&r, VFS_STAT, 0, 1, false);
        if (!err)
            err = vfsreq_path_kernel(&r, 1, "/");
    }
    if (!err)
        err = vfs_dir_cookie(dirfd, r.path, &r.kc.msg.w[0]);
    if (err) {
        vfsreq_free(&r);
        return err;
    }
    r.kc.msg.w[1] = flags & AT_SYMLINK_NOFOLLOW;
    memset(st, 0, sizeof(*st));
    r.kc.recv = (struct ipc_buf){ 0, (uint64_t)st, sizeof(*st) };
    long res = vfsreq_call(&r);
    if (res >= 0 && r.kc.recv_len != sizeof(*st))
        res = -EIO;
    vfsreq_free(&r);
    return res < 0 ? res : 0;
}

/* fstat(fd, buf) */
long sys_fstat(struct trap_frame *f)
{
    if ((int32_t)f->x[0] == AT_FDCWD)
        return -EBADF;
    struct kx_stat st;
    long r = fd_stat((int32_t)f->x[0], &st);
    return r ? r : copy_to_user(self()->vm, f->x[1], &st, sizeof(st));
}

/* newfstatat(dirfd, path, buf, flags) */
long sys_newfstatat(struct trap_frame *f)
{
    uint64_t flags = f->x[3];
    if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
        return -EINVAL;
    struct kx_stat st;
    long r = path_stat((int32_t)f->x[0], f->x[1], flags, &st);
    return r ? r : copy_to_user(self()->vm, f->x[2], &st, sizeof(st));
}

/* Linux's struct statx (uapi/linux/stat.h), 256 bytes. */
struct statx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct kx_statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, spare0;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align, stx_dio_offset_align;
    uint64_t spare3[12];
};
_Static_assert(sizeof(struct kx_statx) == 256, "Linux's struct statx is 256 bytes");

static uint32_t dev_major(uint64_t dev)
{
    return (uint32_t)((dev >> 8) & 0xfff);
}

static uint32_t dev_minor(uint64_t dev)
{
    return (uint32_t)((dev & 0xff) | ((dev >> 12) & 0xfff00));
}

/* statx(dirfd, path, flags, mask, buf) */
long sys_statx(struct trap_frame *f)
{
    uint64_t flags = f->x[2];
    if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (f->x[3] & STATX__RESERVED))
        return -EINVAL;
    struct kx_stat st;
    long r = path_stat((int32_t)f->x[0], f->x[1], flags, &st);
    if (r)
        return r;
    struct kx_statx x = {
        .stx_mask = STATX_BASIC_STATS, .stx_blksize = (uint32_t)st.st_blksize,
        .stx_nlink = st.st_nlink, .stx_uid = st.st_uid, .stx_gid = st.st_gid, .stx_mode = (uint16_t)st.st_mode,
        .stx_ino = st.st_ino, .stx_size = (uint64_t)st.st_size, .stx_blocks = (uint64_t)st.st_blocks,
        .stx_atime = { st.st_atime_sec, (uint32_t)st.st_atime_nsec, 0 },
        .stx_ctime = { st.st_ctime_sec, (uint32_t)st.st_ctime_nsec, 0 },
        .stx_mtime = { st.st_mtime_sec, (uint32_t)st.st_mtime_nsec, 0 },
        .stx_rdev_major = dev_major(st.st_rdev), .stx_rdev_minor = dev_minor(st.st_rdev),
        .stx_dev_major = dev_major(st.st_dev), .stx_dev_minor = dev_minor(st.st_dev),
    };
    return copy_to_user(self()->vm, f->x[4], &x, sizeof(x));
}

/* getdents64(fd, dirp, count) -> bytes */
long sys_getdents64(struct trap_frame *f)
{
    struct file *file;
    struct sobj *node;
    int err = vfs_fd_node((int32_t)f->x[0], &file, &node);
    if (err)
        return err;
    if (file->flags & O_PATH)
        return -EBADF;
    if (!node || node->kind != VFS_KIND_DIR)
        return -ENOTDIR;
    uint64_t count = (uint32_t)f->x[2];
    if (count > KX_BULK_MAX)
        count = KX_BULK_MAX;
    file_get(file);
    long r = sobj_pos_lock(node);
    if (!r) {
        struct kcall kc = {
            .msg = { .label = IO_READDIR, .w = { node->cookie, file->pos, count } },
            .recv = { self()->vm, f->x[1], count },
        };
        r = sobj_call(node, &kc);
        if (!r)
            r = sobj_result(node, &kc, count < kc.recv_len ? count : kc.recv_len);
        if (r >= 0)
            file->pos = kc.msg.w[1];
        sobj_pos_unlock(node);
    }
    file_put(file);
    return r;
}

/* fchmod(fd, mode) */
long sys_fchmod(struct trap_frame *f)
{
    struct vfs_attr a = { .mask = VFS_ATTR_MODE, .mode = (uint32_t)f->x[1] & 07777 };
    struct file *file;
    struct sobj *node;
    int err = vfs_fd_node((int32_t)f->x[0], &file, &node);
    if (err)
        return err;
    if (file->flags & O_PATH)
        return -EBADF;
    return vfs_fd_setattr((int32_t)f->x[0], &a);
}

/* fchown(fd, uid, gid) */
long sys_fchown(struct trap_frame *f)
{
    struct file *file;
    struct sobj *node;
    int err = vfs_fd_node((int32_t)f->x[0], &file, &node);
    if (err)
        return err;
    if (file->flags & O_PATH)
        return -EBADF;
    return vfs_fchown((int32_t)f->x[0], f->x[1], f->x[2]);
}

/* ftruncate(fd, length) */
long sys_ftruncate(struct trap_frame *f)
{
    struct file *file;
    struct sobj *node;
    int err = vfs_fd_node((int32_t)f->x[0], &file, &node);
    if (err)
        return err;
    if ((int64_t)f->x[1] < 0)
        return -EINVAL;
    if (file->flags & O_PATH)
        return -EBADF;
    uint32_t acc = file->flags & O_ACCMODE;
    if (!node || node->kind != VFS_KIND_REG || (acc != O_WRONLY && acc != O_RDWR))
        return -EINVAL;
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = f->x[1] };
    return vfs_fd_setattr((int32_t)f->x[0], &a);
}

static long do_fsync(int fd, bool datasync)
{
    struct file *file;
    struct sobj *node;
    int err = vfs_fd_node(fd, &file, &node);
    if (err)
        return err;
    if (file->flags & O_PATH)
        return -EBADF;
    if (!node || (node->kind != VFS_KIND_REG && node->kind != VFS_KIND_DIR))
        return -EINVAL; /* pipes and devices cannot be synced, as Linux */
    file_get(file);
    struct kcall kc = { .msg = { .label = IO_SYNC, .w = { node->cookie, datasync } } };
    long r = sobj_call(node, &kc);
    if (!r)
        r = sobj_result(node, &kc, 0);
    file_put(file);
    return r;
}

/* fsync(fd) */
long sys_fsync(struct trap_frame *f)
{
    return do_fsync((int32_t)f->x[0], false);
}

/* fdatasync(fd) */
long sys_fdatasync(struct trap_frame *f)
{
    return do_fsync((int32_t)f->x[0], true);
}

/* sync(): the vfs writes back every file system's cache (VFS_SYNC). Like
 * Linux's, it cannot fail: errors are the file systems' to log. */
long sys_sync(struct trap_frame *f)
{
    (void)f;
    struct vfs_request r;
    if (!vfs_endpoint() || vfsreq_init(&r, VFS_SYNC, 0, 0, false))
        return 0;
    vfsreq_call(&r);
    vfsreq_free(&r);
    return 0;
}

/* fstatfs(fd, buf) */
long sys_fstatfs(struct trap_frame *f)
{
    struct file *file;
    struct sobj *node;
    int err = vfs_fd_node((int32_t)f->x[0], &file, &node);
    if (err)
        return err;
    struct kx_statfs st = { 0 };
    if (!node) {
        st.f_type = PIPEFS_MAGIC;
        st.f_bsize = st.f_frsize = 4096;
        st.f_namelen = 255;
    } else {
        file_get(file);
        struct kcall kc = {
            .msg = { .label = IO_STATFS, .w = { node->cookie } },
            .recv = { 0, (uint64_t)&st, sizeof(st) },
        };
        long r = sobj_call(node, &kc);
        if (!r)
            r = sobj_result(node, &kc, 0);
        file_put(file);
        if (r)
            return r;
    }
    return copy_to_user(self()->vm, f->x[1], &st, sizeof(st));
}

/* The absolute path (in the namespace) of the vfs directory `node` into
 * buf[PATH_MAX]: bytes with the NUL, or a negative errno. NULL: the root. */
static long dir_path(struct sobj *node, char *buf)
{
    if (!node) {
        memcpy(buf, "/", 2);
        return 2;
    }
    struct kcall kc = {
        .msg = { .label = IO_GETPATH, .w = { node->cookie } },
        .recv = { 0, (uint64_t)buf, PATH_MAX },
    };
    long r = sobj_call(node, &kc);
    if (!r)
        r = sobj_result(node, &kc, kc.recv_len);
    if (r == 0 || (r > 0 && (buf[r - 1] != 0 || buf[0] != '/')))
        r = -EIO;
    return r;
}

/* path (n bytes with the NUL) as seen from under root (rn bytes): the part
 * below it, or Linux's "(unreachable)" prefix when the working directory is
 * outside the caller's chroot. Rewrites path in place (PATH_MAX room). */
static long path_below_root(char *path, long n, const char *root, long rn)
{
    if (rn == 2)
        return n; /* root is "/" */
    long k = rn - 1; /* root's length without the NUL */
    if (n - 1 >= k && !memcmp(path, root, (size_t)k) && (path[k] == '/' || path[k] == 0)) {
        if (path[k] == 0) {
            memcpy(path, "/", 2);
            return 2;
        }
        memmove(path, path + k, (size_t)(n - k));
        return n - k;
    }
    static const char unreachable[] = "(unreachable)";
    long u = sizeof(unreachable) - 1;
    if (n + u > PATH_MAX)
        return -ENAMETOOLONG;
    memmove(path + u, path, (size_t)n);
    memcpy(path, unreachable, (size_t)u);
    return n + u;
}

/* getcwd(buf, size) -> bytes with the NUL */
long sys_getcwd(struct trap_frame *f)
{
    uint64_t size = f->x[1];
    struct process *p = self();
    char *buf = kmalloc(2 * PATH_MAX);
    if (!buf)
        return -ENOMEM;
    long r = dir_path(p->cwd ? p->cwd->node : 0, buf);
    if (r > 0 && p->root) {
        long rn = dir_path(p->root->node, buf + PATH_MAX);
        r = rn < 0 ? rn : path_below_root(buf, r, buf + PATH_MAX, rn);
    }
    if (r > 0 && (uint64_t)r > size)
        r = -ERANGE;
    if (r > 0) {
        int err = copy_to_user(p->vm, f->x[0], buf, (size_t)r);
        if (err)
            r = err;
    }
    kfree(buf);
    return r;
}

/* fchdir(fd) */
long sys_fchdir(struct trap_frame *f)
{
    struct file *file;
    struct sobj *node;
    int err = vfs_fd_node((int32_t)f->x[0], &file, &node);
    if (err)
        return err;
    if (!node || node->kind != VFS_KIND_DIR || node->ep != vfs_endpoint())
        return -ENOTDIR;
    /* Search permission, now (Linux's fchdir: inode_permission MAY_EXEC with the effective ids). */
    long res = vfs_node_access(node, X_OK, false);
    if (res)
        return res;
    struct process *p = self();
    struct file *old = p->cwd;
    p->cwd = file_get(file);
    if (old)
        file_put(old);
    return 0;
}

/* sendfile(out, in, offset, count): the descriptors are checked as Linux
 * does (-EBADF), then -EINVAL: no copying in the kernel yet, and BusyBox
 * falls back to read and write. */
long sys_sendfile(struct trap_frame *f)
{
    struct file *out = fd_file(self()->files, (int32_t)f->x[0]), *in = fd_file(self()->files, (int32_t)f->x[1]);
    uint32_t oacc = out ? out->flags & O_ACCMODE : 0, iacc = in ? in->flags & O_ACCMODE : 0;
    if (!in || (in->flags & O_PATH) || iacc == O_WRONLY)
        return -EBADF;
    if (!out || (out->flags & O_PATH) || oacc == O_RDONLY)
        return -EBADF;
    return -EINVAL;
}

/* fadvise64(fd, offset, len, advice): advice only; checked as Linux does. */
long sys_fadvise64(struct trap_frame *f)
{
    struct file *file = fd_file(self()->files, (int32_t)f->x[0]);
    if (!file)
        return -EBADF;
    if (!file->ops->seekable)
        return -ESPIPE;
    if ((int64_t)f->x[2] < 0 || f->x[3] > 5)
        return -EINVAL;
    return 0;
}
