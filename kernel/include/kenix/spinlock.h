/*
 * Named locks. Every critical section in the kernel takes one, and the lock's
 * declaration says what it protects, so a reader sees what each masked section
 * is for and SMP becomes a change of this file, not of its callers.
 *
 * Kenix runs on one CPU and its kernel is not preemptible: the only thing that
 * can interleave with kernel code is an interrupt handler, so today taking a
 * lock masks interrupts and marks the lock held. With KENIX_DEBUG the marks
 * are checked: a lock taken twice, released while free, or taken without
 * interrupts masked (spin_lock) panics with the lock's name. On SMP the mark
 * becomes a ticket lock.
 *
 * Rules (docs/architecture.md "Locks"):
 *  - interrupts stay masked while any lock is held, so an interrupt handler
 *    never finds a lock held by the code it interrupted;
 *  - nobody switches threads while holding a lock other than through
 *    wait_sleep(), which releases the waiter's lock around the switch (xv6's
 *    sleep);
 *  - locks nest only in the order proc_lock -> pipe locks -> ipc_lock ->
 *    sched_lock; the allocator locks (frame_lock, heap_lock) are leaves.
 */
#ifndef KENIX_SPINLOCK_H
#define KENIX_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/panic.h"

struct spinlock {
    const char *name;
    uint32_t held;
};

#define SPINLOCK_INIT(lock_name) { .name = (lock_name), .held = 0 }

typedef uint64_t irqflags_t;

static inline irqflags_t irq_save(void)
{
    irqflags_t flags;
    __asm__ volatile("mrs %0, daif\n msr daifset, #2" : "=r"(flags)::"memory");
    return flags;
}

static inline void irq_restore(irqflags_t flags)
{
    __asm__ volatile("msr daif, %0" ::"r"(flags) : "memory");
}

static inline bool irqs_masked(void)
{
    uint64_t daif;
    __asm__ volatile("mrs %0, daif" : "=r"(daif));
    return (daif & (1u << 7)) != 0;
}

/* Takes l; interrupts must already be masked (inside another lock, or an
 * interrupt handler). */
static inline void spin_lock(struct spinlock *l)
{
    KASSERT(irqs_masked(), "spin_lock(%s) with interrupts on", l->name);
    KASSERT(!l->held, "lock %s taken twice", l->name);
    l->held = 1;
}

static inline void spin_unlock(struct spinlock *l)
{
    KASSERT(l->held, "lock %s released while free", l->name);
    l->held = 0;
}

static inline irqflags_t spin_lock_irqsave(struct spinlock *l)
{
    irqflags_t flags = irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, irqflags_t flags)
{
    spin_unlock(l);
    irq_restore(flags);
}

static inline bool spin_held(const struct spinlock *l)
{
    return l->held != 0;
}

#define spin_assert_held(l) KASSERT(spin_held(l), "lock %s not held", (l)->name)

#endif
