/*
 * The line discipline (ldisc.h): Linux's n_tty semantics, written afresh.
 *
 * One input byte goes through, in Linux's order: VLNEXT's literal byte;
 * ISTRIP and IUCLC; IXON's VSTART/VSTOP; ISIG's signal characters; IXANY;
 * IGNCR/ICRNL/INLCR; in canonical mode the editing characters and line
 * terminators; otherwise it is stored and echoed. Echo is produced while
 * the byte is handled (Linux queues it and writes it moments later: the
 * bytes are the same), through the same OPOST processing as program output,
 * so the column both share stays right for tab erase.
 *
 * Room is checked before anything irreversible happens to a byte that needs
 * a slot, so a byte that cannot be taken yet leaves no trace and can be
 * offered again.
 */
#include "ldisc.h"

#include <string.h>

_Static_assert((LDISC_BUF & (LDISC_BUF - 1)) == 0, "LDISC_BUF must be a power of two");
_Static_assert(LDISC_ECHO_BUF >= 8, "the echo buffer holds at least a tab's expansion");

#define MASK(i) ((i) & (LDISC_BUF - 1))

/* Linux's INIT_C_CC: ^C ^\ DEL ^U ^D, TIME 0, MIN 1, SWTC 0, ^Q ^S ^Z, EOL 0,
 * ^R ^O ^W ^V, EOL2 0. */
static const uint8_t init_cc[KX_NCCS] = {
    [KX_VINTR] = 0x03,    [KX_VQUIT] = 0x1c,  [KX_VERASE] = 0x7f,   [KX_VKILL] = 0x15,
    [KX_VEOF] = 0x04,     [KX_VTIME] = 0,     [KX_VMIN] = 1,        [KX_VSWTC] = 0,
    [KX_VSTART] = 0x11,   [KX_VSTOP] = 0x13,  [KX_VSUSP] = 0x1a,    [KX_VEOL] = 0,
    [KX_VREPRINT] = 0x12, [KX_VDISCARD] = 0x0f, [KX_VWERASE] = 0x17, [KX_VLNEXT] = 0x16,
    [KX_VEOL2] = 0,
};

/* ---- termios tests ---------------------------------------------------- */

static bool iflag(const struct ldisc *l, uint32_t f) { return (l->termios.c_iflag & f) != 0; }
static bool oflag(const struct ldisc *l, uint32_t f) { return (l->termios.c_oflag & f) != 0; }
static bool lflag(const struct ldisc *l, uint32_t f) { return (l->termios.c_lflag & f) != 0; }
static bool canonical(const struct ldisc *l) { return lflag(l, KX_ICANON); }

/* Whether c is the character c_cc[i] names. An entry of 0 (_POSIX_VDISABLE)
 * names none, so a NUL byte is never special (Linux clears it from its map). */
static bool is_cc(const struct ldisc *l, int i, uint8_t c)
{
    return c != KX_POSIX_VDISABLE && l->termios.c_cc[i] == c;
}

/* The kernel's iscntrl: C0 and DEL only; bytes 0x80-0x9f are not control
 * characters there (UTF-8 continuation bytes live in that range). */
static bool is_cntrl(uint8_t c) { return c < 0x20 || c == 0x7f; }

/* IUTF8: a byte that continues a multi-byte character takes no column. */
static bool is_cont(const struct ldisc *l, uint8_t c)
{
    return iflag(l, KX_IUTF8) && (c & 0xc0) == 0x80;
}

/* VWERASE's word characters: Linux's isalnum and '_' (ALTWERASE). Bytes of
 * 0x80 and above count as word characters so UTF-8 words erase whole. */
static bool is_word(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_' || c >= 0x80;
}

/* ---- output processing (OPOST), shared by echo and program output ------ */

/*
 * Writes c as OPOST makes it to out (room bytes free); returns the bytes
 * written, or -1 when the whole expansion does not fit (then nothing, the
 * column included, has changed). Linux's do_output_char.
 */
static int opost_char(struct ldisc *l, uint8_t c, char *out, size_t room)
{
    switch (c) {
    case '\n':
        if (oflag(l, KX_ONLCR)) {
            if (room < 2)
                return -1;
            l->column = l->canon_column = 0;
            out[0] = '\r';
            out[1] = '\n';
            return 2;
        }
        if (room < 1)
            return -1;
        if (oflag(l, KX_ONLRET))
            l->column = 0;
        l->canon_column = l->column;
        break;
    case '\r':
        if (oflag(l, KX_ONOCR) && l->column == 0)
            return 0; /* nothing to return from */
        if (room < 1)
            return -1;
        if (oflag(l, KX_OCRNL)) {
            c = '\n'; /* not run through ONLCR again */
            if (oflag(l, KX_ONLRET))
                l->column = l->canon_column = 0;
            break;
        }
        l->column = l->canon_column = 0;
        break;
    case '\t': {
        unsigned int spaces = 8 - (l->column & 7);
        if ((l->termios.c_oflag & KX_TABDLY) == KX_XTABS) {
            if (room < spaces)
                return -1;
            memset(out, ' ', spaces);
            l->column += spaces;
            return (int)spaces;
        }
        if (room < 1)
            return -1;
        l->column += spaces;
        break;
    }
    case '\b':
        if (room < 1)
            return -1;
        if (l->column > 0)
            l->column--;
        break;
    default:
        if (room < 1)
            return -1;
        if (!is_cntrl(c)) {
            if (oflag(l, KX_OLCUC) && c >= 'a' && c <= 'z')
                c = (uint8_t)(c - 'a' + 'A');
            if (!is_cont(l, c))
                l->column++;
        }
        break;
    }
    out[0] = (char)c;
    return 1;
}

size_t ldisc_output(struct ldisc *l, const char *in, size_t n, char *out, size_t outcap,
                    size_t *consumed)
{
    if (!oflag(l, KX_OPOST)) {
        size_t m = n < outcap ? n : outcap;
        memcpy(out, in, m);
        *consumed = m;
        return m;
    }
    size_t i = 0, w = 0;
    for (; i < n; i++) {
        int k = opost_char(l, (uint8_t)in[i], out + w, outcap - w);
        if (k < 0)
            break;
        w += (size_t)k;
    }
    *consumed = i;
    return w;
}

/* ---- echo ----------------------------------------------------------- */

static void echo_flush(struct ldisc *l)
{
    if (l->echo_len == 0)
        return;
    l->ops->output(l->ctx, l->echo, l->echo_len);
    l->echo_len = 0;
}

/* Room for at least want more echo bytes (want <= LDISC_ECHO_BUF). */
static char *echo_room(struct ldisc *l, size_t want)
{
    if (sizeof l->echo - l->echo_len < want)
        echo_flush(l);
    return l->echo + l->echo_len;
}

/* A byte echoed as the terminal would get it from a program (Linux's
 * echo_char_raw): through OPOST, so ONLCR and the column apply. */
static void echo_out(struct ldisc *l, uint8_t c)
{
    char *p = echo_room(l, 8); /* the longest expansion: a tab's spaces */
    if (!oflag(l, KX_OPOST)) {
        *p = (char)c;
        l->echo_len++;
        return;
    }
    int k = opost_char(l, c, p, 8);
    l->echo_len += (size_t)k; /* 8 bytes always fit, so k >= 0 */
}

/* A byte bypassing OPOST (as Linux writes "^X" and tab-erase backspaces)
 * that moves the cursor delta columns: forward, or back one (not past 0). */
static void echo_direct(struct ldisc *l, uint8_t c, int delta)
{
    *echo_room(l, 1) = (char)c;
    l->echo_len++;
    if (delta < 0 && l->column > 0)
        l->column--;
    else if (delta > 0)
        l->column += (unsigned int)delta;
}

/* A typed character as echo shows it (Linux's echo_char): with ECHOCTL a
 * control character other than tab is "^X" (DEL "^?"), two columns. */
static void echo_char(struct ldisc *l, uint8_t c)
{
    if (lflag(l, KX_ECHOCTL) && is_cntrl(c) && c != '\t') {
        echo_direct(l, '^', 1);
        echo_direct(l, c ^ 0x40, 1);
        return;
    }
    echo_out(l, c);
}

/* ECHOPRT shows erased characters between '\' and '/': close the pair. */
static void finish_erasing(struct ldisc *l)
{
    if (!l->erasing)
        return;
    echo_out(l, '/');
    l->erasing = false;
}

static void echo_bs_space_bs(struct ldisc *l)
{
    echo_out(l, '\b');
    echo_out(l, ' ');
    echo_out(l, '\b');
}

/* The first character of a line records the column it starts at. */
static void note_line_start(struct ldisc *l)
{
    if (canonical(l) && l->canon == l->head)
        l->canon_column = l->column;
}

/* The terminal bell: the input buffer had no room for a character. */
static void beep(struct ldisc *l)
{
    if (iflag(l, KX_IMAXBEL))
        echo_out(l, '\a');
}

/* ---- output flow control -------------------------------------------- */

static void flow_changed(struct ldisc *l)
{
    echo_flush(l); /* echo from before the change belongs before it */
    if (l->ops->flow)
        l->ops->flow(l->ctx, l->stopped);
}

static void stop_output(struct ldisc *l)
{
    if (l->stopped)
        return;
    l->stopped = true;
    flow_changed(l);
}

/* Linux's __start_tty: a tcflow(TCOOFF) stop yields only to TCOON. */
static void start_output(struct ldisc *l)
{
    if (!l->stopped || l->tco_stopped)
        return;
    l->stopped = false;
    flow_changed(l);
}

bool ldisc_output_stopped(const struct ldisc *l) { return l->stopped; }

bool ldisc_tcflow(struct ldisc *l, int action)
{
    switch (action) {
    case KX_TCOOFF:
        if (!l->tco_stopped) {
            l->tco_stopped = true;
            stop_output(l);
        }
        return true;
    case KX_TCOON:
        if (l->tco_stopped) {
            l->tco_stopped = false;
            start_output(l);
        }
        return true;
    case KX_TCIOFF:
    case KX_TCION: {
        char c = (char)l->termios.c_cc[action == KX_TCIOFF ? KX_VSTOP : KX_VSTART];
        if (c != KX_POSIX_VDISABLE)
            l->ops->output(l->ctx, &c, 1);
        return true;
    }
    default:
        return false;
    }
}

/* ---- the input buffer ----------------------------------------------- */

static uint8_t byte_at(const struct ldisc *l, size_t i) { return l->buf[MASK(i)]; }

enum room { ROOM_OK, ROOM_DROP, ROOM_WAIT };

/*
 * Whether one more byte fits. A canonical line keeps the last slot for its
 * terminator, so an over-long line can still be ended. When there is no
 * room, a reader can make some only if something is readable; otherwise (a
 * canonical line alone fills the buffer) the byte is dropped, as Linux does.
 */
static enum room room_for(const struct ldisc *l, bool terminator)
{
    size_t limit = LDISC_BUF;
    if (canonical(l) && !terminator)
        limit--;
    if (l->head - l->tail < limit)
        return ROOM_OK;
    if (canonical(l) && l->canon == l->tail)
        return ROOM_DROP;
    return ROOM_WAIT;
}

static void put_byte(struct ldisc *l, uint8_t c, enum ldisc_slot kind)
{
    l->buf[MASK(l->head)] = c;
    l->slot[MASK(l->head)] = (uint8_t)kind;
    l->head++;
    if (!canonical(l) || kind != LDISC_SLOT_DATA)
        l->canon = l->head; /* raw bytes and completed lines are readable */
}

void ldisc_flush_input(struct ldisc *l)
{
    l->tail = l->canon = l->head = 0;
    l->lnext = false;
    l->erasing = false;
}

/* ---- receiving bytes ------------------------------------------------ */

/* How the handling of one byte ended. */
enum step {
    STEP_NEXT,  /* not handled here: go on */
    STEP_TAKEN, /* handled (stored, acted on, or dropped) */
    STEP_WAIT,  /* no room until a reader takes something: offer it again */
};

static void ixany_restart(struct ldisc *l)
{
    if (l->stopped && !l->tco_stopped && iflag(l, KX_IXON) && iflag(l, KX_IXANY))
        start_output(l);
}

/*
 * An ordinary character: stored and echoed (Linux's n_tty_receive_char).
 * A newline that gets here (raw mode) echoes as a newline, but a literal one
 * (after VLNEXT) as "^J": it does not end the line, and the echo says so.
 */
static enum step store_char(struct ldisc *l, uint8_t c, bool literal)
{
    switch (room_for(l, false)) {
    case ROOM_WAIT:
        return STEP_WAIT;
    case ROOM_DROP:
        beep(l);
        return STEP_TAKEN;
    case ROOM_OK:
        break;
    }
    if (lflag(l, KX_ECHO)) {
        finish_erasing(l);
        if (c == '\n' && !literal) {
            echo_out(l, '\n');
        } else {
            note_line_start(l);
            echo_char(l, c);
        }
    }
    put_byte(l, c, LDISC_SLOT_DATA);
    return STEP_TAKEN;
}

/* The byte after VLNEXT: no special meaning, no CR/NL mapping. */
static enum step receive_literal(struct ldisc *l, uint8_t c)
{
    if (iflag(l, KX_ISTRIP))
        c &= 0x7f;
    if (iflag(l, KX_IUCLC) && lflag(l, KX_IEXTEN) && c >= 'A' && c <= 'Z')
        c = (uint8_t)(c - 'A' + 'a');
    ixany_restart(l);
    enum step s = store_char(l, c, true);
    if (s == STEP_TAKEN)
        l->lnext = false;
    return s;
}

/* IXON: VSTART and VSTOP act and vanish, whatever the output state. */
static enum step flow_char(struct ldisc *l, uint8_t c)
{
    if (!iflag(l, KX_IXON))
        return STEP_NEXT;
    if (is_cc(l, KX_VSTART, c)) {
        start_output(l);
        return STEP_TAKEN;
    }
    if (is_cc(l, KX_VSTOP, c)) {
        stop_output(l);
        return STEP_TAKEN;
    }
    return STEP_NEXT;
}

/*
 * ISIG. The signal goes first; then, unless NOFLSH, everything typed and
 * not yet read is discarded and so is output not yet sent; a stopped output
 * restarts (the user wants to see what happens); the character is echoed
 * ("^C" with ECHOCTL, and no newline: Linux echoes none).
 */
static enum step signal_char(struct ldisc *l, uint8_t c)
{
    if (!lflag(l, KX_ISIG))
        return STEP_NEXT;
    int sig;
    if (is_cc(l, KX_VINTR, c))
        sig = LDISC_SIGINT;
    else if (is_cc(l, KX_VQUIT, c))
        sig = LDISC_SIGQUIT;
    else if (is_cc(l, KX_VSUSP, c))
        sig = LDISC_SIGTSTP;
    else
        return STEP_NEXT;

    echo_flush(l); /* earlier echo is output the flush below may discard */
    l->ops->signal(l->ctx, sig);
    if (!lflag(l, KX_NOFLSH)) {
        ldisc_flush_input(l);
        if (l->ops->flush_output)
            l->ops->flush_output(l->ctx);
    }
    if (iflag(l, KX_IXON))
        start_output(l);
    if (lflag(l, KX_ECHO))
        echo_char(l, c);
    return STEP_TAKEN;
}

/* Back over one character of the line being edited (with IUTF8 a whole
 * multi-byte one); returns where it starts. */
static size_t char_start(const struct ldisc *l)
{
    size_t p = l->head;
    do
        p--;
    while (is_cont(l, byte_at(l, p)) && p != l->canon);
    return p;
}

/*
 * Echo erasing a tab: back to where the tab started. Its width depends on
 * what precedes it: count columns back to the previous tab, or to the start
 * of the line, whose column was recorded (Linux's ECHO_OP_ERASE_TAB).
 */
static void echo_erase_tab(struct ldisc *l)
{
    unsigned int cols = 0;
    bool after_tab = false;
    for (size_t p = l->head; p != l->canon;) {
        uint8_t c = byte_at(l, --p);
        if (c == '\t') {
            after_tab = true;
            break;
        }
        if (is_cntrl(c))
            cols += lflag(l, KX_ECHOCTL) ? 2 : 0; /* "^X", or nothing visible */
        else if (!is_cont(l, c))
            cols++;
    }
    if (!after_tab)
        cols += l->canon_column;
    for (unsigned int n = 8 - (cols & 7); n > 0; n--)
        echo_direct(l, '\b', -1);
}

enum erase_kind { ERASE_CHAR, ERASE_WORD, ERASE_LINE };

/* Echo for one erased character c, whose cnt bytes start at start. */
static void echo_erase(struct ldisc *l, enum erase_kind kind, uint8_t c, size_t start, size_t cnt)
{
    if (lflag(l, KX_ECHOPRT)) {
        if (!l->erasing) {
            echo_out(l, '\\');
            l->erasing = true;
        }
        echo_char(l, c);
        for (size_t i = 1; i < cnt; i++) /* the rest of a UTF-8 character */
            echo_out(l, byte_at(l, start + i));
    } else if (kind == ERASE_CHAR && !lflag(l, KX_ECHOE)) {
        echo_char(l, l->termios.c_cc[KX_VERASE]);
    } else if (c == '\t') {
        echo_erase_tab(l);
    } else if (is_cntrl(c)) {
        if (lflag(l, KX_ECHOCTL)) { /* "^X" took two columns */
            echo_bs_space_bs(l);
            echo_bs_space_bs(l);
        }
    } else {
        echo_bs_space_bs(l);
    }
}

/* VKILL without the visual erase of ECHOKE: show the kill character, then
 * with ECHOK a newline, and start afresh (Linux's eraser). */
static void kill_line_plain(struct ldisc *l)
{
    l->head = l->canon;
    if (!lflag(l, KX_ECHO))
        return;
    finish_erasing(l);
    echo_char(l, l->termios.c_cc[KX_VKILL]);
    if (lflag(l, KX_ECHOK))
        echo_out(l, '\n');
}

/* VERASE, VWERASE, VKILL: never reach before the line being edited. */
static void eraser(struct ldisc *l, uint8_t c)
{
    if (l->head == l->canon)
        return;
    enum erase_kind kind = is_cc(l, KX_VERASE, c)    ? ERASE_CHAR
                           : is_cc(l, KX_VWERASE, c) ? ERASE_WORD
                                                     : ERASE_LINE;
    if (kind == ERASE_LINE &&
        !(lflag(l, KX_ECHO) && lflag(l, KX_ECHOK) && lflag(l, KX_ECHOKE) && lflag(l, KX_ECHOE))) {
        kill_line_plain(l);
        return;
    }
    bool seen_word = false;
    while (l->head != l->canon) {
        size_t start = char_start(l);
        uint8_t first = byte_at(l, start);
        if (is_cont(l, first))
            break; /* only a tail of a character is left: keep it whole */
        if (kind == ERASE_WORD) {
            /* Trailing non-word characters, then one word (BSD's ALTWERASE). */
            if (is_word(first))
                seen_word = true;
            else if (seen_word)
                break;
        }
        size_t cnt = l->head - start;
        l->head = start;
        if (lflag(l, KX_ECHO))
            echo_erase(l, kind, first, start, cnt);
        if (kind == ERASE_CHAR)
            break;
    }
    if (l->head == l->canon && lflag(l, KX_ECHO))
        finish_erasing(l);
}

/* VREPRINT: "^R", a newline, and the line being edited again. */
static void reprint(struct ldisc *l, uint8_t c)
{
    finish_erasing(l);
    echo_char(l, c);
    echo_out(l, '\n');
    for (size_t p = l->canon; p != l->head; p++)
        echo_char(l, byte_at(l, p));
}

/* A byte that completes the line: \n, VEOL, VEOL2 (kept) or VEOF (not). */
static enum step end_line(struct ldisc *l, uint8_t c, enum ldisc_slot kind)
{
    switch (room_for(l, true)) {
    case ROOM_WAIT:
        return STEP_WAIT;
    case ROOM_DROP: /* cannot happen (a line keeps a slot), but never overflow */
        beep(l);
        return STEP_TAKEN;
    case ROOM_OK:
        break;
    }
    if (c == '\n' && kind == LDISC_SLOT_END) {
        if (lflag(l, KX_ECHO) || lflag(l, KX_ECHONL)) {
            finish_erasing(l);
            echo_out(l, '\n');
        }
    } else if (kind == LDISC_SLOT_END && lflag(l, KX_ECHO)) {
        finish_erasing(l);
        note_line_start(l);
        echo_char(l, c);
    }
    /* VEOF is not echoed (Linux echoes nothing for it, ECHOCTL or not). */
    put_byte(l, c, kind);
    return STEP_TAKEN;
}

/* Canonical mode's special characters, in Linux's order. */
static enum step canon_char(struct ldisc *l, uint8_t c)
{
    bool ext = lflag(l, KX_IEXTEN);
    if (is_cc(l, KX_VERASE, c) || is_cc(l, KX_VKILL, c) || (ext && is_cc(l, KX_VWERASE, c))) {
        eraser(l, c);
        return STEP_TAKEN;
    }
    if (ext && is_cc(l, KX_VLNEXT, c)) {
        l->lnext = true;
        if (lflag(l, KX_ECHO)) {
            finish_erasing(l);
            if (lflag(l, KX_ECHOCTL)) { /* a '^' the literal's echo overwrites */
                echo_out(l, '^');
                echo_out(l, '\b');
            }
        }
        return STEP_TAKEN;
    }
    if (ext && lflag(l, KX_ECHO) && is_cc(l, KX_VREPRINT, c)) {
        reprint(l, c);
        return STEP_TAKEN;
    }
    if (c == '\n')
        return end_line(l, c, LDISC_SLOT_END);
    if (is_cc(l, KX_VEOF, c))
        return end_line(l, c, LDISC_SLOT_EOF);
    if (is_cc(l, KX_VEOL, c) || (ext && is_cc(l, KX_VEOL2, c)))
        return end_line(l, c, LDISC_SLOT_END);
    return STEP_NEXT;
}

static enum step receive_byte(struct ldisc *l, uint8_t c)
{
    if (l->lnext)
        return receive_literal(l, c);
    if (iflag(l, KX_ISTRIP))
        c &= 0x7f;
    if (iflag(l, KX_IUCLC) && lflag(l, KX_IEXTEN) && c >= 'A' && c <= 'Z')
        c = (uint8_t)(c - 'A' + 'a');

    enum step s = flow_char(l, c);
    if (s == STEP_NEXT)
        s = signal_char(l, c);
    if (s != STEP_NEXT)
        return s;
    ixany_restart(l);

    if (c == '\r') {
        if (iflag(l, KX_IGNCR))
            return STEP_TAKEN;
        if (iflag(l, KX_ICRNL))
            c = '\n';
    } else if (c == '\n' && iflag(l, KX_INLCR)) {
        c = '\r';
    }

    if (canonical(l)) {
        s = canon_char(l, c);
        if (s != STEP_NEXT)
            return s;
    }
    return store_char(l, c, false);
}

size_t ldisc_input(struct ldisc *l, const char *buf, size_t n)
{
    size_t i = 0;
    while (i < n && receive_byte(l, (uint8_t)buf[i]) != STEP_WAIT)
        i++;
    echo_flush(l);
    return i;
}

/* ---- reading -------------------------------------------------------- */

size_t ldisc_avail_raw(const struct ldisc *l) { return l->head - l->tail; }

size_t ldisc_readable(const struct ldisc *l)
{
    if (!canonical(l))
        return l->head - l->tail;
    size_t n = 0;
    for (size_t p = l->tail; p != l->canon; p++)
        n += l->slot[MASK(p)] != LDISC_SLOT_EOF;
    return n;
}

bool ldisc_can_read(const struct ldisc *l, size_t cap)
{
    if (canonical(l))
        return l->canon != l->tail;
    size_t avail = l->head - l->tail;
    size_t min = l->termios.c_cc[KX_VMIN];
    if (min == 0)
        return l->termios.c_cc[KX_VTIME] == 0 || avail > 0;
    return avail >= (min < cap ? min : cap);
}

static size_t read_raw(struct ldisc *l, char *out, size_t cap)
{
    size_t n = l->head - l->tail;
    if (n > cap)
        n = cap;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)byte_at(l, l->tail + i);
    l->tail += n;
    return n;
}

static size_t read_line(struct ldisc *l, char *out, size_t cap)
{
    size_t n = 0;
    bool ended = false;
    while (n < cap && l->tail != l->canon && !ended) {
        size_t p = MASK(l->tail++);
        if (l->slot[p] == LDISC_SLOT_EOF)
            return n;
        out[n++] = (char)l->buf[p];
        ended = l->slot[p] == LDISC_SLOT_END;
    }
    /*
     * A line that exactly filled the buffer and was ended by VEOF: the VEOF
     * goes with it. Linux leaves it, and the next read then sees a spurious
     * end of file.
     */
    if (!ended && n > 0 && l->tail != l->canon && l->slot[MASK(l->tail)] == LDISC_SLOT_EOF)
        l->tail++;
    return n;
}

size_t ldisc_read(struct ldisc *l, char *buf, size_t cap)
{
    return canonical(l) ? read_line(l, buf, cap) : read_raw(l, buf, cap);
}

/* ---- termios -------------------------------------------------------- */

/* ICANON off: every buffered byte is plain data a read may take. */
static void leave_canonical(struct ldisc *l)
{
    for (size_t p = l->tail; p != l->head; p++)
        l->slot[MASK(p)] = LDISC_SLOT_DATA;
    l->canon = l->head;
}

/* ICANON on: what is buffered is one completed line (Linux's "push"). */
static void enter_canonical(struct ldisc *l)
{
    if (l->head != l->tail)
        l->slot[MASK(l->head - 1)] = LDISC_SLOT_END;
    l->canon = l->head;
}

void ldisc_set_termios(struct ldisc *l, const struct kx_termios *t)
{
    struct kx_termios old = l->termios;
    l->termios = *t;
    if ((old.c_lflag ^ t->c_lflag) & KX_ICANON) {
        if (canonical(l))
            enter_canonical(l);
        else
            leave_canonical(l);
        l->lnext = false;
        l->erasing = false;
    }
    /* Nothing could restart output stopped by ^S once ^Q means nothing. */
    if ((old.c_iflag & KX_IXON) && !iflag(l, KX_IXON))
        start_output(l);
}

void ldisc_get_termios(const struct ldisc *l, struct kx_termios *t) { *t = l->termios; }

void ldisc_init(struct ldisc *l, const struct ldisc_ops *ops, void *ctx)
{
    memset(l, 0, sizeof *l);
    l->ops = ops;
    l->ctx = ctx;
    l->termios.c_iflag = KX_ICRNL | KX_IXON;
    l->termios.c_oflag = KX_OPOST | KX_ONLCR;
    l->termios.c_cflag = KX_B38400 | KX_CS8 | KX_CREAD | KX_HUPCL;
    l->termios.c_lflag = KX_ISIG | KX_ICANON | KX_ECHO | KX_ECHOE | KX_ECHOK | KX_ECHOCTL |
                         KX_ECHOKE | KX_IEXTEN;
    memcpy(l->termios.c_cc, init_cc, sizeof init_cc);
}
