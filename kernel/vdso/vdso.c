/*
 * The vDSO: clock_gettime, gettimeofday and clock_getres in user mode, as
 * Linux's arm64 vDSO offers them (same names, version LINUX_2.6.39), so that
 * an unmodified C library -- musl through AT_SYSINFO_EHDR and DT_HASH, glibc
 * too -- finds and uses them. It reads the virtual counter (EL0 may:
 * CNTKCTL_EL1.EL0VCTEN, set by timer.c) and the data page the kernel keeps
 * (vdso_data.h), which the kernel maps one page below this image.
 *
 * Built as a position-independent shared object with no relocations at all
 * (checked at build time): it runs wherever it is mapped, and nothing ever
 * has to patch it, so every process maps the same read-only frames.
 *
 * What it does not answer goes to the real system call, so the result is
 * exactly the kernel's: the CPU-time clocks and ids the kernel rejects
 * (EINVAL), and pointers into the first page or outside user space (EFAULT,
 * where a store here would fault). Any other bad pointer faults here with
 * SIGSEGV, as in Linux's vDSO.
 */
#include <stdbool.h>
#include <stdint.h>

#include "vdso_data.h"

/* Linux's clock ids and AArch64 system call numbers (this file is freestanding). */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define NR_CLOCK_GETTIME 113
#define NR_CLOCK_GETRES 114
#define NR_GETTIMEOFDAY 169

/* The clocks read here; the kernel's sys_time.c treats each set alike. */
#define CLOCKS_HERE ((1u << CLOCK_REALTIME) | (1u << CLOCK_REALTIME_COARSE) | (1u << CLOCK_MONOTONIC) | \
                     (1u << CLOCK_MONOTONIC_RAW) | (1u << CLOCK_MONOTONIC_COARSE) | (1u << CLOCK_BOOTTIME))
#define CLOCKS_REALTIME ((1u << CLOCK_REALTIME) | (1u << CLOCK_REALTIME_COARSE))

#define PAGE_SIZE 4096u

struct kernel_timespec {
    int64_t tv_sec, tv_nsec;
};
struct kernel_timeval {
    int64_t tv_sec, tv_usec;
};
struct kernel_timezone {
    int32_t tz_minuteswest, tz_dsttime;
};

/* The data page, one page below this image's first byte (vdso.lds). Hidden:
 * reached PC-relative, no GOT entry and no relocation. */
extern const struct vdso_data vdso_data __attribute__((visibility("hidden")));

int __kernel_clock_gettime(int clock, struct kernel_timespec *ts);
int __kernel_gettimeofday(struct kernel_timeval *tv, struct kernel_timezone *tz);
int __kernel_clock_getres(int clock, struct kernel_timespec *res);

static long syscall2(long nr, long a, long b)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
    return x0;
}

/* Can a result be stored at p without the kernel's help? Only the obviously
 * bad -- NULL's page, kernel addresses -- are caught: they go to the system
 * call for its EFAULT. Shifts and compares with small immediates only: this
 * is on every call's path. */
static bool plausible(const void *p)
{
    return (uint64_t)p >= PAGE_SIZE && !((uint64_t)p >> 48);
}

static uint64_t counter(void)
{
    uint64_t c;
    /* The ISB keeps the counter read from being done ahead of the code before
     * it (as the kernel's timer_counter and Linux's __arch_get_hw_counter). */
    __asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(c)::"memory");
    return c;
}

static uint32_t seq_begin(const struct vdso_data *d)
{
    for (;;) {
        uint32_t seq = __atomic_load_n(&d->seq, __ATOMIC_ACQUIRE);
        if (!(seq & 1))
            return seq;
        __asm__ volatile("yield"); /* the kernel is rewriting it (on another CPU) */
    }
}

static bool seq_retry(const struct vdso_data *d, uint32_t seq)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the reads above before the second look */
    return __atomic_load_n(&d->seq, __ATOMIC_RELAXED) != seq;
}

/* The clock's value in ns, as the kernel's clock_now computes it; false if it
 * is not one of ours or the counter is not set up. */
static bool clock_ns(unsigned clock, uint64_t *ns)
{
    const struct vdso_data *d = &vdso_data;
    if (clock >= 32 || !((CLOCKS_HERE >> clock) & 1))
        return false;
    /* The frequency is written once, before any program runs: no sequence. */
    uint64_t f = __atomic_load_n(&d->frequency, __ATOMIC_RELAXED);
    if (!f)
        return false;
    if (!((CLOCKS_REALTIME >> clock) & 1)) {
        *ns = vdso_counter_to_ns(counter(), f);
        return true;
    }
    uint32_t seq;
    uint64_t offset, count;
    do {
        seq = seq_begin(d);
        offset = __atomic_load_n(&d->realtime_offset_ns, __ATOMIC_RELAXED);
        count = counter();
    } while (seq_retry(d, seq));
    *ns = vdso_counter_to_ns(count, f) + offset;
    return true;
}

/* Every clock and case but the commonest. */
static __attribute__((noinline)) int clock_gettime_slow(int clock, struct kernel_timespec *ts)
{
    uint64_t ns;
    if (!plausible(ts) || !clock_ns((unsigned)clock, &ns))
        return (int)syscall2(NR_CLOCK_GETTIME, clock, (long)ts);
    ts->tv_sec = (int64_t)(ns / VDSO_NSEC_PER_SEC);
    ts->tv_nsec = (int64_t)(ns % VDSO_NSEC_PER_SEC);
    return 0;
}

/* CLOCK_MONOTONIC, the clock programs time themselves with, on a straight
 * path of about twenty instructions: no sequence (nothing it reads ever
 * changes) and the seconds and nanoseconds straight from the counter
 * (vdso_counter_split: the same values the kernel's split of its ns gives). */
int __kernel_clock_gettime(int clock, struct kernel_timespec *ts)
{
    uint64_t f = __atomic_load_n(&vdso_data.frequency, __ATOMIC_RELAXED);
    if (clock != CLOCK_MONOTONIC || !plausible(ts) || !f)
        return clock_gettime_slow(clock, ts);
    uint64_t sec, nsec;
    vdso_counter_split(counter(), f, &sec, &nsec);
    ts->tv_sec = (int64_t)sec;
    ts->tv_nsec = (int64_t)nsec;
    return 0;
}

/* Kenix keeps no time zone (settimeofday accepts and drops it), so *tz is
 * always zero, as on a Linux whose zone was never set. */
int __kernel_gettimeofday(struct kernel_timeval *tv, struct kernel_timezone *tz)
{
    uint64_t ns;
    if ((tv && !plausible(tv)) || (tz && !plausible(tz)) || !clock_ns(CLOCK_REALTIME, &ns))
        return (int)syscall2(NR_GETTIMEOFDAY, (long)tv, (long)tz);
    if (tv) {
        tv->tv_sec = (int64_t)(ns / VDSO_NSEC_PER_SEC);
        tv->tv_usec = (int64_t)(ns % VDSO_NSEC_PER_SEC / 1000);
    }
    if (tz) {
        tz->tz_minuteswest = 0;
        tz->tz_dsttime = 0;
    }
    return 0;
}

/* A NULL res is allowed (the clock's validity is the answer), as in Linux. */
int __kernel_clock_getres(int clock, struct kernel_timespec *res)
{
    const struct vdso_data *d = &vdso_data;
    unsigned c = (unsigned)clock;
    uint64_t r = __atomic_load_n(&d->resolution_ns, __ATOMIC_RELAXED);
    if (c >= 32 || !((CLOCKS_HERE >> c) & 1) || !r || (res && !plausible(res)))
        return (int)syscall2(NR_CLOCK_GETRES, clock, (long)res);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = (int64_t)r;
    }
    return 0;
}

/* Where a signal handler installed without SA_RESTORER returns (glibc passes
 * none on arm64 and relies on this, as on Linux): rt_sigreturn. The nop
 * before it is Linux's: an unwinder looks up the return address minus one,
 * which must fall inside the trampoline's symbol too. */
__asm__(".text\n"
        "    .p2align 2\n"
        "    nop\n"
        "    .global __kernel_rt_sigreturn\n"
        "    .type __kernel_rt_sigreturn, %function\n"
        "__kernel_rt_sigreturn:\n"
        "    mov x8, #139\n" /* rt_sigreturn */
        "    svc #0\n"
        "    .size __kernel_rt_sigreturn, . - __kernel_rt_sigreturn\n");
