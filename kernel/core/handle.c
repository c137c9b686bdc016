#include "handle.h"

#include "kenix/errno.h"
#include "kenix/string.h"
#include "ipc.h"
#include "../mm/heap.h"

/* Endpoints count their handles that can receive: a caller must not wait
 * for a receiver that can no longer exist. */
static void count_receiver(struct kobject *obj, uint32_t rights, int delta)
{
    if (obj->type == KX_OBJ_ENDPOINT && (rights & KX_RIGHT_RECV))
        endpoint_recv_handles(obj, delta);
}

static int grow(struct handle_table *t, unsigned need)
{
    if (need > HANDLE_TABLE_MAX)
        return -ENOSPC;
    unsigned cap = t->cap ? t->cap : 16;
    while (cap < need)
        cap *= 2;
    if (cap > HANDLE_TABLE_MAX)
        cap = HANDLE_TABLE_MAX;
    struct handle *slots = kzalloc(cap * sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    if (t->slots)
        memcpy(slots, t->slots, t->cap * sizeof(*slots));
    kfree(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

int handle_install(struct handle_table *t, struct kobject *obj, uint32_t rights, uint64_t badge, int at)
{
    unsigned idx;
    if (at > 0) {
        idx = (unsigned)at - 1;
        if (idx >= t->cap) {
            int err = grow(t, idx + 1);
            if (err)
                return err;
        }
        if (t->slots[idx].obj)
            return -EEXIST;
    } else {
        for (idx = 0; idx < t->cap && t->slots[idx].obj; idx++)
            ;
        if (idx == t->cap) {
            int err = grow(t, t->cap + 1);
            if (err)
                return err;
        }
    }
    t->slots[idx] = (struct handle){ kobject_get(obj), rights & KX_RIGHTS_ALL, badge };
    count_receiver(obj, rights, +1);
    return (int)idx + 1;
}

int handle_close(struct handle_table *t, uint64_t h)
{
    struct handle *e;
    int err = handle_get(t, h, 0, 0, &e);
    if (err)
        return err;
    struct kobject *o = e->obj;
    uint32_t rights = e->rights;
    e->obj = 0; /* free the slot first: a destructor may look at this table */
    count_receiver(o, rights, -1);
    kobject_put(o);
    return 0;
}

void handle_table_clear(struct handle_table *t)
{
    for (unsigned i = 0; i < t->cap; i++)
        if (t->slots[i].obj)
            handle_close(t, (int)i + 1);
    kfree(t->slots);
    t->slots = 0;
    t->cap = 0;
}
