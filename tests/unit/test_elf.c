/*
 * Host tests of the ELF64 executable parser (kernel/lib/elf.c).
 *
 * Without arguments: images built in memory from a `struct spec` (the
 * header fields and program headers spelled out), starting from one shaped
 * like what lld makes of a static musl program, then broken one field at a
 * time. With one argument: a real static executable from the build (exit 77,
 * CTest's skip code, when it is absent).
 *
 * Every image handed to the parser sits in a heap buffer of exactly the size
 * it is told, so ASan catches any read past the end.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/elf.h"
#include "test.h"

#define LIMIT (1ull << 48) /* a 48-bit user half */
#define MAXPH 24

/* ---- writer ------------------------------------------------------------- */

struct ph {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

struct spec {
    uint8_t magic[4], cls, data, ident_version;
    uint16_t type, machine, phentsize, phnum;
    uint32_t version;
    uint64_t entry, phoff;
    size_t size; /* file size */
    struct ph ph[MAXPH];
};

static void le_put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes the image into a new heap buffer of exactly s->size bytes. Header
 * and program headers are written only where they fit, so truncated or
 * out-of-file tables can be described too. Segment bytes are a pattern. */
static uint8_t *build(const struct spec *s)
{
    size_t n = s->size;
    uint8_t *f = malloc(n != 0 ? n : 1);
    if (f == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        f[i] = (uint8_t)(i * 7 + 3);
    uint8_t h[64] = {0};
    memcpy(h, s->magic, 4);
    h[4] = s->cls;
    h[5] = s->data;
    h[6] = s->ident_version;
    le_put(h + 16, s->type, 2);
    le_put(h + 18, s->machine, 2);
    le_put(h + 20, s->version, 4);
    le_put(h + 24, s->entry, 8);
    le_put(h + 32, s->phoff, 8);
    le_put(h + 52, 64, 2);
    le_put(h + 54, s->phentsize, 2);
    le_put(h + 56, s->phnum, 2);
    memcpy(f, h, n < 64 ? n : 64);
    static const struct ph null_ph; /* PT_NULL past the spec's entries */
    for (unsigned i = 0; i < s->phnum; i++) {
        uint8_t p[56] = {0};
        const struct ph *ph = i < MAXPH ? &s->ph[i] : &null_ph;
        le_put(p + 0, ph->type, 4);
        le_put(p + 4, ph->flags, 4);
        le_put(p + 8, ph->offset, 8);
        le_put(p + 16, ph->vaddr, 8);
        le_put(p + 24, ph->vaddr, 8);
        le_put(p + 32, ph->filesz, 8);
        le_put(p + 40, ph->memsz, 8);
        le_put(p + 48, ph->align, 8);
        uint64_t at = s->phoff + (uint64_t)i * 56;
        if (s->phoff < n && at < n)
            memcpy(f + at, p, n - at < 56 ? n - at : 56);
    }
    return f;
}

#define R ELF_PF_R
#define W ELF_PF_W
#define X ELF_PF_X

/*
 * Like lld's static output: PHDR, R (headers + rodata), R-X, RW (relro), RW
 * (data + bss), GNU_STACK, each PT_LOAD 64 KiB-aligned with the same page
 * offset in file and memory.
 */
static struct spec base_spec(void)
{
    struct spec s = {
        .magic = {0x7f, 'E', 'L', 'F'}, .cls = 2, .data = 1, .ident_version = 1,
        .type = ELF_ET_EXEC, .machine = ELF_EM_AARCH64, .phentsize = 56, .phnum = 6,
        .version = 1, .entry = 0x211440, .phoff = 64, .size = 0xd000,
    };
    s.ph[0] = (struct ph){ELF_PT_PHDR, R, 64, 0x200040, 6 * 56, 6 * 56, 8};
    s.ph[1] = (struct ph){ELF_PT_LOAD, R, 0, 0x200000, 0x1434, 0x1434, 0x10000};
    s.ph[2] = (struct ph){ELF_PT_LOAD, R | X, 0x1440, 0x211440, 0xb1d4, 0xb1d4, 0x10000};
    s.ph[3] = (struct ph){ELF_PT_LOAD, R | W, 0xc618, 0x22c618, 0x70, 0x70, 0x10000};
    s.ph[4] = (struct ph){ELF_PT_LOAD, R | W, 0xc688, 0x23c688, 0xf8, 0xaf8, 0x10000};
    s.ph[5] = (struct ph){ELF_PT_GNU_STACK, R | W, 0, 0, 0, 0, 0};
    return s;
}

/* A static PIE: the same shape linked at 0. */
static struct spec pie_spec(void)
{
    struct spec s = base_spec();
    s.type = ELF_ET_DYN;
    s.entry -= 0x200000;
    for (unsigned i = 0; i < 5; i++)
        s.ph[i].vaddr -= 0x200000;
    return s;
}

static struct elf_image img;

static int parse_spec(const struct spec *s, uint64_t limit)
{
    uint8_t *f = build(s);
    int r = elf_parse(f, s->size, limit, &img);
    free(f);
    return r;
}

/*
 * The first n bytes of src placed at the very end of buf (cap bytes, a heap
 * block): any read past n then lands in ASan's redzone, as with an exact-size
 * allocation, without allocating per length. It also shifts the image to
 * every alignment.
 */
static uint8_t *tail_copy(uint8_t *buf, size_t cap, const uint8_t *src, size_t n)
{
    uint8_t *p = buf + (cap - n);
    memmove(p, src, n);
    return p;
}

static bool image_is_clear(const struct elf_image *i)
{
    static const struct elf_image zero;
    return memcmp(i, &zero, sizeof(zero)) == 0;
}

/* ---- valid images ------------------------------------------------------- */

static void test_static_exec(void)
{
    struct spec s = base_spec();
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK(!img.pie);
    CHECK_EQ(img.entry, 0x211440);
    CHECK_EQ(img.nsegs, 4);
    CHECK_EQ(img.span_start, 0x200000);
    CHECK_EQ(img.span_end, 0x23e000); /* 0x23c688 + 0xaf8 = 0x23d180, page-aligned up */
    CHECK_EQ(img.max_align, 0x10000);
    CHECK(img.phdr_loaded);
    CHECK_EQ(img.phdr, 0x200040);
    CHECK_EQ(img.phnum, 6);
    CHECK_EQ(img.phent, 56);
    CHECK(!img.exec_stack);
    CHECK_EQ(img.bias, 0);

    CHECK_EQ(img.segs[0].vaddr, 0x200000);
    CHECK_EQ(img.segs[0].offset, 0);
    CHECK_EQ(img.segs[0].filesz, 0x1434);
    CHECK_EQ(img.segs[0].prot, R);
    CHECK_EQ(img.segs[1].vaddr, 0x211440);
    CHECK_EQ(img.segs[1].offset, 0x1440);
    CHECK_EQ(img.segs[1].prot, R | X);
    CHECK_EQ(img.segs[2].prot, R | W);
    CHECK_EQ(img.segs[3].vaddr, 0x23c688);
    CHECK_EQ(img.segs[3].memsz, 0xaf8);
    CHECK_EQ(img.segs[3].filesz, 0xf8);
    CHECK_EQ(img.segs[3].offset, 0xc688);
    for (unsigned i = 0; i < img.nsegs; i++)
        CHECK(!img.segs[i].shares_prev_page);
    /* relocating an ET_EXEC is a no-op with bias 0 only */
    CHECK_EQ(elf_relocate(&img, 0, LIMIT), 0);
    CHECK_EQ(elf_relocate(&img, 0x10000, LIMIT), ELF_ERR_INVAL);
    CHECK_EQ(img.entry, 0x211440);
}

static void test_static_pie(void)
{
    struct spec s = pie_spec();
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK(img.pie);
    CHECK_EQ(img.entry, 0x11440);
    CHECK_EQ(img.span_start, 0);
    CHECK_EQ(img.span_end, 0x3e000);
    CHECK_EQ(img.phdr, 0x40);
    CHECK(img.phdr_loaded);
    CHECK_EQ(img.segs[0].vaddr, 0);

    struct elf_image copy = img;
    CHECK_EQ(elf_relocate(&img, 0x123, LIMIT), ELF_ERR_INVAL); /* not page-aligned */
    CHECK_EQ(elf_relocate(&img, LIMIT - 0x3d000, LIMIT), ELF_ERR_ADDR);
    CHECK_EQ(elf_relocate(&img, 0xfffffffffffff000ull, LIMIT), ELF_ERR_ADDR);
    CHECK(memcmp(&copy, &img, sizeof(img)) == 0);
    CHECK_EQ(elf_relocate(&img, 0, LIMIT), ELF_ERR_ADDR); /* would map page 0 */
    CHECK_EQ(elf_relocate(&img, LIMIT - 0x3e000, LIMIT), 0); /* exactly fits */
    img = copy;
    CHECK_EQ(elf_relocate(&img, 0x5555550000ull, LIMIT), 0);
    CHECK_EQ(img.bias, 0x5555550000ull);
    CHECK_EQ(img.entry, 0x5555561440ull);
    CHECK_EQ(img.phdr, 0x5555550040ull);
    CHECK_EQ(img.span_start, 0x5555550000ull);
    CHECK_EQ(img.span_end, 0x555558e000ull);
    CHECK_EQ(img.segs[3].vaddr, 0x555558c688ull);
    CHECK_EQ(img.segs[3].offset, 0xc688); /* file offsets do not move */
    CHECK_EQ(elf_relocate(&img, 0x10000, LIMIT), ELF_ERR_INVAL); /* twice */
    CHECK_EQ(elf_relocate(NULL, 0, LIMIT), ELF_ERR_INVAL);

    /* a PIE linked high moves down with a "negative" bias */
    struct spec hi = pie_spec();
    hi.entry += 0x70000000;
    for (unsigned i = 0; i < 5; i++)
        hi.ph[i].vaddr += 0x70000000;
    CHECK_EQ(parse_spec(&hi, LIMIT), 0);
    CHECK_EQ(img.span_start, 0x70000000);
    CHECK_EQ(elf_relocate(&img, (uint64_t)0 - 0x70000000 + 0x400000, LIMIT), 0);
    CHECK_EQ(img.span_start, 0x400000);
    CHECK_EQ(img.entry, 0x411440);
    CHECK_EQ(img.phdr, 0x400040);
    CHECK_EQ(img.segs[0].vaddr, 0x400000);
    CHECK_EQ(parse_spec(&hi, LIMIT), 0);
    CHECK_EQ(elf_relocate(&img, (uint64_t)0 - 0x70000000, LIMIT), ELF_ERR_ADDR); /* to page 0 */
    CHECK_EQ(elf_relocate(&img, (uint64_t)0 - 0x70001000, LIMIT), ELF_ERR_ADDR); /* wraps */
    CHECK_EQ(elf_relocate(&img, LIMIT - 0x70000000 - 0x3e000, LIMIT), 0);     /* to the very end */

    /* the span must fit between the null page and the limit */
    CHECK_EQ(parse_spec(&s, 0x3e000), ELF_ERR_ADDR);
    CHECK_EQ(parse_spec(&s, 0x3f000), 0);
    CHECK_EQ(parse_spec(&s, 0x1000), ELF_ERR_ADDR);
    CHECK_EQ(parse_spec(&s, 0), ELF_ERR_ADDR);
}

/* Minimal single-segment image: header, phdrs and code in one R-X page. */
static void test_minimal(void)
{
    struct spec s = base_spec();
    s.phnum = 1;
    s.size = 0x100;
    s.entry = 0x400078;
    s.ph[0] = (struct ph){ELF_PT_LOAD, R | X, 0, 0x400000, 0x100, 0x100, 0x1000};
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.nsegs, 1);
    CHECK_EQ(img.span_start, 0x400000);
    CHECK_EQ(img.span_end, 0x401000);
    CHECK_EQ(img.phdr, 0x400040); /* found through the PT_LOAD holding e_phoff */
    CHECK(img.phdr_loaded);
    CHECK_EQ(img.max_align, 0x1000);
    /* p_align 0 and 1 mean "no constraint" */
    s.ph[0].align = 0;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    s.ph[0].align = 1;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    s.ph[0].align = 1ull << 63;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.max_align, 1ull << 63);
}

static void test_phdr_not_loaded(void)
{
    struct spec s = base_spec();
    s.ph[0].type = ELF_PT_NOTE; /* no PT_PHDR */
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.phdr, 0x200040); /* computed from the first PT_LOAD */
    /* table after the file bytes of every segment */
    s.size = 0xd000 + 6 * 56;
    s.phoff = 0xd000;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK(!img.phdr_loaded);
    CHECK_EQ(img.phdr, 0);
    /* the table straddling the end of a segment's file bytes is not loaded */
    s = base_spec();
    s.ph[0].type = ELF_PT_NOTE;
    s.ph[1].filesz = s.ph[1].memsz = 64 + 6 * 56 - 1;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK(!img.phdr_loaded);
    s.ph[1].filesz = s.ph[1].memsz = 64 + 6 * 56;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK(img.phdr_loaded);
}

static void test_pt_phdr(void)
{
    struct spec s = base_spec();
    s.ph[0].vaddr = 0x200100; /* PT_PHDR wins over the computed address */
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.phdr, 0x200100);
    /* in bss (no file bytes behind it) */
    s.ph[0].vaddr = 0x23c688 + 0x100;
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_PHDR);
    CHECK(image_is_clear(&img));
    /* outside every segment */
    s.ph[0].vaddr = 0x100000;
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_PHDR);
    s.ph[0].vaddr = UINT64_MAX - 10;
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_PHDR);
    /* running off the end of the segment's file bytes */
    s.ph[0].vaddr = 0x200000 + 0x1434 - 6 * 56 + 1;
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_PHDR);
    s.ph[0].vaddr = 0x200000 + 0x1434 - 6 * 56;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
}

static void test_empty_load_dropped(void)
{
    struct spec s = base_spec();
    s.phnum = 7;
    s.ph[6] = (struct ph){ELF_PT_LOAD, R, 0x123456789, 0x100, 0, 0, 0x1000}; /* nothing to map */
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.nsegs, 4);
    /* a bss-only segment: its offset is irrelevant and not congruent */
    s.ph[6] = (struct ph){ELF_PT_LOAD, R | W, 0x5, 0x300000, 0, 0x2000, 0x1000};
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.nsegs, 5);
    CHECK_EQ(img.segs[4].offset, 0);
    CHECK_EQ(img.segs[4].filesz, 0);
    CHECK_EQ(img.span_end, 0x302000);
    /* all PT_LOADs empty */
    s = base_spec();
    for (unsigned i = 1; i <= 4; i++)
        s.ph[i].filesz = s.ph[i].memsz = 0;
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_NOLOAD);
}

static void test_exec_stack(void)
{
    struct spec s = base_spec();
    s.ph[5].flags = R | W | X;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK(img.exec_stack);
}

/* Consecutive segments may share one boundary page, never more. */
static void test_shared_page(void)
{
    struct spec s = base_spec();
    s.phnum = 3;
    s.size = 0x2000;
    s.entry = 0x400100;
    s.ph[0] = (struct ph){ELF_PT_LOAD, R | X, 0, 0x400000, 0x1234, 0x1234, 0x1000};
    s.ph[1] = (struct ph){ELF_PT_LOAD, R | W, 0x1238, 0x401238, 0x100, 0x800, 0x1000};
    s.ph[2] = (struct ph){ELF_PT_LOAD, R, 0x1a38, 0x401a38, 0x10, 0x10, 0x1000};
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.nsegs, 3);
    CHECK(!img.segs[0].shares_prev_page);
    CHECK(img.segs[1].shares_prev_page);
    CHECK(img.segs[2].shares_prev_page);
    CHECK_EQ(img.span_end, 0x402000);
    /* touching exactly at a byte boundary is fine too */
    s.ph[1].offset = 0x1234;
    s.ph[1].vaddr = 0x401234;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    /* one byte of overlap is not */
    s.ph[1].offset = 0x1233;
    s.ph[1].vaddr = 0x401233;
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_OVERLAP);
    /* a page boundary between them: nothing shared */
    s.ph[1] = (struct ph){ELF_PT_LOAD, R | W, 0x1238, 0x402238, 0x100, 0x800, 0x1000};
    s.ph[2] = (struct ph){ELF_PT_LOAD, R, 0x1a38, 0x403a38, 0x10, 0x10, 0x1000};
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK(!img.segs[1].shares_prev_page);
}

/* ---- refused images ----------------------------------------------------- */

static void test_header_errors(void)
{
    struct spec s;
#define HDR_CASE(field, value, err)                                                          \
    do {                                                                                     \
        s = base_spec();                                                                     \
        s.field = value;                                                                     \
        CHECK_EQ(parse_spec(&s, LIMIT), err);                                                \
        if ((err) != 0)                                                                      \
            CHECK(image_is_clear(&img));                                                     \
    } while (0)
    HDR_CASE(magic[0], 0x7e, ELF_ERR_MAGIC);
    HDR_CASE(magic[3], 'f', ELF_ERR_MAGIC);
    HDR_CASE(cls, 1, ELF_ERR_CLASS);
    HDR_CASE(cls, 0, ELF_ERR_CLASS);
    HDR_CASE(cls, 3, ELF_ERR_CLASS);
    HDR_CASE(data, 2, ELF_ERR_DATA);
    HDR_CASE(data, 0, ELF_ERR_DATA);
    HDR_CASE(ident_version, 0, ELF_ERR_VERSION);
    HDR_CASE(ident_version, 2, ELF_ERR_VERSION);
    HDR_CASE(version, 0, ELF_ERR_VERSION);
    HDR_CASE(version, 0x101, ELF_ERR_VERSION);
    HDR_CASE(machine, 62, ELF_ERR_MACHINE);   /* x86-64 */
    HDR_CASE(machine, 40, ELF_ERR_MACHINE);   /* 32-bit ARM */
    HDR_CASE(machine, 183 + 256, ELF_ERR_MACHINE);
    HDR_CASE(type, 0, ELF_ERR_TYPE);
    HDR_CASE(type, 1, ELF_ERR_TYPE);         /* ET_REL */
    HDR_CASE(type, 4, ELF_ERR_TYPE);         /* ET_CORE */
    HDR_CASE(type, 0xfe00, ELF_ERR_TYPE);
    HDR_CASE(phentsize, 0, ELF_ERR_PHENTSIZE);
    HDR_CASE(phentsize, 32, ELF_ERR_PHENTSIZE); /* Elf32_Phdr */
    HDR_CASE(phentsize, 64, ELF_ERR_PHENTSIZE);
    HDR_CASE(phnum, 0, ELF_ERR_PHNUM);
    HDR_CASE(phnum, ELF_MAX_PHNUM + 1, ELF_ERR_PHNUM);
    HDR_CASE(phnum, 0xffff, ELF_ERR_PHNUM); /* PN_XNUM */
    HDR_CASE(phoff, 0xd000, ELF_ERR_PHOFF);
    HDR_CASE(phoff, 0xd000 - 6 * 56 + 1, ELF_ERR_PHOFF);
    HDR_CASE(phoff, UINT64_MAX, ELF_ERR_PHOFF);
    HDR_CASE(phoff, UINT64_MAX - 100, ELF_ERR_PHOFF);
    HDR_CASE(phoff, 1ull << 61, ELF_ERR_PHOFF);
    HDR_CASE(entry, 0x200100, ELF_ERR_ENTRY);  /* R only */
    HDR_CASE(entry, 0x22c620, ELF_ERR_ENTRY);  /* RW */
    HDR_CASE(entry, 0x211440 + 0xb1d4, ELF_ERR_ENTRY); /* one past R-X */
    HDR_CASE(entry, 0x21143f, ELF_ERR_ENTRY);
    HDR_CASE(entry, 0, ELF_ERR_ENTRY);
    HDR_CASE(entry, UINT64_MAX, ELF_ERR_ENTRY);
    HDR_CASE(entry, 0x211440 + 0xb1d3, 0);
#undef HDR_CASE

    /* a table at the very end of the file is fine */
    s = base_spec();
    s.ph[0].type = ELF_PT_NOTE;
    s.phoff = 0xd000 - 6 * 56;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    /* the largest table allowed */
    s = base_spec();
    s.phnum = ELF_MAX_PHNUM;
    s.ph[0].memsz = s.ph[0].filesz = ELF_MAX_PHNUM * 56;
    CHECK_EQ(parse_spec(&s, LIMIT), 0); /* the extra entries are PT_NULL */
    CHECK_EQ(img.phnum, ELF_MAX_PHNUM);
    CHECK_EQ(ELF_MAX_PHNUM, 73);
}

static void test_interp(void)
{
    struct spec s = base_spec();
    s.phnum = 7;
    s.ph[6] = (struct ph){ELF_PT_INTERP, R, 0x238, 0x200238, 27, 27, 1};
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_INTERP);
    CHECK_STR(elf_strerror(ELF_ERR_INTERP), "dynamically linked: no loader");
    s.type = ELF_ET_DYN; /* an ordinary dynamic PIE */
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_INTERP);
    /* reported even when the segments are broken too */
    s.ph[2].filesz = s.ph[2].memsz + 1;
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_INTERP);
    /* ...but only when it is inside the table */
    s = base_spec();
    s.ph[6] = (struct ph){ELF_PT_INTERP, R, 0x238, 0x200238, 27, 27, 1};
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
}

static void test_segment_errors(void)
{
    struct spec s;
#define SEG_CASE(i, field, value, err)                                                       \
    do {                                                                                     \
        s = base_spec();                                                                     \
        s.ph[i].field = value;                                                               \
        CHECK_EQ(parse_spec(&s, LIMIT), err);                                                \
    } while (0)
    SEG_CASE(4, filesz, 0xaf9, ELF_ERR_FILESZ);
    SEG_CASE(4, filesz, UINT64_MAX, ELF_ERR_FILESZ);
    SEG_CASE(4, memsz, 0xf7, ELF_ERR_FILESZ);
    SEG_CASE(4, offset, 0xd688, ELF_ERR_FILERANGE);    /* past the end, congruent */
    SEG_CASE(4, offset, 0xcf88, ELF_ERR_FILERANGE);    /* runs 0x80 past the end */
    SEG_CASE(4, offset, 0xfffffffffffff688ull, ELF_ERR_FILERANGE); /* wraps */
    SEG_CASE(1, filesz, 0xd001, ELF_ERR_FILESZ);
    SEG_CASE(4, align, 3, ELF_ERR_ALIGN);
    SEG_CASE(4, align, 0x800, ELF_ERR_ALIGN);   /* power of two, below a page */
    SEG_CASE(4, align, 2, ELF_ERR_ALIGN);
    SEG_CASE(4, align, 0x3000, ELF_ERR_ALIGN);
    SEG_CASE(4, align, UINT64_MAX, ELF_ERR_ALIGN);
    SEG_CASE(4, offset, 0xc680, ELF_ERR_ALIGN); /* page offsets differ */
    SEG_CASE(4, vaddr, 0x23c680, ELF_ERR_ALIGN);
    SEG_CASE(2, vaddr, 0x200440, ELF_ERR_OVERLAP); /* inside the R segment */
    SEG_CASE(2, vaddr, 0x101440, ELF_ERR_OVERLAP); /* unsorted */
    SEG_CASE(4, vaddr, 0x22c688, 0); /* right after the relro segment, sharing its page */
    SEG_CASE(4, vaddr, 0x22c688 - 0x1000, ELF_ERR_OVERLAP);
    /* addresses: wrap, limit, null page */
    SEG_CASE(4, vaddr, 0xfffffffffffff688ull, ELF_ERR_ADDR);
    SEG_CASE(4, vaddr, 0xffffffffffff0688ull, ELF_ERR_ADDR);
    SEG_CASE(4, memsz, UINT64_MAX - 0x23c688, ELF_ERR_ADDR);
    SEG_CASE(4, memsz, UINT64_MAX - 0x23c688 - 0x800, ELF_ERR_ADDR);
    SEG_CASE(4, vaddr, LIMIT + 0x688, ELF_ERR_ADDR);
    SEG_CASE(4, vaddr, LIMIT - 0x1000 + 0x688, ELF_ERR_ADDR); /* its bss crosses the limit */
    SEG_CASE(4, vaddr, LIMIT - 0x2000 + 0x688, 0);
    SEG_CASE(4, memsz, LIMIT - 0x23c688, 0);
    SEG_CASE(4, memsz, LIMIT - 0x23c688 + 1, ELF_ERR_ADDR);
#undef SEG_CASE

    /* the null page is never mapped */
    s = base_spec();
    for (unsigned i = 0; i < 5; i++)
        s.ph[i].vaddr -= 0x200000;
    s.entry -= 0x200000;
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_ADDR);
    for (unsigned i = 0; i < 5; i++)
        s.ph[i].vaddr += 0x1000;
    s.entry += 0x1000;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.span_start, 0x1000);
    /* ...and the limit is exclusive */
    CHECK_EQ(parse_spec(&s, 0x3f000), 0);
    CHECK_EQ(parse_spec(&s, 0x3efff), ELF_ERR_ADDR);
    CHECK_EQ(parse_spec(&s, 0x3e000), ELF_ERR_ADDR);
}

static void test_too_many_segments(void)
{
    struct spec s = base_spec();
    s.phnum = 1 + ELF_MAX_SEGMENTS + 1;
    s.size = 0x20000;
    s.entry = 0x400000;
    s.ph[0] = (struct ph){ELF_PT_PHDR, R, 64, 0x400040, s.phnum * 56, s.phnum * 56, 8};
    for (unsigned i = 1; i < s.phnum; i++)
        s.ph[i] = (struct ph){ELF_PT_LOAD, R | X, 0x1000 * (i - 1), 0x400000 + 0x1000 * (i - 1), 0x800,
                              0x800, 0x1000};
    CHECK_EQ(parse_spec(&s, LIMIT), ELF_ERR_TOOMANY);
    s.phnum--;
    CHECK_EQ(parse_spec(&s, LIMIT), 0);
    CHECK_EQ(img.nsegs, ELF_MAX_SEGMENTS);
    CHECK_EQ(img.span_end, 0x400000 + 0x1000 * ELF_MAX_SEGMENTS);
}

static void test_short_files(void)
{
    static const uint8_t elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    for (size_t n = 0; n < 64; n++) {
        uint8_t *f = malloc(n != 0 ? n : 1);
        memcpy(f, elf, n);
        CHECK_EQ(elf_parse(f, n, LIMIT, &img), ELF_ERR_TRUNCATED);
        if (n > 0) {
            f[0] = '#';
            CHECK_EQ(elf_parse(f, n, LIMIT, &img), ELF_ERR_MAGIC);
        }
        free(f);
    }
    CHECK_EQ(elf_parse(elf, 64, LIMIT, NULL), ELF_ERR_INVAL);
    CHECK_EQ(elf_parse(NULL, 64, LIMIT, &img), ELF_ERR_INVAL);
    CHECK_EQ(elf_parse("#!/bin/sh\necho hi\n", 18, LIMIT, &img), ELF_ERR_MAGIC);
}

/* Every prefix of a valid image fails with the error for what was cut. */
static void test_every_truncation(void)
{
    struct spec s = base_spec();
    uint8_t *full = build(&s);
    uint8_t *buf = malloc(s.size);
    unsigned wrong = 0;
    for (size_t n = 0; n <= s.size; n++) {
        int r = elf_parse(tail_copy(buf, s.size, full, n), n, LIMIT, &img);
        int want = n < 64 ? ELF_ERR_TRUNCATED
                   : n < 64 + 6 * 56 ? ELF_ERR_PHOFF
                   : n < 0xc688 + 0xf8 ? ELF_ERR_FILERANGE
                   : 0;
        if (r != want && wrong++ < 5)
            printf("  length %zu: %d, want %d\n", n, r, want);
    }
    CHECK_EQ(wrong, 0);
    free(buf);
    free(full);
}

/* A loader holding only the headers (elf_parse_headers, as kx_process_create
 * uses it) gets exactly what elf_parse gets from the whole file; ASan checks
 * that nothing past the headers is read (the head sits at the end of its block). */
static void test_headers_only(void)
{
    struct spec s = base_spec();
    uint8_t *full = build(&s);
    uint64_t end = elf_headers_end(full, s.size);
    CHECK_EQ(end, 64 + 6 * 56);
    CHECK_EQ(elf_headers_end(full, 63), 64); /* not even the ELF header yet: ask for it */
    struct elf_image whole;
    CHECK_EQ(elf_parse(full, s.size, LIMIT, &whole), 0);
    uint8_t *buf = malloc(end);
    const uint8_t *head = tail_copy(buf, end, full, end);
    CHECK_EQ(elf_parse_headers(head, end, s.size, LIMIT, &img), 0);
    CHECK(memcmp(&img, &whole, sizeof(img)) == 0);
    /* One byte of the table missing; the file shorter than its last segment;
     * a head longer than the file it claims to start. */
    CHECK_EQ(elf_parse_headers(head, end, 0xc688 + 0xf8 - 1, LIMIT, &img), ELF_ERR_FILERANGE);
    CHECK_EQ(elf_parse_headers(head, end, end - 1, LIMIT, &img), ELF_ERR_INVAL);
    CHECK_EQ(elf_parse_headers(tail_copy(buf, end, full, end - 1), end - 1, s.size, LIMIT, &img), ELF_ERR_PHOFF);
    /* Program headers placed absurdly far: the end overflows, reported as such. */
    s.phoff = UINT64_MAX - 10;
    uint8_t *far = build(&s);
    CHECK_EQ(elf_headers_end(far, 64), UINT64_MAX);
    free(far);
    free(buf);
    free(full);
}

static void test_strerror(void)
{
    const char *unknown = elf_strerror(-1000);
    CHECK(unknown != NULL);
    CHECK_STR(elf_strerror(0), "success");
    for (int e = ELF_ERR_TRUNCATED; e >= ELF_ERR_INVAL; e--) {
        CHECK(strcmp(elf_strerror(e), unknown) != 0);
        for (int f = ELF_ERR_TRUNCATED; f > e; f--)
            CHECK(strcmp(elf_strerror(e), elf_strerror(f)) != 0);
    }
}

/* Invariants of every image elf_parse accepts, whatever the input. */
static bool image_sane(const struct elf_image *i, size_t size, uint64_t limit)
{
    if (i->nsegs == 0 || i->nsegs > ELF_MAX_SEGMENTS || i->phent != 56 || i->phnum == 0)
        return false;
    bool entry_ok = false;
    for (uint32_t k = 0; k < i->nsegs; k++) {
        const struct elf_segment *g = &i->segs[k];
        if (g->memsz == 0 || g->filesz > g->memsz || g->offset > size || g->filesz > size - g->offset)
            return false;
        if (g->vaddr + g->memsz < g->vaddr || g->vaddr < i->span_start || g->vaddr + g->memsz > i->span_end)
            return false;
        if (g->filesz != 0 && (g->vaddr & 0xfff) != (g->offset & 0xfff))
            return false;
        if (k > 0 && g->vaddr < i->segs[k - 1].vaddr + i->segs[k - 1].memsz)
            return false;
        if ((g->prot & X) && i->entry >= g->vaddr && i->entry - g->vaddr < g->memsz)
            entry_ok = true;
    }
    if (!i->pie && (i->span_start < ELF_MIN_VADDR || i->span_end > limit))
        return false;
    if (i->span_end - i->span_start > limit)
        return false;
    return entry_ok;
}

/*
 * Mutates a few bytes of `orig` (mostly within its first `hot` bytes, where
 * the header and program headers are), parses, and restores the bytes, so
 * that even a large file is not copied per iteration. With `truncate`, some
 * iterations parse a shorter exact-size copy instead.
 */
static void fuzz(const uint8_t *orig, size_t size, size_t hot, unsigned iters, uint64_t seed, bool truncate)
{
    unsigned bad = 0, accepted = 0;
    uint8_t *m = malloc(size);
    uint8_t *cut = truncate ? malloc(size) : NULL;
    memcpy(m, orig, size);
    for (unsigned it = 0; it < iters; it++) {
        size_t pos[4];
        unsigned nmut = 1 + (unsigned)(test_rand(&seed) % 4);
        size_t len = size;
        for (unsigned k = 0; k < nmut; k++) {
            uint64_t how = test_rand(&seed) % 8;
            pos[k] = (size_t)(test_rand(&seed) % (how < 6 ? hot : size));
            if (how == 0)
                m[pos[k]] = 0xff;
            else if (how == 1)
                m[pos[k]] = 0;
            else if (how == 2)
                m[pos[k]] ^= (uint8_t)(1u << (test_rand(&seed) % 8));
            else if (how == 7 && truncate)
                len = (size_t)(test_rand(&seed) % size);
            else
                m[pos[k]] = (uint8_t)test_rand(&seed);
        }
        uint8_t *f = len == size ? m : tail_copy(cut, size, m, len);
        uint64_t limit = (test_rand(&seed) % 4 == 0) ? 0x400000 : LIMIT;
        int r = elf_parse(f, len, limit, &img);
        if (r == 0) {
            accepted++;
            if (!image_sane(&img, len, limit))
                bad++;
        } else if (r < ELF_ERR_INVAL || r > ELF_ERR_TRUNCATED || !image_is_clear(&img)) {
            bad++;
        }
        for (unsigned k = 0; k < nmut; k++)
            m[pos[k]] = orig[pos[k]];
    }
    free(m);
    free(cut);
    CHECK_EQ(bad, 0);
    CHECK(accepted > 0);
}

static void test_mutation_fuzz(void)
{
    struct spec s = base_spec();
    uint8_t *f = build(&s);
    fuzz(f, s.size, 64 + 6 * 56, 40000, 0x656c6636346b6e78ull, true);
    free(f);
    s = pie_spec();
    f = build(&s);
    fuzz(f, s.size, 64 + 6 * 56, 10000, 0x7069657069657069ull, true);
    free(f);
}

/* ---- real executables --------------------------------------------------- */

static uint8_t *file;
static size_t file_size;

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i > 0; i--)
        v = (v << 8) | p[i - 1];
    return v;
}

static void test_real_parse(void)
{
    CHECK_EQ(elf_parse(file, file_size, LIMIT, &img), 0);
    CHECK(!img.pie);
    CHECK_EQ(img.entry, rd(file + 24, 8));
    CHECK_EQ(img.phnum, rd(file + 56, 2));
    CHECK(!img.exec_stack);
    CHECK(image_sane(&img, file_size, LIMIT));
    bool rx = false, rw = false;
    for (uint32_t i = 0; i < img.nsegs; i++) {
        if (img.segs[i].prot == (R | X) && img.entry >= img.segs[i].vaddr &&
            img.entry < img.segs[i].vaddr + img.segs[i].memsz)
            rx = true;
        if (img.segs[i].prot == (R | W))
            rw = true;
    }
    CHECK(rx);
    CHECK(rw);
    /* no PT_INTERP: the parse would have failed, but look anyway */
    uint64_t phoff = rd(file + 32, 8);
    for (unsigned i = 0; i < img.phnum; i++)
        CHECK(rd(file + phoff + i * 56, 4) != ELF_PT_INTERP);
}

/* AT_PHDR must point at the very bytes of the program header table. */
static void test_real_phdr(void)
{
    CHECK_EQ(elf_parse(file, file_size, LIMIT, &img), 0);
    CHECK(img.phdr_loaded);
    const struct elf_segment *seg = NULL;
    for (uint32_t i = 0; i < img.nsegs; i++)
        if (img.phdr >= img.segs[i].vaddr && img.phdr - img.segs[i].vaddr < img.segs[i].filesz)
            seg = &img.segs[i];
    CHECK(seg != NULL);
    if (seg != NULL) {
        uint64_t off = seg->offset + (img.phdr - seg->vaddr);
        CHECK_EQ(off, rd(file + 32, 8));
        CHECK(off + img.phnum * 56ull <= seg->offset + seg->filesz);
    }
}

static void test_real_limits(void)
{
    CHECK_EQ(elf_parse(file, file_size, LIMIT, &img), 0);
    uint64_t end = img.span_end;
    CHECK_EQ(elf_parse(file, file_size, end, &img), 0);
    CHECK_EQ(elf_parse(file, file_size, end - 1, &img), ELF_ERR_ADDR);
    CHECK_EQ(elf_parse(file, file_size, 0, &img), ELF_ERR_ADDR);
}

static void test_real_truncations(void)
{
    CHECK_EQ(elf_parse(file, file_size, LIMIT, &img), 0);
    unsigned bad = 0;
    uint8_t *buf = malloc(file_size);
    for (size_t n = 0; n < file_size; n += (n < 1024 ? 1 : file_size / 500 + 1)) {
        int r = elf_parse(tail_copy(buf, file_size, file, n), n, LIMIT, &img);
        /* a stripped-off tail of section headers is not needed to load */
        if (r != ELF_ERR_TRUNCATED && r != ELF_ERR_PHOFF && r != ELF_ERR_FILERANGE && r != 0)
            bad++;
    }
    free(buf);
    CHECK_EQ(bad, 0);
}

static void test_real_fuzz(void)
{
    uint64_t phoff = rd(file + 32, 8), phnum = rd(file + 56, 2);
    size_t hot = (size_t)(phoff + phnum * 56);
    fuzz(file, file_size, hot < file_size ? hot : file_size, 20000, 0x7265616c66757a7aull, false);
}

/* elf_reader over the file in memory, cut at `limit` bytes (truncations). */
struct mem_file {
    const uint8_t *p;
    size_t n;
};

static bool mem_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    const struct mem_file *m = ctx;
    if (off > m->n || n > m->n - off)
        return false;
    memcpy(dst, m->p + off, n);
    return true;
}

/* Symbols for crash reports: the entry point is a function of the program's
 * own (musl's _start or _start_c at offset 0, or inside it), a stripped
 * program has none, and no truncation or corruption makes the look-up read
 * outside the file or fail to end. */
static void test_real_symbols(void)
{
    CHECK_EQ(elf_parse(file, file_size, LIMIT, &img), 0);
    struct mem_file m = { file, file_size };
    struct elf_reader r = { mem_read, &m };
    char name[64];
    uint64_t off = 99, vaddr = 0;
    bool pie = true;
    /* The first PT_LOAD holds offset 0 (the ELF header) at its link address. */
    CHECK_EQ(elf_vaddr_of_offset(&r, 0, &vaddr, &pie), 0);
    CHECK(!pie);
    CHECK_EQ(vaddr, img.segs[0].vaddr - img.segs[0].offset);
    CHECK_EQ(elf_vaddr_of_offset(&r, file_size + 4096, &vaddr, &pie), -1);
    bool has_symtab = false;
    uint64_t shoff = rd(file + 40, 8), shnum = rd(file + 60, 2);
    for (uint64_t i = 0; i < shnum && shoff + (i + 1) * 64 <= file_size; i++)
        has_symtab |= rd(file + shoff + i * 64 + 4, 4) == 2;
    int found = elf_function_at(&r, img.entry, name, sizeof(name), &off);
    if (has_symtab) {
        CHECK_EQ(found, 0);
        CHECK(strncmp(name, "_start", 6) == 0);
        CHECK(off < 64);
        /* A name cut to fit the buffer, still terminated. */
        char small[4];
        CHECK_EQ(elf_function_at(&r, img.entry, small, sizeof(small), &off), 0);
        CHECK_EQ(strlen(small), 3u);
    } else {
        CHECK_EQ(found, -1); /* stripped: no names */
    }
    CHECK_EQ(elf_function_at(&r, 0, name, sizeof(name), &off), -1); /* no function at address 0 */
    for (size_t n = 0; n < file_size; n += file_size / 300 + 1) {
        struct mem_file cut = { file, n };
        struct elf_reader rc = { mem_read, &cut };
        (void)elf_function_at(&rc, img.entry, name, sizeof(name), &off);
        (void)elf_vaddr_of_offset(&rc, 0, &vaddr, &pie);
    }
    uint8_t *bad = malloc(file_size);
    uint64_t seed = 0x73796d73ull;
    for (int round = 0; round < 300; round++) {
        memcpy(bad, file, file_size);
        for (int k = 0; k < 8; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)((seed >> 17) % file_size);
            /* aim at the headers and the section table, where the look-up starts */
            if (round & 1)
                at = (size_t)((seed >> 17) % 64);
            else if (shoff < file_size)
                at = (size_t)(shoff + (seed >> 17) % (file_size - shoff));
            bad[at] = (uint8_t)(seed >> 40);
        }
        struct mem_file fm = { bad, file_size };
        struct elf_reader rf = { mem_read, &fm };
        if (elf_function_at(&rf, img.entry, name, sizeof(name), &off) == 0)
            CHECK(strlen(name) < sizeof(name));
    }
    free(bad);
    CHECK(true);
}

/* The vDSO: its dynamic symbols, found as the kernel finds __kernel_rt_sigreturn. */
static void test_vdso_symbols(void)
{
    uint64_t value = 0;
    CHECK_EQ(elf_dynamic_symbol(file, file_size, "__kernel_clock_gettime", &value), 0);
    CHECK(value > 0 && value < file_size);
    CHECK_EQ(elf_dynamic_symbol(file, file_size, "__kernel_rt_sigreturn", &value), 0);
    CHECK(value > 0 && value + 8 <= file_size);
    CHECK_EQ(rd(file + value, 4), 0xd2801168u); /* mov x8, #139 */
    CHECK_EQ(rd(file + value + 4, 4), 0xd4000001u); /* svc #0 */
    CHECK_EQ(elf_dynamic_symbol(file, file_size, "__kernel_clock_gettim", &value), -1);
    CHECK_EQ(elf_dynamic_symbol(file, file_size, "no_such_symbol", &value), -1);
    for (size_t n = 0; n < file_size; n++)
        (void)elf_dynamic_symbol(file, n, "__kernel_rt_sigreturn", &value); /* must stay inside n bytes */
}

static bool argc_shared; /* the file is a shared object to look symbols up in (--shared) */

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        printf("SKIP: %s not found (not built)\n", path);
        return 77;
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    file_size = n > 0 ? (size_t)n : 0;
    file = malloc(file_size != 0 ? file_size : 1);
    if (file == NULL || fread(file, 1, file_size, fp) != file_size)
        abort();
    fclose(fp);
    if (file_size < 64) {
        printf("FAIL %s is too short to be an executable\n", path);
        return 1;
    }
    if (rd(file + 16, 2) == ELF_ET_DYN && argc_shared) {
        RUN(test_vdso_symbols);
        return test_finish();
    }
    RUN(test_real_parse);
    RUN(test_real_phdr);
    RUN(test_real_limits);
    RUN(test_real_truncations);
    RUN(test_real_fuzz);
    RUN(test_real_symbols);
    free(file);
    return test_finish();
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--shared") == 0) {
        argc_shared = true;
        return run_file(argv[2]);
    }
    if (argc > 1)
        return run_file(argv[1]);
    RUN(test_static_exec);
    RUN(test_static_pie);
    RUN(test_minimal);
    RUN(test_phdr_not_loaded);
    RUN(test_pt_phdr);
    RUN(test_empty_load_dropped);
    RUN(test_exec_stack);
    RUN(test_shared_page);
    RUN(test_header_errors);
    RUN(test_interp);
    RUN(test_segment_errors);
    RUN(test_too_many_segments);
    RUN(test_short_files);
    RUN(test_every_truncation);
    RUN(test_headers_only);
    RUN(test_strerror);
    RUN(test_mutation_fuzz);
    return test_finish();
}
