/*
 * The Linux-ABI system calls the kernel implements, as X(name, handler); the
 * number comes from the name through the Linux AArch64 list in
 * linux_syscalls.h, so a misspelt name does not compile. Kenix-native calls
 * start at KENIX_SYS_BASE and are listed once, in KENIX_NATIVE_SYSCALLS
 * (include/uapi/kenix/syscall.h), each handled by sys_kx_<name>. Every
 * handler has one signature, long (struct trap_frame *): arguments in x0-x5,
 * the frame at hand for calls that need more (clone, IPC). The dispatcher (core/syscall.c) is generated from these
 * lists, and docs/syscalls.md lists the same entries.
 */
#ifndef KENIX_CORE_SYSCALL_TABLE_H
#define KENIX_CORE_SYSCALL_TABLE_H

#define KENIX_SYSCALLS(X)                   \
    X(read, sys_read)                       \
    X(write, sys_write)                     \
    X(readv, sys_readv)                     \
    X(writev, sys_writev)                   \
    X(openat, sys_openat)                   \
    X(close, sys_close)                     \
    X(dup, sys_dup)                         \
    X(dup3, sys_dup3)                       \
    X(fcntl, sys_fcntl)                     \
    X(pipe2, sys_pipe2)                     \
    X(lseek, sys_lseek)                     \
    X(ioctl, sys_ioctl)                     \
    X(pselect6, sys_pselect6)               \
    X(ppoll, sys_ppoll)                     \
    X(exit, sys_exit)                       \
    X(exit_group, sys_exit_group)           \
    X(clone, sys_clone)                     \
    X(execve, sys_execve)                   \
    X(execveat, sys_execveat)               \
    X(wait4, sys_wait4)                     \
    X(waitid, sys_waitid)                   \
    X(set_tid_address, sys_set_tid_address) \
    X(getpid, sys_getpid)                   \
    X(getppid, sys_getppid)                 \
    X(gettid, sys_gettid)                   \
    X(setpgid, sys_setpgid)                 \
    X(getpgid, sys_getpgid)                 \
    X(setsid, sys_setsid)                   \
    X(getsid, sys_getsid)                   \
    X(prctl, sys_prctl)                     \
    X(kill, sys_kill)                       \
    X(tkill, sys_tkill)                     \
    X(tgkill, sys_tgkill)                   \
    X(rt_sigprocmask, sys_rt_sigprocmask)   \
    X(rt_sigpending, sys_rt_sigpending)     \
    X(rt_sigaction, sys_rt_sigaction)       \
    X(rt_sigreturn, sys_rt_sigreturn)       \
    X(rt_sigsuspend, sys_rt_sigsuspend)     \
    X(rt_sigtimedwait, sys_rt_sigtimedwait) \
    X(rt_sigqueueinfo, sys_rt_sigqueueinfo) \
    X(rt_tgsigqueueinfo, sys_rt_tgsigqueueinfo) \
    X(sigaltstack, sys_sigaltstack)         \
    X(restart_syscall, sys_restart_syscall) \
    X(getuid, sys_getuid)                   \
    X(geteuid, sys_geteuid)                 \
    X(getgid, sys_getgid)                   \
    X(getegid, sys_getegid)                 \
    X(setuid, sys_setuid)                   \
    X(setgid, sys_setgid)                   \
    X(setreuid, sys_setreuid)               \
    X(setregid, sys_setregid)               \
    X(setresuid, sys_setresuid)             \
    X(setresgid, sys_setresgid)             \
    X(getresuid, sys_getresuid)             \
    X(getresgid, sys_getresgid)             \
    X(getgroups, sys_getgroups)             \
    X(setgroups, sys_setgroups)             \
    X(prlimit64, sys_prlimit64)             \
    X(getrlimit, sys_getrlimit)             \
    X(setrlimit, sys_setrlimit)             \
    X(getrusage, sys_getrusage)             \
    X(times, sys_times)                     \
    X(umask, sys_umask)                     \
    X(sysinfo, sys_sysinfo)                 \
    X(reboot, sys_reboot)                   \
    X(sethostname, sys_sethostname)         \
    X(setdomainname, sys_setdomainname)     \
    X(clock_settime, sys_clock_settime)     \
    X(settimeofday, sys_settimeofday)       \
    X(getpriority, sys_getpriority)         \
    X(setpriority, sys_setpriority)         \
    X(nanosleep, sys_nanosleep)             \
    X(clock_gettime, sys_clock_gettime)     \
    X(clock_getres, sys_clock_getres)       \
    X(gettimeofday, sys_gettimeofday)       \
    X(clock_nanosleep, sys_clock_nanosleep) \
    X(getitimer, sys_getitimer)             \
    X(setitimer, sys_setitimer)             \
    X(timer_create, sys_timer_create)       \
    X(timer_settime, sys_timer_settime)     \
    X(timer_gettime, sys_timer_gettime)     \
    X(timer_getoverrun, sys_timer_getoverrun) \
    X(timer_delete, sys_timer_delete)       \
    X(sched_yield, sys_sched_yield)         \
    X(syslog, sys_syslog)                   \
    X(sched_getaffinity, sys_sched_getaffinity) \
    X(sched_setaffinity, sys_sched_setaffinity) \
    X(uname, sys_uname)                     \
    X(getrandom, sys_getrandom)             \
    X(brk, sys_brk)                         \
    X(munmap, sys_munmap)                   \
    X(mmap, sys_mmap)                       \
    X(mprotect, sys_mprotect)               \
    X(mkdirat, sys_mkdirat) \
    X(mknodat, sys_mknodat) \
    X(unlinkat, sys_unlinkat) \
    X(renameat, sys_renameat) \
    X(renameat2, sys_renameat2) \
    X(linkat, sys_linkat) \
    X(symlinkat, sys_symlinkat) \
    X(readlinkat, sys_readlinkat) \
    X(faccessat, sys_faccessat) \
    X(faccessat2, sys_faccessat2) \
    X(fchmodat, sys_fchmodat) \
    X(fchownat, sys_fchownat) \
    X(utimensat, sys_utimensat) \
    X(truncate, sys_truncate) \
    X(statfs, sys_statfs) \
    X(chdir, sys_chdir) \
    X(chroot, sys_chroot) \
    X(mount, sys_mount) \
    X(umount2, sys_umount2) \
    X(fstat, sys_fstat) \
    X(newfstatat, sys_newfstatat) \
    X(statx, sys_statx) \
    X(getdents64, sys_getdents64) \
    X(fchmod, sys_fchmod) \
    X(fchown, sys_fchown) \
    X(ftruncate, sys_ftruncate) \
    X(fsync, sys_fsync) \
    X(fdatasync, sys_fdatasync) \
    X(sync, sys_sync) \
    X(fstatfs, sys_fstatfs) \
    X(getcwd, sys_getcwd) \
    X(fchdir, sys_fchdir) \
    X(sendfile, sys_sendfile) \
    X(fadvise64, sys_fadvise64) \
    X(madvise, sys_madvise) \
    X(flock, sys_flock) \
    X(msync, sys_msync) \
    X(pread64, sys_pread64) \
    X(pwrite64, sys_pwrite64) \
    X(preadv, sys_preadv) \
    X(pwritev, sys_pwritev)

#endif
