/*
 * Per-process handle tables: the only way a process reaches a kernel object.
 * A handle is an index + 1 into the table (0 is never valid; at most
 * KX_HANDLES_MAX = 4096 of them, numbers 1..4096) holding a
 * reference to the object, the rights this handle grants, and a badge
 * (endpoints: delivered to the receiver with every message sent through it).
 *
 * A table belongs to its process: only the process's own thread changes it,
 * or the kernel on a partner's behalf while that thread is blocked in IPC.
 */
#ifndef KENIX_CORE_HANDLE_H
#define KENIX_CORE_HANDLE_H

#include <stdint.h>

#include "kenix/errno.h"
#include "kobject.h"

#define HANDLE_TABLE_MAX KX_HANDLES_MAX

struct handle {
    struct kobject *obj; /* NULL: free slot */
    uint32_t rights;
    uint64_t badge;
};

struct handle_table {
    struct handle *slots;
    unsigned cap;
};

/* Puts a new reference to obj into a free slot (or slot `at` when at > 0);
 * returns the handle, -ENOSPC/-ENOMEM, or -EEXIST when `at` is taken. */
int handle_install(struct handle_table *t, struct kobject *obj, uint32_t rights, uint64_t badge, int at);
/* The handle h if it names an object of `type` (0: any) with all of `rights`:
 * -EBADF no such handle, -EINVAL another type, -EPERM a right missing.
 * Inline: it is on every IPC fast path. */
static inline int handle_get(struct handle_table *t, uint64_t h, unsigned type, uint32_t rights, struct handle **out)
{
    if (h == 0 || h > t->cap || !t->slots[h - 1].obj) /* all 64 bits count: 0x1_0000_0003 is not 3 */
        return -EBADF;
    struct handle *e = &t->slots[h - 1];
    if (type && e->obj->type != type)
        return -EINVAL;
    if ((e->rights & rights) != rights)
        return -EPERM;
    *out = e;
    return 0;
}
int handle_close(struct handle_table *t, uint64_t h);
/* Closes every handle (process exit). */
void handle_table_clear(struct handle_table *t);

#endif
