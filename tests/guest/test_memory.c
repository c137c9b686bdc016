/*
 * Running out: memory and handle slots exhausted on purpose. The kernel must
 * refuse what it cannot give (-ENOMEM / -ENOSPC, a faulting process killed),
 * never panic, and get everything back when the holder lets go or dies: the
 * second round of each exhaustion must reach as far as the first, 200
 * processes started and reaped must leave free memory as it was, and so
 * must process creations failing for lack of memory at every depth, and so
 * must the syscall and signal fuzzers.
 * Run by /init, which gives it the initrd to start its child from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define SELF "/bin/test_memory"
#define CHUNK (1u << 20)
#define MAX_HANDLES 8192
#define PROCESSES 200 /* a page leaked per process would show as about 12 pieces of 64 KiB */

static kx_handle_t held[MAX_HANDLES];

/* Child: touches fresh anonymous memory until the kernel stops it. */
static int eat_memory(void)
{
    size_t size = (size_t)4 << 30; /* far more than the machine has */
    volatile uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("test_memory: mmap of 4 GiB refused\n");
        return 100;
    }
    for (size_t off = 0; off < size; off += 4096)
        p[off] = 1;
    printf("test_memory: touched 4 GiB without running out\n");
    return 101;
}

static void release(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        kx_handle_close(held[i]);
}

static long last_refusal;

/* Memory objects of `chunk` bytes into held[from...] until the kernel
 * refuses (why: last_refusal); returns how many were made. */
static unsigned fill_with_at(unsigned from, uint64_t chunk)
{
    unsigned n = from;
    for (; n < MAX_HANDLES; n++) {
        long h = kx_mem_create(chunk, KX_MEM_CONTIGUOUS); /* contiguous: backed at once */
        if (h < 0) {
            last_refusal = h;
            break;
        }
        held[n] = (kx_handle_t)h;
    }
    return n - from;
}

/* How much memory could be had now, in 64 KiB pieces (given back at once). */
static unsigned free_memory_64k(void)
{
    unsigned n = fill_with_at(0, 64 << 10);
    release(n);
    return n;
}

static void memory_objects(void)
{
    unsigned first = fill_with_at(0, CHUNK);
    long err1 = last_refusal;
    release(first);
    unsigned second = fill_with_at(0, CHUNK);
    long err2 = last_refusal;
    release(second);
    checkf(first > 8 && err1 == -ENOMEM, "1 MiB contiguous memory objects until the kernel refuses: %u MiB, then -ENOMEM",
           first);
    checkf(err2 == -ENOMEM && second + 1 >= first,
           "after closing them, as many again: %u MiB (nothing leaked)", second);
}

/* Touches `bytes` of stack now, so later calls need no new stack page. */
__attribute__((noinline)) static void prefault_stack(size_t bytes)
{
    volatile uint8_t area[bytes];
    for (size_t i = 0; i < bytes; i += 4096)
        area[i] = 0;
}

/* Takes every page there is into held[]: 1 MiB objects first (their number
 * in *mibs), then 64 KiB, then single pages. Returns how many objects. The
 * stack is touched first: with no page left, growing it would be fatal. */
static unsigned take_all_memory(unsigned *mibs)
{
    static const uint64_t sizes[] = { 1 << 20, 64 << 10, 4096 };
    prefault_stack(64 << 10);
    unsigned n = 0;
    for (int k = 0; k < 3; k++) {
        n += fill_with_at(n, sizes[k]);
        if (k == 0 && mibs)
            *mibs = n;
    }
    return n;
}

static unsigned refused_badly;

static long allowed_or(long r, long also, const char *what)
{
    if (!(r >= 0 || r == -ENOMEM || r == -ENOSPC || r == also) && refused_badly++ < 5)
        printf("FAIL %s with no memory left returned %ld, not a result, -ENOMEM or -ENOSPC\n", what, r);
    return r;
}

static long allowed(long r, const char *what)
{
    return allowed_or(r, -ENOMEM, what);
}

/* With every page taken, each kind of request fails cleanly or succeeds,
 * and releasing everything afterwards gives back exactly what there was:
 * the kernel's failure paths undo what they had done. */
static void everything_taken(struct kx_initrd *rd)
{
    unsigned before = free_memory_64k();
    static kx_handle_t made[512];
    unsigned nmade = 0, n = take_all_memory(NULL);
    long err = last_refusal;
    long small = kx_mem_create(4096, 0);
    char *argv[] = { SELF, "exit", NULL };
    unsigned refused = 0;
    for (int i = 0; i < 40; i++) {
        long r[6];
        r[0] = allowed(kx_endpoint_create(), "kx_endpoint_create");
        r[1] = allowed(kx_notify_create(), "kx_notify_create");
        r[2] = allowed(small > 0 ? kx_handle_dup((kx_handle_t)small, KX_RIGHTS_ALL) : -ENOMEM, "kx_handle_dup");
        r[3] = allowed(kx_spawn(rd, SELF, argv, NULL), "kx_spawn");
        long m = allowed(small > 0 ? kx_mem_map((kx_handle_t)small, 0, 4096, KX_PROT_READ) : -ENOMEM, "kx_mem_map");
        void *a = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        r[4] = allowed(a == MAP_FAILED ? -errno : 0, "mmap");
        r[5] = allowed_or(kx_process_create("x", rd->base, 64, argv, NULL), -ENOEXEC, "kx_process_create of a bad image");
        for (int j = 0; j < 6; j++) {
            if (r[j] > 0 && j != 4 && nmade < sizeof(made) / sizeof(made[0]))
                made[nmade++] = (kx_handle_t)r[j];
            refused += r[j] == -ENOMEM;
        }
        if (m > 0)
            munmap((void *)m, 4096);
        if (a != MAP_FAILED)
            munmap(a, 1 << 20);
    }
    for (unsigned i = 0; i < nmade; i++)
        kx_handle_close(made[i]);
    if (small > 0)
        kx_handle_close((kx_handle_t)small);
    release(n);
    unsigned after = free_memory_64k();
    checkf(err == -ENOMEM && refused > 0 && refused_badly == 0,
           "all memory taken (%u objects): 240 requests of 6 kinds answered, %u with -ENOMEM, none otherwise", n,
           refused);
    checkf(after == before, "everything released: free memory %u x 64 KiB, as before (%u)", after, before);
}

/* Process creation failing at every depth: all memory taken, the last MiB
 * held page by page, then given back one page at a time with a kx_spawn
 * tried after each, so the attempts run out at each allocation along the
 * way in turn. Each failure must undo its partial work: in the end free
 * memory is what it was. With `start`, the process is also started (its
 * thread and kernel stack) and waited for: it exits 0 or, if memory is
 * still too short for its pages, is killed with SIGKILL. */
static void spawn_failing_at_every_depth(struct kx_initrd *rd, bool start)
{
    unsigned before = free_memory_64k();
    unsigned mibs = 0, n = take_all_memory(&mibs);
    if (mibs == 0) {
        check(false, "no 1 MiB piece of memory to be had at all");
        return;
    }
    /* The last MiB object becomes 256 page objects. */
    kx_handle_close(held[mibs - 1]);
    held[mibs - 1] = held[--n];
    n += fill_with_at(n, 4096);
    char *argv[] = { SELF, "exit", NULL };
    unsigned failures = 0;
    long r = -ENOMEM;
    const char *what = start ? "kx_spawn_with (create, start)" : "kx_spawn (create)";
    long status = 0;
    while (n > 0) {
        r = allowed(start ? kx_spawn_with(rd, SELF, argv, NULL, NULL, 0) : kx_spawn(rd, SELF, argv, NULL), what);
        if (r >= 0)
            break;
        failures++;
        kx_handle_close(held[--n]);
    }
    if (r > 0 && start)
        status = kx_process_wait((kx_handle_t)r);
    if (r > 0)
        kx_handle_close((kx_handle_t)r); /* if never started, discarded */
    release(n);
    unsigned after = free_memory_64k();
    /* The loader allocates little before the program's own pages (argv and
     * envp go straight into the new stack: no staging buffers), so some 25
     * pages see it through; more than 20 failures shows every step failed. */
    checkf(r > 0 && failures > 20 && refused_badly == 0 && (status == 0 || status == SIGKILL),
           "%s retried while memory came back a page at a time: %u clean failures, then it worked (status %ld)", what,
           failures, status);
    checkf(after == before, "every failed attempt undid its work: free memory %u x 64 KiB, as before (%u)", after,
           before);
}

#define SLOT_EP 4 /* the handle-keeper finds its endpoint here */
#define LABEL_KEEP 0x4b
#define LABEL_EXIT 0x45

/* Child: receives handles and keeps them all (its table must grow), answers
 * how many arrived; exits, dropping them all, when told to. */
static int keep_handles(void)
{
    static _Alignas(4096) uint8_t bulk[4096];
    memset(bulk, 1, sizeof(bulk)); /* backed now: later only the handle table needs memory */
    for (;;) {
        struct kx_msg m;
        struct kx_xfer x = { .recv = bulk, .recv_cap = sizeof(bulk), .recv_handles_cap = KX_XFER_MAX_HANDLES };
        if (kx_recv(SLOT_EP, &m, &x, NULL) < 0)
            return 2;
        uint32_t label = KX_MSG_LABEL(m.label);
        m.w[2] = (m.label & KX_MSG_HANDLES_DROPPED) != 0; /* the receiver is told; tell the caller */
        m.label = label;
        m.w[0] = x.recv_handles_n;
        m.w[1] = x.recv_len;
        if (kx_reply(0, &m, NULL) < 0)
            return 3;
        if (label == LABEL_EXIT)
            return 0;
    }
}

/* Handles sent to a process whose handle table must grow while no memory is
 * left: each call completes, the receiver is told of handles that found no
 * room (KX_MSG_HANDLES_DROPPED; they stay with the sender), and everything
 * comes back once the receiver exits. */
static void handles_into_a_full_machine(struct kx_initrd *rd)
{
    unsigned before = free_memory_64k();
    long ep = kx_endpoint_create(), obj = kx_mem_create(4096, 0);
    /* Four distinct handles to it: one handle named twice in a message is refused. */
    long objs[KX_XFER_MAX_HANDLES] = { obj };
    for (int i = 1; i < KX_XFER_MAX_HANDLES; i++)
        objs[i] = obj > 0 ? kx_handle_dup((kx_handle_t)obj, KX_RIGHTS_ALL) : -1;
    char *argv[] = { SELF, "keep", NULL };
    struct kx_give give = { (kx_handle_t)ep, KX_RIGHT_RECV, SLOT_EP };
    long keeper = ep > 0 ? kx_spawn_with(rd, SELF, argv, NULL, &give, 1) : -1;
    if (!check(keeper > 0 && obj > 0, "a process to send handles to"))
        return;
    static _Alignas(4096) uint8_t bulk[4096];
    memset(bulk, 2, sizeof(bulk));
    unsigned n = take_all_memory(NULL);
    unsigned calls = 0, arrived = 0, dropped_calls = 0, wrong = 0;
    for (; calls < 600; calls++) {
        struct kx_msg m = { .label = LABEL_KEEP | KX_MSG_XFER };
        struct kx_xfer x = { .send = bulk, .send_len = sizeof(bulk), .send_handles_n = KX_XFER_MAX_HANDLES };
        for (int i = 0; i < KX_XFER_MAX_HANDLES; i++)
            x.send_handles[i] = (kx_handle_t)objs[i];
        long r = kx_call((kx_handle_t)ep, &m, &x);
        bool dropped = m.w[2] != 0;
        if (r != 0 || m.w[1] != sizeof(bulk) || (dropped ? m.w[0] >= KX_XFER_MAX_HANDLES : m.w[0] != KX_XFER_MAX_HANDLES))
            if (wrong++ < 3)
                printf("FAIL call %u: result %ld, label %#llx, %llu handles, %llu bytes\n", calls, r,
                       (unsigned long long)m.label, (unsigned long long)m.w[0], (unsigned long long)m.w[1]);
        arrived += (unsigned)m.w[0];
        dropped_calls += dropped;
    }
    release(n);
    struct kx_msg m = { .label = LABEL_EXIT };
    long r = kx_call((kx_handle_t)ep, &m, NULL);
    long status = kx_process_wait((kx_handle_t)keeper);
    kx_handle_close((kx_handle_t)keeper);
    kx_handle_close((kx_handle_t)ep);
    for (int i = 0; i < KX_XFER_MAX_HANDLES; i++)
        kx_handle_close((kx_handle_t)objs[i]);
    unsigned after = free_memory_64k();
    checkf(wrong == 0 && r == 0 && status == 0 && dropped_calls > 0,
           "%u calls carrying 4 handles each into a full machine: all completed, %u handles kept, %u calls "
           "reported handles dropped", calls, arrived, dropped_calls);
    checkf(after == before, "the receiver gone, free memory is as before: %u x 64 KiB (%u)", after, before);
}

/* fuzz_syscalls (quiet) in a child, with memory to spare and then with only
 * 2 MiB left: whatever its thousands of hostile calls did, and wherever they
 * failed for lack of memory, free memory must be back to what it was once
 * the child is gone. Under pressure the child may fail its own checks
 * (exit 1) or be killed for want of a page (SIGKILL); nothing else. A first
 * run, not counted, lets the vfs grow its tables to what such a run needs
 * (a cache it keeps, not a leak): later runs must leave memory exactly as
 * they found it. */
static void fuzzing_leaves_nothing(struct kx_initrd *rd)
{
    for (int pressure = -1; pressure < 2; pressure++) {
        unsigned before = free_memory_64k(), mibs = 0, n = 0;
        if (pressure > 0) {
            n = take_all_memory(&mibs);
            for (int i = 0; i < 2 && mibs > 0; i++) { /* give back 2 MiB */
                kx_handle_close(held[--mibs]);
                held[mibs] = held[--n];
            }
        }
        char *argv[] = { "/bin/fuzz_syscalls", "3000", pressure > 0 ? "8" : "7", "quiet", "nofiles", NULL };
        const struct kx_give give = { KX_SLOT_INITRD, KX_RIGHT_READ | KX_RIGHT_DUP | KX_RIGHT_TRANSFER,
                                      KX_SLOT_INITRD };
        /* The initrd goes with it while there is one; afterwards it reads files. */
        long child = kx_spawn_with(rd, "/bin/fuzz_syscalls", argv, NULL, &give, rd->base ? 1 : 0);
        long status = child > 0 ? kx_process_wait((kx_handle_t)child) : child;
        if (child > 0)
            kx_handle_close((kx_handle_t)child);
        release(n);
        unsigned after = free_memory_64k();
        if (pressure < 0)
            continue; /* the warm-up */
        bool ended_well = status == 0 || (pressure && (status == 0x100 || status == SIGKILL));
        checkf(ended_well && after == before,
               "3000 fuzzed calls in a child%s (wait status %#lx): free memory %u x 64 KiB after, as before (%u)",
               pressure ? " with 2 MiB left" : "", status, after, before);
    }
}

/* fuzz_signals (quiet) in a child: handlers and their frames, queued
 * real-time signals, alternate stacks, faults, forged frames, stops, and the
 * hundreds of processes it forks. Free memory must be back to what it was
 * once it is gone (a leaked queue entry or frame page would show). */
static void signal_fuzzing_leaves_nothing(struct kx_initrd *rd)
{
    unsigned before = free_memory_64k();
    char *argv[] = { "/bin/fuzz_signals", "400", "5", "quiet", NULL };
    long child = kx_spawn_with(rd, "/bin/fuzz_signals", argv, NULL, NULL, 0);
    long status = child > 0 ? kx_process_wait((kx_handle_t)child) : child;
    if (child > 0)
        kx_handle_close((kx_handle_t)child);
    unsigned after = free_memory_64k();
    checkf(status == 0 && after == before,
           "400 fuzzed signal iterations in a child (wait status %#lx): free memory %u x 64 KiB after, as before (%u)",
           status, after, before);
}

static void handle_slots(void)
{
    unsigned n[2];
    long err[2] = { 0, 0 };
    for (int round = 0; round < 2; round++) {
        n[round] = 0;
        for (; n[round] < MAX_HANDLES; n[round]++) {
            long h = kx_notify_create();
            if (h < 0) {
                err[round] = h;
                break;
            }
            held[n[round]] = (kx_handle_t)h;
        }
        release(n[round]);
    }
    checkf((err[0] == -ENOSPC || err[0] == -ENOMEM) && n[0] > 100,
           "notifications until the handle table or memory runs out: %u, then %ld", n[0], err[0]);
    checkf(err[1] == err[0] && n[1] == n[0], "after closing them, exactly as many again: %u", n[1]);
}

static void starving_process(void)
{
    struct kx_initrd rd;
    long status[2] = { -1, -1 };
    for (int round = 0; round < 2; round++) {
        char *argv[] = { SELF, "eat", NULL };
        long child = kx_initrd_open(KX_SLOT_INITRD, &rd) == 0 ? kx_spawn_with(&rd, SELF, argv, NULL, NULL, 0) : -1;
        status[round] = child > 0 ? kx_process_wait((kx_handle_t)child) : child;
        if (child > 0)
            kx_handle_close((kx_handle_t)child);
    }
    checkf(status[0] == SIGKILL, "a process touching 4 GiB of fresh memory is killed with SIGKILL when RAM runs out "
           "(wait status %ld)", status[0]);
    checkf(status[1] == status[0], "its memory came back: a second one gets as far and ends the same way");
    unsigned after = fill_with_at(0, CHUNK);
    release(after);
    checkf(after > 8, "and this process can still allocate: %u MiB", after);
}

/* Processes come and go without leaving anything behind. */
static void process_churn(void)
{
    struct kx_initrd rd;
    if (!check(kx_initrd_open(KX_SLOT_INITRD, &rd) == 0, "initrd mapped"))
        return;
    char *argv[] = { SELF, "exit", NULL };
    unsigned before = free_memory_64k(), done = 0;
    for (; done < PROCESSES; done++) {
        long child = kx_spawn_with(&rd, SELF, argv, NULL, NULL, 0);
        long status = child > 0 ? kx_process_wait((kx_handle_t)child) : child;
        if (child > 0)
            kx_handle_close((kx_handle_t)child);
        if (status != 0)
            break;
    }
    unsigned after = free_memory_64k();
    checkf(done == PROCESSES && after >= before,
           "%u processes started and reaped: free memory %u x 64 KiB before, %u after (nothing leaked)", done,
           before, after);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "eat"))
        return eat_memory();
    if (argc == 2 && !strcmp(argv[1], "exit"))
        return 0;
    if (argc == 2 && !strcmp(argv[1], "keep"))
        return keep_handles();
    printf("test_memory: start\n");
    memory_objects();
    handle_slots();
    starving_process();
    process_churn();
    struct kx_initrd rd;
    if (kx_initrd_open(KX_SLOT_INITRD, &rd) == 0) {
        everything_taken(&rd);
        spawn_failing_at_every_depth(&rd, false);
        spawn_failing_at_every_depth(&rd, true);
        handles_into_a_full_machine(&rd);
        fuzzing_leaves_nothing(&rd);
        signal_fuzzing_leaves_nothing(&rd);
    }
    return check_summary();
}
