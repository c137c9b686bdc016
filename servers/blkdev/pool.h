/*
 * Clients' DMA pools (BLK_ATTACH): the physically contiguous memory object
 * a client hands over, into and out of which the device moves its data.
 *
 * Ownership: blkdev maps each pool (the mapping keeps the memory alive even
 * if the client goes away) and closes the handle it came with. A pool is
 * counted: one reference for the client that attached it, one for each
 * call in flight on it. Replacing a client's pool drops the first; the
 * mapping goes when the last goes -- never while the device may still be
 * using the memory. Clients are told apart by badge; a client is forgotten
 * only by attaching a new pool (blkdev is not told when a client goes away,
 * so a dead client's pool stays mapped until its badge attaches again).
 */
#ifndef BLKDEV_POOL_H
#define BLKDEV_POOL_H

#include <stdint.h>

#include <kenix/ipc.h>

#define CLIENTS_MAX 16

struct pool {
    unsigned refs;
    uintptr_t va;  /* our mapping, for its lifetime only: data never goes through it */
    uint64_t pa;   /* what the device is given */
    uint64_t size; /* bytes */
};

/*
 * Makes the memory object `mem` (received with BLK_ATTACH; consumed: the
 * handle is closed whatever happens) the pool of client `badge`, replacing
 * its previous one. Returns 0 or -errno as BLK_ATTACH answers.
 */
long pool_attach(uint64_t badge, kx_handle_t mem);
/* The client's pool with a reference for the caller, or NULL if none. */
struct pool *pool_get(uint64_t badge);
/* Drops a reference taken by pool_get. */
void pool_put(struct pool *p);

#endif
