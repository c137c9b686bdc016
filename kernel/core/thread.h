/*
 * Threads: the unit the scheduler runs. Every thread has its own kernel
 * stack, so a thread that blocks inside the kernel simply sleeps in the middle
 * of its call chain and returns like an ordinary function when woken.
 * A user thread additionally owns a saved user register frame (at the top of
 * its kernel stack while it is in the kernel), its FP/SIMD state and tpidr_el0.
 */
#ifndef KENIX_CORE_THREAD_H
#define KENIX_CORE_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/ipc.h"
#include "kenix/memlayout.h"
#include "wait.h"
#include "../arch/aarch64/trap.h"

struct process;
struct endpoint;
struct notification;
struct reply_obj;
struct kcall;

/* A thread's IPC state: the descriptor of its current message (copied in at
 * the call), whom a server answers, and who holds it while it waits for an
 * answer. Protected by ipc_lock. */
struct ipc_thread {
    uint64_t badge;             /* caller: badge of the handle it called through */
    uint64_t xfer_uptr;         /* user address of its struct kx_xfer, 0: none */
    bool move_handles;
    bool caller_detached;       /* server: its implicit caller was killed before the answer */
    bool answer_dropped;        /* server: an answer went nowhere since its last receive with an
                                 * xfer (reported there: KX_XFER_ANSWER_DROPPED) */
    bool holds_post;            /* server: what it received last was a one-way post (its answer is
                                 * dropped by design: not reported) */
    struct kx_xfer xfer;        /* kernel copy of that descriptor */
    struct thread *caller;      /* server: the call to answer with reply / reply_recv */
    struct thread *server;      /* caller: the server thread that received it */
    struct kcall *kcall;        /* caller: a kernel-originated call in progress (kcall.h), or NULL */
    uint64_t recv_written;      /* caller: end of what kx_msg_write put in its receive buffer */
    struct reply_obj *saved_by; /* caller: the reply object holding it, if saved */
    struct endpoint *ep;        /* caller: the endpoint of the call in progress (kept alive by the
                                 * caller: a reference on the slow paths, its own handle on the
                                 * fast path, which nothing can close while it waits) */
    bool cancel;                /* caller: a signal asked for this call to end (R3.2); its server
                                 * decides how, and a call dropped unanswered ends interrupted */
};

/* What restart_syscall(2) does for a call that a signal interrupted, when no
 * handler ran and the call must go on with state of its own (nanosleep's time
 * left): Linux's restart_block. The call sets it before returning
 * -ERESTART_RESTARTBLOCK; fn == NULL means nothing to resume (-EINTR). Owned
 * by the thread itself. */
struct restart_block {
    long (*fn)(struct restart_block *rb);
    uint64_t args[4];
};

/* Callee-saved state of a thread switched out inside the kernel (switch.S). */
struct cpu_context {
    uint64_t x19_x28[10];
    uint64_t fp;
    uint64_t lr;
    uint64_t sp;
};

/* q0-q31, fpsr, fpcr: the layout fpsimd_save/restore use. */
struct fpsimd_state {
    uint64_t q[64];
    uint64_t fpsr;
    uint64_t fpcr;
} __attribute__((aligned(16)));

enum thread_state {
    THREAD_RUNNABLE, /* on a run queue */
    THREAD_RUNNING,
    THREAD_BLOCKED,
    THREAD_DEAD,
};

struct thread {
    struct cpu_context ctx;
    struct thread *next;          /* run-queue link */
    struct process *proc;         /* NULL for kernel threads */
    uint8_t *kstack;              /* lowest address of the kernel stack */
    unsigned tid;
    unsigned prio;                /* 0 (lowest) .. SCHED_PRIORITIES - 1 */
    unsigned state;               /* enum thread_state */
    unsigned timeslice;           /* ticks left before preemption */
    uint64_t tpidr_el0;
    uint64_t cpu_counter;         /* counter ticks spent running, up to run_start */
    uint64_t run_start;           /* counter value when last switched in */
    struct thread_wait wait;      /* what it waits for while THREAD_BLOCKED (wait.h) */
    struct ipc_thread ipc;
    struct restart_block restart; /* see above */
    uint8_t fp_traps;             /* FP traps in a row; many: load FP state eagerly */
    uint8_t fp_eager_left;        /* eager loads left before trying lazy again */
    struct fpsimd_state fpsimd;
    char name[16];
};

/* The running thread (kept in TPIDR_EL1). */
static inline struct thread *current_thread(void)
{
    struct thread *t;
    __asm__ volatile("mrs %0, tpidr_el1" : "=r"(t));
    return t;
}

void thread_init_boot(void);
/* A kernel thread running fn(arg); it ends when fn returns. Not yet runnable. */
struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg, unsigned prio);
/* A user thread that enters EL0 at `entry` with stack pointer `sp`. Not yet runnable. */
struct thread *thread_create_user(struct process *proc, uint64_t entry, uint64_t sp, unsigned prio);
/* The user register frame of a user thread (top of its kernel stack). */
static inline struct trap_frame *thread_user_frame(struct thread *t)
{
    return (struct trap_frame *)(t->kstack + KSTACK_SIZE - sizeof(struct trap_frame));
}
void __attribute__((noreturn)) thread_exit(void);
/* Frees a dead thread's memory; the caller must not be that thread. */
void thread_reap(struct thread *t);
/* Whether [addr, addr + 16) lies on the current thread's kernel stack (backtraces). */
bool thread_on_kernel_stack(uint64_t addr);

#endif
