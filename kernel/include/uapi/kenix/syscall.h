/*
 * Kenix-native system call numbers.
 *
 * The kernel also speaks the Linux AArch64 syscall ABI (numbers below 1024,
 * see <asm/unistd.h>), so native calls live in their own range starting at
 * KENIX_SYS_BASE: a number is unambiguous without any mode switch, and an
 * unmodified Linux binary can never reach a native call by accident.
 *
 * KENIX_NATIVE_SYSCALLS is the only list of native calls: the kernel builds
 * its dispatch table from it and libkenix its wrappers' numbers. Arguments and
 * results of each call are described in <kenix/ipc.h> and docs/syscalls.md.
 */
#ifndef KENIX_UAPI_SYSCALL_H
#define KENIX_UAPI_SYSCALL_H

#define KENIX_SYS_BASE 0x1000 /* first native number; Linux AArch64 ends below 0x400 */

/* X(offset from KENIX_SYS_BASE, name) */
#define KENIX_NATIVE_SYSCALLS(X) \
    X(0, nop)                    \
    X(1, handle_close)           \
    X(2, handle_dup)             \
    X(3, handle_info)            \
    X(4, endpoint_create)        \
    X(5, endpoint_mint)          \
    X(6, endpoint_bind)          \
    X(7, call)                   \
    X(8, recv)                   \
    X(9, reply)                  \
    X(10, reply_recv)            \
    X(11, reply_save)            \
    X(12, notify_create)         \
    X(13, notify_signal)         \
    X(14, notify_wait)           \
    X(15, notify_poll)           \
    X(16, mem_create)            \
    X(17, mem_map)               \
    X(18, mem_phys)              \
    X(19, irq_bind)              \
    X(20, irq_ack)               \
    X(21, process_create)        \
    X(22, process_give)          \
    X(23, process_start)         \
    X(24, process_wait)          \
    X(25, process_give_fd)       \
    X(26, msg_read)              \
    X(27, msg_write)             \
    X(28, fd_attach)             \
    X(29, event_create)          \
    X(30, event_update)          \
    X(31, reply_cancelled)       \
    X(32, posix_attach)          \
    X(33, process_detach)        \
    X(34, term_create)           \
    X(35, term_register)         \
    X(36, term_signal)           \
    X(37, sysinfo)               \
    X(38, trace)

#ifndef __ASSEMBLER__
#define KENIX__SYS_ENUM(n, name) KX_SYS_##name = KENIX_SYS_BASE + (n),
enum kx_syscall { KENIX_NATIVE_SYSCALLS(KENIX__SYS_ENUM) };
#undef KENIX__SYS_ENUM
#else
/* In assembly: KENIX_NATIVE_SYSCALL_SYMBOLS defines KX_SYS_<name> with .equ. */
#define KENIX__SYS_EQU(n, name) .equ KX_SYS_##name, KENIX_SYS_BASE + (n);
#define KENIX_NATIVE_SYSCALL_SYMBOLS KENIX_NATIVE_SYSCALLS(KENIX__SYS_EQU)
#endif

#endif
