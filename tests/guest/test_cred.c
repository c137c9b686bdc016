/*
 * Credentials with Linux's rules: real/effective/saved user and group ids
 * (setuid, setreuid, setresuid, setgid, setregid, setresgid, as root and
 * not), supplementary groups, and bad pointers. Every case runs in a child
 * of its own, so the parent stays root; the child's lines are counted here.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/syscall.h>

#include "posix_test.h"

#define KERNEL_ADDRESS ((void *)0xffffffff80080000ull)
#define KEEP (-1L)

enum op { NONE, SETUID, SETREUID, SETRESUID, SETGID, SETREGID, SETRESGID }; /* NONE: no more steps */

struct step {
    enum op op;
    long a, b, c;
    int err;         /* expected errno, 0: must succeed */
    unsigned r, e, s; /* the ids afterwards */
};

struct cred_case {
    const char *what;
    int setup; /* 0: root; 1: setresuid(1000, 2000, 3000); 2: setresgid(100, 200, 300), then uids 1000 */
    struct step steps[3];
};

static const char *op_names[] = { "-", "setuid", "setreuid", "setresuid", "setgid", "setregid", "setresgid" };

static const struct cred_case cases[] = {
    { "root", 0,
      { { SETUID, 1000, 0, 0, 0, 1000, 1000, 1000 },
        { SETUID, 0, 0, 0, EPERM, 1000, 1000, 1000 },
        { SETUID, 1000, 0, 0, 0, 1000, 1000, 1000 } } },
    { "root", 0,
      { { SETRESUID, 1000, 2000, 0, 0, 1000, 2000, 0 },
        { SETRESUID, KEEP, 0, KEEP, 0, 1000, 0, 0 },
        { SETRESUID, 0, 0, 0, 0, 0, 0, 0 } } },
    { "root", 0, { { SETREUID, 1000, 2000, 0, 0, 1000, 2000, 2000 } } },
    { "root", 0, { { SETRESUID, KEEP, KEEP, KEEP, 0, 0, 0, 0 } } },
    { "uids (1000, 2000, 3000)", 1,
      { { SETUID, 1000, 0, 0, 0, 1000, 1000, 3000 },
        { SETUID, 3000, 0, 0, 0, 1000, 3000, 3000 },
        { SETUID, 2000, 0, 0, EPERM, 1000, 3000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETUID, 4000, 0, 0, EPERM, 1000, 2000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETUID, 0, 0, 0, EPERM, 1000, 2000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETREUID, 2000, KEEP, 0, 0, 2000, 2000, 2000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETREUID, KEEP, 3000, 0, 0, 1000, 3000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETREUID, KEEP, 1000, 0, 0, 1000, 1000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETREUID, 3000, KEEP, 0, EPERM, 1000, 2000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETREUID, KEEP, 4000, 0, EPERM, 1000, 2000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETREUID, 1000, KEEP, 0, 0, 1000, 2000, 2000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETREUID, 2000, 1000, 0, 0, 2000, 1000, 1000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETREUID, KEEP, KEEP, 0, 0, 1000, 2000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETRESUID, 3000, 1000, 2000, 0, 3000, 1000, 2000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETRESUID, 4000, KEEP, KEEP, EPERM, 1000, 2000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETRESUID, KEEP, KEEP, 0, EPERM, 1000, 2000, 3000 } } },
    { "uids (1000, 2000, 3000)", 1, { { SETRESUID, KEEP, KEEP, KEEP, 0, 1000, 2000, 3000 } } },

    { "root", 0, { { SETGID, 100, 0, 0, 0, 100, 100, 100 }, { SETGID, 0, 0, 0, 0, 0, 0, 0 } } },
    { "root", 0, { { SETREGID, 100, 200, 0, 0, 100, 200, 200 } } },
    { "root", 0, { { SETRESGID, 100, 200, 300, 0, 100, 200, 300 } } },
    { "gids (100, 200, 300), uid 1000", 2,
      { { SETGID, 100, 0, 0, 0, 100, 100, 300 },
        { SETGID, 300, 0, 0, 0, 100, 300, 300 },
        { SETGID, 200, 0, 0, EPERM, 100, 300, 300 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETGID, 400, 0, 0, EPERM, 100, 200, 300 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETGID, 0, 0, 0, EPERM, 100, 200, 300 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETREGID, 200, KEEP, 0, 0, 200, 200, 200 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETREGID, KEEP, 300, 0, 0, 100, 300, 300 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETREGID, KEEP, 100, 0, 0, 100, 100, 300 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETREGID, 300, KEEP, 0, EPERM, 100, 200, 300 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETREGID, KEEP, 400, 0, EPERM, 100, 200, 300 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETREGID, 200, 100, 0, 0, 200, 100, 100 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETRESGID, 300, 100, 200, 0, 300, 100, 200 } } },
    { "gids (100, 200, 300), uid 1000", 2, { { SETRESGID, 400, KEEP, KEEP, EPERM, 100, 200, 300 } } },
};

static long do_op(const struct step *s)
{
    switch (s->op) {
    case SETUID:
        return setuid((uid_t)s->a);
    case SETREUID:
        return setreuid((uid_t)s->a, (uid_t)s->b);
    case SETRESUID:
        return setresuid((uid_t)s->a, (uid_t)s->b, (uid_t)s->c);
    case SETGID:
        return setgid((gid_t)s->a);
    case SETREGID:
        return setregid((gid_t)s->a, (gid_t)s->b);
    case SETRESGID:
        return setresgid((gid_t)s->a, (gid_t)s->b, (gid_t)s->c);
    case NONE:
        break;
    }
    return -2;
}

static int case_child(void *arg)
{
    const struct cred_case *c = arg;
    if (c->setup == 1 && setresuid(1000, 2000, 3000) != 0)
        return 2;
    if (c->setup == 2 && (setresgid(100, 200, 300) != 0 || setresuid(1000, 1000, 1000) != 0))
        return 2;
    for (int i = 0; i < 3 && c->steps[i].op != NONE; i++) {
        const struct step *s = &c->steps[i];
        res_t r = res(do_op(s));
        unsigned id[3] = { 0 };
        if (s->op >= SETGID)
            getresgid(&id[0], &id[1], &id[2]);
        else
            getresuid(&id[0], &id[1], &id[2]);
        bool ok = (s->err ? is_err(r, s->err) : r.ret == 0) && id[0] == s->r && id[1] == s->e && id[2] == s->s;
        char args[48];
        int nargs = s->op == SETUID || s->op == SETGID ? 1 : s->op == SETREUID || s->op == SETREGID ? 2 : 3;
        long v[3] = { s->a, s->b, s->c };
        args[0] = 0;
        for (int k = 0; k < nargs; k++)
            snprintf(args + strlen(args), sizeof(args) - strlen(args), "%s%ld", k ? ", " : "", v[k]);
        ccheckf(ok, "%s: %s(%s) -> %s (expected %s): %s (%u, %u, %u), expected (%u, %u, %u)", c->what, op_names[s->op],
                args, rs(r), s->err ? errname(s->err) : "0", s->op >= SETGID ? "gids" : "uids", id[0], id[1], id[2],
                s->r, s->e, s->s);
    }
    return 0;
}

static void id_cases(void)
{
    unsigned r, e, s, gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    checkf(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0,
           "getuid %d, geteuid %d, getgid %d, getegid %d: all 0", getuid(), geteuid(), getgid(), getegid());
    checkf(r == 0 && e == 0 && s == 0 && gr == 0 && ge == 0 && gs == 0, "getresuid (%u, %u, %u), getresgid (%u, %u, %u)",
           r, e, s, gr, ge, gs);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int st = run_child(cases[i].what, case_child, (void *)&cases[i]);
        if (st != 0)
            checkf(false, "%s: case %zu's child ended with %s", cases[i].what, i, status_str(st));
    }
}

static int inherit_child(void *arg)
{
    (void)arg;
    setresgid(100, 200, 300);
    setresuid(1000, 2000, 3000);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        unsigned id[6];
        getresuid(&id[0], &id[1], &id[2]);
        getresgid(&id[3], &id[4], &id[5]);
        ccheckf(id[0] == 1000 && id[1] == 2000 && id[2] == 3000 && id[3] == 100 && id[4] == 200 && id[5] == 300,
                "fork inherits all six ids: uids (%u, %u, %u), gids (%u, %u, %u)", id[0], id[1], id[2], id[3], id[4],
                id[5]);
        _exit(0);
    }
    int st = -1;
    reap(pid, &st);
    return st == 0 ? 0 : 1;
}

static bool groups_are(const gid_t *want, int n)
{
    gid_t got[8];
    int k = getgroups(8, got);
    if (k != n)
        return false;
    for (int i = 0; i < n; i++)
        if (got[i] != want[i])
            return false;
    return true;
}

static int groups_child(void *arg)
{
    (void)arg;
    gid_t g[3] = { 10, 20, 30 }, buf[8];
    res_t r = res(setgroups(3, g));
    res_t n = res(getgroups(0, NULL));
    ccheckf(r.ret == 0 && n.ret == 3, "root: setgroups({10, 20, 30}) -> %s; getgroups(0, NULL) -> %s (the count)", rs(r),
            rs(n));
    memset(buf, 0, sizeof(buf));
    n = res(getgroups(8, buf));
    ccheckf(n.ret == 3 && buf[0] == 10 && buf[1] == 20 && buf[2] == 30, "getgroups(8) -> %s: %u, %u, %u", rs(n), buf[0],
            buf[1], buf[2]);
    n = res(getgroups(3, buf));
    ccheckf(n.ret == 3, "getgroups with a buffer of exactly 3 -> %s", rs(n));
    n = res(getgroups(2, buf));
    ccheckf(is_err(n, EINVAL), "getgroups with a buffer of 2 < 3 -> %s (expected EINVAL)", rs(n));
    n = res(getgroups(-1, buf));
    ccheckf(is_err(n, EINVAL), "getgroups(-1) -> %s (expected EINVAL)", rs(n));
    n = res(syscall(SYS_getgroups, 8, (void *)8));
    ccheckf(is_err(n, EFAULT), "getgroups into 0x8 -> %s (expected EFAULT)", rs(n));

    gid_t unsorted[3] = { 30, 10, 20 }, sorted[3] = { 10, 20, 30 };
    r = res(setgroups(3, unsorted));
    memset(buf, 0, sizeof(buf));
    n = res(getgroups(8, buf));
    ccheckf(r.ret == 0 && groups_are(sorted, 3), "setgroups({30, 10, 20}) -> %s: getgroups gives %u, %u, %u (Linux sorts them)",
            rs(r), buf[0], buf[1], buf[2]);

    pid_t pid = fork();
    if (pid == 0) {
        ccheckf(groups_are(sorted, 3), "fork inherits the groups");
        _exit(0);
    }
    int st = -1;
    reap(pid, &st);

    r = res(syscall(SYS_setgroups, 3, (void *)8));
    ccheckf(is_err(r, EFAULT) && groups_are(sorted, 3), "setgroups from 0x8 -> %s (expected EFAULT), groups unchanged",
            rs(r));
    /* the kernel's NGROUPS_MAX is 65536 (musl's <limits.h> says 32) */
    static gid_t many[65537];
    r = res(syscall(SYS_setgroups, 65537, many));
    ccheckf(is_err(r, EINVAL), "setgroups(65537 = the kernel's NGROUPS_MAX + 1) -> %s (expected EINVAL)", rs(r));
    r = res(syscall(SYS_setgroups, 33, many));
    n = res(getgroups(0, NULL));
    ccheckf(r.ret == 0 && n.ret == 33, "setgroups(33 > musl's NGROUPS_MAX) -> %s: getgroups(0) -> %s", rs(r), rs(n));
    r = res(syscall(SYS_setgroups, -1, many));
    ccheckf(is_err(r, EINVAL), "setgroups(-1) -> %s (expected EINVAL)", rs(r));
    r = res(setgroups(0, NULL));
    n = res(getgroups(0, NULL));
    ccheckf(r.ret == 0 && n.ret == 0, "setgroups(0, NULL) -> %s: getgroups(0) -> %s", rs(r), rs(n));

    r = res(setgroups(3, g));
    setuid(1000);
    res_t r2 = res(setgroups(1, g));
    ccheckf(is_err(r2, EPERM) && groups_are(g, 3), "as uid 1000: setgroups -> %s (expected EPERM), groups unchanged",
            rs(r2));
    /* Linux checks the permission first; qemu-user checks the size itself */
    r2 = res(syscall(SYS_setgroups, 65537, many));
    kcheckf(is_err(r2, EPERM), "as uid 1000: setgroups(65537) -> %s (expected EPERM: permission comes first)", rs(r2));
    n = res(getgroups(0, NULL));
    ccheckf(n.ret == 3, "as uid 1000: getgroups(0) still -> %s", rs(n));
    return st == 0 ? 0 : 1;
}

static void bad_pointers(void)
{
    unsigned a, b;
    res_t r = res(syscall(SYS_getresuid, (void *)8, &a, &b));
    checkf(is_err(r, EFAULT), "getresuid(0x8, ...) -> %s (expected EFAULT)", rs(r));
    r = res(syscall(SYS_getresuid, &a, &b, KERNEL_ADDRESS));
    checkf(is_err(r, EFAULT), "getresuid(..., a kernel address) -> %s (expected EFAULT)", rs(r));
    r = res(syscall(SYS_getresgid, &a, (void *)8, &b));
    checkf(is_err(r, EFAULT), "getresgid(.., 0x8, ..) -> %s (expected EFAULT)", rs(r));
}

int main(void)
{
    id_cases();
    run_child_ok("inheritance", inherit_child, NULL);
    gid_t g[8];
    res_t n = res(getgroups(0, NULL));
    res_t n2 = res(getgroups(8, g));
    checkf(n.ret >= 0 && n2.ret == n.ret, "getgroups(0, NULL) -> %s, the count getgroups(8) returns (%s)", rs(n), rs(n2));
    run_child_ok("groups", groups_child, NULL);
    bad_pointers();
    return check_summary();
}
