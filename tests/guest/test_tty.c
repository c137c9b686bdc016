/*
 * Terminals with Linux's semantics, on /dev/console (the console server's
 * line) -- never reading typed input, so it runs unattended:
 * - a terminal answers TCGETS/TCSETS (Linux's 36-byte kernel termios) and
 *   the window size (TIOCSWINSZ sends SIGWINCH to the foreground group);
 *   other descriptors answer ENOTTY, and so does an unknown request;
 * - the controlling terminal: TIOCSCTTY (session leaders only, not twice,
 *   not another session's), TIOCGSID, TIOC[GS]PGRP with ESRCH/EPERM/EINVAL,
 *   /dev/tty opening it (ENXIO without one), TIOCNOTTY;
 * - VMIN 0 / VTIME 3 without input returns 0 after about 300 ms;
 * - background groups: a read gets SIGTTIN (or EIO when SIGTTIN is ignored),
 *   a write with TOSTOP SIGTTOU, tcsetattr SIGTTOU; a foreground group does
 *   neither;
 * - O_NONBLOCK reads without input: EAGAIN; FIONREAD 0.
 * Runs in a session of its own (a child of the program, which is not a
 * session leader under /init).
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <termios.h>

#include "posix_test.h"

static volatile sig_atomic_t winches;

static void on_winch(int sig)
{
    (void)sig;
    winches++;
}

/* Runs fn in a child of a new process group in our session; returns its wait status (WUNTRACED). */
static int in_background(void (*fn)(int), int fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        fn(fd);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, WUNTRACED);
    if (WIFSTOPPED(st)) {
        kill(pid, SIGKILL);
        waitpid(pid, 0, 0);
    }
    return st;
}

static void bg_read(int fd)
{
    char c;
    _exit(read(fd, &c, 1) < 0 ? (errno == EIO ? 5 : 6) : 7);
}

static void bg_read_ignoring(int fd)
{
    signal(SIGTTIN, SIG_IGN);
    bg_read(fd);
}

static void bg_write(int fd)
{
    _exit(write(fd, "", 0) == 0 && write(fd, "x\b", 2) == 2 ? 0 : 6);
}

static void bg_setattr(int fd)
{
    struct termios t;
    tcgetattr(fd, &t);
    _exit(tcsetattr(fd, TCSANOW, &t) == 0 ? 0 : 6);
}

static void settings(int fd)
{
    struct termios t, u;
    check(tcgetattr(fd, &t) == 0, "tcgetattr on /dev/console");
    check((t.c_lflag & ICANON) && (t.c_lflag & ECHO) && (t.c_oflag & ONLCR), "cooked by default: ICANON, ECHO, ONLCR");
    check(t.c_cc[VINTR] == 3 && t.c_cc[VEOF] == 4 && t.c_cc[VERASE] == 0177, "^C ^D DEL");
    u = t;
    u.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
    u.c_cc[VMIN] = 0;
    u.c_cc[VTIME] = 3;
    check(tcsetattr(fd, TCSANOW, &u) == 0, "tcsetattr: raw, VMIN 0, VTIME 3");
    struct termios v;
    tcgetattr(fd, &v);
    check(!(v.c_lflag & (ECHO | ICANON)) && v.c_cc[VMIN] == 0 && v.c_cc[VTIME] == 3, "read back as set");
    long long t0 = now_ns();
    char c;
    ssize_t n = read(fd, &c, 1);
    long long ms = (now_ns() - t0) / 1000000;
    checkf(n == 0 && ms >= 250 && ms < 3000, "VMIN 0 VTIME 3 without input: 0 after about 300 ms (%zd, %lld ms)", n, ms);
    check(tcsetattr(fd, TCSADRAIN, &t) == 0, "tcsetattr TCSADRAIN puts the settings back");
    check(tcdrain(fd) == 0, "tcdrain");
    check(tcflush(fd, TCIFLUSH) == 0, "tcflush TCIFLUSH");
    errno = 0;
    check(tcflush(fd, 7) == -1 && errno == EINVAL, "tcflush with a bad queue: EINVAL");
    int avail = -1;
    check(ioctl(fd, FIONREAD, &avail) == 0 && avail == 0, "FIONREAD: 0 bytes typed");
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    errno = 0;
    check(read(fd, &c, 1) == -1 && errno == EAGAIN, "O_NONBLOCK read without input: EAGAIN");
    fcntl(fd, F_SETFL, fl);
    check(ioctl(fd, 0x5499, 0) == -1 && errno == ENOTTY, "an unknown request: ENOTTY");
    errno = 0;
    check(ioctl(fd, TCGETS, (void *)8) == -1 && errno == EFAULT, "TCGETS to a bad pointer: EFAULT");

    struct winsize ws, w2 = { .ws_row = 40, .ws_col = 100 };
    check(ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 24 && ws.ws_col == 80, "the window is 24 x 80");
    signal(SIGWINCH, on_winch);
    check(ioctl(fd, TIOCSWINSZ, &w2) == 0, "TIOCSWINSZ 40 x 100");
    check(winches == 1, "SIGWINCH to the foreground group");
    check(ioctl(fd, TIOCSWINSZ, &w2) == 0 && winches == 1, "the same size again: no SIGWINCH");
    check(ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 40 && ws.ws_col == 100, "read back");
    ws.ws_row = 24;
    ws.ws_col = 80;
    ioctl(fd, TIOCSWINSZ, &ws);
    check(isatty(fd) == 1, "isatty");

    int p[2];
    pipe(p);
    errno = 0;
    check(tcgetattr(p[0], &u) == -1 && errno == ENOTTY, "tcgetattr on a pipe: ENOTTY");
    errno = 0;
    check(ioctl(p[0], TIOCSCTTY, 0) == -1 && errno == ENOTTY, "TIOCSCTTY on a pipe: ENOTTY");
    close(p[0]);
    close(p[1]);
}

static void session(void)
{
    errno = 0;
    int tty = open("/dev/tty", O_RDWR);
    check(tty == -1 && errno == ENXIO, "/dev/tty without a controlling terminal: ENXIO");
    int fd = open("/dev/console", O_RDWR);
    check(fd >= 0, "open /dev/console");
    pid_t me = getpid();
    errno = 0;
    check(ioctl(fd, TIOCGPGRP, &(pid_t){ 0 }) == -1 && errno == ENOTTY, "TIOCGPGRP before it is ours: ENOTTY");
    check(ioctl(fd, TIOCSCTTY, 0) == 0, "TIOCSCTTY as a session leader");
    check(ioctl(fd, TIOCSCTTY, 0) == 0, "again: no change, 0");
    pid_t sid = 0, pg = 0;
    check(ioctl(fd, TIOCGSID, &sid) == 0 && sid == me, "TIOCGSID: our session");
    check(tcgetpgrp(fd) == me, "the foreground group is ours");
    tty = open("/dev/tty", O_RDWR);
    check(tty >= 0, "/dev/tty opens the controlling terminal");
    check(tty >= 0 && ioctl(tty, TIOCGPGRP, &pg) == 0 && pg == me, "through it too");
    settings(fd);

    errno = 0;
    check(tcsetpgrp(fd, 99999) == -1 && errno == ESRCH, "tcsetpgrp to no group: ESRCH");
    errno = 0;
    check(tcsetpgrp(fd, 1) == -1 && errno == EPERM, "tcsetpgrp to another session's group: EPERM");
    errno = 0;
    check(ioctl(fd, TIOCSPGRP, &(pid_t){ -1 }) == -1 && errno == EINVAL, "TIOCSPGRP -1: EINVAL");

    int st = in_background(bg_read, fd);
    checkf(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN, "a read from a background group: stopped by SIGTTIN (0x%x)", st);
    st = in_background(bg_read_ignoring, fd);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 5, "with SIGTTIN ignored: EIO (0x%x)", st);
    st = in_background(bg_write, fd);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a background write without TOSTOP goes through (0x%x)", st);
    st = in_background(bg_setattr, fd);
    checkf(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU, "tcsetattr from the background: SIGTTOU (0x%x)", st);
    struct termios t;
    tcgetattr(fd, &t);
    t.c_lflag |= TOSTOP;
    tcsetattr(fd, TCSANOW, &t);
    st = in_background(bg_write, fd);
    checkf(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU, "with TOSTOP a background write: SIGTTOU (0x%x)", st);
    t.c_lflag &= ~(tcflag_t)TOSTOP;
    tcsetattr(fd, TCSANOW, &t);

    /* A child moves the terminal to its own group, then hands it back. */
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, SIG_IGN); /* a background tcsetpgrp is allowed when SIGTTOU is ignored */
        int ok = tcsetpgrp(fd, getpid()) == 0 && tcgetpgrp(fd) == getpid() && tcsetpgrp(fd, me) == 0;
        _exit(ok ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0 && tcgetpgrp(fd) == me,
          "tcsetpgrp from a background group with SIGTTOU ignored");

    pid = fork();
    if (pid == 0) {
        setsid();
        errno = 0;
        int r = ioctl(fd, TIOCSCTTY, 0);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "another session cannot take it (EPERM)");

    /* A leader giving the terminal up hangs up its foreground group: ours. */
    signal(SIGHUP, SIG_IGN);
    check(ioctl(fd, TIOCNOTTY) == 0, "TIOCNOTTY");
    errno = 0;
    check(ioctl(fd, TIOCGSID, &sid) == -1 && errno == ENOTTY, "then TIOCGSID: ENOTTY");
    errno = 0;
    int again = open("/dev/tty", O_RDWR);
    check(again == -1 && errno == ENXIO, "and /dev/tty: ENXIO");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    struct termios t;
    if (fd < 0 || tcgetattr(fd, &t) != 0) {
        printf("test_tty: /dev/console is not a terminal here (no console server): skipped\n");
        return 0;
    }
    close(fd);
    /* A session of our own: the test's process is not a session leader. */
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        session();
        _exit(check_summary());
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
