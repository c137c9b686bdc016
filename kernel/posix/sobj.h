/*
 * Server objects (sobj.c): an object a server keeps for a file descriptor --
 * one a server attached with kx_fd_attach, or a node the vfs opened. The
 * kernel reaches it with the IO protocol (<kenix/io.h>) through the server's
 * endpoint, naming it by the server's cookie.
 *
 * Ownership: a sobj belongs to exactly one open file description
 * (file->node); it is closed with the file (file_put), which tells the server
 * with a one-way IO_CLOSE that was allocated when the sobj was, so closing
 * never fails and never waits. It holds a reference on the endpoint and, if
 * any, on its event.
 */
#ifndef KENIX_POSIX_SOBJ_H
#define KENIX_POSIX_SOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/kcall.h"
#include "../core/wait.h"

struct endpoint;
struct event;
struct file;
struct kpost;
struct terminal;

struct sobj {
    struct endpoint *ep;       /* a reference */
    struct event *event;       /* a reference, or NULL: always ready */
    uint64_t cookie;
    struct kpost *close_msg;   /* sent when the sobj is closed */
    uint32_t kind;             /* VFS_KIND_* for vfs nodes; 0 for kx_fd_attach objects */
    uint32_t mode;             /* st_mode at open (vfs nodes) */
    uint64_t identity;         /* the vfs's identity of the file (record locks, FIFOs) */
    uint64_t pages_version;    /* the file's pages' version at open (<kenix/vfs.h> VFS_OPEN w6; filecache.c) */
    uint64_t size_at_open;     /* st_size at open (VFS_OPEN w3): how much of a program the cache keeps */
    struct terminal *term;     /* a reference: the object is this terminal line (tty.c), or NULL */
    bool writer;               /* counted as a writer of the file (ETXTBSY, vfs_client.c) */
    bool pos_busy;             /* the position lock (sobj_lock) */
    struct wait_queue pos_waiters;
};

/* A sobj for `cookie` on ep (reference taken), its close message addressed
 * with the current process's badge; NULL when out of memory. Preallocate it
 * before asking a server to open something, so that a cookie the server hands
 * out can always be closed again. */
struct sobj *sobj_alloc(struct endpoint *ep);
/* Tells the server (IO_CLOSE, one way) and frees the sobj. */
void sobj_close(struct sobj *o);
/* Frees a sobj the server never opened (no IO_CLOSE). */
void sobj_free_unopened(struct sobj *o);

/* One kernel-originated call to the sobj's server (its cookie is the
 * caller's business): 0 with the answer in kc, -EIO if the server is gone,
 * or ipc_kcall's other errors. */
long sobj_call(struct sobj *o, struct kcall *kc);
/* The answer's w0 as a result: an errno, or a count no larger than `asked`;
 * anything else is a protocol violation (-EIO, said once). */
long sobj_result(const struct sobj *o, const struct kcall *kc, uint64_t asked);

/* An IO_IOCTL call on f's object (its sobj is f->priv): in_len bytes of the
 * argument copied from the caller's pointer `arg` and sent, out_len bytes
 * of answer copied back there (exactly that many, or -EIO), or with `value`
 * the argument itself in w2. in_copy (may be NULL) gets what was sent, for a
 * caller that mirrors it (TCSETS's TOSTOP). At most SOBJ_IOCTL_MAX bytes each. */
#define SOBJ_IOCTL_MAX 64
long sobj_ioctl_call(struct file *f, unsigned cmd, uint64_t arg, uint8_t in_len, uint8_t out_len, bool value,
                     void *in_copy);

/* The position lock of a seekable description (Linux's f_pos_lock): held
 * across a call that uses and moves the offset. Interruptible. */
int sobj_pos_lock(struct sobj *o);
void sobj_pos_unlock(struct sobj *o);

/* Data paths for server objects: seekable (regular files) or streams. */
extern const struct file_ops sobj_seekable_ops;
extern const struct file_ops sobj_stream_ops;

#endif
