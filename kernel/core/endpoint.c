/*
 * Endpoints: synchronous rendezvous between a caller and a server.
 *
 * kx_call sends a message and waits for the answer in one trap; kx_recv waits
 * for a call; kx_reply answers it; kx_reply_recv answers and waits for the
 * next in one trap. A server answers the call it received last through its
 * implicit reply slot (thread.ipc.caller), or sets it aside with
 * kx_reply_save to hold several callers and answer each later.
 *
 * A message lives in the sender's saved user registers until a receiver is
 * there; the kernel then copies the registers into the receiver's frame, and
 * bulk bytes and handles, if any, straight between the two processes.
 */
#include "ipc.h"

#include <stddef.h>

#include "kenix/errno.h"
#include "kenix/string.h"
#include "handle.h"
#include "process.h"
#include "sched.h"
#include "syscall.h"
#include "../arch/aarch64/sysreg.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

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

void thread_queue_push(struct thread_queue *q, struct thread *t)
{
    t->ipc.qnext = 0;
    if (q->tail)
        q->tail->ipc.qnext = t;
    else
        q->head = t;
    q->tail = t;
}

struct thread *thread_queue_pop(struct thread_queue *q)
{
    struct thread *t = q->head;
    if (t) {
        q->head = t->ipc.qnext;
        if (!q->head)
            q->tail = 0;
        t->ipc.qnext = 0;
    }
    return t;
}

/* Records the result a blocked thread will return with; it is not runnable yet. */
static void ipc_ready(struct thread *t, long result)
{
    t->ipc.result = result;
}

/* Blocks the current thread (already on the queue it waits in); `next` (made
 * ready by ipc_ready, or NULL) gets the CPU directly: the rendezvous skips the
 * run queue. */
static long ipc_block_to(struct thread *next)
{
    struct thread *self = current_thread();
    self->state = THREAD_BLOCKED;
    if (next)
        sched_handoff(next);
    else
        schedule();
    return self->ipc.result;
}

long ipc_block(void)
{
    return ipc_block_to(0);
}

void ipc_wake(struct thread *t, long result)
{
    ipc_ready(t, result);
    sched_wake(t);
}

/* Copies the message descriptor of the current call in, if the caller gave one. */
static int load_xfer(struct thread *self, const struct trap_frame *f)
{
    self->ipc.xfer_uptr = 0;
    self->ipc.move_handles = false;
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
    if (!err)
        err = copy_to_user(vs, base + offsetof(struct kx_xfer, recv_handles), handles, n * sizeof(*handles));
    return err;
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
    if (len) {
        int err = copy_user_to_user(dst->proc->vm, (uint64_t)(uintptr_t)dx->recv, src->proc->vm,
                                    (uint64_t)(uintptr_t)sx->send, len, dst_fault);
        if (err)
            return err;
    }
    /* Check every handle before moving any, so a bad one changes nothing. */
    struct handle sent[KX_XFER_MAX_HANDLES];
    for (uint32_t i = 0; i < sx->send_handles_n; i++) {
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
    int err = write_xfer_results(dst, len, got, ngot);
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

/* transfer() when either side has a descriptor: bulk bytes, handles, results. */
static __attribute__((noinline)) int transfer_descriptors(struct thread *src, struct thread *dst, uint64_t badge,
                                                           bool *dst_fault)
{
    struct trap_frame *sf = thread_user_frame(src), *df = thread_user_frame(dst);
    uint64_t flags = 0;
    if (src->ipc.xfer_uptr) {
        int err = transfer_extra(src, dst, &flags, dst_fault);
        if (err)
            return err;
    } else {
        int err = write_xfer_results(dst, 0, 0, 0);
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
    if (src->ipc.xfer_uptr | dst->ipc.xfer_uptr)
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
    if (self->ipc.caller) {
        ipc_wake(self->ipc.caller, -EPIPE);
        self->ipc.caller = 0;
    }
}

void ipc_thread_exit(struct thread *t)
{
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    abandon_caller(t);
    write_sysreg(daif, daif);
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
    struct thread *c;
    while ((c = ep->senders.head)) {
        bool dst_fault;
        int err = transfer(c, self, c->ipc.badge, &dst_fault);
        if (err && dst_fault) {
            result = err; /* our buffer is bad: the caller stays queued */
            goto done;
        }
        thread_queue_pop(&ep->senders);
        if (err) {
            ipc_wake(c, err); /* the caller's message is bad: it gets the error */
            continue;
        }
        self->ipc.caller = c; /* c now waits for our answer */
        goto done;
    }
    thread_queue_push(&ep->receivers, self);
    return ipc_block_to(answered);
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
    ipc_ready(caller, err);
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
    /* Every blocked thread holds a handle, so the queues are empty here. */
    struct thread *t;
    while ((t = thread_queue_pop(&ep->senders)))
        ipc_wake(t, -EPIPE);
    while ((t = thread_queue_pop(&ep->receivers)))
        ipc_wake(t, -EPIPE);
    if (ep->bound) {
        ep->bound->bound = 0;
        kobject_put(&ep->bound->obj);
    }
    kfree(ep);
}

long sys_kx_endpoint_mint(struct trap_frame *f)
{
    struct handle_table *ht = &current_process()->handles;
    struct handle *h;
    int err = handle_get(ht, (int)f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_DUP, &h);
    if (err)
        return err;
    if (h->badge || !f->x[2])
        return -EINVAL; /* a badge is set once, and 0 means "no badge" */
    return handle_install(ht, h->obj, h->rights & (uint32_t)f->x[1], f->x[2], 0);
}

long sys_kx_endpoint_bind(struct trap_frame *f)
{
    struct handle_table *ht = &current_process()->handles;
    struct handle *eh, *nh;
    int err = handle_get(ht, (int)f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_RECV, &eh);
    if (!err)
        err = handle_get(ht, (int)f->x[1], KX_OBJ_NOTIFICATION, KX_RIGHT_READ, &nh);
    if (err)
        return err;
    struct endpoint *ep = endpoint_of(eh);
    struct notification *n = (struct notification *)nh->obj;
    if (ep->bound || n->bound)
        return -EBUSY;
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    ep->bound = n;
    n->bound = ep;
    kobject_get(&n->obj);
    write_sysreg(daif, daif);
    return 0;
}

long sys_kx_call(struct trap_frame *f)
{
    struct thread *self = current_thread();
    struct handle *h;
    int err = handle_get(&self->proc->handles, (int)f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_SEND, &h);
    if (!err)
        err = load_xfer(self, f);
    if (err)
        return err;
    struct endpoint *ep = endpoint_of(h);
    self->ipc.badge = h->badge;
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    long result;
    struct thread *r;
    for (;;) {
        r = ep->receivers.head;
        if (!r) {
            thread_queue_push(&ep->senders, self);
            result = ipc_block();
            break;
        }
        bool dst_fault;
        err = transfer(self, r, self->ipc.badge, &dst_fault);
        if (err && !dst_fault) {
            result = err;
            break;
        }
        thread_queue_pop(&ep->receivers);
        if (err) {
            ipc_wake(r, err);
            continue;
        }
        r->ipc.caller = self;
        ipc_ready(r, 0);
        result = ipc_block_to(r); /* until the answer */
        break;
    }
    write_sysreg(daif, daif);
    return result;
}

long sys_kx_reply(struct trap_frame *f)
{
    struct thread *self = current_thread();
    int target = (int)f->x[0];
    struct thread *caller = self->ipc.caller;
    if (target) {
        struct handle *h;
        int err = handle_get(&self->proc->handles, target, KX_OBJ_REPLY, KX_RIGHT_WRITE, &h);
        if (err)
            return err;
        caller = ((struct reply_obj *)h->obj)->caller;
        if (!caller)
            return -EPIPE; /* answered already */
    } else if (!caller) {
        return -EINVAL; /* no call to answer */
    }
    int err = load_xfer(self, f);
    if (err)
        return err;
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    long result = answer(self, caller);
    if (!result) {
        sched_wake(caller);
        if (target)
            handle_close(&self->proc->handles, target); /* a reply handle answers once */
        else
            self->ipc.caller = 0;
    }
    write_sysreg(daif, daif);
    return result;
}

/* kx_recv, and kx_reply_recv (`answer_first`: answer the call received last, then receive). */
static long recv_call(struct trap_frame *f, bool answer_first)
{
    struct thread *self = current_thread();
    struct handle *h;
    int err = handle_get(&self->proc->handles, (int)f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_RECV, &h);
    if (!err)
        err = load_xfer(self, f);
    if (err)
        return err;
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    long result = 0;
    struct thread *answered = answer_first ? self->ipc.caller : 0;
    if (answered) {
        result = answer(self, answered);
        if (!result)
            self->ipc.caller = 0;
    }
    if (!result)
        result = receive(self, endpoint_of(h), answered);
    write_sysreg(daif, daif);
    return result;
}

long sys_kx_recv(struct trap_frame *f)
{
    return recv_call(f, false);
}

long sys_kx_reply_recv(struct trap_frame *f)
{
    return recv_call(f, true);
}

long sys_kx_reply_save(struct trap_frame *f)
{
    (void)f;
    struct thread *self = current_thread();
    if (!self->ipc.caller)
        return -EINVAL;
    struct reply_obj *r = kzalloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    kobject_init(&r->obj, KX_OBJ_REPLY);
    int h = handle_install(&self->proc->handles, &r->obj, KX_RIGHT_WRITE | KX_RIGHT_TRANSFER, 0, 0);
    if (h > 0) {
        uint64_t daif = read_sysreg(daif);
        irq_disable();
        r->caller = self->ipc.caller;
        r->caller->ipc.saved_by = r;
        self->ipc.caller = 0;
        write_sysreg(daif, daif);
    }
    kobject_put(&r->obj);
    return h;
}

void reply_destroy(struct kobject *o)
{
    struct reply_obj *r = (struct reply_obj *)o;
    if (r->caller) {
        r->caller->ipc.saved_by = 0;
        ipc_wake(r->caller, -EPIPE); /* the server dropped the call unanswered */
    }
    kfree(r);
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
bool ipc_fastpath(struct trap_frame *f)
{
    if (f->x[1] & ~(uint64_t)0xffffffffu)
        return false; /* KX_MSG_XFER or other flags */
    struct thread *self = current_thread();
    struct handle *h;
    struct thread *partner;
    if (f->x[8] == KX_SYS_call) {
        if (handle_get(&self->proc->handles, (int)f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_SEND, &h))
            return false;
        struct endpoint *ep = endpoint_of(h);
        partner = ep->receivers.head;
        if (!partner || partner->ipc.xfer_uptr || !sched_handoff_allowed(partner))
            return false;
        thread_queue_pop(&ep->receivers);
        copy_message(thread_user_frame(partner), f, 0);
        thread_user_frame(partner)->x[11] = h->badge;
        partner->ipc.caller = self;
        self->ipc.badge = h->badge;
    } else if (f->x[8] == KX_SYS_reply_recv) {
        partner = self->ipc.caller;
        if (!partner || partner->ipc.xfer_uptr ||
            handle_get(&self->proc->handles, (int)f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_RECV, &h))
            return false;
        struct endpoint *ep = endpoint_of(h);
        if (ep->senders.head || (ep->bound && ep->bound->bits) || !sched_handoff_allowed(partner))
            return false;
        copy_message(thread_user_frame(partner), f, 0);
        thread_user_frame(partner)->x[11] = 0;
        self->ipc.caller = 0;
        thread_queue_push(&ep->receivers, self);
    } else {
        return false;
    }
    self->ipc.xfer_uptr = 0;
    self->ipc.move_handles = false;
    ipc_ready(partner, 0);
    self->state = THREAD_BLOCKED;
    sched_handoff_now(partner);
    f->x[0] = (uint64_t)self->ipc.result;
    return true;
}
