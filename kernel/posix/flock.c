/*
 * Advisory file locks (flock.h), with Linux's semantics (fs/locks.c):
 *
 * - POSIX record locks belong to a process and cover byte ranges. A process's
 *   own locks never conflict with each other: a new lock replaces, splits or
 *   merges its old ones. Any close of any descriptor of the file drops all
 *   the process's locks on it, and exit drops all. F_SETLKW waits
 *   (interruptibly; restarted under SA_RESTART) and refuses with EDEADLK to
 *   wait when the lock's holder is itself waiting, directly or through a
 *   chain of at most 10 waiters, for a lock the caller holds.
 * - flock locks belong to an open file description (shared by dup and fork)
 *   and cover the whole file; they go with the description's last
 *   reference or LOCK_UN. They do not interact with record locks.
 *
 * Every file with locks or waiters has a lock_inode, found by the file's
 * identity in a small hash table and freed when neither is left.
 *
 * flock_lock protects every lock_inode, every lock record, and each
 * process's lock_blocker and posix_locks. It is an object lock: taken with
 * nothing but heap and scheduler locks inside it. Lock records are
 * allocated before it is taken, so no allocation can fail half-way through a
 * change.
 */
#include "flock.h"

#include "file.h"
#include "sobj.h"
#include "kenix/errno.h"
#include "kenix/spinlock.h"
#include "../core/process.h"
#include "../core/wait.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

#define OFFSET_MAX INT64_MAX
#define MAX_DEADLK_ITERATIONS 10
#define LOCK_BUCKETS 64

struct file_lock {
    struct file_lock *next;
    struct process *owner;   /* POSIX locks: the process */
    struct file *ofd;        /* flock locks: the description */
    int64_t start, end;      /* inclusive */
    int type;                /* F_RDLCK or F_WRLCK */
    unsigned pid;            /* F_GETLK's l_pid */
};

struct lock_inode {
    uint64_t key;
    struct lock_inode *next;
    struct file_lock *posix;   /* every process's record locks */
    struct file_lock *flocks;
    struct wait_queue waiters; /* F_SETLKW and flock callers waiting for a change */
};

static struct spinlock flock_lock = SPINLOCK_INIT("flock");
static struct lock_inode *buckets[LOCK_BUCKETS];

/* The identity the vfs gave the file, or the object itself for files the
 * kernel made alone (pipes, devices without a node). */
static uint64_t file_key(const struct file *f)
{
    if (f->node && f->node->identity)
        return f->node->identity;
    return (uint64_t)(uintptr_t)(f->node ? (const void *)f->node : f->priv) | (1ull << 63);
}

static struct lock_inode **bucket(uint64_t key)
{
    return &buckets[(key ^ (key >> 17) ^ (key >> 41)) % LOCK_BUCKETS];
}

static struct lock_inode *inode_find(uint64_t key)
{
    struct lock_inode *i = *bucket(key);
    while (i && i->key != key)
        i = i->next;
    return i;
}

/* Found, or made from *spare (which is then used up). */
static struct lock_inode *inode_get(uint64_t key, struct lock_inode **spare)
{
    struct lock_inode *i = inode_find(key);
    if (!i && *spare) {
        i = *spare;
        *spare = 0;
        *i = (struct lock_inode){ .key = key };
        i->next = *bucket(key);
        *bucket(key) = i;
    }
    return i;
}

/* Frees i if nothing refers to it any more. flock_lock held. */
static void inode_maybe_free(struct lock_inode *i)
{
    if (i->posix || i->flocks || !wait_queue_empty(&i->waiters))
        return;
    struct lock_inode **pp = bucket(i->key);
    while (*pp != i)
        pp = &(*pp)->next;
    *pp = i->next;
    kfree(i);
}

/* Wakes every waiter of i, and forgets whom they were waiting for: the
 * holder they named may be about to exit. flock_lock held. */
static void wake_waiters(struct lock_inode *i)
{
    for (struct thread *t = wait_queue_first(&i->waiters); t; t = t->wait.next)
        if (t->proc)
            t->proc->lock_blocker = 0;
    wait_wake_all(&i->waiters, 0);
}

static bool overlap(const struct file_lock *l, int64_t start, int64_t end)
{
    return l->start <= end && start <= l->end;
}

static bool conflicts(int a, int b)
{
    return a == F_WRLCK || b == F_WRLCK;
}

/* The first record lock of another process that blocks (type, start, end). */
static struct file_lock *posix_conflict(struct lock_inode *i, struct process *owner, int type, int64_t start,
                                        int64_t end)
{
    for (struct file_lock *l = i ? i->posix : 0; l; l = l->next)
        if (l->owner != owner && overlap(l, start, end) && conflicts(l->type, type))
            return l;
    return 0;
}

/* Whether owner waiting for blocker would close a cycle of waiters. */
static bool would_deadlock(struct process *owner, struct process *blocker)
{
    for (int n = 0; blocker && n < MAX_DEADLK_ITERATIONS; n++) {
        if (blocker == owner)
            return true;
        blocker = blocker->lock_blocker;
    }
    return false;
}

static struct file_lock *take(struct file_lock **spares)
{
    struct file_lock *l = *spares;
    *spares = l->next;
    l->next = 0;
    return l;
}

/* Makes owner's locks on i say `type` (F_UNLCK: none) over [start, end],
 * as Linux's posix_lock_inode: same-type neighbours merge, others are cut
 * or split. Uses at most two records from *spares. flock_lock held. */
static void posix_apply(struct lock_inode *i, struct process *owner, int type, int64_t start, int64_t end,
                        struct file_lock **spares)
{
    struct file_lock **pp = &i->posix;
    while (*pp) {
        struct file_lock *l = *pp;
        if (l->owner != owner) {
            pp = &l->next;
            continue;
        }
        bool adjacent = (start > 0 && l->end == start - 1) || (end < OFFSET_MAX && l->start == end + 1);
        if (type != F_UNLCK && l->type == type && (overlap(l, start, end) || adjacent)) {
            /* Merge into the new lock. */
            if (l->start < start)
                start = l->start;
            if (l->end > end)
                end = l->end;
            *pp = l->next;
            l->next = *spares;
            *spares = l;
            owner->posix_locks--;
            continue;
        }
        if (!overlap(l, start, end)) {
            pp = &l->next;
            continue;
        }
        if (l->start < start && l->end > end) {
            /* Split: the right part becomes a record of its own. */
            struct file_lock *right = take(spares);
            *right = *l;
            right->start = end + 1;
            right->next = l->next;
            l->end = start - 1;
            l->next = right;
            owner->posix_locks++;
            pp = &right->next;
        } else if (l->start < start) {
            l->end = start - 1;
            pp = &l->next;
        } else if (l->end > end) {
            l->start = end + 1;
            pp = &l->next;
        } else {
            *pp = l->next;
            l->next = *spares;
            *spares = l;
            owner->posix_locks--;
        }
    }
    if (type != F_UNLCK) {
        struct file_lock *n = take(spares);
        *n = (struct file_lock){ .owner = owner, .start = start, .end = end, .type = type, .pid = owner->pid };
        n->next = i->posix;
        i->posix = n;
        owner->posix_locks++;
    }
}

static void free_list(struct file_lock *l)
{
    while (l) {
        struct file_lock *next = l->next;
        kfree(l);
        l = next;
    }
}

/* The range a struct flock names, as Linux's flock_to_posix_lock. */
static long flock_range(struct file *f, const struct linux_flock *fl, int64_t *start, int64_t *end)
{
    int64_t base;
    switch (fl->l_whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->pos; break;
    case SEEK_END: {
        uint64_t size = 0;
        if (f->ops->size) {
            long err = f->ops->size(f, &size);
            if (err)
                return err;
        }
        base = (int64_t)size;
        break;
    }
    default: return -EINVAL;
    }
    int64_t s;
    if (__builtin_add_overflow(base, fl->l_start, &s))
        return -EOVERFLOW;
    if (s < 0)
        return -EINVAL;
    int64_t e;
    if (fl->l_len > 0) {
        if (__builtin_add_overflow(s, fl->l_len - 1, &e))
            return -EOVERFLOW;
    } else if (fl->l_len < 0) {
        e = s - 1;
        if (__builtin_add_overflow(s, fl->l_len, &s) || s < 0)
            return -EINVAL;
    } else {
        e = OFFSET_MAX;
    }
    *start = s;
    *end = e;
    return 0;
}

static bool can_read(const struct file *f)
{
    uint32_t a = f->flags & O_ACCMODE;
    return !(f->flags & O_PATH) && (a == O_RDONLY || a == O_RDWR);
}

static bool can_write(const struct file *f)
{
    uint32_t a = f->flags & O_ACCMODE;
    return !(f->flags & O_PATH) && (a == O_WRONLY || a == O_RDWR);
}

long posix_lock_fcntl(struct file *f, unsigned cmd, uint64_t uflock)
{
    struct process *p = current_process();
    struct linux_flock fl;
    if (copy_from_user(p->vm, &fl, uflock, sizeof(fl)))
        return -EFAULT;
    if (f->flags & O_PATH)
        return -EBADF;
    if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
        return -EINVAL;
    int64_t start, end;
    long err = flock_range(f, &fl, &start, &end);
    if (err)
        return err;
    uint64_t key = file_key(f);
    if (cmd == F_GETLK) {
        if (fl.l_type == F_UNLCK)
            return -EINVAL;
        irqflags_t flags = spin_lock_irqsave(&flock_lock);
        struct file_lock *l = posix_conflict(inode_find(key), p, fl.l_type, start, end);
        if (l) {
            fl.l_type = (int16_t)l->type;
            fl.l_whence = SEEK_SET;
            fl.l_start = l->start;
            fl.l_len = l->end == OFFSET_MAX ? 0 : l->end - l->start + 1;
            fl.l_pid = (int32_t)l->pid;
        } else {
            fl.l_type = F_UNLCK;
        }
        spin_unlock_irqrestore(&flock_lock, flags);
        return copy_to_user(p->vm, uflock, &fl, sizeof(fl));
    }
    if ((fl.l_type == F_RDLCK && !can_read(f)) || (fl.l_type == F_WRLCK && !can_write(f)))
        return -EBADF;
    /* Two records cover the worst case (a split plus the new lock). */
    struct file_lock *spares = 0;
    for (int n = 0; n < 2; n++) {
        struct file_lock *l = kzalloc(sizeof(*l));
        if (!l) {
            free_list(spares);
            return -ENOLCK;
        }
        l->next = spares;
        spares = l;
    }
    struct lock_inode *spare_inode = kzalloc(sizeof(*spare_inode));
    if (!spare_inode) {
        free_list(spares);
        return -ENOLCK;
    }
    irqflags_t flags = spin_lock_irqsave(&flock_lock);
    for (;;) {
        struct lock_inode *i = fl.l_type == F_UNLCK ? inode_find(key) : inode_get(key, &spare_inode);
        if (!i)
            break; /* unlocking where nothing is locked */
        struct file_lock *l = fl.l_type == F_UNLCK ? 0 : posix_conflict(i, p, fl.l_type, start, end);
        if (!l) {
            posix_apply(i, p, fl.l_type, start, end, &spares);
            wake_waiters(i);
            inode_maybe_free(i);
            break;
        }
        if (cmd != F_SETLKW) {
            err = -EAGAIN;
            inode_maybe_free(i);
            break;
        }
        if (would_deadlock(p, l->owner)) {
            err = -EDEADLK;
            inode_maybe_free(i);
            break;
        }
        p->lock_blocker = l->owner;
        err = wait_sleep(&flock_lock, &i->waiters, WAIT_FILE_LOCK, 0, WAIT_INTERRUPTIBLE, 0);
        p->lock_blocker = 0;
        if (err) {
            i = inode_find(key);
            if (i)
                inode_maybe_free(i);
            break;
        }
        /* The inode may have gone while we slept: look it up again. */
    }
    spin_unlock_irqrestore(&flock_lock, flags);
    free_list(spares);
    kfree(spare_inode);
    return err;
}

/* Drops every record lock p holds on the inode (all inodes if key is 0... no:
 * callers name one). flock_lock held. */
static void posix_drop(struct lock_inode *i, struct process *p)
{
    struct file_lock **pp = &i->posix, *gone = 0;
    while (*pp) {
        struct file_lock *l = *pp;
        if (l->owner == p) {
            *pp = l->next;
            l->next = gone;
            gone = l;
            p->posix_locks--;
        } else {
            pp = &l->next;
        }
    }
    if (gone) {
        wake_waiters(i);
        inode_maybe_free(i);
    }
    /* Freed outside the walk; kfree takes only the heap lock, a leaf. */
    free_list(gone);
}

void posix_locks_close(struct file *f)
{
    struct process *p = current_process();
    if (!p || !p->posix_locks)
        return; /* the common case: nothing to look up */
    irqflags_t flags = spin_lock_irqsave(&flock_lock);
    struct lock_inode *i = inode_find(file_key(f));
    if (i)
        posix_drop(i, p);
    spin_unlock_irqrestore(&flock_lock, flags);
}

void posix_locks_exit(struct process *p)
{
    if (!p->posix_locks)
        return;
    /* Work proportional to the locks that exist: every inode with locks is
     * in the table, and an exiting process's locks are a subset. */
    irqflags_t flags = spin_lock_irqsave(&flock_lock);
    for (unsigned b = 0; b < LOCK_BUCKETS && p->posix_locks; b++) {
        struct lock_inode *i = buckets[b];
        while (i) {
            struct lock_inode *next = i->next; /* posix_drop may free i */
            posix_drop(i, p);
            i = next;
        }
    }
    spin_unlock_irqrestore(&flock_lock, flags);
}

/* --- flock(2) -------------------------------------------------------------- */

static struct file_lock *flock_of(struct lock_inode *i, struct file *f, struct file_lock ***where)
{
    for (struct file_lock **pp = &i->flocks; *pp; pp = &(*pp)->next)
        if ((*pp)->ofd == f) {
            *where = pp;
            return *pp;
        }
    return 0;
}

/* Removes f's flock lock on i, if any. flock_lock held; returns the record. */
static struct file_lock *flock_remove(struct lock_inode *i, struct file *f)
{
    struct file_lock **pp;
    struct file_lock *l = flock_of(i, f, &pp);
    if (l) {
        *pp = l->next;
        l->next = 0;
        wake_waiters(i);
    }
    return l;
}

long flock_file(struct file *f, uint64_t op)
{
    bool nb = op & LOCK_NB;
    op &= ~(uint64_t)LOCK_NB;
    int type = op == LOCK_SH ? F_RDLCK : op == LOCK_EX ? F_WRLCK : op == LOCK_UN ? F_UNLCK : -1;
    if (type < 0)
        return -EINVAL;
    if (f->flags & O_PATH)
        return -EBADF;
    uint64_t key = file_key(f);
    struct file_lock *spare = type == F_UNLCK ? 0 : kzalloc(sizeof(*spare));
    struct lock_inode *spare_inode = type == F_UNLCK ? 0 : kzalloc(sizeof(*spare_inode));
    if (type != F_UNLCK && (!spare || !spare_inode)) {
        kfree(spare);
        kfree(spare_inode);
        return -ENOLCK;
    }
    long err = 0;
    struct file_lock *old = 0;
    irqflags_t flags = spin_lock_irqsave(&flock_lock);
    for (;;) {
        struct lock_inode *i = type == F_UNLCK ? inode_find(key) : inode_get(key, &spare_inode);
        if (!i)
            break;
        struct file_lock **pp;
        struct file_lock *mine = flock_of(i, f, &pp);
        if (mine && mine->type == type)
            break; /* already so */
        if (mine) {
            /* A change of type drops the old lock first, as Linux. */
            old = flock_remove(i, f);
            f->flocked = false;
        }
        if (type == F_UNLCK) {
            inode_maybe_free(i);
            break;
        }
        struct file_lock *l = i->flocks;
        while (l && !conflicts(l->type, type))
            l = l->next;
        if (!l) {
            spare->ofd = f;
            spare->type = type;
            spare->start = 0;
            spare->end = OFFSET_MAX;
            spare->next = i->flocks;
            i->flocks = spare;
            spare = 0;
            f->flocked = true;
            break;
        }
        if (nb) {
            err = -EAGAIN;
            inode_maybe_free(i);
            break;
        }
        err = wait_sleep(&flock_lock, &i->waiters, WAIT_FILE_LOCK, 0, WAIT_INTERRUPTIBLE, 0);
        if (err) {
            i = inode_find(key);
            if (i)
                inode_maybe_free(i);
            break;
        }
    }
    spin_unlock_irqrestore(&flock_lock, flags);
    kfree(old);
    kfree(spare);
    kfree(spare_inode);
    return err;
}

void flock_release(struct file *f)
{
    irqflags_t flags = spin_lock_irqsave(&flock_lock);
    struct lock_inode *i = inode_find(file_key(f));
    struct file_lock *l = i ? flock_remove(i, f) : 0;
    if (i)
        inode_maybe_free(i);
    f->flocked = false;
    spin_unlock_irqrestore(&flock_lock, flags);
    kfree(l);
}
