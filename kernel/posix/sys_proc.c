/*
 * Process system calls: clone (fork and vfork), exit, wait4/waitid, ids,
 * process groups and sessions, prctl.
 */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/string.h"
#include "../arch/aarch64/sysreg.h"
#include "../arch/aarch64/timer.h"
#include "../core/trace.h"
#include "../core/process.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"
#include "file.h"
#include "vfs_client.h"
#include "signal.h"
#include "tty.h"

/* The clone flags Kenix has: fork (SIGCHLD), vfork (CLONE_VM|CLONE_VFORK)
 * and the tid/TLS conveniences glibc's fork uses. Everything else needs
 * threads or namespaces: -EINVAL rather than a fork that ignores them. */
#define CLONE_SUPPORTED (CSIGNAL | CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | \
                         CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)

/* A copy of the current process running the current system call's return
 * with x0 = 0 (not yet started). */
static long fork_process(const struct trap_frame *f, uint64_t flags, uint64_t newsp, uint64_t tls,
                         struct process **out)
{
    struct process *parent = current_process();
    struct thread *self = current_thread();
    struct vmspace *vm = (flags & CLONE_VM) ? vmspace_get(parent->vm) : vmspace_fork(parent->vm);
    struct fdtable *files = vm ? fdtable_fork(parent->files) : 0;
    uint32_t *groups = 0;
    if (files && parent->cred.ngroups && (groups = kmalloc(parent->cred.ngroups * 4)))
        memcpy(groups, parent->cred.groups, parent->cred.ngroups * 4);
    long err = !files || (parent->cred.ngroups && !groups) ? -ENOMEM : 0;
    struct process *p = 0;
    if (!err) {
        int e = 0;
        irqflags_t lf = spin_lock_irqsave(&proc_lock);
        p = process_alloc_locked(parent, parent->name, &e);
        spin_unlock_irqrestore(&proc_lock, lf);
        err = e;
    }
    struct thread *t = 0;
    if (!err) {
        t = thread_create_user(p, f->elr, f->sp, self->prio);
        err = t ? 0 : -ENOMEM;
    }
    if (err) {
        kfree(groups);
        fdtable_destroy(files);
        vmspace_put(vm);
        if (p) {
            irqflags_t lf = spin_lock_irqsave(&proc_lock);
            process_drop_locked(p);
            spin_unlock_irqrestore(&proc_lock, lf);
        }
        return err;
    }
    p->vm = vm;
    p->files = files;
    p->cwd = parent->cwd ? file_get(parent->cwd) : 0;
    p->root = parent->root ? file_get(parent->root) : 0;
    tty_fork(p, parent);
    p->exe = parent->exe ? file_get(parent->exe) : 0;
    p->nice = parent->nice;
    /* The child runs the same program: it counts as running it (ETXTBSY). */
    p->run_id = parent->run_id && !fileuse_get_run(parent->run_id) ? parent->run_id : 0;
    p->cred = parent->cred;
    p->cred.groups = groups;
    memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
    p->umask = parent->umask;
    signal_fork(&p->sig, &parent->sig);
    memcpy(p->comm, parent->comm, sizeof(p->comm));
    p->dumpable = parent->dumpable;
    p->thread = t;
    t->tid = p->pid;
    struct trap_frame *cf = thread_user_frame(t);
    *cf = *f;
    cf->x[0] = 0;
    cf->syscallno = -1; /* the child returns from nothing it could restart */
    if (newsp)
        cf->sp = newsp;
    t->tpidr_el0 = (flags & CLONE_SETTLS) ? tls : read_sysreg(tpidr_el0);
    sched_fpsimd_flush(self);
    t->fpsimd = self->fpsimd;
    *out = p;
    return 0;
}

/* clone(flags, newsp, parent_tid, tls, child_tid) -- the AArch64 order. */
long sys_clone(struct trap_frame *f)
{
    uint64_t flags = f->x[0], newsp = f->x[1], ptid = f->x[2], tls = f->x[3], ctid = f->x[4];
    if (flags & ~(uint64_t)CLONE_SUPPORTED)
        return -EINVAL;
    if ((flags & CSIGNAL) != SIGCHLD)
        return -EINVAL; /* other exit signals make "clone children" only __WCLONE waits see */
    if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
        return -EINVAL; /* a second thread in this address space: no threads yet */
    struct process *parent = current_process(), *p;
    long err = fork_process(f, flags, newsp, tls, &p);
    if (err)
        return err;
    unsigned pid = p->pid;
    if (trace_enabled())
        trace_name(p); /* the child runs its parent's program until it execs */
    if (flags & CLONE_CHILD_CLEARTID)
        p->clear_child_tid = ctid;
    /* The child's tid in its memory and in ours, as asked; a bad pointer
     * here is the caller's problem, not a reason to undo the fork (Linux
     * ignores these faults too). */
    if (flags & CLONE_CHILD_SETTID)
        copy_to_user(p->vm, ctid, &pid, sizeof(uint32_t));
    if (flags & CLONE_PARENT_SETTID)
        copy_to_user(parent->vm, ptid, &pid, sizeof(uint32_t));
    if (!(flags & CLONE_VFORK)) {
        sched_wake(p->thread); /* not process_start: a forked child has not exec'd */
        return pid;
    }
    /* vfork: the parent sleeps until the child exits (or, later, execs).
     * The child cannot run before we sleep (one CPU, the kernel is not
     * preempted), and after the wake-up p may be gone: only pid is used. */
    irqflags_t lf = spin_lock_irqsave(&proc_lock);
    p->vfork_parent = parent;
    sched_wake(p->thread);
    wait_sleep(&proc_lock, &p->vfork_waiters, WAIT_VFORK, 0, WAIT_INTERRUPTIBLE, 0);
    spin_unlock_irqrestore(&proc_lock, lf);
    return pid; /* even if a signal ended the wait: the child exists */
}

long sys_exit(struct trap_frame *f)
{
    process_exit((int)(f->x[0] & 0xff) << 8);
}

long sys_exit_group(struct trap_frame *f)
{
    process_exit((int)(f->x[0] & 0xff) << 8);
}

long sys_getpid(struct trap_frame *f)
{
    (void)f;
    return current_process()->pid;
}

long sys_getppid(struct trap_frame *f)
{
    (void)f;
    return __atomic_load_n(&current_process()->ppid, __ATOMIC_RELAXED); /* a word: no lock needed */
}

/* One thread per process: its tid is the pid, as for Linux's main thread. */
long sys_gettid(struct trap_frame *f)
{
    (void)f;
    return current_process()->pid;
}

long sys_set_tid_address(struct trap_frame *f)
{
    current_process()->clear_child_tid = f->x[0];
    return current_process()->pid;
}

/* --- wait4 / waitid ---------------------------------------------------------- */

struct wait_result {
    unsigned pid;
    uint32_t uid;
    int status;
    uint64_t utime, stime; /* counter ticks, the child's own plus its reaped children's */
    uint64_t maxrss_pages, minflt;
};

enum { WAIT_ANY, WAIT_PID, WAIT_PGID };

static bool wanted(const struct process *c, int kind, unsigned id)
{
    switch (kind) {
    case WAIT_PID: return c->pid == id;
    case WAIT_PGID: return c->pgrp && c->pgrp->pgid == id;
    default: return true;
    }
}

/* Finds a child matching (kind, id) that exited (WEXITED), stopped
 * (WSTOPPED, alias WUNTRACED) or continued (WCONTINUED), waiting for one
 * unless WNOHANG; collects an exited one unless WNOWAIT. Returns its pid,
 * 0 (WNOHANG, none yet), or -ECHILD / -ERESTARTSYS. */
static long do_wait(int kind, unsigned id, uint64_t options, struct wait_result *res)
{
    struct process *self = current_process();
    /* __WCLONE alone asks for children that signal something other than
     * SIGCHLD at exit: Kenix makes none (clone insists on SIGCHLD). */
    if ((options & __WCLONE) && !(options & __WALL))
        return -ECHILD;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    long r;
    for (;;) {
        bool any = false;
        struct process *found = 0;
        for (struct process *c = self->children; c && !found; c = c->sibling) {
            if (!wanted(c, kind, id))
                continue;
            any = true;
            if (c->state == PROC_ZOMBIE) {
                if (options & WEXITED)
                    found = c;
            } else if ((options & WSTOPPED) && c->sig.report == REPORT_STOPPED) {
                found = c;
            } else if ((options & WCONTINUED) && c->sig.report == REPORT_CONTINUED) {
                found = c;
            }
        }
        if (found && found->state != PROC_ZOMBIE) {
            /* A stop or a continue: reported once (unless WNOWAIT), the child stays. */
            res->pid = found->pid;
            res->uid = found->cred.ruid;
            res->status = found->sig.report == REPORT_STOPPED ? (found->sig.stop_sig << 8) | 0x7f : 0xffff;
            process_times(found, &res->utime, &res->stime);
            res->maxrss_pages = res->minflt = 0;
            if (!(options & WNOWAIT))
                found->sig.report = REPORT_NONE;
            r = res->pid;
            break;
        }
        if (found) {
            res->pid = found->pid;
            res->uid = found->cred.ruid;
            res->status = found->exit_status;
            process_times(found, &res->utime, &res->stime);
            res->utime += found->child_utime;
            res->stime += found->child_stime;
            res->maxrss_pages =
                found->max_rss_pages > found->child_max_rss ? found->max_rss_pages : found->child_max_rss;
            res->minflt = found->min_faults;
            if (!(options & WNOWAIT))
                process_reap(found, true);
            r = res->pid;
            break;
        }
        if (!any) {
            r = -ECHILD;
            break;
        }
        if (options & WNOHANG) {
            r = 0;
            break;
        }
        r = wait_sleep(&proc_lock, &self->child_waiters, WAIT_CHILD, 0, WAIT_INTERRUPTIBLE, 0);
        if (r)
            break;
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return r;
}

static struct linux_timeval counter_to_timeval(uint64_t counter)
{
    uint64_t us = timer_counter_to_us(counter);
    return (struct linux_timeval){ (int64_t)(us / 1000000), (int64_t)(us % 1000000) };
}

static int put_rusage(uint64_t uaddr, const struct wait_result *res)
{
    struct linux_rusage ru = { 0 };
    ru.ru_utime = counter_to_timeval(res->utime);
    ru.ru_stime = counter_to_timeval(res->stime);
    ru.ru_maxrss = (int64_t)(res->maxrss_pages * (PAGE_SIZE / 1024));
    ru.ru_minflt = (int64_t)res->minflt;
    return copy_to_user(current_process()->vm, uaddr, &ru, sizeof(ru));
}

#define WAIT4_OPTIONS (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)

/* wait4(pid, wstatus, options, rusage) */
long sys_wait4(struct trap_frame *f)
{
    int64_t pid = (int32_t)f->x[0];
    uint64_t options = f->x[2];
    if (options & ~(uint64_t)WAIT4_OPTIONS)
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH; /* -INT_MIN is not a group id */
    int kind = pid > 0 ? WAIT_PID : pid == -1 ? WAIT_ANY : WAIT_PGID;
    unsigned id = pid > 0 ? (unsigned)pid : pid == 0 ? current_process()->pgrp->pgid : (unsigned)-pid;
    struct wait_result res;
    long r = do_wait(kind, id, options | WEXITED, &res);
    if (r <= 0)
        return r;
    /* The child is collected already: a bad pointer now loses its status, as on Linux. */
    int err = f->x[1] ? copy_to_user(current_process()->vm, f->x[1], &res.status, sizeof(int32_t)) : 0;
    if (!err && f->x[3])
        err = put_rusage(f->x[3], &res);
    return err ? err : r;
}

#define WAITID_OPTIONS (WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)

/* waitid(idtype, id, infop, options, rusage) */
long sys_waitid(struct trap_frame *f)
{
    uint64_t idtype = f->x[0], options = f->x[3];
    int64_t id = (int32_t)f->x[1];
    if ((options & ~(uint64_t)WAITID_OPTIONS) || !(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return -EINVAL;
    int kind;
    switch (idtype) {
    case P_ALL: kind = WAIT_ANY; break;
    case P_PID:
        if (id <= 0)
            return -EINVAL;
        kind = WAIT_PID;
        break;
    case P_PGID:
        if (id < 0)
            return -EINVAL;
        kind = WAIT_PGID;
        if (id == 0)
            id = current_process()->pgrp->pgid;
        break;
    default: return -EINVAL; /* P_PIDFD: no pidfds */
    }
    struct wait_result res = { 0 };
    long r = do_wait(kind, (unsigned)id, options, &res);
    if (r < 0)
        return r;
    struct linux_siginfo info = { 0 };
    if (r > 0) {
        info.si_signo = SIGCHLD;
        info.si_pid = (int32_t)res.pid;
        info.si_uid = res.uid;
        if (res.status == 0xffff) {
            info.si_code = CLD_CONTINUED;
            info.si_status = SIGCONT;
        } else if ((res.status & 0xff) == 0x7f) {
            info.si_code = CLD_STOPPED;
            info.si_status = (res.status >> 8) & 0xff;
        } else if (res.status & 0x7f) {
            info.si_code = (res.status & 0x80) ? CLD_DUMPED : CLD_KILLED;
            info.si_status = res.status & 0x7f;
        } else {
            info.si_code = CLD_EXITED;
            info.si_status = (res.status >> 8) & 0xff;
        }
    }
    /* WNOHANG with nothing to report still writes: si_pid 0 says so. */
    int err = f->x[2] ? copy_to_user(current_process()->vm, f->x[2], &info, sizeof(info)) : 0;
    if (!err && r > 0 && f->x[4])
        err = put_rusage(f->x[4], &res);
    return err ? err : 0;
}

/* --- process groups and sessions ------------------------------------------------ */

long sys_setpgid(struct trap_frame *f)
{
    struct process *self = current_process();
    int64_t pid = (int32_t)f->x[0], pgid = (int32_t)f->x[1];
    if (pgid < 0)
        return -EINVAL;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    long err = 0;
    struct process *p = pid ? process_find((unsigned)pid) : self;
    if (pid < 0 || !p || (p != self && p->parent != self) || p->state != PROC_LIVE) {
        err = -ESRCH;
    } else if (p != self && p->pgrp->session != self->pgrp->session) {
        err = -EPERM;
    } else if (p != self && p->did_exec) {
        err = -EACCES;
    } else if (p->pgrp->session->sid == p->pid) {
        err = -EPERM; /* a session leader stays in its group */
    } else {
        unsigned target = pgid ? (unsigned)pgid : p->pid;
        struct pgrp *g = pgrp_find(target);
        if (target != p->pid && (!g || g->session != self->pgrp->session))
            err = -EPERM;
        else
            err = pgrp_join(p, target, self->pgrp->session);
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

static long id_of(int64_t pid, bool session)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = pid == 0 ? current_process() : pid > 0 ? process_find((unsigned)pid) : 0;
    long r = !p || !p->pgrp ? -ESRCH : session ? (long)p->pgrp->session->sid : (long)p->pgrp->pgid;
    spin_unlock_irqrestore(&proc_lock, flags);
    return r;
}

long sys_getpgid(struct trap_frame *f)
{
    return id_of((int32_t)f->x[0], false);
}

long sys_getsid(struct trap_frame *f)
{
    return id_of((int32_t)f->x[0], true);
}

long sys_setsid(struct trap_frame *f)
{
    (void)f;
    struct process *self = current_process();
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    /* Not if a group already bears our number (we lead one, or it outlived us). */
    long r = pgrp_find(self->pid) ? -EPERM : session_create(self);
    if (!r)
        r = self->pid;
    spin_unlock_irqrestore(&proc_lock, flags);
    if (r > 0)
        tty_drop_ctty(self, false); /* the new session has no terminal yet */
    return r;
}

/* --- prctl ------------------------------------------------------------------ */

long sys_prctl(struct trap_frame *f)
{
    struct process *p = current_process();
    switch (f->x[0]) {
    case PR_SET_NAME: {
        char name[sizeof(p->comm)];
        long n = strncpy_from_user(p->vm, name, f->x[1], sizeof(name));
        if (n == -ENAMETOOLONG) {
            /* Longer names are cut to 15 bytes, as on Linux. */
            int err = copy_from_user(p->vm, name, f->x[1], sizeof(name) - 1);
            if (err)
                return err;
            name[sizeof(name) - 1] = 0;
        } else if (n < 0) {
            return n;
        }
        memcpy(p->comm, name, sizeof(name));
        return 0;
    }
    case PR_GET_NAME:
        return copy_to_user(p->vm, f->x[1], p->comm, sizeof(p->comm));
    case PR_GET_DUMPABLE:
        return p->dumpable;
    case PR_SET_DUMPABLE:
        if (f->x[1] > 1)
            return -EINVAL;
        p->dumpable = f->x[1];
        return 0;
    default:
        return -EINVAL;
    }
}
