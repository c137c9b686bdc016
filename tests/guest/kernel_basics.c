/*
 * System-call semantics of Kenix's first POSIX subset, checked from inside
 * the guest: one line per case and a final "N passed, N failed"; the exit
 * status is 0 only if everything passed. Run as init by the kernel scenarios.
 */
#define _GNU_SOURCE /* syscall(), sched_yield() and the clocks under -std=c17 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sched.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define KERNEL_ADDRESS ((void *)0xffffffff80080000ull)

/* A raw system call that must fail with exactly `err`. */
static int fails_with(long ret, int err)
{
    return ret == -1 && errno == err;
}

static void identity(void)
{
    check(getpid() > 0 && syscall(SYS_gettid) == getpid(), "getpid and gettid agree");
    struct utsname u;
    check(uname(&u) == 0 && !strcmp(u.sysname, "Kenix") && !strcmp(u.machine, "aarch64"), "uname says Kenix/aarch64");
    check(getuid() == 0 && geteuid() == 0, "getuid/geteuid");
}

static void clocks(void)
{
    struct timespec a, b, r;
    check(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime(MONOTONIC)");
    for (volatile int i = 0; i < 200000; i++)
        ;
    clock_gettime(CLOCK_MONOTONIC, &b);
    check(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec), "monotonic time advances");
    check(clock_gettime(CLOCK_REALTIME, &r) == 0 && r.tv_sec > 1577836800, "realtime is after 2020 (RTC)");
    check(fails_with(syscall(SYS_clock_gettime, 12345, &a), EINVAL), "bad clock id: EINVAL");
}

static long long ns_of(const struct timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void sleeping(void)
{
    struct timespec a, b, ca, cb;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
    struct timespec req = { .tv_sec = 0, .tv_nsec = 50000000 };
    check(nanosleep(&req, NULL) == 0, "nanosleep 50 ms");
    clock_gettime(CLOCK_MONOTONIC, &b);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
    long long slept = ns_of(&b) - ns_of(&a), cpu = ns_of(&cb) - ns_of(&ca);
    check(slept >= 50000000 && slept < 1000000000, "nanosleep: at least 50 ms passed, and not forever");
    check(cpu < 20000000, "a sleeping thread uses no CPU time");

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while (ns_of(&b) - ns_of(&a) < 30000000);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
    check(ns_of(&cb) - ns_of(&ca) >= 25000000, "a spinning thread accumulates CPU time");

    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 20000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    check(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == 0, "clock_nanosleep until an absolute time");
    clock_gettime(CLOCK_MONOTONIC, &b);
    check(ns_of(&b) >= ns_of(&until), "woke no earlier than the deadline");
    struct timespec bad = { .tv_sec = 0, .tv_nsec = 1000000000 };
    check(fails_with(syscall(SYS_nanosleep, &bad, NULL), EINVAL), "nanosleep with tv_nsec = 10^9: EINVAL");
    check(fails_with(syscall(SYS_nanosleep, KERNEL_ADDRESS, NULL), EFAULT), "nanosleep from a kernel address: EFAULT");
}

static void randomness(void)
{
    unsigned char x[16] = { 0 }, y[16] = { 0 }, zero[16] = { 0 };
    check(getrandom(x, sizeof(x), 0) == 16 && getrandom(y, sizeof(y), 0) == 16, "getrandom returns 16 bytes");
    check(memcmp(x, y, 16) && memcmp(x, zero, 16), "getrandom: two draws differ, not zero");
}

static void memory(void)
{
    size_t big = 1 << 20;
    unsigned char *p = malloc(big);
    int ok = p != NULL;
    for (size_t i = 0; ok && i < big; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    for (size_t i = 0; ok && i < big; i += 4096)
        ok = p[i] == (unsigned char)(i >> 12);
    free(p);
    check(ok, "malloc 1 MiB, touch every page, read back");

    void *small[200];
    ok = 1;
    for (int i = 0; i < 200; i++) {
        small[i] = malloc((size_t)(i * 7 + 1));
        ok = ok && small[i];
        if (small[i])
            memset(small[i], i, (size_t)(i * 7 + 1));
    }
    for (int i = 0; i < 200; i++) {
        ok = ok && ((unsigned char *)small[i])[i * 7] == (unsigned char)i;
        free(small[i]);
    }
    check(ok, "200 small allocations keep their contents");

    char *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(m != MAP_FAILED && m[0] == 0 && m[65535] == 0, "mmap anonymous memory is zeroed");
    if (m != MAP_FAILED) {
        m[100] = 'k';
        check(mprotect(m, 4096, PROT_READ) == 0 && m[100] == 'k', "mprotect to read-only keeps contents");
        check(munmap(m, 65536) == 0, "munmap");
    }
    check(fails_with(munmap((void *)0x1001, 4096), EINVAL), "munmap misaligned: EINVAL");
    check(fails_with((long)(intptr_t)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL),
          "mmap of 0 bytes: EINVAL");

    uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
    uintptr_t grown = (uintptr_t)syscall(SYS_brk, cur + 8192);
    check(cur != 0 && grown == cur + 8192, "brk grows the heap");
    if (grown == cur + 8192) {
        ((volatile char *)cur)[8191] = 1;
        check(syscall(SYS_brk, cur) == (long)cur, "brk shrinks it back");
    }
}

static void bad_pointers(void)
{
    check(fails_with(syscall(SYS_write, 1, (void *)8, 4), EFAULT), "write from an unmapped buffer: EFAULT");
    check(fails_with(syscall(SYS_write, 1, KERNEL_ADDRESS, 4), EFAULT), "write from a kernel address: EFAULT");
    check(fails_with(syscall(SYS_uname, (void *)8), EFAULT), "uname to an unmapped buffer: EFAULT");
    check(fails_with(syscall(SYS_uname, KERNEL_ADDRESS), EFAULT), "uname to a kernel address: EFAULT");
    check(fails_with(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KERNEL_ADDRESS), EFAULT),
          "clock_gettime to a kernel address: EFAULT");
    check(fails_with(syscall(SYS_getrandom, (void *)8, 16, 0), EFAULT), "getrandom to an unmapped buffer: EFAULT");
    check(fails_with(syscall(SYS_writev, 1, (void *)8, 1), EFAULT), "writev with an unmapped iovec: EFAULT");
    struct iovec iov = { .iov_base = KERNEL_ADDRESS, .iov_len = 8 };
    check(fails_with(syscall(SYS_writev, 1, &iov, 1), EFAULT), "writev of kernel memory: EFAULT");
    const char *rodata = "read-only";
    check(fails_with(syscall(SYS_uname, (void *)rodata), EFAULT), "uname into read-only memory: EFAULT");
    check(fails_with(syscall(SYS_write, 7, "x", 1), EBADF), "write to a descriptor that is not open: EBADF");
}

static void unknown_calls(void)
{
    check(fails_with(syscall(1000), ENOSYS), "unknown Linux syscall: ENOSYS");
    check(fails_with(syscall(SYS_acct, NULL), ENOSYS), "a Linux syscall Kenix lacks (acct): ENOSYS");
    check(fails_with(syscall(SYS_acct, NULL), ENOSYS), "acct again: ENOSYS (logged only the first time)");
    check(fails_with(syscall(0x1000 + 4000), ENOSYS), "unknown native syscall: ENOSYS");
    /* The kernel's log line must not run into this unfinished line (the scenario checks). */
    printf("unfinished line: ");
    fflush(stdout);
    long r = syscall(999);
    printf("finished\n");
    check(fails_with(r, ENOSYS), "unknown syscall after an unfinished line: ENOSYS");
}

static void registers(void)
{
    /* FP state and the TLS register must survive trips through the kernel. */
    double acc = 0;
    for (int i = 1; i <= 1000; i++) {
        acc += 1.0 / i;
        if (i % 100 == 0)
            sched_yield();
    }
    check(acc > 7.4854708605 && acc < 7.4854708606, "FP registers survive system calls");
    uintptr_t before, after;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(before));
    sched_yield();
    getpid();
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(after));
    check(before == after && before != 0, "tpidr_el0 survives system calls");
}

int main(void)
{
    /* Line-buffered, so the kernel's own console messages fall between whole lines. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("kernel_basics: start\n");
    identity();
    clocks();
    sleeping();
    randomness();
    memory();
    bad_pointers();
    unknown_calls();
    registers();
    return check_summary();
}
