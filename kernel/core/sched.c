#include "sched.h"

#include "kenix/panic.h"
#include "process.h"
#include "../mm/vmspace.h"
#include "../arch/aarch64/sysreg.h"

void cpu_switch(struct cpu_context *prev, struct cpu_context *next);
void fpsimd_save(struct fpsimd_state *state);
void fpsimd_restore(const struct fpsimd_state *state);

struct run_queue {
    struct thread *head, *tail;
};

static struct run_queue queues[SCHED_PRIORITIES];
uint32_t sched_runnable_prios; /* bit p set: queues[p] has threads */
static struct thread *idle_thread;
static struct thread *dead_threads; /* exited, waiting for their stacks to be freed */
volatile bool sched_resched_pending;
static struct thread *sleepers; /* timed sleeps, sorted by wake_at */

_Static_assert(SCHED_PRIORITIES <= 32, "one bit per priority in `sched_runnable_prios`");

static void enqueue(struct thread *t)
{
    struct run_queue *q = &queues[t->prio];
    t->next = 0;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
    sched_runnable_prios |= 1u << t->prio;
    t->state = THREAD_RUNNABLE;
}

static struct thread *dequeue_highest(void)
{
    if (!sched_runnable_prios)
        return 0;
    unsigned prio = 31 - (unsigned)__builtin_clz(sched_runnable_prios);
    struct run_queue *q = &queues[prio];
    struct thread *t = q->head;
    q->head = t->next;
    if (!q->head) {
        q->tail = 0;
        sched_runnable_prios &= ~(1u << prio);
    }
    t->next = 0;
    return t;
}

void sched_init(struct thread *idle)
{
    idle_thread = idle;
}

void sched_wake(struct thread *t)
{
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    if (t->state == THREAD_BLOCKED) {
        t->timeslice = SCHED_TIMESLICE_TICKS;
        enqueue(t);
        struct thread *cur = current_thread();
        if (cur == idle_thread || t->prio > cur->prio)
            sched_resched_pending = true;
    }
    write_sysreg(daif, daif);
}

static void reap_dead_threads(void)
{
    while (dead_threads && dead_threads != current_thread()) {
        struct thread *t = dead_threads;
        dead_threads = t->next;
        thread_reap(t);
    }
}

/*
 * Lazy FP/SIMD switching. The registers hold the state of fp_owner, which is
 * not necessarily the running thread: a switch only turns EL0 access off
 * (CPACR_EL1.FPEN = 01) unless the next thread owns the registers, and the
 * first FP instruction of another thread traps into sched_fpsimd_trap, which
 * moves the state. Threads that never touch FP -- servers in an IPC round
 * trip -- never pay for 528 bytes of registers. The kernel itself never uses
 * FP (-mgeneral-regs-only), so EL1 access can stay on.
 */
static struct thread *fp_owner;
static bool fp_user_enabled = true; /* matches CPACR_EL1 as set at boot */

static void fp_user_access(bool on)
{
    if (on == fp_user_enabled)
        return;
    write_sysreg(cpacr_el1, (on ? 3u : 1u) << 20);
    isb();
    fp_user_enabled = on;
}

/* Puts t's FP/SIMD state in the registers. */
static void fp_take(struct thread *t)
{
    if (fp_owner != t) {
        if (fp_owner)
            fpsimd_save(&fp_owner->fpsimd);
        fpsimd_restore(&t->fpsimd);
        fp_owner = t;
    }
}

/* A thread that traps for FP on most switch-ins (two FP users taking turns)
 * would pay a trap each time: after FP_EAGER_AFTER traps in a row, its state
 * is loaded at switch-in instead, for FP_EAGER_SWITCHES switches; then lazy
 * again, so a thread that stopped using FP stops paying. */
#define FP_EAGER_AFTER 3
#define FP_EAGER_SWITCHES 32

void sched_fpsimd_trap(void)
{
    struct thread *self = current_thread();
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    fp_take(self);
    fp_user_access(true);
    if (self->fp_traps < FP_EAGER_AFTER && ++self->fp_traps == FP_EAGER_AFTER)
        self->fp_eager_left = FP_EAGER_SWITCHES;
    write_sysreg(daif, daif);
}

void sched_forget_thread(struct thread *t)
{
    if (fp_owner == t)
        fp_owner = 0;
}

/* Switches the CPU's user-visible state (address space, TLS register, FP access). */
static void switch_user_state(struct thread *prev, struct thread *next)
{
    if (prev->proc) {
        prev->tpidr_el0 = read_sysreg(tpidr_el0);
        if (prev != fp_owner)
            prev->fp_traps = 0; /* this run used no FP: the streak is over */
    }
    if (next->proc) {
        if (!prev->proc || prev->proc != next->proc)
            vmspace_activate(next->proc->vm);
        write_sysreg(tpidr_el0, next->tpidr_el0);
        if (next->fp_eager_left && next != fp_owner) {
            fp_take(next);
            if (--next->fp_eager_left == 0)
                next->fp_traps = 0;
        }
        fp_user_access(next == fp_owner);
    }
}

/* Runs `next` in place of the current thread (interrupts masked). */
static inline __attribute__((always_inline)) void switch_to(struct thread *prev, struct thread *next)
{
    next->state = THREAD_RUNNING;
    next->timeslice = SCHED_TIMESLICE_TICKS;
    if (next == prev)
        return;
    uint64_t now = read_sysreg(cntvct_el0);
    prev->cpu_counter += now - prev->run_start;
    next->run_start = now;
    switch_user_state(prev, next);
    __asm__ volatile("msr tpidr_el1, %0" ::"r"(next) : "memory");
    cpu_switch(&prev->ctx, &next->ctx);
    /* Back on prev's stack, switched to by someone else. */
    reap_dead_threads();
}

void schedule(void)
{
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    sched_resched_pending = false;
    struct thread *prev = current_thread();
    if (prev->state == THREAD_RUNNING && prev != idle_thread)
        enqueue(prev);
    struct thread *next = dequeue_highest();
    if (!next)
        next = prev->state == THREAD_RUNNING || prev->state == THREAD_RUNNABLE ? prev : idle_thread;
    if (prev->state == THREAD_DEAD) {
        prev->next = dead_threads;
        dead_threads = prev;
    }
    switch_to(prev, next);
    write_sysreg(daif, daif);
}

void sched_handoff_now(struct thread *next)
{
    switch_to(current_thread(), next);
}

void sched_handoff(struct thread *next)
{
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    if (sched_handoff_allowed(next)) {
        switch_to(current_thread(), next);
    } else {
        /* Someone more urgent is waiting: no shortcut past the run queues. */
        sched_wake(next);
        schedule();
    }
    write_sysreg(daif, daif);
}

/* Called by thread_trampoline on a new thread's first run. */
void sched_new_thread_started(void)
{
    reap_dead_threads();
    irq_enable();
}

static void wake_sleepers(void)
{
    uint64_t now = read_sysreg(cntvct_el0);
    while (sleepers && sleepers->wake_at <= now) {
        struct thread *t = sleepers;
        sleepers = t->sleep_next;
        t->wake_at = 0;
        sched_wake(t);
    }
}

void sched_sleep_until(uint64_t deadline)
{
    struct thread *self = current_thread();
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    if (deadline > read_sysreg(cntvct_el0)) {
        struct thread **link = &sleepers;
        while (*link && (*link)->wake_at <= deadline)
            link = &(*link)->sleep_next;
        self->wake_at = deadline;
        self->sleep_next = *link;
        *link = self;
        self->state = THREAD_BLOCKED;
        schedule();
    }
    write_sysreg(daif, daif);
}

uint64_t sched_thread_cpu(const struct thread *t)
{
    uint64_t cpu = t->cpu_counter;
    if (t == current_thread())
        cpu += read_sysreg(cntvct_el0) - t->run_start;
    return cpu;
}

void sched_tick(void)
{
    wake_sleepers();
    struct thread *cur = current_thread();
    if (cur == idle_thread) {
        if (sched_runnable_prios)
            sched_resched_pending = true;
        return;
    }
    if (cur->timeslice > 0)
        cur->timeslice--;
    if (cur->timeslice == 0 && sched_runnable_prios)
        sched_resched_pending = true;
}

void sched_idle(void)
{
    for (;;) {
        irq_disable();
        if (sched_runnable_prios) {
            schedule();
            continue;
        }
        /* wfi with interrupts masked still wakes on a pending interrupt,
         * so no wake-up is lost between the check and the sleep. */
        wfi();
        irq_enable();
        isb();
    }
}

