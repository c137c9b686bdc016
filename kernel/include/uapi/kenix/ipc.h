/*
 * The Kenix-native ABI: handles, rights, object types, and the IPC message
 * layout. Shared by the kernel and user space (installed as <kenix/ipc.h>).
 *
 * Handles. A handle is a small positive integer naming a kernel object in the
 * calling process's handle table, with rights. 0 is never a valid handle.
 * Errors (negative results): -EBADF no such handle, -EINVAL the handle names
 * the wrong kind of object, -EPERM the handle lacks a right the call needs,
 * -EFAULT a bad pointer, -ENOMEM/-ENOSPC out of memory/handle slots.
 *
 * Messages. Every IPC call passes a message in registers:
 *     x0  handle (in) / status (out: 0 or -errno)
 *     x1  label in bits 0-31, KX_MSG_* flags in bits 32-63
 *     x2-x7, x9, x10   words w[0]..w[7]
 *     x11 (in) struct kx_xfer * when KX_MSG_XFER is set; (out, receive) badge
 *     x8  the system call number
 * A register-only message touches no memory. With KX_MSG_XFER, the struct
 * kx_xfer names bulk bytes and handles to send and room to receive them; the
 * kernel copies bulk bytes straight from the sender's buffer into the
 * receiver's, at most recv_cap bytes (the rest is dropped and
 * KX_MSG_TRUNCATED is set in the receiver's flags).
 */
#ifndef KENIX_UAPI_IPC_H
#define KENIX_UAPI_IPC_H

#include <stdint.h>

typedef int32_t kx_handle_t;

/* A process holds at most this many handles (numbers 1..KX_HANDLES_MAX). */
#define KX_HANDLES_MAX 4096

/* Bit 63 of a badge marks a call the kernel makes on a process's behalf
 * (read/write on a server's object): kx_endpoint_mint refuses it, so a
 * server can trust it. The low bits carry the process's pid. */
#define KX_BADGE_KERNEL (1ull << 63)

/* Bit 63 of a notification bound to an endpoint (kx_endpoint_bind): the
 * kernel sets it when a signal cancels a call a server holds in a saved
 * reply. The server asks kx_reply_cancelled which ones and answers each
 * (docs/ipc-protocols.md, "Cancelled calls"). A hint: the list is the truth. */
#define KX_NOTE_CANCEL (1ull << 63)

/* Object types (kx_handle_info.type). */
enum kx_object_type {
    KX_OBJ_ENDPOINT = 1,
    KX_OBJ_NOTIFICATION = 2,
    KX_OBJ_MEMORY = 3,
    KX_OBJ_IRQ = 4,
    KX_OBJ_DEVICE = 5, /* a device's MMIO registers */
    KX_OBJ_PROCESS = 6,
    KX_OBJ_REPLY = 7,  /* a saved caller, answered with kx_reply */
    KX_OBJ_EVENT = 8,  /* a readiness word a server keeps for one of its objects */
    KX_OBJ_TERMINAL = 9, /* a terminal line a server keeps; the kernel keeps its session (<kenix/tty.h>) */
    KX_OBJ_SYSINFO = 10, /* read-only system information for procfs (<kenix/sysinfo.h>) */
};

/* Rights. A duplicate can have fewer rights than its source, never more. */
#define KX_RIGHT_DUP (1u << 0)      /* may be duplicated or minted */
#define KX_RIGHT_TRANSFER (1u << 1) /* may travel in a message or be given to a process */
#define KX_RIGHT_READ (1u << 2)     /* memory: map readable; notification: wait; process: wait; event: attach to an fd;
                                     * sysinfo: query */
#define KX_RIGHT_WRITE (1u << 3)    /* memory: map writable; notification: signal; irq: bind/ack; process: give/start; event: update;
                                     * terminal: signal, register */
#define KX_RIGHT_EXEC (1u << 4)     /* memory: map executable */
#define KX_RIGHT_SEND (1u << 5)     /* endpoint: call */
#define KX_RIGHT_RECV (1u << 6)     /* endpoint: recv, bind a notification */
#define KX_RIGHTS_ALL 0x7fu

struct kx_handle_info {
    uint32_t type;   /* enum kx_object_type */
    uint32_t rights;
    uint64_t badge;  /* endpoints: the badge minted into this handle */
    uint64_t size;   /* memory and device objects: bytes; process objects: the pid */
};

/* Message flags (x1 bits 32-63). */
#define KX_MSG_XFER (1ull << 32)              /* in: x11 points to a struct kx_xfer */
#define KX_MSG_MOVE_HANDLES (1ull << 33)      /* in: sent handles leave the sender */
#define KX_MSG_TRUNCATED (1ull << 40)         /* out: bulk bytes were dropped */
#define KX_MSG_HANDLES_DROPPED (1ull << 41)   /* out: handles did not fit and stayed with the sender */
#define KX_MSG_NOTIFY (1ull << 42)            /* out: recv woke for the bound notification, w[0] = bits */
#define KX_MSG_LABEL(x1) ((uint32_t)(x1))

#define KX_MSG_WORDS 8
#define KX_XFER_MAX_HANDLES 4
#define KX_BULK_MAX (1u << 20) /* per message */

struct kx_xfer {
    const void *send;           /* bulk bytes to send */
    uint64_t send_len;
    void *recv;                 /* room for bulk bytes received */
    uint64_t recv_cap;
    uint64_t recv_len;          /* out: bytes received */
    uint32_t send_handles_n;    /* handles to send, at most KX_XFER_MAX_HANDLES */
    uint32_t recv_handles_cap;  /* room in recv_handles */
    uint32_t recv_handles_n;    /* out: handles received */
    uint32_t flags_out;         /* out: KX_XFER_* of a receive */
    kx_handle_t send_handles[KX_XFER_MAX_HANDLES];
    kx_handle_t recv_handles[KX_XFER_MAX_HANDLES];
};

/* kx_xfer.flags_out of a receive (kx_recv, kx_reply_recv) with an xfer: an
 * answer to the implicit reply (kx_reply(0, ...) or the answer half of
 * kx_reply_recv) went nowhere since the last such receive -- a fatal signal
 * detached its caller while the server held the call, or it answered a
 * one-way kernel post. What the answer handed over (an object opened for the
 * caller) is the server's to undo. */
#define KX_XFER_ANSWER_DROPPED 1u

/* A message as libkenix passes it around. */
struct kx_msg {
    uint64_t label;             /* label | KX_MSG_* flags, as in x1 */
    uint64_t w[KX_MSG_WORDS];
};

/*
 * Events (KX_OBJ_EVENT): a level-triggered readiness word, for servers whose
 * objects can be polled (a tty, later a socket). The server sets and clears
 * bits with kx_event_update(h, clear, set) as its object's state changes --
 * before it answers the operation that changed it -- and attaches the event to
 * the descriptor (kx_fd_attach with KX_FD_EVENT); ppoll and pselect6 then read
 * the word in the kernel, with no message to the server. The bits are Linux's
 * poll bits (POLLIN ...); POLLIN also reports POLLRDNORM and POLLOUT
 * POLLWRNORM to pollers, as Linux's drivers do.
 */
#define KX_EVENT_IN 0x0001u     /* POLLIN: a read would not block */
#define KX_EVENT_PRI 0x0002u    /* POLLPRI: exceptional condition (pselect6's third set) */
#define KX_EVENT_OUT 0x0004u    /* POLLOUT: a write would not block */
#define KX_EVENT_ERR 0x0008u    /* POLLERR: an error is pending (always reported) */
#define KX_EVENT_HUP 0x0010u    /* POLLHUP: the other side is gone (always reported) */
#define KX_EVENT_RDHUP 0x2000u  /* POLLRDHUP: the peer shut its writing half */
#define KX_EVENT_ALL 0x201fu

/* kx_mem_create flags. */
#define KX_MEM_CONTIGUOUS (1u << 0) /* physically contiguous, for DMA (kx_mem_phys) */

/* kx_mem_map protection (a subset of what the handle's rights allow). */
#define KX_PROT_READ 1u
#define KX_PROT_WRITE 2u
#define KX_PROT_EXEC 4u

/*
 * Handles a program started by init finds in its table (kx_process_give
 * slots): every program gets the initrd, read-only, to start programs from
 * it; a driver also gets its device's registers and interrupt.
 */
#define KX_SLOT_INITRD 1
#define KX_SLOT_DEVICE 2
#define KX_SLOT_DEVICE_IRQ 3
/* A server's own endpoint, with the receive right: the vfs gets the endpoint
 * init attaches to the kernel (kx_posix_attach) here, and serves on it. */
#define KX_SLOT_SERVER_ENDPOINT 4
/* The system-information capability (<kenix/sysinfo.h>): the vfs's procfs. */
#define KX_SLOT_SYSINFO 5

/*
 * What the kernel gives /init: an auxv entry AT_KENIX_BOOTINFO holds the
 * address of a read-only struct kx_bootinfo, listing the handles init starts
 * with (the initrd as a memory object, the console UART and each virtio-mmio
 * device as a device region plus its IRQ).
 */
#define AT_KENIX_BOOTINFO 0x4b580001ul
#define KX_BOOTINFO_MAGIC 0x4b454e49u /* "KENI" */
#define KX_BOOTINFO_MAX 32

struct kx_boot_handle {
    kx_handle_t handle;
    uint32_t type;        /* enum kx_object_type */
    uint64_t base;        /* physical address (device, initrd) */
    uint64_t size;
    uint32_t irq;         /* IRQ objects: the interrupt number */
    uint32_t device_id;   /* virtio device id for virtio-mmio devices */
    char name[32];        /* "initrd", "virtio-mmio@a003e00", "irq@a003e00" */
};

/* kx_boot_handle.device_id of the console UART (an ARM PL011), its
 * registers and its interrupt: not a virtio id (those stay below 0x10000). */
#define KX_DEVICE_PL011 0x10011u

struct kx_bootinfo {
    uint32_t magic;
    uint32_t count;
    struct kx_boot_handle handles[KX_BOOTINFO_MAX];
};

#endif
