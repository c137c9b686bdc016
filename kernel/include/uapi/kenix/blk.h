/*
 * The block protocol: what a client (a file system, a test) sends the block
 * device server /sbin/blkdev (servers/blkdev/) to move sectors between a
 * disk and its own memory (docs/ipc-protocols.md, "The block protocol").
 *
 * Anyone holding a handle with KX_RIGHT_SEND to the server's endpoint is a
 * client: whoever starts the server decides who gets one. Clients are told
 * apart by their handle's badge (kx_endpoint_mint); unbadged handles all
 * count as one client (badge 0).
 *
 * No data travels in messages. A client first hands the server a memory
 * object made with KX_MEM_CONTIGUOUS -- its block cache pool -- and from
 * then on the device moves data by DMA straight between the disk and that
 * pool; a call only names sectors and offsets in the pool. Sectors are
 * always 512 bytes (BLK_SECTOR), whatever the disk's logical block size.
 * Every answer carries its result in w0: 0, or a negative Linux errno.
 *
 *   BLK_INFO    no words in. Answer w0 = 0, w1 = capacity in 512-byte
 *               sectors, w2 = logical block size in bytes (a multiple of
 *               512: requests must be aligned to it), w3 = BLK_F_* flags,
 *               w4 = the server's pid (diagnostics).
 *   BLK_ATTACH  one handle (kx_xfer send_handles): a memory object made with
 *               KX_MEM_CONTIGUOUS, with READ and WRITE rights (and TRANSFER,
 *               to travel). The server maps it and learns its physical
 *               address; it replaces the pool this client attached before
 *               (I/O still in flight on the old one finishes first). The
 *               server keeps the object alive (its own mapping) until
 *               replaced. Answer w0 = 0; -EINVAL no handle, more than one,
 *               not a memory object, or not contiguous; -EPERM without READ
 *               or WRITE; -ENOSPC the server serves as many clients as it
 *               can; -ENOMEM it cannot map the pool.
 *   BLK_IO      bulk = an array of struct blk_req, 1 to BLK_IO_MAX of them
 *               (anything else, a length that is not a whole number of
 *               requests, or no pool attached: -EINVAL, nothing done, no
 *               bulk answered). Each request is checked: op BLK_OP_READ or
 *               BLK_OP_WRITE, count > 0, sector + count within the disk
 *               without overflow, sector and count multiples of the logical
 *               block size, pool_offset a multiple of 512, and pool_offset
 *               + count * 512 within the pool. A bad one gets -EINVAL and is
 *               not submitted; a write to a read-only disk gets -EROFS. The
 *               others are all submitted to the device at once (in flight
 *               together; a request may be split into several device
 *               requests), and the call is answered when every one is done:
 *               w0 = 0 if all succeeded, else the first failed request's
 *               status (array order); bulk = the same array with each
 *               status filled in: 0, -EIO (the device reported an error, or
 *               was reset), -EOPNOTSUPP (the device does not support it),
 *               -EROFS or -EINVAL. The caller's receive buffer must hold the
 *               array. -EAGAIN: the server already holds too many calls.
 *               Reads land in the pool, writes are taken from it, by DMA:
 *               the client leaves those bytes alone until the answer.
 *   BLK_FLUSH   no words in. Makes every write answered before the call
 *               durable (VIRTIO_BLK_T_FLUSH when the device has a write
 *               cache, else nothing to do). Answer w0 = 0 or -EIO.
 *
 * Unknown labels get -ENOSYS. A client whose BLK_IO or BLK_FLUSH is held by
 * the server and that gets a signal is answered -EINTR if nothing was
 * submitted for the call yet, else when its I/O is done, as usual.
 */
#ifndef KENIX_UAPI_BLK_H
#define KENIX_UAPI_BLK_H

#include <stdint.h>

#include "io.h"

#define KX_PROTO_BLK 0x04u

#define BLK_INFO KX_LABEL(KX_PROTO_BLK, 1)
#define BLK_ATTACH KX_LABEL(KX_PROTO_BLK, 2)
#define BLK_IO KX_LABEL(KX_PROTO_BLK, 3)
#define BLK_FLUSH KX_LABEL(KX_PROTO_BLK, 4)

#define BLK_SECTOR 512u /* bytes per sector in every request */
#define BLK_IO_MAX 32u  /* requests per BLK_IO call */

/* BLK_INFO w3. */
#define BLK_F_RO 1u    /* read-only: writes fail with -EROFS */
#define BLK_F_FLUSH 2u /* the device has a write cache: BLK_FLUSH does work */

/* struct blk_req op. */
#define BLK_OP_READ 0u  /* disk -> pool */
#define BLK_OP_WRITE 1u /* pool -> disk */

struct blk_req {
    uint32_t op;          /* BLK_OP_READ, BLK_OP_WRITE */
    uint32_t count;       /* sectors */
    uint64_t sector;      /* first sector on the disk */
    uint64_t pool_offset; /* bytes into the client's pool, a multiple of 512 */
    int32_t status;       /* answer: 0 or -errno */
    uint32_t pad;
};

_Static_assert(sizeof(struct blk_req) == 32, "struct blk_req is part of the ABI");

#endif
