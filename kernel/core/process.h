/*
 * Processes: an address space, a file table, credentials, limits, signal
 * state and (for now) one thread, named by a pid.
 *
 * Lifetime. A process is created by fork/clone (a copy of its parent) or by
 * kx_process_create (a program from memory, a child of its creator). When it
 * exits it lets go of everything it holds -- address space, files, handles --
 * and stays a zombie holding only its wait status, until its parent collects
 * it with wait4/waitid (or kx_process_wait) or, if the parent asked for no
 * zombies, at once. Its children are given to process 1 when it exits, so a
 * process's parent pointer always names a process that exists (getppid of an
 * orphan is 1). The struct is freed at reaping; the pid becomes free when no
 * process, process group or session uses the number any more.
 *
 * Locking. proc_lock protects the pid tables, the family links (parent,
 * children, siblings), process groups and sessions, `state` and the wait
 * status, signal state, and the times of reaped children. Everything else
 * (vm, files, handles, cred, rlimits, umask, names) belongs to the process's
 * own thread, which alone changes it; other processes read it under proc_lock
 * (credentials for kill, for instance).
 */
#ifndef KENIX_CORE_PROCESS_H
#define KENIX_CORE_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/spinlock.h"
#include "../arch/aarch64/trap.h"
#include "handle.h"
#include "ipc.h"
#include "thread.h"
#include "wait.h"
#include "../posix/signal.h"

struct vmspace;
struct process_obj;
struct ustack_aux;
struct fdtable;
struct ptimers;
struct terminal;

extern struct spinlock proc_lock;

#define PID_MAX 32768 /* pids wrap below this, as Linux's default pid_max */

enum process_state {
    PROC_LIVE,
    PROC_ZOMBIE, /* exited; waits to be collected by its parent */
};

struct session {
    unsigned sid;
    unsigned npgrps;             /* process groups in it; freed at 0 */
    struct session *hash_next;
};

struct pgrp {
    unsigned pgid;
    struct session *session;
    struct process *members;     /* linked through process.pg_next/pg_prev */
    struct pgrp *hash_next;
};

struct cred {
    uint32_t ruid, euid, suid;
    uint32_t rgid, egid, sgid;
    uint32_t ngroups;
    uint32_t *groups;            /* sorted, as Linux keeps them; kmalloc'd */
};

struct process {
    unsigned pid;
    enum process_state state;
    struct process *parent;      /* NULL only for process 1 and when it is gone */
    unsigned ppid;               /* parent's pid (0: none), written with `parent` under
                                  * proc_lock and read by getppid without it */
    struct process *children;    /* linked through `sibling` */
    struct process *sibling;
    struct process *hash_next;   /* pid table */
    struct pgrp *pgrp;
    struct process *pg_next, *pg_prev;
    struct vmspace *vm;
    struct thread *thread;       /* NULL once exited */
    struct handle_table handles;
    struct fdtable *files;
    struct file *cwd;            /* working directory (a vfs directory, a reference); NULL: the root */
    struct file *root;           /* chroot's root directory (a reference); NULL: the namespace root */
    struct file *exe;            /* the program file it runs (a reference, /proc/<pid>/exe), or
                                  * NULL (loaded from memory) */
    struct terminal *ctty;       /* controlling terminal (a reference), valid while it still
                                  * controls our session (posix/tty.h) */
    unsigned posix_locks;        /* record locks it holds (flock_lock; posix/flock.c) */
    uint64_t run_id;             /* identity of the program file it runs, counted (ETXTBSY); 0: none */
    struct process *lock_blocker;/* whose record lock it waits for in F_SETLKW (flock_lock) */
    struct cred cred;
    struct linux_rlimit rlim[RLIM_NLIMITS];
    unsigned umask;
    int nice;                    /* -20..19 (setpriority); recorded and shown, not yet weighed by the
                                  * scheduler; inherited by fork, kept by exec */
    struct sigstate sig;
    struct ptimers *timers;      /* itimers and POSIX timers, made on first use (posix/ktimer.h) */
    int exit_status;             /* wait status, once a zombie */
    bool did_exec;               /* runs a program of its own (setpgid: EACCES) */
    bool detached;               /* a server outside the POSIX family (kx_process_detach): no
                                  * parent, skipped by kill(-1) */
    struct process *vfork_parent;/* blocked in clone(CLONE_VFORK) until we exit */
    struct wait_queue vfork_waiters;
    struct wait_queue child_waiters; /* wait4/waitid callers: a child changed state */
    uint64_t cpu_final;          /* counter ticks it ran, once exited */
    uint64_t user_ticks, sys_ticks; /* timer ticks that found it in user / kernel mode */
    uint64_t child_utime, child_stime; /* of reaped children, counter ticks */
    uint64_t child_max_rss;      /* largest peak resident pages of a reaped child (or theirs) */
    bool dumpable;               /* prctl(PR_SET_DUMPABLE) */
    uint64_t start_counter;
    uint64_t min_faults;         /* pages faulted in by programs it ran before (execve) and, once
                                  * exited, by its last (ru_minflt) */
    uint64_t max_rss_pages;      /* peak resident pages likewise (ru_maxrss) */
    struct process_obj *pobj;    /* the object process handles name, if any */
    struct reply_lists replies;  /* saved replies and those cancelled (ipc_lock; core/reply.c) */
    uint64_t clear_child_tid;    /* set_tid_address */
    char name[32];               /* for kernel messages: the program's path */
    char comm[16];               /* prctl(PR_SET_NAME) */
};

/* Whether t's process has a signal that is going to be acted on: pending and
 * not blocked (ignored signals are never left pending). Inline: every return
 * to user mode asks. */
static inline bool signal_pending(const struct thread *t)
{
    const struct process *p = t->proc;
    return p && (p->sig.pending & ~p->sig.blocked);
}

/* Whether the way back to user mode needs signal_deliver (posix/signal.c): a
 * signal to act on, a system call to restart or turn into EINTR (its result
 * one of the ERESTART* codes, -512..-516 but not -515), a temporary mask to
 * put back. */
static inline bool signal_work_pending(const struct trap_frame *f)
{
    const struct process *p = current_thread()->proc;
    if (!p)
        return false;
    if ((p->sig.pending & ~p->sig.blocked) || p->sig.restore_mask)
        return true;
    int64_t r = (int64_t)f->x[0];
    return f->syscallno >= 0 && r >= -ERESTART_RESTARTBLOCK && r <= -ERESTARTSYS && r != -515;
}

/* Finds an executable regular file in the initrd. */
int initrd_find_program(const char *path, const void **data, size_t *size);
/* Builds the static ELF program from src (posix/exec.h) into p, a fresh
 * process: segments, stack with argv/envp (kernel strings) and auxv (plus
 * `extra` entries), first thread -- not yet runnable. -ENOEXEC for a file
 * that is not a loadable program, -E2BIG, -ENOMEM. */
struct program_source;
struct image;
int process_load(struct process *p, const char *path, const struct program_source *src, const char *const argv[],
                 const char *const envp[], const struct ustack_aux *extra, unsigned nextra);
/* p's first thread, at a built image's entry and stack (not yet runnable). */
int process_new_thread(struct process *p, const struct image *im);
/* Makes a loaded process's first thread runnable. */
void process_start(struct process *p);
/* Inline: every system call asks (an out-of-line call cost 13 instructions). */
static inline struct process *current_process(void)
{
    return current_thread()->proc;
}
/* Ends the calling process with the given wait status. */
void __attribute__((noreturn)) process_exit(int status);
/* Ends the calling process because of an unrecoverable fault, reporting it. */
void __attribute__((noreturn)) process_fault(const char *what, const struct trap_frame *f, int signal);

/*
 * A new process for a new program (kx_process_create, init): a child of
 * `parent` (NULL for process 1) with its credentials, limits and umask, in
 * its process group, fds 0-2 on the kernel log, signals at their defaults.
 * -EAGAIN when RLIMIT_NPROC or the pid space says no, -ENOMEM.
 */
long process_create(struct process *parent, const char *name, struct process **out);
/* A process struct with a pid, in its parent's family and process group
 * (proc_lock held); the rest is the caller's to fill. -EAGAIN (RLIMIT_NPROC,
 * no pid), -ENOMEM in *err. process_drop_locked undoes it. */
struct process *process_alloc_locked(struct process *parent, const char *name, int *err);
void process_drop_locked(struct process *p);
/* Frees a process that never ran (load failed, or its creator let go of it). */
void process_discard(struct process *p);
/* Collects a zombie child, freeing it and its pid; `waited`: by a wait call,
 * so its times go to the parent's RUSAGE_CHILDREN. proc_lock held. */
void process_reap(struct process *zombie, bool waited);

/* The live or zombie process with this pid, or NULL. proc_lock held. */
struct process *process_find(unsigned pid);
/* Calls fn for every process (proc_lock held: fn takes no other lock but leaf
 * ones, such as the trace buffer's). Work: the processes that exist. */
void process_for_each(void (*fn)(void *arg, struct process *p), void *arg);
/* Every process, live or zombie: process_iter_next(NULL) is the first, NULL
 * after the last. proc_lock held throughout. */
struct process *process_iter_next(struct process *p);
/* Counts processes of real user uid (RLIMIT_NPROC). proc_lock held. */
unsigned process_count_user(uint32_t uid);
/* Whether the current process may fork another for its real uid. proc_lock held. */
bool process_may_add(const struct process *creator);
/* Makes p (not yet started) parentless and out of kill(-1)'s reach
 * (kx_process_detach). proc_lock held. */
void process_detach_locked(struct process *p);

/* Processes made since boot, the last pid handed out, processes now
 * (zombies too). proc_lock held. */
void process_counts(uint64_t *made, unsigned *last, unsigned *now);

/* Process groups and sessions (proc_lock held). */
struct pgrp *pgrp_find(unsigned pgid);
struct session *session_find(unsigned sid);
/* Moves p into group pgid of session s, creating the group (-ENOMEM). */
int pgrp_join(struct process *p, unsigned pgid, struct session *s);
/* Makes p the leader of a new session and group named by its pid. */
int session_create(struct process *p);

/* Counter ticks the process has run (its thread's, or the final figure). */
uint64_t process_cpu(const struct process *p);
/* Splits a process's run time into user and system parts (Linux's way:
 * the total, apportioned by the ticks that found it in each mode). */
void process_times(const struct process *p, uint64_t *utime, uint64_t *stime);
#define USER_HZ 100 /* clock ticks of times(), AT_CLKTCK and /proc */
/* Counter ticks as clock ticks of times() and siginfo's si_utime (USER_HZ). */
int64_t to_clock_ticks(uint64_t counter);

#endif
