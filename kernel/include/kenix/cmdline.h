/*
 * The kernel command line (/chosen/bootargs): space-separated words, each
 * "name" or "name=value". Options the kernel understands:
 *   kenix.nonce=HEX     echoed in the boot success marker (test harness)
 *   kenix.test=NAME     run a boot self-test: ticks, fault
 *   kenix.init=PATH     process 1, loaded from the initrd (default /init)
 *   kenix.poweroff      power off after booting (after init exits, if there is one)
 *   kenix.panic=halt    stay halted after a panic instead of powering off
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

#endif
