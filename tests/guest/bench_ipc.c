/*
 * Costs of Kenix's native primitives, measured from inside the guest with
 * CLOCK_MONOTONIC around many iterations, after a warm-up:
 *   - the null native system call (kx_nop);
 *   - an IPC round trip (kx_call to a server looping in kx_reply_recv), with
 *     the message in registers only, and with 4 KiB of bulk bytes (from a
 *     page-aligned buffer, and from one misaligned by a byte);
 *   - notification signal-to-wake (half a ping-pong between two processes);
 *   - a context switch (two processes ping-ponging with sched_yield);
 *   - a process's whole life: create, start, exit, wait.
 * The servers and partners are copies of this program, spawned from the
 * initrd with a role in argv[1] and their handles at fixed slots.
 * Under QEMU's -icount shift=0 one nanosecond of guest time is one guest
 * instruction, so each figure is also an instruction count.
 *
 *   bench_ipc [-n ROUNDS]         every figure; ROUNDS (default 2000) sets
 *                                 every loop's length in proportion
 *   bench_ipc registers [-n ROUNDS]  the register-only round trip alone
 *                                 (for tools/guest_profile.py)
 *   bench_ipc scale [-n ROUNDS]   IPC round trips with 0 B, 64 B, 4 KiB,
 *                                 64 KiB and 1 MiB of bulk data (how the
 *                                 cost grows with the copy)
 * Prints "bench: <what>: N ns" per figure and "bench: done"; never fails on
 * time. Exits 0 unless an operation returned an error or a wrong answer.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "bench.h"

#define SELF_PATH "/bin/bench_ipc"
#define SLOT_A 4 /* first handle given to a child */
#define SLOT_B 5 /* second handle given to a child */

#define WARMUP 200
#define WARMUP_PROCESSES 3
#define BULK_SIZE 4096
#define SCALE_MAX (1u << 20) /* the largest bulk of the scale figures: KX_BULK_MAX */

/* Loop lengths, from -n ROUNDS (main): the defaults are ROUNDS 2000's. */
static int NOP_CALLS = 20000;
static int IPC_CALLS = 5000;
static int NOTIFY_ROUNDS = 5000;
static int YIELDS = 5000;
static int PROCESSES = 50;

/* Message labels the server understands. */
enum {
    LABEL_ECHO = 1,      /* answer w[i] + 1 */
    LABEL_BULK_MODE = 2, /* receive with a bulk buffer from now on */
    LABEL_BULK = 3,      /* answer w[0] = bytes received, w[1] = 1 if asked to check them and they match */
    LABEL_EXIT = 4,      /* answer, then exit */
    LABEL_PING = 5,      /* answer w[0] + 1, the other words as they came */
    LABEL_PING_FP = 6,   /* the same, after touching an FP/SIMD register */
    LABEL_SCALE_MODE = 7, /* receive with a 1 MiB buffer from now on */
    LABEL_SIZED = 8,      /* answer w[0] = bytes received, w[1] = 1 if the first and last are w[2] */
};

/* Notification bits. */
#define NOTE_PING 1u
#define NOTE_EXIT 2u

extern char **environ;


/* The bulk pattern for a given seed: the server recomputes it to check a copy. */
static void fill_pattern(unsigned char *buf, uint64_t seed)
{
    for (size_t i = 0; i < BULK_SIZE; i++)
        buf[i] = (unsigned char)(i ^ (i >> 8) ^ seed);
}

static int pattern_matches(const unsigned char *buf, uint64_t seed)
{
    for (size_t i = 0; i < BULK_SIZE; i++)
        if (buf[i] != (unsigned char)(i ^ (i >> 8) ^ seed))
            return 0;
    return 1;
}

/* One FP/SIMD instruction: enough to make this process's FP state live, so
 * the kernel has to switch it (lazily or eagerly) between the two processes. */
static inline void touch_fp(uint64_t v)
{
    __asm__ volatile("fmov d16, %0" ::"r"(v) : "v16");
}

/* --- Children (argv[1] names the role) --- */

/* The scale figures' receive buffer: 1 MiB, mapped on demand (as .bss it
 * would make every copy of this program larger to start). */
static struct kx_xfer *scale_buffer(struct kx_xfer *xfer)
{
    void *big = mmap(NULL, SCALE_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big == MAP_FAILED)
        return NULL;
    xfer->recv = big;
    xfer->recv_cap = SCALE_MAX;
    return xfer;
}

/* Answers calls on the endpoint at SLOT_A until LABEL_EXIT. Register-only
 * until LABEL_BULK_MODE, so the register-only figure carries no descriptor. */
static int server_main(void)
{
    /* Page-aligned on both sides: the kernel copies one page-sized chunk. */
    static _Alignas(4096) unsigned char buf[BULK_SIZE];
    struct kx_xfer xfer = { .recv = buf, .recv_cap = sizeof(buf) };
    struct kx_xfer *x = NULL;
    struct kx_msg msg;
    long r = kx_recv(SLOT_A, &msg, NULL, NULL);
    for (;;) {
        if (r < 0)
            return 2;
        uint32_t label = KX_MSG_LABEL(msg.label);
        switch (label) {
        case LABEL_ECHO:
            for (int i = 0; i < KX_MSG_WORDS; i++)
                msg.w[i]++;
            break;
        case LABEL_PING:
            msg.w[0]++;
            break;
        case LABEL_PING_FP:
            touch_fp(msg.w[0]);
            msg.w[0]++;
            break;
        case LABEL_BULK_MODE:
            x = &xfer; /* takes effect with the receive of this reply_recv */
            break;
        case LABEL_SCALE_MODE:
            x = scale_buffer(&xfer);
            msg.w[0] = x != NULL;
            break;
        case LABEL_SIZED:
            msg.w[1] = !xfer.recv_len || (((uint8_t *)xfer.recv)[0] == (uint8_t)msg.w[2] &&
                                          ((uint8_t *)xfer.recv)[xfer.recv_len - 1] == (uint8_t)msg.w[2]);
            msg.w[0] = xfer.recv_len;
            break;
        case LABEL_BULK:
            /* w[1] asks for the bytes to be checked against seed w[2]: only
             * now and then, so the figure is the kernel's copy, not ours. */
            msg.w[1] = msg.w[1] && xfer.recv_len == BULK_SIZE && pattern_matches(buf, msg.w[2]);
            msg.w[0] = xfer.recv_len;
            break;
        case LABEL_EXIT:
            msg.label = LABEL_EXIT;
            return kx_reply(0, &msg, NULL) < 0 ? 2 : 0;
        default:
            label = 0; /* tells the client it sent nonsense */
            break;
        }
        msg.label = label;
        r = kx_reply_recv(SLOT_A, &msg, x, NULL);
    }
}

/* Waits on notification A, answers each ping on notification B. */
static int notify_main(void)
{
    for (;;) {
        uint64_t bits = 0;
        if (kx_notify_wait(SLOT_A, &bits) < 0)
            return 2;
        if (bits & NOTE_EXIT)
            return 0;
        if (kx_notify_signal(SLOT_B, NOTE_PING) < 0)
            return 2;
    }
}

/* Signals "ready" on A, then yields `count` times, recording its progress
 * in the shared page at B so the parent can see the yields alternated. */
static int yield_main(const char *count_arg)
{
    long count = atol(count_arg);
    long addr = kx_mem_map(SLOT_B, 0, 4096, KX_PROT_READ | KX_PROT_WRITE);
    if (addr < 0 || kx_notify_signal(SLOT_A, NOTE_PING) < 0)
        return 2;
    volatile uint64_t *done = (volatile uint64_t *)(uintptr_t)addr;
    for (long i = 0; i < count; i++) {
        sched_yield();
        *done = (uint64_t)i + 1;
    }
    return 0;
}

/* --- Parent --- */

static struct kx_initrd initrd;

/* Spawns this program as `role` with h_a at SLOT_A and h_b (if > 0) at SLOT_B,
 * and starts it. Returns its process handle or -errno. */
static long spawn_child(const char *role, const char *arg, kx_handle_t h_a, uint32_t rights_a, kx_handle_t h_b,
                        uint32_t rights_b)
{
    char *argv[] = { SELF_PATH, (char *)role, (char *)arg, NULL };
    const struct kx_give give[] = { { h_a, rights_a, SLOT_A }, { h_b, rights_b, SLOT_B } };
    return kx_spawn_with(&initrd, SELF_PATH, argv, environ, give, h_b > 0 ? 2 : 1);
}

/* Waits for a child we have told to stop; reports a non-zero status. */
static void reap(long proc, const char *role)
{
    long status = kx_process_wait(proc);
    kx_handle_close(proc);
    if (status != 0) {
        printf("bench: FAIL %s child ended with wait status %#lx\n", role, status);
        errors++;
    }
}

static void bench_nop(void)
{
    long bad = 0;
    for (int i = 0; i < WARMUP; i++)
        bad |= kx_nop();
    uint64_t t0 = now_ns();
    for (int i = 0; i < NOP_CALLS; i++)
        bad |= kx_nop();
    uint64_t t1 = now_ns();
    if (bad)
        fail("kx_nop returned an error", bad);
    else
        report("null native syscall (kx_nop)", t1 - t0, NOP_CALLS);
}

/* One echo call; 0 if the answer is right. */
static long echo(kx_handle_t ep, uint64_t seq)
{
    struct kx_msg msg = { .label = LABEL_ECHO };
    for (int i = 0; i < KX_MSG_WORDS; i++)
        msg.w[i] = seq + (uint64_t)i;
    long r = kx_call(ep, &msg, NULL);
    if (r < 0)
        return r;
    if (KX_MSG_LABEL(msg.label) != LABEL_ECHO)
        return 1;
    for (int i = 0; i < KX_MSG_WORDS; i++)
        if (msg.w[i] != seq + (uint64_t)i + 1)
            return 1;
    return 0;
}

/*
 * The timed loop is what a client of a fast server does: one call and a look
 * at the answer. All eight words travel both ways every time; the seven the
 * server leaves alone are checked once at the end (the warm-up checked every
 * word of every answer). With `fp`, both processes touch an FP/SIMD register
 * per round trip, as ordinary C code does (the compiler zeroes structs with q
 * registers): the kernel then moves FP state at each switch.
 */
static void ping_loop(kx_handle_t ep, bool fp, const char *what)
{
    uint32_t label = fp ? LABEL_PING_FP : LABEL_PING;
    long bad = 0;
    struct kx_msg msg = { .w = { 0, 1, 2, 3, 4, 5, 6, 7 } };
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < (uint64_t)IPC_CALLS && !bad; i++) {
        if (fp)
            touch_fp(i);
        msg.label = label;
        msg.w[0] = i;
        bad = kx_call(ep, &msg, NULL);
        if (!bad && (KX_MSG_LABEL(msg.label) != label || msg.w[0] != i + 1))
            bad = 1;
    }
    uint64_t t1 = now_ns();
    for (int i = 1; i < KX_MSG_WORDS && !bad; i++)
        if (msg.w[i] != (uint64_t)i)
            bad = 1;
    if (bad)
        fail(what, bad);
    else
        report(what, t1 - t0, IPC_CALLS);
}

static void bench_ipc_registers(kx_handle_t ep)
{
    for (int i = 0; i < WARMUP; i++) {
        long r = echo(ep, (uint64_t)i << 8);
        if (r) {
            fail("register-only call (warm-up)", r);
            return;
        }
    }
    ping_loop(ep, false, "IPC round trip, registers only");
    ping_loop(ep, true, "IPC round trip, registers only, both processes using FP");
}

/* One 4 KiB call; `check` asks the server to verify the bytes (seed `seed`). */
static long bulk_call(kx_handle_t ep, struct kx_xfer *xfer, uint64_t check, uint64_t seed)
{
    struct kx_msg msg = { .label = LABEL_BULK, .w = { 0, check, seed } };
    long r = kx_call(ep, &msg, xfer);
    if (r < 0)
        return r;
    if (KX_MSG_LABEL(msg.label) != LABEL_BULK || msg.w[0] != BULK_SIZE || msg.w[1] != check)
        return 1;
    return 0;
}

/* Server side of the bulk figures: from now on it receives with a buffer. */
static int server_bulk_mode(kx_handle_t ep)
{
    struct kx_msg msg = { .label = LABEL_BULK_MODE };
    long r = kx_call(ep, &msg, NULL);
    if (r < 0 || KX_MSG_LABEL(msg.label) != LABEL_BULK_MODE) {
        fail("switching the server to bulk receives", r);
        return -1;
    }
    return 0;
}

/* 4 KiB calls sent from `offset` bytes into a page-aligned buffer; the server
 * receives page-aligned, so a non-zero offset measures a misaligned copy. */
static void bench_ipc_bulk(kx_handle_t ep, size_t offset, const char *name)
{
    static _Alignas(4096) unsigned char page[BULK_SIZE + 16];
    unsigned char *buf = page + offset;
    struct kx_xfer xfer = { .send = buf, .send_len = BULK_SIZE };
    fill_pattern(buf, 1);
    for (int i = 0; i < WARMUP; i++) {
        long r = bulk_call(ep, &xfer, i == 0, 1);
        if (r) {
            fail("4 KiB call (warm-up)", r);
            return;
        }
    }
    long bad = 0;
    uint64_t t0 = now_ns();
    for (int i = 0; i < IPC_CALLS && !bad; i++) {
        /* The first and last calls carry fresh bytes the server checks. */
        int check = i == 0 || i == IPC_CALLS - 1;
        if (check)
            fill_pattern(buf, (uint64_t)i + 2);
        bad = bulk_call(ep, &xfer, (uint64_t)check, (uint64_t)i + 2);
    }
    uint64_t t1 = now_ns();
    if (bad)
        fail("4 KiB call: error, short copy or wrong bytes", bad);
    else
        report(name, t1 - t0, IPC_CALLS);
}

static void bench_ipc(void)
{
    long ep = kx_endpoint_create();
    if (ep < 0) {
        fail("kx_endpoint_create", ep);
        return;
    }
    long server = spawn_child("server", NULL, (kx_handle_t)ep, KX_RIGHT_RECV, 0, 0);
    if (server < 0) {
        fail("starting the IPC server", server);
        kx_handle_close((kx_handle_t)ep);
        return;
    }
    bench_ipc_registers((kx_handle_t)ep);
    if (server_bulk_mode((kx_handle_t)ep) == 0) {
        bench_ipc_bulk((kx_handle_t)ep, 0, "IPC round trip, 4 KiB bulk");
        bench_ipc_bulk((kx_handle_t)ep, 1, "IPC round trip, 4 KiB bulk, sender misaligned by 1");
    }
    /* Always stop the server, whatever happened above. */
    struct kx_msg msg = { .label = LABEL_EXIT };
    long r = kx_call((kx_handle_t)ep, &msg, NULL);
    if (r < 0 || KX_MSG_LABEL(msg.label) != LABEL_EXIT)
        fail("stopping the IPC server", r);
    reap(server, "server");
    kx_handle_close((kx_handle_t)ep);
}

/* `bench_ipc registers`: the register-only round trip alone (tools/guest_profile.py). */
static void bench_ipc_registers_only(void)
{
    long ep = kx_endpoint_create();
    long server = ep < 0 ? ep : spawn_child("server", NULL, (kx_handle_t)ep, KX_RIGHT_RECV, 0, 0);
    if (server < 0) {
        fail("starting the IPC server", server);
        return;
    }
    bench_ipc_registers((kx_handle_t)ep);
    struct kx_msg msg = { .label = LABEL_EXIT };
    if (kx_call((kx_handle_t)ep, &msg, NULL) < 0)
        fail("stopping the IPC server", 0);
    reap(server, "server");
    kx_handle_close((kx_handle_t)ep);
}

/* ---- how the round trip grows with its bulk data (bench_ipc scale) ---- */

/* One call carrying `len` bytes whose first and last are `seed`; 0 if the
 * server got them all and both ends were right. */
static long sized_call(kx_handle_t ep, unsigned char *buf, size_t len, uint8_t seed)
{
    if (len) {
        buf[0] = seed;
        buf[len - 1] = seed;
    }
    struct kx_xfer xfer = { .send = buf, .send_len = len };
    struct kx_msg msg = { .label = LABEL_SIZED, .w = { 0, 0, seed } };
    long r = kx_call(ep, &msg, len ? &xfer : NULL);
    if (r < 0)
        return r;
    return KX_MSG_LABEL(msg.label) != LABEL_SIZED || msg.w[0] != len || msg.w[1] != 1;
}

static void sized_round_trips(kx_handle_t ep, unsigned char *buf, size_t len, int calls)
{
    long bad = 0;
    for (int i = 0; i < 5 && !bad; i++)
        bad = sized_call(ep, buf, len, (uint8_t)i);
    uint64_t t0 = now_ns();
    for (int i = 0; i < calls && !bad; i++)
        bad = sized_call(ep, buf, len, (uint8_t)(i + 7));
    uint64_t t1 = now_ns();
    char what[80];
    if (len >= 1024)
        snprintf(what, sizeof(what), "IPC round trip, %zu %s bulk", len >= SCALE_MAX ? len >> 20 : len >> 10,
                 len >= SCALE_MAX ? "MiB" : "KiB");
    else
        snprintf(what, sizeof(what), "IPC round trip, %zu B bulk", len);
    if (bad)
        fail(what, bad);
    else
        report(what, t1 - t0, (uint64_t)calls);
}

/* Calls with 0 B to 1 MiB of bulk to a server receiving into 1 MiB: each
 * size runs about rounds x 32 KiB of data, at least 5 calls. */
static void bench_ipc_scale(int rounds)
{
    static const size_t sizes[] = { 0, 64, 4096, 65536, SCALE_MAX };
    unsigned char *buf = mmap(NULL, SCALE_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long ep = kx_endpoint_create();
    long server = ep < 0 || buf == MAP_FAILED ? -1 : spawn_child("server", NULL, (kx_handle_t)ep, KX_RIGHT_RECV, 0, 0);
    if (server < 0) {
        fail("starting the IPC server", server);
        return;
    }
    struct kx_msg msg = { .label = LABEL_SCALE_MODE };
    long r = kx_call((kx_handle_t)ep, &msg, NULL);
    if (r < 0 || msg.w[0] != 1) {
        fail("the server's 1 MiB receive buffer", r);
    } else {
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            uint64_t calls = sizes[i] ? (uint64_t)rounds * 32768 / sizes[i] : (uint64_t)rounds;
            calls = calls > (uint64_t)rounds ? (uint64_t)rounds : calls < 5 ? 5 : calls;
            sized_round_trips((kx_handle_t)ep, buf, sizes[i], (int)calls);
        }
    }
    msg = (struct kx_msg){ .label = LABEL_EXIT };
    r = kx_call((kx_handle_t)ep, &msg, NULL);
    if (r < 0 || KX_MSG_LABEL(msg.label) != LABEL_EXIT)
        fail("stopping the IPC server", r);
    reap(server, "server");
    kx_handle_close((kx_handle_t)ep);
}

static void bench_notify(void)
{
    long a = kx_notify_create(), b = kx_notify_create(), partner = a < 0 ? a : b;
    if (partner >= 0)
        partner = spawn_child("notify", NULL, (kx_handle_t)a, KX_RIGHT_READ, (kx_handle_t)b, KX_RIGHT_WRITE);
    if (partner < 0) {
        fail("starting the notification partner", partner);
    } else {
        long bad = 0;
        uint64_t bits = 0, t0 = 0;
        for (int i = 0; i < WARMUP + NOTIFY_ROUNDS && !bad; i++) {
            if (i == WARMUP)
                t0 = now_ns();
            bad = kx_notify_signal((kx_handle_t)a, NOTE_PING);
            if (!bad)
                bad = kx_notify_wait((kx_handle_t)b, &bits);
            if (!bad && bits != NOTE_PING)
                bad = 1;
        }
        uint64_t t1 = now_ns();
        if (bad)
            fail("notification ping-pong: error or wrong bits", bad);
        else
            report("notification signal-to-wake", t1 - t0, 2 * NOTIFY_ROUNDS); /* two wakes per round */
        long r = kx_notify_signal((kx_handle_t)a, NOTE_EXIT);
        if (r < 0)
            fail("stopping the notification partner", r);
        else
            reap(partner, "notification partner");
    }
    if (a > 0)
        kx_handle_close((kx_handle_t)a);
    if (b > 0)
        kx_handle_close((kx_handle_t)b);
}

static void bench_yield(void)
{
    /* The partner yields once more than we do: its first yield hands us the
     * CPU, and each of ours is answered by one of its own. */
    char count[24];
    snprintf(count, sizeof(count), "%d", WARMUP + YIELDS + 1);
    long ready = kx_notify_create(), mem = kx_mem_create(4096, 0), addr = ready < 0 ? ready : mem, partner;
    if (addr >= 0)
        addr = kx_mem_map((kx_handle_t)mem, 0, 4096, KX_PROT_READ | KX_PROT_WRITE);
    partner = addr;
    if (partner >= 0)
        partner = spawn_child("yield", count, (kx_handle_t)ready, KX_RIGHT_WRITE, (kx_handle_t)mem,
                              KX_RIGHT_READ | KX_RIGHT_WRITE);
    if (partner < 0) {
        fail("starting the yield partner", partner);
    } else {
        volatile uint64_t *partner_done = (volatile uint64_t *)(uintptr_t)addr;
        uint64_t bits;
        long r = kx_notify_wait((kx_handle_t)ready, &bits); /* blocks until the partner runs */
        if (r < 0)
            fail("waiting for the yield partner", r);
        for (int i = 0; i < WARMUP; i++)
            sched_yield();
        uint64_t before = *partner_done, t0 = now_ns();
        for (int i = 0; i < YIELDS; i++)
            sched_yield();
        uint64_t t1 = now_ns(), after = *partner_done;
        /* Every yield was a switch only if the partner yielded once per yield of ours. */
        if (r < 0) {
            /* already reported */
        } else if (after - before != (uint64_t)YIELDS) {
            printf("bench: FAIL sched_yield did not alternate: the partner yielded %lu times during our %d\n",
                   (unsigned long)(after - before), YIELDS);
            errors++;
        } else {
            report("context switch (sched_yield ping-pong)", t1 - t0, 2 * YIELDS); /* ours and the partner's */
        }
        reap(partner, "yield partner"); /* it ends after its last yield */
    }
    if (mem > 0)
        kx_handle_close((kx_handle_t)mem);
    if (ready > 0)
        kx_handle_close((kx_handle_t)ready);
}

/* A whole process life from the parent's side: create from the initrd
 * image (the kernel copies and loads the ELF), start, the child's musl
 * start-up and exit, and the wait. The baseline later fork/exec compares with. */
static void bench_process(void)
{
    char *argv[] = { SELF_PATH, "exit", NULL };
    long bad = 0;
    uint64_t t0 = 0;
    for (int i = 0; i < WARMUP_PROCESSES + PROCESSES && !bad; i++) {
        if (i == WARMUP_PROCESSES)
            t0 = now_ns();
        long child = kx_spawn_with(&initrd, SELF_PATH, argv, NULL, NULL, 0);
        bad = child < 0 ? child : kx_process_wait((kx_handle_t)child);
        if (child > 0)
            kx_handle_close((kx_handle_t)child);
    }
    uint64_t t1 = now_ns();
    if (bad)
        fail("spawning and waiting for a process", bad);
    else
        report("process create, start, exit and wait", t1 - t0, PROCESSES);
}

/* -n ROUNDS: every loop in proportion to ROUNDS (2000 gives the defaults). */
static void set_rounds(int rounds)
{
    NOP_CALLS = rounds * 10;
    IPC_CALLS = rounds * 5 / 2;
    NOTIFY_ROUNDS = rounds * 5 / 2;
    YIELDS = rounds * 5 / 2;
    PROCESSES = rounds / 40 > 0 ? rounds / 40 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "exit"))
        return 0;
    if (argc >= 2 && !strcmp(argv[1], "server"))
        return server_main();
    if (argc >= 2 && !strcmp(argv[1], "notify"))
        return notify_main();
    if (argc >= 3 && !strcmp(argv[1], "yield"))
        return yield_main(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    bool scale = argc >= 2 && !strcmp(argv[1], "scale");
    bool registers = argc >= 2 && !strcmp(argv[1], "registers"); /* one figure, for the profiler */
    int rounds = 2000;
    for (int i = scale || registers ? 2 : 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "-n") && atoi(argv[i + 1]) > 0) {
            rounds = atoi(argv[++i]);
        } else {
            printf("usage: bench_ipc [scale | registers] [-n ROUNDS]\n");
            return 2;
        }
    }
    set_rounds(rounds);

    long err = kx_initrd_open(KX_SLOT_INITRD, &initrd);
    if (err < 0) {
        fail("mapping the initrd", err);
    } else if (scale) {
        bench_ipc_scale(rounds);
    } else if (registers) {
        bench_ipc_registers_only();
    } else {
        bench_nop();
        bench_ipc();
        bench_notify();
        bench_yield();
        bench_process();
    }
    printf("bench: done\n");
    return errors ? 1 : 0;
}
