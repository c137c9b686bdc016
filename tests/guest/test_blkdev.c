/*
 * The block device server (/sbin/blkdev) and its protocol (<kenix/blk.h>),
 * end to end on QEMU's virtio-blk disk (build/images/disk.img: 64 MiB of
 * FAT32, attached with snapshot=on, so writes never reach the image).
 *
 * The program starts blkdev itself, from the file system, handing on the
 * disk's registers and interrupt and the receive side of a new endpoint,
 * then talks to it as a client:
 *
 *   - blkdev pointed at a slot of the region that is not the disk refuses it;
 *   - BLK_INFO: the capacity is the image's, 512-byte blocks, writable;
 *   - BLK_ATTACH refuses what is not a contiguous read-write memory object
 *     and takes a 4 MiB pool; BLK_IO before that is refused;
 *   - sector 0 reads into the pool and is a FAT32 boot sector;
 *   - a pattern written to the end of the disk reads back, and the old
 *     contents are put back; BLK_FLUSH answers 0;
 *   - a batch of 16 scattered reads equals 16 single reads;
 *   - bad requests (out of range, overflowing, beyond the pool, unaligned,
 *     count 0, unknown op) are refused one by one while the good ones in the
 *     same batch succeed; malformed calls (too many requests, no array, a
 *     torn array, an unknown label) are refused and blkdev serves on;
 *   - three helper clients (this program with --helper, each with its own
 *     badge and pool) and the test keep the queue full at once: calls wait
 *     for room, and every one completes with the right data;
 *   - calls interrupted by a timer signal (while the helpers run) are
 *     answered whole, or -EINTR with nothing done;
 *   - sequential read throughput (4 MiB in 64 KiB requests) is printed,
 *     never judged;
 *   - blkdev killed with SIGKILL: the next call fails (-EPIPE) at once;
 *   - a second blkdev takes over the disk the killed one left live, and
 *     ends cleanly on SIGTERM.
 *
 * Handles. Run by /init, the disk's registers and interrupt are at
 * KX_SLOT_DEVICE and KX_SLOT_DEVICE_IRQ (init's drivers[] table) and must
 * carry KX_RIGHT_TRANSFER to be handed to blkdev. Run as process 1
 * (kenix.init=/bin/test_blkdev: init execs it, and it keeps init's boot
 * handles, which carry every right, but not the boot info), it finds them
 * among its handles (find_device). Either way the device's physical address
 * is not known here, so blkdev finds the disk's slot in the region itself;
 * blkdev told (argv[1]) that the disk is at another slot must refuse.
 * One line per check, then "N passed, N failed"; exit status 0 only if none
 * failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <kenix/blk.h>
#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define SELF "/bin/test_blkdev"
#define VIRTIO_ID_BLOCK 2u
#define DISK_BYTES (64ull << 20) /* cmake/Images.cmake: the FAT32 image */
#define DISK_SECTORS (DISK_BYTES / BLK_SECTOR)
#define POOL_BYTES (4u << 20)
#define HELPER_POOL_BYTES (1u << 20)
#define HELPERS 3
#define HELPER_PASSES 32
#define HELPER_EP_SLOT 5 /* where a helper finds its (badged) send handle */
#define KiB 1024u

extern char **environ;

/* Pool layout of the checks (bytes). */
#define AT_BOOT 0u             /* sector 0 */
#define AT_SAVED (64 * KiB)    /* the end of the disk, as it was: 128 KiB */
#define AT_PATTERN (192 * KiB) /* what is written there: 128 KiB */
#define AT_BACK (320 * KiB)    /* read back: 128 KiB */
#define AT_BATCH (448 * KiB)   /* 16 x 4 KiB */
#define AT_SINGLE (512 * KiB)  /* 16 x 4 KiB */
#define TAIL_SECTORS 256u      /* the range written near the end of the disk */

struct device {
    kx_handle_t regs, irq;
    uint64_t size; /* of the region */
    long slot;     /* the disk's slot: its offset in the region */
};

static kx_handle_t ep;   /* our send handle to blkdev */
static uint8_t *pool;    /* our mapping of the pool we attached */
static uint64_t capacity;

/* --- calls ------------------------------------------------------------------------------ */

/* kx_call's error, else the answer's w0. */
static long result(long err, const struct kx_msg *m)
{
    return err ? err : (long)(int64_t)m->w[0];
}

static long info(kx_handle_t to, struct kx_msg *m)
{
    *m = (struct kx_msg){ .label = BLK_INFO };
    return result(kx_call(to, m, NULL), m);
}

static long attach(kx_handle_t to, const kx_handle_t *h, unsigned n)
{
    struct kx_msg m = { .label = BLK_ATTACH };
    struct kx_xfer x = { .send_handles_n = n };
    for (unsigned i = 0; i < n; i++)
        x.send_handles[i] = h[i];
    return result(kx_call(to, &m, &x), &m);
}

/* BLK_IO with `len` bytes of `reqs` sent; the answer's array lands in reqs
 * (room for `cap` bytes); *got: bytes of it received. */
static long io_raw(kx_handle_t to, struct blk_req *reqs, size_t len, size_t cap, uint64_t *got)
{
    struct kx_msg m = { .label = BLK_IO };
    struct kx_xfer x = { .send = reqs, .send_len = len, .recv = reqs, .recv_cap = cap };
    long r = result(kx_call(to, &m, &x), &m);
    if (got)
        *got = x.recv_len;
    return r;
}

static long io(kx_handle_t to, struct blk_req *reqs, unsigned n)
{
    return io_raw(to, reqs, n * sizeof(*reqs), n * sizeof(*reqs), NULL);
}

static struct blk_req req(uint32_t op, uint64_t sector, uint32_t count, uint64_t offset)
{
    return (struct blk_req){ .op = op, .sector = sector, .count = count, .pool_offset = offset, .status = 12345 };
}

static long one(uint32_t op, uint64_t sector, uint32_t count, uint64_t offset)
{
    struct blk_req r = req(op, sector, count, offset);
    long w0 = io(ep, &r, 1);
    return w0 ? w0 : r.status;
}

static long flush(kx_handle_t to)
{
    struct kx_msg m = { .label = BLK_FLUSH };
    return result(kx_call(to, &m, NULL), &m);
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* A 4 MiB contiguous pool, mapped; returns its handle (or -errno). */
static long make_pool(uint64_t size, uint8_t **va)
{
    long h = kx_mem_create(size, KX_MEM_CONTIGUOUS);
    long m = h < 0 ? h : kx_mem_map((kx_handle_t)h, 0, size, KX_PROT_READ | KX_PROT_WRITE);
    if (m < 0)
        return m;
    *va = (uint8_t *)m;
    return h;
}

/* --- the helpers: more clients at once ------------------------------------------------- */

/*
 * A helper (this program with --helper N): a client with its own badge and
 * pool, which keeps the device busy with long calls: 32 requests of 1 MiB,
 * each reading the first MiB of the disk into the first MiB of its pool (the
 * same bytes from every request, so they may overlap), HELPER_PASSES times;
 * each pass must leave the same bytes as the first. Prints only what fails;
 * exits 0 if nothing did.
 */
static int helper(int id)
{
    checks_quiet = true;
    kx_handle_t to = HELPER_EP_SLOT;
    uint8_t *p;
    long h = make_pool(HELPER_POOL_BYTES, &p);
    static uint8_t first[HELPER_POOL_BYTES];
    if (h < 0 || attach(to, (kx_handle_t *)&h, 1) != 0) {
        printf("test_blkdev helper %d: no pool (%ld)\n", id, h);
        return 1;
    }
    for (int pass = 0; pass < HELPER_PASSES; pass++) {
        struct blk_req r[BLK_IO_MAX];
        for (unsigned i = 0; i < BLK_IO_MAX; i++)
            r[i] = req(BLK_OP_READ, 0, HELPER_POOL_BYTES / BLK_SECTOR, 0);
        memset(p, 0xee, HELPER_POOL_BYTES);
        long w0 = io(to, r, BLK_IO_MAX);
        bool ok = w0 == 0;
        for (unsigned i = 0; i < BLK_IO_MAX; i++)
            ok &= r[i].status == 0;
        if (!ok) {
            printf("test_blkdev helper %d: pass %d: w0 %ld, status[0] %d\n", id, pass, w0, r[0].status);
            return 1;
        }
        if (pass == 0)
            memcpy(first, p, sizeof(first));
        else if (memcmp(first, p, sizeof(first))) {
            printf("test_blkdev helper %d: pass %d read other bytes than pass 0\n", id, pass);
            return 1;
        }
    }
    return 0;
}

/* --- starting blkdev -------------------------------------------------------------------- */

/* The offset of the virtio-blk slot in a device region, or -1 (mapped for a look, then let go). */
static long disk_slot(kx_handle_t h, uint64_t size)
{
    long va = kx_mem_map(h, 0, size, KX_PROT_READ);
    if (va < 0)
        return -1;
    long found = -1;
    for (uint64_t off = 0; off + 0x100 <= size && found < 0; off += 0x200) {
        volatile const uint32_t *r = (volatile const uint32_t *)(va + (long)off);
        if (r[0] == 0x74726976u /* "virt" */ && r[2] == VIRTIO_ID_BLOCK)
            found = (long)off;
    }
    munmap((void *)va, size);
    return found;
}

/*
 * The disk's handles. Run by init: KX_SLOT_DEVICE and KX_SLOT_DEVICE_IRQ.
 * As process 1 (init exec'd us: the boot info's page went with its address
 * space, its handles stayed): the device region that holds a virtio-blk
 * slot, and the IRQ the kernel installed right after it (init.c in the
 * kernel gives each virtio device's region, then its IRQ).
 */
static bool find_device(struct device *d)
{
    bool process1 = getpid() == 1;
    *d = (struct device){ .regs = KX_SLOT_DEVICE, .irq = KX_SLOT_DEVICE_IRQ, .slot = -1 };
    struct kx_handle_info ri = { 0 }, ii = { 0 };
    if (process1) {
        d->regs = d->irq = 0;
        for (kx_handle_t h = 1; h < 256 && !d->regs; h++)
            if (kx_handle_info(h, &ri) == 0 && ri.type == KX_OBJ_DEVICE && disk_slot(h, ri.size) >= 0) {
                d->regs = h;
                d->irq = h + 1;
            }
    }
    bool there = d->regs && kx_handle_info(d->regs, &ri) == 0 && kx_handle_info(d->irq, &ii) == 0 &&
                 ri.type == KX_OBJ_DEVICE && ii.type == KX_OBJ_IRQ && (d->slot = disk_slot(d->regs, ri.size)) >= 0;
    d->size = ri.size;
    if (!checkf(there, "the virtio-blk device's registers and interrupt (%s)",
                process1 ? "process 1: among the boot handles" : "from init"))
        return false;
    bool pass_on = (ri.rights & ii.rights & KX_RIGHT_TRANSFER) != 0;
    if (!pass_on)
        printf("test_blkdev: the handles' rights are 0x%x and 0x%x: without KX_RIGHT_TRANSFER they cannot be "
               "given to /sbin/blkdev (init's add_device() must grant it)\n", ri.rights, ii.rights);
    return check(pass_on, "the device's handles may be handed on (KX_RIGHT_TRANSFER)");
}

/* Spawns /sbin/blkdev with the device and a new endpoint (and `address` as
 * argv[1], if not NULL); returns its process handle and leaves our send-only
 * handle in `ep` (blkdev holds the only receive right, so its death is seen
 * as -EPIPE). */
static long start_blkdev(const struct device *d, const char *address)
{
    long e = kx_endpoint_create();
    if (e < 0)
        return e;
    char *argv[] = { "/sbin/blkdev", (char *)address, NULL };
    long proc = kx_spawn(NULL, "/sbin/blkdev", argv, environ);
    long err = proc;
    if (err >= 0)
        err = kx_process_give((kx_handle_t)proc, d->regs, KX_RIGHT_READ | KX_RIGHT_WRITE, KX_SLOT_DEVICE);
    if (err >= 0)
        err = kx_process_give((kx_handle_t)proc, d->irq, KX_RIGHT_WRITE, KX_SLOT_DEVICE_IRQ);
    if (err >= 0)
        err = kx_process_give((kx_handle_t)proc, (kx_handle_t)e, KX_RIGHT_RECV, KX_SLOT_SERVER_ENDPOINT);
    /* Its messages on our console, not only in the kernel log. */
    if (err >= 0)
        err = kx_process_give_fd((kx_handle_t)proc, 1, 1);
    if (err >= 0)
        err = kx_process_give_fd((kx_handle_t)proc, 2, 2);
    if (err >= 0)
        err = kx_process_start((kx_handle_t)proc);
    long send = err >= 0 ? kx_handle_dup((kx_handle_t)e, KX_RIGHT_SEND | KX_RIGHT_DUP | KX_RIGHT_TRANSFER) : err;
    kx_handle_close((kx_handle_t)e);
    if (send < 0) {
        if (proc >= 0)
            kx_handle_close((kx_handle_t)proc);
        return send;
    }
    ep = (kx_handle_t)send;
    return proc;
}

/* Starts a helper with a send handle minted with its own badge. */
static long start_helper(int id)
{
    char num[8];
    snprintf(num, sizeof(num), "%d", id);
    char *argv[] = { SELF, "--helper", num, NULL };
    long h = kx_endpoint_mint(ep, KX_RIGHT_SEND | KX_RIGHT_TRANSFER, 100u + (uint64_t)id);
    if (h < 0)
        return h;
    long proc = kx_spawn(NULL, SELF, argv, environ);
    long err = proc;
    if (err >= 0)
        err = kx_process_give((kx_handle_t)proc, (kx_handle_t)h, KX_RIGHT_SEND, HELPER_EP_SLOT);
    if (err >= 0)
        err = kx_process_give_fd((kx_handle_t)proc, 1, 1);
    if (err >= 0)
        err = kx_process_start((kx_handle_t)proc);
    kx_handle_close((kx_handle_t)h);
    if (err < 0 && proc >= 0)
        kx_handle_close((kx_handle_t)proc);
    return err < 0 ? err : proc;
}

/* --- the checks ------------------------------------------------------------------------- */

/* blkdev told the disk is in another slot of the region (argv[1] names the
 * slot by the low bits of an address) must check and refuse, not drive it. */
static void check_wrong_slot(const struct device *d)
{
    char address[32];
    long other = (long)((d->slot + 0x200) % (long)d->size);
    snprintf(address, sizeof(address), "0x%lx", 0x10000000l + other);
    long proc = start_blkdev(d, address);
    long st = proc > 0 ? kx_process_wait((kx_handle_t)proc) : proc;
    struct kx_msg m;
    long r = proc > 0 ? info(ep, &m) : 0;
    checkf(st == 0x100 && (r == -EPIPE || r == -EIO),
           "blkdev pointed at slot 0x%lx (not the disk, at 0x%lx) refuses it: exit status 1 (0x%lx), calls fail (%ld)",
           other, d->slot, st, r);
    if (proc > 0) {
        kx_handle_close((kx_handle_t)proc);
        kx_handle_close(ep);
    }
}

static bool check_info(long *server_pid)
{
    struct kx_msg m;
    long r = info(ep, &m);
    if (!checkf(r == 0, "BLK_INFO answers 0 (%ld)", r))
        return false;
    capacity = m.w[1];
    checkf(capacity == DISK_SECTORS, "BLK_INFO: %llu sectors, the 64 MiB image (%llu)", (unsigned long long)capacity,
           (unsigned long long)DISK_SECTORS);
    checkf(m.w[2] == 512, "BLK_INFO: logical block size 512 (%llu)", (unsigned long long)m.w[2]);
    checkf(!(m.w[3] & BLK_F_RO) && !(m.w[3] & ~(uint64_t)(BLK_F_RO | BLK_F_FLUSH)),
           "BLK_INFO: writable, no unknown flags (flags 0x%llx: %s)", (unsigned long long)m.w[3],
           m.w[3] & BLK_F_FLUSH ? "write cache, BLK_FLUSH flushes" : "no write cache");
    *server_pid = (long)m.w[4];
    return checkf(*server_pid > 1, "BLK_INFO: the server's pid (%ld)", *server_pid) && capacity == DISK_SECTORS;
}

static bool check_attach(long *pool_handle)
{
    struct blk_req r = req(BLK_OP_READ, 0, 1, 0);
    checkf(io(ep, &r, 1) == -EINVAL, "BLK_IO before any BLK_ATTACH: EINVAL");

    checkf(attach(ep, NULL, 0) == -EINVAL, "BLK_ATTACH without a handle: EINVAL");
    long scattered = kx_mem_create(64 * KiB, 0);
    checkf(scattered > 0 && attach(ep, (kx_handle_t *)&scattered, 1) == -EINVAL,
           "BLK_ATTACH of a memory object that is not contiguous: EINVAL");
    long note = kx_notify_create();
    checkf(note > 0 && attach(ep, (kx_handle_t *)&note, 1) == -EINVAL, "BLK_ATTACH of a notification: EINVAL");
    long small = kx_mem_create(64 * KiB, KX_MEM_CONTIGUOUS);
    long ro = small > 0 ? kx_handle_dup((kx_handle_t)small, KX_RIGHT_READ | KX_RIGHT_TRANSFER) : small;
    checkf(ro > 0 && attach(ep, (kx_handle_t *)&ro, 1) == -EPERM, "BLK_ATTACH of a read-only handle: EPERM");
    kx_handle_t two[2] = { (kx_handle_t)small, (kx_handle_t)note };
    checkf(attach(ep, two, 2) == -EINVAL, "BLK_ATTACH with two handles: EINVAL");
    kx_handle_close((kx_handle_t)scattered);
    kx_handle_close((kx_handle_t)note);
    kx_handle_close((kx_handle_t)small);
    kx_handle_close((kx_handle_t)ro);

    long h = make_pool(POOL_BYTES, &pool);
    if (!checkf(h > 0, "a 4 MiB contiguous pool (%ld)", h))
        return false;
    *pool_handle = h;
    long a = attach(ep, (kx_handle_t *)&h, 1);
    return checkf(a == 0, "BLK_ATTACH of the pool: 0 (%ld)", a);
}

static void check_boot_sector(void)
{
    memset(pool + AT_BOOT, 0xee, BLK_SECTOR);
    long r = one(BLK_OP_READ, 0, 1, AT_BOOT);
    const uint8_t *s = pool + AT_BOOT;
    checkf(r == 0, "sector 0 read into the pool by DMA (%ld)", r);
    checkf(s[510] == 0x55 && s[511] == 0xaa, "sector 0 ends with the boot signature 55 aa (%02x %02x)", s[510],
           s[511]);
    checkf(!memcmp(s + 82, "FAT32", 5), "sector 0 says FAT32 at byte 82 (\"%.8s\")", (const char *)s + 82);
}

static void fill_pattern(uint8_t *p, uint64_t first_sector, unsigned sectors)
{
    for (unsigned s = 0; s < sectors; s++) {
        uint8_t *sec = p + (size_t)s * BLK_SECTOR;
        uint64_t n = first_sector + s;
        memcpy(sec, &n, sizeof(n)); /* a misplaced sector shows */
        for (unsigned i = sizeof(n); i < BLK_SECTOR; i++)
            sec[i] = (uint8_t)(n * 31 + i * 7 + 0x5a);
    }
}

static void check_write(void)
{
    uint64_t at = capacity - 2048; /* the last MiB: the FAT32 files are at the start */
    struct blk_req r[4];
    /* Keep what is there, to put it back: other tests may read the disk after this one. */
    for (unsigned i = 0; i < 4; i++)
        r[i] = req(BLK_OP_READ, at + i * 64u, 64, AT_SAVED + i * 32u * KiB);
    long saved = io(ep, r, 4);
    checkf(saved == 0, "the end of the disk read, to be put back (%ld)", saved);

    fill_pattern(pool + AT_PATTERN, at, TAIL_SECTORS);
    for (unsigned i = 0; i < 4; i++)
        r[i] = req(BLK_OP_WRITE, at + i * 64u, 64, AT_PATTERN + i * 32u * KiB);
    long w = io(ep, r, 4);
    checkf(w == 0 && r[0].status == 0 && r[3].status == 0, "a 128 KiB pattern written in 4 requests (%ld)", w);
    long f = flush(ep);
    checkf(f == 0, "BLK_FLUSH: 0 (%ld)", f);

    memset(pool + AT_BACK, 0, TAIL_SECTORS * BLK_SECTOR);
    long b = one(BLK_OP_READ, at, TAIL_SECTORS, AT_BACK);
    checkf(b == 0 && !memcmp(pool + AT_BACK, pool + AT_PATTERN, TAIL_SECTORS * BLK_SECTOR),
           "the pattern reads back whole, in one request (%ld)", b);

    for (unsigned i = 0; i < 4; i++)
        r[i] = req(BLK_OP_WRITE, at + i * 64u, 64, AT_SAVED + i * 32u * KiB);
    long back = saved == 0 ? io(ep, r, 4) : -1;
    checkf(back == 0 && flush(ep) == 0, "the old contents written back and flushed (%ld)", back);
}

static void check_batch(void)
{
    /* Scattered over the disk: the boot sectors, the FATs, the root
     * directory and files, the pattern's range, the far end. */
    static const uint64_t at[16] = { 0, 8, 32, 1024, 2048, 4096, 8200, 16384,
                                     40000, 65536, 100000, 120000, 131064 - 2048, 131064 - 2040, 131000, 131064 };
    struct blk_req r[16];
    memset(pool + AT_BATCH, 0xee, 16 * 4 * KiB);
    memset(pool + AT_SINGLE, 0x11, 16 * 4 * KiB);
    for (unsigned i = 0; i < 16; i++)
        r[i] = req(BLK_OP_READ, at[i], 8, AT_BATCH + i * 4u * KiB);
    long w0 = io(ep, r, 16);
    bool statuses = true;
    for (unsigned i = 0; i < 16; i++)
        statuses &= r[i].status == 0;
    checkf(w0 == 0 && statuses, "a batch of 16 reads of 8 sectors at scattered places: all 0 (%ld)", w0);
    long singles = 0;
    for (unsigned i = 0; i < 16 && !singles; i++)
        singles = one(BLK_OP_READ, at[i], 8, AT_SINGLE + i * 4u * KiB);
    checkf(singles == 0, "the same 16 reads one by one (%ld)", singles);
    checkf(!memcmp(pool + AT_BATCH, pool + AT_SINGLE, 16 * 4 * KiB), "the batch read the same bytes as the singles");
}

static void check_bad(void)
{
    struct blk_req r[8] = {
        req(BLK_OP_READ, capacity - 4, 8, 0),            /* past the end */
        req(BLK_OP_READ, UINT64_MAX - 2, 8, 0),          /* sector + count overflows */
        req(BLK_OP_READ, 0, 2, POOL_BYTES - BLK_SECTOR), /* past the end of the pool */
        req(BLK_OP_READ, 0, 1, 100),                     /* unaligned in the pool */
        req(BLK_OP_READ, 0, 0, 0),                       /* nothing */
        req(7, 0, 1, 0),                                 /* no such op */
        req(BLK_OP_READ, 0, 1, UINT64_MAX - 511),        /* offset + length overflows */
        req(BLK_OP_READ, 0, 1, 600 * KiB),               /* a good one */
    };
    memset(pool + 600 * KiB, 0, BLK_SECTOR);
    long w0 = io(ep, r, 8);
    bool refused = true;
    for (unsigned i = 0; i < 7; i++)
        refused &= r[i].status == -EINVAL;
    checkf(w0 == -EINVAL, "a batch with bad requests: w0 is the first error, EINVAL (%ld)", w0);
    checkf(refused, "each bad request refused with EINVAL (range, overflow, pool end, alignment, count 0, op, "
           "offset overflow: %d %d %d %d %d %d %d)", r[0].status, r[1].status, r[2].status, r[3].status,
           r[4].status, r[5].status, r[6].status);
    checkf(r[7].status == 0 && pool[600 * KiB + 510] == 0x55, "the good request in the same batch done (%d)",
           r[7].status);

    struct blk_req many[BLK_IO_MAX + 1];
    for (unsigned i = 0; i <= BLK_IO_MAX; i++)
        many[i] = req(BLK_OP_READ, i, 1, i * BLK_SECTOR);
    checkf(io(ep, many, BLK_IO_MAX + 1) == -EINVAL, "%u requests in one call: EINVAL", BLK_IO_MAX + 1);
    checkf(io_raw(ep, many, 0, sizeof(many), NULL) == -EINVAL, "BLK_IO with no array: EINVAL");
    checkf(io_raw(ep, many, sizeof(many[0]) + 5, sizeof(many), NULL) == -EINVAL,
           "BLK_IO with a torn array (37 bytes): EINVAL");
    struct kx_msg m = { .label = KX_LABEL(KX_PROTO_BLK, 0x77) };
    checkf(result(kx_call(ep, &m, NULL), &m) == -ENOSYS, "an unknown label: ENOSYS");
    uint64_t got = 1;
    struct blk_req r1 = req(BLK_OP_READ, 0, 1, 0);
    long nr = io_raw(ep, &r1, sizeof(r1), 0, &got);
    checkf(nr == 0 && got == 0, "BLK_IO with no room for the answer's array: done, nothing delivered (%ld, %llu)", nr,
           (unsigned long long)got);
    struct kx_msg im;
    checkf(info(ep, &im) == 0, "blkdev still serves after all that");
}

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
    (void)sig;
    ticks++;
}

/*
 * Calls cut by a timer signal: each is answered whole, or -EINTR with
 * nothing moved (blkdev answers -EINTR only to a call it has not started:
 * one waiting for room in the queue behind the helpers' calls).
 */
static void check_signals(void)
{
    struct sigaction sa = { .sa_handler = on_tick }; /* no SA_RESTART: kx_call is told */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned whole = 0, queued = 0, held = 0, bad = 0;
    for (int i = 0; i < 100; i++) {
        struct blk_req r[BLK_IO_MAX];
        for (unsigned k = 0; k < BLK_IO_MAX; k++)
            r[k] = req(BLK_OP_READ, (uint64_t)k * 64u, 64, k * 32u * KiB);
        struct kx_msg m = { .label = BLK_IO };
        struct kx_xfer x = { .send = r, .send_len = sizeof(r), .recv = r, .recv_cap = sizeof(r) };
        long err = kx_call(ep, &m, &x);
        bool statuses = true;
        for (unsigned k = 0; k < BLK_IO_MAX; k++)
            statuses &= r[k].status == 0;
        if (err == -EINTR)
            queued++; /* the kernel's: blkdev had not received it */
        else if (!err && m.w[0] == 0 && x.recv_len == sizeof(r) && statuses)
            whole++;
        else if (!err && (int64_t)m.w[0] == -EINTR && x.recv_len == 0)
            held++; /* blkdev's: held, nothing submitted */
        else
            bad++;
    }
    struct itimerval off = { 0 };
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
    checkf(bad == 0, "100 calls under a 1 ms timer: %u answered whole, %u EINTR before blkdev took them, %u EINTR "
           "from blkdev with nothing moved, %u otherwise (%d signals)", whole, queued, held, bad, (int)ticks);
}

/* The test and HELPERS helpers keep the queue full together: calls wait for
 * room, and every one completes with the right bytes. */
static void check_concurrent(void)
{
    long helpers[HELPERS];
    for (int i = 0; i < HELPERS; i++)
        helpers[i] = start_helper(i + 1);
    bool started = true;
    for (int i = 0; i < HELPERS; i++)
        started &= helpers[i] > 0;
    checkf(started, "%d helper clients started, each with its own badge and pool", HELPERS);
    /* Meanwhile: calls cut by signals (while the helpers surely run), then
     * our own full batches. */
    check_signals();
    bool ok = true;
    for (int pass = 0; pass < 8 && ok; pass++) {
        struct blk_req r[BLK_IO_MAX];
        for (unsigned i = 0; i < BLK_IO_MAX; i++)
            r[i] = req(BLK_OP_READ, i * 256u, 16, 1024 * KiB + i * 8u * KiB);
        memset(pool + 1024 * KiB, 0xe0 + pass, 256 * KiB); /* a skipped request shows */
        ok = io(ep, r, BLK_IO_MAX) == 0;
        if (pass == 0)
            memcpy(pool + 2048 * KiB, pool + 1024 * KiB, 256 * KiB);
        else
            ok &= !memcmp(pool + 2048 * KiB, pool + 1024 * KiB, 256 * KiB);
    }
    checkf(ok, "8 calls of %u requests while the helpers read: all complete, same bytes", BLK_IO_MAX);
    for (int i = 0; i < HELPERS; i++) {
        long st = helpers[i] > 0 ? kx_process_wait((kx_handle_t)helpers[i]) : -1;
        checkf(st == 0, "helper %d: %d calls of %u x 1 MiB, each leaving the same bytes (wait status 0x%lx)", i + 1,
               HELPER_PASSES, BLK_IO_MAX, st);
        if (helpers[i] > 0)
            kx_handle_close((kx_handle_t)helpers[i]);
    }
    struct kx_msg m;
    checkf(info(ep, &m) == 0, "blkdev still serves after the crowd and the cancels");
}

/* Reads 4 MiB of the disk from sector 4096 into the whole pool in 64 KiB
 * requests, `per_call` to a call; returns MB/s (0 on failure). */
static double read_4mib(unsigned per_call)
{
    const unsigned sectors = 64 * KiB / BLK_SECTOR, n = POOL_BYTES / (64 * KiB);
    int64_t t0 = now_ns();
    for (unsigned done = 0; done < n;) {
        struct blk_req r[BLK_IO_MAX];
        unsigned k = n - done < per_call ? n - done : per_call;
        for (unsigned i = 0; i < k; i++)
            r[i] = req(BLK_OP_READ, 4096 + (uint64_t)(done + i) * sectors, sectors, (done + i) * 64u * KiB);
        long err = io(ep, r, k);
        if (err) {
            printf("test_blkdev: the throughput run failed: %ld\n", err);
            return 0;
        }
        done += k;
    }
    return (double)POOL_BYTES / 1e6 / ((double)(now_ns() - t0) / 1e9);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sequential read throughput through the pool: a figure, never a verdict
 * (guest time; QEMU's disk is in the host's page cache, and the host's load
 * shows: the median of RUNS runs, with the range). The two ways must read
 * the same bytes, though. */
static void measure(void)
{
    enum { RUNS = 5 };
    static uint8_t copy[POOL_BYTES];
    double one_each[RUNS], batched[RUNS];
    read_4mib(BLK_IO_MAX); /* warm-up: the host's cache, our pages */
    bool same = true;
    for (int i = 0; i < RUNS; i++) {
        /* Filled first, so a request the device skipped shows (the disk there is mostly zeros). */
        memset(pool, 0xee, POOL_BYTES);
        one_each[i] = read_4mib(1);
        if (i == 0)
            memcpy(copy, pool, POOL_BYTES);
        memset(pool, 0xdd, POOL_BYTES);
        batched[i] = read_4mib(BLK_IO_MAX);
        same &= one_each[i] > 0 && batched[i] > 0 && !memcmp(copy, pool, POOL_BYTES);
    }
    checkf(same, "4 MiB read in 64 KiB requests, one to a call and %u to a call, %d times: the same bytes",
           BLK_IO_MAX, RUNS);
    qsort(one_each, RUNS, sizeof(double), by_value);
    qsort(batched, RUNS, sizeof(double), by_value);
    printf("test_blkdev: sequential read of 4 MiB in 64 KiB requests: %.0f MB/s one request per call "
           "(%.0f-%.0f), %.0f MB/s %u per call (%.0f-%.0f), median of %d\n", one_each[RUNS / 2], one_each[0],
           one_each[RUNS - 1], batched[RUNS / 2], BLK_IO_MAX, batched[0], batched[RUNS - 1], RUNS);
}

static void check_death(long proc, long server_pid)
{
    long k = kill((pid_t)server_pid, SIGKILL);
    long st = kx_process_wait((kx_handle_t)proc);
    checkf(k == 0 && (st & 0x7f) == SIGKILL, "blkdev killed with SIGKILL (wait status 0x%lx)", st);
    struct kx_msg m;
    int64_t t0 = now_ns();
    long r = info(ep, &m);
    checkf(r == -EPIPE || r == -EIO, "a call to the dead server fails at once: %ld (%lld ms)", r,
           (long long)((now_ns() - t0) / 1000000));
    struct blk_req one_req = req(BLK_OP_READ, 0, 1, 0);
    long w = io(ep, &one_req, 1);
    checkf(w == -EPIPE || w == -EIO, "so does BLK_IO: %ld", w);
}

/* A new blkdev takes over the disk a killed one left set up (it resets it
 * first), serves, and ends cleanly on SIGTERM (resetting the device). */
static void check_restart(const struct device *d, long pool_handle)
{
    long proc = start_blkdev(d, NULL);
    if (!checkf(proc > 0, "a second blkdev started on the same disk (%ld)", proc))
        return;
    struct kx_msg m;
    long r = info(ep, &m);
    long a = r == 0 ? attach(ep, (kx_handle_t *)&pool_handle, 1) : r;
    memset(pool, 0, BLK_SECTOR);
    long rd = a == 0 ? one(BLK_OP_READ, 0, 1, 0) : a;
    checkf(rd == 0 && pool[510] == 0x55 && pool[511] == 0xaa,
           "it takes over the device the killed one left live: sector 0 reads again (%ld)", rd);
    long pid = r == 0 ? (long)m.w[4] : 0;
    long k = pid > 1 ? kill((pid_t)pid, SIGTERM) : -1;
    long st = kx_process_wait((kx_handle_t)proc);
    checkf(k == 0 && st == 0, "SIGTERM ends it cleanly, the device reset first (wait status 0x%lx)", st);
    kx_handle_close((kx_handle_t)proc);
    checkf(info(ep, &m) == -EPIPE, "and calls to it fail with EPIPE");
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--helper"))
        return helper(atoi(argv[2]));
    printf("test_blkdev: start\n");
    struct device d;
    if (!find_device(&d))
        return check_summary();
    check_wrong_slot(&d);
    long proc = start_blkdev(&d, NULL);
    if (!checkf(proc > 0, "/sbin/blkdev spawned with the device and an endpoint (%ld)", proc))
        return check_summary();
    long server_pid = 0, pool_handle = 0;
    if (check_info(&server_pid) && check_attach(&pool_handle)) {
        check_boot_sector();
        check_write();
        check_batch();
        check_bad();
        check_concurrent();
        measure();
    }
    if (server_pid > 1) {
        check_death(proc, server_pid);
        kx_handle_close(ep);
        kx_handle_close((kx_handle_t)proc);
        if (pool_handle > 0)
            check_restart(&d, pool_handle);
    }
    return check_summary();
}
