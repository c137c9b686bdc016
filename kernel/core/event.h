/*
 * Events (KX_OBJ_EVENT, POSIX-DESIGN R4): a level-triggered readiness word
 * that a server keeps for one of its objects, and the pollers watching it.
 * The server changes the word with kx_event_update; a descriptor for the
 * object carries a reference to the event (kx_fd_attach with KX_FD_EVENT),
 * so ppoll and pselect6 read the object's readiness in the kernel without a
 * message to the server.
 *
 * Ownership: handles and the server objects (sobj.c) that carry the event
 * hold references; the last one frees it. Pollers hold a reference to the
 * file, hence to the sobj, hence to the event, for as long as they are
 * registered on it.
 */
#ifndef KENIX_CORE_EVENT_H
#define KENIX_CORE_EVENT_H

#include <stdint.h>

#include "kenix/spinlock.h"
#include "kobject.h"
#include "pollwait.h"

struct event {
    struct kobject obj;
    struct spinlock lock;     /* protects bits and pollers (an object lock: before "poll" locks) */
    uint32_t bits;            /* KX_EVENT_* (Linux POLL* numbers) */
    struct poll_head pollers;
};

/* The word as pollers see it (POLLIN adds POLLRDNORM, POLLOUT POLLWRNORM);
 * with `e`, also registers e on the event. Never blocks. */
uint32_t event_poll(struct event *ev, struct poll_entry *e);

#endif
