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

static long sleep_ns(uint64_t clock, bool absolute, uint64_t ns)
{
    uint64_t now;
    if (!clock_now(clock, &now) || clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL; /* sleeping on CPU time is not supported (Linux: EINVAL for the thread clock) */
    uint64_t delta = absolute ? (ns > now ? ns - now : 0) : ns;
    uint64_t freq = timer_frequency();
    uint64_t ticks = delta / NSEC_PER_SEC * freq + (delta % NSEC_PER_SEC) * freq / NSEC_PER_SEC;
    uint64_t start = timer_counter();
    uint64_t deadline = ticks > UINT64_MAX - start ? UINT64_MAX : start + ticks;
    if (deadline <= start)
        return 0;
    irqflags_t flags = irq_save();
    long r = wait_sleep(0, 0, WAIT_SLEEP, deadline, WAIT_INTERRUPTIBLE, 0);
    irq_restore(flags);
    /* Only the deadline or a signal ends it. Interrupted, the call is not
     * simply restarted (the time would start again): Linux's restart block
     * with the time left comes with handlers; until then it is EINTR, and
     * every signal that interrupts ends the process anyway. */
    return r == -ETIMEDOUT ? 0 : -ERESTART_RESTARTBLOCK;
}

long sys_nanosleep(struct trap_frame *f)
{
    uint64_t ns;
    int err = read_timespec(f->x[0], &ns);
    return err ? err : sleep_ns(CLOCK_MONOTONIC, false, ns);
}

long sys_clock_nanosleep(struct trap_frame *f)
{
    uint64_t ns;
    if (f->x[1] & ~(uint64_t)TIMER_ABSTIME)
        return -EINVAL;
    int err = read_timespec(f->x[2], &ns);
    return err ? err : sleep_ns(f->x[0], f->x[1] & TIMER_ABSTIME, ns);
}
