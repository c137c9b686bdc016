/*
 * Open file descriptions, fd tables and user I/O vectors (file.h).
 */
#include "file.h"
#include "flock.h"
#include "sobj.h"

#include "kenix/errno.h"
#include "kenix/string.h"
#include "../core/process.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

struct file *file_alloc(const struct file_ops *ops, void *priv, uint32_t flags)
{
    struct file *f = kzalloc(sizeof(*f));
    if (f) {
        f->refs = 1;
        f->ops = ops;
        f->priv = priv;
        f->flags = flags;
    }
    return f;
}

struct file *file_get(struct file *f)
{
    __atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
    return f;
}

void file_put(struct file *f)
{
    if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        if (f->flocked)
            flock_release(f);
        if (f->ops->release)
            f->ops->release(f);
        if (f->node)
            sobj_close(f->node);
        kfree(f);
    }
}

uint32_t file_poll(struct file *f, struct poll_entry *e)
{
    return f->ops->poll ? f->ops->poll(f, e) : DEFAULT_POLLMASK;
}

/* --- user I/O vectors ----------------------------------------------------- */

static int uio_move(struct uio *u, void *kbuf, uint64_t n, bool to_user)
{
    uint8_t *k = kbuf;
    while (n) {
        while (u->idx < u->iovcnt && u->off == u->iov[u->idx].iov_len) {
            u->idx++;
            u->off = 0;
        }
        if (u->idx == u->iovcnt)
            return 0; /* callers never ask past resid */
        uint64_t chunk = u->iov[u->idx].iov_len - u->off;
        if (chunk > n)
            chunk = n;
        uint64_t uaddr = u->iov[u->idx].iov_base + u->off;
        int err = to_user ? copy_to_user(u->vm, uaddr, k, chunk) : copy_from_user(u->vm, k, uaddr, chunk);
        if (err)
            return err;
        u->off += chunk;
        u->resid -= chunk;
        k += chunk;
        n -= chunk;
    }
    return 0;
}

int uio_to_user(struct uio *u, const void *kbuf, uint64_t n)
{
    return uio_move(u, (void *)kbuf, n, true);
}

int uio_from_user(struct uio *u, void *kbuf, uint64_t n)
{
    return uio_move(u, kbuf, n, false);
}

/* --- fd tables -------------------------------------------------------------- */

static unsigned words(unsigned slots)
{
    return (slots + 63) / 64;
}

/* Grows t to at least `need` slots (doubling). */
static int fdtable_grow(struct fdtable *t, unsigned need)
{
    unsigned cap = t->cap ? t->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap == t->cap)
        return 0;
    struct file **fd = kzalloc(cap * sizeof(*fd));
    uint64_t *open = kzalloc(words(cap) * 8), *cloexec = kzalloc(words(cap) * 8);
    if (!fd || !open || !cloexec) {
        kfree(fd);
        kfree(open);
        kfree(cloexec);
        return -ENOMEM;
    }
    if (t->cap) {
        memcpy(fd, t->fd, t->cap * sizeof(*fd));
        memcpy(open, t->open, words(t->cap) * 8);
        memcpy(cloexec, t->cloexec, words(t->cap) * 8);
    }
    kfree(t->fd);
    kfree(t->open);
    kfree(t->cloexec);
    t->fd = fd;
    t->open = open;
    t->cloexec = cloexec;
    t->cap = cap;
    return 0;
}

struct fdtable *fdtable_create(void)
{
    struct fdtable *t = kzalloc(sizeof(*t));
    if (t && fdtable_grow(t, 64)) {
        kfree(t);
        t = 0;
    }
    return t;
}

struct fdtable *fdtable_fork(const struct fdtable *src)
{
    struct fdtable *t = kzalloc(sizeof(*t));
    if (!t || fdtable_grow(t, src->cap)) {
        kfree(t);
        return 0;
    }
    for (unsigned i = 0; i < src->cap; i++)
        if (src->fd[i])
            t->fd[i] = file_get(src->fd[i]);
    memcpy(t->open, src->open, words(src->cap) * 8);
    memcpy(t->cloexec, src->cloexec, words(src->cap) * 8);
    return t;
}

void fdtable_destroy(struct fdtable *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->cap; i++)
        if (t->fd[i])
            file_put(t->fd[i]);
    kfree(t->fd);
    kfree(t->open);
    kfree(t->cloexec);
    kfree(t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
    /* A word of the bitmap at a time: proportional to the table, and to the
     * descriptors actually marked. */
    for (unsigned w = 0; w < words(t->cap); w++) {
        uint64_t bits = t->cloexec[w] & t->open[w];
        t->cloexec[w] = 0;
        while (bits) {
            unsigned fd = w * 64 + (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            struct file *f = t->fd[fd];
            t->fd[fd] = 0;
            t->open[w] &= ~(1ull << (fd % 64));
            if (f)
                file_put(f);
        }
    }
}

struct file *fd_file(const struct fdtable *t, int64_t fd)
{
    if (fd < 0 || (uint64_t)fd >= t->cap)
        return 0;
    return t->fd[fd];
}

static void set_bit(uint64_t *map, unsigned i, bool on)
{
    if (on)
        map[i / 64] |= 1ull << (i % 64);
    else
        map[i / 64] &= ~(1ull << (i % 64));
}

static void fd_set(struct fdtable *t, unsigned fd, struct file *f, bool cloexec)
{
    t->fd[fd] = f;
    set_bit(t->open, fd, true);
    set_bit(t->cloexec, fd, cloexec);
}

int fd_install(struct fdtable *t, struct file *f, unsigned min, uint64_t limit, bool cloexec)
{
    if (limit > NR_OPEN_MAX)
        limit = NR_OPEN_MAX;
    /* The lowest free slot: a word of the bitmap at a time. */
    unsigned fd = min;
    while (fd < t->cap) {
        uint64_t free = ~t->open[fd / 64] & (~0ull << (fd % 64));
        if (free) {
            fd = (fd & ~63u) + (unsigned)__builtin_ctzll(free);
            break;
        }
        fd = (fd & ~63u) + 64;
    }
    if (fd >= limit)
        return -EMFILE;
    if (fd >= t->cap && fdtable_grow(t, fd + 1))
        return -ENOMEM;
    fd_set(t, fd, f, cloexec);
    return (int)fd;
}

int fd_install_at(struct fdtable *t, struct file *f, unsigned fd, bool cloexec)
{
    if (fd >= t->cap && fdtable_grow(t, fd + 1))
        return -ENOMEM;
    struct file *old = t->fd[fd];
    fd_set(t, fd, f, cloexec);
    if (old) {
        posix_locks_close(old);
        file_put(old);
    }
    return (int)fd;
}

int fd_close(struct fdtable *t, int64_t fd)
{
    struct file *f = fd_file(t, fd);
    if (!f)
        return -EBADF;
    t->fd[fd] = 0;
    set_bit(t->open, (unsigned)fd, false);
    set_bit(t->cloexec, (unsigned)fd, false);
    posix_locks_close(f);
    file_put(f);
    return 0;
}

bool fd_cloexec(const struct fdtable *t, unsigned fd)
{
    return fd < t->cap && (t->cloexec[fd / 64] >> (fd % 64)) & 1;
}

void fd_set_cloexec(struct fdtable *t, unsigned fd, bool on)
{
    if (fd < t->cap)
        set_bit(t->cloexec, fd, on);
}

uint64_t fd_limit(void)
{
    uint64_t lim = current_process()->rlim[RLIMIT_NOFILE].rlim_cur;
    return lim > NR_OPEN_MAX ? NR_OPEN_MAX : lim;
}
