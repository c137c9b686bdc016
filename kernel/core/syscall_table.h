/*
 * The Linux-ABI system calls the kernel implements: number, name, handler.
 * Numbers below 0x400 are the Linux AArch64 ABI (include/uapi/asm-generic/
 * unistd.h). Kenix-native calls start at KENIX_SYS_BASE and are listed once,
 * in KENIX_NATIVE_SYSCALLS (include/uapi/kenix/syscall.h), each handled by
 * sys_kx_<name>(struct trap_frame *). The dispatcher (core/syscall.c) is
 * generated from both lists, and docs/syscalls.md lists the same entries.
 */
#ifndef KENIX_CORE_SYSCALL_TABLE_H
#define KENIX_CORE_SYSCALL_TABLE_H

#define KENIX_SYSCALLS(X)                              \
    X(29, ioctl, sys_ioctl)                            \
    X(64, write, sys_write)                            \
    X(66, writev, sys_writev)                          \
    X(93, exit, sys_exit)                              \
    X(94, exit_group, sys_exit_group)                  \
    X(96, set_tid_address, sys_set_tid_address)        \
    X(101, nanosleep, sys_nanosleep)                   \
    X(113, clock_gettime, sys_clock_gettime)           \
    X(115, clock_nanosleep, sys_clock_nanosleep)       \
    X(124, sched_yield, sys_sched_yield)               \
    X(160, uname, sys_uname)                           \
    X(172, getpid, sys_getpid)                         \
    X(173, getppid, sys_getppid)                       \
    X(174, getuid, sys_getuid)                         \
    X(175, geteuid, sys_getuid)                        \
    X(176, getgid, sys_getuid)                         \
    X(177, getegid, sys_getuid)                        \
    X(178, gettid, sys_gettid)                         \
    X(214, brk, sys_brk)                               \
    X(215, munmap, sys_munmap)                         \
    X(222, mmap, sys_mmap)                             \
    X(226, mprotect, sys_mprotect)                     \
    X(278, getrandom, sys_getrandom)

#endif
