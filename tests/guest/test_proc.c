/*
 * Process groups, sessions and kill, with Linux's rules: getpgid/getpgrp,
 * setpgid by the process and by its parent (ESRCH for a non-child, EPERM
 * across sessions and for session leaders), setsid (EPERM in a group
 * leader), getsid, kill to a group, to a pid with signal 0, to -1 as an
 * unprivileged user (Kenix only: on a Linux host it could hit unrelated
 * processes of that uid), tgkill, invalid signals.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>

#include "posix_test.h"

#define NO_SUCH_PID 0x7ffffff0

/* A child that does `what` (0: nothing, 1: setsid, 2: setpgid(0, 0)), then
 * says so on `ready` (one byte: 'y' when the call worked) and holds until
 * hold[1] is closed everywhere. */
static pid_t fork_member(int hold[2], int what)
{
    int ready[2];
    pipe(ready);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(hold[1]);
        close(ready[0]);
        int r = what == 1 ? (int)setsid() : what == 2 ? setpgid(0, 0) : 0;
        write(ready[1], r >= 0 ? "y" : "n", 1);
        close(ready[1]);
        char c;
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(ready[1]);
    char c = 0;
    read_bounded(ready[0], &c, 1, now_ns() + CHILD_DEADLINE_NS);
    close(ready[0]);
    return c == 'y' ? pid : -pid;
}

static void release(int hold[2], pid_t *pids, int n, const char *what)
{
    close(hold[1]);
    for (int i = 0; i < n; i++) {
        int st = -1;
        reap(pids[i] < 0 ? -pids[i] : pids[i], &st);
        checkf(st == 0, "%s: member %d ended normally (%s)", what, i + 1, status_str(st));
    }
    close(hold[0]);
}

static void groups(void)
{
    /* 0 is possible: Linux's init and its children start in group and
     * session 0 until they call setsid */
    pid_t pg = getpgrp();
    checkf(pg >= 0 && getpgid(0) == pg && getpgid(getpid()) == pg, "getpgrp %d = getpgid(0) %d = getpgid(getpid()) %d", pg,
           getpgid(0), getpgid(getpid()));
    checkf(getsid(0) >= 0 && getsid(0) == getsid(getpid()), "getsid(0) %d = getsid(getpid()) %d", getsid(0),
           getsid(getpid()));
    res_t r = res(getpgid(NO_SUCH_PID));
    checkf(is_err(r, ESRCH), "getpgid(no such pid) -> %s (expected ESRCH)", rs(r));
    r = res(getsid(NO_SUCH_PID));
    checkf(is_err(r, ESRCH), "getsid(no such pid) -> %s (expected ESRCH)", rs(r));
}

static int new_group_child(void *arg)
{
    pid_t sid = *(pid_t *)arg;
    res_t r = res(setpgid(0, 0));
    ccheckf(r.ret == 0 && getpgrp() == getpid() && getpgid(0) == getpid(),
            "child: setpgid(0, 0) -> %s makes a new group: getpgrp %d = getpid %d", rs(r), getpgrp(), getpid());
    ccheckf(getsid(0) == sid, "in the same session: getsid %d (the parent's %d)", getsid(0), sid);
    r = res(setsid());
    ccheckf(is_err(r, EPERM), "setsid in a process group leader -> %s (expected EPERM)", rs(r));
    r = res(setpgid(0, NO_SUCH_PID));
    ccheckf(is_err(r, EPERM), "setpgid(0, a group that does not exist) -> %s (expected EPERM)", rs(r));
    r = res(setpgid(0, -1));
    ccheckf(is_err(r, EINVAL), "setpgid(0, -1) -> %s (expected EINVAL)", rs(r));
    return 0;
}

static int new_session_child(void *arg)
{
    pid_t old_sid = *(pid_t *)arg;
    pid_t me = getpid();
    res_t r = res(setsid());
    ccheckf(r.ret == me && getsid(0) == me && getpgrp() == me,
            "child: setsid -> %s: sid = getsid(0) %d = getpgrp %d = pid %d", rs(r), getsid(0), getpgrp(), me);
    ccheckf(getsid(getppid()) == old_sid, "its parent is still in session %d: getsid(parent) %d", old_sid,
            getsid(getppid()));
    r = res(setsid());
    ccheckf(is_err(r, EPERM), "setsid again (now a leader) -> %s (expected EPERM)", rs(r));
    r = res(setpgid(0, 0));
    ccheckf(is_err(r, EPERM), "setpgid(0, 0) by a session leader -> %s (expected EPERM)", rs(r));
    return 0;
}

static void setpgid_rules(void)
{
    pid_t sid = getsid(0);
    run_child_ok("new group", new_group_child, &sid);
    run_child_ok("new session", new_session_child, &sid);

    int hold[2];
    pipe(hold);
    pid_t m[3];
    m[0] = fork_member(hold, 0);
    m[1] = fork_member(hold, 0);
    m[2] = fork_member(hold, 1); /* in a session of its own */
    pid_t a = m[0], b = m[1], s = m[2];
    check(a > 0 && b > 0 && s > 0, "three children started (the third did setsid)");
    if (a < 0 || b < 0 || s < 0) {
        release(hold, m, 3, "setpgid");
        return;
    }
    res_t r = res(setpgid(a, a));
    checkf(r.ret == 0 && getpgid(a) == a, "the parent moves its child into a new group: setpgid(a, a) -> %s, getpgid %d",
           rs(r), getpgid(a));
    r = res(setpgid(b, a));
    checkf(r.ret == 0 && getpgid(b) == a, "and another child into that group: setpgid(b, a) -> %s, getpgid %d", rs(r),
           getpgid(b));
    if (getpgrp() > 0) {
        r = res(setpgid(b, getpgrp()));
        checkf(r.ret == 0 && getpgid(b) == getpgrp(), "and back into mine: -> %s, getpgid %d", rs(r), getpgid(b));
    } else {
        skipf("setpgid back into my group: I am in group 0 (not started in a session)");
    }
    r = res(setpgid(b, 0));
    checkf(r.ret == 0 && getpgid(b) == b, "setpgid(b, 0) = setpgid(b, b) -> %s, getpgid %d", rs(r), getpgid(b));
    checkf(getsid(s) == s && getpgid(s) == s, "getsid of the child that did setsid: %d, getpgid %d (its pid %d)",
           getsid(s), getpgid(s), s);
    checkf(getsid(a) == getsid(0), "getsid of a child in my session: %d (mine %d)", getsid(a), getsid(0));
    r = res(setpgid(b, s));
    checkf(is_err(r, EPERM), "setpgid(b, a group in another session) -> %s (expected EPERM)", rs(r));
    r = res(setpgid(s, getpgrp()));
    checkf(is_err(r, EPERM), "setpgid(a child in another session, my group) -> %s (expected EPERM)", rs(r));
    r = res(setpgid(s, s));
    checkf(is_err(r, EPERM), "setpgid(a session leader, itself) -> %s (expected EPERM)", rs(r));
    r = res(setpgid(b, NO_SUCH_PID));
    checkf(is_err(r, EPERM), "setpgid(b, a group that does not exist) -> %s (expected EPERM)", rs(r));
    r = res(setpgid(getppid(), getppid()));
    checkf(is_err(r, ESRCH), "setpgid(my parent, not my child) -> %s (expected ESRCH)", rs(r));
    r = res(setpgid(NO_SUCH_PID, 0));
    checkf(is_err(r, ESRCH), "setpgid(no such pid) -> %s (expected ESRCH)", rs(r));
    release(hold, m, 3, "setpgid");
    r = res(setpgid(a, a));
    checkf(is_err(r, ESRCH), "setpgid of a reaped child -> %s (expected ESRCH)", rs(r));
    r = res(getpgid(a));
    checkf(is_err(r, ESRCH), "getpgid of a reaped child -> %s (expected ESRCH)", rs(r));
}

static void kills(void)
{
    int hold[2];
    pipe(hold);
    pid_t m[3];
    m[0] = fork_member(hold, 2); /* leader of a new group */
    pid_t g = m[0];
    fflush(stdout);
    m[1] = fork();
    if (m[1] == 0) {
        setpgid(0, g);
        close(hold[1]);
        char c;
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    setpgid(m[1], g);
    m[2] = fork_member(hold, 0); /* in my group */
    check(g > 0 && m[2] > 0 && getpgid(m[1]) == g, "two children in a group of their own, one in mine");

    res_t r = res(kill(m[2], 0));
    checkf(r.ret == 0, "kill(live child, 0) -> %s", rs(r));
    r = res(kill(0, 0));
    res_t r2 = res(kill(-getpgrp(), 0));
    checkf(r.ret == 0 && r2.ret == 0, "kill(0, 0), kill(-my group, 0) -> %s, %s", rs(r), rs(r2));
    r = res(kill(-g, SIGTERM));
    int st0 = -1, st1 = -1;
    reap(g, &st0);
    reap(m[1], &st1);
    checkf(r.ret == 0 && WIFSIGNALED(st0) && WTERMSIG(st0) == SIGTERM && WIFSIGNALED(st1) && WTERMSIG(st1) == SIGTERM,
           "kill(-%d, SIGTERM) -> %s: both members die of it (%s, %s)", g, rs(r), status_str(st0), status_str(st1));
    r = res(kill(m[2], 0));
    checkf(r.ret == 0, "the child in my group is untouched: kill(it, 0) -> %s", rs(r));
    r = res(kill(-g, SIGTERM));
    checkf(is_err(r, ESRCH), "kill(-%d) once the group is gone -> %s (expected ESRCH)", g, rs(r));
    r = res(kill(g, 0));
    checkf(is_err(r, ESRCH), "kill(reaped child, 0) -> %s (expected ESRCH)", rs(r));
    r = res(kill(NO_SUCH_PID, 0));
    checkf(is_err(r, ESRCH), "kill(no such pid, 0) -> %s (expected ESRCH)", rs(r));

    r = res(kill(m[2], 65));
    checkf(is_err(r, EINVAL), "kill(child, 65) -> %s (expected EINVAL)", rs(r));
    r = res(kill(m[2], -1));
    checkf(is_err(r, EINVAL), "kill(child, -1) -> %s (expected EINVAL)", rs(r));
    r = res(kill(getpid(), 65));
    checkf(is_err(r, EINVAL), "kill(myself, 65) -> %s (expected EINVAL)", rs(r));

    pid_t me = getpid();
    r = res(syscall(SYS_tgkill, me, me, 0));
    checkf(r.ret == 0, "tgkill(me, me, 0) -> %s", rs(r));
    r = res(syscall(SYS_tgkill, m[2], me, 0));
    checkf(is_err(r, ESRCH), "tgkill(a child's tgid, my tid, 0) -> %s (expected ESRCH)", rs(r));
    r = res(syscall(SYS_tgkill, me, NO_SUCH_PID, 0));
    checkf(is_err(r, ESRCH), "tgkill(me, no such tid, 0) -> %s (expected ESRCH)", rs(r));
    r = res(syscall(SYS_tgkill, me, me, 65));
    checkf(is_err(r, EINVAL), "tgkill(me, me, 65) -> %s (expected EINVAL)", rs(r));
    r = res(syscall(SYS_tgkill, 0, me, 0));
    checkf(is_err(r, EINVAL), "tgkill(0, me, 0) -> %s (expected EINVAL)", rs(r));
    r = res(syscall(SYS_tkill, me, 0));
    checkf(r.ret == 0, "tkill(me, 0) -> %s", rs(r));

    close(hold[1]);
    int st = -1;
    reap(m[2], &st);
    checkf(st == 0, "the child in my group ends normally when released (%s)", status_str(st));
    close(hold[0]);
}

/* kill(-1, SIGKILL) by uid 1000: only uid 1000's processes die. */
static void kill_all(void)
{
    if (!on_kenix()) {
        skipf("(Kenix only) kill(-1, SIGKILL) as uid 1000: not run on a Linux host (other processes of uid 1000)");
        return;
    }
    int hold[2], ready[2];
    pipe(hold);
    pid_t root_child = fork_member(hold, 0);
    pipe(ready);
    fflush(stdout);
    pid_t victim = fork();
    if (victim == 0) {
        close(hold[1]);
        close(ready[0]);
        setuid(1000);
        write(ready[1], getuid() == 1000 ? "y" : "n", 1);
        char c;
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(ready[1]);
    char c = 0;
    read_bounded(ready[0], &c, 1, now_ns() + CHILD_DEADLINE_NS);
    close(ready[0]);
    pid_t killer = fork();
    if (killer == 0) {
        close(hold[1]);
        if (setuid(1000) != 0)
            _exit(2);
        _exit(kill(-1, SIGKILL) == 0 ? 0 : 1);
    }
    int st_k = -1, st_v = -1;
    reap(killer, &st_k);
    reap(victim, &st_v);
    res_t alive = res(kill(root_child, 0));
    checkf(c == 'y' && WIFEXITED(st_k) && WEXITSTATUS(st_k) == 0,
           "a child as uid 1000 calls kill(-1, SIGKILL): returns 0 and survives it (%s)", status_str(st_k));
    checkf(WIFSIGNALED(st_v) && WTERMSIG(st_v) == SIGKILL, "another child of uid 1000 dies of it: %s", status_str(st_v));
    checkf(alive.ret == 0, "a root child survives: kill(it, 0) -> %s (and so does this root parent)", rs(alive));
    pid_t m[1] = { root_child };
    release(hold, m, 1, "kill(-1)");
}

int main(void)
{
    groups();
    setpgid_rules();
    kills();
    kill_all();
    return check_summary();
}
