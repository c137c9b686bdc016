#include "thread.h"

#include "kenix/bootinfo.h"
#include "kenix/panic.h"
#include "kenix/string.h"
#include "sched.h"
#include "../arch/aarch64/sysreg.h"
#include "../mm/heap.h"
#include "../mm/kstack.h"

#define SPSR_EL0T 0x0 /* EL0, all interrupts unmasked */

void cpu_switch(struct cpu_context *prev, struct cpu_context *next);
void thread_trampoline(void);

static struct thread boot_thread;
static unsigned next_tid = 1;

struct kthread_start {
    void (*fn)(void *);
    void *arg;
};

void thread_init_boot(void)
{
    boot_thread.kstack = (uint8_t *)boot_stack_bottom;
    boot_thread.tid = 0;
    boot_thread.state = THREAD_RUNNING;
    memcpy(boot_thread.name, "idle", 5);
    __asm__ volatile("msr tpidr_el1, %0" ::"r"(&boot_thread));
    sched_init(&boot_thread);
}

static struct thread *thread_alloc(const char *name, unsigned prio)
{
    struct thread *t = kzalloc(sizeof(*t));
    uint8_t *stack = t ? kstack_alloc() : 0;
    if (!stack) {
        kfree(t);
        return 0;
    }
    t->kstack = stack;
    t->tid = next_tid++;
    t->prio = prio < SCHED_PRIORITIES ? prio : SCHED_PRIORITIES - 1;
    t->state = THREAD_BLOCKED;
    t->fpsimd.fpcr = 0; /* round to nearest, no traps: what Linux gives a new thread */
    size_t n = strnlen(name, sizeof(t->name) - 1);
    memcpy(t->name, name, n);
    return t;
}

/* The first time a thread is switched to, cpu_switch "returns" into
 * thread_trampoline, which calls x19(x20) for a kernel thread, or enters user
 * mode with the frame at sp for a user thread (x19 = 0). */
static void prepare_first_switch(struct thread *t, void (*fn)(void *), void *arg, uint64_t sp)
{
    t->ctx.x19_x28[0] = (uint64_t)(uintptr_t)fn;
    t->ctx.x19_x28[1] = (uint64_t)(uintptr_t)arg;
    t->ctx.lr = (uint64_t)(uintptr_t)thread_trampoline;
    t->ctx.fp = 0;
    t->ctx.sp = sp;
}

static void kthread_main(void *arg)
{
    irq_enable(); /* a new thread starts with interrupts masked (sched_new_thread_started) */
    struct kthread_start *start = arg;
    void (*fn)(void *) = start->fn;
    void *fn_arg = start->arg;
    kfree(start);
    fn(fn_arg);
    thread_exit();
}

struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg, unsigned prio)
{
    struct kthread_start *start = kmalloc(sizeof(*start));
    struct thread *t = start ? thread_alloc(name, prio) : 0;
    if (!t) {
        kfree(start);
        return 0;
    }
    start->fn = fn;
    start->arg = arg;
    prepare_first_switch(t, kthread_main, start, (uint64_t)(uintptr_t)(t->kstack + KSTACK_SIZE));
    return t;
}

struct thread *thread_create_user(struct process *proc, uint64_t entry, uint64_t sp, unsigned prio)
{
    struct thread *t = thread_alloc("user", prio);
    if (!t)
        return 0;
    t->proc = proc;
    struct trap_frame *f = thread_user_frame(t);
    memset(f, 0, sizeof(*f));
    f->elr = entry;
    f->sp = sp;
    f->spsr = SPSR_EL0T;
    f->syscallno = -1; /* not returning from a system call: nothing to restart */
    prepare_first_switch(t, 0, 0, (uint64_t)(uintptr_t)f); /* everything is in the user frame */
    return t;
}

void thread_exit(void)
{
    struct thread *self = current_thread();
    irq_disable();
    self->state = THREAD_DEAD;
    schedule(); /* never returns: the idle thread reaps dead threads */
    panic("thread %u ran after exiting", self->tid);
}

void thread_reap(struct thread *t)
{
    sched_forget_thread(t);
    kstack_free(t->kstack);
    kfree(t);
}

bool thread_on_kernel_stack(uint64_t addr)
{
    struct thread *t = current_thread();
    uint64_t lo = (uint64_t)(uintptr_t)t->kstack;
    return addr >= lo && addr + 16 <= lo + KSTACK_SIZE;
}
