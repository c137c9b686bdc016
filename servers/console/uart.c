/* PL011 (ARM DDI 0183): registers and the bits the console uses. */
#include "uart.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_LCRH 0x2c
#define UART_CR 0x30
#define UART_IFLS 0x34
#define UART_IMSC 0x38
#define UART_ICR 0x44

#define DR_ERRORS 0xf00u  /* overrun, break, parity, framing */
#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_TXFE (1u << 7)
#define LCRH_FEN (1u << 4)
#define LCRH_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)
#define INT_ALL 0x7ffu

static inline uint32_t rd(const struct uart *u, unsigned off)
{
    return u->regs[off / 4];
}

static inline void wr(struct uart *u, unsigned off, uint32_t v)
{
    u->regs[off / 4] = v;
}

void uart_init(struct uart *u, volatile void *regs)
{
    u->regs = regs;
    wr(u, UART_IMSC, 0);
    wr(u, UART_ICR, INT_ALL);
    /* Keep the transmitter running throughout: the kernel may be writing.
     * The baud rate stays as firmware set it. Receive interrupt at 1/8
     * full, and the receive timeout for the bytes below that. */
    wr(u, UART_LCRH, LCRH_WLEN8 | LCRH_FEN);
    wr(u, UART_IFLS, 0);
    wr(u, UART_CR, CR_UARTEN | CR_TXE | CR_RXE);
    u->imsc = INT_RX | INT_RT;
    wr(u, UART_IMSC, u->imsc);
}

size_t uart_rx(struct uart *u, char *buf, size_t cap)
{
    size_t n = 0;
    wr(u, UART_ICR, INT_RX | INT_RT);
    while (n < cap && !(rd(u, UART_FR) & FR_RXFE)) {
        uint32_t d = rd(u, UART_DR);
        if (d & DR_ERRORS) {
            u->rx_errors++;
            continue;
        }
        buf[n++] = (char)(d & 0xff);
    }
    u->rx_bytes += n;
    return n;
}

size_t uart_tx(struct uart *u, const char *buf, size_t n)
{
    size_t done = 0;
    while (done < n && !(rd(u, UART_FR) & FR_TXFF))
        wr(u, UART_DR, (uint8_t)buf[done++]);
    u->tx_bytes += done;
    return done;
}

static void set_mask(struct uart *u, uint32_t bits, bool on)
{
    uint32_t imsc = on ? u->imsc | bits : u->imsc & ~bits;
    if (imsc != u->imsc) {
        u->imsc = imsc;
        wr(u, UART_IMSC, imsc);
    }
}

void uart_rx_irq(struct uart *u, bool on)
{
    set_mask(u, INT_RX | INT_RT, on);
}

void uart_tx_irq(struct uart *u, bool on)
{
    if (on)
        wr(u, UART_ICR, INT_TX);
    set_mask(u, INT_TX, on);
}

bool uart_tx_idle(const struct uart *u)
{
    uint32_t fr = rd(u, UART_FR);
    return (fr & FR_TXFE) && !(fr & FR_BUSY);
}
