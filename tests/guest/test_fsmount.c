/*
 * Mounts with Linux's semantics: a tmpfs with size=1m mounted at a fresh
 * directory (its own st_dev, root mode 01777, exactly 256 blocks), filled
 * until a short write and then ENOSPC, the space back exactly when the file
 * goes, statfs figures moving page by page, umount refused (EBUSY) while a
 * file is open or a process's working directory is inside, then done; EINVAL
 * for what is not a mount point, EPERM for a user who is not root, mount
 * errors (ENOENT, ENODEV, ENOTDIR, bad options), read-only mounts and
 * remounts (EROFS for every change, EBUSY for a remount while a file is
 * open for writing), and a mount hiding the directory's own entries.
 *
 * On Kenix all of it runs (process 1's children are root). On a Linux host
 * mounting changes the host, so it runs only when KENIX_TEST_MOUNT=1 is set,
 * as root, and then best inside a mount namespace of its own:
 *     unshare -m env KENIX_TEST_MOUNT=1 TMPDIR=/dev/shm qemu-aarch64-static test_fsmount
 */
#define _GNU_SOURCE
#include <sys/mount.h>

#include "fs_test.h"

#define PAGE 4096

static struct statfs fsstat(const char *path)
{
    struct statfs s;
    memset(&s, 0, sizeof(s));
    statfs(path, &s);
    return s;
}

static dev_t dev_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_dev : 0;
}

static res_t mount_tmpfs(const char *target, unsigned long flags, const char *options)
{
    return res(mount("tmpfs", target, "tmpfs", flags, options));
}

/* --- mounting, and what a new tmpfs looks like ------------------------------------------------ */

static bool mounting(void)
{
    mkdir(P("mnt"), 0755);
    put_str(P("mnt/hidden"), "under the mount");
    dev_t before = dev_of(P("mnt"));
    res_t r = mount_tmpfs(P("mnt"), 0, "size=1m");
    if (!expect_ret(r, 0, "mount(tmpfs, mnt, size=1m)"))
        return false;
    struct stat st;
    stat(P("mnt"), &st);
    checkf(st.st_dev != before && st.st_dev != 0, "the mount point now has the new file system's st_dev (0x%lx, was 0x%lx)",
           (unsigned long)st.st_dev, (unsigned long)before);
    checkf(st.st_mode == (S_IFDIR | 01777) && st.st_uid == 0 && st.st_gid == 0 && st.st_nlink == 2,
           "a new tmpfs's root: mode 0%o (Linux's default 01777), owner %u:%u, nlink %lu", st.st_mode, st.st_uid,
           st.st_gid, (unsigned long)st.st_nlink);
    checkf(!exists(P("mnt/hidden")), "the directory's own entries are hidden under the mount");
    int d = open(P("mnt"), O_RDONLY | O_DIRECTORY);
    static char buf[4096];
    long n = syscall(SYS_getdents64, d, buf, sizeof(buf));
    checkf(n == 48, "a new tmpfs lists only \".\" and \"..\" (getdents64 -> %ld bytes)", n);
    close(d);
    struct stat up, sc;
    stat(P("mnt/.."), &up);
    stat(scratch, &sc);
    checkf(up.st_ino == sc.st_ino && up.st_dev == sc.st_dev, "mnt/.. crosses back to the directory holding the mount point");

    struct statfs s = fsstat(P("mnt"));
    checkf(s.f_type == TMPFS_MAGIC_NUMBER && s.f_bsize == PAGE && s.f_blocks == 256 && s.f_bfree == 256 &&
               s.f_bavail == 256,
           "statfs: f_type 0x%lx, f_bsize %ld, f_blocks %llu, f_bfree %llu, f_bavail %llu (tmpfs, 4096, 256 x3)",
           (unsigned long)s.f_type, (long)s.f_bsize, (unsigned long long)s.f_blocks, (unsigned long long)s.f_bfree,
           (unsigned long long)s.f_bavail);
    checkf(s.f_namelen == 255 && !(s.f_flags & ST_RDONLY), "f_namelen %ld, not read-only (f_flags 0x%lx)", (long)s.f_namelen,
           (unsigned long)s.f_flags);
    struct statfs outer = fsstat(scratch);
    checkf(memcmp(&outer.f_fsid, &s.f_fsid, sizeof(s.f_fsid)) != 0 || outer.f_blocks != s.f_blocks,
           "statfs of the scratch dir is another file system's");
    put_str(P("outside"), "o");
    expect_err(res(rename(P("outside"), P("mnt/outside"))), EXDEV, "rename into the mount");
    expect_err(res(link(P("outside"), P("mnt/outside"))), EXDEV, "link into the mount");
    expect_err(res(rmdir(P("mnt"))), EBUSY, "rmdir of the mount point");
    expect_err(res(rename(P("mnt"), P("mnt2"))), EBUSY, "rename of the mount point");
    return true;
}

/* --- ENOSPC and space coming back ------------------------------------------------------------- */

static void filling(void)
{
    const char *p = P("mnt/fill");
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char chunk[100000];
    memset(chunk, 'F', sizeof(chunk));
    long results[16];
    int nres = 0;
    for (; nres < 16; nres++) {
        ssize_t w = write(fd, chunk, sizeof(chunk));
        results[nres] = w < 0 ? -errno : w;
        if (w < 0)
            break;
    }
    int whole = 0;
    while (whole < nres && results[whole] == 100000)
        whole++;
    checkf(whole == 10 && nres == 11 && results[10] == 48576 && results[11] == -ENOSPC,
           "writing 100000-byte pieces into 1 MiB: %d whole, then %ld (short: 48576), then %s (ENOSPC)", whole,
           nres > 10 ? results[10] : 0, nres >= 11 && results[11] < 0 ? errname((int)-results[11]) : "no error");
    struct stat st;
    fstat(fd, &st);
    checkf(st.st_size == 1 << 20 && st.st_blocks == 2048, "the file: size %lld, st_blocks %lld (1 MiB, 2048)",
           (long long)st.st_size, (long long)st.st_blocks);
    struct statfs s = fsstat(P("mnt"));
    checkf(s.f_bfree == 0 && s.f_bavail == 0, "statfs when full: f_bfree %llu, f_bavail %llu",
           (unsigned long long)s.f_bfree, (unsigned long long)s.f_bavail);
    expect_err(res(write(fd, "x", 1)), ENOSPC, "one more byte");
    int other = open(P("mnt/other"), O_RDWR | O_CREAT, 0644);
    checkf(other >= 0, "creating a file on the full tmpfs works (names take no pages): fd %d", other);
    expect_err(res(write(other, "x", 1)), ENOSPC, "writing a byte to it");
    expect_ok(res(ftruncate(other, 1 << 20)), "ftruncate(1 MiB) of it: a hole takes no pages");
    char c = 'q';
    expect_ret(res(pread(other, &c, 1, 4096)), 1, "reading the hole");
    checkf(c == 0, "the hole reads as zero");
    expect_ok(res(mkdir(P("mnt/dir"), 0755)), "mkdir on the full tmpfs");
    close(other);

    /* the space comes back */
    close(fd);
    expect_ret(res(unlink(p)), 0, "unlink the full file");
    s = fsstat(P("mnt"));
    checkf(s.f_bfree == 256, "all 256 blocks free again (f_bfree %llu)", (unsigned long long)s.f_bfree);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char mib[1 << 20];
    memset(mib, 'G', sizeof(mib));
    expect_ret(res(write(fd, mib, sizeof(mib))), 1 << 20, "write 1 MiB again, in one call");
    expect_ret(res(ftruncate(fd, 512 * 1024)), 0, "ftruncate to 512 KiB");
    s = fsstat(P("mnt"));
    checkf(s.f_bfree == 128, "half the blocks free (f_bfree %llu, expected 128)", (unsigned long long)s.f_bfree);
    expect_ret(res(ftruncate(fd, 0)), 0, "ftruncate to 0");
    s = fsstat(P("mnt"));
    checkf(s.f_bfree == 256, "all free (f_bfree %llu)", (unsigned long long)s.f_bfree);
    expect_ret(res(write(fd, mib, 102400)), 102400, "write 100 KiB");
    s = fsstat(P("mnt"));
    checkf(s.f_bfree == 256 - 25, "statfs moves page by page: f_bfree %llu (expected 231)", (unsigned long long)s.f_bfree);
    expect_ret(res(pwrite(fd, "x", 1, 500000)), 1, "one byte at 500000 (a new page in a hole)");
    s = fsstat(P("mnt"));
    checkf(s.f_bfree == 230, "f_bfree %llu (expected 230)", (unsigned long long)s.f_bfree);
    close(fd);
    unlink(p);
    unlink(P("mnt/other"));
    rmdir(P("mnt/dir"));
}

/* --- umount: EBUSY, EINVAL, then done --------------------------------------------------------- */

static int cwd_holder(void *arg)
{
    int *pipes = arg; /* [0] ready write end, [1] hold read end */
    if (chdir(P("mnt")) != 0)
        return 1;
    write(pipes[0], "r", 1);
    char c;
    while (read(pipes[1], &c, 1) > 0)
        ;
    return 0;
}

static void unmounting(void)
{
    int fd = open(P("mnt/busy"), O_RDWR | O_CREAT, 0644);
    expect_err(res(umount(P("mnt"))), EBUSY, "umount while a file in it is open");
    close(fd);
    fd = open(P("mnt"), O_RDONLY | O_DIRECTORY);
    expect_err(res(umount(P("mnt"))), EBUSY, "umount while its root directory is open");
    close(fd);
    chdir(P("mnt"));
    expect_err(res(umount(P("mnt"))), EBUSY, "umount while it is the caller's working directory");
    chdir(scratch);

    int ready[2], hold[2];
    pipe(ready);
    pipe(hold);
    int pipes[2] = { ready[1], hold[0] };
    int rd;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        close(hold[1]);
        _exit(cwd_holder(pipes));
    }
    close(ready[1]);
    close(hold[0]);
    (void)rd;
    char c;
    size_t got = read_bounded(ready[0], &c, 1, now_ns() + CHILD_DEADLINE_NS);
    expect_err(res(umount(P("mnt"))), EBUSY, "umount while a child's working directory is in it");
    close(hold[1]);
    int st;
    int r = reap(pid, &st);
    checkf(got == 1 && r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child held it and exited (%s)",
           status_str(st));
    close(ready[0]);

    expect_err(res(umount(P("notmnt"))), ENOENT, "umount of a missing path");
    mkdir(P("notmnt"), 0755);
    expect_err(res(umount(P("notmnt"))), EINVAL, "umount of a directory that is not a mount point");
    expect_err(res(umount(P("outside"))), EINVAL, "umount of a file");
    expect_err(res(umount2(P("mnt"), 0x100)), EINVAL, "umount2(flags 0x100)");
    expect_err(res(umount(P("mnt/busy"))), EINVAL, "umount of a file inside the mount");

    dev_t inner = dev_of(P("mnt"));
    expect_ret(res(umount(P("mnt"))), 0, "umount once nothing uses it");
    checkf(dev_of(P("mnt")) == dev_of(scratch) && dev_of(P("mnt")) != inner, "the mount point is the plain directory again");
    checkf(!exists(P("mnt/busy")) && file_is(P("mnt/hidden"), "under the mount"),
           "the tmpfs's files are gone with it, the hidden entry is back (\"%s\")", contents(P("mnt/hidden")));
    expect_err(res(umount(P("mnt"))), EINVAL, "umount again");
}

/* --- mount errors, non-root ------------------------------------------------------------------- */

static int nonroot_child(void *arg)
{
    (void)arg;
    if (setgroups(0, NULL) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0)
        return 1;
    expect_err(mount_tmpfs(P("mnt"), 0, "size=1m"), EPERM, "uid 1000: mount");
    expect_err(res(umount(P("mnt"))), EPERM, "uid 1000: umount of a mount point");
    expect_err(res(umount(P("notmnt"))), EPERM, "uid 1000: umount of a plain dir (permission first)");
    expect_err(mount_tmpfs(P("mnt"), MS_REMOUNT | MS_RDONLY, NULL), EPERM, "uid 1000: remount read-only");
    return 0;
}

static void errors(void)
{
    expect_err(mount_tmpfs(P("nowhere"), 0, NULL), ENOENT, "mount on a missing path");
    expect_err(res(mount("none", P("mnt"), "nosuchfs", 0, NULL)), ENODEV, "mount of an unknown file system type");
    expect_err(mount_tmpfs(P("outside"), 0, NULL), ENOTDIR, "mount a tmpfs on a regular file");
    expect_err(mount_tmpfs(P("mnt"), 0, "size=abc"), EINVAL, "mount with size=abc");
    expect_err(mount_tmpfs(P("mnt"), 0, "bogus=1"), EINVAL, "mount with an unknown option");
    checkf(dev_of(P("mnt")) == dev_of(scratch), "the failed mounts mounted nothing");

    expect_ret(mount_tmpfs(P("mnt"), 0, "size=64k"), 0, "mount(size=64k)");
    struct statfs s = fsstat(P("mnt"));
    checkf(s.f_blocks == 16, "size=64k: f_blocks %llu (16)", (unsigned long long)s.f_blocks);
    run_child_ok("not root", nonroot_child, NULL);
    checkf(dev_of(P("mnt")) != dev_of(scratch), "still mounted after the refused umounts");
    expect_ret(res(umount(P("mnt"))), 0, "umount(size=64k)");
}

/* --- read-only ------------------------------------------------------------------------------- */

static void read_only(void)
{
    expect_ret(mount_tmpfs(P("mnt"), 0, "size=1m"), 0, "mount(size=1m) again");
    put_str(P("mnt/f"), "read me");
    mkdir(P("mnt/d"), 0755);
    symlink("f", P("mnt/l"));
    int w = open(P("mnt/f"), O_WRONLY);
    expect_err(mount_tmpfs(P("mnt"), MS_REMOUNT | MS_RDONLY, NULL), EBUSY,
               "remount read-only while a file is open for writing");
    close(w);
    int r = open(P("mnt/f"), O_RDONLY);
    expect_ret(mount_tmpfs(P("mnt"), MS_REMOUNT | MS_RDONLY, NULL), 0,
               "remount read-only (a file open for reading does not matter)");
    struct statfs s = fsstat(P("mnt"));
    checkf((s.f_flags & ST_RDONLY) && s.f_blocks == 256, "statfs: ST_RDONLY in f_flags 0x%lx, size kept (%llu blocks)",
           (unsigned long)s.f_flags, (unsigned long long)s.f_blocks);
    char buf[16] = { 0 };
    checkf(read(r, buf, sizeof(buf)) == 7 && !memcmp(buf, "read me", 7), "the open file still reads");
    close(r);
    checkf(file_is(P("mnt/f"), "read me"), "and opens for reading");
    expect_err(res(open(P("mnt/new"), O_CREAT | O_WRONLY, 0644)), EROFS, "create");
    expect_err(res(open(P("mnt/f"), O_WRONLY)), EROFS, "open for writing");
    expect_err(res(open(P("mnt/f"), O_RDONLY | O_TRUNC)), EROFS, "open O_RDONLY|O_TRUNC");
    expect_err(res(mkdir(P("mnt/nd"), 0755)), EROFS, "mkdir");
    expect_err(res(rmdir(P("mnt/d"))), EROFS, "rmdir");
    expect_err(res(unlink(P("mnt/f"))), EROFS, "unlink");
    expect_err(res(rename(P("mnt/f"), P("mnt/g"))), EROFS, "rename");
    expect_err(res(link(P("mnt/f"), P("mnt/g"))), EROFS, "link");
    expect_err(res(symlink("x", P("mnt/s"))), EROFS, "symlink");
    expect_err(res(mkfifo(P("mnt/p"), 0644)), EROFS, "mkfifo");
    expect_err(res(chmod(P("mnt/f"), 0600)), EROFS, "chmod");
    expect_err(res(chown(P("mnt/f"), 1, 1)), EROFS, "chown");
    expect_err(res(truncate(P("mnt/f"), 0)), EROFS, "truncate");
    expect_err(res(utimensat(AT_FDCWD, P("mnt/f"), NULL, 0)), EROFS, "utimensat");
    expect_err(res(access(P("mnt/f"), W_OK)), EROFS, "access(W_OK)");
    expect_ret(res(access(P("mnt/f"), R_OK)), 0, "access(R_OK)");
    expect_err(res(open(P("mnt/l"), O_WRONLY)), EROFS, "open for writing through a symlink");
    int dfd = open(P("mnt/d"), O_RDONLY | O_DIRECTORY);
    expect_err(res(mkdirat(dfd, "x", 0755)), EROFS, "mkdirat(dirfd inside)");
    close(dfd);
    expect_ret(mount_tmpfs(P("mnt"), MS_REMOUNT, NULL), 0, "remount read-write");
    w = open(P("mnt/f"), O_WRONLY | O_APPEND);
    checkf(w >= 0 && write(w, "!", 1) == 1 && file_is(P("mnt/f"), "read me!"), "writable again: \"%s\"",
           contents(P("mnt/f")));
    close(w);
    expect_ret(res(umount(P("mnt"))), 0, "umount");

    expect_ret(mount_tmpfs(P("mnt"), MS_RDONLY, "size=1m"), 0, "mount(MS_RDONLY)");
    expect_err(res(open(P("mnt/new"), O_CREAT | O_WRONLY, 0644)), EROFS, "create on a tmpfs mounted read-only");
    expect_ret(res(umount2(P("mnt"), 0)), 0, "umount2(0)");
}

/* --- Kenix: filling /tmp itself ---------------------------------------------------------------- */

static int write_after_full(void *arg)
{
    (void)arg;
    static char mib[1 << 20];
    memset(mib, 'c', sizeof(mib));
    int fd = open(P("after"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    bool ok = fd >= 0 && write(fd, mib, sizeof(mib)) == (ssize_t)sizeof(mib);
    static char back[1 << 20];
    bool same = ok && pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back) && !memcmp(back, mib, sizeof(mib));
    close(fd);
    unlink(P("after"));
    ccheckf(ok && same, "a new process writes and reads back 1 MiB in /tmp after it was full");
    return 0;
}

/* The scratch directory is in Kenix's /tmp (a tmpfs of half the RAM): fill
 * it, check ENOSPC and the figures, free it, and carry on. Not on a Linux
 * host, whose /dev/shm may hold gigabytes. */
static void filling_tmp(void)
{
    if (!on_kenix()) {
        skipf("(Kenix only) filling /tmp until ENOSPC, then freeing it: not on a Linux host");
        return;
    }
    struct statfs s0 = fsstat(scratch);
    int fd = open(P("hog"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char mib[1 << 20];
    memset(mib, 'H', sizeof(mib));
    long long total = 0;
    int err = 0;
    for (int i = 0; i < 100000; i++) {
        ssize_t w = write(fd, mib, sizeof(mib));
        if (w < 0) {
            err = errno;
            break;
        }
        total += w;
    }
    struct statfs s1 = fsstat(scratch);
    checkf(err == ENOSPC && total == (long long)(s0.f_bfree * (unsigned long long)s0.f_bsize),
           "filling /tmp: %lld bytes written (the %llu free blocks), then %s (ENOSPC)", total,
           (unsigned long long)s0.f_bfree, errname(err));
    checkf(s1.f_bfree == 0 && s1.f_bavail == 0, "statfs of the full /tmp: f_bfree %llu, f_bavail %llu",
           (unsigned long long)s1.f_bfree, (unsigned long long)s1.f_bavail);
    close(fd);
    expect_ret(res(unlink(P("hog"))), 0, "unlink the file that filled /tmp");
    struct statfs s2 = fsstat(scratch);
    checkf(s2.f_bfree == s0.f_bfree, "every block back: f_bfree %llu (before: %llu)", (unsigned long long)s2.f_bfree,
           (unsigned long long)s0.f_bfree);
    run_child_ok("after /tmp was full", write_after_full, NULL);
}

int main(void)
{
    umask(022);
    scratch_init("test_fsmount");
    chmod(scratch, 0755); /* a user who is not root must reach mnt to be refused for the right reason */
    bool mounts = on_kenix() || (getenv("KENIX_TEST_MOUNT") && !strcmp(getenv("KENIX_TEST_MOUNT"), "1") && geteuid() == 0);
    if (!mounts) {
        skipf("mounting on a Linux host: only with KENIX_TEST_MOUNT=1, as root, in a mount namespace of its own "
              "(unshare -m)");
    } else if (mounting()) {
        filling();
        unmounting();
        errors();
        read_only();
        filling_tmp();
    }
    umount2(P("mnt"), MNT_DETACH); /* whatever a failure left behind */
    scratch_cleanup();
    return check_summary();
}
