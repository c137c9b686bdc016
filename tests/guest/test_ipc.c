/*
 * Handles and IPC, checked from user space across real processes: call and
 * reply with register words, bulk bytes both ways, truncation, handles in
 * messages (a notification one way, a memory object the other), badges,
 * deferred replies from a server holding two callers, notifications waking
 * a blocked process and a server blocked on its endpoint, bad pointers,
 * handle misuse, and that one process cannot reach another's memory. The program plays every part: started by init it is the
 * test driver, and it starts copies of itself (argv[1] names the role) as
 * servers and callers, giving them handles at fixed slots.
 *
 * Output: one line per case ("ok   ..." or "FAIL ..."), then
 * "N passed, N failed"; exit status 0 only if everything passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define SELF "/bin/test_ipc"
#define SLOT_EP 4     /* children: the endpoint to call or serve */
#define SLOT_NOTIFY 5 /* children: a notification to signal or wait on */
#define KERNEL_ADDRESS 0xffffffff80080000ull

/* Labels of the test server's protocol. */
enum {
    OP_ECHO = 1,    /* reply label + 100, words + 1 */
    OP_BULK,        /* check the bulk pattern; reply with pattern 2 of w[0] bytes */
    OP_HANDLE,      /* signal the notification received with w[0] */
    OP_GIVE_MEMORY, /* reply with a memory object holding a string */
    OP_BADGE,       /* reply with the caller's badge */
    OP_DIE,         /* exit without replying */
    OP_EXIT,        /* reply, then exit */
    OP_DEFERRED,    /* (deferred-reply callers) */
};

#define BULK_SIZE 4096
#define MEMORY_TEXT "shared by the server"

static struct kx_initrd initrd;

/* Starts a copy of this program in `role` with `ep` and `n` (either may be 0) at the fixed slots. */
static long start_role(const char *role, kx_handle_t ep, uint32_t ep_rights, kx_handle_t n)
{
    char *argv[] = { SELF, (char *)role, NULL };
    struct kx_give give[2];
    unsigned ngive = 0;
    if (ep)
        give[ngive++] = (struct kx_give){ ep, ep_rights, SLOT_EP };
    if (n)
        give[ngive++] = (struct kx_give){ n, KX_RIGHTS_ALL, SLOT_NOTIFY };
    return kx_spawn_with(&initrd, SELF, argv, NULL, give, ngive);
}

static unsigned char pattern(size_t i, int which)
{
    return (unsigned char)(which == 1 ? i * 7 + 3 : 255 - i % 251);
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&t, NULL);
}

/* ---- the server role --------------------------------------------------------------- */

struct server {
    unsigned char in[BULK_SIZE];
    unsigned char out[BULK_SIZE];
};

static int serve_one(void *ctx, uint64_t badge, struct kx_msg *msg, struct kx_xfer *x)
{
    struct server *s = ctx;
    uint32_t label = KX_MSG_LABEL(msg->label);
    uint64_t flags = msg->label;
    switch (label) {
    case OP_ECHO:
        for (int i = 0; i < KX_MSG_WORDS; i++)
            msg->w[i] += 1;
        msg->label = label + 100;
        return KX_SERVE_REPLY;
    case OP_BULK: {
        int same = 1;
        for (size_t i = 0; i < x->recv_len; i++)
            same &= s->in[i] == pattern(i, 1);
        uint64_t want = msg->w[0];
        for (size_t i = 0; i < sizeof(s->out); i++)
            s->out[i] = pattern(i, 2);
        msg->w[0] = same;
        msg->w[1] = x->recv_len;
        msg->w[2] = (flags & KX_MSG_TRUNCATED) != 0;
        x->send = s->out;
        x->send_len = want;
        return KX_SERVE_REPLY;
    }
    case OP_HANDLE: {
        msg->w[1] = x->recv_handles_n;
        struct kx_handle_info info = { 0 };
        if (x->recv_handles_n == 1 && kx_handle_info(x->recv_handles[0], &info) == 0) {
            msg->w[2] = info.type;
            msg->w[3] = kx_notify_signal(x->recv_handles[0], msg->w[0]);
            kx_handle_close(x->recv_handles[0]);
        }
        return KX_SERVE_REPLY;
    }
    case OP_GIVE_MEMORY: {
        long m = kx_mem_create(4096, 0);
        long addr = m > 0 ? kx_mem_map(m, 0, 4096, KX_PROT_READ | KX_PROT_WRITE) : -1;
        if (addr > 0)
            strcpy((char *)addr, MEMORY_TEXT);
        x->send_handles[0] = (kx_handle_t)m;
        x->send_handles_n = m > 0;
        msg->label = KX_MSG_MOVE_HANDLES; /* the server keeps only its mapping */
        return KX_SERVE_REPLY;
    }
    case OP_BADGE:
        msg->w[0] = badge;
        return KX_SERVE_REPLY;
    case OP_DIE:
        exit(3); /* the caller must learn the call is dead */
    case OP_EXIT:
        kx_reply(0, msg, NULL);
        return KX_SERVE_STOP;
    default:
        msg->label = 0xbad;
        return KX_SERVE_REPLY;
    }
}

static int server_main(void)
{
    static struct server s;
    struct kx_xfer x = { .recv = s.in, .recv_cap = sizeof(s.in), .recv_handles_cap = 1 };
    long err = kx_serve(SLOT_EP, serve_one, &s, &x);
    return err ? 1 : 0;
}

/* A register-only server: its calls and answers take the kernel's IPC fast path. */
static int fast_server_main(void)
{
    struct kx_msg m;
    uint64_t badge;
    long r = kx_recv(SLOT_EP, &m, NULL, &badge);
    while (r == 0 && KX_MSG_LABEL(m.label) != OP_EXIT) {
        for (int i = 0; i < KX_MSG_WORDS - 1; i++)
            m.w[i] += 1;
        m.w[KX_MSG_WORDS - 1] = badge;
        m.label = OP_ECHO + 100;
        r = kx_reply_recv(SLOT_EP, &m, NULL, &badge);
    }
    if (r == 0)
        kx_reply(0, &m, NULL);
    return r == 0 ? 0 : 1;
}

static void fast_path(void)
{
    long ep = kx_endpoint_create();
    long badged = kx_endpoint_mint((kx_handle_t)ep, KX_RIGHT_SEND, 0x77);
    long server = start_role("fastserver", (kx_handle_t)ep, KX_RIGHT_RECV, 0);
    int ok = server > 0;
    for (uint64_t n = 0; ok && n < 1000; n++) {
        struct kx_msg m = { .label = OP_ECHO, .w = { n, n * 2, n * 3, n * 4, n * 5, n * 6, n * 7 } };
        ok = kx_call((kx_handle_t)badged, &m, NULL) == 0 && m.label == OP_ECHO + 100 && m.w[7] == 0x77;
        for (int i = 0; ok && i < KX_MSG_WORDS - 1; i++)
            ok = m.w[i] == n * (uint64_t)(i + 1) + 1;
    }
    check(ok, "1000 register-only round trips (the fast path): every word and the badge right");
    struct kx_msg m = { .label = OP_EXIT };
    check(kx_call((kx_handle_t)ep, &m, NULL) == 0 && kx_process_wait((kx_handle_t)server) == 0,
          "the register-only server exits cleanly");
    kx_handle_close((kx_handle_t)server);
    kx_handle_close((kx_handle_t)badged);
    kx_handle_close((kx_handle_t)ep);
}

/* ---- client cases against the server ----------------------------------------------- */

static void registers(kx_handle_t ep)
{
    struct kx_msg m = { .label = OP_ECHO };
    for (int i = 0; i < KX_MSG_WORDS; i++)
        m.w[i] = 0x1000 * (uint64_t)(i + 1);
    long r = kx_call(ep, &m, NULL);
    int ok = r == 0 && m.label == OP_ECHO + 100;
    for (int i = 0; i < KX_MSG_WORDS; i++)
        ok &= m.w[i] == 0x1000 * (uint64_t)(i + 1) + 1;
    check(ok, "call/reply: label and 8 words travel both ways in registers");
}

static void bulk(kx_handle_t ep)
{
    static unsigned char out[BULK_SIZE + 904], in[BULK_SIZE];
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = pattern(i, 1);
    struct kx_xfer x = { .send = out, .send_len = BULK_SIZE, .recv = in, .recv_cap = sizeof(in) };
    struct kx_msg m = { .label = OP_BULK, .w = { BULK_SIZE } };
    long r = kx_call(ep, &m, &x);
    check(r == 0 && m.w[0] == 1 && m.w[1] == BULK_SIZE && m.w[2] == 0, "4 KiB of bulk bytes reach the server intact");
    int same = x.recv_len == BULK_SIZE && !(m.label & KX_MSG_TRUNCATED);
    for (size_t i = 0; same && i < BULK_SIZE; i++)
        same &= in[i] == pattern(i, 2);
    check(r == 0 && same, "4 KiB of bulk bytes come back in the reply intact");

    /* More than the receiver has room for: it gets what fits, and is told. */
    x.send_len = sizeof(out);
    m = (struct kx_msg){ .label = OP_BULK, .w = { BULK_SIZE } };
    r = kx_call(ep, &m, &x);
    check(r == 0 && m.w[0] == 1 && m.w[1] == BULK_SIZE && m.w[2] == 1,
          "5000 bytes into a 4096-byte buffer: 4096 arrive, the receiver sees KX_MSG_TRUNCATED");
    x.send_len = 0;
    x.recv_cap = 100;
    m = (struct kx_msg){ .label = OP_BULK, .w = { BULK_SIZE } };
    r = kx_call(ep, &m, &x);
    check(r == 0 && x.recv_len == 100 && (m.label & KX_MSG_TRUNCATED) && in[99] == pattern(99, 2),
          "a 4 KiB reply into a 100-byte buffer: 100 bytes, KX_MSG_TRUNCATED");

    /* A bad sender buffer is the sender's error; the server carries on. */
    x = (struct kx_xfer){ .send = (void *)16, .send_len = 64 };
    m = (struct kx_msg){ .label = OP_BULK };
    check(kx_call(ep, &m, &x) == -EFAULT, "bulk from an unmapped buffer: the call fails with -EFAULT");
    x.send = (void *)KERNEL_ADDRESS;
    check(kx_call(ep, &m, &x) == -EFAULT, "bulk from kernel memory: -EFAULT");
    m = (struct kx_msg){ .label = OP_BULK, .w = { 8 } };
    x = (struct kx_xfer){ .recv = (void *)KERNEL_ADDRESS, .recv_cap = 8 };
    check(kx_call(ep, &m, &x) == -EFAULT, "reply into kernel memory: the call fails with -EFAULT");
    check(kx_call(ep, &m, (struct kx_xfer *)24) == -EFAULT, "unmapped message descriptor: -EFAULT");
    m = (struct kx_msg){ .label = OP_ECHO };
    check(kx_call(ep, &m, NULL) == 0 && m.label == OP_ECHO + 100, "the server still answers after those");
}

static void handles_in_messages(kx_handle_t ep)
{
    long n = kx_notify_create();
    struct kx_xfer x = { .send_handles = { (kx_handle_t)n }, .send_handles_n = 1 };
    struct kx_msg m = { .label = OP_HANDLE, .w = { 0x40 } };
    long r = kx_call(ep, &m, &x);
    uint64_t bits = 0;
    kx_notify_poll(n, &bits);
    check(r == 0 && m.w[1] == 1 && m.w[2] == KX_OBJ_NOTIFICATION && m.w[3] == 0 && bits == 0x40,
          "a notification handle sent in a call: the server signals it, the bits arrive here");
    check(kx_handle_info(n, &(struct kx_handle_info){ 0 }) == 0, "a copied handle stays with the sender");

    long weak = kx_handle_dup(n, KX_RIGHT_READ | KX_RIGHT_WRITE);
    x.send_handles[0] = (kx_handle_t)weak;
    m = (struct kx_msg){ .label = OP_HANDLE };
    check(kx_call(ep, &m, &x) == -EPERM, "sending a handle without KX_RIGHT_TRANSFER: -EPERM");
    x.send_handles[0] = 999;
    check(kx_call(ep, &m, &x) == -EBADF, "sending a handle that does not exist: -EBADF");
    x.send_handles_n = KX_XFER_MAX_HANDLES + 1;
    check(kx_call(ep, &m, &x) == -EINVAL, "more handles than a message carries: -EINVAL");

    /* Moved with the message: the sender loses it. */
    long moved = kx_handle_dup(n, KX_RIGHTS_ALL);
    x = (struct kx_xfer){ .send_handles = { (kx_handle_t)moved }, .send_handles_n = 1 };
    m = (struct kx_msg){ .label = OP_HANDLE | KX_MSG_MOVE_HANDLES, .w = { 0x80 } };
    r = kx_call(ep, &m, &x);
    kx_notify_poll(n, &bits);
    check(r == 0 && bits == 0x80 && kx_handle_close(moved) == -EBADF,
          "KX_MSG_MOVE_HANDLES: the handle arrives and leaves the sender");

    struct kx_xfer back = { .recv_handles_cap = 1 };
    m = (struct kx_msg){ .label = OP_GIVE_MEMORY };
    r = kx_call(ep, &m, &back);
    long addr = r == 0 && back.recv_handles_n == 1 ? kx_mem_map(back.recv_handles[0], 0, 4096, KX_PROT_READ) : -1;
    check(addr > 0 && !strcmp((const char *)addr, MEMORY_TEXT),
          "a memory object handle in a reply: mapped here, it shows what the server wrote");
    m = (struct kx_msg){ .label = OP_GIVE_MEMORY };
    back.recv_handles_cap = 0;
    r = kx_call(ep, &m, &back);
    check(r == 0 && (m.label & KX_MSG_HANDLES_DROPPED) && back.recv_handles_n == 0,
          "no room for a handle: it is not delivered, KX_MSG_HANDLES_DROPPED says so");
    kx_handle_close(weak);
    kx_handle_close(n);
}

static void badges(kx_handle_t ep)
{
    long a = kx_endpoint_mint(ep, KX_RIGHT_SEND, 0x11), b = kx_endpoint_mint(ep, KX_RIGHT_SEND, 0x22);
    struct kx_msg m = { .label = OP_BADGE };
    long ra = kx_call((kx_handle_t)a, &m, NULL);
    uint64_t got_a = m.w[0];
    m = (struct kx_msg){ .label = OP_BADGE };
    long rb = kx_call((kx_handle_t)b, &m, NULL);
    check(ra == 0 && rb == 0 && got_a == 0x11 && m.w[0] == 0x22, "the server sees the badge minted into each handle");
    check(kx_endpoint_mint((kx_handle_t)a, KX_RIGHT_SEND, 0x33) == -EPERM, "minting from a handle without DUP: -EPERM");
    long c = kx_endpoint_mint(ep, KX_RIGHTS_ALL, 0x44);
    check(kx_endpoint_mint((kx_handle_t)c, KX_RIGHTS_ALL, 0x55) == -EINVAL, "a badged handle cannot be re-badged: -EINVAL");
    check(kx_endpoint_mint(ep, KX_RIGHTS_ALL, 0) == -EINVAL, "badge 0 (no badge) cannot be minted: -EINVAL");
    kx_handle_close((kx_handle_t)a);
    kx_handle_close((kx_handle_t)b);
    kx_handle_close((kx_handle_t)c);
}

static void against_server(void)
{
    long ep = kx_endpoint_create();
    long server = start_role("server", (kx_handle_t)ep, KX_RIGHT_RECV | KX_RIGHT_TRANSFER, 0);
    check(ep > 0 && server > 0, "an endpoint and a server process started from the initrd");
    registers((kx_handle_t)ep);
    bulk((kx_handle_t)ep);
    handles_in_messages((kx_handle_t)ep);
    badges((kx_handle_t)ep);
    struct kx_msg m = { .label = OP_EXIT };
    check(kx_call((kx_handle_t)ep, &m, NULL) == 0 && kx_process_wait((kx_handle_t)server) == 0,
          "the server exits cleanly when told to");
    kx_handle_close((kx_handle_t)server);

    server = start_role("server", (kx_handle_t)ep, KX_RIGHT_RECV | KX_RIGHT_TRANSFER, 0);
    m = (struct kx_msg){ .label = OP_DIE };
    long r = kx_call((kx_handle_t)ep, &m, NULL);
    check(r == -EPIPE && kx_process_wait((kx_handle_t)server) == 3 << 8,
          "a server that exits without replying: the caller gets -EPIPE");
    kx_handle_close((kx_handle_t)server);
    kx_handle_close((kx_handle_t)ep);
}

/* ---- deferred replies: this process is the server, two callers wait at once -------- */

static int caller_main(void)
{
    struct kx_msg m = { .label = OP_DEFERRED };
    long r = kx_call(SLOT_EP, &m, NULL);
    struct kx_handle_info info;
    kx_handle_info(SLOT_EP, &info);
    if (r == -EPIPE)
        return 42; /* what the dropped-reply case expects */
    kx_notify_signal(SLOT_NOTIFY, info.badge);
    return r == 0 && m.w[0] == info.badge * 100 ? 0 : 1;
}

static void deferred_replies(void)
{
    long ep = kx_endpoint_create(), n = kx_notify_create();
    long a_ep = kx_endpoint_mint((kx_handle_t)ep, KX_RIGHT_SEND | KX_RIGHT_TRANSFER, 1);
    long b_ep = kx_endpoint_mint((kx_handle_t)ep, KX_RIGHT_SEND | KX_RIGHT_TRANSFER, 2);
    long a = start_role("caller", (kx_handle_t)a_ep, KX_RIGHT_SEND, (kx_handle_t)n);
    long b = start_role("caller", (kx_handle_t)b_ep, KX_RIGHT_SEND, (kx_handle_t)n);
    struct kx_msg m;
    uint64_t badge1 = 0, badge2 = 0;
    long r1 = kx_recv((kx_handle_t)ep, &m, NULL, &badge1);
    long reply1 = kx_reply_save();
    long r2 = kx_recv((kx_handle_t)ep, &m, NULL, &badge2);
    long reply2 = kx_reply_save();
    check(a > 0 && b > 0 && r1 == 0 && r2 == 0 && reply1 > 0 && reply2 > 0 && badge1 + badge2 == 3,
          "a server receives two calls and saves both replies");

    check(kx_reply((kx_handle_t)reply2, &m, (struct kx_xfer *)8) == -EFAULT,
          "kx_reply with an unmapped descriptor: -EFAULT, the caller keeps waiting");
    check(kx_reply_recv((kx_handle_t)ep, &m, (struct kx_xfer *)KERNEL_ADDRESS, NULL) == -EFAULT,
          "kx_reply_recv with a kernel descriptor: -EFAULT");

    /* Answer the second caller first; the first must still be waiting. */
    m = (struct kx_msg){ .w = { badge2 * 100 } };
    long rr2 = kx_reply((kx_handle_t)reply2, &m, NULL);
    long second = badge2 == 1 ? a : b, first = badge2 == 1 ? b : a;
    long st2 = kx_process_wait((kx_handle_t)second);
    uint64_t bits = 0;
    kx_notify_poll((kx_handle_t)n, &bits);
    check(rr2 == 0 && st2 == 0 && bits == badge2,
          "the later caller is answered first; the earlier one is still blocked");
    check(kx_reply((kx_handle_t)reply2, &m, NULL) == -EBADF, "a reply handle answers once, then it is gone");
    m = (struct kx_msg){ .w = { badge1 * 100 } };
    long rr1 = kx_reply((kx_handle_t)reply1, &m, NULL);
    long st1 = kx_process_wait((kx_handle_t)first);
    kx_notify_poll((kx_handle_t)n, &bits);
    check(rr1 == 0 && st1 == 0 && bits == badge1, "then the earlier caller gets its own answer");
    kx_handle_close((kx_handle_t)a);
    kx_handle_close((kx_handle_t)b);

    /* A saved reply closed unanswered: the caller learns it with -EPIPE. */
    long c = start_role("caller", (kx_handle_t)a_ep, KX_RIGHT_SEND, (kx_handle_t)n);
    long rc = kx_recv((kx_handle_t)ep, &m, NULL, NULL);
    long saved = kx_reply_save();
    check(rc == 0 && saved > 0 && kx_handle_close((kx_handle_t)saved) == 0 &&
              kx_process_wait((kx_handle_t)c) == 42 << 8,
          "closing a saved reply unanswered: the caller gets -EPIPE");
    kx_handle_close((kx_handle_t)c);
    kx_handle_close((kx_handle_t)a_ep);
    kx_handle_close((kx_handle_t)b_ep);
    kx_handle_close((kx_handle_t)ep);
    kx_handle_close((kx_handle_t)n);
}

/* ---- notifications ----------------------------------------------------------------- */

static int waiter_main(void)
{
    uint64_t bits = 0;
    long r = kx_notify_wait(SLOT_NOTIFY, &bits);
    return r == 0 ? (int)(bits & 0xff) : 255;
}

static int signaller_main(void)
{
    sleep_ms(30); /* long enough for the parent to block in kx_recv */
    return kx_notify_signal(SLOT_NOTIFY, 0x700) == 0 ? 0 : 1;
}

static void notifications(void)
{
    long n = kx_notify_create();
    uint64_t bits = 1;
    check(kx_notify_poll((kx_handle_t)n, &bits) == 0 && bits == 0, "a new notification has no bits");
    kx_notify_signal((kx_handle_t)n, 0x3);
    kx_notify_signal((kx_handle_t)n, 0x4);
    check(kx_notify_wait((kx_handle_t)n, &bits) == 0 && bits == 0x7, "signals accumulate; a wait takes them all");
    check(kx_notify_poll((kx_handle_t)n, &bits) == 0 && bits == 0, "and clears them");

    long w = start_role("waiter", 0, 0, (kx_handle_t)n);
    sleep_ms(30); /* the waiter blocks */
    kx_notify_signal((kx_handle_t)n, 0x5a);
    check(w > 0 && kx_process_wait((kx_handle_t)w) == 0x5a << 8, "a process blocked in kx_notify_wait wakes with the bits");
    kx_handle_close((kx_handle_t)w);

    long ep = kx_endpoint_create();
    check(kx_endpoint_bind((kx_handle_t)ep, (kx_handle_t)n) == 0, "a notification bound to an endpoint");
    check(kx_endpoint_bind((kx_handle_t)ep, (kx_handle_t)n) == -EBUSY, "binding twice: -EBUSY");
    kx_notify_signal((kx_handle_t)n, 0x21);
    struct kx_msg m;
    long r = kx_recv((kx_handle_t)ep, &m, NULL, NULL);
    check(r == 0 && (m.label & KX_MSG_NOTIFY) && m.w[0] == 0x21, "kx_recv returns pending bits as a KX_MSG_NOTIFY message");
    long s = start_role("signaller", 0, 0, (kx_handle_t)n);
    r = kx_recv((kx_handle_t)ep, &m, NULL, NULL);
    check(s > 0 && r == 0 && (m.label & KX_MSG_NOTIFY) && m.w[0] == 0x700,
          "a server blocked in kx_recv wakes for its bound notification");
    check(kx_process_wait((kx_handle_t)s) == 0, "the signalling process exits cleanly");
    kx_handle_close((kx_handle_t)s);
    kx_handle_close((kx_handle_t)ep);
    kx_handle_close((kx_handle_t)n);
}

/* ---- address-space isolation -------------------------------------------------------- */

static volatile uint64_t shared_looking = 0x1234; /* at the same address in every copy of this program */

static int intruder_main(const char *where)
{
    volatile uint64_t *p = (volatile uint64_t *)strtoull(where, NULL, 16);
    *p = 0xdead; /* another process's address: our own copy, or nothing at all */
    return p == &shared_looking && shared_looking == 0xdead ? 0 : 1;
}

static long start_intruder(const void *target)
{
    char where[32];
    snprintf(where, sizeof(where), "%lx", (unsigned long)(uintptr_t)target);
    char *argv[] = { SELF, "intruder", where, NULL };
    return kx_spawn_with(&initrd, SELF, argv, NULL, NULL, 0);
}

static void isolation(void)
{
    long p = start_intruder((const void *)&shared_looking);
    check(p > 0 && kx_process_wait((kx_handle_t)p) == 0 && shared_looking == 0x1234,
          "a write to this program's data address in another process changes only that process's copy");
    kx_handle_close((kx_handle_t)p);
    volatile uint64_t *mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *mine = 77;
    p = start_intruder((const void *)mine);
    check(p > 0 && kx_process_wait((kx_handle_t)p) == 11 && *mine == 77,
          "touching memory only another process has mapped: killed by SIGSEGV, that memory unchanged");
    kx_handle_close((kx_handle_t)p);
    munmap((void *)mine, 4096);
}

/* ---- handle misuse and bad pointers ------------------------------------------------ */

static void misuse(void)
{
    long ep = kx_endpoint_create(), n = kx_notify_create();
    struct kx_handle_info info;
    check(kx_handle_info((kx_handle_t)ep, &info) == 0 && info.type == KX_OBJ_ENDPOINT && info.rights == KX_RIGHTS_ALL,
          "kx_handle_info: an endpoint with every right");
    struct kx_msg m = { 0 };
    check(kx_call(0, &m, NULL) == -EBADF && kx_call(-1, &m, NULL) == -EBADF && kx_call(4000, &m, NULL) == -EBADF,
          "handles 0, -1 and 4000 do not exist: -EBADF");
    check(kx_call((kx_handle_t)n, &m, NULL) == -EINVAL, "calling a notification: -EINVAL");
    check(kx_notify_signal((kx_handle_t)ep, 1) == -EINVAL, "signalling an endpoint: -EINVAL");
    long send_only = kx_handle_dup((kx_handle_t)ep, KX_RIGHT_SEND);
    check(kx_handle_info((kx_handle_t)send_only, &info) == 0 && info.rights == KX_RIGHT_SEND,
          "a duplicate with fewer rights");
    check(kx_recv((kx_handle_t)send_only, &m, NULL, NULL) == -EPERM, "receiving without KX_RIGHT_RECV: -EPERM");
    check(kx_handle_dup((kx_handle_t)send_only, KX_RIGHTS_ALL) == -EPERM, "duplicating without KX_RIGHT_DUP: -EPERM");
    long recv_only = kx_handle_dup((kx_handle_t)ep, KX_RIGHT_RECV);
    check(kx_call((kx_handle_t)recv_only, &m, NULL) == -EPERM, "calling without KX_RIGHT_SEND: -EPERM");
    long quiet = kx_handle_dup((kx_handle_t)n, KX_RIGHT_READ);
    check(kx_notify_signal((kx_handle_t)quiet, 1) == -EPERM, "signalling without KX_RIGHT_WRITE: -EPERM");
    check(kx_handle_close((kx_handle_t)send_only) == 0 && kx_handle_close((kx_handle_t)send_only) == -EBADF,
          "a closed handle is gone: closing again gives -EBADF");
    check(kx_handle_info((kx_handle_t)send_only, &info) == -EBADF, "using a closed handle: -EBADF");
    check(kx_reply(0, &m, NULL) == -EINVAL && kx_reply_save() == -EINVAL, "replying with no call to answer: -EINVAL");
    check(kx_reply((kx_handle_t)ep, &m, NULL) == -EINVAL, "replying through an endpoint handle: -EINVAL");

    /* Memory objects: rights bound what a mapping may ever allow. */
    long mem = kx_mem_create(3 * 4096, 0);
    long ro = kx_handle_dup((kx_handle_t)mem, KX_RIGHT_READ);
    check(kx_mem_map((kx_handle_t)ro, 0, 4096, KX_PROT_READ | KX_PROT_WRITE) == -EPERM,
          "mapping writable without KX_RIGHT_WRITE: -EPERM");
    long addr = kx_mem_map((kx_handle_t)ro, 0, 4096, KX_PROT_READ);
    check(addr > 0 && mprotect((void *)addr, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
          "mprotect cannot add write to a read-only object mapping: EACCES");
    check(kx_mem_map((kx_handle_t)mem, 4096, 3 * 4096, KX_PROT_READ) == -EINVAL, "mapping past the object's end: -EINVAL");
    check(kx_mem_map((kx_handle_t)mem, 100, 4096, KX_PROT_READ) == -EINVAL, "an unaligned offset: -EINVAL");
    check(kx_mem_phys((kx_handle_t)mem) == -EINVAL, "a scattered object has no physical address: -EINVAL");
    check(kx_mem_create(0, 0) == -EINVAL && kx_mem_create(4096, 0x80) == -EINVAL, "kx_mem_create: bad size or flags, -EINVAL");
    long rw = kx_mem_map((kx_handle_t)mem, 4096, 2 * 4096, KX_PROT_READ | KX_PROT_WRITE);
    if (rw > 0)
        memset((void *)rw, 0x5a, 2 * 4096);
    kx_handle_close((kx_handle_t)mem);
    check(rw > 0 && ((volatile unsigned char *)rw)[8191] == 0x5a,
          "a mapping keeps its memory object alive after the handle is closed");
    munmap((void *)rw, 2 * 4096);

    /* Bad pointers to every native call that takes one. */
    check(kx_handle_info((kx_handle_t)ep, (void *)8) == -EFAULT, "kx_handle_info into an unmapped page: -EFAULT");
    check(kx_handle_info((kx_handle_t)ep, (void *)KERNEL_ADDRESS) == -EFAULT, "kx_handle_info into the kernel: -EFAULT");
    check(kx_handle_info((kx_handle_t)ep, (void *)addr) == -EFAULT, "kx_handle_info into read-only memory: -EFAULT");
    check(kx_call((kx_handle_t)ep, &m, (struct kx_xfer *)KERNEL_ADDRESS) == -EFAULT, "kx_call with a kernel descriptor: -EFAULT");
    check(kx_recv((kx_handle_t)ep, &m, (struct kx_xfer *)8, NULL) == -EFAULT, "kx_recv with an unmapped descriptor: -EFAULT");
    const void *elf;
    size_t size;
    kx_initrd_find(&initrd, SELF, &elf, &size);
    char *argv[] = { SELF, NULL };
    check(kx_process_create((const char *)8, elf, size, argv, NULL) == -EFAULT, "kx_process_create: bad name, -EFAULT");
    check(kx_process_create(SELF, (const void *)KERNEL_ADDRESS, size, argv, NULL) == -EFAULT,
          "kx_process_create: image in kernel memory, -EFAULT");
    check(kx_process_create(SELF, elf, size, (char **)8, NULL) == -EFAULT, "kx_process_create: bad argv, -EFAULT");
    char *bad_argv[] = { SELF, (char *)KERNEL_ADDRESS, NULL };
    check(kx_process_create(SELF, elf, size, bad_argv, NULL) == -EFAULT, "kx_process_create: bad argv string, -EFAULT");
    check(kx_process_create(SELF, elf, size, argv, (char **)KERNEL_ADDRESS) == -EFAULT, "kx_process_create: bad envp, -EFAULT");
    check(kx_process_create(SELF, "not an ELF file at all, sorry....", 34, argv, NULL) == -ENOEXEC,
          "kx_process_create: not an ELF image, -ENOEXEC");

    /* Process handles. */
    long p = kx_process_create(SELF, elf, size, argv, NULL);
    check(kx_process_wait((kx_handle_t)p) == -EINVAL, "waiting for a process never started: -EINVAL");
    check(kx_process_give((kx_handle_t)p, (kx_handle_t)quiet, KX_RIGHTS_ALL, 0) == -EPERM,
          "giving a handle without KX_RIGHT_TRANSFER: -EPERM");
    check(kx_process_give((kx_handle_t)p, (kx_handle_t)n, KX_RIGHTS_ALL, 7) == 7 &&
              kx_process_give((kx_handle_t)p, (kx_handle_t)n, KX_RIGHTS_ALL, 7) == -EEXIST,
          "giving at a chosen slot; the same slot twice: -EEXIST");
    long p2 = kx_process_create(SELF, elf, size, argv, NULL);
    check(kx_process_give((kx_handle_t)p, (kx_handle_t)p, KX_RIGHTS_ALL, 0) == -EINVAL &&
              kx_process_give((kx_handle_t)p, (kx_handle_t)p2, KX_RIGHTS_ALL, 0) == -EINVAL,
          "a process not started cannot hold process handles (itself or another): -EINVAL, no cycle to leak");
    kx_handle_close((kx_handle_t)p2);
    check(kx_handle_close((kx_handle_t)p) == 0, "closing an unstarted process's handle discards it");
    kx_handle_close((kx_handle_t)quiet);
    kx_handle_close((kx_handle_t)recv_only);
    kx_handle_close((kx_handle_t)ro);
    kx_handle_close((kx_handle_t)ep);
    kx_handle_close((kx_handle_t)n);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long err = kx_initrd_open(kx_initrd_handle(), &initrd);
    if (argc > 1) {
        if (!strcmp(argv[1], "server"))
            return server_main();
        if (!strcmp(argv[1], "fastserver"))
            return fast_server_main();
        if (!strcmp(argv[1], "caller"))
            return caller_main();
        if (!strcmp(argv[1], "waiter"))
            return waiter_main();
        if (!strcmp(argv[1], "signaller"))
            return signaller_main();
        if (!strcmp(argv[1], "intruder") && argc > 2)
            return intruder_main(argv[2]);
        return 2;
    }
    printf("test_ipc: start\n");
    check(err == 0, "the initrd is mapped from its handle");
    misuse();
    against_server();
    fast_path();
    deferred_replies();
    notifications();
    isolation();
    return check_summary();
}
