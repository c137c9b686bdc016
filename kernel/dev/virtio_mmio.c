#include "virtio_mmio.h"

#include "kenix/printk.h"
#include "../arch/aarch64/mmu.h"

#include "kenix/virtio_mmio.h" /* uapi: the registers, shared with the drivers */

static struct virtio_slot slots[VIRTIO_MMIO_MAX_SLOTS];
static unsigned nslots;

static const char *device_name(uint32_t id)
{
    switch (id) {
    case 1: return "network card";
    case 2: return "block device";
    case 3: return "console";
    case 4: return "entropy source";
    case 5: return "memory balloon";
    case 9: return "9p transport";
    case 16: return "GPU";
    case 18: return "input device";
    default: return "device";
    }
}

/* Slots are numbered by address, the order QEMU assigns devices in. */
static void insert_sorted(const struct virtio_slot *s)
{
    unsigned i = nslots++;
    while (i > 0 && slots[i - 1].pa > s->pa) {
        slots[i] = slots[i - 1];
        i--;
    }
    slots[i] = *s;
}

unsigned virtio_mmio_probe(const struct fdt *fdt)
{
    for (int node = fdt_find_compatible(fdt, -1, "virtio,mmio"); node >= 0 && nslots < VIRTIO_MMIO_MAX_SLOTS;
         node = fdt_find_compatible(fdt, node, "virtio,mmio")) {
        struct virtio_slot s = { .irq = dt_irq(fdt, node, 0), .irq_edge = dt_irq_is_edge(fdt, node, 0) };
        if (!fdt_node_is_enabled(fdt, node) || fdt_read_reg(fdt, node, 0, &s.pa, &s.size) || s.size < 0x100)
            continue;
        insert_sorted(&s);
    }
    if (!nslots) {
        kprintf("virtio-mmio: none\n");
        return 0;
    }
    kprintf("virtio-mmio: %u slots at 0x%lx\n", nslots, slots[0].pa);
    /* The register window is only identified here; mapping it for real is the driver's business. */
    for (unsigned i = 0; i < nslots; i++) {
        volatile uint32_t *regs = mmio_map(slots[i].pa, 0x100);
        if (!regs || regs[VMMIO_MAGIC / 4] != VIRTIO_MMIO_MAGIC)
            continue;
        slots[i].version = regs[VMMIO_VERSION / 4];
        slots[i].device_id = regs[VMMIO_DEVICE_ID / 4];
        if (slots[i].device_id)
            kprintf("virtio-mmio: slot %u at 0x%lx: %s (id %u), %s transport, irq %d\n", i, slots[i].pa,
                    device_name(slots[i].device_id), slots[i].device_id,
                    slots[i].version == 1 ? "legacy" : "modern", slots[i].irq);
    }
    return nslots;
}

const struct virtio_slot *virtio_mmio_slot(unsigned index)
{
    return index < nslots ? &slots[index] : 0;
}
