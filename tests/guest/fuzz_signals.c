/*
 * Robustness of signal delivery: two processes -- this one and a forked
 * child, with short-lived grandchildren now and then -- spend N seeded
 * iterations doing random things to themselves and each other:
 *
 *  - install handlers (with or without SA_SIGINFO, SA_RESTART, SA_NODEFER,
 *    SA_RESETHAND, SA_ONSTACK, a random sa_mask), SIG_IGN and SIG_DFL;
 *  - change the mask, set valid and invalid alternate stacks;
 *  - send standard and real-time signals with kill, tkill, tgkill and
 *    rt_sigqueueinfo to themselves, to each other and to their group;
 *  - block in pipe reads and writes (a grandchild at the other end),
 *    nanosleep, wait4, rt_sigsuspend and rt_sigtimedwait, with every general
 *    and FP/SIMD register holding a known value around the call;
 *  - stop and continue each other (SIGSTOP from a grandchild that always
 *    sends the SIGCONT after it, or from the parent, which then waits for
 *    the stop with WUNTRACED);
 *  - fault on purpose: a SIGSEGV handler fixes the cause (mprotect) and
 *    returns, or siglongjmps out;
 *  - have a grandchild forge an rt_sigreturn frame (random bytes, or a real
 *    frame with one thing broken, or a real one intact): only that grandchild
 *    may die, with SIGSEGV -- or do what an intact frame says.
 *
 * What is checked (each violation is counted and the first one described):
 * handlers see si_signo equal to the signal, a si_code that fits how it was
 * sent, a sender that exists, sigqueue values intact and, per sender and
 * signal, in order; the mask inside a handler holds sa_mask and the signal
 * (unless SA_NODEFER) and is exactly the interrupted mask plus those; a
 * handler runs on the alternate stack exactly when Linux puts it there;
 * registers (x1-x7, x9-x28, v0-v31, NZCV, FPSR, FPCR) are intact after any
 * number of handlers ran over a system call or a spin loop; every call
 * returns a result or an errno in [-4095, -1], and the errno its situation
 * allows; the mask and alternate stack are as the program set them; pipe
 * data arrives whole and in order; every child and grandchild is reaped with
 * a status its kind allows. The kernel must not panic (the scenario checks
 * the console).
 *
 * The parent never lets a signal's default action end it: signals whose
 * default terminates or stops always have a handler or SIG_IGN there. The
 * child may be killed (rarely by its own choice of SIG_DFL, sometimes by the
 * parent's SIGKILL); the parent checks the wait status names a signal that
 * could have done it and starts a new child.
 *
 * Run as process 1 (kenix.init=), the program forks and fuzzes from the
 * child, since process 1 only receives signals it has handlers for.
 *
 * usage: fuzz_signals [iterations [seed [trace|quiet|- [ops]]]]   (default 2000, seed 1)
 * With `trace` each operation is printed before it is made (both processes);
 * with `quiet` nothing is printed and only the exit status tells, and the
 * child is never let die, so that nothing is left behind when the program
 * ends (test_memory runs it that way and checks free memory after it). `ops`, letters from
 * ops[] below, limits the run to those operations (to corner a failure).
 *
 * The same program runs on Linux (qemu-aarch64-static, QEMU_CPU=cortex-a72
 * so that the frame has no SVE record; built with -DFUZZ_QEMU_USER, see
 * SET_MASK) to check the checks themselves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

/* Linux AArch64 system-call numbers (asm-generic). */
enum {
    NR_read = 63, NR_write = 64, NR_exit_group = 94, NR_nanosleep = 101, NR_kill = 129, NR_tkill = 130,
    NR_tgkill = 131, NR_sigaltstack = 132, NR_rt_sigsuspend = 133, NR_rt_sigaction = 134,
    NR_rt_sigprocmask = 135, NR_rt_sigpending = 136, NR_rt_sigtimedwait = 137, NR_rt_sigqueueinfo = 138,
    NR_rt_sigreturn = 139, NR_getpid = 172, NR_mprotect = 226, NR_wait4 = 260,
};

#define SA_RESTORER_FLAG 0x04000000ul
#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define ALL_SIGNALS (~0ull)
/* Built with -DFUZZ_QEMU_USER for checking the checks under qemu-aarch64-static
 * (7.2), which cannot take part of this: it dies itself when a process is
 * sent SIGSEGV, SIGBUS, SIGILL, SIGFPE or SIGTRAP with kill; it keeps signals
 * 63 and 64 for itself (they cannot be blocked); it refuses SS_AUTODISARM;
 * it garbles the value of a SIGCHLD sent by sigqueue. Rarely, a child's mask
 * outside handlers differs there from what it set (not seen on Kenix). */
#ifdef FUZZ_QEMU_USER
#define SET_MASK (~(BIT(63) | BIT(64)))
#else
#define SET_MASK ALL_SIGNALS
#endif
#define RT_FIRST 35 /* musl keeps 32-34 for itself; qemu-user keeps 63 and 64 for the host */
#define RT_LAST 62
#define FRAME_SIZE 4688 /* Linux's rt_sigframe without SVE: siginfo, ucontext with 4 KiB of records */
#define ALT_SIZE (1u << 20)
#define MAX_GC 64      /* grandchildren alive at once */
#define MAX_PIDS 4096  /* processes this one knows of (senders it accepts) */
#define MAX_CHILDREN 64

/* ---- system calls, raw: results as the kernel gives them ---------------------- */

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
    return x0;
}
#define SYS(n, a, b, c, d) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* ---- violations ------------------------------------------------------------------------ */

enum {
    V_RANGE, V_ERRNO, V_SIGNO, V_CODE, V_SENDER, V_VALUE, V_ORDER, V_MASK, V_MASK_EXACT, V_ALTSTACK, V_REGS,
    V_FAULT, V_STATUS, V_OLDACT, V_OLDMASK, V_SLEEP, V_DATA, V_SUSPEND, V_OLDSTACK, V_EINTR, V_KINDS
};
static const char *const vname[V_KINDS] = {
    [V_RANGE] = "every call returned a result or an errno in [-4095, -1]",
    [V_ERRNO] = "every call returned what its situation allows",
    [V_SIGNO] = "si_signo is the signal delivered",
    [V_CODE] = "si_code fits how the signal was sent (and si_status a SIGCHLD's)",
    [V_SENDER] = "si_pid names a process that could have sent it, si_uid its user",
    [V_VALUE] = "sigqueue values arrive intact",
    [V_ORDER] = "real-time signals of one sender and number arrive in the order sent",
    [V_MASK] = "the mask in a handler holds sa_mask and the signal (unless SA_NODEFER)",
    [V_MASK_EXACT] = "the mask in a handler is the interrupted one plus sa_mask and the signal",
    [V_ALTSTACK] = "handlers run on the alternate stack exactly when Linux puts them there",
    [V_REGS] = "registers (x1-x7, x9-x28, v0-v31, NZCV, FPSR, FPCR) intact across handlers",
    [V_FAULT] = "faults reach the SIGSEGV handler with si_addr and si_code, and resume",
    [V_STATUS] = "every child and grandchild reaped with a status its kind allows",
    [V_OLDACT] = "rt_sigaction reports the action the program set",
    [V_OLDMASK] = "the mask outside handlers is the one the program set",
    [V_SLEEP] = "an interrupted nanosleep reports a plausible remaining time",
    [V_DATA] = "pipe bytes arrive whole and in order across interrupted reads and writes",
    [V_SUSPEND] = "rt_sigsuspend and rt_sigtimedwait end as Linux ends them",
    [V_OLDSTACK] = "sigaltstack reports the alternate stack the program set",
    [V_EINTR] = "nanosleep, pipe reads and writes and wait4 fail with EINTR only when a handler ran",
};
static unsigned vcount[V_KINDS];
static struct { long a, b, c; unsigned iter; const char *op; } vfirst[V_KINDS];

static unsigned iteration;
static const char *current_op = "start";

static void trace_op(const char *name);

static void bad(int kind, long a, long b, long c)
{
    if (vcount[kind]++ == 0)
        vfirst[kind].a = a, vfirst[kind].b = b, vfirst[kind].c = c, vfirst[kind].iter = iteration,
        vfirst[kind].op = current_op;
}

/* The range check every raw result goes through. */
static long ret(long r)
{
    if (r < -4095)
        bad(V_RANGE, r, 0, 0);
    return r;
}

/* r must be one of the listed values (a result or -errno); else V_ERRNO. */
static long expect_in(long r, int what, const long *ok, size_t n)
{
    ret(r);
    for (size_t i = 0; i < n; i++)
        if (r == ok[i])
            return r;
    bad(V_ERRNO, r, what, 0);
    return r;
}
#define EXPECT(r, what, ...) \
    expect_in((r), (what), (const long[]){ __VA_ARGS__ }, sizeof((const long[]){ __VA_ARGS__ }) / sizeof(long))

/* ---- state ------------------------------------------------------------------------------- */

enum role { PARENT, CHILD, GRANDCHILD };
static enum role role;
static bool tracing;
/* Whether the child may die (of its own SIG_DFL or SA_RESETHAND, an alternate
 * stack no frame fits on, the parent's SIGKILL). Not in quiet mode: a child
 * that dies leaves its grandchildren to process 1, whose zombies would hold
 * memory until it collects them, and test_memory counts free memory after a
 * quiet run. */
static bool child_may_die = true;
static uint64_t rng_state, hrng_state;
static long self_pid, parent_pid, child_pid, pgrp;
static long known[MAX_PIDS];
static unsigned nknown;

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}
static uint64_t rnd(void) { return xorshift(&rng_state); }
static uint64_t hrnd(void) { return xorshift(&hrng_state); }
#define CHANCE(n) (rnd() % (n) == 0)

static void know(long pid)
{
    if (nknown < MAX_PIDS)
        known[nknown++] = pid;
}
static bool is_known(long pid)
{
    for (unsigned i = 0; i < nknown; i++)
        if (known[i] == pid)
            return true;
    return false;
}

/* What the program set for each signal (changed only with every signal blocked). */
enum kind { K_DFL, K_IGN, K_INFO, K_PLAIN };
struct cfg {
    enum kind kind;
    uint64_t flags, mask;
};
static volatile struct cfg cfg[65];
static uint64_t mask_now;            /* the mask main code set */
static bool autoreap_ever;           /* SIGCHLD ignored or SA_NOCLDWAIT at some point: waits may find ECHILD */
static struct { uint64_t sp, size; int flags; bool on; } alt; /* the alternate stack the program set */
static uint8_t *alt_region;          /* ALT_SIZE bytes with a guard page below */
static uint8_t *fault_region;        /* 4 pages for faults */
static long ctl_read = -1, ctl_write = -1; /* the parent's end of file tells the child to finish */

/* Counts printed at the end. */
static struct {
    unsigned handled, handled_info, nested, max_depth, queued_sent, queued_got, eintr, restarted_reads,
        short_writes, sleeps_cut, suspends, timedwaits, stops_seen, continues_seen, faults_fixed, faults_jumped,
        forged, children_killed, children, gcs, eagain;
} n;

/* The signals that move between processes. SIGSEGV and SIGBUS here are sent
 * by kill: their handlers must tell them from faults by si_code. */
static const int pool[] = {
    SIGHUP,  SIGINT,  SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,   SIGTERM, SIGCHLD,  SIGCONT, SIGTSTP,
    SIGTTIN, SIGTTOU, SIGURG,  SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGSYS, 35, 36, 41, 50, 62,
#ifndef FUZZ_QEMU_USER
    SIGILL,  SIGTRAP, SIGBUS,  SIGFPE,  SIGSEGV,
#endif
};
#define POOL_N (sizeof(pool) / sizeof(pool[0]))

static bool default_ignores(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}
static bool default_stops(int sig)
{
    return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU || sig == SIGSTOP;
}

static int any_signal(void)
{
    return CHANCE(4) ? RT_FIRST + (int)(rnd() % (RT_LAST - RT_FIRST + 1)) : pool[rnd() % POOL_N];
}

static uint64_t random_set(void)
{
    uint64_t s;
    switch (rnd() % 5) {
    case 0: s = 0; break;
    case 1: s = ALL_SIGNALS; break;
    case 2: s = rnd() & rnd(); break;
    default: s = BIT(any_signal()) | (CHANCE(2) ? BIT(any_signal()) : 0); break;
    }
    return s & SET_MASK;
}

static uint64_t get_mask(void)
{
    uint64_t m = 0;
    ret(SYS(NR_rt_sigprocmask, SIG_BLOCK, 0, &m, 8));
    return m;
}
static uint64_t set_mask(uint64_t m)
{
    uint64_t old = 0;
    ret(SYS(NR_rt_sigprocmask, SIG_SETMASK, &m, &old, 8));
    return old;
}
static uint64_t block_all(void)
{
    return set_mask(ALL_SIGNALS);
}

/* ---- registers around a call ---------------------------------------------------------------
 * regs_call(rc) loads x0-x28 (x8: the call number) from rc->x, v0-v31 from
 * rc->v, NZCV and FPSR, keeps x29 as a spin count, makes the call (or, in
 * regs_store, stores x1 at [x2] -- a fault to fix), spins, and writes every
 * register as it found it then into rc->out. Handlers in between must have
 * left them all as they were. */
struct regs {
    uint64_t x[32];  /* x29: spins */
    uint64_t v[64];  /* 256 */
    uint64_t nzcv;   /* 768 */
    uint64_t fpcr;   /* 776 */
    uint64_t fpsr;   /* 784 */
    uint64_t pad;
};
struct regcall {
    struct regs in;   /* 0 */
    struct regs out;  /* 800 */
};
_Static_assert(sizeof(struct regs) == 800, "regs_call's offsets");
_Static_assert(offsetof(struct regs, v) == 256 && offsetof(struct regs, fpsr) == 784, "regs_call's offsets");

#define REGS_FUNCTION(name, action)                                                                        \
    __asm__(".text\n.p2align 2\n.global " #name "\n.type " #name ",%function\n" #name ":\n"               \
            "sub sp, sp, #176\n stp x18, x19, [sp, #0]\n stp x20, x21, [sp, #16]\n stp x22, x23, [sp, #32]\n" \
            "stp x24, x25, [sp, #48]\n stp x26, x27, [sp, #64]\n stp x28, x29, [sp, #80]\n"                 \
            "str x30, [sp, #96]\n stp d8, d9, [sp, #104]\n stp d10, d11, [sp, #120]\n"                     \
            "stp d12, d13, [sp, #136]\n stp d14, d15, [sp, #152]\n str x0, [sp, #168]\n"                  \
            "ldr x1, [x0, #784]\n msr fpsr, x1\n ldr x1, [x0, #768]\n msr nzcv, x1\n"                      \
            "ldp q0, q1, [x0, #256]\n ldp q2, q3, [x0, #288]\n ldp q4, q5, [x0, #320]\n"                    \
            "ldp q6, q7, [x0, #352]\n ldp q8, q9, [x0, #384]\n ldp q10, q11, [x0, #416]\n"                  \
            "ldp q12, q13, [x0, #448]\n ldp q14, q15, [x0, #480]\n ldp q16, q17, [x0, #512]\n"              \
            "ldp q18, q19, [x0, #544]\n ldp q20, q21, [x0, #576]\n ldp q22, q23, [x0, #608]\n"              \
            "ldp q24, q25, [x0, #640]\n ldp q26, q27, [x0, #672]\n ldp q28, q29, [x0, #704]\n"              \
            "ldp q30, q31, [x0, #736]\n"                                                                  \
            "ldr x29, [x0, #232]\n ldp x1, x2, [x0, #8]\n ldp x3, x4, [x0, #24]\n ldp x5, x6, [x0, #40]\n"  \
            "ldp x7, x8, [x0, #56]\n ldp x9, x10, [x0, #72]\n ldp x11, x12, [x0, #88]\n"                    \
            "ldp x13, x14, [x0, #104]\n ldp x15, x16, [x0, #120]\n ldp x17, x18, [x0, #136]\n"              \
            "ldp x19, x20, [x0, #152]\n ldp x21, x22, [x0, #168]\n ldp x23, x24, [x0, #184]\n"              \
            "ldp x25, x26, [x0, #200]\n ldp x27, x28, [x0, #216]\n ldr x0, [x0, #0]\n"                       \
            action "\n"                                                                                   \
            "mov x30, x0\n"                                                                               \
            "1: cbz x29, 2f\n sub x29, x29, #1\n b 1b\n"                                                  \
            "2: sub sp, sp, #800\n"                                                                       \
            "stp x1, x2, [sp, #8]\n stp x3, x4, [sp, #24]\n stp x5, x6, [sp, #40]\n stp x7, x8, [sp, #56]\n" \
            "stp x9, x10, [sp, #72]\n stp x11, x12, [sp, #88]\n stp x13, x14, [sp, #104]\n"                 \
            "stp x15, x16, [sp, #120]\n stp x17, x18, [sp, #136]\n stp x19, x20, [sp, #152]\n"              \
            "stp x21, x22, [sp, #168]\n stp x23, x24, [sp, #184]\n stp x25, x26, [sp, #200]\n"              \
            "stp x27, x28, [sp, #216]\n"                                                                  \
            "stp q0, q1, [sp, #256]\n stp q2, q3, [sp, #288]\n stp q4, q5, [sp, #320]\n"                    \
            "stp q6, q7, [sp, #352]\n stp q8, q9, [sp, #384]\n stp q10, q11, [sp, #416]\n"                  \
            "stp q12, q13, [sp, #448]\n stp q14, q15, [sp, #480]\n stp q16, q17, [sp, #512]\n"              \
            "stp q18, q19, [sp, #544]\n stp q20, q21, [sp, #576]\n stp q22, q23, [sp, #608]\n"              \
            "stp q24, q25, [sp, #640]\n stp q26, q27, [sp, #672]\n stp q28, q29, [sp, #704]\n"              \
            "stp q30, q31, [sp, #736]\n"                                                                  \
            "mrs x1, nzcv\n str x1, [sp, #768]\n mrs x1, fpcr\n str x1, [sp, #776]\n"                      \
            "mrs x1, fpsr\n str x1, [sp, #784]\n"                                                          \
            "ldr x0, [sp, #968]\n add x2, x0, #800\n mov x1, sp\n mov x3, #100\n"                          \
            "3: ldr x4, [x1], #8\n str x4, [x2], #8\n subs x3, x3, #1\n b.ne 3b\n"                        \
            "add sp, sp, #800\n mov x0, x30\n"                                                            \
            "ldp x18, x19, [sp, #0]\n ldp x20, x21, [sp, #16]\n ldp x22, x23, [sp, #32]\n"                  \
            "ldp x24, x25, [sp, #48]\n ldp x26, x27, [sp, #64]\n ldp x28, x29, [sp, #80]\n"                 \
            "ldr x30, [sp, #96]\n ldp d8, d9, [sp, #104]\n ldp d10, d11, [sp, #120]\n"                     \
            "ldp d12, d13, [sp, #136]\n ldp d14, d15, [sp, #152]\n add sp, sp, #176\n ret\n"              \
            ".size " #name ", .-" #name "\n")

REGS_FUNCTION(regs_call, "svc #0");
REGS_FUNCTION(regs_store, "str x1, [x2]");
long regs_call(struct regcall *rc);
long regs_store(struct regcall *rc);

static uint64_t read_fpcr(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return v;
}

static void regs_prepare(struct regcall *rc, long nr, long a0, long a1, long a2, long a3, uint64_t spins)
{
    for (int i = 0; i < 32; i++)
        rc->in.x[i] = rnd();
    for (int i = 0; i < 64; i++)
        rc->in.v[i] = rnd();
    rc->in.x[0] = (uint64_t)a0;
    rc->in.x[1] = (uint64_t)a1;
    rc->in.x[2] = (uint64_t)a2;
    rc->in.x[3] = (uint64_t)a3;
    rc->in.x[8] = (uint64_t)nr;
    rc->in.x[29] = spins;
    rc->in.nzcv = rnd() & 0xf0000000ull;
    rc->in.fpsr = rnd() & 0x0800009full; /* QC and the cumulative exception flags */
    rc->in.fpcr = read_fpcr();
}

/* Compares what regs_call found with what it loaded. x0 is the result and
 * x8 may become restart_syscall's number (Linux does that too). */
static void regs_compare(const struct regcall *rc)
{
    for (int i = 1; i < 29; i++)
        if (i != 8 && rc->out.x[i] != rc->in.x[i])
            return bad(V_REGS, i, (long)rc->in.x[i], (long)rc->out.x[i]);
    for (int i = 0; i < 64; i++)
        if (rc->out.v[i] != rc->in.v[i])
            return bad(V_REGS, 100 + i / 2, (long)rc->in.v[i], (long)rc->out.v[i]);
    if ((rc->out.nzcv & 0xf0000000ull) != rc->in.nzcv)
        return bad(V_REGS, 200, (long)rc->in.nzcv, (long)rc->out.nzcv);
    if (rc->out.fpsr != rc->in.fpsr)
        return bad(V_REGS, 201, (long)rc->in.fpsr, (long)rc->out.fpsr);
    if (rc->out.fpcr != rc->in.fpcr)
        return bad(V_REGS, 202, (long)rc->in.fpcr, (long)rc->out.fpcr);
}

/* A system call with every register holding a known value, spinning after it. */
static long call_checked(long nr, long a0, long a1, long a2, long a3, uint64_t spins)
{
    struct regcall rc;
    regs_prepare(&rc, nr, a0, a1, a2, a3, spins);
    long r = ret(regs_call(&rc));
    regs_compare(&rc);
    return r;
}

/* ---- handlers ----------------------------------------------------------------------------------- */

static volatile int depth;
static volatile bool in_suspend;
static volatile uint64_t suspend_mask;
static volatile unsigned got[65];

/* Real-time order: the last sigqueue sequence seen per signal and sender role. */
static struct { long pid; uint64_t seq; } last_seen[65][2];
static uint64_t sent_seq[65];
#define VALUE_MAGIC 0xf5ull

/* The fault main code is making: the handler checks it and fixes it or jumps. */
static volatile struct {
    bool armed, jump;
    uintptr_t addr;
    int code;
    unsigned hits;
} fault;
static sigjmp_buf fault_jump;

extern void fz_restorer(void);
__asm__(".text\n.p2align 2\n.global fz_restorer\n.type fz_restorer,%function\nfz_restorer:\n"
        "mov x8, #139\n svc #0\n.size fz_restorer, .-fz_restorer\n");

static void clobber_fp(void)
{
    /* Every vector register and FPSR changed: rt_sigreturn must put them back. */
    __asm__ volatile("movi v0.16b, #0x11\n movi v1.16b, #0x22\n movi v2.16b, #0x33\n movi v3.16b, #0x44\n"
                     "movi v4.16b, #0x55\n movi v5.16b, #0x66\n movi v6.16b, #0x77\n movi v7.16b, #0x88\n"
                     "movi v8.16b, #0x99\n movi v9.16b, #0xaa\n movi v10.16b, #0xbb\n movi v11.16b, #0xcc\n"
                     "movi v12.16b, #0xdd\n movi v13.16b, #0xee\n movi v14.16b, #0xf0\n movi v15.16b, #0x0f\n"
                     "movi v16.16b, #0x1e\n movi v17.16b, #0x2d\n movi v18.16b, #0x3c\n movi v19.16b, #0x4b\n"
                     "movi v20.16b, #0x5a\n movi v21.16b, #0x69\n movi v22.16b, #0x78\n movi v23.16b, #0x87\n"
                     "movi v24.16b, #0x96\n movi v25.16b, #0xa5\n movi v26.16b, #0xb4\n movi v27.16b, #0xc3\n"
                     "movi v28.16b, #0xd2\n movi v29.16b, #0xe1\n movi v30.16b, #0xf1\n movi v31.16b, #0x1f\n"
                     "mov x9, #0x9f\n msr fpsr, x9\n"
                     :
                     :
                     : "x9", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12",
                       "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
                       "v26", "v27", "v28", "v29", "v30", "v31");
}

static bool in_range(uint64_t x, uint64_t base, uint64_t size)
{
    return x >= base && x - base < size;
}

/* The siginfo of a delivered (or sigtimedwait-taken) signal, checked against
 * how it could have been sent. `ordered`: no other instance of sig can have
 * been taken between this one's dequeue and now (no SA_NODEFER). */
static void check_info(int sig, const siginfo_t *si, bool ordered)
{
    if (si->si_signo != sig)
        bad(V_SIGNO, sig, si->si_signo, si->si_code);
    int code = si->si_code;
    if (code == SI_USER || code == SI_TKILL || code == SI_QUEUE) {
        long pid = si->si_pid;
        /* SIGCONT also comes from the peer's stopper grandchildren, which this process does not know. */
        if (pid <= 0 || (!is_known(pid) && sig != SIGCONT) || si->si_uid != getuid())
            bad(V_SENDER, sig, pid, (long)si->si_uid);
        if (code != SI_QUEUE)
            return;
#ifdef FUZZ_QEMU_USER
        if (sig == SIGCHLD)
            return; /* qemu-user converts a SIGCHLD's siginfo as a child's status, whatever its si_code */
#endif
        uint64_t v = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
        unsigned sender = (unsigned)(v >> 48) & 0xff;
        if (v >> 56 != VALUE_MAGIC || (int)(v & 0xff) != sig || sender > 1) {
            bad(V_VALUE, sig, (long)v, pid);
            return;
        }
        n.queued_got++;
        uint64_t seq = (v >> 8) & 0xffffffffffull;
        if (ordered && last_seen[sig][sender].pid == pid && seq <= last_seen[sig][sender].seq)
            bad(V_ORDER, sig | (long)sender << 8 | pid << 16, (long)last_seen[sig][sender].seq, (long)seq);
        if (ordered || last_seen[sig][sender].pid != pid || seq > last_seen[sig][sender].seq)
            last_seen[sig][sender].pid = pid, last_seen[sig][sender].seq = seq;
        return;
    }
    if (sig == SIGCHLD && code >= CLD_EXITED && code <= CLD_CONTINUED) {
        int st = si->si_status;
        bool fits = code == CLD_EXITED ? st >= 0 && st <= 255
                    : code == CLD_STOPPED ? default_stops(st)
                    : code == CLD_CONTINUED ? st == SIGCONT
                                             : st >= 1 && st <= 64;
        if (!fits || si->si_pid <= 0)
            bad(V_CODE, sig, code, st);
        return;
    }
    if (code == SI_KERNEL && (sig == SIGHUP || sig == SIGCONT || sig == SIGSEGV || sig == SIGPIPE))
        return; /* an orphaned group's SIGHUP and SIGCONT, a frame that could not be written, a broken pipe */
    if (sig == SIGSEGV && code > 0 && code != SI_KERNEL && fault.armed)
        return; /* checked by the fault code */
    bad(V_CODE, sig, code, 0);
}

/* Where the handler's frame went: on the alternate stack exactly when it was
 * enabled (as uc_stack says it was at delivery) and either SA_ONSTACK was
 * set or the interrupted code was already on it. */
static void check_stack(int sig, uint64_t flags, const ucontext_t *uc, uint64_t here)
{
    const stack_t *ss = &uc->uc_stack;
    uint64_t sp = uc->uc_mcontext.sp, base = (uint64_t)(uintptr_t)ss->ss_sp, size = ss->ss_size;
    bool enabled = !(ss->ss_flags & SS_DISABLE) && size != 0;
    bool was_on = enabled && sp > base && sp - base <= size;
    if (enabled && ((flags & SA_ONSTACK) || was_on)) {
        if (!in_range(here, base, size))
            bad(V_ALTSTACK, sig, (long)here, (long)base);
    } else if (!enabled) {
        if (in_range(here, (uintptr_t)alt_region, ALT_SIZE) && !in_range(sp, (uintptr_t)alt_region, ALT_SIZE))
            bad(V_ALTSTACK, sig, (long)here, -1);
    } else if (in_range(here, base, size)) {
        bad(V_ALTSTACK, sig, (long)here, -2);
    }
}

static void send_queued(long pid, int sig);

static void on_signal(int sig, siginfo_t *si, ucontext_t *uc)
{
    int saved_errno = errno;
    volatile uint64_t here = 0;
    struct cfg c = { cfg[sig].kind, cfg[sig].flags, cfg[sig].mask };
    int d = ++depth;
    n.handled++;
    got[sig]++;
    if (d > 1)
        n.nested++;
    if ((unsigned)d > n.max_depth)
        n.max_depth = (unsigned)d;
    if (c.flags & SA_RESETHAND)
        cfg[sig].kind = K_DFL; /* the kernel did that at delivery */

    uint64_t cur = get_mask() & ~UNBLOCKABLE; /* qemu-user shows them if sa_mask had them */
    uint64_t want = (c.mask | ((c.flags & SA_NODEFER) ? 0 : BIT(sig))) & ~UNBLOCKABLE;
    if ((cur & want) != want)
        bad(V_MASK, sig, (long)cur, (long)want);
    if (si) {
        n.handled_info++;
        uint64_t was;
        memcpy(&was, &uc->uc_sigmask, sizeof(was));
        uint64_t exact = (was | want) & ~UNBLOCKABLE;
        /* A signal ending sigsuspend is taken under its temporary mask; the
         * frame saves the mask from before (both as on Linux). */
        bool suspend_exact = in_suspend && cur == ((suspend_mask | want) & ~UNBLOCKABLE);
        if (cur != exact && !suspend_exact)
            bad(V_MASK_EXACT, sig, (long)cur, (long)exact);
        check_info(sig, si, !(c.flags & SA_NODEFER));
        check_stack(sig, c.flags, uc, (uint64_t)(uintptr_t)&here);
    }

    if (sig == SIGSEGV && si && si->si_code > 0 && si->si_code != SI_KERNEL) {
        if (!fault.armed || (uintptr_t)si->si_addr != fault.addr || si->si_code != fault.code) {
            bad(V_FAULT, (long)(uintptr_t)si->si_addr, (long)fault.addr, si->si_code);
            /* Not ours: nothing to fix, so leave the process rather than fault forever. */
            if (!fault.armed)
                _exit(90);
        }
        fault.hits++;
        if (fault.jump) {
            depth = 0;
            siglongjmp(fault_jump, 1);
        }
        uintptr_t page = fault.addr & ~(uintptr_t)4095;
        ret(SYS(NR_mprotect, page, 4096, PROT_READ | PROT_WRITE, 0));
    }

    /* Sometimes another signal from inside: nesting, and sends from a handler. */
    uint64_t r = hrnd();
    if (d < 4 && role != GRANDCHILD && r % 8 == 0) {
        int s2 = pool[(r >> 8) % POOL_N];
        if (role == PARENT || !(default_stops(s2) || s2 == SIGTSTP))
            ret(SYS(NR_kill, self_pid, s2, 0, 0));
    } else if (d < 4 && role != GRANDCHILD && r % 16 == 1) {
        send_queued(self_pid, RT_FIRST + (int)((r >> 8) % (RT_LAST - RT_FIRST + 1)));
    }
    clobber_fp();
    depth--;
    errno = saved_errno;
}

static void on_signal_plain(int sig)
{
    on_signal(sig, NULL, NULL);
}

/* ---- the fuzzed operations ---------------------------------------------------------------- */

struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static uint64_t handler_address(enum kind k)
{
    switch (k) {
    case K_DFL: return (uint64_t)(uintptr_t)SIG_DFL;
    case K_IGN: return (uint64_t)(uintptr_t)SIG_IGN;
    case K_INFO: return (uint64_t)(uintptr_t)on_signal;
    default: return (uint64_t)(uintptr_t)on_signal_plain;
    }
}

/* Installs an action, with every signal blocked so that handlers always see
 * cfg[] as the kernel has it; checks the old action is what was set. */
static void install(int sig, enum kind k, uint64_t flags, uint64_t mask)
{
    if (k == K_INFO)
        flags |= SA_SIGINFO;
    else
        flags &= ~(uint64_t)SA_SIGINFO;
    struct k_sigaction act = { handler_address(k), flags | SA_RESTORER_FLAG, (uint64_t)(uintptr_t)fz_restorer, mask };
    struct k_sigaction old = { 0 };
    uint64_t saved = block_all();
    long r = ret(SYS(NR_rt_sigaction, sig, &act, &old, 8));
    if (tracing)
        printf("fuzz_signals[%ld] %u: signal %d: kind %d flags %#lx mask %#lx\n", self_pid, iteration, sig, k,
               (unsigned long)act.flags, (unsigned long)mask);
    if (r == 0) {
        if (old.handler != handler_address(cfg[sig].kind) ||
            (old.handler > 1 && (old.mask & ~UNBLOCKABLE) != (cfg[sig].mask & ~UNBLOCKABLE)))
            bad(V_OLDACT, sig, (long)old.handler, (long)handler_address(cfg[sig].kind));
        cfg[sig].kind = k;
        cfg[sig].flags = act.flags;
        cfg[sig].mask = mask & ~UNBLOCKABLE;
        if (sig == SIGCHLD && (k == K_IGN || (flags & SA_NOCLDWAIT)))
            autoreap_ever = true;
    } else {
        bad(V_ERRNO, r, sig, 1);
    }
    set_mask(saved);
}

static void op_action(void)
{
    trace_op("rt_sigaction");
    if (CHANCE(20)) { /* what must be refused */
        struct k_sigaction act = { (uint64_t)(uintptr_t)on_signal, SA_RESTORER_FLAG, (uint64_t)(uintptr_t)fz_restorer, 0 };
        int sig = (int)(uint64_t[]){ 0, 65, SIGKILL, SIGSTOP, 1000 }[rnd() % 5];
        EXPECT(SYS(NR_rt_sigaction, sig, &act, 0, 8), 10, -EINVAL);
        EXPECT(SYS(NR_rt_sigaction, SIGUSR1, 0, 0, 4), 11, -EINVAL);
        return;
    }
    int sig = any_signal();
    enum kind k = (enum kind)(rnd() % 4);
    bool harmless = default_ignores(sig);
    bool careful = role == PARENT || !child_may_die;
    if (careful) {
        /* Nothing may end or stop the parent: a handler or SIG_IGN unless the default is to ignore. */
        if (k == K_DFL && !harmless)
            k = K_IGN;
        if (sig == SIGCHLD && k == K_IGN && role == PARENT)
            k = K_DFL; /* the parent reaps its children and checks their statuses */
    } else if (k == K_DFL && !harmless && !CHANCE(32)) {
        k = K_PLAIN; /* the child dies of its own SIG_DFL now and then, not often */
    }
    if (k == K_DFL && default_stops(sig))
        k = K_IGN; /* stops come from SIGSTOP, whose SIGCONT always follows */
    uint64_t flags = 0;
    static const uint64_t choices[] = { SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_ONSTACK };
    for (int i = 0; i < 4; i++)
        if (CHANCE(2))
            flags |= choices[i];
    /* A reset to SIG_DFL must not end the parent either. */
    if (!harmless && (careful || !CHANCE(8)))
        flags &= ~(uint64_t)SA_RESETHAND; /* and the child should not die of it too often */
    if (sig == SIGCHLD && CHANCE(4))
        flags |= role == PARENT ? SA_NOCLDSTOP : (CHANCE(2) ? SA_NOCLDSTOP : SA_NOCLDWAIT);
    install(sig, k, flags, random_set());
}

static void op_mask(void)
{
    trace_op("rt_sigprocmask");
    uint64_t set = random_set(), old = 0;
    int how = (int)(rnd() % 3);
    if (CHANCE(16)) {
        EXPECT(SYS(NR_rt_sigprocmask, 7, &set, 0, 8), 20, -EINVAL);
        EXPECT(SYS(NR_rt_sigprocmask, SIG_BLOCK, &set, 0, 16), 21, -EINVAL);
        return;
    }
    uint64_t want = how == SIG_BLOCK ? mask_now | set : how == SIG_UNBLOCK ? mask_now & ~set : set;
    /* The parent's faults need SIGSEGV unblocked only while faulting: anything goes. */
    EXPECT(SYS(NR_rt_sigprocmask, how, &set, &old, 8), 22, 0);
    if (old != (mask_now & ~UNBLOCKABLE))
        bad(V_OLDMASK, (long)old, (long)mask_now, 0);
    mask_now = want & ~UNBLOCKABLE;
    uint64_t pend = 0;
    EXPECT(SYS(NR_rt_sigpending, &pend, 8, 0, 0), 23, 0);
}

static void send_queued(long pid, int sig)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = SI_QUEUE;
    si.si_pid = (pid_t)self_pid;
    si.si_uid = getuid();
    /* The number and the send in one piece: a handler sending the same
     * signal in between would otherwise overtake this one. */
    uint64_t saved = block_all();
    uint64_t seq = ++sent_seq[sig];
    uint64_t v = (VALUE_MAGIC << 56) | ((uint64_t)(role == CHILD) << 48) | ((seq & 0xffffffffffull) << 8) | (uint64_t)sig;
    si.si_value.sival_ptr = (void *)(uintptr_t)v;
    long r = SYS(NR_rt_sigqueueinfo, pid, sig, &si, 0);
    set_mask(saved);
    if (r == -EAGAIN)
        n.eagain++;
    else if (r == 0)
        n.queued_sent++;
    else if (!(r == -ESRCH && pid != self_pid))
        EXPECT(r, 30, 0);
}

/* A signal to `pid` by one of the four ways. */
static void send_one(long pid, int sig)
{
    long r;
    switch (rnd() % 4) {
    case 0: r = SYS(NR_kill, pid, sig, 0, 0); break;
    case 1: r = SYS(NR_tkill, pid, sig, 0, 0); break;
    case 2: r = SYS(NR_tgkill, pid, pid, sig, 0); break;
    default: send_queued(pid, sig); return;
    }
    if (r == -ESRCH && pid != self_pid)
        return; /* the peer is gone (the child between its end and the parent's wait) */
    EXPECT(r, 31, 0);
}

static long peer(void)
{
    return role == PARENT ? child_pid : parent_pid;
}

static void op_send(void)
{
    trace_op("send");
    int burst = 1 + (int)(rnd() % 4);
    for (int i = 0; i < burst; i++) {
        bool to_peer = CHANCE(3) && peer() > 0;
        long target = to_peer ? peer() : self_pid;
        int sig = any_signal();
        if (role == PARENT && to_peer && child_may_die && CHANCE(150))
            sig = SIGKILL; /* the child must be reaped as killed, and replaced */
        if (tracing)
            printf("fuzz_signals[%ld] %u: signal %d to %ld\n", self_pid, iteration, sig, target);
        send_one(target, sig);
    }
    if (CHANCE(10)) { /* the group: only what no default action acts on */
        int sig = (int[]){ SIGCONT, SIGURG, SIGWINCH, 0 }[rnd() % 4];
        EXPECT(SYS(NR_kill, CHANCE(2) ? 0 : -pgrp, sig, 0, 0), 32, 0);
    }
}

/* ---- grandchildren ------------------------------------------------------------------------------ */

enum gc_kind { GC_WRITER, GC_DRAINER, GC_WAKER, GC_STOPPER, GC_EXITER, GC_FORGER, GC_FAULTER };
static struct gc {
    long pid;
    enum gc_kind kind;
    int expect_exit;   /* for GC_EXITER, GC_FORGER (valid frame) */
    bool killed;       /* we sent it SIGKILL */
    bool handler;      /* GC_FORGER: it has a SIGSEGV handler that exits 77 */
    bool sigsegv_only; /* GC_FORGER: only SIGSEGV may end it */
    int forgery;       /* GC_FORGER: enum forgery */
} gcs[MAX_GC];
static unsigned ngc;
static long gc_parent; /* in a grandchild: the process that made it */

static void nap(long ns)
{
    struct timespec ts = { 0, ns };
    while (SYS(NR_nanosleep, &ts, &ts, 0, 0) == -EINTR)
        ;
}

/* fork for a grandchild: returns 0 in it, with the control pipe closed and
 * nothing of the fuzzing state used any more. */
static long gc_fork(enum gc_kind kind)
{
    if (ngc == MAX_GC)
        return -1;
    fflush(stdout);
    long me = self_pid;
    /* Blocked across the fork: a handler running in the grandchild before it
     * knows it is one would send as its parent (and with its parent's sigqueue
     * numbers); in the parent, one could come from it before it is known. */
    uint64_t saved = block_all();
    long pid = fork();
    if (pid == 0) {
        role = GRANDCHILD;
        gc_parent = me;
        self_pid = SYS(NR_getpid, 0, 0, 0, 0);
        if (ctl_write >= 0)
            close((int)ctl_write);
        if (ctl_read >= 0)
            close((int)ctl_read);
        set_mask(saved);
        return 0;
    }
    if (pid > 0) {
        gcs[ngc++] = (struct gc){ .pid = pid, .kind = kind };
        know(pid);
        n.gcs++;
    }
    set_mask(saved);
    return pid < 0 ? -1 : pid;
}

static struct gc *gc_find(long pid)
{
    for (unsigned i = 0; i < ngc; i++)
        if (gcs[i].pid == pid)
            return &gcs[i];
    return NULL;
}

static void gc_check(struct gc *g, int st)
{
    bool ok;
    bool sig = WIFSIGNALED(st);
    int s = sig ? WTERMSIG(st) : -1, code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (sig && s == SIGKILL && g->killed)
        ok = true;
    else switch (g->kind) {
    case GC_WRITER: ok = code == 0 || code == 3 || (sig && s == SIGPIPE); break;
    case GC_FORGER:
#ifdef FUZZ_QEMU_USER
        /* qemu-user restores any pstate, aborts itself on some random frames and
         * returns from rt_sigreturn with an unmapped sp: Linux's rules are not its. */
        if (g->forgery == 1 || g->forgery == 6 || g->forgery == 7) {
            ok = true;
            n.forged++;
            break;
        }
#endif
        ok = g->expect_exit ? code == g->expect_exit
                            : (sig && s == SIGSEGV) || (g->handler && !g->sigsegv_only && code == 77);
        n.forged++;
        break;
    case GC_FAULTER: ok = sig && s == SIGSEGV; break;
    case GC_EXITER: ok = code == g->expect_exit; break;
    default: ok = code == 0; break;
    }
    if (!ok)
        bad(V_STATUS, g->kind * 100 + g->forgery, st, g->pid);
    *g = gcs[--ngc];
}

/* Collects grandchildren that have ended (all of them with `block`). */
static void gc_reap(bool block)
{
    for (unsigned i = 0; i < ngc;) {
        int st = 0;
        long r = SYS(NR_wait4, gcs[i].pid, &st, block ? 0 : WNOHANG, 0);
        if (r == gcs[i].pid) {
            gc_check(&gcs[i], st);
            continue;
        }
        if (r == -ECHILD && autoreap_ever) {
            gcs[i] = gcs[--ngc];
            continue;
        }
        if (r == -EINTR && block)
            continue;
        if (r != 0)
            EXPECT(r, 40, 0);
        i++;
    }
}

/* A grandchild that writes `len` bytes of the pattern after a nap (a reader blocks meanwhile). */
static void gc_writer_main(int fd, long delay, size_t len, uint8_t tag)
{
    static uint8_t b[8192];
    nap(delay);
    for (size_t i = 0; i < len && i < sizeof(b); i++)
        b[i] = (uint8_t)(i * 7 + tag);
    long r = SYS(NR_write, fd, b, len, 0);
    _exit(r == (long)len ? 0 : 3);
}

/* A grandchild that reads the pattern to end of file after a nap; exit 0 if
 * every byte was right, 2 if not, 4 if a read failed. */
static void gc_drainer_main(int fd, long delay, uint8_t tag)
{
    static uint8_t b[4096];
    nap(delay);
    uint64_t off = 0;
    for (;;) {
        long r = SYS(NR_read, fd, b, sizeof(b), 0);
        if (r == -EINTR)
            continue;
        if (r < 0)
            _exit(4);
        if (r == 0)
            _exit(0);
        for (long i = 0; i < r; i++, off++)
            if (b[i] != (uint8_t)(off * 7 + tag))
                _exit(2);
    }
}

/* ---- blocking operations, with the registers watched ------------------------------------------- */

/* EINTR from a call that Linux restarts unless a handler runs (a stop and
 * continue, an ignored signal: the call goes on): a handler must have run. */
static void eintr_after(unsigned handled_before, long call)
{
#ifndef FUZZ_QEMU_USER /* qemu-user returns EINTR for signals it then ignores */
    if (n.handled == handled_before)
        bad(V_EINTR, call, 0, 0);
#else
    (void)handled_before, (void)call;
#endif
    n.eintr++;
}

static void op_nanosleep(void)
{
    trace_op("nanosleep");
    struct timespec req = { 0, (long)(rnd() % 3000000) }, rem = { -1, -1 };
    unsigned handled = n.handled;
    long r = call_checked(NR_nanosleep, (long)&req, (long)&rem, 0, 0, rnd() % 20000);
    EXPECT(r, 50, 0, -EINTR);
    if (r == -EINTR) {
        n.sleeps_cut++;
        eintr_after(handled, NR_nanosleep);
        /* Linux's remaining time counts from the timer's expiry with its slack (50 us by default). */
        if (rem.tv_sec != 0 || rem.tv_nsec < 0 || rem.tv_nsec > req.tv_nsec + 100000)
            bad(V_SLEEP, req.tv_nsec, rem.tv_sec, rem.tv_nsec);
    }
}

static void op_pipe_read(void)
{
    trace_op("pipe read");
    int p[2];
    if (pipe(p))
        return bad(V_ERRNO, errno, 60, 0);
    size_t len = 1 + rnd() % 8192;
    uint8_t tag = (uint8_t)rnd();
    long pid = gc_fork(GC_WRITER);
    if (pid == 0) {
        close(p[0]);
        gc_writer_main(p[1], (long)(rnd() % 2000000), len, tag);
    }
    close(p[1]);
    if (pid > 0 && CHANCE(10)) {
        struct gc *g = gc_find(pid);
        if (g)
            g->killed = true;
        EXPECT(SYS(NR_kill, pid, SIGKILL, 0, 0), 61, 0);
    }
    static uint8_t b[8192];
    size_t got_bytes = 0;
    for (;;) {
        unsigned handled = n.handled;
        long r = call_checked(NR_read, p[0], (long)(b + got_bytes), (long)(sizeof(b) - got_bytes), 0, rnd() % 5000);
        EXPECT(r, 62, r >= 0 ? r : 0, -EINTR);
        if (r == -EINTR) {
            eintr_after(handled, NR_read);
            continue;
        }
        if (r == 0)
            break;
        for (long i = 0; i < r; i++)
            if (b[got_bytes + (size_t)i] != (uint8_t)((got_bytes + (size_t)i) * 7 + tag))
                bad(V_DATA, (long)(got_bytes + (size_t)i), b[got_bytes + (size_t)i], tag);
        got_bytes += (size_t)r;
        if (got_bytes >= sizeof(b))
            break;
    }
    if (got_bytes != 0 && got_bytes != len)
        bad(V_DATA, (long)got_bytes, (long)len, -1);
    close(p[0]);
    gc_reap(false);
}

static void op_pipe_write(void)
{
    trace_op("pipe write");
    int p[2];
    if (pipe(p))
        return bad(V_ERRNO, errno, 70, 0);
    uint8_t tag = (uint8_t)rnd();
    long pid = gc_fork(GC_DRAINER);
    if (pid == 0) {
        close(p[1]);
        gc_drainer_main(p[0], (long)(rnd() % 2000000), tag);
    }
    close(p[0]);
    /* More than a pipe holds: the writer blocks until the drainer reads. */
    static uint8_t b[24576];
    size_t total = 4096 + rnd() % (sizeof(b) - 4096);
    for (size_t i = 0; i < total; i++)
        b[i] = (uint8_t)(i * 7 + tag);
    size_t done = 0;
    while (done < total) {
        unsigned handled = n.handled;
        long r = call_checked(NR_write, p[1], (long)(b + done), (long)(total - done), 0, rnd() % 5000);
        if (r == -EINTR) {
            eintr_after(handled, NR_write);
            continue;
        }
        if (r <= 0 || (size_t)r > total - done) {
            bad(V_ERRNO, r, 71, (long)done);
            break;
        }
        if ((size_t)r < total - done)
            n.short_writes++;
        done += (size_t)r;
    }
    close(p[1]);
    gc_reap(false);
}

/* A signal with a handler this process may send itself: one is installed if needed. */
static int handled_signal(void)
{
    int sig = any_signal();
    /* A SIGCONT (a stopper's, a group send) discards pending stop signals,
     * handled or not, and a stop signal a pending SIGCONT, as on Linux: such
     * a signal is not sure to arrive. */
    if (sig == SIGCONT || sig == SIGCHLD || default_stops(sig))
        sig = SIGUSR1;
    if (cfg[sig].kind != K_INFO && cfg[sig].kind != K_PLAIN)
        install(sig, CHANCE(2) ? K_INFO : K_PLAIN, CHANCE(2) ? SA_RESTART : 0, random_set());
    return sig;
}

static void op_sigsuspend(void)
{
    trace_op("rt_sigsuspend");
    int w = handled_signal();
    /* w is blocked until sigsuspend: it cannot be taken before, so it ends sigsuspend. */
    uint64_t saved = mask_now;
    uint64_t blocked = mask_now | BIT(w);
    set_mask(blocked);
    bool waker = CHANCE(2);
    if (waker) {
        long pid = gc_fork(GC_WAKER);
        if (pid == 0) {
            nap((long)(rnd() % 2000000));
            _exit(SYS(NR_kill, gc_parent, w, 0, 0) == 0 ? 0 : 5);
        }
        if (pid < 0)
            waker = false;
    }
    if (!waker)
        EXPECT(SYS(NR_kill, self_pid, w, 0, 0), 80, 0);
    unsigned before = n.handled;
    (void)before;
    uint64_t smask = (random_set() | (CHANCE(2) ? mask_now : 0)) & ~BIT(w);
    suspend_mask = smask;
    in_suspend = true;
    long r = call_checked(NR_rt_sigsuspend, (long)&smask, 8, 0, 0, 0);
    in_suspend = false;
    EXPECT(r, 81, -EINTR);
    n.suspends++;
    /* Some handler ran -- not necessarily w's: an earlier handler's sa_mask
     * may block w, whose frame then puts back the mask that blocks it. */
#ifndef FUZZ_QEMU_USER /* qemu-user ends rt_sigsuspend for a signal it then ignores */
    if (n.handled == before)
        bad(V_SUSPEND, w, r, 0);
#endif
    uint64_t after = set_mask(saved);
    if (after != (blocked & ~UNBLOCKABLE))
        bad(V_OLDMASK, (long)after, (long)blocked, 1);
    gc_reap(false);
}

static void op_sigtimedwait(void)
{
    trace_op("rt_sigtimedwait");
    /* Not only SIGCONT and stop signals: each discards the other, so neither
     * is sure to stay pending (handled_signal); the one sent is of the others. */
    uint64_t set = random_set() & ~UNBLOCKABLE;
    uint64_t usable = set & ~(BIT(SIGCONT) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU));
    if (!usable)
        usable = BIT(SIGUSR2), set |= usable;
    uint64_t saved = mask_now;
    /* Waited-for signals blocked, as sigtimedwait is meant to be used: no
     * handler takes one of them meanwhile (which keeps their order checkable). */
    set_mask(mask_now | set);
    bool sure = false;
    if (CHANCE(2)) {
        int sig = __builtin_ctzll(usable) + 1;
        for (int i = 0; i < 8; i++) {
            int s = any_signal();
            if (usable & BIT(s)) {
                sig = s;
                break;
            }
        }
        /* kill queues even past the real-time limit: pending for sure. */
        sure = EXPECT(SYS(NR_kill, self_pid, sig, 0, 0), 110, 0) == 0;
        if (CHANCE(2))
            send_queued(self_pid, sig);
    }
    struct timespec ts = { 0, (long)(rnd() % 2000000) };
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    long r = call_checked(NR_rt_sigtimedwait, (long)&set, (long)&si, sure && CHANCE(2) ? 0 : (long)&ts, 8,
                          rnd() % 5000);
    n.timedwaits++;
    if (r > 0) {
        if (r > 64 || !(set & BIT(r)))
            bad(V_SUSPEND, r, (long)set, 1);
        else
            check_info((int)r, &si, true);
    } else {
        if (r == -EINTR)
            n.eintr++;
        EXPECT(r, 111, -EAGAIN, -EINTR);
        if (sure && r == -EAGAIN)
            bad(V_SUSPEND, r, (long)set, 2);
    }
    uint64_t was = set_mask(saved);
    if (was != ((saved | set) & ~UNBLOCKABLE))
        bad(V_OLDMASK, (long)was, (long)(saved | set), 2);
}

static void op_wait(void)
{
    trace_op("wait4");
    int code = (int)(rnd() % 200);
    long delay = (long)(rnd() % 2000000);
    long pid = gc_fork(GC_EXITER);
    if (pid == 0) {
        nap(delay);
        _exit(code);
    }
    if (pid < 0)
        return;
    gc_find(pid)->expect_exit = code;
    for (;;) {
        int st = 0;
        unsigned handled = n.handled;
        long r = call_checked(NR_wait4, pid, (long)&st, 0, 0, rnd() % 5000);
        if (r == -EINTR) {
            eintr_after(handled, NR_wait4);
            continue;
        }
        struct gc *g = gc_find(pid);
        if (r == pid && g) {
            gc_check(g, st);
        } else if (r == -ECHILD && autoreap_ever && g) {
            *g = gcs[--ngc];
        } else {
            bad(V_ERRNO, r, 120, pid);
            if (g)
                *g = gcs[--ngc];
        }
        return;
    }
}

/* ---- the peer child (the parent's side) ---------------------------------------------------- */

static unsigned child_failures, children_stopped_unseen;

/* Whether a child may have been ended by sig: anything but what is ignored
 * or stops by default. */
static bool may_kill(int sig)
{
    return sig >= 1 && sig <= 64 && !default_ignores(sig) && !default_stops(sig);
}

static uint64_t children_killed_by; /* the signals that ended children */

static void child_ended(int st)
{
    if (WIFSIGNALED(st)) {
        n.children_killed++;
        children_killed_by |= BIT(WTERMSIG(st));
        if (!may_kill(WTERMSIG(st)))
            bad(V_STATUS, 100, st, child_pid);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
        child_failures++; /* it printed its FAIL lines */
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        bad(V_STATUS, 101, st, child_pid);
    }
    child_pid = 0;
}

/* Collects what the child has to report: stops, continues, its end. */
static void child_reap(void)
{
    while (child_pid > 0) {
        int st = 0;
        long r = SYS(NR_wait4, child_pid, &st, WNOHANG | WUNTRACED | WCONTINUED, 0);
        if (r == 0 || r == -EINTR)
            return;
        if (r != child_pid) {
            bad(V_ERRNO, r, 130, child_pid);
            child_pid = 0;
            return;
        }
        if (WIFSTOPPED(st)) {
            n.stops_seen++;
            if (WSTOPSIG(st) != SIGSTOP)
                bad(V_STATUS, 102, st, child_pid);
        } else if (WIFCONTINUED(st)) {
            n.continues_seen++;
        } else {
            child_ended(st);
        }
    }
}

static void op_stop(void)
{
    trace_op("stop/continue");
    if (role == PARENT && child_pid > 0 && CHANCE(2)) {
        EXPECT(SYS(NR_kill, child_pid, SIGSTOP, 0, 0), 140, 0);
        /* Its stop report, unless a stopper grandchild's SIGCONT came first
         * (SIGCONT discards a pending SIGSTOP): polled, never waited for. */
        bool seen = false;
        for (int i = 0; i < 400 && child_pid > 0 && !seen; i++) {
            int st = 0;
            long r = SYS(NR_wait4, child_pid, &st, WNOHANG | WUNTRACED, 0);
            if (r == child_pid && WIFSTOPPED(st)) {
                seen = true;
                n.stops_seen++;
                if (WSTOPSIG(st) != SIGSTOP)
                    bad(V_STATUS, 103, st, child_pid);
            } else if (r == child_pid) {
                child_ended(st);
            } else if (r == 0 || r == -EINTR) {
                nap(100000);
            } else {
                bad(V_ERRNO, r, 141, child_pid);
                break;
            }
        }
        if (!seen)
            children_stopped_unseen++;
        nap((long)(rnd() % 1000000));
        if (child_pid > 0)
            EXPECT(SYS(NR_kill, child_pid, SIGCONT, 0, 0), 142, 0);
        child_reap();
        return;
    }
    /* A stopper: SIGSTOP, a nap, SIGCONT -- to this process or the other. */
    long target = CHANCE(2) && peer() > 0 ? peer() : self_pid;
    long pid = gc_fork(GC_STOPPER);
    if (pid == 0) {
        nap((long)(rnd() % 1000000));
        long a = SYS(NR_kill, target, SIGSTOP, 0, 0);
        nap((long)(rnd() % 2000000));
        long b = SYS(NR_kill, target, SIGCONT, 0, 0);
        _exit((a == 0 || a == -ESRCH) && (b == 0 || b == -ESRCH) ? 0 : 6);
    }
}

/* ---- faults ---------------------------------------------------------------------------------------- */

static void refresh_alt(void)
{
    stack_t old;
    memset(&old, 0, sizeof(old));
    EXPECT(SYS(NR_sigaltstack, 0, &old, 0, 0), 150, 0);
    alt.on = !(old.ss_flags & SS_DISABLE) && old.ss_size;
    alt.sp = (uintptr_t)old.ss_sp;
    alt.size = old.ss_size;
}

static void op_fault(void)
{
    trace_op("fault");
    uint64_t flags = (CHANCE(2) ? SA_ONSTACK : 0) | (CHANCE(2) ? SA_NODEFER : 0) | (CHANCE(2) ? SA_RESTART : 0);
    install(SIGSEGV, K_INFO, flags, random_set());
    uint64_t saved = mask_now;
    mask_now &= ~BIT(SIGSEGV);
    set_mask(mask_now);
    uint8_t *page = fault_region + (rnd() % 4) * 4096;
    int prot = CHANCE(2) ? PROT_NONE : PROT_READ;
    EXPECT(SYS(NR_mprotect, page, 4096, prot, 0), 160, 0);
    uintptr_t addr = (uintptr_t)page + ((rnd() % 4096) & ~(uintptr_t)7);
    static struct regcall rc; /* static: it must survive the siglongjmp */
    regs_prepare(&rc, 0, 0, (long)rnd(), (long)addr, 0, rnd() % 5000);
    fault.addr = addr;
    fault.code = SEGV_ACCERR;
    fault.jump = CHANCE(2);
    fault.hits = 0;
    fault.armed = true;
    if (fault.jump) {
        if (sigsetjmp(fault_jump, 1) == 0) {
            regs_store(&rc);
            bad(V_FAULT, (long)addr, -1, prot);
        } else {
            n.faults_jumped++;
            refresh_alt(); /* no rt_sigreturn: an SS_AUTODISARM stack stays disarmed, as on Linux */
        }
    } else {
        regs_store(&rc);
        regs_compare(&rc);
        if (*(volatile uint64_t *)addr != rc.in.x[1] || fault.hits != 1)
            bad(V_FAULT, (long)addr, (long)fault.hits, -2);
        n.faults_fixed++;
    }
    fault.armed = false;
    EXPECT(SYS(NR_mprotect, page, 4096, PROT_READ | PROT_WRITE, 0), 161, 0);
    uint64_t was = set_mask(saved);
    if (was != mask_now)
        bad(V_OLDMASK, (long)was, (long)mask_now, 3);
    mask_now = saved;
}

/* A grandchild that faults with SIGSEGV blocked or ignored: the kernel must kill it with SIGSEGV. */
static void op_faulter(void)
{
    trace_op("fault, SIGSEGV blocked or ignored");
    bool ignore = CHANCE(2);
    long pid = gc_fork(GC_FAULTER);
    if (pid == 0) {
        if (ignore) {
            struct k_sigaction act = { (uint64_t)(uintptr_t)SIG_IGN, 0, 0, 0 };
            SYS(NR_rt_sigaction, SIGSEGV, &act, 0, 8);
        } else {
            set_mask(mask_now | BIT(SIGSEGV));
        }
        SYS(NR_mprotect, fault_region, 4096, PROT_READ, 0);
        *(volatile uint64_t *)fault_region = 1;
        _exit(8);
    }
}

/* ---- forged rt_sigreturn frames --------------------------------------------------------------- */

/* F_PSTATE = 1, F_RANDOM = 6 and F_UNMAPPED = 7 are named by number in gc_check. */
enum forgery { F_VALID, F_PSTATE, F_MAGIC, F_SIZE, F_NOEND, F_MISALIGNED, F_RANDOM, F_UNMAPPED, F_KINDS };
#define LANDING_MAGIC 0x0123456789abcdefull

/* Where an intact forged frame sends the grandchild: exit 55 if x19 came through, else 56. */
extern void forged_landing(void);
__asm__(".text\n.p2align 2\n.global forged_landing\n.type forged_landing,%function\nforged_landing:\n"
        "movz x1, #0xcdef\n movk x1, #0x89ab, lsl #16\n movk x1, #0x4567, lsl #32\n movk x1, #0x0123, lsl #48\n"
        "mov x0, #55\n cmp x19, x1\n b.eq 1f\n mov x0, #56\n"
        "1: mov x8, #94\n svc #0\n brk #0\n.size forged_landing, .-forged_landing\n");

static _Alignas(16) uint8_t captured[FRAME_SIZE];
static volatile bool captured_ok;

static void capture_frame(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    /* Linux's layout: the siginfo at the frame's start, the ucontext 128 bytes on. */
    if ((uint8_t *)uc - (uint8_t *)si == 128) {
        memcpy(captured, si, FRAME_SIZE);
        captured_ok = true;
    }
}

static void forged_segv(int sig)
{
    (void)sig;
    _exit(77);
}

static _Noreturn void sigreturn_at(uintptr_t sp)
{
    __asm__ volatile("mov sp, %0\n mov x8, #139\n svc #0\n brk #1\n" : : "r"(sp) : "memory");
    __builtin_unreachable();
}

static _Noreturn void gc_forger_main(enum forgery kind, bool handler)
{
    static _Alignas(16) uint8_t space[3 * FRAME_SIZE + 65536];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler ? forged_segv : SIG_DFL;
    sigaction(SIGSEGV, &sa, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = capture_frame;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    set_mask(0);
    uint8_t *f = space + 65536;
    if (kind == F_RANDOM || kind == F_UNMAPPED) {
        for (size_t i = 0; i < FRAME_SIZE; i += 8) {
            uint64_t v = rnd();
            memcpy(f + i, &v, 8);
        }
        sigreturn_at(kind == F_UNMAPPED ? (CHANCE(2) ? 0x700000000000ull : 0xffff000040000000ull) : (uintptr_t)f);
    }
    SYS(NR_kill, self_pid, SIGUSR1, 0, 0);
    if (!captured_ok)
        _exit(57);
    if (kind == F_MISALIGNED)
        f += 8;
    memcpy(f, captured, FRAME_SIZE);
    ucontext_t *uc = (ucontext_t *)(f + 128);
    mcontext_t *mc = &uc->uc_mcontext;
    mc->regs[19] = LANDING_MAGIC;
    mc->pc = (uintptr_t)forged_landing;
    mc->sp = (uintptr_t)(space + 32768);
    uint32_t *rec = (uint32_t *)(void *)mc->__reserved; /* {magic, size}: the FP/SIMD record first */
    switch (kind) {
    case F_PSTATE: mc->pstate |= CHANCE(2) ? 0x3c0 : 0x5; break; /* DAIF masked, or EL1h */
    case F_MAGIC: rec[0] ^= 1u << (rnd() % 32); break;
    case F_SIZE: rec[1] = (uint32_t[]){ 0, 7, 512, 4097, 0xfffffff0u }[rnd() % 5]; break;
    case F_NOEND: rec[528 / 4] = 0xdeadbeef, rec[528 / 4 + 1] = 16; break;
    default: break;
    }
    sigreturn_at((uintptr_t)f);
}

static void op_forge(void)
{
    trace_op("forged rt_sigreturn");
    enum forgery kind = (enum forgery)(rnd() % F_KINDS);
    bool handler = CHANCE(2);
    long pid = gc_fork(GC_FORGER);
    if (pid == 0)
        gc_forger_main(kind, handler);
    struct gc *g = pid > 0 ? gc_find(pid) : NULL;
    if (g) {
        g->handler = handler;
        g->expect_exit = kind == F_VALID ? 55 : 0;
        g->sigsegv_only = kind == F_UNMAPPED;
        g->forgery = kind;
    }
}

/* ---- alternate stacks --------------------------------------------------------------------------- */

static void op_altstack(void)
{
    trace_op("sigaltstack");
    stack_t ss, old;
    memset(&ss, 0, sizeof(ss));
    memset(&old, 0, sizeof(old));
    long r;
    bool changes = false;
    switch (rnd() % 7) {
    case 0:
        ss.ss_flags = SS_DISABLE;
        r = EXPECT(SYS(NR_sigaltstack, &ss, &old, 0, 0), 170, 0);
        changes = true;
        break;
    case 1: /* too small for any kernel (Linux wants 5120, qemu-user 2048) */
        ss.ss_sp = alt_region;
        ss.ss_size = rnd() % 2048;
        r = EXPECT(SYS(NR_sigaltstack, &ss, &old, 0, 0), 171, -ENOMEM);
        break;
    case 2:
        ss.ss_sp = alt_region;
        ss.ss_size = ALT_SIZE;
        ss.ss_flags = (int)(uint64_t[]){ 4, 0x10, 3, -1 }[rnd() % 4];
        r = EXPECT(SYS(NR_sigaltstack, &ss, &old, 0, 0), 172, -EINVAL);
        break;
    case 3:
        r = EXPECT(SYS(NR_sigaltstack, 0, &old, 0, 0), 173, 0);
        break;
    case 4:
        if (role == CHILD && child_may_die && CHANCE(3)) { /* no frame can go there: the child may die of SIGSEGV */
            ss.ss_sp = (void *)(uintptr_t)(CHANCE(2) ? 0x700000000000ull : (uintptr_t)fault_region);
            ss.ss_size = 65536;
            r = EXPECT(SYS(NR_sigaltstack, &ss, &old, 0, 0), 174, 0);
            changes = true;
            break;
        }
        /* fall through */
    default: {
        size_t off = (rnd() % 64) * 16;
        ss.ss_sp = alt_region + off;
        /* Small ones only for a child that may die: nested frames overflow them. */
        ss.ss_size = role == PARENT || !child_may_die ? ALT_SIZE - off - rnd() % 4096
                                                      : 5120 + rnd() % (ALT_SIZE - off - 5120);
#ifdef FUZZ_QEMU_USER
        ss.ss_flags = (int)(uint64_t[]){ 0, SS_ONSTACK }[rnd() % 2];
#else
        ss.ss_flags = (int)(uint64_t[]){ 0, SS_ONSTACK, SS_AUTODISARM }[rnd() % 3];
#endif
        r = EXPECT(SYS(NR_sigaltstack, &ss, &old, 0, 0), 175, 0);
        changes = true;
        break;
    }
    }
    if (tracing)
        printf("fuzz_signals[%ld] %u: sigaltstack %p %#zx %#x: %ld\n", self_pid, iteration, ss.ss_sp, ss.ss_size,
               ss.ss_flags, r);
    if (r != 0)
        return;
    bool old_on = !(old.ss_flags & SS_DISABLE);
    if (old_on != alt.on || (alt.on && ((uintptr_t)old.ss_sp != alt.sp || old.ss_size != alt.size)))
        bad(V_OLDSTACK, (long)(uintptr_t)old.ss_sp, (long)alt.sp, old.ss_flags);
    if (changes)
        refresh_alt();
}

/* ---- the main loop ------------------------------------------------------------------------------ */

static void op_spin(void)
{
    trace_op("spin");
    if (CHANCE(2)) {
        /* A handler at the very return of kill. */
        int sig = handled_signal();
        if (!(mask_now & BIT(sig)))
            EXPECT(call_checked(NR_kill, self_pid, sig, 0, 0, rnd() % 2000), 180, 0);
    } else {
        /* Long enough for the other process's signals to land on an interrupt's return. */
        EXPECT(call_checked(NR_getpid, 0, 0, 0, 0, 20000 + rnd() % 400000), 181, self_pid);
    }
}

static void trace_op(const char *name)
{
    current_op = name;
    if (tracing)
        printf("fuzz_signals[%ld] %u: %s\n", self_pid, iteration, name);
}

/* The operations, with their weights; `only` (usage) picks some out by letter. */
static const struct {
    char letter;
    unsigned weight;
    void (*fn)(void);
} ops[] = {
    { 'a', 2, op_action },      { 'm', 2, op_mask },     { 'k', 3, op_send },        { 'n', 1, op_nanosleep },
    { 'r', 1, op_pipe_read },   { 'w', 1, op_pipe_write }, { 's', 1, op_sigsuspend }, { 't', 1, op_sigtimedwait },
    { 'W', 1, op_wait },        { 'S', 1, op_stop },     { 'f', 1, op_fault },       { 'F', 1, op_faulter },
    { 'g', 1, op_altstack },    { 'x', 1, op_forge },    { 'p', 5, op_spin },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))
static unsigned op_weight_total;
static bool op_enabled[NOPS];

static void choose_ops(const char *only)
{
    for (size_t i = 0; i < NOPS; i++) {
        op_enabled[i] = !only || strchr(only, ops[i].letter);
        op_weight_total += op_enabled[i] ? ops[i].weight : 0;
    }
}

static void one_op(void)
{
    if (!op_weight_total)
        return;
    unsigned w = (unsigned)(rnd() % op_weight_total);
    for (size_t i = 0; i < NOPS; i++) {
        if (!op_enabled[i])
            continue;
        if (w < ops[i].weight) {
            ops[i].fn();
            return;
        }
        w -= ops[i].weight;
    }
}

static void print_violations(const char *who)
{
    for (int k = 0; k < V_KINDS; k++) {
        if (role == PARENT) {
            if (vcount[k])
                checkf(false, "%s: %u violations; the first in iteration %u (%s): %#lx %#lx %#lx", vname[k],
                       vcount[k], vfirst[k].iter, vfirst[k].op, vfirst[k].a, vfirst[k].b, vfirst[k].c);
            else
                checkf(true, "%s", vname[k]);
        } else if (vcount[k] && !checks_quiet) {
            printf("FAIL %s: %s: %u violations; the first in iteration %u (%s): %#lx %#lx %#lx\n", who, vname[k],
                   vcount[k], vfirst[k].iter, vfirst[k].op, vfirst[k].a, vfirst[k].b, vfirst[k].c);
        }
    }
}

static void print_counts(const char *who)
{
    if (checks_quiet)
        return;
    printf("fuzz_signals: %s: %u handlers run (%u with siginfo, %u nested, depth up to %u), %u sigqueue sent, "
           "%u received, %u EAGAIN\n",
           who, n.handled, n.handled_info, n.nested, n.max_depth, n.queued_sent, n.queued_got, n.eagain);
    printf("fuzz_signals: %s: %u EINTR (%u sleeps cut short, %u short writes), %u sigsuspend, %u sigtimedwait, "
           "%u faults fixed, %u jumped out of, %u grandchildren (%u forged frames), %u stops and %u continues "
           "seen\n",
           who, n.eintr, n.sleeps_cut, n.short_writes, n.suspends, n.timedwaits, n.faults_fixed, n.faults_jumped,
           n.gcs, n.forged, n.stops_seen, n.continues_seen);
}

static void setup_common(void)
{
    self_pid = SYS(NR_getpid, 0, 0, 0, 0);
    know(self_pid);
    alt_region = mmap(NULL, ALT_SIZE + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fault_region = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (alt_region == MAP_FAILED || fault_region == MAP_FAILED) {
        printf("fuzz_signals: no memory\n");
        exit(2);
    }
    mprotect(alt_region, 4096, PROT_NONE); /* a guard below: an overflowing frame faults */
    alt_region += 4096;
    alt.on = false;
    for (int s = 1; s <= 64; s++)
        cfg[s].kind = K_DFL;
}

/* The child: fuzzes until the parent closes the control pipe (or for
 * `limit` iterations), then collects its grandchildren and reports. */
static _Noreturn void child_main(unsigned limit, uint64_t seed, uint64_t mask)
{
    role = CHILD;
    rng_state = seed;
    hrng_state = seed ^ 0x5555555555555555ull;
    self_pid = SYS(NR_getpid, 0, 0, 0, 0);
    know(self_pid);
    child_pid = 0;
    ngc = 0;
    memset(vcount, 0, sizeof(vcount)); /* its own findings only, and its own counts */
    memset(&n, 0, sizeof(n));
    close((int)ctl_write);
    ctl_write = -1;
    set_mask(mask); /* only now: a handler before would have acted as the parent */
    char who[32];
    snprintf(who, sizeof(who), "child %ld", self_pid);
    for (iteration = 0; iteration < limit; iteration++) {
        char c;
        if (read((int)ctl_read, &c, 1) == 0)
            break;
        one_op();
        gc_reap(false);
    }
    current_op = "end";
    set_mask(0);
    gc_reap(true);
    print_counts(who);
    print_violations(who);
    unsigned total = 0;
    for (int k = 0; k < V_KINDS; k++)
        total += vcount[k];
    fflush(stdout);
    _exit(total ? 1 : 0);
}

static void spawn_child(unsigned limit)
{
    fflush(stdout);
    uint64_t seed = rnd() | 1;
    /* Blocked until the child is known: it may signal at once. */
    uint64_t saved = block_all();
    long pid = fork();
    if (pid == 0)
        child_main(limit, seed, saved);
    if (pid > 0)
        know(pid);
    set_mask(saved);
    if (pid < 0) {
        bad(V_ERRNO, pid, 190, errno);
        return;
    }
    child_pid = pid;
    n.children++;
}

static int fuzz(unsigned iters, uint64_t seed)
{
    role = PARENT;
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    hrng_state = rng_state ^ 0xaaaaaaaaaaaaaaaaull;
    setup_common();
    setpgid(0, 0); /* the group the group sends go to: this program's processes only */
    pgrp = getpgrp();
    parent_pid = self_pid;
    int ctl[2];
    if (pipe2(ctl, O_NONBLOCK | O_CLOEXEC)) {
        printf("fuzz_signals: no pipe\n");
        return 2;
    }
    ctl_read = ctl[0];
    ctl_write = ctl[1];
    /* From the start, nothing's default action may end or stop the parent. */
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && !default_ignores(sig) && !(sig >= 32 && sig < RT_FIRST) &&
            sig <= RT_LAST)
            install(sig, (enum kind)(K_IGN + rnd() % 3), CHANCE(2) ? SA_RESTART : 0, random_set());
    if (!checks_quiet)
        printf("fuzz_signals: %u iterations, seed %lu\n", iters, (unsigned long)seed);
    for (iteration = 0; iteration < iters; iteration++) {
        if (child_pid == 0 && n.children < MAX_CHILDREN)
            spawn_child(iters * 4);
        one_op();
        child_reap();
        gc_reap(false);
    }
    /* The end: the child finishes when it sees the pipe closed; a stopped child is continued. */
    current_op = "end";
    close((int)ctl_write);
    ctl_write = -1;
    while (child_pid > 0) {
        SYS(NR_kill, child_pid, SIGCONT, 0, 0);
        int st = 0;
        long r = SYS(NR_wait4, child_pid, &st, WUNTRACED, 0);
        if (r == -EINTR || (r == child_pid && WIFSTOPPED(st)))
            continue;
        if (r != child_pid) {
            bad(V_ERRNO, r, 191, child_pid);
            break;
        }
        child_ended(st);
    }
    set_mask(0);
    gc_reap(true);
    print_counts("parent");
    if (!checks_quiet)
        printf("fuzz_signals: %u children (%u killed by signals: set %#llx), %u stops of the child not seen (a "
               "stopper continued it first)\n", n.children, n.children_killed, (unsigned long long)children_killed_by,
               children_stopped_unseen);
    print_violations("parent");
    checkf(child_failures == 0, "every child's own checks passed (%u children failed)", child_failures);
    return check_summary();
}

int main(int argc, char **argv)
{
    unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 2000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    tracing = argc > 3 && !strcmp(argv[3], "trace");
    checks_quiet = argc > 3 && !strcmp(argv[3], "quiet");
    child_may_die = !checks_quiet;
    choose_ops(argc > 4 ? argv[4] : NULL);
    if (getpid() != 1)
        return fuzz(iters, seed);
    /* Process 1 takes only signals it has handlers for: fuzz from a child,
     * collecting whatever orphans come this way meanwhile. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fuzz(iters, seed));
    int st = 0, result = 2;
    for (;;) {
        pid_t r = wait(&st);
        if (r == pid)
            result = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        else if (r < 0 && errno == ECHILD)
            break;
    }
    return result;
}
