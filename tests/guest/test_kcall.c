/*
 * Kernel-originated calls (kcall.h) proved with a toy server: a copy of this
 * program serves in-memory "files" over the IO protocol (<kenix/io.h>), and
 * the test reaches them through ordinary file descriptors made with
 * kx_fd_attach: read, write, readv/writev, lseek (SEEK_END asks the server),
 * one offset shared by dup and fork, close telling the server once without
 * waiting for it, the program's registers preserved across a call the kernel
 * made for it, bad buffers, a lying server, a dead server, and SIGKILL to a
 * process waiting in the server. Also the IPC defects fixed with it: a call to
 * an endpoint nobody can receive from fails with -EPIPE (at once, or when the
 * last receive handle goes while it waits), kx_process_wait on oneself is
 * -EDEADLK, a handle named twice in one message is refused, and handle numbers
 * use all 64 bits.
 *
 * Cookies: even ones answer reads with kx_msg_write (the data goes straight
 * into the reader's buffer before the answer), odd ones with bulk data in the
 * answer; writes are pulled with kx_msg_read into the file's own bytes. Run
 * by /init, which gives it the initrd at KX_SLOT_INITRD.
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kenix/io.h>
#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define SELF "/bin/test_kcall"
#define SLOT_EP 4
#define SLOT_NOTIFY 5
#define SLOT_SELF 6
#define FILES 4
#define FILE_MAX (256u << 10)

/* Control messages from the test itself (a user badge, not the kernel's). */
enum {
    CTRL_STATS = 0x7001, /* w0 cookie -> w0 closes seen, w1 pid of the last IO caller, w2 refused, w3 server pid */
    CTRL_BLOCK,          /* answer, then stop receiving until the notification is signalled */
    CTRL_LIE,            /* the next IO_READ answer claims more than was asked */
    CTRL_HOLD,           /* the next IO_READ is saved and never answered (until CTRL_RELEASE) */
    CTRL_RELEASE,        /* answer the held read: w0 = what kx_reply returned */
    CTRL_PING,
};

/* ---- the server ----------------------------------------------------------------------- */

static uint8_t files[FILES][FILE_MAX];
static uint64_t sizes[FILES];

struct server_state {
    unsigned closes[FILES];
    uint64_t last_pid;
    unsigned refused;
    bool lie;
    bool hold_next;
    long held;
};

static long io(struct server_state *st, uint64_t badge, struct kx_msg *m, uint64_t *bulk_from, uint64_t *bulk_len)
{
    uint32_t label = KX_MSG_LABEL(m->label);
    uint64_t cookie = m->w[0], pos = m->w[1], n = m->w[2];
    if (!(badge & KX_BADGE_KERNEL)) {
        st->refused++;
        return -EPERM; /* only the kernel speaks for a process */
    }
    st->last_pid = badge & ~KX_BADGE_KERNEL;
    if (cookie >= FILES)
        return -EBADF;
    switch (label) {
    case IO_READ: {
        if (st->lie) {
            st->lie = false;
            return (long)n + 1;
        }
        if (pos >= sizes[cookie])
            return 0;
        if (n > sizes[cookie] - pos)
            n = sizes[cookie] - pos;
        if (cookie % 2)
            *bulk_from = pos, *bulk_len = n;
        else {
            long w = kx_msg_write(0, 0, files[cookie] + pos, n);
            if (w < 0)
                return w; /* the reader's buffer is bad: its problem, told as such */
            n = (uint64_t)w;
        }
        return (long)n;
    }
    case IO_WRITE: {
        if (m->w[3] & IO_F_APPEND)
            pos = sizes[cookie];
        if (pos >= FILE_MAX)
            return -EFBIG;
        if (n > FILE_MAX - pos)
            n = FILE_MAX - pos;
        long r = kx_msg_read(0, 0, files[cookie] + pos, n);
        if (r < 0)
            return r;
        if (pos + (uint64_t)r > sizes[cookie])
            sizes[cookie] = pos + (uint64_t)r;
        m->w[1] = pos + (uint64_t)r;
        return r;
    }
    case IO_STAT:
        m->w[1] = sizes[cookie];
        return 0;
    case IO_CLOSE:
        st->closes[cookie]++;
        return 0;
    default:
        return -ENOSYS;
    }
}

static int server_main(void)
{
    static struct server_state st;
    static uint8_t inbox[4096];
    kx_handle_t ep = SLOT_EP, note = SLOT_NOTIFY;
    struct kx_msg m;
    struct kx_xfer x = { .recv = inbox, .recv_cap = sizeof(inbox) };
    uint64_t badge;
    long r = kx_recv(ep, &m, &x, &badge);
    for (;;) {
        if (r < 0)
            return 1;
        uint32_t label = KX_MSG_LABEL(m.label);
        uint64_t bulk_from = 0, bulk_len = 0;
        long result = 0;
        bool block = false;
        if (label >= CTRL_STATS && label <= CTRL_PING && !(badge & KX_BADGE_KERNEL)) {
            switch (label) {
            case CTRL_STATS:
                m.w[1] = st.last_pid;
                m.w[2] = st.refused;
                m.w[3] = (uint64_t)getpid();
                result = m.w[0] < FILES ? st.closes[m.w[0]] : 0;
                break;
            case CTRL_BLOCK: block = true; break;
            case CTRL_LIE: st.lie = true; break;
            case CTRL_HOLD: st.hold_next = true; break;
            case CTRL_RELEASE: {
                struct kx_msg a = { .label = IO_READ, .w = { 0 } };
                result = st.held > 0 ? kx_reply((kx_handle_t)st.held, &a, NULL) : -ENOENT;
                st.held = 0;
                break;
            }
            default: break;
            }
        } else if (label == IO_READ && st.hold_next && (badge & KX_BADGE_KERNEL)) {
            st.hold_next = false;
            st.held = kx_reply_save();
            r = kx_recv(ep, &m, &x, &badge);
            continue;
        } else {
            result = io(&st, badge, &m, &bulk_from, &bulk_len);
        }
        m.label = label;
        m.w[0] = (uint64_t)result;
        struct kx_xfer out = { .send = files[1] + bulk_from, .send_len = bulk_len, .recv = inbox,
                               .recv_cap = sizeof(inbox) };
        if (block) {
            kx_reply(0, &m, NULL);
            uint64_t bits;
            kx_notify_wait(note, &bits);
            r = kx_recv(ep, &m, &x, &badge);
        } else {
            r = kx_reply_recv(ep, &m, bulk_len ? &out : &x, &badge);
        }
    }
}

/* ---- helpers ------------------------------------------------------------------------------ */

static struct kx_initrd initrd;
static kx_handle_t ep, note;
static long server;

static long ctrl(uint32_t label, uint64_t w0, struct kx_msg *out)
{
    struct kx_msg m = { .label = label, .w = { w0 } };
    long r = kx_call(ep, &m, NULL);
    if (out)
        *out = m;
    return r ? r : (long)m.w[0];
}

static int attach(uint64_t cookie, uint32_t flags)
{
    return (int)kx_fd_attach(ep, cookie, flags);
}

static long wait_child(pid_t pid)
{
    int st = -1;
    return waitpid(pid, &st, 0) == pid ? st : -1;
}

/* ---- the tests ---------------------------------------------------------------------------- */

static void basics(void)
{
    int fd = attach(0, O_RDWR | KX_FD_SEEKABLE);
    checkf(fd >= 3, "kx_fd_attach: a descriptor for the server's object 0 (fd %d)", fd);
    const char text[] = "hello, kernel-originated world";
    ssize_t w = write(fd, text, sizeof(text));
    checkf(w == sizeof(text), "write reaches the server (IO_WRITE pulled with kx_msg_read): %zd", w);
    checkf(lseek(fd, 0, SEEK_CUR) == (off_t)sizeof(text), "the offset advanced in the kernel: %lld",
           (long long)lseek(fd, 0, SEEK_CUR));
    checkf(lseek(fd, 0, SEEK_END) == (off_t)sizeof(text), "lseek SEEK_END asks the server (IO_STAT): %lld",
           (long long)lseek(fd, 0, SEEK_END));
    char back[64] = { 0 };
    lseek(fd, 0, SEEK_SET);
    ssize_t r = read(fd, back, sizeof(back));
    checkf(r == sizeof(text) && !memcmp(back, text, sizeof(text)),
           "read gets it back, written into the buffer in place (kx_msg_write): %zd bytes", r);
    checkf(read(fd, back, sizeof(back)) == 0, "read at the end: 0 (end of file)");
    struct kx_msg m;
    ctrl(CTRL_STATS, 0, &m);
    checkf(m.w[1] == (uint64_t)getpid(), "the server saw the kernel's badge with our pid %d (%llu)", getpid(),
           (unsigned long long)m.w[1]);
    struct kx_msg forged = { .label = IO_READ, .w = { 0, 0, 10 } };
    long cr = kx_call(ep, &forged, NULL);
    checkf(cr == 0 && (long)forged.w[0] == -EPERM, "an IO_READ sent by a program itself is refused: %ld",
           (long)forged.w[0]);
    checkf(kx_endpoint_mint(ep, KX_RIGHT_SEND, KX_BADGE_KERNEL | 1) == -EINVAL,
           "nobody can mint the kernel's badge (bit 63): EINVAL");

    /* writev and readv: one call per piece, in order. */
    lseek(fd, 0, SEEK_SET);
    char a[] = "alpha ", b[] = "beta ", c[] = "gamma";
    struct iovec wv[3] = { { a, 6 }, { b, 5 }, { c, 5 } };
    checkf(writev(fd, wv, 3) == 16, "writev of three pieces: 16 bytes");
    char p1[4], p2[12];
    struct iovec rv[2] = { { p1, 4 }, { p2, 12 } };
    lseek(fd, 0, SEEK_SET);
    ssize_t n = readv(fd, rv, 2);
    checkf(n == 16 && !memcmp(p1, "alph", 4) && !memcmp(p2, "a beta gamma", 12), "readv into two pieces: %zd", n);

    /* Bulk answers (odd cookie), big transfers across pages. */
    int big = attach(1, O_RDWR | KX_FD_SEEKABLE);
    static uint8_t out[200 << 10], in[200 << 10];
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = (uint8_t)(i * 13 + 7);
    checkf(write(big, out, sizeof(out)) == (ssize_t)sizeof(out), "200 KiB written through the server in one call");
    lseek(big, 0, SEEK_SET);
    n = read(big, in, sizeof(in));
    checkf(n == (ssize_t)sizeof(in) && !memcmp(in, out, sizeof(in)),
           "200 KiB read back as the answer's bulk data, byte for byte (%zd)", n);
    lseek(big, 0, SEEK_SET);
    checkf(read(big, (void *)8, 100) == -1 && errno == EFAULT, "a bad buffer (bulk answer): EFAULT");
    checkf(read(fd, (void *)8, 1) == 0 || errno == EFAULT, "a bad buffer at the end of file: nothing to write");
    lseek(fd, 0, SEEK_SET);
    checkf(read(fd, (void *)8, 10) == -1 && errno == EFAULT,
           "a bad buffer (kx_msg_write by the server): EFAULT, passed on by the server");
    close(big);

    /* A lying server: more bytes than asked is a protocol violation. */
    ctrl(CTRL_LIE, 0, NULL);
    lseek(fd, 0, SEEK_SET);
    checkf(read(fd, back, 4) == -1 && errno == EIO, "a server answering more than asked: EIO");
    close(fd);
}

/* x0 is the result; every other register comes back as it went in (Linux's
 * ABI), even though the kernel made a call of its own in between. */
static void registers_preserved(void)
{
    int fd = attach(2, O_RDWR | KX_FD_SEEKABLE);
    write(fd, "0123456789", 10);
    lseek(fd, 0, SEEK_SET);
    char buf[16];
    uint64_t after[16];
    register uint64_t x0 __asm__("x0") = (uint64_t)fd;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)buf;
    register uint64_t x2 __asm__("x2") = 10;
    register uint64_t x8 __asm__("x8") = 63; /* read */
    __asm__ volatile("mov x3, #0x3333\n mov x4, #0x4444\n mov x5, #0x5555\n mov x6, #0x6666\n mov x7, #0x7777\n"
                     "mov x9, #0x9999\n mov x10, #0xaaaa\n mov x11, #0xbbbb\n mov x12, #0xcccc\n"
                     "mov x13, #0xdddd\n mov x14, #0xeeee\n mov x15, #0xffff\n"
                     "svc #0\n"
                     "stp x1, x2, [%[a], #0]\n stp x3, x4, [%[a], #16]\n stp x5, x6, [%[a], #32]\n"
                     "stp x7, x8, [%[a], #48]\n stp x9, x10, [%[a], #64]\n stp x11, x12, [%[a], #80]\n"
                     "stp x13, x14, [%[a], #96]\n str x15, [%[a], #112]\n"
                     : "+r"(x0), "+r"(x1), "+r"(x2)
                     : "r"(x8), [a] "r"(after)
                     : "x3", "x4", "x5", "x6", "x7", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "memory");
    static const uint64_t want[15] = { 0, 10, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 63,
                                       0x9999, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xffff };
    bool same = after[0] == (uint64_t)(uintptr_t)buf;
    for (int i = 1; i < 15; i++)
        same &= after[i] == want[i];
    checkf(x0 == 10 && same && !memcmp(buf, "0123456789", 10),
           "read through the server: x0 = 10 and x1-x15 as they were");
    close(fd);
}

static void shared_offset(void)
{
    int fd = attach(2, O_RDONLY | KX_FD_SEEKABLE), fd2 = dup(fd);
    char b[8];
    read(fd2, b, 3);
    checkf(lseek(fd, 0, SEEK_CUR) == 3, "dup shares one offset: read 3 through the copy, the original is at %lld",
           (long long)lseek(fd, 0, SEEK_CUR));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c[4];
        _exit(read(fd, c, 4) == 4 && !memcmp(c, "3456", 4) ? 0 : 1);
    }
    long st = wait_child(pid);
    struct kx_msg m;
    ctrl(CTRL_STATS, 2, &m);
    checkf(st == 0 && lseek(fd, 0, SEEK_CUR) == 7, "after fork the child read 4 more: the parent's offset is %lld",
           (long long)lseek(fd, 0, SEEK_CUR));
    checkf(m.w[1] == (uint64_t)pid, "the child's read came with the child's pid %d (%llu)", pid,
           (unsigned long long)m.w[1]);
    unsigned before = (unsigned)ctrl(CTRL_STATS, 2, NULL);
    close(fd);
    unsigned mid = (unsigned)ctrl(CTRL_STATS, 2, NULL);
    close(fd2);
    unsigned after = (unsigned)ctrl(CTRL_STATS, 2, NULL);
    checkf(mid == before && after == before + 1,
           "IO_CLOSE comes once, when the last of the shared descriptors goes (%u, %u, %u)", before, mid, after);
}

/* close never waits for the server: the server is not receiving (it waits
 * for a notification only we signal, after close returns). */
static void close_does_not_wait(void)
{
    int fd = attach(3, O_RDONLY);
    unsigned before = (unsigned)ctrl(CTRL_STATS, 3, NULL);
    ctrl(CTRL_BLOCK, 0, NULL);
    int r = close(fd);
    kx_notify_signal(note, 1);
    unsigned after = (unsigned)ctrl(CTRL_STATS, 3, NULL);
    checkf(r == 0 && after == before + 1,
           "close returned while the server was not receiving; the server got IO_CLOSE later (%u -> %u)", before,
           after);
}

/* SIGKILL ends a process whatever it waits on, a server's answer included. */
static void killed_while_in_server(void)
{
    int fd = attach(0, O_RDONLY | KX_FD_SEEKABLE);
    ctrl(CTRL_HOLD, 0, NULL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char b[4];
        read(fd, b, 4); /* the server keeps this read */
        _exit(0);
    }
    for (int i = 0; i < 50; i++)
        sched_yield(); /* the child reaches the server and waits there */
    kill(pid, SIGKILL);
    long st = wait_child(pid);
    long released = ctrl(CTRL_RELEASE, 0, NULL);
    checkf(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && released == 0,
           "a process waiting for a server's answer dies of SIGKILL (status %#lx); the server's late answer is "
           "accepted and dropped (%ld)", st, released);
    close(fd);
}

static void dead_server(void)
{
    int fd = attach(0, O_RDONLY | KX_FD_SEEKABLE);
    struct kx_msg m;
    ctrl(CTRL_STATS, 0, &m);
    /* Only the server may be able to receive: our own receive right would
     * keep the call waiting for us. */
    long send_only = kx_handle_dup(ep, KX_RIGHT_SEND);
    kx_handle_close(ep);
    ep = (kx_handle_t)send_only;
    kill((pid_t)m.w[3], SIGKILL);
    long st = kx_process_wait((kx_handle_t)server);
    char b[4];
    checkf(st == SIGKILL && read(fd, b, 4) == -1 && errno == EIO,
           "the server killed (status %ld): a read of its object fails with EIO", st);
    checkf(close(fd) == 0, "and closing it still works");
}

/* ---- IPC defects --------------------------------------------------------------------------- */

static void nobody_receives(void)
{
    long e = kx_endpoint_create(), send_only = kx_handle_dup((kx_handle_t)e, KX_RIGHT_SEND);
    kx_handle_close((kx_handle_t)e);
    struct kx_msg m = { .label = 1 };
    checkf(kx_call((kx_handle_t)send_only, &m, NULL) == -EPIPE,
           "a call to an endpoint no handle can receive from: EPIPE at once");
    kx_handle_close((kx_handle_t)send_only);

    /* A caller already waiting gets EPIPE when the last receive handle goes.
     * The child reaches the endpoint through a descriptor (handles are not
     * inherited by fork; files are). */
    long e2 = kx_endpoint_create();
    int fd = (int)kx_fd_attach((kx_handle_t)e2, 0, O_RDONLY);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char b[4];
        _exit(read(fd, b, 4) == -1 && errno == EIO ? 0 : 1);
    }
    for (int i = 0; i < 50; i++)
        sched_yield(); /* the child queues on the endpoint */
    kx_handle_close((kx_handle_t)e2);
    long st = wait_child(pid);
    checkf(st == 0, "a caller queued when the last receive handle goes gets EPIPE (its read: EIO; status %#lx)",
           st);
    close(fd);
}

static int selfwait_main(void)
{
    return kx_process_wait(SLOT_SELF) == -EDEADLK ? 0 : 1;
}

static void misuse(void)
{
    char *argv[] = { SELF, "selfwait", NULL };
    long p = kx_spawn(&initrd, SELF, argv, NULL);
    long r1 = p > 0 ? kx_process_start((kx_handle_t)p) : p;
    long r2 = p > 0 ? kx_process_give((kx_handle_t)p, (kx_handle_t)p, KX_RIGHT_READ, SLOT_SELF) : p;
    long st = p > 0 ? kx_process_wait((kx_handle_t)p) : p;
    checkf(r1 == 0 && r2 == SLOT_SELF && st == 0, "kx_process_wait on one's own process: EDEADLK (status %ld)", st);
    kx_handle_close((kx_handle_t)p);

    long n = kx_notify_create();
    struct kx_msg m = { .label = CTRL_PING | KX_MSG_XFER };
    struct kx_xfer x = { .send_handles_n = 2, .send_handles = { (kx_handle_t)n, (kx_handle_t)n } };
    long r = kx_call(ep, &m, &x);
    checkf(r == -EINVAL, "one handle named twice in a message: EINVAL (%ld)", r);
    struct kx_handle_info info;
    checkf(kx_handle_info((kx_handle_t)n, &info) == 0 &&
               kenix_trap2(KX_SYS_handle_info, (long)(0x100000000ull | (uint64_t)n), (long)&info) == -EBADF,
           "handle numbers use all 64 bits: 0x1_0000_0000 + h is not h");
    checkf(kx_msg_read(0, 0, &info, sizeof(info)) == -EINVAL, "kx_msg_read with no caller held: EINVAL");
    checkf(kx_msg_write(12345, 0, &info, sizeof(info)) == -EBADF, "kx_msg_write with a bad reply handle: EBADF");
    checkf(kx_fd_attach((kx_handle_t)n, 0, O_RDONLY) == -EINVAL, "kx_fd_attach of a notification: EINVAL");
    long so = kx_handle_dup(ep, KX_RIGHT_SEND);
    checkf(kx_fd_attach((kx_handle_t)so, 0, O_RDONLY) == -EPERM,
           "kx_fd_attach needs the receive right (the server's say): EPERM");
    checkf(kx_fd_attach(ep, 0, 0x12345) == -EINVAL, "kx_fd_attach with unknown flags: EINVAL");
    kx_handle_close((kx_handle_t)so);
    kx_handle_close((kx_handle_t)n);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "server"))
        return server_main();
    if (argc > 1 && !strcmp(argv[1], "selfwait"))
        return selfwait_main();
    printf("test_kcall: start\n");
    long err = kx_initrd_open(KX_SLOT_INITRD, &initrd);
    long e = kx_endpoint_create(), n = kx_notify_create();
    ep = (kx_handle_t)e;
    note = (kx_handle_t)n;
    char *sargv[] = { SELF, "server", NULL };
    struct kx_give give[2] = { { ep, KX_RIGHT_RECV, SLOT_EP }, { note, KX_RIGHT_READ, SLOT_NOTIFY } };
    server = err == 0 && e > 0 && n > 0 ? kx_spawn_with(&initrd, SELF, sargv, NULL, give, 2) : -1;
    if (!check(server > 0, "a toy server to call"))
        return check_summary();
    basics();
    registers_preserved();
    shared_offset();
    close_does_not_wait();
    killed_while_in_server();
    misuse();
    nobody_receives();
    dead_server();
    kx_handle_close((kx_handle_t)server);
    return check_summary();
}
