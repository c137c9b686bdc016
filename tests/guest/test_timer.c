/*
 * Timers and sleeping, as Linux defines them (tests/guest/POSIX-TESTS.md):
 *   - setitimer/getitimer: values read back (disarmed is zero, the old value
 *     returned, microseconds rounded down), EINVAL/EFAULT and their order,
 *     ITIMER_REAL firing on time and periodically, its default action,
 *     ITIMER_VIRTUAL and ITIMER_PROF firing on CPU time spent spinning;
 *   - alarm() (setitimer underneath on AArch64): the seconds left, rounded up;
 *   - POSIX timers on CLOCK_MONOTONIC and CLOCK_REALTIME, relative, absolute
 *     and periodic, SA_SIGINFO handlers seeing SI_TIMER, the timer id, the
 *     sigev_value and the overrun count after the signal was blocked across
 *     several periods; SIGEV_NONE counting down; SIGEV_THREAD_ID; every
 *     error; a queued signal of a deleted or re-armed timer never delivered;
 *     no timers across fork; the per-process limit (EAGAIN);
 *   - nanosleep and clock_nanosleep interrupted by a handler (EINTR, the time
 *     left, EFAULT for a bad rem), an absolute sleep leaving rem alone, and a
 *     sleep that a stop and continue interrupts ending on its first deadline.
 * Deadlines: a signal never comes early, and comes within one tick (10 ms)
 * of its deadline plus SLACK_NS for the path to the handler; each timing
 * case is tried up to three times, so a machine that is busy once does not
 * fail it but a timer that is always late does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "posix_test.h"

#define MS 1000000LL
#define TICK_NS (10 * MS)
#define SLACK_NS (3 * MS)
#define TRIES 3

/* ---- handlers ------------------------------------------------------------------- */

static volatile sig_atomic_t hits[65];
static volatile long long hit_at[65][8]; /* arrival times of the first 8 */
static volatile int last_code[65], last_timerid[65], last_overrun[65];
static volatile uintptr_t last_value[65];

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int n = hits[sig];
    if (n < 8)
        hit_at[sig][n] = now_ns();
    last_code[sig] = si->si_code;
    if (si->si_code == SI_TIMER) {
        last_timerid[sig] = si->si_timerid;
        last_overrun[sig] = si->si_overrun;
        last_value[sig] = (uintptr_t)si->si_value.sival_ptr;
    }
    hits[sig] = n + 1;
}

static void reset_hits(int sig)
{
    hits[sig] = 0;
    last_code[sig] = last_timerid[sig] = last_overrun[sig] = -12345;
    last_value[sig] = 0;
}

static void catch(int sig, int flags)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    reset_hits(sig);
}

static void block(int sig, bool on)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(on ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
}

static bool is_pending(int sig)
{
    sigset_t s;
    sigpending(&s);
    return sigismember(&s, sig);
}

/* Sleeps `ns` through any signals (nanosleep resumed with the time left). */
static void sleep_through(long long ns)
{
    struct timespec t = { ns / 1000000000LL, ns % 1000000000LL };
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* Waits (sleeping a millisecond at a time) until hits[sig] >= n, at most max_ns. */
static bool wait_hits(int sig, int n, long long max_ns)
{
    long long end = now_ns() + max_ns;
    while (hits[sig] < n && now_ns() < end)
        sleep_ms(1);
    return hits[sig] >= n;
}

/* Lateness of an arrival after its deadline within [0, one tick + slack]. */
static bool on_time(long long late)
{
    return late >= 0 && late <= TICK_NS + SLACK_NS;
}

static long long tv_ns(const struct timeval *tv)
{
    return tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL;
}

static long long ts_ns(const struct timespec *ts)
{
    return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* ---- raw POSIX timer calls (timer_t is an int to the kernel) ------------------- */

struct kitimerspec {
    struct timespec interval, value;
};

static res_t t_create(clockid_t clock, struct sigevent *sev, int *id)
{
    return res(syscall(SYS_timer_create, clock, sev, id));
}

static res_t t_set(int id, int flags, long long value, long long interval, struct kitimerspec *old)
{
    struct kitimerspec its = { { interval / 1000000000LL, interval % 1000000000LL },
                               { value / 1000000000LL, value % 1000000000LL } };
    return res(syscall(SYS_timer_settime, id, flags, &its, old));
}

static res_t t_get(int id, struct kitimerspec *cur)
{
    return res(syscall(SYS_timer_gettime, id, cur));
}

static res_t t_overrun(int id)
{
    return res(syscall(SYS_timer_getoverrun, id));
}

static res_t t_delete(int id)
{
    return res(syscall(SYS_timer_delete, id));
}

static struct sigevent sev_signal(int sig, void *value)
{
    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = sig;
    sev.sigev_value.sival_ptr = value;
    return sev;
}

/* ---- setitimer / getitimer -------------------------------------------------------- */

static int itimer_values(void *arg)
{
    (void)arg;
    struct itimerval v, old;
    for (int which = 0; which < 3; which++) {
        memset(&v, 0x55, sizeof(v));
        res_t r = res(getitimer(which, &v));
        ccheckf(r.ret == 0 && !v.it_value.tv_sec && !v.it_value.tv_usec && !v.it_interval.tv_sec &&
                    !v.it_interval.tv_usec,
                "getitimer(%d) of a fresh process -> %s, all zero", which, rs(r));
    }
    ccheckf(is_err(res(getitimer(3, &v)), EINVAL), "getitimer(3) -> EINVAL");
    ccheckf(is_err(res(getitimer(-1, &v)), EINVAL), "getitimer(-1) -> EINVAL");
    /* qemu-user skips the copy for NULL (Linux: EFAULT). */
    kcheckf(is_err(res(syscall(SYS_getitimer, ITIMER_REAL, NULL)), EFAULT), "getitimer(REAL, NULL) -> EFAULT");
    ccheckf(is_err(res(syscall(SYS_getitimer, ITIMER_REAL, (void *)8)), EFAULT), "getitimer(REAL, 8) -> EFAULT");
    ccheckf(is_err(res(syscall(SYS_getitimer, 3, NULL)), EINVAL), "getitimer(3, NULL) -> EINVAL (which first)");

    struct itimerval set = { { 0, 250000 }, { 2, 0 } };
    memset(&old, 0x55, sizeof(old));
    res_t r = res(setitimer(ITIMER_REAL, &set, &old));
    ccheckf(r.ret == 0 && !old.it_value.tv_sec && !old.it_value.tv_usec && !old.it_interval.tv_sec &&
                !old.it_interval.tv_usec,
            "setitimer(REAL, 2 s every 0.25 s) -> %s, old value zero", rs(r));
    getitimer(ITIMER_REAL, &v);
    long long left = tv_ns(&v.it_value);
    ccheckf(left > 1900 * MS && left <= 2000 * MS && v.it_interval.tv_sec == 0 && v.it_interval.tv_usec == 250000,
            "getitimer(REAL) reads %lld us left (0.25 s interval: %ld.%06ld)", left / 1000, (long)v.it_interval.tv_sec,
            (long)v.it_interval.tv_usec);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    r = res(setitimer(ITIMER_REAL, &off, &old));
    left = tv_ns(&old.it_value);
    ccheckf(r.ret == 0 && left > 1900 * MS && left <= 2000 * MS && old.it_interval.tv_usec == 250000,
            "setitimer(REAL, 0) returns the old setting (%lld us left, interval %ld us)", left / 1000,
            (long)old.it_interval.tv_usec);
    getitimer(ITIMER_REAL, &v);
    ccheckf(!v.it_value.tv_sec && !v.it_value.tv_usec && !v.it_interval.tv_sec && !v.it_interval.tv_usec,
            "disarmed: getitimer(REAL) is all zero again (the interval too)");

    /* The errors, in Linux's order: the new value's memory, its fields, which. */
    struct itimerval bad_usec = { { 0, 0 }, { 0, 1000000 } }, neg_usec = { { 0, 0 }, { 0, -1 } },
                     neg_sec = { { 0, 0 }, { -1, 0 } }, bad_interval = { { 0, 1000000 }, { 1, 0 } };
    ccheckf(is_err(res(setitimer(ITIMER_REAL, &bad_usec, NULL)), EINVAL), "setitimer tv_usec 1000000 -> EINVAL");
    ccheckf(is_err(res(setitimer(ITIMER_REAL, &neg_usec, NULL)), EINVAL), "setitimer tv_usec -1 -> EINVAL");
    ccheckf(is_err(res(setitimer(ITIMER_REAL, &neg_sec, NULL)), EINVAL), "setitimer tv_sec -1 -> EINVAL");
    ccheckf(is_err(res(setitimer(ITIMER_VIRTUAL, &bad_interval, NULL)), EINVAL),
            "setitimer interval tv_usec 1000000 -> EINVAL");
    ccheckf(is_err(res(setitimer(3, &set, NULL)), EINVAL), "setitimer(3) -> EINVAL");
    ccheckf(is_err(res(syscall(SYS_setitimer, 3, (void *)8, NULL)), EFAULT), "setitimer(3, bad new) -> EFAULT first");
    ccheckf(is_err(res(syscall(SYS_setitimer, 3, &bad_usec, NULL)), EINVAL), "setitimer(3, bad usec) -> EINVAL");
    r = res(syscall(SYS_setitimer, ITIMER_REAL, &set, (void *)8));
    getitimer(ITIMER_REAL, &v);
    ccheckf(is_err(r, EFAULT) && v.it_value.tv_sec == 1, "setitimer with a bad old pointer -> %s, but the timer is set",
            rs(r));
    r = res(syscall(SYS_setitimer, ITIMER_REAL, NULL, &old));
    getitimer(ITIMER_REAL, &v);
    ccheckf(r.ret == 0 && old.it_value.tv_sec == 1 && !v.it_value.tv_sec && !v.it_value.tv_usec,
            "setitimer(REAL, NULL) disarms (Linux's old misfeature) -> %s", rs(r));

    /* Huge values are clamped (about 292 years), never wrapped into the past. */
    struct itimerval huge = { { INT64_MAX, 999999 }, { INT64_MAX, 999999 } };
    catch(SIGALRM, 0);
    r = res(setitimer(ITIMER_REAL, &huge, NULL));
    getitimer(ITIMER_REAL, &v);
    sleep_ms(30);
    ccheckf(r.ret == 0 && v.it_value.tv_sec > 9000000000LL && hits[SIGALRM] == 0,
            "setitimer(REAL, INT64_MAX s) -> %s: %ld s left, nothing fires", rs(r), (long)v.it_value.tv_sec);
    setitimer(ITIMER_REAL, &off, NULL);
    for (int which = 1; which < 3; which++) {
        r = res(setitimer(which, &huge, NULL));
        getitimer(which, &v);
        /* Linux reads back a negative time here (its CPU-time sum passes
         * INT64_MAX); Kenix clamps, like ITIMER_REAL. Neither fires. */
        ccheckf(r.ret == 0, "setitimer(%d, INT64_MAX s) -> %s", which, rs(r));
        kcheckf(v.it_value.tv_sec > 9000000000LL, "and getitimer(%d) reads %ld s left", which,
                (long)v.it_value.tv_sec);
        setitimer(which, &off, NULL);
    }

    /* CPU itimers keep their interval when disarmed, as Linux's do. */
    struct itimerval interval_only = { { 1, 0 }, { 0, 0 } };
    setitimer(ITIMER_VIRTUAL, &interval_only, NULL);
    getitimer(ITIMER_VIRTUAL, &v);
    ccheckf(!v.it_value.tv_sec && !v.it_value.tv_usec && v.it_interval.tv_sec == 1,
            "setitimer(VIRTUAL, value 0, interval 1 s): disarmed, interval reads 1 s");
    struct itimerval prof = { { 0, 0 }, { 5, 0 } };
    setitimer(ITIMER_PROF, &prof, NULL);
    getitimer(ITIMER_PROF, &v);
    left = tv_ns(&v.it_value);
    ccheckf(left > 4900 * MS && left <= 5000 * MS + TICK_NS, "getitimer(PROF) after arming 5 s of CPU: %lld us",
            left / 1000);
    setitimer(ITIMER_PROF, &off, &old);
    ccheckf(old.it_value.tv_sec >= 4, "setitimer(PROF, 0) returns the old value (%ld s)", (long)old.it_value.tv_sec);
    return 0;
}

/* alarm(): musl makes it setitimer(ITIMER_REAL) and rounds the time left up. */
static int alarm_cases(void *arg)
{
    (void)arg;
    unsigned a = alarm(5), b = alarm(3), c = alarm(0);
    ccheckf(a == 0 && b == 5 && c == 3, "alarm(5), alarm(3), alarm(0) -> %u, %u, %u (0, 5, 3: rounded up)", a, b, c);
    struct itimerval v;
    getitimer(ITIMER_REAL, &v);
    ccheckf(!v.it_value.tv_sec && !v.it_value.tv_usec, "alarm(0) disarmed ITIMER_REAL");
    struct itimerval half = { { 0, 0 }, { 2, 400000 } };
    setitimer(ITIMER_REAL, &half, NULL);
    c = alarm(0);
    ccheckf(c == 3, "alarm(0) after setitimer(2.4 s) -> %u (3)", c);

    bool ok = false;
    long long late = 0;
    for (int t = 0; t < TRIES && !ok; t++) {
        catch(SIGALRM, 0);
        long long start = now_ns();
        alarm(1);
        wait_hits(SIGALRM, 1, 3000 * MS);
        late = hits[SIGALRM] ? hit_at[SIGALRM][0] - (start + 1000 * MS) : -1;
        ok = hits[SIGALRM] == 1 && on_time(late) && last_code[SIGALRM] == SI_KERNEL;
    }
    ccheckf(ok, "alarm(1) raised SIGALRM (si_code SI_KERNEL) %lld us after its deadline", late / 1000);
    return 0;
}

/* A SIGALRM nobody handles ends the process. */
static int alarm_default(void *arg)
{
    (void)arg;
    struct itimerval v = { { 0, 0 }, { 0, 20000 } };
    setitimer(ITIMER_REAL, &v, NULL);
    sleep_through(2000 * MS);
    return 3; /* not reached */
}

static int itimer_real_fires(void *arg)
{
    (void)arg;
    bool ok = false;
    long long worst = 0;
    int n = 0;
    for (int t = 0; t < TRIES && !ok; t++) {
        catch(SIGALRM, 0);
        struct itimerval v = { { 0, 30 * 1000 }, { 0, 30 * 1000 } };
        long long start = now_ns();
        setitimer(ITIMER_REAL, &v, NULL);
        wait_hits(SIGALRM, 5, 2000 * MS);
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, NULL);
        n = hits[SIGALRM];
        ok = n >= 5;
        worst = 0;
        for (int k = 0; k < 5 && ok; k++) {
            /* Periodic without drift: the k-th expiry is due at start + (k+1) * 30 ms. */
            long long late = hit_at[SIGALRM][k] - (start + (k + 1) * 30 * MS);
            if (!on_time(late))
                ok = false;
            if (late > worst || late < 0)
                worst = late;
        }
    }
    ccheckf(ok, "ITIMER_REAL every 30 ms: 5 SIGALRMs, each within a tick of start + k*30 ms (worst %lld us)",
            worst / 1000);

    /* While SIGALRM is blocked the periodic timer waits for it to be taken
     * (Linux re-arms it then): getitimer reads 0 left, the interval stays. */
    catch(SIGALRM, 0);
    block(SIGALRM, true);
    struct itimerval v = { { 0, 20 * 1000 }, { 0, 20 * 1000 } };
    setitimer(ITIMER_REAL, &v, NULL);
    sleep_through(70 * MS);
    struct itimerval cur;
    getitimer(ITIMER_REAL, &cur);
    ccheckf(is_pending(SIGALRM) && !cur.it_value.tv_sec && !cur.it_value.tv_usec && cur.it_interval.tv_usec == 20000,
            "SIGALRM blocked: pending, getitimer reads 0 left (%ld us), interval 20000 us",
            (long)cur.it_value.tv_usec);
    block(SIGALRM, false);
    bool took = hits[SIGALRM] == 1;
    getitimer(ITIMER_REAL, &cur);
    long long left = tv_ns(&cur.it_value);
    ccheckf(took && left > 0 && left <= 20 * MS, "unblocked: one SIGALRM, and the timer runs again (%lld us left)",
            left / 1000);
    wait_hits(SIGALRM, 3, 1000 * MS);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    ccheckf(hits[SIGALRM] >= 3, "and keeps firing (%d SIGALRMs)", (int)hits[SIGALRM]);
    return 0;
}

/* Spins in user mode until `sig` arrives or `cpu_max_ms` of CPU time went by. */
/* Spins in user mode until `sig` has been caught `want` times (or the CPU or
 * wall budget runs out); returns the CPU time spent. The clock is read only
 * every 20000 iterations: without a vDSO each read is a system call, and
 * ITIMER_VIRTUAL counts only user time. */
static long long spin_until_n(int sig, int want, long cpu_max_ms)
{
    long long start = cpu_ns(), wall = now_ns();
    while (hits[sig] < want) {
        for (volatile int i = 0; i < 20000 && hits[sig] < want; i++)
            ;
        if (cpu_ns() - start > cpu_max_ms * MS || now_ns() - wall > 20 * cpu_max_ms * MS)
            break;
    }
    return cpu_ns() - start;
}

static long long spin_until(int sig, long cpu_max_ms)
{
    return spin_until_n(sig, 1, cpu_max_ms);
}

static int itimer_cpu_fires(void *arg)
{
    (void)arg;
    static const int sigs[3] = { 0, SIGVTALRM, SIGPROF };
    for (int which = ITIMER_VIRTUAL; which <= ITIMER_PROF; which++) {
        int sig = sigs[which];
        catch(sig, 0);
        struct itimerval v = { { 0, 0 }, { 0, 40 * 1000 } };
        setitimer(which, &v, NULL);
        long long used = spin_until(sig, 1000);
        /* At least the value, less a tick of sampling. CPU time is sampled by
         * the tick, as Linux's tick-based accounting does: ticks a busy host
         * delays are lost to it, so the upper bound only says "it fired". */
        ccheckf(hits[sig] == 1 && used >= 30 * MS && used <= 2 * 40 * MS + 4 * TICK_NS && last_code[sig] == SI_KERNEL,
                "%s after 40 ms of CPU: %d signal, %lld us of CPU spent (si_code %d)",
                which == ITIMER_VIRTUAL ? "ITIMER_VIRTUAL" : "ITIMER_PROF", (int)hits[sig], used / 1000,
                last_code[sig]);
        struct itimerval cur;
        getitimer(which, &cur);
        ccheckf(!cur.it_value.tv_sec && !cur.it_value.tv_usec, "and is disarmed after (one shot)");

        /* Periodic: three more, 20 ms of CPU apart. */
        reset_hits(sig);
        struct itimerval p = { { 0, 20 * 1000 }, { 0, 20 * 1000 } };
        setitimer(which, &p, NULL);
        long long start = cpu_ns();
        spin_until_n(sig, 3, 2000);
        long long used3 = cpu_ns() - start;
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(which, &off, NULL);
        ccheckf(hits[sig] >= 3 && used3 >= 50 * MS && used3 <= 2 * 60 * MS + 5 * TICK_NS,
                "periodic every 20 ms of CPU: %d signals in %lld us of CPU", (int)hits[sig], used3 / 1000);
    }

    /* ITIMER_PROF counts time in the kernel, ITIMER_VIRTUAL does not: big
     * reads from /dev/zero spend nearly all their time there. */
    catch(SIGPROF, 0);
    catch(SIGVTALRM, 0);
    static char big[256 * 1024];
    int zero = open("/dev/zero", O_RDONLY);
    struct itimerval v = { { 0, 0 }, { 0, 60 * 1000 } };
    setitimer(ITIMER_VIRTUAL, &v, NULL);
    setitimer(ITIMER_PROF, &v, NULL);
    long long start = cpu_ns();
    while (!hits[SIGPROF] && !hits[SIGVTALRM] && cpu_ns() - start < 2000 * MS)
        if (read(zero, big, sizeof(big)) != (ssize_t)sizeof(big))
            break;
    struct itimerval left;
    getitimer(ITIMER_VIRTUAL, &left);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_VIRTUAL, &off, NULL);
    setitimer(ITIMER_PROF, &off, NULL);
    close(zero);
    ccheckf(hits[SIGPROF] == 1 && hits[SIGVTALRM] == 0 && tv_ns(&left.it_value) > 40 * MS,
            "reading /dev/zero: SIGPROF after 60 ms, ITIMER_VIRTUAL still has %lld us of its 60 ms",
            tv_ns(&left.it_value) / 1000);
    return 0;
}

/* ---- POSIX timers ------------------------------------------------------------------ */

static int posix_errors(void *arg)
{
    (void)arg;
    int id = -1;
    struct sigevent sev = sev_signal(SIGUSR1, NULL);
    ccheckf(is_err(t_create(100, &sev, &id), EINVAL), "timer_create(clock 100) -> EINVAL");
    ccheckf(is_err(t_create(10, &sev, &id), EINVAL), "timer_create(clock 10, CLOCK_SGI_CYCLE) -> EINVAL");
    ccheckf(is_err(t_create(CLOCK_MONOTONIC_RAW, &sev, &id), EOPNOTSUPP),
            "timer_create(CLOCK_MONOTONIC_RAW) -> EOPNOTSUPP");
    ccheckf(is_err(t_create(CLOCK_REALTIME_COARSE, &sev, &id), EOPNOTSUPP),
            "timer_create(CLOCK_REALTIME_COARSE) -> EOPNOTSUPP");
    ccheckf(is_err(t_create(CLOCK_MONOTONIC, (struct sigevent *)8, &id), EFAULT),
            "timer_create(bad sigevent) -> EFAULT");
    ccheckf(is_err(t_create(CLOCK_MONOTONIC, &sev, (int *)8), EFAULT), "timer_create(bad id pointer) -> EFAULT");
    struct sigevent bad = sev;
    bad.sigev_notify = 3;
    ccheckf(is_err(t_create(CLOCK_MONOTONIC, &bad, &id), EINVAL), "sigev_notify 3 -> EINVAL");
    bad.sigev_notify = SIGEV_NONE | SIGEV_THREAD_ID;
    ccheckf(is_err(t_create(CLOCK_MONOTONIC, &bad, &id), EINVAL), "sigev_notify SIGEV_NONE|SIGEV_THREAD_ID -> EINVAL");
    bad = sev;
    bad.sigev_signo = 0;
    ccheckf(is_err(t_create(CLOCK_MONOTONIC, &bad, &id), EINVAL), "sigev_signo 0 -> EINVAL");
    bad.sigev_signo = 65;
    ccheckf(is_err(t_create(CLOCK_MONOTONIC, &bad, &id), EINVAL), "sigev_signo 65 -> EINVAL");
    bad = sev;
    bad.sigev_notify = SIGEV_SIGNAL | SIGEV_THREAD_ID;
    bad.sigev_notify_thread_id = getppid();
    ccheckf(is_err(t_create(CLOCK_MONOTONIC, &bad, &id), EINVAL), "SIGEV_THREAD_ID naming another process -> EINVAL");
    bad.sigev_notify_thread_id = gettid();
    res_t r = t_create(CLOCK_MONOTONIC, &bad, &id);
    ccheckf(r.ret == 0, "SIGEV_THREAD_ID naming the caller -> %s", rs(r));
    if (r.ret == 0)
        t_delete(id);
    bad = sev;
    bad.sigev_notify = SIGEV_NONE;
    bad.sigev_signo = 9999; /* not looked at */
    r = t_create(CLOCK_MONOTONIC, &bad, &id);
    ccheckf(r.ret == 0, "SIGEV_NONE with signal 9999 -> %s", rs(r));
    if (r.ret == 0)
        t_delete(id);
    r = t_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &id);
    if (on_kenix())
        ccheckf(is_err(r, EINVAL), "timer_create(CLOCK_PROCESS_CPUTIME_ID) -> %s (not supported on Kenix)", rs(r));
    else if (r.ret == 0)
        t_delete(id);

    /* Ids: small integers from 0, the lowest free first (Kenix; Linux counts up). */
    int a = -1, b = -1, c = -1;
    t_create(CLOCK_MONOTONIC, &sev, &a);
    t_create(CLOCK_MONOTONIC, &sev, &b);
    t_delete(a);
    t_create(CLOCK_MONOTONIC, &sev, &c);
    kcheckf(a == 0 && b == 1 && c == 0, "timer ids %d, %d, then %d after deleting the first (0, 1, 0)", a, b, c);

    struct kitimerspec its = { { 0, 0 }, { 1, 0 } }, old;
    ccheckf(is_err(res(syscall(SYS_timer_settime, b, 0, NULL, NULL)), EINVAL), "timer_settime(new NULL) -> EINVAL");
    ccheckf(is_err(res(syscall(SYS_timer_settime, b, 0, (void *)8, NULL)), EFAULT), "timer_settime(bad new) -> EFAULT");
    struct kitimerspec bad_nsec = { { 0, 0 }, { 0, 1000000000 } }, neg = { { 0, 0 }, { -1, 0 } },
                       bad_iv = { { 0, -1 }, { 1, 0 } };
    ccheckf(is_err(res(syscall(SYS_timer_settime, b, 0, &bad_nsec, NULL)), EINVAL), "tv_nsec 1000000000 -> EINVAL");
    ccheckf(is_err(res(syscall(SYS_timer_settime, b, 0, &neg, NULL)), EINVAL), "tv_sec -1 -> EINVAL");
    ccheckf(is_err(res(syscall(SYS_timer_settime, b, 0, &bad_iv, NULL)), EINVAL), "interval tv_nsec -1 -> EINVAL");
    ccheckf(is_err(res(syscall(SYS_timer_settime, 12345, 0, &its, NULL)), EINVAL), "timer_settime(no such id) -> EINVAL");
    ccheckf(is_err(res(syscall(SYS_timer_settime, -1, 0, &its, NULL)), EINVAL), "timer_settime(-1) -> EINVAL");
    ccheckf(is_err(res(syscall(SYS_timer_settime, 12345, 0, &bad_nsec, NULL)), EINVAL),
            "timer_settime(no such id, bad value) -> EINVAL");
    r = res(syscall(SYS_timer_settime, b, 0, &its, (void *)8));
    t_get(b, &old);
    ccheckf(is_err(r, EFAULT) && old.value.tv_sec == 0 && old.value.tv_nsec > 900 * MS,
            "timer_settime(bad old) -> %s, but the timer is armed (%ld ns left)", rs(r), (long)old.value.tv_nsec);
    r = res(syscall(SYS_timer_settime, b, 0xfe, &its, NULL));
    ccheckf(r.ret == 0, "timer_settime flags 0xfe (unknown bits ignored) -> %s", rs(r));
    ccheckf(is_err(t_get(12345, &old), EINVAL), "timer_gettime(no such id) -> EINVAL");
    ccheckf(is_err(res(syscall(SYS_timer_gettime, b, (void *)8)), EFAULT), "timer_gettime(bad pointer) -> EFAULT");
    ccheckf(is_err(t_overrun(12345), EINVAL), "timer_getoverrun(no such id) -> EINVAL");
    ccheckf(is_err(t_overrun(-1), EINVAL), "timer_getoverrun(-1) -> EINVAL");
    r = t_overrun(b);
    ccheckf(r.ret == 0, "timer_getoverrun of a timer that never fired -> %s", rs(r));
    ccheckf(t_delete(b).ret == 0 && is_err(t_delete(b), EINVAL), "timer_delete twice: 0, then EINVAL");
    ccheckf(is_err(t_get(b, &old), EINVAL), "timer_gettime of a deleted timer -> EINVAL");
    ccheckf(is_err(t_delete(-1), EINVAL) && is_err(t_delete(INT_MAX), EINVAL), "timer_delete(-1 / INT_MAX) -> EINVAL");
    t_delete(c);

    /* The C library's own calls. */
    timer_t lt;
    struct sigevent lsev = sev_signal(SIGUSR2, NULL);
    struct itimerspec lits = { { 0, 0 }, { 5, 0 } }, lcur;
    bool lib = timer_create(CLOCK_REALTIME, &lsev, &lt) == 0 && timer_settime(lt, 0, &lits, NULL) == 0 &&
               timer_gettime(lt, &lcur) == 0 && lcur.it_value.tv_sec == 4 && timer_getoverrun(lt) == 0 &&
               timer_delete(lt) == 0;
    ccheckf(lib, "musl's timer_create/settime/gettime/getoverrun/delete (%ld s left)", (long)lcur.it_value.tv_sec);
    return 0;
}

/* One shot on `clock`, relative or absolute: SI_TIMER with id and value, on time. */
static bool one_shot(clockid_t clock, bool absolute, long long *late_out)
{
    int sig = SIGRTMIN + 1;
    catch(sig, 0);
    int id = -1;
    struct sigevent sev = sev_signal(sig, (void *)(uintptr_t)0x5eed1234abcdULL);
    if (t_create(clock, &sev, &id).ret != 0)
        return false;
    struct timespec now_c;
    long long start = now_ns();
    clock_gettime(clock, &now_c);
    long long value = 40 * MS;
    res_t r = absolute ? t_set(id, TIMER_ABSTIME, ts_ns(&now_c) + value, 0, NULL) : t_set(id, 0, value, 0, NULL);
    wait_hits(sig, 1, 2000 * MS);
    sleep_ms(30); /* a one-shot fires once */
    struct kitimerspec cur;
    memset(&cur, 0x55, sizeof(cur));
    res_t g = t_get(id, &cur);
    res_t o = t_overrun(id);
    t_delete(id);
    *late_out = hits[sig] ? hit_at[sig][0] - (start + value) : -1;
    bool ok = r.ret == 0 && hits[sig] == 1 && on_time(*late_out) && last_code[sig] == SI_TIMER &&
              last_value[sig] == (uintptr_t)0x5eed1234abcdULL && last_overrun[sig] == 0 && g.ret == 0 &&
              !cur.value.tv_sec && !cur.value.tv_nsec && !cur.interval.tv_sec && !cur.interval.tv_nsec && o.ret == 0;
    if (on_kenix())
        ok = ok && last_timerid[sig] == id; /* qemu-user passes the host's id */
    return ok;
}

static int posix_fires(void *arg)
{
    (void)arg;
    static const struct {
        clockid_t clock;
        bool absolute;
        const char *what;
    } cases[] = {
        { CLOCK_MONOTONIC, false, "CLOCK_MONOTONIC, relative" },
        { CLOCK_MONOTONIC, true, "CLOCK_MONOTONIC, absolute" },
        { CLOCK_REALTIME, false, "CLOCK_REALTIME, relative" },
        { CLOCK_REALTIME, true, "CLOCK_REALTIME, absolute" },
        { CLOCK_BOOTTIME, false, "CLOCK_BOOTTIME, relative" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long long late = 0;
        bool ok = false;
        for (int t = 0; t < TRIES && !ok; t++)
            ok = one_shot(cases[i].clock, cases[i].absolute, &late);
        ccheckf(ok, "%s, 40 ms: one signal, SI_TIMER, its id and sigev_value, overrun 0, %lld us late; then "
                    "timer_gettime reads zero",
                cases[i].what, late / 1000);
    }

    /* An absolute time already past fires at once. */
    catch(SIGUSR1, 0);
    int id = -1;
    struct sigevent sev = sev_signal(SIGUSR1, NULL);
    t_create(CLOCK_MONOTONIC, &sev, &id);
    long long start = now_ns();
    t_set(id, TIMER_ABSTIME, 1000, 0, NULL);
    wait_hits(SIGUSR1, 1, 1000 * MS);
    ccheckf(hits[SIGUSR1] == 1 && hit_at[SIGUSR1][0] - start <= TICK_NS + SLACK_NS,
            "absolute deadline in the past (1 us after boot): fires at once (%lld us)",
            (hit_at[SIGUSR1][0] - start) / 1000);
    t_delete(id);

    /* No sigevent: SIGALRM with the id as its value. */
    catch(SIGALRM, 0);
    t_create(CLOCK_MONOTONIC, NULL, &id);
    t_set(id, 0, 10 * MS, 0, NULL);
    wait_hits(SIGALRM, 1, 1000 * MS);
    ccheckf(hits[SIGALRM] == 1 && last_code[SIGALRM] == SI_TIMER, "no sigevent: SIGALRM, SI_TIMER");
    kcheckf(last_value[SIGALRM] == (uintptr_t)id, "no sigevent: sival_int is the timer id (%lu)",
            (unsigned long)last_value[SIGALRM]);
    t_delete(id);

    /* SIGEV_THREAD_ID to the caller itself. */
    catch(SIGUSR2, 0);
    struct sigevent tsev = sev_signal(SIGUSR2, (void *)77);
    tsev.sigev_notify = SIGEV_SIGNAL | SIGEV_THREAD_ID;
    tsev.sigev_notify_thread_id = gettid();
    t_create(CLOCK_MONOTONIC, &tsev, &id);
    t_set(id, 0, 10 * MS, 0, NULL);
    wait_hits(SIGUSR2, 1, 1000 * MS);
    ccheckf(hits[SIGUSR2] == 1 && last_code[SIGUSR2] == SI_TIMER && last_value[SIGUSR2] == 77,
            "SIGEV_THREAD_ID: delivered to the thread, SI_TIMER, value 77");
    t_delete(id);
    return 0;
}

static int posix_periodic(void *arg)
{
    (void)arg;
    int sig = SIGRTMIN + 2;
    bool ok = false;
    long long worst = 0;
    struct kitimerspec cur = { { 0, 0 }, { 0, 0 } };
    for (int t = 0; t < TRIES && !ok; t++) {
        catch(sig, 0);
        int id = -1;
        struct sigevent sev = sev_signal(sig, NULL);
        t_create(CLOCK_MONOTONIC, &sev, &id);
        long long start = now_ns();
        t_set(id, 0, 25 * MS, 25 * MS, NULL);
        wait_hits(sig, 6, 2000 * MS);
        t_get(id, &cur);
        t_delete(id);
        ok = hits[sig] >= 6 && cur.interval.tv_sec == 0 && cur.interval.tv_nsec == 25 * MS && cur.value.tv_nsec > 0 &&
             cur.value.tv_nsec <= 25 * MS;
        worst = 0;
        for (int k = 0; k < 6 && ok; k++) {
            long long late = hit_at[sig][k] - (start + (k + 1) * 25 * MS);
            if (!on_time(late))
                ok = false;
            if (late > worst || late < 0)
                worst = late;
        }
    }
    ccheckf(ok, "periodic 25 ms: 6 signals, each within a tick of start + k*25 ms (no drift; worst %lld us); "
                "timer_gettime: interval 25 ms, %ld ns to the next",
            worst / 1000, (long)cur.value.tv_nsec);

    /* Blocked across several periods: one signal, si_overrun counts the rest. */
    catch(sig, 0);
    block(sig, true);
    int id = -1;
    struct sigevent sev = sev_signal(sig, (void *)42);
    t_create(CLOCK_MONOTONIC, &sev, &id);
    t_set(id, 0, 40 * MS, 40 * MS, NULL);
    sleep_through(220 * MS); /* expiries at 40, 80, 120, 160, 200 ms */
    bool pending = is_pending(sig);
    block(sig, false);
    int hits_now = hits[sig];
    int overrun = last_overrun[sig];
    res_t o = t_overrun(id);
    /* qemu-user takes the host's signal at once, whatever the guest's mask: the
     * host's overrun count is then not the guest's. */
    ccheckf(pending && hits_now == 1, "blocked 220 ms with a 40 ms period: pending, one signal when unblocked");
    kcheckf(overrun == 4 && o.ret == 4, "its si_overrun is %d and timer_getoverrun %s (4: expiries 80..200 ms)",
            overrun, rs(o));
    wait_hits(sig, 2, 1000 * MS);
    o = t_overrun(id);
    ccheckf(hits[sig] == 2 && last_overrun[sig] == 0 && o.ret == 0,
            "the next period's signal: si_overrun %d, timer_getoverrun %s (0)", last_overrun[sig], rs(o));

    /* Re-armed while its signal is queued: the old signal is never delivered. */
    block(sig, true);
    t_set(id, 0, 10 * MS, 0, NULL);
    sleep_through(40 * MS);
    bool was = is_pending(sig);
    t_set(id, 0, 0, 0, NULL);
    int before = hits[sig];
    block(sig, false);
    sleep_ms(20);
    ccheckf(was && hits[sig] == before && !is_pending(sig),
            "timer_settime while its signal is queued: that signal is dropped (%d handled)", hits[sig] - before);

    /* timer_delete with its signal queued: never delivered either. */
    block(sig, true);
    t_set(id, 0, 10 * MS, 0, NULL);
    sleep_through(40 * MS);
    was = is_pending(sig);
    t_delete(id);
    kcheckf(!is_pending(sig), "timer_delete takes its queued signal off at once (Linux: drops it when taken)");
    before = hits[sig];
    block(sig, false);
    sleep_ms(20);
    ccheckf(was && hits[sig] == before && !is_pending(sig), "timer_delete of a timer whose signal is queued: never "
                                                             "delivered");

    /* A standard signal with a tiny interval: queued once, the rest overruns.
     * (Not under qemu-user: it takes every host signal as it comes, a million
     * a second.) */
    if (!on_kenix()) {
        skipf("(Kenix only) a timer every microsecond while its signal is blocked");
        return 0;
    }
    catch(SIGUSR1, 0);
    block(SIGUSR1, true);
    sev = sev_signal(SIGUSR1, NULL);
    t_create(CLOCK_MONOTONIC, &sev, &id);
    long long armed_at = now_ns();
    t_set(id, 0, 1000, 1000, NULL); /* every microsecond */
    sleep_through(50 * MS);
    block(SIGUSR1, false); /* taken on the way out of sigprocmask */
    long long taken = now_ns() - armed_at;
    t_set(id, 0, 0, 0, NULL);
    int ov = last_overrun[SIGUSR1];
    /* One expiry sent, every other microsecond until it was taken an overrun
     * (less the first tick's lateness, at most 10 ms). */
    ccheckf(hits[SIGUSR1] == 1 && ov >= (taken - TICK_NS) / 1000 - 1 && ov <= taken / 1000,
            "every 1 us, blocked 50 ms: %d signal, si_overrun %d (%lld us from arming to taking it)",
            (int)hits[SIGUSR1], ov, taken / 1000);
    t_delete(id);
    return 0;
}

static int posix_sigev_none(void *arg)
{
    (void)arg;
    int id = -1;
    struct sigevent sev = sev_signal(SIGUSR1, NULL);
    sev.sigev_notify = SIGEV_NONE;
    catch(SIGUSR1, 0);
    t_create(CLOCK_MONOTONIC, &sev, &id);
    t_set(id, 0, 200 * MS, 0, NULL);
    sleep_through(50 * MS);
    struct kitimerspec cur;
    t_get(id, &cur);
    long long left = ts_ns(&cur.value);
    ccheckf(left > 100 * MS && left <= 150 * MS && !cur.interval.tv_nsec,
            "SIGEV_NONE 200 ms, 50 ms later: %lld us left", left / 1000);
    t_set(id, 0, 30 * MS, 0, NULL);
    sleep_through(60 * MS);
    t_get(id, &cur);
    ccheckf(!cur.value.tv_sec && !cur.value.tv_nsec && hits[SIGUSR1] == 0,
            "SIGEV_NONE one shot after its time: reads zero, no signal");
    t_set(id, 0, 30 * MS, 30 * MS, NULL);
    sleep_through(100 * MS);
    t_get(id, &cur);
    left = ts_ns(&cur.value);
    ccheckf(left > 0 && left <= 30 * MS && cur.interval.tv_nsec == 30 * MS && hits[SIGUSR1] == 0,
            "SIGEV_NONE every 30 ms, 100 ms later: %lld us to the next, no signal", left / 1000);
    struct kitimerspec old;
    t_set(id, 0, 0, 0, &old);
    ccheckf(old.interval.tv_nsec == 30 * MS && ts_ns(&old.value) > 0, "disarming returns the old setting");
    t_delete(id);

    /* Huge values: clamped, never in the past. */
    sev = sev_signal(SIGUSR1, NULL);
    t_create(CLOCK_MONOTONIC, &sev, &id);
    struct kitimerspec huge = { { INT64_MAX, 999999999 }, { INT64_MAX, 999999999 } };
    res_t r = res(syscall(SYS_timer_settime, id, 0, &huge, NULL));
    sleep_ms(30);
    t_get(id, &cur);
    ccheckf(r.ret == 0 && hits[SIGUSR1] == 0 && cur.value.tv_sec > 9000000000LL,
            "timer_settime(INT64_MAX s) -> %s: %ld s left, nothing fires", rs(r), (long)cur.value.tv_sec);
    r = res(syscall(SYS_timer_settime, id, TIMER_ABSTIME, &huge, NULL));
    sleep_ms(30);
    ccheckf(r.ret == 0 && hits[SIGUSR1] == 0, "absolute INT64_MAX s -> %s: nothing fires", rs(r));
    t_delete(id);
    return 0;
}

/* Timers are not inherited: the child has none of its parent's. */
static int child_has_no_timers(void *arg)
{
    int parent_id = *(int *)arg;
    struct kitimerspec cur;
    ccheckf(is_err(t_get(parent_id, &cur), EINVAL), "fork: the parent's POSIX timer is not the child's (EINVAL)");
    struct itimerval v;
    getitimer(ITIMER_REAL, &v);
    ccheckf(!v.it_value.tv_sec && !v.it_value.tv_usec && !v.it_interval.tv_sec, "fork: ITIMER_REAL is not inherited");
    getitimer(ITIMER_PROF, &v);
    ccheckf(!v.it_value.tv_sec && !v.it_value.tv_usec, "fork: ITIMER_PROF is not inherited");
    int id = -1;
    struct sigevent sev = sev_signal(SIGUSR1, NULL);
    t_create(CLOCK_MONOTONIC, &sev, &id);
    kcheckf(id == 0, "fork: the child's first timer id is 0 (%d)", id);
    return 0;
}

static int posix_fork(void *arg)
{
    (void)arg;
    int id = -1;
    struct sigevent sev = sev_signal(SIGUSR1, NULL);
    catch(SIGUSR1, 0);
    t_create(CLOCK_MONOTONIC, &sev, &id);
    t_set(id, 0, 3600LL * 1000 * MS, 0, NULL);
    struct itimerval v = { { 0, 0 }, { 3600, 0 } };
    setitimer(ITIMER_REAL, &v, NULL);
    setitimer(ITIMER_PROF, &v, NULL);
    run_child_ok("no timers across fork", child_has_no_timers, &id);
    struct kitimerspec cur;
    ccheckf(t_get(id, &cur).ret == 0 && cur.value.tv_sec > 3500, "the parent's timer is still armed");
    return 0;
}

/* Many armed timers, then exit: the exit frees them (Kenix: memory comes back). */
static int many_timers_then_exit(void *arg)
{
    (void)arg;
    struct sigevent sev = sev_signal(SIGUSR1, NULL);
    int n = on_kenix() ? 200 : 30; /* qemu-user keeps 32 timers at most */
    for (int i = 0; i < n; i++) {
        int id;
        if (t_create(i % 2 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &sev, &id).ret != 0)
            return 1;
        t_set(id, 0, (long long)(i + 1) * 3600 * 1000 * MS, i % 3 ? MS : 0, NULL);
    }
    struct itimerval v = { { 0, 0 }, { 3600, 0 } };
    setitimer(ITIMER_REAL, &v, NULL);
    return 0;
}

static int posix_limit(void *arg)
{
    (void)arg;
    struct sigevent sev = sev_signal(SIGUSR1, NULL);
    struct rlimit rl;
    getrlimit(RLIMIT_SIGPENDING, &rl);
    /* Without changing anything: EAGAIN comes, at the limit (Kenix: the
     * smaller of RLIMIT_SIGPENDING and 1024). */
    int n = 0, id;
    res_t r = { 0, 0 };
    while (n < 100000 && (r = t_create(CLOCK_MONOTONIC, &sev, &id)).ret == 0)
        n++;
    unsigned long long expect = rl.rlim_cur < 1024 ? rl.rlim_cur : 1024;
    ccheckf(is_err(r, EAGAIN), "timer_create in a loop: %d made, then %s", n, rs(r));
    kcheckf((unsigned long long)n == expect, "the limit is min(RLIMIT_SIGPENDING %llu, 1024): %d",
            (unsigned long long)rl.rlim_cur, n);
    for (int i = 0; i < n; i++)
        t_delete(i);
    /* A lower RLIMIT_SIGPENDING counts. */
    struct rlimit small = { 5, 5 };
    setrlimit(RLIMIT_SIGPENDING, &small);
    int ids[8], made = 0;
    while (made < 8 && (r = t_create(CLOCK_MONOTONIC, &sev, &ids[made])).ret == 0)
        made++;
    kcheckf(made == 5 && is_err(r, EAGAIN), "RLIMIT_SIGPENDING 5: %d timers, then %s", made, rs(r));
    for (int i = 0; i < made; i++)
        t_delete(ids[i]);
    return 0;
}

static int posix_exit_frees(void *arg)
{
    (void)arg;
    run_child("warm-up", many_timers_then_exit, NULL);
    unsigned long long before = free_ram();
    bool all = true;
    for (int i = 0; i < 10; i++)
        all = run_child("armed timers, then exit", many_timers_then_exit, NULL) == 0 && all;
    unsigned long long after = free_ram();
    long long lost = (long long)before - (long long)after;
    ccheckf(all, "10 processes made %d armed timers each and exited", on_kenix() ? 200 : 30);
    kcheckf(lost <= 16 * 4096, "and their memory came back (%lld bytes less free)", lost);
    return 0;
}

/* Thousands of timers whose signal is ignored (SIGURG, by default), every
 * microsecond: they fire at most once a tick each, and the tick does a
 * bounded amount of that work, so the system stays on time. */
static int ignored_flood(void *arg)
{
    (void)arg;
    struct sigevent sev = sev_signal(SIGURG, NULL);
    int n = 0, id;
    while (n < 1024 && t_create(CLOCK_MONOTONIC, &sev, &id).ret == 0) {
        t_set(id, 0, 1000, 1000, NULL);
        n++;
    }
    sleep_through(700 * MS);
    return n >= 500 ? 0 : 1;
}

/* A periodic timer whose signal is ignored goes on counting while it is
 * (timer_gettime reads a value within the period) and raises its signal
 * again once a handler is installed, the periods meanwhile as overruns. */
static int ignored_then_handled(void *arg)
{
    (void)arg;
    signal(SIGUSR2, SIG_IGN);
    struct sigevent sev = sev_signal(SIGUSR2, NULL);
    int id;
    t_create(CLOCK_MONOTONIC, &sev, &id);
    t_set(id, 0, 20 * MS, 20 * MS, NULL);
    sleep_through(110 * MS);
    struct kitimerspec cur;
    t_get(id, &cur);
    long long left = cur.value.tv_sec * 1000000000LL + cur.value.tv_nsec;
    ccheckf(left > 0 && left <= 20 * MS, "ignored: timer_gettime still counts down within the period (%lld us)",
            left / 1000);
    reset_hits(SIGUSR2);
    catch(SIGUSR2, 0);
    sleep_through(70 * MS);
    ccheckf(hits[SIGUSR2] >= 2 && last_overrun[SIGUSR2] >= 0,
            "a handler installed: the timer raises SIGUSR2 again (%d in 70 ms, last overrun %d)", (int)hits[SIGUSR2],
            last_overrun[SIGUSR2]);
    syscall(SYS_timer_delete, id);
    return 0;
}

static int tick_load(void *arg)
{
    (void)arg;
    if (!on_kenix()) {
        skipf("(Kenix only) 4 processes with 500 timers each every microsecond, signals ignored: sleeps on time");
        return 0;
    }
    /* A fixed piece of work, timed before and during the flood (CPU time would
     * not do: the tick's work is charged to whoever it interrupts). */
    long long w0 = now_ns();
    for (volatile long i = 0; i < 3000000; i++)
        ;
    w0 = now_ns() - w0;
    pid_t pids[4];
    int rds[4];
    for (int i = 0; i < 4; i++)
        pids[i] = start_child(ignored_flood, NULL, &rds[i]);
    sleep_through(150 * MS);
    /* Most of five 20 ms sleeps on time (a host that preempts QEMU now and
     * then may make one late; a loaded tick would make them all late). */
    long long worst = 0;
    int on_time_count = 0;
    for (int i = 0; i < 5; i++) {
        long long start = now_ns();
        sleep_ms(20);
        long long late = now_ns() - start - 20 * MS;
        if (late > worst || late < 0)
            worst = late;
        on_time_count += on_time(late);
    }
    long long w1 = now_ns();
    for (volatile long i = 0; i < 3000000; i++)
        ;
    w1 = now_ns() - w1;
    ccheckf(on_time_count >= 4 && w1 < 3 * w0,
            "2000 ignored timers every microsecond: %d of 5 20 ms sleeps on time (worst %lld us late); a loop took "
            "%lld us (%lld us without them)",
            on_time_count, worst / 1000, w1 / 1000, w0 / 1000);
    for (int i = 0; i < 4; i++) {
        int st = finish_child(pids[i], rds[i], "timer flood");
        ccheckf(st == 0, "flooding child %d made its timers and exited (%s)", i, status_str(st));
    }
    return 0;
}

/* ---- sleeping, interrupted ---------------------------------------------------------- */

static void arm_alarm_ms(long ms)
{
    struct itimerval v = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
    setitimer(ITIMER_REAL, &v, NULL);
}

static int sleep_interrupted(void *arg)
{
    (void)arg;
    for (int restart = 0; restart < 2; restart++) {
        bool ok = false;
        long long left = 0, off = 0;
        res_t r = { 0, 0 };
        for (int t = 0; t < TRIES && !ok; t++) {
            catch(SIGALRM, restart ? SA_RESTART : 0);
            struct timespec req = { 1, 0 }, rem = { -1, -1 };
            long long start = now_ns();
            arm_alarm_ms(50);
            r = res(nanosleep(&req, &rem));
            long long elapsed = now_ns() - start;
            left = ts_ns(&rem);
            off = left - (1000 * MS - elapsed); /* what rem says against what is left */
            ok = is_err(r, EINTR) && hits[SIGALRM] == 1 && left > 900 * MS && left < 1000 * MS && off <= 2 * MS &&
                 off >= -TICK_NS - SLACK_NS;
        }
        ccheckf(ok, "nanosleep(1 s) interrupted by a handler%s -> %s, rem %lld us (%lld us from the time left)",
                restart ? " with SA_RESTART (still EINTR)" : "", rs(r), left / 1000, off / 1000);
    }

    catch(SIGALRM, 0);
    struct timespec req = { 1, 0 };
    arm_alarm_ms(30);
    res_t r = res(nanosleep(&req, NULL));
    ccheckf(is_err(r, EINTR), "nanosleep with rem NULL, interrupted -> %s", rs(r));

    catch(SIGALRM, 0);
    arm_alarm_ms(30);
    r = res(syscall(SYS_nanosleep, &req, (void *)8));
    /* qemu-user ignores a rem it cannot write (Linux: EFAULT). */
    kcheckf(is_err(r, EFAULT) && hits[SIGALRM] == 1, "nanosleep with a bad rem, interrupted -> %s (EFAULT)", rs(r));
    struct timespec shortreq = { 0, 1000 };
    r = res(syscall(SYS_nanosleep, &shortreq, (void *)8));
    ccheckf(r.ret == 0, "nanosleep with a bad rem, not interrupted -> %s", rs(r));

    /* clock_nanosleep returns the error number; errno stays as it was. */
    catch(SIGALRM, 0);
    struct timespec rem = { -1, -1 };
    errno = 1234;
    arm_alarm_ms(40);
    int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
    ccheckf(e == EINTR && errno == 1234 && ts_ns(&rem) > 900 * MS && ts_ns(&rem) < 1000 * MS,
            "clock_nanosleep(MONOTONIC, relative) interrupted -> %d (EINTR), errno untouched, rem %lld us", e,
            ts_ns(&rem) / 1000);
    catch(SIGALRM, 0);
    rem = (struct timespec){ 77, 77 };
    struct timespec now_rt, abs_t;
    clock_gettime(CLOCK_REALTIME, &now_rt);
    abs_t = (struct timespec){ now_rt.tv_sec + 1, now_rt.tv_nsec };
    arm_alarm_ms(40);
    e = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs_t, &rem);
    ccheckf(e == EINTR && rem.tv_sec == 77 && rem.tv_nsec == 77,
            "clock_nanosleep(REALTIME, TIMER_ABSTIME) interrupted -> %d (EINTR), rem left alone", e);

    /* The errors. */
    struct timespec bad_nsec = { 0, 1000000000 }, neg = { -1, 0 };
    ccheckf(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad_nsec, NULL) == EINVAL, "clock_nanosleep tv_nsec 10^9 -> EINVAL");
    ccheckf(clock_nanosleep(CLOCK_MONOTONIC, 0, &neg, NULL) == EINVAL, "clock_nanosleep tv_sec -1 -> EINVAL");
    ccheckf(clock_nanosleep(100, 0, &shortreq, NULL) == EINVAL, "clock_nanosleep(clock 100) -> EINVAL");
    ccheckf(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &shortreq, NULL) == EINVAL,
            "clock_nanosleep(CLOCK_THREAD_CPUTIME_ID) -> EINVAL");
    ccheckf(clock_nanosleep(CLOCK_MONOTONIC_COARSE, 0, &shortreq, NULL) == EOPNOTSUPP,
            "clock_nanosleep(CLOCK_MONOTONIC_COARSE) -> EOPNOTSUPP");
    r = res(syscall(SYS_clock_nanosleep, 100, 0, (void *)8, NULL));
    /* qemu-user reads the request first (Linux looks at the clock first). */
    kcheckf(is_err(r, EINVAL), "clock_nanosleep(clock 100, bad request) -> %s (the clock first)", rs(r));
    r = res(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (void *)8, NULL));
    ccheckf(is_err(r, EFAULT), "clock_nanosleep(bad request) -> %s", rs(r));
    r = res(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0xfe, &shortreq, NULL));
    ccheckf(r.ret == 0, "clock_nanosleep flags 0xfe (unknown bits ignored) -> %s", rs(r));
    r = res(syscall(SYS_nanosleep, &neg, NULL));
    ccheckf(is_err(r, EINVAL), "nanosleep tv_sec -1 -> %s", rs(r));
    return 0;
}

/* A child's sleep, stopped and continued midway: it still ends at its first
 * deadline (restart_syscall, or the same absolute time). */
struct stopped_sleep {
    bool absolute;
    int report[2];
};

static int stopped_sleeper(void *arg)
{
    struct stopped_sleep *s = arg;
    long long start = now_ns();
    struct timespec req = { 0, 300 * MS }, rem = { 55, 55 };
    int e;
    if (s->absolute) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long d = ts_ns(&now) + 300 * MS;
        req = (struct timespec){ d / 1000000000LL, d % 1000000000LL };
        e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, &rem);
    } else {
        e = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
    }
    long long elapsed = now_ns() - start;
    ccheckf(e == 0 && elapsed >= 300 * MS && elapsed <= 300 * MS + TICK_NS + 20 * MS,
            "%s sleep of 300 ms stopped at 50 ms and continued at 150 ms -> %d after %lld us (not 400 ms)",
            s->absolute ? "an absolute" : "a relative", e, elapsed / 1000);
    return 0;
}

static int sleep_stopped(void *arg)
{
    (void)arg;
    for (int absolute = 0; absolute < 2; absolute++) {
        struct stopped_sleep s = { .absolute = absolute };
        int rd;
        pid_t pid = start_child(stopped_sleeper, &s, &rd);
        sleep_through(50 * MS);
        kill(pid, SIGSTOP);
        sleep_through(100 * MS);
        kill(pid, SIGCONT);
        finish_child(pid, rd, "stopped sleeper");
    }
    return 0;
}

int main(void)
{
    run_child_ok("setitimer/getitimer values", itimer_values, NULL);
    run_child_ok("alarm", alarm_cases, NULL);
    int st = run_child("alarm, default action", alarm_default, NULL);
    ccheckf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM, "an unhandled ITIMER_REAL ends the process: %s",
            st < 0 ? "not waited" : status_str(st));
    run_child_ok("ITIMER_REAL fires", itimer_real_fires, NULL);
    run_child_ok("ITIMER_VIRTUAL/PROF fire", itimer_cpu_fires, NULL);
    run_child_ok("POSIX timer errors", posix_errors, NULL);
    run_child_ok("POSIX timers fire", posix_fires, NULL);
    run_child_ok("POSIX periodic timers and overruns", posix_periodic, NULL);
    run_child_ok("SIGEV_NONE", posix_sigev_none, NULL);
    run_child_ok("fork", posix_fork, NULL);
    run_child_ok("limit", posix_limit, NULL);
    run_child_ok("exit frees", posix_exit_frees, NULL);
    run_child_ok("ignored, then handled", ignored_then_handled, NULL);
    run_child_ok("tick load", tick_load, NULL);
    run_child_ok("interrupted sleeps", sleep_interrupted, NULL);
    run_child_ok("stopped sleeps", sleep_stopped, NULL);
    return check_summary();
}
