/*
 * The block device server (/sbin/blkdev): a virtio-blk disk on a
 * virtio-mmio transport, served by the block protocol (<kenix/blk.h>).
 *
 * Whoever starts it gives it three handles: the device's registers at
 * KX_SLOT_DEVICE (READ|WRITE), its interrupt at KX_SLOT_DEVICE_IRQ (WRITE)
 * and the receive side of its endpoint at KX_SLOT_SERVER_ENDPOINT; clients
 * get send handles to that endpoint from the same hand. On QEMU's virt
 * machine one device region is a page holding eight virtio-mmio slots: argv[1],
 * if given, is the device's physical address (the boot info's base), which
 * names the slot; without it blkdev takes the first virtio-blk slot in the
 * region.
 *
 * One notification, bound to the endpoint, brings the device's interrupt
 * and cancelled calls into the same receive loop as the calls themselves,
 * so the server never blocks anywhere but in kx_recv.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <kenix/blk.h>
#include <kenix/kx.h>

#include "blk.h"
#include "disk.h"

#define NOTE_IRQ 1ull
#define PAGE 4096u

static struct disk disk;

/* Asked to end (a shutdown's SIGTERM): the device must stop using our
 * memory before the process goes and the kernel hands its pages to others.
 * Held callers then get -EPIPE. (SIGKILL cannot be caught: a killed blkdev
 * leaves the device set up but idle, as nothing notifies it; the next
 * driver resets it first.) */
static void on_terminate(int sig)
{
    (void)sig;
    if (disk.t.regs)
        vmmio_reset(&disk.t);
    _exit(0);
}

static int fail(const char *what, long err)
{
    printf("blkdev: %s: error %ld\n", what, -err);
    return 1;
}

static void take_cancels(void)
{
    kx_handle_t out[16];
    long n;
    do {
        n = kx_reply_cancelled(out, 16);
        for (long i = 0; i < n; i++)
            blk_cancelled(out[i]);
    } while (n == 16);
}

/* argv[1]: the device's physical address, which also names its slot in the page. */
static int parse_address(int argc, char **argv, uint64_t *phys, long *slot)
{
    *phys = 0;
    *slot = -1;
    if (argc < 2)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(argv[1], &end, 0);
    if (errno || end == argv[1] || *end || v == 0) {
        printf("blkdev: \"%s\" is not the device's physical address\n", argv[1]);
        return -1;
    }
    *phys = v;
    *slot = (long)(v & (PAGE - 1));
    return 0;
}

static void announce(void)
{
    unsigned long long sectors = (unsigned long long)disk.capacity;
    char where[48];
    if (disk.phys)
        snprintf(where, sizeof(where), "0x%llx", (unsigned long long)disk.phys);
    else
        snprintf(where, sizeof(where), "offset 0x%lx of its region",
                 (unsigned long)((uintptr_t)disk.t.regs & (PAGE - 1)));
    printf("blkdev: virtio-blk %s at %s, %llu sectors (%llu MiB)%s\n", disk.t.legacy ? "legacy" : "modern", where,
           sectors, sectors / 2048, disk.ro ? ", read-only" : "");
}

static void serve(void)
{
    static struct blk_req rx[BLK_IO_MAX]; /* a BLK_IO's array arrives here */
    for (;;) {
        struct kx_msg msg = { 0 };
        struct kx_xfer x = { .recv = rx, .recv_cap = sizeof(rx), .recv_handles_cap = 1 };
        uint64_t badge = 0;
        long err = kx_recv(KX_SLOT_SERVER_ENDPOINT, &msg, &x, &badge);
        if (err == -EINTR)
            continue;
        if (err < 0) {
            fail("receive failed", err);
            return;
        }
        if (msg.label & KX_MSG_NOTIFY) {
            if (msg.w[0] & NOTE_IRQ) {
                blk_interrupt();
                /* The device is quiet (its interrupt acknowledged, its used
                 * ring drained): the kernel may unmask the line. */
                err = kx_irq_ack(KX_SLOT_DEVICE_IRQ);
                if (err)
                    fail("cannot acknowledge the interrupt", err);
            }
            if (msg.w[0] & KX_NOTE_CANCEL)
                take_cancels();
            continue;
        }
        enum blk_result r = blk_call(badge, &msg, rx, x.recv_len, (msg.label & KX_MSG_TRUNCATED) != 0, x.recv_handles,
                                     x.recv_handles_n, (msg.label & KX_MSG_HANDLES_DROPPED) != 0);
        if (r == BLK_ANSWER)
            kx_reply(0, &msg, NULL); /* a caller killed meanwhile: the answer goes nowhere, fine */
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t phys;
    long slot;
    if (parse_address(argc, argv, &phys, &slot))
        return 2;
    struct kx_handle_info info;
    long err = kx_handle_info(KX_SLOT_DEVICE, &info);
    if (!err && info.type != KX_OBJ_DEVICE)
        err = -EINVAL;
    if (err)
        return fail("no device region at KX_SLOT_DEVICE", err);
    /* Ours for the server's life: the registers stay mapped until exit. */
    long base = kx_mem_map(KX_SLOT_DEVICE, 0, info.size, KX_PROT_READ | KX_PROT_WRITE);
    if (base < 0)
        return fail("cannot map the device region", base);
    const char *why;
    long off = vmmio_find((uintptr_t)base, info.size, slot, VIRTIO_ID_BLOCK, &why);
    if (off < 0) {
        printf("blkdev: no virtio-blk device at %s: %s\n", slot >= 0 ? argv[1] : "the device region", why);
        return 1;
    }

    /* The interrupt before the device can raise one. */
    long note = kx_notify_create();
    if (note < 0)
        return fail("no notification", note);
    err = kx_endpoint_bind(KX_SLOT_SERVER_ENDPOINT, (kx_handle_t)note);
    if (err)
        return fail("cannot bind a notification to the endpoint", err);
    err = kx_irq_bind(KX_SLOT_DEVICE_IRQ, (kx_handle_t)note, NOTE_IRQ);
    if (err)
        return fail("cannot bind the interrupt", err);

    struct sigaction sa = { .sa_handler = on_terminate };
    sigfillset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (disk_start(&disk, (volatile void *)(uintptr_t)(base + off), phys))
        return 1; /* disk_start said why */
    announce();
    blk_init(&disk);
    serve();
    /* Stop the device before our DMA memory goes with the process. */
    vmmio_reset(&disk.t);
    return 1;
}
