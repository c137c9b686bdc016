/* The block protocol: checking, submitting and answering calls (blk.h). */
#include "blk.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kenix/blk.h>
#include <kenix/kx.h>

#include "pool.h"

/* A held call: one BLK_IO (its request array) or one BLK_FLUSH. */
struct batch {
    struct batch *next;  /* the waiting list, in arrival order */
    bool in_use;
    bool flush;          /* BLK_FLUSH: one device request, no array */
    bool started;        /* something was submitted: a cancel no longer ends it early */
    kx_handle_t reply;   /* the saved caller: ours until the answer consumes it */
    struct pool *pool;   /* a reference (BLK_IO) */
    int32_t flush_status;
    uint32_t n;          /* requests in req[] (1 for a flush) */
    uint32_t next_req;   /* the next request to submit; n: all submitted */
    uint64_t next_off;   /* bytes of req[next_req] submitted so far */
    uint32_t inflight;   /* device requests in flight */
    struct blk_req req[BLK_IO_MAX];
};

static struct disk *disk;
static struct batch batches[BLK_HELD_MAX];
static struct batch *wait_head, *wait_tail; /* batches with something left to submit */
/* Which call and request each device request in flight (by tag) is for. */
static struct {
    struct batch *b;
    uint32_t req;
} owner[VQ_MAX];

void blk_init(struct disk *d)
{
    disk = d;
}

static void close_all(const kx_handle_t *h, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        kx_handle_close(h[i]);
}

static struct batch *batch_new(void)
{
    for (unsigned i = 0; i < BLK_HELD_MAX; i++)
        if (!batches[i].in_use) {
            struct batch *b = &batches[i];
            memset(b, 0, offsetof(struct batch, req)); /* the array is filled by the caller */
            b->in_use = true;
            return b;
        }
    return NULL;
}

/* Answers a held call and lets it go. */
static void finish(struct batch *b)
{
    struct kx_msg m = { 0 };
    struct kx_xfer x = { 0 };
    int32_t result = 0;
    if (b->flush) {
        result = b->flush_status;
    } else {
        for (uint32_t i = 0; i < b->n && !result; i++)
            result = b->req[i].status;
        x.send = b->req;
        x.send_len = b->n * sizeof(struct blk_req);
    }
    m.w[0] = (uint64_t)(int64_t)result;
    long err = kx_reply(b->reply, &m, b->flush ? NULL : &x);
    if (err < 0) {
        /* Not consumed: the caller cannot be answered (gone: -EPIPE, or our
         * answer was refused). Closing the reply lets it go with -EPIPE. */
        if (err != -EPIPE)
            printf("blkdev: cannot answer a call: error %ld\n", -err);
        kx_handle_close(b->reply);
    }
    if (b->pool)
        pool_put(b->pool);
    b->in_use = false;
}

static void unqueue(struct batch *b)
{
    struct batch **pp = &wait_head, *prev = NULL;
    while (*pp && *pp != b) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = b->next;
    if (wait_tail == b)
        wait_tail = prev;
    b->next = NULL;
}

/* The request's status before anything is submitted: 0, or why it is refused. */
static int32_t check_request(const struct pool *p, const struct blk_req *r)
{
    uint64_t per_block = disk->block_size / BLK_SECTOR;
    if (r->op != BLK_OP_READ && r->op != BLK_OP_WRITE)
        return -EINVAL;
    if (r->count == 0 || r->sector % per_block || r->count % per_block)
        return -EINVAL;
    if (r->sector > disk->capacity || r->count > disk->capacity - r->sector)
        return -EINVAL; /* written so that sector + count cannot overflow */
    uint64_t bytes = (uint64_t)r->count * BLK_SECTOR; /* < 2^41: no overflow */
    if (r->pool_offset % BLK_SECTOR || r->pool_offset > p->size || bytes > p->size - r->pool_offset)
        return -EINVAL;
    if (r->op == BLK_OP_WRITE && disk->ro)
        return -EROFS;
    return 0;
}

static void own(int tag, struct batch *b, uint32_t req)
{
    owner[tag].b = b;
    owner[tag].req = req;
    b->inflight++;
    b->started = true;
}

/*
 * Submits what the queue has room for of b's requests, in order. Returns
 * true when nothing of b is left to submit. *kick: something was queued.
 */
static bool submit(struct batch *b, bool *kick)
{
    if (disk->broken) {
        /* Nothing goes to the device any more: what is left fails. */
        for (uint32_t i = b->next_req; i < b->n; i++)
            if (!b->req[i].status)
                b->req[i].status = -EIO;
        if (b->flush && !b->started)
            b->flush_status = -EIO;
        b->next_req = b->n;
        return true;
    }
    if (b->flush) {
        int tag = disk_submit(disk, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
        if (tag < 0)
            return false;
        own(tag, b, 0);
        b->next_req = b->n;
        *kick = true;
        return true;
    }
    uint32_t most = disk_request_bytes(disk);
    while (b->next_req < b->n) {
        struct blk_req *r = &b->req[b->next_req];
        if (r->status && b->next_off == 0) {
            b->next_req++; /* refused: never submitted */
            continue;
        }
        uint64_t bytes = (uint64_t)r->count * BLK_SECTOR, left = bytes - b->next_off;
        uint32_t chunk = left < most ? (uint32_t)left : most;
        int tag = disk_submit(disk, r->op == BLK_OP_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT,
                              r->sector + b->next_off / BLK_SECTOR, b->pool->pa + r->pool_offset + b->next_off, chunk);
        if (tag < 0)
            return false; /* the queue is full: the rest goes when requests finish */
        own(tag, b, b->next_req);
        *kick = true;
        b->next_off += chunk;
        if (b->next_off == bytes) {
            b->next_req++;
            b->next_off = 0;
        }
    }
    return true;
}

/* Submits waiting calls, oldest first, while the queue has room. */
static void pump(void)
{
    bool kick = false;
    while (wait_head && submit(wait_head, &kick)) {
        struct batch *b = wait_head;
        wait_head = b->next;
        if (!wait_head)
            wait_tail = NULL;
        b->next = NULL;
        if (!b->inflight)
            finish(b); /* nothing needed the device */
    }
    if (kick)
        disk_kick(disk);
}

/* A device request finished with `status`. */
static void done(int tag, int status)
{
    struct batch *b = owner[tag].b;
    owner[tag].b = NULL;
    if (!b)
        return; /* the virtqueue only hands back chains in flight, which all have an owner */
    if (b->flush) {
        b->flush_status = status;
    } else if (status && !b->req[owner[tag].req].status) {
        b->req[owner[tag].req].status = status; /* the first failure of the request's pieces */
    }
    if (--b->inflight == 0 && b->next_req >= b->n)
        finish(b);
}

/* A fatal device error: reset, and everything in flight failed. */
static void fatal(const char *why)
{
    disk_restart(disk, why);
    for (unsigned tag = 0; tag < VQ_MAX; tag++)
        if (owner[tag].b)
            done((int)tag, -EIO);
}

void blk_interrupt(void)
{
    uint32_t why = vmmio_take_interrupt(&disk->t);
    if ((why & VIRTIO_INT_CONFIG) && !disk_config_changed(disk))
        fatal("the device needs a reset (DEVICE_NEEDS_RESET)");
    int status, tag;
    while ((tag = disk_next_done(disk, &status)) >= 0)
        done(tag, status);
    if (tag == -2)
        fatal("the device finished a request it was not given");
    pump();
}

void blk_cancelled(kx_handle_t reply)
{
    for (unsigned i = 0; i < BLK_HELD_MAX; i++) {
        struct batch *b = &batches[i];
        if (!b->in_use || b->reply != reply)
            continue;
        if (b->started)
            return; /* data is moving: it finishes and is answered as usual */
        /* Nothing done yet: the caller may try again (its signal first). */
        unqueue(b);
        struct kx_msg m = { .w = { (uint64_t)-EINTR } };
        if (kx_reply(b->reply, &m, NULL) < 0)
            kx_handle_close(b->reply);
        if (b->pool)
            pool_put(b->pool);
        b->in_use = false;
        return;
    }
}

/* Saves the call just received into a new batch; answers errors itself. */
static enum blk_result hold(struct kx_msg *msg, struct batch **out)
{
    struct batch *b = batch_new();
    long reply = b ? kx_reply_save() : -EAGAIN;
    if (reply < 0) {
        if (b)
            b->in_use = false;
        msg->label = 0;
        msg->w[0] = (uint64_t)reply; /* -EAGAIN (too many held) or the kernel's -ENOMEM/-ENOSPC */
        return BLK_ANSWER;
    }
    b->reply = (kx_handle_t)reply;
    *out = b;
    return BLK_HELD;
}

static void enqueue(struct batch *b)
{
    if (wait_tail)
        wait_tail->next = b;
    else
        wait_head = b;
    wait_tail = b;
    pump();
}

static enum blk_result io(uint64_t badge, struct kx_msg *msg, const void *bulk, uint64_t len, bool truncated)
{
    /* The call's shape first: nothing is held for a malformed one. */
    if (truncated || len == 0 || len % sizeof(struct blk_req) || len / sizeof(struct blk_req) > BLK_IO_MAX) {
        msg->w[0] = (uint64_t)-EINVAL;
        return BLK_ANSWER;
    }
    struct pool *p = pool_get(badge);
    if (!p) {
        msg->w[0] = (uint64_t)-EINVAL; /* no pool attached */
        return BLK_ANSWER;
    }
    struct batch *b;
    if (hold(msg, &b) == BLK_ANSWER) {
        pool_put(p);
        return BLK_ANSWER;
    }
    b->pool = p;
    b->n = (uint32_t)(len / sizeof(struct blk_req));
    memcpy(b->req, bulk, len);
    for (uint32_t i = 0; i < b->n; i++) {
        b->req[i].status = check_request(p, &b->req[i]);
        b->req[i].pad = 0;
    }
    enqueue(b);
    return BLK_HELD;
}

static enum blk_result flush(struct kx_msg *msg)
{
    if (!disk->flush || disk->broken) {
        /* No write cache: every answered write is on the disk already. */
        msg->w[0] = disk->broken ? (uint64_t)-EIO : 0;
        return BLK_ANSWER;
    }
    struct batch *b;
    if (hold(msg, &b) == BLK_ANSWER)
        return BLK_ANSWER;
    b->flush = true;
    b->n = 1;
    enqueue(b);
    return BLK_HELD;
}

enum blk_result blk_call(uint64_t badge, struct kx_msg *msg, const void *bulk, uint64_t bulk_len, bool truncated,
                         const kx_handle_t *handles, unsigned nhandles, bool handles_dropped)
{
    uint32_t label = KX_MSG_LABEL(msg->label);
    if (label != BLK_ATTACH)
        close_all(handles, nhandles); /* nobody else sends handles: not ours to keep */
    *msg = (struct kx_msg){ 0 };
    switch (label) {
    case BLK_INFO:
        msg->w[1] = disk->capacity;
        msg->w[2] = disk->block_size;
        msg->w[3] = (disk->ro ? BLK_F_RO : 0) | (disk->flush ? BLK_F_FLUSH : 0);
        msg->w[4] = (uint64_t)getpid();
        return BLK_ANSWER;
    case BLK_ATTACH:
        if (nhandles != 1 || handles_dropped) {
            close_all(handles, nhandles);
            msg->w[0] = (uint64_t)-EINVAL;
        } else {
            msg->w[0] = (uint64_t)pool_attach(badge, handles[0]);
        }
        return BLK_ANSWER;
    case BLK_IO:
        return io(badge, msg, bulk, bulk_len, truncated);
    case BLK_FLUSH:
        return flush(msg);
    default:
        msg->w[0] = (uint64_t)-ENOSYS;
        return BLK_ANSWER;
    }
}
