/*
 * Reader for "newc" cpio archives (the initrd format).
 *
 * The boot loader hands the kernel an initrd it has no reason to trust, so
 * every header field is parsed strictly and every offset is checked before a
 * byte behind it is read: a malformed archive yields a CPIO_ERR_* code, never
 * a read outside [archive, archive + size). Entries are returned in place
 * (pointers into the archive); nothing is copied or allocated. Pure C with no
 * kernel dependencies, so it runs in host unit tests under ASan/UBSan.
 *
 * Accepted: magic "070701", and "070702" (the same layout with a checksum,
 * which is not verified: the initrd has no integrity guarantee either way).
 * Each header starts 4-byte aligned relative to the start of the archive;
 * the name and the data are each padded to 4 bytes.
 */
#ifndef KENIX_LIB_CPIO_H
#define KENIX_LIB_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cpio_error {
    CPIO_ERR_NOTFOUND = -1,  /* cpio_find: no entry with that path */
    CPIO_ERR_BADMAGIC = -2,  /* header does not start with 070701 / 070702 */
    CPIO_ERR_BADHEX = -3,    /* a header field is not 8 hex digits */
    CPIO_ERR_BADNAME = -4,   /* namesize 0, name not NUL-terminated, or NUL inside */
    CPIO_ERR_TRUNCATED = -5, /* header, name, data or padding past the end */
    CPIO_ERR_BADOFFSET = -6, /* *offset not 4-aligned or past the end */
    CPIO_ERR_INVAL = -7,     /* NULL argument */
};

#define CPIO_HEADER_SIZE 110u

/* File type bits of `mode` (the st_mode values). */
#define CPIO_S_IFMT 0170000u
#define CPIO_S_IFSOCK 0140000u
#define CPIO_S_IFLNK 0120000u
#define CPIO_S_IFREG 0100000u
#define CPIO_S_IFBLK 0060000u
#define CPIO_S_IFDIR 0040000u
#define CPIO_S_IFCHR 0020000u
#define CPIO_S_IFIFO 0010000u

struct cpio_entry {
    const char *name;    /* NUL-terminated, in the archive, as stored ("./bin/sh") */
    size_t namelen;      /* without the NUL */
    const void *data;    /* file contents (symlink: the target, not terminated) */
    size_t size;         /* c_filesize */
    uint32_t mode;       /* type and permission bits */
    uint32_t ino;
    uint32_t uid;
    uint32_t gid;
    uint32_t nlink;
    uint32_t mtime;
    uint32_t rdevmajor;  /* device nodes */
    uint32_t rdevminor;
};

/*
 * Reads the entry whose header is at *offset (start with 0). Returns 1 and
 * advances *offset past the entry's padded data; 0 at the "TRAILER!!!"
 * entry (its padding is not required) or when *offset == size; a negative
 * CPIO_ERR_* when the entry is malformed (then *offset and *out are left
 * unchanged). The data of an entry is 4-byte aligned relative to `archive`.
 */
int cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *out);

/*
 * Finds `path`, comparing names after dropping any leading "/" and "./"
 * components and trailing "/", so "/bin/sh", "bin/sh" and "./bin/sh" all match
 * each other, and "/" matches the "." entry. Stops at the trailer. Returns 0,
 * CPIO_ERR_NOTFOUND, or the error of a malformed entry met before a match.
 */
int cpio_find(const void *archive, size_t size, const char *path, struct cpio_entry *out);

const char *cpio_strerror(int err);

static inline bool cpio_is_reg(const struct cpio_entry *e)
{
    return (e->mode & CPIO_S_IFMT) == CPIO_S_IFREG;
}

static inline bool cpio_is_dir(const struct cpio_entry *e)
{
    return (e->mode & CPIO_S_IFMT) == CPIO_S_IFDIR;
}

static inline bool cpio_is_symlink(const struct cpio_entry *e)
{
    return (e->mode & CPIO_S_IFMT) == CPIO_S_IFLNK;
}

#endif
