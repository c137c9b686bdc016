/*
 * The ARM PL011 UART as the console server drives it: interrupt-driven
 * receive and transmit through the registers init handed over. The kernel
 * keeps writing its own log lines to the same transmit register, polled
 * (kernel/dev/pl011.c); it never reads, so every received byte is ours.
 */
#ifndef CONSOLE_UART_H
#define CONSOLE_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uart {
    volatile uint32_t *regs;
    uint32_t imsc;          /* the interrupt mask we last wrote */
    uint64_t rx_bytes, tx_bytes, rx_errors;
};

/* Takes the UART over: 8N1 with FIFOs, receiver and transmitter on, the
 * receive interrupts unmasked, the transmit one masked until needed. */
void uart_init(struct uart *u, volatile void *regs);
/* Reads what the receive FIFO holds, at most cap bytes; clears the receive
 * interrupts. Bytes received with a framing, parity or break error are
 * counted and dropped. */
size_t uart_rx(struct uart *u, char *buf, size_t cap);
/* Writes bytes while the transmit FIFO has room; returns how many went. */
size_t uart_tx(struct uart *u, const char *buf, size_t n);
/* Takes receive interrupts, or leaves bytes in the FIFO for later. */
void uart_rx_irq(struct uart *u, bool on);
/* Asks for an interrupt when the transmit FIFO drains (more to send), or not. */
void uart_tx_irq(struct uart *u, bool on);
/* Whether the transmitter is idle: FIFO empty and the last byte gone. */
bool uart_tx_idle(const struct uart *u);

#endif
