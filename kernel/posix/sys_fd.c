/*
 * The fd system calls: read/write and their vector forms, close, dup family,
 * fcntl, pipe2, lseek, ioctl, and openat (kernel devices only, until the vfs).
 */
#include "file.h"
#include "flock.h"

#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

/* Status flags F_SETFL may change (Linux's SETFL_MASK, minus what needs a vfs). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

static struct fdtable *files(void)
{
    return current_process()->files;
}

/* An O_PATH descriptor only names its object: no reads, no writes (EBADF). */
static bool readable(const struct file *f)
{
    return !(f->flags & O_PATH) && ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR);
}

static bool writable(const struct file *f)
{
    return !(f->flags & O_PATH) && ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_RDWR);
}

/* Reads or writes through a uio of iovcnt vectors already in the kernel; at
 * offset *off (pread/pwrite: the description's own stays) when off is set. */
static long do_io(int64_t fd, struct linux_iovec *iov, unsigned iovcnt, bool write, const int64_t *off)
{
    struct file *f = fd_file(files(), fd);
    if (!f || !(write ? writable(f) : readable(f)))
        return -EBADF;
    if (off && !f->ops->seekable)
        return -ESPIPE;
    if (off && *off < 0)
        return -EINVAL;
    uint64_t total = 0;
    for (unsigned i = 0; i < iovcnt; i++) {
        if ((int64_t)iov[i].iov_len < 0 || total + iov[i].iov_len < total)
            return -EINVAL;
        total += iov[i].iov_len;
        if ((int64_t)total < 0)
            return -EINVAL; /* the sum must fit ssize_t */
    }
    struct uio u = { .vm = current_process()->vm, .iov = iov, .iovcnt = iovcnt, .resid = total };
    if (total > RW_MAX)
        u.resid = RW_MAX; /* Linux moves at most MAX_RW_COUNT per call */
    if (off && (uint64_t)*off + u.resid > (uint64_t)INT64_MAX)
        return -EINVAL; /* the end would not fit loff_t, as Linux's rw_verify_area */
    file_get(f); /* the call may sleep; a close meanwhile must not free it */
    long r;
    if (off && f->ops->pio)
        r = f->ops->pio(f, &u, (uint64_t)*off, write);
    else
        r = write ? f->ops->write(f, &u) : f->ops->read(f, &u);
    file_put(f);
    return r;
}

static long rw(struct trap_frame *f, bool write)
{
    struct linux_iovec iov = { f->x[1], f->x[2] };
    if ((int64_t)iov.iov_len < 0)
        return -EINVAL;
    return do_io((int64_t)(int32_t)f->x[0], &iov, 1, write, 0);
}

/* pread64(fd, buf, count, offset), pwrite64: at `offset`, which must not be
 * negative (-EINVAL); pipes -ESPIPE. pwrite on an O_APPEND file appends, as
 * Linux's does. */
static long prw(struct trap_frame *f, bool write)
{
    struct linux_iovec iov = { f->x[1], f->x[2] };
    int64_t off = (int64_t)f->x[3];
    if ((int64_t)iov.iov_len < 0)
        return -EINVAL;
    return do_io((int64_t)(int32_t)f->x[0], &iov, 1, write, &off);
}

long sys_pread64(struct trap_frame *f)
{
    return prw(f, false);
}

long sys_pwrite64(struct trap_frame *f)
{
    return prw(f, true);
}

long sys_read(struct trap_frame *f)
{
    return rw(f, false);
}

long sys_write(struct trap_frame *f)
{
    return rw(f, true);
}

static long rwv_at(struct trap_frame *f, bool write, const int64_t *off)
{
    int64_t fd = (int32_t)f->x[0];
    uint64_t uiov = f->x[1], cnt = f->x[2];
    if (cnt > IOV_MAX)
        return -EINVAL;
    if (!fd_file(files(), fd))
        return -EBADF;
    if (cnt == 0)
        return 0;
    struct linux_iovec small[8], *iov = cnt <= 8 ? small : kmalloc(cnt * sizeof(*iov));
    if (!iov)
        return -ENOMEM;
    long r = copy_from_user(current_process()->vm, iov, uiov, cnt * sizeof(*iov));
    if (!r)
        r = do_io(fd, iov, (unsigned)cnt, write, off);
    if (iov != small)
        kfree(iov);
    return r;
}

static long rwv(struct trap_frame *f, bool write)
{
    return rwv_at(f, write, 0);
}

/* preadv(fd, iov, cnt, pos_l, pos_h), pwritev: AArch64 passes the offset
 * whole in pos_l. */
long sys_preadv(struct trap_frame *f)
{
    int64_t off = (int64_t)f->x[3];
    return rwv_at(f, false, &off);
}

long sys_pwritev(struct trap_frame *f)
{
    int64_t off = (int64_t)f->x[3];
    return rwv_at(f, true, &off);
}

long sys_readv(struct trap_frame *f)
{
    return rwv(f, false);
}

long sys_writev(struct trap_frame *f)
{
    return rwv(f, true);
}

long sys_close(struct trap_frame *f)
{
    return fd_close(files(), (int32_t)f->x[0]);
}

long sys_dup(struct trap_frame *f)
{
    struct file *file = fd_file(files(), (int32_t)f->x[0]);
    if (!file)
        return -EBADF;
    int fd = fd_install(files(), file_get(file), 0, fd_limit(), false);
    if (fd < 0)
        file_put(file);
    return fd;
}

/* dup3(old, new, flags): new becomes a copy of old, closing what was there. */
long sys_dup3(struct trap_frame *f)
{
    int64_t oldfd = (int32_t)f->x[0], newfd = (int32_t)f->x[1];
    uint64_t flags = f->x[2];
    if (flags & ~(uint64_t)O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    struct file *file = fd_file(files(), oldfd);
    if (!file)
        return -EBADF;
    if (newfd < 0 || (uint64_t)newfd >= fd_limit())
        return -EBADF;
    file_get(file);
    int r = fd_install_at(files(), file, (unsigned)newfd, flags & O_CLOEXEC);
    if (r < 0)
        file_put(file);
    return r;
}

long sys_fcntl(struct trap_frame *f)
{
    struct fdtable *t = files();
    int64_t fd = (int32_t)f->x[0];
    uint64_t cmd = f->x[1], arg = f->x[2];
    struct file *file = fd_file(t, fd);
    if (!file)
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (arg >= fd_limit())
            return -EINVAL;
        int r = fd_install(t, file_get(file), (unsigned)arg, fd_limit(), cmd == F_DUPFD_CLOEXEC);
        if (r < 0)
            file_put(file);
        return r;
    }
    case F_GETFD:
        return fd_cloexec(t, (unsigned)fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
        fd_set_cloexec(t, (unsigned)fd, arg & FD_CLOEXEC);
        return 0;
    case F_GETFL:
        return file->flags;
    case F_SETFL:
        /* Atomic on one CPU: the word changes in one store. */
        file->flags = (file->flags & ~(uint32_t)SETFL_MASK) | ((uint32_t)arg & SETFL_MASK);
        return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW: {
        file_get(file); /* F_SETLKW sleeps; a close meanwhile must not free it */
        long r = posix_lock_fcntl(file, (unsigned)cmd, arg);
        file_put(file);
        return r;
    }
    default:
        return -EINVAL;
    }
}

/* flock(fd, op) */
long sys_flock(struct trap_frame *f)
{
    struct file *file = fd_file(files(), (int32_t)f->x[0]);
    if (!file)
        return -EBADF;
    file_get(file);
    long r = flock_file(file, f->x[1]);
    file_put(file);
    return r;
}

long sys_pipe2(struct trap_frame *f)
{
    uint64_t flags = f->x[1];
    if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    struct file *rd, *wr;
    int err = pipe_create((uint32_t)flags, &rd, &wr);
    if (err)
        return err;
    struct fdtable *t = files();
    bool cloexec = flags & O_CLOEXEC;
    int fds[2] = { fd_install(t, rd, 0, fd_limit(), cloexec), -1 };
    if (fds[0] >= 0)
        fds[1] = fd_install(t, wr, 0, fd_limit(), cloexec);
    if (fds[1] < 0) {
        err = fds[0] < 0 ? fds[0] : fds[1];
        if (fds[0] >= 0)
            fd_close(t, fds[0]);
        else
            file_put(rd);
        file_put(wr);
        return err;
    }
    err = copy_to_user(current_process()->vm, f->x[0], fds, sizeof(fds));
    if (err) {
        fd_close(t, fds[0]);
        fd_close(t, fds[1]);
    }
    return err;
}

long sys_lseek(struct trap_frame *f)
{
    struct file *file = fd_file(files(), (int32_t)f->x[0]);
    int64_t off = (int64_t)f->x[1];
    if (!file)
        return -EBADF;
    if (!file->ops->seekable)
        return -ESPIPE;
    int64_t base;
    switch (f->x[2]) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)file->pos; break;
    case SEEK_END: {
        uint64_t size = 0; /* kernel devices have no end: Linux gives 0 too */
        if (file->ops->size) {
            file_get(file); /* asking a server may sleep */
            long err = file->ops->size(file, &size);
            file_put(file);
            if (err)
                return err;
        }
        base = (int64_t)size;
        if (base < 0)
            return -EOVERFLOW;
        break;
    }
    default: return -EINVAL;
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return -EINVAL;
    file->pos = (uint64_t)(base + off);
    return (long)file->pos;
}

long sys_ioctl(struct trap_frame *f)
{
    struct fdtable *t = files();
    int64_t fd = (int32_t)f->x[0];
    unsigned cmd = (unsigned)f->x[1];
    uint64_t arg = f->x[2];
    struct file *file = fd_file(t, fd);
    if (!file)
        return -EBADF;
    switch (cmd) {
    case FIOCLEX:
        fd_set_cloexec(t, (unsigned)fd, true);
        return 0;
    case FIONCLEX:
        fd_set_cloexec(t, (unsigned)fd, false);
        return 0;
    case FIONBIO: {
        int32_t on;
        int err = copy_from_user(current_process()->vm, &on, arg, sizeof(on));
        if (err)
            return err;
        if (on)
            file->flags |= O_NONBLOCK;
        else
            file->flags &= ~(uint32_t)O_NONBLOCK;
        return 0;
    }
    default:
        return file->ops->ioctl ? file->ops->ioctl(file, cmd, arg) : -ENOTTY;
    }
}

/* openat before a vfs is attached (sys_path.c): only the kernel devices'
 * /dev paths exist. */
long kdev_openat(uint64_t upath, uint32_t flags)
{
    char *path = kmalloc(PATH_MAX);
    if (!path)
        return -ENOMEM;
    long len = strncpy_from_user(current_process()->vm, path, upath, PATH_MAX);
    long r = len < 0 ? len : len == 0 ? -ENOENT : kdev_lookup(path);
    kfree(path);
    if (r < 0)
        return r;
    /* Unknown flags are ignored, as Linux does. The devices exist already. */
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        return -EEXIST;
    if (flags & O_DIRECTORY)
        return -ENOTDIR;
    if ((flags & O_ACCMODE) == O_ACCMODE && !(flags & O_PATH))
        return -EINVAL;
    uint32_t keep = flags & O_PATH ? O_PATH : (uint32_t)(flags & (O_ACCMODE | SETFL_MASK));
    struct file *file = kdev_open((enum kdev)r, keep | O_LARGEFILE);
    if (!file)
        return -ENOMEM;
    int fd = fd_install(files(), file, 0, fd_limit(), flags & O_CLOEXEC);
    if (fd < 0)
        file_put(file);
    return fd;
}
