/*
 * The console server's line discipline: Linux's n_tty (drivers/tty/n_tty.c)
 * as pure code. It turns the bytes a terminal sends into what read() returns
 * (input mapping, canonical line editing, signal characters, flow control),
 * echoes typed characters back to the terminal as they arrive, and applies
 * output post-processing (OPOST) to what programs write.
 *
 * Pure: no I/O, no system calls, no allocation, no global state. Everything a
 * terminal needs is inside struct ldisc, which the caller (the console
 * server, one per terminal) owns and allocates; the line discipline only
 * calls back through struct ldisc_ops to hand over echo bytes and to ask for
 * signals. Single-threaded and not re-entrant: a callback must not call back
 * into the same struct ldisc.
 *
 * What stays with the caller:
 *  - Blocking and waking readers. ldisc_can_read() says whether a read may
 *    complete now; the caller re-checks it after each ldisc_input() and
 *    ldisc_set_termios().
 *  - Timers (VTIME). In raw mode (ICANON off) with c_cc[VTIME] = T > 0:
 *      VMIN > 0: an inter-byte timer of T tenths of a second, started when
 *        a read has at least one byte (ldisc_avail_raw() > 0) and restarted
 *        when more arrive; when it fires the read takes what is there.
 *      VMIN = 0: a read timer of T tenths of a second, started when the read
 *        starts; the read completes when a byte arrives (ldisc_can_read())
 *        or when the timer fires, with what is there (possibly 0 bytes).
 *    ldisc_can_read() reports only the condition that needs no timer.
 *  - Holding output. Echo goes to ops->output at once, whatever the flow
 *    state; while ldisc_output_stopped() the caller holds every byte for the
 *    terminal (echo and program output alike) and sends them when it
 *    restarts (ops->flow tells it when, or it polls after ldisc_input()).
 *  - O_NONBLOCK (EAGAIN when !ldisc_can_read()), the foreground process
 *    group (ops->signal names only the signal), SIGTTIN/SIGTTOU, the window
 *    size, c_cflag (kept, never acted on here).
 *
 * Not implemented: PARMRK, INPCK, IGNPAR, BRKINT and IGNBRK (the caller
 * passes plain bytes, no break or parity events), IXOFF (input flow control
 * towards the terminal), VDISCARD and FLUSHO (Linux ignores them too),
 * PENDIN, XCASE, EXTPROC, the NL/CR/BS/VT/FF delays (Linux ignores those).
 */
#ifndef KENIX_CONSOLE_LDISC_H
#define KENIX_CONSOLE_LDISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kenix/tty.h>

/* Signal numbers (Linux's, which Kenix uses) that ops->signal receives. */
#define LDISC_SIGINT 2
#define LDISC_SIGQUIT 3
#define LDISC_SIGTSTP 20

/* Input buffer size: Linux's N_TTY_BUF_SIZE. A power of two (ring index mask). */
#define LDISC_BUF 4096

/* Echo bytes gathered before one ops->output call. */
#define LDISC_ECHO_BUF 128

struct ldisc_ops {
    /* Bytes for the terminal (echo, beeps), already OPOST-processed. */
    void (*output)(void *ctx, const char *buf, size_t n);
    /* ISIG: send sig (LDISC_SIGINT, LDISC_SIGQUIT, LDISC_SIGTSTP) to the
     * terminal's foreground process group. */
    void (*signal)(void *ctx, int sig);
    /* Optional (may be NULL). A signal character without NOFLSH also
     * discards output queued for the terminal and not yet sent, as Linux's
     * tty_driver_flush_buffer does; called after ops->signal and before the
     * signal character's echo. */
    void (*flush_output)(void *ctx);
    /* Optional (may be NULL). Output was stopped (^S, tcflow TCOOFF) or
     * restarted (^Q, IXANY, a signal character, TCOON, IXON turned off). */
    void (*flow)(void *ctx, bool stopped);
};

/* What each input buffer slot holds (canonical mode; all DATA when raw). */
enum ldisc_slot {
    LDISC_SLOT_DATA,  /* a byte of a line */
    LDISC_SLOT_END,   /* a byte that ends its line: \n, VEOL, VEOL2, or the last byte
                         buffered when ICANON was turned on; read returns it */
    LDISC_SLOT_EOF,   /* VEOF: ends its line, read does not return it */
};

struct ldisc {
    const struct ldisc_ops *ops;
    void *ctx;
    struct kx_termios termios;

    /*
     * The input ring. Indices run freely (they never wrap in practice: 2^64
     * bytes) and are masked on access: tail <= canon <= head, head - tail <=
     * LDISC_BUF. [tail, canon) is what a reader may take; in canonical mode
     * [canon, head) is the line being edited, in raw mode canon == head.
     */
    size_t tail, canon, head;
    uint8_t buf[LDISC_BUF];
    uint8_t slot[LDISC_BUF]; /* enum ldisc_slot per byte of buf */

    /* Output column of the terminal's cursor as far as OPOST processing saw
     * it (program output and echo), and the column where the line being
     * edited started (tab erase counts from it, as Linux). */
    unsigned int column, canon_column;

    bool lnext;       /* VLNEXT seen: the next byte is literal */
    bool erasing;     /* ECHOPRT: inside a "\...": a '/' closes it */
    bool stopped;     /* output stopped: ^S or tcflow */
    bool tco_stopped; /* tcflow(TCOOFF): only TCOON restarts */

    size_t echo_len;  /* echo bytes gathered, not yet passed to ops->output */
    char echo[LDISC_ECHO_BUF];
};

/* Linux's tty_std_termios: iflag ICRNL|IXON, oflag OPOST|ONLCR, cflag
 * B38400|CS8|CREAD|HUPCL, lflag ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|
 * IEXTEN, c_cc INIT_C_CC; empty buffer, column 0, output running. */
void ldisc_init(struct ldisc *l, const struct ldisc_ops *ops, void *ctx);

void ldisc_get_termios(const struct ldisc *l, struct kx_termios *t);

/*
 * TCSETS. As Linux's n_tty_set_termios on an ICANON change:
 *  - off: everything buffered, the partly typed line included, becomes raw
 *    bytes a read may take (a pending VEOF becomes the byte that was typed;
 *    Linux delivers a NUL there);
 *  - on: everything buffered becomes one completed "line" ending at its last
 *    byte, readable at once (no newline is added, erase cannot reach into
 *    it); what is typed next starts a new line.
 * Turning IXON off while output is stopped by ^S restarts it.
 */
void ldisc_set_termios(struct ldisc *l, const struct kx_termios *t);

/*
 * Bytes from the terminal: mapped, edited and echoed now (echo reaches
 * ops->output before this returns). Returns how many bytes were taken, which
 * is fewer than n only when the buffer is full and a reader can make room
 * (complete lines or raw bytes are waiting): the caller keeps the rest and
 * offers it again after a read. A canonical line that alone fills the
 * buffer cannot wait for a reader: further characters are dropped (a beep
 * with IMAXBEL), but a newline, VEOL or VEOF always fits.
 */
size_t ldisc_input(struct ldisc *l, const char *buf, size_t n);

/* FIONREAD: bytes a reader could take now. Canonical: completed lines
 * (with their \n/VEOL, without VEOF markers); raw: everything buffered. */
size_t ldisc_readable(const struct ldisc *l);

/*
 * Whether a read of up to cap bytes completes now without a timer.
 * Canonical: a completed line or a pending end of file. Raw: VMIN > 0:
 * buffered >= min(VMIN, cap); VMIN = 0: VTIME = 0 always, VTIME > 0 when
 * a byte is buffered (else the caller's read timer decides).
 */
bool ldisc_can_read(const struct ldisc *l, size_t cap);

/* Bytes buffered, the line being edited included (raw mode: all readable). */
size_t ldisc_avail_raw(const struct ldisc *l);

/*
 * Takes up to cap bytes. Canonical: at most one line, with its \n or VEOL;
 * a line ended by VEOF returns its bytes without the VEOF; an empty line
 * ended by VEOF returns 0 (end of file) and is consumed. Without a complete
 * line (check ldisc_can_read first) it returns 0 too. A line longer than cap
 * is returned over several reads. Raw: up to cap of what is buffered.
 */
size_t ldisc_read(struct ldisc *l, char *buf, size_t cap);

/* TCFLSH TCIFLUSH: discard everything buffered, the line being edited too. */
void ldisc_flush_input(struct ldisc *l);

/*
 * Program output through OPOST (when set): ONLCR (\n -> \r\n), OCRNL
 * (\r -> \n), ONOCR (no \r in column 0), ONLRET (\n also returns the
 * column to 0), OLCUC (ASCII a-z -> A-Z), XTABS (TABDLY = XTABS: a tab
 * becomes spaces to the next multiple of 8). Writes at most outcap bytes to
 * out and returns how many; *consumed (required) is how many input bytes
 * were used, which ONOCR can make larger than the return value. A byte whose
 * expansion (\r\n, a tab's spaces) does not fit whole is left for the next
 * call. Tracks the column that echo's tab erase relies on.
 */
size_t ldisc_output(struct ldisc *l, const char *in, size_t n, char *out, size_t outcap,
                    size_t *consumed);

/* IXON: output stopped by VSTOP (^S) until VSTART (^Q), or with IXANY any
 * byte; or stopped by tcflow(TCOOFF) until TCOON. */
bool ldisc_output_stopped(const struct ldisc *l);

/*
 * TCXONC (tcflow): KX_TCOOFF / KX_TCOON stop and restart output (a ^Q does
 * not undo TCOOFF); KX_TCIOFF / KX_TCION send VSTOP / VSTART (when not
 * disabled) to the terminal through ops->output, which Linux sends ahead of
 * queued output and even while output is stopped. Returns false for any
 * other action (the caller's EINVAL).
 */
bool ldisc_tcflow(struct ldisc *l, int action);

#endif
