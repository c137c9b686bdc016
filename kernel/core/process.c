#include "process.h"

#include "kenix/cmdline.h"
#include "kenix/errno.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "boot.h"
#include "ipc.h"
#include "process_obj.h"
#include "sched.h"
#include "../arch/aarch64/mmu.h"
#include "../arch/aarch64/sysreg.h"
#include "../mm/heap.h"
#include "../mm/vmspace.h"

static unsigned next_pid = 1;

struct process *current_process(void)
{
    return current_thread()->proc;
}

struct process *process_alloc(const char *name)
{
    struct process *p = kzalloc(sizeof(*p));
    if (!p)
        return 0;
    p->vm = vmspace_create();
    if (!p->vm) {
        kfree(p);
        return 0;
    }
    p->pid = next_pid++;
    size_t n = strnlen(name, sizeof(p->name) - 1);
    memcpy(p->name, name, n);
    return p;
}

void process_free(struct process *p)
{
    handle_table_clear(&p->handles);
    if (p->thread)
        thread_reap(p->thread); /* never ran */
    if (p->vm)
        vmspace_destroy(p->vm);
    kfree(p);
}

void process_start(struct process *p)
{
    sched_wake(p->thread);
}

void process_exit(int status)
{
    struct process *p = current_process();
    if (!(status & 0x7f))
        kprintf("process %u (%s) exited with status %d\n", p->pid, p->name, (status >> 8) & 0xff);
    ipc_thread_exit(current_thread());
    handle_table_clear(&p->handles);
    process_obj_exited(p, status);
    /* The address space goes now (waiters have the status already); the thread is
     * reaped by the scheduler. Keep running on the kernel half only, since the
     * user half is about to vanish. */
    struct vmspace *vm = p->vm;
    p->vm = 0;
    mmu_clear_user_space(); /* the walker must not see tables being freed */
    vmspace_destroy(vm);
    unsigned pid = p->pid;
    current_thread()->proc = 0;
    kfree(p);
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
    process_exit(signal); /* the status wait() will report: terminated by `signal` */
}
