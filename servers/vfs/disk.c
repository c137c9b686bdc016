/*
 * The vfs's disk (guest only): the block cache of /dev/vda over the block
 * device server (<kenix/blk.h>).
 *
 * init sends VFS_DISK with a handle to /sbin/blkdev's endpoint. The first
 * time, the vfs makes one physically contiguous memory object for the cache's
 * block buffers, hands it to blkdev (BLK_ATTACH), builds the cache over it
 * and registers the disk as /dev/vda; from then on a block moves by DMA
 * between the disk and its buffer, and a cache miss or write-back costs one
 * BLK_IO call that names sectors and a pool offset -- never data in a message.
 * When blkdev dies its calls fail (EIO to the file system, never a hang); when
 * init has restarted it, the next VFS_DISK attaches the same pool to the new
 * server and the cache, dirty blocks included, carries on.
 *
 * Ownership: this file owns the pool (memory object and mapping, kept for the
 * vfs's life), the cache and the server handle. Single-threaded, as all of
 * the vfs: a BLK_IO call blocks the vfs until the disk answers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kenix/blk.h>
#include <kenix/kx.h>
#include <kenix/sysinfo.h>

#include "bcache.h"
#include "disk.h"
#include "vfs.h"

#define POOL_MIN (256u << 10) /* 64 blocks: room for a write-back batch and the FAT's and directories' blocks */
#define POOL_MAX (4u << 20)  /* 1024 blocks: the largest contiguous run the kernel hands out (order 10) */

static struct {
    kx_handle_t server;  /* SEND to blkdev; 0 before the first VFS_DISK */
    kx_handle_t mem;     /* the pool's memory object */
    uint8_t *pool;
    uint64_t pool_bytes;
    uint64_t sectors;    /* 512-byte sectors */
    bool read_only;
    struct bcache *bc;
    uint64_t errors;
} disk;

/* One request, through the server: the block's buffer is in the pool. */
static int disk_io(uint32_t op, uint64_t sector, const void *buf, uint32_t nsectors)
{
    uint64_t off = (uint64_t)((const uint8_t *)buf - disk.pool);
    if (!disk.server || off >= disk.pool_bytes)
        return -EIO;
    struct blk_req req = { .op = op, .count = nsectors, .sector = sector, .pool_offset = off };
    struct blk_req back;
    struct kx_xfer x = { .send = &req, .send_len = sizeof(req), .recv = &back, .recv_cap = sizeof(back) };
    struct kx_msg msg = { .label = BLK_IO };
    long r = kx_call(disk.server, &msg, &x);
    if (r < 0 || (int64_t)msg.w[0] < 0) {
        if (disk.errors++ == 0 || r == -EPIPE)
            vfs_logf("vfs: /dev/vda: %s of %u sectors at %llu failed: %s", op == BLK_OP_READ ? "read" : "write",
                     nsectors, (unsigned long long)sector, r < 0 ? "the block server is gone" : "I/O error");
        return r == -EINTR ? -EINTR : -EIO;
    }
    return 0;
}

static int op_read(void *ctx, uint64_t sector, void *buf, uint32_t nsectors)
{
    (void)ctx;
    return disk_io(BLK_OP_READ, sector, buf, nsectors);
}

static int op_write(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors)
{
    (void)ctx;
    return disk.read_only ? -EROFS : disk_io(BLK_OP_WRITE, sector, buf, nsectors);
}

/* Up to BLK_IO_MAX writes in one BLK_IO call: blkdev puts them in flight together. */
static int op_write_many(void *ctx, struct blkdev_write *w, unsigned n)
{
    (void)ctx;
    struct blk_req req[BLK_IO_MAX];
    if (disk.read_only || !disk.server || n > BLK_IO_MAX) {
        for (unsigned i = 0; i < n; i++)
            w[i].status = disk.read_only ? -EROFS : -EIO;
        return n ? w[0].status : 0;
    }
    for (unsigned i = 0; i < n; i++)
        req[i] = (struct blk_req){ .op = BLK_OP_WRITE, .count = w[i].nsectors, .sector = w[i].sector,
                                   .pool_offset = (uint64_t)((const uint8_t *)w[i].buf - disk.pool) };
    struct kx_xfer x = { .send = req, .send_len = n * sizeof(req[0]), .recv = req, .recv_cap = n * sizeof(req[0]) };
    struct kx_msg msg = { .label = BLK_IO };
    long r = kx_call(disk.server, &msg, &x);
    int first = 0;
    for (unsigned i = 0; i < n; i++) {
        w[i].status = r < 0 || x.recv_len != n * sizeof(req[0]) ? -EIO : req[i].status ? -EIO : 0;
        if (w[i].status && !first)
            first = w[i].status;
    }
    if (first && disk.errors++ == 0)
        vfs_logf("vfs: /dev/vda: a batch of %u writes failed: %s", n, r < 0 ? "the block server is gone" : "I/O error");
    return first;
}

static int op_flush(void *ctx)
{
    (void)ctx;
    if (!disk.server)
        return -EIO;
    struct kx_msg msg = { .label = BLK_FLUSH };
    long r = kx_call(disk.server, &msg, 0);
    return r < 0 || (int64_t)msg.w[0] < 0 ? -EIO : 0;
}

static const struct blkdev_ops ops = { op_read, op_write, op_flush, op_write_many };

/* The pool: a thirty-second of RAM, between 256 KiB and 4 MiB. It is held
 * for as long as the disk is attached and never shrinks (it is not
 * reclaimable as Linux's page cache), so a 16 MiB machine keeps 512 KiB of
 * disk blocks, not the 1 MiB a sixteenth would hold; 128 MiB and more keep
 * the 4 MiB that sequential FAT32 throughput wants. */
static uint64_t pool_size(void)
{
    struct kx_meminfo mi;
    uint64_t bytes = POOL_MIN;
    if (kx_sysinfo(KX_SLOT_SYSINFO, KX_SI_MEMINFO, 0, &mi, sizeof(mi)) == (long)sizeof(mi))
        bytes = mi.total / 32;
    bytes &= ~(uint64_t)(BCACHE_BLOCK - 1);
    return bytes < POOL_MIN ? POOL_MIN : bytes > POOL_MAX ? POOL_MAX : bytes;
}

static int make_pool(void)
{
    uint64_t bytes = pool_size();
    long mem = kx_mem_create(bytes, KX_MEM_CONTIGUOUS);
    if (mem < 0)
        return (int)mem;
    long addr = kx_mem_map((kx_handle_t)mem, 0, bytes, KX_PROT_READ | KX_PROT_WRITE);
    if (addr < 0) {
        kx_handle_close((kx_handle_t)mem);
        return (int)addr;
    }
    disk.mem = (kx_handle_t)mem;
    disk.pool = (uint8_t *)addr;
    disk.pool_bytes = bytes;
    return 0;
}

/* BLK_INFO and BLK_ATTACH on server. */
static int attach(kx_handle_t server, uint64_t *sectors, bool *ro)
{
    struct kx_msg msg = { .label = BLK_INFO };
    long r = kx_call(server, &msg, 0);
    if (r < 0 || (int64_t)msg.w[0] < 0)
        return r < 0 ? (int)r : (int)msg.w[0];
    *sectors = msg.w[1];
    *ro = msg.w[3] & BLK_F_RO;
    if (msg.w[2] > BCACHE_BLOCK)
        return -EINVAL; /* blocks larger than the cache's cannot be written piecewise */
    long dup = kx_handle_dup(disk.mem, KX_RIGHT_READ | KX_RIGHT_WRITE | KX_RIGHT_TRANSFER);
    if (dup < 0)
        return (int)dup;
    struct kx_xfer x = { .send_handles_n = 1, .send_handles = { (kx_handle_t)dup } };
    msg = (struct kx_msg){ .label = BLK_ATTACH | KX_MSG_MOVE_HANDLES };
    r = kx_call(server, &msg, &x);
    if (r < 0 || (msg.label & KX_MSG_HANDLES_DROPPED))
        kx_handle_close((kx_handle_t)dup);
    return r < 0 ? (int)r : (int)(int64_t)msg.w[0];
}

int disk_attach(kx_handle_t server)
{
    if (!disk.mem) {
        int err = make_pool();
        if (err) {
            vfs_logf("vfs: no memory for the disk cache: error %d", -err);
            kx_handle_close(server);
            return err;
        }
    }
    uint64_t sectors = 0;
    bool ro = false;
    int err = attach(server, &sectors, &ro);
    if (!err && disk.bc && sectors != disk.sectors)
        err = -EINVAL; /* another disk behind the restarted server: the cache is not its */
    if (err) {
        vfs_logf("vfs: cannot use the block device: error %d", -err);
        kx_handle_close(server);
        return err;
    }
    if (disk.server)
        kx_handle_close(disk.server); /* the dead server's */
    disk.server = server;
    disk.read_only = ro;
    if (disk.bc)
        return 0; /* a restarted server: the cache goes on */
    disk.sectors = sectors;
    disk.bc = bcache_create(&ops, 0, BLK_SECTOR, sectors, disk.pool, (uint32_t)(disk.pool_bytes / BCACHE_BLOCK));
    if (!disk.bc)
        return -ENOMEM;
    err = blkdev_register(VFS_VDA_RDEV, disk.bc);
    if (!err)
        err = devfs_add(mount_devfs(), "vda", LX_S_IFBLK | 0660, VFS_VDA_MAJOR, 0);
    printf("vfs: /dev/vda: %llu MiB%s, %llu KiB of cache\n", (unsigned long long)(sectors >> 11),
           ro ? ", read-only" : "", (unsigned long long)(disk.pool_bytes >> 10));
    fflush(stdout);
    return err;
}

