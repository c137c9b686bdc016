/*
 * The report of a user program killed by a fault or a core-dumping signal
 * (crash_report.c): the signal, the fault address, the registers, and a
 * backtrace of the user stack named by the program's symbols.
 */
#ifndef KENIX_POSIX_CRASH_REPORT_H
#define KENIX_POSIX_CRASH_REPORT_H

#include <stdbool.h>

struct trap_frame;

/* Logs the report for the current process about to die of sig, with its
 * user registers f; fault: f's FAR and ESR describe the fault. */
void crash_report(const struct trap_frame *f, int sig, bool fault);

#endif
