/*
 * Flattened device tree reader; see fdt.h for the contract.
 *
 * Two rules shape this file. First, it runs before the MMU is on, at the
 * physical load address, so it holds no pointers in static data, keeps stack
 * frames small and never recurses. Second, the blob is hostile until proven
 * otherwise: fdt_init() checks every byte the accessors will ever interpret,
 * and the accessors still bounds-check each token they read, because a caller
 * can hand them any integer as a node handle and an offset inside a property
 * value may look like a node.
 */
#include "fdt.h"

enum {
    TOK_BEGIN_NODE = 1,
    TOK_END_NODE = 2,
    TOK_PROP = 3,
    TOK_NOP = 4,
    TOK_END = 9,
};

/* Header field offsets. */
enum {
    HDR_MAGIC = 0,
    HDR_TOTALSIZE = 4,
    HDR_OFF_STRUCT = 8,
    HDR_OFF_STRINGS = 12,
    HDR_OFF_RSVMAP = 16,
    HDR_VERSION = 20,
    HDR_LAST_COMP = 24,
    HDR_SIZE_STRINGS = 32,
    HDR_SIZE_STRUCT = 36,
    HDR_SIZE_V16 = 36, /* size_dt_struct arrived in version 17 */
    HDR_SIZE_V17 = 40,
};

#define RSV_ENTRY_SIZE 16u

static bool fdt_ready(const struct fdt *f)
{
    return f != NULL && f->blob != NULL;
}

static const uint8_t *struct_at(const struct fdt *f, uint32_t off)
{
    return f->blob + f->off_struct + off;
}

static uint32_t align4(uint32_t v)
{
    return (v + 3u) & ~3u;
}

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

/* Length of the NUL-terminated string at p, or -1 if no NUL within max bytes. */
static int64_t bounded_len(const uint8_t *p, uint32_t max)
{
    for (uint32_t i = 0; i < max; i++)
        if (p[i] == 0)
            return i;
    return -1;
}

/*
 * Decodes the token at structure offset `off` and stores the offset of the
 * following token in *next. Returns the token, or an error if the token or
 * its payload would leave the structure block. This is the only place that
 * steps through the structure block, so every walk inherits its checks.
 */
static int read_token(const struct fdt *f, uint32_t off, uint32_t *next)
{
    uint32_t size = f->size_struct;
    if ((off & 3u) != 0 || size < 4 || off > size - 4)
        return FDT_ERR_BADSTRUCTURE;
    uint32_t tag = fdt_be32(struct_at(f, off));
    switch (tag) {
    case TOK_BEGIN_NODE: {
        int64_t n = bounded_len(struct_at(f, off + 4), size - off - 4);
        if (n < 0)
            return FDT_ERR_BADSTRING;
        /* size is a multiple of 4, so rounding up cannot pass it */
        *next = align4(off + 4 + (uint32_t)n + 1);
        return TOK_BEGIN_NODE;
    }
    case TOK_PROP: {
        if (size - off < 12)
            return FDT_ERR_BADSTRUCTURE;
        uint32_t len = fdt_be32(struct_at(f, off + 4));
        if (len > size - off - 12)
            return FDT_ERR_BADSTRUCTURE;
        *next = align4(off + 12 + len);
        return TOK_PROP;
    }
    case TOK_END_NODE:
    case TOK_NOP:
    case TOK_END:
        *next = off + 4;
        return (int)tag;
    default:
        return FDT_ERR_BADSTRUCTURE;
    }
}

/* The property name at `nameoff` in the strings block, or NULL if it does not
 * lie (NUL-terminated) inside the block. */
static const char *string_at(const struct fdt *f, uint32_t nameoff)
{
    if (nameoff >= f->size_strings)
        return NULL;
    const uint8_t *p = f->blob + f->off_strings + nameoff;
    if (bounded_len(p, f->size_strings - nameoff) < 0)
        return NULL;
    return (const char *)p;
}

static bool str_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* Whether the NUL-terminated a equals the n bytes at b. */
static bool str_eq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i] || a[i] == '\0')
            return false;
    return a[n] == '\0';
}

/* ---- fdt_init ----------------------------------------------------------- */

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    if (alen == 0 || blen == 0)
        return false;
    return a < b + blen && b < a + alen;
}

/* Walks the whole structure block once; on success stores the offset just
 * past FDT_END in *end. */
static int validate_struct(const struct fdt *f, uint32_t *end)
{
    uint32_t off = 0;
    int depth = 0;
    bool seen_root = false;
    /* properties must precede subnodes; this says the current node had one */
    bool seen_child = false;

    for (;;) {
        uint32_t next;
        int tok = read_token(f, off, &next);
        if (tok < 0)
            return tok;
        switch (tok) {
        case TOK_BEGIN_NODE:
            if (depth == 0) {
                if (seen_root)
                    return FDT_ERR_BADSTRUCTURE;
                seen_root = true;
            }
            if (++depth > FDT_MAX_DEPTH)
                return FDT_ERR_TOODEEP;
            seen_child = false;
            break;
        case TOK_END_NODE:
            if (depth == 0)
                return FDT_ERR_BADSTRUCTURE;
            depth--;
            seen_child = true;
            break;
        case TOK_PROP:
            if (depth == 0 || seen_child)
                return FDT_ERR_BADSTRUCTURE;
            if (string_at(f, fdt_be32(struct_at(f, off + 8))) == NULL)
                return FDT_ERR_BADSTRING;
            break;
        case TOK_NOP:
            break;
        case TOK_END:
            if (depth != 0 || !seen_root)
                return FDT_ERR_BADSTRUCTURE;
            *end = next;
            return 0;
        }
        off = next;
    }
}

/* Finds the (0, 0) terminator of the reservation map, looking no further than
 * `limit` (the next block or the end of the blob). */
static int validate_rsvmap(struct fdt *f, uint32_t limit)
{
    uint32_t off = f->off_rsvmap;
    uint32_t n = 0;
    for (;;) {
        if (limit < off || limit - off < RSV_ENTRY_SIZE)
            return limit == f->totalsize ? FDT_ERR_TRUNCATED : FDT_ERR_BADLAYOUT;
        const uint8_t *e = f->blob + off;
        if (fdt_be64(e) == 0 && fdt_be64(e + 8) == 0)
            break;
        off += RSV_ENTRY_SIZE;
        n++;
    }
    f->num_rsv = n;
    return 0;
}

static int init_checked(struct fdt *f, const uint8_t *b, size_t max_size)
{
    if (b == NULL || max_size < 4)
        return FDT_ERR_TRUNCATED;
    if (fdt_be32(b + HDR_MAGIC) != FDT_MAGIC)
        return FDT_ERR_BADMAGIC;
    if (max_size < HDR_LAST_COMP + 4)
        return FDT_ERR_TRUNCATED;
    uint32_t version = fdt_be32(b + HDR_VERSION);
    uint32_t last_comp = fdt_be32(b + HDR_LAST_COMP);
    if (version < 16 || last_comp > 17 || last_comp > version)
        return FDT_ERR_BADVERSION;
    uint32_t hdr_size = version >= 17 ? HDR_SIZE_V17 : HDR_SIZE_V16;
    if (max_size < hdr_size)
        return FDT_ERR_TRUNCATED;

    uint32_t total = fdt_be32(b + HDR_TOTALSIZE);
    if (total > max_size)
        return FDT_ERR_TRUNCATED;
    if (total < hdr_size)
        return FDT_ERR_BADLAYOUT;
    /* node handles are ints, so every structure offset must fit one */
    if (total > (uint32_t)INT32_MAX)
        return FDT_ERR_BADLAYOUT;

    f->blob = b;
    f->totalsize = total;
    f->off_struct = fdt_be32(b + HDR_OFF_STRUCT);
    f->off_strings = fdt_be32(b + HDR_OFF_STRINGS);
    f->off_rsvmap = fdt_be32(b + HDR_OFF_RSVMAP);
    f->size_strings = fdt_be32(b + HDR_SIZE_STRINGS);
    bool have_size_struct = version >= 17;
    f->size_struct = have_size_struct ? fdt_be32(b + HDR_SIZE_STRUCT) : 0;

    /* 64-bit sums: offset + size cannot wrap */
    if ((uint64_t)f->off_struct + f->size_struct > total ||
        (uint64_t)f->off_strings + f->size_strings > total ||
        (uint64_t)f->off_rsvmap + RSV_ENTRY_SIZE > total)
        return FDT_ERR_TRUNCATED;
    if ((f->off_struct & 3u) != 0 || (f->off_rsvmap & 7u) != 0 ||
        (f->size_struct & 3u) != 0)
        return FDT_ERR_BADLAYOUT;
    if (f->off_struct < hdr_size || f->off_rsvmap < hdr_size ||
        (f->size_strings != 0 && f->off_strings < hdr_size))
        return FDT_ERR_BADLAYOUT;
    if (ranges_overlap(f->off_struct, f->size_struct, f->off_strings, f->size_strings))
        return FDT_ERR_BADLAYOUT;

    /*
     * Without size_dt_struct (version 16) the structure block runs to the
     * next block or the end; the walk below then establishes its real size.
     */
    if (!have_size_struct) {
        uint32_t limit = total;
        if (f->off_strings > f->off_struct && f->off_strings < limit)
            limit = f->off_strings;
        if (f->off_rsvmap > f->off_struct && f->off_rsvmap < limit)
            limit = f->off_rsvmap;
        f->size_struct = (limit - f->off_struct) & ~3u;
    }

    uint32_t rsv_limit = total;
    if (f->off_struct > f->off_rsvmap && f->off_struct < rsv_limit)
        rsv_limit = f->off_struct;
    if (f->size_strings != 0 && f->off_strings > f->off_rsvmap && f->off_strings < rsv_limit)
        rsv_limit = f->off_strings;
    int err = validate_rsvmap(f, rsv_limit);
    if (err != 0)
        return err;
    uint64_t rsv_size = ((uint64_t)f->num_rsv + 1) * RSV_ENTRY_SIZE;
    if (ranges_overlap(f->off_rsvmap, rsv_size, f->off_struct, f->size_struct) ||
        ranges_overlap(f->off_rsvmap, rsv_size, f->off_strings, f->size_strings))
        return FDT_ERR_BADLAYOUT;

    uint32_t end = 0;
    err = validate_struct(f, &end);
    if (err != 0)
        return err;
    if (have_size_struct) {
        if (end != f->size_struct)
            return FDT_ERR_BADSTRUCTURE;
    } else {
        f->size_struct = end;
    }
    return 0;
}

int fdt_init(struct fdt *fdt, const void *blob, size_t max_size)
{
    if (fdt == NULL)
        return FDT_ERR_BADOFFSET;
    int err = init_checked(fdt, (const uint8_t *)blob, max_size);
    if (err != 0) {
        /* a failed fdt must not be usable by accident */
        fdt->blob = NULL;
        fdt->totalsize = 0;
        fdt->off_struct = fdt->size_struct = 0;
        fdt->off_strings = fdt->size_strings = 0;
        fdt->off_rsvmap = fdt->num_rsv = 0;
    }
    return err;
}

/*
 * Not a switch: clang turns a switch returning string literals into a table
 * of absolute pointers in .rodata, which holds link-time addresses and so is
 * wrong before the MMU is on. Indexing into one packed literal keeps every
 * address PC-relative.
 */
const char *fdt_strerror(int err)
{
    static const char messages[] =
        "ok\0"
        "not found\0"
        "bad magic\0"
        "unsupported version\0"
        "truncated\0"
        "bad block layout\0"
        "bad structure block\0"
        "bad string\0"
        "nesting too deep\0"
        "bad #address-cells/#size-cells or reg\0"
        "bad node handle\0"
        "unknown error";
    const int count = 1 - FDT_ERR_BADOFFSET; /* entries before "unknown error" */
    int index = (err <= 0 && err >= FDT_ERR_BADOFFSET) ? -err : count;
    const char *p = messages;
    for (; index > 0; index--)
        p += str_len(p) + 1;
    return p;
}

int fdt_get_rsv(const struct fdt *fdt, uint32_t index, uint64_t *addr, uint64_t *size)
{
    if (!fdt_ready(fdt))
        return FDT_ERR_BADMAGIC;
    if (index >= fdt->num_rsv)
        return FDT_ERR_NOTFOUND;
    const uint8_t *e = fdt->blob + fdt->off_rsvmap + (uint64_t)index * RSV_ENTRY_SIZE;
    if (addr != NULL)
        *addr = fdt_be64(e);
    if (size != NULL)
        *size = fdt_be64(e + 8);
    return 0;
}

/* ---- navigation --------------------------------------------------------- */

/*
 * Checks a caller's node handle; on success *body is the offset of the first
 * token after the node's name. Negative handles pass through so that
 * lookups chain.
 */
static int check_node(const struct fdt *f, int node, uint32_t *body)
{
    if (!fdt_ready(f))
        return FDT_ERR_BADMAGIC;
    if (node < 0)
        return node;
    uint32_t next;
    if (read_token(f, (uint32_t)node, &next) != TOK_BEGIN_NODE)
        return FDT_ERR_BADOFFSET;
    *body = next;
    return 0;
}

int fdt_root(const struct fdt *fdt)
{
    if (!fdt_ready(fdt))
        return FDT_ERR_BADMAGIC;
    uint32_t off = 0;
    for (;;) {
        uint32_t next;
        int tok = read_token(fdt, off, &next);
        if (tok == TOK_BEGIN_NODE)
            return (int)off;
        if (tok != TOK_NOP)
            return tok < 0 ? tok : FDT_ERR_BADSTRUCTURE;
        off = next;
    }
}

/* From `off` (inside a node, after its name) skips properties and NOPs and
 * returns the offset of the next BEGIN_NODE, or NOTFOUND at END_NODE. */
static int next_child_from(const struct fdt *f, uint32_t off)
{
    for (;;) {
        uint32_t next;
        int tok = read_token(f, off, &next);
        if (tok < 0)
            return tok;
        if (tok == TOK_BEGIN_NODE)
            return (int)off;
        if (tok == TOK_END_NODE || tok == TOK_END)
            return FDT_ERR_NOTFOUND;
        off = next;
    }
}

/* Offset just past the END_NODE that closes the node whose body starts at
 * `body`. Offsets strictly increase, so this terminates on any input. */
static int skip_subtree(const struct fdt *f, uint32_t body, uint32_t *after)
{
    uint32_t off = body;
    uint32_t depth = 1;
    for (;;) {
        uint32_t next;
        int tok = read_token(f, off, &next);
        if (tok < 0)
            return tok;
        if (tok == TOK_BEGIN_NODE) {
            depth++;
        } else if (tok == TOK_END_NODE) {
            if (--depth == 0) {
                *after = next;
                return 0;
            }
        } else if (tok == TOK_END) {
            return FDT_ERR_BADSTRUCTURE;
        }
        off = next;
    }
}

int fdt_first_child(const struct fdt *fdt, int node)
{
    uint32_t body;
    int err = check_node(fdt, node, &body);
    if (err != 0)
        return err;
    return next_child_from(fdt, body);
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
    uint32_t body, after;
    int err = check_node(fdt, node, &body);
    if (err != 0)
        return err;
    err = skip_subtree(fdt, body, &after);
    if (err != 0)
        return err;
    /* The root's END_NODE is followed by FDT_END, so the root has no
     * siblings; next_child_from() reports that as NOTFOUND. */
    return next_child_from(fdt, after);
}

int fdt_parent(const struct fdt *fdt, int node)
{
    uint32_t body;
    int err = check_node(fdt, node, &body);
    if (err != 0)
        return err;
    /* The structure block has no back links: walk from the top keeping the
     * chain of open nodes (bounded by the validated depth). */
    int stack[FDT_MAX_DEPTH];
    int depth = 0;
    uint32_t off = 0;
    for (;;) {
        uint32_t next;
        int tok = read_token(fdt, off, &next);
        if (tok < 0)
            return tok;
        if (tok == TOK_BEGIN_NODE) {
            if (off == (uint32_t)node)
                return depth == 0 ? FDT_ERR_NOTFOUND : stack[depth - 1];
            if (depth >= FDT_MAX_DEPTH)
                return FDT_ERR_TOODEEP;
            stack[depth++] = (int)off;
        } else if (tok == TOK_END_NODE) {
            if (depth == 0)
                return FDT_ERR_BADSTRUCTURE;
            depth--;
        } else if (tok == TOK_END) {
            /* a BEGIN_NODE token inside a property value, not a node */
            return FDT_ERR_BADOFFSET;
        }
        if ((int64_t)off > node)
            return FDT_ERR_BADOFFSET;
        off = next;
    }
}

const char *fdt_node_name(const struct fdt *fdt, int node)
{
    uint32_t body;
    if (node < 0 || check_node(fdt, node, &body) != 0)
        return NULL;
    return (const char *)struct_at(fdt, (uint32_t)node + 4);
}

int fdt_next_node(const struct fdt *fdt, int after)
{
    if (after == -1)
        return fdt_root(fdt);
    uint32_t off;
    int err = check_node(fdt, after, &off);
    if (err != 0)
        return err;
    /* Nodes appear in the block in depth-first pre-order, so the next node
     * is simply the next BEGIN_NODE token. */
    for (;;) {
        uint32_t next;
        int tok = read_token(fdt, off, &next);
        if (tok < 0)
            return tok;
        if (tok == TOK_BEGIN_NODE)
            return (int)off;
        if (tok == TOK_END)
            return FDT_ERR_NOTFOUND;
        off = next;
    }
}

int fdt_find_compatible(const struct fdt *fdt, int after, const char *compat)
{
    int node = after;
    for (;;) {
        node = fdt_next_node(fdt, node);
        if (node < 0)
            return node;
        if (fdt_node_is_compatible(fdt, node, compat))
            return node;
    }
}

/* Whether the property (data, len) is exactly the string s. */
static bool prop_is_string(const char *data, uint32_t len, const char *s)
{
    size_t n = str_len(s);
    return data != NULL && len == n + 1 && str_eq_n(s, data, n) && data[n] == '\0';
}

int fdt_find_device_type(const struct fdt *fdt, int after, const char *type)
{
    int node = after;
    for (;;) {
        node = fdt_next_node(fdt, node);
        if (node < 0)
            return node;
        uint32_t len = 0;
        const char *dt = fdt_getprop(fdt, node, "device_type", &len);
        if (prop_is_string(dt, len, type))
            return node;
    }
}

int fdt_find_phandle(const struct fdt *fdt, uint32_t phandle)
{
    if (phandle == 0 || phandle == UINT32_MAX)
        return FDT_ERR_NOTFOUND;
    int node = -1;
    for (;;) {
        node = fdt_next_node(fdt, node);
        if (node < 0)
            return node;
        uint32_t len = 0;
        const void *p = fdt_getprop(fdt, node, "phandle", &len);
        if (p == NULL)
            p = fdt_getprop(fdt, node, "linux,phandle", &len);
        if (p != NULL && len == 4 && fdt_be32(p) == phandle)
            return node;
    }
}

/*
 * Finds the child of `parent` named by the n bytes at comp. Without a unit
 * address in comp, "name" also matches "name@unit".
 */
static int find_child(const struct fdt *f, int parent, const char *comp, size_t n)
{
    bool has_unit = false;
    for (size_t i = 0; i < n; i++)
        if (comp[i] == '@')
            has_unit = true;
    int child = fdt_first_child(f, parent);
    while (child >= 0) {
        const char *name = fdt_node_name(f, child);
        if (name != NULL) {
            size_t i = 0;
            while (i < n && name[i] != '\0' && name[i] == comp[i])
                i++;
            if (i == n && (name[n] == '\0' || (!has_unit && name[n] == '@')))
                return child;
        }
        child = fdt_next_sibling(f, child);
    }
    return child;
}

/* Resolves the '/'-separated components of p below `node`. */
static int walk_path(const struct fdt *f, int node, const char *p)
{
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            return node;
        size_t n = 0;
        while (p[n] != '\0' && p[n] != '/')
            n++;
        node = find_child(f, node, p, n);
        if (node < 0)
            return node;
        p += n;
    }
}

int fdt_path_offset(const struct fdt *fdt, const char *path)
{
    if (!fdt_ready(fdt))
        return FDT_ERR_BADMAGIC;
    if (path == NULL || *path == '\0')
        return FDT_ERR_NOTFOUND;
    int root = fdt_root(fdt);
    if (root < 0)
        return root;
    if (*path == '/')
        return walk_path(fdt, root, path);

    /* An alias: its value is an absolute path; the rest of ours follows. */
    size_t n = 0;
    while (path[n] != '\0' && path[n] != '/')
        n++;
    int aliases = find_child(fdt, root, "aliases", 7);
    if (aliases < 0)
        return aliases;
    uint32_t body;
    int err = check_node(fdt, aliases, &body);
    if (err != 0)
        return err;
    uint32_t off = body;
    for (;;) {
        uint32_t next;
        int tok = read_token(fdt, off, &next);
        if (tok < 0)
            return tok;
        if (tok == TOK_BEGIN_NODE || tok == TOK_END_NODE || tok == TOK_END)
            return FDT_ERR_NOTFOUND;
        if (tok == TOK_PROP) {
            const char *pname = string_at(fdt, fdt_be32(struct_at(fdt, off + 8)));
            if (pname != NULL && str_eq_n(pname, path, n)) {
                uint32_t len = fdt_be32(struct_at(fdt, off + 4));
                const char *val = (const char *)struct_at(fdt, off + 12);
                if (len == 0 || val[0] != '/' || bounded_len((const uint8_t *)val, len) < 0)
                    return FDT_ERR_NOTFOUND;
                int node = walk_path(fdt, root, val);
                if (node < 0)
                    return node;
                return walk_path(fdt, node, path + n);
            }
        }
        off = next;
    }
}

/* ---- properties --------------------------------------------------------- */

const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, uint32_t *len)
{
    if (len != NULL)
        *len = 0;
    uint32_t off;
    if (name == NULL || node < 0 || check_node(fdt, node, &off) != 0)
        return NULL;
    for (;;) {
        uint32_t next;
        int tok = read_token(fdt, off, &next);
        if (tok != TOK_PROP && tok != TOK_NOP)
            return NULL;
        if (tok == TOK_PROP) {
            const char *pname = string_at(fdt, fdt_be32(struct_at(fdt, off + 8)));
            if (pname != NULL && str_eq(pname, name)) {
                if (len != NULL)
                    *len = fdt_be32(struct_at(fdt, off + 4));
                return struct_at(fdt, off + 12);
            }
        }
        off = next;
    }
}

bool fdt_stringlist_contains(const char *list, uint32_t len, const char *s)
{
    if (list == NULL || s == NULL)
        return false;
    size_t n = str_len(s);
    uint32_t i = 0;
    while (i < len) {
        int64_t l = bounded_len((const uint8_t *)list + i, len - i);
        if (l < 0)
            return false;
        if ((size_t)l == n && str_eq_n(s, list + i, n))
            return true;
        i += (uint32_t)l + 1;
    }
    return false;
}

bool fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat)
{
    uint32_t len = 0;
    const char *list = fdt_getprop(fdt, node, "compatible", &len);
    return fdt_stringlist_contains(list, len, compat);
}

uint32_t fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t index, uint32_t def)
{
    uint32_t len = 0;
    const uint8_t *p = fdt_getprop(fdt, node, name, &len);
    if (p == NULL || ((uint64_t)index + 1) * 4 > len)
        return def;
    return fdt_be32(p + (uint64_t)index * 4);
}

int fdt_prop_number(const struct fdt *fdt, int node, const char *name, uint64_t *val)
{
    uint32_t len = 0;
    const uint8_t *p = fdt_getprop(fdt, node, name, &len);
    if (p == NULL)
        return FDT_ERR_NOTFOUND;
    uint64_t v;
    if (len == 4)
        v = fdt_be32(p);
    else if (len == 8)
        v = fdt_be64(p);
    else
        return FDT_ERR_BADCELLS;
    if (val != NULL)
        *val = v;
    return 0;
}

const char *fdt_prop_string(const struct fdt *fdt, int node, const char *name)
{
    uint32_t len = 0;
    const char *p = fdt_getprop(fdt, node, name, &len);
    if (p == NULL || bounded_len((const uint8_t *)p, len) < 0)
        return NULL;
    return p;
}

bool fdt_node_is_enabled(const struct fdt *fdt, int node)
{
    uint32_t len = 0;
    const char *st = fdt_getprop(fdt, node, "status", &len);
    if (st == NULL)
        return node >= 0 && fdt_node_name(fdt, node) != NULL;
    return prop_is_string(st, len, "okay") || prop_is_string(st, len, "ok");
}

/* Reads a one-cell #address-cells/#size-cells property of `node`. */
static int cells_of(const struct fdt *f, int node, const char *name, uint32_t def, uint32_t *out)
{
    uint32_t len = 0;
    const uint8_t *p = fdt_getprop(f, node, name, &len);
    if (p == NULL) {
        *out = def;
        return 0;
    }
    if (len != 4)
        return FDT_ERR_BADCELLS;
    *out = fdt_be32(p);
    return 0;
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    return cells == 2 ? fdt_be64(p) : cells == 1 ? fdt_be32(p) : 0;
}

int fdt_read_reg(const struct fdt *fdt, int node, uint32_t index, uint64_t *addr, uint64_t *size)
{
    uint32_t body;
    int err = check_node(fdt, node, &body);
    if (err != 0)
        return err;
    uint32_t ac = 2, sc = 1;
    int parent = fdt_parent(fdt, node);
    if (parent >= 0) {
        err = cells_of(fdt, parent, "#address-cells", 2, &ac);
        if (err == 0)
            err = cells_of(fdt, parent, "#size-cells", 1, &sc);
        if (err != 0)
            return err;
    } else if (parent != FDT_ERR_NOTFOUND) {
        return parent;
    }
    if (ac < 1 || ac > 2 || sc > 2)
        return FDT_ERR_BADCELLS;

    uint32_t len = 0;
    const uint8_t *reg = fdt_getprop(fdt, node, "reg", &len);
    if (reg == NULL)
        return FDT_ERR_NOTFOUND;
    uint32_t entry = (ac + sc) * 4;
    if (len % entry != 0)
        return FDT_ERR_BADCELLS;
    if (index >= len / entry)
        return FDT_ERR_NOTFOUND;
    const uint8_t *e = reg + (uint64_t)index * entry;
    if (addr != NULL)
        *addr = read_cells(e, ac);
    if (size != NULL)
        *size = read_cells(e + ac * 4, sc);
    return 0;
}
