/*
 * ELF64 executable parser; see elf.h for the contract and the segment policy.
 *
 * All lengths come from the file and may be anything up to 2^64 - 1, so a
 * range [off, off + len) is checked as "off <= size && len <= size - off",
 * and an address end as "len <= UINT64_MAX - start", never by computing a
 * sum that could wrap first.
 */
#include "elf.h"

#define PAGE_MASK ((uint64_t)ELF_PAGE_SIZE - 1)

/* e_ident indices and values. */
enum {
    EI_CLASS = 4,
    EI_DATA = 5,
    EI_VERSION = 6,
    ELFCLASS64 = 2,
    ELFDATA2LSB = 1,
    EV_CURRENT = 1,
};

/* Elf64_Ehdr field offsets. */
enum {
    EH_TYPE = 16,
    EH_MACHINE = 18,
    EH_VERSION = 20,
    EH_ENTRY = 24,
    EH_PHOFF = 32,
    EH_PHENTSIZE = 54,
    EH_PHNUM = 56,
};

/* Elf64_Phdr field offsets. */
enum {
    PH_TYPE = 0,
    PH_FLAGS = 4,
    PH_OFFSET = 8,
    PH_VADDR = 16,
    PH_FILESZ = 32,
    PH_MEMSZ = 40,
    PH_ALIGN = 48,
};

/* Little-endian loads done bytewise: the file may sit at any alignment (a
 * cpio entry is only 4-aligned) and the kernel runs with strict alignment. */
static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i > 0; i--)
        v = (v << 8) | p[i - 1];
    return v;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)le(p, 2);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le(p, 4);
}

static uint64_t le64(const uint8_t *p)
{
    return le(p, 8);
}

static uint64_t page_down(uint64_t v)
{
    return v & ~PAGE_MASK;
}

/* Callers ensure v <= UINT64_MAX - PAGE_MASK. */
static uint64_t page_up(uint64_t v)
{
    return (v + PAGE_MASK) & ~PAGE_MASK;
}

static void clear(struct elf_image *img)
{
    *img = (struct elf_image){ 0 }; /* the compiler's block clear: a byte loop cost 2,500 instructions per exec */
}

static int check_header(const uint8_t *f, size_t size)
{
    static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    /* A short file that is not ELF at all is reported as such, not as a
     * truncated ELF file. */
    for (size_t i = 0; i < 4 && i < size; i++)
        if (f[i] != magic[i])
            return ELF_ERR_MAGIC;
    if (size < ELF64_EHDR_SIZE)
        return ELF_ERR_TRUNCATED;
    if (f[EI_CLASS] != ELFCLASS64)
        return ELF_ERR_CLASS;
    if (f[EI_DATA] != ELFDATA2LSB)
        return ELF_ERR_DATA;
    if (f[EI_VERSION] != EV_CURRENT || le32(f + EH_VERSION) != EV_CURRENT)
        return ELF_ERR_VERSION;
    if (le16(f + EH_MACHINE) != ELF_EM_AARCH64)
        return ELF_ERR_MACHINE;
    uint16_t type = le16(f + EH_TYPE);
    if (type != ELF_ET_EXEC && type != ELF_ET_DYN)
        return ELF_ERR_TYPE;
    if (le16(f + EH_PHENTSIZE) != ELF64_PHDR_SIZE)
        return ELF_ERR_PHENTSIZE;
    uint16_t phnum = le16(f + EH_PHNUM);
    if (phnum == 0 || phnum > ELF_MAX_PHNUM)
        return ELF_ERR_PHNUM;
    uint64_t phoff = le64(f + EH_PHOFF);
    uint64_t tabsize = (uint64_t)phnum * ELF64_PHDR_SIZE;
    if (phoff > size || tabsize > size - phoff)
        return ELF_ERR_PHOFF;
    return 0;
}

static bool valid_align(uint64_t a)
{
    if (a <= 1)
        return true;
    return (a & (a - 1)) == 0 && a >= ELF_PAGE_SIZE;
}

/*
 * Checks one PT_LOAD and, unless it is empty, appends it to img->segs.
 * `absolute` says whether addresses are absolute (ET_EXEC) and must lie inside
 * [ELF_MIN_VADDR, user_limit) already.
 */
static int add_load(struct elf_image *img, const uint8_t *ph, size_t size, bool absolute,
                    uint64_t user_limit)
{
    uint64_t offset = le64(ph + PH_OFFSET);
    uint64_t vaddr = le64(ph + PH_VADDR);
    uint64_t filesz = le64(ph + PH_FILESZ);
    uint64_t memsz = le64(ph + PH_MEMSZ);
    uint64_t align = le64(ph + PH_ALIGN);

    if (filesz > memsz)
        return ELF_ERR_FILESZ;
    if (!valid_align(align))
        return ELF_ERR_ALIGN;
    if (filesz != 0) {
        if (offset > size || filesz > size - offset)
            return ELF_ERR_FILERANGE;
        /* Only a segment with file bytes needs them to sit at the same
         * offset within a page in the file as in memory. */
        if ((vaddr & PAGE_MASK) != (offset & PAGE_MASK))
            return ELF_ERR_ALIGN;
    } else {
        offset = 0;
    }
    if (align > img->max_align)
        img->max_align = align;
    if (memsz == 0)
        return 0;

    if (memsz > UINT64_MAX - vaddr || vaddr + memsz > UINT64_MAX - PAGE_MASK)
        return ELF_ERR_ADDR;
    uint64_t end = vaddr + memsz;
    if (absolute && (page_down(vaddr) < ELF_MIN_VADDR || page_up(end) > user_limit))
        return ELF_ERR_ADDR;

    bool shares = false;
    if (img->nsegs > 0) {
        const struct elf_segment *prev = &img->segs[img->nsegs - 1];
        uint64_t prev_end = prev->vaddr + prev->memsz;
        if (vaddr < prev_end)
            return ELF_ERR_OVERLAP;
        shares = page_down(vaddr) < page_up(prev_end);
    }
    if (img->nsegs == ELF_MAX_SEGMENTS)
        return ELF_ERR_TOOMANY;

    struct elf_segment *s = &img->segs[img->nsegs++];
    s->vaddr = vaddr;
    s->memsz = memsz;
    s->offset = offset;
    s->filesz = filesz;
    s->prot = le32(ph + PH_FLAGS) & (ELF_PF_R | ELF_PF_W | ELF_PF_X);
    s->shares_prev_page = shares;
    return 0;
}

/* The segment whose file-backed bytes hold [addr, addr + len), or NULL. */
static const struct elf_segment *file_backed(const struct elf_image *img, uint64_t addr, uint64_t len)
{
    for (uint32_t i = 0; i < img->nsegs; i++) {
        const struct elf_segment *s = &img->segs[i];
        if (addr >= s->vaddr && len <= s->filesz && addr - s->vaddr <= s->filesz - len)
            return s;
    }
    return NULL;
}

/* f holds the first head_len bytes of a file of size bytes: the headers
 * are read from f, segment extents are checked against the whole file. */
static int parse(const uint8_t *f, size_t head_len, size_t size, uint64_t user_limit, struct elf_image *img)
{
    int err = check_header(f, head_len);
    if (err != 0)
        return err;

    uint16_t phnum = le16(f + EH_PHNUM);
    uint64_t phoff = le64(f + EH_PHOFF);
    const uint8_t *tab = f + phoff;
    bool exec = le16(f + EH_TYPE) == ELF_ET_EXEC;

    /* Refused before anything else: whatever else is wrong with such a file,
     * "dynamically linked" is the error that tells the user what to do. */
    for (uint16_t i = 0; i < phnum; i++)
        if (le32(tab + (size_t)i * ELF64_PHDR_SIZE + PH_TYPE) == ELF_PT_INTERP)
            return ELF_ERR_INTERP;

    img->pie = !exec;
    img->max_align = ELF_PAGE_SIZE;
    bool have_pt_phdr = false;
    uint64_t pt_phdr_vaddr = 0;
    for (uint16_t i = 0; i < phnum; i++) {
        const uint8_t *ph = tab + (size_t)i * ELF64_PHDR_SIZE;
        switch (le32(ph + PH_TYPE)) {
        case ELF_PT_LOAD:
            err = add_load(img, ph, size, exec, user_limit);
            if (err != 0)
                return err;
            break;
        case ELF_PT_PHDR:
            if (!have_pt_phdr) {
                have_pt_phdr = true;
                pt_phdr_vaddr = le64(ph + PH_VADDR);
            }
            break;
        case ELF_PT_GNU_STACK:
            img->exec_stack = (le32(ph + PH_FLAGS) & ELF_PF_X) != 0;
            break;
        default:
            break; /* PT_TLS, PT_NOTE, PT_GNU_RELRO...: for user space to use */
        }
    }
    if (img->nsegs == 0)
        return ELF_ERR_NOLOAD;

    const struct elf_segment *last = &img->segs[img->nsegs - 1];
    img->span_start = page_down(img->segs[0].vaddr);
    img->span_end = page_up(last->vaddr + last->memsz);
    if (!exec && (user_limit <= ELF_MIN_VADDR ||
                  img->span_end - img->span_start > user_limit - ELF_MIN_VADDR))
        return ELF_ERR_ADDR;

    uint64_t entry = le64(f + EH_ENTRY);
    bool entry_ok = false;
    for (uint32_t i = 0; i < img->nsegs && !entry_ok; i++) {
        const struct elf_segment *s = &img->segs[i];
        entry_ok = (s->prot & ELF_PF_X) != 0 && entry >= s->vaddr && entry - s->vaddr < s->memsz;
    }
    if (!entry_ok)
        return ELF_ERR_ENTRY;
    img->entry = entry;

    uint64_t tabsize = (uint64_t)phnum * ELF64_PHDR_SIZE;
    if (have_pt_phdr) {
        if (file_backed(img, pt_phdr_vaddr, tabsize) == NULL)
            return ELF_ERR_PHDR;
        img->phdr = pt_phdr_vaddr;
        img->phdr_loaded = true;
    } else {
        for (uint32_t i = 0; i < img->nsegs; i++) {
            const struct elf_segment *s = &img->segs[i];
            if (phoff >= s->offset && tabsize <= s->filesz && phoff - s->offset <= s->filesz - tabsize) {
                img->phdr = s->vaddr + (phoff - s->offset);
                img->phdr_loaded = true;
                break;
            }
        }
    }
    img->phnum = phnum;
    img->phent = ELF64_PHDR_SIZE;
    return 0;
}

int elf_parse_headers(const void *head, size_t head_len, size_t file_size, uint64_t user_limit,
                      struct elf_image *out)
{
    if (out == NULL)
        return ELF_ERR_INVAL;
    clear(out);
    if (head == NULL || head_len > file_size)
        return ELF_ERR_INVAL;
    int err = parse(head, head_len, file_size, user_limit, out);
    if (err != 0)
        clear(out);
    return err;
}

int elf_parse(const void *file, size_t size, uint64_t user_limit, struct elf_image *out)
{
    return elf_parse_headers(file, size, size, user_limit, out);
}

uint64_t elf_headers_end(const void *head, size_t head_len)
{
    const uint8_t *f = head;
    if (head == NULL || head_len < ELF64_EHDR_SIZE)
        return ELF64_EHDR_SIZE;
    uint64_t phoff = le64(f + EH_PHOFF), tabsize = (uint64_t)le16(f + EH_PHNUM) * ELF64_PHDR_SIZE;
    if (phoff > UINT64_MAX - tabsize)
        return UINT64_MAX;
    uint64_t end = phoff + tabsize;
    return end > ELF64_EHDR_SIZE ? end : ELF64_EHDR_SIZE;
}

int elf_relocate(struct elf_image *img, uint64_t bias, uint64_t user_limit)
{
    if (img == NULL || (bias & PAGE_MASK) != 0 || img->bias != 0 || img->nsegs == 0)
        return ELF_ERR_INVAL;
    if (!img->pie)
        return bias == 0 ? 0 : ELF_ERR_INVAL;
    /* Modular addition lets a PIE linked high move down; every address of
     * the image lies in the span, so checking where the span lands is
     * enough to know that none of them wraps. */
    uint64_t len = img->span_end - img->span_start;
    uint64_t start = img->span_start + bias;
    if (start < ELF_MIN_VADDR || start > user_limit || len > user_limit - start)
        return ELF_ERR_ADDR;
    img->bias = bias;
    img->entry += bias;
    img->span_start += bias;
    img->span_end += bias;
    if (img->phdr_loaded)
        img->phdr += bias;
    for (uint32_t i = 0; i < img->nsegs; i++)
        img->segs[i].vaddr += bias;
    return 0;
}

const char *elf_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case ELF_ERR_TRUNCATED:
        return "file shorter than an ELF header";
    case ELF_ERR_MAGIC:
        return "not an ELF file";
    case ELF_ERR_CLASS:
        return "not a 64-bit ELF file";
    case ELF_ERR_DATA:
        return "not a little-endian ELF file";
    case ELF_ERR_VERSION:
        return "unknown ELF version";
    case ELF_ERR_MACHINE:
        return "not an AArch64 executable";
    case ELF_ERR_TYPE:
        return "not an executable (ET_EXEC or static PIE)";
    case ELF_ERR_PHENTSIZE:
        return "bad program header entry size";
    case ELF_ERR_PHNUM:
        return "no or too many program headers";
    case ELF_ERR_PHOFF:
        return "program header table outside the file";
    case ELF_ERR_INTERP:
        return "dynamically linked: no loader";
    case ELF_ERR_NOLOAD:
        return "no loadable segment";
    case ELF_ERR_TOOMANY:
        return "too many loadable segments";
    case ELF_ERR_FILESZ:
        return "segment file size larger than memory size";
    case ELF_ERR_FILERANGE:
        return "segment data outside the file";
    case ELF_ERR_ADDR:
        return "segment outside the user address range";
    case ELF_ERR_ALIGN:
        return "segment alignment not usable with 4 KiB pages";
    case ELF_ERR_OVERLAP:
        return "segments unsorted or overlapping";
    case ELF_ERR_ENTRY:
        return "entry point not in an executable segment";
    case ELF_ERR_PHDR:
        return "PT_PHDR not in a loaded segment";
    case ELF_ERR_INVAL:
        return "invalid argument";
    default:
        return "unknown ELF error";
    }
}

/* Bytes [off, off + len) lie in an image of `size` bytes. */
static bool inside(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= size - off;
}

int elf_dynamic_symbol(const void *image, size_t size, const char *name, uint64_t *value)
{
    const uint8_t *f = image;
    if (size < ELF64_EHDR_SIZE || f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
        return -1;
    uint64_t phoff = le64(f + 32);
    uint16_t phent = le16(f + 54), phnum = le16(f + 56);
    if (phent != ELF64_PHDR_SIZE || !inside(phoff, (uint64_t)phnum * phent, size))
        return -1;
    uint64_t dyn = 0, dynsz = 0;
    for (uint16_t i = 0; i < phnum; i++) {
        const uint8_t *ph = f + phoff + (uint64_t)i * phent;
        if (le32(ph) == ELF_PT_DYNAMIC) {
            dyn = le64(ph + 8);     /* p_offset */
            dynsz = le64(ph + 32);  /* p_filesz */
        }
    }
    if (!dynsz || !inside(dyn, dynsz, size))
        return -1;
    uint64_t hash = 0, symtab = 0, strtab = 0, strsz = 0;
    for (uint64_t at = dyn; at + 16 <= dyn + dynsz; at += 16) {
        uint64_t tag = le64(f + at), val = le64(f + at + 8);
        if (tag == 0)
            break; /* DT_NULL */
        if (tag == 4)
            hash = val;   /* DT_HASH */
        else if (tag == 6)
            symtab = val; /* DT_SYMTAB */
        else if (tag == 5)
            strtab = val; /* DT_STRTAB */
        else if (tag == 10)
            strsz = val;  /* DT_STRSZ */
    }
    if (!inside(hash, 8, size) || !strsz || !inside(strtab, strsz, size))
        return -1;
    uint64_t nsyms = le32(f + hash + 4); /* nchain: one per symbol */
    if (!inside(symtab, nsyms * 24, size) || nsyms > size / 24)
        return -1;
    for (uint64_t i = 1; i < nsyms; i++) {
        const uint8_t *sym = f + symtab + i * 24;
        uint32_t st_name = le32(sym);
        uint16_t shndx = le16(sym + 6);
        if (shndx == 0 || st_name >= strsz)
            continue; /* undefined, or a name outside the table */
        const char *s = (const char *)f + strtab + st_name;
        uint64_t room = strsz - st_name, n = 0;
        while (n < room && name[n] && s[n] == name[n])
            n++;
        if (n < room && !name[n] && !s[n]) {
            *value = le64(sym + 8);
            return 0;
        }
    }
    return -1;
}

int elf_vaddr_of_offset(const struct elf_reader *r, uint64_t off, uint64_t *vaddr, bool *pie)
{
    uint8_t eh[ELF64_EHDR_SIZE], ph[ELF64_PHDR_SIZE];
    if (!r->read(r->ctx, 0, eh, sizeof(eh)) || eh[0] != 0x7f || eh[1] != 'E' || eh[2] != 'L' || eh[3] != 'F')
        return -1;
    uint64_t phoff = le64(eh + 32);
    uint16_t phent = le16(eh + 54), phnum = le16(eh + 56);
    if (phent != ELF64_PHDR_SIZE)
        return -1;
    *pie = le16(eh + 16) == ELF_ET_DYN;
    for (uint16_t i = 0; i < phnum; i++) {
        if (!r->read(r->ctx, phoff + (uint64_t)i * phent, ph, sizeof(ph)))
            return -1;
        uint64_t p_offset = le64(ph + 8), p_vaddr = le64(ph + 16), p_filesz = le64(ph + 32);
        if (le32(ph) == ELF_PT_LOAD && off >= p_offset && off - p_offset < p_filesz) {
            *vaddr = p_vaddr + (off - p_offset);
            return 0;
        }
    }
    return -1;
}

#define SHT_SYMTAB 2u
#define STT_FUNC 2u
#define SHDR_SIZE 64u
#define SYM_SIZE 24u

int elf_function_at(const struct elf_reader *r, uint64_t addr, char *name, size_t name_len, uint64_t *offset)
{
    uint8_t eh[ELF64_EHDR_SIZE], sh[SHDR_SIZE], sym[SYM_SIZE];
    if (!name_len || !r->read(r->ctx, 0, eh, sizeof(eh)))
        return -1;
    uint64_t shoff = le64(eh + 40);
    uint16_t shentsize = le16(eh + 58), shnum = le16(eh + 60);
    if (shentsize != SHDR_SIZE)
        return -1;
    uint64_t symoff = 0, symsize = 0, stroff = 0, strsize = 0;
    for (uint16_t i = 0; i < shnum && !symsize; i++) {
        if (!r->read(r->ctx, shoff + (uint64_t)i * SHDR_SIZE, sh, sizeof(sh)))
            return -1;
        if (le32(sh + 4) != SHT_SYMTAB)
            continue;
        symoff = le64(sh + 24);
        symsize = le64(sh + 32);
        uint32_t link = le32(sh + 40);
        uint8_t strsh[SHDR_SIZE];
        if (link >= shnum || !r->read(r->ctx, shoff + (uint64_t)link * SHDR_SIZE, strsh, sizeof(strsh)))
            return -1;
        stroff = le64(strsh + 24);
        strsize = le64(strsh + 32);
    }
    if (!symsize || symsize > ELF_SYMTAB_MAX)
        return -1;
    /* The function holding addr; failing that (a symbol of size 0, hand-written
     * assembly), the closest function starting at or below it. */
    uint64_t best_value = 0, best_name = 0;
    bool found = false, exact = false;
    for (uint64_t at = symoff + SYM_SIZE; at + SYM_SIZE <= symoff + symsize; at += SYM_SIZE) {
        if (!r->read(r->ctx, at, sym, sizeof(sym)))
            return -1;
        uint64_t value = le64(sym + 8), size = le64(sym + 16);
        if ((sym[4] & 0xf) != STT_FUNC || le16(sym + 6) == 0 || value > addr)
            continue;
        bool holds = addr - value < size;
        if (exact && !holds)
            continue;
        if (holds || !found || value > best_value) {
            best_value = value;
            best_name = le32(sym);
            found = true;
            exact = holds;
        }
    }
    if (!found || best_name >= strsize)
        return -1;
    size_t n = 0;
    while (n + 1 < name_len && best_name + n < strsize && r->read(r->ctx, stroff + best_name + n, &name[n], 1) &&
           name[n])
        n++;
    name[n] = 0;
    *offset = addr - best_value;
    return n ? 0 : -1;
}

