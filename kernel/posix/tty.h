/*
 * Terminals (POSIX-DESIGN R5): the kernel half of a tty. A terminal server
 * (the console) keeps the line -- its discipline, buffers and device -- and
 * makes a terminal object for it (KX_OBJ_TERMINAL, <kenix/tty.h>); the kernel
 * keeps what job control needs: the session the line controls, its
 * foreground process group, and a mirror of TOSTOP. Reads, writes and most
 * ioctls go to the server as IO protocol calls; the job-control ioctls
 * (TIOCSCTTY, TIOCNOTTY, TIOC[GS]PGRP, TIOCGSID) and the background checks
 * (SIGTTIN, SIGTTOU) never leave the kernel, so the server never names a pid.
 *
 * Ownership. A terminal lives while anything holds a reference: handles, the
 * registration table (one per registered device number), every open file
 * description of it (through its sobj), and every process whose controlling
 * terminal it is (process.ctty, inherited by fork). `sid` and `fg_pgid` are
 * protected by proc_lock. A process's controlling terminal is p->ctty only
 * while that terminal still controls p's session (t->sid == its sid): ending
 * the control (the leader exits, TIOCNOTTY, a steal) just clears t->sid, and
 * the stale references are dropped at exit, setsid or the next TIOCSCTTY.
 */
#ifndef KENIX_POSIX_TTY_H
#define KENIX_POSIX_TTY_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/kobject.h"

struct endpoint;
struct event;
struct file;
struct process;
struct sobj;

struct terminal {
    struct kobject obj;
    struct endpoint *ep;   /* the server's endpoint (a reference) */
    struct event *event;   /* its readiness (a reference), or NULL */
    uint64_t cookie;       /* the server's name for the line */
    unsigned sid;          /* proc_lock: the session it controls, 0 none */
    unsigned fg_pgid;      /* proc_lock: its foreground process group while sid */
    bool tostop;           /* c_lflag TOSTOP as last set through TCSETS* */
    uint32_t rdev;         /* the device number it was first registered as (ps's TTY), 0 none */
};

/* Opens the terminal behind character device rdev for the current process:
 * /dev/tty (5:0) is its controlling terminal (-ENXIO without one), others
 * what a server registered. -ENODEV when no terminal has that number (the
 * caller then tries its own devices). Without O_NOCTTY, a session leader with
 * no controlling terminal that opens a free terminal (not /dev/console)
 * acquires it, as Linux. */
long tty_open_rdev(uint64_t rdev, uint32_t flags, struct file **out);

/* Whether f is a terminal (isatty's question, for the kernel). */
bool tty_is_terminal(const struct file *f);

/* p's controlling terminal as procfs shows it: its device number (0: none)
 * and foreground group (-1: none). proc_lock held. */
void tty_describe_ctty(const struct process *p, uint32_t *rdev, int32_t *fg_pgid);

/* Fork: the child shares the parent's controlling terminal. */
void tty_fork(struct process *child, const struct process *parent);
/* setsid and exit: p has no controlling terminal any more; an exiting
 * session leader hangs its terminal up first (SIGHUP and SIGCONT to the
 * foreground group), as Linux's disassociate_ctty. No lock held. */
void tty_drop_ctty(struct process *p, bool exiting);

#endif
