/*
 * Kernel formatted output. Supports %c %s %d %i %u %x %X %p and %%, with
 * the l/ll/z length modifiers, '-' and '0' flags and a field width.
 */
#ifndef KENIX_PRINTK_H
#define KENIX_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The sink kprintf writes to: one character at a time (see core/console.c). */
void console_putc(char c);

#endif
