/*
 * The program cache: the pages of the files execve ran last, kept between
 * runs, so that exec costs the same for a 2 MiB program as for a small one.
 *
 * Without it every exec asked the file's server for every page of the
 * program (IO_MAP) and mapped them all: ~140 instructions a page, most of a
 * `busybox true`. With it the first exec of a file asks once for all its
 * pages; later ones find them here and attach them to the segments' areas,
 * where a fault maps a page copy-on-write (vm_area.pages) -- no server call,
 * no work for pages the program never touches.
 *
 * An entry is valid while the file's pages are the ones it holds. The vfs
 * tells: its VFS_OPEN answer carries the version of the file's pages (w6),
 * which changes whenever a page of the file is made or freed, and an entry
 * is used only by an open that saw its version. Writes into existing pages
 * need no such care: the entry holds the server's very frames, so a
 * program run after a write sees it, as Linux's page cache does.
 *
 * An entry holds a reference on every frame of the file, so a deleted or
 * truncated file's frames would stay alive with it: an entry whose first
 * frame nobody else holds (the file lost it) is dropped whenever an entry is
 * made, and at most CACHE_SLOTS entries live, the least recently used going
 * first.
 *
 * filecache_lock protects the table; frames are dropped outside it.
 */
#include "filecache.h"

#include "sobj.h"
#include "file.h"
#include "kenix/memlayout.h"
#include "kenix/spinlock.h"
#include "../mm/file_pages.h"
#include "../core/ipc.h"
#include "../mm/frames.h"

#define CACHE_SLOTS 16
#define CACHE_MAX_PAGES FILECACHE_MAX_PAGES
#define ASK_PAGES 512        /* pages asked for in one IO_MAP (file_frames's limit) */

struct entry {
    struct endpoint *ep;       /* the server (a reference: never another one at this address) */
    uint64_t identity, version;
    uint64_t last_use;         /* of use_clock: the least recently used goes first */
    struct file_pages *pages;  /* a reference; NULL: a free slot */
};

static struct spinlock filecache_lock = SPINLOCK_INIT("filecache");
static struct entry cache[CACHE_SLOTS];
static uint64_t use_clock;

static bool same_file(const struct entry *e, const struct sobj *o)
{
    return e->pages && e->ep == o->ep && e->identity == o->identity;
}

/* Frees slot e, handing its references to the caller, who drops them
 * (release) with the lock no longer held. */
static struct entry vacate(struct entry *e)
{
    struct entry old = *e;
    e->pages = 0;
    e->ep = 0;
    return old;
}

static void release(struct entry *old)
{
    if (old->pages) {
        file_pages_put(old->pages);
        kobject_put(&old->ep->obj);
    }
}

/* A file's pages no other holder keeps: the file was deleted or cut short.
 * (Its first page stands for all: the vfs frees a file's pages together.) */
static bool orphaned(const struct file_pages *fp)
{
    return fp->npages && fp->frames[0] && frame_refcount(fp->frames[0]) == 1;
}

/* Asks the server for the file's first `npages` pages. NULL: no memory, or
 * an error, or the server cannot map. */
static struct file_pages *fill(struct sobj *o, uint64_t npages)
{
    struct file_pages *fp = file_pages_alloc(npages);
    if (!fp)
        return 0;
    for (uint64_t done = 0; done < npages;) {
        uint64_t want = npages - done < ASK_PAGES ? npages - done : ASK_PAGES;
        long got = file_frames(o, done * PAGE_SIZE, want, false, fp->frames + done);
        if (got < 0) {
            file_pages_put(fp);
            return 0;
        }
        done += (uint64_t)got;
        fp->npages = done;
        if ((uint64_t)got < want)
            break; /* the file ends here */
    }
    return fp;
}

struct file_pages *filecache_get(struct sobj *o, uint64_t npages)
{
    if (!o->pages_version || npages == 0 || npages > CACHE_MAX_PAGES)
        return 0;
    struct file_pages *found = 0;
    struct entry stale = { 0 };
    irqflags_t flags = spin_lock_irqsave(&filecache_lock);
    for (unsigned i = 0; i < CACHE_SLOTS; i++) {
        struct entry *e = &cache[i];
        if (!same_file(e, o))
            continue;
        if (e->version == o->pages_version && e->pages->npages >= npages) {
            found = file_pages_get(e->pages);
            e->last_use = ++use_clock;
        } else {
            stale = vacate(e); /* the file changed, or a longer run is wanted */
        }
        break;
    }
    spin_unlock_irqrestore(&filecache_lock, flags);
    release(&stale);
    if (found)
        return found;

    struct file_pages *fp = fill(o, npages);
    if (!fp)
        return 0;
    /* Into the table: over a dead entry, else a free slot, else the least
     * recently used. Another exec may have filled the same file meanwhile:
     * one entry per file, the newer. */
    struct entry dropped[CACHE_SLOTS];
    unsigned ndropped = 0;
    flags = spin_lock_irqsave(&filecache_lock);
    struct entry *slot = 0;
    for (unsigned i = 0; i < CACHE_SLOTS; i++) {
        struct entry *e = &cache[i];
        if (e->pages && (same_file(e, o) || orphaned(e->pages)))
            dropped[ndropped++] = vacate(e);
        if (!e->pages && !slot)
            slot = e;
    }
    if (!slot) {
        slot = &cache[0];
        for (unsigned i = 1; i < CACHE_SLOTS; i++)
            if (cache[i].last_use < slot->last_use)
                slot = &cache[i];
        dropped[ndropped++] = vacate(slot);
    }
    *slot = (struct entry){ (struct endpoint *)kobject_get(&o->ep->obj), o->identity, o->pages_version, ++use_clock,
                            file_pages_get(fp) };
    spin_unlock_irqrestore(&filecache_lock, flags);
    for (unsigned i = 0; i < ndropped; i++)
        release(&dropped[i]);
    return fp;
}
