/* The register frame every exception entry saves on the kernel stack (vectors.S). */
#ifndef KENIX_ARCH_TRAP_H
#define KENIX_ARCH_TRAP_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
    uint64_t x[31];
    uint64_t sp;           /* SP at the time of the exception (sp_el0 for EL0) */
    uint64_t elr;
    uint64_t spsr;
    uint64_t esr;
    uint64_t far;
    uint64_t fp_record[2]; /* {x29, elr}: lets a backtrace cross the exception */
    uint64_t orig_x0;      /* system calls: x0 as the call was made, for restarting it */
    int64_t syscallno;     /* the call being made (x8), or -1: not a system call */
};

#define TRAP_FRAME_SIZE 320
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "vectors.S frame layout");

/* Vector slots, in table order: source (EL1t, EL1h, EL0 AArch64, EL0 AArch32) x type. */
enum trap_kind {
    TRAP_SYNC = 0,
    TRAP_IRQ = 1,
    TRAP_FIQ = 2,
    TRAP_SERROR = 3,
};

/* Set while an interrupt taken from user mode is handled (tick accounting). */
extern bool cpu_irq_from_user;

void trap_dispatch(unsigned slot, struct trap_frame *frame);
void el0_sync(struct trap_frame *frame);
/* The work every return to user mode does (a switch due, a pending signal),
 * with interrupts masked on entry and on return (they may be enabled in between). */
void exit_to_user(struct trap_frame *frame);
/* Prints the full report for an unrecoverable kernel exception and halts. */
void __attribute__((noreturn)) trap_panic(const char *what, const struct trap_frame *frame);

#endif
