#include "dtb_writer.h"

#include <string.h>

void dtb_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

uint32_t dtb_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
    dtb_put32(p, (uint32_t)(v >> 32));
    dtb_put32(p + 4, (uint32_t)v);
}

void dtbw_init(struct dtbw *w)
{
    memset(w, 0, sizeof(*w));
}

void dtbw_rsv(struct dtbw *w, uint64_t addr, uint64_t size)
{
    if (w->n_rsv == DTBW_RSV_MAX) {
        w->overflow = 1;
        return;
    }
    w->rsv[w->n_rsv][0] = addr;
    w->rsv[w->n_rsv][1] = size;
    w->n_rsv++;
}

void dtbw_raw_bytes(struct dtbw *w, const void *data, size_t len)
{
    size_t padded = (len + 3) & ~(size_t)3;
    if (padded > DTBW_STRUCT_MAX - w->st_len) {
        w->overflow = 1;
        return;
    }
    if (len != 0)
        memcpy(w->st + w->st_len, data, len);
    memset(w->st + w->st_len + len, 0, padded - len);
    w->st_len += padded;
}

void dtbw_raw_u32(struct dtbw *w, uint32_t v)
{
    uint8_t b[4];
    dtb_put32(b, v);
    dtbw_raw_bytes(w, b, 4);
}

uint32_t dtbw_string(struct dtbw *w, const char *name)
{
    size_t n = strlen(name) + 1;
    for (size_t off = 0; off < w->str_len; off += strlen(w->strs + off) + 1)
        if (strcmp(w->strs + off, name) == 0)
            return (uint32_t)off;
    if (n > DTBW_STRINGS_MAX - w->str_len) {
        w->overflow = 1;
        return 0;
    }
    memcpy(w->strs + w->str_len, name, n);
    w->str_len += n;
    return (uint32_t)(w->str_len - n);
}

void dtbw_begin(struct dtbw *w, const char *name)
{
    dtbw_raw_u32(w, 1);
    dtbw_raw_bytes(w, name, strlen(name) + 1);
}

void dtbw_end(struct dtbw *w)
{
    dtbw_raw_u32(w, 2);
}

void dtbw_prop(struct dtbw *w, const char *name, const void *data, uint32_t len)
{
    dtbw_raw_u32(w, 3);
    dtbw_raw_u32(w, len);
    dtbw_raw_u32(w, dtbw_string(w, name));
    dtbw_raw_bytes(w, data, len);
}

void dtbw_prop_u32(struct dtbw *w, const char *name, uint32_t v)
{
    uint8_t b[4];
    dtb_put32(b, v);
    dtbw_prop(w, name, b, 4);
}

void dtbw_prop_u64(struct dtbw *w, const char *name, uint64_t v)
{
    uint8_t b[8];
    put64(b, v);
    dtbw_prop(w, name, b, 8);
}

void dtbw_prop_cells(struct dtbw *w, const char *name, unsigned n, const uint32_t *cells)
{
    uint8_t b[256];
    if (n > sizeof(b) / 4) {
        w->overflow = 1;
        return;
    }
    for (unsigned i = 0; i < n; i++)
        dtb_put32(b + 4 * i, cells[i]);
    dtbw_prop(w, name, b, 4 * n);
}

void dtbw_prop_str(struct dtbw *w, const char *name, const char *s)
{
    dtbw_prop(w, name, s, (uint32_t)strlen(s) + 1);
}

void dtbw_finish_tree(struct dtbw *w)
{
    dtbw_raw_u32(w, 9);
}

size_t dtbw_blob(const struct dtbw *w, const struct dtbw_layout *layout, uint8_t *out, size_t cap)
{
    struct dtbw_layout def = {0};
    if (layout == NULL)
        layout = &def;
    if (w->overflow)
        return 0;
    uint32_t version = layout->version != 0 ? layout->version : 17;
    size_t hdr = 40;
    size_t off_rsv = hdr;
    size_t rsv_entries = w->n_rsv + (layout->no_rsv_terminator ? 0 : 1);
    size_t off_struct = off_rsv + 16 * rsv_entries;
    size_t off_strings = off_struct + w->st_len;
    size_t total = off_strings + w->str_len + layout->pad_after;
    if (total > cap)
        return 0;
    memset(out, 0, total);
    dtb_put32(out + DTB_HDR_MAGIC, 0xd00dfeedu);
    dtb_put32(out + DTB_HDR_TOTALSIZE, (uint32_t)total);
    dtb_put32(out + DTB_HDR_OFF_STRUCT, (uint32_t)off_struct);
    dtb_put32(out + DTB_HDR_OFF_STRINGS, (uint32_t)off_strings);
    dtb_put32(out + DTB_HDR_OFF_RSVMAP, (uint32_t)off_rsv);
    dtb_put32(out + DTB_HDR_VERSION, version);
    dtb_put32(out + DTB_HDR_LAST_COMP, 16);
    dtb_put32(out + DTB_HDR_BOOT_CPU, 0);
    dtb_put32(out + DTB_HDR_SIZE_STRINGS, (uint32_t)w->str_len);
    /* a version-16 header has no size_dt_struct; leave the word zero */
    dtb_put32(out + DTB_HDR_SIZE_STRUCT, version >= 17 ? (uint32_t)w->st_len : 0);
    for (unsigned i = 0; i < w->n_rsv; i++) {
        put64(out + off_rsv + 16 * i, w->rsv[i][0]);
        put64(out + off_rsv + 16 * i + 8, w->rsv[i][1]);
    }
    memcpy(out + off_struct, w->st, w->st_len);
    memcpy(out + off_strings, w->strs, w->str_len);
    return total;
}
