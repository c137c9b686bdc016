/*
 * Saved replies and cancelled calls (POSIX-DESIGN R3.2, R3.3).
 *
 * kx_reply_save turns the call a server received last into a reply object,
 * so the server can hold the caller (a read that waits for data) while it
 * serves others. When a signal is going to be acted on in a caller's process,
 * the caller's wait is not simply ended -- the server may have consumed input
 * or produced output for it, and only the server knows:
 *
 *   - a call still queued on the endpoint is taken off and fails with
 *     -ERESTARTSYS (wait.c; no server ever saw it);
 *   - a call the server holds implicitly (processing it now) is marked
 *     (thread.ipc.cancel) and keeps waiting: the answer is imminent. If the
 *     server saves it instead, the reply starts out cancelled;
 *   - a call held in a saved reply is cancelled: the reply is marked, put on
 *     the cancel list of the process that saved it, and the notification bound
 *     to the endpoint the call came through gets KX_NOTE_CANCEL. The server
 *     asks kx_reply_cancelled for the handles and answers each: -EINTR if
 *     nothing moved, or the partial count. The caller waits for that answer,
 *     so nothing is lost; an answer racing the cancel simply wins.
 *
 * A signal that will end the process (signal_kills: SIGKILL, a default action
 * that terminates) detaches the caller at once instead -- the reply lets go,
 * the late answer is accepted and dropped -- and the server is still told,
 * so a hung server never makes a process unkillable.
 *
 * Ownership: a reply object lives as long as a handle names it; it holds a
 * reference to its endpoint. It sits on its owner's `saved` list from the save
 * until it is destroyed or the owner exits, and on the owner's cancel list at
 * most once (from the cancel until reported, answered, closed, or the owner
 * exits), so a server that never asks costs nothing beyond its own handles.
 * All of it is protected by ipc_lock.
 */
#include "ipc.h"

#include "kenix/errno.h"
#include "handle.h"
#include "process.h"
#include "syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

static void saved_link(struct process *p, struct reply_obj *r)
{
    r->owner = p;
    r->saved_prev = 0;
    r->saved_next = p->replies.saved;
    if (r->saved_next)
        r->saved_next->saved_prev = r;
    p->replies.saved = r;
}

static void saved_unlink(struct reply_obj *r)
{
    struct process *p = r->owner;
    if (r->saved_prev)
        r->saved_prev->saved_next = r->saved_next;
    else
        p->replies.saved = r->saved_next;
    if (r->saved_next)
        r->saved_next->saved_prev = r->saved_prev;
    r->saved_prev = r->saved_next = 0;
}

static void cancel_unlink(struct reply_obj *r)
{
    if (!r->listed)
        return;
    struct reply_lists *l = &r->owner->replies;
    if (r->cancel_prev)
        r->cancel_prev->cancel_next = r->cancel_next;
    else
        l->cancel_head = r->cancel_next;
    if (r->cancel_next)
        r->cancel_next->cancel_prev = r->cancel_prev;
    else
        l->cancel_tail = r->cancel_prev;
    r->cancel_prev = r->cancel_next = 0;
    r->listed = false;
}

/* Tells the server behind ep (if it bound a notification) to look at its cancel list. */
static void note_cancel(struct endpoint *ep)
{
    if (ep && ep->bound)
        notification_signal_locked(ep->bound, KX_NOTE_CANCEL);
}

void reply_cancel(struct reply_obj *r)
{
    spin_assert_held(&ipc_lock);
    if (r->cancelled)
        return; /* a second signal: the server has been told once, that is enough */
    r->cancelled = true;
    if (r->owner) {
        struct reply_lists *l = &r->owner->replies;
        r->cancel_next = 0;
        r->cancel_prev = l->cancel_tail;
        if (l->cancel_tail)
            l->cancel_tail->cancel_next = r;
        else
            l->cancel_head = r;
        l->cancel_tail = r;
        r->listed = true;
    }
    note_cancel(r->ep);
}

long ipc_dropped_result(const struct thread *caller)
{
    return caller->ipc.cancel ? -ERESTARTSYS : -EPIPE;
}

bool ipc_interrupt_caller(struct thread *t, bool fatal)
{
    spin_assert_held(&ipc_lock);
    struct reply_obj *r = t->ipc.saved_by;
    struct thread *server = t->ipc.server;
    if (!r && !server)
        return false; /* answered, not yet running: the answer wins */
    if (!fatal) {
        t->ipc.cancel = true;
        if (r)
            reply_cancel(r);
        return false; /* it waits for the server's answer, which says what happened */
    }
    if (r) {
        r->caller = 0;
        r->detached = true;
        t->ipc.saved_by = 0;
        reply_cancel(r); /* so the server frees what it keeps for the call */
    } else if (server->ipc.caller == t) {
        server->ipc.caller = 0;
        server->ipc.caller_detached = true;
        note_cancel(t->ipc.ep); /* its answer (imminent) will be dropped; kx_reply returns 0 */
    }
    t->ipc.server = 0;
    return true;
}

long sys_kx_reply_save(struct trap_frame *f)
{
    (void)f;
    struct thread *self = current_thread();
    if (!self->ipc.caller)
        return -EINVAL; /* none, or gone already (killed: the answer would be dropped; a one-way post) */
    struct reply_obj *r = kzalloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    kobject_init(&r->obj, KX_OBJ_REPLY);
    int h = handle_install(&self->proc->handles, &r->obj, KX_RIGHT_WRITE | KX_RIGHT_TRANSFER, 0, 0);
    if (h > 0) {
        irqflags_t flags = spin_lock_irqsave(&ipc_lock);
        saved_link(self->proc, r);
        r->handle = (uint64_t)h;
        struct thread *c = self->ipc.caller;
        r->caller = c;
        if (c) {
            c->ipc.saved_by = r;
            self->ipc.caller = 0;
            /* The caller pins its endpoint while it waits; the reply keeps its own. */
            r->ep = (struct endpoint *)kobject_get(&c->ipc.ep->obj);
            if (c->ipc.cancel)
                reply_cancel(r); /* a signal came while the server had it implicitly */
        } else {
            /* Killed during the save (the allocation may let a signal in):
             * the handle's answer will be dropped; the server learns it from
             * kx_reply_cancelled like any other cancel. */
            r->detached = true;
            self->ipc.caller_detached = false;
            reply_cancel(r);
        }
        spin_unlock_irqrestore(&ipc_lock, flags);
    }
    kobject_put(&r->obj);
    return h;
}

void reply_destroy(struct kobject *o)
{
    struct reply_obj *r = (struct reply_obj *)o;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    struct thread *c = r->caller;
    if (c) {
        c->ipc.saved_by = 0;
        c->ipc.server = 0;
        wait_wake(c, ipc_dropped_result(c)); /* the server dropped the call unanswered */
    }
    if (r->owner) {
        cancel_unlink(r);
        saved_unlink(r);
    }
    struct endpoint *ep = r->ep;
    spin_unlock_irqrestore(&ipc_lock, flags);
    if (ep)
        kobject_put(&ep->obj);
    kfree(r);
}

void ipc_process_exit(struct process *p)
{
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    struct reply_obj *r;
    while ((r = p->replies.saved)) {
        cancel_unlink(r);
        saved_unlink(r);
        r->owner = 0;
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
}

/* r's handle number in p (its own thread's table: nothing else changes it
 * while we look), or 0 if p no longer holds it (sent away). The number
 * kx_reply_save returned is checked first; a search only if that moved. */
static uint64_t handle_in(struct process *p, struct reply_obj *r)
{
    struct handle_table *t = &p->handles;
    if (r->handle && r->handle <= t->cap && t->slots[r->handle - 1].obj == &r->obj)
        return r->handle;
    for (unsigned i = 0; i < t->cap; i++) {
        if (t->slots[i].obj == &r->obj) {
            r->handle = i + 1;
            return r->handle;
        }
    }
    return 0;
}

/* kx_reply_cancelled(out, n) -> how many reply handles were stored in out[]:
 * the saved replies of this process that were cancelled since it last asked,
 * oldest first, each reported once. A cancelled reply whose handle the process
 * no longer holds is dropped from the list unreported. If out[] is bad,
 * nothing is taken off the list (-EFAULT, or the count stored before it). */
long sys_kx_reply_cancelled(struct trap_frame *f)
{
    struct process *p = current_process();
    uint64_t out = f->x[0], n = f->x[1];
    long got = 0;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    while ((uint64_t)got < n && p->replies.cancel_head) {
        struct reply_obj *r = p->replies.cancel_head;
        uint64_t h = handle_in(p, r);
        if (h) {
            kx_handle_t v = (kx_handle_t)h;
            int err = copy_to_user(p->vm, out + (uint64_t)got * sizeof(v), &v, sizeof(v));
            if (err) {
                if (!got)
                    got = err;
                break;
            }
            got++;
        }
        cancel_unlink(r);
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
    return got;
}
