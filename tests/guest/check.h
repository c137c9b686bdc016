/*
 * The output convention of the in-guest test programs, which the QEMU
 * scenarios parse: one line per case, "ok   <what>" or "FAIL <what>", then
 * "N passed, N failed"; the exit status is 0 only if nothing failed.
 */
#ifndef KENIX_GUEST_CHECK_H
#define KENIX_GUEST_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int checks_passed, checks_failed;
/* Set by a program run as another test's helper: count, print nothing. */
static bool checks_quiet;

/* Whole lines, written as they are finished: the console is not a terminal,
 * so stdout would otherwise be flushed in 1 KiB pieces, splitting lines
 * around the kernel's own messages (a child's exit, a fault report). */
__attribute__((constructor)) static void check_line_buffered(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/* One case described with a printf format (figures in the line). Returns ok. */
static inline __attribute__((format(printf, 2, 3))) bool checkf(bool ok, const char *fmt, ...)
{
    if (!checks_quiet) {
        va_list ap;
        va_start(ap, fmt);
        printf("%s ", ok ? "ok  " : "FAIL");
        vprintf(fmt, ap);
        printf("\n");
        va_end(ap);
    }
    if (ok)
        checks_passed++;
    else
        checks_failed++;
    return ok;
}

/* One case: `what` is printed as is. Returns ok. */
static inline bool check(bool ok, const char *what)
{
    return checkf(ok, "%s", what);
}

/* Prints the summary line; returns the exit status. */
static inline int check_summary(void)
{
    if (!checks_quiet)
        printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed ? 1 : 0;
}

#endif
