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

#define NSEC_PER_SEC 1000000000ull

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

static long sleep_restart(struct restart_block *rb);

/* Reads a struct timespec; -EINVAL unless 0 <= tv_nsec < 10^9 and tv_sec >= 0. */
static int read_timespec(uint64_t uaddr, uint64_t *ns)
{
    int64_t ts[2];
    int err = copy_from_user(current_process()->vm, ts, uaddr, sizeof(ts));
    if (err)
        return err;
    if (ts[0] < 0 || ts[1] < 0 || (uint64_t)ts[1] >= NSEC_PER_SEC)
        return -EINVAL;
    /* Beyond ~292 years the sum overflows: that is "forever". */
    *ns = (uint64_t)ts[0] > UINT64_MAX / NSEC_PER_SEC - 1 ? UINT64_MAX : (uint64_t)ts[0] * NSEC_PER_SEC + (uint64_t)ts[1];
    return 0;
}

/* Sleeps until the counter reaches `deadline`. Interrupted by a signal, it
 * writes the time left to `urem` (if not 0) and leaves a restart block, as
 * Linux does: after a handler the call returns EINTR, and without one (the
 * process was stopped and continued) restart_syscall sleeps on to the same
 * deadline instead of starting the time over or failing. */
static long sleep_until(uint64_t clock, uint64_t deadline, uint64_t urem)
{
    if (deadline <= timer_counter())
        return 0;
    irqflags_t flags = irq_save();
    long r = wait_sleep(0, 0, WAIT_SLEEP, deadline, WAIT_INTERRUPTIBLE, 0);
    irq_restore(flags);
    if (r == -ETIMEDOUT)
        return 0;
    uint64_t now = timer_counter();
    if (now >= deadline)
        return 0;
    if (urem) {
        uint64_t left = timer_counter_to_ns(deadline - now);
        int64_t ts[2] = { (int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC) };
        int err = copy_to_user(current_process()->vm, urem, ts, sizeof(ts));
        if (err)
            return err;
    }
    struct restart_block *rb = &current_thread()->restart;
    rb->fn = sleep_restart;
    rb->args[0] = clock;
    rb->args[1] = deadline;
    rb->args[2] = urem;
    return -ERESTART_RESTARTBLOCK;
}

static long sleep_restart(struct restart_block *rb)
{
    return sleep_until(rb->args[0], rb->args[1], rb->args[2]);
}

/* A sleep of ns on `clock` (until ns on it, if absolute); `urem` receives the
 * time left of a relative sleep a handler interrupts. */
static long sleep_ns(uint64_t clock, bool absolute, uint64_t ns, uint64_t urem)
{
    uint64_t now;
    if (!clock_now(clock, &now) || clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL; /* sleeping on CPU time is not supported (Linux: EINVAL for the thread clock) */
    uint64_t delta = absolute ? (ns > now ? ns - now : 0) : ns;
    uint64_t freq = timer_frequency();
    uint64_t ticks = delta / NSEC_PER_SEC * freq + (delta % NSEC_PER_SEC) * freq / NSEC_PER_SEC;
    uint64_t start = timer_counter();
    uint64_t deadline = ticks > UINT64_MAX - start ? UINT64_MAX : start + ticks;
    return sleep_until(clock, deadline, absolute ? 0 : urem);
}

long sys_nanosleep(struct trap_frame *f)
{
    uint64_t ns;
    int err = read_timespec(f->x[0], &ns);
    return err ? err : sleep_ns(CLOCK_MONOTONIC, false, ns, f->x[1]);
}

long sys_clock_nanosleep(struct trap_frame *f)
{
    uint64_t ns;
    if (f->x[1] & ~(uint64_t)TIMER_ABSTIME)
        return -EINVAL;
    int err = read_timespec(f->x[2], &ns);
    return err ? err : sleep_ns(f->x[0], f->x[1] & TIMER_ABSTIME, ns, f->x[3]);
}
