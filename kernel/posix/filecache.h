/*
 * The program cache (filecache.c): the pages of recently run program files,
 * kept between execs while the vfs says they are still the file's.
 */
#ifndef KENIX_POSIX_FILECACHE_H
#define KENIX_POSIX_FILECACHE_H

#include <stdint.h>

/* The largest program kept, in pages (32 MiB): bigger ones are mapped as
 * before, eagerly. */
#define FILECACHE_MAX_PAGES 8192

struct file_pages;
struct sobj;

/* The pages of the file o (opened for exec), at least its first `npages`
 * asked for -- fewer where the file is shorter (npages of the answer) --
 * with a reference for the caller; from the cache while o's pages version
 * is the one it holds, else asked of the server and kept. NULL: the file's
 * pages cannot be kept (no version, too large, a server that cannot map, no
 * memory): the caller maps the pages the old way. */
struct file_pages *filecache_get(struct sobj *o, uint64_t npages);

#endif
