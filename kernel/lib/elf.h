/*
 * ELF64 executable parser: the front half of the program loader.
 *
 * elf_parse() decides whether a file is a static AArch64 executable that the
 * kernel can map with 4 KiB pages, and reduces it to a list of segments to
 * map. The file is untrusted (it comes from the initrd or any writable file
 * system), so every field is checked with overflow-safe arithmetic before it
 * is believed, and nothing outside [file, file + size) is ever read; fields
 * are read bytewise, so the file need not be aligned. Pure C with no kernel
 * dependencies, so it runs in host unit tests under ASan/UBSan.
 *
 * Accepted: ET_EXEC, and ET_DYN without PT_INTERP (static PIE; addresses are
 * then relative and the loader picks a page-aligned bias, see elf_relocate).
 * Anything with PT_INTERP is refused (ELF_ERR_INTERP): there is no dynamic
 * loader.
 *
 * Segment layout policy. PT_LOAD segments must be sorted by p_vaddr and must
 * not overlap byte-wise (in memory, p_vaddr..p_vaddr+p_memsz). Two
 * consecutive segments may therefore share at most one page: the last page of
 * one and the first page of the next (linkers produce this with -n/-N or
 * hand-written scripts). The loader maps such a page once, with the union of
 * both protections, and copies both segments' file bytes into it; the
 * segment's `shares_prev_page` says when that happens. Empty PT_LOADs
 * (p_memsz 0) are checked and then dropped.
 */
#ifndef KENIX_LIB_ELF_H
#define KENIX_LIB_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum elf_error {
    ELF_ERR_TRUNCATED = -1,  /* file shorter than the ELF header */
    ELF_ERR_MAGIC = -2,      /* not an ELF file */
    ELF_ERR_CLASS = -3,      /* not ELFCLASS64 */
    ELF_ERR_DATA = -4,       /* not little-endian */
    ELF_ERR_VERSION = -5,    /* EI_VERSION or e_version not EV_CURRENT */
    ELF_ERR_MACHINE = -6,    /* not EM_AARCH64 */
    ELF_ERR_TYPE = -7,       /* not ET_EXEC or ET_DYN */
    ELF_ERR_PHENTSIZE = -8,  /* e_phentsize != 56 */
    ELF_ERR_PHNUM = -9,      /* no program headers, or more than ELF_MAX_PHNUM */
    ELF_ERR_PHOFF = -10,     /* program header table not inside the file */
    ELF_ERR_INTERP = -11,    /* PT_INTERP: dynamically linked */
    ELF_ERR_NOLOAD = -12,    /* no non-empty PT_LOAD */
    ELF_ERR_TOOMANY = -13,   /* more than ELF_MAX_SEGMENTS non-empty PT_LOADs */
    ELF_ERR_FILESZ = -14,    /* p_filesz > p_memsz */
    ELF_ERR_FILERANGE = -15, /* segment file bytes not inside the file */
    ELF_ERR_ADDR = -16,      /* segment wraps, reaches user_limit, or maps page 0 */
    ELF_ERR_ALIGN = -17,     /* p_align not 0/1/2^n >= 4096, or vaddr/offset not page-congruent */
    ELF_ERR_OVERLAP = -18,   /* PT_LOADs unsorted or overlapping */
    ELF_ERR_ENTRY = -19,     /* entry not inside an executable segment */
    ELF_ERR_PHDR = -20,      /* PT_PHDR not inside a loaded segment's file bytes */
    ELF_ERR_INVAL = -21,     /* NULL argument, bad bias */
};

#define ELF_PAGE_SIZE 4096u
/* The null page is never mapped, so that NULL dereferences fault. */
#define ELF_MIN_VADDR ELF_PAGE_SIZE
#define ELF_MAX_SEGMENTS 16u
/* Linux reads at most one page of program headers; so do we. */
#define ELF_MAX_PHNUM (ELF_PAGE_SIZE / ELF64_PHDR_SIZE)

#define ELF64_EHDR_SIZE 64u
#define ELF64_PHDR_SIZE 56u

/* On-disk constants (ELF spec values, prefixed to stay clear of <elf.h>). */
#define ELF_ET_EXEC 2u
#define ELF_ET_DYN 3u
#define ELF_EM_AARCH64 183u
#define ELF_PT_NULL 0u
#define ELF_PT_LOAD 1u
#define ELF_PT_DYNAMIC 2u
#define ELF_PT_INTERP 3u
#define ELF_PT_NOTE 4u
#define ELF_PT_PHDR 6u
#define ELF_PT_TLS 7u
#define ELF_PT_GNU_STACK 0x6474e551u

/* Segment permissions: the p_flags bits. */
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf_segment {
    uint64_t vaddr;        /* first byte (relative for PIE until elf_relocate) */
    uint64_t memsz;        /* bytes of memory; [filesz, memsz) is zero-filled */
    uint64_t offset;       /* file offset of the first byte; 0 when filesz is 0 */
    uint64_t filesz;       /* bytes copied from the file */
    uint32_t prot;         /* ELF_PF_R | ELF_PF_W | ELF_PF_X */
    bool shares_prev_page; /* first page is the previous segment's last page */
};

struct elf_image {
    uint64_t entry;        /* AT_ENTRY and the initial pc */
    bool pie;              /* ET_DYN: addresses are relative until relocated */
    bool exec_stack;       /* PT_GNU_STACK asks for PF_X */
    uint64_t bias;         /* what elf_relocate added; 0 before */
    uint64_t span_start;   /* lowest segment page (page-aligned down) */
    uint64_t span_end;     /* end of the highest segment, page-aligned up: brk starts here */
    uint64_t max_align;    /* largest p_align, at least ELF_PAGE_SIZE: a PIE bias alignment */
    uint64_t phdr;         /* AT_PHDR: user address of the program headers */
    bool phdr_loaded;      /* false: no segment maps them, phdr is 0 (Linux passes that too) */
    uint16_t phnum;        /* AT_PHNUM */
    uint16_t phent;        /* AT_PHENT */
    uint32_t nsegs;
    struct elf_segment segs[ELF_MAX_SEGMENTS];
};

/*
 * Validates the executable in [file, file + size) for an address space whose
 * user addresses end (exclusively) at user_limit, and fills *out. ET_EXEC:
 * every segment page lies in [ELF_MIN_VADDR, user_limit). PIE: the span
 * (span_end - span_start) must fit in that range. Returns 0 or ELF_ERR_*;
 * on error *out is cleared.
 *
 * AT_PHDR comes from PT_PHDR when present (which must then lie in the file
 * bytes of a PT_LOAD, or ELF_ERR_PHDR); otherwise from the PT_LOAD whose file
 * bytes contain the program header table, as Linux does. If none does,
 * phdr_loaded is false and phdr 0: harmless for a program that never reads
 * AT_PHDR, but musl's static start-up walks it (for PT_TLS), so the loader
 * may prefer to refuse such a file.
 */
int elf_parse(const void *file, size_t size, uint64_t user_limit, struct elf_image *out);

/*
 * elf_parse for a loader that does not hold the whole file: `head` holds its
 * first head_len bytes (at least up to elf_headers_end), file_size is the
 * whole file's length, which segment extents are checked against. Only the
 * ELF header and the program header table are ever read.
 */
int elf_parse_headers(const void *head, size_t head_len, size_t file_size, uint64_t user_limit,
                      struct elf_image *out);
/* How many bytes from the start of the file elf_parse_headers needs, judged
 * from the ELF header in head (ELF64_EHDR_SIZE if head is shorter than that;
 * UINT64_MAX when the numbers overflow). */
uint64_t elf_headers_end(const void *head, size_t head_len);

/*
 * Adds `bias` (a multiple of ELF_PAGE_SIZE; a multiple of max_align keeps
 * the linker's alignment) to every address of a PIE image, modulo 2^64 so
 * that an image linked high can move down, checking that the whole span lands
 * in [ELF_MIN_VADDR, user_limit). ET_EXEC images accept only bias 0. Returns
 * 0, ELF_ERR_ADDR, or ELF_ERR_INVAL (unaligned bias, relocating twice, empty
 * image); on error the image is unchanged. AT_BASE stays 0: the bias applies
 * to the program, not to an interpreter.
 */
int elf_relocate(struct elf_image *img, uint64_t bias, uint64_t user_limit);

const char *elf_strerror(int err);

/*
 * The value of the dynamic symbol `name` in the shared object [image, image +
 * size) -- one loaded at address 0 whose addresses are its file offsets, as
 * the vDSO -- through its PT_DYNAMIC: DT_HASH (for the number of symbols),
 * DT_SYMTAB, DT_STRTAB, DT_STRSZ. Every table is checked to lie inside the
 * image. 0 and *value, or -1 when the image has no such defined symbol.
 */
int elf_dynamic_symbol(const void *image, size_t size, const char *name, uint64_t *value);

/*
 * An ELF file read piece by piece (a crash report reads the program from
 * the kernel's copy of its pages): read() copies n bytes at off into dst, or
 * returns false if any of them lies past the file.
 */
struct elf_reader {
    bool (*read)(void *ctx, uint64_t off, void *dst, size_t n);
    void *ctx;
};

/* The link-time address of the PT_LOAD segment byte at file offset `off` of
 * the file r reads, and whether the file is position independent (ET_DYN):
 * 0, or -1 when no segment holds that offset or the headers are bad. */
int elf_vaddr_of_offset(const struct elf_reader *r, uint64_t off, uint64_t *vaddr, bool *pie);

/*
 * The function (STT_FUNC) of the file's symbol table (SHT_SYMTAB) holding
 * the link-time address addr: its name (at most name_len - 1 bytes, cut
 * short if longer) and addr's offset in it. 0, or -1 when the file has no
 * symbol table (stripped) or no function holds addr. Work: one pass over
 * the table, which must be at most ELF_SYMTAB_MAX bytes.
 */
#define ELF_SYMTAB_MAX (4u << 20)
int elf_function_at(const struct elf_reader *r, uint64_t addr, char *name, size_t name_len, uint64_t *offset);

#endif
