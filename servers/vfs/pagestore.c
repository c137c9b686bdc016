/*
 * Committed memory for everything the vfs grows at run time.
 *
 * A page fault that finds no free memory kills a process, so the vfs never
 * touches memory that was not committed when it was obtained: no malloc, no
 * brk, no demand-zero growth. Everything comes from chunks: 1 MiB memory
 * objects (kx_mem_create commits the pages or fails with -ENOMEM) mapped with
 * kx_mem_map. The host build backs chunks with aligned_alloc, under a
 * pretend RAM size so the tests can run out.
 *
 * Pages: each chunk hands out never-used pages from a bump index, then pages
 * given back (a free list threaded through them). A chunk whose pages are all
 * free again is released (unmapped and its handle closed), except one spare
 * kept so a file growing and shrinking at a boundary does not create and
 * destroy chunks each time. Chunks are kept sorted by address, so the chunk of
 * a page is a binary search away.
 *
 * Metadata: slabs of one page each for sizes up to 2 KiB (vnodes, dirents,
 * names); larger requests (long symlink targets) take a whole page.
 *
 * Limits: a process holds at most KX_HANDLES_MAX (4096) handles and each chunk
 * keeps its handle (the pages will be handed out as memory objects for file
 * mappings later), so the store stops at CHUNKS_MAX chunks: about 4 GiB.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "vfs.h"

#ifdef VFS_HOST
#include <stdlib.h>
#else
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include <kenix/kx.h>
#endif

#define CHUNK_SIZE (1u << 20)
#define CHUNK_PAGES (CHUNK_SIZE / VFS_PAGE)
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

int ps_init(uint64_t limit_bytes)
{
#ifdef VFS_HOST
    for (uint32_t i = 0; i < nchunks; i++)
        chunk_destroy(&chunks[i]);
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
    nchunks = 0;
    memset(partial, 0, sizeof(partial));
    hint = 0;
    free_pages = 0;
    slab_pages = 0;
    return 0;
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
    st->pages_used = st->pages_total - free_pages;
    st->slab_pages = slab_pages;
    st->handles = nchunks;
}

struct vfs_time vfs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (struct vfs_time){ .sec = ts.tv_sec, .nsec = (uint32_t)ts.tv_nsec };
}
