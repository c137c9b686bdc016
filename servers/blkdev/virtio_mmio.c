/* The virtio-mmio transport, legacy and modern (virtio_mmio.h). */
#include "virtio_mmio.h"

#include <stddef.h>

#define LEGACY_PAGE 4096u /* GuestPageSize we tell a legacy device: QueuePFN counts these */
#define RESET_POLLS 1000000u

static uint32_t rd(const struct vmmio *t, uint32_t off)
{
    return t->regs[off / 4];
}

static void wr(struct vmmio *t, uint32_t off, uint32_t value)
{
    t->regs[off / 4] = value;
}

/* Orders our memory writes (rings, buffers) before a register write that
 * tells the device about them, and register reads before what follows. */
static void io_barrier(void)
{
    __asm__ volatile("dmb sy" ::: "memory");
}

static const char *unusable(volatile const uint32_t *r, uint32_t device_id)
{
    if (r[VMMIO_MAGIC / 4] != VIRTIO_MMIO_MAGIC)
        return "no virtio-mmio device there (bad magic value)";
    uint32_t version = r[VMMIO_VERSION / 4];
    if (version != 1 && version != 2)
        return "unknown virtio-mmio version";
    uint32_t id = r[VMMIO_DEVICE_ID / 4];
    if (id == 0)
        return "an empty virtio-mmio slot";
    if (id != device_id)
        return "another kind of virtio device";
    return NULL;
}

long vmmio_find(uintptr_t base, uint64_t size, long offset, uint32_t device_id, const char **why)
{
    if (offset >= 0) {
        if ((uint64_t)offset + VIRTIO_MMIO_SLOT_SIZE > size || (offset & 3)) {
            *why = "the slot is not inside the device region";
            return -1;
        }
        *why = unusable((volatile const uint32_t *)(base + (uintptr_t)offset), device_id);
        return *why ? -1 : offset;
    }
    *why = "no such device in the region";
    for (uint64_t off = 0; off + VIRTIO_MMIO_SLOT_SIZE <= size; off += VIRTIO_MMIO_SLOT_STRIDE)
        if (!unusable((volatile const uint32_t *)(base + (uintptr_t)off), device_id)) {
            *why = NULL;
            return (long)off;
        }
    return -1;
}

void vmmio_init(struct vmmio *t, volatile void *regs)
{
    t->regs = regs;
    t->legacy = rd(t, VMMIO_VERSION) == 1;
}

bool vmmio_reset(struct vmmio *t)
{
    wr(t, VMMIO_STATUS, 0);
    for (uint32_t i = 0; i < RESET_POLLS; i++)
        if (rd(t, VMMIO_STATUS) == 0) {
            io_barrier(); /* nothing of ours is touched before the device let go */
            return true;
        }
    return false;
}

uint32_t vmmio_status(const struct vmmio *t)
{
    return rd(t, VMMIO_STATUS);
}

void vmmio_add_status(struct vmmio *t, uint32_t bits)
{
    io_barrier(); /* DRIVER_OK after the queue memory is written */
    wr(t, VMMIO_STATUS, rd(t, VMMIO_STATUS) | bits);
}

uint64_t vmmio_device_features(struct vmmio *t)
{
    wr(t, VMMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t f = rd(t, VMMIO_DEVICE_FEATURES);
    if (!t->legacy) {
        wr(t, VMMIO_DEVICE_FEATURES_SEL, 1);
        f |= (uint64_t)rd(t, VMMIO_DEVICE_FEATURES) << 32;
    }
    return f;
}

bool vmmio_set_features(struct vmmio *t, uint64_t features)
{
    wr(t, VMMIO_DRIVER_FEATURES_SEL, 0);
    wr(t, VMMIO_DRIVER_FEATURES, (uint32_t)features);
    if (t->legacy)
        return true;
    wr(t, VMMIO_DRIVER_FEATURES_SEL, 1);
    wr(t, VMMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
    vmmio_add_status(t, VIRTIO_STATUS_FEATURES_OK);
    return (rd(t, VMMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) != 0;
}

uint32_t vmmio_queue_max(struct vmmio *t, uint32_t q)
{
    wr(t, VMMIO_QUEUE_SEL, q);
    return rd(t, VMMIO_QUEUE_NUM_MAX);
}

bool vmmio_queue_free(struct vmmio *t, uint32_t q)
{
    wr(t, VMMIO_QUEUE_SEL, q);
    return (t->legacy ? rd(t, VMMIO_QUEUE_PFN) : rd(t, VMMIO_QUEUE_READY)) == 0;
}

void vmmio_queue_setup(struct vmmio *t, uint32_t q, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used,
                       uint32_t align)
{
    io_barrier(); /* the rings' initial contents before the device may look */
    wr(t, VMMIO_QUEUE_SEL, q);
    wr(t, VMMIO_QUEUE_NUM, num);
    if (t->legacy) {
        /* One page frame number places all three parts: the avail ring right
         * after the table, the used ring at the next `align` boundary. */
        (void)avail;
        (void)used;
        wr(t, VMMIO_GUEST_PAGE_SIZE, LEGACY_PAGE);
        wr(t, VMMIO_QUEUE_ALIGN, align);
        wr(t, VMMIO_QUEUE_PFN, (uint32_t)(desc / LEGACY_PAGE));
        return;
    }
    wr(t, VMMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    wr(t, VMMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    wr(t, VMMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
    wr(t, VMMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
    wr(t, VMMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
    wr(t, VMMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
    wr(t, VMMIO_QUEUE_READY, 1);
}

void vmmio_notify(struct vmmio *t, uint32_t q)
{
    io_barrier(); /* the avail index before the device is told to read it */
    wr(t, VMMIO_QUEUE_NOTIFY, q);
}

uint32_t vmmio_take_interrupt(struct vmmio *t)
{
    uint32_t bits = rd(t, VMMIO_INTERRUPT_STATUS);
    if (bits)
        wr(t, VMMIO_INTERRUPT_ACK, bits);
    io_barrier(); /* the used ring is read after the acknowledgement: nothing completed in between is missed */
    return bits;
}

uint32_t vmmio_config32(struct vmmio *t, uint32_t offset)
{
    if (t->legacy)
        return rd(t, VMMIO_CONFIG + offset);
    uint32_t gen, v;
    do {
        gen = rd(t, VMMIO_CONFIG_GENERATION);
        v = rd(t, VMMIO_CONFIG + offset);
    } while (rd(t, VMMIO_CONFIG_GENERATION) != gen);
    return v;
}

uint64_t vmmio_config64(struct vmmio *t, uint32_t offset)
{
    /* Two 32-bit reads: the device may change the field between them. */
    uint64_t v, again;
    if (t->legacy) {
        do {
            v = rd(t, VMMIO_CONFIG + offset) | (uint64_t)rd(t, VMMIO_CONFIG + offset + 4) << 32;
            again = rd(t, VMMIO_CONFIG + offset) | (uint64_t)rd(t, VMMIO_CONFIG + offset + 4) << 32;
        } while (v != again);
        return v;
    }
    uint32_t gen;
    do {
        gen = rd(t, VMMIO_CONFIG_GENERATION);
        v = rd(t, VMMIO_CONFIG + offset) | (uint64_t)rd(t, VMMIO_CONFIG + offset + 4) << 32;
    } while (rd(t, VMMIO_CONFIG_GENERATION) != gen);
    return v;
}
