/*
 * The virtio-blk device (virtio 1.x, 5.2) on one virtio-mmio transport and
 * one request queue: bringing it up (features, configuration, the queue),
 * putting device requests on the queue and taking finished ones off.
 *
 * A device request is a chain of descriptors: a 16-byte header (type,
 * sector) the device reads, the data buffers, and a status byte the device
 * writes. Headers and status bytes live in a DMA page of our own, one slot
 * per descriptor number (indexed by the chain's head, so a slot is in use
 * exactly while its chain is). The data buffers are the caller's (a
 * client's pool): physical addresses only, never touched here.
 *
 * Ownership: the disk owns its DMA memory (queue, headers) for its whole
 * life, and never frees it: a device that could not be reset might still
 * write there.
 */
#ifndef BLKDEV_DISK_H
#define BLKDEV_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_mmio.h"
#include "virtqueue.h"

#define VIRTIO_ID_BLOCK 2u

/* Device request types and statuses. */
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u

/* Most data segments we put in one device request (the queue must also
 * hold the header and status descriptors). */
#define DISK_SEGS_MAX 64u
/* Most bytes in one device request: bigger client requests are split, so
 * one client cannot hold the device for long with a single request. */
#define DISK_REQ_BYTES_MAX (1u << 20)

struct disk {
    struct vmmio t;
    uint64_t phys;          /* the registers' physical address, 0 if not known */
    struct virtq vq;
    uint64_t features;      /* negotiated */
    uint64_t capacity;      /* 512-byte sectors */
    uint32_t block_size;    /* logical block size in bytes (512 unless VIRTIO_BLK_F_BLK_SIZE) */
    uint32_t seg_bytes;     /* most bytes in one data descriptor */
    uint32_t segs_max;      /* most data descriptors in one device request */
    bool ro, flush;
    bool broken;            /* could not be (re)started: every request fails */
    /* DMA memory (ours, never freed: see above). */
    void *ring_va;
    uint64_t ring_pa;
    volatile struct disk_hdr *hdr;
    volatile uint8_t *status;
    uint64_t hdr_pa, status_pa;
};

struct disk_hdr {
    uint32_t type;
    uint32_t reserved; /* legacy: ioprio */
    uint64_t sector;
};

/*
 * Brings the device at `regs` (a virtio-blk device, checked by vmmio_find)
 * up: reset, features, configuration, queue 0, DRIVER_OK. Returns 0, or
 * prints why not and returns -errno (the device is then left FAILED).
 */
long disk_start(struct disk *d, volatile void *regs, uint64_t phys);
/*
 * After a fatal error (`why`, printed): resets the device, so it lets go of
 * every request, and brings it up again. The caller fails every request
 * that was in flight. If the device cannot come back it stays broken.
 */
void disk_restart(struct disk *d, const char *why);

/* The device said its configuration changed: takes the new capacity (and
 * says so). Returns false if the device wants a reset instead. */
bool disk_config_changed(struct disk *d);

/* Bytes one device request can carry (a multiple of 512). */
uint32_t disk_request_bytes(const struct disk *d);
/* Descriptors a device request of `bytes` needs (0 for a flush). */
unsigned disk_descriptors(const struct disk *d, uint32_t bytes);

/*
 * Queues a device request (not yet visible to the device: disk_kick): type
 * VIRTIO_BLK_T_IN/OUT of `bytes` (at most disk_request_bytes) at `sector`
 * to or from physical `buf`, or VIRTIO_BLK_T_FLUSH (bytes 0). Returns the
 * request's tag (its head descriptor, < VQ_MAX), or -1 if the queue has no
 * room for it now.
 */
int disk_submit(struct disk *d, uint32_t type, uint64_t sector, uint64_t buf, uint32_t bytes);
/* Makes the queued requests visible and tells the device. */
void disk_kick(struct disk *d);
/*
 * Takes the next finished request: returns its tag and stores its result
 * (0, -EIO, -EOPNOTSUPP) in *status; -1 when none is finished; -2 when the
 * device broke the protocol (call disk_restart).
 */
int disk_next_done(struct disk *d, int *status);

#endif
