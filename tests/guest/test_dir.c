/*
 * Directories with Linux's semantics: mkdirat, unlinkat (AT_REMOVEDIR and
 * its errors), getdents64 (through readdir and raw: d_off, d_type, d_reclen,
 * a too-small buffer) with 1,000 files and while entries come and go,
 * directory link counts, renameat/renameat2 (every error, RENAME_NOREPLACE,
 * RENAME_EXCHANGE, same-inode no-op, across directories), linkat, symlinkat/
 * readlinkat, chdir/fchdir/getcwd (also of a removed directory), FIFOs made
 * by mknodat used across fork, and EXDEV between two mounts when there are
 * two. Everything happens in a scratch directory (fs_test.h).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/sysmacros.h>

#include "fs_test.h"

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static long sys_getdents64(int fd, void *buf, size_t len)
{
    return syscall(SYS_getdents64, fd, buf, len);
}

/* --- mkdirat ------------------------------------------------------------------ */

static void making(void)
{
    struct stat parent0, parent1, st;
    stat(scratch, &parent0);
    res_t r = res(mkdir(P("d"), 0755));
    stat(P("d"), &st);
    stat(scratch, &parent1);
    checkf(r.ret == 0 && st.st_mode == (S_IFDIR | 0755) && st.st_nlink == 2 && st.st_uid == geteuid() &&
               st.st_gid == getegid(),
           "mkdir(d, 0755) -> %s: mode 0%o, nlink %lu, owner %u:%u", rs(r), st.st_mode, (unsigned long)st.st_nlink,
           st.st_uid, st.st_gid);
    checkf(parent1.st_nlink == parent0.st_nlink + 1, "the parent's st_nlink went from %lu to %lu (its new \"..\")",
           (unsigned long)parent0.st_nlink, (unsigned long)parent1.st_nlink);
    static const struct {
        mode_t umask, mode, want;
    } modes[] = { { 027, 0777, 0750 }, { 022, 01777, 01755 }, { 022, 06777, 0755 }, { 0, 0, 0 }, { 0, 07777, 01777 } };
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        umask(modes[i].umask);
        r = res(mkdir(P("m%zu", i), modes[i].mode));
        umask(022);
        unsigned m = mode_of(P("m%zu", i));
        checkf(r.ret == 0 && m == (S_IFDIR | modes[i].want), "umask %03o, mkdir(%05o) -> %s: mode 0%o (expected 0%o)",
               modes[i].umask, modes[i].mode, rs(r), m, S_IFDIR | modes[i].want);
    }
    put_str(P("file"), "file");
    symlink("nowhere", P("dangling"));
    expect_err(res(mkdir(P("d"), 0755)), EEXIST, "mkdir(existing dir)");
    expect_err(res(mkdir(P("file"), 0755)), EEXIST, "mkdir(existing file)");
    expect_err(res(mkdir(P("dangling"), 0755)), EEXIST, "mkdir(dangling symlink): the link is not followed");
    checkf(!exists(P("nowhere")), "no directory appeared at the dangling link's target");
    expect_err(res(mkdir(P("missing/sub"), 0755)), ENOENT, "mkdir(missing/sub)");
    expect_err(res(mkdir(P("file/sub"), 0755)), ENOTDIR, "mkdir(file/sub)");
    expect_err(res(mkdir("", 0755)), ENOENT, "mkdir(\"\")");
    r = res(mkdir(P("slash/"), 0755));
    checkf(r.ret == 0 && S_ISDIR(mode_of(P("slash"))), "mkdir(\"slash/\") -> %s: a trailing slash is fine", rs(r));
    r = res(mkdir(P("slashes//"), 0755));
    checkf(r.ret == 0 && S_ISDIR(mode_of(P("slashes"))), "mkdir(\"slashes//\") -> %s", rs(r));
    int d = open(P("d"), O_RDONLY | O_DIRECTORY);
    r = res(mkdirat(d, "under", 0700));
    checkf(r.ret == 0 && mode_of(P("d/under")) == (S_IFDIR | 0700), "mkdirat(dirfd, \"under\") -> %s: made in the dirfd",
           rs(r));
    int f = open(P("file"), O_RDONLY);
    expect_err(res(mkdirat(f, "x", 0755)), ENOTDIR, "mkdirat(file fd, \"x\")");
    expect_err(res(mkdirat(999, "x", 0755)), EBADF, "mkdirat(fd 999, \"x\")");
    r = res(mkdirat(999, P("abs"), 0755));
    checkf(r.ret == 0, "mkdirat(fd 999, absolute path) -> %s: the dirfd is not looked at", rs(r));
    close(d);
    close(f);
    expect_err(res(mkdir(P("d/."), 0755)), EEXIST, "mkdir(d/.)");
    expect_err(res(mkdir(P("d/.."), 0755)), EEXIST, "mkdir(d/..)");
}

/* --- unlinkat ---------------------------------------------------------------------- */

static void removing(void)
{
    mkdir(P("rm"), 0755);
    mkdir(P("rm/full"), 0755);
    put_str(P("rm/full/x"), "x");
    mkdir(P("rm/empty"), 0755);
    put_str(P("rm/f"), "f");
    symlink("empty", P("rm/lempty"));
    symlink("f", P("rm/lf"));

    expect_err(res(unlink(P("rm/empty"))), EISDIR, "unlink(directory)");
    expect_err(res(unlinkat(AT_FDCWD, P("rm/f"), AT_REMOVEDIR)), ENOTDIR, "unlinkat(file, AT_REMOVEDIR)");
    expect_err(res(rmdir(P("rm/full"))), ENOTEMPTY, "rmdir(non-empty directory)");
    expect_err(res(rmdir(P("rm/empty/."))), EINVAL, "rmdir(dir/.)");
    expect_err(res(rmdir(P("rm/empty/.."))), ENOTEMPTY, "rmdir(dir/..)");
    int d = open(P("rm/empty"), O_RDONLY | O_DIRECTORY);
    expect_err(res(unlinkat(d, ".", AT_REMOVEDIR)), EINVAL, "unlinkat(dirfd, \".\", AT_REMOVEDIR)");
    expect_err(res(unlinkat(d, "..", AT_REMOVEDIR)), ENOTEMPTY, "unlinkat(dirfd, \"..\", AT_REMOVEDIR)");
    expect_err(res(unlinkat(d, ".", 0)), EISDIR, "unlinkat(dirfd, \".\", 0)");
    close(d);
    expect_err(res(rmdir(P("rm/lempty"))), ENOTDIR, "rmdir(symlink to a directory)");
    expect_err(res(unlinkat(AT_FDCWD, P("rm/f"), 0x1)), EINVAL, "unlinkat(flags 0x1)");
    expect_err(res(unlinkat(AT_FDCWD, P("rm/f"), AT_REMOVEDIR | 0x100)), EINVAL, "unlinkat(AT_REMOVEDIR|0x100)");
    expect_err(res(unlink(P("rm/missing"))), ENOENT, "unlink(missing)");
    expect_err(res(rmdir(P("rm/missing"))), ENOENT, "rmdir(missing)");
    expect_err(res(unlink(P("rm/f/"))), ENOTDIR, "unlink(\"file/\")");
    expect_err(res(unlink(P("rm/f/x"))), ENOTDIR, "unlink(file/x)");
    expect_err(res(unlink("")), ENOENT, "unlink(\"\")");
    expect_err(res(rmdir("/")), EBUSY, "rmdir(\"/\")");

    res_t r = res(unlink(P("rm/lf")));
    checkf(r.ret == 0 && !exists(P("rm/lf")) && file_is(P("rm/f"), "f"),
           "unlink(symlink) -> %s: the link goes, its target stays", rs(r));
    r = res(unlink(P("rm/lempty")));
    checkf(r.ret == 0 && S_ISDIR(mode_of(P("rm/empty"))), "unlink(symlink to a directory) -> %s: only the link goes",
           rs(r));
    struct stat p0, p1;
    stat(P("rm"), &p0);
    r = res(rmdir(P("rm/empty/")));
    stat(P("rm"), &p1);
    checkf(r.ret == 0 && !exists(P("rm/empty")) && p1.st_nlink == p0.st_nlink - 1,
           "rmdir(\"empty/\") -> %s: gone, the parent's nlink %lu -> %lu", rs(r), (unsigned long)p0.st_nlink,
           (unsigned long)p1.st_nlink);
    r = res(unlinkat(AT_FDCWD, P("rm/full/x"), 0));
    res_t r2 = res(unlinkat(AT_FDCWD, P("rm/full"), AT_REMOVEDIR));
    checkf(r.ret == 0 && r2.ret == 0 && !exists(P("rm/full")), "emptied, the directory goes: unlink %s, rmdir %s",
           rs(r), rs(r2));
    d = open(P("rm"), O_RDONLY | O_DIRECTORY);
    r = res(unlinkat(d, "f", 0));
    checkf(r.ret == 0 && !exists(P("rm/f")), "unlinkat(dirfd, \"f\") -> %s", rs(r));
    expect_err(res(unlinkat(999, "f", 0)), EBADF, "unlinkat(fd 999, \"f\")");
    close(d);
}

/* --- directory link counts ------------------------------------------------------------- */

static void link_counts(void)
{
    mkdir(P("nl"), 0755);
    checkf(nlink_of(P("nl")) == 2, "an empty directory: st_nlink %ld (2)", nlink_of(P("nl")));
    for (int i = 0; i < 3; i++)
        mkdir(P("nl/sub%d", i), 0755);
    for (int i = 0; i < 4; i++)
        put_str(P("nl/file%d", i), "x");
    symlink("sub0", P("nl/link"));
    checkf(nlink_of(P("nl")) == 5, "with 3 subdirectories, 4 files and a symlink: st_nlink %ld (2 + 3)",
           nlink_of(P("nl")));
    rmdir(P("nl/sub2"));
    checkf(nlink_of(P("nl")) == 4, "after rmdir of one: %ld (4)", nlink_of(P("nl")));
    mkdir(P("nl2"), 0755);
    rename(P("nl/sub1"), P("nl2/moved"));
    checkf(nlink_of(P("nl")) == 3 && nlink_of(P("nl2")) == 3,
           "a subdirectory renamed to another parent: the old parent %ld (3), the new one %ld (3)", nlink_of(P("nl")),
           nlink_of(P("nl2")));
    struct stat dotdot, nl2;
    stat(P("nl2/moved/.."), &dotdot);
    stat(P("nl2"), &nl2);
    checkf(dotdot.st_ino == nl2.st_ino, "the moved directory's \"..\" is its new parent (ino %lu, %lu)",
           (unsigned long)dotdot.st_ino, (unsigned long)nl2.st_ino);
    rename(P("nl/file0"), P("nl2/file0"));
    checkf(nlink_of(P("nl")) == 3 && nlink_of(P("nl2")) == 3, "renaming a file changes no directory's count (%ld, %ld)",
           nlink_of(P("nl")), nlink_of(P("nl2")));
    struct stat self, dot;
    stat(P("nl"), &self);
    stat(P("nl/."), &dot);
    checkf(self.st_ino == dot.st_ino && self.st_nlink == dot.st_nlink, "\"nl/.\" is nl (ino %lu)",
           (unsigned long)dot.st_ino);
}

/* --- getdents64 ------------------------------------------------------------------------- */

#define MANY 1000

static void listing_many(void)
{
    mkdir(P("many"), 0755);
    int d = open(P("many"), O_RDONLY | O_DIRECTORY);
    int created = 0;
    for (int i = 0; i < MANY; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%04d", i);
        int fd = openat(d, name, O_CREAT | O_WRONLY | O_EXCL, 0644);
        if (fd >= 0) {
            created++;
            close(fd);
        }
    }
    checkf(created == MANY, "%d files made in one directory", created);

    static unsigned char seen[MANY];
    memset(seen, 0, sizeof(seen));
    int dots = 0, dotdots = 0, other = 0, total = 0;
    DIR *dir = opendir(P("many"));
    struct dirent *e;
    while ((e = readdir(dir))) {
        total++;
        int i;
        char tail;
        if (!strcmp(e->d_name, "."))
            dots++;
        else if (!strcmp(e->d_name, ".."))
            dotdots++;
        else if (sscanf(e->d_name, "f%4d%c", &i, &tail) == 1 && i >= 0 && i < MANY && strlen(e->d_name) == 5)
            seen[i]++;
        else
            other++;
    }
    int once = 0;
    for (int i = 0; i < MANY; i++)
        once += seen[i] == 1;
    checkf(once == MANY && dots == 1 && dotdots == 1 && other == 0 && total == MANY + 2,
           "readdir lists %d entries: each of the %d names exactly once (%d), \".\" %d, \"..\" %d, unknown %d", total,
           MANY, once, dots, dotdots, other);
    rewinddir(dir);
    int again = 0;
    while (readdir(dir))
        again++;
    checkf(again == MANY + 2, "rewinddir, then the whole listing again: %d entries", again);
    closedir(dir);

    /* raw getdents64: record layout, d_type, d_ino, d_off as a resume cookie */
    memset(seen, 0, sizeof(seen));
    static char buf[8192];
    int bad_reclen = 0, bad_type = 0, bad_ino = 0, calls = 0, entries = 0;
    int64_t offs[MANY + 2];
    char names[MANY + 2][8];
    long n;
    lseek(d, 0, SEEK_SET);
    while ((n = sys_getdents64(d, buf, sizeof(buf))) > 0) {
        calls++;
        for (long at = 0; at < n;) {
            struct linux_dirent64 *de = (void *)(buf + at);
            size_t want = (offsetof(struct linux_dirent64, d_name) + strlen(de->d_name) + 1 + 7) & ~(size_t)7;
            if (de->d_reclen != want)
                bad_reclen++;
            bool is_dot = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
            if (fs_exact() && de->d_type != (is_dot ? DT_DIR : DT_REG))
                bad_type++;
            struct stat st;
            if (fstatat(d, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_ino != de->d_ino)
                bad_ino++;
            if (entries < MANY + 2) {
                offs[entries] = de->d_off;
                snprintf(names[entries], sizeof(names[0]), "%s", de->d_name);
            }
            entries++;
            at += de->d_reclen;
        }
    }
    checkf(n == 0 && entries == MANY + 2 && calls >= 2,
           "getdents64 with an 8 KiB buffer: %d entries in %d calls, then 0 (%ld)", entries, calls, n);
    checkf(bad_reclen == 0, "d_reclen is 19 + the name + NUL rounded up to 8 for every entry (%d wrong)", bad_reclen);
    checkf(bad_ino == 0, "d_ino is each name's st_ino (%d wrong)", bad_ino);
    if (fs_exact())
        checkf(bad_type == 0, "d_type: DT_DIR for \".\" and \"..\", DT_REG for the files (%d wrong)", bad_type);
    else
        skipf("(tmpfs only) d_type of every entry");
    expect_ret(res(sys_getdents64(d, buf, sizeof(buf))), 0, "getdents64 at the end again");
    /* seeking to an entry's d_off resumes with the next entry */
    int resumed = 0;
    for (int k = 0; k < MANY + 1; k += 97) {
        lseek(d, offs[k], SEEK_SET);
        n = sys_getdents64(d, buf, 64);
        struct linux_dirent64 *de = (void *)buf;
        resumed += n > 0 && !strcmp(de->d_name, names[k + 1]);
    }
    checkf(resumed == 11, "lseek to an entry's d_off, then getdents64: the next entry (%d of 11)", resumed);

    lseek(d, 0, SEEK_SET);
    expect_err(res(sys_getdents64(d, buf, 10)), EINVAL, "getdents64 with a 10-byte buffer (smaller than any entry)");
    n = sys_getdents64(d, buf, 24);
    struct linux_dirent64 *first = (void *)buf;
    checkf(n == 24 && !strcmp(first->d_name, "."), "getdents64 with exactly one entry's room (24) -> %ld: \"%s\"", n,
           first->d_name);
    n = sys_getdents64(d, buf, 24 + 24);
    checkf(n == 24, "then 48 bytes of room: \"..\" (24 bytes) but not the next (32): %ld", n);
    int f = open(P("many/f0000"), O_RDONLY);
    expect_err(res(sys_getdents64(f, buf, sizeof(buf))), ENOTDIR, "getdents64(regular file)");
    close(f);
    expect_err(res(sys_getdents64(999, buf, sizeof(buf))), EBADF, "getdents64(fd 999)");
    lseek(d, 0, SEEK_SET);
    expect_err(res(sys_getdents64(d, no_access_page(), 4096)), EFAULT, "getdents64 into an unreadable page");
    close(d);

    /* an empty directory: "." and ".." only */
    mkdir(P("empty"), 0755);
    d = open(P("empty"), O_RDONLY | O_DIRECTORY);
    n = sys_getdents64(d, buf, sizeof(buf));
    struct linux_dirent64 *a = (void *)buf, *b = (void *)(buf + a->d_reclen);
    checkf(n == 48 && !strcmp(a->d_name, ".") && !strcmp(b->d_name, ".."),
           "getdents64 of an empty directory -> %ld: \".\" then \"..\"", n);
    struct stat self, parent;
    fstat(d, &self);
    stat(scratch, &parent);
    checkf(a->d_ino == self.st_ino && b->d_ino == parent.st_ino, "\".\" is the directory (ino %llu), \"..\" its parent (%llu)",
           (unsigned long long)a->d_ino, (unsigned long long)b->d_ino);
    close(d);

    /* d_type of other kinds */
    mkdir(P("kinds"), 0755);
    mkdir(P("kinds/dir"), 0755);
    put_str(P("kinds/reg"), "");
    symlink("reg", P("kinds/lnk"));
    mkfifo(P("kinds/fifo"), 0644);
    d = open(P("kinds"), O_RDONLY | O_DIRECTORY);
    n = sys_getdents64(d, buf, sizeof(buf));
    int kinds = 0;
    for (long at = 0; at < n;) {
        struct linux_dirent64 *de = (void *)(buf + at);
        kinds += (!strcmp(de->d_name, "dir") && de->d_type == DT_DIR) || (!strcmp(de->d_name, "reg") && de->d_type == DT_REG) ||
                 (!strcmp(de->d_name, "lnk") && de->d_type == DT_LNK) ||
                 (!strcmp(de->d_name, "fifo") && de->d_type == DT_FIFO);
        at += de->d_reclen;
    }
    if (fs_exact())
        checkf(kinds == 4, "d_type DT_DIR, DT_REG, DT_LNK, DT_FIFO for a directory, file, symlink and FIFO (%d of 4)",
               kinds);
    close(d);

    /* removing as it lists (as rm -r does): every entry still seen once */
    d = open(P("many"), O_RDONLY | O_DIRECTORY);
    memset(seen, 0, sizeof(seen));
    int removed = 0, twice = 0;
    while ((n = sys_getdents64(d, buf, 700)) > 0) {
        for (long at = 0; at < n;) {
            struct linux_dirent64 *de = (void *)(buf + at);
            int i;
            if (sscanf(de->d_name, "f%4d", &i) == 1 && i >= 0 && i < MANY) {
                twice += seen[i]++ > 0;
                removed += unlinkat(d, de->d_name, 0) == 0;
            }
            at += de->d_reclen;
        }
    }
    checkf(removed == MANY && twice == 0, "unlinking each name as getdents64 returns it (700-byte buffer): %d removed, %d seen twice",
           removed, twice);
    lseek(d, 0, SEEK_SET);
    n = sys_getdents64(d, buf, sizeof(buf));
    checkf(n == 48, "the directory is empty afterwards (getdents64 -> %ld: \".\" and \"..\")", n);
    close(d);
    expect_ret(res(rmdir(P("many"))), 0, "rmdir of the emptied directory");
}

/* Entries that stay are listed exactly once while others come and go. */
static void listing_while_changing(void)
{
    mkdir(P("churn"), 0755);
    int d = open(P("churn"), O_RDONLY | O_DIRECTORY);
    enum { STABLE = 300 };
    for (int i = 0; i < STABLE; i++) {
        char name[16];
        snprintf(name, sizeof(name), "s%03d", i);
        close(openat(d, name, O_CREAT | O_WRONLY, 0644));
    }
    static unsigned char seen[STABLE], tseen[100000];
    memset(seen, 0, sizeof(seen));
    int made = 0, gone = 0, tdup = 0, calls = 0;
    static char buf[512];
    long n;
    while ((n = sys_getdents64(d, buf, sizeof(buf))) > 0) {
        calls++;
        for (long at = 0; at < n;) {
            struct linux_dirent64 *de = (void *)(buf + at);
            int i;
            if (de->d_name[0] == 's' && sscanf(de->d_name, "s%3d", &i) == 1 && i >= 0 && i < STABLE)
                seen[i]++;
            else if (de->d_name[0] == 't' && sscanf(de->d_name, "t%d", &i) == 1 && i >= 0 && i < 100000)
                tdup += tseen[i]++ > 0;
            at += de->d_reclen;
        }
        /* between calls: five new names, and three earlier new ones removed */
        for (int k = 0; k < 5; k++) {
            char name[16];
            snprintf(name, sizeof(name), "t%d", made++);
            close(openat(d, name, O_CREAT | O_WRONLY, 0644));
        }
        for (int k = 0; k < 3 && gone < made - 5; k++) {
            char name[16];
            snprintf(name, sizeof(name), "t%d", gone++);
            unlinkat(d, name, 0);
        }
    }
    int once = 0, missing = 0, dup = 0;
    for (int i = 0; i < STABLE; i++) {
        once += seen[i] == 1;
        missing += seen[i] == 0;
        dup += seen[i] > 1;
    }
    checkf(n == 0 && once == STABLE,
           "listing in %d small calls while %d names were added and %d removed: %d of %d stable names seen once (%d "
           "missing, %d twice)",
           calls, made, gone, once, STABLE, missing, dup);
    checkf(tdup == 0, "no name that came and went was listed twice (%d were)", tdup);
    close(d);
}

/* --- renameat, renameat2 ---------------------------------------------------------------- */

static void renaming(void)
{
    mkdir(P("rn"), 0755);
    put_str(P("rn/a"), "A");
    put_str(P("rn/b"), "B");
    struct stat sa;
    stat(P("rn/a"), &sa);
    res_t r = res(rename(P("rn/a"), P("rn/b")));
    struct stat sb;
    stat(P("rn/b"), &sb);
    checkf(r.ret == 0 && !exists(P("rn/a")) && file_is(P("rn/b"), "A") && sb.st_ino == sa.st_ino,
           "rename(file, over file) -> %s: the old name is gone, the new one is the moved inode with \"%s\"", rs(r),
           contents(P("rn/b")));

    mkdir(P("rn/d1"), 0755);
    put_str(P("rn/d1/inside"), "in");
    mkdir(P("rn/d2"), 0755);
    r = res(rename(P("rn/d1"), P("rn/d2")));
    checkf(r.ret == 0 && !exists(P("rn/d1")) && file_is(P("rn/d2/inside"), "in") && nlink_of(P("rn")) == 3,
           "rename(dir, over an empty dir) -> %s: the contents moved, the parent's nlink %ld (3)", rs(r),
           nlink_of(P("rn")));
    mkdir(P("rn/d3"), 0755);
    expect_err(res(rename(P("rn/d3"), P("rn/d2"))), ENOTEMPTY, "rename(dir, over a non-empty dir)");
    expect_err(res(rename(P("rn/b"), P("rn/d3"))), EISDIR, "rename(file, over a dir)");
    expect_err(res(rename(P("rn/d3"), P("rn/b"))), ENOTDIR, "rename(dir, over a file)");
    expect_err(res(rename(P("rn/d2"), P("rn/d2/inner"))), EINVAL, "rename(dir, into itself)");
    mkdir(P("rn/d2/sub"), 0755);
    expect_err(res(rename(P("rn/d2"), P("rn/d2/sub/deeper"))), EINVAL, "rename(dir, into its own subdirectory)");
    expect_err(res(rename(P("rn/d2/sub"), P("rn/d2"))), ENOTEMPTY, "rename(subdir, over its non-empty parent)");
    expect_err(res(rename(P("rn/missing"), P("rn/x"))), ENOENT, "rename(missing, x)");
    expect_err(res(rename(P("rn/b"), P("rn/nodir/x"))), ENOENT, "rename(file, into a missing dir)");
    expect_err(res(rename(P("rn/b"), P("rn/b/x"))), ENOTDIR, "rename(file, under a file)");
    expect_err(res(rename(P("rn/d3/."), P("rn/x"))), EBUSY, "rename(dir/., x)");
    expect_err(res(rename(P("rn/d3"), P("rn/d2/.."))), EBUSY, "rename(dir, dir/..)");
    expect_err(res(rename("", P("rn/x"))), ENOENT, "rename(\"\", x)");
    checkf(file_is(P("rn/b"), "A") && S_ISDIR(mode_of(P("rn/d3"))), "the failed renames changed nothing");

    /* the same inode: nothing happens */
    link(P("rn/b"), P("rn/b2"));
    r = res(rename(P("rn/b"), P("rn/b2")));
    checkf(r.ret == 0 && exists(P("rn/b")) && exists(P("rn/b2")) && nlink_of(P("rn/b")) == 2,
           "rename(a, a hard link of a) -> %s: both names stay (nlink %ld)", rs(r), nlink_of(P("rn/b")));
    r = res(rename(P("rn/b"), P("rn/b")));
    checkf(r.ret == 0 && file_is(P("rn/b"), "A"), "rename(a, a) -> %s: nothing happens", rs(r));
    r = res(rename(P("rn/d3"), P("rn/d3")));
    checkf(r.ret == 0 && S_ISDIR(mode_of(P("rn/d3"))), "rename(dir, itself) -> %s", rs(r));
    unlink(P("rn/b2"));

    /* across directories, through dirfds */
    mkdir(P("rn/from"), 0755);
    mkdir(P("rn/to"), 0755);
    put_str(P("rn/from/f"), "travel");
    int from = open(P("rn/from"), O_RDONLY | O_DIRECTORY), to = open(P("rn/to"), O_RDONLY | O_DIRECTORY);
    r = res(renameat(from, "f", to, "g"));
    checkf(r.ret == 0 && !exists(P("rn/from/f")) && file_is(P("rn/to/g"), "travel"),
           "renameat(from-dirfd, \"f\", to-dirfd, \"g\") -> %s", rs(r));
    expect_err(res(renameat(999, "f", to, "g")), EBADF, "renameat(fd 999, ...)");
    int f = open(P("rn/to/g"), O_RDONLY);
    expect_err(res(renameat(f, "x", to, "y")), ENOTDIR, "renameat(file fd, ...)");
    close(f);
    struct stat t0, t1;
    stat(P("rn/to"), &t0);
    sleep_ms(20);
    renameat(to, "g", from, "f");
    stat(P("rn/to"), &t1);
    checkf(ts_ns(t1.st_mtim) > ts_ns(t0.st_mtim) && ts_ns(t1.st_ctim) > ts_ns(t0.st_ctim),
           "a rename moves the source directory's mtime and ctime");

    /* renameat2 */
    put_str(P("rn/x"), "X");
    put_str(P("rn/y"), "Y");
    expect_err(res(sys_renameat2(AT_FDCWD, P("rn/x"), AT_FDCWD, P("rn/y"), RENAME_NOREPLACE_)), EEXIST,
               "renameat2(RENAME_NOREPLACE, over an existing file)");
    expect_err(res(sys_renameat2(AT_FDCWD, P("rn/x"), AT_FDCWD, P("rn/d3"), RENAME_NOREPLACE_)), EEXIST,
               "renameat2(RENAME_NOREPLACE, over an existing dir)");
    symlink("nowhere", P("rn/dangling"));
    expect_err(res(sys_renameat2(AT_FDCWD, P("rn/x"), AT_FDCWD, P("rn/dangling"), RENAME_NOREPLACE_)), EEXIST,
               "renameat2(RENAME_NOREPLACE, over a dangling symlink)");
    checkf(file_is(P("rn/x"), "X") && file_is(P("rn/y"), "Y"), "RENAME_NOREPLACE left both files alone");
    r = res(sys_renameat2(AT_FDCWD, P("rn/x"), AT_FDCWD, P("rn/z"), RENAME_NOREPLACE_));
    checkf(r.ret == 0 && file_is(P("rn/z"), "X") && !exists(P("rn/x")), "renameat2(RENAME_NOREPLACE, to a new name) -> %s",
           rs(r));
    r = res(sys_renameat2(AT_FDCWD, P("rn/z"), AT_FDCWD, P("rn/y"), RENAME_EXCHANGE_));
    checkf(r.ret == 0 && file_is(P("rn/z"), "Y") && file_is(P("rn/y"), "X"),
           "renameat2(RENAME_EXCHANGE) of two files -> %s: swapped (z \"%s\", y \"%s\")", rs(r), contents(P("rn/z")),
           contents(P("rn/y")));
    r = res(sys_renameat2(AT_FDCWD, P("rn/z"), AT_FDCWD, P("rn/d3"), RENAME_EXCHANGE_));
    checkf(r.ret == 0 && S_ISDIR(mode_of(P("rn/z"))) && file_is(P("rn/d3"), "Y"),
           "renameat2(RENAME_EXCHANGE) of a file and a dir -> %s: swapped", rs(r));
    sys_renameat2(AT_FDCWD, P("rn/z"), AT_FDCWD, P("rn/d3"), RENAME_EXCHANGE_);
    expect_err(res(sys_renameat2(AT_FDCWD, P("rn/z"), AT_FDCWD, P("rn/none"), RENAME_EXCHANGE_)), ENOENT,
               "renameat2(RENAME_EXCHANGE, with a missing name)");
    expect_err(res(sys_renameat2(AT_FDCWD, P("rn/z"), AT_FDCWD, P("rn/y"), RENAME_EXCHANGE_ | RENAME_NOREPLACE_)),
               EINVAL, "renameat2(RENAME_EXCHANGE|RENAME_NOREPLACE)");
    expect_err(res(sys_renameat2(AT_FDCWD, P("rn/z"), AT_FDCWD, P("rn/y"), 8)), EINVAL, "renameat2(flags 8)");
    r = res(sys_renameat2(AT_FDCWD, P("rn/z"), AT_FDCWD, P("rn/w"), 0));
    checkf(r.ret == 0 && file_is(P("rn/w"), "Y"), "renameat2(flags 0) is renameat -> %s", rs(r));
    expect_err(res(rename(no_access_page(), P("rn/q"))), EFAULT, "rename(unreadable old path)");
    expect_err(res(rename(P("rn/w"), no_access_page())), EFAULT, "rename(unreadable new path)");
}

/* --- linkat ---------------------------------------------------------------------------- */

static void linking(void)
{
    mkdir(P("ln"), 0755);
    put_str(P("ln/orig"), "shared");
    struct stat s0, s1, s2;
    stat(P("ln/orig"), &s0);
    sleep_ms(20);
    res_t r = res(link(P("ln/orig"), P("ln/hard")));
    stat(P("ln/orig"), &s1);
    stat(P("ln/hard"), &s2);
    checkf(r.ret == 0 && s1.st_nlink == 2 && s2.st_nlink == 2 && s1.st_ino == s2.st_ino && file_is(P("ln/hard"), "shared"),
           "link(orig, hard) -> %s: one inode (%lu), st_nlink 2 through both names", rs(r), (unsigned long)s1.st_ino);
    checkf(ts_ns(s1.st_ctim) > ts_ns(s0.st_ctim) && ts_ns(s1.st_mtim) == ts_ns(s0.st_mtim),
           "link moves the inode's ctime, not its mtime");
    int fd = open(P("ln/hard"), O_WRONLY | O_APPEND);
    write(fd, "+", 1);
    close(fd);
    checkf(file_is(P("ln/orig"), "shared+"), "a write through one name shows through the other (\"%s\")",
           contents(P("ln/orig")));
    unlink(P("ln/orig"));
    checkf(nlink_of(P("ln/hard")) == 1 && file_is(P("ln/hard"), "shared+"), "unlink of one name: nlink %ld, data stays",
           nlink_of(P("ln/hard")));

    mkdir(P("ln/dir"), 0755);
    expect_err(res(link(P("ln/dir"), P("ln/dirlink"))), EPERM, "link(directory)");
    put_str(P("ln/other"), "o");
    expect_err(res(link(P("ln/hard"), P("ln/other"))), EEXIST, "link(over an existing name)");
    expect_err(res(link(P("ln/hard"), P("ln/dir"))), EEXIST, "link(over an existing dir)");
    expect_err(res(link(P("ln/missing"), P("ln/new"))), ENOENT, "link(missing)");
    expect_err(res(link(P("ln/hard"), P("ln/nodir/new"))), ENOENT, "link(into a missing dir)");
    expect_err(res(link(P("ln/hard"), P("ln/new/"))), ENOENT, "link(to \"new/\")");
    expect_err(res(link(P("ln/hard/"), P("ln/new"))), ENOTDIR, "link(\"file/\", new)");
    expect_err(res(linkat(AT_FDCWD, P("ln/hard"), AT_FDCWD, P("ln/new"), 0x1)), EINVAL, "linkat(flags 0x1)");

    symlink("hard", P("ln/sym"));
    r = res(linkat(AT_FDCWD, P("ln/sym"), AT_FDCWD, P("ln/sym-link"), 0));
    struct stat ls, hs;
    lstat(P("ln/sym-link"), &ls);
    stat(P("ln/hard"), &hs);
    checkf(r.ret == 0 && S_ISLNK(ls.st_mode) && ls.st_nlink == 2,
           "linkat(symlink, 0) -> %s: a second name for the link itself (mode 0%o, nlink %lu)", rs(r), ls.st_mode,
           (unsigned long)ls.st_nlink);
    r = res(linkat(AT_FDCWD, P("ln/sym"), AT_FDCWD, P("ln/followed"), AT_SYMLINK_FOLLOW));
    struct stat fs;
    lstat(P("ln/followed"), &fs);
    checkf(r.ret == 0 && S_ISREG(fs.st_mode) && fs.st_ino == hs.st_ino && fs.st_nlink == 2,
           "linkat(symlink, AT_SYMLINK_FOLLOW) -> %s: a name for the target (ino %lu, nlink %lu)", rs(r),
           (unsigned long)fs.st_ino, (unsigned long)fs.st_nlink);
    symlink("nowhere", P("ln/dangling"));
    expect_err(res(linkat(AT_FDCWD, P("ln/dangling"), AT_FDCWD, P("ln/d2"), AT_SYMLINK_FOLLOW)), ENOENT,
               "linkat(dangling symlink, AT_SYMLINK_FOLLOW)");

    int dfd = open(P("ln"), O_RDONLY | O_DIRECTORY);
    r = res(linkat(dfd, "other", dfd, "other2", 0));
    checkf(r.ret == 0 && nlink_of(P("ln/other")) == 2, "linkat(dirfd, \"other\", dirfd, \"other2\") -> %s", rs(r));
    fd = open(P("ln/other"), O_RDONLY);
    r = res(linkat(fd, "", AT_FDCWD, P("ln/from-fd"), AT_EMPTY_PATH));
    checkf(r.ret == 0 && nlink_of(P("ln/other")) == 3 && file_is(P("ln/from-fd"), "o"),
           "linkat(fd, \"\", AT_EMPTY_PATH) as root -> %s: a name for the open file", rs(r));
    expect_err(res(linkat(fd, "", AT_FDCWD, P("ln/from-fd2"), 0)), ENOENT, "linkat(fd, \"\") without AT_EMPTY_PATH");
    close(fd);
    expect_err(res(linkat(999, "other", dfd, "x", 0)), EBADF, "linkat(fd 999, ...)");
    close(dfd);
}

/* --- symlinkat, readlinkat ---------------------------------------------------------------- */

static void symlinks(void)
{
    mkdir(P("sl"), 0755);
    const char *target = "some/target/path";
    umask(077);
    res_t r = res(symlink(target, P("sl/l")));
    umask(022);
    struct stat st;
    lstat(P("sl/l"), &st);
    checkf(r.ret == 0 && st.st_mode == (S_IFLNK | 0777) && st.st_size == (off_t)strlen(target) && st.st_nlink == 1,
           "symlink(\"%s\") under umask 077 -> %s: mode 0%o (always 0777), size %lld", target, rs(r), st.st_mode,
           (long long)st.st_size);
    char buf[64];
    memset(buf, 'X', sizeof(buf));
    r = res(readlink(P("sl/l"), buf, sizeof(buf)));
    checkf(r.ret == 16 && !memcmp(buf, target, 16) && buf[16] == 'X',
           "readlink -> %s: the exact target, no NUL written after it", rs(r));
    memset(buf, 'X', sizeof(buf));
    r = res(readlink(P("sl/l"), buf, 5));
    checkf(r.ret == 5 && !memcmp(buf, "some/", 5) && buf[5] == 'X', "readlink into 5 bytes -> %s: \"%.5s\", cut, no NUL",
           rs(r), buf);
    r = res(readlink(P("sl/l"), buf, 16));
    checkf(r.ret == 16, "readlink into exactly the target's length -> %s", rs(r));
    /* the raw call: musl's readlinkat turns a size of 0 into a 1-byte read and answers 0 */
    expect_err(res(syscall(SYS_readlinkat, AT_FDCWD, P("sl/l"), buf, 0)), EINVAL, "readlinkat syscall with a size of 0");
    put_str(P("sl/file"), "f");
    expect_err(res(readlink(P("sl/file"), buf, sizeof(buf))), EINVAL, "readlink(regular file)");
    expect_err(res(readlink(P("sl"), buf, sizeof(buf))), EINVAL, "readlink(directory)");
    expect_err(res(readlink(P("sl/missing"), buf, sizeof(buf))), ENOENT, "readlink(missing)");
    expect_err(res(readlink(P("sl/l"), (char *)no_access_page(), 64)), EFAULT, "readlink into an unreadable page");

    int d = open(P("sl"), O_RDONLY | O_DIRECTORY);
    memset(buf, 0, sizeof(buf));
    r = res(readlinkat(d, "l", buf, sizeof(buf)));
    checkf(r.ret == 16 && !strcmp(buf, target), "readlinkat(dirfd, \"l\") -> %s", rs(r));
    r = res(symlinkat("t2", d, "l2"));
    memset(buf, 0, sizeof(buf));
    readlink(P("sl/l2"), buf, sizeof(buf));
    checkf(r.ret == 0 && !strcmp(buf, "t2"), "symlinkat(\"t2\", dirfd, \"l2\") -> %s: reads back \"%s\"", rs(r), buf);
    int lfd = open(P("sl/l"), O_PATH | O_NOFOLLOW);
    memset(buf, 0, sizeof(buf));
    r = res(readlinkat(lfd, "", buf, sizeof(buf)));
    checkf(r.ret == 16 && !strcmp(buf, target), "readlinkat(O_PATH fd of the link, \"\") -> %s: its target", rs(r));
    close(lfd);
    expect_err(res(readlinkat(d, "", buf, sizeof(buf))), ENOENT, "readlinkat(dirfd of a directory, \"\")");
    close(d);

    expect_err(res(symlink("x", P("sl/l"))), EEXIST, "symlink over an existing link");
    expect_err(res(symlink("x", P("sl/file"))), EEXIST, "symlink over an existing file");
    expect_err(res(symlink("", P("sl/empty"))), ENOENT, "symlink with an empty target");
    expect_err(res(symlink("x", P("sl/nodir/l"))), ENOENT, "symlink in a missing dir");
    expect_err(res(symlink("x", P("sl/new/"))), ENOENT, "symlink to \"new/\"");
    r = res(symlink("../../anything/../at all", P("sl/odd")));
    memset(buf, 0, sizeof(buf));
    readlink(P("sl/odd"), buf, sizeof(buf));
    checkf(r.ret == 0 && !strcmp(buf, "../../anything/../at all"),
           "a target is stored as given, not resolved (\"%s\")", buf);
    static char longt[PATH_MAX + 1];
    memset(longt, 't', PATH_MAX - 1);
    longt[PATH_MAX - 1] = 0;
    r = res(symlink(longt, P("sl/long")));
    static char back[PATH_MAX + 1];
    ssize_t n = readlink(P("sl/long"), back, sizeof(back));
    checkf(r.ret == 0 && n == PATH_MAX - 1 && !memcmp(back, longt, PATH_MAX - 1),
           "a target of PATH_MAX - 1 bytes -> %s, reads back %zd bytes", rs(r), n);
    longt[PATH_MAX - 1] = 't';
    longt[PATH_MAX] = 0;
    expect_err(res(symlink(longt, P("sl/toolong"))), ENAMETOOLONG, "symlink with a target of PATH_MAX bytes");
}

/* --- chdir, fchdir, getcwd ---------------------------------------------------------------- */

static int removed_cwd_child(void *arg)
{
    (void)arg;
    mkdir(P("cwd/doomed"), 0755);
    chdir(P("cwd/doomed"));
    res_t r = res(rmdir(P("cwd/doomed")));
    ccheckf(r.ret == 0, "rmdir of the working directory -> %s (Linux allows it)", rs(r));
    char buf[PATH_MAX];
    r = res(syscall(SYS_getcwd, buf, sizeof(buf)));
    expect_err(r, ENOENT, "getcwd in a removed working directory");
    errno = 0;
    char *g = getcwd(buf, sizeof(buf));
    ccheckf(g == NULL && errno == ENOENT, "musl getcwd too -> %s (%s)", g ? g : "NULL", errname(errno));
    struct stat st;
    r = res(stat(".", &st));
    ccheckf(r.ret == 0 && S_ISDIR(st.st_mode) && st.st_nlink == 0, "stat(\".\") -> %s: a directory with st_nlink %lu",
            rs(r), (unsigned long)st.st_nlink);
    expect_err(res(open("new", O_CREAT | O_WRONLY, 0644)), ENOENT, "creating a file in the removed directory");
    expect_err(res(mkdir("sub", 0755)), ENOENT, "mkdir in the removed directory");
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    static char dbuf[512];
    expect_err(res(sys_getdents64(fd, dbuf, sizeof(dbuf))), ENOENT, "getdents64 of the removed directory");
    close(fd);
    r = res(chdir(".."));
    char up[PATH_MAX];
    getcwd(up, sizeof(up));
    ccheckf(r.ret == 0 && !strcmp(up, P("cwd")), "chdir(\"..\") from the removed directory -> %s: \"%s\"", rs(r), up);
    return 0;
}

static int chdir_child(void *arg)
{
    (void)arg;
    chdir(P("cwd"));
    return 0;
}

static void working_dir(void)
{
    mkdir(P("cwd"), 0755);
    mkdir(P("cwd/sub"), 0755);
    symlink("sub", P("cwd/lsub"));
    char buf[PATH_MAX], want[PATH_MAX];
    res_t r = res(chdir(P("cwd")));
    char *g = getcwd(buf, sizeof(buf));
    checkf(r.ret == 0 && g && !strcmp(buf, P("cwd")), "chdir(%s) -> %s: getcwd \"%s\"", P("cwd"), rs(r), g ? buf : "NULL");
    r = res(chdir("sub"));
    getcwd(buf, sizeof(buf));
    checkf(r.ret == 0 && !strcmp(buf, P("cwd/sub")), "chdir(\"sub\") -> %s: \"%s\"", rs(r), buf);
    r = res(chdir(".."));
    getcwd(buf, sizeof(buf));
    checkf(r.ret == 0 && !strcmp(buf, P("cwd")), "chdir(\"..\") -> %s: \"%s\"", rs(r), buf);
    r = res(chdir("lsub"));
    getcwd(buf, sizeof(buf));
    checkf(r.ret == 0 && !strcmp(buf, P("cwd/sub")), "chdir(symlink to sub) -> %s: getcwd gives the real path \"%s\"",
           rs(r), buf);
    r = res(chdir("./.././sub/../sub/."));
    getcwd(buf, sizeof(buf));
    checkf(r.ret == 0 && !strcmp(buf, P("cwd/sub")), "chdir(\"./.././sub/../sub/.\") -> %s: \"%s\"", rs(r), buf);
    int fd = open(P("cwd"), O_RDONLY | O_DIRECTORY);
    r = res(fchdir(fd));
    getcwd(buf, sizeof(buf));
    checkf(r.ret == 0 && !strcmp(buf, P("cwd")), "fchdir(fd of cwd) -> %s: \"%s\"", rs(r), buf);
    close(fd);
    int sfd = open(P("cwd/sub"), O_PATH | O_DIRECTORY);
    r = res(fchdir(sfd));
    getcwd(buf, sizeof(buf));
    checkf(r.ret == 0 && !strcmp(buf, P("cwd/sub")), "fchdir(O_PATH fd of a dir) -> %s: \"%s\"", rs(r), buf);
    close(sfd);
    chdir(P("cwd"));

    /* the raw call: length with the NUL, ERANGE when it does not fit */
    snprintf(want, sizeof(want), "%s", P("cwd"));
    size_t len = strlen(want);
    memset(buf, 'X', sizeof(buf));
    r = res(syscall(SYS_getcwd, buf, len + 1));
    checkf(r.ret == (long)len + 1 && !strcmp(buf, want), "getcwd syscall with exactly the room -> %s (length + NUL)",
           rs(r));
    expect_err(res(syscall(SYS_getcwd, buf, len)), ERANGE, "getcwd syscall one byte short");
    expect_err(res(syscall(SYS_getcwd, buf, 1)), ERANGE, "getcwd syscall into 1 byte");
    expect_err(res(syscall(SYS_getcwd, buf, 0)), ERANGE, "getcwd syscall into 0 bytes");
    expect_err(res(syscall(SYS_getcwd, no_access_page(), 4096)), EFAULT, "getcwd syscall into an unreadable page");
    errno = 0;
    g = getcwd(buf, len);
    checkf(g == NULL && errno == ERANGE, "musl getcwd(buf, length) -> %s (%s)", g ? g : "NULL", errname(errno));

    put_str(P("cwd/file"), "f");
    expect_err(res(chdir(P("cwd/file"))), ENOTDIR, "chdir(file)");
    expect_err(res(chdir(P("cwd/missing"))), ENOENT, "chdir(missing)");
    expect_err(res(chdir("")), ENOENT, "chdir(\"\")");
    fd = open(P("cwd/file"), O_RDONLY);
    expect_err(res(fchdir(fd)), ENOTDIR, "fchdir(file fd)");
    close(fd);
    expect_err(res(fchdir(999)), EBADF, "fchdir(fd 999)");
    getcwd(buf, sizeof(buf));
    checkf(!strcmp(buf, P("cwd")), "the failed calls left the working directory alone (\"%s\")", buf);

    /* per process: a child's chdir is its own; a child starts where its parent is */
    chdir(P("cwd/sub"));
    run_child_ok("chdir in a child", chdir_child, NULL);
    getcwd(buf, sizeof(buf));
    checkf(!strcmp(buf, P("cwd/sub")), "the parent's working directory after the child's chdir: \"%s\"", buf);
    chdir(scratch);
    run_child_ok("removed working directory", removed_cwd_child, NULL);
    chdir(scratch);
}

/* --- FIFOs ---------------------------------------------------------------------------------- */

#define FIFO_BYTES 100000

/* The reader: a blocking open (it waits for the parent, the writer), blocking
 * reads until EOF. Bounded by the parent, which kills it after the deadline. */
static int fifo_reader(void *arg)
{
    const char *path = arg;
    int fd = open(path, O_RDONLY);
    static unsigned char buf[FIFO_BYTES + 1];
    size_t got = 0;
    ssize_t n = 0;
    while (fd >= 0 && got < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
        got += (size_t)n;
    int wrong = 0;
    for (size_t i = 0; i < got; i++)
        wrong += buf[i] != (unsigned char)(i * 31 + 7);
    ccheckf(fd >= 0 && got == FIFO_BYTES && n == 0 && wrong == 0,
            "the child's blocking open for reading returned %d; it read %zu bytes (%d wrong), then EOF (%zd)", fd, got,
            wrong, n);
    close(fd);
    return 0;
}

static void fifos(void)
{
    const char *p = P("fifo");
    res_t r = res(mknod(p, S_IFIFO | 0640, 0));
    struct stat st;
    lstat(p, &st);
    checkf(r.ret == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0640 && st.st_size == 0,
           "mknod(S_IFIFO|0640) -> %s: mode 0%o", rs(r), st.st_mode);
    expect_err(res(mknod(p, S_IFIFO | 0640, 0)), EEXIST, "mknod(existing name)");
    expect_err(res(mkfifo(P("nodir/f"), 0644)), ENOENT, "mkfifo in a missing dir");

    expect_err(res(open(p, O_WRONLY | O_NONBLOCK)), ENXIO, "open(FIFO, O_WRONLY|O_NONBLOCK) with no reader");
    res_t rd = res(open(p, O_RDONLY | O_NONBLOCK));
    char c;
    res_t eof = res(read((int)rd.ret, &c, 1));
    checkf(rd.ret >= 0 && eof.ret == 0, "open(FIFO, O_RDONLY|O_NONBLOCK) with no writer -> %s; read -> %s (EOF)", rs(rd),
           rs(eof));
    res_t wr = res(open(p, O_WRONLY | O_NONBLOCK));
    checkf(wr.ret >= 0, "with that reader open, open(O_WRONLY|O_NONBLOCK) -> %s", rs(wr));
    write((int)wr.ret, "fifo", 4);
    char buf[8] = { 0 };
    res_t got = res(read((int)rd.ret, buf, sizeof(buf)));
    checkf(got.ret == 4 && !memcmp(buf, "fifo", 4), "what one end writes the other reads: %s \"%.4s\"", rs(got), buf);
    struct stat fst;
    fstat((int)rd.ret, &fst);
    checkf(S_ISFIFO(fst.st_mode) && fst.st_ino == st.st_ino, "fstat of the open FIFO: S_IFIFO, the node's inode");
    expect_err(res(lseek((int)rd.ret, 0, SEEK_SET)), ESPIPE, "lseek on a FIFO");
    res_t again = res(read((int)rd.ret, buf, 1));
    expect_err(again, EAGAIN, "read of the empty FIFO with a writer (O_NONBLOCK)");
    close((int)wr.ret);
    close((int)rd.ret);
    res_t both = res(open(p, O_RDWR | O_NONBLOCK));
    checkf(both.ret >= 0, "open(FIFO, O_RDWR) -> %s (Linux: never blocks)", rs(both));
    close((int)both.ret);

    /* a reader child, a writer parent, through the name: the child's open
     * blocks until the parent's; the parent polls with O_NONBLOCK (ENXIO until
     * the child is in its open) and writes without blocking, so nothing here
     * waits without a deadline */
    int rfd_report;
    pid_t pid = start_child(fifo_reader, (void *)p, &rfd_report);
    long long deadline = now_ns() + CHILD_DEADLINE_NS;
    int fd = -1;
    for (int round = 0; fd < 0 && now_ns() < deadline; round++) {
        fd = open(p, O_WRONLY | O_NONBLOCK);
        if (fd < 0 && errno != ENXIO)
            break;
        if (fd < 0)
            poll_pause(round);
    }
    static unsigned char out[FIFO_BYTES];
    for (int i = 0; i < FIFO_BYTES; i++)
        out[i] = (unsigned char)(i * 31 + 7);
    size_t sent = 0;
    for (int round = 0; fd >= 0 && sent < FIFO_BYTES && now_ns() < deadline; round++) {
        ssize_t w = write(fd, out + sent, FIFO_BYTES - sent);
        if (w > 0) {
            sent += (size_t)w;
            round = 0;
        } else if (w < 0 && errno != EAGAIN) {
            break;
        } else {
            poll_pause(round);
        }
    }
    checkf(fd >= 0 && sent == FIFO_BYTES,
           "the parent opened the FIFO for writing once the child was in its open, and wrote %zu of %d bytes", sent,
           FIFO_BYTES);
    close(fd);
    int stt = finish_child(pid, rfd_report, "FIFO reader");
    checkf(stt == 0, "the reader child ended: %s", status_str(stt));
    checkf(size_of(p) == 0, "the FIFO's st_size stays 0 (%lld)", size_of(p));

    r = res(mknod(P("regular"), S_IFREG | 0600, 0));
    checkf(r.ret == 0 && mode_of(P("regular")) == (S_IFREG | 0600), "mknod(S_IFREG) -> %s: a regular file", rs(r));
    r = res(mknod(P("notype"), 0600, 0));
    checkf(r.ret == 0 && mode_of(P("notype")) == (S_IFREG | 0600), "mknod(no type) -> %s: a regular file (0%o)", rs(r),
           mode_of(P("notype")));
    r = res(mknod(P("null"), S_IFCHR | 0666, makedev(1, 3)));
    struct stat cs;
    lstat(P("null"), &cs);
    checkf(r.ret == 0 && S_ISCHR(cs.st_mode) && cs.st_rdev == makedev(1, 3),
           "mknod(S_IFCHR, 1:3) as root -> %s: a character device node, rdev %u:%u", rs(r), major(cs.st_rdev),
           minor(cs.st_rdev));
    expect_err(res(mknod(P("dirnode"), S_IFDIR | 0755, 0)), EPERM, "mknod(S_IFDIR)");
    expect_err(res(mknod(P("badtype"), 0170000 | 0644, 0)), EINVAL, "mknod(type 0170000)");
    int dfd = open(scratch, O_RDONLY | O_DIRECTORY);
    r = res(mknodat(dfd, "fifo2", S_IFIFO | 0600, 0));
    checkf(r.ret == 0 && S_ISFIFO(mode_of(P("fifo2"))), "mknodat(dirfd, \"fifo2\", S_IFIFO) -> %s", rs(r));
    close(dfd);
    r = res(unlink(p));
    checkf(r.ret == 0 && !exists(p), "unlink(FIFO) -> %s", rs(r));
}

/* --- EXDEV --------------------------------------------------------------------------------- */

static void cross_device(void)
{
    struct stat here;
    stat(scratch, &here);
    static const char *candidates[] = { "/tmp", "/dev/shm", "/var/tmp", "/run", "/" };
    const char *other = NULL;
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && !other; i++) {
        struct stat st;
        if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev != here.st_dev &&
            access(candidates[i], W_OK) == 0)
            other = candidates[i];
    }
    kcheckf(other != NULL, "a writable directory on another file system than %s: %s", scratch, other ? other : "none");
    if (!other) {
        skipf("EXDEV: no writable directory on another file system than %s", scratch);
        return;
    }
    char there[PATH_MAX], theredir[PATH_MAX];
    snprintf(there, sizeof(there), "%s/%s-xdev-%d", other, "test_dir", getpid());
    snprintf(theredir, sizeof(theredir), "%s/%s-xdevdir-%d", other, "test_dir", getpid());
    put_str(P("xfile"), "x");
    mkdir(P("xdir"), 0755);
    expect_err(res(rename(P("xfile"), there)), EXDEV, "rename(file, onto %s)", other);
    expect_err(res(rename(P("xdir"), theredir)), EXDEV, "rename(dir, onto %s)", other);
    expect_err(res(link(P("xfile"), there)), EXDEV, "link(file, onto %s)", other);
    expect_err(res(sys_renameat2(AT_FDCWD, P("xfile"), AT_FDCWD, there, RENAME_NOREPLACE_)), EXDEV,
               "renameat2(RENAME_NOREPLACE, onto %s)", other);
    put_str(there, "t");
    expect_err(res(rename(there, P("xfile"))), EXDEV, "rename(from %s, over a file here)", other);
    expect_err(res(sys_renameat2(AT_FDCWD, there, AT_FDCWD, P("xfile"), RENAME_EXCHANGE_)), EXDEV,
               "renameat2(RENAME_EXCHANGE) across file systems");
    checkf(file_is(P("xfile"), "x") && file_is(there, "t"), "the EXDEV calls moved nothing");
    unlink(there);
    rmdir(theredir);
}

int main(void)
{
    umask(022);
    scratch_init("test_dir");
    chdir(scratch);
    making();
    removing();
    link_counts();
    listing_many();
    listing_while_changing();
    renaming();
    linking();
    symlinks();
    working_dir();
    fifos();
    cross_device();
    scratch_cleanup();
    return check_summary();
}
