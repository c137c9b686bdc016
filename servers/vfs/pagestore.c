/*
 * Committed memory for everything the vfs grows at run time.
 *
 * A page fault that finds no free memory kills a process, so the vfs never
 * relies on a fault to get memory: no malloc, no brk, no demand-zero growth.
 * Every page is committed by a call that can fail and say so.
 *
 * File data (ps_data_*) lives in one large anonymous private region of the
 * vfs (mmap MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE: address space only),
 * one page slot per data page. A slot is committed with
 * madvise(MADV_POPULATE_WRITE), which gives it a fresh zeroed frame or fails
 * with ENOMEM, and released with madvise(MADV_DONTNEED), which drops the
 * frame from the vfs. Programs map these very frames (IO_MAP): a mapping
 * keeps its own reference to the frame, and a slot used again gets a new
 * frame, so a program that mapped a page of a deleted or truncated file never
 * sees another file's data through it. The region has one slot per page of
 * RAM (data pages cannot outnumber frames); a stack of free slot numbers
 * (4 bytes a slot, committed whole at start, so it never grows) makes
 * allocation O(1). Fresh slots are committed a batch at a time (one system
 * call for several pages) and what a request did not use of a batch is let go
 * at its end (ps_data_flush), as are runs of consecutive slots freed
 * together: the vfs holds no data frame that no file uses once a request is
 * done, so free memory comes back exactly when files go.
 *
 * Metadata (ps_page_*, meta_*) comes from chunks: memory objects of 64 KiB
 * to 1 MiB, by RAM (CHUNK_SIZE) (kx_mem_create commits the pages or fails with -ENOMEM) mapped with
 * kx_mem_map. Each chunk hands out never-used pages from a bump index, then
 * pages given back (a free list threaded through them). A chunk whose pages
 * are all free again is released (unmapped and its handle closed), except one
 * spare kept so a structure growing and shrinking at a boundary does not
 * create and destroy chunks each time. Chunks are kept sorted by address, so
 * the chunk of a page is a binary search away. On top, slabs of one page each
 * serve sizes up to 2 KiB (vnodes, dirents, names); larger requests (long
 * symlink targets) take a whole page.
 *
 * The host build (unit tests) backs chunks with aligned_alloc and commits
 * data slots by writing them, all under a pretend RAM size so the tests can
 * run out.
 *
 * Limits: a process holds at most KX_HANDLES_MAX (4096) handles and each chunk
 * keeps its handle, so metadata stops at CHUNKS_MAX chunks: about 4 GiB with
 * 1 MiB chunks, 250 MiB with the 64 KiB chunks of a machine below 16 MiB.
 */
#define _DEFAULT_SOURCE /* clock_gettime, madvise, MAP_ANONYMOUS under -std=c17 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "vfs.h"

#include <sys/mman.h>

#ifdef VFS_HOST
#include <stdlib.h>
#else
#include <sys/sysinfo.h>

#include <kenix/kx.h>
#endif

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; not in musl 1.2.3's headers */
#endif

/* The chunk size is a 128th of RAM as a power of two, between 64 KiB and
 * 1 MiB (ps_init). A chunk's pages are all committed when it is made, so on a
 * 16 MiB machine a 1 MiB chunk would hold 6% of RAM for a few vnodes; it gets
 * 128 KiB chunks, and 128 MiB and more keep 1 MiB (fewer handles and calls).
 * CHUNKS_MAX of the smallest still hold 250 MiB of metadata. Fixed from
 * ps_init on: chunks of another size never coexist. */
#define CHUNK_SIZE_MIN (64u << 10)
#define CHUNK_SIZE_MAX (1u << 20)
#define CHUNK_SIZE chunk_size
#define CHUNK_PAGES (chunk_size / VFS_PAGE)
#define CHUNKS_MAX 4000u /* below KX_HANDLES_MAX, leaving room for the few others */

struct chunk {
    uintptr_t base;
    void *free_list;       /* pages given back */
    uint32_t nfree;        /* free pages, fresh ones included */
    uint32_t fresh;        /* pages [fresh, CHUNK_PAGES) never handed out */
    int32_t handle;
};

static struct chunk chunks[CHUNKS_MAX]; /* sorted by base */
static uint32_t nchunks;
static uint32_t hint;                   /* where the last page came from */
static uint64_t free_pages;             /* across all chunks */
static uint64_t slab_pages;
static uint64_t ram_bytes;
static uint32_t chunk_size = CHUNK_SIZE_MAX;
struct slab;
static struct slab *partial[12]; /* per size class: slabs with room */

#ifdef VFS_HOST
static uint64_t host_limit;
static uint64_t host_used;
#endif

static int chunk_create(uintptr_t *base, int32_t *handle)
{
#ifdef VFS_HOST
    if (host_limit && host_used + CHUNK_SIZE > host_limit)
        return -ENOMEM;
    void *p = aligned_alloc(VFS_PAGE, CHUNK_SIZE);
    if (!p)
        return -ENOMEM;
    host_used += CHUNK_SIZE;
    *base = (uintptr_t)p;
    *handle = 0;
    return 0;
#else
    long h = kx_mem_create(CHUNK_SIZE, 0);
    if (h < 0)
        return (int)h;
    long addr = kx_mem_map((kx_handle_t)h, 0, CHUNK_SIZE, KX_PROT_READ | KX_PROT_WRITE);
    if (addr < 0) {
        kx_handle_close((kx_handle_t)h);
        return (int)addr;
    }
    *base = (uintptr_t)addr;
    *handle = (int32_t)h;
    return 0;
#endif
}

static void chunk_destroy(const struct chunk *c)
{
#ifdef VFS_HOST
    free((void *)c->base);
    host_used -= CHUNK_SIZE;
#else
    munmap((void *)c->base, CHUNK_SIZE);
    kx_handle_close(c->handle);
#endif
}

static int data_init(void);
static void data_destroy(void);

int ps_init(uint64_t limit_bytes)
{
#ifdef VFS_HOST
    for (uint32_t i = 0; i < nchunks; i++)
        chunk_destroy(&chunks[i]);
    data_destroy();
    host_limit = limit_bytes;
    host_used = 0;
    if (!ram_bytes)
        ram_bytes = 1ull << 30;
#else
    (void)limit_bytes;
    struct sysinfo si;
    if (sysinfo(&si) == 0)
        ram_bytes = (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1);
    if (!ram_bytes)
        ram_bytes = 256ull << 20;
#endif
    chunk_size = CHUNK_SIZE_MIN;
    while (chunk_size < CHUNK_SIZE_MAX && (uint64_t)chunk_size * 2 * 128 <= ram_bytes)
        chunk_size *= 2;
    nchunks = 0;
    memset(partial, 0, sizeof(partial));
    hint = 0;
    free_pages = 0;
    slab_pages = 0;
    return data_init();
}

uint64_t ps_ram_bytes(void) { return ram_bytes; }
void ps_set_ram_bytes(uint64_t b) { ram_bytes = b; }

/* The chunk holding address a, or -1. */
static int chunk_of(uintptr_t a)
{
    uint32_t lo = 0, hi = nchunks;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (a < chunks[mid].base)
            hi = mid;
        else if (a >= chunks[mid].base + CHUNK_SIZE)
            lo = mid + 1;
        else
            return (int)mid;
    }
    return -1;
}

static int chunk_add(void)
{
    if (nchunks >= CHUNKS_MAX)
        return -ENOMEM;
    uintptr_t base;
    int32_t handle;
    int err = chunk_create(&base, &handle);
    if (err)
        return err;
    uint32_t i = 0;
    while (i < nchunks && chunks[i].base < base)
        i++;
    memmove(&chunks[i + 1], &chunks[i], (nchunks - i) * sizeof(chunks[0]));
    chunks[i] = (struct chunk){ .base = base, .nfree = CHUNK_PAGES, .fresh = 0, .handle = handle };
    nchunks++;
    free_pages += CHUNK_PAGES;
    hint = i;
    return 0;
}

void *ps_page_alloc(void)
{
    if (free_pages == 0 && chunk_add() != 0)
        return NULL;
    /* Some chunk has a free page: look from the last one used. */
    for (uint32_t n = 0; n < nchunks; n++) {
        struct chunk *c = &chunks[(hint + n) % nchunks];
        if (!c->nfree)
            continue;
        hint = (uint32_t)(c - chunks);
        void *p;
        if (c->free_list) {
            p = c->free_list;
            c->free_list = *(void **)p;
        } else {
            p = (void *)(c->base + (uintptr_t)c->fresh * VFS_PAGE);
            c->fresh++;
        }
        c->nfree--;
        free_pages--;
        return p;
    }
    return NULL; /* not reached: free_pages said there was one */
}

void *ps_page_zalloc(void)
{
    void *p = ps_page_alloc();
    if (p)
        memset(p, 0, VFS_PAGE);
    return p;
}

void ps_page_free(void *page)
{
    int i = chunk_of((uintptr_t)page);
    if (i < 0)
        return; /* not ours: a bug, but freeing it anywhere would be worse */
    struct chunk *c = &chunks[i];
    *(void **)page = c->free_list;
    c->free_list = page;
    c->nfree++;
    free_pages++;
    if (c->nfree == CHUNK_PAGES && free_pages > CHUNK_PAGES) {
        /* Wholly free, and another chunk has room: give it back. */
        struct chunk gone = *c;
        memmove(&chunks[i], &chunks[i + 1], (nchunks - (uint32_t)i - 1) * sizeof(chunks[0]));
        nchunks--;
        free_pages -= CHUNK_PAGES;
        hint = 0;
        chunk_destroy(&gone);
    }
}

/* ---- file data: slots of one region ------------------------------------------ */

#define DATA_BATCH 16u /* fresh slots committed per system call */

static uint8_t *data_base;      /* the region: data_slots pages */
static uint32_t data_slots;
static uint32_t *free_slots;    /* stack of free slot numbers (their frames dropped) */
static uint32_t nfree_slots;
static uint32_t bump;           /* slots [bump, data_slots) never used */
static uint32_t ready;          /* slots [bump, ready) committed ahead: fresh zeroed frames */
static uint32_t run_lo, run_n;  /* freed slots [run_lo, run_lo + run_n) whose frames are not dropped yet */
static uint64_t data_used;      /* slots holding data */

/* Commits [p, p + len): fresh zeroed frames, or -ENOMEM. */
static int commit(void *p, size_t len)
{
#ifdef VFS_HOST
    if (host_limit && host_used + len > host_limit)
        return -ENOMEM;
    if (madvise(p, len, MADV_POPULATE_WRITE) != 0)
        memset(p, 0, len); /* an older host kernel: touching commits too */
    host_used += len;
    return 0;
#else
    if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
        return 0;
    /* It may have committed part of the range before memory ran out: undo
     * that, or those frames would stay with the vfs and no file. */
    madvise(p, len, MADV_DONTNEED);
    return -ENOMEM;
#endif
}

/* Drops the frames of [p, p + len): the next commit finds fresh zeroed ones. */
static void release(void *p, size_t len)
{
    madvise(p, len, MADV_DONTNEED);
#ifdef VFS_HOST
    host_used -= len;
#endif
}

static void *region(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int data_init(void)
{
    uint64_t pages = ram_bytes / VFS_PAGE;
    if (pages > UINT32_MAX - DATA_BATCH)
        pages = UINT32_MAX - DATA_BATCH;
    data_slots = (uint32_t)pages;
    data_base = region((size_t)data_slots * VFS_PAGE);
    free_slots = region((size_t)data_slots * sizeof(uint32_t));
    if (!data_base || !free_slots) {
        data_destroy();
        return -ENOMEM;
    }
    /* The free stack is committed now, whole: freeing never needs memory. */
    if (madvise(free_slots, (size_t)data_slots * sizeof(uint32_t), MADV_POPULATE_WRITE) != 0) {
#ifdef VFS_HOST
        memset(free_slots, 0, (size_t)data_slots * sizeof(uint32_t));
#else
        data_destroy();
        return -ENOMEM;
#endif
    }
    nfree_slots = bump = ready = run_n = 0;
    data_used = 0;
    return 0;
}

static void data_destroy(void)
{
#ifdef VFS_HOST
    if (data_base)
        munmap(data_base, (size_t)data_slots * VFS_PAGE);
    if (free_slots)
        munmap(free_slots, (size_t)data_slots * sizeof(uint32_t));
#endif
    data_base = NULL;
    free_slots = NULL;
    data_slots = 0;
}

static void *slot_addr(uint32_t i) { return data_base + (size_t)i * VFS_PAGE; }

void ps_data_flush(void)
{
    if (bump < ready) {
        /* Committed ahead and not used: never seen by anyone, back to the kernel. */
        release(slot_addr(bump), (size_t)(ready - bump) * VFS_PAGE);
        ready = bump;
    }
    if (!run_n)
        return;
    release(slot_addr(run_lo), (size_t)run_n * VFS_PAGE);
    for (uint32_t k = 0; k < run_n; k++)
        free_slots[nfree_slots++] = run_lo + k; /* room: one entry per slot */
    run_n = 0;
}

/* Makes [bump, bump + n) committed. */
static int refill(uint32_t n)
{
    int err = commit(slot_addr(bump), (size_t)n * VFS_PAGE);
    if (err)
        return err;
    ready = bump + n;
    return 0;
}

void *ps_data_alloc(void)
{
    if (run_n)
        ps_data_flush(); /* what was freed goes before anything is reused */
    uint32_t i;
    if (bump < ready) {
        i = bump++; /* committed ahead */
    } else if (nfree_slots) {
        i = free_slots[nfree_slots - 1];
        if (commit(slot_addr(i), VFS_PAGE))
            return NULL;
        nfree_slots--;
    } else {
        uint32_t left = data_slots - bump;
        if (!left)
            return NULL;
        /* A batch if memory allows, else the one page wanted. */
        if (refill(left < DATA_BATCH ? left : DATA_BATCH) && refill(1))
            return NULL;
        i = bump++;
    }
    data_used++;
    return slot_addr(i);
}

void ps_data_free(void *page)
{
    uintptr_t off = (uintptr_t)page - (uintptr_t)data_base;
    if ((uintptr_t)page < (uintptr_t)data_base || off >= (uint64_t)data_slots * VFS_PAGE || off % VFS_PAGE)
        return; /* not a data page: a bug, but dropping it anywhere would be worse */
    uint32_t i = (uint32_t)(off / VFS_PAGE);
    data_used--;
    if (run_n && i == run_lo + run_n) {
        run_n++;
        return;
    }
    if (run_n && i + 1 == run_lo) {
        run_lo = i;
        run_n++;
        return;
    }
    ps_data_flush();
    run_lo = i;
    run_n = 1;
}

bool ps_is_data(const void *p)
{
    return (uintptr_t)p >= (uintptr_t)data_base &&
           (uintptr_t)p - (uintptr_t)data_base < (uint64_t)data_slots * VFS_PAGE;
}

/* ---- slabs ----------------------------------------------------------------- */

struct slab {
    struct slab *next, *prev;  /* partial list of the class */
    void *free;
    uint16_t cls, nfree, total, pad;
};
#define SLAB_HEADER 64u
static const uint16_t class_size[] = { 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 2016 };
#define NCLASSES (sizeof(class_size) / sizeof(class_size[0]))
_Static_assert(NCLASSES == sizeof(partial) / sizeof(partial[0]), "one partial list per class");

static unsigned size_class(size_t size)
{
    for (unsigned i = 0; i < NCLASSES; i++)
        if (size <= class_size[i])
            return i;
    return NCLASSES;
}

static void slab_unlink(struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        partial[s->cls] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void slab_push(struct slab *s)
{
    s->prev = NULL;
    s->next = partial[s->cls];
    if (s->next)
        s->next->prev = s;
    partial[s->cls] = s;
}

void *meta_alloc(size_t size)
{
    unsigned cls = size_class(size);
    if (cls == NCLASSES) {
        if (size > VFS_PAGE)
            return NULL;
        return ps_page_zalloc();
    }
    struct slab *s = partial[cls];
    if (!s) {
        s = ps_page_alloc();
        if (!s)
            return NULL;
        slab_pages++;
        uint16_t sz = class_size[cls];
        *s = (struct slab){ .cls = (uint16_t)cls, .total = (uint16_t)((VFS_PAGE - SLAB_HEADER) / sz) };
        s->nfree = s->total;
        /* Thread the free list through the objects, lowest first. */
        char *base = (char *)s + SLAB_HEADER;
        for (int k = s->total - 1; k >= 0; k--) {
            void *o = base + (size_t)k * sz;
            *(void **)o = s->free;
            s->free = o;
        }
        slab_push(s);
    }
    void *o = s->free;
    s->free = *(void **)o;
    if (--s->nfree == 0)
        slab_unlink(s);
    memset(o, 0, class_size[cls]);
    return o;
}

void meta_free(void *p, size_t size)
{
    if (!p)
        return;
    unsigned cls = size_class(size);
    if (cls == NCLASSES) {
        ps_page_free(p);
        return;
    }
    struct slab *s = (struct slab *)((uintptr_t)p & ~(uintptr_t)(VFS_PAGE - 1));
    *(void **)p = s->free;
    s->free = p;
    if (s->nfree++ == 0)
        slab_push(s);
    if (s->nfree == s->total && (s->next || s->prev)) {
        /* Empty, and not the class's only slab with room: the page goes back. */
        slab_unlink(s);
        slab_pages--;
        ps_page_free(s);
    }
}

char *meta_strdup(const char *s, size_t len)
{
    char *p = meta_alloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = 0;
    }
    return p;
}

void ps_stats(struct ps_stats *st)
{
    st->chunks = nchunks;
    st->pages_total = (uint64_t)nchunks * CHUNK_PAGES;
    st->pages_free = free_pages;
    st->pages_used = st->pages_total - free_pages + data_used;
    st->slab_pages = slab_pages;
    st->handles = nchunks;
    st->data_used = data_used;
    st->data_committed = data_used + (ready - bump) + run_n;
    st->data_slots = data_slots;
}

uint64_t vfs_uptime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct vfs_time vfs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (struct vfs_time){ .sec = ts.tv_sec, .nsec = (uint32_t)ts.tv_nsec };
}
