/*
 * vfat: names (fat32.h has the layering). Pure: no I/O, no state.
 *
 * Long names are UTF-16 on disk and UTF-8 in the vfs (Linux's utf8 option):
 * code points from U+10000 up take a surrogate pair; bytes that are not UTF-8
 * cannot be created (EINVAL), and an on-disk name that is not valid UTF-16
 * (an unpaired surrogate) or is longer than 255 bytes in UTF-8 is shown by
 * its short name instead.
 *
 * Matching, as Windows and Linux's vfat: trailing dots do not count ("a." is
 * "a"), and case does not matter. Case folding is done on code points: ASCII,
 * Latin-1 (U+00E0-U+00FE but U+00F7, and U+00FF to U+0178), basic Greek
 * (U+03B1-U+03C9, final sigma included) and basic Cyrillic (U+0430-U+045F).
 * Other scripts compare exactly: Windows folds more (its upcase table), so a
 * name differing from another only in the case of such letters can be made
 * here and not there.
 *
 * Short (8.3) names are built the Windows way: the basis is the long name in
 * upper case, spaces and all periods but the last dropped, characters an 8.3
 * name cannot hold (anything outside ASCII, and + , ; = [ ]) replaced by '_',
 * the base cut to 8 and the extension to 3; then, unless the name was exactly
 * that (up to case), a numeric tail ~N (fat32_dir.c picks N). A name whose
 * base and extension are each in one case is stored short-only, with
 * Windows NT's case bits for a lower-case base or extension (0x08, 0x10) as
 * Linux reads them. Short names we write are ASCII only: non-ASCII letters
 * become '_' rather than an OEM code page's bytes. Short names read from the
 * disk are shown with code page 437 above 0x7f (Linux's default).
 */
#include <errno.h>
#include <string.h>

#include "fat32.h"

/* ---- UTF-8 and UTF-16 -------------------------------------------------------- */

/* The code point at s[*i] (advancing *i), or -1 for bytes that are not UTF-8. */
static int32_t utf8_next(const uint8_t *s, uint32_t len, uint32_t *i)
{
    uint32_t c = s[(*i)++];
    if (c < 0x80)
        return (int32_t)c;
    uint32_t n, min;
    if ((c & 0xe0) == 0xc0) {
        n = 1, min = 0x80, c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2, min = 0x800, c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 3, min = 0x10000, c &= 0x07;
    } else {
        return -1;
    }
    if (len - *i < n)
        return -1;
    for (uint32_t k = 0; k < n; k++) {
        uint8_t b = s[(*i)++];
        if ((b & 0xc0) != 0x80)
            return -1;
        c = c << 6 | (b & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return -1;
    return (int32_t)c;
}

int fat_utf8_to_utf16(const char *s, uint32_t len, uint16_t *out, uint32_t cap)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t i = 0, n = 0;
    while (i < len) {
        int32_t c = utf8_next(p, len, &i);
        if (c < 0)
            return -EINVAL;
        if (c >= 0x10000) {
            if (n + 2 > cap)
                return -ENAMETOOLONG;
            uint32_t v = (uint32_t)c - 0x10000;
            out[n++] = (uint16_t)(0xd800 | v >> 10);
            out[n++] = (uint16_t)(0xdc00 | (v & 0x3ff));
        } else {
            if (n + 1 > cap)
                return -ENAMETOOLONG;
            out[n++] = (uint16_t)c;
        }
    }
    return (int)n;
}

static int put_utf8(uint32_t c, char *out, uint32_t at, uint32_t cap)
{
    uint8_t b[4];
    uint32_t n;
    if (c < 0x80) {
        b[0] = (uint8_t)c, n = 1;
    } else if (c < 0x800) {
        b[0] = (uint8_t)(0xc0 | c >> 6), b[1] = (uint8_t)(0x80 | (c & 0x3f)), n = 2;
    } else if (c < 0x10000) {
        b[0] = (uint8_t)(0xe0 | c >> 12), b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
        b[2] = (uint8_t)(0x80 | (c & 0x3f)), n = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | c >> 18), b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
        b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f)), b[3] = (uint8_t)(0x80 | (c & 0x3f)), n = 4;
    }
    if (at + n > cap)
        return -1;
    memcpy(out + at, b, n);
    return (int)n;
}

int fat_utf16_to_utf8(const uint16_t *u, uint32_t n, char *out, uint32_t cap)
{
    uint32_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c >= 0xdc00 && c <= 0xdfff)
            return -1;
        if (c >= 0xd800 && c <= 0xdbff) {
            if (i + 1 >= n || u[i + 1] < 0xdc00 || u[i + 1] > 0xdfff)
                return -1;
            c = 0x10000 + ((c - 0xd800) << 10) + (u[i + 1] - 0xdc00u);
            i++;
        }
        int k = put_utf8(c, out, at, cap);
        if (k < 0)
            return -1;
        at += (uint32_t)k;
    }
    return (int)at;
}

/* ---- matching ------------------------------------------------------------------ */

/* The next code point, never failing: a byte that is not UTF-8 stands for
 * itself above the Unicode range, so such names still compare exactly. */
static uint32_t loose_next(const uint8_t *s, uint32_t len, uint32_t *i)
{
    uint32_t start = *i;
    int32_t c = utf8_next(s, len, i);
    if (c >= 0)
        return (uint32_t)c;
    *i = start + 1;
    return 0x110000u + s[start];
}

/* Upper case, for the letters fat32_name.c's header lists. */
static uint32_t fold(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if (c < 0xe0)
        return c;
    if (c <= 0xfe)
        return c == 0xf7 ? c : c - 0x20;
    if (c == 0xff)
        return 0x178;
    if (c >= 0x3b1 && c <= 0x3c9)
        return c == 0x3c2 ? 0x3a3 : c - 0x20;
    if (c >= 0x430 && c <= 0x44f)
        return c - 0x20;
    if (c >= 0x450 && c <= 0x45f)
        return c - 0x50;
    return c;
}

uint32_t fat_name_strip(const char *s, uint32_t len)
{
    while (len && s[len - 1] == '.')
        len--;
    return len;
}

uint32_t fat_name_hash(const char *s, uint32_t len)
{
    len = fat_name_strip(s, len);
    const uint8_t *p = (const uint8_t *)s;
    uint32_t h = 2166136261u, i = 0;
    while (i < len) {
        uint32_t c = fold(loose_next(p, len, &i));
        for (int k = 0; k < 3; k++) {
            h = (h ^ (c & 0xff)) * 16777619u;
            c >>= 8;
        }
    }
    return h;
}

bool fat_name_same(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
    alen = fat_name_strip(a, alen);
    blen = fat_name_strip(b, blen);
    const uint8_t *p = (const uint8_t *)a, *q = (const uint8_t *)b;
    uint32_t i = 0, j = 0;
    while (i < alen && j < blen) {
        if (fold(loose_next(p, alen, &i)) != fold(loose_next(q, blen, &j)))
            return false;
    }
    return i == alen && j == blen;
}

int fat_name_valid(const char *s, uint32_t len)
{
    len = fat_name_strip(s, len);
    if (len == 0 || s[len - 1] == ' ')
        return -EINVAL; /* Linux's vfat refuses a trailing space too */
    const uint8_t *p = (const uint8_t *)s;
    uint32_t i = 0, units = 0;
    while (i < len) {
        int32_t c = utf8_next(p, len, &i);
        if (c < 0x20 || (c < 0x80 && strchr("*?<>|\":/\\", c)))
            return -EINVAL; /* -1 (not UTF-8) included */
        units += c >= 0x10000 ? 2 : 1;
    }
    return units > LFN_MAX_UNITS ? -ENAMETOOLONG : 0;
}

uint8_t fat_lfn_checksum(const uint8_t sname[11])
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7 | sum >> 1) + sname[i]);
    return sum;
}

/* ---- 8.3 names ----------------------------------------------------------------- */

/* What an 8.3 name may hold besides letters and digits. */
static bool short_char(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && c < 0x80 && strchr("$%'-_@~`!(){}^#&", (int)c));
}

/* Copies code points [from, to) of the name into out (cap of 8 or 3). */
static uint32_t short_part(const uint8_t *p, uint32_t from, uint32_t to, uint8_t *out, uint32_t cap, bool *exact,
                           bool *upper, bool *lower)
{
    uint32_t n = 0, i = from;
    while (i < to) {
        uint32_t c = loose_next(p, to, &i);
        if (c == '.' || c == ' ') {
            *exact = false; /* dropped: a period not the last, or a space */
            continue;
        }
        if (c >= 'a' && c <= 'z') {
            *lower = true;
            c -= 32;
        } else if (c >= 'A' && c <= 'Z') {
            *upper = true;
        }
        if (!short_char(c)) {
            c = '_';
            *exact = false;
        }
        if (n == cap) {
            *exact = false; /* cut */
            break;
        }
        out[n++] = (uint8_t)c;
    }
    return n;
}

void fat_short_basis(const char *s, uint32_t len, struct fat_shortname *sn)
{
    const uint8_t *p = (const uint8_t *)s;
    memset(sn->name, ' ', 11);
    sn->exact = true;
    uint32_t start = 0;
    while (start < len && p[start] == '.')
        start++;
    if (start)
        sn->exact = false; /* leading periods are dropped */
    uint32_t dot = len;
    for (uint32_t i = len; i-- > start;) {
        if (p[i] == '.') {
            dot = i;
            break;
        }
    }
    bool bu = false, bl = false, eu = false, el = false;
    uint32_t nb = short_part(p, start, dot, sn->name, 8, &sn->exact, &bu, &bl);
    uint32_t ne = dot < len ? short_part(p, dot + 1, len, sn->name + 8, 3, &sn->exact, &eu, &el) : 0;
    if (dot < len && ne == 0)
        sn->exact = false;
    if (nb == 0) {
        sn->name[0] = '_';
        nb = 1;
        sn->exact = false;
    }
    sn->baselen = (uint8_t)nb;
    if ((bu && bl) || (eu && el))
        sn->ntcase = 0xff; /* mixed case: only a long name keeps it */
    else
        sn->ntcase = (uint8_t)((bl ? NT_LOWER_BASE : 0) | (el ? NT_LOWER_EXT : 0));
}

void fat_short_tail(const struct fat_shortname *basis, uint32_t n, uint8_t out[11])
{
    char tail[12];
    uint32_t t = 0;
    char digits[11];
    uint32_t nd = 0;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n && nd < 7);
    tail[t++] = '~';
    while (nd)
        tail[t++] = digits[--nd];
    uint32_t keep = basis->baselen < 8 - t ? basis->baselen : 8 - t;
    memcpy(out, basis->name, 11);
    memcpy(out + keep, tail, t);
    for (uint32_t i = keep + t; i < 8; i++)
        out[i] = ' ';
}

static const uint16_t cp437_high[128] = {
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
    0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
    0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
    0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
    0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
    0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
    0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
    0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
    0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
    0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
    0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
    0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
    0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
    0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};

static uint32_t show_part(const uint8_t *b, uint32_t n, bool lower, bool first_part, char *out, uint32_t at)
{
    while (n && b[n - 1] == ' ')
        n--;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = b[i];
        if (i == 0 && first_part && c == DE_KANJI)
            c = DE_FREE;
        if (lower && c >= 'A' && c <= 'Z')
            c += 32;
        if (c >= 0x80)
            c = cp437_high[c - 0x80];
        else if (c < 0x20 || c == '/')
            c = '_'; /* a byte no name may hold shows as something a path can */
        at += (uint32_t)put_utf8(c, out, at, 64);
    }
    return at;
}

uint32_t fat_short_display(const uint8_t sname[11], uint8_t ntcase, char *out)
{
    uint32_t at = show_part(sname, 8, ntcase & NT_LOWER_BASE, true, out, 0);
    uint32_t ext = 3;
    while (ext && sname[8 + ext - 1] == ' ')
        ext--;
    if (ext) {
        out[at++] = '.';
        at = show_part(sname + 8, 3, ntcase & NT_LOWER_EXT, false, out, at);
    }
    return at;
}
