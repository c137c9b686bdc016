/*
 * Device access and interrupt delivery to user space, checked from inside
 * the guest by a tiny driver for the virtio entropy device (virtio-rng,
 * device id 4) on a virtio-mmio transport. It proves that:
 *
 *   1. a device region handle maps read+write and its registers work
 *      (magic "virt", device id 4, a legacy or modern transport set up);
 *   2. a KX_MEM_CONTIGUOUS memory object has a page-aligned physical address
 *      (kx_mem_phys) the device can DMA to: the virtqueue and the receive
 *      buffers live in such objects, and the device fills the buffers;
 *   3. the device's interrupt reaches user space as the bits bound with
 *      kx_irq_bind on a notification, is acknowledged with kx_irq_ack (the
 *      kernel masks the line when it fires) and is delivered again for a
 *      second request;
 *   4. misuse is refused: kx_irq_ack on a non-IRQ or unbound IRQ, kx_mem_phys
 *      on a device region or a scattered object, an executable mapping of a
 *      device region, binding an IRQ twice.
 *
 * Handles: run by /init, the program finds the device's registers at
 * KX_SLOT_DEVICE and its IRQ at KX_SLOT_DEVICE_IRQ. Run as process 1, it
 * takes them from the boot info. One line per check ("ok   ..." or
 * "FAIL ..."), then "N passed, N failed"; exit status 0 only if none failed.
 * Every wait is bounded (WAIT_NS), and the device is reset before exit so it
 * stops using memory that is about to be freed.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep under -std=c17 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kenix/kx.h>

#include "check.h"

#define VIRTIO_ID_ENTROPY 4
#define VIRTIO_MAGIC 0x74726976u /* "virt" */
#define SLOT_STRIDE 0x200        /* QEMU virt places virtio-mmio slots this far apart */
#define PAGE 4096u
#define WAIT_NS 2000000000ll     /* give up on an interrupt after 2 s */
#define IRQ_BITS (1ull << 5)     /* what the interrupt signals on the notification */
#define REQ_LEN 64u              /* bytes of entropy per request */

#include <kenix/virtio_mmio.h> /* registers and status bits */

#define VIRTIO_F_VERSION_1_HI 1u /* feature bit 32: bit 0 of the high word */
#define INT_USED_BUFFER 1u       /* InterruptStatus: the used ring was updated */

/* The split virtqueue, QSIZE entries, laid out as the legacy transport demands. */
#define QSIZE 8
#define QUEUE_ALIGN PAGE

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QSIZE];
    uint16_t used_event;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[QSIZE];
    uint16_t avail_event;
};

#define AVAIL_OFFSET (sizeof(struct virtq_desc) * QSIZE)
#define USED_OFFSET QUEUE_ALIGN /* the avail ring padded to QueueAlign */
#define QUEUE_BYTES (2 * PAGE)
_Static_assert(AVAIL_OFFSET + sizeof(struct virtq_avail) <= USED_OFFSET, "avail ring fits before the used ring");
_Static_assert(USED_OFFSET + sizeof(struct virtq_used) <= QUEUE_BYTES, "used ring fits the queue object");

/* The two receive buffers, in their own page: one per request, so both results stay to compare. */
#define BUF1_OFFSET 0u
#define BUF2_OFFSET 2048u

/* A check on a value, with what was got and expected on failure. */
static bool check_eq(long got, long want, const char *name)
{
    if (got == want)
        return check(true, name);
    return checkf(false, "%s: got %ld (0x%lx), want %ld", name, got, (unsigned long)got, want);
}

static void barrier(void)
{
    /* Orders our ring writes against the device's view (and its DMA against our reads). */
    __asm__ volatile("dmb sy" ::: "memory");
}

static volatile uint32_t *regs; /* this device's slot inside the mapped region */
static bool legacy;

static uint32_t rd(uint32_t off)
{
    return regs[off / 4];
}

static void wr(uint32_t off, uint32_t value)
{
    regs[off / 4] = value;
}

static volatile struct virtq_desc *desc;
static volatile struct virtq_avail *avail;
static volatile struct virtq_used *used;
static uint16_t used_seen; /* used->idx after the last request we collected */

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The handles this program drives the device with. */
struct device {
    kx_handle_t regs, irq;
    long slot_offset; /* offset of the slot in the region: known from the boot info, or -1 */
};

/* As process 1: the entropy device's entries in the boot info. */
static bool from_bootinfo(const struct kx_bootinfo *bi, struct device *d)
{
    d->regs = d->irq = 0;
    for (uint32_t i = 0; i < bi->count && i < KX_BOOTINFO_MAX; i++) {
        const struct kx_boot_handle *h = &bi->handles[i];
        if (h->device_id != VIRTIO_ID_ENTROPY)
            continue;
        if (h->type == KX_OBJ_DEVICE && !d->regs) {
            d->regs = h->handle;
            d->slot_offset = (long)(h->base & (PAGE - 1));
        } else if (h->type == KX_OBJ_IRQ && !d->irq) {
            d->irq = h->handle;
        }
    }
    return d->regs && d->irq;
}

/*
 * Run by init, the region's handle does not say where in the page the slot
 * is (several slots share a page): the slot is the one that answers "virt"
 * with device id 4.
 */
static long find_slot(uintptr_t base, uint64_t size)
{
    for (uint64_t off = 0; off + 0x100 <= size; off += SLOT_STRIDE) {
        volatile uint32_t *r = (volatile uint32_t *)(base + off);
        if (r[VMMIO_MAGIC / 4] == VIRTIO_MAGIC && r[VMMIO_DEVICE_ID / 4] == VIRTIO_ID_ENTROPY)
            return (long)off;
    }
    return -1;
}

/* Tells the device about the queue; returns false (and the device marked FAILED) if it refuses. */
static bool setup_device(uint64_t queue_phys)
{
    wr(VMMIO_STATUS, 0); /* reset: start from a known state */
    check_eq(rd(VMMIO_STATUS), 0, "device reset (Status reads 0)");
    wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(VMMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);

    /* virtio-rng has no device features; a modern device must be offered VERSION_1 back. */
    uint32_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
    if (legacy) {
        wr(VMMIO_DRIVER_FEATURES_SEL, 0);
        wr(VMMIO_DRIVER_FEATURES, 0);
        wr(VMMIO_GUEST_PAGE_SIZE, PAGE); /* before QueuePFN: the PFN is in these units */
    } else {
        wr(VMMIO_DEVICE_FEATURES_SEL, 1);
        uint32_t hi = rd(VMMIO_DEVICE_FEATURES);
        if (!check(hi & VIRTIO_F_VERSION_1_HI, "modern device offers VIRTIO_F_VERSION_1")) {
            wr(VMMIO_STATUS, status | VIRTIO_STATUS_FAILED);
            return false;
        }
        wr(VMMIO_DRIVER_FEATURES_SEL, 0);
        wr(VMMIO_DRIVER_FEATURES, 0);
        wr(VMMIO_DRIVER_FEATURES_SEL, 1);
        wr(VMMIO_DRIVER_FEATURES, VIRTIO_F_VERSION_1_HI);
        status |= VIRTIO_STATUS_FEATURES_OK;
        wr(VMMIO_STATUS, status);
        if (!check(rd(VMMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK, "device accepts the features (FEATURES_OK)")) {
            wr(VMMIO_STATUS, status | VIRTIO_STATUS_FAILED);
            return false;
        }
    }

    wr(VMMIO_QUEUE_SEL, 0);
    uint32_t in_use = legacy ? rd(VMMIO_QUEUE_PFN) : rd(VMMIO_QUEUE_READY);
    uint32_t max = rd(VMMIO_QUEUE_NUM_MAX);
    printf("test_irq: queue 0: at most %u entries, using %u\n", max, QSIZE);
    if (!check(in_use == 0 && max >= QSIZE, "queue 0 is free and holds the queue size")) {
        wr(VMMIO_STATUS, status | VIRTIO_STATUS_FAILED);
        return false;
    }
    wr(VMMIO_QUEUE_NUM, QSIZE);
    if (legacy) {
        wr(VMMIO_QUEUE_ALIGN, QUEUE_ALIGN);
        wr(VMMIO_QUEUE_PFN, (uint32_t)(queue_phys / PAGE));
    } else {
        uint64_t d = queue_phys, a = queue_phys + AVAIL_OFFSET, u = queue_phys + USED_OFFSET;
        wr(VMMIO_QUEUE_DESC_LOW, (uint32_t)d);
        wr(VMMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
        wr(VMMIO_QUEUE_DRIVER_LOW, (uint32_t)a);
        wr(VMMIO_QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
        wr(VMMIO_QUEUE_DEVICE_LOW, (uint32_t)u);
        wr(VMMIO_QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
        wr(VMMIO_QUEUE_READY, 1);
    }
    wr(VMMIO_STATUS, status | VIRTIO_STATUS_DRIVER_OK);
    uint32_t now = rd(VMMIO_STATUS);
    return check((now & VIRTIO_STATUS_DRIVER_OK) && !(now & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)),
                 "queue set up, device live (DRIVER_OK)");
}

/* Offers the device one writable buffer of `len` bytes at `phys`. */
static void submit(uint64_t phys, uint32_t len)
{
    uint16_t idx = avail->idx;
    uint16_t d = idx % QSIZE; /* one descriptor per request: slot idx is free again by now */
    desc[d].addr = phys;
    desc[d].len = len;
    desc[d].flags = VIRTQ_DESC_F_WRITE;
    desc[d].next = 0;
    avail->ring[idx % QSIZE] = d;
    barrier(); /* the descriptor and ring entry before the index that publishes them */
    avail->idx = (uint16_t)(idx + 1);
    barrier(); /* the index before the notification */
    wr(VMMIO_QUEUE_NOTIFY, 0);
}

/*
 * Waits (at most WAIT_NS) for the interrupt's bits on `n`. Polls rather than
 * blocks in kx_notify_wait, so a lost interrupt fails the test instead of
 * hanging it. Returns the bits, 0 on timeout (after saying what the device
 * did, to tell a silent device from an interrupt the kernel lost).
 */
static uint64_t wait_irq(kx_handle_t n)
{
    int64_t start = now_ns();
    for (;;) {
        uint64_t bits = 0;
        long err = kx_notify_poll(n, &bits);
        if (err < 0) {
            printf("test_irq: kx_notify_poll failed: %ld\n", err);
            return 0;
        }
        if (bits)
            return bits;
        if (now_ns() - start > WAIT_NS)
            break;
        struct timespec pause = { 0, 100000 }; /* 100 us */
        nanosleep(&pause, NULL);
    }
    barrier();
    printf("test_irq: no interrupt within %lld ms: InterruptStatus 0x%x, Status 0x%x, used idx %u (was %u), "
           "avail idx %u\n",
           WAIT_NS / 1000000, rd(VMMIO_INTERRUPT_STATUS), rd(VMMIO_STATUS), used->idx, used_seen, avail->idx);
    return 0;
}

/*
 * One request, start to finish: submit, wait for the interrupt, acknowledge it
 * at the device and in the kernel, collect the used entry. `which` names the
 * request in the check lines. Returns the bytes written (0 if it failed).
 */
static uint32_t request(kx_handle_t irq, kx_handle_t n, uint64_t phys, const char *which)
{
    char name[128];
    submit(phys, REQ_LEN);

    uint64_t bits = wait_irq(n);
    snprintf(name, sizeof(name), "%s request: interrupt delivered as the bound notification bits", which);
    if (!check_eq((long)bits, (long)IRQ_BITS, name))
        return 0;

    /* Quiet the device first, then let the kernel unmask the line. */
    uint32_t isr = rd(VMMIO_INTERRUPT_STATUS);
    wr(VMMIO_INTERRUPT_ACK, isr);
    snprintf(name, sizeof(name), "%s request: InterruptStatus says used buffer, acknowledged", which);
    check_eq(isr & INT_USED_BUFFER, INT_USED_BUFFER, name);
    snprintf(name, sizeof(name), "%s request: kx_irq_ack", which);
    check_eq(kx_irq_ack(irq), 0, name);

    barrier(); /* the device's used ring and buffer writes before we read them */
    uint16_t idx = used->idx;
    snprintf(name, sizeof(name), "%s request: used ring advanced by one", which);
    if (!check_eq((uint16_t)(idx - used_seen), 1, name))
        return 0;
    uint32_t id = used->ring[used_seen % QSIZE].id, len = used->ring[used_seen % QSIZE].len;
    used_seen = idx;
    snprintf(name, sizeof(name), "%s request: used entry names our descriptor, 0 < len <= %u", which, REQ_LEN);
    bool ok = id == (uint32_t)((uint16_t)(avail->idx - 1) % QSIZE) && len > 0 && len <= REQ_LEN;
    if (!ok)
        printf("test_irq: used entry id %u len %u\n", id, len);
    return check(ok, name) ? len : 0;
}

static bool all_zero(const volatile uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        if (p[i])
            return false;
    return true;
}

/* Misuse the kernel must refuse (the IRQ not bound yet). */
static void misuse_before_bind(const struct device *d)
{
    check_eq(kx_irq_ack(d->regs), -EINVAL, "kx_irq_ack on a device region: EINVAL");
    check_eq(kx_irq_ack(d->irq), -EINVAL, "kx_irq_ack on an IRQ not bound yet: EINVAL");
    check_eq(kx_mem_phys(d->regs), -EINVAL, "kx_mem_phys on a device region: EINVAL");
    check_eq(kx_mem_map(d->regs, 0, PAGE, KX_PROT_READ | KX_PROT_EXEC), -EPERM,
             "mapping a device region executable: EPERM");
    long scattered = kx_mem_create(2 * PAGE, 0);
    if (check(scattered > 0, "kx_mem_create (not contiguous)")) {
        check_eq(kx_mem_phys((kx_handle_t)scattered), -EINVAL, "kx_mem_phys on a non-contiguous object: EINVAL");
        kx_handle_close((kx_handle_t)scattered);
    }
}

/* The checks that need the device; returns early when one makes the rest meaningless. */
static void run(const struct device *d)
{
    struct kx_handle_info info;
    long err = kx_handle_info(d->regs, &info);
    if (!check(err == 0 && info.type == KX_OBJ_DEVICE && info.size >= PAGE,
               "device handle: KX_OBJ_DEVICE, at least a page"))
        return;
    err = kx_handle_info(d->irq, &info);
    if (!check(err == 0 && info.type == KX_OBJ_IRQ, "IRQ handle: KX_OBJ_IRQ"))
        return;
    if (kx_handle_info(d->regs, &info))
        return;

    long base = kx_mem_map(d->regs, 0, info.size, KX_PROT_READ | KX_PROT_WRITE);
    if (!check(base > 0, "device region maps read+write"))
        return;
    long off = d->slot_offset >= 0 ? d->slot_offset : find_slot((uintptr_t)base, info.size);
    if (!check(off >= 0 && (uint64_t)off + 0x100 <= info.size, "entropy device's slot found in the region"))
        return;
    regs = (volatile uint32_t *)((uintptr_t)base + (uintptr_t)off);
    check_eq(rd(VMMIO_MAGIC), VIRTIO_MAGIC, "MagicValue is \"virt\"");
    if (!check_eq(rd(VMMIO_DEVICE_ID), VIRTIO_ID_ENTROPY, "DeviceID is 4 (entropy source)"))
        return;
    uint32_t version = rd(VMMIO_VERSION);
    legacy = version == 1;
    printf("test_irq: registers at offset 0x%lx of the region (%s), version %u (%s), vendor 0x%x\n", off,
           d->slot_offset >= 0 ? "from the boot info" : "found by scanning", version,
           legacy ? "legacy" : "modern", rd(VMMIO_VENDOR_ID));
    if (!check(version == 1 || version == 2, "transport version 1 (legacy) or 2 (modern)"))
        return;

    /* DMA memory: the queue (two pages) and a page for the receive buffers. */
    long q = kx_mem_create(QUEUE_BYTES, KX_MEM_CONTIGUOUS), b = kx_mem_create(PAGE, KX_MEM_CONTIGUOUS);
    if (!check(q > 0 && b > 0, "kx_mem_create (contiguous) for the queue and buffers"))
        return;
    long qphys = kx_mem_phys((kx_handle_t)q), bphys = kx_mem_phys((kx_handle_t)b);
    if (!check(qphys > 0 && bphys > 0 && !(qphys & (PAGE - 1)) && !(bphys & (PAGE - 1)),
               "kx_mem_phys: page-aligned, non-zero physical addresses"))
        return;
    long qva = kx_mem_map((kx_handle_t)q, 0, QUEUE_BYTES, KX_PROT_READ | KX_PROT_WRITE);
    long bva = kx_mem_map((kx_handle_t)b, 0, PAGE, KX_PROT_READ | KX_PROT_WRITE);
    if (!check(qva > 0 && bva > 0, "the DMA objects map read+write"))
        return;
    desc = (volatile struct virtq_desc *)qva;
    avail = (volatile struct virtq_avail *)(qva + AVAIL_OFFSET);
    used = (volatile struct virtq_used *)(qva + USED_OFFSET);
    const volatile uint8_t *buf1 = (const volatile uint8_t *)(bva + BUF1_OFFSET);
    const volatile uint8_t *buf2 = (const volatile uint8_t *)(bva + BUF2_OFFSET);

    /* The interrupt first, so the device's first completion cannot be missed. */
    misuse_before_bind(d);
    long n = kx_notify_create();
    if (!check(n > 0, "kx_notify_create"))
        return;
    if (!check_eq(kx_irq_bind(d->irq, (kx_handle_t)n, IRQ_BITS), 0, "kx_irq_bind to the notification"))
        return;
    check_eq(kx_irq_bind(d->irq, (kx_handle_t)n, IRQ_BITS), -EBUSY, "kx_irq_bind of a bound IRQ: EBUSY");

    if (!setup_device((uint64_t)qphys))
        goto reset;

    uint32_t len1 = request(d->irq, (kx_handle_t)n, (uint64_t)bphys + BUF1_OFFSET, "first");
    if (!len1)
        goto reset;
    check(!all_zero(buf1, len1), "first request: the device wrote entropy (not all zero)");

    /* Acknowledged, the line is quiet: nothing may be pending before the next request. */
    uint64_t bits = 0;
    check(kx_notify_poll((kx_handle_t)n, &bits) == 0 && bits == 0, "no interrupt pending between requests");

    uint32_t len2 = request(d->irq, (kx_handle_t)n, (uint64_t)bphys + BUF2_OFFSET, "second");
    if (!len2)
        goto reset;
    uint32_t common = len1 < len2 ? len1 : len2;
    bool same = true;
    for (uint32_t i = 0; i < common; i++)
        same &= buf1[i] == buf2[i];
    check(!same, "second request: different bytes from the first");

    /* A driver that goes away with a request in flight: its notification
     * ends (the binding with it) and then the device completes, so the
     * completion asserts a line nobody has. The next binding enables the
     * line and the interrupt fires at once; it must find the binding whole
     * (this panicked the kernel once). */
    kx_handle_close((kx_handle_t)n); /* the driver is gone... */
    submit((uint64_t)bphys + BUF1_OFFSET, REQ_LEN); /* ...and its last request completes */
    uint64_t first = IRQ_BITS;
    for (int i = 0; i < 200 && used->idx == used_seen; i++) {
        struct timespec pause = { 0, 1000000 };
        nanosleep(&pause, NULL);
    }
    long n2 = kx_notify_create();
    long rebind = kx_irq_bind(d->irq, (kx_handle_t)n2, IRQ_BITS);
    uint64_t pending = wait_irq((kx_handle_t)n2);
    checkf(first == IRQ_BITS && rebind == 0 && pending == IRQ_BITS,
           "a completion left pending by a binding that went: the next binding gets it, the kernel carries on "
           "(%#llx, %ld, %#llx)", (unsigned long long)first, rebind, (unsigned long long)pending);
    uint32_t isr = rd(VMMIO_INTERRUPT_STATUS);
    wr(VMMIO_INTERRUPT_ACK, isr);
    check_eq(kx_irq_ack(d->irq), 0, "and acknowledges it");
    used_seen = used->idx;

reset:
    /* Stop the device before the queue memory goes back to the kernel. */
    wr(VMMIO_STATUS, 0);
    check(rd(VMMIO_STATUS) == 0 && (legacy ? rd(VMMIO_QUEUE_PFN) == 0 : rd(VMMIO_QUEUE_READY) == 0),
          "device reset at the end (Status 0, queue released)");
}

int main(void)
{
    /* Line-buffered, so the kernel's own console messages fall between whole lines. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_irq: start\n");
    struct device d = { .regs = KX_SLOT_DEVICE, .irq = KX_SLOT_DEVICE_IRQ, .slot_offset = -1 };
    const struct kx_bootinfo *bi = kx_bootinfo();
    if (bi) {
        if (check(from_bootinfo(bi, &d), "entropy device and its IRQ in the boot info"))
            run(&d);
    } else {
        run(&d);
    }
    return check_summary();
}
