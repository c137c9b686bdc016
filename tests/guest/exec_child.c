/*
 * The program test_exec runs with execve: it reports what it was started
 * with -- argv, envp, AT_EXECFN and AT_SECURE, which descriptors are open,
 * signal dispositions, mask and pending set, the alternate stack, timers,
 * the floating-point rounding mode, its name -- one fact per line, and
 * test_exec checks each against what the execve should have given it.
 *
 * Environment (read, and reported like the rest):
 *   EXEC_OUT=fd      write the report there (default: no report)
 *   EXEC_EXIT=n      exit with status n (default 0)
 *   EXEC_WAIT=fd     first wait (at most 10 s) for a byte on fd, and report
 *                    whether it came: test_exec's vfork parent sends it once
 *                    it runs again
 *   EXEC_TIMER=id    report timer_gettime of that POSIX timer id (deleted by
 *                    the execve: EINVAL)
 * A plain static program, portable POSIX plus Linux's system calls, so it
 * also runs on Linux to check test_exec itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static FILE *out;

/* The kernel's struct sigaction (AArch64 and x86-64 alike). */
struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static void report_signals(void)
{
    for (int sig = 1; sig <= 64; sig++) {
        struct k_sigaction old;
        if (syscall(SYS_rt_sigaction, sig, NULL, &old, 8) != 0)
            continue;
        /* Only what differs from a fresh process's SIG_DFL with nothing set. */
        if (old.handler == (uint64_t)(uintptr_t)SIG_DFL && !old.flags && !old.mask)
            continue;
        fprintf(out, "sig %d %s flags=%#llx mask=%#llx\n", sig,
                old.handler == (uint64_t)(uintptr_t)SIG_IGN ? "ign" :
                old.handler == (uint64_t)(uintptr_t)SIG_DFL ? "dfl" : "handler",
                (unsigned long long)old.flags, (unsigned long long)old.mask);
    }
    uint64_t blocked = 0, pending = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &blocked, 8);
    syscall(SYS_rt_sigpending, &pending, 8);
    fprintf(out, "blocked %#llx\n", (unsigned long long)blocked);
    fprintf(out, "pending %#llx\n", (unsigned long long)pending);
    stack_t ss;
    if (sigaltstack(NULL, &ss) == 0)
        fprintf(out, "altstack %s\n", (ss.ss_flags & SS_DISABLE) ? "disabled" : "enabled");
}

int main(int argc, char **argv, char **envp)
{
    const char *o = getenv("EXEC_OUT");
    if (o)
        out = fdopen(atoi(o), "w");
    const char *w = getenv("EXEC_WAIT");
    bool waited = false;
    if (w) {
        struct pollfd p = { .fd = atoi(w), .events = POLLIN };
        char c;
        waited = poll(&p, 1, 10000) == 1 && read(p.fd, &c, 1) == 1;
    }
    int status = getenv("EXEC_EXIT") ? atoi(getenv("EXEC_EXIT")) : 0;
    if (argc > 1 && !strcmp(argv[1], "envcount")) {
        int n = 0;
        while (envp[n])
            n++;
        return 10 + n;
    }
    if (!out)
        return status;
    if (w)
        fprintf(out, "waited %s\n", waited ? "ok" : "timeout");
    fprintf(out, "argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        fprintf(out, "argv %d %s\n", i, argv[i]);
    fprintf(out, "argv_end %s\n", argv[argc] ? "bad" : "null");
    int envc = 0;
    while (envp[envc])
        envc++;
    fprintf(out, "envc %d\n", envc);
    for (int i = 0; i < envc; i++)
        fprintf(out, "envp %d %s\n", i, envp[i]);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    fprintf(out, "execfn %s\n", execfn ? execfn : "(none)");
    fprintf(out, "secure %lu\n", getauxval(AT_SECURE));
    /* Descriptors 0-63: open or not, and close-on-exec (never, after an exec). */
    fprintf(out, "fds");
    for (int fd = 0; fd < 64; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0)
            fprintf(out, " %d%s", fd, (fl & FD_CLOEXEC) ? "c" : "");
    }
    fprintf(out, "\n");
    report_signals();
    struct itimerval it;
    getitimer(ITIMER_REAL, &it);
    fprintf(out, "itimer_real %s\n", it.it_value.tv_sec || it.it_value.tv_usec ? "armed" : "off");
    const char *t = getenv("EXEC_TIMER");
    if (t) {
        struct itimerspec its;
        long r = syscall(SYS_timer_gettime, atoi(t), &its);
        fprintf(out, "timer_gettime %ld %s\n", r, r ? strerror(errno) : "");
    }
    fprintf(out, "round %s\n", fegetround() == FE_TONEAREST ? "nearest" : "other");
    char comm[17] = { 0 };
    prctl(PR_GET_NAME, comm);
    fprintf(out, "comm %s\n", comm);
    fprintf(out, "dumpable %d\n", prctl(PR_GET_DUMPABLE));
    fprintf(out, "pid %d ppid %d\n", getpid(), getppid());
    fprintf(out, "end\n");
    fclose(out);
    return status;
}
