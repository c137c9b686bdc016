/*
 * The block protocol (<kenix/blk.h>) on top of the disk: clients' calls,
 * checked, turned into device requests, and answered when those finish.
 *
 * A BLK_IO or BLK_FLUSH call is held in a saved reply (kx_reply_save) while
 * its device requests are in flight, so blkdev keeps receiving calls and
 * interrupts meanwhile; calls are submitted in arrival order, each as far
 * as the queue has room, and the rest waits for room. Ownership: a held
 * call (struct batch) owns its reply handle until it answers (kx_reply
 * consumes it; a failed answer closes it, which the caller sees as -EPIPE)
 * and a reference to the client's pool until then, so the pool's memory
 * outlives every device request that names it.
 */
#ifndef BLKDEV_BLK_H
#define BLKDEV_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include <kenix/ipc.h>

#include "disk.h"

/* Most calls held at once (more: -EAGAIN). */
#define BLK_HELD_MAX 64

void blk_init(struct disk *d);

enum blk_result { BLK_ANSWER, BLK_HELD };
/*
 * One call received: label and words in *msg, the bulk bytes received in
 * `bulk` (bulk_len of them, `truncated` if more were sent), the handles
 * received. Either fills *msg with the answer to give now (BLK_ANSWER: the
 * caller answers the implicit reply) or has saved the call to answer later
 * (BLK_HELD). Handles it does not keep are closed.
 */
enum blk_result blk_call(uint64_t badge, struct kx_msg *msg, const void *bulk, uint64_t bulk_len, bool truncated,
                         const kx_handle_t *handles, unsigned nhandles, bool handles_dropped);

/* The device interrupted: takes finished requests, answers the calls they
 * complete, submits what was waiting. The caller acknowledges the IRQ. */
void blk_interrupt(void);

/* A held call's caller was cancelled (kx_reply_cancelled). */
void blk_cancelled(kx_handle_t reply);

#endif
