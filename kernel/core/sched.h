/*
 * Preemptive priority round-robin scheduler (one CPU). Kernel code is not
 * preempted: the timer tick only marks that the running thread's slice is
 * used up, and the switch happens on the way back to user mode or when the
 * idle loop wakes. The idle thread (the boot thread) is never on a run queue.
 */
#ifndef KENIX_CORE_SCHED_H
#define KENIX_CORE_SCHED_H

#include <stdbool.h>

#include "thread.h"

#define SCHED_PRIORITIES 32
#define SCHED_DEFAULT_PRIORITY 16
#define SCHED_TIMESLICE_TICKS 2 /* 20 ms at 100 Hz */

extern volatile bool sched_resched_pending;

void sched_init(struct thread *idle);

struct sched_stats {
    uint64_t user_ticks, system_ticks, idle_ticks; /* timer ticks since boot */
    uint64_t switches;                             /* context switches since boot */
    uint32_t load[3];                              /* 1, 5, 15 min, fixed point << 11 */
    uint32_t running;                              /* threads running or runnable now */
};
/* A copy of the scheduler's counters. */
void sched_get_stats(struct sched_stats *out);
/* Makes a thread runnable (new, or woken from THREAD_BLOCKED). */
void sched_wake(struct thread *t);
/* Gives up the CPU: the current thread stays runnable if it is RUNNING,
 * otherwise (BLOCKED, DEAD) it waits for sched_wake or is reaped. */
void schedule(void);
/* The current thread has blocked (THREAD_BLOCKED) and passes the CPU straight
 * to `next`, blocked until now and not queued -- the partner of an IPC
 * rendezvous -- unless a higher-priority thread is runnable. */
void sched_handoff(struct thread *next);
/* For the IPC fast path (interrupts masked, no lock held): whether
 * sched_handoff(next) would switch straight to next, and that switch without
 * any check. */
extern uint32_t sched_runnable_prios;
static inline bool sched_handoff_allowed(const struct thread *next)
{
    uint32_t runnable = sched_runnable_prios;
    return !sched_resched_pending && !(runnable && 31 - (unsigned)__builtin_clz(runnable) > next->prio);
}
void sched_handoff_now(struct thread *next);
/* Timer tick, from the interrupt handler. */
void sched_tick(void);
/* Whether the running thread should give up the CPU on its way back to user mode. */
static inline bool sched_need_resched(void)
{
    return sched_resched_pending;
}
/* The idle loop: runs whatever is runnable, sleeps in wfi otherwise. */
void __attribute__((noreturn)) sched_idle(void);
/* Deadlines of blocked threads (the wait primitive, wait.c): the tick ends the
 * waits whose deadline passed (tick resolution). */
void sched_deadline_add(struct thread *t, uint64_t deadline);
void sched_deadline_remove(struct thread *t);
/* The blocked thread with the earliest deadline if it is <= now, else NULL. */
struct thread *sched_deadline_first_due(uint64_t now);
/* EL0 used FP/SIMD while another thread's state was in the registers. */
void sched_fpsimd_trap(void);
/* Saves t's FP/SIMD registers into t->fpsimd if they are live (fork copies them). */
void sched_fpsimd_flush(struct thread *t);
/* Puts t->fpsimd, just changed (rt_sigreturn), in the registers if they hold t's state. */
void sched_fpsimd_reload(struct thread *t);
/* A thread is being freed: it no longer owns the FP/SIMD registers. */
void sched_forget_thread(struct thread *t);
/* Counter ticks the thread has spent on the CPU, including the current run. */
uint64_t sched_thread_cpu(const struct thread *t);

#endif
