/*
 * A split virtqueue (virtio 1.x, 2.6): the descriptor table, the driver's
 * avail ring and the device's used ring, in one physically contiguous piece
 * of memory laid out as the legacy transport demands (the modern one takes
 * any layout, so one layout serves both).
 *
 * Ownership: the memory belongs to whoever called vq_init (it must outlive
 * the device's use of it: reset the device before freeing it). A descriptor
 * is the driver's while on the free list, the device's from vq_add until
 * vq_next_used hands its chain back. The free list and the chains' links
 * are kept in private memory, never read back from the shared table, so a
 * device that misbehaves cannot corrupt them: a used entry naming a
 * descriptor that is not the head of a chain in flight is reported, not
 * followed.
 */
#ifndef BLKDEV_VIRTQUEUE_H
#define BLKDEV_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kenix/virtio_mmio.h>

#define VQ_MAX 256u     /* largest queue we use */
#define VQ_ALIGN 4096u  /* the used ring's alignment (legacy QueueAlign) */

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

/* Descriptor flags: VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE (<kenix/virtio_mmio.h>). */

struct vq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[]; /* num entries, then used_event */
};

struct vq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct vq_used {
    uint16_t flags;
    uint16_t idx;
    struct vq_used_elem ring[]; /* num entries, then avail_event */
};

/* One buffer of a request, physically contiguous. */
struct vq_buf {
    uint64_t addr;
    uint32_t len;
    bool device_writes;
};

struct virtq {
    uint16_t num;
    volatile struct vq_desc *desc;
    volatile struct vq_avail *avail;
    volatile struct vq_used *used;
    uint64_t desc_pa, avail_pa, used_pa;
    uint16_t avail_idx;     /* our copy of avail->idx, published by vq_publish */
    uint16_t published;     /* avail->idx as last published */
    uint16_t last_used;     /* used entries consumed so far */
    uint16_t free_head, num_free;
    uint16_t link[VQ_MAX];  /* next descriptor: on the free list, or in a chain */
    uint16_t chain[VQ_MAX]; /* for a chain's head: its length; 0: not a head in flight */
};

/* Bytes of memory a queue of `num` entries needs (page multiple). */
size_t vq_bytes(uint16_t num);
/* Lays the queue out in `va` (physical `pa`, page aligned, vq_bytes long),
 * zeroes it and puts every descriptor on the free list. num: a power of two
 * up to VQ_MAX. */
void vq_init(struct virtq *q, void *va, uint64_t pa, uint16_t num);

/* Chains `n` buffers into a request and puts it on the avail ring (not yet
 * visible: vq_publish). Returns its head descriptor, or -1 if fewer than n
 * descriptors are free. */
int vq_add(struct virtq *q, const struct vq_buf *bufs, unsigned n);
/* Makes what vq_add queued visible to the device; returns whether there was
 * anything (then the device must be notified). */
bool vq_publish(struct virtq *q);

/*
 * The next request the device has finished: returns its head descriptor
 * and puts its chain back on the free list (*written: bytes the device says
 * it wrote). -1 when there is none; -2 when the device broke the protocol
 * (an id that is not a chain in flight, or more entries than the queue
 * holds): the caller must reset the device.
 */
int vq_next_used(struct virtq *q, uint32_t *written);

static inline unsigned vq_free(const struct virtq *q)
{
    return q->num_free;
}

/* The head descriptor the next vq_add will use (-1 if none is free): a
 * request's own DMA slots are chosen by it before the chain is built. */
static inline int vq_next_head(const struct virtq *q)
{
    return q->num_free ? (int)q->free_head : -1;
}

#endif
