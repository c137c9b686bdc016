/*
 * The kernel trace buffer (trace.h, <kenix/trace.h>): records of system calls,
 * IPC messages, context switches, interrupts, page faults and process names,
 * written while a root process has switched recording on (kx_trace).
 *
 * Off, it costs a nop per hook: every hook is a static branch -- a nop that
 * starting a trace rewrites into a branch to the traced side (trace.h's
 * trace_enabled, its sites listed in __trace_sites; the Linux system-call
 * fast path's site, trace_site_syscall in vectors.S, branches to the traced
 * dispatch) -- and stopping writes the nops back (arch text_patch_*).
 *
 * The buffer is allocated when a trace starts and given back by
 * KX_TRACE_FREE (or the next start), so a system that never traces holds no
 * memory for it. When it is full, records are counted as dropped, never
 * overwritten: the start of a run is what a trace of a command wants.
 *
 * trace_lock protects the buffer, its counts and the read position; records
 * are written from any context (interrupt handlers included), with
 * interrupts masked by the lock.
 */
#include "trace.h"

#include "kenix/errno.h"
#include "kenix/spinlock.h"
#include "kenix/string.h"
#include "process.h"
#include "syscall.h"
#include "thread.h"
#include "../arch/aarch64/patch.h"
#include "../arch/aarch64/timer.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

bool trace_on;

static struct spinlock trace_lock = SPINLOCK_INIT("trace");
static struct kx_trace_record *buf;  /* capacity records, or NULL */
static uint64_t capacity, used, dropped, read_pos;
static unsigned owner; /* pid of the process that started the buffer's trace: its exit frees it */

/* vectors.S: the instruction a trace turns into a branch to el0_svc_traced. */
extern uint32_t trace_site_syscall[];
extern char el0_svc_traced[];

/* trace_enabled()'s sites (trace.h, link.ld.S): the nop and its branch target. */
struct trace_site {
    uint32_t *site;
    void *target;
};
extern const struct trace_site __trace_sites_start[], __trace_sites_end[];

/* Every hook on (a branch to its traced side) or off (a nop). */
static void patch_sites(bool on)
{
    if (on)
        text_patch_branch(trace_site_syscall, el0_svc_traced);
    else
        text_patch_nop(trace_site_syscall);
    for (const struct trace_site *s = __trace_sites_start; s < __trace_sites_end; s++) {
        if (on)
            text_patch_branch(s->site, s->target);
        else
            text_patch_nop(s->site);
    }
}

void trace_emit(uint32_t type, uint32_t pid, uint64_t a, uint64_t b)
{
    uint64_t ns = timer_monotonic_ns();
    irqflags_t flags = spin_lock_irqsave(&trace_lock);
    if (trace_on && buf) {
        if (used < capacity)
            buf[used++] = (struct kx_trace_record){ ns, type, pid, a, b };
        else
            dropped++;
    }
    spin_unlock_irqrestore(&trace_lock, flags);
}

static uint32_t current_pid(void)
{
    const struct process *p = current_thread()->proc;
    return p ? p->pid : 0;
}

void trace_name(const struct process *p)
{
    uint64_t words[2] = { 0, 0 };
    size_t n = strnlen(p->comm, sizeof(p->comm));
    memcpy(words, p->comm, n < sizeof(words) ? n : sizeof(words));
    trace_emit(KX_TRACE_NAME, p->pid, words[0], words[1]);
}

long trace_syscall_dispatch(struct trap_frame *f)
{
    uint32_t pid = current_pid();
    uint64_t nr = f->x[8];
    trace_emit(KX_TRACE_SYSCALL, pid, nr, f->x[0]);
    syscall_fn fn = nr < LINUX_SYSCALL_LIMIT ? syscall_linux_table[nr] : 0;
    long r;
    if (fn) {
        r = fn(f);
    } else {
        syscall_unknown(f); /* logs it once, x0 = -ENOSYS */
        r = (long)f->x[0];
    }
    /* An exiting process does not come back here; execve does, as the new program. */
    trace_emit(KX_TRACE_SYSCALL_RET, pid, nr, (uint64_t)r);
    return r;
}

static void name_every_process(void *arg, struct process *p)
{
    (void)arg;
    trace_name(p);
}

/* Stops the trace and frees the buffer (KX_TRACE_FREE, the owner's exit). */
static void trace_free(void)
{
    if (trace_on)
        patch_sites(false);
    irqflags_t flags = spin_lock_irqsave(&trace_lock);
    trace_on = false;
    struct kx_trace_record *old = buf;
    buf = 0;
    capacity = used = dropped = read_pos = 0;
    owner = 0;
    spin_unlock_irqrestore(&trace_lock, flags);
    kfree(old);
}

void trace_process_exit(const struct process *p)
{
    if (owner && p->pid == owner)
        trace_free();
}

long sys_kx_trace(struct trap_frame *f)
{
    uint64_t op = f->x[0], arg = f->x[1], ubuf = f->x[2], len = f->x[3];
    if (current_process()->cred.euid != 0)
        return -EPERM;
    switch (op) {
    case KX_TRACE_START: {
        if (arg == 0 || arg > KX_TRACE_MAX_RECORDS)
            return -EINVAL;
        if (trace_on)
            return -EBUSY;
        struct kx_trace_record *fresh = kmalloc(arg * sizeof(*fresh));
        if (!fresh)
            return -ENOMEM;
        irqflags_t flags = spin_lock_irqsave(&trace_lock);
        struct kx_trace_record *old = buf;
        buf = fresh;
        capacity = arg;
        used = dropped = read_pos = 0;
        owner = current_process()->pid;
        trace_on = true;
        spin_unlock_irqrestore(&trace_lock, flags);
        kfree(old);
        patch_sites(true);
        process_for_each(name_every_process, 0); /* who is who, for the processes already running */
        return 0;
    }
    case KX_TRACE_STOP:
        if (trace_on)
            patch_sites(false);
        {
            irqflags_t flags = spin_lock_irqsave(&trace_lock);
            trace_on = false;
            spin_unlock_irqrestore(&trace_lock, flags);
        }
        return 0;
    case KX_TRACE_FREE:
        trace_free();
        return 0;
    case KX_TRACE_READ: {
        /* Whole records from the read position, copied out without the lock
         * (copies may fault): only after KX_TRACE_STOP, when nothing writes
         * the buffer, and a FREE or START in between is seen below. */
        if (trace_on)
            return -EBUSY;
        irqflags_t flags = spin_lock_irqsave(&trace_lock);
        uint64_t avail = used - read_pos, from = read_pos;
        const struct kx_trace_record *base = buf;
        spin_unlock_irqrestore(&trace_lock, flags);
        uint64_t n = len / sizeof(struct kx_trace_record);
        if (n > avail)
            n = avail;
        if (!n)
            return 0;
        int err = copy_to_user(current_process()->vm, ubuf, base + from, n * sizeof(*base));
        if (err)
            return err;
        flags = spin_lock_irqsave(&trace_lock);
        if (buf == base)
            read_pos = from + n;
        spin_unlock_irqrestore(&trace_lock, flags);
        return (long)(n * sizeof(*base));
    }
    case KX_TRACE_STATUS: {
        irqflags_t flags = spin_lock_irqsave(&trace_lock);
        uint64_t w = (used & 0xffffffffu) | ((dropped & 0x3fffffffu) << 32) | ((uint64_t)trace_on << 62);
        spin_unlock_irqrestore(&trace_lock, flags);
        return (long)w;
    }
    }
    return -EINVAL;
}
