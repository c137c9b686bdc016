/*
 * Wrappers for the Kenix-native system calls (<kenix/syscall.h>), with the
 * argument and message conventions of <kenix/ipc.h>. Every function returns
 * the kernel's raw result: >= 0 on success, -errno on failure (errno is not
 * touched: servers may run without a C library).
 */
#ifndef KENIX_KX_H
#define KENIX_KX_H

#include <stddef.h>
#include <stdint.h>

#include <kenix/io.h>
#include <kenix/ipc.h>
#include <kenix/syscall.h>
#include <kenix/trap.h>
#include <kenix/sysinfo.h>
#include <kenix/tty.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline long kx_nop(void) { return kenix_trap0(KX_SYS_nop); }

/* Handles. */
static inline long kx_handle_close(kx_handle_t h) { return kenix_trap1(KX_SYS_handle_close, h); }
static inline long kx_handle_dup(kx_handle_t h, uint32_t rights) { return kenix_trap2(KX_SYS_handle_dup, h, rights); }
static inline long kx_handle_info(kx_handle_t h, struct kx_handle_info *info)
{
    return kenix_trap2(KX_SYS_handle_info, h, (long)info);
}

/* Endpoints. */
static inline long kx_endpoint_create(void) { return kenix_trap0(KX_SYS_endpoint_create); }
/* A new handle to the same endpoint that delivers `badge` (non-zero) to the receiver. */
static inline long kx_endpoint_mint(kx_handle_t ep, uint32_t rights, uint64_t badge)
{
    return kenix_trap3(KX_SYS_endpoint_mint, ep, rights, (long)badge);
}
/* Receivers on ep also get n's bits, as a message with KX_MSG_NOTIFY set. */
static inline long kx_endpoint_bind(kx_handle_t ep, kx_handle_t n) { return kenix_trap2(KX_SYS_endpoint_bind, ep, n); }

/*
 * IPC. `msg` is sent and replaced by the message received (label | flags in
 * msg->label); `xfer` (may be NULL) adds bulk bytes and handles both ways.
 * kx_recv/kx_reply_recv store the sender's badge in *badge (may be NULL).
 * `flags` adds KX_MSG_MOVE_HANDLES.
 */
long kx_call(kx_handle_t ep, struct kx_msg *msg, struct kx_xfer *xfer);
long kx_recv(kx_handle_t ep, struct kx_msg *msg, struct kx_xfer *xfer, uint64_t *badge);
/* Answers the call received last (reply == 0) or a saved one (a reply handle, consumed). */
long kx_reply(kx_handle_t reply, struct kx_msg *msg, struct kx_xfer *xfer);
long kx_reply_recv(kx_handle_t ep, struct kx_msg *msg, struct kx_xfer *xfer, uint64_t *badge);
/* Sets the call received last aside: returns a reply handle for kx_reply. */
static inline long kx_reply_save(void) { return kenix_trap0(KX_SYS_reply_save); }
/* The saved replies of this process whose callers a signal cancelled since it
 * last asked (KX_NOTE_CANCEL on the endpoint's bound notification says when
 * to ask): stores up to n handles in out[], oldest first, each once; returns
 * how many. Answer each: -EINTR if nothing moved for it, else the count. */
static inline long kx_reply_cancelled(kx_handle_t out[], size_t n)
{
    return kenix_trap2(KX_SYS_reply_cancelled, (long)out, (long)n);
}

/* Notifications. Wait and poll return 0 and store the bits taken in *bits. */
static inline long kx_notify_create(void) { return kenix_trap0(KX_SYS_notify_create); }
static inline long kx_notify_signal(kx_handle_t n, uint64_t bits) { return kenix_trap2(KX_SYS_notify_signal, n, (long)bits); }
long kx_notify_wait(kx_handle_t n, uint64_t *bits);
long kx_notify_poll(kx_handle_t n, uint64_t *bits);

/* Memory objects and device regions. kx_mem_map returns the address mapped. */
static inline long kx_mem_create(uint64_t size, uint32_t flags) { return kenix_trap2(KX_SYS_mem_create, (long)size, flags); }
static inline long kx_mem_map(kx_handle_t m, uint64_t offset, uint64_t len, uint32_t prot)
{
    return kenix_trap4(KX_SYS_mem_map, m, (long)offset, (long)len, prot);
}
static inline long kx_mem_phys(kx_handle_t m) { return kenix_trap1(KX_SYS_mem_phys, m); }

/* IRQs. */
static inline long kx_irq_bind(kx_handle_t irq, kx_handle_t n, uint64_t bits)
{
    return kenix_trap3(KX_SYS_irq_bind, irq, n, (long)bits);
}
static inline long kx_irq_ack(kx_handle_t irq) { return kenix_trap1(KX_SYS_irq_ack, irq); }

/* Processes. argv and envp are NULL-terminated (either may be NULL). */
static inline long kx_process_create(const char *name, const void *elf, size_t len, char *const argv[],
                                     char *const envp[])
{
    return kenix_trap5(KX_SYS_process_create, (long)name, (long)elf, (long)len, (long)argv, (long)envp);
}
/* Gives the process a copy of h with `rights` (& h's) at handle number `slot` (0: any); returns it. */
static inline long kx_process_give(kx_handle_t proc, kx_handle_t h, uint32_t rights, int slot)
{
    return kenix_trap4(KX_SYS_process_give, proc, h, rights, slot);
}
static inline long kx_process_start(kx_handle_t proc) { return kenix_trap1(KX_SYS_process_start, proc); }
/* A server the caller made and has not started leaves the POSIX family: no
 * parent, no SIGCHLD or zombie, out of kill(-1)'s reach (needs WRITE). */
static inline long kx_process_detach(kx_handle_t proc) { return kenix_trap1(KX_SYS_process_detach, proc); }
/* Blocks until the process exits; returns its wait status (as waitpid
 * reports it). The process's parent collects it as wait4 would. */
static inline long kx_process_wait(kx_handle_t proc) { return kenix_trap1(KX_SYS_process_wait, proc); }
/* Before it starts, gives the process a copy of our file descriptor fd as its
 * descriptor `target` (replacing what is there: a new process has the kernel
 * log on 0, 1 and 2); returns target. */
static inline long kx_process_give_fd(kx_handle_t proc, int fd, int target)
{
    return kenix_trap3(KX_SYS_process_give_fd, proc, fd, target);
}

/*
 * A server's access to a caller it holds (reply == 0: the call received
 * last; else a saved reply handle) while the caller waits: copy from the
 * caller's bulk send buffer, or into its receive buffer, at `offset`.
 * Returns the bytes copied (0 past the end) or -errno. (QNX MsgRead/MsgWrite.)
 */
static inline long kx_msg_read(kx_handle_t reply, uint64_t offset, void *buf, size_t len)
{
    return kenix_trap4(KX_SYS_msg_read, reply, (long)offset, (long)buf, (long)len);
}
static inline long kx_msg_write(kx_handle_t reply, uint64_t offset, const void *buf, size_t len)
{
    return kenix_trap4(KX_SYS_msg_write, reply, (long)offset, (long)buf, (long)len);
}

/* A file descriptor for object `cookie` of the server behind ep (needs the
 * endpoint's send and receive rights): reads and writes on it reach the
 * server as the IO protocol (<kenix/io.h>). flags: O_ACCMODE, O_NONBLOCK,
 * O_APPEND, O_CLOEXEC, KX_FD_SEEKABLE. Returns the fd or -errno. */
static inline long kx_fd_attach(kx_handle_t ep, uint64_t cookie, uint32_t flags)
{
    return kenix_trap3(KX_SYS_fd_attach, ep, (long)cookie, flags);
}
/* The same, with `event` (0: none; else an event handle with READ) as the
 * object's readiness: ppoll and pselect6 on the descriptor read the event's
 * word in the kernel. Without one the object is always readable and writable. */
static inline long kx_fd_attach_event(kx_handle_t ep, uint64_t cookie, uint32_t flags, kx_handle_t event)
{
    if (!event)
        return kx_fd_attach(ep, cookie, flags);
    return kenix_trap4(KX_SYS_fd_attach, ep, (long)cookie, (long)(flags | KX_FD_EVENT), event);
}

/* Events: a level-triggered readiness word (KX_EVENT_* bits, Linux's POLL*
 * numbers) for one of a server's objects. kx_event_create returns a handle
 * with every right but SEND/RECV/EXEC; kx_event_update (needs WRITE) clears
 * `clear`, then sets `set`, wakes pollers watching a bit that rose, never
 * blocks, and returns the new word. */
static inline long kx_event_create(void) { return kenix_trap0(KX_SYS_event_create); }

static inline long kx_event_update(kx_handle_t ev, uint32_t clear, uint32_t set)
{
    return kenix_trap3(KX_SYS_event_update, ev, clear, set);
}

/* Terminals (<kenix/tty.h>): a terminal server's line, whose session the kernel keeps. */
static inline long kx_term_create(kx_handle_t ep, uint64_t cookie, kx_handle_t event)
{
    return kenix_trap3(KX_SYS_term_create, ep, (long)cookie, event);
}
static inline long kx_term_register(kx_handle_t term, uint64_t rdev)
{
    return kenix_trap2(KX_SYS_term_register, term, (long)rdev);
}
static inline long kx_term_signal(kx_handle_t term, int sig, unsigned how)
{
    return kenix_trap3(KX_SYS_term_signal, term, sig, (long)how);
}

/* Read-only system information (<kenix/sysinfo.h>): bytes written or -errno. */
static inline long kx_sysinfo(kx_handle_t h, unsigned what, uint64_t arg, void *buf, size_t len)
{
    return kenix_trap5(KX_SYS_sysinfo, h, what, (long)arg, (long)buf, (long)len);
}

/* The kernel trace buffer (<kenix/trace.h>), root only: op KX_TRACE_*. */
static inline long kx_trace(unsigned op, uint64_t arg, void *buf, size_t len)
{
    return kenix_trap4(KX_SYS_trace, op, (long)arg, (long)buf, (long)len);
}

/* Process 1 only, once: the kernel sends path system calls to the server
 * behind ep (needs SEND), as VFS protocol requests (<kenix/vfs.h>). */
static inline long kx_posix_attach(kx_handle_t ep, uint32_t what) { return kenix_trap2(KX_SYS_posix_attach, ep, what); }

/*
 * A server's receive loop. The handler gets each message (msg, and bulk and
 * handles through xfer) with the sender's badge, fills msg with the answer
 * and returns KX_SERVE_REPLY; or returns KX_SERVE_DEFER after kx_reply_save
 * to answer later, or KX_SERVE_STOP to leave the loop (nothing is answered).
 * xfer may be NULL; otherwise its recv/recv_cap/recv_handles_cap must be set
 * and its send part is reset before each handler call.
 */
enum { KX_SERVE_REPLY = 0, KX_SERVE_DEFER = 1, KX_SERVE_STOP = 2 };
typedef int (*kx_serve_fn)(void *ctx, uint64_t badge, struct kx_msg *msg, struct kx_xfer *xfer);
/* Returns 0 after KX_SERVE_STOP, or the first error from the kernel. */
long kx_serve(kx_handle_t ep, kx_serve_fn handler, void *ctx, struct kx_xfer *xfer);

/* The boot info the kernel gave init (NULL in any other process). */
const struct kx_bootinfo *kx_bootinfo(void);

#ifdef __cplusplus
}
#endif

#endif
