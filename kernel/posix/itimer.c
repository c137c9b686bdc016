/*
 * setitimer/getitimer (ktimer.h). alarm() has no system call on AArch64: the
 * C library makes it setitimer(ITIMER_REAL).
 *
 * ITIMER_REAL is a ktimer on the expiry heap sending SIGALRM (si_code
 * SI_KERNEL), re-armed when that signal is taken, as Linux does.
 * ITIMER_VIRTUAL and ITIMER_PROF count CPU time the way Linux's tick-based
 * accounting does: a tick that finds the process running in user mode adds
 * one tick to both, one in the kernel adds one to ITIMER_PROF, and the tick
 * checks the running process's two timers (O(1)). Like Linux, arming one
 * adds a tick to its value, which pays for the tick in progress being
 * counted whole.
 */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/spinlock.h"
#include "ktimer.h"
#include "../arch/aarch64/timer.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/uaccess.h"

/* struct itimerval: it_interval, then it_value, each {tv_sec, tv_usec}. */
struct linux_itimerval {
    int64_t interval[2];
    int64_t value[2];
};

static bool timeval_valid(const int64_t tv[2])
{
    return tv[0] >= 0 && (uint64_t)tv[1] < 1000000;
}

static uint64_t timeval_ns(const int64_t tv[2])
{
    return ktime_from(tv[0], (uint64_t)tv[1] * NSEC_PER_USEC);
}

/* ns to a timeval, rounding down to the microsecond as Linux's put_itimerval. */
static void ns_timeval(uint64_t ns, int64_t tv[2])
{
    ktime_split(ns, tv);
    tv[1] /= (int64_t)NSEC_PER_USEC;
}

/* The CPU time an itimer counts, ns (proc_lock held: the tick changes the counts). */
static uint64_t cpu_sample(const struct process *p, unsigned which)
{
    /* The run time is exact (the counter at every switch); only its split
     * into user and system time comes from the ticks (process_times), so a
     * tick a busy host delays or merges loses PROF nothing. */
    if (which == ITIMER_PROF)
        return timer_counter_to_ns(process_cpu(p));
    uint64_t u, s;
    process_times(p, &u, &s);
    return timer_counter_to_ns(u);
}

static void cpu_get_locked(const struct process *p, const struct ptimers *pt, unsigned which,
                           struct linux_itimerval *out)
{
    const struct cpu_itimer *it = &pt->cpu[which - 1];
    uint64_t value = 0;
    if (it->expires) {
        uint64_t now = cpu_sample(p, which);
        value = it->expires > now ? it->expires - now : TICK_NSEC; /* about to fire */
    }
    ns_timeval(value, out->value);
    ns_timeval(it->incr, out->interval);
}

static void real_get_locked(const struct ptimers *pt, struct linux_itimerval *out)
{
    struct ktimer *t = pt ? pt->real : 0;
    uint64_t value = 0;
    if (t && t->armed) {
        uint64_t now = ktime_now();
        /* Due but not yet fired: 1 us, never 0 (0 would mean disarmed). */
        value = t->deadline > now ? t->deadline - now : NSEC_PER_USEC;
    }
    ns_timeval(value, out->value);
    ns_timeval(t ? t->interval : 0, out->interval);
}

void itimer_cpu_tick_locked(struct process *p, bool user)
{
    struct ptimers *pt = p->timers;
    (void)user; /* the tick's own count is already in user_ticks / sys_ticks */
    static const int signals[2] = { SIGVTALRM, SIGPROF };
    for (unsigned i = 0; i < 2; i++) {
        struct cpu_itimer *it = &pt->cpu[i];
        if (!it->expires || cpu_sample(p, i + 1) < it->expires)
            continue;
        it->expires = it->incr ? ktime_add(it->expires, it->incr) : 0;
        signal_send_locked(p, signals[i], &proc_lock);
    }
}

/* getitimer(which, value) */
long sys_getitimer(struct trap_frame *f)
{
    struct process *p = current_process();
    int which = (int)f->x[0];
    if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF)
        return -EINVAL;
    struct linux_itimerval v = { 0 };
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (which == ITIMER_REAL)
        real_get_locked(p->timers, &v);
    else if (p->timers)
        cpu_get_locked(p, p->timers, (unsigned)which, &v);
    spin_unlock_irqrestore(&proc_lock, flags);
    return copy_to_user(p->vm, f->x[1], &v, sizeof(v));
}

/* setitimer(which, new, old): new NULL disarms (a Linux misfeature, kept). */
long sys_setitimer(struct trap_frame *f)
{
    struct process *p = current_process();
    int which = (int)f->x[0];
    uint64_t unew = f->x[1], uold = f->x[2];
    struct linux_itimerval nv = { 0 }, ov = { 0 };
    if (unew) {
        int err = copy_from_user(p->vm, &nv, unew, sizeof(nv));
        if (err)
            return err;
        if (!timeval_valid(nv.value) || !timeval_valid(nv.interval))
            return -EINVAL;
    }
    if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF)
        return -EINVAL;
    uint64_t value = timeval_ns(nv.value), interval = timeval_ns(nv.interval);
    /* Disarming something never armed needs no state: a process that only
     * reads or clears timers allocates nothing. */
    struct ptimers *pt = p->timers;
    if (!pt && value) {
        pt = ptimers_get();
        if (!pt)
            return -ENOMEM;
    }
    if (pt && which == ITIMER_REAL && !pt->real && value) {
        struct ktimer *t = ktimer_create(KTIMER_REAL, CLOCK_MONOTONIC, false);
        if (!t)
            return -ENOMEM;
        t->q.info.signo = SIGALRM;
        t->q.info.code = SI_KERNEL;
        irqflags_t flags = spin_lock_irqsave(&proc_lock);
        pt->real = t;
        spin_unlock_irqrestore(&proc_lock, flags);
    }
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (which == ITIMER_REAL) {
        real_get_locked(pt, &ov);
        if (pt && pt->real) {
            if (value)
                ktimer_arm_locked(pt->real, ktime_add(ktime_now(), value), interval);
            else
                ktimer_disarm_locked(pt->real);
        }
    } else if (pt) {
        cpu_get_locked(p, pt, (unsigned)which, &ov);
        struct cpu_itimer *it = &pt->cpu[which - 1];
        it->expires = value ? ktime_add(ktime_add(cpu_sample(p, (unsigned)which), value), TICK_NSEC) : 0;
        it->incr = interval;
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return uold ? copy_to_user(p->vm, uold, &ov, sizeof(ov)) : 0;
}
