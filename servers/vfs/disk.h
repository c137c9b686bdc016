/* The vfs's disk (disk.c, guest only): /dev/vda over the block device server. */
#ifndef VFS_DISK_H
#define VFS_DISK_H

#include <kenix/kx.h>

/* VFS_DISK: takes `server` (a SEND handle to blkdev's endpoint, now ours) and
 * serves the disk as /dev/vda; a later call replaces a dead server's
 * connection and keeps the cache. 0 or -errno (the handle is closed then). */
int disk_attach(kx_handle_t server);

#endif
