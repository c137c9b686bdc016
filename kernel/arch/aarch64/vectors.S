/*
 * Exception vector table. Every entry saves the full register state into a
 * struct trap_frame (trap.h) on the current kernel stack and calls
 * trap_dispatch(slot, frame); returning from it restores that state. A
 * synchronous exception from EL0 has its own way in (el0_sync_entry): Linux
 * system calls are dispatched here, IPC calls tried on the fast path, the
 * rest goes to el0_sync. An exception from EL1 that finds the stack
 * exhausted is reported from an overflow stack instead
 * (kernel_stack_overflow_entry).
 */
#include "kenix/memlayout.h"
#include "kenix/syscall.h"
#include "asm_offsets.h"

#define FRAME_SIZE 320 /* struct trap_frame, trap.h */

KENIX_NATIVE_SYSCALL_SYMBOLS

.macro vector slot
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
.if \slot >= 4 && \slot < 8
    /* From EL1 the frame goes on the current kernel stack: if it would land
     * below the stack (bit KSTACK_SHIFT clear, see kenix/memlayout.h), the
     * kernel ran off its stack and saving a frame there would fault again.
     * No register is free yet, so test the new SP by swapping it with x0
     * through arithmetic, as Linux does. */
    add     sp, sp, x0                  /* sp = new sp + x0 */
    sub     x0, sp, x0                  /* x0 = new sp */
    tbz     x0, #KSTACK_SHIFT, kernel_stack_overflow_entry
    sub     x0, sp, x0                  /* x0 = x0 */
    sub     sp, sp, x0                  /* sp = new sp */
.endif
    stp     x0, x1, [sp, #0]
.if \slot == 8
    b       el0_sync_entry              /* system calls and user faults: their own way in */
.else
    mov     x0, #\slot
    b       trap_entry
.endif
.endm

/* x2..x30 into the frame at sp (x0 and x1 are saved by the vector). */
.macro save_x2_to_x30
    save_x2_to_x29
    str     x30, [sp, #240]
.endm

.macro save_x2_to_x29
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
.endm

/* x0..x29 from the frame at sp. */
.macro restore_x0_to_x29
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
.endm

/* The exception registers, and a frame record for the unwinder; uses x2..x5. */
.macro save_exception_state
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #256]
    mrs     x4, esr_el1
    mrs     x5, far_el1
    stp     x4, x5, [sp, #272]
    stp     x29, x2, [sp, #288]
    add     x29, sp, #288
.endm

    .text
    .balign 2048
    .global exception_vectors
exception_vectors:
    vector 0      /* EL1t: sync, irq, fiq, serror */
    vector 1
    vector 2
    vector 3
    vector 4      /* EL1h */
    vector 5
    vector 6
    vector 7
    vector 8      /* EL0 AArch64 */
    vector 9
    vector 10
    vector 11
    vector 12     /* EL0 AArch32 */
    vector 13
    vector 14
    vector 15

/*
 * A synchronous exception from EL0 (vector 8). Linux system calls go straight
 * to their handler in the one table (core/syscall.h) and, when nothing is due
 * on the way out, straight back: the C layers (el0_sync, syscall_dispatch,
 * exit_to_user) run only for what needs them. This is what el0_sync and
 * exit_to_user would do, in the same order: orig_x0 and syscallno recorded,
 * interrupts on for the call, off again, then a switch due, a signal to act
 * on, a temporary mask to put back or a restart code (-516..-512) sends the
 * frame through exit_to_user; otherwise syscallno becomes -1 here.
 */
el0_sync_entry:
    save_x2_to_x29
    mrs     x2, sp_el0
    stp     x30, x2, [sp, #240]         /* x30 and the user stack pointer */
    save_exception_state
    lsr     x9, x4, #26                 /* ESR_EL1.EC: 0x15 is SVC from AArch64 */
    cmp     x9, #0x15
    b.ne    el0_sync_slow
    cmp     x8, #ASM_LINUX_SYSCALL_LIMIT
    b.hs    el0_svc_native
    stp     x0, x8, [sp, #FRAME_ORIG_X0] /* orig_x0, syscallno */
    msr     daifclr, #2
    .global trace_site_syscall
trace_site_syscall:                     /* a nop; "b el0_svc_traced" while tracing (core/trace.c) */
    nop
    adrp    x9, syscall_linux_table
    add     x9, x9, :lo12:syscall_linux_table
    ldr     x9, [x9, x8, lsl #3]
    mov     x0, sp
    cbz     x9, 8f
    blr     x9
    str     x0, [sp, #0]
9:  msr     daifset, #2
    adrp    x9, sched_resched_pending
    ldrb    w9, [x9, :lo12:sched_resched_pending]
    cbnz    w9, el0_svc_work
    mrs     x9, tpidr_el1               /* the thread */
    ldr     x9, [x9, #THREAD_PROC]
    ldp     x10, x11, [x9, #PROC_SIG_BLOCKED] /* blocked, pending */
    bics    xzr, x11, x10
    b.ne    el0_svc_work
    ldrb    w10, [x9, #PROC_SIG_RESTORE_MASK]
    cbnz    w10, el0_svc_work
    ldr     x10, [sp, #0]
    add     x10, x10, #516              /* -ERESTART_RESTARTBLOCK .. -ERESTARTSYS: */
    cmp     x10, #4                     /* exit_to_user decides */
    b.ls    el0_svc_work
    mov     x10, #-1
    str     x10, [sp, #FRAME_ORIG_X0 + 8] /* syscallno: no longer in a call */
    b       ret_to_user_masked
8:  bl      syscall_unknown             /* logs it once, x0 = -ENOSYS */
    b       9b
el0_svc_work:
    mov     x0, sp
    bl      exit_to_user
    b       trap_return
    .global el0_svc_traced
el0_svc_traced:                         /* the same call between two trace records */
    mov     x0, sp
    bl      trace_syscall_dispatch
    str     x0, [sp, #0]
    b       9b
el0_svc_native:                         /* Kenix's own calls: the IPC fast path or el0_sync */
    mov     x0, sp
    mov     x9, #KX_SYS_call            /* register-only call / reply_recv: the IPC fast path, */
    cmp     x8, x9                      /* with interrupts still masked (ipc_fastpath) */
    b.eq    6f
    mov     x9, #KX_SYS_reply_recv
    cmp     x8, x9
    b.ne    el0_sync_slow
6:  bl      ipc_fastpath                /* IPC_FAST_* (core/ipc.h) */
    cbz     w0, el0_sync_slow           /* not handled: the ordinary path */
    cmp     w0, #1                      /* handled, nothing due: straight back */
    b.eq    ret_to_user_masked
    mov     x0, sp                      /* handled, and a switch or a signal */
    bl      exit_to_user                /* became due meanwhile */
    b       trap_return
el0_sync_slow:
    mov     x0, sp
    bl      el0_sync
    b       trap_return

trap_entry:
    save_x2_to_x30
    cmp     x0, #8
    b.lo    1f
    mrs     x2, sp_el0                  /* from EL0: the user stack pointer */
    b       2f
1:  add     x2, sp, #FRAME_SIZE         /* from EL1: the stack before this frame */
2:  str     x2, [sp, #248]
    save_exception_state
    mov     x1, sp
    bl      trap_dispatch

    /* Every return from an exception, and a new thread's first entry to
     * user mode (ret_to_user). Interrupts must be masked from here to the
     * eret: one taken after ELR/SPSR are loaded would overwrite them. */
    .global trap_return
trap_return:
#ifdef KENIX_DEBUG
    mrs     x2, daif
    tbz     x2, #7, trap_return_unmasked
#endif
    ldp     x2, x3, [sp, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    tst     x3, #0xf                    /* returning to EL0t? restore its stack pointer */
    b.ne    3f
    ldr     x2, [sp, #248]
    msr     sp_el0, x2
3:  restore_x0_to_x29
    ldr     x30, [sp, #240]
    add     sp, sp, #FRAME_SIZE
    eret

/*
 * trap_return for a frame known to return to EL0 from code that has just
 * masked interrupts itself, or never unmasked them (the system-call and IPC
 * fast paths): no checks, and x30 with the user stack pointer in one load.
 */
ret_to_user_masked:
    ldp     x2, x3, [sp, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x30, x2, [sp, #240]
    msr     sp_el0, x2
    restore_x0_to_x29
    add     sp, sp, #FRAME_SIZE
    eret

#ifdef KENIX_DEBUG
/* trap_return was entered with interrupts on: a kernel bug (report it from C,
 * with the frame about to be restored). */
trap_return_unmasked:
    msr     daifset, #2
    mov     x0, sp
    bl      trap_return_unmasked_panic
    b       .
#endif

/*
 * The vector found SP below the kernel stack. Never returns, so it may
 * clobber tpidrro_el0 and tpidr_el0 (user state) to free registers, and
 * saves the frame on a stack kept for this alone.
 */
kernel_stack_overflow_entry:
    sub     x0, sp, x0                  /* undo the vector's swap: x0 = x0, */
    sub     sp, sp, x0                  /* sp = where the frame would have gone */
    msr     tpidrro_el0, x0
    mov     x0, sp
    msr     tpidr_el0, x0
    adrp    x0, overflow_stack_top
    add     x0, x0, :lo12:overflow_stack_top
    mov     sp, x0
    sub     sp, sp, #FRAME_SIZE
    mrs     x0, tpidrro_el0
    stp     x0, x1, [sp, #0]
    save_x2_to_x30
    mrs     x2, tpidr_el0
    add     x2, x2, #FRAME_SIZE         /* the SP that overflowed */
    str     x2, [sp, #248]
    save_exception_state
    mov     x0, sp
    bl      kernel_stack_overflow       /* reports and halts */
    b       .

    .bss
    .balign 16
overflow_stack:
    .space  8192
overflow_stack_top:
