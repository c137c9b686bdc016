/*
 * The vDSO (kernel/vdso/), as Linux's arm64 one behaves:
 *   - AT_SYSINFO_EHDR points at an ELF shared object whose DT_HASH table
 *     finds __kernel_clock_gettime, __kernel_gettimeofday and
 *     __kernel_clock_getres with version LINUX_2.6.39 (what musl looks up);
 *   - its clocks and the system call's, interleaved 10,000 times, never go
 *     backwards and agree within a tick; each clock id against the system
 *     call; gettimeofday and clock_getres against theirs;
 *   - what it does not answer (CPU-time clocks, bad ids, NULL and kernel
 *     pointers) comes back exactly as from the system call;
 *   - CLOCK_REALTIME follows clock_settime at once (Kenix only: on a host
 *     the clock is the host's), in this process and a forked one;
 *   - it works in a fork child and after execve; its pages cannot be
 *     written (SIGSEGV) nor made writable, and a process that unmaps it or
 *     maps over it changes nothing for anyone else.
 * Under qemu-user (QEMU 7.2 gives no vDSO) the vDSO's own cases are skipped.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "posix_test.h"

#define TICK_NS 10000000LL /* Kenix's tick: 100 Hz */
#define ROUNDS 10000
#define PAGE 4096UL

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);

static const unsigned char *vdso; /* AT_SYSINFO_EHDR, or NULL */
static gettime_fn vdso_gettime, vdso_getres;
static gettimeofday_fn vdso_gettimeofday;
static const void *vdso_sigreturn; /* __kernel_rt_sigreturn */

static long long ns_of(const struct timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* The raw system call, errno-style: ret -1 and err set on failure. */
static res_t sys_gettime(clockid_t c, struct timespec *t)
{
    return res(syscall(SYS_clock_gettime, c, t));
}

/* A vDSO function's result (0 or -errno) as a res_t. */
static res_t vres(int r)
{
    res_t x = { r < 0 ? -1 : r, r < 0 ? -r : 0 };
    return x;
}

/* --- finding symbols: the ELF walk a C library does ------------------------------ */

static unsigned long sysv_hash(const char *s)
{
    unsigned long h = 0;
    for (; *s; s++) {
        h = (h << 4) + (unsigned char)*s;
        unsigned long g = h & 0xf0000000;
        if (g)
            h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

struct dso {
    uintptr_t bias;
    const Elf64_Word *hash;
    const Elf64_Sym *syms;
    const char *strs;
    const Elf64_Half *versym;
    const Elf64_Verdef *verdef;
};

static bool dso_open(const unsigned char *base, struct dso *d)
{
    const Elf64_Ehdr *eh = (const void *)base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_DYN)
        return false;
    const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    bool have_load = false;
    memset(d, 0, sizeof(*d));
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            d->bias = (uintptr_t)base + ph[i].p_offset - ph[i].p_vaddr;
            have_load = true;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const void *)(base + ph[i].p_offset);
        }
    }
    if (!have_load || !dyn)
        return false;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        const void *p = (const void *)(d->bias + dyn->d_un.d_ptr);
        switch (dyn->d_tag) {
        case DT_HASH: d->hash = p; break;
        case DT_SYMTAB: d->syms = p; break;
        case DT_STRTAB: d->strs = p; break;
        case DT_VERSYM: d->versym = p; break;
        case DT_VERDEF: d->verdef = p; break;
        }
    }
    return d->hash && d->syms && d->strs && d->versym && d->verdef;
}

static bool has_version(const struct dso *d, unsigned sym, const char *version)
{
    unsigned want = d->versym[sym] & 0x7fff;
    for (const Elf64_Verdef *v = d->verdef;; v = (const void *)((const char *)v + v->vd_next)) {
        if (!(v->vd_flags & VER_FLG_BASE) && v->vd_ndx == want) {
            const Elf64_Verdaux *aux = (const void *)((const char *)v + v->vd_aux);
            return strcmp(d->strs + aux->vda_name, version) == 0;
        }
        if (!v->vd_next)
            return false;
    }
}

/* Looked up through the hash table's bucket and chain, not by a scan: the
 * table itself is under test. */
static void *dso_sym(const struct dso *d, const char *name, const char *version)
{
    Elf64_Word nbucket = d->hash[0];
    const Elf64_Word *bucket = d->hash + 2, *chain = bucket + nbucket;
    for (Elf64_Word i = bucket[sysv_hash(name) % nbucket]; i; i = chain[i]) {
        const Elf64_Sym *s = &d->syms[i];
        if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_shndx != SHN_UNDEF &&
            strcmp(d->strs + s->st_name, name) == 0 && has_version(d, i, version))
            return (void *)(d->bias + s->st_value);
    }
    return NULL;
}

static void find_vdso(void)
{
    vdso = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
    if (!vdso) {
        kcheckf(false, "AT_SYSINFO_EHDR is given");
        skipf("no vDSO here (qemu-user 7.2 gives none): its own cases are skipped");
        return;
    }
    ccheckf(true, "AT_SYSINFO_EHDR is given (%p)", (const void *)vdso);
    struct dso d;
    if (!ccheckf(dso_open(vdso, &d), "it is an ELF shared object with DT_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM, DT_VERDEF")) {
        vdso = NULL;
        return;
    }
    vdso_gettime = (gettime_fn)dso_sym(&d, "__kernel_clock_gettime", "LINUX_2.6.39");
    vdso_gettimeofday = (gettimeofday_fn)dso_sym(&d, "__kernel_gettimeofday", "LINUX_2.6.39");
    vdso_getres = (gettime_fn)dso_sym(&d, "__kernel_clock_getres", "LINUX_2.6.39");
    ccheckf(vdso_gettime && vdso_gettimeofday && vdso_getres,
            "__kernel_clock_gettime, __kernel_gettimeofday, __kernel_clock_getres found with version LINUX_2.6.39");
    ccheckf(!dso_sym(&d, "__kernel_clock_gettime", "LINUX_2.6"), "and not under another version");
    vdso_sigreturn = dso_sym(&d, "__kernel_rt_sigreturn", "LINUX_2.6.39");
    ccheckf(vdso_sigreturn != NULL, "__kernel_rt_sigreturn found with version LINUX_2.6.39");
    if (!vdso_gettime || !vdso_gettimeofday || !vdso_getres)
        vdso = NULL;
}

/* --- the clocks against the system call ------------------------------------------- */

/* get() and the system call in turn, ROUNDS times: every reading at least the
 * one before, and the system call's within a tick after get()'s in all but a
 * few pairs (a host that stalls QEMU shows as a long gap in guest time). */
static void interleave(const char *what, clockid_t c, gettime_fn get)
{
    long long prev = 0, max_gap = 0;
    int back = 0, far = 0, errors = 0;
    for (int i = 0; i < ROUNDS; i++) {
        struct timespec a, b;
        if (get(c, &a) != 0 || sys_gettime(c, &b).ret != 0) {
            errors++;
            continue;
        }
        long long x = ns_of(&a), y = ns_of(&b);
        if (x < prev || y < x)
            back++;
        if (y - x > TICK_NS)
            far++;
        if (y - x > max_gap)
            max_gap = y - x;
        prev = y;
    }
    ccheckf(!errors && !back && far <= ROUNDS / 100,
            "%s, clock %d, and the system call interleaved %d times: %d errors, %d steps back, %d pairs more than a "
            "tick apart (largest gap %lld ns)",
            what, (int)c, ROUNDS, errors, back, far, max_gap);
}

static int libc_gettime(clockid_t c, struct timespec *t)
{
    return clock_gettime(c, t);
}

static void clocks_agree(void)
{
    interleave("libc clock_gettime", CLOCK_MONOTONIC, libc_gettime);
    interleave("libc clock_gettime", CLOCK_REALTIME, libc_gettime);
    if (!vdso)
        return;
    static const clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
                                     CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        interleave("__kernel_clock_gettime", ids[i], vdso_gettime);
}

/* Does the C library's clock_gettime stay out of the kernel? Then 1,000 of
 * its calls cost well under 1,000 getppid calls (best of five batches each). */
static void libc_uses_vdso(void)
{
    long long best_libc = -1, best_sys = -1;
    for (int round = 0; round < 5; round++) {
        struct timespec t;
        long long s = now_ns();
        for (int i = 0; i < 1000; i++)
            clock_gettime(CLOCK_MONOTONIC, &t);
        long long libc = now_ns() - s;
        s = now_ns();
        for (int i = 0; i < 1000; i++)
            syscall(SYS_getppid);
        long long sys = now_ns() - s;
        if (best_libc < 0 || libc < best_libc)
            best_libc = libc;
        if (best_sys < 0 || sys < best_sys)
            best_sys = sys;
    }
    kcheckf(best_libc * 2 < best_sys, "libc's clock_gettime costs under half a null system call: %lld vs %lld ns per 1000",
            best_libc, best_sys);
}

/* --- what goes to the system call -------------------------------------------------- */

static void same_result(const char *what, res_t got, res_t want)
{
    ccheckf(got.ret == want.ret && got.err == want.err, "%s -> %s (system call: %s)", what, rs(got), rs(want));
}

#define KERNEL_ADDRESS ((struct timespec *)0xffff000000001000UL)

static void fallbacks(void)
{
    struct timespec a, b;
    /* CPU time: through the system call, and it moves on. */
    res_t r1 = res(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
    res_t r2 = sys_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    ccheckf(r1.ret == 0 && r2.ret == 0 && ns_of(&b) >= ns_of(&a), "CLOCK_PROCESS_CPUTIME_ID: libc %s, system call %s, %lld then %lld",
            rs(r1), rs(r2), ns_of(&a), ns_of(&b));
    static const clockid_t bad_ids[] = { 12345, -1, 100, 32, 10 };
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "clock_gettime(clock %d)", (int)bad_ids[i]);
        same_result(what, res(clock_gettime(bad_ids[i], &a)), sys_gettime(bad_ids[i], &b));
    }
    same_result("clock_gettime(CLOCK_MONOTONIC, NULL)", res(clock_gettime(CLOCK_MONOTONIC, NULL)),
                sys_gettime(CLOCK_MONOTONIC, NULL));
    same_result("clock_gettime(CLOCK_REALTIME, kernel address)", res(clock_gettime(CLOCK_REALTIME, KERNEL_ADDRESS)),
                sys_gettime(CLOCK_REALTIME, KERNEL_ADDRESS));
    same_result("clock_gettime(CLOCK_PROCESS_CPUTIME_ID, NULL)", res(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, NULL)),
                sys_gettime(CLOCK_PROCESS_CPUTIME_ID, NULL));
    if (!vdso)
        return;
    same_result("__kernel_clock_gettime(clock 12345)", vres(vdso_gettime(12345, &a)), sys_gettime(12345, &b));
    same_result("__kernel_clock_gettime(CLOCK_THREAD_CPUTIME_ID)", vres(vdso_gettime(CLOCK_THREAD_CPUTIME_ID, &a)),
                sys_gettime(CLOCK_THREAD_CPUTIME_ID, &b));
    same_result("__kernel_clock_gettime(CLOCK_MONOTONIC, NULL)", vres(vdso_gettime(CLOCK_MONOTONIC, NULL)),
                sys_gettime(CLOCK_MONOTONIC, NULL));
    same_result("__kernel_clock_gettime(CLOCK_BOOTTIME, kernel address)",
                vres(vdso_gettime(CLOCK_BOOTTIME, KERNEL_ADDRESS)), sys_gettime(CLOCK_BOOTTIME, KERNEL_ADDRESS));

    /* clock_getres: every id as the system call answers it (the C library asks the kernel). */
    for (clockid_t c = -1; c <= 12; c++) {
        struct timespec x = { -1, -1 }, y = { -2, -2 };
        res_t v = vres(vdso_getres(c, &x)), s = res(syscall(SYS_clock_getres, c, &y));
        ccheckf(v.ret == s.ret && v.err == s.err && (v.ret != 0 || (x.tv_sec == y.tv_sec && x.tv_nsec == y.tv_nsec)),
                "__kernel_clock_getres(clock %d) -> %s {%lld, %lld} (system call: %s {%lld, %lld})", (int)c, rs(v),
                (long long)x.tv_sec, (long long)x.tv_nsec, rs(s), (long long)y.tv_sec, (long long)y.tv_nsec);
    }
    same_result("__kernel_clock_getres(CLOCK_MONOTONIC, NULL)", vres(vdso_getres(CLOCK_MONOTONIC, NULL)),
                res(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL)));
    same_result("__kernel_clock_getres(CLOCK_MONOTONIC, kernel address)",
                vres(vdso_getres(CLOCK_MONOTONIC, KERNEL_ADDRESS)),
                res(syscall(SYS_clock_getres, CLOCK_MONOTONIC, KERNEL_ADDRESS)));

    /* gettimeofday: the realtime clock in microseconds, the zone zero. */
    struct timeval tv;
    struct { int minuteswest, dsttime; } tz = { 99, 99 };
    sys_gettime(CLOCK_REALTIME, &a);
    int r = vdso_gettimeofday(&tv, &tz);
    sys_gettime(CLOCK_REALTIME, &b);
    long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
    ccheckf(r == 0 && us >= ns_of(&a) / 1000 && us <= ns_of(&b) / 1000 && tz.minuteswest == 0 && tz.dsttime == 0,
            "__kernel_gettimeofday -> %d, %lld us between the system call's %lld and %lld, zone {%d, %d}", r, us,
            ns_of(&a) / 1000, ns_of(&b) / 1000, tz.minuteswest, tz.dsttime);
    ccheckf(vdso_gettimeofday(NULL, NULL) == 0, "__kernel_gettimeofday(NULL, NULL) -> 0");
    same_result("__kernel_gettimeofday(kernel address, NULL)", vres(vdso_gettimeofday((void *)KERNEL_ADDRESS, NULL)),
                res(syscall(SYS_gettimeofday, KERNEL_ADDRESS, NULL)));
}

/* --- setting the clock -------------------------------------------------------------- */

static bool near(long long got, long long want)
{
    return got >= want && got - want < TICK_NS;
}

static int realtime_in_child(void *arg)
{
    long long want = *(long long *)arg;
    struct timespec t;
    vdso_gettime(CLOCK_REALTIME, &t);
    /* Within a second: a fork and a switch lie between, and under TCG on a
     * loaded host they take more than a tick; the old time is decades away. */
    ccheckf(ns_of(&t) >= want && ns_of(&t) - want < 1000000000LL,
            "a forked child reads the set time through the vDSO: %lld (set %lld)", ns_of(&t), want);
    return 0;
}

static void settime(void)
{
    if (!on_kenix() || !vdso) {
        skipf("(Kenix only) CLOCK_REALTIME set through clock_settime: on a host it is the host's");
        return;
    }
    struct timespec saved, mono0, set = { .tv_sec = 2000000000, .tv_nsec = 123456789 }, a, b, m;
    clock_gettime(CLOCK_REALTIME, &saved);
    clock_gettime(CLOCK_MONOTONIC, &mono0);
    res_t r = res(clock_settime(CLOCK_REALTIME, &set));
    vdso_gettime(CLOCK_REALTIME, &a);
    clock_gettime(CLOCK_REALTIME, &b);
    ccheckf(r.ret == 0 && near(ns_of(&a), ns_of(&set)) && ns_of(&b) >= ns_of(&a),
            "clock_settime(2000000000.123456789) -> %s: the vDSO reads %lld, libc then %lld", rs(r), ns_of(&a), ns_of(&b));
    struct timeval tv;
    vdso_gettimeofday(&tv, NULL);
    ccheckf(tv.tv_sec == 2000000000, "__kernel_gettimeofday follows: %lld s", (long long)tv.tv_sec);
    clock_gettime(CLOCK_MONOTONIC, &m);
    ccheckf(ns_of(&m) >= ns_of(&mono0) && ns_of(&m) - ns_of(&mono0) < 100 * TICK_NS,
            "CLOCK_MONOTONIC did not move with it (%lld ns later)", ns_of(&m) - ns_of(&mono0));
    long long want = ns_of(&set);
    run_child_ok("realtime in a child", realtime_in_child, &want);
    /* A time before the epoch cannot be set; the offset may still go below
     * the monotonic clock (a time earlier than the uptime). */
    struct timespec early = { .tv_sec = 1, .tv_nsec = 0 };
    r = res(clock_settime(CLOCK_REALTIME, &early));
    vdso_gettime(CLOCK_REALTIME, &a);
    ccheckf(r.ret == 0 && near(ns_of(&a), 1000000000LL), "clock_settime(1 s) -> %s: the vDSO reads %lld", rs(r), ns_of(&a));
    /* Back to where it was, plus the time this took. */
    clock_gettime(CLOCK_MONOTONIC, &m);
    long long back = ns_of(&saved) + (ns_of(&m) - ns_of(&mono0));
    struct timespec restore = { .tv_sec = back / 1000000000LL, .tv_nsec = back % 1000000000LL };
    r = res(clock_settime(CLOCK_REALTIME, &restore));
    vdso_gettime(CLOCK_REALTIME, &a);
    ccheckf(r.ret == 0 && near(ns_of(&a), back), "restored -> %s (%lld)", rs(r), ns_of(&a));
}

/* --- fork, exec, protection ----------------------------------------------------------- */

static int in_child(void *arg)
{
    (void)arg;
    ccheckf(getauxval(AT_SYSINFO_EHDR) == (unsigned long)vdso, "a forked child has the same AT_SYSINFO_EHDR");
    interleave("in a forked child, __kernel_clock_gettime", CLOCK_MONOTONIC, vdso_gettime);
    return 0;
}

/* The program run again by execve (--after-exec FD): checks what a new image has. */
static int after_exec(int fd)
{
    report_fd = fd;
    find_vdso(); /* its lines count in the parent */
    ccheckf(vdso != NULL, "after execve: a vDSO, found as before");
    if (vdso)
        interleave("after execve, __kernel_clock_gettime", CLOCK_MONOTONIC, vdso_gettime);
    interleave("after execve, libc clock_gettime", CLOCK_MONOTONIC, libc_gettime);
    return 0;
}

static const char *self_path;

static int exec_self(void *arg)
{
    (void)arg;
    int fd = dup(report_fd); /* the report pipe is close-on-exec; its copy is not */
    char num[16];
    snprintf(num, sizeof(num), "%d", fd);
    char *const argv[] = { (char *)self_path, "--after-exec", num, NULL };
    execv(self_path, argv);
    ccheckf(false, "execve %s -> %s", self_path, rs(res(-1)));
    return 1;
}

static sigjmp_buf fault_jump;
static volatile sig_atomic_t faults;

static void on_segv(int sig)
{
    (void)sig;
    faults++;
    siglongjmp(fault_jump, 1);
}

/* Does a one-byte store at p raise SIGSEGV (the byte unchanged)? */
static bool store_faults(volatile unsigned char *p)
{
    struct sigaction sa = { .sa_handler = on_segv }, old;
    sigaction(SIGSEGV, &sa, &old);
    int before = faults;
    unsigned char v = *p;
    if (!sigsetjmp(fault_jump, 1))
        *p = (unsigned char)(v ^ 0xff);
    sigaction(SIGSEGV, &old, NULL);
    return faults == before + 1 && *p == v;
}

/* A child that unmaps the vDSO (and the data page) and one that maps over it. */
static int unmap_child(void *arg)
{
    (void)arg;
    uintptr_t base = (uintptr_t)vdso;
    res_t r = res(munmap((void *)(base - PAGE), 2 * PAGE));
    struct timespec t;
    ccheckf(r.ret == 0 && sys_gettime(CLOCK_MONOTONIC, &t).ret == 0,
            "munmap of the vDSO and its data page in a child -> %s; the system call still answers", rs(r));
    return 0;
}

static int overmap_child(void *arg)
{
    (void)arg;
    void *p = mmap((void *)vdso, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    bool ok = p == (void *)vdso;
    if (ok)
        memset(p, 0x5a, PAGE); /* this process's own page now */
    ccheckf(ok && ((unsigned char *)p)[0] == 0x5a, "MAP_FIXED anonymous memory over the vDSO in a child, written");
    return 0;
}

static void protection(void)
{
    if (!vdso)
        return;
    unsigned char first[64];
    memcpy(first, vdso, sizeof(first));
    ccheckf(store_faults((volatile unsigned char *)vdso + 0x10), "a store to the vDSO's code page raises SIGSEGV");
    if (on_kenix()) {
        volatile unsigned char *data = (volatile unsigned char *)vdso - PAGE;
        kcheckf(store_faults(data), "a store to the data page raises SIGSEGV");
        res_t r = res(mprotect((void *)(vdso - PAGE), PAGE, PROT_READ | PROT_WRITE));
        kcheckf(is_err(r, EACCES), "mprotect(data page, PROT_READ | PROT_WRITE) -> %s (expected EACCES)", rs(r));
        r = res(mprotect((void *)vdso, PAGE, PROT_READ | PROT_WRITE));
        kcheckf(is_err(r, EACCES), "mprotect(vDSO, PROT_READ | PROT_WRITE) -> %s (expected EACCES: Linux makes a copy)",
                rs(r));
    }
    run_child_ok("vDSO unmapped in a child", unmap_child, NULL);
    run_child_ok("memory mapped over the vDSO in a child", overmap_child, NULL);
    struct timespec t;
    ccheckf(memcmp(first, vdso, sizeof(first)) == 0 && vdso_gettime(CLOCK_MONOTONIC, &t) == 0,
            "the parent's vDSO is untouched by what its children did, and still answers");
    run_child_ok("forked child", in_child, NULL);
    if (on_kenix() || access(self_path, X_OK) == 0)
        run_child_ok("execve of this program", exec_self, NULL);
}

/* --- signal return through the vDSO ------------------------------------------------ */

/* The kernel's struct sigaction on arm64, for a handler installed as glibc
 * installs it there: without SA_RESTORER. */
struct k_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static volatile sig_atomic_t tramp_calls;
static volatile uintptr_t tramp_return; /* the handler's return address */

static void tramp_handler(int sig)
{
    (void)sig;
    tramp_calls++;
    tramp_return = (uintptr_t)__builtin_return_address(0);
}

static void sigreturn_trampoline(void)
{
    struct k_sigaction ka = { tramp_handler, 0, NULL, 0 }, old;
    long r = syscall(SYS_rt_sigaction, SIGUSR2, &ka, &old, 8);
    ccheckf(r == 0, "rt_sigaction without SA_RESTORER: %ld", r);
    volatile int before = 17;
    for (int i = 0; i < 3; i++)
        raise(SIGUSR2);
    ccheckf(tramp_calls == 3 && before == 17,
            "a handler installed without SA_RESTORER runs and returns to the interrupted code, 3 times of 3 (%d)",
            (int)tramp_calls);
    if (vdso_sigreturn)
        ccheckf(tramp_return == (uintptr_t)vdso_sigreturn,
                "it returns through the vDSO's __kernel_rt_sigreturn (%#lx, the symbol at %p)",
                (unsigned long)tramp_return, vdso_sigreturn);
    sigset_t set, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    ccheckf(!sigismember(&cur, SIGUSR2), "and the signal mask is restored after it (SIGUSR2 not left blocked)");
    syscall(SYS_rt_sigaction, SIGUSR2, &old, NULL, 8);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--after-exec") == 0)
        return after_exec(atoi(argv[2]));
    self_path = argv[0][0] == '/' ? argv[0] : "/bin/test_vdso";
    find_vdso();
    clocks_agree();
    if (vdso)
        libc_uses_vdso();
    fallbacks();
    settime();
    protection();
    sigreturn_trampoline();
    return check_summary();
}
