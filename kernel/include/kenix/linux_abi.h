/* The Linux AArch64 ABI the kernel speaks to musl and BusyBox: constants and
 * the structs it exchanges with user space, under their Linux names, in one
 * place. AArch64 uses the asm-generic values, but for a few open flags.
 * tests/sysroot/check_linux_abi.py holds every name here against musl's
 * headers (a few, listed in that script with their reasons, against the Linux
 * UAPI headers instead), so a value typed wrong fails a test rather than a
 * program.
 *
 * Rules that script relies on: one `#define NAME VALUE` per line, VALUE made of
 * literals and names defined here; each struct preceded by its `abi:` marker
 * naming musl's type; fields starting with '_' are the kernel's own padding. */
#ifndef KENIX_LINUX_ABI_H
#define KENIX_LINUX_ABI_H

#include <stdint.h>

#include "kenix/errno.h"

/* Signals. */
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
/* The kernel's real-time range is 32..64. musl's SIGRTMIN/SIGRTMAX are
 * function calls (musl keeps 32..34 for itself, so its SIGRTMIN is 35): these
 * names are the kernel's view, checked against Linux's <asm/signal.h>. */
#define LINUX_SIGRTMIN_KERNEL 32
#define LINUX_SIGRTMAX_KERNEL 64
/* One more than the highest signal, as musl counts (Linux's own _NSIG is 64):
 * valid signal numbers are 1 .. NSIG - 1, and a sigset_t is 8 bytes. */
#define NSIG 65

/* How rt_sigprocmask changes the mask. */
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* struct sigaction's sa_flags. */
#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

/* si_code: who sent a signal (negative: sent from user space, so a process
 * cannot forge a kernel-generated one). */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_TKILL (-6)

/* sigaltstack's ss_flags. */
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1U << 31)

/* si_code of SIGCHLD: what happened to the child. */
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_TRAPPED 4
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* si_code of the signals a fault raises. */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define BUS_OBJERR 3
#define ILL_ILLOPC 1
#define ILL_ILLOPN 2
#define ILL_ILLADR 3
#define ILL_ILLTRP 4
#define ILL_PRVOPC 5
#define ILL_PRVREG 6
#define ILL_COPROC 7
#define ILL_BADSTK 8
#define TRAP_BRKPT 1
#define TRAP_TRACE 2
#define FPE_INTDIV 1
#define FPE_INTOVF 2
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define FPE_FLTSUB 8

/* mmap and mprotect protections. */
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000

/* mmap flags. MAP_TYPE masks the sharing type, of which MAP_SHARED_VALIDATE is
 * the one that makes unknown flags an error instead of ignored. */
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000

/* mremap flags. */
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

/* madvise advice. */
/* msync flags. */
#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_REMOVE 9
#define MADV_DONTFORK 10
#define MADV_DOFORK 11
#define MADV_HUGEPAGE 14
#define MADV_NOHUGEPAGE 15
#define MADV_DONTDUMP 16
#define MADV_DODUMP 17

/* Clock ids (10, CLOCK_SGI_CYCLE, is reserved and never valid). */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_SGI_CYCLE 10
#define CLOCK_TAI 11
/* clock_nanosleep and timer_settime: the time is a deadline, not a delay. */
#define TIMER_ABSTIME 1

/* setitimer/getitimer: which timer. */
#define ITIMER_REAL 0    /* real time, SIGALRM */
#define ITIMER_VIRTUAL 1 /* user CPU time, SIGVTALRM */
#define ITIMER_PROF 2    /* user + system CPU time, SIGPROF */

/* struct sigevent's sigev_notify (timer_create). */
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2   /* the C library's business: the kernel sends a signal */
#define SIGEV_THREAD_ID 4

/* timer_getoverrun and si_overrun saturate here. */
#define DELAYTIMER_MAX 0x7fffffff

/* abi: struct sigevent */
struct linux_sigevent {
    uint64_t sigev_value;
    int32_t sigev_signo;
    int32_t sigev_notify;
    int32_t sigev_notify_thread_id; /* SIGEV_THREAD_ID: the thread signalled */
    int32_t _pad[11];
};

/* open flags, in octal as Linux writes them. AArch64 has its own values for
 * O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE (x86's differ). O_TMPFILE
 * includes O_DIRECTORY so that a kernel not knowing it fails the open (a
 * directory opened for writing) rather than open the directory itself. */
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
/* Linux's: musl's O_ACCMODE also covers O_PATH (its O_SEARCH), so this is
 * checked against Linux's <asm/fcntl.h>. */
#define O_ACCMODE 03
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DSYNC 010000
#define O_ASYNC 020000
#define O_DIRECTORY 040000
#define O_NOFOLLOW 0100000
#define O_DIRECT 0200000
#define O_LARGEFILE 0400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_PATH 010000000
#define O_TMPFILE 020040000

/* The *at calls: the directory argument and the flags. AT_EACCESS (faccessat)
 * and AT_REMOVEDIR (unlinkat) share a value: each call knows its own. */
#define AT_FDCWD (-100)

/* access(2) modes. */
#define F_OK 0
#define R_OK 4
#define W_OK 2
#define X_OK 1

/* A path's most bytes with its NUL; a name's most bytes. */
#define PATH_MAX 4096
#define NAME_MAX 255
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS 0x200
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000

/* fcntl commands and the one descriptor flag. */
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

/* Record locks (fcntl) and flock(2). */
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

/* abi: struct flock */
struct linux_flock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};

/* lseek whence. */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

/* ioctl requests: terminals (asm-generic/ioctls.h) and block devices.
 * The block ones are _IO/_IOR encodings, written out since the kernel has no
 * <linux/ioctl.h>: BLKSSZGET = _IO(0x12, 104), BLKGETSIZE64 = _IOR(0x12, 114,
 * size_t) with the 8-byte size of AArch64's size_t. */
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540A
#define TCFLSH 0x540B
#define TIOCSCTTY 0x540E
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define BLKROGET 0x125e     /* _IO(0x12, 94) */
#define BLKGETSIZE 0x1260   /* _IO(0x12, 96): sectors, an unsigned long */
#define BLKFLSBUF 0x1261    /* _IO(0x12, 97) */
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272

/* wait4 and waitid options. The __W ones are Linux's names for thread
 * selection; musl has them too. */
#define WNOHANG 0x00000001
#define WUNTRACED 0x00000002
#define WSTOPPED 0x00000002
#define WEXITED 0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT 0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000
/* waitid's idtype (enumerators in musl's <sys/wait.h>). */
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define P_PIDFD 3

/* clone flags. The low byte, CSIGNAL, is the signal the child's exit sends
 * its parent. */
#define CSIGNAL 0x000000ff
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define CLONE_IO 0x80000000

/* getrlimit and setrlimit resources. */
#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIM_NLIMITS 16
/* No limit: every bit of the 64-bit rlim_cur/rlim_max set. */
#define RLIM_INFINITY (~0ULL)

/* getrusage's who. */
#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

/* prctl options. */
#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37

/* getrandom flags. */
#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

/* poll events (asm-generic/poll.h; a few architectures differ, AArch64 not). */
#define POLLIN 0x0001
#define POLLPRI 0x0002
#define POLLOUT 0x0004
#define POLLERR 0x0008
#define POLLHUP 0x0010
#define POLLNVAL 0x0020
#define POLLRDNORM 0x0040
#define POLLRDBAND 0x0080
#define POLLWRNORM 0x0100
#define POLLWRBAND 0x0200
#define POLLRDHUP 0x2000

/* A pipe write of at most PIPE_BUF bytes is atomic. */
#define PIPE_BUF 4096
/* The most supplementary groups setgroups accepts: Linux's limit. musl's
 * <limits.h> says 32 (a libc choice), so this is checked against Linux's
 * <linux/limits.h>. */
#define NGROUPS_MAX 65536

/* st_mode: the file type field and the set-id and sticky bits. */
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000

/* utimensat's tv_nsec: "now" and "leave as is" instead of a time. */
#define UTIME_NOW 0x3fffffff
#define UTIME_OMIT 0x3ffffffe

/* Scheduling policies. */
#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2

/* The structs below are what user space reads and writes, laid out as
 * AArch64 Linux lays them out; user pointers are kept as uint64_t addresses
 * so that the kernel never dereferences one by mistake. */

/* abi: struct timespec */
struct linux_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
_Static_assert(sizeof(struct linux_timespec) == 16, "struct timespec is 16 bytes");

/* abi: struct timeval */
struct linux_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};
_Static_assert(sizeof(struct linux_timeval) == 16, "struct timeval is 16 bytes");

/* Linux's getrusage and wait4 write these 144 bytes; musl's struct rusage
 * keeps 128 more in reserve, which the kernel leaves alone. */
/* abi: struct rusage */
struct linux_rusage {
    struct linux_timeval ru_utime;
    struct linux_timeval ru_stime;
    int64_t ru_maxrss;
    int64_t ru_ixrss;
    int64_t ru_idrss;
    int64_t ru_isrss;
    int64_t ru_minflt;
    int64_t ru_majflt;
    int64_t ru_nswap;
    int64_t ru_inblock;
    int64_t ru_oublock;
    int64_t ru_msgsnd;
    int64_t ru_msgrcv;
    int64_t ru_nsignals;
    int64_t ru_nvcsw;
    int64_t ru_nivcsw;
};
_Static_assert(sizeof(struct linux_rusage) == 144, "struct rusage is 144 bytes on Linux");

/* abi: struct rlimit */
struct linux_rlimit {
    uint64_t rlim_cur;
    uint64_t rlim_max;
};
_Static_assert(sizeof(struct linux_rlimit) == 16, "struct rlimit is 16 bytes");

/* abi: struct tms */
struct linux_tms {
    int64_t tms_utime;
    int64_t tms_stime;
    int64_t tms_cutime;
    int64_t tms_cstime;
};
_Static_assert(sizeof(struct linux_tms) == 32, "struct tms is 32 bytes");

/* abi: struct iovec */
struct linux_iovec {
    uint64_t iov_base;
    uint64_t iov_len;
};
_Static_assert(sizeof(struct linux_iovec) == 16, "struct iovec is 16 bytes");

/* Each field is a NUL-terminated string of at most 64 characters. */
/* abi: struct utsname */
struct linux_utsname {
    char sysname[65];
    char nodename[65];
    char release[65];
    char version[65];
    char machine[65];
    char domainname[65];
};
_Static_assert(sizeof(struct linux_utsname) == 390, "struct utsname is 6 x 65 bytes");

/* Linux's sysinfo writes these 112 bytes: its trailing padding, _f, is
 * 20 - 2 * 8 - 4 = 0 bytes on a 64-bit kernel. musl's struct sysinfo keeps 256
 * more in reserve, which the kernel leaves alone. */
/* abi: struct sysinfo */
struct linux_sysinfo {
    uint64_t uptime;
    uint64_t loads[3];
    uint64_t totalram;
    uint64_t freeram;
    uint64_t sharedram;
    uint64_t bufferram;
    uint64_t totalswap;
    uint64_t freeswap;
    uint16_t procs;
    uint16_t pad;
    uint64_t totalhigh;
    uint64_t freehigh;
    uint32_t mem_unit;
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "struct sysinfo is 112 bytes on 64-bit Linux");

/* abi: struct pollfd */
struct linux_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};
_Static_assert(sizeof(struct linux_pollfd) == 8, "struct pollfd is 8 bytes");

/* abi: struct winsize */
struct linux_winsize {
    uint16_t ws_row;
    uint16_t ws_col;
    uint16_t ws_xpixel;
    uint16_t ws_ypixel;
};
_Static_assert(sizeof(struct linux_winsize) == 8, "struct winsize is 8 bytes");

/* abi: stack_t */
struct linux_stack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t _pad;
    uint64_t ss_size;
};
_Static_assert(sizeof(struct linux_stack) == 24, "stack_t is 24 bytes");

/* The siginfo fields kill, wait and faults fill in; the rest of the 128 bytes
 * must reach user space zeroed. si_pid/si_uid (a sender) and si_status (a
 * child's) share the union with si_addr (a fault's address). */
/* abi: siginfo_t */
struct linux_siginfo {
    int32_t si_signo;
    int32_t si_errno;
    int32_t si_code;
    int32_t _align;
    union {
        struct {
            int32_t si_pid;
            uint32_t si_uid;
            int32_t si_status;
        };
        uint64_t si_addr;
        uint8_t _size[112];
    };
};
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo_t is 128 bytes");

#endif
