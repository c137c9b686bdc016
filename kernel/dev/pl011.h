/* ARM PL011 UART: the kernel's console until the user-space console server exists. */
#ifndef KENIX_DEV_PL011_H
#define KENIX_DEV_PL011_H

#include <stdint.h>

/* Points the driver at the UART registers (a physical address before the
 * MMU is on, a mapped one after). Enables the transmitter if it is off. */
void pl011_init(uintptr_t base);
void pl011_putc(char c);
uintptr_t pl011_base(void);

#endif
