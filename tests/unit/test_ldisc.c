/*
 * The console server's line discipline (servers/console/ldisc.c) against
 * Linux's n_tty: exact bytes read and exact echo for typed input, signal
 * characters, flow control, raw mode's VMIN, output post-processing, a full
 * buffer and ICANON switches. Each case starts from ldisc_init's defaults
 * (Linux's tty_std_termios) and records what the line discipline hands to
 * its callbacks.
 */
#include "ldisc.h"
#include "test.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- harness ---------------------------------------------------------- */

struct rec {
    char out[3 * LDISC_BUF]; /* every byte passed to ops->output */
    size_t len;
    int sigs[8];
    int nsig;
    int flushes;   /* ops->flush_output calls */
    int flows[8];  /* ops->flow: 1 stopped, 0 restarted */
    int nflow;
};

static struct rec rec;
static struct ldisc ld;

static void rec_output(void *ctx, const char *buf, size_t n)
{
    struct rec *r = ctx;
    CHECK(n > 0);
    CHECK(r->len + n <= sizeof r->out);
    if (r->len + n > sizeof r->out)
        return;
    memcpy(r->out + r->len, buf, n);
    r->len += n;
}

static void rec_signal(void *ctx, int sig)
{
    struct rec *r = ctx;
    if (r->nsig < 8)
        r->sigs[r->nsig++] = sig;
}

static void rec_flush_output(void *ctx) { ((struct rec *)ctx)->flushes++; }

static void rec_flow(void *ctx, bool stopped)
{
    struct rec *r = ctx;
    if (r->nflow < 8)
        r->flows[r->nflow++] = stopped;
}

static const struct ldisc_ops ops = {
    .output = rec_output,
    .signal = rec_signal,
    .flush_output = rec_flush_output,
    .flow = rec_flow,
};

static void setup(void)
{
    memset(&rec, 0, sizeof rec);
    ldisc_init(&ld, &ops, &rec);
}

static void clear_echo(void) { rec.len = 0; }

/* Bytes shown with C escapes, so a failure says what differs. */
static void print_bytes(const char *b, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n && i < 200; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '\\' || c == '"')
            printf("\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    printf(n > 200 ? "\"..." : "\"");
}

static void check_bytes(int line, const char *what, const char *got, size_t gotlen,
                        const char *want, size_t wantlen)
{
    if (gotlen == wantlen && memcmp(got, want, gotlen) == 0)
        return;
    printf("  %s:%d: %s: got ", __FILE__, line, what);
    print_bytes(got, gotlen);
    printf(" (%zu), want ", gotlen);
    print_bytes(want, wantlen);
    printf(" (%zu)\n", wantlen);
    test_case_failures++;
}

/* Every byte is taken (the buffer is nowhere near full). */
static void type_n(int line, const char *s, size_t n)
{
    size_t took = ldisc_input(&ld, s, n);
    if (took != n) {
        printf("  %s:%d: ldisc_input took %zu of %zu\n", __FILE__, line, took, n);
        test_case_failures++;
    }
}

#define TYPE(lit) type_n(__LINE__, lit, sizeof(lit) - 1)
#define CHECK_ECHO(lit) check_bytes(__LINE__, "echo", rec.out, rec.len, lit, sizeof(lit) - 1)
#define CHECK_READ(cap, lit)                                                     \
    do {                                                                         \
        static char rb_[LDISC_BUF + 16];                                         \
        size_t rn_ = ldisc_read(&ld, rb_, (cap));                                \
        check_bytes(__LINE__, "read", rb_, rn_, lit, sizeof(lit) - 1);           \
    } while (0)

/* Output through ldisc_output with room for everything. */
#define CHECK_OUTPUT(in, want)                                                   \
    do {                                                                         \
        char ob_[256];                                                           \
        size_t used_ = 12345;                                                    \
        size_t on_ = ldisc_output(&ld, in, sizeof(in) - 1, ob_, sizeof ob_, &used_); \
        CHECK_EQ(used_, sizeof(in) - 1);                                         \
        check_bytes(__LINE__, "output", ob_, on_, want, sizeof(want) - 1);       \
    } while (0)

static void set_iflag(uint32_t on, uint32_t off)
{
    struct kx_termios t;
    ldisc_get_termios(&ld, &t);
    t.c_iflag = (t.c_iflag | on) & ~off;
    ldisc_set_termios(&ld, &t);
}

static void set_oflag(uint32_t on, uint32_t off)
{
    struct kx_termios t;
    ldisc_get_termios(&ld, &t);
    t.c_oflag = (t.c_oflag | on) & ~off;
    ldisc_set_termios(&ld, &t);
}

static void set_lflag(uint32_t on, uint32_t off)
{
    struct kx_termios t;
    ldisc_get_termios(&ld, &t);
    t.c_lflag = (t.c_lflag | on) & ~off;
    ldisc_set_termios(&ld, &t);
}

static void set_cc(int i, uint8_t v)
{
    struct kx_termios t;
    ldisc_get_termios(&ld, &t);
    t.c_cc[i] = v;
    ldisc_set_termios(&ld, &t);
}

/* Raw mode as a program sets it with cfmakeraw-like flags, VMIN/VTIME given. */
static void set_raw(uint8_t vmin, uint8_t vtime)
{
    set_cc(KX_VMIN, vmin);
    set_cc(KX_VTIME, vtime);
    set_lflag(0, KX_ICANON);
}

/* ---- defaults --------------------------------------------------------- */

static void test_defaults_are_tty_std_termios(void)
{
    setup();
    struct kx_termios t;
    ldisc_get_termios(&ld, &t);
    CHECK_EQ(sizeof t, 36);
    CHECK_EQ(t.c_iflag, 0x500);    /* ICRNL|IXON, as Linux's stty -g shows */
    CHECK_EQ(t.c_oflag, 0x5);      /* OPOST|ONLCR */
    CHECK_EQ(t.c_cflag, 0x4bf);    /* B38400|CS8|CREAD|HUPCL */
    CHECK_EQ(t.c_lflag, 0x8a3b);   /* ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN */
    CHECK_EQ(t.c_line, 0);
    static const uint8_t cc[KX_NCCS] = {3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13,
                                        0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0};
    CHECK(memcmp(t.c_cc, cc, sizeof cc) == 0);
    CHECK(!ldisc_output_stopped(&ld));
    CHECK(!ldisc_can_read(&ld, 100));
    CHECK_EQ(ldisc_readable(&ld), 0);
}

static void test_set_termios_round_trip(void)
{
    setup();
    struct kx_termios t, u;
    ldisc_get_termios(&ld, &t);
    t.c_cflag = KX_B115200 | KX_CS8 | KX_CREAD | KX_CLOCAL;
    t.c_cc[KX_VEOL] = 'x';
    t.c_line = 0;
    ldisc_set_termios(&ld, &t);
    ldisc_get_termios(&ld, &u);
    CHECK(memcmp(&t, &u, sizeof t) == 0);
}

/* ---- canonical editing ------------------------------------------------ */

static void test_erase_then_line(void)
{
    setup();
    TYPE("ab\x7f");
    CHECK_ECHO("ab\b \b");
    CHECK(!ldisc_can_read(&ld, 100));
    CHECK_EQ(ldisc_readable(&ld), 0);
    TYPE("c\r");
    CHECK_ECHO("ab\b \bc\r\n");
    CHECK(ldisc_can_read(&ld, 100));
    CHECK_EQ(ldisc_readable(&ld), 3);
    CHECK_READ(100, "ac\n");
    CHECK(!ldisc_can_read(&ld, 100));
}

static void test_erase_on_empty_line_does_nothing(void)
{
    setup();
    TYPE("\x7f\x15\x17");
    CHECK_ECHO("");
    CHECK_EQ(ldisc_avail_raw(&ld), 0);
}

static void test_erase_stops_at_line_start(void)
{
    setup();
    TYPE("ab\rc\x7f\x7f\x7f");
    CHECK_ECHO("ab\r\nc\b \b");
    CHECK_READ(100, "ab\n");
    CHECK(!ldisc_can_read(&ld, 100));
    CHECK_EQ(ldisc_avail_raw(&ld), 0);
}

static void test_backspace_is_ordinary_unless_verase(void)
{
    setup();
    TYPE("a\bb\r");
    CHECK_ECHO("a^Hb\r\n");
    CHECK_READ(100, "a\bb\n");

    set_cc(KX_VERASE, '\b');
    clear_echo();
    TYPE("ab\b\x7f\r");
    CHECK_ECHO("ab\b \b^?\r\n");
    CHECK_READ(100, "a\x7f\n");
}

static void test_erase_without_echoe_echoes_erase_char(void)
{
    setup();
    set_lflag(0, KX_ECHOE);
    TYPE("ab\x7f\r");
    CHECK_ECHO("ab^?\r\n");
    CHECK_READ(100, "a\n");
}

static void test_erase_control_char(void)
{
    setup();
    TYPE("a\x01\x7f");
    CHECK_ECHO("a^A\b \b\b \b"); /* "^A" took two columns */
    setup();
    set_lflag(0, KX_ECHOCTL);
    TYPE("a\x01\x7f\r");
    CHECK_ECHO("a\x01\r\n"); /* raw ^A took none: nothing to rub out */
    CHECK_READ(100, "a\n");
}

static void test_verase_disabled(void)
{
    setup();
    set_cc(KX_VERASE, KX_POSIX_VDISABLE);
    TYPE("a\x7f\r");
    CHECK_ECHO("a^?\r\n");
    CHECK_READ(100, "a\x7f\n");
}

static void test_kill_echoke(void)
{
    setup();
    TYPE("abc\x15");
    CHECK_ECHO("abc\b \b\b \b\b \b");
    TYPE("d\r");
    CHECK_READ(100, "d\n");
}

static void test_kill_echok_without_echoke(void)
{
    setup();
    set_lflag(0, KX_ECHOKE);
    TYPE("abc\x15");
    CHECK_ECHO("abc^U\r\n");
    TYPE("d\r");
    CHECK_READ(100, "d\n");
}

static void test_kill_without_echok(void)
{
    setup();
    set_lflag(0, KX_ECHOK | KX_ECHOKE);
    TYPE("abc\x15");
    CHECK_ECHO("abc^U");
    TYPE("\r");
    CHECK_READ(100, "\n");
}

static void test_kill_without_echo(void)
{
    setup();
    set_lflag(0, KX_ECHO);
    TYPE("abc\x15x\r");
    CHECK_ECHO("");
    CHECK_READ(100, "x\n");
}

static void test_werase_over_trailing_spaces(void)
{
    setup();
    TYPE("foo bar  \x17");
    CHECK_ECHO("foo bar  \b \b\b \b\b \b\b \b\b \b");
    TYPE("\r");
    CHECK_READ(100, "foo \n");
}

static void test_werase_word_characters(void)
{
    setup();
    TYPE("a.b_c9\x17\r"); /* '_' and digits belong to the word, '.' ends it */
    CHECK_READ(100, "a.\n");
    TYPE("x\x17\x17y\r"); /* the second ^W finds an empty line */
    CHECK_READ(100, "y\n");
}

static void test_werase_needs_iexten(void)
{
    setup();
    set_lflag(0, KX_IEXTEN);
    TYPE("ab\x17\r");
    CHECK_ECHO("ab^W\r\n");
    CHECK_READ(100, "ab\x17\n");
}

static void test_tab_erase_from_column_0(void)
{
    setup();
    TYPE("\t\x7f");
    CHECK_ECHO("\t\b\b\b\b\b\b\b\b");
    TYPE("\r");
    CHECK_READ(100, "\n");
}

static void test_tab_erase_after_text(void)
{
    setup();
    TYPE("ab\t\x7f"); /* the tab went from column 2 to 8 */
    CHECK_ECHO("ab\t\b\b\b\b\b\b");
}

static void test_tab_erase_after_prompt(void)
{
    setup();
    char out[16];
    size_t used;
    CHECK_EQ(ldisc_output(&ld, "$ ", 2, out, sizeof out, &used), 2);
    TYPE("\t\x7f"); /* the line starts in column 2: its tab is 6 wide */
    CHECK_ECHO("\t\b\b\b\b\b\b");
}

static void test_tab_erase_after_previous_tab(void)
{
    setup();
    TYPE("ab\tc\t\x7f"); /* columns 0 a, 1 b, 2-7 tab, 8 c, 9-15 tab */
    CHECK_ECHO("ab\tc\t\b\b\b\b\b\b\b");
    TYPE("\x7f\x7f"); /* c, then the first tab again from column 2 */
    CHECK_ECHO("ab\tc\t\b\b\b\b\b\b\b\b \b\b\b\b\b\b\b");
}

static void test_tab_erase_counts_echoctl_pairs(void)
{
    setup();
    TYPE("\x01\t\x7f"); /* "^A" is two columns wide: the tab took 6 */
    CHECK_ECHO("^A\t\b\b\b\b\b\b");
}

static void test_reprint(void)
{
    setup();
    TYPE("ab\x01\x12");
    CHECK_ECHO("ab^A^R\r\nab^A");
    TYPE("\r");
    CHECK_READ(100, "ab\x01\n");
}

static void test_reprint_needs_echo(void)
{
    setup();
    set_lflag(0, KX_ECHO);
    TYPE("a\x12\r");
    CHECK_READ(100, "a\x12\n"); /* without ECHO ^R is an ordinary character */
}

static void test_lnext_makes_intr_literal(void)
{
    setup();
    TYPE("\x16\x03\r");
    CHECK_EQ(rec.nsig, 0);
    CHECK_ECHO("^\b^C\r\n");
    CHECK_READ(100, "\x03\n");
}

static void test_lnext_literal_erase_eof_cr(void)
{
    setup();
    TYPE("\x16\x7f\x16\x04\x16\r\x16\x13\r");
    CHECK_EQ(ldisc_output_stopped(&ld), false);
    CHECK_READ(100, "\x7f\x04\r\x13\n"); /* no ICRNL for a literal \r */
    TYPE("a\x16\x7f\x7f\r"); /* a literal DEL is erased like any control char */
    CHECK_READ(100, "a\n");
}

static void test_lnext_newline_is_not_a_line_end(void)
{
    setup();
    TYPE("a\x16\n");
    CHECK(!ldisc_can_read(&ld, 100));
    CHECK_ECHO("a^\b^J");
    TYPE("\r");
    CHECK_READ(100, "a\n\n");
}

static void test_lnext_across_input_calls(void)
{
    setup();
    TYPE("\x16");
    TYPE("\x15\r");
    CHECK_READ(100, "\x15\n");
}

static void test_echoprt(void)
{
    setup();
    set_lflag(KX_ECHOPRT, 0);
    TYPE("abc\x7f\x7fx\r");
    CHECK_ECHO("abc\\cb/x\r\n");
    CHECK_READ(100, "ax\n");
}

static void test_iutf8_erase(void)
{
    setup();
    set_iflag(KX_IUTF8, 0);
    TYPE("a\xc3\xa9\x7f\r");
    CHECK_ECHO("a\xc3\xa9\b \b\r\n");
    CHECK_READ(100, "a\n");
}

static void test_no_iutf8_erases_bytes(void)
{
    setup();
    TYPE("a\xc3\xa9\x7f\r");
    CHECK_READ(100, "a\xc3\n");
}

static void test_iutf8_werase_takes_utf8_word(void)
{
    setup();
    set_iflag(KX_IUTF8, 0);
    TYPE("x h\xc3\xa9llo\x17\r");
    CHECK_READ(100, "x \n");
}

/* ---- line terminators and reading ------------------------------------- */

static void test_eof_on_empty_line(void)
{
    setup();
    TYPE("\x04");
    CHECK_ECHO(""); /* Linux echoes nothing for VEOF */
    CHECK(ldisc_can_read(&ld, 100));
    CHECK_EQ(ldisc_readable(&ld), 0);
    CHECK_READ(100, "");
    CHECK(!ldisc_can_read(&ld, 100));
    CHECK_EQ(ldisc_avail_raw(&ld), 0);
}

static void test_eof_mid_line(void)
{
    setup();
    TYPE("abc\x04");
    CHECK_ECHO("abc");
    CHECK(ldisc_can_read(&ld, 100));
    CHECK_EQ(ldisc_readable(&ld), 3);
    CHECK_READ(100, "abc");
    CHECK(!ldisc_can_read(&ld, 100));
    TYPE("\x04");
    CHECK_READ(100, "");
}

static void test_eof_line_exactly_fills_read(void)
{
    setup();
    TYPE("abc\x04");
    CHECK_READ(3, "abc");
    CHECK(!ldisc_can_read(&ld, 100)); /* no spurious end of file left behind */
}

static void test_read_cap_zero(void)
{
    setup();
    TYPE("a\r");
    CHECK_READ(0, "");
    CHECK_READ(100, "a\n");
}

static void test_partial_reads_of_one_line(void)
{
    setup();
    TYPE("hello\r");
    CHECK_READ(2, "he");
    CHECK(ldisc_can_read(&ld, 2));
    CHECK_READ(2, "ll");
    CHECK_READ(2, "o\n");
    CHECK(!ldisc_can_read(&ld, 2));
}

static void test_read_takes_one_line(void)
{
    setup();
    TYPE("a\rb\x04\r");
    CHECK_EQ(ldisc_readable(&ld), 4);
    CHECK_READ(100, "a\n");
    CHECK_READ(100, "b");
    CHECK_READ(100, "\n");
    CHECK(!ldisc_can_read(&ld, 100));
}

static void test_partial_line_not_readable(void)
{
    setup();
    TYPE("a\rbc");
    CHECK_EQ(ldisc_readable(&ld), 2);
    CHECK_EQ(ldisc_avail_raw(&ld), 4);
    CHECK_READ(100, "a\n");
    CHECK(!ldisc_can_read(&ld, 100));
    CHECK_READ(100, ""); /* nothing complete: a read returns nothing */
    TYPE("\r");
    CHECK_READ(100, "bc\n");
}

static void test_veol_and_veol2(void)
{
    setup();
    set_cc(KX_VEOL, ';');
    set_cc(KX_VEOL2, 0x01);
    TYPE("a;b\x01");
    CHECK_ECHO("a;b^A");
    CHECK_READ(100, "a;");
    CHECK_READ(100, "b\x01");
    set_lflag(0, KX_IEXTEN); /* VEOL2 is an extension */
    TYPE("c\x01");
    CHECK(!ldisc_can_read(&ld, 100));
}

static void test_nul_is_never_special(void)
{
    setup();
    TYPE("a\0b\r"); /* VEOL, VEOL2 and VSWTC are 0: disabled, not NUL */
    CHECK_ECHO("a^@b\r\n");
    CHECK_READ(100, "a\0b\n");
    set_cc(KX_VEOF, KX_POSIX_VDISABLE);
    set_cc(KX_VINTR, KX_POSIX_VDISABLE);
    TYPE("\0\x04\r");
    CHECK_EQ(rec.nsig, 0);
    CHECK_READ(100, "\0\x04\n");
}

/* ---- input mapping ---------------------------------------------------- */

static void test_icrnl_off_delivers_cr(void)
{
    setup();
    set_iflag(0, KX_ICRNL);
    TYPE("a\r");
    CHECK(!ldisc_can_read(&ld, 100));
    CHECK_ECHO("a^M");
    TYPE("\n");
    CHECK_ECHO("a^M\r\n");
    CHECK_READ(100, "a\r\n");
}

static void test_igncr(void)
{
    setup();
    set_iflag(KX_IGNCR, 0);
    TYPE("a\r\n");
    CHECK_ECHO("a\r\n");
    CHECK_READ(100, "a\n");
}

static void test_inlcr(void)
{
    setup();
    set_iflag(KX_INLCR, 0);
    TYPE("a\nb\r"); /* \n -> \r (ordinary), \r -> \n (ICRNL) */
    CHECK_ECHO("a^Mb\r\n");
    CHECK_READ(100, "a\rb\n");
}

static void test_istrip(void)
{
    setup();
    set_iflag(KX_ISTRIP, 0);
    TYPE("\xe1\x83\x8d"); /* 0x83 -> ^C, 0x8d -> \r */
    CHECK_EQ(rec.nsig, 1);
    CHECK_EQ(rec.sigs[0], LDISC_SIGINT);
    CHECK_ECHO("a^C\r\n");
    CHECK_READ(100, "\n");
}

static void test_iuclc(void)
{
    setup();
    set_iflag(KX_IUCLC, 0);
    TYPE("AbC\r");
    CHECK_READ(100, "abc\n");
    set_lflag(0, KX_IEXTEN); /* Linux maps case only with IEXTEN */
    TYPE("AbC\r");
    CHECK_READ(100, "AbC\n");
}

static void test_echo_off_and_echonl(void)
{
    setup();
    set_lflag(0, KX_ECHO);
    TYPE("abc\r");
    CHECK_ECHO("");
    CHECK_READ(100, "abc\n");
    set_lflag(KX_ECHONL, 0);
    TYPE("abc\r");
    CHECK_ECHO("\r\n");
    CHECK_READ(100, "abc\n");
}

static void test_echoctl_off_echoes_raw(void)
{
    setup();
    set_lflag(0, KX_ECHOCTL);
    TYPE("a\x01\x1b[A\r");
    CHECK_ECHO("a\x01\x1b[A\r\n");
}

static void test_echo_without_onlcr(void)
{
    setup();
    set_oflag(0, KX_ONLCR);
    TYPE("a\r");
    CHECK_ECHO("a\n");
    setup();
    set_oflag(0, KX_OPOST);
    TYPE("ab\x7f\r");
    CHECK_ECHO("ab\b \b\n");
}

static void test_echo_column_after_ctl_pair(void)
{
    setup();
    set_oflag(KX_XTABS, 0);
    TYPE("\x01\t"); /* "^A" left the cursor in column 2 */
    CHECK_ECHO("^A      ");
}

static void test_echo_olcuc(void)
{
    setup();
    set_oflag(KX_OLCUC, 0);
    TYPE("ab\r");
    CHECK_ECHO("AB\r\n");
    CHECK_READ(100, "ab\n");
}

/* ---- signals ---------------------------------------------------------- */

static void test_intr_flushes_signals_echoes(void)
{
    setup();
    TYPE("x\rab\x03");
    CHECK_EQ(rec.nsig, 1);
    CHECK_EQ(rec.sigs[0], LDISC_SIGINT);
    CHECK_EQ(rec.flushes, 1);
    CHECK_ECHO("x\r\nab^C"); /* no newline: Linux leaves that to the shell */
    CHECK_EQ(ldisc_readable(&ld), 0);
    CHECK_EQ(ldisc_avail_raw(&ld), 0);
    CHECK(!ldisc_can_read(&ld, 100));
    TYPE("\x7f"); /* nothing left to erase */
    CHECK_ECHO("x\r\nab^C");
    TYPE("y\r");
    CHECK_READ(100, "y\n");
}

static void test_quit_and_susp(void)
{
    setup();
    TYPE("a\x1c");
    TYPE("b\x1a");
    CHECK_EQ(rec.nsig, 2);
    CHECK_EQ(rec.sigs[0], LDISC_SIGQUIT);
    CHECK_EQ(rec.sigs[1], LDISC_SIGTSTP);
    CHECK_ECHO("a^\\b^Z");
    CHECK_EQ(ldisc_avail_raw(&ld), 0);
}

static void test_noflsh_keeps_input(void)
{
    setup();
    set_lflag(KX_NOFLSH, 0);
    TYPE("x\rab\x03");
    CHECK_EQ(rec.nsig, 1);
    CHECK_EQ(rec.flushes, 0);
    CHECK_ECHO("x\r\nab^C");
    CHECK_EQ(ldisc_readable(&ld), 2);
    TYPE("c\r");
    CHECK_READ(100, "x\n");
    CHECK_READ(100, "abc\n");
}

static void test_intr_disabled_is_a_byte(void)
{
    setup();
    set_cc(KX_VINTR, KX_POSIX_VDISABLE);
    TYPE("a\x03\r");
    CHECK_EQ(rec.nsig, 0);
    CHECK_ECHO("a^C\r\n");
    CHECK_READ(100, "a\x03\n");
}

static void test_isig_off_is_a_byte(void)
{
    setup();
    set_lflag(0, KX_ISIG);
    TYPE("\x03\x1c\x1a\r");
    CHECK_EQ(rec.nsig, 0);
    CHECK_READ(100, "\x03\x1c\x1a\n");
}

/* BusyBox's line editor: ISIG, ICANON, ECHO off and VINTR = 0, VMIN 1. */
static void test_busybox_lineedit_mode(void)
{
    setup();
    struct kx_termios t;
    ldisc_get_termios(&ld, &t);
    t.c_lflag &= ~(KX_ICANON | KX_ECHO | KX_ECHONL | KX_ISIG);
    t.c_cc[KX_VMIN] = 1;
    t.c_cc[KX_VTIME] = 0;
    t.c_cc[KX_VINTR] = 0;
    ldisc_set_termios(&ld, &t);
    TYPE("a\x03\x7f\x04\r");
    CHECK_EQ(rec.nsig, 0);
    CHECK_ECHO("");
    CHECK_READ(100, "a\x03\x7f\x04\n"); /* ICRNL still maps Enter */
}

static void test_signal_in_raw_mode(void)
{
    setup();
    set_raw(1, 0);
    TYPE("ab\x03");
    CHECK_EQ(rec.nsig, 1);
    CHECK_EQ(ldisc_avail_raw(&ld), 0);
    CHECK_ECHO("ab^C");
}

/* ---- flow control ----------------------------------------------------- */

static void test_stop_start(void)
{
    setup();
    TYPE("a\x13");
    CHECK(ldisc_output_stopped(&ld));
    TYPE("b");
    CHECK(ldisc_output_stopped(&ld)); /* no IXANY */
    TYPE("\x11");
    CHECK(!ldisc_output_stopped(&ld));
    TYPE("\x11"); /* START while running: still consumed */
    CHECK_EQ(rec.nflow, 2);
    CHECK_EQ(rec.flows[0], 1);
    CHECK_EQ(rec.flows[1], 0);
    CHECK_ECHO("ab");
    TYPE("\r");
    CHECK_READ(100, "ab\n");
}

static void test_ixany(void)
{
    setup();
    set_iflag(KX_IXANY, 0);
    TYPE("\x13");
    CHECK(ldisc_output_stopped(&ld));
    TYPE("x");
    CHECK(!ldisc_output_stopped(&ld));
    TYPE("\r");
    CHECK_READ(100, "x\n"); /* the restarting byte is input too */
}

static void test_ixon_off_stop_is_data(void)
{
    setup();
    set_iflag(0, KX_IXON);
    TYPE("\x13\x11\r");
    CHECK(!ldisc_output_stopped(&ld));
    CHECK_ECHO("^S^Q\r\n");
    CHECK_READ(100, "\x13\x11\n");
}

static void test_ixon_turned_off_restarts(void)
{
    setup();
    TYPE("\x13");
    CHECK(ldisc_output_stopped(&ld));
    set_iflag(0, KX_IXON);
    CHECK(!ldisc_output_stopped(&ld));
}

static void test_signal_restarts_output(void)
{
    setup();
    TYPE("\x13\x03");
    CHECK(!ldisc_output_stopped(&ld));
    CHECK_EQ(rec.nsig, 1);
}

static void test_tcflow(void)
{
    setup();
    CHECK(ldisc_tcflow(&ld, KX_TCOOFF));
    CHECK(ldisc_output_stopped(&ld));
    TYPE("\x11"); /* ^Q does not undo tcflow(TCOOFF) */
    CHECK(ldisc_output_stopped(&ld));
    CHECK(ldisc_tcflow(&ld, KX_TCOON));
    CHECK(!ldisc_output_stopped(&ld));
    TYPE("\x13");
    CHECK(ldisc_tcflow(&ld, KX_TCOON)); /* TCOON without TCOOFF changes nothing */
    CHECK(ldisc_output_stopped(&ld));
    CHECK(ldisc_tcflow(&ld, KX_TCIOFF));
    CHECK(ldisc_tcflow(&ld, KX_TCION));
    CHECK_ECHO("\x13\x11");
    CHECK(!ldisc_tcflow(&ld, 7));
}

/* ---- raw mode --------------------------------------------------------- */

static void test_raw_vmin_1(void)
{
    setup();
    set_raw(1, 0);
    CHECK(!ldisc_can_read(&ld, 10));
    TYPE("ab\x7f\x15\x04");
    CHECK_EQ(ldisc_readable(&ld), 5);
    CHECK(ldisc_can_read(&ld, 10));
    CHECK_ECHO("ab^?^U^D");
    CHECK_READ(3, "ab\x7f");
    CHECK_READ(10, "\x15\x04");
    CHECK(!ldisc_can_read(&ld, 10));
}

static void test_raw_vmin_3(void)
{
    setup();
    set_raw(3, 0);
    TYPE("ab");
    CHECK(!ldisc_can_read(&ld, 10));
    CHECK(ldisc_can_read(&ld, 2)); /* min(VMIN, the read's size) */
    CHECK_EQ(ldisc_avail_raw(&ld), 2);
    TYPE("c");
    CHECK(ldisc_can_read(&ld, 10));
    CHECK_READ(10, "abc");
}

static void test_raw_vmin_0(void)
{
    setup();
    set_raw(0, 0);
    CHECK(ldisc_can_read(&ld, 10)); /* polling read: returns at once */
    CHECK_READ(10, "");
    set_cc(KX_VTIME, 5);
    CHECK(!ldisc_can_read(&ld, 10)); /* the caller's read timer decides */
    TYPE("a");
    CHECK(ldisc_can_read(&ld, 10));
    CHECK_READ(10, "a");
}

static void test_raw_newline_echo(void)
{
    setup();
    set_raw(1, 0);
    TYPE("a\rb\n");
    CHECK_ECHO("a\r\nb\r\n");
    CHECK_READ(10, "a\nb\n");
}

/* ---- switching ICANON ------------------------------------------------- */

static void test_canonical_to_raw_mid_line(void)
{
    setup();
    TYPE("x\rab");
    set_raw(1, 0);
    CHECK_EQ(ldisc_readable(&ld), 4);
    CHECK(ldisc_can_read(&ld, 10));
    CHECK_READ(10, "x\nab");
    TYPE("c\x7f");
    CHECK_READ(10, "c\x7f");
}

static void test_canonical_to_raw_pending_eof(void)
{
    setup();
    TYPE("\x04");
    set_raw(1, 0);
    CHECK_READ(10, "\x04"); /* the typed ^D (Linux: a NUL) */
}

static void test_raw_to_canonical(void)
{
    setup();
    set_raw(1, 0);
    TYPE("ab");
    set_lflag(KX_ICANON, 0);
    CHECK(ldisc_can_read(&ld, 10));
    CHECK_EQ(ldisc_readable(&ld), 2);
    clear_echo();
    TYPE("c\x7f\x7f"); /* erase stops where the old bytes end */
    CHECK_ECHO("c\b \b");
    TYPE("d\r");
    CHECK_READ(10, "ab"); /* a line of its own */
    CHECK_READ(10, "d\n");
    CHECK(!ldisc_can_read(&ld, 10));
}

static void test_mode_round_trip_joins_buffer(void)
{
    setup();
    TYPE("a\rb\x04" "c");
    set_raw(1, 0);
    set_lflag(KX_ICANON, 0);
    CHECK_EQ(ldisc_readable(&ld), 5);
    CHECK_READ(10, "a\nb\x04" "c"); /* one line now: the old line ends are gone */
    CHECK(!ldisc_can_read(&ld, 10));
}

static void test_mode_switch_clears_lnext(void)
{
    setup();
    TYPE("\x16");
    set_raw(1, 0);
    set_lflag(KX_ICANON, 0);
    TYPE("\x03");
    CHECK_EQ(rec.nsig, 1);
}

static void test_flush_input(void)
{
    setup();
    TYPE("a\rbc");
    ldisc_flush_input(&ld);
    CHECK(!ldisc_can_read(&ld, 10));
    CHECK_EQ(ldisc_avail_raw(&ld), 0);
    clear_echo();
    TYPE("\x7f");
    CHECK_ECHO("");
    TYPE("d\r");
    CHECK_READ(10, "d\n");
}

/* ---- a full buffer ---------------------------------------------------- */

static char big[LDISC_BUF + 1000];

static void test_canonical_line_fills_buffer(void)
{
    setup();
    set_lflag(0, KX_ECHO);
    memset(big, 'x', 5000);
    CHECK_EQ(ldisc_input(&ld, big, 5000), 5000); /* the excess is dropped */
    CHECK_EQ(ldisc_avail_raw(&ld), LDISC_BUF - 1);
    CHECK(!ldisc_can_read(&ld, LDISC_BUF));
    TYPE("\x7f\x7fyz\r"); /* editing still works, and the newline fits */
    CHECK_EQ(ldisc_readable(&ld), LDISC_BUF);
    static char out[LDISC_BUF + 8];
    CHECK_EQ(ldisc_read(&ld, out, sizeof out), LDISC_BUF);
    CHECK(out[0] == 'x' && out[LDISC_BUF - 4] == 'x');
    CHECK(out[LDISC_BUF - 3] == 'y' && out[LDISC_BUF - 2] == 'z' && out[LDISC_BUF - 1] == '\n');
    CHECK_EQ(ldisc_avail_raw(&ld), 0);
}

static void test_canonical_full_echo_and_beep(void)
{
    setup();
    memset(big, 'x', LDISC_BUF + 1);
    CHECK_EQ(ldisc_input(&ld, big, LDISC_BUF + 1), LDISC_BUF + 1);
    CHECK_EQ(rec.len, LDISC_BUF - 1); /* no bell without IMAXBEL */
    set_iflag(KX_IMAXBEL, 0);
    clear_echo();
    TYPE("ab\x04");
    CHECK_ECHO("\a\a"); /* a, b dropped; ^D ends the line in the slot kept for it */
    static char out[LDISC_BUF];
    CHECK_EQ(ldisc_read(&ld, out, LDISC_BUF - 1), LDISC_BUF - 1);
    CHECK_EQ(ldisc_avail_raw(&ld), 0); /* the VEOF went with the line */
    CHECK(!ldisc_can_read(&ld, LDISC_BUF));
}

static void test_canonical_waits_behind_complete_lines(void)
{
    setup();
    set_lflag(0, KX_ECHO);
    memset(big, 'x', 2000);
    big[1999] = '\r';
    CHECK_EQ(ldisc_input(&ld, big, 2000), 2000);
    CHECK_EQ(ldisc_input(&ld, big, 2000), 2000);
    /* 4000 buffered and readable: the next line gets 95 bytes, then waits. */
    CHECK_EQ(ldisc_input(&ld, big, 200), 95);
    CHECK_EQ(ldisc_avail_raw(&ld), LDISC_BUF - 1);
    /* A byte that waits holds back what follows it, ^C included: order is kept. */
    CHECK_EQ(ldisc_input(&ld, "y\x03", 2), 0);
    CHECK_EQ(rec.nsig, 0);
    static char out[LDISC_BUF];
    CHECK_EQ(ldisc_read(&ld, out, sizeof out), 2000);
    CHECK_EQ(ldisc_input(&ld, big + 95, 105), 105);
    CHECK_EQ(ldisc_input(&ld, "\r", 1), 1);
    CHECK_EQ(ldisc_read(&ld, out, sizeof out), 2000);
    CHECK_EQ(ldisc_read(&ld, out, sizeof out), 201);
    CHECK(out[199] == 'x' && out[200] == '\n');
}

static void test_canonical_terminator_fits_last_slot(void)
{
    setup();
    set_lflag(0, KX_ECHO);
    memset(big, 'x', 2000);
    big[1999] = '\r';
    CHECK_EQ(ldisc_input(&ld, big, 2000), 2000);
    CHECK_EQ(ldisc_input(&ld, big, 2000), 2000);
    CHECK_EQ(ldisc_input(&ld, big, 200), 95);
    CHECK_EQ(ldisc_input(&ld, "\r", 1), 1);
    CHECK_EQ(ldisc_avail_raw(&ld), LDISC_BUF);
    CHECK_EQ(ldisc_readable(&ld), LDISC_BUF);
    CHECK_EQ(ldisc_input(&ld, "\r", 1), 0); /* now even a terminator waits */
    CHECK_EQ(ldisc_input(&ld, "\x7f", 1), 1); /* erase needs no room (and finds nothing) */
}

static void test_raw_buffer_full_waits(void)
{
    setup();
    set_raw(1, 0);
    set_lflag(0, KX_ECHO);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    CHECK_EQ(ldisc_input(&ld, big, LDISC_BUF + 10), LDISC_BUF);
    CHECK_EQ(ldisc_readable(&ld), LDISC_BUF);
    CHECK_READ(3, "abc");
    CHECK_EQ(ldisc_input(&ld, big + LDISC_BUF, 10), 3);
    static char out[LDISC_BUF + 8];
    CHECK_EQ(ldisc_read(&ld, out, sizeof out), LDISC_BUF);
    CHECK(memcmp(out, big + 3, LDISC_BUF) == 0); /* across the ring's wrap */
}

static void test_ring_wraps_in_canonical_mode(void)
{
    setup();
    set_lflag(0, KX_ECHO);
    char line[101];
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 99; i++)
            line[i] = (char)('a' + (round + i) % 26);
        line[99] = '\r';
        CHECK_EQ(ldisc_input(&ld, line, 100), 100);
        char out[128];
        size_t n = ldisc_read(&ld, out, sizeof out);
        CHECK_EQ(n, 100);
        CHECK(memcmp(out, line, 99) == 0 && out[99] == '\n');
    }
}

/* ---- output processing ------------------------------------------------ */

static void test_output_onlcr(void)
{
    setup();
    CHECK_OUTPUT("a\nb\n", "a\r\nb\r\n");
    CHECK_OUTPUT("\r\n", "\r\r\n");
}

static void test_output_opost_off(void)
{
    setup();
    set_oflag(0, KX_OPOST);
    CHECK_OUTPUT("a\n\tb", "a\n\tb");
    char out[2];
    size_t used;
    CHECK_EQ(ldisc_output(&ld, "abc", 3, out, sizeof out, &used), 2);
    CHECK_EQ(used, 2);
}

static void test_output_onocr_onlret(void)
{
    setup();
    set_oflag(KX_ONOCR, KX_ONLCR);
    CHECK_OUTPUT("\rab\r\r", "ab\r"); /* no CR in column 0 */
    setup();
    set_oflag(KX_ONOCR | KX_ONLRET, KX_ONLCR);
    CHECK_OUTPUT("ab\n\rc\r", "ab\nc\r"); /* ONLRET: \n left column 0 */
    char out[8];
    size_t used;
    CHECK_EQ(ldisc_output(&ld, "\r\r", 2, out, sizeof out, &used), 0);
    CHECK_EQ(used, 2); /* consumed, nothing to write */
}

static void test_output_ocrnl(void)
{
    setup();
    set_oflag(KX_OCRNL, 0);
    CHECK_OUTPUT("a\rb", "a\nb"); /* the \n it makes is not ONLCR'd again */
}

static void test_output_olcuc(void)
{
    setup();
    set_oflag(KX_OLCUC, 0);
    CHECK_OUTPUT("abc XyZ 1\xe9", "ABC XYZ 1\xe9");
}

static void test_output_xtabs(void)
{
    setup();
    set_oflag(KX_XTABS, 0);
    CHECK_OUTPUT("a\tb", "a       b");
    CHECK_OUTPUT("cdefgh\t", "cdefgh "); /* column 9 + 6 = 15: one space to 16 */
    CHECK_OUTPUT("\n\t", "\r\n        ");
    CHECK_OUTPUT("ab\b\t", "ab\b       "); /* a, b to column 10, \b to 9: 7 spaces to 16 */
}

static void test_output_tabs_kept_without_xtabs(void)
{
    setup();
    CHECK_OUTPUT("a\tb", "a\tb");
    TYPE("\t\x7f"); /* output left column 9: the tab went to 16 */
    CHECK_ECHO("\t\b\b\b\b\b\b\b");
}

static void test_output_never_splits_pairs(void)
{
    setup();
    char out[8];
    size_t used;
    CHECK_EQ(ldisc_output(&ld, "\n", 1, out, 1, &used), 0);
    CHECK_EQ(used, 0);
    CHECK_EQ(ldisc_output(&ld, "a\nb", 3, out, 2, &used), 1);
    CHECK_EQ(used, 1);
    CHECK_EQ(ldisc_output(&ld, "\nb", 2, out, 2, &used), 2);
    CHECK_EQ(used, 1);
    CHECK(memcmp(out, "\r\n", 2) == 0);
    set_oflag(KX_XTABS, 0);
    CHECK_EQ(ldisc_output(&ld, "\t", 1, out, 7, &used), 0); /* column 0: 8 spaces */
    CHECK_EQ(used, 0);
    CHECK_EQ(ldisc_output(&ld, "\t", 1, out, 8, &used), 8);
    CHECK_EQ(used, 1);
    CHECK_EQ(ldisc_output(&ld, "x", 1, out, 0, &used), 0);
    CHECK_EQ(used, 0);
}

static void test_output_utf8_column(void)
{
    setup();
    set_iflag(KX_IUTF8, 0);
    set_oflag(KX_XTABS, 0);
    CHECK_OUTPUT("\xc3\xa9\t", "\xc3\xa9       "); /* é is one column */
}

int main(void)
{
    RUN(test_defaults_are_tty_std_termios);
    RUN(test_set_termios_round_trip);
    RUN(test_erase_then_line);
    RUN(test_erase_on_empty_line_does_nothing);
    RUN(test_erase_stops_at_line_start);
    RUN(test_backspace_is_ordinary_unless_verase);
    RUN(test_erase_without_echoe_echoes_erase_char);
    RUN(test_erase_control_char);
    RUN(test_verase_disabled);
    RUN(test_kill_echoke);
    RUN(test_kill_echok_without_echoke);
    RUN(test_kill_without_echok);
    RUN(test_kill_without_echo);
    RUN(test_werase_over_trailing_spaces);
    RUN(test_werase_word_characters);
    RUN(test_werase_needs_iexten);
    RUN(test_tab_erase_from_column_0);
    RUN(test_tab_erase_after_text);
    RUN(test_tab_erase_after_prompt);
    RUN(test_tab_erase_after_previous_tab);
    RUN(test_tab_erase_counts_echoctl_pairs);
    RUN(test_reprint);
    RUN(test_reprint_needs_echo);
    RUN(test_lnext_makes_intr_literal);
    RUN(test_lnext_literal_erase_eof_cr);
    RUN(test_lnext_newline_is_not_a_line_end);
    RUN(test_lnext_across_input_calls);
    RUN(test_echoprt);
    RUN(test_iutf8_erase);
    RUN(test_no_iutf8_erases_bytes);
    RUN(test_iutf8_werase_takes_utf8_word);
    RUN(test_eof_on_empty_line);
    RUN(test_eof_mid_line);
    RUN(test_eof_line_exactly_fills_read);
    RUN(test_read_cap_zero);
    RUN(test_partial_reads_of_one_line);
    RUN(test_read_takes_one_line);
    RUN(test_partial_line_not_readable);
    RUN(test_veol_and_veol2);
    RUN(test_nul_is_never_special);
    RUN(test_icrnl_off_delivers_cr);
    RUN(test_igncr);
    RUN(test_inlcr);
    RUN(test_istrip);
    RUN(test_iuclc);
    RUN(test_echo_off_and_echonl);
    RUN(test_echoctl_off_echoes_raw);
    RUN(test_echo_without_onlcr);
    RUN(test_echo_column_after_ctl_pair);
    RUN(test_echo_olcuc);
    RUN(test_intr_flushes_signals_echoes);
    RUN(test_quit_and_susp);
    RUN(test_noflsh_keeps_input);
    RUN(test_intr_disabled_is_a_byte);
    RUN(test_isig_off_is_a_byte);
    RUN(test_busybox_lineedit_mode);
    RUN(test_signal_in_raw_mode);
    RUN(test_stop_start);
    RUN(test_ixany);
    RUN(test_ixon_off_stop_is_data);
    RUN(test_ixon_turned_off_restarts);
    RUN(test_signal_restarts_output);
    RUN(test_tcflow);
    RUN(test_raw_vmin_1);
    RUN(test_raw_vmin_3);
    RUN(test_raw_vmin_0);
    RUN(test_raw_newline_echo);
    RUN(test_canonical_to_raw_mid_line);
    RUN(test_canonical_to_raw_pending_eof);
    RUN(test_raw_to_canonical);
    RUN(test_mode_round_trip_joins_buffer);
    RUN(test_mode_switch_clears_lnext);
    RUN(test_flush_input);
    RUN(test_canonical_line_fills_buffer);
    RUN(test_canonical_full_echo_and_beep);
    RUN(test_canonical_waits_behind_complete_lines);
    RUN(test_canonical_terminator_fits_last_slot);
    RUN(test_raw_buffer_full_waits);
    RUN(test_ring_wraps_in_canonical_mode);
    RUN(test_output_onlcr);
    RUN(test_output_opost_off);
    RUN(test_output_onocr_onlret);
    RUN(test_output_ocrnl);
    RUN(test_output_olcuc);
    RUN(test_output_xtabs);
    RUN(test_output_tabs_kept_without_xtabs);
    RUN(test_output_never_splits_pairs);
    RUN(test_output_utf8_column);
    return test_finish();
}
