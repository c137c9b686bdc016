#include "process_obj.h"

#include "kenix/errno.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "handle.h"
#include "ipc.h"
#include "process.h"
#include "syscall.h"
#include "../posix/exec.h"
#include "../posix/file.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

#define PROGRAM_MAX (64u << 20)   /* bytes of ELF image kx_process_create accepts */

struct process_obj {
    struct kobject obj;
    struct process *proc;         /* NULL once it has exited */
    unsigned pid;
    bool started, exited;
    int status;                   /* wait status, once exited */
    struct wait_queue waiters;    /* in kx_process_wait */
};

unsigned process_obj_pid(const struct kobject *o)
{
    return ((const struct process_obj *)o)->pid;
}

struct kobject *process_obj_of(struct process *p)
{
    if (!p->pobj) {
        struct process_obj *o = kzalloc(sizeof(*o));
        if (!o)
            return 0;
        kobject_init(&o->obj, KX_OBJ_PROCESS);
        o->proc = p;
        o->pid = p->pid;
        p->pobj = o;
        return &o->obj; /* the caller owns this first reference */
    }
    return kobject_get(&p->pobj->obj);
}

void process_obj_exited(struct process *p, int status)
{
    struct process_obj *o = p->pobj;
    if (!o)
        return;
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    o->exited = true;
    o->status = status;
    wait_wake_all(&o->waiters, status);
    spin_unlock_irqrestore(&ipc_lock, flags);
}

void process_obj_reaped(struct process *p)
{
    spin_assert_held(&proc_lock);
    if (p->pobj)
        p->pobj->proc = 0;
    p->pobj = 0;
}

void process_obj_destroy(struct kobject *obj)
{
    struct process_obj *o = (struct process_obj *)obj;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = o->proc;
    if (p)
        p->pobj = 0;
    spin_unlock_irqrestore(&proc_lock, flags);
    if (p && !o->started)
        process_discard(p); /* nobody can start it any more */
    kfree(o);
}

static int process_of(uint64_t h, uint32_t rights, struct process_obj **out)
{
    struct handle *e;
    int err = handle_get(&current_process()->handles, h, KX_OBJ_PROCESS, rights, &e);
    if (!err)
        *out = (struct process_obj *)e->obj;
    return err;
}

/* kx_process_create(name, elf, elf_len, argv, envp) -> process handle, not
 * started. argv and envp go straight from the caller's memory into the new
 * stack, with execve's limits (E2BIG). */
long sys_kx_process_create(struct trap_frame *f)
{
    struct process *self = current_process();
    char name[32];
    long n = strncpy_from_user(self->vm, name, f->x[0], sizeof(name));
    if (n < 0)
        return n;
    uint64_t len = f->x[2];
    if (len == 0 || len > PROGRAM_MAX)
        return len ? -E2BIG : -ENOEXEC;
    /* The image stays in the caller's memory: the loader reads it from there. */
    const struct program_source src = { .kind = PROGRAM_USER, .vm = self->vm, .uaddr = f->x[1], .size = len };
    struct process *p = 0;
    long err = process_create(self, name, &p);
    struct image im;
    if (!err)
        err = image_begin(&im, p->vm, p);
    if (!err)
        err = image_args_user(&im, p, name, self->vm, f->x[3], f->x[4]);
    if (!err)
        err = image_load(&im, p, name, &src, 0, 0);
    if (!err)
        err = process_new_thread(p, &im);
    if (err) {
        if (p)
            process_discard(p);
        return err;
    }
    struct kobject *o = process_obj_of(p);
    int h = o ? handle_install(&self->handles, o, KX_RIGHTS_ALL & ~(KX_RIGHT_SEND | KX_RIGHT_RECV | KX_RIGHT_EXEC), 0, 0)
              : -ENOMEM;
    if (o)
        kobject_put(o); /* the handle holds it now, or nothing does and p goes */
    else
        process_discard(p);
    return h;
}

/* kx_process_give(process, handle, rights, slot) -> the handle's number in that process. */
long sys_kx_process_give(struct trap_frame *f)
{
    struct process_obj *o;
    struct handle *h;
    int err = process_of(f->x[0], KX_RIGHT_WRITE, &o);
    if (!err)
        err = handle_get(&current_process()->handles, f->x[1], 0, KX_RIGHT_TRANSFER, &h);
    if (err)
        return err;
    if (!o->proc || o->exited)
        return -ESRCH;
    if ((int64_t)f->x[3] < 0 || f->x[3] > HANDLE_TABLE_MAX)
        return -EINVAL;
    /* Only exit empties a handle table, and a process never started never
     * exits: one holding a process handle -- to itself, or to another such
     * process holding one back -- would keep itself alive after every
     * outside handle is gone. So it may hold none. */
    if (!o->started && h->obj->type == KX_OBJ_PROCESS)
        return -EINVAL;
    return handle_install(&o->proc->handles, h->obj, h->rights & (uint32_t)f->x[2], h->badge, (int)f->x[3]);
}

long sys_kx_process_start(struct trap_frame *f)
{
    struct process_obj *o;
    int err = process_of(f->x[0], KX_RIGHT_WRITE, &o);
    if (err)
        return err;
    if (!o->proc || o->exited)
        return -ESRCH;
    if (o->started)
        return -EBUSY;
    o->started = true;
    process_start(o->proc);
    return 0;
}

/* kx_process_detach(process): a server the caller made (not yet started)
 * leaves the POSIX family: it has no parent (getppid 0; no SIGCHLD, never a
 * zombie: its status goes to the process object only), so a program that
 * becomes process 1 by exec never waits for it, and kill(-1) passes it by,
 * as Linux's kernel threads. Only its parent may detach it. */
long sys_kx_process_detach(struct trap_frame *f)
{
    struct process_obj *o;
    int err = process_of(f->x[0], KX_RIGHT_WRITE, &o);
    if (err)
        return err;
    if (!o->proc || o->exited)
        return -ESRCH;
    if (o->started)
        return -EBUSY;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = o->proc;
    err = p->parent == current_process() ? 0 : -EPERM;
    if (!err)
        process_detach_locked(p);
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

/* kx_process_wait(process) -> its wait status (blocks until it exits). The
 * process's parent collects it too (no zombie is left for wait4). */
long sys_kx_process_wait(struct trap_frame *f)
{
    struct process_obj *o;
    struct process *self = current_process();
    int err = process_of(f->x[0], KX_RIGHT_READ, &o);
    if (err)
        return err;
    if (o->proc == self)
        return -EDEADLK; /* it would wait for its own end */
    if (!o->started && !o->exited)
        return -EINVAL; /* it would never end */
    irqflags_t flags = spin_lock_irqsave(&ipc_lock);
    long result = o->status;
    if (!o->exited) {
        result = wait_sleep(&ipc_lock, &o->waiters, WAIT_PROCESS, 0, WAIT_INTERRUPTIBLE, 0);
        if (result == -ERESTARTSYS)
            result = -EINTR;
    }
    spin_unlock_irqrestore(&ipc_lock, flags);
    if (result != -EINTR) {
        flags = spin_lock_irqsave(&proc_lock);
        struct process *p = o->proc;
        if (p && p->state == PROC_ZOMBIE && p->parent == self)
            process_reap(p, true);
        spin_unlock_irqrestore(&proc_lock, flags);
    }
    return result;
}

/* kx_process_give_fd(process, fd, target) -> target: the process gets a copy
 * of our fd at number `target` (replacing what was there), as dup2 would. */
long sys_kx_process_give_fd(struct trap_frame *f)
{
    struct process_obj *o;
    int err = process_of(f->x[0], KX_RIGHT_WRITE, &o);
    if (err)
        return err;
    if (!o->proc || o->started)
        return o->proc ? -EBUSY : -ESRCH; /* only before it runs: its table is its own after */
    struct file *file = fd_file(current_process()->files, (int32_t)f->x[1]);
    if (!file)
        return -EBADF;
    uint64_t target = f->x[2];
    if (target >= o->proc->rlim[RLIMIT_NOFILE].rlim_cur || target >= NR_OPEN_MAX)
        return -EBADF;
    err = fd_install_at(o->proc->files, file_get(file), (unsigned)target, false);
    if (err < 0)
        file_put(file);
    return err;
}
