/*
 * Host tests of the newc cpio reader (kernel/lib/cpio.c).
 *
 * Without arguments: archives built by the small writer below, well formed
 * and malformed. With one argument: the initrd the superbuild produced (exit
 * 77, CTest's skip code, when it is absent), including the ELF parser on
 * every executable in it, since that is the kernel's exec path.
 *
 * Every archive handed to the reader sits in a heap buffer of exactly the
 * size it is told, so ASan catches any read past the end.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cpio.h"
#include "lib/elf.h"
#include "test.h"

/* ---- writer ------------------------------------------------------------- */

struct cpiow {
    uint8_t buf[1 << 16];
    size_t len;
    size_t bounds[64]; /* offset after each entry */
    unsigned nentries;
};

struct hdr {
    const char *magic;
    uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
    uint32_t devmajor, devminor, rdevmajor, rdevminor, namesize, check;
};

static void put(struct cpiow *w, const void *p, size_t n)
{
    if (w->len + n > sizeof(w->buf))
        abort();
    if (n != 0)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void pad(struct cpiow *w)
{
    static const uint8_t zero[4];
    put(w, zero, (4 - (w->len & 3)) & 3);
}

static void put_hdr(struct cpiow *w, const struct hdr *h)
{
    char s[CPIO_HEADER_SIZE + 1];
    int n = snprintf(s, sizeof(s), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                     h->magic, h->ino, h->mode, h->uid, h->gid, h->nlink, h->mtime, h->filesize,
                     h->devmajor, h->devminor, h->rdevmajor, h->rdevminor, h->namesize, h->check);
    if (n != CPIO_HEADER_SIZE)
        abort();
    put(w, s, CPIO_HEADER_SIZE);
}

/* An entry with raw control over the header and the name bytes. */
static void put_raw(struct cpiow *w, const struct hdr *h, const void *name, size_t namebytes,
                    const void *data, size_t datalen)
{
    put_hdr(w, h);
    put(w, name, namebytes);
    pad(w);
    put(w, data, datalen);
    pad(w);
    if (w->nentries < 64)
        w->bounds[w->nentries++] = w->len;
}

static void add(struct cpiow *w, const char *name, uint32_t mode, const void *data, size_t len)
{
    static uint32_t ino = 100;
    struct hdr h = {
        .magic = "070701", .ino = ino++, .mode = mode, .uid = 0, .gid = 0,
        .nlink = (mode & CPIO_S_IFMT) == CPIO_S_IFDIR ? 2 : 1, .mtime = 1700000000,
        .filesize = (uint32_t)len, .namesize = (uint32_t)strlen(name) + 1,
    };
    put_raw(w, &h, name, strlen(name) + 1, data, len);
}

static void trailer(struct cpiow *w)
{
    struct hdr h = {.magic = "070701", .nlink = 1, .namesize = 11};
    put_hdr(w, &h);
    put(w, "TRAILER!!!", 11);
    pad(w);
    while (w->len % 512 != 0) /* as GNU cpio pads its output */
        put(w, "", 1);
}

static struct cpiow W; /* large: off the stack */

static const char motd[] = "Welcome to Kenix\n";
static const char hello[] = "\x7f" "ELF not really, 23 bytes";

/* ".", bin/, bin/hello, ./bin/sh -> busybox, /etc/motd, an empty file,
 * a device node, then the trailer. */
static void build_sample(struct cpiow *w)
{
    memset(w, 0, sizeof(*w));
    add(w, ".", CPIO_S_IFDIR | 0755, NULL, 0);
    add(w, "bin", CPIO_S_IFDIR | 0755, NULL, 0);
    add(w, "bin/hello", CPIO_S_IFREG | 0755, hello, sizeof(hello) - 1);
    add(w, "./bin/sh", CPIO_S_IFLNK | 0777, "busybox", 7);
    add(w, "/etc/motd", CPIO_S_IFREG | 0644, motd, sizeof(motd) - 1);
    add(w, "empty", CPIO_S_IFREG | 0600, NULL, 0);
    struct hdr h = {.magic = "070701", .ino = 7, .mode = CPIO_S_IFCHR | 0600, .nlink = 1,
                    .rdevmajor = 5, .rdevminor = 1, .namesize = 12};
    put_raw(w, &h, "dev/console", 12, NULL, 0);
    trailer(w);
}

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *exact_copy(const uint8_t *p, size_t len)
{
    uint8_t *c = malloc(len != 0 ? len : 1);
    if (c == NULL)
        abort();
    if (len != 0)
        memcpy(c, p, len);
    return c;
}

static bool name_eq(const struct cpio_entry *e, const char *s)
{
    return e->namelen == strlen(s) && memcmp(e->name, s, e->namelen) == 0 && e->name[e->namelen] == 0;
}

/* Walks to the end; returns the final status and counts entries. Checks
 * that every entry returned lies inside the buffer. */
static int walk(const uint8_t *a, size_t size, unsigned *count, size_t *end_off)
{
    size_t off = 0;
    struct cpio_entry e;
    int r;
    unsigned n = 0;
    while ((r = cpio_next(a, size, &off, &e)) == 1) {
        const uint8_t *name = (const uint8_t *)e.name, *data = e.data;
        if (name < a || (size_t)(name - a) + e.namelen + 1 > size || data < a ||
            (size_t)(data - a) > size || e.size > size - (size_t)(data - a) || off > size || (off & 3) != 0 ||
            ((size_t)(data - a) & 3) != 0) {
            printf("  entry %u outside the archive\n", n);
            test_case_failures++;
            break;
        }
        if (strlen(e.name) != e.namelen) {
            printf("  entry %u name length mismatch\n", n);
            test_case_failures++;
        }
        if (++n > 100000)
            break;
    }
    if (count != NULL)
        *count = n;
    if (end_off != NULL)
        *end_off = off;
    return r;
}

static int walk_exact(const uint8_t *p, size_t len, unsigned *count)
{
    uint8_t *c = exact_copy(p, len);
    int r = walk(c, len, count, NULL);
    free(c);
    return r;
}

/* The header field i (0 = ino ... 12 = check) of the entry at `off`. */
static uint8_t *field(uint8_t *a, size_t off, unsigned i)
{
    return a + off + 6 + 8 * i;
}

/* ---- well-formed archives ----------------------------------------------- */

static void test_walk_sample(void)
{
    build_sample(&W);
    uint8_t *a = exact_copy(W.buf, W.len);
    size_t off = 0;
    struct cpio_entry e;

    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK(name_eq(&e, "."));
    CHECK(cpio_is_dir(&e));
    CHECK_EQ(e.nlink, 2);
    CHECK_EQ(off, W.bounds[0]);

    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK(name_eq(&e, "bin"));
    CHECK(cpio_is_dir(&e) && !cpio_is_reg(&e) && !cpio_is_symlink(&e));
    CHECK_EQ(e.mode, CPIO_S_IFDIR | 0755);

    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK(name_eq(&e, "bin/hello"));
    CHECK(cpio_is_reg(&e));
    CHECK_EQ(e.size, sizeof(hello) - 1);
    CHECK(memcmp(e.data, hello, e.size) == 0);
    CHECK_EQ(((const uint8_t *)e.data - a) % 4, 0);
    CHECK_EQ(e.mode & 0777, 0755);
    CHECK_EQ(e.mtime, 1700000000);
    CHECK_EQ(e.uid, 0);
    CHECK_EQ(e.gid, 0);

    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK(name_eq(&e, "./bin/sh"));
    CHECK(cpio_is_symlink(&e) && !cpio_is_reg(&e));
    CHECK_EQ(e.size, 7);
    CHECK(memcmp(e.data, "busybox", 7) == 0);

    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK(name_eq(&e, "/etc/motd"));
    CHECK(memcmp(e.data, motd, sizeof(motd) - 1) == 0);
    uint32_t ino = e.ino;

    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK(name_eq(&e, "empty"));
    CHECK_EQ(e.size, 0);
    CHECK_EQ(e.ino, ino + 1);

    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK(name_eq(&e, "dev/console"));
    CHECK_EQ(e.mode & CPIO_S_IFMT, CPIO_S_IFCHR);
    CHECK_EQ(e.rdevmajor, 5);
    CHECK_EQ(e.rdevminor, 1);
    CHECK_EQ(off, W.bounds[6]);

    /* The trailer ends the walk and leaves the offset on it. */
    size_t at_trailer = off;
    CHECK_EQ(cpio_next(a, W.len, &off, &e), 0);
    CHECK_EQ(off, at_trailer);
    CHECK_EQ(cpio_next(a, W.len, &off, &e), 0);
    free(a);
}

static void test_find_spellings(void)
{
    build_sample(&W);
    uint8_t *a = exact_copy(W.buf, W.len);
    struct cpio_entry e;
    static const char *const hello_paths[] = {
        "bin/hello", "/bin/hello", "./bin/hello", "//bin/hello", "/./bin/hello", "././bin/hello", "bin/hello/",
    };
    for (size_t i = 0; i < sizeof(hello_paths) / sizeof(hello_paths[0]); i++) {
        memset(&e, 0, sizeof(e));
        CHECK_EQ(cpio_find(a, W.len, hello_paths[i], &e), 0);
        CHECK(name_eq(&e, "bin/hello"));
    }
    CHECK_EQ(cpio_find(a, W.len, "/bin/sh", &e), 0);
    CHECK(name_eq(&e, "./bin/sh"));
    CHECK_EQ(cpio_find(a, W.len, "bin/sh", &e), 0);
    CHECK_EQ(cpio_find(a, W.len, "etc/motd", &e), 0);
    CHECK(name_eq(&e, "/etc/motd"));
    CHECK_EQ(cpio_find(a, W.len, "./etc/motd", &e), 0);
    CHECK_EQ(cpio_find(a, W.len, "/", &e), 0);
    CHECK(name_eq(&e, "."));
    CHECK_EQ(cpio_find(a, W.len, "/bin", &e), 0);
    CHECK(cpio_is_dir(&e));
    CHECK_EQ(cpio_find(a, W.len, "/bin/", &e), 0);
    CHECK(name_eq(&e, "bin"));

    memset(&e, 0x5a, sizeof(e));
    struct cpio_entry before = e;
    CHECK_EQ(cpio_find(a, W.len, "bin/hell", &e), CPIO_ERR_NOTFOUND);
    CHECK_EQ(cpio_find(a, W.len, "bin/hello2", &e), CPIO_ERR_NOTFOUND);
    CHECK_EQ(cpio_find(a, W.len, "hello", &e), CPIO_ERR_NOTFOUND);
    CHECK_EQ(cpio_find(a, W.len, "BIN/HELLO", &e), CPIO_ERR_NOTFOUND);
    CHECK_EQ(cpio_find(a, W.len, "../bin/hello", &e), CPIO_ERR_NOTFOUND);
    CHECK_EQ(cpio_find(a, W.len, "TRAILER!!!", &e), CPIO_ERR_NOTFOUND);
    CHECK(memcmp(&e, &before, sizeof(e)) == 0);
    free(a);
}

/* Nothing after the trailer is looked at, not even a later archive. */
static void test_stops_at_trailer(void)
{
    build_sample(&W);
    size_t first = W.len;
    uint8_t garbage[120];
    memset(garbage, '#', sizeof(garbage));
    put(&W, garbage, sizeof(garbage));
    add(&W, "late", CPIO_S_IFREG | 0644, "x", 1);
    uint8_t *a = exact_copy(W.buf, W.len);
    unsigned n;
    CHECK_EQ(walk(a, W.len, &n, NULL), 0);
    CHECK_EQ(n, 7);
    struct cpio_entry e;
    CHECK_EQ(cpio_find(a, W.len, "late", &e), CPIO_ERR_NOTFOUND);
    CHECK(first < W.len);
    free(a);
}

/* An archive may end right after an entry's padding without a trailer, and
 * the trailer needs no padding after its name. */
static void test_clean_end(void)
{
    memset(&W, 0, sizeof(W));
    add(&W, "a", CPIO_S_IFREG | 0644, "12345", 5);
    add(&W, "b", CPIO_S_IFREG | 0644, "1234", 4);
    unsigned n;
    CHECK_EQ(walk_exact(W.buf, W.len, &n), 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(walk_exact(W.buf, 0, &n), 0);
    CHECK_EQ(n, 0);

    size_t before = W.len;
    struct hdr h = {.magic = "070701", .namesize = 11};
    put_hdr(&W, &h);
    put(&W, "TRAILER!!!", 11); /* 110 + 11: no padding follows */
    CHECK_EQ(walk_exact(W.buf, W.len, &n), 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(walk_exact(W.buf, before + CPIO_HEADER_SIZE + 10, &n), CPIO_ERR_TRUNCATED);
}

static void test_magic_variants(void)
{
    static const char *const good[] = {"070701", "070702"};
    static const char *const bad[] = {"070707", "070703", "070700", "170701", "07070", "      ", "\0\0\0\0\0\0"};
    for (size_t i = 0; i < 2; i++) {
        memset(&W, 0, sizeof(W));
        struct hdr h = {.magic = good[i], .mode = CPIO_S_IFREG | 0644, .filesize = 3, .namesize = 2,
                        .check = 0xdeadbeef}; /* crc not verified */
        put_raw(&W, &h, "f", 2, "abc", 3);
        uint8_t *a = exact_copy(W.buf, W.len);
        size_t off = 0;
        struct cpio_entry e;
        CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
        CHECK(name_eq(&e, "f"));
        free(a);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&W, 0, sizeof(W));
        struct hdr h = {.magic = "070701", .namesize = 2};
        put_raw(&W, &h, "f", 2, NULL, 0);
        memcpy(W.buf, bad[i], 6);
        CHECK_EQ(walk_exact(W.buf, W.len, NULL), CPIO_ERR_BADMAGIC);
    }
}

static void test_hex_fields(void)
{
    /* lower-case hex is accepted too */
    memset(&W, 0, sizeof(W));
    add(&W, "f", CPIO_S_IFREG | 0644, "abcdefghijk", 11);
    uint8_t *a = exact_copy(W.buf, W.len);
    memcpy(field(a, 0, 1), "000081a4", 8);
    memcpy(field(a, 0, 0), "DeadBeef", 8);
    size_t off = 0;
    struct cpio_entry e;
    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK_EQ(e.mode, 0100644);
    CHECK_EQ(e.ino, 0xdeadbeef);
    free(a);

    /* every digit of every field, corrupted several ways */
    static const char junk[] = {'g', 'G', ' ', '-', '+', 'x', 'X', '\0', ':', '@', '`', '/'};
    unsigned bad = 0, total = 0;
    for (unsigned f = 0; f < 13; f++)
        for (unsigned d = 0; d < 8; d++)
            for (size_t j = 0; j < sizeof(junk); j++) {
                a = exact_copy(W.buf, W.len);
                field(a, 0, f)[d] = (uint8_t)junk[j];
                off = 0;
                total++;
                if (cpio_next(a, W.len, &off, &e) == CPIO_ERR_BADHEX && off == 0)
                    bad++;
                free(a);
            }
    CHECK_EQ(bad, total);
}

static void test_bad_names(void)
{
    struct cpio_entry e;
    size_t off;

    /* namesize 0 */
    memset(&W, 0, sizeof(W));
    struct hdr h = {.magic = "070701", .mode = CPIO_S_IFREG, .namesize = 0};
    put_raw(&W, &h, "", 0, NULL, 0);
    CHECK_EQ(walk_exact(W.buf, W.len, NULL), CPIO_ERR_BADNAME);

    /* name without its NUL: namesize counts only the characters */
    memset(&W, 0, sizeof(W));
    h.namesize = 4;
    put_raw(&W, &h, "abcd", 4, NULL, 0);
    CHECK_EQ(walk_exact(W.buf, W.len, NULL), CPIO_ERR_BADNAME);

    /* embedded NUL */
    memset(&W, 0, sizeof(W));
    h.namesize = 6;
    put_raw(&W, &h, "ab\0cd", 6, NULL, 0);
    CHECK_EQ(walk_exact(W.buf, W.len, NULL), CPIO_ERR_BADNAME);
    uint8_t *a = exact_copy(W.buf, W.len);
    CHECK_EQ(cpio_find(a, W.len, "ab", &e), CPIO_ERR_BADNAME);
    free(a);

    /* a trailer spelt without its NUL is not a trailer but a bad name */
    memset(&W, 0, sizeof(W));
    h.namesize = 10;
    put_raw(&W, &h, "TRAILER!!!", 10, NULL, 0);
    CHECK_EQ(walk_exact(W.buf, W.len, NULL), CPIO_ERR_BADNAME);

    /* name of just the NUL is an (odd) empty name: accepted */
    memset(&W, 0, sizeof(W));
    h.namesize = 1;
    put_raw(&W, &h, "", 1, NULL, 0);
    a = exact_copy(W.buf, W.len);
    off = 0;
    CHECK_EQ(cpio_next(a, W.len, &off, &e), 1);
    CHECK_EQ(e.namelen, 0);
    free(a);

    /* namesize past the end, up to the largest value */
    static const uint32_t sizes[] = {200, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        memset(&W, 0, sizeof(W));
        h.namesize = sizes[i];
        put_raw(&W, &h, "name", 5, NULL, 0);
        CHECK_EQ(walk_exact(W.buf, W.len, NULL), CPIO_ERR_TRUNCATED);
    }
}

static void test_huge_filesize(void)
{
    static const uint32_t sizes[] = {0x1000, 0x7fffffff, 0x80000000, 0xfffffffc, 0xfffffffd, 0xffffffff};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        memset(&W, 0, sizeof(W));
        struct hdr h = {.magic = "070701", .mode = CPIO_S_IFREG, .filesize = sizes[i], .namesize = 2};
        put_raw(&W, &h, "f", 2, "12345678", 8);
        trailer(&W); /* plenty of bytes after, but not that many */
        uint8_t *a = exact_copy(W.buf, W.len);
        size_t off = 0;
        struct cpio_entry e;
        CHECK_EQ(cpio_next(a, W.len, &off, &e), CPIO_ERR_TRUNCATED);
        CHECK_EQ(off, 0);
        CHECK_EQ(cpio_find(a, W.len, "f", &e), CPIO_ERR_TRUNCATED);
        free(a);
    }
}

/* Padding of the name and of the data must be inside the archive. */
static void test_padding_past_end(void)
{
    memset(&W, 0, sizeof(W));
    add(&W, "f", CPIO_S_IFREG | 0644, "12345", 5); /* 110+2 -> 112, data 5 -> pad 3 */
    CHECK_EQ(W.len, 120);
    CHECK_EQ(walk_exact(W.buf, 120, NULL), 0);
    for (size_t l = 117; l < 120; l++)
        CHECK_EQ(walk_exact(W.buf, l, NULL), CPIO_ERR_TRUNCATED);

    memset(&W, 0, sizeof(W));
    add(&W, "ab", CPIO_S_IFREG | 0644, NULL, 0); /* 110+3 = 113 -> pad 3 */
    CHECK_EQ(W.len, 116);
    CHECK_EQ(walk_exact(W.buf, 116, NULL), 0);
    for (size_t l = 113; l < 116; l++)
        CHECK_EQ(walk_exact(W.buf, l, NULL), CPIO_ERR_TRUNCATED);
}

/* Every prefix of a valid archive: a clean end exactly at entry boundaries
 * (and once the trailer's name is complete), TRUNCATED everywhere else, with
 * the entries before the cut all intact. */
static void test_every_truncation(void)
{
    build_sample(&W);
    size_t trailer_off = W.bounds[W.nentries - 1];
    size_t trailer_name_end = trailer_off + CPIO_HEADER_SIZE + 11;
    unsigned wrong = 0;
    for (size_t l = 0; l <= W.len; l++) {
        unsigned n;
        int r = walk_exact(W.buf, l, &n);
        bool boundary = l == 0;
        unsigned want_n = 0;
        for (unsigned i = 0; i < W.nentries; i++) {
            if (W.bounds[i] <= l)
                want_n = i + 1;
            if (W.bounds[i] == l)
                boundary = true;
        }
        int want = boundary || l >= trailer_name_end ? 0 : CPIO_ERR_TRUNCATED;
        if (r != want || n != want_n) {
            if (wrong++ < 5)
                printf("  length %zu: %d after %u entries, want %d after %u\n", l, r, n, want, want_n);
        }
    }
    CHECK_EQ(wrong, 0);
}

static void test_bad_arguments(void)
{
    build_sample(&W);
    struct cpio_entry e;
    size_t off = 2;
    CHECK_EQ(cpio_next(W.buf, W.len, &off, &e), CPIO_ERR_BADOFFSET);
    off = W.len + 4;
    CHECK_EQ(cpio_next(W.buf, W.len, &off, &e), CPIO_ERR_BADOFFSET);
    off = SIZE_MAX & ~(size_t)3;
    CHECK_EQ(cpio_next(W.buf, W.len, &off, &e), CPIO_ERR_BADOFFSET);
    off = 0;
    CHECK_EQ(cpio_next(NULL, W.len, &off, &e), CPIO_ERR_INVAL);
    CHECK_EQ(cpio_next(W.buf, W.len, NULL, &e), CPIO_ERR_INVAL);
    CHECK_EQ(cpio_next(W.buf, W.len, &off, NULL), CPIO_ERR_INVAL);
    CHECK_EQ(cpio_find(W.buf, W.len, NULL, &e), CPIO_ERR_INVAL);
    CHECK_EQ(cpio_find(NULL, W.len, "x", &e), CPIO_ERR_INVAL);
    CHECK_EQ(cpio_find(W.buf, W.len, "x", NULL), CPIO_ERR_INVAL);
    /* an offset in the middle of an entry is just garbage to the parser */
    off = 4;
    CHECK_EQ(cpio_next(W.buf, W.len, &off, &e), CPIO_ERR_BADMAGIC);
}

static void test_strerror(void)
{
    static const int codes[] = {CPIO_ERR_NOTFOUND, CPIO_ERR_BADMAGIC, CPIO_ERR_BADHEX, CPIO_ERR_BADNAME,
                                CPIO_ERR_TRUNCATED, CPIO_ERR_BADOFFSET, CPIO_ERR_INVAL};
    const char *unknown = cpio_strerror(-1000);
    CHECK(unknown != NULL);
    CHECK_STR(cpio_strerror(0), "success");
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        CHECK(cpio_strerror(codes[i]) != NULL);
        CHECK(strcmp(cpio_strerror(codes[i]), unknown) != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(cpio_strerror(codes[i]), cpio_strerror(codes[j])) != 0);
    }
}

/* Random mutations of the sample, biased towards header digits so that many
 * mutants get past the magic: whatever comes back, every entry must lie in
 * the buffer (walk() checks) and only known codes may be returned. */
static void test_mutation_fuzz(void)
{
    build_sample(&W);
    uint64_t seed = 0x6b656e6978637069ull; /* deterministic */
    static const char digits[] = "0123456789abcdefABCDEFfff0";
    unsigned odd = 0, ok = 0;
    for (unsigned iter = 0; iter < 30000; iter++) {
        static uint8_t m[sizeof(W.buf)];
        size_t len = W.len;
        memcpy(m, W.buf, len);
        unsigned nmut = 1 + (unsigned)(test_rand(&seed) % 6);
        for (unsigned k = 0; k < nmut; k++) {
            size_t pos = (size_t)(test_rand(&seed) % len);
            uint64_t how = test_rand(&seed) % 4;
            if (how == 0)
                m[pos] = (uint8_t)test_rand(&seed);
            else if (how == 1)
                m[pos] = (uint8_t)digits[test_rand(&seed) % (sizeof(digits) - 1)];
            else if (how == 2)
                m[pos] = (uint8_t)(test_rand(&seed) % 2 ? 'f' : '0');
            else
                len = 1 + (size_t)(test_rand(&seed) % len);
        }
        uint8_t *a = exact_copy(m, len);
        int r = walk(a, len, NULL, NULL);
        if (r == 0)
            ok++;
        else if (r != CPIO_ERR_BADMAGIC && r != CPIO_ERR_BADHEX && r != CPIO_ERR_BADNAME &&
                 r != CPIO_ERR_TRUNCATED)
            odd++;
        struct cpio_entry e;
        int f = cpio_find(a, len, "/etc/motd", &e);
        if (f == 0 && (e.size > len || (const uint8_t *)e.data < a ||
                       (size_t)((const uint8_t *)e.data - a) > len - e.size))
            odd++;
        free(a);
    }
    CHECK_EQ(odd, 0);
    CHECK(ok > 0); /* some mutants stay valid (e.g. mtime digits) */
}

/* ---- the real initrd ---------------------------------------------------- */

static uint8_t *initrd;
static size_t initrd_size;

static void test_initrd_walk(void)
{
    unsigned n;
    size_t end;
    CHECK_EQ(walk(initrd, initrd_size, &n, &end), 0);
    CHECK(n >= 5);
    CHECK(end < initrd_size); /* stopped at the trailer, cpio pads after it */
}

static void check_file(const char *path, size_t min_size)
{
    struct cpio_entry e;
    int r = cpio_find(initrd, initrd_size, path, &e);
    CHECK_EQ(r, 0);
    if (r != 0) {
        printf("  %s: %s\n", path, cpio_strerror(r));
        return;
    }
    CHECK(cpio_is_reg(&e));
    CHECK(e.size >= min_size);
}

static void test_initrd_files(void)
{
    check_file("/bin/busybox", 100000);
    check_file("bin/busybox", 100000);
    check_file("./bin/busybox", 100000);
    check_file("/bin/hello", 1000);
    check_file("/etc/motd", 1);
    struct cpio_entry e;
    CHECK_EQ(cpio_find(initrd, initrd_size, "/bin", &e), 0);
    CHECK(cpio_is_dir(&e));
    CHECK_EQ(cpio_find(initrd, initrd_size, "/etc/motd", &e), 0);
    const uint8_t *t = e.data;
    bool text = true;
    for (size_t i = 0; i < e.size; i++)
        if (t[i] != '\n' && t[i] != '\t' && (t[i] < 0x20 || t[i] == 0x7f))
            text = false;
    CHECK(text);
    CHECK_EQ(cpio_find(initrd, initrd_size, "/bin/no-such-program", &e), CPIO_ERR_NOTFOUND);
}

/* The kernel's exec path: find the program, then parse it in place. */
static void test_initrd_executables(void)
{
    size_t off = 0;
    struct cpio_entry e;
    unsigned elves = 0;
    while (cpio_next(initrd, initrd_size, &off, &e) == 1) {
        if (!cpio_is_reg(&e) || e.size < 4 || memcmp(e.data, "\x7f" "ELF", 4) != 0)
            continue;
        struct elf_image img;
        int r = elf_parse(e.data, e.size, 1ull << 48, &img);
        if (r != 0)
            printf("  %s: %s\n", e.name, elf_strerror(r));
        CHECK_EQ(r, 0);
        elves++;
    }
    CHECK(elves >= 2);
}

static void test_initrd_truncations(void)
{
    /* a few hundred cut points spread over the archive, plus the start */
    unsigned odd = 0;
    for (size_t l = 0; l < initrd_size; l += (l < 4096 ? 1 : initrd_size / 300 + 1)) {
        int r = walk_exact(initrd, l, NULL);
        if (r != 0 && r != CPIO_ERR_TRUNCATED)
            odd++;
    }
    CHECK_EQ(odd, 0);
}

static int run_initrd(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        printf("SKIP: %s not found (the initrd has not been built)\n", path);
        return 77;
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    initrd_size = n > 0 ? (size_t)n : 0;
    initrd = malloc(initrd_size != 0 ? initrd_size : 1);
    if (initrd == NULL || fread(initrd, 1, initrd_size, fp) != initrd_size)
        abort();
    fclose(fp);

    RUN(test_initrd_walk);
    RUN(test_initrd_files);
    RUN(test_initrd_executables);
    RUN(test_initrd_truncations);
    free(initrd);
    return test_finish();
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return run_initrd(argv[1]);
    RUN(test_walk_sample);
    RUN(test_find_spellings);
    RUN(test_stops_at_trailer);
    RUN(test_clean_end);
    RUN(test_magic_variants);
    RUN(test_hex_fields);
    RUN(test_bad_names);
    RUN(test_huge_filesize);
    RUN(test_padding_past_end);
    RUN(test_every_truncation);
    RUN(test_bad_arguments);
    RUN(test_strerror);
    RUN(test_mutation_fuzz);
    return test_finish();
}
