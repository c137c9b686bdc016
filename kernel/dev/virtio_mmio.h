/* Discovery of virtio-mmio transports. The drivers themselves live in user-space servers. */
#ifndef KENIX_DEV_VIRTIO_MMIO_H
#define KENIX_DEV_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/devtree.h"

#define VIRTIO_MMIO_MAX_SLOTS 64

struct virtio_slot {
    uint64_t pa;
    uint64_t size;
    int irq;
    bool irq_edge;
    uint32_t version;   /* 1 legacy, 2 modern */
    uint32_t device_id; /* 0 = empty slot */
};

/* Finds every "virtio,mmio" node, reads each slot's identity and prints the populated ones. */
unsigned virtio_mmio_probe(const struct fdt *fdt);
const struct virtio_slot *virtio_mmio_slot(unsigned index);

#endif
