/* The kernel console (see core/console.c). kprintf writes through console_putc. */
#ifndef KENIX_CONSOLE_H
#define KENIX_CONSOLE_H

#include <stddef.h>

/* Output of user programs: the klog device (fds 0-2 of programs without a terminal). */
void console_write_user(const char *buf, size_t n);

#endif
