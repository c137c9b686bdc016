/*
 * Null system call cost: getppid in a loop, timed with CLOCK_MONOTONIC; and
 * clock_gettime(CLOCK_MONOTONIC) itself through the C library (the vDSO where
 * there is one). Under QEMU's -icount shift=0 one nanosecond of guest time is
 * one instruction, so the figures are instructions per call (round trip,
 * including the loop). Prints figures only; it never fails on time.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    enum { CALLS = 20000 };
    long long empty_start = now_ns();
    for (volatile int i = 0; i < CALLS; i++)
        ;
    long long empty = now_ns() - empty_start;
    long long start = now_ns();
    for (int i = 0; i < CALLS; i++)
        syscall(SYS_getppid);
    long long total = now_ns() - start;
    printf("BENCH null syscall (getppid): %lld ns per call, loop overhead %lld ns per iteration, %d calls\n",
           total / CALLS, empty / CALLS, CALLS);
    struct timespec ts;
    start = now_ns();
    for (int i = 0; i < CALLS; i++)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    total = now_ns() - start;
    printf("BENCH clock_gettime (CLOCK_MONOTONIC): %lld ns per call, %d calls\n", total / CALLS, CALLS);
    return 0;
}
