/*
 * Polled PL011 output. Interrupt-driven input belongs to the console server;
 * the kernel only ever writes, and must be able to write from any context
 * (panic, exception entry), so it polls the transmit FIFO.
 */
#include "pl011.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_CR 0x30
#define FR_TXFF (1u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)

static volatile uint32_t *uart;

static inline volatile uint32_t *reg(unsigned off)
{
    return (volatile uint32_t *)((uintptr_t)uart + off);
}

void pl011_init(uintptr_t base)
{
    uart = (volatile uint32_t *)base;
    uint32_t cr = *reg(UART_CR);
    if ((cr & (CR_UARTEN | CR_TXE)) != (CR_UARTEN | CR_TXE))
        *reg(UART_CR) = cr | CR_UARTEN | CR_TXE;
}

void pl011_putc(char c)
{
    if (!uart)
        return;
    while (*reg(UART_FR) & FR_TXFF)
        ;
    *reg(UART_DR) = (uint8_t)c;
}

uintptr_t pl011_base(void)
{
    return (uintptr_t)uart;
}
