/* The split virtqueue (virtqueue.h). */
#include "virtqueue.h"

#include <string.h>

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Where the avail and used rings start (the table is at 0). */
static size_t avail_offset(uint16_t num)
{
    return sizeof(struct vq_desc) * num;
}

static size_t used_offset(uint16_t num)
{
    /* flags, idx, ring[num], used_event */
    return align_up(avail_offset(num) + sizeof(uint16_t) * (3u + num), VQ_ALIGN);
}

size_t vq_bytes(uint16_t num)
{
    /* flags, idx, ring[num], avail_event */
    return used_offset(num) + align_up(sizeof(uint16_t) * 3u + sizeof(struct vq_used_elem) * num, VQ_ALIGN);
}

/* Barriers between our ring writes and the device's view of them, and the
 * device's writes and our reads (a full-system barrier: the device is an
 * observer outside the CPUs' shareability domain). The host build (the unit
 * test, tests/unit) has no device: a compiler fence does. */
static void ring_barrier(void)
{
#if defined(__aarch64__)
    __asm__ volatile("dmb sy" ::: "memory");
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

void vq_init(struct virtq *q, void *va, uint64_t pa, uint16_t num)
{
    memset(va, 0, vq_bytes(num));
    q->num = num;
    q->desc = (volatile struct vq_desc *)va;
    q->avail = (volatile struct vq_avail *)((uintptr_t)va + avail_offset(num));
    q->used = (volatile struct vq_used *)((uintptr_t)va + used_offset(num));
    q->desc_pa = pa;
    q->avail_pa = pa + avail_offset(num);
    q->used_pa = pa + used_offset(num);
    q->avail_idx = q->published = q->last_used = 0;
    for (uint16_t i = 0; i < num; i++) {
        q->link[i] = (uint16_t)(i + 1);
        q->chain[i] = 0;
    }
    q->free_head = 0;
    q->num_free = num;
}

int vq_add(struct virtq *q, const struct vq_buf *bufs, unsigned n)
{
    if (n == 0 || n > q->num_free)
        return -1;
    uint16_t head = q->free_head, d = head;
    for (unsigned i = 0; i < n; i++) {
        uint16_t next = q->link[d];
        q->desc[d].addr = bufs[i].addr;
        q->desc[d].len = bufs[i].len;
        q->desc[d].flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        q->desc[d].next = i + 1 < n ? next : 0;
        if (i + 1 < n)
            d = next;
        else
            q->free_head = next; /* the chain keeps its links in link[] for vq_next_used */
    }
    q->num_free = (uint16_t)(q->num_free - n);
    q->chain[head] = (uint16_t)n;
    q->avail->ring[q->avail_idx % q->num] = head;
    q->avail_idx++;
    return head;
}

bool vq_publish(struct virtq *q)
{
    if (q->avail_idx == q->published)
        return false;
    ring_barrier(); /* descriptors and ring entries before the index that shows them */
    q->avail->idx = q->avail_idx;
    q->published = q->avail_idx;
    return true;
}

int vq_next_used(struct virtq *q, uint32_t *written)
{
    uint16_t idx = q->used->idx;
    if (idx == q->last_used)
        return -1;
    if ((uint16_t)(idx - q->last_used) > (uint16_t)(q->avail_idx - q->last_used))
        return -2; /* more finished than we ever gave it */
    ring_barrier(); /* the entry (and the buffers) after the index that announced them */
    volatile struct vq_used_elem *e = &q->used->ring[q->last_used % q->num];
    uint32_t id = e->id;
    *written = e->len;
    if (id >= q->num || q->chain[id] == 0)
        return -2;
    q->last_used++;
    /* Back on the free list, following our own links, never the table's. */
    uint16_t n = q->chain[id], tail = (uint16_t)id;
    for (uint16_t i = 1; i < n; i++)
        tail = q->link[tail];
    q->link[tail] = q->free_head;
    q->free_head = (uint16_t)id;
    q->num_free = (uint16_t)(q->num_free + n);
    q->chain[id] = 0;
    return (int)id;
}
