/*
 * Calls interrupted while a server holds them (POSIX-DESIGN R3.2-R3.6): the
 * cancel protocol, seen from both sides.
 *
 * This program is the toy server: it makes an endpoint, binds a notification
 * to it (where KX_NOTE_CANCEL arrives) and attaches descriptors to it with
 * kx_fd_attach. Forked children are the clients: they read or write those
 * descriptors, which the kernel turns into IO_READ/IO_WRITE calls to us.
 * Every step is driven by hand, so each case is deterministic: we receive the
 * call, save or hold it, signal the client, look at what the kernel tells us,
 * answer, and check what the client's system call returned, byte for byte.
 * A child reports through a pipe (struct report); the parent prints the
 * lines. A spawned copy (argv[1] "native") is the native client for kx_call,
 * since forked children have no handles. Run by /init (KX_SLOT_INITRD).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kenix/io.h>
#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define SELF "/bin/test_cancel"
#define SLOT_EP 4
#define LABEL_PING 0x7101

static struct kx_initrd initrd;
static kx_handle_t ep, note;
static uint8_t inbox[4096];

/* ---- the client side (forked children) ------------------------------------------------- */

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

static bool install(bool restart)
{
    struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGUSR1, &sa, NULL) == 0;
}

/* What a child saw: its call's result, errno, the bytes read, handlers run. */
struct report {
    long r;
    int err;
    int handled;
    bool installed;
    char data[64];
};

static int report_pipe[2];

static void report(long r, const char *data, bool installed)
{
    struct report rep = { .r = r, .err = r < 0 ? errno : 0, .handled = handled, .installed = installed };
    if (data && r > 0)
        memcpy(rep.data, data, (size_t)r < sizeof(rep.data) ? (size_t)r : sizeof(rep.data));
    write(report_pipe[1], &rep, sizeof(rep));
}

enum op { OP_READ, OP_WRITE, OP_READ_BLOCKED_USR1 };

/* A child that installs a handler (or not: `handler` < 0), then reads or
 * writes `len` bytes on fd and reports; exits 0. */
static pid_t client(int fd, enum op op, int handler, size_t len)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid)
        return pid;
    bool ok = handler < 0 || install(handler == 1);
    char buf[64] = "abcdefghijklmnopqrstuvwxyz";
    long r;
    if (op == OP_READ_BLOCKED_USR1) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, NULL);
    }
    if (op == OP_WRITE)
        r = write(fd, buf, len);
    else
        r = read(fd, buf, len);
    report(r, op == OP_WRITE ? 0 : buf, ok);
    _exit(0);
}

static bool get_report(struct report *rep)
{
    return read(report_pipe[0], rep, sizeof(*rep)) == sizeof(*rep);
}

static int wait_status(pid_t pid)
{
    int st = -1;
    return waitpid(pid, &st, 0) == pid ? st : -1;
}

/* Whether the child is still blocked (not exited) after giving it time to run. */
static bool still_blocked(pid_t pid)
{
    for (int i = 0; i < 100; i++)
        sched_yield();
    int st;
    return waitpid(pid, &st, WNOHANG) == 0;
}

/* ---- the server side -------------------------------------------------------------------- */

static uint64_t note_bits; /* notification bits received with calls, not yet looked at */

/* The next call (notifications noted, IO_CLOSE skipped). */
static long next_call(struct kx_msg *m, uint64_t *badge)
{
    for (;;) {
        struct kx_xfer x = { .recv = inbox, .recv_cap = sizeof(inbox) };
        long r = kx_recv(ep, m, &x, badge);
        if (r < 0)
            return r;
        if (m->label & KX_MSG_NOTIFY) {
            note_bits |= m->w[0];
            continue;
        }
        if (KX_MSG_LABEL(m->label) == IO_CLOSE)
            continue;
        return 0;
    }
}

/* Whether KX_NOTE_CANCEL has arrived: taken from what we noted, or waited for
 * as the next message (which must then be the notification). */
static bool cancel_noted(void)
{
    if (!(note_bits & KX_NOTE_CANCEL)) {
        struct kx_msg m;
        struct kx_xfer x = { .recv = inbox, .recv_cap = sizeof(inbox) };
        uint64_t badge;
        long r = kx_recv(ep, &m, &x, &badge);
        if (r < 0 || !(m.label & KX_MSG_NOTIFY))
            return false;
        note_bits |= m.w[0];
    }
    bool seen = note_bits & KX_NOTE_CANCEL;
    note_bits &= ~KX_NOTE_CANCEL;
    return seen;
}

/* Bits pending on the notification right now, without blocking (taken). */
static uint64_t poll_bits(void)
{
    uint64_t bits = 0;
    kx_notify_poll(note, &bits);
    bits |= note_bits;
    note_bits = 0;
    return bits;
}

static long answer(kx_handle_t reply, uint32_t label, long result)
{
    struct kx_msg a = { .label = label, .w = { (uint64_t)result } };
    return kx_reply(reply, &a, NULL);
}

/* Receives an IO call of `label` from pid and saves it; returns the reply handle. */
static long receive_and_save(uint32_t label, pid_t pid, struct kx_msg *m)
{
    uint64_t badge = 0;
    long r = next_call(m, &badge);
    if (r < 0)
        return r;
    if (KX_MSG_LABEL(m->label) != label || badge != (KX_BADGE_KERNEL | (uint64_t)pid))
        return -EPROTO;
    return kx_reply_save();
}

static const char DATA[] = "0123456789";

/* ---- the cases -------------------------------------------------------------------------- */

/* SA_RESTART: the server sees the cancel, answers -EINTR, the read is made
 * again at the same offset and returns the data once it is there. */
static void read_restarts(void)
{
    int fd = (int)kx_fd_attach(ep, 1, O_RDWR | KX_FD_SEEKABLE);
    pid_t pid = client(fd, OP_READ, 1, 10);
    struct kx_msg m;
    long h = receive_and_save(IO_READ, pid, &m);
    uint64_t pos1 = m.w[1];
    checkf(h > 0, "a read with no data yet is saved by the server (reply handle %ld)", h);
    kill(pid, SIGUSR1);
    bool noted = cancel_noted();
    kx_handle_t got[4] = { 0 };
    long n = kx_reply_cancelled(got, 4);
    checkf(noted && n == 1 && got[0] == h,
           "SIGUSR1 to the reader: KX_NOTE_CANCEL on the bound notification, kx_reply_cancelled names the "
           "saved reply (%ld handles, %d)", n, got[0]);
    checkf(kx_reply_cancelled(got, 4) == 0, "each cancelled reply is reported once: the next ask is empty");
    checkf(still_blocked(pid), "the reader stays blocked until the server answers");
    long ar = answer((kx_handle_t)h, IO_READ, -EINTR);
    /* The restarted read arrives: now there is data. */
    uint64_t badge;
    long r = next_call(&m, &badge);
    checkf(ar == 0 && r == 0 && KX_MSG_LABEL(m.label) == IO_READ && m.w[1] == pos1 && m.w[2] == 10,
           "answered -EINTR: the read comes again (SA_RESTART), for the same offset %llu and length",
           (unsigned long long)m.w[1]);
    long w = kx_msg_write(0, 0, DATA, 10);
    answer(0, IO_READ, w);
    struct report rep;
    bool ok = get_report(&rep);
    int st = wait_status(pid);
    checkf(ok && rep.installed && rep.r == 10 && !memcmp(rep.data, DATA, 10) && rep.handled == 1 && st == 0,
           "read returns all 10 bytes after the handler ran once: nothing lost (r %ld, handled %d)", rep.r,
           rep.handled);
    checkf(lseek(fd, 0, SEEK_CUR) == (off_t)(pos1 + 10), "the shared offset moved by exactly 10: %lld",
           (long long)lseek(fd, 0, SEEK_CUR));
    close(fd);
}

/* Without SA_RESTART: -1/EINTR, and nothing consumed. */
static void read_eintr(void)
{
    int fd = (int)kx_fd_attach(ep, 2, O_RDONLY);
    pid_t pid = client(fd, OP_READ, 0, 10);
    struct kx_msg m;
    long h = receive_and_save(IO_READ, pid, &m);
    kill(pid, SIGUSR1);
    kx_handle_t got[2];
    long n = cancel_noted() ? kx_reply_cancelled(got, 2) : -1;
    long ar = n == 1 ? answer(got[0], IO_READ, -EINTR) : -1;
    struct report rep;
    bool ok = get_report(&rep);
    wait_status(pid);
    checkf(h > 0 && ar == 0 && ok && rep.r == -1 && rep.err == EINTR && rep.handled == 1,
           "without SA_RESTART the read returns -1/EINTR after the handler (r %ld, %s, handled %d)", rep.r,
           strerror(rep.err), rep.handled);
    close(fd);
}

/* The server already moved part of the data: the read returns that short count. */
static void read_partial(void)
{
    int fd = (int)kx_fd_attach(ep, 3, O_RDONLY);
    pid_t pid = client(fd, OP_READ, 1, 10);
    struct kx_msg m;
    long h = receive_and_save(IO_READ, pid, &m);
    long w = kx_msg_write((kx_handle_t)h, 0, "xyz", 3); /* 3 bytes came, the rest has not */
    kill(pid, SIGUSR1);
    kx_handle_t got[2];
    long n = cancel_noted() ? kx_reply_cancelled(got, 2) : -1;
    long ar = n == 1 ? answer(got[0], IO_READ, 3) : -1;
    struct report rep;
    bool ok = get_report(&rep);
    wait_status(pid);
    checkf(w == 3 && ar == 0 && ok && rep.r == 3 && !memcmp(rep.data, "xyz", 3) && rep.handled == 1,
           "data already moved: the read returns the short count 3 with those bytes, not a restart (r %ld)",
           rep.r);
    close(fd);
}

/* A write blocked in the server: restarted when nothing was taken, short when some was. */
static void write_cases(void)
{
    int fd = (int)kx_fd_attach(ep, 4, O_WRONLY);
    pid_t pid = client(fd, OP_WRITE, 1, 6);
    struct kx_msg m;
    long h = receive_and_save(IO_WRITE, pid, &m);
    kill(pid, SIGUSR1);
    kx_handle_t got[2];
    long n = cancel_noted() ? kx_reply_cancelled(got, 2) : -1;
    long ar = n == 1 ? answer(got[0], IO_WRITE, -EINTR) : -1;
    uint64_t badge;
    long r = next_call(&m, &badge);
    char taken[8] = { 0 };
    long got_bytes = r == 0 && KX_MSG_LABEL(m.label) == IO_WRITE ? kx_msg_read(0, 0, taken, 6) : -1;
    answer(0, IO_WRITE, got_bytes);
    struct report rep;
    bool ok = get_report(&rep);
    wait_status(pid);
    checkf(h > 0 && ar == 0 && got_bytes == 6 && !memcmp(taken, "abcdef", 6) && ok && rep.r == 6 &&
               rep.handled == 1,
           "a write answered -EINTR is made again (SA_RESTART) and all 6 bytes arrive once (r %ld)", rep.r);

    pid = client(fd, OP_WRITE, 1, 6);
    h = receive_and_save(IO_WRITE, pid, &m);
    long part = kx_msg_read((kx_handle_t)h, 0, taken, 2);
    kill(pid, SIGUSR1);
    n = cancel_noted() ? kx_reply_cancelled(got, 2) : -1;
    ar = n == 1 ? answer(got[0], IO_WRITE, 2) : -1;
    ok = get_report(&rep);
    wait_status(pid);
    checkf(part == 2 && ar == 0 && ok && rep.r == 2 && rep.handled == 1,
           "a write the server took 2 bytes of returns the short count 2 (r %ld)", rep.r);
    close(fd);
}

/* A signal while the server holds the call implicitly: the caller is only
 * marked. Answering at once wins; saving it makes the reply cancelled at once. */
static void held_implicitly(void)
{
    int fd = (int)kx_fd_attach(ep, 5, O_RDONLY);
    pid_t pid = client(fd, OP_READ, 1, 10);
    struct kx_msg m;
    uint64_t badge;
    long r = next_call(&m, &badge);
    kill(pid, SIGUSR1);
    uint64_t bits = poll_bits();
    bool blocked = still_blocked(pid);
    long w = kx_msg_write(0, 0, DATA, 10);
    answer(0, IO_READ, w);
    struct report rep;
    bool ok = get_report(&rep);
    wait_status(pid);
    checkf(r == 0 && !(bits & KX_NOTE_CANCEL) && blocked && ok && rep.r == 10 && !memcmp(rep.data, DATA, 10) &&
               rep.handled == 1,
           "a signal while the server works on the call: no notification, the answer wins (10 bytes), then the "
           "handler runs (r %ld, handled %d)", rep.r, rep.handled);

    pid = client(fd, OP_READ, 0, 10);
    r = next_call(&m, &badge);
    kill(pid, SIGUSR1);
    long h = kx_reply_save();
    kx_handle_t got[2];
    bool noted = cancel_noted();
    long n = kx_reply_cancelled(got, 2);
    checkf(r == 0 && h > 0 && noted && n == 1 && got[0] == h,
           "the server saves a call a signal came for meanwhile: the reply is cancelled at once (noted, %ld)", n);
    answer((kx_handle_t)h, IO_READ, -EINTR);
    ok = get_report(&rep);
    wait_status(pid);
    checkf(ok && rep.r == -1 && rep.err == EINTR, "and its -EINTR answer ends the read: -1/EINTR (%s)",
           strerror(rep.err));
    close(fd);
}

/* A blocked signal cancels nothing; two signals cancel once; a reply closed
 * unanswered after a cancel restarts the call; kx_reply_cancelled's errors. */
static void edges(void)
{
    int fd = (int)kx_fd_attach(ep, 6, O_RDONLY);
    pid_t pid = client(fd, OP_READ_BLOCKED_USR1, 1, 10);
    struct kx_msg m;
    long h = receive_and_save(IO_READ, pid, &m);
    kill(pid, SIGUSR1);
    kx_handle_t got[4];
    uint64_t bits = poll_bits();
    long n = kx_reply_cancelled(got, 4);
    long w = kx_msg_write((kx_handle_t)h, 0, DATA, 4);
    answer((kx_handle_t)h, IO_READ, w);
    struct report rep;
    bool ok = get_report(&rep);
    wait_status(pid);
    checkf(!(bits & KX_NOTE_CANCEL) && n == 0 && ok && rep.r == 4 && rep.handled == 0,
           "a blocked signal cancels nothing: no note, nothing listed, the read completes (r %ld)", rep.r);

    pid = client(fd, OP_READ, 1, 10);
    h = receive_and_save(IO_READ, pid, &m);
    kill(pid, SIGUSR1);
    kill(pid, SIGUSR1);
    bool noted = cancel_noted();
    long bad = kx_reply_cancelled((kx_handle_t *)8, 4);
    long zero = kx_reply_cancelled(got, 0);
    n = kx_reply_cancelled(got, 4);
    checkf(noted && bad == -EFAULT && zero == 0 && n == 1 && got[0] == h && poll_bits() == 0,
           "two signals: one note, one entry; a bad buffer is -EFAULT and n = 0 is 0, both leaving it listed");
    /* The server drops the cancelled call: closing the reply is "nothing happened". */
    long c = kx_handle_close((kx_handle_t)h);
    uint64_t badge;
    long r = next_call(&m, &badge);
    w = r == 0 ? kx_msg_write(0, 0, DATA, 10) : -1;
    answer(0, IO_READ, w);
    ok = get_report(&rep);
    wait_status(pid);
    checkf(c == 0 && r == 0 && KX_MSG_LABEL(m.label) == IO_READ && ok && rep.r == 10 && rep.handled >= 1,
           "a cancelled reply closed unanswered: the read restarts (SA_RESTART) and gets the data (r %ld)", rep.r);
    close(fd);
}

/* SIGSTOP is not fatal: it cancels; the read answered -EINTR stops, and
 * SIGCONT makes it again (no handler ran). */
static void stop_continue(void)
{
    int fd = (int)kx_fd_attach(ep, 9, O_RDONLY);
    pid_t pid = client(fd, OP_READ, -1, 10);
    struct kx_msg m;
    long h = receive_and_save(IO_READ, pid, &m);
    kill(pid, SIGSTOP);
    kx_handle_t got[2];
    long n = cancel_noted() ? kx_reply_cancelled(got, 2) : -1;
    long ar = n == 1 && got[0] == h ? answer((kx_handle_t)h, IO_READ, -EINTR) : -1;
    int st = -1;
    pid_t w = waitpid(pid, &st, WUNTRACED);
    checkf(h > 0 && ar == 0 && w == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
           "SIGSTOP to a reader in a saved reply cancels it; answered -EINTR, the reader stops (status %#x)", st);
    kill(pid, SIGCONT);
    uint64_t badge;
    long r = next_call(&m, &badge);
    long wr = r == 0 && KX_MSG_LABEL(m.label) == IO_READ ? kx_msg_write(0, 0, DATA, 10) : -1;
    answer(0, IO_READ, wr);
    struct report rep;
    bool ok = get_report(&rep);
    st = wait_status(pid);
    checkf(wr == 10 && ok && rep.r == 10 && !memcmp(rep.data, DATA, 10) && st == 0,
           "SIGCONT: the read is made again and returns the 10 bytes (r %ld)", rep.r);
    close(fd);
}

/* SIGKILL ends a client whatever the server does; the server still hears of it. */
static void killed(void)
{
    int fd = (int)kx_fd_attach(ep, 7, O_RDONLY);
    pid_t pid = client(fd, OP_READ, -1, 10);
    struct kx_msg m;
    long h = receive_and_save(IO_READ, pid, &m);
    kill(pid, SIGKILL);
    int st = wait_status(pid);
    kx_handle_t got[2];
    bool noted = cancel_noted();
    long n = kx_reply_cancelled(got, 2);
    long ar = answer((kx_handle_t)h, IO_READ, 0);
    checkf(h > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && noted && n == 1 && got[0] == h && ar == 0,
           "SIGKILL to a reader held in a saved reply the server never answers: it dies at once (status %#x); "
           "the server is told (note, listed) and its late answer returns 0", st);

    pid = client(fd, OP_READ, 1, 10);
    h = receive_and_save(IO_READ, pid, &m);
    kill(pid, SIGUSR1);
    noted = cancel_noted();
    kill(pid, SIGKILL);
    st = wait_status(pid);
    n = kx_reply_cancelled(got, 2);
    long n2 = kx_reply_cancelled(got + 1, 1);
    ar = answer((kx_handle_t)h, IO_READ, -EINTR);
    checkf(noted && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && n == 1 && n2 == 0 && ar == 0,
           "cancelled, then killed before the answer: it dies, the reply is listed once, the answer returns 0");

    pid = client(fd, OP_READ, -1, 10);
    uint64_t badge;
    long r = next_call(&m, &badge);
    kill(pid, SIGKILL);
    st = wait_status(pid);
    ar = answer(0, IO_READ, 0); /* before receiving again, which would abandon the call */
    /* The next receive brings the KX_NOTE_CANCEL notification, and its
     * flags say the answer went nowhere (what it handed over is ours to undo). */
    struct kx_msg nm;
    struct kx_xfer nx = { .recv = inbox, .recv_cap = sizeof(inbox) };
    uint64_t nb = 0;
    long nr = kx_recv(ep, &nm, &nx, &nb);
    noted = nr == 0 && (nm.label & KX_MSG_NOTIFY) && (nm.w[0] & KX_NOTE_CANCEL);
    bool dropped = nr == 0 && (nx.flags_out & KX_XFER_ANSWER_DROPPED);
    checkf(r == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && ar == 0 && noted && dropped,
           "SIGKILL while the server works on the call: detached at once, the answer is dropped (0), "
           "KX_NOTE_CANCEL says so and the next receive's flags carry KX_XFER_ANSWER_DROPPED (%#x)", nx.flags_out);
    /* Told once: a later answer that reaches its caller leaves the flag clear. */
    pid = client(fd, OP_READ, -1, 10);
    r = next_call(&m, &badge);
    ar = answer(0, IO_READ, 0); /* end of file: the read returns 0 */
    st = wait_status(pid);
    struct report rep;
    bool got_rep = get_report(&rep);
    pid = client(fd, OP_READ, -1, 10);
    struct kx_xfer nx2 = { .recv = inbox, .recv_cap = sizeof(inbox) };
    long r2 = kx_recv(ep, &nm, &nx2, &nb);
    while (r2 == 0 && (KX_MSG_LABEL(nm.label) == IO_CLOSE || (nm.label & KX_MSG_NOTIFY))) {
        nx2.flags_out = 0;
        r2 = kx_recv(ep, &nm, &nx2, &nb);
    }
    checkf(r == 0 && ar == 0 && got_rep && rep.r == 0 && r2 == 0 && KX_MSG_LABEL(nm.label) == IO_READ &&
               !(nx2.flags_out & KX_XFER_ANSWER_DROPPED),
           "an answer that arrives is not reported dropped: the next call's flags are %#x", nx2.flags_out);
    answer(0, IO_READ, 0);
    wait_status(pid);
    get_report(&rep);
    close(fd);
}

/* ---- a server that dies holding a cancelled call -------------------------------------- */

#define SLOT_READY 5

/* argv[1] "hold": receives one call on SLOT_EP (past the IO_CLOSE posts of
 * earlier cases and any notification), saves it, tells its pid on
 * SLOT_READY (bit 62 if something failed) and never answers: it waits until
 * killed. */
static int hold_main(void)
{
    struct kx_msg m;
    uint64_t badge;
    long r;
    do {
        struct kx_xfer x = { .recv = inbox, .recv_cap = sizeof(inbox) };
        r = kx_recv(SLOT_EP, &m, &x, &badge);
    } while (r == 0 && ((m.label & KX_MSG_NOTIFY) || KX_MSG_LABEL(m.label) == IO_CLOSE));
    long h = r == 0 ? kx_reply_save() : -1;
    kx_notify_signal(SLOT_READY, h > 0 ? (uint64_t)getpid() : 1ull << 62);
    long never = kx_notify_create();
    uint64_t bits;
    for (;;)
        kx_notify_wait((kx_handle_t)never, &bits);
}

/* The server dies holding a cancelled call: the call ends as interrupted (its
 * dropping says nothing happened), the read is made again and reaches the
 * server that is left -- us. */
static void server_dies(void)
{
    long ready = kx_notify_create();
    char *argv[] = { SELF, "hold", NULL };
    struct kx_give give[2] = { { ep, KX_RIGHT_RECV, SLOT_EP }, { (kx_handle_t)ready, KX_RIGHT_WRITE, SLOT_READY } };
    long proc = ready > 0 ? kx_spawn_with(&initrd, SELF, argv, NULL, give, 2) : -1;
    if (!checkf(proc > 0, "a helper server (%ld)", proc))
        return;
    int fd = (int)kx_fd_attach(ep, 8, O_RDONLY);
    /* The helper waits in kx_recv; we do not receive until it has the call. */
    pid_t pid = client(fd, OP_READ, 1, 10);
    uint64_t helper = 0;
    kx_notify_wait((kx_handle_t)ready, &helper);
    kill(pid, SIGUSR1);
    bool noted = cancel_noted();
    kx_handle_t got[2];
    long mine = kx_reply_cancelled(got, 2);
    bool blocked = still_blocked(pid);
    bool helped = helper > 1 && helper < (1ull << 62);
    checkf(helped && noted && mine == 0 && blocked,
           "a helper (pid %llu) saved the read; the signal is noted on the endpoint's notification, listed for "
           "the helper that saved it (not for us: %ld), and the reader waits for the helper's answer (%d, %d)",
           (unsigned long long)helper, mine, noted, blocked);
    if (!helped) {
        kill(pid, SIGKILL);
        wait_status(pid);
        return;
    }
    kill((pid_t)helper, SIGKILL);
    long hst = kx_process_wait((kx_handle_t)proc);
    struct kx_msg m;
    uint64_t badge;
    long r = next_call(&m, &badge);
    long w = r == 0 && KX_MSG_LABEL(m.label) == IO_READ ? kx_msg_write(0, 0, DATA, 10) : -1;
    answer(0, IO_READ, w);
    struct report rep;
    bool ok = get_report(&rep);
    wait_status(pid);
    checkf(hst == SIGKILL && r == 0 && w == 10 && ok && rep.r == 10 && !memcmp(rep.data, DATA, 10) &&
               rep.handled == 1,
           "the helper dies with the cancelled reply unanswered: the read restarts (SA_RESTART), reaches us and "
           "returns our 10 bytes (r %ld)", rep.r);
    kx_handle_close((kx_handle_t)proc);
    kx_handle_close((kx_handle_t)ready);
    close(fd);
}

/* ---- native kx_call (R3.6) ------------------------------------------------------------ */

static int native_main(void)
{
    if (!install(true))
        return 10;
    struct kx_msg m = { .label = LABEL_PING, .w = { (uint64_t)getpid() } };
    long r = kx_call(SLOT_EP, &m, NULL);
    if (r != 0 || (long)m.w[0] != -EINTR || handled != 1)
        return 11; /* held in a saved reply: the server's -EINTR answer comes back */
    m = (struct kx_msg){ .label = LABEL_PING + 1, .w = { 0 } };
    r = kx_call(SLOT_EP, &m, NULL);
    if (r != -EINTR || handled != 2)
        return 12; /* queued, never received: -EINTR, native calls are not restarted */
    return 0;
}

static void native_call(void)
{
    char *argv[] = { SELF, "native", NULL };
    struct kx_give give[1] = { { ep, KX_RIGHT_SEND, SLOT_EP } };
    long proc = kx_spawn_with(&initrd, SELF, argv, NULL, give, 1);
    struct kx_msg m;
    uint64_t badge;
    long r = proc > 0 ? next_call(&m, &badge) : proc;
    pid_t pid = (pid_t)m.w[0];
    long h = r == 0 && KX_MSG_LABEL(m.label) == LABEL_PING ? kx_reply_save() : -1;
    kill(pid, SIGUSR1);
    kx_handle_t got[2];
    long n = h > 0 && cancel_noted() ? kx_reply_cancelled(got, 2) : -1;
    long ar = n == 1 && got[0] == h ? answer((kx_handle_t)h, LABEL_PING, -EINTR) : -1;
    checkf(ar == 0, "a native kx_call held in a saved reply is cancelled like a read (%ld listed)", n);
    /* Its second call stays queued: we do not receive. */
    for (int i = 0; i < 200; i++)
        sched_yield();
    kill(pid, SIGUSR1);
    long st = proc > 0 ? kx_process_wait((kx_handle_t)proc) : proc;
    checkf(st == 0,
           "a native kx_call: the server's -EINTR answer comes back; a queued one returns -EINTR after the "
           "handler (exit status %#lx: 0x%x = answered wrongly, 0x%x = queued wrongly)", st, 11 << 8, 12 << 8);
    if (proc > 0)
        kx_handle_close((kx_handle_t)proc);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "native"))
        return native_main();
    if (argc > 1 && !strcmp(argv[1], "hold"))
        return hold_main();
    printf("test_cancel: start\n");
    long e = kx_endpoint_create(), n = kx_notify_create();
    ep = (kx_handle_t)e;
    note = (kx_handle_t)n;
    long bound = e > 0 && n > 0 ? kx_endpoint_bind(ep, note) : -1;
    long rd = kx_initrd_open(KX_SLOT_INITRD, &initrd);
    if (!checkf(bound == 0 && rd == 0 && pipe(report_pipe) == 0,
                "an endpoint with a bound notification, the initrd, a report pipe"))
        return check_summary();
    read_restarts();
    read_eintr();
    read_partial();
    write_cases();
    held_implicitly();
    edges();
    stop_continue();
    killed();
    server_dies();
    native_call();
    return check_summary();
}
