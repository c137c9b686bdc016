/*
 * Robustness of the system-call layer: thousands of implemented Linux and
 * Kenix-native calls with arguments drawn from values that break things --
 * bad and kernel pointers, misaligned and huge lengths, wrong-type, closed
 * and forged handles, flags with every bit set -- mixed with valid ones so
 * that calls also get deep enough to succeed. The kernel must answer every
 * call with a result or an errno in [-4095, -1], never kill this process
 * for a bad argument, and never panic (the scenario checks the console).
 *
 * Then real rendezvous: a partner process (this program with --partner)
 * receives and answers calls, both sides using random transfer descriptors,
 * and both check every delivery (lengths, truncation, bytes, handle counts).
 *
 * Kept bounded: calls that could block (IPC receive and call, notification
 * and process waits, sleeps) only ever get arguments that fail or return at
 * once; exit is never called; memory the kernel writes through a pointer
 * argument is always `buf` or invalid, and address-space calls only touch
 * `arena`, so the program's own state stays intact.
 *
 * usage: fuzz_syscalls [iterations [seed [trace|quiet]]]   (default 20000, seed 1)
 * With `trace` every call is printed before it is made, to find the one that
 * misbehaves; with `quiet` nothing is printed and only the exit status tells
 * (test_memory runs it that way, to look for memory its failures leak).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

/* Output that quiet mode suppresses. */
#define note(...)                     \
    do {                              \
        if (!checks_quiet)            \
            printf(__VA_ARGS__);      \
    } while (0)

#define ARENA_PAGES 16
#define KERNEL_TEXT 0xffffffff80080000ull
#define KERNEL_LINEAR 0xffff000040000000ull
#define NOWHERE 0x0000700000000000ull    /* user half, never mapped here (the stack is at the top) */
#define BEYOND_USER 0x0001000000000000ull /* past the 48-bit user half */
#define NREGS 12 /* x0-x7, x9-x11 and the x8 slot, which carries the number */

static _Alignas(4096) unsigned char buf[16384];
static struct kx_initrd initrd;
static unsigned char *arena;
static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static uint64_t one_of(const uint64_t *v, size_t n)
{
    return v[rnd() % n];
}
#define ONE_OF(...) one_of((const uint64_t[]){ __VA_ARGS__ }, sizeof((const uint64_t[]){ __VA_ARGS__ }) / 8)

/* Handles worth trying: live objects of every kind this program can make. */
enum { H_EP, H_EP_SEND_ONLY, H_NOTIFY, H_MEM, H_MEM_DMA, H_PROCESS, H_INITRD, H_COUNT };
static kx_handle_t handles[H_COUNT];
/* Handles random calls created: closed now and then so memory stays bounded. */
static long created[256];
static unsigned ncreated;

/* Nothing the program can access. */
static uint64_t bad_pointer(void)
{
    return ONE_OF(0, 8, 4095, KERNEL_TEXT, KERNEL_LINEAR, NOWHERE, BEYOND_USER, 0xdead0000beef0000ull,
                  (uint64_t)-1, KERNEL_TEXT - 1);
}

/* A handle a blocking call fails on at once: none at all, or an object it
 * cannot wait on. Checked now, since a closed slot may since hold an endpoint. */
static uint64_t bad_handle(void)
{
    uint64_t h = ONE_OF(0, (uint64_t)-1, 4096, 0x7fffffff, 0x100000000ull, (uint64_t)handles[H_MEM],
                        (uint64_t)handles[H_NOTIFY] + 1000, (uint64_t)handles[H_INITRD]);
    struct kx_handle_info info;
    if (h == (uint64_t)(kx_handle_t)h && kx_handle_info((kx_handle_t)h, &info) == 0 &&
        (info.type == KX_OBJ_ENDPOINT || info.type == KX_OBJ_NOTIFICATION || info.type == KX_OBJ_PROCESS))
        return 0x7fffffff;
    return h;
}

/* Anything: small and huge numbers, pointers good and bad, live handles. */
static uint64_t any(void)
{
    switch (rnd() % 6) {
    case 0: return ONE_OF(0, 1, 2, 3, 7, 8, 64, 4095, 4096, 4097, 65536, 0x7fffffff, 0x80000000ull, (uint64_t)-1,
                          (uint64_t)-4096, 0x8000000000000000ull);
    case 1: return rnd();
    case 2: return bad_pointer();
    case 3: return (uint64_t)(uintptr_t)(buf + ONE_OF(0, 1, 8, 4093, 4096, sizeof(buf) - 512));
    case 4: return (uint64_t)handles[rnd() % H_COUNT];
    default: return rnd() & 0xff;
    }
}

/* A pointer the kernel may write a small structure (<= 512 bytes) through. */
static uint64_t out_pointer(void)
{
    return rnd() % 3 ? (uint64_t)(uintptr_t)(buf + (rnd() % (sizeof(buf) - 512))) : bad_pointer();
}

static uint64_t arena_address(void)
{
    uint64_t base = (uint64_t)(uintptr_t)arena;
    return rnd() % 4 ? base + (rnd() % ARENA_PAGES) * 4096 : ONE_OF(0, base + 1, KERNEL_TEXT, BEYOND_USER - 4096);
}

/* A length for a range starting at addr: inside the arena if addr is, or one
 * that wraps around the address space (which must be refused). */
static uint64_t arena_length(uint64_t addr)
{
    uint64_t base = (uint64_t)(uintptr_t)arena, end = base + ARENA_PAGES * 4096;
    if (addr < base || addr >= end)
        return ONE_OF(0, 1, 4096, 65536, (uint64_t)-4096, (uint64_t)-1);
    return ONE_OF(0, 1, 4096, end - addr, (end - addr) / 2, (uint64_t)-4096, (uint64_t)-1, (uint64_t)-addr);
}

static uint64_t length(void)
{
    return ONE_OF(0, 1, 7, 4096, 4097, 65536, 1 << 20, (uint64_t)-1, 0x7fffffffffffffffull, rnd() % 20000);
}

static uint64_t fd(void)
{
    return ONE_OF(0, 3, 4, 63, 1024, (uint64_t)-1, 0x7fffffff); /* never 1 or 2: no noise on the console */
}

/* Sleeps that end at once or are refused. */
static const struct timespec ts_short = { 0, 1000 }, ts_bad_nsec = { 0, 1000000000 }, ts_negative = { -1, 0 };
static uint64_t sleep_request(void)
{
    return rnd() % 4 ? (uint64_t)(uintptr_t)ONE_OF((uintptr_t)&ts_short, (uintptr_t)&ts_bad_nsec,
                                                   (uintptr_t)&ts_negative)
                     : bad_pointer();
}

struct call {
    const char *name;
    long nr;
    void (*args)(uint64_t a[NREGS]);
    unsigned calls, ok;
    bool must_succeed_sometimes;
};

static void generic(uint64_t a[NREGS])
{
    for (int i = 0; i < NREGS; i++)
        a[i] = any();
}

static void first_bad_handle(uint64_t a[NREGS])
{
    generic(a);
    a[0] = bad_handle();
}

static void writes_fd(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fd();
    a[2] = length();
}

static void writes_out(uint64_t a[NREGS])
{
    generic(a);
    a[0] = out_pointer();
}

static void clock_out(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, 4, 7, 11, (uint64_t)-1, 0x7fffffff); /* clocks: real, monotonic, boottime, nonsense */
    a[1] = out_pointer();
}

static void getrandom_args(uint64_t a[NREGS])
{
    generic(a);
    bool good = rnd() % 2;
    a[0] = good ? (uint64_t)(uintptr_t)buf : bad_pointer();
    a[1] = good ? rnd() % (sizeof(buf) + 1) : length();
    a[2] = ONE_OF(0, 1, 2, 4, (uint64_t)-1);
}

static void sleep_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = sleep_request();
    a[1] = out_pointer();
}

static void clock_sleep_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, 7, (uint64_t)-1);
    a[1] = ONE_OF(0, 1, 0xff); /* 1 is TIMER_ABSTIME: 1 us after boot is long past */
    a[2] = sleep_request();
    a[3] = out_pointer();
}

static void brk_args(uint64_t a[NREGS])
{
    /* Never below the current break: that would take the C library's memory. */
    uint64_t now = (uint64_t)syscall(SYS_brk, 0);
    generic(a);
    a[0] = ONE_OF(0, now, now + 1, now + 4096 * (rnd() % 64), KERNEL_TEXT, (uint64_t)-1, BEYOND_USER);
}

static void memory_map_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = arena_address();
    a[2] = ONE_OF(0, 1, 3, 5, 7, 8, (uint64_t)-1);                 /* prot */
    a[3] = ONE_OF(0x22, 0x32, 0x21, 0x02, 0x12, 0, (uint64_t)-1); /* MAP_PRIVATE|ANON, +FIXED, SHARED... */
    /* A fixed mapping replaces what is there: keep it inside the arena. */
    a[1] = a[3] & 0x10 || rnd() % 2 ? arena_length(a[0]) : ONE_OF(4096, 65536, rnd() % 100000, (uint64_t)-4096);
    a[4] = ONE_OF(0, (uint64_t)-1, 3);
    a[5] = ONE_OF(0, 4096, 1);
}

static void arena_range_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = arena_address();
    a[1] = arena_length(a[0]);
    a[2] = ONE_OF(0, 1, 3, 5, 7, 8, (uint64_t)-1);
}

static void mem_create_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, 4096, 8192, 65536, (uint64_t)-1, 0x100000000000ull);
    a[1] = ONE_OF(0, KX_MEM_CONTIGUOUS, 0xffffffff);
}

static void mem_map_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = rnd() % 3 ? (uint64_t)handles[ONE_OF(H_MEM, H_MEM, H_MEM_DMA, H_INITRD)] : any();
    a[1] = ONE_OF(0, 0, 0, 1, 4096, 65536, (uint64_t)-4096);
    a[2] = ONE_OF(4096, 4096, 8192, 0, 1, 65536, (uint64_t)-1);
    a[3] = ONE_OF(KX_PROT_READ, KX_PROT_READ | KX_PROT_WRITE, KX_PROT_EXEC, 0, 0xff);
}

/* Half the time the live handle of the kind a call wants, else anything. */
static uint64_t live(int kind)
{
    return rnd() % 2 ? (uint64_t)handles[kind] : any();
}

static uint64_t rights(void)
{
    return ONE_OF(0, KX_RIGHTS_ALL, KX_RIGHT_SEND, KX_RIGHT_READ | KX_RIGHT_TRANSFER, 0xffffffff, rnd());
}

static void any_handle_first(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live((int)(rnd() % H_COUNT));
}

static void dup_args(uint64_t a[NREGS])
{
    any_handle_first(a);
    a[1] = rights();
}

static void mint_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_EP);
    a[1] = rights();
}

static void bind_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_EP);
    a[1] = live(H_NOTIFY);
}

static void notify_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_NOTIFY);
}

static void out_after_handle(uint64_t a[NREGS])
{
    any_handle_first(a);
    a[1] = out_pointer();
}

static void notify_poll_args(uint64_t a[NREGS])
{
    notify_args(a);
    a[1] = out_pointer();
}

static void mem_phys_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_MEM_DMA);
}

static void give_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_PROCESS);
    a[1] = live((int)ONE_OF(H_EP, H_EP_SEND_ONLY, H_NOTIFY, H_MEM, H_MEM_DMA, H_INITRD, H_PROCESS));
    a[2] = rights();
    a[3] = ONE_OF(0, 0, 1, 2, 3, 7, 15, 16, 63, 64, (uint64_t)-1, 1000);
}

static void create_process_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = rnd() % 2 ? (uint64_t)(uintptr_t)"fuzzed" : any();
    a[2] = length();
}

#define L(name, args, sometimes) { #name, SYS_##name, args, 0, 0, sometimes }
#define N(name, args, sometimes) { "kx_" #name, KX_SYS_##name, args, 0, 0, sometimes }
static struct call calls[] = {
    L(ioctl, generic, false),
    L(write, writes_fd, false),
    L(writev, writes_fd, false),
    L(set_tid_address, writes_out, true),
    L(nanosleep, sleep_args, true),
    L(clock_gettime, clock_out, true),
    L(clock_nanosleep, clock_sleep_args, true),
    L(sched_yield, generic, true),
    L(uname, writes_out, true),
    L(getpid, generic, true),
    L(getppid, generic, true),
    L(getuid, generic, true),
    L(gettid, generic, true),
    L(brk, brk_args, true),
    L(munmap, arena_range_args, true),
    L(mmap, memory_map_args, true),
    L(mprotect, arena_range_args, true),
    L(getrandom, getrandom_args, true),
    { "unknown linux 1000", 1000, generic, 0, 0, false },
    N(nop, generic, true),
    N(handle_close, any_handle_first, true),
    N(handle_dup, dup_args, true),
    N(handle_info, out_after_handle, true),
    N(endpoint_create, generic, true),
    N(endpoint_mint, mint_args, true),
    N(endpoint_bind, bind_args, true),
    N(call, first_bad_handle, false),
    N(recv, first_bad_handle, false),
    N(reply, any_handle_first, false),
    N(reply_recv, first_bad_handle, false),
    N(reply_save, generic, false),
    N(notify_create, generic, true),
    N(notify_signal, notify_args, true),
    N(notify_wait, first_bad_handle, false),
    N(notify_poll, notify_poll_args, true),
    N(mem_create, mem_create_args, true),
    N(mem_map, mem_map_args, true),
    N(mem_phys, mem_phys_args, true),
    N(irq_bind, any_handle_first, false),
    N(irq_ack, any_handle_first, false),
    N(process_create, create_process_args, false),
    N(process_give, give_args, true),
    N(process_start, first_bad_handle, false),
    N(process_wait, first_bad_handle, false),
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* Every argument register set, the IPC ones included (x0-x11 but x8). */
static long trap(long nr, const uint64_t a[NREGS])
{
    register uint64_t x0 __asm__("x0") = a[0], x1 __asm__("x1") = a[1], x2 __asm__("x2") = a[2];
    register uint64_t x3 __asm__("x3") = a[3], x4 __asm__("x4") = a[4], x5 __asm__("x5") = a[5];
    register uint64_t x6 __asm__("x6") = a[6], x7 __asm__("x7") = a[7], x8 __asm__("x8") = (uint64_t)nr;
    register uint64_t x9 __asm__("x9") = a[9], x10 __asm__("x10") = a[10], x11 __asm__("x11") = a[11];
    __asm__ volatile("svc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7), "+r"(x9),
                       "+r"(x10), "+r"(x11)
                     : "r"(x8)
                     : "memory");
    return (long)x0;
}

static bool is_handle_maker(const struct call *c)
{
    return c->nr == KX_SYS_handle_dup || c->nr == KX_SYS_endpoint_create || c->nr == KX_SYS_endpoint_mint ||
           c->nr == KX_SYS_notify_create || c->nr == KX_SYS_mem_create || c->nr == KX_SYS_process_create ||
           c->nr == KX_SYS_reply_save;
}

static void close_created(void)
{
    for (unsigned i = 0; i < ncreated; i++)
        kx_handle_close((kx_handle_t)created[i]);
    ncreated = 0;
}

/* (Re)creates the live handles random calls may have closed. */
static void refresh_handles(void)
{
    struct kx_handle_info info;
    for (int i = 0; i < H_COUNT; i++) {
        if (i == H_INITRD || (handles[i] > 0 && kx_handle_info(handles[i], &info) == 0))
            continue;
        long h = -1;
        switch (i) {
        case H_EP: h = kx_endpoint_create(); break;
        case H_EP_SEND_ONLY:
            h = handles[H_EP] > 0 ? kx_handle_dup(handles[H_EP], KX_RIGHT_SEND | KX_RIGHT_DUP) : -1;
            break;
        case H_NOTIFY: h = kx_notify_create(); break;
        case H_MEM: h = kx_mem_create(8192, 0); break;
        case H_MEM_DMA: h = kx_mem_create(4096, KX_MEM_CONTIGUOUS); break;
        case H_PROCESS: {
            /* A real process, never started here: give has something to act on. */
            char *argv[] = { "/bin/hello", NULL };
            h = initrd.base ? kx_spawn(&initrd, "/bin/hello", argv, NULL) : -1;
            break;
        }
        }
        handles[i] = h > 0 ? (kx_handle_t)h : 0;
    }
}


/* --- IPC with a partner: random descriptors on both sides of real rendezvous --- */

#define SLOT_FUZZ_EP 4 /* where the partner finds the endpoint */
#define LABEL_EXIT 0xe417
#define IPC_BUF 8192  /* the part of buf each side sends from and receives into */

/* Handles a side must keep (its endpoint, its partner): never sent away. */
static kx_handle_t keep[2];

static uint8_t sent_byte(int server, uint64_t i)
{
    return (uint8_t)(server ? i * 7 + 3 : i * 13 + 5);
}

static void fill_sent(int server)
{
    for (uint64_t i = 0; i < IPC_BUF; i++)
        buf[IPC_BUF + i] = sent_byte(server, i);
}

/* A descriptor with random parts. Receiving goes only into buf[0, IPC_BUF)
 * (or nowhere valid); sending comes from buf[IPC_BUF, 2 * IPC_BUF) or from
 * bad addresses. w_off/w_len tell the other side what to expect. */
static void random_xfer(struct kx_xfer *x, uint64_t *w_off, uint64_t *w_len)
{
    memset(x, 0, sizeof(*x));
    uint64_t off = rnd() % IPC_BUF;
    *w_off = off;
    switch (rnd() % 4) {
    case 0: x->send = NULL; x->send_len = 0; break;
    case 1: x->send = (const void *)(uintptr_t)bad_pointer(); x->send_len = length(); break;
    default:
        x->send = buf + IPC_BUF + off;
        x->send_len = ONE_OF(0, 1, 8, 4096, IPC_BUF - off, rnd() % (IPC_BUF - off + 1), KX_BULK_MAX + 1);
        if (x->send_len > IPC_BUF - off && x->send_len <= KX_BULK_MAX)
            x->send_len = IPC_BUF - off;
        break;
    }
    *w_len = x->send_len;
    uint64_t roff = rnd() % IPC_BUF;
    switch (rnd() % 4) {
    case 0: x->recv = NULL; x->recv_cap = ONE_OF(0, 4096); break;
    case 1: x->recv = (void *)(uintptr_t)bad_pointer(); x->recv_cap = ONE_OF(0, 1, 4096, (uint64_t)-1); break;
    default:
        x->recv = buf + roff;
        x->recv_cap = rnd() % (IPC_BUF - roff + 1);
        break;
    }
    x->send_handles_n = (uint32_t)ONE_OF(0, 0, 1, 2, 4, 5, 0xffffffff);
    for (int i = 0; i < KX_XFER_MAX_HANDLES; i++) {
        x->send_handles[i] = rnd() % 3 ? handles[rnd() % H_COUNT] : (kx_handle_t)any();
        if (x->send_handles[i] == keep[0] || x->send_handles[i] == keep[1])
            x->send_handles[i] = 0x7fffffff;
    }
    x->recv_handles_cap = (uint32_t)ONE_OF(0, 1, 4, 5, 0xffffffff);
    x->reserved = rnd() % 8 ? 0 : (uint32_t)rnd();
}

/* Did the bytes arrive as sent? Returns a complaint or NULL. */
static const char *check_received(const struct kx_xfer *x, uint64_t label, int from_server, uint64_t off,
                                  uint64_t len)
{
    uint64_t want = len < x->recv_cap ? len : x->recv_cap;
    if (x->recv_len != want)
        return "received length is not min(sent, room)";
    if (!!(label & KX_MSG_TRUNCATED) != (len > x->recv_cap))
        return "truncation flag wrong";
    const uint8_t *r = x->recv;
    for (uint64_t i = 0; i < want; i++)
        if (r[i] != sent_byte(from_server, off + i))
            return "received bytes differ from those sent";
    if (x->recv_handles_n > x->recv_handles_cap || x->recv_handles_n > KX_XFER_MAX_HANDLES)
        return "more handles received than there was room for";
    return NULL;
}

static void close_received(const struct kx_xfer *x)
{
    for (uint32_t i = 0; i < x->recv_handles_n && i < KX_XFER_MAX_HANDLES; i++)
        kx_handle_close(x->recv_handles[i]);
}

/* The partner: receives with random descriptors, answers with random ones,
 * falls back to plain messages when its own random choice is refused, and
 * checks what it receives. Exit status 0: every delivery was right. */
static int serve(void)
{
    fill_sent(1);
    unsigned wrong = 0;
    for (;;) {
        struct kx_msg m;
        struct kx_xfer x;
        uint64_t off, len, badge;
        random_xfer(&x, &off, &len);
        bool random_recv = rnd() % 4 != 0;
        long r = kx_recv(SLOT_FUZZ_EP, &m, random_recv ? &x : NULL, &badge);
        if (r < 0 && random_recv) {
            random_recv = false;
            r = kx_recv(SLOT_FUZZ_EP, &m, NULL, &badge);
        }
        if (r < 0) {
            note("FAIL fuzz partner: a plain kx_recv failed: %ld\n", r);
            return 2;
        }
        if (KX_MSG_LABEL(m.label) == LABEL_EXIT) {
            m.w[0] = wrong;
            kx_reply(0, &m, NULL);
            return wrong ? 1 : 0;
        }
        if (random_recv) {
            const char *why = m.w[2] ? check_received(&x, m.label, 0, m.w[0], m.w[1]) : NULL;
            if (why && wrong++ < 5)
                note("FAIL fuzz partner: %s (sent %llu from +%llu, room %llu, got %llu)\n", why,
                       (unsigned long long)m.w[1], (unsigned long long)m.w[0], (unsigned long long)x.recv_cap,
                       (unsigned long long)x.recv_len);
            close_received(&x);
        }
        /* Answer: random descriptor first; if refused, the caller is still waiting. */
        uint64_t label = KX_MSG_LABEL(m.label) | (rnd() % 2 ? KX_MSG_XFER : 0) | (rnd() % 4 ? 0 : KX_MSG_MOVE_HANDLES);
        random_xfer(&x, &off, &len);
        m.label = label;
        m.w[0] = off;
        m.w[1] = len;
        m.w[2] = 1;
        if (kx_reply(0, &m, &x) < 0) {
            m.label = KX_MSG_LABEL(label);
            m.w[2] = 0;
            if ((r = kx_reply(0, &m, NULL)) < 0 && r != -EPIPE) {
                note("FAIL fuzz partner: a plain kx_reply failed: %ld\n", r);
                return 3;
            }
        }
    }
}

/* Calls the partner `rounds` times with random descriptors; returns the number of wrong deliveries. */
static unsigned ipc_rounds(kx_handle_t ep, unsigned rounds, unsigned *delivered)
{
    unsigned wrong = 0;
    fill_sent(0);
    for (unsigned i = 0; i < rounds; i++) {
        if (i % 100 == 0)
            refresh_handles();
        struct kx_msg m = { .label = 0x100 + (rnd() % 0xff) };
        struct kx_xfer x;
        uint64_t off, len;
        random_xfer(&x, &off, &len);
        bool with_xfer = rnd() % 8 != 0;
        m.label |= (with_xfer ? KX_MSG_XFER : 0) | (rnd() % 4 ? 0 : KX_MSG_MOVE_HANDLES);
        m.w[0] = off;
        m.w[1] = len;
        m.w[2] = with_xfer;
        uint32_t sent_label = KX_MSG_LABEL(m.label);
        long r = kx_call(ep, &m, with_xfer ? &x : NULL);
        if (r > 0 || r < -4095) {
            if (wrong++ < 5)
                note("FAIL kx_call returned %ld\n", r);
            continue;
        }
        if (r < 0)
            continue;
        (*delivered)++;
        const char *why = NULL;
        if (KX_MSG_LABEL(m.label) != sent_label)
            why = "the answer has another label";
        else if (with_xfer && m.w[2])
            why = check_received(&x, m.label, 1, m.w[0], m.w[1]);
        if (why && wrong++ < 5)
            note("FAIL kx_call: %s (sent %llu from +%llu, room %llu, got %llu)\n", why, (unsigned long long)m.w[1],
                   (unsigned long long)m.w[0], (unsigned long long)x.recv_cap, (unsigned long long)x.recv_len);
        if (with_xfer)
            close_received(&x);
    }
    return wrong;
}

static void fuzz_ipc(unsigned rounds)
{
    long ep = kx_endpoint_create();
    char seed[24];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)rnd());
    char *argv[] = { "/bin/fuzz_syscalls", "--partner", seed, checks_quiet ? "quiet" : NULL, NULL };
    struct kx_give give = { (kx_handle_t)ep, KX_RIGHT_RECV, SLOT_FUZZ_EP };
    long partner = ep > 0 && initrd.base ? kx_spawn_with(&initrd, "/bin/fuzz_syscalls", argv, NULL, &give, 1) : -1;
    if (!check(partner > 0, "a partner process to call")) {
        kx_handle_close((kx_handle_t)ep);
        return;
    }
    keep[0] = (kx_handle_t)ep;
    keep[1] = (kx_handle_t)partner;
    unsigned delivered = 0;
    unsigned wrong = ipc_rounds((kx_handle_t)ep, rounds, &delivered);
    struct kx_msg m = { .label = LABEL_EXIT };
    long r = kx_call((kx_handle_t)ep, &m, NULL);
    long status = kx_process_wait((kx_handle_t)partner);
    checkf(wrong == 0 && r == 0 && m.w[0] == 0 && status == 0,
           "%u calls with random descriptors both ways, %u delivered: bytes, lengths, truncation and handles "
           "right on both sides (partner exit status %ld)",
           rounds, delivered, status);
    kx_handle_close((kx_handle_t)partner);
    kx_handle_close((kx_handle_t)ep);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--partner")) {
        checks_quiet = argc > 3;
        rng_state = strtoull(argv[2], NULL, 0) | 1;
        handles[H_INITRD] = kx_initrd_handle();
        keep[0] = SLOT_FUZZ_EP;
        return serve();
    }
    unsigned iterations = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    if (!rng_state)
        rng_state = 1;
    bool trace = argc > 3 && !strcmp(argv[3], "trace");
    checks_quiet = argc > 3 && !strcmp(argv[3], "quiet");
    note("fuzz_syscalls: %u calls, seed %llu\n", iterations, (unsigned long long)rng_state);
    fflush(stdout);
    arena = mmap(NULL, ARENA_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (arena == MAP_FAILED) {
        check(false, "mmap of the arena");
        return check_summary();
    }
    handles[H_INITRD] = kx_initrd_handle();
    if (kx_initrd_open(handles[H_INITRD], &initrd) != 0)
        initrd.base = NULL;
    refresh_handles();
    check(handles[H_EP] && handles[H_NOTIFY] && handles[H_MEM] && handles[H_PROCESS],
          "live endpoint, notification, memory and process handles to fuzz with");
    long pid = getpid();

    unsigned out_of_range = 0;
    for (unsigned i = 0; i < iterations; i++) {
        if (i % 200 == 0) {
            close_created();
            refresh_handles();
        }
        struct call *c = &calls[rnd() % NCALLS];
        uint64_t a[NREGS];
        c->args(a);
        if (trace) {
            note("%u %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n", i, c->name, (unsigned long long)a[0],
                   (unsigned long long)a[1], (unsigned long long)a[2], (unsigned long long)a[3],
                   (unsigned long long)a[4], (unsigned long long)a[5]);
            fflush(stdout);
        }
        long r = trap(c->nr, a);
        c->calls++;
        if (r >= 0)
            c->ok++;
        else if (r < -4095 && out_of_range++ < 5)
            note("FAIL %s returned %ld, neither a result nor an errno\n", c->name, r);
        if (r > 0 && is_handle_maker(c) && ncreated < sizeof(created) / sizeof(created[0]))
            created[ncreated++] = r;
    }
    close_created();

    check(out_of_range == 0, "every call returned a result or an errno in [-4095, -1]");
    unsigned never_ran = 0, never_succeeded = 0;
    for (size_t i = 0; i < NCALLS; i++) {
        note("  %-20s %5u calls, %5u succeeded\n", calls[i].name, calls[i].calls, calls[i].ok);
        never_ran += calls[i].calls == 0;
        if (calls[i].must_succeed_sometimes && calls[i].ok == 0) {
            note("FAIL %s never succeeded: its arguments are too narrow to reach the real work\n", calls[i].name);
            never_succeeded++;
        }
    }
    check(never_ran == 0, "every call was tried");
    check(never_succeeded == 0, "calls that can succeed did so at least once");

    fuzz_ipc(iterations / 4);

    /* Still whole: the same process, and the basics still work. */
    struct kx_handle_info info;
    long ep = kx_endpoint_create();
    check(getpid() == pid && kx_nop() == 0, "the same process survived, kx_nop works");
    check(ep > 0 && kx_handle_info((kx_handle_t)ep, &info) == 0 && info.type == KX_OBJ_ENDPOINT &&
              kx_handle_close((kx_handle_t)ep) == 0,
          "a new endpoint can be made, inspected and closed");
    return check_summary();
}
