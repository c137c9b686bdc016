/*
 * One terminal line: the line discipline (ldisc.c) between the UART and the
 * IO protocol calls the kernel makes for programs (<kenix/io.h>), with the
 * calls that must wait -- reads without input, writes without room, drains --
 * saved and answered later (docs/ipc-protocols.md, "Terminals").
 *
 * Ownership: the console server owns its one line and everything in it. A
 * saved call (struct pending) is on exactly one list until it is answered;
 * answering frees it. Single-threaded: the SIGALRM handler only signals a
 * notification and touches nothing here.
 */
#ifndef CONSOLE_LINE_H
#define CONSOLE_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include <kenix/kx.h>
#include <kenix/tty.h>

#include "ldisc.h"
#include "uart.h"

#define LINE_TX_SIZE 8192 /* output waiting for the UART (bytes after OPOST) */

struct pending;

struct pending_list {
    struct pending *first, *last;
};

struct line {
    struct ldisc ld;
    struct uart uart;
    kx_handle_t term;      /* the kernel's terminal object (kx_term_signal) */
    kx_handle_t event;     /* readiness for ppoll (KX_EVENT_*) */
    uint32_t event_bits;   /* what we last told the event */
    struct kx_winsize ws;
    char tx[LINE_TX_SIZE]; /* ring: tx_len bytes from tx_head */
    size_t tx_head, tx_len;
    uint64_t tx_dropped;   /* echo bytes lost to a full ring */
    struct pending_list readers, writers, drains;
    uint64_t timer_deadline; /* ms (CLOCK_MONOTONIC) of the armed VTIME timer, 0 none */
};

/* Brings the line up on the UART at regs, with the kernel's terminal and event. */
void line_init(struct line *l, volatile void *regs, kx_handle_t term, kx_handle_t event);

/* An IO protocol call (msg, bulk in x->recv): answers it in msg/x and returns
 * KX_SERVE_REPLY, or saves it and returns KX_SERVE_DEFER. */
int line_request(struct line *l, struct kx_msg *msg, struct kx_xfer *x);
/* The UART interrupted: take input, send output, answer what can be answered. */
void line_interrupt(struct line *l);
/* A saved call was cancelled (a signal in its caller): answer it now. */
void line_cancelled(struct line *l, kx_handle_t reply);
/* The VTIME timer may have expired. */
void line_timer(struct line *l);

/* Milliseconds since boot (CLOCK_MONOTONIC). */
uint64_t line_now_ms(void);
/* Arms the process's one timer for deadline (ms), or disarms it (0): main.c. */
void line_arm_timer(uint64_t deadline_ms);

#endif
