/*
 * Directory entries: the names of every directory, for every back-end.
 *
 * Lookups go through one global hash keyed by (directory, name): a component
 * costs a hash of its bytes and, usually, one comparison, however big the
 * directory. The table is a directory of pages of bucket pointers (512 a
 * page), so it grows by doubling without one large allocation; growth happens
 * when there are more entries than buckets, and a failed growth only makes
 * chains longer.
 *
 * Each directory also keeps its entries on a list in increasing position
 * order: a new entry takes the directory's next position and goes to the
 * tail. readdir walks the list; an open directory keeps a cursor entry on it
 * where it stopped (Linux's dcache_readdir does the same), so entries added
 * or removed elsewhere never shift what is still to come, and an entry present
 * throughout a listing is listed exactly once.
 */
#include <errno.h>
#include <string.h>

#include "vfs.h"

#define PTRS_PER_PAGE (VFS_PAGE / sizeof(void *))
#define DIR_PAGES 512u

static struct dirent **table[DIR_PAGES];
static uint32_t table_pages; /* buckets = table_pages * PTRS_PER_PAGE, a power of two */
static uint64_t entries;

uint32_t dcache_hash(const char *name, uint32_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (uint32_t i = 0; i < len; i++) {
        h ^= (uint8_t)name[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t bucket_of(const struct vnode *dir, uint32_t hash, uint32_t pages)
{
    uint64_t k = ((uint64_t)(uintptr_t)dir >> 4) * 0x9E3779B97F4A7C15ull;
    uint32_t mixed = hash ^ (uint32_t)(k >> 32);
    return mixed & (pages * (uint32_t)PTRS_PER_PAGE - 1u);
}

static struct dirent **slot(uint32_t b)
{
    return &table[b / PTRS_PER_PAGE][b % PTRS_PER_PAGE];
}

int dcache_init(void)
{
    /* Called once, on a fresh store (the host tests make a new store per case). */
    table_pages = 0;
    entries = 0;
    table[0] = ps_page_zalloc();
    if (!table[0])
        return -ENOMEM;
    table_pages = 1;
    return 0;
}

uint64_t dcache_count(void) { return entries; }

/* Doubles the table if memory allows; otherwise chains just grow. */
static void grow(void)
{
    uint32_t n = table_pages * 2;
    if (n > DIR_PAGES)
        return;
    struct dirent **fresh[DIR_PAGES];
    for (uint32_t i = 0; i < n; i++) {
        fresh[i] = ps_page_zalloc();
        if (!fresh[i]) {
            while (i-- > 0)
                ps_page_free(fresh[i]);
            return;
        }
    }
    for (uint32_t p = 0; p < table_pages; p++) {
        for (uint32_t k = 0; k < PTRS_PER_PAGE; k++) {
            struct dirent *d = table[p][k];
            while (d) {
                struct dirent *next = d->hnext;
                uint32_t b = bucket_of(d->dir, d->hash, n);
                struct dirent **head = &fresh[b / PTRS_PER_PAGE][b % PTRS_PER_PAGE];
                d->hnext = *head;
                *head = d;
                d = next;
            }
        }
        ps_page_free(table[p]);
    }
    memcpy(table, fresh, n * sizeof(table[0]));
    table_pages = n;
}

struct dirent *dcache_lookup(struct vnode *dir, const char *name, uint32_t len, uint32_t hash)
{
    for (struct dirent *d = *slot(bucket_of(dir, hash, table_pages)); d; d = d->hnext) {
        if (d->hash != hash || d->dir != dir || d->len != len)
            continue;
        uint32_t i = 0;
        while (i < len && d->name[i] == name[i])
            i++;
        if (i == len)
            return d;
    }
    return NULL;
}

struct dirent *dcache_lookup_cmp(struct vnode *dir, const char *name, uint32_t len, uint32_t hash,
                                 bool (*same)(const char *a, uint32_t alen, const char *b, uint32_t blen))
{
    for (struct dirent *d = *slot(bucket_of(dir, hash, table_pages)); d; d = d->hnext) {
        if (d->hash == hash && d->dir == dir && same(d->name, d->len, name, len))
            return d;
    }
    return NULL;
}

static void list_insert_after(struct vnode *dir, struct dirent *d, struct dirent *after)
{
    d->prev = after;
    d->next = after ? after->next : dir->u.dir.first;
    if (d->next)
        d->next->prev = d;
    else
        dir->u.dir.last = d;
    if (after)
        after->next = d;
    else
        dir->u.dir.first = d;
}

static void list_remove(struct vnode *dir, struct dirent *d)
{
    if (d->prev)
        d->prev->next = d->next;
    else
        dir->u.dir.first = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        dir->u.dir.last = d->prev;
    d->prev = d->next = NULL;
}

struct dirent *dcache_add(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, struct vnode *node)
{
    struct dirent *d = meta_alloc(sizeof(*d) + len + 1u);
    if (!d)
        return NULL;
    memcpy(d->name, name, len);
    d->name[len] = 0;
    d->len = (uint16_t)len;
    d->hash = hash;
    d->dir = dir;
    d->node = node;
    d->refs = 1;
    d->pos = dir->u.dir.next_pos++;
    list_insert_after(dir, d, dir->u.dir.last);
    struct dirent **head = slot(bucket_of(dir, hash, table_pages));
    d->hnext = *head;
    *head = d;
    dir->u.dir.nentries++;
    if (++entries > (uint64_t)table_pages * PTRS_PER_PAGE)
        grow();
    return d;
}

void dcache_get(struct dirent *d) { d->refs++; }

void dcache_put(struct dirent *d)
{
    while (d && --d->refs == 0) {
        struct dirent *next = d->moved;
        meta_free(d, sizeof(*d) + d->len + 1u);
        d = next;
    }
}

void dcache_remove(struct dirent *d)
{
    struct vnode *dir = d->dir;
    struct dirent **pp = slot(bucket_of(dir, d->hash, table_pages));
    while (*pp != d)
        pp = &(*pp)->hnext;
    *pp = d->hnext;
    d->hnext = NULL;
    list_remove(dir, d);
    dir->u.dir.nentries--;
    entries--;
    d->dead = 1;
    d->dir = NULL;
    dcache_put(d);
}

struct dirent *dcache_cursor_new(struct vnode *dir)
{
    struct dirent *c = meta_alloc(sizeof(*c) + 1u);
    if (c) {
        c->is_cursor = 1;
        c->dir = dir;
        c->dead = 1; /* not on the list yet */
    }
    return c;
}

void dcache_cursor_move(struct dirent *c, struct dirent *after)
{
    if (!c->dead)
        list_remove(c->dir, c);
    list_insert_after(c->dir, c, after);
    c->dead = 0;
}

void dcache_cursor_free(struct dirent *c)
{
    if (!c->dead)
        list_remove(c->dir, c);
    meta_free(c, sizeof(*c) + 1u);
}
