/* Clocks and sleeping. Time comes from the generic counter; sleeps wake on the tick. */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/spinlock.h"
#include "../arch/aarch64/timer.h"
#include "../core/process.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "../core/wait.h"
#include "../mm/uaccess.h"
#include "ktimer.h"

/* The clock's current value in ns; false for an unknown clock. */
static bool clock_now(uint64_t clock, uint64_t *ns)
{
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        *ns = timer_realtime_ns();
        return true;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
        *ns = timer_monotonic_ns();
        return true;
    case CLOCK_PROCESS_CPUTIME_ID: /* one thread per process so far */
    case CLOCK_THREAD_CPUTIME_ID:
        *ns = timer_counter_to_ns(sched_thread_cpu(current_thread()));
        return true;
    default:
        return false;
    }
}

long sys_clock_gettime(struct trap_frame *f)
{
    uint64_t ns;
    if (!clock_now(f->x[0], &ns))
        return -EINVAL;
    int64_t ts[2] = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
    return copy_to_user(current_process()->vm, f->x[1], ts, sizeof(ts));
}

/* clock_getres(clock, res): one counter tick for every clock (the coarse ones
 * read the counter too), the value the vDSO gives (timer.c keeps it in its
 * data page); res NULL just checks the clock, as Linux. */
long sys_clock_getres(struct trap_frame *f)
{
    uint64_t ns;
    if (!clock_now(f->x[0], &ns))
        return -EINVAL;
    if (!f->x[1])
        return 0;
    int64_t ts[2] = { 0, (int64_t)timer_resolution_ns() };
    return copy_to_user(current_process()->vm, f->x[1], ts, sizeof(ts));
}

/* gettimeofday(tv, tz): CLOCK_REALTIME in microseconds, as the vDSO's; Kenix
 * keeps no time zone (settimeofday drops it), so tz reads as zero -- Linux's
 * answer when none was ever set. */
long sys_gettimeofday(struct trap_frame *f)
{
    struct vmspace *vm = current_process()->vm;
    if (f->x[0]) {
        uint64_t ns = timer_realtime_ns();
        int64_t tv[2] = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000) };
        int err = copy_to_user(vm, f->x[0], tv, sizeof(tv));
        if (err)
            return err;
    }
    if (f->x[1]) {
        int32_t tz[2] = { 0, 0 };
        return copy_to_user(vm, f->x[1], tz, sizeof(tz));
    }
    return 0;
}

/*
 * Sleeping, and a sleep a signal interrupts, as Linux does (hrtimer_nanosleep):
 * a relative sleep writes the time left to `rem` (if given) and returns
 * -ERESTART_RESTARTBLOCK with the thread's restart block set; if no handler
 * runs, the return to user mode makes the call restart_syscall(2), which goes
 * on sleeping until the same deadline (a stop and continue does not make the
 * sleep longer, nor does an ignored signal's interruption). After a handler
 * it is EINTR. An absolute sleep (TIMER_ABSTIME) writes nothing and returns
 * -ERESTARTNOHAND: it is simply made again with the same deadline, or fails
 * with EINTR after a handler.
 */

static long nanosleep_restart(struct restart_block *rb);

/* Sleeps until the counter reaches `deadline`. Interrupted: the time left
 * goes to `rmtp` (0: none) and the restart block is set (see above). */
static long sleep_until(uint64_t deadline, uint64_t rmtp)
{
    irqflags_t flags = irq_save();
    long r = wait_sleep(0, 0, WAIT_SLEEP, deadline, WAIT_INTERRUPTIBLE, 0);
    irq_restore(flags);
    if (r == -ETIMEDOUT)
        return 0;
    /* Only the deadline or a signal ends the sleep. */
    if (rmtp) {
        uint64_t now = timer_counter();
        if (now >= deadline)
            return 0;
        int64_t ts[2];
        ktime_split(timer_counter_to_ns(deadline - now), ts);
        if (copy_to_user(current_process()->vm, rmtp, ts, sizeof(ts)))
            return -EFAULT;
    }
    struct restart_block *rb = &current_thread()->restart;
    rb->fn = nanosleep_restart;
    rb->args[0] = deadline;
    rb->args[1] = rmtp;
    return -ERESTART_RESTARTBLOCK;
}

/* restart_syscall(2) after an interrupted relative sleep: the rest of it. */
static long nanosleep_restart(struct restart_block *rb)
{
    uint64_t deadline = rb->args[0], rmtp = rb->args[1];
    if (timer_counter() >= deadline)
        return 0;
    return sleep_until(deadline, rmtp);
}

/* 0 if `clock` can be slept on; else the error clock_nanosleep gives before
 * reading the request (Linux: EINVAL for no such clock, EOPNOTSUPP for one
 * that cannot sleep). */
static int sleep_clock(uint64_t clock)
{
    uint64_t ns;
    if (clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE)
        return -EOPNOTSUPP;
    return clock_now(clock, &ns) ? 0 : -EINVAL;
}

static long sleep_ns(uint64_t clock, bool absolute, uint64_t ns, uint64_t rmtp)
{
    uint64_t now;
    if (clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID || !clock_now(clock, &now))
        return -EINVAL; /* sleeping on CPU time is not supported (Linux: EINVAL for the thread clock) */
    uint64_t delta = absolute ? (ns > now ? ns - now : 0) : ns;
    /* The deadline is at most KTIME_MAX ns after boot, as Linux clamps it
     * (so the time left reads back as Linux's, and nothing overflows). */
    uint64_t start = timer_counter(), room = KTIME_MAX - timer_counter_to_ns(start);
    if (delta > room)
        delta = room;
    uint64_t deadline = start + timer_ns_to_counter(delta);
    if (deadline <= start)
        return 0;
    long r = sleep_until(deadline, absolute ? 0 : rmtp);
    return absolute && r == -ERESTART_RESTARTBLOCK ? -ERESTARTNOHAND : r;
}

/* nanosleep(req, rem): CLOCK_MONOTONIC, relative. */
long sys_nanosleep(struct trap_frame *f)
{
    uint64_t ns;
    int err = ktime_read_user(f->x[0], &ns);
    return err ? err : sleep_ns(CLOCK_MONOTONIC, false, ns, f->x[1]);
}

/* clock_nanosleep(clock, flags, req, rem): flag bits besides TIMER_ABSTIME
 * are ignored, as by Linux; the C library returns the error number itself. */
long sys_clock_nanosleep(struct trap_frame *f)
{
    uint64_t ns;
    int err = sleep_clock(f->x[0]);
    if (!err)
        err = ktime_read_user(f->x[2], &ns);
    return err ? err : sleep_ns(f->x[0], f->x[1] & TIMER_ABSTIME, ns, f->x[3]);
}

/* --- setting the clock ------------------------------------------------------ */

/* Sets CLOCK_REALTIME to ns (root only). What was armed against it before --
 * an absolute CLOCK_REALTIME timer or sleep -- keeps the monotonic deadline it
 * was converted to then (Linux re-arms those; see docs/syscalls.md). */
static long set_realtime(uint64_t ns)
{
    if (current_process()->cred.euid != 0)
        return -EPERM;
    timer_set_realtime_ns(ns);
    return 0;
}

/* clock_settime(clock, ts): CLOCK_REALTIME only; the others cannot be set
 * (EINVAL, as Linux). */
long sys_clock_settime(struct trap_frame *f)
{
    struct linux_timespec ts;
    if (f->x[0] != CLOCK_REALTIME)
        return -EINVAL;
    int err = copy_from_user(current_process()->vm, &ts, f->x[1], sizeof(ts));
    if (err)
        return err;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC ||
        (uint64_t)ts.tv_sec > UINT64_MAX / NSEC_PER_SEC - 1)
        return -EINVAL;
    return set_realtime((uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec);
}

/* settimeofday(tv, tz): tv NULL leaves the clock; the time zone is accepted
 * and not kept (musl and BusyBox never read it back: gettimeofday's tz is
 * obsolete). A bad tz_minuteswest is EINVAL, as Linux. */
long sys_settimeofday(struct trap_frame *f)
{
    struct process *p = current_process();
    if (f->x[1]) {
        int32_t tz[2];
        int err = copy_from_user(p->vm, tz, f->x[1], sizeof(tz));
        if (err)
            return err;
        if (tz[0] < -15 * 60 || tz[0] > 15 * 60)
            return -EINVAL;
        if (p->cred.euid != 0)
            return -EPERM;
    }
    if (!f->x[0])
        return 0;
    struct linux_timeval tv;
    int err = copy_from_user(p->vm, &tv, f->x[0], sizeof(tv));
    if (err)
        return err;
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000 || (uint64_t)tv.tv_sec > UINT64_MAX / NSEC_PER_SEC - 1)
        return -EINVAL;
    return set_realtime((uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * 1000);
}
