#include "process_obj.h"

#include "kenix/errno.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "handle.h"
#include "ipc.h"
#include "process.h"
#include "syscall.h"
#include "../arch/aarch64/sysreg.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

#define PROGRAM_MAX (64u << 20)   /* bytes of ELF image kx_process_create accepts */
#define ARGS_MAX (64u << 10)      /* bytes of argv + envp strings */
#define ARGV_MAX 256              /* entries in each of argv and envp */

struct process_obj {
    struct kobject obj;
    struct process *proc;         /* NULL once it has exited */
    bool started, exited;
    int status;                   /* wait status, once exited */
    struct thread_queue waiters;  /* in kx_process_wait */
};

struct kobject *process_obj_of(struct process *p)
{
    if (!p->pobj) {
        struct process_obj *o = kzalloc(sizeof(*o));
        if (!o)
            return 0;
        kobject_init(&o->obj, KX_OBJ_PROCESS);
        o->proc = p;
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
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    o->exited = true;
    o->status = status;
    o->proc = 0;
    p->pobj = 0;
    struct thread *t;
    while ((t = thread_queue_pop(&o->waiters)))
        ipc_wake(t, status);
    write_sysreg(daif, daif);
}

void process_obj_destroy(struct kobject *obj)
{
    struct process_obj *o = (struct process_obj *)obj;
    if (o->proc) {
        o->proc->pobj = 0;
        if (!o->started)
            process_free(o->proc); /* nobody can start it any more */
    }
    kfree(o);
}

static int process_of(int h, uint32_t rights, struct process_obj **out)
{
    struct handle *e;
    int err = handle_get(&current_process()->handles, h, KX_OBJ_PROCESS, rights, &e);
    if (!err)
        *out = (struct process_obj *)e->obj;
    return err;
}

/* kx_process_create(name, elf, elf_len, argv, envp) -> process handle, not started. */
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
    const struct program_source src = { .vm = self->vm, .uaddr = f->x[1], .size = len };
    char *strings = kmalloc(ARGS_MAX);
    char **vec = kmalloc(2 * (ARGV_MAX + 1) * sizeof(char *));
    long err = strings && vec ? 0 : -ENOMEM;
    char **argv = vec, **envp = vec + ARGV_MAX + 1;
    size_t used = 0;
    if (!err)
        err = copy_strings_from_user(self->vm, f->x[3], argv, ARGV_MAX, strings, ARGS_MAX, &used);
    if (err >= 0)
        err = copy_strings_from_user(self->vm, f->x[4], envp, ARGV_MAX, strings, ARGS_MAX, &used);
    if (err > 0)
        err = 0;
    struct process *p = 0;
    if (err >= 0) {
        p = process_alloc(name);
        err = p ? 0 : -ENOMEM;
    }
    if (!err) {
        p->parent = self;
        err = process_load(p, name, &src, (const char *const *)argv, (const char *const *)envp, 0, 0);
    }
    kfree(strings);
    kfree(vec);
    if (err) {
        if (p)
            process_free(p);
        return err;
    }
    struct kobject *o = process_obj_of(p);
    int h = o ? handle_install(&self->handles, o, KX_RIGHTS_ALL & ~(KX_RIGHT_SEND | KX_RIGHT_RECV | KX_RIGHT_EXEC), 0, 0)
              : -ENOMEM;
    if (o)
        kobject_put(o); /* the handle holds it now, or nothing does and p goes */
    else
        process_free(p);
    return h;
}

/* kx_process_give(process, handle, rights, slot) -> the handle's number in that process. */
long sys_kx_process_give(struct trap_frame *f)
{
    struct process_obj *o;
    struct handle *h;
    int err = process_of((int)f->x[0], KX_RIGHT_WRITE, &o);
    if (!err)
        err = handle_get(&current_process()->handles, (int)f->x[1], 0, KX_RIGHT_TRANSFER, &h);
    if (err)
        return err;
    if (!o->proc)
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
    int err = process_of((int)f->x[0], KX_RIGHT_WRITE, &o);
    if (err)
        return err;
    if (!o->proc)
        return -ESRCH;
    if (o->started)
        return -EBUSY;
    o->started = true;
    process_start(o->proc);
    return 0;
}

/* kx_process_wait(process) -> its wait status (blocks until it exits). */
long sys_kx_process_wait(struct trap_frame *f)
{
    struct process_obj *o;
    int err = process_of((int)f->x[0], KX_RIGHT_READ, &o);
    if (err)
        return err;
    if (!o->started && !o->exited)
        return -EINVAL; /* it would never end */
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    long result = o->status;
    if (!o->exited) {
        thread_queue_push(&o->waiters, current_thread());
        result = ipc_block();
    }
    write_sysreg(daif, daif);
    return result;
}
