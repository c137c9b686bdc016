#include "kobject.h"

#include "kenix/panic.h"

void kobject_put(struct kobject *o)
{
    uint32_t left = __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL);
    if (left == UINT32_MAX)
        panic("kobject_put(%p): type %u already dead", (void *)o, o->type);
    if (left)
        return;
    switch (o->type) {
    case KX_OBJ_ENDPOINT: endpoint_destroy(o); break;
    case KX_OBJ_REPLY: reply_destroy(o); break;
    case KX_OBJ_NOTIFICATION: notification_destroy(o); break;
    case KX_OBJ_MEMORY:
    case KX_OBJ_DEVICE: memobj_destroy(o); break;
    case KX_OBJ_IRQ: irqobj_destroy(o); break;
    case KX_OBJ_PROCESS: process_obj_destroy(o); break;
    case KX_OBJ_EVENT: event_destroy(o); break;
    case KX_OBJ_TERMINAL: terminal_destroy(o); break;
    case KX_OBJ_SYSINFO: sysinfo_destroy(o); break;
    default: panic("kobject_put(%p): unknown type %u", (void *)o, o->type);
    }
}
