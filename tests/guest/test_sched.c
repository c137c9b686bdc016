/*
 * Preemption and per-thread FP/SIMD and TLS state, checked from inside Kenix.
 *
 * The parent spawns two copies of itself ("child 0", "child 1") that share a
 * page with it. Each child sets tpidr_el0, FPCR (a non-default rounding mode)
 * and FPSR to values of its own, then spins without a single system call:
 * it loads a pattern into all of q0-q31, busy-waits with the pattern live,
 * checks every register, FPSR, FPCR and tpidr_el0, and does floating-point
 * work whose result is known, counting iterations and errors in the shared
 * page. Neither child yields or blocks, so
 *   - both counters advancing while the parent sleeps proves that the timer
 *     preempts a CPU-bound process (round robin), and
 *   - zero errors proves the kernel saves and restores q0-q31, FPCR, FPSR and
 *     tpidr_el0 across involuntary context switches (the two children's
 *     values differ, so a leak from one to the other shows).
 * Prints "ok   <what>" or "FAIL <what>" per check, then "N passed, N failed";
 * exits 0 only if nothing failed. Takes about 0.7 s.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c17 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define SELF_PATH "/bin/test_sched"
#define SLOT_SHARED 4           /* where a child finds the shared page */
#define SHARED_SIZE 4096
#define CHILDREN 2
#define SPIN 4096               /* busy-wait iterations with q0-q31 live */
/* A child that is never told to stop (no preemption, parent gone) gives up
 * after this many iterations: about 4 s of CPU under QEMU, ~10x a normal run. */
#define ITERATION_CAP 500000ull
#define EXACT_SUM 1040.0        /* 0.5 * (1 + 2 + ... + 64), exact in any rounding mode */

extern char **environ;

struct child_state {
    uint64_t count;             /* iterations done */
    uint64_t reg_errors;        /* q registers that did not hold their value */
    uint64_t fpsr_errors;
    uint64_t fpcr_errors;       /* FPCR changed, or rounding stopped behaving as set */
    uint64_t fp_errors;         /* wrong floating-point results */
    uint64_t tpidr_errors;
    uint64_t tpidr;             /* the value the child set */
    uint64_t fpcr;              /* the value the child set */
    uint32_t capped;            /* stopped by ITERATION_CAP, not by the parent */
};

struct shared {
    uint32_t stop;              /* set by the parent */
    struct child_state child[CHILDREN];
};

/* Per-child values: distinct, so one child's registers leaking into the
 * other's are noticed. FPCR.RMode (bits 23:22) is round toward zero for child
 * 0 and toward plus infinity for child 1; FPSR gets sticky flag patterns. */
static const uint64_t child_fpcr[CHILDREN] = { 3ull << 22, 1ull << 22 };
static const uint64_t child_fpsr[CHILDREN] = { 0x08000009, 0x00000016 };
/* rounding_probe() under each child's FPCR (70 in round-to-nearest). */
static const double child_probe[CHILDREN] = { 0x1.17ffffffffffdp+6, 0x1.1800000000004p+6 };
static const uint64_t child_tpidr[CHILDREN] = { 0x4b454e4958000c00ull, 0x4b454e4958001c11ull };

/* Register n gets seed + n in its low half and that ^ mask in its high half. */
#define LOAD(n)                                 \
    "add  x10, %[seed], #" #n "\n\t"            \
    "eor  x11, x10, %[mask]\n\t"                \
    "fmov d" #n ", x10\n\t"                     \
    "mov  v" #n ".d[1], x11\n\t"
#define CHECK(n)                                \
    "add  x10, %[seed], #" #n "\n\t"            \
    "eor  x11, x10, %[mask]\n\t"                \
    "fmov x12, d" #n "\n\t"                     \
    "cmp  x12, x10\n\t"                         \
    "cinc %[regs], %[regs], ne\n\t"             \
    "mov  x12, v" #n ".d[1]\n\t"                \
    "cmp  x12, x11\n\t"                         \
    "cinc %[regs], %[regs], ne\n\t"
#define ALL32(M)                                                                           \
    M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15) \
    M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24) M(25) M(26) M(27) M(28) M(29)  \
    M(30) M(31)

struct hold_result {
    uint64_t regs, fpsr, fpcr, tpidr; /* mismatches */
};

/*
 * Loads q0-q31 and FPSR, spins with them live (where the timer almost always
 * interrupts), then compares them and FPCR and tpidr_el0 with what they must
 * be. One asm statement, so the compiler cannot use the registers meanwhile.
 */
static struct hold_result hold_registers(uint64_t seed, uint64_t fpsr, uint64_t fpcr, uint64_t tpidr)
{
    struct hold_result r;
    uint64_t mask = 0xa5c3f00f5a3c0ff0ull;
    __asm__ volatile(
        ALL32(LOAD)
        "msr  fpsr, %[fpsr]\n\t"
        "mov  x13, %[spin]\n\t"
        "1:\n\t"
        "subs x13, x13, #1\n\t"
        "b.ne 1b\n\t"
        "mov  %[regs], #0\n\t"
        ALL32(CHECK)
        "mrs  x12, fpsr\n\t"
        "cmp  x12, %[fpsr]\n\t"
        "cset %[fpsr_bad], ne\n\t"
        "mrs  x12, fpcr\n\t"
        "cmp  x12, %[fpcr]\n\t"
        "cset %[fpcr_bad], ne\n\t"
        "mrs  x12, tpidr_el0\n\t"
        "cmp  x12, %[tpidr]\n\t"
        "cset %[tpidr_bad], ne\n\t"
        : [regs] "=&r"(r.regs), [fpsr_bad] "=&r"(r.fpsr), [fpcr_bad] "=&r"(r.fpcr), [tpidr_bad] "=&r"(r.tpidr)
        : [seed] "r"(seed), [mask] "r"(mask), [fpsr] "r"(fpsr), [fpcr] "r"(fpcr), [tpidr] "r"(tpidr),
          [spin] "r"((uint64_t)SPIN)
        : "x10", "x11", "x12", "x13", "cc", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
          "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
          "v26", "v27", "v28", "v29", "v30", "v31");
    return r;
}

/* Inputs the compiler cannot see, so the FP work is done at run time under
 * the child's FPCR (not folded at compile time in round-to-nearest). */
static volatile double half = 0.5, three = 3.0, ten = 10.0;

static double exact_sum(void)
{
    double h = half, s = 0.0;
    for (int k = 1; k <= 64; k++)
        s += k * h;
    return s;
}

/* Sum of k/3 - k/10 for k = 1..24: exactly 70 in round-to-nearest, but
 * 70 - 3 ulp toward zero and 70 + 4 ulp toward plus infinity. */
static double rounding_probe(void)
{
    double t = three, d = ten, y = 0.0;
    for (int k = 1; k <= 24; k++)
        y += k / t - k / d;
    return y;
}

/* The compiler does not know that msr fpcr changes how arithmetic rounds,
 * and would move FP work across it: an empty volatile asm that "uses" the
 * value keeps the computation where it is written (volatile asms keep their
 * order). */
static double pinned(double v)
{
    __asm__ volatile("" : "+w"(v));
    return v;
}

static uint64_t read_fpcr(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return v;
}

static void write_fpcr(uint64_t v)
{
    __asm__ volatile("msr fpcr, %0" ::"r"(v) : "memory");
}

static uint64_t read_tpidr(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(v));
    return v;
}

static void write_tpidr(uint64_t v)
{
    __asm__ volatile("msr tpidr_el0, %0" ::"r"(v) : "memory");
}

/*
 * The CPU-bound loop. tpidr_el0 is musl's thread pointer: nothing here may
 * call the C library until it is restored. Returns the number of errors.
 */
static uint64_t child_loop(struct shared *sh, unsigned idx)
{
    struct child_state *me = &sh->child[idx];
    uint64_t fpcr = child_fpcr[idx], tpidr = child_tpidr[idx];
    uint64_t saved_fpcr = read_fpcr(), saved_tpidr = read_tpidr();
    uint64_t errors[5] = { 0 }; /* regs, fpsr, fpcr, fp, tpidr */

    if (pinned(rounding_probe()) != 70.0)
        errors[3]++; /* wrong even in the default rounding mode */
    write_fpcr(fpcr);
    write_tpidr(tpidr);
    __atomic_store_n(&me->fpcr, fpcr, __ATOMIC_RELAXED);
    __atomic_store_n(&me->tpidr, tpidr, __ATOMIC_RELAXED);

    uint64_t i = 0;
    while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE) && i < ITERATION_CAP) {
        /* A new pattern every iteration: stale or foreign values show. */
        uint64_t seed = ((uint64_t)(idx + 1) << 56) ^ (i << 8);
        struct hold_result r = hold_registers(seed, child_fpsr[idx], fpcr, tpidr);
        errors[0] += r.regs;
        errors[1] += r.fpsr;
        errors[2] += r.fpcr;
        errors[4] += r.tpidr;
        if (pinned(exact_sum()) != EXACT_SUM)
            errors[3]++;
        if (pinned(rounding_probe()) != child_probe[idx])
            errors[2]++; /* not rounding the way this child's FPCR says */
        i++;
        __atomic_store_n(&me->count, i, __ATOMIC_RELAXED);
    }
    if (read_tpidr() != tpidr)
        errors[4]++;

    write_tpidr(saved_tpidr);
    write_fpcr(saved_fpcr);
    me->reg_errors = errors[0];
    me->fpsr_errors = errors[1];
    me->fpcr_errors = errors[2];
    me->fp_errors = errors[3];
    me->tpidr_errors = errors[4];
    me->capped = i >= ITERATION_CAP;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return errors[0] + errors[1] + errors[2] + errors[3] + errors[4] + me->capped;
}

static int child_main(const char *which)
{
    unsigned idx = (unsigned)atoi(which);
    if (idx >= CHILDREN)
        return 2;
    long addr = kx_mem_map(SLOT_SHARED, 0, SHARED_SIZE, KX_PROT_READ | KX_PROT_WRITE);
    if (addr < 0)
        return 2;
    return child_loop((struct shared *)(uintptr_t)addr, idx) ? 1 : 0;
}

static void sleep_ms(long ms)
{
    struct timespec req = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    while (nanosleep(&req, &req) != 0)
        ;
}

static uint64_t count_of(struct shared *sh, unsigned i)
{
    return __atomic_load_n(&sh->child[i].count, __ATOMIC_RELAXED);
}

/* Spawns child `idx` with the shared page at SLOT_SHARED and starts it. */
static long start_child(const struct kx_initrd *rd, kx_handle_t mem, unsigned idx)
{
    char arg[2] = { (char)('0' + idx), 0 };
    char *argv[] = { SELF_PATH, "child", arg, NULL };
    const struct kx_give shared = { mem, KX_RIGHT_READ | KX_RIGHT_WRITE, SLOT_SHARED };
    return kx_spawn_with(rd, SELF_PATH, argv, environ, &shared, 1);
}

/* Runs both children, samples their counters, stops them and checks. */
static void run_parent(void)
{
    struct kx_initrd rd;
    long mem = kx_mem_create(SHARED_SIZE, 0);
    long addr = mem < 0 ? mem : kx_mem_map(mem, 0, SHARED_SIZE, KX_PROT_READ | KX_PROT_WRITE);
    long err = addr < 0 ? addr : kx_initrd_open(KX_SLOT_INITRD, &rd);
    checkf(err >= 0, "shared page and initrd (error %ld)", err < 0 ? -err : 0);
    if (err < 0)
        return;
    struct shared *sh = (struct shared *)(uintptr_t)addr;
    memset(sh, 0, sizeof(*sh));

    long proc[CHILDREN];
    unsigned started = 0;
    for (; started < CHILDREN; started++) {
        proc[started] = start_child(&rd, (kx_handle_t)mem, started);
        if (proc[started] < 0)
            break;
    }
    checkf(started == CHILDREN, "spawned %u CPU-bound children (error %ld)", started,
          started < CHILDREN ? -proc[started] : 0);

    uint64_t first[CHILDREN] = { 0 }, second[CHILDREN] = { 0 };
    if (started == CHILDREN) {
        /* The children share the CPU while the parent sleeps; it wakes on
         * the tick and runs at most a slice or two later. */
        sleep_ms(300);
        for (unsigned i = 0; i < CHILDREN; i++)
            first[i] = count_of(sh, i);
        sleep_ms(300);
        for (unsigned i = 0; i < CHILDREN; i++)
            second[i] = count_of(sh, i);
    }
    /* Always stop whoever started: kx_process_wait would wait for the cap. */
    __atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
    long status[CHILDREN];
    for (unsigned i = 0; i < started; i++) {
        status[i] = kx_process_wait(proc[i]);
        kx_handle_close(proc[i]);
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (started < CHILDREN)
        return;

    /* Under the cap: a child that ran to its cap ran alone, not preempted. */
    checkf(first[0] > 0 && first[1] > 0 && first[0] < ITERATION_CAP && first[1] < ITERATION_CAP,
          "both children ran by the first sample (child 0: %" PRIu64
          ", child 1: %" PRIu64 " iterations)", first[0], first[1]);
    checkf(second[0] > first[0] && second[1] > first[1],
          "both kept running between samples, neither yielding (child 0: %" PRIu64 " -> %" PRIu64
          ", child 1: %" PRIu64 " -> %" PRIu64 ")", first[0], second[0], first[1], second[1]);
    for (unsigned i = 0; i < CHILDREN; i++) {
        const struct child_state *c = &sh->child[i];
        checkf(c->reg_errors == 0 && c->fpsr_errors == 0,
              "child %u: q0-q31 and fpsr intact over %" PRIu64 " iterations (%" PRIu64 " + %" PRIu64 " errors)",
              i, c->count, c->reg_errors, c->fpsr_errors);
        checkf(c->fpcr_errors == 0 && c->fp_errors == 0 && c->fpcr == child_fpcr[i],
              "child %u: fpcr 0x%" PRIx64 " (rounding mode) kept, FP results exact (%" PRIu64 " + %" PRIu64
              " errors)", i, c->fpcr, c->fpcr_errors, c->fp_errors);
        checkf(c->tpidr_errors == 0 && c->tpidr == child_tpidr[i],
              "child %u: tpidr_el0 0x%" PRIx64 " never changed (%" PRIu64 " errors)", i, c->tpidr,
              c->tpidr_errors);
        checkf(!c->capped, "child %u: stopped by the parent, not by its iteration cap", i);
        checkf(status[i] == 0, "child %u exited with status 0 (wait status 0x%lx)", i,
              (unsigned long)status[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "child"))
        return child_main(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    run_parent();
    return check_summary();
}
