/*
 * Endpoints: synchronous rendezvous between a caller and a server.
 *
 * kx_call sends a message and waits for the answer in one trap; kx_recv waits
 * for a call; kx_reply answers it; kx_reply_recv answers and waits for the
 * next in one trap. A server answers the call it received last through its
 * implicit reply slot (thread.ipc.caller), or sets it aside with
 * kx_reply_save to hold several callers and answer each later (reply.c,
 * which also has what a signal does to a caller a server holds).
 *
 * A message lives in the sender's saved user registers until a receiver is
 * there; the kernel then copies the registers into the receiver's frame, and
 * bulk bytes and handles, if any, straight between the two processes.
 */
#include "ipc.h"

#include <stddef.h>

#include "kcall.h"
#include "kenix/errno.h"
#include "kenix/string.h"
#include "handle.h"
#include "process.h"
#include "sched.h"
#include "syscall.h"
#include "trace.h"
#include "../arch/aarch64/sysreg.h"
#include "../mm/frames.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"
#include "../posix/signal.h"

struct spinlock ipc_lock = SPINLOCK_INIT("ipc");

/* A native call ended by a signal says -EINTR: native calls are not restarted. */
static long native_result(long r)
{
    return r == -ERESTARTSYS ? -EINTR : r;
}

/* The registers holding message words w[0]..w[7] (x8 is the call number). */
static const uint8_t word_reg[KX_MSG_WORDS] = { 2, 3, 4, 5, 6, 7, 9, 10 };

/* Label and words from one frame to another: straight-line, it is the fast path. */
static inline __attribute__((always_inline)) void copy_message(struct trap_frame *df, const struct trap_frame *sf,
                                                               uint64_t flags)
{
    df->x[1] = (uint32_t)sf->x[1] | flags;
    df->x[2] = sf->x[2];
    df->x[3] = sf->x[3];
    df->x[4] = sf->x[4];
    df->x[5] = sf->x[5];
    df->x[6] = sf->x[6];
    df->x[7] = sf->x[7];
    df->x[9] = sf->x[9];
    df->x[10] = sf->x[10];
}

/* Copies the message descriptor of the current call in, if the caller gave one. */
static int load_xfer(struct thread *self, const struct trap_frame *f)
{
    self->ipc.xfer_uptr = 0;
    self->ipc.move_handles = false;
    self->ipc.recv_written = 0;
    if (!(f->x[1] & KX_MSG_XFER))
        return 0;
    struct kx_xfer *x = &self->ipc.xfer;
    int err = copy_from_user(self->proc->vm, x, f->x[11], sizeof(*x));
    if (err)
        return err;
    if (x->send_handles_n > KX_XFER_MAX_HANDLES || x->send_len > KX_BULK_MAX)
        return -EINVAL;
    if (x->recv_handles_cap > KX_XFER_MAX_HANDLES)
        x->recv_handles_cap = KX_XFER_MAX_HANDLES;
    self->ipc.xfer_uptr = f->x[11];
    self->ipc.move_handles = (f->x[1] & KX_MSG_MOVE_HANDLES) != 0;
    return 0;
}

/* Tells the receiver what arrived besides registers (its struct kx_xfer). */
static int write_xfer_results(struct thread *dst, uint64_t len, const kx_handle_t *handles, uint32_t n)
{
    if (!dst->ipc.xfer_uptr)
        return 0;
    struct vmspace *vs = dst->proc->vm;
    uint64_t base = dst->ipc.xfer_uptr;
    int err = copy_to_user(vs, base + offsetof(struct kx_xfer, recv_len), &len, sizeof(len));
    if (!err)
        err = copy_to_user(vs, base + offsetof(struct kx_xfer, recv_handles_n), &n, sizeof(n));
    /* A dropped answer is told to the server at a receive, not to the same
     * thread getting the answer of a call of its own. Only set, never cleared
     * here: the common case costs no copy. */
    if (!err && dst->ipc.answer_dropped && dst->wait.reason != WAIT_IPC_REPLY) {
        const uint32_t dropped = KX_XFER_ANSWER_DROPPED;
        err = copy_to_user(vs, base + offsetof(struct kx_xfer, flags_out), &dropped, sizeof(dropped));
        if (!err)
            dst->ipc.answer_dropped = false;
    }
    if (!err && n)
        err = copy_to_user(vs, base + offsetof(struct kx_xfer, recv_handles), handles, n * sizeof(*handles));
    return err;
}

/* --- buffers of either kind: user (vm, address) or kernel (vm NULL) --------------------- */

/* Copies n bytes from s at soff to d at doff; on failure *dst_fault says which side. */
static int ipc_copy(struct ipc_buf d, uint64_t doff, struct ipc_buf s, uint64_t soff, uint64_t n, bool *dst_fault)
{
    *dst_fault = false;
    if (!n)
        return 0;
    uint64_t dst = d.addr + doff, src = s.addr + soff;
    if (d.vm && s.vm)
        return copy_user_to_user(d.vm, dst, s.vm, src, n, dst_fault);
    if (d.vm) {
        int err = copy_to_user(d.vm, dst, (const void *)(uintptr_t)src, n);
        *dst_fault = err != 0;
        return err;
    }
    if (s.vm)
        return copy_from_user(s.vm, (void *)(uintptr_t)dst, src, n);
    memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
    return 0;
}

/* What a caller (user or kernel) sends and has room to receive. */
static struct ipc_buf send_buf(const struct thread *t)
{
    if (t->ipc.kcall)
        return t->ipc.kcall->send;
    if (t->ipc.xfer_uptr)
        return (struct ipc_buf){ t->proc->vm, (uint64_t)(uintptr_t)t->ipc.xfer.send, t->ipc.xfer.send_len };
    return (struct ipc_buf){ 0, 0, 0 };
}

static struct ipc_buf recv_buf(const struct thread *t)
{
    if (t->ipc.kcall)
        return t->ipc.kcall->recv;
    if (t->ipc.xfer_uptr)
        return (struct ipc_buf){ t->proc->vm, (uint64_t)(uintptr_t)t->ipc.xfer.recv, t->ipc.xfer.recv_cap };
    return (struct ipc_buf){ 0, 0, 0 };
}

/* Bulk bytes and handles from src to dst; adds KX_MSG_* flags to *flags. */
static int transfer_extra(struct thread *src, struct thread *dst, uint64_t *flags, bool *dst_fault)
{
    const struct kx_xfer *sx = &src->ipc.xfer;
    const struct kx_xfer *dx = dst->ipc.xfer_uptr ? &dst->ipc.xfer : 0;
    uint64_t len = sx->send_len, cap = dx ? dx->recv_cap : 0;
    if (len > cap) {
        *flags |= KX_MSG_TRUNCATED;
        len = cap;
    }
    int err = ipc_copy(recv_buf(dst), 0, send_buf(src), 0, len, dst_fault);
    if (err)
        return err;
    /* Check every handle before moving any, so a bad one changes nothing. A
     * handle named twice would arrive twice: a copy made without KX_RIGHT_DUP. */
    struct handle sent[KX_XFER_MAX_HANDLES];
    for (uint32_t i = 0; i < sx->send_handles_n; i++) {
        for (uint32_t j = 0; j < i; j++) {
            if (sx->send_handles[j] == sx->send_handles[i]) {
                *dst_fault = false;
                return -EINVAL;
            }
        }
        struct handle *h;
        int err = handle_get(&src->proc->handles, sx->send_handles[i], 0, KX_RIGHT_TRANSFER, &h);
        if (err) {
            *dst_fault = false;
            return err;
        }
        sent[i] = *h;
    }
    kx_handle_t got[KX_XFER_MAX_HANDLES];
    uint32_t ngot = 0, room = dx ? dx->recv_handles_cap : 0;
    bool moved[KX_XFER_MAX_HANDLES] = { false };
    for (uint32_t i = 0; i < sx->send_handles_n; i++) {
        int h = ngot < room ? handle_install(&dst->proc->handles, sent[i].obj, sent[i].rights, sent[i].badge, 0)
                            : -ENOSPC;
        if (h < 0) {
            *flags |= KX_MSG_HANDLES_DROPPED;
            continue;
        }
        got[ngot++] = h;
        moved[i] = true;
    }
    uint64_t arrived = len > dst->ipc.recv_written ? len : dst->ipc.recv_written;
    err = write_xfer_results(dst, arrived, got, ngot);
    if (err) {
        for (uint32_t i = 0; i < ngot; i++)
            handle_close(&dst->proc->handles, got[i]);
        *dst_fault = true;
        return err;
    }
    if (src->ipc.move_handles)
        for (uint32_t i = 0; i < sx->send_handles_n; i++)
            if (moved[i])
                handle_close(&src->proc->handles, sx->send_handles[i]);
    return 0;
}

/* An IO_MAP answer: the server's page addresses become frames (kcall.h).
 * The server is the current thread, answering: its space is its own. */
static void resolve_frames(struct thread *server, struct kcall *kc)
{
    uint64_t *page = (uint64_t *)(uintptr_t)kc->recv.addr;
    uint64_t n = kc->recv_len / sizeof(uint64_t);
    if (vmspace_frames_at(server->proc->vm, page, n, kc->map_write, page)) {
        memset(page, 0, n * sizeof(uint64_t));
        kc->map_error = -EFAULT;
    }
}

/* transfer() when a kernel-originated call is one side: to a server from a
 * kcall, or a server's answer to one. Handles never travel to the kernel:
 * they stay with the server (KX_MSG_HANDLES_DROPPED). */
static int transfer_kcall(struct thread *src, struct thread *dst, uint64_t badge, bool *dst_fault)
{
    uint64_t flags = 0;
    if (src->ipc.kcall) {
        struct kcall *kc = src->ipc.kcall;
        struct ipc_buf room = recv_buf(dst);
        uint64_t len = kc->send.len;
        if (len > room.len) {
            flags |= KX_MSG_TRUNCATED;
            len = room.len;
        }
        /* A fault on the caller's side (a write(2) from a bad buffer) is the
         * caller's: it gets -EFAULT and the server never sees the call. */
        int err = ipc_copy(room, 0, kc->send, 0, len, dst_fault);
        if (err)
            return err;
        err = write_xfer_results(dst, len, 0, 0);
        if (err) {
            *dst_fault = true;
            return err;
        }
        struct trap_frame *df = thread_user_frame(dst);
        df->x[1] = (uint32_t)kc->msg.label | flags;
        for (unsigned i = 0; i < KX_MSG_WORDS; i++)
            df->x[word_reg[i]] = kc->msg.w[i];
        df->x[11] = badge;
        return 0;
    }
    struct kcall *kc = dst->ipc.kcall;
    struct ipc_buf out = send_buf(src);
    uint64_t len = out.len;
    if (len > kc->recv.len) {
        flags |= KX_MSG_TRUNCATED;
        len = kc->recv.len;
    }
    if (src->ipc.xfer_uptr && src->ipc.xfer.send_handles_n)
        flags |= KX_MSG_HANDLES_DROPPED;
    int err = ipc_copy(kc->recv, 0, out, 0, len, dst_fault);
    if (err)
        return err;
    kc->recv_len = len > dst->ipc.recv_written ? len : dst->ipc.recv_written;
    if (kc->map_frames)
        resolve_frames(src, kc);
    const struct trap_frame *sf = thread_user_frame(src);
    kc->msg.label = (uint32_t)sf->x[1] | flags;
    for (unsigned i = 0; i < KX_MSG_WORDS; i++)
        kc->msg.w[i] = sf->x[word_reg[i]];
    return 0;
}

/* transfer() when either side has a descriptor: bulk bytes, handles, results. */
static __attribute__((noinline)) int transfer_descriptors(struct thread *src, struct thread *dst, uint64_t badge,
                                                           bool *dst_fault)
{
    if (src->ipc.kcall || dst->ipc.kcall)
        return transfer_kcall(src, dst, badge, dst_fault);
    struct trap_frame *sf = thread_user_frame(src), *df = thread_user_frame(dst);
    uint64_t flags = 0;
    if (src->ipc.xfer_uptr) {
        int err = transfer_extra(src, dst, &flags, dst_fault);
        if (err)
            return err;
    } else {
        int err = write_xfer_results(dst, dst->ipc.recv_written, 0, 0);
        if (err) {
            *dst_fault = true;
            return err;
        }
    }
    copy_message(df, sf, flags);
    df->x[11] = badge;
    return 0;
}

/*
 * Copies src's message into dst's saved registers (and bulk/handles). On an
 * error, *dst_fault says whose it is: the receiver's buffer or the sender's.
 * Neither side's state changes on error, except bytes already in dst's buffer.
 */
static inline int transfer(struct thread *src, struct thread *dst, uint64_t badge, bool *dst_fault)
{
    *dst_fault = false;
    if (trace_enabled())
        trace_emit(KX_TRACE_IPC, src->proc ? src->proc->pid : 0, dst->proc ? dst->proc->pid : 0,
                   src->ipc.kcall ? src->ipc.kcall->msg.label : (uint32_t)thread_user_frame(src)->x[1]);
    if (src->ipc.xfer_uptr | dst->ipc.xfer_uptr | (uintptr_t)src->ipc.kcall | (uintptr_t)dst->ipc.kcall)
        return transfer_descriptors(src, dst, badge, dst_fault);
    copy_message(thread_user_frame(dst), thread_user_frame(src), 0); /* registers only */
    thread_user_frame(dst)->x[11] = badge;
    return 0;
}

void ipc_deliver_notification(struct thread *t, struct notification *n)
{
    struct trap_frame *f = thread_user_frame(t);
    f->x[1] = KX_MSG_NOTIFY;
    for (unsigned i = 0; i < KX_MSG_WORDS; i++)
        f->x[word_reg[i]] = 0;
    f->x[2] = n->bits;
    f->x[11] = 0;
    n->bits = 0;
    write_xfer_results(t, 0, 0, 0); /* a bad descriptor here only loses the zeros */
}

/* A server that receives again without answering abandons its caller. */
static void abandon_caller(struct thread *self)
{
    struct thread *c = self->ipc.caller;
    if (c) {
        c->ipc.server = 0;
        wait_wake(c, ipc_dropped_result(c));
        self->ipc.caller = 0;
    }
    self->ipc.caller_detached = false;
}

/* A one-way kernel message to a receiver: nobody waits for the answer, so
 * one is accepted and dropped (as for a caller killed meanwhile). */
static void deliver_post(struct thread *r, struct kpost *m)
{
    struct trap_frame *f = thread_user_frame(r);
    f->x[1] = (uint32_t)m->msg.label;
    for (unsigned i = 0; i < KX_MSG_WORDS; i++)
        f->x[word_reg[i]] = m->msg.w[i];
    f->x[11] = m->badge;
    write_xfer_results(r, 0, 0, 0);
    r->ipc.caller = 0;
    r->ipc.caller_detached = true;
    r->ipc.holds_post = true;
    kfree(m);
}

void ipc_post(struct endpoint *ep, struct kpost *m)
{
    m->next = 0;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    struct thread *r = wait_queue_first(&ep->receivers);
    if (!ep->recv_handles) {
        kfree(m); /* nobody will ever receive it */
    } else if (r) {
        abandon_caller(r);
        deliver_post(r, m);
        wait_wake(r, 0);
    } else {
        if (ep->posts)
            ep->posts_tail->next = m;
        else
            ep->posts = m;
        ep->posts_tail = m;
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
}

void ipc_thread_exit(struct thread *t)
{
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    abandon_caller(t);
    spin_unlock_irqrestore(&ipc_lock, flags);
}

/* c, queued as a sender, has been received by self: it now waits for self's answer. */
static void now_held_by(struct thread *c, struct thread *self)
{
    wait_queue_remove(c);
    c->wait.reason = WAIT_IPC_REPLY;
    c->ipc.server = self;
    self->ipc.caller = c;
    self->ipc.holds_post = false;
}

/* Takes the next call or pending notification bits, or blocks for them.
 * `answered` (or NULL) is a caller just answered and ready to run: it gets
 * the CPU if we block, or joins the run queue if we do not. */
static long receive(struct thread *self, struct endpoint *ep, struct thread *answered)
{
    abandon_caller(self);
    long result = 0;
    if (ep->bound && ep->bound->bits) {
        ipc_deliver_notification(self, ep->bound);
        goto done;
    }
    if (ep->posts) {
        struct kpost *m = ep->posts;
        ep->posts = m->next;
        deliver_post(self, m);
        goto done;
    }
    struct thread *c;
    while ((c = wait_queue_first(&ep->senders))) {
        bool dst_fault;
        int err = transfer(c, self, c->ipc.badge, &dst_fault);
        if (err && dst_fault) {
            result = err; /* our buffer is bad: the caller stays queued */
            goto done;
        }
        if (err) {
            wait_wake(c, err); /* the caller's message is bad: it gets the error */
            continue;
        }
        now_held_by(c, self);
        goto done;
    }
    return wait_sleep(&ipc_lock, &ep->receivers, WAIT_IPC_RECV, 0, WAIT_INTERRUPTIBLE, answered);
done:
    if (answered)
        sched_wake(answered);
    return result;
}

/* Answers `caller` with the current thread's message and makes it ready to
 * run (not yet runnable). Returns the server's error, if any. */
static long answer(struct thread *self, struct thread *caller)
{
    bool dst_fault;
    int err = transfer(self, caller, 0, &dst_fault);
    if (err && !dst_fault)
        return err; /* the caller keeps waiting; the server may try again */
    if (caller->ipc.saved_by) {
        caller->ipc.saved_by->caller = 0;
        caller->ipc.saved_by = 0;
    }
    caller->ipc.server = 0;
    wait_ready(caller, err);
    return 0;
}

static struct endpoint *endpoint_of(struct handle *h)
{
    return (struct endpoint *)h->obj;
}

long sys_kx_endpoint_create(struct trap_frame *f)
{
    (void)f;
    struct endpoint *ep = kzalloc(sizeof(*ep));
    if (!ep)
        return -ENOMEM;
    kobject_init(&ep->obj, KX_OBJ_ENDPOINT);
    int h = handle_install(&current_process()->handles, &ep->obj, KX_RIGHTS_ALL, 0, 0);
    kobject_put(&ep->obj);
    return h;
}

void endpoint_destroy(struct kobject *o)
{
    struct endpoint *ep = (struct endpoint *)o;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    /* Every blocked thread holds a handle, so the queues are empty here. */
    wait_wake_all(&ep->senders, -EPIPE);
    wait_wake_all(&ep->receivers, -EPIPE);
    while (ep->posts) {
        struct kpost *m = ep->posts;
        ep->posts = m->next;
        kfree(m);
    }
    struct notification *n = ep->bound;
    if (n)
        n->bound = 0;
    spin_unlock_irqrestore(&ipc_lock, flags);
    if (n)
        kobject_put(&n->obj);
    kfree(ep);
}

/* Atomic, without ipc_lock: handles are installed while IPC transfers hold
 * it. The count only reaches 0 by closing a process's last receive handle,
 * never inside a transfer (a moved handle arrives before it leaves), and 0 is
 * final: a handle comes only from another handle. */
void endpoint_recv_handles(struct kobject *o, int delta)
{
    struct endpoint *ep = (struct endpoint *)o;
    if (__atomic_add_fetch(&ep->recv_handles, (unsigned)delta, __ATOMIC_ACQ_REL) != 0)
        return;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    wait_wake_all(&ep->senders, -EPIPE); /* nobody can ever receive them */
    /* Nor wait on its notification through it: the binding goes, so a dead
     * server's notification (and the interrupts bound to it) is freed once
     * its own handles are, and a restarted server can bind them again --
     * even while terminals or open files keep the endpoint itself. */
    struct notification *n = ep->bound;
    if (n) {
        n->bound = 0;
        ep->bound = 0;
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
    if (n)
        kobject_put(&n->obj);
}

long sys_kx_endpoint_mint(struct trap_frame *f)
{
    struct handle_table *ht = &current_process()->handles;
    struct handle *h;
    int err = handle_get(ht, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_DUP, &h);
    if (err)
        return err;
    if (h->badge || !f->x[2] || (f->x[2] & KX_BADGE_KERNEL))
        return -EINVAL; /* a badge is set once, 0 means "no badge", bit 63 marks the kernel's calls */
    return handle_install(ht, h->obj, h->rights & (uint32_t)f->x[1], f->x[2], 0);
}

long sys_kx_endpoint_bind(struct trap_frame *f)
{
    struct handle_table *ht = &current_process()->handles;
    struct handle *eh, *nh;
    int err = handle_get(ht, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_RECV, &eh);
    if (!err)
        err = handle_get(ht, f->x[1], KX_OBJ_NOTIFICATION, KX_RIGHT_READ, &nh);
    if (err)
        return err;
    struct endpoint *ep = endpoint_of(eh);
    struct notification *n = (struct notification *)nh->obj;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    if (ep->bound || n->bound) {
        spin_unlock_irqrestore(&ipc_lock, flags);
        return -EBUSY;
    }
    ep->bound = n;
    n->bound = ep;
    kobject_get(&n->obj);
    spin_unlock_irqrestore(&ipc_lock, flags);
    return 0;
}

/* The call itself, once the caller's message and badge are set: ipc_lock held.
 * Returns the answer's status, or -EPIPE, or -ERESTARTSYS for a signal. */
static long call_locked(struct thread *self, struct endpoint *ep)
{
    self->ipc.ep = ep;
    self->ipc.cancel = false;
    for (;;) {
        /* Checked first: once a server holds the call, only its answer (or a
         * detach) may end the wait. */
        if (signal_pending(self))
            return -ERESTARTSYS;
        struct thread *r = wait_queue_first(&ep->receivers);
        if (!r) {
            if (!ep->recv_handles)
                return -EPIPE; /* nobody can ever receive it */
            return wait_sleep(&ipc_lock, &ep->senders, WAIT_IPC_SEND, 0, WAIT_INTERRUPTIBLE, 0);
        }
        bool dst_fault;
        int err = transfer(self, r, self->ipc.badge, &dst_fault);
        if (err && !dst_fault)
            return err;
        if (err) {
            wait_wake(r, err);
            continue;
        }
        wait_ready(r, 0);
        r->ipc.caller = self;
        r->ipc.holds_post = false;
        self->ipc.server = r;
        return wait_sleep(&ipc_lock, 0, WAIT_IPC_REPLY, 0, WAIT_INTERRUPTIBLE, r); /* until the answer */
    }
}

long sys_kx_call(struct trap_frame *f)
{
    struct thread *self = current_thread();
    struct handle *h;
    int err = handle_get(&self->proc->handles, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_SEND, &h);
    if (!err)
        err = load_xfer(self, f);
    if (err)
        return err;
    struct endpoint *ep = endpoint_of(h);
    self->ipc.badge = h->badge;
    /* Our handle may leave with this very message (KX_MSG_MOVE_HANDLES):
     * the endpoint must outlive the call, a saved reply takes it from us. */
    kobject_get(&ep->obj);
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    long result = call_locked(self, ep);
    self->ipc.ep = 0;
    spin_unlock_irqrestore(&ipc_lock, flags);
    kobject_put(&ep->obj);
    return native_result(result);
}

long ipc_kcall(struct endpoint *ep, struct kcall *kc)
{
    struct thread *self = current_thread();
    self->ipc.kcall = kc;
    self->ipc.xfer_uptr = 0;
    self->ipc.move_handles = false;
    self->ipc.recv_written = 0;
    self->ipc.badge = KX_BADGE_KERNEL | self->proc->pid;
    kc->recv_len = 0;
    kobject_get(&ep->obj);
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    long result = call_locked(self, ep);
    kc->cancelled = self->ipc.cancel;
    self->ipc.kcall = 0;
    self->ipc.ep = 0;
    spin_unlock_irqrestore(&ipc_lock, flags);
    kobject_put(&ep->obj);
    return result;
}

long sys_kx_reply(struct trap_frame *f)
{
    struct thread *self = current_thread();
    uint64_t target = f->x[0];
    struct reply_obj *robj = 0;
    if (target) {
        struct handle *h;
        int err = handle_get(&self->proc->handles, target, KX_OBJ_REPLY, KX_RIGHT_WRITE, &h);
        if (err)
            return err;
        robj = (struct reply_obj *)h->obj;
    }
    int err = load_xfer(self, f);
    if (err)
        return err;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    struct thread *caller = robj ? robj->caller : self->ipc.caller;
    long result;
    bool consumed = false;
    if (!caller) {
        /* A caller killed while we held it: the answer has nowhere to go and
         * that is not the server's fault. Otherwise there is nothing to answer. */
        bool detached = robj ? robj->detached : self->ipc.caller_detached;
        result = detached ? 0 : robj ? -EPIPE : -EINVAL;
        consumed = detached;
        if (!robj) {
            self->ipc.answer_dropped |= detached && !self->ipc.holds_post; /* told at the next receive
                                                                           * (a saved reply: the cancel list) */
            self->ipc.caller_detached = false;
        }
    } else {
        result = answer(self, caller);
        if (!result) {
            sched_wake(caller);
            consumed = true;
            if (!robj)
                self->ipc.caller = 0;
        }
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
    if (robj && consumed)
        handle_close(&self->proc->handles, target); /* a reply handle answers once */
    return result;
}

/* kx_recv, and kx_reply_recv (`answer_first`: answer the call received last, then receive). */
static long recv_call(struct trap_frame *f, bool answer_first)
{
    struct thread *self = current_thread();
    struct handle *h;
    int err = handle_get(&self->proc->handles, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_RECV, &h);
    if (!err)
        err = load_xfer(self, f);
    if (err)
        return err;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    long result = 0;
    struct thread *answered = answer_first ? self->ipc.caller : 0;
    if (answered) {
        result = answer(self, answered);
        if (!result)
            self->ipc.caller = 0;
    } else if (answer_first && self->ipc.caller_detached) {
        self->ipc.answer_dropped |= !self->ipc.holds_post; /* its caller was killed: reported by this receive */
        self->ipc.caller_detached = false;
    }
    if (!result)
        result = receive(self, endpoint_of(h), answered);
    spin_unlock_irqrestore(&ipc_lock, flags);
    return native_result(result);
}

long sys_kx_recv(struct trap_frame *f)
{
    return recv_call(f, false);
}

long sys_kx_reply_recv(struct trap_frame *f)
{
    return recv_call(f, true);
}

/* The caller a server holds: its implicit one (reply == 0) or a saved one. ipc_lock held. */
static long held_caller(struct thread *self, uint64_t reply, struct thread **out)
{
    if (!reply) {
        *out = self->ipc.caller;
        return *out ? 0 : -EINVAL;
    }
    struct handle *h;
    int err = handle_get(&self->proc->handles, reply, KX_OBJ_REPLY, KX_RIGHT_WRITE, &h);
    if (err)
        return err;
    *out = ((struct reply_obj *)h->obj)->caller;
    return *out ? 0 : -EPIPE;
}

/* kx_msg_read(reply, offset, buf, len) / kx_msg_write(reply, offset, buf, len):
 * the server copies from the held caller's send buffer, or into its receive
 * buffer, at offset, while it waits; returns the bytes copied (0 past the end). */
static long msg_copy(struct trap_frame *f, bool write)
{
    struct thread *self = current_thread();
    uint64_t off = f->x[1], len = f->x[3];
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    struct thread *c;
    long r = held_caller(self, f->x[0], &c);
    if (!r) {
        struct ipc_buf theirs = write ? recv_buf(c) : send_buf(c);
        uint64_t n = off < theirs.len ? theirs.len - off : 0;
        if (n > len)
            n = len;
        struct ipc_buf mine = { self->proc->vm, f->x[2], n };
        bool dst_fault;
        r = write ? ipc_copy(theirs, off, mine, 0, n, &dst_fault) : ipc_copy(mine, 0, theirs, off, n, &dst_fault);
        if (!r) {
            if (write && off + n > c->ipc.recv_written)
                c->ipc.recv_written = off + n;
            r = (long)n;
        }
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
    return r;
}

long sys_kx_msg_read(struct trap_frame *f)
{
    return msg_copy(f, false);
}

long sys_kx_msg_write(struct trap_frame *f)
{
    return msg_copy(f, true);
}

/*
 * The fast path for the two calls of a register-only round trip, taken from
 * el0_sync with interrupts still masked: kx_call to an endpoint where a
 * server waits, and kx_reply_recv answering a caller when no other call is
 * queued. It does what sys_kx_call / sys_kx_reply_recv would do, minus the
 * generic layers; anything unusual (a descriptor, no partner waiting, a more
 * urgent thread runnable, pending notification bits) returns false and the
 * ordinary path runs. Returns true with x0 set once this thread runs again.
 */
int ipc_fastpath(struct trap_frame *f)
{
    if (f->x[1] & ~(uint64_t)0xffffffffu)
        return IPC_FAST_NO; /* KX_MSG_XFER or other flags */
    struct thread *self = current_thread();
    if (signal_pending(self))
        return IPC_FAST_NO;
    struct handle *h;
    struct thread *partner;
    spin_lock(&ipc_lock);
    if (f->x[8] == KX_SYS_call) {
        if (handle_get(&self->proc->handles, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_SEND, &h))
            goto slow;
        struct endpoint *ep = endpoint_of(h);
        partner = wait_queue_first(&ep->receivers);
        if (!partner || partner->ipc.xfer_uptr || !sched_handoff_allowed(partner))
            goto slow;
        wait_queue_remove(partner);
        TRACE(KX_TRACE_IPC, self->proc->pid, partner->proc ? partner->proc->pid : 0, (uint32_t)f->x[1]);
        copy_message(thread_user_frame(partner), f, 0);
        thread_user_frame(partner)->x[11] = h->badge;
        partner->ipc.caller = self;
        partner->ipc.holds_post = false;
        self->ipc.server = partner;
        self->ipc.badge = h->badge;
        self->ipc.ep = ep; /* pinned by our handle: no descriptor, so nothing moves it */
        self->ipc.cancel = false;
        self->wait.reason = WAIT_IPC_REPLY;
    } else if (f->x[8] == KX_SYS_reply_recv) {
        partner = self->ipc.caller;
        if (!partner || partner->ipc.xfer_uptr || partner->ipc.kcall ||
            handle_get(&self->proc->handles, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_RECV, &h))
            goto slow;
        struct endpoint *ep = endpoint_of(h);
        if (!wait_queue_empty(&ep->senders) || (ep->bound && ep->bound->bits) || !sched_handoff_allowed(partner))
            goto slow;
        TRACE(KX_TRACE_IPC, self->proc->pid, partner->proc ? partner->proc->pid : 0, (uint32_t)f->x[1]);
        copy_message(thread_user_frame(partner), f, 0);
        thread_user_frame(partner)->x[11] = 0;
        partner->ipc.server = 0;
        self->ipc.caller = 0;
        self->ipc.caller_detached = false;
        wait_queue_push(&ep->receivers, self);
        self->wait.reason = WAIT_IPC_RECV;
    } else {
        goto slow;
    }
    /* What wait_sleep would record, so a signal or a dying partner finds us. */
    self->ipc.xfer_uptr = 0;
    self->ipc.move_handles = false;
    self->wait.lock = &ipc_lock;
    self->wait.flags = WAIT_INTERRUPTIBLE;
    self->wait.result = 0;
    partner->wait.result = 0;
    self->state = THREAD_BLOCKED;
    spin_unlock(&ipc_lock);
    sched_handoff_now(partner);
    self->wait.reason = WAIT_NONE;
    self->wait.lock = 0;
    f->x[0] = (uint64_t)native_result(self->wait.result);
    /* Running again: straight back to user mode unless work became due meanwhile. */
    return sched_resched_pending || signal_pending(self) ? IPC_FAST_DONE_WORK : IPC_FAST_DONE;
slow:
    spin_unlock(&ipc_lock);
    return IPC_FAST_NO;
}
