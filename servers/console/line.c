/*
 * The terminal line (line.h): requests, saved calls, the transmit ring.
 *
 * Reads are served in arrival order: only the oldest waiting read takes
 * input, so two readers never split a line. A read that cannot complete is
 * saved and answered when input (or its VTIME timer) completes it; writes
 * are taken into the transmit ring after OPOST processing, and a write that
 * does not fit waits, in order, until the UART drains the ring. Echo never
 * waits: it goes into the ring at once (dropped, and counted, only when the
 * ring is full). A pending read therefore never holds up output, echo or
 * other requests.
 */
#define _POSIX_C_SOURCE 200809L
#include "line.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <kenix/io.h>

enum pending_kind { P_READ, P_WRITE, P_DRAIN };

struct pending {
    struct pending *next;
    kx_handle_t reply;
    enum pending_kind kind;
    uint64_t want;          /* read: room; write: bytes to take */
    uint64_t done;          /* write: bytes taken so far */
    uint64_t deadline;      /* read: VTIME expiry (ms), 0 none */
    unsigned cmd;           /* drain: TCSETSW, TCSETSF or TCSBRK */
    struct kx_termios termios;
};

#define RX_CHUNK 256
#define WRITE_CHUNK 1024

static char rx_hold[RX_CHUNK];   /* input the ldisc could not take yet */
static size_t rx_hold_len, rx_hold_off;

/* --- saved calls ------------------------------------------------------------ */

static void list_add(struct pending_list *q, struct pending *p)
{
    p->next = 0;
    if (q->last)
        q->last->next = p;
    else
        q->first = p;
    q->last = p;
}

static void list_remove(struct pending_list *q, struct pending *p)
{
    struct pending **link = &q->first, *prev = 0;
    while (*link && *link != p) {
        prev = *link;
        link = &(*link)->next;
    }
    if (!*link)
        return;
    *link = p->next;
    if (q->last == p)
        q->last = prev;
}

/* Answers a saved call with w0 (and bulk into the caller's receive buffer) and frees it. */
static void answer(struct pending_list *q, struct pending *p, long w0, const void *bulk, size_t n)
{
    if (n && kx_msg_write(p->reply, 0, bulk, n) < 0)
        w0 = -EFAULT;
    struct kx_msg m = { .label = 0, .w = { (uint64_t)w0 } };
    if (kx_reply(p->reply, &m, 0) < 0)
        kx_handle_close(p->reply); /* nobody to answer: let the handle go */
    list_remove(q, p);
    free(p);
}

/* Saves the call received last; NULL (and the caller answers -ENOMEM) if it cannot. */
static struct pending *save(struct pending_list *q, enum pending_kind kind)
{
    struct pending *p = calloc(1, sizeof(*p));
    if (!p)
        return 0;
    long r = kx_reply_save();
    if (r < 0) {
        free(p);
        return 0;
    }
    p->reply = (kx_handle_t)r;
    p->kind = kind;
    list_add(q, p);
    return p;
}

/* --- output ----------------------------------------------------------------- */

static size_t tx_room(const struct line *l)
{
    return LINE_TX_SIZE - l->tx_len;
}

static void tx_put(struct line *l, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        l->tx[(l->tx_head + l->tx_len + i) % LINE_TX_SIZE] = buf[i];
    l->tx_len += n;
}

/* Sends what the UART takes now, unless output is stopped (^S, tcflow). */
static void tx_push(struct line *l)
{
    while (l->tx_len && !ldisc_output_stopped(&l->ld)) {
        size_t run = LINE_TX_SIZE - l->tx_head;
        if (run > l->tx_len)
            run = l->tx_len;
        size_t sent = uart_tx(&l->uart, l->tx + l->tx_head, run);
        l->tx_head = (l->tx_head + sent) % LINE_TX_SIZE;
        l->tx_len -= sent;
        if (sent < run)
            break;
    }
    uart_tx_irq(&l->uart, l->tx_len && !ldisc_output_stopped(&l->ld));
}

/* ldisc callbacks. */
static void echo_output(void *ctx, const char *buf, size_t n)
{
    struct line *l = ctx;
    size_t room = tx_room(l);
    if (n > room) {
        l->tx_dropped += n - room;
        n = room;
    }
    tx_put(l, buf, n);
}

static void send_signal(void *ctx, int sig)
{
    struct line *l = ctx;
    kx_term_signal(l->term, sig, KX_TERM_FOREGROUND);
}

static void flush_output(void *ctx)
{
    struct line *l = ctx;
    l->tx_len = 0;
}

static void flow(void *ctx, bool stopped)
{
    (void)ctx;
    (void)stopped; /* line_service pushes or holds output after every event */
}

static const struct ldisc_ops line_ops = {
    .output = echo_output,
    .signal = send_signal,
    .flush_output = flush_output,
    .flow = flow,
};

/* Takes as much of in[0..n) as the ring has room for after OPOST; returns the input bytes used. */
static size_t take_output(struct line *l, const char *in, size_t n)
{
    size_t used = 0;
    char out[WRITE_CHUNK];
    while (used < n && tx_room(l)) {
        size_t room = tx_room(l) < sizeof(out) ? tx_room(l) : sizeof(out);
        size_t consumed = 0;
        size_t made = ldisc_output(&l->ld, in + used, n - used, out, room, &consumed);
        tx_put(l, out, made);
        used += consumed;
        if (!consumed)
            break; /* a \r\n or a tab's spaces need more room than is left */
    }
    return used;
}

/* --- reads -------------------------------------------------------------------- */

uint64_t line_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether the read p may complete now (VMIN/VTIME as ldisc.h describes);
 * arms its timer when VTIME needs one. */
static bool read_ready(struct line *l, struct pending *p, uint64_t now)
{
    if (ldisc_can_read(&l->ld, p->want))
        return true;
    struct kx_termios t;
    ldisc_get_termios(&l->ld, &t);
    uint8_t vtime = t.c_cc[KX_VTIME], vmin = t.c_cc[KX_VMIN];
    if ((t.c_lflag & KX_ICANON) || !vtime)
        return false;
    if (vmin && !ldisc_avail_raw(&l->ld))
        return false; /* the inter-byte timer starts with the first byte */
    if (!p->deadline)
        p->deadline = now + 100u * vtime;
    return p->deadline <= now;
}

static void serve_readers(struct line *l)
{
    uint64_t now = line_now_ms();
    struct pending *p;
    while ((p = l->readers.first) && read_ready(l, p, now)) {
        static char buf[LDISC_BUF];
        size_t n = ldisc_read(&l->ld, buf, p->want < sizeof(buf) ? p->want : sizeof(buf));
        answer(&l->readers, p, (long)n, buf, n);
    }
    /* One timer: the oldest read's, the only one that can be waiting on it. */
    uint64_t deadline = l->readers.first ? l->readers.first->deadline : 0;
    if (deadline != l->timer_deadline) {
        l->timer_deadline = deadline;
        line_arm_timer(deadline);
    }
}

/* Feeds held and newly received input to the ldisc while it takes it. */
static void take_input(struct line *l)
{
    for (;;) {
        if (rx_hold_off == rx_hold_len) {
            rx_hold_off = rx_hold_len = 0;
            rx_hold_len = uart_rx(&l->uart, rx_hold, sizeof(rx_hold));
            if (!rx_hold_len)
                break;
        }
        size_t took = ldisc_input(&l->ld, rx_hold + rx_hold_off, rx_hold_len - rx_hold_off);
        rx_hold_off += took;
        if (took && l->readers.first && l->readers.first->deadline) {
            /* VMIN > 0, VTIME > 0: the inter-byte timer restarts with each byte. */
            struct kx_termios t;
            ldisc_get_termios(&l->ld, &t);
            if (t.c_cc[KX_VMIN] && !(t.c_lflag & KX_ICANON))
                l->readers.first->deadline = line_now_ms() + 100u * t.c_cc[KX_VTIME];
        }
        if (rx_hold_off < rx_hold_len)
            break; /* full: a read must make room first */
    }
    /* While input waits in rx_hold, the UART keeps the rest (and the host
     * holds back more): its receive interrupt is off until we take again. */
    uart_rx_irq(&l->uart, rx_hold_off == rx_hold_len);
}

/* --- writes and drains -------------------------------------------------------- */

static void serve_writers(struct line *l)
{
    struct pending *p;
    while ((p = l->writers.first)) {
        while (p->done < p->want && tx_room(l)) {
            char in[WRITE_CHUNK];
            uint64_t n = p->want - p->done < sizeof(in) ? p->want - p->done : sizeof(in);
            long got = kx_msg_read(p->reply, p->done, in, n);
            if (got <= 0) {
                answer(&l->writers, p, p->done ? (long)p->done : got < 0 ? got : -EFAULT, 0, 0);
                p = 0;
                break;
            }
            p->done += take_output(l, in, (size_t)got);
            tx_push(l);
        }
        if (!p)
            continue;
        if (p->done < p->want)
            return; /* waits for the UART to drain */
        answer(&l->writers, p, (long)p->done, 0, 0);
    }
}

static void serve_drains(struct line *l)
{
    if (l->tx_len || l->writers.first || !uart_tx_idle(&l->uart))
        return;
    struct pending *p;
    while ((p = l->drains.first)) {
        if (p->cmd == TCSETSF)
            ldisc_flush_input(&l->ld);
        if (p->cmd != TCSBRK)
            ldisc_set_termios(&l->ld, &p->termios);
        answer(&l->drains, p, 0, 0, 0);
    }
}

static void update_event(struct line *l)
{
    struct kx_termios t;
    ldisc_get_termios(&l->ld, &t);
    bool in = (t.c_lflag & KX_ICANON) ? ldisc_can_read(&l->ld, 1) : ldisc_avail_raw(&l->ld) > 0;
    uint32_t bits = (in ? KX_EVENT_IN : 0) | (l->tx_len < 256 ? KX_EVENT_OUT : 0);
    if (bits != l->event_bits) {
        l->event_bits = bits;
        kx_event_update(l->event, KX_EVENT_ALL, bits);
    }
}

/* After anything happened: move output, answer what can be answered. */
static void service(struct line *l)
{
    tx_push(l);
    serve_writers(l);
    serve_readers(l);
    if (rx_hold_off < rx_hold_len)
        take_input(l); /* reads made room */
    serve_readers(l);
    tx_push(l);
    serve_drains(l);
    update_event(l);
}

/* --- requests ---------------------------------------------------------------- */

static int reply_now(struct kx_msg *msg, long w0)
{
    msg->label = 0;
    msg->w[0] = (uint64_t)w0;
    return KX_SERVE_REPLY;
}

static int do_read(struct line *l, struct kx_msg *msg, struct kx_xfer *x)
{
    static char buf[LDISC_BUF];
    struct pending now = { .want = msg->w[2] };
    bool nonblock = msg->w[3] & IO_F_NONBLOCK;
    if (!now.want)
        return reply_now(msg, 0);
    /* Never ahead of a waiting reader. Without one: input now, answered at
     * once; O_NONBLOCK also takes what raw mode has below VMIN (Linux), or
     * fails with EAGAIN. */
    bool ready = !l->readers.first && read_ready(l, &now, line_now_ms());
    if (!ready && nonblock && !l->readers.first) {
        struct kx_termios t;
        ldisc_get_termios(&l->ld, &t);
        ready = !(t.c_lflag & KX_ICANON) && ldisc_avail_raw(&l->ld);
    }
    if (ready) {
        size_t n = ldisc_read(&l->ld, buf, now.want < sizeof(buf) ? now.want : sizeof(buf));
        x->send = buf;
        x->send_len = n;
        service(l); /* input held back may fit now */
        return reply_now(msg, (long)n);
    }
    if (nonblock)
        return reply_now(msg, -EAGAIN);
    struct pending *p = save(&l->readers, P_READ);
    if (!p)
        return reply_now(msg, -ENOMEM);
    p->want = now.want;
    p->deadline = now.deadline; /* VMIN = 0: the read timer started with the read */
    service(l);
    return KX_SERVE_DEFER;
}

static int do_write(struct line *l, struct kx_msg *msg, struct kx_xfer *x)
{
    uint64_t want = msg->w[2];
    bool nonblock = msg->w[3] & IO_F_NONBLOCK;
    uint64_t done = 0;
    if (!l->writers.first && !ldisc_output_stopped(&l->ld)) {
        /* The common case: the bytes came with the call and fit. */
        uint64_t have = x->recv_len < want ? x->recv_len : want;
        done = take_output(l, x->recv, (size_t)have);
        tx_push(l);
        if (done == want) {
            update_event(l);
            return reply_now(msg, (long)done);
        }
    }
    if (nonblock) {
        update_event(l);
        return reply_now(msg, done ? (long)done : -EAGAIN);
    }
    struct pending *p = save(&l->writers, P_WRITE);
    if (!p)
        return reply_now(msg, done ? (long)done : -ENOMEM);
    p->want = want;
    p->done = done;
    service(l);
    return KX_SERVE_DEFER;
}

static int out_bulk(struct kx_msg *msg, struct kx_xfer *x, const void *data, size_t n)
{
    static uint8_t out[sizeof(struct kx_termios)];
    memcpy(out, data, n);
    x->send = out;
    x->send_len = n;
    return reply_now(msg, 0);
}

static int do_ioctl(struct line *l, struct kx_msg *msg, struct kx_xfer *x)
{
    unsigned cmd = (unsigned)msg->w[1];
    uint64_t arg = msg->w[2];
    switch (cmd) {
    case TCGETS: {
        struct kx_termios t;
        ldisc_get_termios(&l->ld, &t);
        return out_bulk(msg, x, &t, sizeof(t));
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
        struct kx_termios t;
        if (x->recv_len != sizeof(t))
            return reply_now(msg, -EINVAL);
        memcpy(&t, x->recv, sizeof(t));
        if (cmd == TCSETS) {
            ldisc_set_termios(&l->ld, &t);
            service(l);
            return reply_now(msg, 0);
        }
        struct pending *p = save(&l->drains, P_DRAIN);
        if (!p)
            return reply_now(msg, -ENOMEM);
        p->cmd = cmd;
        p->termios = t;
        service(l);
        return KX_SERVE_DEFER;
    }
    case TCSBRK: {
        /* tcdrain (arg != 0) or tcsendbreak (0: the break itself is not sent). */
        struct pending *p = save(&l->drains, P_DRAIN);
        if (!p)
            return reply_now(msg, -ENOMEM);
        p->cmd = TCSBRK;
        service(l);
        return KX_SERVE_DEFER;
    }
    case TIOCGWINSZ:
        return out_bulk(msg, x, &l->ws, sizeof(l->ws));
    case TIOCSWINSZ: {
        struct kx_winsize ws;
        if (x->recv_len != sizeof(ws))
            return reply_now(msg, -EINVAL);
        memcpy(&ws, x->recv, sizeof(ws));
        bool changed = memcmp(&ws, &l->ws, sizeof(ws)) != 0;
        l->ws = ws;
        if (changed)
            kx_term_signal(l->term, SIGWINCH, KX_TERM_FOREGROUND);
        return reply_now(msg, 0);
    }
    case FIONREAD: {
        int32_t n = (int32_t)ldisc_readable(&l->ld);
        return out_bulk(msg, x, &n, sizeof(n));
    }
    case TIOCOUTQ: {
        int32_t n = (int32_t)l->tx_len;
        return out_bulk(msg, x, &n, sizeof(n));
    }
    case TCFLSH:
        if (arg > KX_TCIOFLUSH)
            return reply_now(msg, -EINVAL);
        if (arg == KX_TCIFLUSH || arg == KX_TCIOFLUSH)
            ldisc_flush_input(&l->ld);
        if (arg == KX_TCOFLUSH || arg == KX_TCIOFLUSH)
            l->tx_len = 0;
        service(l);
        return reply_now(msg, 0);
    case TCXONC:
        if (!ldisc_tcflow(&l->ld, (int)arg))
            return reply_now(msg, -EINVAL);
        service(l);
        return reply_now(msg, 0);
    default:
        return reply_now(msg, -ENOTTY);
    }
}

int line_request(struct line *l, struct kx_msg *msg, struct kx_xfer *x)
{
    uint32_t label = KX_MSG_LABEL(msg->label);
    if (label != IO_CLOSE && msg->w[0] != 1)
        return reply_now(msg, -EBADF); /* one line, cookie 1 */
    switch (label) {
    case IO_READ: return do_read(l, msg, x);
    case IO_WRITE: return do_write(l, msg, x);
    case IO_IOCTL: return do_ioctl(l, msg, x);
    case IO_CLOSE: return reply_now(msg, 0); /* nothing kept per open */
    case IO_STAT: msg->w[1] = 0; return reply_now(msg, 0);
    default: return reply_now(msg, -ENOSYS);
    }
}

void line_interrupt(struct line *l)
{
    take_input(l);
    service(l);
}

void line_timer(struct line *l)
{
    l->timer_deadline = 0; /* fired (or stale): serve_readers arms what is needed */
    service(l);
}

void line_cancelled(struct line *l, kx_handle_t reply)
{
    struct pending_list *lists[] = { &l->readers, &l->writers, &l->drains };
    for (unsigned i = 0; i < 3; i++) {
        for (struct pending *p = lists[i]->first; p; p = p->next) {
            if (p->reply != reply)
                continue;
            /* A read moved nothing yet; a write keeps what it gave. */
            long w0 = p->kind == P_WRITE && p->done ? (long)p->done : -EINTR;
            answer(lists[i], p, w0, 0, 0);
            service(l);
            return;
        }
    }
    kx_handle_close(reply); /* not ours any more: answered already */
}

void line_init(struct line *l, volatile void *regs, kx_handle_t term, kx_handle_t event)
{
    memset(l, 0, sizeof(*l));
    ldisc_init(&l->ld, &line_ops, l);
    uart_init(&l->uart, regs);
    l->term = term;
    l->event = event;
    /* A serial line cannot tell its size; 24 x 80 is what a terminal
     * emulator starts with (Linux says 0 x 0, which programs then guess).
     * stty rows/cols or TIOCSWINSZ change it. */
    l->ws = (struct kx_winsize){ .ws_row = 24, .ws_col = 80 };
    service(l);
}
