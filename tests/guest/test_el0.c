/*
 * What user mode may and may not do, as on Linux:
 *   - may: read CTR_EL0 and DCZID_EL0, zero with DC ZVA, clean and
 *     invalidate caches for code it wrote (DC CVAU, IC IVAU) and run that
 *     code after mprotect, read the virtual counter, wait with WFI and WFE;
 *   - may not: each forbidden act ends a child process (this program with
 *     the act's name in argv[1]) with the signal Linux sends for it --
 *     undefined and privileged instructions SIGILL, BRK SIGTRAP, a misaligned
 *     PC or exclusive access SIGBUS, writing its own code or running off its
 *     stack SIGSEGV -- and the parent carries on.
 * Not here: a misaligned SP, which the kernel has the CPU check at EL0
 * (SCTLR_EL1.SA0, as Linux) but QEMU 7.2's TCG does not raise (tried here).
 * Run by /init, which gives it the initrd to start its children from.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define SELF "/bin/test_el0"

static struct kx_initrd initrd;

/* ---- forbidden acts: each runs in a child, which must not get past it ---- */

static volatile unsigned recursion_guard = ~0u;

__attribute__((noinline)) static unsigned recurse(unsigned depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth >= recursion_guard)
        return (unsigned)frame[0];
    return recurse(depth + 1) + (unsigned)frame[0];
}

static void act_udf(void)
{
    __asm__ volatile("udf #0");
}

static void act_brk(void)
{
    __asm__ volatile("brk #0x42");
}

static void act_sysreg(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(v));
}

static void act_hvc(void)
{
    __asm__ volatile("hvc #0");
}

static void act_pc_align(void)
{
    void (*target)(void) = (void (*)(void))((uintptr_t)&act_udf + 2);
    target();
}

static void act_exclusive_align(void)
{
    static _Alignas(16) uint8_t word[32];
    uint64_t v;
    __asm__ volatile("ldxr %0, [%1]" : "=r"(v) : "r"(word + 1) : "memory");
}

static void act_write_text(void)
{
    *(volatile uint32_t *)(uintptr_t)&act_udf = 0xd503201f; /* a nop over our own code */
}

static void act_stack_overflow(void)
{
    recurse(0);
}

struct act {
    const char *name;
    void (*fn)(void);
    int signal;
    const char *what;
};

static const struct act acts[] = {
    { "udf", act_udf, SIGILL, "an undefined instruction" },
    { "sysreg", act_sysreg, SIGILL, "reading SCTLR_EL1" },
    { "hvc", act_hvc, SIGILL, "HVC" },
    { "brk", act_brk, SIGTRAP, "BRK" },
    { "pc-align", act_pc_align, SIGBUS, "a branch to a misaligned PC" },
    { "exclusive-align", act_exclusive_align, SIGBUS, "a misaligned exclusive load" },
    { "write-text", act_write_text, SIGSEGV, "a write to its own code" },
    { "stack-overflow", act_stack_overflow, SIGSEGV, "endless recursion on the user stack" },
};
#define NACTS (sizeof(acts) / sizeof(acts[0]))

static int run_act(const char *name)
{
    for (size_t i = 0; i < NACTS; i++) {
        if (!strcmp(acts[i].name, name)) {
            acts[i].fn();
            printf("test_el0: %s did not stop the process\n", name);
            return 100;
        }
    }
    printf("test_el0: no act named %s\n", name);
    return 101;
}

static void forbidden_acts(void)
{
    for (size_t i = 0; i < NACTS; i++) {
        char *argv[] = { SELF, (char *)acts[i].name, NULL };
        long child = kx_spawn_with(&initrd, SELF, argv, NULL, NULL, 0);
        long status = child > 0 ? kx_process_wait((kx_handle_t)child) : child;
        checkf(status == acts[i].signal, "%s: killed by signal %d (wait status %ld)", acts[i].what, acts[i].signal,
               status);
        if (child > 0)
            kx_handle_close((kx_handle_t)child);
    }
}

/* ---- allowed acts ---- */

static void cache_registers(void)
{
    uint64_t ctr, dczid;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
    unsigned iline = 4u << (ctr & 0xf), dline = 4u << ((ctr >> 16) & 0xf);
    checkf(iline >= 16 && iline <= 2048 && dline >= 16 && dline <= 2048,
           "CTR_EL0 readable: I-cache lines %u bytes, D-cache lines %u bytes", iline, dline);
    unsigned block = 4u << (dczid & 0xf);
    bool allowed = !(dczid & 0x10);
    checkf(allowed, "DCZID_EL0: DC ZVA allowed, %u-byte blocks", block);
    if (!allowed || block > 2048)
        return;
    static _Alignas(4096) uint8_t area[4096];
    memset(area, 0xa5, sizeof(area));
    __asm__ volatile("dc zva, %0" ::"r"(area + block) : "memory");
    bool zeroed = true, kept = area[block - 1] == 0xa5 && area[2 * block] == 0xa5;
    for (unsigned i = 0; i < block; i++)
        zeroed = zeroed && area[block + i] == 0;
    check(zeroed && kept, "DC ZVA zeroes exactly one block");
}

/* Writes a function at run time, makes it executable and calls it. */
static void generated_code(void)
{
    uint32_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!check(page != MAP_FAILED, "a page for generated code"))
        return;
    page[0] = 0x52800540; /* mov w0, #42 */
    page[1] = 0xd65f03c0; /* ret */
    int prot = mprotect(page, 4096, PROT_READ | PROT_EXEC);
    /* What __clear_cache does: clean the data to the point of unification,
     * invalidate the instruction cache there, then synchronize. */
    __asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" ::"r"(page) : "memory");
    int (*fn)(void) = (int (*)(void))(uintptr_t)page;
    check(prot == 0 && fn() == 42, "code written at run time, made executable and synchronized (DC CVAU, IC IVAU) runs");
    munmap(page, 4096);
}

/* The virtual counter, readable without a system call (Linux's vDSO clock relies on it). */
static void counter(void)
{
    uint64_t freq, t0, t1;
    struct timespec a, b;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    clock_gettime(CLOCK_MONOTONIC, &a);
    __asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(t0)::"memory");
    for (volatile int i = 0; i < 100000; i++)
        ;
    __asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(t1)::"memory");
    clock_gettime(CLOCK_MONOTONIC, &b);
    uint64_t counted_ns = freq ? (t1 - t0) * 1000000000 / freq : 0;
    uint64_t clock_ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (uint64_t)(b.tv_nsec - a.tv_nsec);
    checkf(freq >= 1000000 && t1 > t0 && counted_ns <= clock_ns,
           "CNTVCT_EL0 and CNTFRQ_EL0 readable: %llu Hz, %llu ns counted inside %llu ns of CLOCK_MONOTONIC",
           (unsigned long long)freq, (unsigned long long)counted_ns, (unsigned long long)clock_ns);
}

static void waits(void)
{
    __asm__ volatile("wfi");
    __asm__ volatile("sevl\n wfe"); /* the local event makes this wfe return at once */
    check(true, "WFI and WFE return (the timer tick wakes WFI)");
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return run_act(argv[1]);
    printf("test_el0: start\n");
    if (!check(kx_initrd_open(KX_SLOT_INITRD, &initrd) == 0, "initrd mapped"))
        return check_summary();
    cache_registers();
    generated_code();
    counter();
    waits();
    forbidden_acts();
    return check_summary();
}
