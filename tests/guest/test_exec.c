/*
 * execve and execveat with Linux's semantics. Most cases fork a child that
 * sets something up and execs /bin/exec_child, which reports what it was
 * started with (one fact per line, through fd 20); the parent checks every
 * fact: argv, envp and AT_EXECFN exactly as given, close-on-exec descriptors
 * closed and the others open, caught signals back to SIG_DFL with ignored
 * ones kept, the mask and pending signals kept, the alternate stack and
 * POSIX timers gone, ITIMER_REAL kept, the rounding mode reset, the name and
 * dumpable flag of a new program. Failures (ENOENT, EACCES, ENOEXEC, E2BIG
 * at Linux's exact limits, EFAULT, ENAMETOOLONG, ELOOP, EINVAL, EBADF,
 * ENOTDIR) must leave the caller running with its memory, descriptors and
 * handlers as they were. "#!" scripts with and without an argument, nested
 * five deep (ELOOP at six, as Linux 6.x); a symbolic link to the program
 * (ELOOP under AT_SYMLINK_NOFOLLOW); exec from a vfork child, the parent
 * resuming at the exec, not at the exit; posix_spawn; and 1,000
 * fork/exec/exit/wait rounds leaving free memory exactly as it was (Kenix).
 *
 * The programs and scripts are in /bin on Kenix (the initrd, cmake/Images.cmake
 * writes the same files as `files` below). On Linux (to check this test) they
 * are made in a temporary directory, with exec_child linked there from beside
 * this program: build both natively (cc -O2 -I tests/guest
 * tests/guest/test_exec.c -o /tmp/t/test_exec, the same for exec_child) and
 * run /tmp/t/test_exec. qemu-user cannot run it: its execve goes to the host
 * kernel, which cannot run an AArch64 file without binfmt_misc.
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <limits.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "posix_test.h"

#define OUT_FD 20
#define MAX_ARG_STRLEN (32 * 4096)

extern char **environ;

static char dir[256];        /* where exec_child and the scripts are */
static char child[PATH_MAX]; /* dir/exec_child */

/* The script files (cmake/Images.cmake makes the same in /bin: keep them
 * alike). '@' stands for the directory. */
static const struct {
    const char *name;
    const char *text;
    mode_t mode;
} files[] = {
    { "exec_script_noarg", "#!@/exec_child\necho never\n", 0755 },
    { "exec_script_arg", "#! \t@/exec_child  one  arg \t\necho never\n", 0755 },
    { "exec_nest_1", "#!@/exec_child\n", 0755 },
    { "exec_nest_2", "#!@/exec_nest_1\n", 0755 },
    { "exec_nest_3", "#!@/exec_nest_2\n", 0755 },
    { "exec_nest_4", "#!@/exec_nest_3\n", 0755 },
    { "exec_nest_5", "#!@/exec_nest_4\n", 0755 },
    { "exec_nest_6", "#!@/exec_nest_5\n", 0755 },
    { "exec_noexec", "#!@/exec_child\n", 0644 },
    { "exec_garbage", "not a program\n", 0755 },
    { "exec_noline", "#!\n", 0755 },
    { "exec_short", "#!", 0755 },
    { "exec_badinterp", "#!@/exec_nonexistent\n", 0755 },
};

static const char *path_of(const char *name)
{
    static char buf[8][PATH_MAX];
    static int next;
    char *b = buf[next++ & 7];
    snprintf(b, PATH_MAX, "%s/%s", dir, name);
    return b;
}

/* On Linux: a temporary directory holding the files and a link to exec_child. */
static bool make_files(const char *argv0)
{
    if (on_kenix()) {
        strcpy(dir, "/bin");
        snprintf(child, sizeof(child), "%s/exec_child", dir);
        return true;
    }
    char self[PATH_MAX];
    if (!realpath(argv0, self))
        return false;
    *strrchr(self, '/') = 0;
    strcpy(dir, "/tmp/test_exec.XXXXXX");
    if (!mkdtemp(dir))
        return false;
    snprintf(child, sizeof(child), "%s/exec_child", dir);
    char target[PATH_MAX + 16];
    snprintf(target, sizeof(target), "%s/exec_child", self);
    if (symlink(target, child) || symlink("exec_child", path_of("exec_link")))
        return false;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char text[PATH_MAX * 2];
        size_t n = 0;
        for (const char *c = files[i].text; *c && n < sizeof(text) - PATH_MAX; c++) {
            if (*c == '@')
                n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", dir);
            else
                text[n++] = *c;
        }
        int fd = open(path_of(files[i].name), O_WRONLY | O_CREAT | O_TRUNC, files[i].mode);
        if (fd < 0 || !write_all(fd, text, n))
            return false;
        fchmod(fd, files[i].mode);
        close(fd);
    }
    return true;
}

static void remove_files(void)
{
    if (on_kenix())
        return;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(path_of(files[i].name));
    unlink(path_of("exec_link"));
    unlink(child);
    rmdir(dir);
}

/* --- running exec_child and reading its report ------------------------------------ */

struct report {
    char *text;
    size_t len;
    int status;
};

/* What the child does between fork and exec, and the exec itself (returns errno). */
struct exec_plan {
    void (*before)(void);
    int (*exec)(const struct exec_plan *plan);
    const char *path;
    char *const *argv;
    char *const *envp;
};

static int plain_execve(const struct exec_plan *plan)
{
    execve(plan->path, plan->argv, plan->envp);
    return errno;
}

/* Forks, runs the plan in the child with the report pipe at OUT_FD (not
 * close-on-exec), and collects the report and the status. If the exec fails
 * the child reports "execfail <errno>" and exits 127. */
static bool run_plan(const struct exec_plan *plan, struct report *r)
{
    int p[2];
    memset(r, 0, sizeof(*r));
    if (pipe2(p, O_CLOEXEC))
        return false;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], OUT_FD);
        if (plan->before)
            plan->before();
        int e = plan->exec(plan);
        dprintf(OUT_FD, "execfail %d\n", e);
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return false;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    size_t cap = 0;
    int rr = reap_collecting(pid, &r->status, p[0], &r->text, &r->len, &cap);
    close(p[0]);
    if (!r->text)
        r->text = calloc(1, 1);
    else
        r->text[r->len < cap ? r->len : cap - 1] = 0;
    return rr == 0;
}

/* The rest of the report's line starting with `key` and a space ("" if none). */
static const char *fact(const struct report *r, const char *key)
{
    static char buf[8][512];
    static int next;
    char *b = buf[next++ & 7];
    b[0] = 0;
    size_t klen = strlen(key);
    for (const char *l = r->text; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        if (n > klen && !strncmp(l, key, klen) && l[klen] == ' ') {
            size_t m = n - klen - 1 < sizeof(buf[0]) - 1 ? n - klen - 1 : sizeof(buf[0]) - 1;
            memcpy(b, l + klen + 1, m);
            b[m] = 0;
            return b;
        }
        l = nl ? nl + 1 : NULL;
    }
    return b;
}

static bool has_line(const struct report *r, const char *line)
{
    size_t n = strlen(line);
    for (const char *l = r->text; l && *l;) {
        if (!strncmp(l, line, n) && (l[n] == '\n' || !l[n]))
            return true;
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
    return false;
}

/* Checks argv in the report against `want` (NULL-terminated). */
static void check_argv(const struct report *r, const char *what, const char *const want[])
{
    int n = 0;
    while (want[n])
        n++;
    char key[16];
    snprintf(key, sizeof(key), "%d", n);
    checkf(!strcmp(fact(r, "argc"), key), "%s: argc %s (expected %d)", what, fact(r, "argc"), n);
    for (int i = 0; i < n; i++) {
        char line[PATH_MAX + 32];
        snprintf(line, sizeof(line), "argv %d %s", i, want[i]);
        checkf(has_line(r, line), "%s: argv[%d] \"%s\"", what, i, want[i]);
    }
    checkf(!strcmp(fact(r, "argv_end"), "null"), "%s: argv[argc] is NULL", what);
}

static char out_env[] = "EXEC_OUT=20";

/* --- argv, envp, auxv, descriptors, signals ----------------------------------------- */

static timer_t timer;

static void count_sig(int sig)
{
    (void)sig;
}

/* Everything execve must keep, reset or close, set up in the child. */
static void set_up_state(void)
{
    int null = open("/dev/null", O_RDWR);
    dup2(null, 5);                         /* stays */
    dup2(null, 6);
    fcntl(6, F_SETFD, FD_CLOEXEC);         /* closed */
    int c = fcntl(open("/dev/null", O_RDONLY | O_CLOEXEC), F_DUPFD_CLOEXEC, 60);
    dup2(c, 7);                            /* dup2 clears the flag: stays */
    dup3(null, 8, O_CLOEXEC);              /* closed */
    dup2(null, 40);                        /* stays */
    fcntl(null, F_DUPFD_CLOEXEC, 50);      /* 50, closed */
    close(null);
    close(c);
    struct sigaction sa = { .sa_handler = count_sig, .sa_flags = SA_RESTART };
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaction(SIGUSR1, &sa, NULL);         /* caught: SIG_DFL after, still pending and blocked */
    sigaction(SIGTERM, &sa, NULL);         /* caught: SIG_DFL, flags and mask cleared */
    signal(SIGUSR2, SIG_IGN);              /* ignored: stays ignored */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    raise(SIGINT);
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    sigaltstack(&ss, NULL);
    struct itimerval it = { .it_value = { 100, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);     /* kept (its SIGALRM would come in 100 s) */
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
    timer_create(CLOCK_MONOTONIC, &sev, &timer); /* deleted */
    fesetround(FE_UPWARD);                 /* reset to nearest */
    prctl(PR_SET_NAME, "before-exec");
    prctl(PR_SET_DUMPABLE, 0);
}

static char timer_env[32];

static void state_across_exec(void)
{
    char *argv[] = { "exec_child", "a", "b c", "", NULL };
    char *envp[] = { out_env, "K=v", "EMPTY=", timer_env, NULL };
    /* The child's first timer is id 0 on both kernels (per process, lowest free). */
    snprintf(timer_env, sizeof(timer_env), "EXEC_TIMER=0");
    struct exec_plan plan = { set_up_state, plain_execve, child, argv, envp };
    struct report r;
    bool ran = run_plan(&plan, &r);
    checkf(ran && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "execve of exec_child: %s%s",
           status_str(r.status), fact(&r, "execfail")[0] ? " (the exec failed)" : "");
    check_argv(&r, "argv as given", (const char *const[]){ "exec_child", "a", "b c", "", NULL });
    checkf(!strcmp(fact(&r, "envc"), "4") && has_line(&r, "envp 0 EXEC_OUT=20") && has_line(&r, "envp 1 K=v") &&
               has_line(&r, "envp 2 EMPTY=") && has_line(&r, "envp 3 EXEC_TIMER=0"),
           "envp as given, in order (envc %s)", fact(&r, "envc"));
    checkf(!strcmp(fact(&r, "execfn"), child), "AT_EXECFN is the path given: \"%s\"", fact(&r, "execfn"));
    checkf(!strcmp(fact(&r, "secure"), "0"), "AT_SECURE 0: %s", fact(&r, "secure"));
    /* fds 0-2 and the report pipe are the parent's. */
    /* fds 0-2 and whatever else the test inherited are not ours to judge. */
    char fds[128] = "", list[300];
    snprintf(list, sizeof(list), " %s ", fact(&r, "fds"));
    static const int mine[] = { 5, 6, 7, 8, 20, 40, 50 };
    for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
        char open_fd[8], cloexec_fd[8];
        snprintf(open_fd, sizeof(open_fd), " %d ", mine[i]);
        snprintf(cloexec_fd, sizeof(cloexec_fd), " %dc ", mine[i]);
        if (strstr(list, open_fd) || strstr(list, cloexec_fd))
            snprintf(fds + strlen(fds), sizeof(fds) - strlen(fds), "%d%s ", mine[i], strstr(list, cloexec_fd) ? "c" : "");
    }
    checkf(!strcmp(fds, "5 7 20 40 "),
           "close-on-exec descriptors (6, 8, 50) closed, the others (5, 7, 20, 40) open, none close-on-exec: %s", fds);
    checkf(!has_line(&r, "sig 10 handler flags=0 mask=0") && !strstr(r.text, "sig 10 ") && !strstr(r.text, "sig 15 "),
           "caught SIGUSR1 and SIGTERM are SIG_DFL with no flags or mask");
    checkf(has_line(&r, "sig 12 ign flags=0 mask=0"), "ignored SIGUSR2 stays ignored, flags cleared: %s",
           strstr(r.text, "sig 12") ? "reported" : "not reported");
    checkf(!strcmp(fact(&r, "blocked"), "0x202"), "the mask is kept (SIGINT, SIGUSR1): %s", fact(&r, "blocked"));
    checkf(!strcmp(fact(&r, "pending"), "0x202"), "pending signals are kept (SIGINT, SIGUSR1): %s",
           fact(&r, "pending"));
    checkf(!strcmp(fact(&r, "altstack"), "disabled"), "the alternate stack is gone: %s", fact(&r, "altstack"));
    checkf(!strcmp(fact(&r, "itimer_real"), "armed"), "ITIMER_REAL survives: %s", fact(&r, "itimer_real"));
    checkf(!strncmp(fact(&r, "timer_gettime"), "-1 ", 3) && strstr(fact(&r, "timer_gettime"), "nvalid"),
           "the POSIX timer was deleted: timer_gettime -> %s", fact(&r, "timer_gettime"));
    checkf(!strcmp(fact(&r, "round"), "nearest"), "FP rounding mode back to nearest: %s", fact(&r, "round"));
    checkf(!strcmp(fact(&r, "comm"), "exec_child"), "the name is the file's: \"%s\"", fact(&r, "comm"));
    checkf(!strcmp(fact(&r, "dumpable"), "1"), "dumpable again: %s", fact(&r, "dumpable"));
    free(r.text);
}

static int exec_null_argv(const struct exec_plan *plan)
{
    syscall(SYS_execve, plan->path, NULL, plan->envp);
    return errno;
}

static int exec_null_envp(const struct exec_plan *plan)
{
    syscall(SYS_execve, plan->path, plan->argv, NULL);
    return errno;
}

static void null_vectors(void)
{
    char *envp[] = { out_env, NULL };
    struct exec_plan plan = { NULL, exec_null_argv, child, NULL, envp };
    struct report r;
    run_plan(&plan, &r);
    /* Linux 5.18+: an empty argv gets one empty string, so argv[1] is NULL. */
    checkf(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && !strcmp(fact(&r, "argc"), "1") &&
               has_line(&r, "argv 0 ") && !strcmp(fact(&r, "argv_end"), "null"),
           "argv NULL: the program gets argc 1, argv[0] \"\" (%s, argc %s)", status_str(r.status), fact(&r, "argc"));
    free(r.text);
    char *argv[] = { "exec_child", "envcount", NULL };
    plan = (struct exec_plan){ NULL, exec_null_envp, child, argv, NULL };
    run_plan(&plan, &r);
    checkf(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 10, "envp NULL: an empty environment (%s, expected exit 10)",
           status_str(r.status));
    free(r.text);
}

/* --- failures leave the caller intact ------------------------------------------------ */

static volatile sig_atomic_t handled;
static void handler(int sig)
{
    (void)sig;
    handled++;
}

/* In a child: state that a failed execve must not touch, then the call, then the checks. */
struct failing {
    const char *what;
    int want;           /* errno */
    long (*call)(void);
};

static const char *fail_path;
static char *const *fail_argv;
static char *const *fail_envp;

static long call_execve(void)
{
    return syscall(SYS_execve, fail_path, fail_argv, fail_envp);
}

static int fail_dirfd;
static int fail_flags;
static long call_execveat(void)
{
    return syscall(SYS_execveat, fail_dirfd, fail_path, fail_argv, fail_envp, fail_flags);
}

static int failing_child(void *arg)
{
    const struct failing *c = arg;
    static char marker[64] = "data before execve";
    char *heap = strdup("heap before execve");
    struct sigaction sa = { .sa_handler = handler };
    sigaction(SIGUSR1, &sa, NULL);
    dup2(0, 30);
    fcntl(30, F_SETFD, FD_CLOEXEC);
    /* The kernel's own 8-byte mask: a C library may keep bits of its own beside it. */
    uint64_t before = 0, after = 1;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &before, 8);
    res_t r = res(c->call());
    ccheckf(is_err(r, c->want), "%s -> %s (expected %s)", c->what, rs(r), errname(c->want));
    handled = 0;
    raise(SIGUSR1);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &after, 8);
    int fl = fcntl(30, F_GETFD);
    bool memory = !strcmp(marker, "data before execve") && heap && !strcmp(heap, "heap before execve");
    bool mask = before == after;
    ccheckf(handled == 1 && memory && fl == FD_CLOEXEC && mask,
            "%s: the caller runs on: memory %s, fd 30 %s, handler ran %d time(s), mask %s", c->what,
            memory ? "intact" : "CHANGED", fl == FD_CLOEXEC ? "open, close-on-exec" : "CHANGED", (int)handled,
            mask ? "intact" : "CHANGED");
    return 0;
}

static void expect_failure(const char *what, int want, long (*call)(void))
{
    struct failing c = { what, want, call };
    run_child_ok(what, failing_child, &c);
}

static void fail_execve(const char *what, int want, const char *path, char *const *argv, char *const *envp)
{
    fail_path = path;
    fail_argv = argv;
    fail_envp = envp;
    expect_failure(what, want, call_execve);
}

static char big[MAX_ARG_STRLEN + 8];

/* Runs path with argv/envp and returns the wait status (the program is told to exit 0 quietly). */
static int status_of(const char *path, char *const *argv, char *const *envp)
{
    struct exec_plan plan = { NULL, plain_execve, path, argv, envp };
    struct report r;
    run_plan(&plan, &r);
    free(r.text);
    return r.status;
}

static void set_small_stack(void)
{
    struct rlimit rl = { 512 * 1024, RLIM_INFINITY };
    setrlimit(RLIMIT_STACK, &rl);
}

static void failures(void)
{
    char *argv[] = { "exec_child", NULL };
    char *envp[] = { "EXEC_EXIT=3", NULL };
    fail_execve("execve of a missing file", ENOENT, path_of("exec_nonexistent"), argv, envp);
    fail_execve("execve of a file without execute permission", EACCES, path_of("exec_noexec"), argv, envp);
    fail_execve("execve of a directory", EACCES, dir, argv, envp);
    fail_execve("execve of a file that is neither ELF nor #!", ENOEXEC, path_of("exec_garbage"), argv, envp);
    fail_execve("execve of \"#!\\n\" (no interpreter)", ENOEXEC, path_of("exec_noline"), argv, envp);
    /* Linux opens "" as the working directory: not a regular file. */
    fail_execve("execve of \"#!\" alone (an empty interpreter path)", EACCES, path_of("exec_short"), argv, envp);
    fail_execve("execve of a script whose interpreter is missing", ENOENT, path_of("exec_badinterp"), argv, envp);
    fail_execve("execve of a script nested six deep", ELOOP, path_of("exec_nest_6"), argv, envp);
    fail_execve("execve of \"\"", ENOENT, "", argv, envp);
    fail_execve("execve of a path through a file", ENOTDIR, path_of("exec_child/x"), argv, envp);
    fail_execve("execve with a bad path pointer", EFAULT, (const char *)8, argv, envp);
    fail_execve("execve with a bad argv pointer", EFAULT, child, (char *const *)8, envp);
    fail_execve("execve with a bad envp pointer", EFAULT, child, argv, (char *const *)(uintptr_t)0x7000000000ull);
    char *bad_str[] = { "exec_child", (char *)16, NULL };
    fail_execve("execve with a bad argv string", EFAULT, child, bad_str, envp);
    fail_execve("execve with a bad envp string", EFAULT, child, argv, bad_str);
    static char long_path[PATH_MAX + 1];
    memset(long_path, 'a', PATH_MAX);
    long_path[0] = '/';
    fail_execve("execve of a 4096-byte path (PATH_MAX with its NUL)", ENAMETOOLONG, long_path, argv, envp);
    long_path[PATH_MAX - 1] = 0; /* 4095 bytes: long enough, no such file */
    for (int i = 2; i < PATH_MAX - 1; i += 2)
        long_path[i] = '/';
    fail_execve("execve of a 4095-byte path", ENOENT, long_path, argv, envp);

    /* One string of MAX_ARG_STRLEN bytes with its NUL is the longest allowed. */
    memset(big, 'x', sizeof(big));
    big[MAX_ARG_STRLEN] = 0;
    char *too_long[] = { "exec_child", big, NULL };
    fail_execve("execve with a 131072-byte argv string", E2BIG, child, too_long, envp);
    big[MAX_ARG_STRLEN - 1] = 0;
    int st = status_of(child, too_long, envp);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 3, "execve with a 131071-byte argv string runs: %s", status_str(st));
    big[MAX_ARG_STRLEN - 1] = 'x';
    char *too_long_env[] = { "EXEC_EXIT=3", big, NULL };
    fail_execve("execve with a 131072-byte envp string", E2BIG, child, argv, too_long_env);

    fail_path = path_of("exec_child");
    fail_argv = argv;
    fail_envp = envp;
    fail_dirfd = AT_FDCWD;
    fail_flags = 0x200; /* AT_REMOVEDIR: means nothing here (0x10000 is 6.14's AT_EXECVE_CHECK) */
    expect_failure("execveat with an unknown flag", EINVAL, call_execveat);
    fail_flags = AT_SYMLINK_NOFOLLOW;
    fail_path = path_of("exec_link");
    expect_failure("execveat(AT_SYMLINK_NOFOLLOW) of a symbolic link", ELOOP, call_execveat);
    fail_flags = 0;
    fail_dirfd = 99;
    fail_path = "exec_child";
    expect_failure("execveat of a relative path from a closed dirfd", EBADF, call_execveat);
    fail_dirfd = 0;
    expect_failure("execveat of a relative path from a dirfd that is no directory", ENOTDIR, call_execveat);
    fail_path = "";
    fail_dirfd = AT_FDCWD;
    expect_failure("execveat of \"\" without AT_EMPTY_PATH", ENOENT, call_execveat);
}

/* The total: strings (the file name too) and one pointer each within a
 * quarter of RLIMIT_STACK (512 KiB here: 128 KiB, Linux's floor). */
static int exact_limit_child(void *arg)
{
    size_t extra = (size_t)(uintptr_t)arg;
    set_small_stack();
    static char fill[MAX_ARG_STRLEN];
    char *envp[] = { "EXEC_EXIT=3", NULL };
    size_t used = strlen(child) + 1 + strlen(envp[0]) + 1 + strlen("exec_child") + 1 + 3 * 8;
    size_t n = 128 * 1024 - used + extra; /* the filler string with its NUL */
    memset(fill, 'y', n - 1);
    fill[n - 1] = 0;
    char *argv[] = { "exec_child", fill, NULL };
    execve(child, argv, envp);
    return errno == E2BIG ? 100 : 101;
}

static void exact_limit(void)
{
    int st = run_child("argument room filled exactly", exact_limit_child, (void *)0);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 3,
           "RLIMIT_STACK 512 KiB: strings and pointers filling 128 KiB exactly run: %s", status_str(st));
    st = run_child("one byte more", exact_limit_child, (void *)1);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 100, "one byte more: E2BIG, the caller runs on (%s)", status_str(st));
}

/* --- scripts and links ------------------------------------------------------------------ */

static void scripts(void)
{
    char *envp[] = { out_env, NULL };
    char *argv[] = { "name0", "x", NULL };
    struct report r;
    struct exec_plan plan = { NULL, plain_execve, path_of("exec_script_noarg"), argv, envp };
    run_plan(&plan, &r);
    checkf(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "#! script without an argument: %s",
           status_str(r.status));
    check_argv(&r, "#! without an argument",
               (const char *const[]){ child, path_of("exec_script_noarg"), "x", NULL });
    checkf(!strcmp(fact(&r, "execfn"), path_of("exec_script_noarg")), "AT_EXECFN is the script's path: %s",
           fact(&r, "execfn"));
    checkf(!strcmp(fact(&r, "comm"), "exec_script_noa"), "the name is the script's, 15 bytes: \"%s\"",
           fact(&r, "comm"));
    free(r.text);

    plan.path = path_of("exec_script_arg");
    run_plan(&plan, &r);
    check_argv(&r, "#! with an argument (spaces trimmed around it, kept inside)",
               (const char *const[]){ child, "one  arg", path_of("exec_script_arg"), "x", NULL });
    free(r.text);

    plan.path = path_of("exec_nest_5");
    run_plan(&plan, &r);
    checkf(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "#! scripts nested five deep run: %s",
           status_str(r.status));
    check_argv(&r, "five nested scripts",
               (const char *const[]){ child, path_of("exec_nest_1"), path_of("exec_nest_2"), path_of("exec_nest_3"),
                                      path_of("exec_nest_4"), path_of("exec_nest_5"), "x", NULL });
    free(r.text);

    plan.path = path_of("exec_link");
    run_plan(&plan, &r);
    checkf(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && !strcmp(fact(&r, "execfn"), path_of("exec_link")) &&
               !strcmp(fact(&r, "comm"), "exec_link"),
           "a symbolic link to the program runs it, AT_EXECFN and name the link's: %s %s", fact(&r, "execfn"),
           fact(&r, "comm"));
    free(r.text);
}

static int execveat_dirfd(const struct exec_plan *plan)
{
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    if (d < 0)
        return errno;
    syscall(SYS_execveat, d, "exec_child", plan->argv, plan->envp, 0);
    return errno;
}

/* execveat(fd, "", AT_EMPTY_PATH): fexecve, of a descriptor opened with open_flags. */
static int empty_path_flags;
static int execveat_empty(const struct exec_plan *plan)
{
    int fd = open(plan->path, empty_path_flags);
    if (fd < 0)
        return errno;
    syscall(SYS_execveat, fd, "", plan->argv, plan->envp, AT_EMPTY_PATH);
    return errno;
}

static int execveat_abs(const struct exec_plan *plan)
{
    syscall(SYS_execveat, 99, plan->path, plan->argv, plan->envp, 0);
    return errno;
}

static void execveat_forms(void)
{
    char *envp[] = { out_env, NULL };
    char *argv[] = { "exec_child", NULL };
    struct report r;
    struct exec_plan plan = { NULL, execveat_abs, child, argv, envp };
    run_plan(&plan, &r);
    checkf(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && !strcmp(fact(&r, "execfn"), child),
           "execveat of an absolute path ignores dirfd (99, closed): %s", status_str(r.status));
    free(r.text);
    plan.exec = execveat_dirfd;
    run_plan(&plan, &r);
    /* Linux names the program /dev/fd/N/path then (comm: the path's base). */
    const char *fn = fact(&r, "execfn");
    checkf(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && !strncmp(fn, "/dev/fd/", 8) &&
               strlen(fn) > 19 && !strcmp(fn + strlen(fn) - 11, "/exec_child") && !strcmp(fact(&r, "comm"), "exec_child"),
           "execveat relative to a directory fd: AT_EXECFN \"%s\", name %s", fn, fact(&r, "comm"));
    free(r.text);
    /* AT_EMPTY_PATH: the descriptor's file, opened for reading or with O_PATH
     * (Linux opens it again for execution either way). */
    static const struct {
        int flags;
        const char *what;
    } forms[] = { { O_RDONLY, "O_RDONLY" }, { O_PATH, "O_PATH" }, { O_RDONLY | O_CLOEXEC, "O_RDONLY|O_CLOEXEC" } };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        empty_path_flags = forms[i].flags;
        plan.exec = execveat_empty;
        run_plan(&plan, &r);
        fn = fact(&r, "execfn");
        checkf(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && !strncmp(fn, "/dev/fd/", 8) && strlen(fn) > 8 &&
                   !strchr(fn + 8, '/'),
               "execveat(fd opened %s, \"\", AT_EMPTY_PATH) runs it: %s, AT_EXECFN \"%s\"", forms[i].what,
               status_str(r.status), fn);
        free(r.text);
    }
}

/* AT_EMPTY_PATH on descriptors that name no program. */
static long call_empty_path(void)
{
    return syscall(SYS_execveat, fail_dirfd, "", fail_argv, fail_envp, AT_EMPTY_PATH);
}

static void empty_path_failures(void)
{
    char *argv[] = { "exec_child", NULL };
    char *envp[] = { NULL };
    fail_argv = argv;
    fail_envp = envp;
    fail_dirfd = open(dir, O_RDONLY | O_DIRECTORY);
    expect_failure("execveat(directory fd, \"\", AT_EMPTY_PATH)", EACCES, call_empty_path);
    close(fail_dirfd);
    int p[2];
    pipe(p);
    fail_dirfd = p[0];
    expect_failure("execveat(pipe, \"\", AT_EMPTY_PATH)", EACCES, call_empty_path);
    close(p[0]);
    close(p[1]);
    char data[PATH_MAX];
    snprintf(data, sizeof(data), "%s/not_executable", dir);
    int fd = open(data, O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(fd, "\177ELF", 4);
    close(fd);
    fail_dirfd = open(data, O_PATH);
    expect_failure("execveat(O_PATH fd of a 0644 file, \"\", AT_EMPTY_PATH)", EACCES, call_empty_path);
    close(fail_dirfd);
    unlink(data);
    fail_dirfd = 99;
    expect_failure("execveat(closed fd, \"\", AT_EMPTY_PATH)", EBADF, call_empty_path);
}

/* --- vfork + exec ------------------------------------------------------------------------ */

static volatile int vfork_mark;
static int go_pipe[2];
static char wait_env[32];

#if defined(__aarch64__)
/* clone(flags, stack) in assembly: the child runs fn(arg) on `stack` and exits with its result. */
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
                     "mov x8, #93\n\t"
                     "svc #0\n\t"
                     "brk #0\n"
                     "1:"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x9), "r"(x10)
                     : "memory", "cc");
    return (long)x0;
}

static _Alignas(16) char clone_stack[16384];
#endif

static char *vfork_argv[] = { "exec_child", NULL };
static char *vfork_envp[] = { out_env, wait_env, NULL };

/* The vfork child: marks shared memory, keeps the CPU a while (the parent must
 * not run), then execs: from then on the parent may go on. */
__attribute__((noinline)) static int vfork_exec(void *arg)
{
    (void)arg;
    vfork_mark = 1;
    for (int i = 0; i < 20; i++)
        syscall(SYS_sched_yield);
    vfork_mark = 2;
    syscall(SYS_execve, child, vfork_argv, vfork_envp);
    return 127;
}

static void vfork_then_exec(void)
{
    int out[2];
    if (pipe(go_pipe) || pipe2(out, O_CLOEXEC)) {
        checkf(false, "pipes for vfork");
        return;
    }
    int saved = dup(OUT_FD);
    dup2(out[1], OUT_FD);
    snprintf(wait_env, sizeof(wait_env), "EXEC_WAIT=%d", go_pipe[0]);
    fflush(stdout);
    vfork_mark = 0;
#if defined(__aarch64__)
    long pid = raw_clone_run(CLONE_VM | CLONE_VFORK | SIGCHLD, clone_stack + sizeof(clone_stack), vfork_exec, NULL);
#else
    long pid = vfork();
    if (pid == 0)
        _exit(vfork_exec(NULL));
#endif
    int mark = vfork_mark;
    int st = 0;
    pid_t early = pid > 0 ? waitpid((pid_t)pid, &st, WNOHANG) : -1;
    /* qemu-user makes a plain fork of CLONE_VFORK: only a real kernel shows these. */
    kcheckf(pid > 0 && mark == 2, "vfork: the parent resumed only after the child's execve (mark %d)", mark);
    checkf(early == 0, "vfork + execve: the parent runs while the new program still runs (waitpid -> %d)", early);
    if (write(go_pipe[1], "g", 1) != 1)
        checkf(false, "write to the exec'd child");
    close(out[1]);
    dup2(saved, OUT_FD);
    close(saved);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    struct report r = { 0 };
    size_t cap = 0;
    reap_collecting((pid_t)pid, &st, out[0], &r.text, &r.len, &cap);
    if (r.text)
        r.text[r.len < cap ? r.len : cap - 1] = 0;
    else
        r.text = calloc(1, 1);
    close(out[0]);
    close(go_pipe[0]);
    close(go_pipe[1]);
    checkf(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !strcmp(fact(&r, "waited"), "ok"),
           "the exec'd vfork child got the parent's byte and exited 0 (%s, waited %s)", status_str(st),
           fact(&r, "waited"));
    free(r.text);
}

static void spawn(void)
{
    pid_t pid;
    char *argv[] = { "exec_child", NULL };
    char *envp[] = { "EXEC_EXIT=4", NULL };
    int err = posix_spawn(&pid, child, NULL, NULL, argv, envp);
    int st = 0;
    if (!err)
        reap(pid, &st);
    checkf(!err && WIFEXITED(st) && WEXITSTATUS(st) == 4, "posix_spawn (vfork + execve) -> %s, the program: %s",
           errname(err), status_str(st));
    err = posix_spawn(&pid, path_of("exec_nonexistent"), NULL, NULL, argv, envp);
    if (!err)
        reap(pid, &st);
    checkf(err == ENOENT, "posix_spawn of a missing file -> %s (its execve's error)", errname(err));
}

/* --- many rounds ------------------------------------------------------------------------- */

static bool exec_rounds(int n)
{
    char *argv[] = { "exec_child", NULL };
    char *envp[] = { "EXEC_EXIT=0", NULL };
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execve(child, argv, envp);
            _exit(127);
        }
        int st;
        if (pid < 0 || reap(pid, &st) != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            checkf(false, "fork/exec/exit/wait round %d: %s", i, pid < 0 ? "fork failed" : status_str(st));
            return false;
        }
    }
    return true;
}

static void rounds(void)
{
    exec_rounds(20); /* warm-up: slabs and tables reach their steady size */
    unsigned long long before = free_ram();
    long long t0 = now_ns();
    bool ok = exec_rounds(1000);
    long long t1 = now_ns();
    unsigned long long after = free_ram();
    checkf(ok, "1000 fork/execve/exit/wait rounds (%lld us each)", (t1 - t0) / 1000 / 1000);
    kcheckf(before == after, "and free memory is as before: %llu bytes before, %llu after (%+lld)", before, after,
            (long long)after - (long long)before);
}

int main(int argc, char **argv)
{
    (void)argc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!make_files(argv[0])) {
        checkf(false, "setting up the programs and scripts: %s", strerror(errno));
        return check_summary();
    }
    state_across_exec();
    null_vectors();
    failures();
    exact_limit();
    scripts();
    execveat_forms();
    empty_path_failures();
    vfork_then_exec();
    spawn();
    rounds();
    remove_files();
    return check_summary();
}
