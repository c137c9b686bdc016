/*
 * Flattened device tree (DTB) reader.
 *
 * The kernel learns everything about the machine from the DTB that the boot
 * loader passes in x0, so this parser must never trust the blob: fdt_init()
 * validates the header and walks the whole structure block once, and every
 * later accessor stays inside the bounds that validation established. The
 * parser is pure C with no kernel dependencies so that it runs in host unit
 * tests under ASan/UBSan, and it avoids pointer tables in static data so that
 * it also runs before the MMU is on (at the physical load address).
 *
 * Node handles are byte offsets into the structure block (like libfdt); a
 * negative value is an FDT_ERR_* code.
 */
#ifndef KENIX_LIB_FDT_H
#define KENIX_LIB_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fdt_error {
    FDT_ERR_NOTFOUND = -1,  /* no such node or property */
    FDT_ERR_BADMAGIC = -2,  /* not a DTB */
    FDT_ERR_BADVERSION = -3, /* version < 16 or last_comp_version > 17 */
    FDT_ERR_TRUNCATED = -4, /* totalsize larger than the buffer, or a block past the end */
    FDT_ERR_BADLAYOUT = -5, /* blocks overlap, are misaligned or out of order */
    FDT_ERR_BADSTRUCTURE = -6, /* bad token, unbalanced nodes, property past block */
    FDT_ERR_BADSTRING = -7, /* unterminated name, string offset outside strings block */
    FDT_ERR_TOODEEP = -8,   /* nesting deeper than FDT_MAX_DEPTH */
    FDT_ERR_BADCELLS = -9,  /* #address-cells/#size-cells or reg not usable */
    FDT_ERR_BADOFFSET = -10, /* a node handle that is not a node of this tree */
};

#define FDT_MAGIC 0xd00dfeedu
#define FDT_MAX_DEPTH 32

struct fdt {
    const uint8_t *blob;
    uint32_t totalsize;
    uint32_t off_struct;   /* structure block offset and size, validated */
    uint32_t size_struct;
    uint32_t off_strings;  /* strings block offset and size, validated */
    uint32_t size_strings;
    uint32_t off_rsvmap;   /* memory reservation map offset, validated */
    uint32_t num_rsv;      /* entries before the terminating (0, 0) */
};

/*
 * Validates the blob (at most max_size bytes readable) and fills *fdt. The
 * structure block must be well formed: properties before subnodes, one root,
 * FDT_END ending the block. On failure *fdt is cleared, and the accessors
 * then return FDT_ERR_BADMAGIC (or NULL/false/def).
 */
int fdt_init(struct fdt *fdt, const void *blob, size_t max_size);
const char *fdt_strerror(int err);

/* Memory reservation map (/memreserve/ entries). */
int fdt_get_rsv(const struct fdt *fdt, uint32_t index, uint64_t *addr, uint64_t *size);

/*
 * Tree navigation. Offsets are node handles. A negative handle passed in
 * (e.g. the result of a failed lookup) is returned unchanged, so lookups can
 * be chained; any other handle that is not a node yields FDT_ERR_BADOFFSET.
 */
int fdt_root(const struct fdt *fdt);
int fdt_first_child(const struct fdt *fdt, int node);
int fdt_next_sibling(const struct fdt *fdt, int node);
int fdt_parent(const struct fdt *fdt, int node);
/* "memory@40000000"; "" for root; NULL if node is not a node handle. */
const char *fdt_node_name(const struct fdt *fdt, int node);
/*
 * "/chosen", "/cpus/cpu@0"; a component without a unit address matches
 * "name@..." too (the first such child wins). A path not starting with '/'
 * begins with an alias from /aliases ("serial0/foo").
 */
int fdt_path_offset(const struct fdt *fdt, const char *path);
/* Next node in depth-first order after `after` (-1 starts at the root). */
int fdt_next_node(const struct fdt *fdt, int after);
/* Next node after `after` whose "compatible" list contains compat. */
int fdt_find_compatible(const struct fdt *fdt, int after, const char *compat);
/* Next node after `after` whose device_type property equals type ("memory"). */
int fdt_find_device_type(const struct fdt *fdt, int after, const char *type);
int fdt_find_phandle(const struct fdt *fdt, uint32_t phandle);

/* Properties. The returned pointer is into the blob and may be unaligned;
 * NULL (and *len = 0) when absent. len may be NULL. */
const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, uint32_t *len);
bool fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat);
/* Cell `index` of a property as u32, or `def` when absent or too short. */
uint32_t fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t index, uint32_t def);
/*
 * A one- or two-cell property as a number (linux,initrd-start is either):
 * 0, FDT_ERR_NOTFOUND, or FDT_ERR_BADCELLS when its length is not 4 or 8.
 */
int fdt_prop_number(const struct fdt *fdt, int node, const char *name, uint64_t *val);
/* A NUL-terminated string property (the first string of a list), or NULL if
 * absent or not terminated. */
const char *fdt_prop_string(const struct fdt *fdt, int node, const char *name);
/* Whether the NUL-separated string list (len bytes) contains s; an
 * unterminated last string never matches. */
bool fdt_stringlist_contains(const char *list, uint32_t len, const char *s);
/* "status" absent, "okay" or "ok". */
bool fdt_node_is_enabled(const struct fdt *fdt, int node);

/*
 * Entry `index` of the node's "reg", decoded with the parent's #address-cells
 * and #size-cells (defaults 2 and 1; at most 2 cells each, #address-cells at
 * least 1; #size-cells 0 gives size 0). Returns 0, FDT_ERR_NOTFOUND past the
 * last entry or without "reg", or FDT_ERR_BADCELLS (cells out of range, a
 * cells property not one cell long, or reg not a whole number of entries).
 * addr and size may be NULL.
 */
int fdt_read_reg(const struct fdt *fdt, int node, uint32_t index, uint64_t *addr, uint64_t *size);

/* Big-endian loads done bytewise: the blob may be unaligned and, before the
 * MMU is on, lives in Device memory where unaligned accesses fault. */
static inline uint32_t fdt_be32(const void *p)
{
    const volatile uint8_t *b = (const volatile uint8_t *)p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static inline uint64_t fdt_be64(const void *p)
{
    return ((uint64_t)fdt_be32(p) << 32) | fdt_be32((const uint8_t *)p + 4);
}

#endif
