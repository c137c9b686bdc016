/*
 * The wire protocol (<kenix/vfs.h>, <kenix/io.h>): decode a request, call the
 * vnode layer, encode the answer. Pure: everything the caller owns is reached
 * through struct vfs_caller, so the host tests drive this file exactly as the
 * kernel does.
 *
 * Every length in a request is the sender's word, checked before use in
 * 64-bit arithmetic: ngroups at most NGROUPS_MAX, data at most 8 KiB, each
 * path at most PATH_MAX with its NUL as its last byte and no NUL before it.
 * A request longer than what arrived is completed with caller->read into a
 * static buffer; one that claims more than the caller sent is EINVAL. Only
 * calls with KX_BADGE_KERNEL are served (-EPERM otherwise): cookies and
 * credentials are the kernel's word.
 */
#include <errno.h>
#include <string.h>

#include <kenix/ipc.h>

#include "bcache.h"
#include "dispatch.h"
#include "vfs.h"

#define REQ_MAX (sizeof(struct vfs_req) + VFS_NGROUPS_MAX * 4u + VFS_DATA_MAX + 2u * VFS_PATH_MAX)
#define ANSWER_MAX (64u << 10)

static uint64_t req_buf[REQ_MAX / 8 + 1];
static uint64_t answer_buf[ANSWER_MAX / 8];

struct req {
    struct cred cred;
    const uint8_t *data;
    uint32_t data_len;
    const char *path, *path2; /* NULL when absent */
};

static int check_path(const uint8_t *p, uint32_t len, const char **out)
{
    *out = NULL;
    if (len == 0)
        return 0;
    if (len > VFS_PATH_MAX)
        return -ENAMETOOLONG;
    if (p[len - 1] != 0 || memchr(p, 0, len - 1))
        return -EINVAL;
    *out = (const char *)p;
    return 0;
}

static int decode(const struct vfs_msg *m, const struct vfs_caller *caller, struct req *r)
{
    struct vfs_req h;
    if (m->bulk_len >= sizeof(h)) {
        memcpy(&h, m->bulk, sizeof(h));
    } else {
        /* What arrived is short of a header: the rest may still be with the caller. */
        long n = caller->read(caller->ctx, 0, &h, sizeof(h));
        if (n != (long)sizeof(h))
            return -EINVAL;
    }
    if (h.ngroups > VFS_NGROUPS_MAX || h.data_len > VFS_DATA_MAX)
        return -EINVAL;
    if (h.path_len > VFS_PATH_MAX || h.path2_len > VFS_PATH_MAX)
        return -ENAMETOOLONG;
    uint64_t groups_off = sizeof(h);
    uint64_t data_off = groups_off + (((uint64_t)h.ngroups * 4u + 7u) & ~7ull);
    uint64_t path_off = data_off + (((uint64_t)h.data_len + 7u) & ~7ull);
    uint64_t path2_off = path_off + h.path_len;
    uint64_t total = path2_off + h.path2_len;
    const uint8_t *b = m->bulk;
    if (total > m->bulk_len) {
        /* Bigger than the receive room: pull the rest into one static buffer. */
        uint8_t *big = (uint8_t *)req_buf;
        size_t have = m->bulk_len < sizeof(h) ? 0 : m->bulk_len;
        if (have)
            memcpy(big, m->bulk, have);
        long n = caller->read(caller->ctx, have, big + have, total - have);
        if (n < 0 || (uint64_t)n != total - have)
            return -EINVAL;
        b = big;
    }
    r->cred.uid = h.uid;
    r->cred.gid = h.gid;
    r->cred.ngroups = h.ngroups;
    r->cred.groups = (const uint32_t *)(const void *)(b + groups_off);
    r->cred.root = NULL;
    if (h.root) {
        struct ofile *f = ofile_get(h.root);
        if (!f)
            return -EBADF;
        if (!S_IS(f->node->mode, LX_S_IFDIR))
            return -ENOTDIR;
        r->cred.root = f->node;
    }
    r->data = b + data_off;
    r->data_len = h.data_len;
    int err = check_path(b + path_off, h.path_len, &r->path);
    if (!err)
        err = check_path(b + path2_off, h.path2_len, &r->path2);
    return err;
}

/* A directory cookie: 0 is the root (NULL); else an open object. */
static int start_of(uint64_t cookie, struct vnode **out)
{
    *out = NULL;
    if (cookie == 0)
        return 0;
    struct ofile *f = ofile_get(cookie);
    if (!f)
        return -EBADF;
    *out = f->node;
    return 0;
}

static void answer_bulk(struct vfs_msg *m, const void *p, size_t n)
{
    m->abulk = p;
    m->abulk_len = n;
}

static int need_path(const struct req *r)
{
    return r->path ? 0 : -EINVAL;
}

static long do_path_op(struct vfs_msg *m, const struct vfs_caller *caller)
{
    struct req r;
    int err = decode(m, caller, &r);
    if (err)
        return err;
    struct vnode *start;
    err = start_of(m->w[0], &start);
    if (err)
        return err;
    uint32_t flags = (uint32_t)m->w[1];
    switch (m->label) {
    case VFS_OPEN: {
        if (!(flags & VFS_O_EMPTY) && (err = need_path(&r)))
            return err;
        struct open_result o;
        err = vfs_open(&r.cred, start, r.path, flags, (uint32_t)m->w[2], &o);
        if (err)
            return err;
        m->a[1] = o.kind;
        m->a[2] = o.mode;
        m->a[3] = o.size;
        m->a[4] = o.rdev;
        m->a[5] = o.identity;
        m->a[6] = o.pages_version;
        return (long)o.cookie;
    }
    case VFS_STAT: {
        if ((err = need_path(&r)))
            return err;
        struct kx_stat *st = (struct kx_stat *)answer_buf;
        err = vfs_stat(&r.cred, start, r.path, flags, st);
        if (!err)
            answer_bulk(m, st, sizeof(*st));
        return err;
    }
    case VFS_ACCESS:
        if ((err = need_path(&r)))
            return err;
        return vfs_access(&r.cred, start, r.path, flags, (uint32_t)m->w[2]);
    case VFS_MKDIR:
        if ((err = need_path(&r)))
            return err;
        return vfs_mkdir(&r.cred, start, r.path, (uint32_t)m->w[2]);
    case VFS_MKNOD:
        if ((err = need_path(&r)))
            return err;
        return vfs_mknod(&r.cred, start, r.path, (uint32_t)m->w[2], m->w[3]);
    case VFS_UNLINK:
        if ((err = need_path(&r)))
            return err;
        return vfs_unlink(&r.cred, start, r.path, flags);
    case VFS_RENAME:
    case VFS_LINK: {
        struct vnode *nstart;
        if ((err = start_of(m->w[3], &nstart)))
            return err;
        if (!r.path || !r.path2)
            return -EINVAL;
        if (m->label == VFS_RENAME)
            return vfs_rename(&r.cred, start, r.path, nstart, r.path2, flags);
        return vfs_link(&r.cred, start, r.path, nstart, r.path2, flags);
    }
    case VFS_SYMLINK:
        if ((err = need_path(&r)))
            return err;
        return vfs_symlink(&r.cred, start, r.path, r.path2 ? r.path2 : "");
    case VFS_READLINK: {
        if ((err = need_path(&r)))
            return err;
        const char *target;
        long n = vfs_readlink(&r.cred, start, r.path, flags, &target);
        if (n >= 0)
            answer_bulk(m, target, (size_t)n);
        return n;
    }
    case VFS_SETATTR: {
        if ((err = need_path(&r)))
            return err;
        struct vfs_attr a;
        if (r.data_len < sizeof(a))
            return -EINVAL;
        memcpy(&a, r.data, sizeof(a));
        return vfs_setattr(&r.cred, start, r.path, flags, &a);
    }
    case VFS_STATFS: {
        if ((err = need_path(&r)))
            return err;
        struct kx_statfs *st = (struct kx_statfs *)answer_buf;
        err = vfs_statfs(&r.cred, start, r.path, st);
        if (!err)
            answer_bulk(m, st, sizeof(*st));
        return err;
    }
    case VFS_MOUNT: {
        if ((err = need_path(&r)))
            return err;
        /* data: "fstype\0options\0", either part possibly empty or absent. */
        const char *fstype = "", *opts = "";
        const uint8_t *nul = r.data_len ? memchr(r.data, 0, r.data_len) : NULL;
        if (r.data_len && !nul)
            return -EINVAL;
        if (nul) {
            fstype = (const char *)r.data;
            const uint8_t *rest = nul + 1;
            uint32_t left = r.data_len - (uint32_t)(rest - r.data);
            if (left) {
                if (!memchr(rest, 0, left))
                    return -EINVAL;
                opts = (const char *)rest;
            }
        }
        return vfs_mount(&r.cred, start, r.path, r.path2, fstype, opts, flags);
    }
    case VFS_UMOUNT:
        if ((err = need_path(&r)))
            return err;
        return vfs_umount(&r.cred, start, r.path, flags);
    case VFS_SYNC:
        return mount_sync_all(); /* anyone may: sync(2) needs no privilege */
    }
    return -ENOSYS;
}

/* ---- the IO protocol ------------------------------------------------------------- */

struct caller_sink {
    struct io_sink sink;
    const struct vfs_caller *caller;
};

static long sink_push(struct io_sink *s, uint64_t off, const void *p, uint64_t n)
{
    const struct vfs_caller *c = ((struct caller_sink *)s)->caller;
    return c->write(c->ctx, off, p, n);
}

struct caller_source {
    struct io_source src;
    const struct vfs_caller *caller;
    const uint8_t *have;
    uint64_t have_len;
};

/* The first bytes arrived with the call; the rest is pulled straight into the page. */
static long source_pull(struct io_source *s, uint64_t off, void *p, uint64_t n)
{
    struct caller_source *cs = (struct caller_source *)s;
    uint64_t done = 0;
    if (off < cs->have_len) {
        uint64_t k = cs->have_len - off < n ? cs->have_len - off : n;
        memcpy(p, cs->have + off, k);
        done = k;
    }
    if (done < n) {
        long r = cs->caller->read(cs->caller->ctx, off + done, (uint8_t *)p + done, n - done);
        if (r < 0)
            return done ? (long)done : r;
        done += (uint64_t)r;
    }
    return (long)done;
}

static bool readable(const struct ofile *f)
{
    uint32_t acc = f->flags & LX_O_ACCMODE;
    return !(f->flags & LX_O_PATH) && (acc == LX_O_RDONLY || acc == LX_O_RDWR);
}

static bool writable(const struct ofile *f)
{
    uint32_t acc = f->flags & LX_O_ACCMODE;
    return !(f->flags & LX_O_PATH) && (acc == LX_O_WRONLY || acc == LX_O_RDWR);
}

/* ---- block device nodes ------------------------------------------------------ */

/* The cache behind a block device node, if a driver registered one (not on a
 * nodev mount): /dev/vda is served from the same cache vfat uses, so dd,
 * fsck and a mounted file system see the same blocks. */
static struct bcache *blk_of(const struct vnode *v)
{
    if (!S_IS(v->mode, LX_S_IFBLK) || (v->mnt->flags & LX_MS_NODEV))
        return NULL;
    return blkdev_find(v->rdev);
}

/* IO_READ / IO_WRITE on a block device: bytes at the offset, through the
 * cache; nothing past the end (a read there is end of file, a write ENOSPC). */
static long blk_io(struct vfs_msg *m, const struct vfs_caller *caller, struct ofile *f, struct bcache *bc, bool write)
{
    if (write ? !writable(f) : !readable(f))
        return -EBADF;
    uint64_t off = m->w[1], len = m->w[2], size = bcache_dev_bytes(bc);
    if (off > INT64_MAX)
        return -EINVAL;
    if (off >= size || !len)
        return write && len && off >= size ? -ENOSPC : 0;
    if (len > size - off)
        len = size - off;
    struct caller_sink sink = { { sink_push, NULL, 0, false, NULL }, caller };
    struct caller_source src = { { source_pull, NULL }, caller, m->bulk, m->bulk_len < len ? m->bulk_len : len };
    uint8_t *chunk = (uint8_t *)answer_buf; /* ANSWER_MAX bytes of scratch: nothing else answers here */
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < BCACHE_BLOCK ? len - done : BCACHE_BLOCK;
        long r;
        if (write) {
            r = src.src.pull(&src.src, done, chunk, n);
            if (r > 0)
                r = bcache_write(bc, off + done, chunk, (size_t)r) ? -EIO : r;
        } else {
            r = bcache_read(bc, off + done, chunk, (size_t)n) ? -EIO : (long)n;
            if (r > 0)
                r = sink.sink.push(&sink.sink, done, chunk, (uint64_t)r);
        }
        if (r <= 0)
            return done ? (long)done : (r ? r : -EFAULT);
        done += (uint64_t)r;
    }
    if (write)
        m->a[1] = off + done;
    return (long)done;
}

/* IO_IOCTL: the block device requests (the kernel forwards only those). */
static long blk_ioctl(struct vfs_msg *m, struct ofile *f)
{
    struct bcache *bc = blk_of(f->node);
    if (!bc || (f->flags & LX_O_PATH))
        return -ENOTTY;
    uint64_t size = bcache_dev_bytes(bc);
    switch ((uint32_t)m->w[1]) {
    case 0x80081272u: /* BLKGETSIZE64: bytes */
        memcpy(answer_buf, &size, 8);
        answer_bulk(m, answer_buf, 8);
        return 0;
    case 0x1260u: { /* BLKGETSIZE: 512-byte sectors, an unsigned long */
        uint64_t sectors = size / 512u;
        memcpy(answer_buf, &sectors, 8);
        answer_bulk(m, answer_buf, 8);
        return 0;
    }
    case 0x1268u: /* BLKSSZGET: the logical sector size the cache uses */
    case 0x125eu: { /* BLKROGET */
        int32_t v = (uint32_t)m->w[1] == 0x1268u ? 512 : (f->node->mnt->flags & LX_MS_RDONLY) != 0;
        memcpy(answer_buf, &v, 4);
        answer_bulk(m, answer_buf, 4);
        return 0;
    }
    case 0x1261u: /* BLKFLSBUF: write back, then forget what is cached */
        if (bcache_sync(bc))
            return -EIO;
        bcache_drop_clean(bc);
        return 0;
    default:
        return -ENOTTY;
    }
}

static long io_read(struct vfs_msg *m, const struct vfs_caller *caller, struct ofile *f)
{
    struct vnode *v = f->node;
    if (!readable(f))
        return -EBADF;
    if (S_IS(v->mode, LX_S_IFDIR))
        return -EISDIR;
    struct bcache *bc = blk_of(v);
    if (bc)
        return blk_io(m, caller, f, bc, false);
    if (!S_IS(v->mode, LX_S_IFREG))
        return -EINVAL;
    uint64_t off = m->w[1], len = m->w[2];
    if (off > INT64_MAX)
        return -EINVAL;
    struct caller_sink cs = { { sink_push, NULL, 0, true, NULL }, caller };
    long n = v->ops->read(v, off, len, &cs.sink);
    if (n > 0) {
        if (cs.sink.direct)
            answer_bulk(m, cs.sink.direct, cs.sink.direct_len);
        vnode_touch_atime(v);
    }
    return n;
}

static long io_write(struct vfs_msg *m, const struct vfs_caller *caller, struct ofile *f)
{
    struct vnode *v = f->node;
    if (!writable(f))
        return -EBADF;
    if (S_IS(v->mode, LX_S_IFDIR))
        return -EISDIR;
    struct bcache *bc = blk_of(v);
    if (bc)
        return blk_io(m, caller, f, bc, true);
    if (!S_IS(v->mode, LX_S_IFREG))
        return -EINVAL;
    if (mnt_rdonly(v->mnt))
        return -EROFS;
    bool append = m->w[3] & IO_F_APPEND;
    uint64_t off = append ? v->size : m->w[1], len = m->w[2];
    if (off > INT64_MAX)
        return -EINVAL;
    if (len == 0) {
        m->a[1] = off;
        return 0;
    }
    if (off >= VFS_MAX_FILE_SIZE)
        return -EFBIG;
    /* Linux's file_remove_privs: a write drops setuid/setgid unless the writer
     * is privileged (the kernel's IO_F_FSETID: CAP_FSETID, now, not at open). */
    uint32_t kill = (m->w[3] & IO_F_FSETID) ? 0 : kill_privs_mask(v);
    if (kill) {
        v->mode &= ~kill;
        v->ctime = vfs_now();
    }
    struct caller_source cs = { { source_pull, NULL }, caller, m->bulk, m->bulk_len < len ? m->bulk_len : len };
    long n = v->ops->write(v, off, len, &cs.src);
    if (n >= 0)
        m->a[1] = off + (uint64_t)n;
    return n;
}

/* IO_MAP: the pages of a regular file, for mmap (the kernel checked the
 * mapping against the descriptor; this checks it against the open object). */
static long io_map(struct vfs_msg *m, struct ofile *f)
{
    struct vnode *v = f->node;
    if (f->flags & LX_O_PATH)
        return -EBADF;
    if (!S_IS(v->mode, LX_S_IFREG) || !v->ops->map)
        return -ENODEV;
    bool write = m->w[3] & IO_MAP_WRITE;
    if (m->w[3] & ~(uint64_t)IO_MAP_WRITE)
        return -EINVAL;
    if (!readable(f) || (write && !writable(f)))
        return -EACCES;
    if (write && mnt_rdonly(v->mnt))
        return -EROFS;
    uint64_t off = m->w[1], n = m->w[2];
    if (off % VFS_PAGE)
        return -EINVAL;
    if (n > ANSWER_MAX / sizeof(uint64_t))
        n = ANSWER_MAX / sizeof(uint64_t);
    if (off >= VFS_MAX_FILE_SIZE)
        return 0;
    uint64_t *pages = (uint64_t *)answer_buf;
    long got = v->ops->map(v, off / VFS_PAGE, n, write, pages);
    if (got > 0)
        answer_bulk(m, pages, (size_t)got * sizeof(uint64_t));
    return got;
}

static long io_setattr(struct vfs_msg *m, const struct vfs_caller *caller, struct ofile *f)
{
    if (f->flags & LX_O_PATH)
        return -EBADF;
    struct req r;
    int err = decode(m, caller, &r);
    if (err)
        return err;
    struct vfs_attr a;
    if (r.data_len < sizeof(a))
        return -EINVAL;
    memcpy(&a, r.data, sizeof(a));
    if ((a.mask & VFS_ATTR_SIZE) && (!writable(f) || !S_IS(f->node->mode, LX_S_IFREG)))
        return -EINVAL; /* ftruncate: a regular file open for writing, as Linux */
    return vnode_setattr(f->node, &r.cred, &a, true);
}

static long do_io_op(struct vfs_msg *m, const struct vfs_caller *caller)
{
    struct ofile *f = ofile_get(m->w[0]);
    if (m->label == IO_CLOSE) {
        m->no_answer = true;
        if (f)
            ofile_close(m->w[0]);
        return 0;
    }
    if (!f)
        return -EBADF;
    struct vnode *v = f->node;
    switch (m->label) {
    case IO_READ:
        return io_read(m, caller, f);
    case IO_WRITE:
        return io_write(m, caller, f);
    case IO_STAT: {
        struct kx_stat *st = (struct kx_stat *)answer_buf;
        vnode_stat(v, st);
        m->a[1] = blk_of(v) ? bcache_dev_bytes(blk_of(v)) : v->size; /* lseek SEEK_END on /dev/vda */
        answer_bulk(m, st, sizeof(*st));
        return 0;
    }
    case IO_IOCTL:
        return blk_ioctl(m, f);
    case IO_READDIR: {
        if (f->flags & LX_O_PATH)
            return -EBADF;
        if (!S_IS(v->mode, LX_S_IFDIR))
            return -ENOTDIR;
        uint64_t room = m->w[2] < ANSWER_MAX ? m->w[2] : ANSWER_MAX;
        uint64_t next;
        long n = file_readdir(f, m->w[1], answer_buf, room, &next);
        if (n >= 0) {
            m->a[1] = next;
            answer_bulk(m, answer_buf, (size_t)n);
        }
        return n;
    }
    case IO_SETATTR:
        return io_setattr(m, caller, f);
    case IO_MAP:
        return io_map(m, f);
    case IO_SYNC:
        if (f->flags & LX_O_PATH)
            return -EBADF;
        if (blk_of(v))
            return bcache_sync(blk_of(v)) ? -EIO : 0;
        return v->ops->sync(v);
    case IO_STATFS: {
        struct kx_statfs *st = (struct kx_statfs *)answer_buf;
        v->ops->statfs(v->mnt, st);
        answer_bulk(m, st, sizeof(*st));
        return 0;
    }
    case IO_GETPATH: {
        int n = file_getpath(f, (char *)answer_buf, VFS_PATH_MAX);
        if (n > 0)
            answer_bulk(m, answer_buf, (size_t)n);
        return n;
    }
    }
    return -ENOSYS;
}

void vfs_answer_dropped(const struct vfs_msg *m)
{
    if (m->label == VFS_OPEN && (int64_t)m->a[0] > 0)
        ofile_close(m->a[0]);
}

uint32_t vfs_caller_pid;

void vfs_dispatch(struct vfs_msg *m, const struct vfs_caller *caller)
{
    vfs_caller_pid = (m->badge & KX_BADGE_KERNEL) ? (uint32_t)m->badge : 0;
    memset(m->a, 0, sizeof(m->a));
    m->abulk = NULL;
    m->abulk_len = 0;
    m->no_answer = false;
    long r;
    if (!(m->badge & KX_BADGE_KERNEL)) {
        m->no_answer = m->label == IO_CLOSE;
        r = -EPERM;
    } else if ((m->label >> 8) == KX_PROTO_VFS && (m->label & 0xffu) >= 1 && (m->label & 0xffu) <= 15) {
        r = do_path_op(m, caller);
    } else if ((m->label >> 8) == KX_PROTO_IO && (m->label & 0xffu) >= 1 && (m->label & 0xffu) <= 11) {
        r = do_io_op(m, caller);
    } else {
        r = -ENOSYS;
    }
    /* Data frames committed ahead or freed during the request go back now:
     * between requests the vfs holds only the frames its files use. */
    ps_data_flush();
    if (r < 0) {
        /* An error carries nothing else: no half-filled words or bulk. */
        memset(m->a, 0, sizeof(m->a));
        m->abulk = NULL;
        m->abulk_len = 0;
    }
    m->a[0] = (uint64_t)r;
}
