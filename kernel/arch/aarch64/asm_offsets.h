/*
 * Structure offsets the assembly of vectors.S reads on the system-call path.
 * Kept by hand and checked against the C structures by _Static_assert in
 * traps.c, so a layout change that forgets this file does not build.
 */
#ifndef KENIX_ARCH_ASM_OFFSETS_H
#define KENIX_ARCH_ASM_OFFSETS_H

#define FRAME_ORIG_X0 304          /* struct trap_frame: orig_x0, then syscallno */
#define THREAD_PROC 112            /* struct thread: proc */
#define PROC_SIG_BLOCKED 472       /* struct process: sig.blocked, then sig.pending */
#define PROC_SIG_RESTORE_MASK 2576 /* struct process: sig.restore_mask (a bool) */
#define ASM_LINUX_SYSCALL_LIMIT 0x400 /* core/syscall.h: LINUX_SYSCALL_LIMIT */

#endif
