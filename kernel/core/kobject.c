#include "kobject.h"

#include "kenix/panic.h"
#include "../arch/aarch64/sysreg.h"

void kobject_put(struct kobject *o)
{
    /* Interrupt handlers (IRQ objects) never drop references, but interrupts
     * are masked so a destructor never races with one delivering to `o`. */
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    if (o->refs == 0)
        panic("kobject_put(%p): type %u already dead", (void *)o, o->type);
    if (--o->refs == 0) {
        switch (o->type) {
        case KX_OBJ_ENDPOINT: endpoint_destroy(o); break;
        case KX_OBJ_REPLY: reply_destroy(o); break;
        case KX_OBJ_NOTIFICATION: notification_destroy(o); break;
        case KX_OBJ_MEMORY:
        case KX_OBJ_DEVICE: memobj_destroy(o); break;
        case KX_OBJ_IRQ: irqobj_destroy(o); break;
        case KX_OBJ_PROCESS: process_obj_destroy(o); break;
        default: panic("kobject_put(%p): unknown type %u", (void *)o, o->type);
        }
    }
    write_sysreg(daif, daif);
}
