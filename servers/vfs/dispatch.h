/*
 * The protocol layer: one request in, one answer out, no IPC of its own. The
 * IPC shell (main.c) fills a struct vfs_msg from what kx_recv delivered and
 * gives the caller's buffers through struct vfs_caller (kx_msg_read and
 * kx_msg_write in the guest; plain buffers in the host tests).
 */
#ifndef VFS_DISPATCH_H
#define VFS_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vfs_caller {
    /* Copies from the caller's send buffer at off; returns bytes (0 past its end) or -errno. */
    long (*read)(void *ctx, uint64_t off, void *buf, size_t len);
    /* Copies into the caller's receive buffer at off; returns bytes or -errno. */
    long (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
    void *ctx;
};

struct vfs_msg {
    /* The request. */
    uint32_t label;
    uint64_t badge;
    uint64_t w[8];
    const uint8_t *bulk;   /* what arrived with the call (8-byte aligned) */
    size_t bulk_len;
    /* The answer. */
    uint64_t a[8];
    const void *abulk;
    size_t abulk_len;
    bool no_answer;        /* IO_CLOSE: a one-way post */
};

/* The receive room a server should give each call: a path request whole
 * (header, some groups, data, two paths) and the first part of a write. */
#define VFS_RECV_ROOM (16u << 10)

void vfs_dispatch(struct vfs_msg *m, const struct vfs_caller *caller);
/* The answer vfs_dispatch made for m went nowhere (KX_XFER_ANSWER_DROPPED:
 * the caller was killed while the vfs held the call): undoes what it handed
 * over -- the object a VFS_OPEN opened, which nobody would ever close. */
void vfs_answer_dropped(const struct vfs_msg *m);

#endif
