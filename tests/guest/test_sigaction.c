/*
 * Signal handlers as Linux runs them on AArch64: rt_sigaction's flags
 * (SA_SIGINFO, SA_RESTART, SA_RESETHAND, SA_NODEFER, SA_ONSTACK, sa_mask),
 * the rt_sigframe a handler gets (siginfo, ucontext with the registers and
 * the FP/SIMD record), every register and the FP state intact after a handler
 * that clobbers them, rt_sigreturn refusing forged frames with SIGSEGV,
 * faults reaching handlers with si_addr and si_code and resuming when the
 * handler fixes the cause, the restart rules on blocked pipe reads and
 * writes and wait4, rt_sigsuspend without lost wake-ups, rt_sigtimedwait,
 * rt_sigqueueinfo with queued real-time values, sigaltstack (including a
 * stack overflow), tkill/tgkill's si_code, and the error paths of each call.
 * Checked against Linux with qemu-aarch64-static where qemu-user allows.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "posix_test.h"

#define BIT(sig) (1ull << ((sig) - 1))

static unsigned long long raw_mask(void)
{
    unsigned long long m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    return m;
}

static void set_mask(unsigned long long m)
{
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, 8);
}

static int install(int sig, void (*fn)(int), int flags, unsigned long long mask)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    for (int s = 1; s < 65; s++)
        if (mask & BIT(s))
            sigaddset(&sa.sa_mask, s);
    return sigaction(sig, &sa, NULL);
}

static int install_info(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    return sigaction(sig, &sa, NULL);
}

/* --- a handler, with and without SA_SIGINFO --------------------------------------- */

static volatile int got_sig, got_count;
static volatile unsigned long long mask_in_handler;

static void plain_handler(int sig)
{
    got_sig = sig;
    got_count++;
    mask_in_handler = raw_mask();
}

static siginfo_t last_info;
static volatile unsigned fp_magic, fp_size;
static volatile unsigned long long uc_mask;
static volatile int uc_ok;

static void info_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    got_sig = sig;
    got_count++;
    last_info = *si;
    const unsigned *rec = (const unsigned *)(void *)uc->uc_mcontext.__reserved;
    fp_magic = rec[0];
    fp_size = rec[1];
    memcpy((void *)&uc_mask, &uc->uc_sigmask, 8);
    /* The frame's pc is where the program goes on: within this program's text. */
    uc_ok = uc->uc_mcontext.pc != 0 && (uc->uc_mcontext.sp & 15) == 0 && (uc->uc_mcontext.pstate & 0xf) == 0;
}

static void handlers_basic(void)
{
    got_count = 0;
    checkf(install(SIGUSR1, plain_handler, 0, BIT(SIGUSR2)) == 0, "sigaction(SIGUSR1, handler)");
    set_mask(BIT(SIGHUP));
    kill(getpid(), SIGUSR1);
    checkf(got_sig == SIGUSR1 && got_count == 1, "kill(getpid(), SIGUSR1): the handler ran once with 10 (%d, %d times)",
           got_sig, got_count);
    checkf(mask_in_handler == (BIT(SIGHUP) | BIT(SIGUSR1) | BIT(SIGUSR2)),
           "in the handler the mask is the old one + sa_mask + the signal (%#llx)", mask_in_handler);
    checkf(raw_mask() == BIT(SIGHUP), "after it, the old mask is back (%#llx)", raw_mask());
    set_mask(0);

    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    checkf(old.sa_handler == plain_handler, "sigaction reports the handler back");

    got_count = 0;
    install_info(SIGUSR2, info_handler, 0);
    set_mask(BIT(SIGHUP));
    kill(getpid(), SIGUSR2);
    checkf(got_count == 1 && last_info.si_signo == SIGUSR2 && last_info.si_code == SI_USER &&
               last_info.si_pid == getpid() && last_info.si_uid == getuid(),
           "SA_SIGINFO: si_signo %d, si_code %d (SI_USER), si_pid %d, si_uid %d", last_info.si_signo,
           last_info.si_code, last_info.si_pid, last_info.si_uid);
    checkf(fp_magic == 0x46508001 && fp_size == 528, "the ucontext holds the FP/SIMD record first (magic %#x, size %u)",
           fp_magic, fp_size);
    checkf(uc_mask == BIT(SIGHUP), "uc_sigmask is the mask to go back to (%#llx)", uc_mask);
    checkf(uc_ok, "uc_mcontext: a pc, a 16-aligned sp, EL0 pstate");
    set_mask(0);

    got_count = 0;
    syscall(SYS_tgkill, getpid(), getpid(), SIGUSR2);
    checkf(got_count == 1 && last_info.si_code == SI_TKILL, "tgkill: si_code SI_TKILL (%d)", last_info.si_code);
    got_count = 0;
    syscall(SYS_tkill, getpid(), SIGUSR2);
    checkf(got_count == 1 && last_info.si_code == SI_TKILL, "tkill: si_code SI_TKILL (%d)", last_info.si_code);
    checkf(is_err(res(syscall(SYS_tgkill, getpid() + 100000, getpid(), SIGUSR2)), ESRCH),
           "tgkill with the wrong thread group -> ESRCH");
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

static void sigaction_errors(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = plain_handler;
    checkf(is_err(res(sigaction(SIGKILL, &sa, NULL)), EINVAL), "sigaction(SIGKILL, handler) -> EINVAL");
    checkf(is_err(res(sigaction(SIGSTOP, &sa, NULL)), EINVAL), "sigaction(SIGSTOP, handler) -> EINVAL");
    struct sigaction old;
    checkf(sigaction(SIGKILL, NULL, &old) == 0, "sigaction(SIGKILL, NULL, &old) is fine");
    struct { unsigned long h, f, r, m; } k = { (unsigned long)plain_handler, 0, 0, 0 };
    checkf(is_err(res(syscall(SYS_rt_sigaction, 0, &k, NULL, 8)), EINVAL), "rt_sigaction(0) -> EINVAL");
    checkf(is_err(res(syscall(SYS_rt_sigaction, 65, &k, NULL, 8)), EINVAL), "rt_sigaction(65) -> EINVAL");
    checkf(is_err(res(syscall(SYS_rt_sigaction, SIGUSR1, &k, NULL, 4)), EINVAL), "sigsetsize 4 -> EINVAL");
    checkf(is_err(res(syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8)), EFAULT), "act at 0x8 -> EFAULT");
}

/* --- nesting, SA_NODEFER, SA_RESETHAND ---------------------------------------------- */

static volatile int depth, max_depth, runs;

static void nesting_handler(int sig)
{
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    runs++;
    if (runs == 1)
        kill(getpid(), sig); /* again, from inside */
    if (sig == SIGUSR1 && runs == 1)
        kill(getpid(), SIGUSR2);
    depth--;
}

static void nesting(void)
{
    depth = max_depth = runs = 0;
    install(SIGUSR1, nesting_handler, 0, 0);
    install(SIGUSR2, nesting_handler, 0, 0);
    kill(getpid(), SIGUSR1);
    /* USR1 (runs 1) sends USR1 (blocked: waits) and USR2 (nested: runs 2);
     * after USR1's handler returns, the pending USR1 runs (runs 3). */
    checkf(runs == 3 && max_depth == 2, "a handler's own signal waits, another nests: %d runs, depth %d", runs,
           max_depth);

    depth = max_depth = runs = 0;
    install(SIGUSR1, nesting_handler, SA_NODEFER, 0);
    install(SIGUSR2, SIG_IGN, 0, 0);
    kill(getpid(), SIGUSR1);
    checkf(runs == 2 && max_depth == 2, "SA_NODEFER: the same signal nests (%d runs, depth %d)", runs, max_depth);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

static int resethand_child(void *arg)
{
    (void)arg;
    got_count = 0;
    install(SIGUSR1, plain_handler, SA_RESETHAND, 0);
    kill(getpid(), SIGUSR1);
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    ccheckf(got_count == 1 && old.sa_handler == SIG_DFL, "SA_RESETHAND: the handler ran, then SIG_DFL is back");
    kill(getpid(), SIGUSR1); /* now the default action */
    return 0;
}

/* --- registers and FP state across a handler ----------------------------------------- */

static volatile int reg_flag;

static void clobbering_handler(int sig)
{
    /* Uses FP and SIMD registers and the FP control register. */
    volatile double x = sig;
    for (int i = 0; i < 50; i++)
        x = x * 1.0001 + 0.5;
    char junk[512];
    memset(junk, 0x5a, sizeof(junk));
    __asm__ volatile("msr fpcr, %0" ::"r"(0ul));
    __asm__ volatile("" ::"r"(junk) : "memory");
    reg_flag = 1;
}

#define SETX(n) "mov x" #n ", #(" #n " * 16 + 1)\n"
#define CHKX(n) "cmp x" #n ", #(" #n " * 16 + 1)\n cinc x18, x18, ne\n"
#define SETV(n) "movi v" #n ".16b, #(" #n " + 7)\n"
#define CHKV(n)                                                                                  \
    "umov w0, v" #n ".b[0]\n cmp w0, #(" #n " + 7)\n cinc x18, x18, ne\n"                        \
    "umov w0, v" #n ".b[13]\n cmp w0, #(" #n " + 7)\n cinc x18, x18, ne\n"                       \
    "mov x0, v" #n ".d[0]\n mov x1, v" #n ".d[1]\n cmp x0, x1\n cinc x18, x18, ne\n"

/* Sets x0-x17, x19-x27, v0-v31 and FPCR to known values (x28 and x30 are
 * left to the compiler for the operands), spins until a handler
 * has run (reg_flag), and counts the registers that changed. */
static long spin_and_check(volatile int *flag)
{
    long bad;
    __asm__ volatile(
        "mov x0, #0xc00000\n msr fpcr, x0\n" /* round towards zero */
        SETX(0) SETX(1) SETX(2) SETX(3) SETX(4) SETX(5) SETX(6) SETX(7) SETX(8) SETX(9) SETX(10) SETX(11)
        SETX(12) SETX(13) SETX(14) SETX(15) SETX(16) SETX(17) SETX(19) SETX(20) SETX(21) SETX(22) SETX(23)
        SETX(24) SETX(25) SETX(26) SETX(27)
        SETV(0) SETV(1) SETV(2) SETV(3) SETV(4) SETV(5) SETV(6) SETV(7) SETV(8) SETV(9) SETV(10) SETV(11)
        SETV(12) SETV(13) SETV(14) SETV(15) SETV(16) SETV(17) SETV(18) SETV(19) SETV(20) SETV(21) SETV(22)
        SETV(23) SETV(24) SETV(25) SETV(26) SETV(27) SETV(28) SETV(29) SETV(30) SETV(31)
        "1: ldr w18, [%1]\n cbz w18, 1b\n"
        "mov x18, #0\n"
        CHKX(0) CHKX(1) CHKX(2) CHKX(3) CHKX(4) CHKX(5) CHKX(6) CHKX(7) CHKX(8) CHKX(9) CHKX(10) CHKX(11)
        CHKX(12) CHKX(13) CHKX(14) CHKX(15) CHKX(16) CHKX(17) CHKX(19) CHKX(20) CHKX(21) CHKX(22) CHKX(23)
        CHKX(24) CHKX(25) CHKX(26) CHKX(27)
        CHKV(0) CHKV(1) CHKV(2) CHKV(3) CHKV(4) CHKV(5) CHKV(6) CHKV(7) CHKV(8) CHKV(9) CHKV(10) CHKV(11)
        CHKV(12) CHKV(13) CHKV(14) CHKV(15) CHKV(16) CHKV(17) CHKV(18) CHKV(19) CHKV(20) CHKV(21) CHKV(22)
        CHKV(23) CHKV(24) CHKV(25) CHKV(26) CHKV(27) CHKV(28) CHKV(29) CHKV(30) CHKV(31)
        "mrs x0, fpcr\n mov x1, #0xc00000\n cmp x0, x1\n cinc x18, x18, ne\n"
        "msr fpcr, xzr\n"
        "mov %0, x18\n"
        : "=r"(bad)
        : "r"(flag)
        : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
          "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "v0",
          "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16",
          "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31",
          "cc", "memory");
    return bad;
}

static void registers_preserved(int flags, const char *what)
{
    int ready[2];
    pipe(ready);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        reg_flag = 0;
        install(SIGUSR1, clobbering_handler, flags, 0);
        char c = 1;
        write(ready[1], &c, 1);
        long bad = spin_and_check(&reg_flag);
        _exit(bad > 100 ? 100 : (int)bad);
    }
    char c;
    read(ready[0], &c, 1);
    sleep_ms(30); /* let it settle into the loop: the signal comes from a tick, asynchronously */
    kill(pid, SIGUSR1);
    int st = -1;
    reap(pid, &st);
    checkf(st == 0, "%s: after a handler that clobbers them, x0-x27, v0-v31 and FPCR are intact (%s)", what,
           status_str(st));
    close(ready[0]);
    close(ready[1]);
}

/* --- faults to handlers ------------------------------------------------------------- */

static char *fault_page;
static volatile uintptr_t fault_addr;
static volatile int fault_code;

static void segv_fixer(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    mprotect(fault_page, 4096, PROT_READ | PROT_WRITE);
}

static int segv_fix_child(void *arg)
{
    (void)arg;
    fault_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    install_info(SIGSEGV, segv_fixer, 0);
    volatile char *p = fault_page + 123;
    *p = 42; /* faults; the handler makes the page writable; the store is made again */
    ccheckf(*p == 42 && fault_addr == (uintptr_t)(fault_page + 123) && fault_code == SEGV_ACCERR,
            "SIGSEGV handler that maps the page: the store completes (%d), si_addr exact (%s), SEGV_ACCERR (%d)", *p,
            fault_addr == (uintptr_t)(fault_page + 123) ? "yes" : "no", fault_code);
    return 0;
}

static sigjmp_buf escape;

static void segv_escape(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    siglongjmp(escape, 1);
}

static int segv_maperr_child(void *arg)
{
    (void)arg;
    install_info(SIGSEGV, segv_escape, 0);
    volatile char *p = (volatile char *)0x10;
    if (sigsetjmp(escape, 1) == 0) {
        (void)*p;
        ccheckf(false, "a read of 0x10 faults");
    }
    ccheckf(fault_addr == 0x10 && fault_code == SEGV_MAPERR, "read of 0x10: si_addr %#lx, si_code %d (SEGV_MAPERR)",
            (unsigned long)fault_addr, fault_code);
    ccheckf((raw_mask() & BIT(SIGSEGV)) == 0, "siglongjmp out of the handler restored the mask");
    /* And a second time: the handler is still there, the mask right. */
    fault_code = 0;
    if (sigsetjmp(escape, 1) == 0)
        (void)*p;
    ccheckf(fault_code == SEGV_MAPERR, "a second fault reaches the handler again");
    return 0;
}

static void skip_insn(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    got_sig = sig;
    fault_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr;
    uc->uc_mcontext.pc += 4; /* past the instruction: the program goes on */
}

static int ill_trap_child(void *arg)
{
    (void)arg;
    install_info(SIGILL, skip_insn, 0);
    install_info(SIGTRAP, skip_insn, 0);
    got_sig = 0;
    __asm__ volatile("udf #7");
    ccheckf(got_sig == SIGILL && fault_code == (on_kenix() ? ILL_ILLOPC : fault_code) && fault_addr != 0,
            "udf: SIGILL (%d), ILL_ILLOPC (%d), si_addr the pc (%#lx); the handler skips it", got_sig, fault_code,
            (unsigned long)fault_addr);
    got_sig = 0;
    __asm__ volatile("brk #3");
    ccheckf(got_sig == SIGTRAP && fault_code == TRAP_BRKPT, "brk: SIGTRAP, TRAP_BRKPT (%d); skipped", fault_code);
    return 0;
}

static int unhandled_fault_child(void *arg)
{
    (void)arg;
    /* A blocked SIGSEGV cannot be taken: the fault kills (Linux's forced signal). */
    install_info(SIGSEGV, segv_fixer, 0);
    set_mask(BIT(SIGSEGV));
    *(volatile char *)0x10 = 1;
    return 0;
}

/* --- rt_sigreturn ------------------------------------------------------------------ */

static int forged_frame_child(void *arg)
{
    long kind = (long)arg;
    static unsigned char junk[8192] __attribute__((aligned(16)));
    memset(junk, kind == 0 ? 0xff : 0, sizeof(junk));
    if (kind == 1)
        junk[0] = 0; /* all zero: no FP/SIMD record */
    void *sp = junk + 4096;
    register long x8 __asm__("x8") = SYS_rt_sigreturn;
    __asm__ volatile("mov sp, %0\n svc #0\n" ::"r"(sp), "r"(x8) : "memory");
    return 0; /* never */
}

static volatile int tamper_kind;

static void tampering_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    unsigned *rec = (unsigned *)(void *)uc->uc_mcontext.__reserved;
    if (tamper_kind == 0)
        uc->uc_mcontext.pstate = 0x3c5; /* EL1h with interrupts masked */
    else if (tamper_kind == 1)
        rec[0] = 0x12345678;            /* an unknown record */
    else
        rec[1] = 512;                   /* a wrong FP/SIMD size */
}

static int tampered_frame_child(void *arg)
{
    tamper_kind = (int)(long)arg;
    install_info(SIGUSR1, tampering_handler, 0);
    kill(getpid(), SIGUSR1);
    return 0; /* never: rt_sigreturn refuses the frame */
}

static int no_restorer_child(void *arg)
{
    (void)arg;
    struct { unsigned long h, f, r, m; } k = { (unsigned long)plain_handler, 0, 0, 0 };
    syscall(SYS_rt_sigaction, SIGUSR1, &k, NULL, 8);
    kill(getpid(), SIGUSR1); /* the handler returns through the vDSO's __kernel_rt_sigreturn */
    return 0;
}

static void frames(void)
{
    const char *forged[] = { "rt_sigreturn on 0xff bytes", "rt_sigreturn on zeros" };
    for (long k = 0; k < 2; k++) {
        int st = run_child(forged[k], forged_frame_child, (void *)k);
        checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "%s kills only that process with SIGSEGV (%s)",
               forged[k], status_str(st));
    }
    const char *tamper[] = { "pstate set to EL1", "an unknown record", "a wrong FP/SIMD size" };
    for (long k = 0; k < 3; k++) {
        if (k == 0 && !on_kenix()) {
            skipf("a frame with pstate EL1 (qemu-user does not check pstate)");
            continue;
        }
        int st = run_child(tamper[k], tampered_frame_child, (void *)k);
        checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
               "a handler's frame with %s: rt_sigreturn gives SIGSEGV (%s)", tamper[k], status_str(st));
    }
    /* Linux, and Kenix since its vDSO has __kernel_rt_sigreturn, return
     * through the vDSO's trampoline: the child carries on and exits 0. */
    int st = run_child("no restorer", no_restorer_child, NULL);
    checkf(st == 0, "a handler installed without SA_RESTORER returns through the vDSO (%s)", status_str(st));
}

/* --- interruption and restart ------------------------------------------------------ */

static void noop(int sig)
{
    (void)sig;
    got_count++;
}

struct blocked_read {
    int flags;        /* of the SIGUSR1 handler */
    int fds[2];
};

/* A child blocks in read() on an empty pipe; the parent signals it, then
 * writes "xyz". With SA_RESTART the read goes on and returns the data; without,
 * it returns EINTR and the data is still there for the next read. */
static int blocked_read_child(void *arg)
{
    struct blocked_read *b = arg;
    got_count = 0;
    install(SIGUSR1, noop, b->flags, 0);
    char buf[8] = { 0 };
    res_t r = res(read(b->fds[0], buf, sizeof(buf)));
    if (b->flags & SA_RESTART) {
        ccheckf(r.ret == 3 && !memcmp(buf, "xyz", 3) && got_count == 1,
                "SA_RESTART: the read was interrupted (handler ran %d), restarted, and returned %s \"%.3s\"", got_count,
                rs(r), buf);
    } else {
        ccheckf(is_err(r, EINTR) && got_count == 1, "without SA_RESTART: read -> %s after the handler", rs(r));
        r = res(read(b->fds[0], buf, sizeof(buf)));
        ccheckf(r.ret == 3 && !memcmp(buf, "xyz", 3), "no byte lost: the next read -> %s \"%.3s\"", rs(r), buf);
    }
    return 0;
}

static void blocked_read(int flags, const char *name)
{
    struct blocked_read b = { .flags = flags };
    pipe(b.fds);
    int rd;
    pid_t pid = start_child(blocked_read_child, &b, &rd);
    sleep_ms(50); /* it is blocked in read by now */
    kill(pid, SIGUSR1);
    sleep_ms(50);
    write(b.fds[1], "xyz", 3);
    finish_child(pid, rd, name);
    close(b.fds[0]);
    close(b.fds[1]);
}

/* A write bigger than the pipe holds blocks once the pipe is full; a signal
 * with a handler then ends it with the count written so far (never EINTR
 * once data moved), SA_RESTART or not. */
static int partial_write_child(void *arg)
{
    int *fds = arg;
    install(SIGUSR1, noop, SA_RESTART, 0);
    static char big[256 * 1024];
    memset(big, 'w', sizeof(big));
    res_t r = res(write(fds[1], big, sizeof(big)));
    ccheckf(r.ret > 0 && r.ret < (long)sizeof(big), "a blocked 256 KiB pipe write interrupted: short count %s",
            rs(r));
    char line[32];
    int n = snprintf(line, sizeof(line), "%ld", r.ret);
    write(fds[3], line, (size_t)n + 1);
    return 0;
}

static void partial_write(void)
{
    int fds[4];
    pipe(fds);
    pipe(fds + 2);
    int rd;
    pid_t pid = start_child(partial_write_child, fds, &rd);
    sleep_ms(80);
    kill(pid, SIGUSR1);
    char line[32] = { 0 };
    read_bounded(fds[2], line, sizeof(line), now_ns() + 5000000000LL);
    long written = atol(line);
    long got = 0;
    char buf[4096];
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    for (;;) {
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n <= 0)
            break;
        got += n;
    }
    checkf(written > 0 && got == written, "the reader finds exactly the bytes the write reported: %ld of %ld", got,
           written);
    finish_child(pid, rd, "partial write");
    for (int i = 0; i < 4; i++)
        close(fds[i]);
}

static int wait_child_fn(void *arg)
{
    int flags = (int)(long)arg;
    got_count = 0;
    install(SIGUSR1, noop, flags, 0);
    fflush(stdout);
    pid_t kid = fork();
    if (kid == 0) {
        sleep_ms(60);
        kill(getppid(), SIGUSR1);
        sleep_ms(60);
        _exit(3);
    }
    int st = 0;
    res_t r = res(waitpid(kid, &st, 0));
    if (flags & SA_RESTART) {
        ccheckf(r.ret == kid && WIFEXITED(st) && WEXITSTATUS(st) == 3 && got_count == 1,
                "SA_RESTART: waitpid interrupted by a handler goes on and reaps the child (%s, %s)", rs(r),
                status_str(st));
    } else {
        ccheckf(is_err(r, EINTR) && got_count == 1, "without SA_RESTART: waitpid -> %s", rs(r));
        r = res(waitpid(kid, &st, 0));
        ccheckf(r.ret == kid && WEXITSTATUS(st) == 3, "then waitpid reaps it (%s)", status_str(st));
    }
    return 0;
}

static int sleep_child_fn(void *arg)
{
    (void)arg;
    got_count = 0;
    install(SIGUSR1, noop, SA_RESTART, 0);
    fflush(stdout);
    pid_t parent = getpid();
    pid_t kid = fork();
    if (kid == 0) {
        sleep_ms(50);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    struct timespec req = { 2, 0 }, rem = { 0, 0 };
    long long t0 = now_ns();
    res_t r = res(nanosleep(&req, &rem));
    long long took = now_ns() - t0;
    /* nanosleep is never restarted after a handler, SA_RESTART or not. */
    ccheckf(is_err(r, EINTR) && got_count == 1 && took < 1000000000LL,
            "nanosleep(2 s) interrupted by a handler -> %s after %lld ms", rs(r), took / 1000000);
    waitpid(kid, NULL, 0);
    return 0;
}

/* --- sigsuspend ---------------------------------------------------------------------- */

static int suspend_child(void *arg)
{
    (void)arg;
    got_count = 0;
    install(SIGUSR1, noop, 0, 0);
    set_mask(BIT(SIGUSR1));
    fflush(stdout);
    pid_t parent = getpid();
    pid_t kid = fork();
    if (kid == 0) {
        /* Ping-pong: each side waits in sigsuspend for the other's signal. A
         * wake-up lost between the check and the sleep would hang. */
        for (int i = 0; i < 300; i++) {
            kill(parent, SIGUSR1);
            sigset_t none;
            sigemptyset(&none);
            sigsuspend(&none);
        }
        _exit(0);
    }
    sigset_t none;
    sigemptyset(&none);
    int ok = 0;
    for (int i = 0; i < 300; i++) {
        res_t r = res(sigsuspend(&none));
        if (is_err(r, EINTR) && raw_mask() == BIT(SIGUSR1))
            ok++;
        kill(kid, SIGUSR1);
    }
    int st = -1;
    waitpid(kid, &st, 0);
    ccheckf(ok == 300 && got_count == 300 && st == 0,
            "300 sigsuspend ping-pongs with a child: each returns EINTR with the old mask back (%d, %d handled, "
            "child %s)",
            ok, got_count, status_str(st));
    ccheckf(is_err(res(syscall(SYS_rt_sigsuspend, (void *)8, 8)), EFAULT), "rt_sigsuspend(0x8) -> EFAULT");
    ccheckf(is_err(res(syscall(SYS_rt_sigsuspend, &none, 4)), EINVAL), "rt_sigsuspend with sigsetsize 4 -> EINVAL");
    return 0;
}

/* --- sigtimedwait, sigqueue ------------------------------------------------------------ */

static void timedwait_and_queue(void)
{
    int rt = SIGRTMIN + 2;
    set_mask(BIT(SIGUSR2) | BIT(rt));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, rt);
    struct timespec zero = { 0, 0 };
    checkf(is_err(res(sigtimedwait(&set, NULL, &zero)), EAGAIN), "sigtimedwait, nothing pending, timeout 0 -> EAGAIN");
    struct timespec t20 = { 0, 20000000 };
    long long t0 = now_ns();
    res_t r = res(sigtimedwait(&set, NULL, &t20));
    long long took = (now_ns() - t0) / 1000000;
    checkf(is_err(r, EAGAIN) && took >= 20 && took <= 40, "timeout 20 ms -> %s after %lld ms", rs(r), took);
    struct timespec bad = { 0, 1000000000 };
    checkf(is_err(res(sigtimedwait(&set, NULL, &bad)), EINVAL), "tv_nsec 10^9 -> EINVAL");

    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR2); /* a standard signal is pending once */
    for (int v = 1; v <= 3; v++)
        sigqueue(getpid(), rt, (union sigval){ .sival_int = v * 11 });
    siginfo_t si;
    r = res(sigtimedwait(&set, &si, &zero));
    checkf(r.ret == SIGUSR2 && si.si_code == SI_USER && si.si_pid == getpid(),
           "sigtimedwait takes SIGUSR2 first (%s, si_code %d)", rs(r), si.si_code);
    int vals[3] = { 0 }, codes_ok = 1;
    for (int i = 0; i < 3; i++) {
        r = res(sigtimedwait(&set, &si, &zero));
        vals[i] = r.ret == rt ? si.si_value.sival_int : -1;
        codes_ok &= si.si_code == SI_QUEUE && si.si_pid == getpid();
    }
    checkf(vals[0] == 11 && vals[1] == 22 && vals[2] == 33 && codes_ok,
           "three sigqueue'd SIGRTMIN+2 arrive in order with their values (%d %d %d), SI_QUEUE", vals[0], vals[1],
           vals[2]);
    checkf(is_err(res(sigtimedwait(&set, &si, &zero)), EAGAIN), "SIGUSR2 sent twice was pending once: nothing left");

    /* RLIMIT_SIGPENDING bounds the queue: sigqueue gets EAGAIN past it. */
    struct rlimit old, lim = { 4, 4 };
    getrlimit(RLIMIT_SIGPENDING, &old);
    setrlimit(RLIMIT_SIGPENDING, &lim);
    int sent = 0;
    res_t last = { 0, 0 };
    for (int i = 0; i < 10; i++) {
        last = res(sigqueue(getpid(), rt, (union sigval){ .sival_int = i }));
        if (last.ret == 0)
            sent++;
    }
    if (on_kenix())
        checkf(sent == 4 && is_err(last, EAGAIN), "RLIMIT_SIGPENDING 4: 4 queued, then sigqueue -> %s", rs(last));
    else
        skipf("RLIMIT_SIGPENDING (qemu-user queues signals itself)");
    while (sigtimedwait(&set, NULL, &zero) > 0)
        ;
    setrlimit(RLIMIT_SIGPENDING, &old);

    /* Pretending to be the kernel or kill() to another process is refused. */
    siginfo_t forged = { 0 };
    forged.si_code = SI_USER;
    checkf(is_err(res(syscall(SYS_rt_sigqueueinfo, getppid(), SIGCHLD, &forged)), EPERM),
           "rt_sigqueueinfo with si_code SI_USER to another process -> EPERM");
    checkf(is_err(res(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, (void *)8)), EFAULT),
           "rt_sigqueueinfo with info at 0x8 -> EFAULT");
    checkf(is_err(res(syscall(SYS_rt_sigqueueinfo, getpid(), 65, &forged)), EINVAL), "rt_sigqueueinfo(65) -> EINVAL");
    set_mask(0);
}

static int timedwait_interrupted_child(void *arg)
{
    (void)arg;
    got_count = 0;
    install(SIGUSR1, noop, SA_RESTART, 0);
    set_mask(BIT(SIGUSR2));
    fflush(stdout);
    pid_t parent = getpid();
    pid_t kid = fork();
    if (kid == 0) {
        sleep_ms(40);
        kill(parent, SIGUSR2); /* what it waits for: taken, no handler */
        sleep_ms(40);
        kill(parent, SIGUSR1); /* another signal: EINTR, even with SA_RESTART */
        _exit(0);
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    struct timespec t = { 3, 0 };
    siginfo_t si;
    res_t r = res(sigtimedwait(&set, &si, &t));
    ccheckf(r.ret == SIGUSR2 && si.si_pid == kid, "sigtimedwait gets SIGUSR2 from the child (%s)", rs(r));
    /* The raw call: musl's sigtimedwait() retries on EINTR. */
    r = res(syscall(SYS_rt_sigtimedwait, &set, &si, &t, 8));
    ccheckf(is_err(r, EINTR) && got_count == 1, "a handled signal ends rt_sigtimedwait with EINTR (%s)", rs(r));
    waitpid(kid, NULL, 0);
    return 0;
}

/* --- sigaltstack --------------------------------------------------------------------- */

static char *alt_base;
static size_t alt_size;
static volatile int on_alt, ss_flags_inside;

static void alt_handler(int sig)
{
    (void)sig;
    char here;
    on_alt = (char *)&here >= alt_base && (char *)&here < alt_base + alt_size;
    stack_t cur;
    sigaltstack(NULL, &cur);
    ss_flags_inside = cur.ss_flags;
    stack_t other = { .ss_sp = alt_base, .ss_size = alt_size };
    got_count = sigaltstack(&other, NULL) == -1 && errno == EPERM ? 1 : -1;
}

static volatile int recursion_depth;

static int recurse(int n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    recursion_depth = n;
    if (n < 0) /* never: the stack runs out first */
        return 0;
    return recurse(n + 1) + pad[0];
}

static void overflow_handler(int sig)
{
    char here;
    _exit(sig == SIGSEGV && &here >= alt_base && &here < alt_base + alt_size ? 42 : 43);
}

static int overflow_child(void *arg)
{
    (void)arg;
    alt_size = 64 * 1024;
    alt_base = malloc(alt_size);
    stack_t ss = { .ss_sp = alt_base, .ss_size = alt_size };
    sigaltstack(&ss, NULL);
    install(SIGSEGV, overflow_handler, SA_ONSTACK, 0);
    return recurse(0);
}

static void altstack(void)
{
    stack_t cur;
    checkf(sigaltstack(NULL, &cur) == 0 && cur.ss_flags == SS_DISABLE, "no alternate stack at first (SS_DISABLE)");
    alt_size = 32 * 1024;
    alt_base = malloc(alt_size);
    stack_t ss = { .ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0 };
    stack_t small = { .ss_sp = alt_base, .ss_size = 4096 };
    if (on_kenix())
        checkf(is_err(res(syscall(SYS_sigaltstack, &small, NULL)), ENOMEM), "a 4 KiB alternate stack -> ENOMEM");
    else
        skipf("a 4 KiB alternate stack (qemu-user has its own minimum)");
    stack_t weird = { .ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0x10 };
    checkf(is_err(res(sigaltstack(&weird, NULL)), EINVAL), "ss_flags 0x10 -> EINVAL");
    checkf(is_err(res(syscall(SYS_sigaltstack, (void *)8, NULL)), EFAULT), "ss at 0x8 -> EFAULT");
    checkf(sigaltstack(&ss, NULL) == 0, "sigaltstack(32 KiB)");
    sigaltstack(NULL, &cur);
    checkf(cur.ss_sp == alt_base && cur.ss_size == alt_size && cur.ss_flags == 0, "it reads back (flags %d)",
           cur.ss_flags);
    install(SIGUSR1, alt_handler, SA_ONSTACK, 0);
    on_alt = 0;
    kill(getpid(), SIGUSR1);
    checkf(on_alt && ss_flags_inside == SS_ONSTACK && got_count == 1,
           "SA_ONSTACK: the handler runs on it, sees SS_ONSTACK, and may not change it (EPERM)");
    install(SIGUSR1, alt_handler, 0, 0);
    kill(getpid(), SIGUSR1);
    checkf(!on_alt, "without SA_ONSTACK the handler runs on the normal stack");
    stack_t off = { .ss_flags = SS_DISABLE };
    sigaltstack(&off, NULL);
    sigaltstack(NULL, &cur);
    checkf(cur.ss_flags == SS_DISABLE, "SS_DISABLE turns it off");
    signal(SIGUSR1, SIG_DFL);

    int st = run_child("stack overflow", overflow_child, NULL);
    checkf(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 42,
           "infinite recursion: the SIGSEGV handler runs on the alternate stack (%s)", status_str(st));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    handlers_basic();
    sigaction_errors();
    nesting();
    int st = run_child("SA_RESETHAND", resethand_child, NULL);
    checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1, "SA_RESETHAND: the second SIGUSR1 kills (%s)",
           status_str(st));
    registers_preserved(0, "plain handler");
    registers_preserved(SA_SIGINFO, "SA_SIGINFO handler");
    run_child_ok("SIGSEGV fixed by the handler", segv_fix_child, NULL);
    run_child_ok("SIGSEGV escaped with siglongjmp", segv_maperr_child, NULL);
    run_child_ok("SIGILL and SIGTRAP", ill_trap_child, NULL);
    st = run_child("blocked SIGSEGV", unhandled_fault_child, NULL);
    checkf(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a fault with SIGSEGV blocked kills (%s)",
           status_str(st));
    frames();
    blocked_read(SA_RESTART, "pipe read, SA_RESTART");
    blocked_read(0, "pipe read, no SA_RESTART");
    partial_write();
    run_child_ok("waitpid, SA_RESTART", wait_child_fn, (void *)(long)SA_RESTART);
    run_child_ok("waitpid, no SA_RESTART", wait_child_fn, (void *)0L);
    run_child_ok("nanosleep and a handler", sleep_child_fn, NULL);
    run_child_ok("sigsuspend", suspend_child, NULL);
    timedwait_and_queue();
    run_child_ok("sigtimedwait interrupted", timedwait_interrupted_child, NULL);
    altstack();
    return check_summary();
}
