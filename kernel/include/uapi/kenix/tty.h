/*
 * Terminals: Linux's kernel termios and window size, shared by the kernel,
 * the console server and its line discipline (docs/ipc-protocols.md,
 * "Terminals"; POSIX-DESIGN R5).
 *
 * The layout is Linux's kernel `struct termios` (NCCS = 19, 36 bytes), which
 * TCGETS/TCSETS* move; musl's 60-byte user struct starts with the same bytes.
 * Names carry a KX_ prefix so this header can sit beside <termios.h>.
 */
#ifndef KENIX_UAPI_TTY_H
#define KENIX_UAPI_TTY_H

#include <stdint.h>

#define KX_NCCS 19

struct kx_termios {
    uint32_t c_iflag;
    uint32_t c_oflag;
    uint32_t c_cflag;
    uint32_t c_lflag;
    uint8_t c_line;
    uint8_t c_cc[KX_NCCS];
};

struct kx_winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* c_cc indices. */
#define KX_VINTR 0
#define KX_VQUIT 1
#define KX_VERASE 2
#define KX_VKILL 3
#define KX_VEOF 4
#define KX_VTIME 5
#define KX_VMIN 6
#define KX_VSWTC 7
#define KX_VSTART 8
#define KX_VSTOP 9
#define KX_VSUSP 10
#define KX_VEOL 11
#define KX_VREPRINT 12
#define KX_VDISCARD 13
#define KX_VWERASE 14
#define KX_VLNEXT 15
#define KX_VEOL2 16

#define KX_POSIX_VDISABLE 0 /* a c_cc[] entry of 0 matches no character (Linux) */

/* c_iflag. */
#define KX_IGNBRK 0000001u
#define KX_BRKINT 0000002u
#define KX_IGNPAR 0000004u
#define KX_PARMRK 0000010u
#define KX_INPCK 0000020u
#define KX_ISTRIP 0000040u
#define KX_INLCR 0000100u
#define KX_IGNCR 0000200u
#define KX_ICRNL 0000400u
#define KX_IUCLC 0001000u
#define KX_IXON 0002000u
#define KX_IXANY 0004000u
#define KX_IXOFF 0010000u
#define KX_IMAXBEL 0020000u
#define KX_IUTF8 0040000u

/* c_oflag. */
#define KX_OPOST 0000001u
#define KX_OLCUC 0000002u
#define KX_ONLCR 0000004u
#define KX_OCRNL 0000010u
#define KX_ONOCR 0000020u
#define KX_ONLRET 0000040u
#define KX_TABDLY 0014000u
#define KX_XTABS 0014000u

/* c_cflag. */
#define KX_CBAUD 0010017u
#define KX_B38400 0000017u
#define KX_B115200 0010002u
#define KX_CSIZE 0000060u
#define KX_CS8 0000060u
#define KX_CSTOPB 0000100u
#define KX_CREAD 0000200u
#define KX_PARENB 0000400u
#define KX_HUPCL 0002000u
#define KX_CLOCAL 0004000u

/* c_lflag. */
#define KX_ISIG 0000001u
#define KX_ICANON 0000002u
#define KX_ECHO 0000010u
#define KX_ECHOE 0000020u
#define KX_ECHOK 0000040u
#define KX_ECHONL 0000100u
#define KX_NOFLSH 0000200u
#define KX_TOSTOP 0000400u
#define KX_ECHOCTL 0001000u
#define KX_ECHOPRT 0002000u
#define KX_ECHOKE 0004000u
#define KX_FLUSHO 0010000u
#define KX_PENDIN 0040000u
#define KX_IEXTEN 0100000u

/* tcflush / TCFLSH and tcflow / TCXONC arguments. */
#define KX_TCIFLUSH 0
#define KX_TCOFLUSH 1
#define KX_TCIOFLUSH 2
#define KX_TCOOFF 0
#define KX_TCOON 1
#define KX_TCIOFF 2
#define KX_TCION 3

/*
 * Terminal objects (KX_OBJ_TERMINAL, POSIX-DESIGN R5). A terminal server
 * (the console) makes one per line with kx_term_create(endpoint, cookie,
 * event): the kernel then sends the line's reads, writes and ioctls as IO
 * protocol calls to that endpoint, naming the object by `cookie`, and reads
 * its readiness from `event`. The kernel owns the rest -- which session the
 * line controls, its foreground process group, the job-control checks -- so
 * the server never names a process: it asks the kernel to signal the
 * foreground group with kx_term_signal.
 *
 *   kx_term_create(endpoint (RECV), cookie, event (READ) or 0) -> handle
 *       (DUP, TRANSFER, WRITE)
 *   kx_term_register(term, rdev): opens of the character device rdev
 *       (Linux's encoding, as st_rdev) reach this terminal from now on,
 *       replacing an earlier registration (a restarted server). Root only.
 *       Only numbers Linux gives terminals (4:*, 5:1, 136-143:*, 188:*,
 *       204:*, 229:*); 5:0 (/dev/tty, the caller's controlling terminal)
 *       is the kernel's own.
 *   kx_term_signal(term (WRITE), sig, how) -> processes signalled:
 *       KX_TERM_FOREGROUND sends sig -- SIGINT, SIGQUIT, SIGTSTP or SIGWINCH,
 *       what a terminal sends (others EINVAL) -- to the foreground process
 *       group of the session the terminal controls (none: 0). KX_TERM_HANGUP ends that
 *       control: SIGHUP and SIGCONT to the session leader and the foreground
 *       group (sig is not looked at).
 */
#define KX_TERM_FOREGROUND 0u
#define KX_TERM_HANGUP 1u

/* Device numbers (Linux's st_rdev encoding: major << 8 | minor below 256). */
#define KX_RDEV_TTY 0x0500u     /* 5:0 /dev/tty: the caller's controlling terminal (the kernel's) */
#define KX_RDEV_CONSOLE 0x0501u /* 5:1 /dev/console */
#define KX_RDEV_TTYAMA0 0xcc40u /* 204:64 /dev/ttyAMA0, the first PL011 */

/* The console server's own protocol, besides the IO protocol on its lines:
 * TTY_READY (any caller with the send right, in practice init) is answered
 * w0 = 0 once the server has registered its lines, so init opens
 * /dev/console only when it reaches the server. */
#define KX_PROTO_TTY 0x03u
#define TTY_READY ((KX_PROTO_TTY << 8) | 1u)

#endif
