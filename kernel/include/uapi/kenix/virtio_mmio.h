/*
 * The virtio-mmio transport's registers and the bits every driver uses
 * (virtio 1.x, sections 2.1 and 4.2): one definition for the kernel's slot
 * discovery (kernel/dev/virtio_mmio.c), the block server (servers/blkdev)
 * and the entropy-device test driver (tests/guest/test_irq.c).
 */
#ifndef KENIX_UAPI_VIRTIO_MMIO_H
#define KENIX_UAPI_VIRTIO_MMIO_H

/* Register byte offsets; "legacy" ones exist in version 1 only, "modern" in 2. */
enum {
    VMMIO_MAGIC = 0x000,
    VMMIO_VERSION = 0x004,
    VMMIO_DEVICE_ID = 0x008,
    VMMIO_VENDOR_ID = 0x00c,
    VMMIO_DEVICE_FEATURES = 0x010,
    VMMIO_DEVICE_FEATURES_SEL = 0x014,
    VMMIO_DRIVER_FEATURES = 0x020,
    VMMIO_DRIVER_FEATURES_SEL = 0x024,
    VMMIO_GUEST_PAGE_SIZE = 0x028, /* legacy */
    VMMIO_QUEUE_SEL = 0x030,
    VMMIO_QUEUE_NUM_MAX = 0x034,
    VMMIO_QUEUE_NUM = 0x038,
    VMMIO_QUEUE_ALIGN = 0x03c,     /* legacy */
    VMMIO_QUEUE_PFN = 0x040,       /* legacy */
    VMMIO_QUEUE_READY = 0x044,     /* modern */
    VMMIO_QUEUE_NOTIFY = 0x050,
    VMMIO_INTERRUPT_STATUS = 0x060,
    VMMIO_INTERRUPT_ACK = 0x064,
    VMMIO_STATUS = 0x070,
    VMMIO_QUEUE_DESC_LOW = 0x080,  /* modern, to VMMIO_CONFIG_GENERATION */
    VMMIO_QUEUE_DESC_HIGH = 0x084,
    VMMIO_QUEUE_DRIVER_LOW = 0x090,
    VMMIO_QUEUE_DRIVER_HIGH = 0x094,
    VMMIO_QUEUE_DEVICE_LOW = 0x0a0,
    VMMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VMMIO_CONFIG_GENERATION = 0x0fc,
    VMMIO_CONFIG = 0x100,
};

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt", the Magic register's value */

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

/* Feature bits common to every device type. */
#define VIRTIO_F_VERSION_1 (1ull << 32)

/* InterruptStatus bits. */
#define VIRTIO_INT_USED_BUFFER 1u
#define VIRTIO_INT_CONFIG 2u

/* Split-ring descriptor flags. */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u /* the device writes this buffer */

#endif
