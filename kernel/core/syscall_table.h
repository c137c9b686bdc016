/*
 * The Linux-ABI system calls the kernel implements, as X(name, handler); the
 * number comes from the name through the Linux AArch64 list in
 * linux_syscalls.h, so a misspelt name does not compile. Kenix-native calls
 * start at KENIX_SYS_BASE and are listed once, in KENIX_NATIVE_SYSCALLS
 * (include/uapi/kenix/syscall.h), each handled by sys_kx_<name>(struct
 * trap_frame *). The dispatcher (core/syscall.c) is generated from these
 * lists, and docs/syscalls.md lists the same entries.
 */
#ifndef KENIX_CORE_SYSCALL_TABLE_H
#define KENIX_CORE_SYSCALL_TABLE_H

#define KENIX_SYSCALLS(X)                   \
    X(ioctl, sys_ioctl)                     \
    X(write, sys_write)                     \
    X(writev, sys_writev)                   \
    X(exit, sys_exit)                       \
    X(exit_group, sys_exit_group)           \
    X(set_tid_address, sys_set_tid_address) \
    X(nanosleep, sys_nanosleep)             \
    X(clock_gettime, sys_clock_gettime)     \
    X(clock_nanosleep, sys_clock_nanosleep) \
    X(sched_yield, sys_sched_yield)         \
    X(uname, sys_uname)                     \
    X(getpid, sys_getpid)                   \
    X(getppid, sys_getppid)                 \
    X(getuid, sys_getuid)                   \
    X(geteuid, sys_getuid)                  \
    X(getgid, sys_getuid)                   \
    X(getegid, sys_getuid)                  \
    X(gettid, sys_gettid)                   \
    X(brk, sys_brk)                         \
    X(munmap, sys_munmap)                   \
    X(mmap, sys_mmap)                       \
    X(mprotect, sys_mprotect)               \
    X(getrandom, sys_getrandom)

#endif
