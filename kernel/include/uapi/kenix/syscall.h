/*
 * Kenix-native system call numbers.
 *
 * The kernel also speaks the Linux AArch64 syscall ABI (numbers below 1024,
 * see <asm/unistd.h>), so native calls live in their own range starting at
 * KENIX_SYS_BASE: a number is unambiguous without any mode switch, and an
 * unmodified Linux binary can never reach a native call by accident.
 * The native calls themselves arrive with the kernel-core work (issue 3).
 */
#ifndef KENIX_UAPI_SYSCALL_H
#define KENIX_UAPI_SYSCALL_H

#define KENIX_SYS_BASE 0x1000 /* first native number; Linux AArch64 ends below 0x400 */

#endif
