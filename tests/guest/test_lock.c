/*
 * Advisory locks with Linux's semantics: fcntl record locks between two
 * processes (F_GETLK reports the holder, F_SETLK EAGAIN, ranges split and
 * merged, read locks shared, write locks exclusive), dropped when the owner
 * closes *another* descriptor of the same file, dropped at exit, F_SETLKW
 * waiting and woken, interrupted by a signal (EINTR without SA_RESTART),
 * EDEADLK for a cycle of two; flock locks owned by the open file
 * description (shared by dup and fork, not by a second open), LOCK_NB,
 * conversion, release at the last close.
 */
#define _GNU_SOURCE
#include <sys/file.h>
#include <sys/stat.h>

#include "posix_test.h"

static char dir[64], path[96];

static int open_rw(void)
{
    return open(path, O_RDWR);
}

static struct flock lk(short type, off_t start, off_t len)
{
    struct flock f = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    return f;
}

static res_t setlk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock f = lk(type, start, len);
    return res(fcntl(fd, cmd, &f));
}

/* F_GETLK for a write lock over [start, start+len): the conflicting lock or F_UNLCK. */
static struct flock getlk(int fd, short type, off_t start, off_t len)
{
    struct flock f = lk(type, start, len);
    if (fcntl(fd, F_GETLK, &f) != 0)
        f.l_type = -1;
    return f;
}

/* A child that takes a lock and then waits for the parent's word on a pipe. */
struct holder {
    short type;
    off_t start, len;
    int go[2];   /* parent -> child: release and exit */
    int ready[2];/* child -> parent: locked */
};

static int hold_lock(void *arg)
{
    struct holder *h = arg;
    close(h->go[1]); /* so that the parent's close is the end of file */
    close(h->ready[0]);
    int fd = open_rw();
    res_t r = setlk(fd, F_SETLK, h->type, h->start, h->len);
    char c = r.ret == 0 ? 'y' : 'n';
    if (write(h->ready[1], &c, 1) != 1)
        return 2;
    fcntl(h->go[0], F_SETFL, 0);
    ssize_t n = read(h->go[0], &c, 1); /* until the parent says */
    (void)n;
    return r.ret == 0 ? 0 : 1;
}

static pid_t start_holder(struct holder *h, int *rd)
{
    if (pipe(h->go) || pipe(h->ready))
        return -1;
    pid_t pid = start_child(hold_lock, h, rd);
    close(h->go[0]);
    close(h->ready[1]);
    char c = 0;
    fcntl(h->ready[0], F_SETFL, O_NONBLOCK);
    read_bounded(h->ready[0], &c, 1, now_ns() + CHILD_DEADLINE_NS);
    close(h->ready[0]);
    return c == 'y' ? pid : -pid;
}

static void stop_holder(struct holder *h, pid_t pid, int rd, const char *name)
{
    close(h->go[1]);
    int st = finish_child(pid < 0 ? -pid : pid, rd, name);
    checkf(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the holder had its lock and ended (%s)", name,
           st < 0 ? "?" : status_str(st));
}

static void record_locks(void)
{
    int fd = open_rw();
    struct holder h = { .type = F_WRLCK, .start = 100, .len = 50 };
    int rd;
    pid_t pid = start_holder(&h, &rd);
    checkf(pid > 0, "a child holds a write lock on bytes 100-149");
    struct flock g = getlk(fd, F_WRLCK, 0, 0);
    checkf(g.l_type == F_WRLCK && g.l_start == 100 && g.l_len == 50 && g.l_pid == (pid < 0 ? -pid : pid) &&
               g.l_whence == SEEK_SET,
           "F_GETLK over the whole file: type %d start %ld len %ld pid %d (the child's write lock)", g.l_type,
           (long)g.l_start, (long)g.l_len, g.l_pid);
    g = getlk(fd, F_RDLCK, 0, 100);
    checkf(g.l_type == F_UNLCK, "F_GETLK over bytes 0-99: F_UNLCK (%d)", g.l_type);
    res_t r = setlk(fd, F_SETLK, F_RDLCK, 120, 1);
    checkf(is_err(r, EAGAIN), "F_SETLK read lock on byte 120 -> %s (EAGAIN)", rs(r));
    r = setlk(fd, F_SETLK, F_WRLCK, 0, 100);
    checkf(r.ret == 0, "F_SETLK write lock on bytes 0-99 (free) -> %s", rs(r));
    r = setlk(fd, F_SETLK, F_WRLCK, 149, 2);
    checkf(is_err(r, EAGAIN), "F_SETLK on bytes 149-150 (one byte taken) -> %s (EAGAIN)", rs(r));
    stop_holder(&h, pid, rd, "write-lock holder");
    r = setlk(fd, F_SETLK, F_WRLCK, 100, 50);
    checkf(r.ret == 0, "the holder exited: its lock went, F_SETLK on 100-149 -> %s", rs(r));
    close(fd);

    /* Read locks share. */
    h = (struct holder){ .type = F_RDLCK, .start = 0, .len = 0 };
    pid = start_holder(&h, &rd);
    fd = open_rw();
    r = setlk(fd, F_SETLK, F_RDLCK, 10, 10);
    checkf(pid > 0 && r.ret == 0, "a read lock beside another process's read lock -> %s", rs(r));
    r = setlk(fd, F_SETLK, F_WRLCK, 10, 10);
    checkf(is_err(r, EAGAIN), "upgrading it to a write lock while the other reads -> %s (EAGAIN)", rs(r));
    stop_holder(&h, pid, rd, "read-lock holder");
    r = setlk(fd, F_SETLK, F_WRLCK, 10, 10);
    checkf(r.ret == 0, "upgrading once the other is gone -> %s", rs(r));
    close(fd);
}

/* Our own locks split and merge: seen from another process with F_GETLK. */
static int probe(void *arg)
{
    long *q = arg; /* {start, len} to ask about */
    int fd = open_rw();
    struct flock g = getlk(fd, F_WRLCK, q[0], q[1]);
    close(fd);
    if (g.l_type == F_UNLCK)
        return 100;
    return (int)(g.l_start % 100); /* start of the conflict, reported as the exit status */
}

static int probe_at(long start, long len)
{
    long q[2] = { start, len };
    int st = run_child("probe", probe, q);
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void split_merge(void)
{
    int fd = open_rw();
    setlk(fd, F_SETLK, F_WRLCK, 0, 90);
    res_t r = setlk(fd, F_SETLK, F_UNLCK, 30, 10);
    int a = probe_at(0, 30), b = probe_at(30, 10), c = probe_at(40, 50);
    checkf(r.ret == 0 && a == 0 && b == 100 && c == 40,
           "unlocking 30-39 inside 0-89 splits it: others see 0 (%d), nothing at 30 (%d), 40 (%d)", a, b, c);
    r = setlk(fd, F_SETLK, F_WRLCK, 30, 10);
    struct flock g;
    long q[2] = { 0, 0 };
    int st = run_child("probe whole", probe, q);
    (void)g;
    checkf(r.ret == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "relocking 30-39 merges again (first conflict at %d)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    /* Negative lengths count back from l_start. */
    setlk(fd, F_SETLK, F_UNLCK, 0, 0);
    r = setlk(fd, F_SETLK, F_WRLCK, 50, -20);
    a = probe_at(30, 1);
    b = probe_at(50, 1);
    checkf(r.ret == 0 && a == 30 && b == 100, "l_start 50, l_len -20 locks 30-49 (probe 30: %d, 50: %d)", a, b);
    r = setlk(fd, F_SETLK, F_WRLCK, 5, -10);
    checkf(is_err(r, EINVAL), "a range starting before 0 -> %s (EINVAL)", rs(r));
    struct flock bad = { .l_type = 7, .l_whence = SEEK_SET };
    r = res(fcntl(fd, F_SETLK, &bad));
    checkf(is_err(r, EINVAL), "l_type 7 -> %s (EINVAL)", rs(r));
    bad = lk(F_WRLCK, 0, 1);
    bad.l_whence = 9;
    r = res(fcntl(fd, F_SETLK, &bad));
    checkf(is_err(r, EINVAL), "l_whence 9 -> %s (EINVAL)", rs(r));
    r = res(fcntl(fd, F_SETLK, (struct flock *)8));
    checkf(is_err(r, EFAULT), "a bad struct flock pointer -> %s (EFAULT)", rs(r));
    close(fd);
    int ro = open(path, O_RDONLY);
    r = setlk(ro, F_SETLK, F_WRLCK, 0, 1);
    checkf(is_err(r, EBADF), "a write lock through a read-only descriptor -> %s (EBADF)", rs(r));
    close(ro);
}

/* POSIX: closing any descriptor of the file drops the process's locks. */
static void close_other(void)
{
    int fd = open_rw(), other = open(path, O_RDONLY);
    res_t r = setlk(fd, F_SETLK, F_WRLCK, 0, 10);
    int before = probe_at(0, 10);
    close(other);
    int after = probe_at(0, 10);
    checkf(r.ret == 0 && before == 0 && after == 100,
           "closing another descriptor of the file drops the lock set through the first (before %d, after %d)", before,
           after);
    close(fd);
    /* dup2 over a descriptor of the file drops them too. */
    fd = open_rw();
    setlk(fd, F_SETLK, F_WRLCK, 0, 10);
    int d = dup(fd), nul = open("/dev/null", O_RDONLY);
    dup2(nul, d);
    after = probe_at(0, 10);
    checkf(after == 100, "dup2 replacing a duplicate drops them as well (probe %d)", after);
    close(nul);
    close(d);
    close(fd);
}

static int blocked_taker(void *arg)
{
    (void)arg;
    int fd = open_rw();
    long long t0 = now_ns();
    res_t r = setlk(fd, F_SETLKW, F_WRLCK, 0, 1);
    long long waited = now_ns() - t0;
    ccheckf(r.ret == 0 && waited > 50000000LL, "F_SETLKW waited %lld ms for the holder, then -> %s",
            waited / 1000000, rs(r));
    return 0;
}

static void on_alarm(int s)
{
    (void)s;
}

static int interrupted_taker(void *arg)
{
    (void)arg;
    struct sigaction sa = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
    int fd = open_rw();
    alarm(1);
    res_t r = setlk(fd, F_SETLKW, F_WRLCK, 0, 1);
    ccheckf(is_err(r, EINTR), "F_SETLKW interrupted by a handler without SA_RESTART -> %s (EINTR)", rs(r));
    return 0;
}

static void waiting(void)
{
    int fd = open_rw();
    setlk(fd, F_SETLK, F_WRLCK, 0, 1);
    int rd;
    pid_t pid = start_child(blocked_taker, NULL, &rd);
    sleep_ms(200);
    setlk(fd, F_SETLK, F_UNLCK, 0, 1);
    finish_child(pid, rd, "blocked taker");
    /* Now the other way: interrupted. */
    setlk(fd, F_SETLK, F_WRLCK, 0, 1);
    run_child_ok("interrupted taker", interrupted_taker, NULL);
    close(fd);
}

/* A cycle of two: the child holds byte 1 and waits for byte 0, which we
 * hold; our wait for byte 1 would close the cycle. */
static int cycle_child(void *arg)
{
    int *sync = arg;
    int fd = open_rw();
    setlk(fd, F_SETLK, F_WRLCK, 1, 1);
    char c = 'y';
    if (write(sync[1], &c, 1) != 1)
        return 2;
    res_t r = setlk(fd, F_SETLKW, F_WRLCK, 0, 1); /* waits for the parent */
    ccheckf(r.ret == 0, "the child's wait for byte 0 ends once the parent lets go -> %s", rs(r));
    return 0;
}

static void deadlock(void)
{
    int fd = open_rw();
    setlk(fd, F_SETLK, F_WRLCK, 0, 1);
    int sync[2];
    if (pipe(sync))
        return;
    int rd;
    pid_t pid = start_child(cycle_child, sync, &rd);
    close(sync[1]);
    char c = 0;
    fcntl(sync[0], F_SETFL, O_NONBLOCK);
    read_bounded(sync[0], &c, 1, now_ns() + CHILD_DEADLINE_NS);
    close(sync[0]);
    sleep_ms(100); /* the child is now waiting for byte 0 */
    res_t r = setlk(fd, F_SETLKW, F_WRLCK, 1, 1);
    checkf(is_err(r, EDEADLK), "waiting for the byte of a process that waits for ours -> %s (EDEADLK)", rs(r));
    setlk(fd, F_SETLK, F_UNLCK, 0, 0);
    finish_child(pid, rd, "cycle child");
    close(fd);
}

static int flock_try(void *arg)
{
    int op = *(int *)arg;
    int fd = open_rw();
    res_t r = res(flock(fd, op | LOCK_NB));
    close(fd);
    return r.ret == 0 ? 0 : r.err == EWOULDBLOCK ? 1 : 2;
}

static int flock_probe(int op)
{
    int st = run_child("flock probe", flock_try, &op);
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void flocks(void)
{
    int fd = open_rw();
    res_t r = res(flock(fd, LOCK_EX));
    int other = flock_probe(LOCK_SH);
    checkf(r.ret == 0 && other == 1, "LOCK_EX held: another open's LOCK_SH|LOCK_NB fails with EWOULDBLOCK (%d)", other);
    int second = open_rw();
    r = res(flock(second, LOCK_SH | LOCK_NB));
    checkf(is_err(r, EWOULDBLOCK), "a second open by the same process conflicts too -> %s (EWOULDBLOCK)", rs(r));
    int d = dup(fd);
    close(fd);
    other = flock_probe(LOCK_SH);
    checkf(other == 1, "closing one of two duplicates keeps the lock (%d)", other);
    close(d);
    other = flock_probe(LOCK_EX);
    checkf(other == 0, "closing the last one releases it (%d)", other);
    fd = open_rw();
    flock(fd, LOCK_SH);
    r = res(flock(second, LOCK_SH | LOCK_NB));
    checkf(r.ret == 0, "two shared locks -> %s", rs(r));
    r = res(flock(fd, LOCK_EX | LOCK_NB));
    checkf(is_err(r, EWOULDBLOCK), "converting to exclusive beside another shared -> %s (EWOULDBLOCK)", rs(r));
    flock(second, LOCK_UN);
    r = res(flock(fd, LOCK_EX | LOCK_NB));
    checkf(r.ret == 0, "converting once alone -> %s", rs(r));
    r = res(flock(fd, 0));
    checkf(is_err(r, EINVAL), "flock(fd, 0) -> %s (EINVAL)", rs(r));
    r = res(flock(-1, LOCK_SH));
    checkf(is_err(r, EBADF), "flock(-1) -> %s (EBADF)", rs(r));
    /* Record locks and flock locks do not interact. */
    r = setlk(second, F_SETLK, F_WRLCK, 0, 0);
    checkf(r.ret == 0, "a record lock beside a flock lock -> %s", rs(r));
    close(fd);
    close(second);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/lock.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        check(false, "a scratch directory");
        return check_summary();
    }
    snprintf(path, sizeof(path), "%s/file", dir);
    int fd = open(path, O_CREAT | O_RDWR, 0644);
    checkf(fd >= 0 && ftruncate(fd, 1000) == 0, "a 1000-byte file to lock in %s", dir);
    close(fd);
    record_locks();
    split_merge();
    close_other();
    waiting();
    deadlock();
    flocks();
    unlink(path);
    rmdir(dir);
    return check_summary();
}
