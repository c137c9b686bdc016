/*
 * What the parts of the signal code share (signal.c: sending, queueing,
 * delivery, system calls; signal_frame.c: the handler's stack frame;
 * signal_stop.c: job control). Not for use outside kernel/posix/signal*.c.
 */
#ifndef KENIX_POSIX_SIGNAL_INTERNAL_H
#define KENIX_POSIX_SIGNAL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/linux_abi.h"
#include "signal.h"

struct process;
struct pgrp;
struct trap_frame;

#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/* Default actions (signal(7)); the rest terminate, real-time signals included. */
#define DEFAULT_IGNORE (SIGBIT(SIGCHLD) | SIGBIT(SIGURG) | SIGBIT(SIGWINCH) | SIGBIT(SIGCONT))
#define DEFAULT_STOP (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

enum sig_action { ACT_IGNORE, ACT_TERMINATE, ACT_STOP, ACT_HANDLER };

/* A handler about to run, as delivery hands it to the frame code. */
struct sigaction_state {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t old_mask;  /* the mask rt_sigreturn puts back */
};

bool signal_valid(uint64_t sig);
/* What p does with sig now (proc_lock held, or p is the caller). */
enum sig_action signal_action(const struct process *p, int sig);
/* Sets p's mask, dropping what was pending while blocked but is ignored now. proc_lock held. */
void signal_set_blocked_locked(struct process *p, uint64_t mask);
/* Drops every pending instance of the signals in set. proc_lock held. */
void signal_flush_locked(struct process *p, uint64_t set);
/* Writes info as a 128-byte siginfo_t at uaddr in the current process. */
int signal_put_info(uint64_t uaddr, const struct ksiginfo *info);

/* Builds the rt_sigframe for a handler on the user stack (or the alternate
 * one) and points f at the handler. 0, or -EFAULT when the frame cannot be
 * written. Interrupts on, no locks. */
int signal_frame_setup(struct trap_frame *f, const struct ksiginfo *info, const struct sigaction_state *sa);

/* Job control (signal_stop.c), proc_lock held throughout. */
/* What sending sig does before it is queued: SIGCONT and SIGKILL resume a
 * stopped p (SIGCONT discarding pending stop signals), a stop signal discards
 * a pending SIGCONT. */
void signal_job_control_locked(struct process *p, int sig);
/* The current process p stops for sig (its default action), telling its
 * parent; returns when continued or when SIGKILL is pending. */
void signal_stop_locked(struct process *p, int sig);

#endif
