/*
 * The kernel command line (/chosen/bootargs): space-separated words, each
 * "name" or "name=value". Options the kernel understands:
 *   kenix.nonce=HEX     echoed in the boot success marker (test harness)
 *   kenix.test=NAME     run a boot self-test: ticks, fault
 *   kenix.init=PATH     process 1, loaded from the initrd (default /init)
 *   kenix.poweroff      power off after booting (after init exits, if there is one)
 *   kenix.panic=halt    stay halted after a panic instead of powering off
 *   loglevel=N          kernel log lines below level N reach the console
 *                       (default 5: warnings and worse; tests boot with 8)
 *   quiet, debug        loglevel 4 and 10, as on Linux
 * Words after a lone "--" are not options: they are init's arguments
 * (argv[1] onwards), as on Linux.
 */
#ifndef KENIX_CMDLINE_H
#define KENIX_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

void cmdline_init(const char *bootargs);
const char *cmdline_get(void);
bool cmdline_has(const char *name);
/* Copies the value of name=value into buf; false if absent or too long. */
bool cmdline_value(const char *name, char *buf, size_t size);
bool cmdline_has_value(const char *name, const char *value);
/* Splits the words after "--" into buf (NUL-separated) and argv[0..max-1];
 * returns how many there are (at most max). */
unsigned cmdline_init_args(char *buf, size_t size, const char *argv[], unsigned max);

#endif
