/*
 * Kernel pipes: a 64 KiB ring of pages (allocated as they are first needed,
 * so an idle pipe costs a few hundred bytes), readers and writers blocking
 * on wait queues.
 *
 * Semantics are Linux's: a write of at most PIPE_BUF bytes is atomic (it
 * waits for room for all of it, or with O_NONBLOCK fails with -EAGAIN);
 * a larger one moves what fits and goes on until done, returning a short
 * count only for O_NONBLOCK or a signal; read returns what is there (at
 * least a byte), 0 once every write end is closed, -EAGAIN when empty with
 * O_NONBLOCK; writing with every read end closed raises SIGPIPE and fails
 * with -EPIPE. Bytes a faulting user buffer could not take stay in the pipe.
 *
 * Readiness (ppoll, pselect6) is Linux's pipe_poll: the read end is POLLIN
 * while bytes are buffered and POLLHUP once every write end is closed; the
 * write end is POLLOUT while a PIPE_BUF write fits (Linux: a free page slot)
 * and POLLERR once every read end is closed. Pollers register on `pollers`
 * and are woken when one of those bits rises (pollwait.h).
 *
 * pipe->lock protects everything in struct pipe. Copies to and from user
 * memory happen under it (they never sleep: a missing user page is
 * allocated, not waited for). The pipe is freed when both ends' files are;
 * a poller holds one of them while it is registered.
 */
#include "file.h"

#include "kenix/errno.h"
#include "kenix/memlayout.h"
#include "kenix/spinlock.h"
#include "kenix/string.h"
#include "../arch/aarch64/mmu.h"
#include "../core/pollwait.h"
#include "../core/process.h"
#include "../core/wait.h"
#include "../mm/frames.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "signal.h"

#define PIPE_SIZE (64u << 10)
#define PIPE_PAGES (PIPE_SIZE / PAGE_SIZE)

struct pipe {
    struct spinlock lock;
    uint64_t page[PIPE_PAGES];    /* physical addresses; 0 until first written */
    uint32_t head, tail;          /* bytes written / read, modulo 2^32 */
    unsigned readers, writers;    /* open read-end and write-end files */
    struct wait_queue rwait, wwait;
    struct poll_head pollers;     /* ppoll/pselect6 callers watching either end */
    /* FIFOs (mkfifo): the pipe every open of one vfs file shares, found by
     * key on fifo_list while any open exists. The counters count opens ever
     * made, so an opener waiting for the other side sees one that came and
     * went (Linux's r_counter/w_counter). */
    bool fifo;
    uint64_t key;
    struct pipe *fifo_next;
    unsigned r_counter, w_counter;
    struct wait_queue openers;
    uint64_t id;                  /* unique since boot: procfs's pipe:[id] */
};

/* The FIFOs that are open (fifo_list) and their membership. Taken before a
 * pipe's lock, never inside one. */
static struct spinlock fifo_lock = SPINLOCK_INIT("fifo");
static struct pipe *fifo_list;

#define READABLE (POLLIN | POLLRDNORM)
#define WRITABLE (POLLOUT | POLLWRNORM)

static uint32_t used(const struct pipe *p)
{
    return p->head - p->tail;
}

/* Whether a write of PIPE_BUF bytes would not block: the write end's POLLOUT. */
static bool writable(uint32_t used_bytes)
{
    return PIPE_SIZE - used_bytes >= PIPE_BUF;
}

static uint8_t *ring_at(struct pipe *p, uint32_t pos)
{
    return (uint8_t *)phys_to_virt(p->page[(pos % PIPE_SIZE) / PAGE_SIZE]) + pos % PAGE_SIZE;
}

/* The contiguous run of the ring at pos: up to the end of its page. */
static uint32_t run_at(uint32_t pos, uint32_t n)
{
    uint32_t room = PAGE_SIZE - pos % PAGE_SIZE;
    return n < room ? n : room;
}

/* Moves up to n buffered bytes to the reader; returns the count or an error
 * if nothing moved. */
static long pipe_out(struct pipe *p, struct uio *u, uint32_t n)
{
    uint32_t done = 0;
    while (done < n) {
        uint32_t chunk = run_at(p->tail, n - done);
        int err = uio_to_user(u, ring_at(p, p->tail), chunk);
        if (err)
            return done ? (long)done : err;
        p->tail += chunk;
        done += chunk;
    }
    return (long)done;
}

/* Takes up to n bytes from the writer into free room; same results. */
static long pipe_in(struct pipe *p, struct uio *u, uint32_t n)
{
    uint32_t done = 0;
    while (done < n) {
        unsigned page = (p->head % PIPE_SIZE) / PAGE_SIZE;
        if (!p->page[page] && !(p->page[page] = frame_alloc(0)))
            return done ? (long)done : -ENOMEM;
        uint32_t chunk = run_at(p->head, n - done);
        int err = uio_from_user(u, ring_at(p, p->head), chunk);
        if (err)
            return done ? (long)done : err;
        p->head += chunk;
        done += chunk;
    }
    return (long)done;
}

static long pipe_read(struct file *f, struct uio *u)
{
    struct pipe *p = f->priv;
    if (u->resid == 0)
        return 0;
    irqflags_t flags = spin_lock_irqsave(&p->lock);
    long r;
    for (;;) {
        if (used(p)) {
            uint64_t want = u->resid < used(p) ? u->resid : used(p);
            uint32_t before = used(p);
            r = pipe_out(p, u, (uint32_t)want);
            if (r > 0) {
                wait_wake_all(&p->wwait, 0);
                if (!poll_head_empty(&p->pollers) && !writable(before) && writable(used(p)))
                    poll_wake(&p->pollers, WRITABLE);
            }
            break;
        }
        if (!p->writers) {
            r = 0;
            break;
        }
        if (f->flags & O_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        r = wait_sleep(&p->lock, &p->rwait, WAIT_PIPE_READ, 0, WAIT_INTERRUPTIBLE, 0);
        if (r)
            break;
    }
    spin_unlock_irqrestore(&p->lock, flags);
    return r;
}

static long pipe_write(struct file *f, struct uio *u)
{
    struct pipe *p = f->priv;
    uint64_t want = u->resid > RW_MAX ? RW_MAX : u->resid;
    if (want == 0)
        return 0;
    bool atomic = want <= PIPE_BUF;
    uint64_t done = 0;
    long err = 0;
    irqflags_t flags = spin_lock_irqsave(&p->lock);
    while (done < want) {
        if (!p->readers) {
            err = -EPIPE;
            break;
        }
        uint32_t room = PIPE_SIZE - used(p);
        if (room && (!atomic || room >= want)) {
            uint64_t n = want - done < room ? want - done : room;
            uint32_t before = used(p);
            long r = pipe_in(p, u, (uint32_t)n);
            if (r > 0) {
                done += (uint64_t)r;
                wait_wake_all(&p->rwait, 0);
                if (!before && !poll_head_empty(&p->pollers))
                    poll_wake(&p->pollers, READABLE);
            }
            if (r < (long)n) {
                err = r < 0 ? r : 0; /* a fault partway: report what moved */
                break;
            }
            continue;
        }
        if (f->flags & O_NONBLOCK) {
            err = -EAGAIN;
            break;
        }
        long r = wait_sleep(&p->lock, &p->wwait, WAIT_PIPE_WRITE, 0, WAIT_INTERRUPTIBLE, 0);
        if (r) {
            err = r;
            break;
        }
    }
    spin_unlock_irqrestore(&p->lock, flags);
    if (err == -EPIPE)
        signal_send(current_process(), SIGPIPE); /* proc_lock comes before pipe locks */
    /* A short count beats an error once bytes moved (Linux), except that a
     * signal with nothing moved restarts or fails the call. */
    return done ? (long)done : err;
}

static long pipe_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    struct pipe *p = f->priv;
    if (cmd != FIONREAD)
        return -ENOTTY;
    irqflags_t flags = spin_lock_irqsave(&p->lock);
    int32_t n = (int32_t)used(p);
    spin_unlock_irqrestore(&p->lock, flags);
    return copy_to_user(current_process()->vm, arg, &n, sizeof(n));
}

static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    uint32_t acc = f->flags & O_ACCMODE;
    irqflags_t ff = spin_lock_irqsave(&fifo_lock);
    spin_lock(&p->lock);
    if (acc == O_RDONLY || acc == O_RDWR) {
        p->readers--;
        wait_wake_all(&p->wwait, 0); /* writers see the last reader go: EPIPE */
        if (!p->readers)
            poll_wake(&p->pollers, POLLERR);
    }
    if (acc == O_WRONLY || acc == O_RDWR) {
        p->writers--;
        wait_wake_all(&p->rwait, 0); /* readers see the last writer go: EOF */
        if (!p->writers)
            poll_wake(&p->pollers, POLLHUP);
    }
    bool last = !p->readers && !p->writers;
    if (last && p->fifo) {
        /* Unlisted under fifo_lock, so no open can find it any more. */
        struct pipe **pp = &fifo_list;
        while (*pp != p)
            pp = &(*pp)->fifo_next;
        *pp = p->fifo_next;
    }
    spin_unlock(&p->lock);
    spin_unlock_irqrestore(&fifo_lock, ff);
    if (last) {
        KASSERT(poll_head_empty(&p->pollers), "pipe freed with pollers registered");
        for (unsigned i = 0; i < PIPE_PAGES; i++)
            if (p->page[i])
                frame_free(p->page[i], 0);
        kfree(p);
    }
}

static uint32_t pipe_poll(struct file *f, struct poll_entry *e)
{
    struct pipe *p = f->priv;
    uint32_t mask = 0;
    irqflags_t flags = spin_lock_irqsave(&p->lock);
    uint32_t acc = f->flags & O_ACCMODE;
    if (acc == O_RDONLY || acc == O_RDWR) {
        if (used(p))
            mask |= READABLE;
        if (!p->writers)
            mask |= POLLHUP;
    }
    if (acc == O_WRONLY || acc == O_RDWR) {
        if (writable(used(p)))
            mask |= WRITABLE;
        if (!p->readers)
            mask |= POLLERR;
    }
    if (e)
        poll_register(&p->pollers, e);
    spin_unlock_irqrestore(&p->lock, flags);
    return mask;
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .ioctl = pipe_ioctl,
    .release = pipe_release,
    .poll = pipe_poll,
    .seekable = false,
    .st_type = S_IFIFO,
};

static struct pipe *pipe_alloc(void)
{
    static uint64_t last_id; /* no lock: one CPU, and no pipe is made from an interrupt */
    struct pipe *p = kzalloc(sizeof(*p));
    if (p) {
        p->id = ++last_id;
        p->lock = (struct spinlock)SPINLOCK_INIT("pipe");
        poll_head_init(&p->pollers, &p->lock);
    }
    return p;
}

bool pipe_id(const struct file *f, uint64_t *id)
{
    if (f->ops != &pipe_ops)
        return false;
    *id = ((const struct pipe *)f->priv)->id;
    return true;
}

long fifo_open(uint64_t key, uint32_t flags, struct file **out)
{
    uint32_t acc = flags & O_ACCMODE;
    bool rd = acc == O_RDONLY || acc == O_RDWR, wr = acc == O_WRONLY || acc == O_RDWR;
    struct pipe *fresh = pipe_alloc();
    struct file *file = fresh ? file_alloc(&pipe_ops, 0, flags & (O_ACCMODE | O_NONBLOCK | O_LARGEFILE)) : 0;
    if (!file) {
        kfree(fresh);
        return -ENOMEM;
    }
    irqflags_t ff = spin_lock_irqsave(&fifo_lock);
    struct pipe *p = fifo_list;
    while (p && p->key != key)
        p = p->fifo_next;
    if (!p) {
        p = fresh;
        fresh = 0;
        p->fifo = true;
        p->key = key;
        p->fifo_next = fifo_list;
        fifo_list = p;
    }
    spin_lock(&p->lock);
    if (acc == O_WRONLY && (flags & O_NONBLOCK) && !p->readers) {
        bool unused = !p->readers && !p->writers;
        if (unused) {
            struct pipe **pp = &fifo_list;
            while (*pp != p)
                pp = &(*pp)->fifo_next;
            *pp = p->fifo_next;
        }
        spin_unlock(&p->lock);
        spin_unlock_irqrestore(&fifo_lock, ff);
        if (unused)
            kfree(p);
        kfree(fresh);
        kfree(file);
        return -ENXIO;
    }
    /* Counted at once: the other side's opener sees us, and the counts keep
     * the pipe alive and listed while we wait (the file's release undoes
     * them if the wait is interrupted). */
    if (rd) {
        p->readers++;
        p->r_counter++;
    }
    if (wr) {
        p->writers++;
        p->w_counter++;
    }
    file->priv = p;
    wait_wake_all(&p->openers, 0);
    spin_unlock(&p->lock);
    spin_unlock_irqrestore(&fifo_lock, ff);
    kfree(fresh);
    long err = 0;
    if (acc != O_RDWR && !(flags & O_NONBLOCK)) {
        /* A reader waits for a writer and a writer for a reader; one that
         * came and went since we arrived also counts. */
        irqflags_t pf = spin_lock_irqsave(&p->lock);
        unsigned seen = rd ? p->w_counter : p->r_counter;
        while (!err && !(rd ? p->writers : p->readers) && (rd ? p->w_counter : p->r_counter) == seen)
            err = wait_sleep(&p->lock, &p->openers, WAIT_FIFO_OPEN, 0, WAIT_INTERRUPTIBLE, 0);
        spin_unlock_irqrestore(&p->lock, pf);
    }
    if (err) {
        file_put(file);
        return err;
    }
    *out = file;
    return 0;
}

int pipe_create(uint32_t flags, struct file **rd, struct file **wr)
{
    struct pipe *p = pipe_alloc();
    if (!p)
        return -ENOMEM;
    p->readers = p->writers = 1;
    *rd = file_alloc(&pipe_ops, p, O_RDONLY | (flags & O_NONBLOCK));
    *wr = *rd ? file_alloc(&pipe_ops, p, O_WRONLY | (flags & O_NONBLOCK)) : 0;
    if (!*wr) {
        kfree(*rd);
        kfree(p);
        return -ENOMEM;
    }
    return 0;
}
