/*
 * newc cpio reader; see cpio.h for the contract.
 *
 * Every length in a header is attacker-controlled and up to 0xffffffff, so
 * bounds are always checked as "length <= bytes remaining" (size - off, with
 * off <= size established first) and never as "off + length <= size", which
 * could wrap.
 */
#include "cpio.h"

#define MAGIC_LEN 6u
#define FIELD_LEN 8u

/* Header fields in archive order, after the magic. */
enum {
    F_INO,
    F_MODE,
    F_UID,
    F_GID,
    F_NLINK,
    F_MTIME,
    F_FILESIZE,
    F_DEVMAJOR,
    F_DEVMINOR,
    F_RDEVMAJOR,
    F_RDEVMINOR,
    F_NAMESIZE,
    F_CHECK,
    F_COUNT,
};

static const char trailer_name[] = "TRAILER!!!";

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly FIELD_LEN hex digits: strtoul-style leniency (signs, spaces, short
 * fields) would let a corrupted header be read as a different one. */
static bool parse_hex(const uint8_t *p, uint32_t *val)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < FIELD_LEN; i++) {
        int d = hex_digit(p[i]);
        if (d < 0)
            return false;
        v = (v << 4) | (uint32_t)d;
    }
    *val = v;
    return true;
}

static bool magic_ok(const uint8_t *p)
{
    static const char newc[] = "07070";
    for (unsigned i = 0; i < MAGIC_LEN - 1; i++)
        if (p[i] != (uint8_t)newc[i])
            return false;
    return p[MAGIC_LEN - 1] == '1' || p[MAGIC_LEN - 1] == '2';
}

/* Bytes of padding that bring `off` to a multiple of 4. */
static size_t pad4(size_t off)
{
    return (4u - (off & 3u)) & 3u;
}

static bool name_is(const uint8_t *name, size_t len, const char *s, size_t slen)
{
    if (len != slen)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] != (uint8_t)s[i])
            return false;
    return true;
}

int cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *out)
{
    if (archive == NULL || offset == NULL || out == NULL)
        return CPIO_ERR_INVAL;
    const uint8_t *base = archive;
    size_t off = *offset;
    if (off > size || (off & 3u) != 0)
        return CPIO_ERR_BADOFFSET;
    if (off == size)
        return 0;
    if (size - off < CPIO_HEADER_SIZE)
        return CPIO_ERR_TRUNCATED;

    const uint8_t *hdr = base + off;
    if (!magic_ok(hdr))
        return CPIO_ERR_BADMAGIC;
    uint32_t f[F_COUNT];
    for (unsigned i = 0; i < F_COUNT; i++)
        if (!parse_hex(hdr + MAGIC_LEN + i * FIELD_LEN, &f[i]))
            return CPIO_ERR_BADHEX;

    size_t pos = off + CPIO_HEADER_SIZE;
    uint32_t namesize = f[F_NAMESIZE];
    if (namesize == 0)
        return CPIO_ERR_BADNAME;
    if (namesize > size - pos)
        return CPIO_ERR_TRUNCATED;
    const uint8_t *name = base + pos;
    size_t namelen = namesize - 1u;
    /* An embedded NUL would make the C string differ from what namesize
     * says, and two views of one name are how path checks get bypassed. */
    for (size_t i = 0; i < namelen; i++)
        if (name[i] == 0)
            return CPIO_ERR_BADNAME;
    if (name[namelen] != 0)
        return CPIO_ERR_BADNAME;
    pos += namesize;

    if (name_is(name, namelen, trailer_name, sizeof(trailer_name) - 1))
        return 0;

    size_t pad = pad4(pos);
    if (pad > size - pos)
        return CPIO_ERR_TRUNCATED;
    pos += pad;
    size_t data_off = pos;
    uint32_t filesize = f[F_FILESIZE];
    if (filesize > size - pos)
        return CPIO_ERR_TRUNCATED;
    pos += filesize;
    pad = pad4(pos);
    if (pad > size - pos)
        return CPIO_ERR_TRUNCATED;
    pos += pad;

    out->name = (const char *)name;
    out->namelen = namelen;
    out->data = base + data_off;
    out->size = filesize;
    out->mode = f[F_MODE];
    out->ino = f[F_INO];
    out->uid = f[F_UID];
    out->gid = f[F_GID];
    out->nlink = f[F_NLINK];
    out->mtime = f[F_MTIME];
    out->rdevmajor = f[F_RDEVMAJOR];
    out->rdevminor = f[F_RDEVMINOR];
    *offset = pos;
    return 1;
}

/*
 * Drops the spellings that do not change which file a path names in an
 * archive rooted at "/": leading "/" and "./" (archivers write all three
 * forms), a lone ".", and trailing "/".
 */
static void normalize(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len;
    for (;;) {
        if (n >= 1 && p[0] == '/') {
            p++;
            n--;
        } else if (n >= 2 && p[0] == '.' && p[1] == '/') {
            p += 2;
            n -= 2;
        } else if (n == 1 && p[0] == '.') {
            p++;
            n--;
        } else {
            break;
        }
    }
    while (n > 0 && p[n - 1] == '/')
        n--;
    *s = p;
    *len = n;
}

int cpio_find(const void *archive, size_t size, const char *path, struct cpio_entry *out)
{
    if (archive == NULL || path == NULL || out == NULL)
        return CPIO_ERR_INVAL;
    size_t plen = 0;
    while (path[plen] != '\0')
        plen++;
    normalize(&path, &plen);

    size_t off = 0;
    struct cpio_entry e;
    int r;
    while ((r = cpio_next(archive, size, &off, &e)) == 1) {
        const char *n = e.name;
        size_t nlen = e.namelen;
        normalize(&n, &nlen);
        if (name_is((const uint8_t *)n, nlen, path, plen)) {
            *out = e;
            return 0;
        }
    }
    return r == 0 ? CPIO_ERR_NOTFOUND : r;
}

const char *cpio_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case CPIO_ERR_NOTFOUND:
        return "no such file in archive";
    case CPIO_ERR_BADMAGIC:
        return "bad cpio magic (not newc)";
    case CPIO_ERR_BADHEX:
        return "header field is not 8 hex digits";
    case CPIO_ERR_BADNAME:
        return "bad entry name (empty, unterminated or embedded NUL)";
    case CPIO_ERR_TRUNCATED:
        return "entry extends past the end of the archive";
    case CPIO_ERR_BADOFFSET:
        return "offset not 4-aligned or past the end";
    case CPIO_ERR_INVAL:
        return "invalid argument";
    default:
        return "unknown cpio error";
    }
}
