/*
 * The kernel's side of the VFS protocol, for the vfs host tests: requests
 * built as <kenix/vfs.h> says, sent through vfs_dispatch with a pretend
 * caller (its send buffer is the whole request, of which only `room` bytes
 * "arrived"; its receive buffer takes both kx_msg_write pushes and the
 * answer's bulk, as the kernel's IPC does).
 */
#ifndef VFS_HARNESS_H
#define VFS_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include <kenix/ipc.h>

#include "dispatch.h"
#include "vfs.h"

#define BADGE (KX_BADGE_KERNEL | 42u)
#define O_(x) LX_O_##x

struct tcred {
    uint32_t uid, gid, ngroups;
    uint32_t groups[8];
};
static const struct tcred ROOT = { 0, 0, 0, { 0 } };
static const struct tcred USER = { 1000, 1000, 1, { 100 } };  /* user, in "users" */
static const struct tcred OTHER = { 1001, 1001, 0, { 0 } };
static const struct tcred NOBODY = { 65534, 65534, 0, { 0 } };

/* The caller's root directory (chroot) every request carries: 0, or an open directory's cookie. */
static uint64_t h_root;

static uint8_t h_send[(5u << 20) + 65536];
static size_t h_send_len;
static uint8_t h_recv[(2u << 20)];
static size_t h_recv_cap = sizeof(h_recv);
static size_t h_room = VFS_RECV_ROOM; /* what arrives with the call */
static uint64_t h_ans[8];
static size_t h_ans_bulk;             /* bytes of answer bulk (at h_recv[0]) */
static bool h_no_answer;
static long h_read_calls, h_write_calls;

static inline long h_caller_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    h_read_calls++;
    if (off >= h_send_len)
        return 0;
    size_t n = h_send_len - off < len ? h_send_len - off : len;
    memcpy(buf, h_send + off, n);
    return (long)n;
}

static inline long h_caller_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
    (void)ctx;
    h_write_calls++;
    if (off >= h_recv_cap)
        return 0;
    size_t n = h_recv_cap - off < len ? h_recv_cap - off : len;
    memcpy(h_recv + off, buf, n);
    return (long)n;
}

static const struct vfs_caller h_caller = { h_caller_read, h_caller_write, NULL };

/* Sends what is in h_send (h_send_len bytes) with these words. */
static inline long h_send_msg(uint32_t label, uint64_t badge, const uint64_t w[8])
{
    static uint64_t arrived[VFS_RECV_ROOM / 8 + 1];
    size_t n = h_send_len < h_room ? h_send_len : h_room;
    memcpy(arrived, h_send, n);
    struct vfs_msg m;
    memset(&m, 0, sizeof(m));
    m.label = label;
    m.badge = badge;
    memcpy(m.w, w, sizeof(m.w));
    m.bulk = (const uint8_t *)arrived;
    m.bulk_len = n;
    vfs_dispatch(&m, &h_caller);
    memcpy(h_ans, m.a, sizeof(h_ans));
    h_no_answer = m.no_answer;
    h_ans_bulk = m.abulk_len;
    if (m.abulk_len)
        memcpy(h_recv, m.abulk, m.abulk_len < h_recv_cap ? m.abulk_len : h_recv_cap);
    return (long)m.a[0];
}

static inline size_t align8(size_t n) { return (n + 7u) & ~(size_t)7u; }

/* Builds the bulk of a path request into h_send. */
static inline void h_build(const struct tcred *c, const void *data, uint32_t dlen, const char *p1, const char *p2)
{
    struct vfs_req h = { c->uid, c->gid, c->ngroups, dlen, p1 ? (uint32_t)strlen(p1) + 1 : 0,
                         p2 ? (uint32_t)strlen(p2) + 1 : 0, h_root };
    memset(h_send, 0, sizeof(h) + align8(c->ngroups * 4u) + align8(dlen) + h.path_len + h.path2_len);
    size_t at = 0;
    memcpy(h_send, &h, sizeof(h));
    at += sizeof(h);
    memcpy(h_send + at, c->groups, c->ngroups * 4u);
    at += align8(c->ngroups * 4u);
    if (dlen)
        memcpy(h_send + at, data, dlen);
    at += align8(dlen);
    if (p1) {
        memcpy(h_send + at, p1, h.path_len);
        at += h.path_len;
    }
    if (p2) {
        memcpy(h_send + at, p2, h.path2_len);
        at += h.path2_len;
    }
    h_send_len = at;
}

static inline long h_path(uint32_t label, const struct tcred *c, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
                   const void *data, uint32_t dlen, const char *p1, const char *p2)
{
    h_build(c, data, dlen, p1, p2);
    uint64_t w[8] = { w0, w1, w2, w3 };
    return h_send_msg(label, BADGE, w);
}

static inline long h_io(uint32_t label, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
    h_send_len = 0;
    uint64_t w[8] = { w0, w1, w2, w3 };
    return h_send_msg(label, BADGE, w);
}

/* ---- the calls, as a program would make them ---------------------------------------- */

static inline long t_openat(const struct tcred *c, uint64_t dir, const char *path, uint32_t flags, uint32_t mode)
{
    return h_path(VFS_OPEN, c, dir, flags, mode, 0, NULL, 0, path, NULL);
}
static inline long t_open(const char *path, uint32_t flags, uint32_t mode) { return t_openat(&ROOT, 0, path, flags, mode); }
static inline long t_close(uint64_t cookie) { return h_io(IO_CLOSE, cookie, 0, 0, 0); }

static inline long t_write(uint64_t cookie, uint64_t off, const void *buf, size_t len, uint32_t flags)
{
    memcpy(h_send, buf, len);
    h_send_len = len;
    uint64_t w[8] = { cookie, off, len, flags };
    return h_send_msg(IO_WRITE, BADGE, w);
}

static inline long t_read(uint64_t cookie, uint64_t off, void *buf, size_t len)
{
    memset(h_recv, 0xAA, len < h_recv_cap ? len : h_recv_cap);
    long n = h_io(IO_READ, cookie, off, len, 0);
    if (n > 0)
        memcpy(buf, h_recv, (size_t)n);
    return n;
}

static inline long t_stat(const struct tcred *c, uint64_t dir, const char *path, uint32_t flags, struct kx_stat *st)
{
    long r = h_path(VFS_STAT, c, dir, flags, 0, 0, NULL, 0, path, NULL);
    if (r == 0)
        memcpy(st, h_recv, sizeof(*st));
    return r;
}
static inline long t_lstat(const char *path, struct kx_stat *st) { return t_stat(&ROOT, 0, path, LX_AT_SYMLINK_NOFOLLOW, st); }
static inline long t_stat0(const char *path, struct kx_stat *st) { return t_stat(&ROOT, 0, path, 0, st); }

static inline long t_fstat(uint64_t cookie, struct kx_stat *st)
{
    long r = h_io(IO_STAT, cookie, 0, 0, 0);
    if (r == 0)
        memcpy(st, h_recv, sizeof(*st));
    return r;
}

static inline long t_mkdir_as(const struct tcred *c, const char *path, uint32_t mode)
{
    return h_path(VFS_MKDIR, c, 0, 0, mode, 0, NULL, 0, path, NULL);
}
static inline long t_mkdir(const char *path, uint32_t mode) { return t_mkdir_as(&ROOT, path, mode); }
static inline long t_mknod_as(const struct tcred *c, const char *path, uint32_t mode, uint64_t rdev)
{
    return h_path(VFS_MKNOD, c, 0, 0, mode, rdev, NULL, 0, path, NULL);
}
static inline long t_unlink_as(const struct tcred *c, const char *path, uint32_t flags)
{
    return h_path(VFS_UNLINK, c, 0, flags, 0, 0, NULL, 0, path, NULL);
}
static inline long t_unlink(const char *path) { return t_unlink_as(&ROOT, path, 0); }
static inline long t_rmdir(const char *path) { return t_unlink_as(&ROOT, path, LX_AT_REMOVEDIR); }
static inline long t_rename_as(const struct tcred *c, const char *a, const char *b, uint32_t flags)
{
    return h_path(VFS_RENAME, c, 0, flags, 0, 0, NULL, 0, a, b);
}
static inline long t_rename(const char *a, const char *b) { return t_rename_as(&ROOT, a, b, 0); }
static inline long t_link_as(const struct tcred *c, const char *a, const char *b, uint32_t flags)
{
    return h_path(VFS_LINK, c, 0, flags, 0, 0, NULL, 0, a, b);
}
static inline long t_link(const char *a, const char *b) { return t_link_as(&ROOT, a, b, 0); }
static inline long t_symlink_as(const struct tcred *c, const char *target, const char *path)
{
    return h_path(VFS_SYMLINK, c, 0, 0, 0, 0, NULL, 0, path, target);
}
static inline long t_symlink(const char *target, const char *path) { return t_symlink_as(&ROOT, target, path); }

static inline long t_readlink(const char *path, char *buf, size_t cap)
{
    long n = h_path(VFS_READLINK, &ROOT, 0, 0, 0, 0, NULL, 0, path, NULL);
    if (n >= 0) {
        size_t k = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(buf, h_recv, k);
        buf[k] = 0;
    }
    return n;
}

static inline long t_setattr_as(const struct tcred *c, const char *path, uint32_t flags, const struct vfs_attr *a)
{
    return h_path(VFS_SETATTR, c, 0, flags, 0, 0, a, sizeof(*a), path, NULL);
}
static inline long t_chmod_as(const struct tcred *c, const char *path, uint32_t mode)
{
    struct vfs_attr a = { .mask = VFS_ATTR_MODE, .mode = mode };
    return t_setattr_as(c, path, 0, &a);
}
static inline long t_chown_as(const struct tcred *c, const char *path, uint32_t uid, uint32_t gid)
{
    struct vfs_attr a = { .mask = 0, .uid = uid, .gid = gid };
    if (uid != (uint32_t)-1)
        a.mask |= VFS_ATTR_UID;
    if (gid != (uint32_t)-1)
        a.mask |= VFS_ATTR_GID;
    return t_setattr_as(c, path, 0, &a);
}
static inline long t_truncate_as(const struct tcred *c, const char *path, uint64_t size)
{
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = size };
    return t_setattr_as(c, path, 0, &a);
}

static inline long t_fsetattr(const struct tcred *c, uint64_t cookie, const struct vfs_attr *a)
{
    h_build(c, a, sizeof(*a), NULL, NULL);
    uint64_t w[8] = { cookie };
    return h_send_msg(IO_SETATTR, BADGE, w);
}

static inline long t_access_as(const struct tcred *c, const char *path, uint32_t mode)
{
    return h_path(VFS_ACCESS, c, 0, 0, mode, 0, NULL, 0, path, NULL);
}

static inline long t_statfs(const char *path, struct kx_statfs *st)
{
    long r = h_path(VFS_STATFS, &ROOT, 0, 0, 0, 0, NULL, 0, path, NULL);
    if (r == 0)
        memcpy(st, h_recv, sizeof(*st));
    return r;
}

static inline long t_mount(const char *target, const char *fstype, const char *opts, uint32_t flags)
{
    char data[256];
    size_t a = strlen(fstype) + 1, b = strlen(opts) + 1;
    memcpy(data, fstype, a);
    memcpy(data + a, opts, b);
    return h_path(VFS_MOUNT, &ROOT, 0, flags, 0, 0, data, (uint32_t)(a + b), target, "none");
}
static inline long t_umount(const char *target, uint32_t flags)
{
    return h_path(VFS_UMOUNT, &ROOT, 0, flags, 0, 0, NULL, 0, target, NULL);
}

static inline long t_getpath(uint64_t cookie, char *buf)
{
    long n = h_io(IO_GETPATH, cookie, 0, 0, 0);
    if (n > 0)
        memcpy(buf, h_recv, (size_t)n);
    return n;
}

/* A fresh vfs: store of `limit` bytes (0: unlimited), root, /dev and /tmp. */
static inline void h_fresh(uint64_t limit, uint64_t ram)
{
    ps_set_ram_bytes(ram);
    ps_init(limit);
    if (vfs_init() != 0 || vfs_mount_standard() != 0) {
        printf("cannot make a vfs\n");
        exit(1);
    }
    h_room = VFS_RECV_ROOM;
    h_recv_cap = sizeof(h_recv);
}

/* Creates path with contents. */
static inline void h_file(const char *path, const char *text, uint32_t mode)
{
    long fd = t_open(path, O_(CREAT) | O_(WRONLY) | O_(TRUNC), mode);
    if (fd < 0) {
        printf("  cannot create %s: %ld\n", path, fd);
        return;
    }
    if (text)
        t_write((uint64_t)fd, 0, text, strlen(text), 0);
    t_close((uint64_t)fd);
}

#endif
