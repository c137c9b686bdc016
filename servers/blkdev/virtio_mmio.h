/*
 * The virtio-mmio transport (virtio 1.x, section 4.2): one device's
 * registers in a mapped device region, in either of its two versions --
 * legacy (version 1: the guest page size and one page frame number place a
 * queue, 32 feature bits, no FEATURES_OK step) and modern (version 2:
 * 64-bit feature words, the three parts of a queue placed separately,
 * QueueReady). QEMU's virt machine offers legacy unless told
 * `-global virtio-mmio.force-legacy=false`.
 *
 * Only register access and the steps of the initialisation sequence live
 * here; what the device is for is the caller's business (disk.c).
 */
#ifndef BLKDEV_VIRTIO_MMIO_H
#define BLKDEV_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include <kenix/virtio_mmio.h> /* registers and bits */

#define VIRTIO_MMIO_SLOT_STRIDE 0x200u /* QEMU virt: slots this far apart, eight to a page */
#define VIRTIO_MMIO_SLOT_SIZE 0x200u

struct vmmio {
    volatile uint32_t *regs; /* the slot, inside a region mapped by the caller (who owns the mapping) */
    bool legacy;
};

/*
 * Finds a device of type `device_id` in a mapped region of `size` bytes:
 * at byte `offset` if it is >= 0 (the caller knows the slot), else the
 * first slot that answers. Returns the slot's offset, or -1 (and says why
 * in *why) if there is none or it is not a usable virtio-mmio device.
 */
long vmmio_find(uintptr_t base, uint64_t size, long offset, uint32_t device_id, const char **why);
/* Takes the device at `regs` (found by vmmio_find). */
void vmmio_init(struct vmmio *t, volatile void *regs);

/* Writes 0 to Status and waits until the device reads back 0: it has
 * stopped using every queue and buffer it was given. False if it never
 * does (a broken device: nothing it was given may be reused). */
bool vmmio_reset(struct vmmio *t);
uint32_t vmmio_status(const struct vmmio *t);
/* ORs bits into Status (the initialisation sequence only ever adds). */
void vmmio_add_status(struct vmmio *t, uint32_t bits);

/* The device's feature bits (legacy: only the low 32 exist). */
uint64_t vmmio_device_features(struct vmmio *t);
/*
 * Tells the device which features the driver takes. Modern: also sets
 * FEATURES_OK and returns whether the device kept it (it may refuse the
 * combination). Legacy has no such step: always true.
 */
bool vmmio_set_features(struct vmmio *t, uint64_t features);

/* The largest queue `q` may be (0: no such queue), and whether it is unused. */
uint32_t vmmio_queue_max(struct vmmio *t, uint32_t q);
bool vmmio_queue_free(struct vmmio *t, uint32_t q);
/*
 * Gives queue `q` of `num` entries its memory: descriptor table, driver
 * (avail) ring and device (used) ring at these physical addresses. Legacy
 * places all three from the first: the caller must lay them out as the
 * legacy transport expects (virtqueue.h, vq_layout) with `align` between
 * the avail and used rings, and the table page aligned.
 */
void vmmio_queue_setup(struct vmmio *t, uint32_t q, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used,
                       uint32_t align);
/* Tells the device queue `q` has new buffers. */
void vmmio_notify(struct vmmio *t, uint32_t q);

/* Reads InterruptStatus and acknowledges those bits; returns them. */
uint32_t vmmio_take_interrupt(struct vmmio *t);

/* Device configuration space, read consistently (modern: ConfigGeneration
 * unchanged around the read; legacy: the same value twice). */
uint32_t vmmio_config32(struct vmmio *t, uint32_t offset);
uint64_t vmmio_config64(struct vmmio *t, uint32_t offset);

#endif
