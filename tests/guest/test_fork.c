/*
 * fork and wait with Linux's semantics: return values and ids, copy-on-write
 * isolation (and, on Kenix, that untouched pages stay shared: free memory),
 * vfork as clone(CLONE_VM|CLONE_VFORK), every form of wait4 and waitid and
 * the status encodings, rusage, zombies, orphans adopted by init, and 1000
 * fork/exit/wait rounds that must leave free memory as it was (Kenix).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "posix_test.h"

#define MIB (1024 * 1024)

/* --- fork's results ---------------------------------------------------------- */

static void ids(void)
{
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (getpid() != parent) { /* the child, whatever fork returned here */
        long ids[3] = { pid, getpid(), getppid() };
        write(p[1], ids, sizeof(ids));
        _exit(0);
    }
    close(p[1]);
    long got[3] = { -1, -1, -1 };
    size_t n = read_bounded(p[0], got, sizeof(got), now_ns() + CHILD_DEADLINE_NS);
    int st;
    reap(pid, &st);
    close(p[0]);
    checkf(n == sizeof(got) && got[0] == 0, "fork returns 0 in the child: %ld", got[0]);
    checkf(pid > 0 && pid != parent, "fork returns the child's pid in the parent: %d (parent %d)", pid, parent);
    checkf(n == sizeof(got) && got[1] == pid, "the child's getpid: %ld (= fork's result %d)", got[1], pid);
    checkf(n == sizeof(got) && got[2] == parent, "the child's getppid: %ld (= the parent %d)", got[2], parent);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child: %s", status_str(st));
}

/* --- copy-on-write ------------------------------------------------------------- */

struct cow {
    unsigned char *heap, *map, *small;
};

static void fill(unsigned char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(i * seed + (i >> 12));
}

static size_t differs(const unsigned char *b, size_t n, unsigned seed)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += b[i] != (unsigned char)(i * seed + (i >> 12));
    return bad;
}

static int cow_child(void *arg)
{
    struct cow *c = arg;
    size_t b1 = differs(c->heap, MIB, 3), b2 = differs(c->map, MIB, 5), b3 = differs(c->small, 100, 7);
    ccheckf(!b1 && !b2 && !b3, "child sees the parent's patterns (malloc 1 MiB, mmap 1 MiB, malloc 100): %zu, %zu, %zu wrong",
            b1, b2, b3);
    fill(c->heap, MIB, 11);
    fill(c->map, MIB, 13);
    fill(c->small, 100, 17);
    b1 = differs(c->heap, MIB, 11);
    b2 = differs(c->map, MIB, 13);
    b3 = differs(c->small, 100, 17);
    ccheckf(!b1 && !b2 && !b3, "child writes its own patterns and reads them back: %zu, %zu, %zu wrong", b1, b2, b3);
    return 0;
}

static unsigned char shared_page[4096] __attribute__((aligned(4096)));

static void copy_on_write(void)
{
    struct cow c = {
        malloc(MIB),
        mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
        malloc(100),
    };
    if (!c.heap || c.map == MAP_FAILED || !c.small) {
        check(false, "copy-on-write: no memory for the buffers");
        return;
    }
    fill(c.heap, MIB, 3);
    fill(c.map, MIB, 5);
    fill(c.small, 100, 7);
    run_child_ok("copy-on-write", cow_child, &c);
    size_t b1 = differs(c.heap, MIB, 3), b2 = differs(c.map, MIB, 5), b3 = differs(c.small, 100, 7);
    checkf(!b1 && !b2 && !b3, "after the child exited, the parent's patterns are intact: %zu, %zu, %zu wrong", b1, b2, b3);
    free(c.heap);
    munmap(c.map, MIB);
    free(c.small);

    /* both write the same page after fork: each sees its own */
    int go[2], rep[2];
    pipe(go);
    pipe(rep);
    shared_page[0] = 'A';
    shared_page[4095] = 'A';
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(go[1]);
        char x;
        read(go[0], &x, 1); /* the parent has written its byte */
        char seen[3] = { (char)shared_page[0], 0, 0 };
        shared_page[0] = 'C';
        seen[1] = (char)shared_page[0];
        seen[2] = (char)shared_page[4095];
        write(rep[1], seen, 3);
        _exit(0);
    }
    close(go[0]);
    close(rep[1]);
    shared_page[0] = 'P';
    write(go[1], "g", 1);
    char seen[3] = { 0 };
    size_t n = read_bounded(rep[0], seen, 3, now_ns() + CHILD_DEADLINE_NS);
    int st;
    reap(pid, &st);
    checkf(n == 3 && seen[0] == 'A' && seen[1] == 'C' && seen[2] == 'A',
           "same page: the child does not see the parent's write ('%c'), sees its own ('%c')", seen[0], seen[1]);
    checkf(shared_page[0] == 'P' && shared_page[4095] == 'A', "and the parent keeps its own ('%c') after the child's",
           shared_page[0]);
    close(go[1]);
    close(rep[0]);
}

/* Kenix: pages are shared until written (free memory tells). */
static void sharing(void)
{
    size_t size = 8 * MIB;
    unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        check(false, "sharing: mmap of 8 MiB failed");
        return;
    }
    for (size_t i = 0; i < size; i += 4096)
        m[i] = 1;
    int go[2], rep[2];
    pipe(go);
    pipe(rep);
    fflush(stdout);
    long long f0 = (long long)free_ram();
    pid_t pid = fork();
    if (pid == 0) {
        close(go[1]);
        char x;
        if (read(go[0], &x, 1) != 1)
            _exit(1);
        for (size_t i = 0; i < size; i += 4096)
            m[i] = 2;
        long long f2 = (long long)free_ram();
        write(rep[1], &f2, sizeof(f2));
        _exit(0);
    }
    close(go[0]);
    close(rep[1]);
    sched_yield();
    long long f1 = (long long)free_ram();
    write(go[1], "w", 1);
    long long f2 = 0;
    size_t n = read_bounded(rep[0], &f2, sizeof(f2), now_ns() + CHILD_DEADLINE_NS);
    int st;
    reap(pid, &st);
    checkf(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && n == sizeof(f2),
           "8 MiB touched, fork: the child wrote all of it and reported (%s)", status_str(st));
    kcheckf(f0 - f1 < 2 * MIB, "while the child has written nothing, free memory dropped by %lld KiB (< 2048 KiB)",
            (f0 - f1) / 1024);
    kcheckf(n == sizeof(f2) && f0 - f2 >= 8 * MIB,
            "after the child wrote all 8 MiB, free memory had dropped by %lld KiB (>= 8192 KiB)", (f0 - f2) / 1024);
    close(go[1]);
    close(rep[0]);
    munmap(m, size);
}

/* --- vfork --------------------------------------------------------------------------- */

static unsigned char clone_stack[64 * 1024] __attribute__((aligned(16)));
static volatile int vfork_mark;

/* clone(flags, stack_top) by hand: the child runs fn(arg) on its own stack
 * and exits with its result (it never returns here). The parent gets the
 * raw result (a pid or -errno). */
static long raw_clone_run(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg)
{
    register unsigned long x0 __asm__("x0") = flags;
    register void *x1 __asm__("x1") = stack_top;
    register long x2 __asm__("x2") = 0, x3 __asm__("x3") = 0, x4 __asm__("x4") = 0;
    register long x8 __asm__("x8") = SYS_clone;
    register int (*x9)(void *) __asm__("x9") = fn;
    register void *x10 __asm__("x10") = arg;
    __asm__ volatile("svc #0\n\t"
                     "cbnz x0, 1f\n\t"
                     "mov x0, x10\n\t"
                     "blr x9\n\t"
                     "mov x8, #93\n\t" /* SYS_exit, with fn's result */
                     "svc #0\n\t"
                     "brk #0\n"
                     "1:"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x9), "r"(x10)
                     : "memory", "cc");
    return (long)x0;
}

/* The vfork child: marks shared memory, then keeps the CPU a while (the
 * parent must not run meanwhile). No libc state but errno is touched. */
__attribute__((noinline)) static int vfork_child(void *arg)
{
    (void)arg;
    vfork_mark = 1234;
    for (int i = 0; i < 20; i++) {
        syscall(SYS_sched_yield);
        for (volatile int j = 0; j < 10000; j++)
            ;
    }
    return 7;
}

static int exit_99(void *arg)
{
    (void)arg;
    return 99;
}

static void vforking(void)
{
    /* musl's vfork() is clone(SIGCHLD): a plain fork */
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0)
        _exit(5);
    int st;
    reap(pid, &st);
    checkf(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5, "vfork(), child _exit(5): %s", status_str(st));

    vfork_mark = 0;
    long r = raw_clone_run(CLONE_VM | CLONE_VFORK | SIGCHLD, clone_stack + sizeof(clone_stack), vfork_child, NULL);
    int mark = vfork_mark;
    pid = (pid_t)r;
    st = 0;
    pid_t early = r > 0 ? waitpid(pid, &st, WNOHANG) : -1;
    /* qemu-user turns CLONE_VM|CLONE_VFORK into a plain fork: the parent
     * runs at once and memory is not shared. Only Kenix can show these. */
    kcheckf(r > 0 && mark == 1234, "clone(CLONE_VM|CLONE_VFORK) -> %ld: the child's write to memory shows (mark %d)", r,
            mark);
    kcheckf(r > 0 && early == pid, "the parent ran only after the child exited: waitpid(WNOHANG) -> %d at once", early);
    if (r > 0 && early != pid)
        reap(pid, &st);
    checkf(r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "the vfork child ran on its own stack and exited 7: %s",
           status_str(st));

    if (on_kenix()) {
        /* with a stack anyway: were the call accepted, the child would do no harm */
        unsigned long flags[] = { CLONE_VM | SIGCHLD, CLONE_THREAD | CLONE_VM | CLONE_SIGHAND };
        const char *names[] = { "CLONE_VM|SIGCHLD", "CLONE_THREAD|CLONE_VM|CLONE_SIGHAND" };
        for (int i = 0; i < 2; i++) {
            r = raw_clone_run(flags[i], clone_stack + sizeof(clone_stack), exit_99, NULL);
            checkf(r == -EINVAL, "clone(%s) -> %ld (expected -EINVAL)", names[i], r);
            if (r > 0)
                reap((pid_t)r, &st);
        }
    } else {
        skipf("(Kenix only) clone(CLONE_VM|SIGCHLD) and clone(CLONE_THREAD|CLONE_VM|CLONE_SIGHAND) -> EINVAL: "
              "Linux makes threads of them");
    }
}

/* --- wait4 ------------------------------------------------------------------------------ */

/* Polls waitid(WNOHANG | options) until it reports (si_pid != 0) or fails. */
static res_t waitid_bounded(idtype_t type, id_t id, siginfo_t *si, int options)
{
    long long deadline = now_ns() + CHILD_DEADLINE_NS;
    for (int round = 0;; round++) {
        memset(si, 0, sizeof(*si));
        res_t r = res(waitid(type, id, si, options | WNOHANG));
        if (r.ret != 0 || si->si_pid != 0 || now_ns() > deadline)
            return r;
        poll_pause(round);
    }
}

static int wait_echild_child(void *arg)
{
    (void)arg;
    int st;
    res_t r = res(waitpid(-1, &st, 0));
    ccheckf(is_err(r, ECHILD), "a process without children: blocking waitpid(-1) -> %s (expected ECHILD)", rs(r));
    r = res(waitpid(-1, &st, WNOHANG));
    ccheckf(is_err(r, ECHILD), "waitpid(-1, WNOHANG) -> %s (expected ECHILD)", rs(r));
    r = res(waitpid(getppid(), &st, 0));
    ccheckf(is_err(r, ECHILD), "blocking waitpid(its parent) -> %s (expected ECHILD)", rs(r));
    r = res(waitpid(0, &st, 0));
    ccheckf(is_err(r, ECHILD), "blocking waitpid(0) -> %s (expected ECHILD)", rs(r));
    return 0;
}

static pid_t fork_exit(int code)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(code);
    return pid;
}

static void waiting(void)
{
    int st;
    pid_t pid = fork_exit(11);
    pid_t got = wait_any(-1, &st);
    checkf(got == pid && WIFEXITED(st) && WEXITSTATUS(st) == 11, "waitpid(-1) -> %d (child %d), %s", got, pid,
           status_str(st));
    pid = fork_exit(12);
    got = wait_any(0, &st);
    checkf(got == pid && WIFEXITED(st) && WEXITSTATUS(st) == 12, "waitpid(0) (my group) -> %d (child %d), %s", got, pid,
           status_str(st));

    /* two children in a group of their own, one in mine */
    int hold[2];
    pipe(hold);
    pid_t c1 = fork_holder(hold);
    res_t s1 = res(setpgid(c1, c1));
    fflush(stdout);
    pid_t c2 = fork();
    if (c2 == 0) {
        setpgid(0, c1);
        close(hold[1]);
        char c;
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(21);
    }
    res_t s2 = res(setpgid(c2, c1));
    pid_t c3 = fork_exit(13);
    checkf(s1.ret == 0 && s2.ret == 0 && getpgid(c1) == c1 && getpgid(c2) == c1,
           "setpgid(c1, c1) -> %s, setpgid(c2, c1) -> %s: both in group %d", rs(s1), rs(s2), getpgid(c2));
    /* c3 has exited (or will): it is in my group, not theirs */
    siginfo_t si;
    waitid_bounded(P_PID, (id_t)c3, &si, WEXITED | WNOWAIT); /* until c3 has exited */
    got = waitpid(-c1, &st, WNOHANG);
    checkf(got == 0, "waitpid(-%d, WNOHANG) while both live (and c3 of my group has exited) -> %d", c1, got);
    res_t w = res(waitpid(-1, &st, WNOHANG | WUNTRACED));
    checkf(w.ret == c3, "waitpid(-1, WNOHANG) picks the one that exited, c3 -> %s", rs(w));
    got = waitpid(-1, &st, WNOHANG);
    checkf(got == 0, "WNOHANG with children but none exited -> %d", got);
    close(hold[1]);
    pid_t g1 = wait_any(-c1, &st);
    int st2;
    pid_t g2 = wait_any(-c1, &st2);
    checkf(((g1 == c1 && g2 == c2) || (g1 == c2 && g2 == c1)), "waitpid(-%d) twice -> %d, %d (the group's two: %d, %d)",
           c1, g1, g2, c1, c2);
    w = res(waitpid(-c1, &st, WNOHANG));
    checkf(is_err(w, ECHILD), "waitpid(-%d) once more -> %s (expected ECHILD)", c1, rs(w));
    w = res(waitpid(getppid(), &st, WNOHANG));
    checkf(is_err(w, ECHILD), "waitpid(my parent %d) -> %s (expected ECHILD)", getppid(), rs(w));
    w = res(waitpid(getpid(), &st, WNOHANG));
    checkf(is_err(w, ECHILD), "waitpid(myself) -> %s (expected ECHILD)", rs(w));
    w = res(waitpid(-1, &st, WNOHANG));
    checkf(is_err(w, ECHILD), "no children left: waitpid(-1, WNOHANG) -> %s (expected ECHILD)", rs(w));
    w = res(waitpid(-1, &st, 0x10000));
    checkf(is_err(w, EINVAL), "waitpid with an unknown option 0x10000 -> %s (expected EINVAL)", rs(w));
    run_child_ok("no children", wait_echild_child, NULL);

    /* status encodings */
    pid = fork_exit(3);
    reap(pid, &st);
    checkf(st == 0x300 && WIFEXITED(st) && WEXITSTATUS(st) == 3 && !WIFSIGNALED(st),
           "exit(3): status 0x%x, WIFEXITED, WEXITSTATUS %d", st, WEXITSTATUS(st));
    pid = fork_exit(255);
    reap(pid, &st);
    checkf(st == 0xff00 && WEXITSTATUS(st) == 255, "exit(255): status 0x%x", st);
    pid = fork_exit(256 + 4);
    reap(pid, &st);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 4, "exit(260): only the low 8 bits: %s", status_str(st));
    pipe(hold);
    pid = fork_holder(hold);
    res_t k = res(kill(pid, SIGKILL));
    reap(pid, &st);
    close(hold[1]);
    checkf(k.ret == 0 && st == SIGKILL && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && !WIFEXITED(st),
           "killed by SIGKILL from the parent (kill -> %s): status 0x%x, WIFSIGNALED, WTERMSIG %d", rs(k), st,
           WTERMSIG(st));
}

/* wait4 with rusage, bounded: polls with WNOHANG. */
static pid_t wait4_bounded(pid_t pid, int *st, struct rusage *ru)
{
    long long deadline = now_ns() + CHILD_DEADLINE_NS;
    for (int round = 0;; round++) {
        pid_t r = wait4(pid, st, WNOHANG, ru);
        if (r != 0 || now_ns() > deadline)
            return r;
        poll_pause(round);
    }
}

static long long tv_us(struct timeval t)
{
    return t.tv_sec * 1000000LL + t.tv_usec;
}

static void rusage(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        burn_cpu_ms(20);
        _exit(0);
    }
    struct rusage ru;
    memset(&ru, 0xff, sizeof(ru));
    int st;
    pid_t got = wait4_bounded(pid, &st, &ru);
    long long busy = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
    checkf(got == pid && busy >= 10000 && busy < 2000000,
           "wait4 rusage of a child that burnt 20 ms of CPU: user %lld us + system %lld us (>= 10 ms)",
           tv_us(ru.ru_utime), tv_us(ru.ru_stime));
    pid = fork_exit(0);
    memset(&ru, 0xff, sizeof(ru));
    got = wait4_bounded(pid, &st, &ru);
    long long idle = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
    checkf(got == pid && idle >= 0 && idle < 10000 && idle < busy,
           "wait4 rusage of a child that exits at once: user %lld us + system %lld us (< 10 ms)", tv_us(ru.ru_utime),
           tv_us(ru.ru_stime));
}

/* --- waitid --------------------------------------------------------------------------------- */

static void waitids(void)
{
    siginfo_t si;
    int hold[2];
    pipe(hold);
    pid_t live = fork_holder(hold);
    memset(&si, 0xff, sizeof(si));
    res_t r = res(waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
    checkf(r.ret == 0 && si.si_pid == 0 && si.si_signo == 0,
           "waitid(P_ALL, WNOHANG) with a live child only -> %s, si_pid %d, si_signo %d", rs(r), si.si_pid,
           si.si_signo);

    pid_t pid = fork_exit(42);
    r = waitid_bounded(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
    checkf(r.ret == 0 && si.si_pid == pid && si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_status == 42,
           "waitid(P_PID, WEXITED|WNOWAIT) -> %s: si_pid %d (%d), si_signo %d, si_code %d (CLD_EXITED %d), si_status %d",
           rs(r), si.si_pid, pid, si.si_signo, si.si_code, CLD_EXITED, si.si_status);
    checkf(si.si_uid == getuid(), "si_uid %d (my uid %d)", (int)si.si_uid, (int)getuid());
    memset(&si, 0, sizeof(si));
    r = res(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT | WNOHANG));
    checkf(r.ret == 0 && si.si_pid == pid, "WNOWAIT left it waitable: waitid again -> %s, si_pid %d", rs(r), si.si_pid);
    int st;
    pid_t got = waitpid(pid, &st, WNOHANG);
    checkf(got == pid && WIFEXITED(st) && WEXITSTATUS(st) == 42, "and waitpid reaps it -> %d, %s", got, status_str(st));
    r = res(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG));
    checkf(is_err(r, ECHILD), "then waitid(P_PID) -> %s (expected ECHILD)", rs(r));

    pid = fork_exit(43);
    r = waitid_bounded(P_ALL, 0, &si, WEXITED);
    checkf(r.ret == 0 && si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 43,
           "waitid(P_ALL, WEXITED) -> %s: si_pid %d (%d), si_status %d", rs(r), si.si_pid, pid, si.si_status);
    r = res(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG));
    checkf(is_err(r, ECHILD), "without WNOWAIT it was reaped: waitid(P_PID) -> %s", rs(r));

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(44);
    }
    setpgid(pid, pid);
    r = waitid_bounded(P_PGID, (id_t)pid, &si, WEXITED);
    checkf(r.ret == 0 && si.si_pid == pid && si.si_status == 44, "waitid(P_PGID, its own group %d) -> %s: si_pid %d, si_status %d",
           pid, rs(r), si.si_pid, si.si_status);

    kill(live, SIGKILL);
    r = waitid_bounded(P_PID, (id_t)live, &si, WEXITED);
    checkf(r.ret == 0 && si.si_pid == live && si.si_code == CLD_KILLED && si.si_status == SIGKILL,
           "a child killed by SIGKILL: waitid -> %s, si_code %d (CLD_KILLED %d), si_status %d", rs(r), si.si_code,
           CLD_KILLED, si.si_status);
    close(hold[1]);

    r = res(waitid(P_ALL, 0, &si, WNOHANG));
    checkf(is_err(r, EINVAL), "waitid without WEXITED/WSTOPPED/WCONTINUED -> %s (expected EINVAL)", rs(r));
    r = res(syscall(SYS_waitid, 7, 0, &si, WEXITED | WNOHANG, NULL));
    checkf(is_err(r, EINVAL), "waitid with idtype 7 -> %s (expected EINVAL)", rs(r));
    r = res(waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
    checkf(is_err(r, ECHILD), "waitid(P_ALL) with no children -> %s (expected ECHILD)", rs(r));
}

/* --- zombies and orphans ---------------------------------------------------------------------- */

static void zombies(void)
{
    pid_t pid = fork_exit(9);
    siginfo_t si;
    waitid_bounded(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
    res_t k = res(kill(pid, 0));
    checkf(si.si_pid == pid && k.ret == 0, "an exited, unwaited child (a zombie) still exists: kill(pid, 0) -> %s",
           rs(k));
    int st;
    pid_t got = waitpid(pid, &st, WNOHANG);
    checkf(got == pid && WEXITSTATUS(st) == 9, "it is reported once: waitpid -> %d, %s", got, status_str(st));
    res_t again = res(waitpid(pid, &st, WNOHANG));
    k = res(kill(pid, 0));
    checkf(is_err(again, ECHILD) && is_err(k, ESRCH), "and only once: waitpid again -> %s; kill(pid, 0) -> %s (ESRCH)",
           rs(again), rs(k));
}

/* With SIGCHLD ignored children leave no zombie, and a parent blocked in
 * wait4 for them must wake when the last one goes: ECHILD (it once slept on).
 * The blocking wait happens in a child, so a hang would be bounded by reap(). */
static int ignoring_child(void *arg)
{
    (void)arg;
    signal(SIGCHLD, SIG_IGN);
    fflush(stdout);
    pid_t kid = fork();
    if (kid == 0) {
        struct timespec t = { 0, 20 * 1000000 };
        nanosleep(&t, NULL); /* the parent is asleep in wait4 by then */
        _exit(3);
    }
    int st;
    res_t r = res(waitpid(-1, &st, 0));
    res_t k = res(kill(kid, 0));
    ccheckf(is_err(r, ECHILD) && is_err(k, ESRCH),
            "SIGCHLD ignored: a blocking wait4 wakes when the child is collected for it: %s; no zombie: kill -> %s",
            rs(r), rs(k));
    return 0;
}

static void ignored_sigchld(void)
{
    run_child_ok("SIGCHLD ignored", ignoring_child, NULL);
}

struct orphan_report {
    long ppid_before, ppid_after, alive;
};

static void orphans(void)
{
    int rep[2];
    pipe(rep);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(rep[0]);
        int started[2];
        pipe(started);
        pid_t me = getpid();
        pid_t grandchild = fork();
        if (grandchild == 0) {
            close(started[0]);
            struct orphan_report r = { getppid(), 0, 0 };
            close(started[1]); /* the parent may exit now */
            long long deadline = now_ns() + CHILD_DEADLINE_NS;
            for (int round = 0; getppid() == me && now_ns() < deadline; round++)
                poll_pause(round);
            r.ppid_after = getppid();
            r.alive = kill((pid_t)r.ppid_after, 0) == 0;
            write(rep[1], &r, sizeof(r));
            _exit(0);
        }
        close(started[1]);
        char c;
        read(started[0], &c, 1); /* EOF once the grandchild has its first ppid */
        _exit(grandchild > 0 ? 0 : 1);
    }
    close(rep[1]);
    int st;
    reap(child, &st);
    struct orphan_report r = { -1, -1, -1 };
    size_t n = read_bounded(rep[0], &r, sizeof(r), now_ns() + CHILD_DEADLINE_NS);
    close(rep[0]);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 0 && n == sizeof(r) && r.ppid_before == child,
           "a child forks a grandchild and exits (%s): the grandchild's getppid was %ld (the child %d)", status_str(st),
           r.ppid_before, child);
    checkf(n == sizeof(r) && r.ppid_after != child && r.ppid_after > 0 && r.alive == 1,
           "after the child exited, the grandchild's getppid is %ld: not the dead child, a live process", r.ppid_after);
    kcheckf(n == sizeof(r) && r.ppid_after == 1, "the orphan was adopted by init: getppid %ld (expected 1)",
            r.ppid_after);
}

/* --- 1000 rounds --------------------------------------------------------------------------------- */

static int rounds(int n, int *failed)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        int st = -1;
        if (pid > 0 && reap(pid, &st) == 0 && st == 0)
            ok++;
        else if (pid < 0 && (*failed)++ == 0)
            break;
    }
    return ok;
}

static void many(void)
{
    int failed = 0;
    fflush(stdout);
    rounds(10, &failed); /* warm-up */
    long long f0 = (long long)free_ram();
    long long t0 = now_ns();
    int ok = rounds(1000, &failed);
    long long t1 = now_ns();
    long long f1 = (long long)free_ram();
    checkf(ok == 1000, "1000 rounds of fork, exit, wait: %d ok (%lld us per round)", ok, (t1 - t0) / 1000 / 1000);
    kcheckf(f1 == f0, "and free memory is as before: %lld bytes before, %lld after (%+lld)", f0, f1, f1 - f0);
}

int main(void)
{
    ids();
    copy_on_write();
    sharing();
    vforking();
    waiting();
    rusage();
    waitids();
    zombies();
    ignored_sigchld();
    orphans();
    many();
    return check_summary();
}
