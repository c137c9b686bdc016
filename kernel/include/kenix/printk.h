/*
 * Kernel formatted output. Supports %c %s %d %i %u %x %X %p and %%, with
 * the l/ll/z length modifiers, '-' and '0' flags and a field width.
 */
#ifndef KENIX_PRINTK_H
#define KENIX_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

/* A line's level, as Linux's KERN_* prefixes: "\001" and a digit at the
 * start of the line (core/klog.c). A line without one is KERN_INFO; lines
 * below the console level (default: KERN_NOTICE) reach the console. */
#define KERN_SOH "\001"
#define KERN_SOH_CHAR '\001'
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The console (core/console.c): the kernel log's lines that pass its filter. */
void console_putc(char c);

#endif
