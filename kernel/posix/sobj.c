/*
 * Server objects: a file descriptor whose object lives in a server
 * (POSIX-DESIGN R1). Reads and writes become kernel-originated calls of the
 * IO protocol (<kenix/io.h>) whose bulk buffer is the program's own buffer:
 * the data moves once, between the server and the program. The offset stays
 * in the open file description and travels in every call; for seekable
 * objects a call holds the description's position lock (Linux's f_pos_lock),
 * so processes sharing it after fork or dup see one offset move in order.
 *
 * Readiness: a server whose object can be polled attaches an event
 * (KX_OBJ_EVENT, core/event.h) that it keeps up to date; ppoll and pselect6
 * read it in the kernel. An object without one is always ready for reading
 * and writing, like a regular file.
 *
 * Signals: a call a server holds is cancelled, not abandoned (core/reply.c);
 * the server answers -EINTR if nothing moved, which becomes -ERESTARTSYS, or
 * the count it moved, which is a short count like any other. A piece already
 * done is never undone: a signal between pieces returns what was done.
 *
 * Ownership: sobj.h.
 */
#include "sobj.h"

#include "file.h"
#include "tty.h"
#include "vfs_client.h"
#include "kenix/errno.h"
#include "kenix/io.h"
#include "kenix/string.h"
#include "kenix/vfs.h"
#include "kenix/printk.h"
#include "../core/event.h"
#include "../core/handle.h"
#include "../core/ipc.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"

/* Protects every sobj's position lock word and waiters. */
static struct spinlock sobj_lock = SPINLOCK_INIT("sobj");

struct sobj *sobj_alloc(struct endpoint *ep)
{
    struct sobj *o = kzalloc(sizeof(*o));
    struct kpost *m = o ? kzalloc(sizeof(*m)) : 0;
    if (!m) {
        kfree(o);
        return 0;
    }
    o->ep = (struct endpoint *)kobject_get(&ep->obj);
    o->close_msg = m;
    m->badge = KX_BADGE_KERNEL | current_process()->pid;
    m->msg.label = IO_CLOSE;
    return o;
}

void sobj_free_unopened(struct sobj *o)
{
    kobject_put(&o->ep->obj);
    if (o->event)
        kobject_put(&o->event->obj);
    if (o->term)
        kobject_put(&o->term->obj);
    kfree(o->close_msg);
    kfree(o);
}

void sobj_close(struct sobj *o)
{
    if (o->writer)
        fileuse_put_write(o->identity);
    o->close_msg->msg.w[0] = o->cookie;
    ipc_post(o->ep, o->close_msg);
    o->close_msg = 0;
    sobj_free_unopened(o);
}

int sobj_pos_lock(struct sobj *o)
{
    irqflags_t flags = spin_lock_irqsave(&sobj_lock);
    int err = 0;
    while (o->pos_busy && !err)
        err = (int)wait_sleep(&sobj_lock, &o->pos_waiters, WAIT_POS_LOCK, 0, WAIT_INTERRUPTIBLE, 0);
    if (!err)
        o->pos_busy = true;
    spin_unlock_irqrestore(&sobj_lock, flags);
    return err;
}

void sobj_pos_unlock(struct sobj *o)
{
    irqflags_t flags = spin_lock_irqsave(&sobj_lock);
    o->pos_busy = false;
    struct thread *t = wait_queue_first(&o->pos_waiters);
    if (t)
        wait_wake(t, 0);
    spin_unlock_irqrestore(&sobj_lock, flags);
}

long sobj_result(const struct sobj *o, const struct kcall *kc, uint64_t asked)
{
    int64_t n = (int64_t)kc->msg.w[0];
    if (n > (int64_t)asked || n < -4095) {
        static bool said;
        if (!said) {
            said = true;
            kprintf(KERN_WARNING "io: server answered %ld to a request for %lu bytes (cookie %lu): protocol violation, -EIO\n",
                    (long)n, asked, o->cookie);
        }
        return -EIO;
    }
    if (n == -EINTR && kc->cancelled)
        /* The server let a cancelled call go without doing anything (R3.4):
         * made again under SA_RESTART or when no handler runs, -EINTR
         * otherwise. */
        return -ERESTARTSYS;
    return n;
}

long sobj_call(struct sobj *o, struct kcall *kc)
{
    long r = ipc_kcall(o->ep, kc);
    return r == -EPIPE ? -EIO : r;
}

static uint64_t io_flags(const struct file *f)
{
    return (f->flags & O_NONBLOCK ? IO_F_NONBLOCK : 0) | (f->flags & O_APPEND ? IO_F_APPEND : 0) |
           (current_process()->cred.euid == 0 ? IO_F_FSETID : 0);
}

/* How much of [addr, addr + n) in vm can be read, from the start, page by
 * page: a write from a buffer whose end is bad moves what it can, as Linux. */
static uint64_t readable_prefix(struct vmspace *vm, uint64_t addr, uint64_t n)
{
    uint64_t done = 0;
    while (done < n) {
        uint8_t *page;
        if (vmspace_page(vm, addr + done, VM_READ, &page))
            break;
        done += PAGE_SIZE - ((addr + done) & (PAGE_SIZE - 1));
    }
    return done < n ? done : n;
}

/* Reads or writes the uio one piece (iovec, at most KX_BULK_MAX) per call,
 * until done or a short count, at *pos (moved on), or at the description's
 * offset under its lock when pos is NULL. */
static long sobj_io(struct file *f, struct uio *u, bool write, uint64_t *explicit_pos)
{
    struct sobj *o = f->priv;
    bool seekable = f->ops->seekable && !explicit_pos;
    if (seekable) {
        int err = sobj_pos_lock(o);
        if (err)
            return err;
    }
    uint64_t *pos = explicit_pos ? explicit_pos : &f->pos;
    uint64_t done = 0;
    long err = 0;
    while (u->resid) {
        while (u->off == u->iov[u->idx].iov_len) {
            u->idx++;
            u->off = 0;
        }
        uint64_t n = u->iov[u->idx].iov_len - u->off;
        if (n > u->resid)
            n = u->resid;
        if (n > KX_BULK_MAX)
            n = KX_BULK_MAX;
        struct ipc_buf user = { u->vm, u->iov[u->idx].iov_base + u->off, n };
        struct kcall kc = {
            .msg = { .label = write ? IO_WRITE : IO_READ, .w = { o->cookie, *pos, n, io_flags(f) } },
        };
        if (write)
            kc.send = user;
        else
            kc.recv = user;
        long r = sobj_call(o, &kc);
        if (r == -EFAULT && write && u->vm) {
            /* The caller's buffer went bad part-way: write what precedes it. */
            uint64_t ok = readable_prefix(u->vm, user.addr, n);
            if (ok) {
                n = ok;
                kc.send.len = n;
                kc.msg.w[2] = n;
                r = sobj_call(o, &kc);
            }
        }
        if (!r)
            /* A read must have delivered what it claims (bulk or kx_msg_write).
             * A cancelled call's offset has not moved, so a restarted read asks
             * for the same bytes and none is lost or doubled. */
            r = sobj_result(o, &kc, write ? n : (n < kc.recv_len ? n : kc.recv_len));
        if (r < 0) {
            err = r;
            break;
        }
        if (seekable || explicit_pos)
            *pos = write && (f->flags & O_APPEND) ? kc.msg.w[1] : *pos + (uint64_t)r;
        done += (uint64_t)r;
        u->off += (uint64_t)r;
        u->resid -= (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    }
    if (seekable)
        sobj_pos_unlock(o);
    return done ? (long)done : err;
}

static long sobj_read(struct file *f, struct uio *u)
{
    return sobj_io(f, u, false, 0);
}

static long sobj_write(struct file *f, struct uio *u)
{
    return sobj_io(f, u, true, 0);
}

/* pread/pwrite: at an offset of their own; the description's stays. */
static long sobj_pio(struct file *f, struct uio *u, uint64_t off, bool write)
{
    return sobj_io(f, u, write, &off);
}

static long sobj_size(struct file *f, uint64_t *size)
{
    struct sobj *o = f->priv;
    struct kcall kc = { .msg = { .label = IO_STAT, .w = { o->cookie } } };
    long r = sobj_call(o, &kc);
    if (!r)
        r = sobj_result(o, &kc, 0);
    if (!r)
        *size = kc.msg.w[1];
    return r;
}

long sobj_ioctl_call(struct file *f, unsigned cmd, uint64_t arg, uint8_t in_len, uint8_t out_len, bool value,
                     void *in_copy)
{
    struct sobj *o = f->priv;
    struct vmspace *vm = current_process()->vm;
    uint8_t in[SOBJ_IOCTL_MAX], out[SOBJ_IOCTL_MAX];
    if (in_len > SOBJ_IOCTL_MAX || out_len > SOBJ_IOCTL_MAX)
        return -EINVAL;
    if (in_len) {
        int err = copy_from_user(vm, in, arg, in_len);
        if (err)
            return err;
    }
    struct kcall kc = {
        .msg = { .label = IO_IOCTL,
                 .w = { o->cookie, cmd, value ? arg : 0, f->flags & O_NONBLOCK ? IO_F_NONBLOCK : 0 } },
        .send = { 0, (uint64_t)(uintptr_t)in, in_len },
        .recv = { 0, (uint64_t)(uintptr_t)out, out_len },
    };
    long r = sobj_call(o, &kc);
    if (!r)
        r = sobj_result(o, &kc, 0);
    if (r)
        return r;
    if (out_len) {
        if (kc.recv_len != out_len)
            return -EIO; /* the server broke the protocol */
        r = copy_to_user(vm, arg, out, out_len);
    }
    if (!r && in_copy)
        memcpy(in_copy, in, in_len);
    return r;
}

/* A block device node's requests, answered by the server that keeps the
 * device (the vfs's cache of it): their argument sizes, as Linux's. */
static const struct {
    unsigned cmd;
    uint8_t out;
    bool value;
} blk_ioctls[] = {
    { BLKGETSIZE64, 8, false }, { BLKSSZGET, 4, false }, { BLKGETSIZE, 8, false },
    { BLKROGET, 4, false },     { BLKFLSBUF, 0, true },
};

static long sobj_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    const struct sobj *o = f->priv;
    if (o->kind != VFS_KIND_BLK)
        return -ENOTTY;
    for (unsigned i = 0; i < sizeof(blk_ioctls) / sizeof(blk_ioctls[0]); i++)
        if (blk_ioctls[i].cmd == cmd)
            return sobj_ioctl_call(f, cmd, arg, 0, blk_ioctls[i].out, blk_ioctls[i].value, 0);
    return -ENOTTY;
}

static uint32_t sobj_poll(struct file *f, struct poll_entry *e)
{
    struct sobj *o = f->priv;
    return o->event ? event_poll(o->event, e) : DEFAULT_POLLMASK;
}

/* The sobj is also the file's node: file_put closes it. */
const struct file_ops sobj_seekable_ops = {
    .read = sobj_read, .write = sobj_write, .pio = sobj_pio, .ioctl = sobj_ioctl,
    .size = sobj_size, .poll = sobj_poll, .seekable = true,
};

const struct file_ops sobj_stream_ops = {
    .read = sobj_read, .write = sobj_write, .ioctl = sobj_ioctl,
    .poll = sobj_poll, .seekable = false,
};

#define ATTACH_FLAGS (O_ACCMODE | O_NONBLOCK | O_APPEND | O_CLOEXEC | KX_FD_SEEKABLE | KX_FD_EVENT)

/* kx_fd_attach(endpoint, cookie, flags, event) -> fd: a descriptor for the
 * object `cookie` of the server behind the endpoint. Only a holder of the
 * receive right -- the server's side -- may say which objects exist. With
 * KX_FD_EVENT, `event` (x3, READ) is the object's readiness; without it x3 is
 * not looked at, so callers built before it existed keep working. */
long sys_kx_fd_attach(struct trap_frame *f)
{
    struct process *p = current_process();
    struct handle *h;
    int err = handle_get(&p->handles, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_SEND | KX_RIGHT_RECV, &h);
    if (err)
        return err;
    uint64_t flags = f->x[2];
    if ((flags & ~(uint64_t)ATTACH_FLAGS) || (flags & O_ACCMODE) == O_ACCMODE)
        return -EINVAL;
    struct handle *ev = 0;
    if (flags & KX_FD_EVENT) {
        err = handle_get(&p->handles, f->x[3], KX_OBJ_EVENT, KX_RIGHT_READ, &ev);
        if (err)
            return err;
    }
    struct sobj *o = sobj_alloc((struct endpoint *)h->obj);
    struct file *file = o ? file_alloc(flags & KX_FD_SEEKABLE ? &sobj_seekable_ops : &sobj_stream_ops, o,
                                       (uint32_t)(flags & (O_ACCMODE | O_NONBLOCK | O_APPEND)))
                          : 0;
    if (!file) {
        if (o)
            sobj_free_unopened(o);
        return -ENOMEM;
    }
    o->event = ev ? (struct event *)kobject_get(ev->obj) : 0;
    o->cookie = f->x[1];
    file->node = o;
    int fd = fd_install(p->files, file, 0, fd_limit(), flags & O_CLOEXEC);
    if (fd < 0)
        file_put(file);
    return fd;
}
