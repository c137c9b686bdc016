/* The kernel console: kprintf's sink. Translates "\n" for serial terminals. */
#include "kenix/printk.h"

#include "../dev/pl011.h"

void console_putc(char c)
{
    if (c == '\n')
        pl011_putc('\r');
    pl011_putc(c);
}
