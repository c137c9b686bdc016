/*
 * Signal state of a process and the default actions.
 *
 * What exists today: masks (rt_sigprocmask), pending sets, dispositions
 * SIG_DFL and SIG_IGN (rt_sigaction without handlers), sending (kill, tkill,
 * tgkill, and the kernel's own SIGCHLD, SIGPIPE), and delivery on every
 * return to user mode with the default actions terminate and ignore. A
 * signal that is going to be acted on interrupts whatever its process waits
 * for (wait_interrupt). Handlers, stop/continue and the restart rules after a
 * handler come next (the signals issue); until then a stop signal's default
 * action is not carried out (it is discarded, and said so once in the log).
 *
 * The state lives in struct process and is protected by proc_lock: signals
 * are sent by other processes and by the kernel on their behalf.
 */
#ifndef KENIX_POSIX_SIGNAL_H
#define KENIX_POSIX_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/spinlock.h"

struct process;
struct thread;
struct trap_frame;

#define SIG_DFL 0
#define SIG_IGN 1

/* Bit of signal `sig` (1..64) in a Linux sigset word. */
#define SIGBIT(sig) (1ull << ((sig) - 1))

/* What a signal carries: the fields of Linux's siginfo_t that Kenix fills,
 * laid out as its first 48 bytes (the rest of the 128 is zero on delivery). */
struct ksiginfo {
    int32_t signo;
    int32_t err;
    int32_t code;                /* SI_USER, SI_QUEUE, SI_TKILL, SI_TIMER, SI_KERNEL, CLD_*, SEGV_* ... */
    int32_t pad;
    union {
        struct { int32_t pid; uint32_t uid; uint64_t value; } kill;   /* kill, tkill, sigqueue */
        struct { int32_t tid; int32_t overrun; uint64_t value; } timer; /* SI_TIMER */
        struct { int32_t pid; uint32_t uid; int32_t status; int32_t pad; uint64_t utime, stime; } chld;
        struct { uint64_t addr; } fault;                               /* SIGSEGV, SIGBUS, ... */
    };
};
_Static_assert(sizeof(struct ksiginfo) == 48, "ksiginfo is the head of Linux's siginfo_t");

/*
 * One queued instance of a signal. Real-time signals queue every instance
 * (up to RLIMIT_SIGPENDING per process); a standard signal is pending at
 * most once, with the information of the first send. Entries are kmalloc'd
 * by the sender and freed at delivery, except an entry `owned` by something
 * that reuses it (a POSIX timer): that is never freed here, only unlinked,
 * and `delivered` (if set) is called under proc_lock as it is taken, so the
 * owner can fill in late fields (the timer's overrun count).
 */
struct sigqueue {
    struct sigqueue *next;
    struct ksiginfo info;
    bool owned;
    bool queued;                 /* on a process's queue now (owned entries) */
    void (*delivered)(struct sigqueue *q, struct ksiginfo *info);
};

/* sigaltstack(2) */
struct sigaltstack_state {
    uint64_t sp;
    uint64_t size;
    uint32_t flags;              /* SS_DISABLE, SS_AUTODISARM */
};

/* What a parent's wait can report about a live child (sigstate.report). */
enum { REPORT_NONE, REPORT_STOPPED, REPORT_CONTINUED };

struct sigstate {
    uint64_t blocked;           /* the mask */
    uint64_t pending;           /* sent, not yet acted on */
    uint64_t waitset;           /* rt_sigtimedwait waits for these: they wake it although blocked */
    uint64_t chld_flags;        /* SA_NOCLDWAIT / SA_NOCLDSTOP of SIGCHLD's action */
    uint64_t handler[64];       /* disposition: SIG_DFL, SIG_IGN or a user address */
    uint64_t action_flags[64];  /* sa_flags each rt_sigaction set, reported back */
    uint64_t action_mask[64];   /* sa_mask likewise */
    uint64_t restorer[64];      /* sa_restorer */
    struct sigqueue *queue;     /* queued instances, oldest first (pending has their bits) */
    unsigned queued;            /* kmalloc'd entries on queue (RLIMIT_SIGPENDING) */
    uint64_t saved_blocked;     /* the mask to put back (restore_mask) */
    bool restore_mask;          /* a call installed a temporary mask (sigsuspend, ppoll, pselect6) */
    bool stopped;               /* stopped by a stop signal until SIGCONT or SIGKILL */
    uint8_t stop_sig;           /* the signal that stopped it */
    uint8_t report;             /* REPORT_*: not yet collected by the parent's wait */
    struct sigaltstack_state altstack;
};

/* Sends sig (1..64) to p from the kernel's side (permission already checked),
 * with si_code SI_KERNEL. Discards it if p ignores it; otherwise marks it
 * pending and, if it is not blocked, interrupts p's wait. `held` is a lock the
 * caller holds (proc_lock or NULL). Call with proc_lock held. */
void signal_send_locked(struct process *p, int sig, struct spinlock *held);
/* The same, taking proc_lock. */
void signal_send(struct process *p, int sig);
/* Sends info->signo with its information. -EAGAIN when a real-time signal
 * cannot be queued (RLIMIT_SIGPENDING, memory); 0 otherwise (also when it is
 * discarded). proc_lock held. */
int signal_send_info_locked(struct process *p, const struct ksiginfo *info, struct spinlock *held);
/* Sends an owned entry (q->info.signo). Returns false, changing nothing, if q
 * is still queued from an earlier send (the owner counts an overrun); true
 * otherwise (queued, or discarded because p ignores it). proc_lock held. */
bool signal_send_owned_locked(struct process *p, struct sigqueue *q, struct spinlock *held);
/* Takes an owned entry off p's queue if it is there (its owner is going away). proc_lock held. */
void signal_unqueue_owned_locked(struct process *p, struct sigqueue *q);

/* Whether a signal pending and unblocked in p ends it when acted on (SIGKILL,
 * or a default action that terminates): waits that would be cancelled
 * politely are torn down instead (R3.3). proc_lock held. */
bool signal_kills(const struct process *p);

/* Installs `mask` as the current process's mask until it next returns to user
 * mode: then the old mask comes back, unless a handler runs, whose frame
 * saves the old mask for rt_sigreturn (sigsuspend, ppoll, pselect6). */
void signal_set_temp_mask(uint64_t mask);
/* Puts the mask signal_set_temp_mask replaced back now: a call that completes
 * returns with the caller's own mask, so a signal only the temporary mask let
 * through stays pending (Linux's poll_select_finish). */
void signal_restore_temp_mask(void);

/* Acts on the pending signals of the current process (exit_to_user; interrupts
 * on): runs default actions, stops, or sets up a handler's frame; applies the
 * restart rules to an interrupted system call. */
void signal_deliver(struct trap_frame *f);
/* Whether the way back to user mode needs signal_deliver: signal_work_pending
 * in core/process.h (inline: every system call returns through it). */

/* A fault in user mode: sends sig with si_code `code` and si_addr `addr`,
 * forced as Linux does (a blocked or ignored fault signal kills). Returns to
 * the caller, who returns to user mode where the handler (if any) runs. */
void signal_fault(struct trap_frame *f, const char *what, int sig, int code, uint64_t addr);

/* Fork: the child gets the mask, dispositions and alternate stack, not the pending set. */
void signal_fork(struct sigstate *child, const struct sigstate *parent);
/* execve's point of no return (Linux's flush_signal_handlers and exit_itimers):
 * caught signals go back to SIG_DFL, ignored ones stay ignored, every
 * action's flags, mask and restorer are cleared; the mask and pending
 * signals stay; the alternate stack goes; POSIX timers are deleted (the
 * itimers and alarm survive, as on Linux). Takes proc_lock. */
void signal_exec(struct process *p);
/* A new program (kx_process_create): everything at its default. */
void signal_reset(struct sigstate *s);
/* A process is gone: frees its queue. proc_lock held. */
void signal_release(struct sigstate *s);

/* Tells child's parent (if any) what happened to it: SIGCHLD with si_code
 * `code` (CLD_*) and si_status `status`, and wakes the parent's waits.
 * Stops and continues are not signalled to a parent with SA_NOCLDSTOP.
 * proc_lock held. */
void signal_notify_parent_locked(struct process *child, int code, int status);
/* Process groups that lose their last link to a parent outside them in their
 * session, and have stopped members, get SIGHUP then SIGCONT (POSIX): nobody
 * could continue them otherwise. signal_exiting_locked is asked for a process
 * p that is exiting (after its children went to process 1);
 * signal_reparented_locked for each child c of an exiting process, live or
 * zombie.
 * proc_lock held. */
void signal_exiting_locked(struct process *p);
void signal_reparented_locked(struct process *c, struct process *old_parent);

/* Whether the parent of an exiting child wants no zombie (SIGCHLD ignored, or SA_NOCLDWAIT). */
bool signal_autoreap(const struct process *parent);
/* Whether group g is orphaned (POSIX: no member has a parent in another
 * group of the same session). proc_lock held. */
struct pgrp;
bool pgrp_orphaned_locked(const struct pgrp *g);

#endif
