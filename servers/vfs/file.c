/*
 * Open objects: what a cookie names.
 *
 * Every successful VFS_OPEN makes one struct ofile, released by IO_CLOSE. A
 * cookie is (generation << 32) | index: the index finds the slot in O(1), the
 * generation (bumped at every release, never 0, so no cookie is 0) makes a
 * stale cookie -- one closed, or never given -- fail the check instead of
 * naming whatever reuses the slot. Only the kernel can send IO requests (the
 * badge says so), so cookies need not be secret; the generation makes them
 * exact. Slots live in pages taken from the store as the table grows and are
 * kept (a page of free slots costs 4 KiB).
 *
 * An ofile holds the vnode open (vnode.opens, mount.opens: umount's EBUSY)
 * and, for non-directories, the name it was opened by (a dirent reference:
 * IO_GETPATH). A directory's name is its own (vnode.u.dir.self).
 */
#include <errno.h>
#include <string.h>

#include "vfs.h"

#define PER_PAGE (VFS_PAGE / sizeof(struct ofile))
#define TABLE_PAGES 2048u
#define NO_SLOT 0xffffffffu

static struct ofile *pages[TABLE_PAGES];
static uint32_t nslots;
static uint32_t free_head = NO_SLOT;
static uint64_t nopen;

static struct ofile *slot_at(uint32_t i)
{
    return &pages[i / PER_PAGE][i % PER_PAGE];
}

static uint32_t slot_take(void)
{
    if (free_head == NO_SLOT) {
        if (nslots / PER_PAGE >= TABLE_PAGES)
            return NO_SLOT;
        struct ofile *page = ps_page_zalloc();
        if (!page)
            return NO_SLOT;
        pages[nslots / PER_PAGE] = page;
        for (uint32_t k = (uint32_t)PER_PAGE; k-- > 0;) {
            page[k].gen = 1;
            page[k].next_free = free_head;
            free_head = nslots + k;
        }
        nslots += (uint32_t)PER_PAGE;
    }
    uint32_t i = free_head;
    free_head = slot_at(i)->next_free;
    return i;
}

/* Open for writing (write access, not O_PATH): what makes a remount read-only busy. */
static bool ofile_writes(const struct ofile *f)
{
    uint32_t acc = f->flags & LX_O_ACCMODE;
    return !(f->flags & LX_O_PATH) && (acc == LX_O_WRONLY || acc == LX_O_RDWR);
}

uint64_t ofile_new(struct vnode *v, struct dirent *d, uint32_t flags)
{
    uint32_t i = slot_take();
    if (i == NO_SLOT)
        return 0;
    struct ofile *f = slot_at(i);
    f->node = v;
    f->flags = flags;
    f->cursor = NULL;
    f->list_end = S_IS(v->mode, LX_S_IFDIR) ? v->u.dir.next_pos : 0;
    f->dent = S_IS(v->mode, LX_S_IFDIR) ? NULL : d;
    if (f->dent)
        dcache_get(f->dent);
    v->ops->open(v);
    v->mnt->opens++;
    if (ofile_writes(f))
        v->mnt->writers++;
    nopen++;
    return ((uint64_t)f->gen << 32) | i;
}

struct ofile *ofile_get(uint64_t cookie)
{
    uint32_t i = (uint32_t)cookie;
    if (i >= nslots)
        return NULL;
    struct ofile *f = slot_at(i);
    if (!f->node || f->gen != (uint32_t)(cookie >> 32))
        return NULL;
    return f;
}

void ofile_close(uint64_t cookie)
{
    struct ofile *f = ofile_get(cookie);
    if (!f)
        return;
    struct vnode *v = f->node;
    if (f->cursor)
        dcache_cursor_free(f->cursor);
    if (f->dent)
        dcache_put(f->dent);
    v->mnt->opens--;
    if (ofile_writes(f))
        v->mnt->writers--;
    f->node = NULL;
    f->dent = f->cursor = NULL;
    if (++f->gen == 0)
        f->gen = 1;
    uint32_t i = (uint32_t)cookie;
    f->next_free = free_head;
    free_head = i;
    nopen--;
    v->ops->close(v); /* may free v: the last thing */
}

uint64_t ofile_count(void) { return nopen; }

void ofile_reset(void)
{
    memset(pages, 0, sizeof(pages));
    nslots = 0;
    free_head = NO_SLOT;
    nopen = 0;
}

uint64_t vnode_identity(const struct vnode *v)
{
    return ((uint64_t)v->mnt->index << 40) | v->ino;
}

int file_getpath(struct ofile *f, char *buf, size_t cap)
{
    return vnode_path(f->node, f->dent, buf, cap);
}

/* ---- readdir --------------------------------------------------------------------- */

struct linux_dirent64_head {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
} __attribute__((packed));
#define DIRENT_HEAD 19u

static uint32_t reclen(uint32_t namelen)
{
    return (DIRENT_HEAD + namelen + 1u + 7u) & ~7u;
}

/* Appends one record if it fits. */
static bool emit(uint8_t *buf, uint64_t room, uint64_t *used, uint64_t ino, int64_t off, uint8_t type,
                 const char *name, uint32_t len)
{
    uint32_t rl = reclen(len);
    if (rl > room - *used)
        return false;
    uint8_t *p = buf + *used;
    struct linux_dirent64_head h = { ino, off, (uint16_t)rl, type };
    memcpy(p, &h, DIRENT_HEAD);
    memcpy(p + DIRENT_HEAD, name, len);
    memset(p + DIRENT_HEAD + len, 0, rl - DIRENT_HEAD - len);
    *used += rl;
    return true;
}

static struct vnode *parent_for_listing(struct vnode *dir)
{
    if (dir == dir->mnt->root || !dir->u.dir.parent)
        return dir; /* Linux lists a root's ".." as itself */
    return dir->u.dir.parent;
}

long file_readdir(struct ofile *f, uint64_t pos, void *out, uint64_t room, uint64_t *next)
{
    struct vnode *dir = f->node;
    uint8_t *buf = out;
    uint64_t used = 0;
    *next = pos;
    if (pos > INT64_MAX)
        return -EINVAL;
    if (dir->nlink == 0)
        return -ENOENT; /* removed: Linux's IS_DEADDIR */
    if (dir->ops->fill_dir) {
        int err = dir->ops->fill_dir(dir); /* a disk directory is read when first listed */
        if (err)
            return err;
    }
    if (pos == 0) {
        /* A listing (re)starts: names added from now on are not part of it,
         * so a listing ends however fast names are added (Linux's tmpfs
         * behaves alike: new names go where a running listing has been). */
        f->list_end = dir->u.dir.next_pos;
        if (!emit(buf, room, &used, dir->ino, 1, LX_DT_DIR, ".", 1))
            return -EINVAL;
        pos = *next = 1;
    }
    if (pos == 1) {
        if (!emit(buf, room, &used, parent_for_listing(dir)->ino, 2, LX_DT_DIR, "..", 2))
            return used ? (long)used : -EINVAL;
        pos = *next = 2;
    }
    /* Where to go on: right after the cursor if it stands at pos, else search. */
    struct dirent *e;
    if (f->cursor && !f->cursor->dead && f->cursor->pos == pos) {
        e = f->cursor->next;
    } else {
        e = dir->u.dir.first;
        while (e && (e->is_cursor || e->pos < pos))
            e = e->next;
    }
    struct dirent *last = NULL;
    for (; e; e = e->next) {
        if (e->is_cursor)
            continue;
        if (e->pos >= f->list_end)
            break; /* positions increase along the list: all the rest are newer */
        if (!emit(buf, room, &used, e->node->ino, (int64_t)(e->pos + 1), vnode_dtype(e->node), e->name, e->len)) {
            if (!used)
                return -EINVAL;
            break;
        }
        last = e;
        *next = e->pos + 1;
    }
    if (last) {
        if (!f->cursor)
            f->cursor = dcache_cursor_new(dir);
        if (f->cursor) {
            dcache_cursor_move(f->cursor, last);
            f->cursor->pos = last->pos + 1;
        }
    }
    vnode_touch_atime(dir);
    return (long)used;
}
