/*
 * The initrd, unpacked into the root tmpfs as Linux unpacks an initramfs
 * (init/initramfs.c): cpio "newc" entries in archive order; directories,
 * regular files (their data copied into store pages), symbolic links (the
 * data is the target), device nodes, FIFOs and sockets; modes, owners and
 * mtimes from the archive (directories get theirs once everything is in, as
 * adding entries moved them). Hard links: entries with nlink > 1 and the same
 * inode number name one file, made by the first entry; GNU cpio sends the
 * data with the last. What already exists is replaced as Linux does (a
 * different type is removed first; a regular file is truncated). Unlike
 * Linux, missing parent directories are made (0755, root). A damaged archive
 * stops the unpacking with what was unpacked kept; the caller reports it.
 *
 * The parser is the kernel's (kernel/lib/cpio.c), which libkenix carries too:
 * one strict reader of the format for the three programs that read it.
 */
#include <errno.h>
#include <string.h>

#include "cpio.h"
#include "vfs.h"

#define HARDLINKS_MAX 1024u

struct hardlink {
    uint32_t ino, major, minor;
    char *path;
    size_t len;
};

static const struct cred root_cred = { 0, 0, 0, NULL, NULL };

struct mem_source {
    struct io_source src;
    const uint8_t *data;
};

static long mem_pull(struct io_source *s, uint64_t off, void *p, uint64_t n)
{
    memcpy(p, ((struct mem_source *)s)->data + off, n);
    return (long)n;
}

/* "/" + the archive name without "./", "/" prefixes or trailing "/"; false if unusable. */
static bool make_path(const struct cpio_entry *e, char *buf, size_t cap)
{
    const char *n = e->name;
    size_t len = e->namelen;
    for (;;) {
        if (len >= 1 && n[0] == '/') {
            n++;
            len--;
        } else if (len >= 2 && n[0] == '.' && n[1] == '/') {
            n += 2;
            len -= 2;
        } else {
            break;
        }
    }
    while (len > 0 && n[len - 1] == '/')
        len--;
    if (len == 1 && n[0] == '.')
        len = 0;
    if (len + 2 > cap)
        return false;
    buf[0] = '/';
    memcpy(buf + 1, n, len);
    buf[len + 1] = 0;
    return true;
}

/* Makes each missing directory above path. */
static void make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        vfs_mkdir(&root_cred, NULL, path, 0755);
        *p = '/';
    }
}

/* Removes what is at path if its type differs from mode's (Linux's clean_path). */
static void clean_path(const char *path, uint32_t mode)
{
    struct kx_stat st;
    if (vfs_stat(&root_cred, NULL, path, LX_AT_SYMLINK_NOFOLLOW, &st) != 0)
        return;
    if (mode && S_TYPE(st.st_mode) == S_TYPE(mode))
        return;
    vfs_unlink(&root_cred, NULL, path, S_IS(st.st_mode, LX_S_IFDIR) ? LX_AT_REMOVEDIR : 0);
}

static void set_owner_mode_time(const char *path, const struct cpio_entry *e, bool mode_too, bool nofollow)
{
    /* chown first: it drops setuid bits the mode then puts back (Linux: chown, then chmod). */
    struct vfs_attr o = { .mask = VFS_ATTR_UID | VFS_ATTR_GID, .uid = e->uid, .gid = e->gid };
    vfs_setattr(&root_cred, NULL, path, nofollow ? LX_AT_SYMLINK_NOFOLLOW : 0, &o);
    struct vfs_attr a = { .mask = 0 };
    if (mode_too) {
        a.mask |= VFS_ATTR_MODE;
        a.mode = e->mode & 07777u;
    }
    a.mask |= VFS_ATTR_ATIME | VFS_ATTR_MTIME;
    a.atime_sec = a.mtime_sec = e->mtime;
    vfs_setattr(&root_cred, NULL, path, nofollow ? LX_AT_SYMLINK_NOFOLLOW : 0, &a);
}

/* A later name for a file the archive already made: links it; 1 if it did. */
static int maybe_link(struct hardlink *links, uint32_t *nlinks, const struct cpio_entry *e, const char *path)
{
    if (e->nlink < 2)
        return 0;
    for (uint32_t i = 0; i < *nlinks; i++) {
        struct hardlink *h = &links[i];
        if (h->ino == e->ino && h->major == e->rdevmajor && h->minor == e->rdevminor) {
            clean_path(path, 0);
            return vfs_link(&root_cred, NULL, h->path, NULL, path, 0) == 0 ? 1 : -1;
        }
    }
    if (*nlinks < HARDLINKS_MAX) {
        char *copy = meta_strdup(path, strlen(path));
        if (copy)
            links[(*nlinks)++] = (struct hardlink){ e->ino, e->rdevmajor, e->rdevminor, copy, strlen(path) };
    }
    return 0;
}

static void unpack_regular(const struct cpio_entry *e, const char *path, int linked, struct initrd_stats *st)
{
    uint32_t flags = LX_O_WRONLY | LX_O_CREAT | (linked == 1 ? 0 : LX_O_TRUNC);
    struct open_result r;
    if (vfs_open(&root_cred, NULL, path, flags, e->mode & 07777u, &r) != 0)
        return;
    struct ofile *f = ofile_get(r.cookie);
    if (e->size) {
        struct mem_source m = { { mem_pull, NULL }, e->data };
        long n = f->node->ops->write(f->node, 0, e->size, &m.src);
        if (n > 0)
            st->bytes += (uint64_t)n;
    }
    st->files++;
    ofile_close(r.cookie);
    set_owner_mode_time(path, e, true, false);
}

static uint64_t encode_dev(uint32_t major, uint32_t minor)
{
    return (minor & 0xffu) | ((uint64_t)major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

int initrd_unpack(const void *archive, size_t size, struct initrd_stats *st)
{
    memset(st, 0, sizeof(*st));
    static char path[VFS_PATH_MAX + 1];
    static char target[VFS_PATH_MAX];
    static struct hardlink links[HARDLINKS_MAX];
    uint32_t nlinks = 0;
    size_t off = 0;
    struct cpio_entry e;
    int r;
    while ((r = cpio_next(archive, size, &off, &e)) == 1) {
        st->entries++;
        if (!make_path(&e, path, sizeof(path)))
            continue;
        bool is_root = path[1] == 0;
        if (!is_root)
            make_parents(path);
        uint32_t type = S_TYPE(e.mode);
        if (type == LX_S_IFDIR) {
            if (!is_root)
                vfs_mkdir(&root_cred, NULL, path, e.mode & 07777u);
            set_owner_mode_time(path, &e, true, false);
        } else if (is_root) {
            continue;
        } else if (type == LX_S_IFREG) {
            int linked = maybe_link(links, &nlinks, &e, path);
            if (linked >= 0)
                unpack_regular(&e, path, linked, st);
        } else if (type == LX_S_IFLNK) {
            if (e.size == 0 || e.size >= sizeof(target))
                continue;
            memcpy(target, e.data, e.size);
            target[e.size] = 0;
            if (strlen(target) != e.size)
                continue; /* a NUL inside: not a path */
            clean_path(path, 0);
            if (vfs_symlink(&root_cred, NULL, path, target) == 0)
                set_owner_mode_time(path, &e, false, true);
        } else if (type == LX_S_IFCHR || type == LX_S_IFBLK || type == LX_S_IFIFO || type == LX_S_IFSOCK) {
            if (maybe_link(links, &nlinks, &e, path) != 0)
                continue;
            clean_path(path, 0);
            if (vfs_mknod(&root_cred, NULL, path, e.mode & (LX_S_IFMT | 07777u),
                          encode_dev(e.rdevmajor, e.rdevminor)) == 0)
                set_owner_mode_time(path, &e, true, false);
        }
    }
    if (r < 0) {
        st->error = r;
        st->error_name = NULL;
    }
    /* Directory times last: making their entries moved them. */
    off = 0;
    while (cpio_next(archive, size, &off, &e) == 1) {
        if (S_TYPE(e.mode) != LX_S_IFDIR || !make_path(&e, path, sizeof(path)))
            continue;
        struct vfs_attr a = { .mask = VFS_ATTR_ATIME | VFS_ATTR_MTIME, .atime_sec = e.mtime, .mtime_sec = e.mtime };
        vfs_setattr(&root_cred, NULL, path, 0, &a);
    }
    for (uint32_t i = 0; i < nlinks; i++)
        meta_free(links[i].path, links[i].len + 1);
    return r < 0 ? r : 0;
}
