/*
 * Kernel objects that user space names by handle: endpoints, notifications,
 * memory objects, device regions, IRQs, processes, saved replies, events and terminals. Each
 * starts with a struct kobject; a reference is held by every handle naming it
 * and by every kernel structure pointing at it (a mapping, a bound IRQ). The
 * last kobject_put destroys it through its type's destructor.
 */
#ifndef KENIX_CORE_KOBJECT_H
#define KENIX_CORE_KOBJECT_H

#include <stdint.h>

#include "kenix/ipc.h" /* enum kx_object_type */

struct kobject {
    uint32_t type; /* enum kx_object_type */
    uint32_t refs;
};

static inline void kobject_init(struct kobject *o, enum kx_object_type type)
{
    o->type = type;
    o->refs = 1;
}

/* Reference counts are atomic: SMP will touch them from several CPUs, and
 * nothing about them needs a lock. */
static inline struct kobject *kobject_get(struct kobject *o)
{
    __atomic_fetch_add(&o->refs, 1, __ATOMIC_RELAXED);
    return o;
}

/* Drops a reference; the last one runs the type's destructor, which takes
 * the locks it needs: never call it holding ipc_lock. */
void kobject_put(struct kobject *o);

/* Destructors, one per type, called by kobject_put on the last reference. */
void endpoint_destroy(struct kobject *o);
void reply_destroy(struct kobject *o);
void notification_destroy(struct kobject *o);
void memobj_destroy(struct kobject *o);
void irqobj_destroy(struct kobject *o);
void process_obj_destroy(struct kobject *o);
void event_destroy(struct kobject *o);
void terminal_destroy(struct kobject *o);
void sysinfo_destroy(struct kobject *o);
/* The system-information object (posix/sysinfo.c): a new reference. */
struct kobject *sysinfo_object(void);

#endif
