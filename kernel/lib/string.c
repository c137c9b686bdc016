/*
 * The kernel's string functions. memcpy and memset move aligned words; the
 * compiler also emits calls to them for struct copies. They never make an
 * unaligned access: they also run before the MMU is on, where memory is
 * Device memory and unaligned accesses fault (the kernel is built with
 * -mstrict-align for the same reason). Host unit test: tests/unit/test_string.c.
 */
#include "kenix/string.h"

#include <stdint.h>

/* Words loaded from byte buffers: may alias anything. */
typedef uint64_t __attribute__((may_alias)) word_t;

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (n >= 16) {
        /* Bytes up to an 8-byte boundary of the destination, then whole
         * aligned words, 64 bytes a round when the source shares the
         * alignment (IPC bulk, pipe and page copies come here: 8 ldp/stp
         * pairs and the loop, about 0.2 instructions a byte). */
        while ((uintptr_t)d & 7) {
            *d++ = *s++;
            n--;
        }
        word_t *dw = (word_t *)d;
        unsigned skew = (uintptr_t)s & 7;
        if (skew == 0) {
            const word_t *sw = (const word_t *)s;
            for (; n >= 64; n -= 64, dw += 8, sw += 8) {
                uint64_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
                uint64_t g = sw[4], h = sw[5], i = sw[6], j = sw[7];
                dw[0] = a;
                dw[1] = b;
                dw[2] = c;
                dw[3] = e;
                dw[4] = g;
                dw[5] = h;
                dw[6] = i;
                dw[7] = j;
            }
            for (; n >= 32; n -= 32, dw += 4, sw += 4) {
                uint64_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
                dw[0] = a;
                dw[1] = b;
                dw[2] = c;
                dw[3] = e;
            }
            for (; n >= 8; n -= 8)
                *dw++ = *sw++;
            s = (const uint8_t *)sw;
        } else {
            /* The source is off by `skew`: load aligned words and splice
             * neighbours with shifts (little-endian), since -mstrict-align
             * rules out unaligned loads. Every load is the aligned word
             * holding a byte that is copied, so it never touches another page. */
            const word_t *sw = (const word_t *)(s - skew);
            unsigned lo = 8 * skew, hi = 64 - lo;
            uint64_t cur = *sw++;
            for (; n >= 32; n -= 32, dw += 4, sw += 4, s += 32) {
                uint64_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
                dw[0] = (cur >> lo) | (a << hi);
                dw[1] = (a >> lo) | (b << hi);
                dw[2] = (b >> lo) | (c << hi);
                dw[3] = (c >> lo) | (e << hi);
                cur = e;
            }
            for (; n >= 8; n -= 8, s += 8) {
                uint64_t next = *sw++;
                *dw++ = (cur >> lo) | (next << hi);
                cur = next;
            }
        }
        d = (uint8_t *)dw;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    if (n >= 16) {
        while ((uintptr_t)d & 7) {
            *d++ = (uint8_t)c;
            n--;
        }
        uint64_t v = (uint8_t)c * 0x0101010101010101ull;
        word_t *dw = (word_t *)d;
        for (; n >= 8; n -= 8)
            *dw++ = v;
        d = (uint8_t *)dw;
    }
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return 0;
    }
}
