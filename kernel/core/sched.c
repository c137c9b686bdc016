#include "sched.h"

#include "kenix/panic.h"
#include "kenix/spinlock.h"
#include "process.h"
#include "trace.h"
#include "wait.h"
#include "../posix/ktimer.h"
#include "../mm/vmspace.h"
#include "../arch/aarch64/sysreg.h"
#include "../arch/aarch64/timer.h"

void cpu_switch(struct cpu_context *prev, struct cpu_context *next);
void fpsimd_save(struct fpsimd_state *state);
void fpsimd_restore(const struct fpsimd_state *state);

/*
 * sched_lock protects the run queues and sched_runnable_prios, the resched
 * flag, the deadline list, the dead-thread list, the FP/SIMD owner and every
 * thread's `state` and `timeslice`. It is innermost: taken inside any other
 * lock, never the other way round. A switch hands it over: the thread that
 * switches away holds it, and the thread switched to releases it (in its own
 * schedule() call, or in sched_new_thread_started on its first run).
 */
static struct spinlock sched_lock = SPINLOCK_INIT("sched");

struct run_queue {
    struct thread *head, *tail;
};

static struct run_queue queues[SCHED_PRIORITIES];
uint32_t sched_runnable_prios; /* bit p set: queues[p] has threads */
static struct thread *idle_thread;
static struct thread *dead_threads; /* exited, waiting for their stacks to be freed */
volatile bool sched_resched_pending;
/* Since boot, for /proc/stat and /proc/loadavg (sched_lock): ticks that found
 * the CPU in user mode, in the kernel, idle; switches; Linux's load averages. */
static struct sched_stats stats;
static unsigned load_ticks;

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

static void enqueue_woken(struct thread *t)
{
    t->timeslice = SCHED_TIMESLICE_TICKS;
    enqueue(t);
    struct thread *cur = current_thread();
    if (cur == idle_thread || t->prio > cur->prio)
        sched_resched_pending = true;
}

void sched_wake(struct thread *t)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    if (t->state == THREAD_BLOCKED)
        enqueue_woken(t);
    spin_unlock_irqrestore(&sched_lock, flags);
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
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    fp_take(self);
    fp_user_access(true);
    if (self->fp_traps < FP_EAGER_AFTER && ++self->fp_traps == FP_EAGER_AFTER)
        self->fp_eager_left = FP_EAGER_SWITCHES;
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_fpsimd_flush(struct thread *t)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    if (fp_owner == t)
        fpsimd_save(&t->fpsimd);
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_fpsimd_reload(struct thread *t)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    if (fp_owner == t)
        fpsimd_restore(&t->fpsimd);
    spin_unlock_irqrestore(&sched_lock, flags);
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
        if (!prev->proc || prev->proc->vm != next->proc->vm)
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

/* Runs `next` in place of the current thread (sched_lock held). */
static inline __attribute__((always_inline)) void switch_to(struct thread *prev, struct thread *next)
{
    next->state = THREAD_RUNNING;
    next->timeslice = SCHED_TIMESLICE_TICKS;
    if (next == prev)
        return;
    stats.switches++;
    if (trace_enabled())
        trace_emit(KX_TRACE_SWITCH, next->proc ? next->proc->pid : 0, next->tid, prev->proc ? prev->proc->pid : 0);
    uint64_t now = read_sysreg(cntvct_el0);
    prev->cpu_counter += now - prev->run_start;
    next->run_start = now;
    switch_user_state(prev, next);
    __asm__ volatile("msr tpidr_el1, %0" ::"r"(next) : "memory");
    cpu_switch(&prev->ctx, &next->ctx);
    /* Back on prev's stack, switched to by someone else, who left sched_lock held. */
    reap_dead_threads();
}

/* Picks the next thread and switches to it (sched_lock held). */
static void schedule_locked(void)
{
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
}

void schedule(void)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    schedule_locked();
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_handoff_now(struct thread *next)
{
    spin_lock(&sched_lock);
    switch_to(current_thread(), next);
    spin_unlock(&sched_lock);
}

void sched_handoff(struct thread *next)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    if (sched_handoff_allowed(next)) {
        switch_to(current_thread(), next);
    } else {
        /* Someone more urgent is waiting: no shortcut past the run queues. */
        if (next->state == THREAD_BLOCKED)
            enqueue_woken(next);
        schedule_locked();
    }
    spin_unlock_irqrestore(&sched_lock, flags);
}

/* Called by thread_trampoline on a new thread's first run: the thread that
 * switched here left sched_lock held. Interrupts stay masked: a user thread
 * goes on to exit_to_user and trap_return, which must run masked. */
void sched_new_thread_started(void)
{
    reap_dead_threads();
    spin_unlock(&sched_lock);
}

/*
 * Deadlines of blocked threads (wait.h), sorted by time: the tick looks only
 * at the head. Insertion walks the list, proportional to the timed waits
 * that exist.
 */
static struct thread *deadlines;

void sched_deadline_add(struct thread *t, uint64_t deadline)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    t->wait.deadline = deadline;
    struct thread *prev = 0, *cur = deadlines;
    while (cur && cur->wait.deadline <= deadline) {
        prev = cur;
        cur = cur->wait.dnext;
    }
    t->wait.dprev = prev;
    t->wait.dnext = cur;
    if (cur)
        cur->wait.dprev = t;
    if (prev)
        prev->wait.dnext = t;
    else
        deadlines = t;
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_deadline_remove(struct thread *t)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    if (t->wait.dprev)
        t->wait.dprev->wait.dnext = t->wait.dnext;
    else if (deadlines == t)
        deadlines = t->wait.dnext;
    if (t->wait.dnext)
        t->wait.dnext->wait.dprev = t->wait.dprev;
    t->wait.dnext = t->wait.dprev = 0;
    t->wait.deadline = 0;
    spin_unlock_irqrestore(&sched_lock, flags);
}

struct thread *sched_deadline_first_due(uint64_t now)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    struct thread *t = deadlines && deadlines->wait.deadline <= now ? deadlines : 0;
    spin_unlock_irqrestore(&sched_lock, flags);
    return t;
}

uint64_t sched_thread_cpu(const struct thread *t)
{
    uint64_t cpu = t->cpu_counter;
    if (t == current_thread())
        cpu += read_sysreg(cntvct_el0) - t->run_start;
    return cpu;
}

/* Linux's calc_load: every 5 s, each average moves towards the number of
 * threads running or waiting to run, by exp(-5 s / 1, 5, 15 min) in 11-bit
 * fixed point. */
static void update_load(bool running)
{
    static const uint32_t decay[3] = { 1884, 2014, 2037 };
    uint64_t active = running;
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        for (struct thread *t = queues[p].head; t; t = t->next)
            active++;
    active <<= 11;
    for (unsigned i = 0; i < 3; i++) {
        uint64_t l = (uint64_t)stats.load[i] * decay[i] + active * ((1u << 11) - decay[i]);
        if (active >= stats.load[i])
            l += (1u << 11) - 1; /* round up while rising, as Linux */
        stats.load[i] = (uint32_t)(l >> 11);
    }
}

void sched_get_stats(struct sched_stats *out)
{
    irqflags_t flags = spin_lock_irqsave(&sched_lock);
    *out = stats;
    out->running = current_thread() != idle_thread;
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        for (struct thread *t = queues[p].head; t; t = t->next)
            out->running++;
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_tick(void)
{
    uint64_t now = read_sysreg(cntvct_el0);
    wait_expire(now);
    spin_lock(&sched_lock);
    struct thread *cur = current_thread();
    if (++load_ticks >= 5 * TIMER_HZ) {
        load_ticks = 0;
        update_load(cur != idle_thread);
    }
    if (cur == idle_thread) {
        stats.idle_ticks++;
        if (sched_runnable_prios)
            sched_resched_pending = true;
    } else {
        if (cpu_irq_from_user)
            stats.user_ticks++;
        else
            stats.system_ticks++;
        /* Linux's tick-based split of run time into user and system parts. */
        if (cur->proc) {
            if (cpu_irq_from_user)
                cur->proc->user_ticks++;
            else
                cur->proc->sys_ticks++;
        }
        if (cur->timeslice > 0)
            cur->timeslice--;
        if (cur->timeslice == 0 && sched_runnable_prios)
            sched_resched_pending = true;
    }
    spin_unlock(&sched_lock);
    /* Timers after the accounting above (the CPU itimers count this tick),
     * outside sched_lock: firing takes proc_lock, which comes first. */
    ktimers_tick(now, cur, cpu_irq_from_user);
}

void sched_idle(void)
{
    for (;;) {
        irqflags_t flags = spin_lock_irqsave(&sched_lock);
        if (sched_runnable_prios) {
            schedule_locked();
            spin_unlock_irqrestore(&sched_lock, flags);
            continue;
        }
        spin_unlock(&sched_lock);
        /* wfi with interrupts masked still wakes on a pending interrupt,
         * so no wake-up is lost between the check and the sleep. */
        wfi();
        irq_enable();
        isb();
    }
}
