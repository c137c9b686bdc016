/*
 * Host tests of the kernel's memory and string functions (kernel/lib/string.c),
 * built here under other names (CMakeLists.txt) so they do not replace the C
 * library's. memcpy and memset take word paths that depend on the alignment
 * of both pointers and on the length: every combination of alignments is
 * swept against a byte-by-byte reference, with guard bytes around the
 * destination so a stray store shows. Buffers sit inside larger arrays: the
 * misaligned copy loads whole aligned words around its source, as it may in
 * the kernel, and AddressSanitizer checks that those loads stay in bounds.
 */
#include <stddef.h>
#include <stdint.h>

#include "test.h"

void *kstr_memcpy(void *dst, const void *src, size_t n);
void *kstr_memmove(void *dst, const void *src, size_t n);
void *kstr_memset(void *dst, int c, size_t n);
int kstr_memcmp(const void *a, const void *b, size_t n);
size_t kstr_strlen(const char *s);
size_t kstr_strnlen(const char *s, size_t max);
int kstr_strcmp(const char *a, const char *b);
int kstr_strncmp(const char *a, const char *b, size_t n);
char *kstr_strchr(const char *s, int c);

#define SLACK 16
#define BIG (4096 + 9)
#define GUARD 0xa5

static _Alignas(16) uint8_t src_arena[SLACK + BIG + 16 + SLACK];
static _Alignas(16) uint8_t dst_arena[SLACK + BIG + 16 + SLACK];

static const size_t lengths[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 39, 40, 63, 64, 65, 71, 100, 255, BIG };

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t state = seed | 1;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)test_rand(&state);
}

/* 0 if dst_arena holds src[0..n) at `at` and GUARD everywhere else. */
static int dst_is(size_t at, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < sizeof(dst_arena); i++) {
        uint8_t want = i >= at && i < at + n ? src[i - at] : GUARD;
        if (dst_arena[i] != want)
            return 1;
    }
    return 0;
}

static void test_memcpy_every_alignment(void)
{
    fill_random(src_arena, sizeof(src_arena), 42);
    unsigned bad = 0, cases = 0;
    for (size_t so = 0; so < 16; so++)
        for (size_t doff = 0; doff < 16; doff++)
            for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
                size_t n = lengths[l];
                memset(dst_arena, GUARD, sizeof(dst_arena));
                const uint8_t *s = src_arena + SLACK + so;
                uint8_t *d = dst_arena + SLACK + doff;
                void *r = kstr_memcpy(d, s, n);
                cases++;
                if (r != d || dst_is(SLACK + doff, s, n)) {
                    if (bad++ < 5)
                        printf("  memcpy src+%zu dst+%zu n=%zu: wrong\n", so, doff, n);
                }
            }
    CHECK_EQ(bad, 0);
    CHECK_EQ(cases, 16 * 16 * (sizeof(lengths) / sizeof(lengths[0])));
}

static void test_memset_every_alignment(void)
{
    uint8_t expect[BIG];
    unsigned bad = 0;
    for (size_t doff = 0; doff < 16; doff++)
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            size_t n = lengths[l];
            int c = (int)(0x100 + doff * 7 + l); /* memset stores (unsigned char)c */
            for (size_t i = 0; i < n; i++)
                expect[i] = (uint8_t)c;
            memset(dst_arena, GUARD, sizeof(dst_arena));
            uint8_t *d = dst_arena + SLACK + doff;
            if (kstr_memset(d, c, n) != d || dst_is(SLACK + doff, expect, n)) {
                if (bad++ < 5)
                    printf("  memset dst+%zu n=%zu: wrong\n", doff, n);
            }
        }
    CHECK_EQ(bad, 0);
}

/* Overlapping moves both ways, against a copy through a separate buffer. */
static void test_memmove_overlap(void)
{
    uint8_t expect[300], tmp[300];
    unsigned bad = 0;
    for (size_t from = 0; from < 24; from++)
        for (size_t to = 0; to < 24; to++)
            for (size_t n = 0; n < 250; n += 7) {
                fill_random(dst_arena, 300, from * 977 + to * 31 + n);
                memcpy(expect, dst_arena, 300);
                memcpy(tmp, expect + from, n);
                memcpy(expect + to, tmp, n);
                if (kstr_memmove(dst_arena + to, dst_arena + from, n) != dst_arena + to ||
                    memcmp(dst_arena, expect, 300) != 0) {
                    if (bad++ < 5)
                        printf("  memmove %zu -> %zu n=%zu: wrong\n", from, to, n);
                }
            }
    CHECK_EQ(bad, 0);
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

static void test_compare_and_search(void)
{
    CHECK_EQ(kstr_memcmp("abc", "abd", 3), -1);
    CHECK_EQ(kstr_memcmp("abd", "abc", 3), 1);
    CHECK_EQ(kstr_memcmp("abc", "abd", 2), 0);
    CHECK_EQ(kstr_memcmp("\x80", "\x01", 1), 1); /* bytes compare unsigned */
    CHECK_EQ(kstr_strlen(""), 0);
    CHECK_EQ(kstr_strlen("kenix"), 5);
    CHECK_EQ(kstr_strnlen("kenix", 3), 3);
    CHECK_EQ(kstr_strnlen("ke", 3), 2);
    CHECK_EQ(sign(kstr_strcmp("init", "init")), 0);
    CHECK_EQ(sign(kstr_strcmp("init", "initrd")), -1);
    CHECK_EQ(sign(kstr_strcmp("b", "a")), 1);
    CHECK_EQ(sign(kstr_strcmp("\xff", "a")), 1);
    CHECK_EQ(sign(kstr_strncmp("kenix.test", "kenix.tests", 10)), 0);
    CHECK_EQ(sign(kstr_strncmp("kenix.test", "kenix.tests", 11)), -1);
    CHECK_EQ(sign(kstr_strncmp("a", "b", 0)), 0);
    const char *s = "a=b=c";
    CHECK(kstr_strchr(s, '=') == s + 1);
    CHECK(kstr_strchr(s, 'x') == NULL);
    CHECK(kstr_strchr(s, '\0') == s + 5);
}

int main(void)
{
    RUN(test_memcpy_every_alignment);
    RUN(test_memset_every_alignment);
    RUN(test_memmove_overlap);
    RUN(test_compare_and_search);
    return test_finish();
}
