/*
 * A tiny DTB writer for tests, so that FDT tests need no dtc.
 *
 * Nodes and properties are appended in order to a structure buffer; names go
 * to a deduplicated strings buffer; dtbw_finish() lays out header,
 * reservation map, structure and strings blocks like dtc does. The raw
 * helpers emit arbitrary tokens so tests can build malformed blobs.
 */
#ifndef KENIX_TESTS_UNIT_DTB_WRITER_H
#define KENIX_TESTS_UNIT_DTB_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define DTBW_STRUCT_MAX 65536
#define DTBW_STRINGS_MAX 8192
#define DTBW_RSV_MAX 16

struct dtbw {
    uint8_t st[DTBW_STRUCT_MAX];
    size_t st_len;
    char strs[DTBW_STRINGS_MAX];
    size_t str_len;
    uint64_t rsv[DTBW_RSV_MAX][2];
    unsigned n_rsv;
    int overflow; /* set when a buffer filled up; finish() then fails */
};

void dtbw_init(struct dtbw *w);
void dtbw_rsv(struct dtbw *w, uint64_t addr, uint64_t size);
void dtbw_begin(struct dtbw *w, const char *name);
void dtbw_end(struct dtbw *w);
void dtbw_prop(struct dtbw *w, const char *name, const void *data, uint32_t len);
void dtbw_prop_u32(struct dtbw *w, const char *name, uint32_t v);
void dtbw_prop_u64(struct dtbw *w, const char *name, uint64_t v);
/* A property of n 32-bit cells. */
void dtbw_prop_cells(struct dtbw *w, const char *name, unsigned n, const uint32_t *cells);
void dtbw_prop_str(struct dtbw *w, const char *name, const char *s);
/* Offset of name in the strings block, adding it if new. */
uint32_t dtbw_string(struct dtbw *w, const char *name);
/* Raw structure block words and bytes (big-endian u32, then padding to 4). */
void dtbw_raw_u32(struct dtbw *w, uint32_t v);
void dtbw_raw_bytes(struct dtbw *w, const void *data, size_t len);
/* Appends FDT_END. */
void dtbw_finish_tree(struct dtbw *w);

struct dtbw_layout {
    int no_rsv_terminator; /* omit the (0, 0) entry */
    uint32_t version;      /* 0 means 17 */
    uint32_t pad_after;    /* extra bytes of zero after the strings block */
};

/* Writes the blob into out (cap bytes); returns its size, or 0 if it does not fit. */
size_t dtbw_blob(const struct dtbw *w, const struct dtbw_layout *layout, uint8_t *out, size_t cap);

/* Header field offsets, for tests that patch a finished blob. */
enum {
    DTB_HDR_MAGIC = 0,
    DTB_HDR_TOTALSIZE = 4,
    DTB_HDR_OFF_STRUCT = 8,
    DTB_HDR_OFF_STRINGS = 12,
    DTB_HDR_OFF_RSVMAP = 16,
    DTB_HDR_VERSION = 20,
    DTB_HDR_LAST_COMP = 24,
    DTB_HDR_BOOT_CPU = 28,
    DTB_HDR_SIZE_STRINGS = 32,
    DTB_HDR_SIZE_STRUCT = 36,
};

void dtb_put32(uint8_t *p, uint32_t v);
uint32_t dtb_get32(const uint8_t *p);

#endif
