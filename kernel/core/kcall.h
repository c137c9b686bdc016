/*
 * Kernel-originated IPC: the kernel calls a server on behalf of the current
 * thread (POSIX-DESIGN R1.2) -- read(2) on an object a server provides
 * becomes an IO_READ call whose receive buffer is the user's own buffer, so
 * the data is copied once, from the server straight into place.
 *
 * The message lives in a struct kcall in kernel memory (not in the caller's
 * user registers, which the system call must preserve); its buffers are
 * (address space, address) pairs -- the caller's space for read/write
 * buffers, or NULL for kernel memory. The server sees an ordinary call whose
 * badge is KX_BADGE_KERNEL | the caller's pid, and answers it as any other:
 * with kx_reply/kx_reply_recv (register words and bulk), after reading or
 * writing the caller's buffers in place with kx_msg_read/kx_msg_write if it
 * wants. The caller blocks in WAIT_IPC_REPLY like a user caller: signals
 * (cancelling the call, R3.2), the server's death and saved replies all work
 * the same.
 */
#ifndef KENIX_CORE_KCALL_H
#define KENIX_CORE_KCALL_H

#include <stdint.h>

#include "kenix/ipc.h"

struct vmspace;
struct endpoint;

/* Bytes in an address space (vm) or in kernel memory (vm == NULL). */
struct ipc_buf {
    struct vmspace *vm;
    uint64_t addr;
    uint64_t len;      /* bytes to send, or room to receive */
};

struct kcall {
    struct kx_msg msg;        /* in: label (no flags) and words; out: the answer's */
    struct ipc_buf send;      /* what the server may receive or kx_msg_read */
    struct ipc_buf recv;      /* where its answer's bulk and kx_msg_write land */
    uint64_t recv_len;        /* out: bytes that arrived in recv */
    bool cancelled;           /* out: a signal cancelled the call while a server held it; the
                               * answer is the server's (-EINTR if nothing moved, R3.4) */
    /* IO_MAP: the answer's bulk (in kernel memory) is a list of page
     * addresses in the server's own space; as it arrives each non-zero one
     * is replaced by the frame mapped there, with a reference taken for the
     * caller (writable pages only if map_write). A bad one makes map_error
     * -EFAULT and leaves no reference behind. */
    bool map_frames, map_write;
    int map_error;
};

/* Calls ep with badge KX_BADGE_KERNEL | pid: 0 with the answer in kc, or
 * -EPIPE (no server can ever answer, or it went away), -ERESTARTSYS (a
 * signal before a server received it, or a cancelled call the server dropped
 * unanswered), -EINTR (a fatal signal detached it). A signal once a server
 * holds the call cancels it and the call goes on until the server answers
 * (kc->cancelled). Blocks; call with no lock held. */
long ipc_kcall(struct endpoint *ep, struct kcall *kc);

/*
 * A one-way message for a server, which never blocks its sender: closing a
 * file must not wait for the server (IO_CLOSE). The message is the caller's
 * to allocate and is given to the endpoint, which frees it once delivered
 * (or when the endpoint goes). Never fails.
 */
struct kpost {
    struct kpost *next;
    uint64_t badge;
    struct kx_msg msg;
};
void ipc_post(struct endpoint *ep, struct kpost *m);

#endif
