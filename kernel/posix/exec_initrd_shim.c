/*
 * TEMPORARY -- to be deleted when the kernel's vfs client is merged.
 *
 * vfs_open_kernel and file_pread_kernel (file.h) for execve, served from the
 * initrd until the vfs server answers them: the lead's kernel/posix side of
 * the vfs replaces this whole file. Only what execve needs is here:
 *
 *  - vfs_open_kernel(dirfd, path, flags, ...) with VFS_O_EXEC (anything else
 *    -EINVAL). The path is resolved in the archive: "." and ".." and repeated
 *    slashes as a file system would, relative paths from "/" (there is no
 *    working directory yet), each component an existing directory (ENOENT,
 *    ENOTDIR), symbolic links followed (40 at most: ELOOP) except a final one
 *    under O_NOFOLLOW (ELOOP), names up to 255 bytes (ENAMETOOLONG). A
 *    dirfd other than AT_FDCWD with a relative path: EBADF if it is no
 *    descriptor, else ENOTDIR (no descriptor names a directory yet). The
 *    result must be a regular file with execute permission for the caller
 *    (root: any x bit), else EACCES; *mode is the archive's.
 *  - The struct file reads copy from the archive (read(2) through its ops,
 *    and file_pread_kernel), never past its end.
 *
 * The archive is boot memory that lives as long as the kernel: a file holds
 * a pointer into it and needs no reference.
 */
#include "kenix/bootinfo.h"
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/memlayout.h"
#include "kenix/string.h"
#include "kenix/vfs.h"
#include "../arch/aarch64/mmu.h"
#include "../core/process.h"
#include "../lib/cpio.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "file.h"

#define NAME_MAX 255
#define SYMLINK_HOPS 40
#define SHIM_PATH_MAX 4096

struct initrd_file {
    const uint8_t *data;
    uint64_t size;
};

static long initrd_read(struct file *f, struct uio *u)
{
    const struct initrd_file *r = f->priv;
    if (f->pos >= r->size)
        return 0;
    uint64_t n = r->size - f->pos < u->resid ? r->size - f->pos : u->resid;
    uint64_t before = u->resid;
    int err = uio_to_user(u, r->data + f->pos, n);
    uint64_t moved = before - u->resid;
    f->pos += moved;
    return moved ? (long)moved : err;
}

static long initrd_write(struct file *f, struct uio *u)
{
    (void)f;
    (void)u;
    return -EBADF; /* opened read-only */
}

static long initrd_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    (void)f;
    (void)cmd;
    (void)arg;
    return -ENOTTY;
}

static long initrd_size(struct file *f, uint64_t *size)
{
    *size = ((const struct initrd_file *)f->priv)->size;
    return 0;
}

static void initrd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops initrd_ops = {
    .read = initrd_read,
    .write = initrd_write,
    .ioctl = initrd_ioctl,
    .release = initrd_release,
    .size = initrd_size,
    .seekable = true,
};

/* The archive's entry for an absolute, normalized path ("/" alone: the root). */
static int lookup(const char *path, struct cpio_entry *e)
{
    const void *rd = phys_to_virt(boot_info.initrd_start);
    size_t size = boot_info.initrd_end - boot_info.initrd_start;
    if (!boot_info.initrd_start)
        return -ENOENT;
    int err = cpio_find(rd, size, path, e);
    return err == CPIO_ERR_NOTFOUND ? -ENOENT : err ? -EIO : 0;
}

/*
 * Resolves `path` into `out` (SHIM_PATH_MAX bytes): an absolute path of the
 * archive with no ".", ".." or symbolic link in it, naming an entry that
 * exists, in *e. `rest` is working memory of the same size.
 */
static int resolve(const char *path, bool nofollow, char *out, char *rest, struct cpio_entry *e)
{
    size_t rlen = strnlen(path, SHIM_PATH_MAX);
    if (rlen >= SHIM_PATH_MAX)
        return -ENAMETOOLONG;
    memcpy(rest, path, rlen + 1);
    size_t olen = 0; /* out holds "" for the root, else "/a/b" */
    out[0] = 0;
    unsigned hops = 0;
    size_t pos = 0;
    bool trailing_slash = rlen && path[rlen - 1] == '/';
    for (;;) {
        while (rest[pos] == '/')
            pos++;
        if (!rest[pos])
            break;
        size_t start = pos;
        while (rest[pos] && rest[pos] != '/')
            pos++;
        size_t n = pos - start;
        if (n > NAME_MAX)
            return -ENAMETOOLONG;
        if (n == 1 && rest[start] == '.')
            continue;
        if (n == 2 && rest[start] == '.' && rest[start + 1] == '.') {
            while (olen && out[olen - 1] != '/')
                olen--;
            if (olen)
                olen--; /* the slash */
            out[olen] = 0;
            continue;
        }
        /* The directory so far must be one (the root always is). */
        if (olen) {
            int err = lookup(out, e);
            if (err)
                return err;
            if (!cpio_is_dir(e))
                return -ENOTDIR;
        }
        if (olen + 1 + n >= SHIM_PATH_MAX)
            return -ENAMETOOLONG;
        size_t keep = olen;
        out[olen++] = '/';
        memcpy(out + olen, rest + start, n);
        olen += n;
        out[olen] = 0;
        int err = lookup(out, e);
        if (err)
            return err;
        bool last = true;
        for (size_t k = pos; rest[k]; k++)
            if (rest[k] != '/')
                last = false;
        if (!cpio_is_symlink(e) || (last && nofollow && !trailing_slash))
            continue;
        /* A symbolic link: its target, then what is left of the path. */
        if (++hops > SYMLINK_HOPS)
            return -ELOOP;
        size_t tlen = e->size, left = strnlen(rest + pos, SHIM_PATH_MAX);
        if (tlen == 0)
            return -ENOENT;
        if (tlen + left + 1 > SHIM_PATH_MAX)
            return -ENAMETOOLONG;
        memmove(rest + tlen, rest + pos, left + 1);
        memcpy(rest, e->data, tlen);
        pos = 0;
        olen = ((const char *)e->data)[0] == '/' ? 0 : keep; /* relative: from the link's directory */
        out[olen] = 0;
    }
    if (!olen) {
        *e = (struct cpio_entry){ .mode = CPIO_S_IFDIR | 0755 }; /* the root: the archive may not list it */
        return 0;
    }
    int err = lookup(out, e);
    if (!err && trailing_slash && !cpio_is_dir(e))
        return -ENOTDIR;
    return err;
}

/* Execute permission on the entry for the current process's effective ids. */
static bool may_exec(const struct cpio_entry *e)
{
    const struct cred *c = &current_process()->cred;
    if (c->euid == 0)
        return e->mode & 0111;
    if (c->euid == e->uid)
        return e->mode & 0100;
    bool group = c->egid == e->gid;
    for (uint32_t i = 0; i < c->ngroups && !group; i++)
        group = c->groups[i] == e->gid;
    return e->mode & (group ? 0010 : 0001);
}

int vfs_open_kernel(int dirfd, const char *path, uint32_t flags, struct file **out, uint32_t *mode)
{
    if (!(flags & VFS_O_EXEC))
        return -EINVAL; /* execve's opens only */
    if (!path[0])
        return -ENOENT;
    if (path[0] != '/' && dirfd != AT_FDCWD)
        return fd_file(current_process()->files, dirfd) ? -ENOTDIR : -EBADF;
    char *buf = kmalloc(2 * SHIM_PATH_MAX);
    if (!buf)
        return -ENOMEM;
    struct cpio_entry e;
    int err = resolve(path, flags & O_NOFOLLOW, buf, buf + SHIM_PATH_MAX, &e);
    kfree(buf);
    if (err)
        return err;
    if (cpio_is_symlink(&e))
        return -ELOOP; /* a final link under O_NOFOLLOW */
    if (!cpio_is_reg(&e) || !may_exec(&e))
        return -EACCES;
    struct initrd_file *r = kmalloc(sizeof(*r));
    struct file *f = r ? file_alloc(&initrd_ops, r, O_RDONLY) : 0;
    if (!f) {
        kfree(r);
        return -ENOMEM;
    }
    r->data = e.data;
    r->size = e.size;
    *out = f;
    *mode = e.mode;
    return 0;
}

long file_pread_kernel(struct file *f, struct vmspace *vm, uint64_t addr, uint64_t off, uint64_t n)
{
    if (f->ops != &initrd_ops)
        return -EINVAL; /* only this shim's files until the vfs client exists */
    const struct initrd_file *r = f->priv;
    if (off >= r->size)
        return 0;
    if (n > r->size - off)
        n = r->size - off;
    if (!vm) {
        memcpy((void *)addr, r->data + off, n);
        return (long)n;
    }
    int err = copy_to_user(vm, addr, r->data + off, n);
    return err ? err : (long)n;
}
