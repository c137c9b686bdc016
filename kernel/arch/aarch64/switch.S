/*
 * Kernel context switch and the first return to user mode.
 *
 * A thread's kernel context is only its callee-saved registers, its stack
 * pointer and its return address (struct cpu_context in core/thread.h): the
 * switch is an ordinary function call, so the compiler has already saved
 * everything else.
 */

    .text
/* void cpu_switch(struct cpu_context *prev, struct cpu_context *next) */
    .global cpu_switch
cpu_switch:
    mov     x9, sp
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    str     x9, [x0, #96]
    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldr     x9, [x1, #96]
    mov     sp, x9
    ret

/*
 * Where a new thread's first cpu_switch returns, with interrupts masked and
 * sched_lock held (sched_new_thread_started releases it). x19 holds the
 * function a kernel thread runs and x20 its argument (thread_create_kernel);
 * a user thread has x19 = 0 and its user frame at sp.
 */
    .global thread_trampoline
thread_trampoline:
    bl      sched_new_thread_started
    cbz     x19, ret_to_user
    mov     x0, x20
    blr     x19                         /* kthread_main: never returns */
1:  b       1b

/* Enters user mode with the frame at sp, after the pending work (a switch,
 * a signal) that every return to user mode does; interrupts stay masked from
 * here to the eret. */
    .global ret_to_user
ret_to_user:
    mov     x0, sp
    bl      exit_to_user
    b       trap_return

/* The FP/SIMD register file of user threads: 32 x 128-bit, then fpsr, fpcr.
 * The kernel itself never touches these registers (-mgeneral-regs-only). */
    .arch_extension fp
    .arch_extension simd
    .global fpsimd_save
fpsimd_save:
    stp     q0, q1, [x0, #0]
    stp     q2, q3, [x0, #32]
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    stp     q8, q9, [x0, #128]
    stp     q10, q11, [x0, #160]
    stp     q12, q13, [x0, #192]
    stp     q14, q15, [x0, #224]
    stp     q16, q17, [x0, #256]
    stp     q18, q19, [x0, #288]
    stp     q20, q21, [x0, #320]
    stp     q22, q23, [x0, #352]
    stp     q24, q25, [x0, #384]
    stp     q26, q27, [x0, #416]
    stp     q28, q29, [x0, #448]
    stp     q30, q31, [x0, #480]
    mrs     x1, fpsr
    mrs     x2, fpcr
    add     x0, x0, #512
    stp     x1, x2, [x0]
    ret

    .global fpsimd_restore
fpsimd_restore:
    ldp     q0, q1, [x0, #0]
    ldp     q2, q3, [x0, #32]
    ldp     q4, q5, [x0, #64]
    ldp     q6, q7, [x0, #96]
    ldp     q8, q9, [x0, #128]
    ldp     q10, q11, [x0, #160]
    ldp     q12, q13, [x0, #192]
    ldp     q14, q15, [x0, #224]
    ldp     q16, q17, [x0, #256]
    ldp     q18, q19, [x0, #288]
    ldp     q20, q21, [x0, #320]
    ldp     q22, q23, [x0, #352]
    ldp     q24, q25, [x0, #384]
    ldp     q26, q27, [x0, #416]
    ldp     q28, q29, [x0, #448]
    ldp     q30, q31, [x0, #480]
    add     x0, x0, #512
    ldp     x1, x2, [x0]
    msr     fpsr, x1
    msr     fpcr, x2
    ret
