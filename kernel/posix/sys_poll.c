/*
 * ppoll and pselect6 (POSIX-DESIGN R4.4): readiness of many descriptors,
 * answered in the kernel -- pipes from their own state, server objects from
 * the event their server keeps (core/event.h), everything else always ready
 * -- with no message to any server. Semantics are Linux's fs/select.c.
 *
 * A call copies what it polls into items (a file reference, a poll entry and
 * the pollfd), scans them, and if nothing is ready and the timeout is not
 * zero, sleeps until a watched bit rises on one of the objects, the deadline
 * passes (tick resolution) or a signal comes, then scans again. The first
 * scan registers the entries (until something is found ready: then nothing
 * will sleep), so an object changing after it looked is never missed
 * (pollwait.h). Nothing busy-waits.
 *
 * Memory: items live in chunks, the first on the stack (STACK_ITEMS, so a
 * call on a few descriptors allocates nothing) and the rest one page each,
 * allocated per call and freed on every way out. ppoll has at most
 * RLIMIT_NOFILE items (more is -EINVAL), pselect6 one per descriptor open
 * below its nfds, and its fd sets are read and written a block at a time: no
 * allocation follows a number the caller chose beyond what the limits allow.
 * The file references keep every polled object (and so every registered
 * entry's list) alive until the entries are gone; each item's entry is taken
 * off its object before the item's reference is dropped.
 *
 * Signal masks: the mask given is installed with signal_set_temp_mask; a call
 * a signal interrupts returns -ERESTARTNOHAND and the exit path restores the
 * mask after the handler (or restarts the call, with the time left, as
 * written back to the caller); every other result restores it here, before
 * returning, as Linux's poll_select_finish does.
 */
#include "file.h"
#include "ktimer.h"

#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/memlayout.h"
#include "kenix/string.h"
#include "../arch/aarch64/timer.h"
#include "../core/pollwait.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "signal.h"

#define SIGSET_SIZE 8

/* What select counts as ready in each set (Linux's POLLIN_SET ...). */
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET POLLPRI

/* One descriptor polled. */
struct poll_item {
    struct file *file;          /* a reference; NULL: nothing to poll (negative fd, bad fd, O_PATH) */
    struct poll_entry entry;    /* entry.key: the bits reported and waited for */
};

struct poll_chunk {
    struct poll_chunk *next;
    unsigned n, cap;
    struct linux_pollfd *pfd;   /* fd, events as asked; revents as last found */
    struct poll_item *item;
};

#define STACK_ITEMS 4
#define CHUNK_BYTES (PAGE_SIZE - 64) /* with the heap's header, one page */
#define CHUNK_ITEMS \
    ((CHUNK_BYTES - sizeof(struct poll_chunk)) / (sizeof(struct linux_pollfd) + sizeof(struct poll_item)))

/* One call's state, on its kernel stack. */
struct poll_call {
    struct poll_waiter waiter;
    struct poll_chunk first;
    struct poll_chunk *last;
    struct linux_pollfd first_pfd[STACK_ITEMS];
    struct poll_item first_item[STACK_ITEMS];
};

/* The timeout: none (forever), zero (scan once) or a deadline. */
struct timeout {
    bool given;                 /* a timespec was passed: the time left is written back */
    bool zero;
    uint64_t end_ns;            /* CLOCK_MONOTONIC at the end (saturated) */
    uint64_t deadline;          /* counter value; 0: none */
};

static void call_init(struct poll_call *c)
{
    poll_waiter_init(&c->waiter);
    c->first = (struct poll_chunk){ .cap = STACK_ITEMS, .pfd = c->first_pfd, .item = c->first_item };
    c->last = &c->first;
}

/* A chunk with room for one more item, or NULL without memory. */
static struct poll_chunk *call_room(struct poll_call *c)
{
    struct poll_chunk *ch = c->last;
    if (ch->n < ch->cap)
        return ch;
    struct poll_chunk *nc = kmalloc(CHUNK_BYTES);
    if (!nc)
        return 0;
    nc->next = 0;
    nc->n = 0;
    nc->cap = CHUNK_ITEMS;
    nc->pfd = (struct linux_pollfd *)(nc + 1);
    nc->item = (struct poll_item *)(nc->pfd + CHUNK_ITEMS);
    ch->next = nc;
    c->last = nc;
    return nc;
}

static void item_init(struct poll_call *c, struct poll_item *it, struct file *file, uint32_t key)
{
    it->file = file ? file_get(file) : 0;
    it->entry = (struct poll_entry){ .waiter = &c->waiter, .key = key };
}

/* Every way out: entries off their objects, references dropped, chunks freed. */
static void call_end(struct poll_call *c)
{
    struct poll_chunk *ch = &c->first;
    while (ch) {
        for (unsigned i = 0; i < ch->n; i++) {
            struct poll_item *it = &ch->item[i];
            poll_unregister(&it->entry); /* before the reference that keeps its object */
            if (it->file)
                file_put(it->file);
        }
        struct poll_chunk *next = ch->next;
        if (ch != &c->first)
            kfree(ch);
        ch = next;
    }
}

/* The file an fd names for ppoll: NULL for a bad one and for O_PATH (Linux's
 * do_pollfd says POLLNVAL for both; its select, as of 6.18, polls an O_PATH
 * file like any other: do_select takes it as it is). */
static struct file *pollable(const struct fdtable *t, int64_t fd)
{
    struct file *f = fd_file(t, fd);
    return f && !(f->flags & O_PATH) ? f : 0;
}

/* One pass: each item's revents; registers entries while `reg` and nothing
 * is ready yet. Returns the items found ready. */
static unsigned scan(struct poll_call *c, bool reg)
{
    unsigned ready = 0;
    for (struct poll_chunk *ch = &c->first; ch; ch = ch->next) {
        for (unsigned i = 0; i < ch->n; i++) {
            struct poll_item *it = &ch->item[i];
            uint32_t mask;
            if (it->file)
                mask = file_poll(it->file, reg && !ready ? &it->entry : 0) & it->entry.key;
            else
                mask = ch->pfd[i].fd < 0 ? 0 : POLLNVAL;
            ch->pfd[i].revents = (int16_t)mask;
            ready += mask != 0;
        }
    }
    return ready;
}

/* Scans until something is ready (the count), the time is up (0) or a signal
 * is going to be acted on (-ERESTARTNOHAND). */
static long poll_loop(struct poll_call *c, const struct timeout *to)
{
    bool timed_out = to->zero, reg = !to->zero;
    for (;;) {
        unsigned n = scan(c, reg);
        reg = false;
        if (n)
            return n;
        if (signal_pending(current_thread()))
            return -ERESTARTNOHAND;
        if (timed_out)
            return 0;
        if (to->deadline && timer_counter() >= to->deadline)
            timed_out = true; /* one more scan, as Linux makes */
        else if (poll_sleep(&c->waiter, to->deadline) == -ETIMEDOUT)
            timed_out = true;
    }
}

/* --- timeouts and masks ---------------------------------------------------- */

/* Reads the timespec at uaddr (0: none). -EFAULT, or -EINVAL unless
 * tv_sec >= 0 and 0 <= tv_nsec < 10^9. */
static int read_timeout(uint64_t uaddr, struct timeout *to)
{
    *to = (struct timeout){ 0 };
    if (!uaddr)
        return 0;
    uint64_t ns;
    int err = ktime_read_user(uaddr, &ns);
    if (err)
        return err;
    to->given = true;
    if (!ns) {
        to->zero = true;
        return 0;
    }
    uint64_t start = timer_counter(), now = timer_counter_to_ns(start);
    to->end_ns = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    uint64_t ticks = timer_ns_to_counter(ns);
    to->deadline = ticks > UINT64_MAX - start ? 0 : start + ticks; /* beyond the counter's range: forever */
    return 0;
}

/* Installs the mask at uaddr (0: none) until the call returns. */
static int install_mask(uint64_t uaddr, uint64_t size, bool *installed)
{
    *installed = false;
    if (!uaddr)
        return 0;
    if (size != SIGSET_SIZE)
        return -EINVAL;
    uint64_t mask;
    int err = copy_from_user(current_process()->vm, &mask, uaddr, sizeof(mask));
    if (err)
        return err;
    signal_set_temp_mask(mask); /* SIGKILL and SIGSTOP stay unblocked: signal_set_temp_mask sees to it */
    *installed = true;
    return 0;
}

/* The end of both calls (Linux's poll_select_finish): the mask back unless a
 * signal interrupted, then the time left written back (never for a zero
 * timeout). If it cannot be written the call cannot restart: -EINTR. */
static long finish(uint64_t tsp, const struct timeout *to, bool masked, long ret)
{
    if (masked && ret != -ERESTARTNOHAND)
        signal_restore_temp_mask();
    if (!to->given || to->zero)
        return ret;
    uint64_t now = timer_monotonic_ns(), left = to->end_ns > now ? to->end_ns - now : 0;
    int64_t ts[2] = { (int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC) };
    if (copy_to_user(current_process()->vm, tsp, ts, sizeof(ts)) && ret == -ERESTARTNOHAND)
        return -EINTR;
    return ret;
}

/* --- ppoll ---------------------------------------------------------------- */

static long do_ppoll(uint64_t ufds, uint32_t nfds, const struct timeout *to)
{
    if (nfds > fd_limit())
        return -EINVAL;
    struct process *p = current_process();
    struct poll_call c;
    call_init(&c);
    long r = 0;
    for (uint32_t done = 0; done < nfds;) {
        struct poll_chunk *ch = call_room(&c);
        if (!ch) {
            r = -ENOMEM;
            goto out;
        }
        uint32_t k = ch->cap - ch->n < nfds - done ? ch->cap - ch->n : nfds - done;
        r = copy_from_user(p->vm, &ch->pfd[ch->n], ufds + (uint64_t)done * sizeof(struct linux_pollfd),
                           k * sizeof(struct linux_pollfd));
        if (r)
            goto out;
        for (uint32_t i = ch->n; i < ch->n + k; i++) {
            int32_t fd = ch->pfd[i].fd;
            uint32_t key = (uint16_t)ch->pfd[i].events | POLLERR | POLLHUP;
            item_init(&c, &ch->item[i], fd < 0 ? 0 : pollable(p->files, fd), key);
        }
        ch->n += k;
        done += k;
    }
    r = poll_loop(&c, to);
    /* revents go back whatever happened (Linux), a chunk at a time. */
    uint64_t at = ufds;
    for (struct poll_chunk *ch = &c.first; ch && ch->n; ch = ch->next) {
        int err = copy_to_user(p->vm, at, ch->pfd, ch->n * sizeof(struct linux_pollfd));
        if (err) {
            r = err;
            break;
        }
        at += ch->n * sizeof(struct linux_pollfd);
    }
out:
    call_end(&c);
    return r;
}

/* ppoll(fds, nfds, timeout, sigmask, sigsetsize) */
long sys_ppoll(struct trap_frame *f)
{
    uint64_t tsp = f->x[2];
    struct timeout to;
    bool masked = false;
    int err = read_timeout(tsp, &to);
    if (!err)
        err = install_mask(f->x[3], f->x[4], &masked);
    if (err)
        return err;
    return finish(tsp, &to, masked, do_ppoll(f->x[0], (uint32_t)f->x[1], &to));
}

/* --- pselect6 ------------------------------------------------------------- */

#define BLOCK_WORDS 8 /* fd_set words read or written at a time: 512 descriptors */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Writes the result sets (every word below nfd, as Linux) and counts the
 * bits set: the result, or -EFAULT. */
static __attribute__((noinline)) long write_sets(struct poll_call *c, const uint64_t uset[3], uint32_t nfd)
{
    struct vmspace *vm = current_process()->vm;
    uint32_t words = (nfd + 63) / 64;
    struct poll_chunk *ch = &c->first;
    unsigned i = 0;
    long count = 0;
    for (uint32_t w0 = 0; w0 < words; w0 += BLOCK_WORDS) {
        uint32_t nw = min_u32(BLOCK_WORDS, words - w0);
        uint64_t out[3][BLOCK_WORDS];
        memset(out, 0, sizeof(out));
        for (;; i++) {
            if (ch && i == ch->n) {
                ch = ch->next;
                i = 0;
            }
            if (!ch || (uint32_t)ch->pfd[i].fd >= (w0 + nw) * 64)
                break;
            uint32_t fd = (uint32_t)ch->pfd[i].fd, key = ch->item[i].entry.key;
            uint32_t rev = (uint16_t)ch->pfd[i].revents;
            uint64_t bit = 1ull << (fd % 64);
            const uint32_t asked[3] = { POLLIN, POLLOUT, POLLPRI }, found[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };
            for (int s = 0; s < 3; s++) {
                if ((key & asked[s]) && (rev & found[s])) {
                    out[s][fd / 64 - w0] |= bit;
                    count++;
                }
            }
        }
        for (int s = 0; s < 3; s++)
            if (uset[s] && copy_to_user(vm, uset[s] + w0 * 8ull, out[s], nw * 8))
                return -EFAULT;
    }
    return count;
}

static long do_select(int32_t n, const uint64_t uset[3], const struct timeout *to)
{
    if (n < 0)
        return -EINVAL;
    struct process *p = current_process();
    /* Beyond the table nothing is open: Linux cuts n to its max_fds likewise. */
    uint32_t nfd = min_u32((uint32_t)n, p->files->cap), words = (nfd + 63) / 64;
    struct poll_call c;
    call_init(&c);
    long r = 0;
    bool badf = false;
    for (uint32_t w0 = 0; w0 < words; w0 += BLOCK_WORDS) {
        uint32_t nw = min_u32(BLOCK_WORDS, words - w0);
        uint64_t in[3][BLOCK_WORDS];
        for (int s = 0; s < 3; s++) {
            if (!uset[s])
                memset(in[s], 0, nw * 8);
            else if ((r = copy_from_user(p->vm, in[s], uset[s] + w0 * 8ull, nw * 8)))
                goto out; /* a fault beats a bad fd: Linux reads all three sets first */
        }
        for (uint32_t w = 0; w < nw && !badf; w++) {
            uint32_t base = (w0 + w) * 64;
            uint64_t all = in[0][w] | in[1][w] | in[2][w];
            if (nfd - base < 64)
                all &= (1ull << (nfd - base)) - 1;
            for (; all; all &= all - 1) {
                unsigned b = (unsigned)__builtin_ctzll(all);
                uint64_t bit = 1ull << b;
                struct file *file = fd_file(p->files, base + b);
                if (!file) {
                    badf = true;
                    break;
                }
                struct poll_chunk *ch = call_room(&c);
                if (!ch) {
                    r = -ENOMEM;
                    goto out;
                }
                uint32_t key = (in[0][w] & bit ? POLLIN_SET : 0) | (in[1][w] & bit ? POLLOUT_SET : 0) |
                               (in[2][w] & bit ? POLLEX_SET : 0);
                ch->pfd[ch->n] = (struct linux_pollfd){ .fd = (int32_t)(base + b) };
                item_init(&c, &ch->item[ch->n], file, key);
                ch->n++;
            }
        }
    }
    if (badf) {
        r = -EBADF;
        goto out;
    }
    r = poll_loop(&c, to);
    if (r >= 0)
        r = write_sets(&c, uset, nfd); /* interrupted: the sets stay as they were */
out:
    call_end(&c);
    return r;
}

/* pselect6(nfds, readfds, writefds, exceptfds, timeout, &{sigmask, sigsetsize}) */
long sys_pselect6(struct trap_frame *f)
{
    uint64_t tsp = f->x[4], pack[2] = { 0, 0 };
    const uint64_t uset[3] = { f->x[1], f->x[2], f->x[3] };
    if (f->x[5] && copy_from_user(current_process()->vm, pack, f->x[5], sizeof(pack)))
        return -EFAULT;
    struct timeout to;
    bool masked = false;
    int err = read_timeout(tsp, &to);
    if (!err)
        err = install_mask(pack[0], pack[1], &masked);
    if (err)
        return err;
    return finish(tsp, &to, masked, do_select((int32_t)f->x[0], uset, &to));
}
