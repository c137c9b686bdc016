/*
 * A small printf engine shared by kprintf (console) and ksnprintf (buffer).
 * No floating point: the kernel is built -mgeneral-regs-only.
 */
#include "kenix/printk.h"

#include "../core/klog.h"

#include <stdbool.h>
#include <stdint.h>

/* Output goes to the kernel log (core/klog.c) when buf is NULL, gathered in
 * `chunk` and handed over in pieces. No function pointers here: this runs
 * before the MMU is on, where a stored pointer (a link-time VA) would not be
 * callable. */
struct sink {
    char *buf;
    size_t size;
    size_t len;
    char chunk[96];
    size_t chunk_len;
};

static void flush(struct sink *s)
{
    if (s->chunk_len)
        klog_write(s->chunk, s->chunk_len);
    s->chunk_len = 0;
}

static void emit(struct sink *s, char c)
{
    if (!s->buf) {
        if (s->chunk_len == sizeof(s->chunk))
            flush(s);
        s->chunk[s->chunk_len++] = c;
    } else if (s->len + 1 < s->size) {
        s->buf[s->len] = c;
    }
    s->len++;
}

static void emit_padded(struct sink *s, const char *str, size_t n, int width, bool left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            emit(s, pad);
    for (size_t i = 0; i < n; i++)
        emit(s, str[i]);
    if (left)
        while (fill-- > 0)
            emit(s, ' ');
}

static void emit_number(struct sink *s, uint64_t v, unsigned base, bool neg, bool upper,
                        int width, bool left, char pad)
{
    char tmp[24];
    size_t n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg) {
        if (pad == '0') {
            emit(s, '-');
            width--;
        } else {
            tmp[sizeof(tmp) - 1 - n++] = '-';
        }
    }
    emit_padded(s, tmp + sizeof(tmp) - n, n, width, left, pad);
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(s, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs++;
            fmt++;
        }
        if (left)
            pad = ' ';
        switch (*fmt) {
        case 'c':
            emit(s, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = 0;
            while (str[n])
                n++;
            emit_padded(s, str, n, width, left, ' ');
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            bool neg = v < 0;
            emit_number(s, neg ? 0 - (uint64_t)v : (uint64_t)v, 10, neg, false, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            emit_number(s, v, *fmt == 'u' ? 10 : 16, false, *fmt == 'X', width, left, pad);
            break;
        }
        case 'p':
            emit(s, '0');
            emit(s, 'x');
            emit_number(s, (uintptr_t)va_arg(ap, void *), 16, false, false, 16, false, '0');
            break;
        case '%':
            emit(s, '%');
            break;
        case '\0':
            return (int)s->len;
        default:
            emit(s, '%');
            emit(s, *fmt);
            break;
        }
    }
    return (int)s->len;
}

int kvprintf(const char *fmt, va_list ap)
{
    struct sink s;
    s.buf = 0;
    s.size = s.len = s.chunk_len = 0;
    int n = format(&s, fmt, ap);
    flush(&s);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    char nowhere;
    struct sink s;
    s.buf = buf ? buf : &nowhere;
    s.size = buf ? size : 0;
    s.len = s.chunk_len = 0;
    va_list ap;
    va_start(ap, fmt);
    format(&s, fmt, ap);
    va_end(ap);
    if (buf && size)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return (int)s.len;
}
