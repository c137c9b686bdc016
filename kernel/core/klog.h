/*
 * The kernel log (klog.c): the ring kprintf writes to, the console filter,
 * and what syslog(2) reads (posix/sys_info.c).
 */
#ifndef KENIX_CORE_KLOG_H
#define KENIX_CORE_KLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KLOG_SIZE (64u * 1024u)   /* bytes of log kept: Linux's default is 128 KiB on arm64 */
#define KLOG_DEFAULT_LEVEL 6      /* a line without a KERN_* prefix: KERN_INFO */
#define KLOG_CONSOLE_DEFAULT 5    /* lines below this reach the console: warnings and worse */

/* kprintf's output (any context; interrupts masked inside). */
void klog_write(const char *s, size_t n);
/* Reads loglevel=N, quiet and debug from the command line and replays what
 * was logged before through the console filter. Once, after cmdline_init. */
void klog_configure(void);
/* From now on everything reaches the console, the line being built too. */
void klog_panic(void);
/* One whole line (no newline in it) logged at KERN_INFO and written to the
 * console whatever its level: what a test harness waits for (the boot marker). */
void klog_announce(const char *text);

/* A write to /dev/kmsg: "<N>text" (N the level; the facility above 7 is
 * dropped) or text at KERN_WARNING, Linux's default message level; every
 * line of it is a line of the log at that level. */
void klog_user_message(const char *s, size_t n);

uint64_t klog_size(void);
/* SYSLOG_ACTION_CONSOLE_LEVEL: 1..8 (else -1); also turns the console back on. */
int klog_console_level_set(int level);
void klog_console_enable(bool on);
/* The newest whole lines since the last clear that fit in len bytes, into
 * dst (kernel memory); `clear` then marks all of it read-all'ed (READ_CLEAR). */
size_t klog_read_all(char *dst, size_t len, bool clear);
void klog_clear(void);
/* SYSLOG_ACTION_READ: up to len bytes not yet read this way (consumed). */
size_t klog_read_unread(char *dst, size_t len);
uint64_t klog_unread(void);

#endif
