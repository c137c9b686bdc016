/*
 * The kernel console: kprintf's sink and, until the console server exists,
 * the output of user programs' stdout and stderr. Translates "\n" for serial
 * terminals, and starts a kernel message on a fresh line when a program left
 * its last line unfinished, so kernel reports never run into program output.
 */
#include "kenix/console.h"
#include "kenix/printk.h"

#include <stdbool.h>

#include "../dev/pl011.h"

static bool mid_line;       /* the last character written was not a newline */
static bool last_from_user; /* and it came from a program */

static void put(char c)
{
    if (c == '\n')
        pl011_putc('\r');
    pl011_putc(c);
    mid_line = c != '\n';
}

void console_putc(char c)
{
    if (last_from_user) {
        last_from_user = false;
        if (mid_line)
            put('\n');
    }
    put(c);
}

void console_write_user(const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(buf[i]);
    if (n)
        last_from_user = true;
}
