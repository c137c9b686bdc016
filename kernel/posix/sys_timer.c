/*
 * POSIX timers (ktimer.h): timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete.
 *
 * Clocks: CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME (the same as
 * MONOTONIC: Kenix never suspends). Every deadline is kept as CLOCK_MONOTONIC
 * time: the realtime clock is the monotonic one plus an offset (set at boot
 * and by clock_settime), so an absolute CLOCK_REALTIME time converts once,
 * when armed; a later clock_settime does not move it (Linux's does).
 * The coarse and raw clocks have no timers (EOPNOTSUPP, as Linux); CPU-time
 * clocks are not supported (EINVAL).
 *
 * Ids are the lowest free small integers, per process. A process may have
 * PTIMERS_MAX timers, fewer if RLIMIT_SIGPENDING says so (each timer holds a
 * queued-signal entry, as Linux charges it): then EAGAIN.
 */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/spinlock.h"
#include "kenix/string.h"
#include "ktimer.h"
#include "../arch/aarch64/timer.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

/* struct itimerspec: it_interval, then it_value, each {tv_sec, tv_nsec}. */
struct linux_itimerspec {
    int64_t interval[2];
    int64_t value[2];
};

static bool timespec_valid(const int64_t ts[2])
{
    return ts[0] >= 0 && (uint64_t)ts[1] < NSEC_PER_SEC;
}

/* 0 for a clock timers run on; else the error timer_create gives for it. */
static int timer_clock(uint64_t clock)
{
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
        return 0;
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_REALTIME_ALARM: /* no wake-up alarm device */
    case CLOCK_BOOTTIME_ALARM:
        return -EOPNOTSUPP;
    default:
        return -EINVAL;
    }
}

/* The current process's timer with this id (timer_t is an int), or NULL. */
static struct ktimer *lookup(uint64_t arg)
{
    struct ptimers *pt = current_process()->timers;
    int id = (int)arg;
    if (!pt || id < 0 || (unsigned)id >= pt->table_size)
        return 0;
    return pt->table[id];
}

/* A free id in pt's table, growing it if needed: -EAGAIN at the limits,
 * -ENOMEM. Owner thread only. */
static int free_id(struct process *p, struct ptimers *pt)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    uint64_t limit = p->rlim[RLIMIT_SIGPENDING].rlim_cur;
    bool full = pt->count >= PTIMERS_MAX || (uint64_t)pt->count + p->sig.queued + 1 > limit;
    spin_unlock_irqrestore(&proc_lock, flags);
    if (full)
        return -EAGAIN;
    for (unsigned i = 0; i < pt->table_size; i++)
        if (!pt->table[i])
            return (int)i;
    unsigned size = pt->table_size ? pt->table_size * 2 : 8;
    if (size > PTIMERS_MAX)
        size = PTIMERS_MAX;
    struct ktimer **table = kzalloc(size * sizeof(*table));
    if (!table)
        return -ENOMEM;
    if (pt->table_size)
        memcpy(table, pt->table, pt->table_size * sizeof(*table));
    int id = (int)pt->table_size;
    kfree(pt->table); /* only this thread looks at the table */
    pt->table = table;
    pt->table_size = size;
    return id;
}

/* timer_create(clock, sevp, timerid) */
long sys_timer_create(struct trap_frame *f)
{
    struct process *p = current_process();
    uint64_t clock = f->x[0], usev = f->x[1], uid = f->x[2];
    struct linux_sigevent ev;
    if (usev) {
        int err = copy_from_user(p->vm, &ev, usev, sizeof(ev));
        if (err)
            return err;
    }
    int err = timer_clock(clock);
    if (err)
        return err;
    if (usev) {
        switch (ev.sigev_notify) {
        case SIGEV_SIGNAL | SIGEV_THREAD_ID:
            /* One thread per process: only the caller itself (gettid is the pid). */
            if (ev.sigev_notify_thread_id <= 0 || (unsigned)ev.sigev_notify_thread_id != p->pid)
                return -EINVAL;
            /* fallthrough */
        case SIGEV_SIGNAL:
        case SIGEV_THREAD:
            if (ev.sigev_signo <= 0 || ev.sigev_signo >= NSIG)
                return -EINVAL;
            break;
        case SIGEV_NONE:
            break;
        default:
            return -EINVAL;
        }
    }
    struct ptimers *pt = ptimers_get();
    if (!pt)
        return -ENOMEM;
    int id = free_id(p, pt);
    if (id < 0)
        return id;
    struct ktimer *t = ktimer_create(KTIMER_POSIX, (int)clock, usev && ev.sigev_notify == SIGEV_NONE);
    if (!t)
        return -EAGAIN; /* Linux's answer when it cannot allocate a timer */
    t->id = id;
    t->q.info.code = SI_TIMER;
    t->q.info.timer.tid = id;
    t->q.info.signo = usev ? ev.sigev_signo : SIGALRM;
    t->q.info.timer.value = usev ? ev.sigev_value : (uint64_t)id; /* no sigevent: sival_int is the id */
    int32_t out = id;
    err = copy_to_user(p->vm, uid, &out, sizeof(out));
    if (err) {
        irqflags_t flags = spin_lock_irqsave(&proc_lock);
        ktimer_release_locked(t);
        spin_unlock_irqrestore(&proc_lock, flags);
        kfree(t);
        return err;
    }
    pt->table[id] = t;
    pt->count++;
    return 0;
}

/* What timer_gettime reports (proc_lock held). */
static void get_locked(struct ktimer *t, struct linux_itimerspec *out)
{
    uint64_t value = ktimer_remaining_locked(t, ktime_now());
    ktime_split(value, out->value);
    ktime_split(t->armed ? t->interval : 0, out->interval);
}

/* timer_settime(timerid, flags, new, old) */
long sys_timer_settime(struct trap_frame *f)
{
    struct process *p = current_process();
    uint64_t unew = f->x[2], uold = f->x[3];
    bool absolute = f->x[1] & TIMER_ABSTIME; /* other flag bits are ignored, as by Linux */
    if (!unew)
        return -EINVAL;
    struct linux_itimerspec nv, ov = { 0 };
    int err = copy_from_user(p->vm, &nv, unew, sizeof(nv));
    if (err)
        return err;
    if (!timespec_valid(nv.value) || !timespec_valid(nv.interval))
        return -EINVAL;
    struct ktimer *t = lookup(f->x[0]);
    if (!t)
        return -EINVAL;
    uint64_t value = ktime_from(nv.value[0], (uint64_t)nv.value[1]);
    uint64_t interval = ktime_from(nv.interval[0], (uint64_t)nv.interval[1]);
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    uint64_t now = ktime_now();
    get_locked(t, &ov);
    /* A signal of the earlier setting still queued is never delivered (Linux
     * drops it at delivery), and the overrun counts start again. */
    signal_unqueue_owned_locked(p, &t->q);
    t->overrun = 0;
    t->overrun_last = 0;
    if (!value) {
        ktimer_disarm_locked(t);
    } else {
        uint64_t deadline;
        if (!absolute) {
            deadline = ktime_add(now, value); /* relative CLOCK_REALTIME timers run on monotonic time */
        } else if (t->clock == CLOCK_REALTIME) {
            uint64_t offset = timer_realtime_offset_ns();
            deadline = value > offset ? value - offset : 0; /* before boot: long past */
        } else {
            deadline = value;
        }
        ktimer_arm_locked(t, deadline, interval);
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return uold ? copy_to_user(p->vm, uold, &ov, sizeof(ov)) : 0;
}

/* timer_gettime(timerid, curr) */
long sys_timer_gettime(struct trap_frame *f)
{
    struct process *p = current_process();
    struct ktimer *t = lookup(f->x[0]);
    if (!t)
        return -EINVAL;
    struct linux_itimerspec v;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    get_locked(t, &v);
    spin_unlock_irqrestore(&proc_lock, flags);
    return copy_to_user(p->vm, f->x[1], &v, sizeof(v));
}

/* timer_getoverrun(timerid): the overruns of the last expiry delivered. */
long sys_timer_getoverrun(struct trap_frame *f)
{
    struct ktimer *t = lookup(f->x[0]);
    if (!t)
        return -EINVAL;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    long n = t->overrun_last;
    spin_unlock_irqrestore(&proc_lock, flags);
    return n;
}

/* timer_delete(timerid): its signal, if still queued, goes too. */
long sys_timer_delete(struct trap_frame *f)
{
    struct ptimers *pt = current_process()->timers;
    struct ktimer *t = lookup(f->x[0]);
    if (!t)
        return -EINVAL;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    ktimer_release_locked(t);
    spin_unlock_irqrestore(&proc_lock, flags);
    pt->table[t->id] = 0;
    pt->count--;
    kfree(t);
    return 0;
}
