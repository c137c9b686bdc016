/*
 * Process lifetime (process.h): creation, the pid, group and session tables,
 * exit, zombies and reaping, orphans.
 */
#include "process.h"

#include "kenix/cmdline.h"
#include "kenix/errno.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "boot.h"
#include "ipc.h"
#include "process_obj.h"
#include "../posix/flock.h"
#include "../posix/vfs_client.h"
#include "sched.h"
#include "trace.h"
#include "../arch/aarch64/mmu.h"
#include "../arch/aarch64/sysreg.h"
#include "../mm/frames.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"
#include "../posix/crash_report.h"
#include "../posix/file.h"
#include "../posix/ktimer.h"
#include "../posix/tty.h"

struct spinlock proc_lock = SPINLOCK_INIT("proc");

/*
 * Three tables keyed by number: processes by pid, groups by pgid, sessions by
 * sid. A number stays taken while any of the three uses it, as on Linux, so
 * a new process never gets the pid that names a group still in use.
 */
#define PID_HASH 256
static struct process *pid_hash[PID_HASH];
static struct pgrp *pgrp_hash[PID_HASH];
static struct session *session_hash[PID_HASH];
static unsigned last_pid;
static unsigned nprocs;
static uint64_t processes_made; /* since boot: /proc/stat's "processes" */

static unsigned hash(unsigned n)
{
    return n % PID_HASH;
}

struct process *process_find(unsigned pid)
{
    for (struct process *p = pid_hash[hash(pid)]; p; p = p->hash_next)
        if (p->pid == pid)
            return p;
    return 0;
}

void process_for_each(void (*fn)(void *arg, struct process *p), void *arg)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    for (unsigned i = 0; i < PID_HASH; i++)
        for (struct process *p = pid_hash[i]; p; p = p->hash_next)
            fn(arg, p);
    spin_unlock_irqrestore(&proc_lock, flags);
}

struct pgrp *pgrp_find(unsigned pgid)
{
    for (struct pgrp *g = pgrp_hash[hash(pgid)]; g; g = g->hash_next)
        if (g->pgid == pgid)
            return g;
    return 0;
}

struct session *session_find(unsigned sid)
{
    for (struct session *s = session_hash[hash(sid)]; s; s = s->hash_next)
        if (s->sid == sid)
            return s;
    return 0;
}

static bool pid_in_use(unsigned n)
{
    return process_find(n) || pgrp_find(n) || session_find(n);
}

/* The next free pid after the last one given, wrapping below PID_MAX (pids
 * below 300 are not reused, as on Linux, so low numbers stay recognizable).
 * Proportional to the numbers in use: at most one pass over them. 0: none. */
static unsigned pid_alloc(void)
{
    for (unsigned tries = 0; tries < PID_MAX; tries++) {
        unsigned n = last_pid + 1;
        if (n >= PID_MAX)
            n = last_pid ? 300 : 1;
        last_pid = n;
        if (!pid_in_use(n))
            return n;
    }
    return 0;
}

static void pid_hash_remove(struct process *p)
{
    struct process **link = &pid_hash[hash(p->pid)];
    while (*link != p)
        link = &(*link)->hash_next;
    *link = p->hash_next;
}

static void session_put(struct session *s)
{
    if (--s->npgrps)
        return;
    struct session **link = &session_hash[hash(s->sid)];
    while (*link != s)
        link = &(*link)->hash_next;
    *link = s->hash_next;
    kfree(s);
}

/* Takes p out of its group; an emptied group goes, and with it maybe its session. */
static void pgrp_leave(struct process *p)
{
    struct pgrp *g = p->pgrp;
    if (!g)
        return;
    if (p->pg_prev)
        p->pg_prev->pg_next = p->pg_next;
    else
        g->members = p->pg_next;
    if (p->pg_next)
        p->pg_next->pg_prev = p->pg_prev;
    p->pg_next = p->pg_prev = 0;
    p->pgrp = 0;
    if (g->members)
        return;
    struct pgrp **link = &pgrp_hash[hash(g->pgid)];
    while (*link != g)
        link = &(*link)->hash_next;
    *link = g->hash_next;
    session_put(g->session);
    kfree(g);
}

static void pgrp_add(struct process *p, struct pgrp *g)
{
    p->pgrp = g;
    p->pg_prev = 0;
    p->pg_next = g->members;
    if (g->members)
        g->members->pg_prev = p;
    g->members = p;
}

int pgrp_join(struct process *p, unsigned pgid, struct session *s)
{
    struct pgrp *g = pgrp_find(pgid);
    if (g && g->session != s)
        return -EPERM;
    if (g == p->pgrp && g)
        return 0;
    if (!g) {
        g = kzalloc(sizeof(*g));
        if (!g)
            return -ENOMEM;
        g->pgid = pgid;
        g->session = s;
        s->npgrps++;
        g->hash_next = pgrp_hash[hash(pgid)];
        pgrp_hash[hash(pgid)] = g;
    }
    pgrp_leave(p);
    pgrp_add(p, g);
    return 0;
}

int session_create(struct process *p)
{
    struct session *s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->sid = p->pid;
    s->hash_next = session_hash[hash(s->sid)];
    session_hash[hash(s->sid)] = s;
    s->npgrps = 1; /* held while the group is made */
    int err = pgrp_join(p, p->pid, s);
    session_put(s); /* the group holds it now, or nothing does */
    return err;
}

void process_counts(uint64_t *made, unsigned *last, unsigned *now)
{
    *made = processes_made;
    *last = last_pid;
    *now = nprocs;
}

struct process *process_iter_next(struct process *p)
{
    if (p && p->hash_next)
        return p->hash_next;
    for (unsigned b = p ? hash(p->pid) + 1 : 0; b < PID_HASH; b++)
        if (pid_hash[b])
            return pid_hash[b];
    return 0;
}

unsigned process_count_user(uint32_t uid)
{
    unsigned n = 0;
    for (unsigned b = 0; b < PID_HASH; b++)
        for (struct process *p = pid_hash[b]; p; p = p->hash_next)
            n += p->cred.ruid == uid;
    return n;
}

bool process_may_add(const struct process *creator)
{
    if (!creator)
        return true;
    /* Root is exempt, as on Linux (CAP_SYS_RESOURCE / CAP_SYS_ADMIN). */
    if (creator->cred.ruid == 0 || creator->cred.euid == 0)
        return true;
    return process_count_user(creator->cred.ruid) < creator->rlim[RLIMIT_NPROC].rlim_cur;
}

static int cred_copy(struct cred *dst, const struct cred *src)
{
    *dst = *src;
    dst->groups = 0;
    if (src->ngroups) {
        dst->groups = kmalloc(src->ngroups * sizeof(uint32_t));
        if (!dst->groups)
            return -ENOMEM;
        memcpy(dst->groups, src->groups, src->ngroups * sizeof(uint32_t));
    }
    return 0;
}

/* Linux's defaults for process 1 (init/init_task.c, with RLIMIT_NPROC from
 * the memory size as fork_init computes it). */
static void default_limits(struct linux_rlimit *rlim)
{
    for (unsigned i = 0; i < RLIM_NLIMITS; i++)
        rlim[i] = (struct linux_rlimit){ RLIM_INFINITY, RLIM_INFINITY };
    uint64_t nproc = frames_total_pages() / 64;
    if (nproc < 20)
        nproc = 20;
    rlim[RLIMIT_STACK] = (struct linux_rlimit){ 8ull << 20, RLIM_INFINITY };
    rlim[RLIMIT_CORE] = (struct linux_rlimit){ 0, RLIM_INFINITY };
    rlim[RLIMIT_NPROC] = (struct linux_rlimit){ nproc, nproc };
    rlim[RLIMIT_NOFILE] = (struct linux_rlimit){ 1024, 4096 };
    rlim[RLIMIT_MEMLOCK] = (struct linux_rlimit){ 8ull << 20, 8ull << 20 };
    rlim[RLIMIT_SIGPENDING] = (struct linux_rlimit){ nproc, nproc };
    rlim[RLIMIT_MSGQUEUE] = (struct linux_rlimit){ 819200, 819200 };
    rlim[RLIMIT_NICE] = (struct linux_rlimit){ 0, 0 };
    rlim[RLIMIT_RTPRIO] = (struct linux_rlimit){ 0, 0 };
}

struct process *process_alloc_locked(struct process *parent, const char *name, int *err)
{
    if (!process_may_add(parent)) {
        *err = -EAGAIN;
        return 0;
    }
    unsigned pid = pid_alloc();
    struct process *p = pid ? kzalloc(sizeof(*p)) : 0;
    if (!p) {
        *err = pid ? -ENOMEM : -EAGAIN;
        return 0;
    }
    p->pid = pid;
    p->state = PROC_LIVE;
    p->start_counter = read_sysreg(cntvct_el0);
    size_t n = strnlen(name, sizeof(p->name) - 1);
    memcpy(p->name, name, n);
    /* comm is the program's file name, truncated as Linux's TASK_COMM_LEN. */
    const char *base = name;
    for (const char *c = name; *c; c++)
        if (*c == '/' && c[1])
            base = c + 1;
    n = strnlen(base, sizeof(p->comm) - 1);
    memcpy(p->comm, base, n);
    if (parent) {
        p->parent = parent;
        __atomic_store_n(&p->ppid, parent->pid, __ATOMIC_RELAXED);
        p->sibling = parent->children;
        parent->children = p;
        pgrp_add(p, parent->pgrp);
    }
    p->hash_next = pid_hash[hash(pid)];
    pid_hash[hash(pid)] = p;
    nprocs++;
    processes_made++;
    return p;
}

static void unlink_from_parent(struct process *p)
{
    if (p->parent) {
        struct process **link = &p->parent->children;
        while (*link != p)
            link = &(*link)->sibling;
        *link = p->sibling;
        p->parent = 0;
        __atomic_store_n(&p->ppid, 0, __ATOMIC_RELAXED);
    }
}

void process_detach_locked(struct process *p)
{
    unlink_from_parent(p);
    p->detached = true;
}

/* Undoes process_new for a process that never ran (proc_lock held). */
static void process_unlink(struct process *p)
{
    unlink_from_parent(p);
    pgrp_leave(p);
    pid_hash_remove(p);
    nprocs--;
}

static void process_free_struct(struct process *p)
{
    signal_release(&p->sig); /* a process that never ran may have been sent some */
    kfree(p->cred.groups);
    kfree(p);
}

void process_drop_locked(struct process *p)
{
    process_unlink(p);
    process_free_struct(p);
}

long process_create(struct process *parent, const char *name, struct process **out)
{
    struct vmspace *vm = vmspace_create();
    struct fdtable *files = vm ? fdtable_create() : 0;
    if (!files) {
        if (vm)
            vmspace_destroy(vm);
        return -ENOMEM;
    }
    /* fds 0-2 on the kernel log: what a program without a terminal writes to. */
    for (unsigned fd = 0; fd < 3; fd++) {
        struct file *f = kdev_open(KDEV_KLOG, O_RDWR);
        if (!f || fd_install(files, f, fd, fd + 1, false) < 0) {
            if (f)
                file_put(f);
            fdtable_destroy(files);
            vmspace_destroy(vm);
            return -ENOMEM;
        }
    }
    struct cred cred = { 0 };
    if (parent && cred_copy(&cred, &parent->cred)) {
        fdtable_destroy(files);
        vmspace_destroy(vm);
        return -ENOMEM;
    }
    int err = 0;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = process_alloc_locked(parent, name, &err);
    if (p && !parent) {
        err = session_create(p); /* process 1 leads the first session */
        if (err) {
            process_unlink(p);
            kfree(p);
            p = 0;
        }
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    if (!p) {
        kfree(cred.groups);
        fdtable_destroy(files);
        vmspace_destroy(vm);
        return err;
    }
    p->vm = vm;
    p->files = files;
    p->cred = cred;
    if (parent) {
        p->cwd = parent->cwd ? file_get(parent->cwd) : 0;
        p->root = parent->root ? file_get(parent->root) : 0;
        memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
        p->umask = parent->umask;
    } else {
        default_limits(p->rlim);
        p->umask = 022;
    }
    p->dumpable = true;
    signal_reset(&p->sig);
    *out = p;
    return 0;
}

void process_discard(struct process *p)
{
    handle_table_clear(&p->handles);
    if (p->thread)
        thread_reap(p->thread); /* never ran */
    if (p->files)
        fdtable_destroy(p->files);
    if (p->vm)
        vmspace_put(p->vm);
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *parent = p->parent;
    process_obj_reaped(p);
    process_unlink(p);
    /* A parent in wait4 counted it as a child: let it look again (ECHILD). */
    if (parent)
        wait_wake_all(&parent->child_waiters, 0);
    spin_unlock_irqrestore(&proc_lock, flags);
    process_free_struct(p);
}

void process_start(struct process *p)
{
    p->did_exec = true; /* a program of its own: its parent may no longer move it (setpgid) */
    sched_wake(p->thread);
}

uint64_t process_cpu(const struct process *p)
{
    return p->thread ? sched_thread_cpu(p->thread) : p->cpu_final;
}

void process_times(const struct process *p, uint64_t *utime, uint64_t *stime)
{
    uint64_t total = process_cpu(p);
    uint64_t u = p->user_ticks, s = p->sys_ticks;
    if (s == 0) {
        *utime = total;
        *stime = 0;
    } else if (u == 0) {
        *utime = 0;
        *stime = total;
    } else {
        /* total * s / (u + s) without overflow: tick counts stay far below 2^32. */
        uint64_t st = total / (u + s) * s + total % (u + s) * s / (u + s);
        *stime = st;
        *utime = total - st;
    }
}

void process_reap(struct process *z, bool waited)
{
    spin_assert_held(&proc_lock);
    struct process *parent = z->parent;
    /* Only a child waited for counts in RUSAGE_CHILDREN, as on Linux. */
    if (parent && waited) {
        uint64_t u, s;
        process_times(z, &u, &s);
        parent->child_utime += u + z->child_utime;
        parent->child_stime += s + z->child_stime;
        uint64_t rss = z->max_rss_pages > z->child_max_rss ? z->max_rss_pages : z->child_max_rss;
        if (rss > parent->child_max_rss)
            parent->child_max_rss = rss;
    }
    process_obj_reaped(z);
    process_unlink(z);
    process_free_struct(z);
}

/* A child of `parent` has become a zombie: SIGCHLD, collected at once if
 * the parent wants no zombies, and the parent's waiters look again (for it,
 * or to find no children left: ECHILD). proc_lock held. */
static void child_exited(struct process *parent, struct process *c)
{
    int status = c->exit_status;
    if (status & 0x7f)
        signal_notify_parent_locked(c, (status & 0x80) ? CLD_DUMPED : CLD_KILLED, status & 0x7f);
    else
        signal_notify_parent_locked(c, CLD_EXITED, (status >> 8) & 0xff);
    if (signal_autoreap(parent))
        process_reap(c, false);
}

/* Gives p's children to process 1 (or to nobody, if it is gone); zombies among
 * them are announced to their new parent. proc_lock held. */
static void reparent_children(struct process *p)
{
    struct process *init = process_find(1);
    if (init == p || (init && init->state != PROC_LIVE))
        init = 0;
    struct process *c;
    while ((c = p->children)) {
        p->children = c->sibling;
        c->parent = init;
        __atomic_store_n(&c->ppid, init ? init->pid : 0, __ATOMIC_RELAXED);
        if (!init) {
            c->sibling = 0;
            if (c->state == PROC_ZOMBIE)
                process_reap(c, false); /* nobody will ever wait for it */
            continue;
        }
        c->sibling = init->children;
        init->children = c;
        /* Zombies too, as Linux's reparent_leader: a zombie member whose
         * parent was outside its group can still be what kept it from being
         * orphaned. Before child_exited, which may reap it. */
        signal_reparented_locked(c, p);
        if (c->state == PROC_ZOMBIE)
            child_exited(init, c);
    }
}

void process_exit(int status)
{
    struct process *p = current_process();
    struct thread *self = current_thread();
    if (!(status & 0x7f))
        kprintf("process %u (%s) exited with status %d\n", p->pid, p->name, (status >> 8) & 0xff);
    TRACE(KX_TRACE_EXIT, p->pid, (uint64_t)status, 0);
    trace_process_exit(p);
    ipc_thread_exit(self);
    handle_table_clear(&p->handles);
    ipc_process_exit(p); /* saved replies that live on elsewhere forget us */
    posix_locks_exit(p);
    if (p->run_id)
        fileuse_put_run(p->run_id);
    p->run_id = 0;
    fdtable_destroy(p->files);
    p->files = 0;
    if (p->cwd)
        file_put(p->cwd);
    p->cwd = 0;
    if (p->root)
        file_put(p->root);
    p->root = 0;
    tty_drop_ctty(p, true); /* a session leader hangs its terminal up */
    if (p->exe)
        file_put(p->exe);
    p->exe = 0;
    process_obj_exited(p, status);
    /* The address space goes now (waiters have the status already); the thread is
     * reaped by the scheduler. Keep running on the kernel half only, since the
     * user half is about to vanish. */
    struct vmspace *vm = p->vm;
    if (p->clear_child_tid) {
        /* Linux writes 0 there at exit (and wakes a futex: none yet). A bad
         * address is the program's own business. */
        uint32_t zero = 0;
        copy_to_user(vm, p->clear_child_tid, &zero, sizeof(zero));
    }
    p->vm = 0;
    /* Added to what earlier programs of the process (before an execve) did. */
    if (vm->max_resident > p->max_rss_pages)
        p->max_rss_pages = vm->max_resident;
    p->min_faults += vm->faults;
    mmu_clear_user_space(); /* the walker must not see tables being freed */
    vmspace_put(vm);

    /* From here to the final switch interrupts stay masked: the parent may
     * free this struct as soon as it sees the zombie. */
    irq_save();
    spin_lock(&proc_lock);
    unsigned pid = p->pid;
    if (p->vfork_parent) {
        wait_wake_all(&p->vfork_waiters, 0);
        p->vfork_parent = 0;
    }
    reparent_children(p);
    ktimers_exit_locked(p); /* its timers stop before it is a zombie */
    signal_exiting_locked(p);
    signal_release(&p->sig);
    p->cpu_final = sched_thread_cpu(self);
    p->thread = 0;
    p->exit_status = status;
    p->state = PROC_ZOMBIE;
    self->proc = 0;
    struct process *parent = p->parent;
    if (parent)
        child_exited(parent, p);
    else
        process_reap(p, false);
    spin_unlock(&proc_lock);
    if (pid == 1)
        boot_init_exited(status);
    thread_exit();
}

void process_fault(const char *what, const struct trap_frame *f, int signal)
{
    struct process *p = current_process();
    /* FAR holds the faulting address only for aborts and PC alignment faults. */
    unsigned ec = (unsigned)(f->esr >> 26) & 0x3f;
    if (ec == EC_DABT_LOWER || ec == EC_IABT_LOWER || ec == EC_PC_ALIGN)
        kprintf("process %u (%s): %s at 0x%lx, pc 0x%lx: killed by signal %d\n", p->pid, p->name, what, f->far,
                f->elr, signal);
    else
        kprintf("process %u (%s): %s, pc 0x%lx: killed by signal %d\n", p->pid, p->name, what, f->elr, signal);
    crash_report(f, signal, ec == EC_DABT_LOWER || ec == EC_IABT_LOWER || ec == EC_PC_ALIGN);
    process_exit(signal); /* the status wait() will report: terminated by `signal` */
}
