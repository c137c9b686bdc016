/* The native calls on handles themselves, and the null call. */
#include "kenix/errno.h"
#include "handle.h"
#include "memobj.h"
#include "process_obj.h"
#include "process.h"
#include "syscall.h"
#include "../mm/uaccess.h"

/* kx_nop() -> 0: the cheapest trap, for measuring the system-call path. */
long sys_kx_nop(struct trap_frame *f)
{
    (void)f;
    return 0;
}

long sys_kx_handle_close(struct trap_frame *f)
{
    return handle_close(&current_process()->handles, f->x[0]);
}

/* kx_handle_dup(handle, rights) -> a new handle with rights & the source's. */
long sys_kx_handle_dup(struct trap_frame *f)
{
    struct handle_table *ht = &current_process()->handles;
    struct handle *h;
    int err = handle_get(ht, f->x[0], 0, KX_RIGHT_DUP, &h);
    if (err)
        return err;
    return handle_install(ht, h->obj, h->rights & (uint32_t)f->x[1], h->badge, 0);
}

/* kx_handle_info(handle, struct kx_handle_info *) -> 0. */
long sys_kx_handle_info(struct trap_frame *f)
{
    struct process *p = current_process();
    struct handle *h;
    int err = handle_get(&p->handles, f->x[0], 0, 0, &h);
    if (err)
        return err;
    struct kx_handle_info info = { .type = h->obj->type, .rights = h->rights, .badge = h->badge };
    if (h->obj->type == KX_OBJ_MEMORY || h->obj->type == KX_OBJ_DEVICE)
        info.size = ((struct memobj *)h->obj)->size;
    else if (h->obj->type == KX_OBJ_PROCESS)
        info.size = process_obj_pid(h->obj);
    return copy_to_user(p->vm, f->x[1], &info, sizeof(info));
}
