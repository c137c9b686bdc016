/* Clients' DMA pools (pool.h). */
#define _DEFAULT_SOURCE /* munmap under -std=c17 */
#include "pool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <kenix/kx.h>

static struct client {
    bool used;
    uint64_t badge;
    struct pool *pool; /* one reference */
} clients[CLIENTS_MAX];

static struct client *client_of(uint64_t badge, bool add)
{
    struct client *free_slot = NULL;
    for (unsigned i = 0; i < CLIENTS_MAX; i++) {
        if (clients[i].used && clients[i].badge == badge)
            return &clients[i];
        if (!clients[i].used && !free_slot)
            free_slot = &clients[i];
    }
    if (!add || !free_slot)
        return NULL;
    *free_slot = (struct client){ .used = true, .badge = badge };
    return free_slot;
}

/* Checks the object and maps it; returns the new pool, or NULL with *err set. */
static struct pool *pool_new(kx_handle_t mem, long *err)
{
    struct kx_handle_info info;
    *err = kx_handle_info(mem, &info);
    if (*err)
        return NULL;
    if (info.type != KX_OBJ_MEMORY || info.size == 0) {
        *err = -EINVAL; /* a device region or any other object: DMA there is not the client's to ask for */
        return NULL;
    }
    if ((info.rights & (KX_RIGHT_READ | KX_RIGHT_WRITE)) != (KX_RIGHT_READ | KX_RIGHT_WRITE)) {
        *err = -EPERM; /* the device both reads and writes the pool */
        return NULL;
    }
    long pa = kx_mem_phys(mem);
    if (pa < 0) {
        *err = -EINVAL; /* not contiguous: the device cannot address it as one run */
        return NULL;
    }
    struct pool *p = malloc(sizeof(*p));
    long va = p ? kx_mem_map(mem, 0, info.size, KX_PROT_READ | KX_PROT_WRITE) : -ENOMEM;
    if (va < 0) {
        free(p);
        *err = va == -EPERM ? -EPERM : -ENOMEM;
        return NULL;
    }
    *p = (struct pool){ .refs = 1, .va = (uintptr_t)va, .pa = (uint64_t)pa, .size = info.size };
    return p;
}

long pool_attach(uint64_t badge, kx_handle_t mem)
{
    long err;
    struct client *c = client_of(badge, true);
    struct pool *p = c ? pool_new(mem, &err) : NULL;
    if (!c)
        err = -ENOSPC;
    kx_handle_close(mem); /* our mapping holds the memory now */
    if (!p) {
        if (c && !c->pool)
            c->used = false; /* a client is a slot only once it has a pool */
        return err;
    }
    if (c->pool)
        pool_put(c->pool);
    c->pool = p;
    return 0;
}

struct pool *pool_get(uint64_t badge)
{
    struct client *c = client_of(badge, false);
    if (!c || !c->pool)
        return NULL;
    c->pool->refs++;
    return c->pool;
}

void pool_put(struct pool *p)
{
    if (--p->refs)
        return;
    munmap((void *)p->va, p->size);
    free(p);
}
