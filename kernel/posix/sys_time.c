/* Clocks and sleeping. Time comes from the generic counter; sleeps wake on the tick. */
#include "kenix/errno.h"
#include "../arch/aarch64/timer.h"
#include "../core/process.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "../mm/uaccess.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
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

long sys_clock_gettime(const struct syscall_args *args)
{
    uint64_t ns;
    if (!clock_now(args->a[0], &ns))
        return -EINVAL;
    int64_t ts[2] = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
    return copy_to_user(current_process()->vm, args->a[1], ts, sizeof(ts));
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
    sched_sleep_until(deadline);
    return 0; /* no signals yet, so never interrupted: rem is left alone */
}

long sys_nanosleep(const struct syscall_args *args)
{
    uint64_t ns;
    int err = read_timespec(args->a[0], &ns);
    return err ? err : sleep_ns(CLOCK_MONOTONIC, false, ns);
}

long sys_clock_nanosleep(const struct syscall_args *args)
{
    uint64_t ns;
    if (args->a[1] & ~(uint64_t)TIMER_ABSTIME)
        return -EINVAL;
    int err = read_timespec(args->a[2], &ns);
    return err ? err : sleep_ns(args->a[0], args->a[1] & TIMER_ABSTIME, ns);
}
