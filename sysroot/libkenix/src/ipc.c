/* The IPC traps: a message travels in x1-x7, x9-x11 both ways (<kenix/ipc.h>). */
#include <kenix/kx.h>

static long ipc_trap(long nr, long h, struct kx_msg *m, struct kx_xfer *x, uint64_t *badge)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = h;
    register uint64_t x1 __asm__("x1") = (m->label & 0xffffffffu) | (m->label & KX_MSG_MOVE_HANDLES) |
                                         (x ? KX_MSG_XFER : 0);
    register uint64_t x2 __asm__("x2") = m->w[0];
    register uint64_t x3 __asm__("x3") = m->w[1];
    register uint64_t x4 __asm__("x4") = m->w[2];
    register uint64_t x5 __asm__("x5") = m->w[3];
    register uint64_t x6 __asm__("x6") = m->w[4];
    register uint64_t x7 __asm__("x7") = m->w[5];
    register uint64_t x9 __asm__("x9") = m->w[6];
    register uint64_t x10 __asm__("x10") = m->w[7];
    register uint64_t x11 __asm__("x11") = (uint64_t)(uintptr_t)x;
    __asm__ volatile("svc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7), "+r"(x9),
                       "+r"(x10), "+r"(x11)
                     : "r"(x8)
                     : "memory");
    if (x0 < 0)
        return x0; /* the message is unchanged */
    m->label = x1;
    m->w[0] = x2;
    m->w[1] = x3;
    m->w[2] = x4;
    m->w[3] = x5;
    m->w[4] = x6;
    m->w[5] = x7;
    m->w[6] = x9;
    m->w[7] = x10;
    if (badge)
        *badge = x11;
    return x0;
}

long kx_call(kx_handle_t ep, struct kx_msg *msg, struct kx_xfer *xfer)
{
    return ipc_trap(KX_SYS_call, ep, msg, xfer, 0);
}

long kx_recv(kx_handle_t ep, struct kx_msg *msg, struct kx_xfer *xfer, uint64_t *badge)
{
    return ipc_trap(KX_SYS_recv, ep, msg, xfer, badge);
}

long kx_reply(kx_handle_t reply, struct kx_msg *msg, struct kx_xfer *xfer)
{
    return ipc_trap(KX_SYS_reply, reply, msg, xfer, 0);
}

long kx_reply_recv(kx_handle_t ep, struct kx_msg *msg, struct kx_xfer *xfer, uint64_t *badge)
{
    return ipc_trap(KX_SYS_reply_recv, ep, msg, xfer, badge);
}

static long notify_trap(long nr, kx_handle_t n, uint64_t *bits)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = n;
    register uint64_t x1 __asm__("x1") = 0;
    __asm__ volatile("svc #0" : "+r"(x0), "+r"(x1) : "r"(x8) : "memory");
    if (x0 == 0 && bits)
        *bits = x1;
    return x0;
}

long kx_notify_wait(kx_handle_t n, uint64_t *bits)
{
    return notify_trap(KX_SYS_notify_wait, n, bits);
}

long kx_notify_poll(kx_handle_t n, uint64_t *bits)
{
    return notify_trap(KX_SYS_notify_poll, n, bits);
}
