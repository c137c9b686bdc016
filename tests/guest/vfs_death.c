/*
 * The vfs killed in the middle of calls (scenario posix.vfs_death, run as
 * process 1 with kenix.init so the vfs is process 2): the vfs is stopped, a
 * child makes a path call that can get no answer, another reads a file it
 * has open, and then the vfs is killed. Both must come back with EIO -- not
 * hang -- and every later path call and call on a vfs descriptor fails with
 * EIO, while everything the kernel does alone (pipes, kernel devices, fork)
 * goes on working. Kenix-only: on Linux the file system cannot be killed.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include "posix_test.h"

#define VFS_PID 2

static int path_call(void *arg)
{
    (void)arg;
    struct stat st;
    res_t r = res(stat("/bin/sh", &st));
    ccheckf(is_err(r, EIO), "a stat waiting for the stopped vfs, which is then killed -> %s (EIO)", rs(r));
    return 0;
}

static int read_call(void *arg)
{
    int fd = *(int *)arg;
    char buf[16];
    res_t r = res(read(fd, buf, sizeof(buf)));
    ccheckf(is_err(r, EIO), "a read of an open file waiting for the killed vfs -> %s (EIO)", rs(r));
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = open("/etc/passwd", O_RDONLY);
    checkf(fd >= 0, "/etc/passwd opened while the vfs runs");
    res_t r = res(kill(VFS_PID, SIGSTOP));
    checkf(r.ret == 0, "the vfs (process %d) stopped -> %s", VFS_PID, rs(r));
    int rd1, rd2;
    pid_t a = start_child(path_call, NULL, &rd1);
    pid_t b = start_child(read_call, &fd, &rd2);
    sleep_ms(300); /* both are in their calls now, which nobody answers */
    int st;
    checkf(waitpid(a, &st, WNOHANG) == 0 && waitpid(b, &st, WNOHANG) == 0,
           "both callers are still waiting for the stopped vfs");
    r = res(kill(VFS_PID, SIGKILL));
    checkf(r.ret == 0, "the vfs killed -> %s", rs(r));
    int sa = finish_child(a, rd1, "path caller"), sb = finish_child(b, rd2, "reader");
    checkf(sa >= 0 && WIFEXITED(sa) && sb >= 0 && WIFEXITED(sb), "both callers came back (%s, %s)",
           status_str(sa), status_str(sb));

    struct stat s;
    r = res(stat("/", &s));
    checkf(is_err(r, EIO), "stat(\"/\") afterwards -> %s (EIO)", rs(r));
    r = res(open("/tmp/new", O_CREAT | O_WRONLY, 0644));
    checkf(is_err(r, EIO), "open(O_CREAT) afterwards -> %s (EIO)", rs(r));
    r = res(fstat(fd, &s));
    checkf(is_err(r, EIO), "fstat of the open file afterwards -> %s (EIO)", rs(r));
    r = res(close(fd));
    checkf(r.ret == 0, "closing it -> %s (the kernel lets go)", rs(r));
    int p[2];
    char c = 0;
    bool pipes = pipe(p) == 0 && write(p[1], "k", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'k';
    checkf(pipes, "pipes still work");
    pid_t f = fork();
    if (f == 0)
        _exit(7);
    checkf(f > 0 && waitpid(f, &st, 0) == f && WIFEXITED(st) && WEXITSTATUS(st) == 7, "fork and wait still work");
    return check_summary();
}
