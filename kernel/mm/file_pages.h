/*
 * A file's pages as its server offered them (IO_MAP): the frames, each with a
 * reference, that private areas map lazily -- a fault maps the file's frame
 * copy-on-write without asking the server, so it may happen anywhere a user
 * copy may, even under ipc_lock -- and that the program cache
 * (posix/filecache.c) keeps between execs.
 *
 * Ownership: shared by reference count. The program cache holds one while
 * the entry lives; each area whose pages come from it holds one (vm_area.pages).
 * A mapped page holds its own frame reference besides, so the last put frees
 * only what nobody maps.
 */
#ifndef KENIX_MM_FILE_PAGES_H
#define KENIX_MM_FILE_PAGES_H

#include <stdint.h>

struct file_pages {
    uint32_t refs;       /* atomic */
    uint64_t npages;     /* pages of the file described: frames[0..npages) */
    uint64_t *frames;    /* physical addresses, each with a reference; 0: a hole (reads as zero);
                          * its own allocation, so a power-of-two count fills whole pages */
};

/* Room for `capacity` pages, all holes, npages 0, one reference. NULL when
 * out of memory. */
struct file_pages *file_pages_alloc(uint64_t capacity);
struct file_pages *file_pages_get(struct file_pages *fp);
/* Drops a reference; the last one drops the frames' and frees it. */
void file_pages_put(struct file_pages *fp);

#endif
