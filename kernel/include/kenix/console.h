/* The kernel console (see core/console.c). kprintf writes through console_putc. */
#ifndef KENIX_CONSOLE_H
#define KENIX_CONSOLE_H

#include <stddef.h>

/* Output of user programs (fds 1 and 2 until the console server exists). */
void console_write_user(const char *buf, size_t n);

#endif
