/*
 * The system-information capability (KX_OBJ_SYSINFO, POSIX-DESIGN R7.5):
 * what procfs shows, read from the kernel. The kernel gives init one handle
 * (a boot handle, READ only); init gives it to the vfs, whose procfs formats
 * /proc from it. Nothing here changes anything.
 *
 *   kx_sysinfo(handle (READ), what, arg, buf, len) -> bytes written, or -errno
 *
 * what:
 *   KX_SI_PROCS     arg = the lowest pid wanted. As many struct kx_proc_info
 *                   as fit in len, in increasing pid order, for processes
 *                   (zombies too) with pid >= arg; 0 bytes: none left. Page
 *                   with arg = the last pid + 1.
 *   KX_SI_PROC      arg = pid: one struct kx_proc_info (-ESRCH), with
 *                   rss_shared too (a walk over the process's pages).
 *   KX_SI_CMDLINE   arg = pid: the argument strings as the program's memory
 *                   holds them now (NUL-separated), at most len bytes; 0
 *                   bytes for a zombie or a process that ran no program.
 *   KX_SI_ENVIRON   arg = pid: the environment strings likewise.
 *   KX_SI_FDS       arg = pid: struct kx_fd_info for each open descriptor,
 *                   in increasing fd order, as many as fit.
 *   KX_SI_FILES     arg = pid: struct kx_proc_files (cwd, root, program).
 *   KX_SI_MEMINFO   struct kx_meminfo.
 *   KX_SI_STAT      struct kx_cpu_stat.
 * Errors: -EINVAL for an unknown `what`, -ESRCH for no such process,
 * -EFAULT for a bad buffer, -ENOSPC when len is too small for one record.
 */
#ifndef KENIX_UAPI_SYSINFO_H
#define KENIX_UAPI_SYSINFO_H

#include <stdint.h>

enum kx_sysinfo_what {
    KX_SI_PROCS = 1,
    KX_SI_PROC = 2,
    KX_SI_CMDLINE = 3,
    KX_SI_ENVIRON = 4,
    KX_SI_FDS = 5,
    KX_SI_FILES = 6,
    KX_SI_MEMINFO = 7,
    KX_SI_STAT = 8,
};

/* Times are in clock ticks of 100 Hz (USER_HZ), as /proc shows them. */
struct kx_proc_info {
    uint32_t pid, ppid, pgid, sid;
    uint32_t ruid, euid, suid, rgid, egid, sgid;
    uint32_t tty;             /* the controlling terminal's device number (st_rdev), 0 none */
    int32_t tpgid;            /* its foreground group, -1 none */
    char state;               /* 'R' running or runnable, 'S' sleeping, 'D' uninterruptible, 'T' stopped, 'Z' zombie */
    uint8_t pad[3];
    int32_t nice;
    uint32_t umask;
    uint32_t threads;
    uint64_t minflt, cminflt;
    uint64_t utime, stime, cutime, cstime;
    uint64_t start_time;      /* ticks after boot */
    uint64_t vsize;           /* bytes of address space */
    uint64_t rss;             /* resident pages of its own address space: private, and file pages it maps */
    uint64_t rss_peak;        /* most resident pages it had */
    uint64_t data, stack;     /* bytes: the program break's area, the stack area */
    uint64_t sig_pending, sig_blocked, sig_ignored, sig_caught;
    uint64_t rlim_rss;        /* RLIMIT_RSS, bytes */
    char comm[16];            /* prctl's name: the program's file name by default */
    uint64_t rss_objects;     /* pages of memory objects it maps (kx_mem_map), not in rss: shared memory,
                               * DMA buffers, the vfs's metadata and block cache; device registers not */
    uint64_t rss_shared;      /* KX_SI_PROC only (0 in KX_SI_PROCS): of rss, the pages another holder
                               * has too (a file's cached pages it maps, copy-on-write pages after fork);
                               * rss - rss_shared is what only it holds */
};

/* KX_SI_FDS: what a descriptor names. */
enum kx_fd_kind {
    KX_FD_VFS = 1,    /* an object of the vfs: `cookie` is the vfs's own cookie */
    KX_FD_PIPE = 2,   /* a pipe or FIFO: `id` identifies it (pipe:[id]) */
    KX_FD_DEVICE = 3, /* a kernel device without a vfs node: `id` is its st_rdev */
    KX_FD_OTHER = 4,  /* anything else (a server object of another server) */
};

struct kx_fd_info {
    int32_t fd;
    uint32_t kind;            /* enum kx_fd_kind */
    uint32_t flags;           /* status flags and access mode (O_*) */
    uint32_t cloexec;
    uint64_t pos;
    uint64_t cookie;          /* KX_FD_VFS: the vfs node's cookie (also set for a pipe opened by name) */
    uint64_t id;
};

struct kx_proc_files {
    uint64_t cwd;             /* the vfs's cookie of the working directory; 0: the namespace root */
    uint64_t root;            /* of the chroot directory; 0: the namespace root */
    uint64_t exe;             /* of the program file it runs; 0: none (loaded from memory) */
};

struct kx_meminfo {
    uint64_t total, free;     /* bytes of RAM the kernel manages, and free */
    uint64_t kernel_heap;     /* bytes the kernel heap holds */
    uint64_t page_tables;     /* bytes of translation tables: every address space's and the kernel's */
    uint64_t kernel_image;    /* bytes of the kernel's code, data and bss (its boot stack and tables too) */
    uint64_t kernel_stacks;   /* bytes of threads' kernel stacks */
    uint64_t reserved;        /* bytes of RAM kept out of use besides the image: the frame allocator's
                               * metadata, firmware ranges, the initrd until it is given back */
};

struct kx_cpu_stat {
    uint64_t user, system, idle; /* ticks of CPU time since boot */
    uint64_t boot_time;       /* CLOCK_REALTIME seconds at boot */
    uint64_t forks;           /* processes created since boot */
    uint64_t context_switches;
    uint64_t interrupts;
    uint32_t running, blocked, total; /* processes now: runnable, in uninterruptible waits, all */
    uint32_t last_pid;
    uint32_t load[3];         /* 1, 5 and 15 minute load averages, fixed point << 11 (Linux's FSHIFT) */
    uint32_t pad;
};

#endif
