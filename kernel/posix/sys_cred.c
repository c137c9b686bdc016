/*
 * Credentials, resource limits and accounting: the uid/gid families with
 * Linux's rules (kernel/sys.c), supplementary groups, prlimit64 and its
 * older forms, getrusage, times, umask, sysinfo.
 *
 * "Privileged" below is Linux's CAP_SETUID / CAP_SETGID / CAP_SYS_RESOURCE,
 * which Kenix gives exactly to effective uid 0, as Linux does without file
 * capabilities. A process changes only its own credentials; others read them
 * under proc_lock (kill's permission check).
 */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/string.h"
#include "../arch/aarch64/timer.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/frames.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"
#include "file.h"

#define NO_ID 0xffffffffu /* (uid_t)-1: "leave unchanged" / never valid */

static struct cred *cred(void)
{
    return &current_process()->cred;
}

static bool privileged(void)
{
    return cred()->euid == 0;
}

long sys_getuid(struct trap_frame *f) { (void)f; return cred()->ruid; }
long sys_geteuid(struct trap_frame *f) { (void)f; return cred()->euid; }
long sys_getgid(struct trap_frame *f) { (void)f; return cred()->rgid; }
long sys_getegid(struct trap_frame *f) { (void)f; return cred()->egid; }

/* Writes *ids (real, effective, saved) under proc_lock, so kill never sees half. */
static void set_ids(uint32_t *ids, uint32_t r, uint32_t e, uint32_t s)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    ids[0] = r;
    ids[1] = e;
    ids[2] = s;
    spin_unlock_irqrestore(&proc_lock, flags);
}

/* setuid/setgid: privileged sets all three, else only the effective one, to
 * the real or saved id. ids = {real, effective, saved}. */
static long set_one(uint32_t *ids, uint64_t arg)
{
    uint32_t id = (uint32_t)arg;
    if (id == NO_ID)
        return -EINVAL;
    if (privileged())
        set_ids(ids, id, id, id);
    else if (id == ids[0] || id == ids[2])
        set_ids(ids, ids[0], id, ids[2]);
    else
        return -EPERM;
    return 0;
}

/* setreuid/setregid. */
static long set_re(uint32_t *ids, uint64_t ra, uint64_t ea)
{
    uint32_t r = (uint32_t)ra, e = (uint32_t)ea;
    uint32_t nr = ids[0], ne = ids[1], ns = ids[2];
    bool priv = privileged();
    if (r != NO_ID) {
        if (!priv && r != ids[0] && r != ids[1])
            return -EPERM;
        nr = r;
    }
    if (e != NO_ID) {
        if (!priv && e != ids[0] && e != ids[1] && e != ids[2])
            return -EPERM;
        ne = e;
    }
    /* The saved id follows a new effective id whenever the real id is set or
     * the effective one leaves the old real id. */
    if (r != NO_ID || (e != NO_ID && e != ids[0]))
        ns = ne;
    set_ids(ids, nr, ne, ns);
    return 0;
}

/* setresuid/setresgid: unprivileged, each new id must be one of the three old ones. */
static long set_res(uint32_t *ids, uint64_t ra, uint64_t ea, uint64_t sa)
{
    uint32_t want[3] = { (uint32_t)ra, (uint32_t)ea, (uint32_t)sa };
    bool priv = privileged();
    uint32_t next[3];
    for (int i = 0; i < 3; i++) {
        next[i] = want[i] == NO_ID ? ids[i] : want[i];
        if (want[i] != NO_ID && !priv && want[i] != ids[0] && want[i] != ids[1] && want[i] != ids[2])
            return -EPERM;
    }
    set_ids(ids, next[0], next[1], next[2]);
    return 0;
}

static long get_res(const uint32_t *ids, const struct trap_frame *f)
{
    struct vmspace *vm = current_process()->vm;
    for (int i = 0; i < 3; i++) {
        int err = copy_to_user(vm, f->x[i], &ids[i], sizeof(uint32_t));
        if (err)
            return err;
    }
    return 0;
}

long sys_setuid(struct trap_frame *f) { return set_one(&cred()->ruid, f->x[0]); }
long sys_setgid(struct trap_frame *f) { return set_one(&cred()->rgid, f->x[0]); }
long sys_setreuid(struct trap_frame *f) { return set_re(&cred()->ruid, f->x[0], f->x[1]); }
long sys_setregid(struct trap_frame *f) { return set_re(&cred()->rgid, f->x[0], f->x[1]); }
long sys_setresuid(struct trap_frame *f) { return set_res(&cred()->ruid, f->x[0], f->x[1], f->x[2]); }
long sys_setresgid(struct trap_frame *f) { return set_res(&cred()->rgid, f->x[0], f->x[1], f->x[2]); }
long sys_getresuid(struct trap_frame *f) { return get_res(&cred()->ruid, f); }
long sys_getresgid(struct trap_frame *f) { return get_res(&cred()->rgid, f); }

/* getgroups(size, list): the count for size 0, else -EINVAL if it does not fit. */
long sys_getgroups(struct trap_frame *f)
{
    const struct cred *c = cred();
    int64_t size = (int32_t)f->x[0];
    if (size < 0)
        return -EINVAL;
    if (size == 0)
        return c->ngroups;
    if ((uint64_t)size < c->ngroups)
        return -EINVAL;
    int err = copy_to_user(current_process()->vm, f->x[1], c->groups, c->ngroups * sizeof(uint32_t));
    return err ? err : (long)c->ngroups;
}

static void sort_ids(uint32_t *v, uint32_t n)
{
    /* Shell sort: a group list can be 65536 long, so no quadratic sort. */
    for (uint32_t gap = n / 2; gap; gap /= 2)
        for (uint32_t i = gap; i < n; i++)
            for (uint32_t j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
                uint32_t t = v[j];
                v[j] = v[j - gap];
                v[j - gap] = t;
            }
}

/* setgroups(size, list): privileged only; kept sorted, as Linux does. */
long sys_setgroups(struct trap_frame *f)
{
    uint64_t size = f->x[0];
    if (!privileged())
        return -EPERM; /* permission first, as Linux */
    if (size > NGROUPS_MAX)
        return -EINVAL;
    uint32_t *groups = 0;
    if (size) {
        groups = kmalloc(size * sizeof(uint32_t));
        if (!groups)
            return -ENOMEM;
        int err = copy_from_user(current_process()->vm, groups, f->x[1], size * sizeof(uint32_t));
        if (err) {
            kfree(groups);
            return err;
        }
        sort_ids(groups, (uint32_t)size);
    }
    struct cred *c = cred();
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    uint32_t *old = c->groups;
    c->groups = groups;
    c->ngroups = (uint32_t)size;
    spin_unlock_irqrestore(&proc_lock, flags);
    kfree(old);
    return 0;
}

/* --- limits ------------------------------------------------------------------ */

/* Linux's check_prlimit_permission: the target's real, effective and saved
 * ids all equal the caller's real id (uid and gid), or the caller is privileged. */
static bool may_limit(const struct process *self, const struct process *p)
{
    const struct cred *a = &self->cred, *b = &p->cred;
    if (self == p || a->euid == 0)
        return true;
    return a->ruid == b->euid && a->ruid == b->suid && a->ruid == b->ruid && a->rgid == b->egid &&
           a->rgid == b->sgid && a->rgid == b->rgid;
}

static long do_prlimit(int64_t pid, uint64_t resource, const struct linux_rlimit *new, struct linux_rlimit *old)
{
    struct process *self = current_process();
    if (resource >= RLIM_NLIMITS)
        return -EINVAL;
    if (new && new->rlim_cur > new->rlim_max)
        return -EINVAL;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = pid == 0 ? self : pid > 0 ? process_find((unsigned)pid) : 0;
    long err = 0;
    if (!p || p->state != PROC_LIVE)
        err = -ESRCH;
    else if (!may_limit(self, p))
        err = -EPERM;
    else if (new && new->rlim_max > p->rlim[resource].rlim_max && self->cred.euid != 0)
        err = -EPERM; /* raising the hard limit takes privilege */
    else if (new && resource == RLIMIT_NOFILE && new->rlim_max > NR_OPEN_MAX)
        err = -EPERM;
    if (!err) {
        if (old)
            *old = p->rlim[resource];
        if (new)
            p->rlim[resource] = *new;
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

/* prlimit64(pid, resource, new, old) */
long sys_prlimit64(struct trap_frame *f)
{
    struct vmspace *vm = current_process()->vm;
    struct linux_rlimit new, old;
    if (f->x[2]) {
        int err = copy_from_user(vm, &new, f->x[2], sizeof(new));
        if (err)
            return err;
    }
    long err = do_prlimit((int32_t)f->x[0], f->x[1], f->x[2] ? &new : 0, f->x[3] ? &old : 0);
    if (!err && f->x[3])
        err = copy_to_user(vm, f->x[3], &old, sizeof(old));
    return err;
}

long sys_getrlimit(struct trap_frame *f)
{
    struct linux_rlimit old;
    long err = do_prlimit(0, f->x[0], 0, &old);
    return err ? err : copy_to_user(current_process()->vm, f->x[1], &old, sizeof(old));
}

long sys_setrlimit(struct trap_frame *f)
{
    struct linux_rlimit new;
    int err = copy_from_user(current_process()->vm, &new, f->x[1], sizeof(new));
    return err ? err : do_prlimit(0, f->x[0], &new, 0);
}

/* --- accounting ----------------------------------------------------------------- */

static struct linux_timeval to_timeval(uint64_t counter)
{
    uint64_t us = timer_counter_to_us(counter);
    return (struct linux_timeval){ (int64_t)(us / 1000000), (int64_t)(us % 1000000) };
}

long sys_getrusage(struct trap_frame *f)
{
    struct process *p = current_process();
    int64_t who = (int32_t)f->x[0];
    struct linux_rusage ru = { 0 };
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (who == RUSAGE_SELF || who == RUSAGE_THREAD) {
        uint64_t u, s;
        process_times(p, &u, &s);
        ru.ru_utime = to_timeval(u);
        ru.ru_stime = to_timeval(s);
        /* With what the programs it ran before an execve did. */
        uint64_t rss = p->vm->max_resident > p->max_rss_pages ? p->vm->max_resident : p->max_rss_pages;
        ru.ru_maxrss = (int64_t)(rss * (PAGE_SIZE / 1024));
        ru.ru_minflt = (int64_t)(p->min_faults + p->vm->faults);
    } else if (who == RUSAGE_CHILDREN) {
        ru.ru_utime = to_timeval(p->child_utime);
        ru.ru_stime = to_timeval(p->child_stime);
    } else {
        spin_unlock_irqrestore(&proc_lock, flags);
        return -EINVAL;
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return copy_to_user(p->vm, f->x[1], &ru, sizeof(ru));
}


int64_t to_clock_ticks(uint64_t counter)
{
    return (int64_t)(timer_counter_to_us(counter) / (1000000 / USER_HZ));
}

/* times(buf) -> clock ticks since boot. */
long sys_times(struct trap_frame *f)
{
    struct process *p = current_process();
    if (f->x[0]) {
        uint64_t u, s;
        irqflags_t flags = spin_lock_irqsave(&proc_lock);
        process_times(p, &u, &s);
        struct linux_tms t = { to_clock_ticks(u), to_clock_ticks(s), to_clock_ticks(p->child_utime),
                               to_clock_ticks(p->child_stime) };
        spin_unlock_irqrestore(&proc_lock, flags);
        int err = copy_to_user(p->vm, f->x[0], &t, sizeof(t));
        if (err)
            return err;
    }
    return to_clock_ticks(timer_counter());
}

long sys_umask(struct trap_frame *f)
{
    struct process *p = current_process();
    unsigned old = p->umask;
    p->umask = (unsigned)f->x[0] & 0777;
    return old;
}

/* sysinfo(info): memory in bytes (mem_unit 1), exact: tests count free pages with it. */
long sys_sysinfo(struct trap_frame *f)
{
    struct linux_sysinfo si = { 0 };
    si.uptime = timer_monotonic_ns() / 1000000000u;
    si.totalram = frames_total_pages() * PAGE_SIZE;
    si.freeram = frames_free_pages() * PAGE_SIZE;
    unsigned n = 0;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    for (struct process *p = process_iter_next(0); p; p = process_iter_next(p))
        n++;
    spin_unlock_irqrestore(&proc_lock, flags);
    si.procs = (uint16_t)(n > 0xffff ? 0xffff : n);
    si.mem_unit = 1;
    return copy_to_user(current_process()->vm, f->x[0], &si, sizeof(si));
}

/* --- priorities ----------------------------------------------------------- */

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2

/* Whether p is one `which`/`who` names (who already resolved: 0 means the caller's). */
static bool prio_match(const struct process *p, uint64_t which, uint32_t who)
{
    if (p->state != PROC_LIVE)
        return false;
    switch (which) {
    case PRIO_PROCESS: return p->pid == who;
    case PRIO_PGRP: return p->pgrp && p->pgrp->pgid == who;
    default: return p->cred.ruid == who;
    }
}

static long prio_who(uint64_t which, uint64_t who, uint32_t *out)
{
    struct process *self = current_process();
    if (which > PRIO_USER)
        return -EINVAL;
    if ((int32_t)who < 0)
        return -ESRCH; /* no such process, group or user can exist (Linux: a negative id finds none) */
    if (who)
        *out = (uint32_t)who;
    else
        *out = which == PRIO_PROCESS ? self->pid : which == PRIO_PGRP ? (self->pgrp ? self->pgrp->pgid : 0)
                                                                     : self->cred.ruid;
    return 0;
}

/* getpriority(which, who) -> 20 - the lowest nice among them (Linux's raw
 * value, which libc turns back into a nice value), or -ESRCH. */
long sys_getpriority(struct trap_frame *f)
{
    uint32_t who;
    long err = prio_who(f->x[0], f->x[1], &who);
    if (err)
        return err;
    int best = 20; /* above any nice: "none found" */
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (f->x[0] == PRIO_PROCESS) {
        struct process *p = process_find(who);
        if (p && prio_match(p, PRIO_PROCESS, who))
            best = p->nice;
    } else {
        for (struct process *p = process_iter_next(0); p; p = process_iter_next(p))
            if (prio_match(p, f->x[0], who) && p->nice < best)
                best = p->nice;
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return best == 20 ? -ESRCH : 20 - best;
}

/* Linux's set_one_prio: another user's process needs root (EPERM); a lower
 * nice than it has needs root too (EACCES: RLIMIT_NICE is 0). */
static int set_nice(const struct process *self, struct process *p, int nice)
{
    if (self->cred.euid != 0 && self->cred.euid != p->cred.euid && self->cred.euid != p->cred.ruid)
        return -EPERM;
    if (nice < p->nice && self->cred.euid != 0)
        return -EACCES;
    p->nice = nice;
    return 0;
}

/* setpriority(which, who, nice): nice clamped to -20..19; 0 if every process
 * named was changed, else the last refusal; -ESRCH if none is named. */
long sys_setpriority(struct trap_frame *f)
{
    struct process *self = current_process();
    uint32_t who;
    long err = prio_who(f->x[0], f->x[1], &who);
    if (err)
        return err;
    int nice = (int32_t)f->x[2];
    nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
    bool found = false;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (f->x[0] == PRIO_PROCESS) {
        struct process *p = process_find(who);
        if (p && prio_match(p, PRIO_PROCESS, who)) {
            found = true;
            err = set_nice(self, p, nice);
        }
    } else {
        for (struct process *p = process_iter_next(0); p; p = process_iter_next(p)) {
            if (!prio_match(p, f->x[0], who))
                continue;
            found = true;
            int r = set_nice(self, p, nice);
            if (r)
                err = r;
        }
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return found ? err : -ESRCH;
}
