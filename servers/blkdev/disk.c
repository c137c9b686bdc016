/* The virtio-blk device: bring-up and device requests (disk.h). */
#include "disk.h"

#include <errno.h>
#include <stdio.h>

#include <kenix/kx.h>

/* Feature bits of a block device (virtio 1.x, 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)
/* What we can use. Not taken: GEOMETRY and TOPOLOGY (nothing here needs
 * them), CONFIG_WCE (the cache mode the device picks is fine: FLUSH makes
 * writes durable either way), DISCARD/WRITE_ZEROES, MQ (one queue serves),
 * and the ring features (INDIRECT_DESC, EVENT_IDX): plain chains suffice. */
#define WANTED (VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_RO | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH)

/* Configuration space offsets (struct virtio_blk_config). */
#define CFG_CAPACITY 0u
#define CFG_SIZE_MAX 8u
#define CFG_SEG_MAX 12u
#define CFG_BLK_SIZE 20u

#define PAGE 4096u
#define SECTOR 512u
#define HDR_BYTES (VQ_MAX * sizeof(struct disk_hdr)) /* one header per descriptor */
#define DMA_BYTES(ring) ((ring) + HDR_BYTES + PAGE)   /* ring, headers, a page of status bytes */

_Static_assert(sizeof(struct disk_hdr) == 16, "the device's request header");
_Static_assert(VQ_MAX <= PAGE, "a status byte per descriptor fits a page");

/* The DMA memory, once: a restart reuses it. */
static long alloc_dma(struct disk *d)
{
    size_t ring = vq_bytes(VQ_MAX);
    long m = kx_mem_create(DMA_BYTES(ring), KX_MEM_CONTIGUOUS);
    if (m < 0)
        return m;
    long pa = kx_mem_phys((kx_handle_t)m);
    long va = pa < 0 ? pa : kx_mem_map((kx_handle_t)m, 0, DMA_BYTES(ring), KX_PROT_READ | KX_PROT_WRITE);
    if (va < 0) {
        kx_handle_close((kx_handle_t)m);
        return va;
    }
    /* The mapping keeps the memory; the handle is not needed any more. */
    kx_handle_close((kx_handle_t)m);
    d->ring_va = (void *)va;
    d->ring_pa = (uint64_t)pa;
    d->hdr = (volatile struct disk_hdr *)(va + (long)ring);
    d->hdr_pa = (uint64_t)pa + ring;
    d->status = (volatile uint8_t *)(va + (long)ring + (long)HDR_BYTES);
    d->status_pa = (uint64_t)pa + ring + HDR_BYTES;
    return 0;
}

static uint16_t queue_size(uint32_t max)
{
    uint32_t n = VQ_MAX;
    while (n > max)
        n >>= 1;
    return (uint16_t)n;
}

/* The logical block size: blk_size if the device gives a sane one. */
static uint32_t block_size(struct disk *d)
{
    if (!(d->features & VIRTIO_BLK_F_BLK_SIZE))
        return SECTOR;
    uint32_t b = vmmio_config32(&d->t, CFG_BLK_SIZE);
    if (b < SECTOR || b > 65536 || (b & (b - 1))) {
        printf("blkdev: the device's block size %u is not a power of two from 512 to 64 KiB: using 512\n", b);
        return SECTOR;
    }
    return b;
}

/* Reset to DRIVER_OK; d->t is set up and the DMA memory allocated. */
static long bring_up(struct disk *d)
{
    if (!vmmio_reset(&d->t)) {
        printf("blkdev: the device does not reset (Status stays 0x%x)\n", vmmio_status(&d->t));
        return -EIO;
    }
    vmmio_add_status(&d->t, VIRTIO_STATUS_ACKNOWLEDGE);
    vmmio_add_status(&d->t, VIRTIO_STATUS_DRIVER);
    uint64_t offered = vmmio_device_features(&d->t);
    uint64_t want = WANTED | (d->t.legacy ? 0 : VIRTIO_F_VERSION_1);
    const char *fail = NULL;
    if (!d->t.legacy && !(offered & VIRTIO_F_VERSION_1))
        fail = "a modern transport whose device does not offer VIRTIO_F_VERSION_1";
    d->features = offered & want;
    if (!fail && !vmmio_set_features(&d->t, d->features))
        fail = "the device refuses the features we take (FEATURES_OK not kept)";

    uint32_t max = fail ? 0 : vmmio_queue_max(&d->t, 0);
    uint16_t num = queue_size(max);
    if (!fail && (max == 0 || !vmmio_queue_free(&d->t, 0)))
        fail = "request queue 0 is missing or already in use";
    else if (!fail && num < 4)
        fail = "request queue 0 is too small (fewer than 4 entries)";

    if (!fail) {
        d->capacity = vmmio_config64(&d->t, CFG_CAPACITY);
        d->block_size = block_size(d);
        d->ro = (d->features & VIRTIO_BLK_F_RO) != 0;
        d->flush = (d->features & VIRTIO_BLK_F_FLUSH) != 0;
        d->seg_bytes = DISK_REQ_BYTES_MAX;
        if (d->features & VIRTIO_BLK_F_SIZE_MAX) {
            uint32_t size_max = vmmio_config32(&d->t, CFG_SIZE_MAX) & ~(SECTOR - 1);
            if (size_max == 0)
                fail = "the device's largest segment (size_max) is under a sector";
            else if (size_max < d->seg_bytes)
                d->seg_bytes = size_max;
        }
        d->segs_max = DISK_SEGS_MAX < num - 2u ? DISK_SEGS_MAX : num - 2u;
        if (d->features & VIRTIO_BLK_F_SEG_MAX) {
            uint32_t seg_max = vmmio_config32(&d->t, CFG_SEG_MAX);
            if (seg_max == 0)
                seg_max = 1; /* nonsense: take the least any device must do */
            if (seg_max < d->segs_max)
                d->segs_max = seg_max;
        }
        if (!fail && disk_request_bytes(d) < d->block_size)
            fail = "the device's segment limits do not cover one logical block";
    }
    if (fail) {
        printf("blkdev: %s\n", fail);
        vmmio_add_status(&d->t, VIRTIO_STATUS_FAILED);
        return -ENODEV;
    }
    vq_init(&d->vq, d->ring_va, d->ring_pa, num);
    vmmio_queue_setup(&d->t, 0, num, d->vq.desc_pa, d->vq.avail_pa, d->vq.used_pa, VQ_ALIGN);
    vmmio_add_status(&d->t, VIRTIO_STATUS_DRIVER_OK);
    uint32_t status = vmmio_status(&d->t);
    if (status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED) || !(status & VIRTIO_STATUS_DRIVER_OK)) {
        printf("blkdev: the device did not go live (Status 0x%x)\n", status);
        return -EIO;
    }
    return 0;
}

long disk_start(struct disk *d, volatile void *regs, uint64_t phys)
{
    *d = (struct disk){ .phys = phys };
    vmmio_init(&d->t, regs);
    long err = alloc_dma(d);
    if (err) {
        printf("blkdev: no DMA memory for the queue: error %ld\n", -err);
        d->broken = true;
        return err;
    }
    err = bring_up(d);
    d->broken = err != 0;
    return err;
}

void disk_restart(struct disk *d, const char *why)
{
    printf("blkdev: %s: resetting the device\n", why);
    if (bring_up(d)) {
        printf("blkdev: the device did not come back: every request fails from now on\n");
        d->broken = true;
        return;
    }
    d->broken = false;
}

bool disk_config_changed(struct disk *d)
{
    if (vmmio_status(&d->t) & VIRTIO_STATUS_NEEDS_RESET)
        return false;
    uint64_t capacity = vmmio_config64(&d->t, CFG_CAPACITY);
    if (capacity != d->capacity) {
        printf("blkdev: the disk now has %llu sectors (was %llu)\n", (unsigned long long)capacity,
               (unsigned long long)d->capacity);
        /* Calls checked against the old size are the device's to refuse. */
        d->capacity = capacity;
    }
    return true;
}

uint32_t disk_request_bytes(const struct disk *d)
{
    uint64_t b = (uint64_t)d->seg_bytes * d->segs_max;
    if (b > DISK_REQ_BYTES_MAX)
        b = DISK_REQ_BYTES_MAX;
    return (uint32_t)(b - b % d->block_size);
}

unsigned disk_descriptors(const struct disk *d, uint32_t bytes)
{
    return 2u + (bytes + d->seg_bytes - 1) / d->seg_bytes;
}

int disk_submit(struct disk *d, uint32_t type, uint64_t sector, uint64_t buf, uint32_t bytes)
{
    struct vq_buf bufs[2 + DISK_SEGS_MAX];
    unsigned n = disk_descriptors(d, bytes);
    int head = vq_next_head(&d->vq);
    if (d->broken || head < 0 || n > vq_free(&d->vq) || n > 2 + DISK_SEGS_MAX)
        return -1;
    d->hdr[head] = (struct disk_hdr){ .type = type, .sector = sector };
    d->status[head] = 0xff; /* a request the device "finishes" without writing it counts as failed */
    bufs[0] = (struct vq_buf){ d->hdr_pa + (uint64_t)head * sizeof(struct disk_hdr), sizeof(struct disk_hdr), false };
    unsigned i = 1;
    for (uint32_t done = 0; done < bytes; i++) {
        uint32_t len = bytes - done < d->seg_bytes ? bytes - done : d->seg_bytes;
        bufs[i] = (struct vq_buf){ buf + done, len, type == VIRTIO_BLK_T_IN };
        done += len;
    }
    bufs[i] = (struct vq_buf){ d->status_pa + (uint64_t)head, 1, true };
    return vq_add(&d->vq, bufs, n);
}

void disk_kick(struct disk *d)
{
    if (vq_publish(&d->vq))
        vmmio_notify(&d->t, 0);
}

int disk_next_done(struct disk *d, int *status)
{
    uint32_t written;
    int tag = vq_next_used(&d->vq, &written);
    if (tag < 0)
        return tag;
    switch (d->status[tag]) {
    case VIRTIO_BLK_S_OK:
        *status = 0;
        break;
    case VIRTIO_BLK_S_UNSUPP:
        *status = -EOPNOTSUPP;
        break;
    default: /* IOERR, or no status written at all */
        *status = -EIO;
        break;
    }
    return tag;
}
