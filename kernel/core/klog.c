/*
 * The kernel log: every line kprintf writes, kept in a ring of KLOG_SIZE
 * bytes as "<level>[seconds.microseconds] text\n" (Linux's syslog format, so
 * BusyBox dmesg reads it as it reads Linux's), the oldest whole lines giving
 * way to new ones. A line also goes to the console when its level is below the
 * console level (default 5: warnings and worse; `loglevel=N`, `quiet` and
 * `debug` on the command line as on Linux), so a shell on the console is not
 * interleaved with the kernel's chatter; a panic prints everything from then
 * on, and first the recent lines the console did not show (the last
 * KLOG_PANIC_CONTEXT bytes of the log): what led to it.
 *
 * Lines are assembled as kprintf calls arrive (a register dump is built by
 * several calls) and committed at their newline. A line's level comes from a
 * KERN_* prefix at its start; a line without one is KERN_INFO.
 *
 * Until the command line has been read (klog_configure) nothing goes to the
 * console; configuring replays what was logged so far through the console
 * filter, as Linux replays its buffer when a console registers.
 *
 * Locking: one CPU; every change to the ring and the line being assembled
 * happens with interrupts masked (irq_save), which is the whole of the
 * protection (kprintf is called from interrupt handlers and with any lock
 * held, so it takes no lock of its own).
 */
#include "klog.h"

#include <stdbool.h>
#include <stdint.h>

#include "kenix/cmdline.h"
#include "kenix/console.h"
#include "kenix/printk.h"
#include "kenix/spinlock.h"
#include "kenix/string.h"
#include "../arch/aarch64/sysreg.h"

#define LINE_MAX_TEXT 400 /* longer lines are cut: the rest goes to the next line */
#define KLOG_PANIC_CONTEXT 2048u

static char ring[KLOG_SIZE];
static uint64_t ring_head;  /* bytes ever written: the next byte goes to ring[head % size] */
static uint64_t ring_tail;  /* the oldest byte kept (a line start); head - tail <= KLOG_SIZE */
static uint64_t read_pos;   /* SYSLOG_ACTION_READ's position (a line start, >= tail) */
static uint64_t clear_pos;  /* SYSLOG_ACTION_CLEAR's mark: READ_ALL starts here */

static char line[LINE_MAX_TEXT];
static unsigned line_len;
static int line_level = -1;  /* -1: no character of the line yet */
static bool prefix_pending;  /* a KERN_SOH seen at line start: the next char is the level */

static int console_level = KLOG_CONSOLE_DEFAULT;
static bool configured;      /* klog_configure ran: the console filter applies */
static bool console_on = true;

static uint64_t ring_pos(uint64_t at)
{
    return at % KLOG_SIZE;
}

/* Drops whole lines from the tail until n more bytes fit. */
static void make_room(uint64_t n)
{
    while (ring_head + n - ring_tail > KLOG_SIZE) {
        while (ring_tail < ring_head && ring[ring_pos(ring_tail)] != '\n')
            ring_tail++;
        if (ring_tail < ring_head)
            ring_tail++; /* past the newline */
    }
    if (read_pos < ring_tail)
        read_pos = ring_tail;
    if (clear_pos < ring_tail)
        clear_pos = ring_tail;
}

static void ring_put(const char *s, unsigned n)
{
    /* At most two pieces: up to the end of the ring, then from its start. */
    uint64_t at = ring_pos(ring_head);
    unsigned first = KLOG_SIZE - at < n ? (unsigned)(KLOG_SIZE - at) : n;
    memcpy(ring + at, s, first);
    memcpy(ring, s + first, n - first);
    ring_head += n;
}

static void console_line(const char *text, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        console_putc(text[i]);
    console_putc('\n');
}

static bool to_console(int level)
{
    return configured && console_on && level < console_level;
}

/* The time since the counter started, for the line's stamp: the counter and
 * its frequency registers work from the first instruction on. */
static void stamp(uint64_t *sec, uint64_t *usec)
{
    uint64_t cnt = read_sysreg(cntvct_el0), frq = read_sysreg(cntfrq_el0);
    if (!frq)
        frq = 1;
    *sec = cnt / frq;
    *usec = (cnt % frq) * 1000000 / frq;
}

static void commit_line(void)
{
    int level = line_level < 0 ? KLOG_DEFAULT_LEVEL : line_level;
    char head[32];
    uint64_t sec, usec;
    stamp(&sec, &usec);
    int hn = ksnprintf(head, sizeof(head), "<%d>[%5lu.%06lu] ", level, (unsigned long)sec, (unsigned long)usec);
    if (hn < 0 || hn >= (int)sizeof(head))
        hn = 0;
    make_room((uint64_t)hn + line_len + 1);
    ring_put(head, (unsigned)hn);
    ring_put(line, line_len);
    ring_put("\n", 1);
    if (to_console(level))
        console_line(line, line_len);
    line_len = 0;
    line_level = -1;
    prefix_pending = false;
}

static void put_locked(char c)
{
    if (prefix_pending) {
        prefix_pending = false;
        if (c >= '0' && c <= '7') {
            line_level = c - '0';
            return;
        }
    }
    if (c == KERN_SOH_CHAR && line_len == 0 && line_level < 0) {
        prefix_pending = true;
        return;
    }
    if (c == '\n') {
        commit_line();
        return;
    }
    if (line_level < 0)
        line_level = KLOG_DEFAULT_LEVEL;
    if (line_len == LINE_MAX_TEXT) {
        int level = line_level;
        commit_line(); /* cut: the rest is a new line of the same level */
        line_level = level;
    }
    line[line_len++] = c;
}

void klog_write(const char *s, size_t n)
{
    irqflags_t flags = irq_save();
    for (size_t i = 0; i < n;) {
        /* The text of a line in one piece; prefixes, newlines and a full
         * line one character at a time. */
        size_t run = 0;
        if (!prefix_pending && !(s[i] == KERN_SOH_CHAR && line_len == 0 && line_level < 0))
            while (i + run < n && s[i + run] != '\n' && line_len + run < LINE_MAX_TEXT)
                run++;
        if (run) {
            if (line_level < 0)
                line_level = KLOG_DEFAULT_LEVEL;
            memcpy(line + line_len, s + i, run);
            line_len += (unsigned)run;
            i += run;
        } else {
            put_locked(s[i++]);
        }
    }
    irq_restore(flags);
}

/* The text of the line at `at` (after its "<L>[stamp] " head) to the console
 * if its level passes the filter and is at least min_level (lines the console
 * showed already are below it); returns the position after the line. */
static uint64_t replay_line(uint64_t at, int min_level)
{
    int level = KLOG_DEFAULT_LEVEL;
    if (ring[ring_pos(at)] == '<' && at + 2 < ring_head && ring[ring_pos(at + 2)] == '>')
        level = ring[ring_pos(at + 1)] - '0';
    uint64_t text = at; /* past "<L>[stamp] ": the stamp's ']' is the line's first */
    while (text < ring_head && ring[ring_pos(text)] != ']' && ring[ring_pos(text)] != '\n')
        text++;
    if (text < ring_head && ring[ring_pos(text)] == ']')
        text += 2; /* "] " */
    uint64_t end = text;
    while (end < ring_head && ring[ring_pos(end)] != '\n')
        end++;
    if (level >= min_level && to_console(level)) {
        for (uint64_t i = text; i < end; i++)
            console_putc(ring[ring_pos(i)]);
        console_putc('\n');
    }
    return end < ring_head ? end + 1 : end;
}

/* Replays the lines from `from` (any position: the first whole line after it). */
static void replay(uint64_t from, int min_level)
{
    if (from <= ring_tail) {
        from = ring_tail;
    } else {
        while (from < ring_head && ring[ring_pos(from - 1)] != '\n')
            from++;
    }
    for (uint64_t at = from; at < ring_head;)
        at = replay_line(at, min_level);
}

void klog_configure(void)
{
    char value[8];
    int level = KLOG_CONSOLE_DEFAULT;
    if (cmdline_has("quiet"))
        level = 4;
    if (cmdline_has("debug"))
        level = 10;
    if (cmdline_value("loglevel", value, sizeof(value)) && value[0] >= '0' && value[0] <= '9' && !value[1])
        level = value[0] - '0';
    irqflags_t flags = irq_save();
    console_level = level;
    configured = true;
    replay(ring_tail, 0);
    irq_restore(flags);
}

void klog_panic(void)
{
    irqflags_t flags = irq_save();
    bool shown = configured && console_on;
    int old_level = console_level;
    console_level = 10;
    console_on = true;
    configured = true;
    if (!shown)
        replay(ring_tail, 0); /* nothing reached the console yet: all of it now */
    else if (old_level <= 7)
        replay(ring_head > KLOG_PANIC_CONTEXT ? ring_head - KLOG_PANIC_CONTEXT : 0, old_level); /* what led here */
    if (line_len) {
        console_line(line, line_len); /* the line being built when it happened */
        line_len = 0;
        line_level = -1;
    }
    irq_restore(flags);
}

void klog_announce(const char *text)
{
    size_t n = strlen(text);
    irqflags_t flags = irq_save();
    bool shown = to_console(KLOG_DEFAULT_LEVEL);
    for (size_t i = 0; i < n; i++)
        put_locked(text[i]);
    put_locked('\n');
    if (!shown)
        console_line(text, (unsigned)(n < LINE_MAX_TEXT ? n : LINE_MAX_TEXT));
    irq_restore(flags);
}

void klog_user_message(const char *s, size_t n)
{
    int level = 4;
    size_t i = 0;
    if (n >= 3 && s[0] == '<') {
        unsigned v = 0;
        size_t j = 1;
        while (j < n && j < 8 && s[j] >= '0' && s[j] <= '9')
            v = v * 10 + (unsigned)(s[j++] - '0');
        if (j > 1 && j < n && s[j] == '>') {
            level = (int)(v & 7);
            i = j + 1;
        }
    }
    while (n > i && s[n - 1] == '\n')
        n--; /* the record's own newline */
    irqflags_t flags = irq_save();
    if (line_len)
        commit_line(); /* a kernel line being built stays whole */
    bool at_start = true;
    for (; i < n; i++) {
        if (at_start) {
            line_level = level;
            at_start = false;
        }
        put_locked(s[i]);
        at_start = s[i] == '\n';
    }
    if (!at_start)
        commit_line();
    irq_restore(flags);
}

/* --- syslog(2) -------------------------------------------------------------------- */

uint64_t klog_size(void)
{
    return KLOG_SIZE;
}

int klog_console_level_set(int level)
{
    if (level < 1 || level > 8)
        return -1;
    irqflags_t flags = irq_save();
    console_level = level;
    console_on = true;
    irq_restore(flags);
    return 0;
}

void klog_console_enable(bool on)
{
    irqflags_t flags = irq_save();
    console_on = on;
    irq_restore(flags);
}

/* Copies bytes [from, to) of the ring into dst (kernel memory). */
static void copy_out(char *dst, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++)
        *dst++ = ring[ring_pos(i)];
}

size_t klog_read_all(char *dst, size_t len, bool clear)
{
    irqflags_t flags = irq_save();
    uint64_t from = clear_pos > ring_tail ? clear_pos : ring_tail;
    /* The newest whole lines that fit. */
    while (ring_head - from > len) {
        while (from < ring_head && ring[ring_pos(from)] != '\n')
            from++;
        if (from < ring_head)
            from++;
    }
    size_t n = (size_t)(ring_head - from);
    copy_out(dst, from, ring_head);
    if (clear)
        clear_pos = ring_head;
    irq_restore(flags);
    return n;
}

void klog_clear(void)
{
    irqflags_t flags = irq_save();
    clear_pos = ring_head;
    irq_restore(flags);
}

size_t klog_read_unread(char *dst, size_t len)
{
    irqflags_t flags = irq_save();
    if (read_pos < ring_tail)
        read_pos = ring_tail;
    uint64_t end = read_pos + len < ring_head ? read_pos + len : ring_head;
    copy_out(dst, read_pos, end);
    size_t n = (size_t)(end - read_pos);
    read_pos = end;
    irq_restore(flags);
    return n;
}

uint64_t klog_unread(void)
{
    irqflags_t flags = irq_save();
    uint64_t n = ring_head - (read_pos > ring_tail ? read_pos : ring_tail);
    irq_restore(flags);
    return n;
}
