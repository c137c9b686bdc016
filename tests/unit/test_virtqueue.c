/*
 * blkdev's split virtqueue (servers/blkdev/virtqueue.c) against a fake
 * device that reads the avail ring and descriptor chains the way a virtio
 * device does and answers on the used ring: the layout the legacy transport
 * demands, chains built as asked, the free list after completions in any
 * order (and across the 16-bit index wrap), and a misbehaving device's
 * used entries (ids out of range, not in flight, twice, too many) reported
 * rather than followed.
 */
#include "virtqueue.h"
#include "test.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static struct virtq q;
static void *mem;

/* The fake device's side. */
static uint16_t dev_avail; /* avail entries taken */
static uint16_t dev_used;  /* used entries written */
static bool dev_busy[VQ_MAX];

static void setup(uint16_t num)
{
    free(mem);
    mem = aligned_alloc(4096, vq_bytes(num));
    vq_init(&q, mem, 0x40000000u, num);
    dev_avail = dev_used = 0;
    memset(dev_busy, 0, sizeof(dev_busy));
}

/* Takes the next published request: checks its chain is well formed and
 * uses descriptors no other request holds; returns its head, or -1. */
static int dev_take(unsigned *len)
{
    if (dev_avail == q.avail->idx)
        return -1;
    uint16_t head = q.avail->ring[dev_avail % q.num];
    dev_avail++;
    CHECK(head < q.num);
    unsigned n = 0;
    for (uint16_t d = head;; d = q.desc[d].next) {
        CHECK(d < q.num);
        if (d >= q.num)
            break;
        CHECK(!dev_busy[d]); /* a descriptor in two requests at once */
        dev_busy[d] = true;
        n++;
        if (!(q.desc[d].flags & VIRTQ_DESC_F_NEXT) || n > q.num)
            break;
    }
    *len = n;
    return head;
}

static void dev_release(uint16_t head)
{
    for (uint16_t d = head;; d = q.desc[d].next) {
        dev_busy[d] = false;
        if (!(q.desc[d].flags & VIRTQ_DESC_F_NEXT))
            break;
    }
}

static void dev_complete(uint32_t id, uint32_t written)
{
    q.used->ring[dev_used % q.num] = (struct vq_used_elem){ id, written };
    dev_used++;
    q.used->idx = dev_used;
}

static int add_chain(unsigned n, uint64_t base)
{
    struct vq_buf b[8];
    for (unsigned i = 0; i < n; i++)
        b[i] = (struct vq_buf){ base + i * 0x1000, 512 * (i + 1), i == n - 1 };
    return vq_add(&q, b, n);
}

static void test_layout(void)
{
    CHECK_EQ(vq_bytes(8), 8192);     /* table and avail ring in a page, used ring in the next */
    CHECK_EQ(vq_bytes(256), 12288);  /* 4 KiB table + avail past it: used ring at 8 KiB */
    setup(8);
    CHECK_EQ(q.desc_pa, 0x40000000u);
    CHECK_EQ(q.avail_pa, 0x40000000u + 8 * 16);
    CHECK_EQ(q.used_pa, 0x40000000u + 4096);
    CHECK_EQ(vq_free(&q), 8);
    setup(256);
    CHECK_EQ(q.used_pa - q.desc_pa, 8192);
}

static void test_chains(void)
{
    setup(8);
    CHECK(!vq_publish(&q)); /* nothing queued: nothing to tell the device */
    int a = add_chain(3, 0x100000);
    int b = add_chain(3, 0x200000);
    CHECK(a >= 0 && b >= 0 && a != b);
    CHECK_EQ(vq_free(&q), 2);
    CHECK_EQ(add_chain(3, 0x300000), -1); /* two left: refused, nothing taken */
    CHECK_EQ(vq_free(&q), 2);
    CHECK_EQ(q.avail->idx, 0); /* not visible before publishing */
    CHECK(vq_publish(&q));
    CHECK(!vq_publish(&q));
    CHECK_EQ(q.avail->idx, 2);
    unsigned len;
    CHECK_EQ(dev_take(&len), a);
    CHECK_EQ(len, 3);
    uint16_t d = (uint16_t)a;
    for (unsigned i = 0; i < 3; i++, d = q.desc[d].next) {
        CHECK_EQ(q.desc[d].addr, 0x100000 + i * 0x1000);
        CHECK_EQ(q.desc[d].len, 512 * (i + 1));
        CHECK_EQ(q.desc[d].flags, (i < 2 ? VIRTQ_DESC_F_NEXT : 0) | (i == 2 ? VIRTQ_DESC_F_WRITE : 0));
        if (i == 2)
            break;
    }
    CHECK_EQ(dev_take(&len), b);
    uint32_t written = 0;
    CHECK_EQ(vq_next_used(&q, &written), -1); /* nothing finished yet */
    /* Out of order: b first. */
    dev_release((uint16_t)b);
    dev_complete((uint32_t)b, 77);
    CHECK_EQ(vq_next_used(&q, &written), b);
    CHECK_EQ(written, 77);
    CHECK_EQ(vq_free(&q), 5);
    dev_release((uint16_t)a);
    dev_complete((uint32_t)a, 1);
    CHECK_EQ(vq_next_used(&q, &written), a);
    CHECK_EQ(vq_free(&q), 8);
    /* Every descriptor can be one chain now. */
    CHECK(add_chain(8, 0) >= 0);
    CHECK_EQ(vq_free(&q), 0);
    CHECK_EQ(vq_next_head(&q), -1);
}

static void test_hostile_device(void)
{
    setup(8);
    uint32_t written;
    int a = add_chain(2, 0);
    vq_publish(&q);
    dev_complete(8, 0); /* an id past the table */
    CHECK_EQ(vq_next_used(&q, &written), -2);
    setup(8);
    a = add_chain(2, 0);
    vq_publish(&q);
    dev_complete((uint32_t)(a + 1), 0); /* inside the chain, not its head */
    CHECK_EQ(vq_next_used(&q, &written), -2);
    setup(8);
    a = add_chain(2, 0);
    vq_publish(&q);
    dev_complete((uint32_t)a, 0);
    dev_complete((uint32_t)a, 0); /* twice, and more entries than requests */
    CHECK_EQ(vq_next_used(&q, &written), -2);
    setup(8);
    a = add_chain(2, 0);
    int b = add_chain(2, 0);
    vq_publish(&q);
    dev_complete((uint32_t)a, 0);
    dev_complete((uint32_t)a, 0); /* the same head twice, within the count */
    CHECK_EQ(vq_next_used(&q, &written), a);
    CHECK_EQ(vq_next_used(&q, &written), -2);
    CHECK_EQ(vq_free(&q), 6); /* b's chain was not given back */
    (void)b;
}

/* Many rounds, random chain lengths, random completion order, past the
 * 16-bit index wrap: the free count always matches what is in flight. */
static void test_random(void)
{
    setup(16);
    uint64_t seed = 0x5eed;
    int inflight[16];
    unsigned lens[16], ninflight = 0, busy = 0, completed = 0;
    for (unsigned round = 0; round < 200000; round++) {
        unsigned n = 1 + (unsigned)(test_rand(&seed) % 5);
        int h = add_chain(n, round);
        if (h >= 0) {
            CHECK(ninflight < 16);
            inflight[ninflight] = h;
            lens[ninflight++] = n;
            busy += n;
        } else {
            CHECK(vq_free(&q) < n);
        }
        CHECK_EQ(vq_free(&q) + busy, 16);
        if (test_rand(&seed) % 3 == 0 || h < 0) {
            vq_publish(&q);
            unsigned len;
            while (dev_take(&len) >= 0)
                ;
            if (ninflight) {
                unsigned i = (unsigned)(test_rand(&seed) % ninflight);
                dev_release((uint16_t)inflight[i]);
                dev_complete((uint32_t)inflight[i], 0);
                uint32_t written;
                CHECK_EQ(vq_next_used(&q, &written), inflight[i]);
                busy -= lens[i];
                completed++;
                inflight[i] = inflight[--ninflight];
                lens[i] = lens[ninflight];
            }
        }
        if (test_case_failures)
            break;
    }
    CHECK(completed > 70000); /* past the wrap of the 16-bit indexes */
}

int main(void)
{
    RUN(test_layout);
    RUN(test_chains);
    RUN(test_hostile_device);
    RUN(test_random);
    free(mem);
    return test_finish();
}
