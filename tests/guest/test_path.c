/*
 * Path resolution with Linux's semantics: symbolic links (absolute,
 * relative, chains, loops, exactly 40 followed and 41 refused, counted over
 * the whole path), trailing-slash rules, "." and ".." (physical, and ".." at
 * "/" staying there), lookups relative to a dirfd, faccessat/faccessat2 as
 * root, utimensat (explicit, UTIME_NOW, UTIME_OMIT, NULL, on a link),
 * statfs/fstatfs of the scratch directory, and chroot (absolute paths,
 * absolute links and ".." confined; getcwd inside and outside; inherited by
 * fork; EPERM unprivileged, ENOENT/ENOTDIR first).
 */
#define _GNU_SOURCE
#include <sys/statvfs.h>

#include "fs_test.h"

#define MAXSYMLINKS 40

/* ino of a path (stat, following), or 0 */
static unsigned long ino_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* --- symbolic links ----------------------------------------------------------------- */

static void links(void)
{
    put_str(P("target"), "target data");
    mkdir(P("dir"), 0755);
    mkdir(P("dir/sub"), 0755);
    put_str(P("dir/sub/deep"), "deep");

    symlink(P("target"), P("abs"));
    checkf(file_is(P("abs"), "target data"), "an absolute symlink: reads \"%s\"", contents(P("abs")));
    symlink("target", P("rel"));
    checkf(file_is(P("rel"), "target data"), "a relative symlink (to its own directory's name): \"%s\"",
           contents(P("rel")));
    symlink("../../target", P("dir/sub/up"));
    checkf(file_is(P("dir/sub/up"), "target data"), "a relative symlink with \"..\" (resolved from the link's dir): \"%s\"",
           contents(P("dir/sub/up")));
    symlink("dir/sub", P("todir"));
    checkf(file_is(P("todir/deep"), "deep"), "a symlink to a directory as a path component: \"%s\"",
           contents(P("todir/deep")));
    symlink("sub/deep", P("dir/indir"));
    checkf(file_is(P("dir/indir"), "deep"), "a relative symlink inside a directory: \"%s\"", contents(P("dir/indir")));
    symlink("rel", P("chain3"));
    symlink("chain3", P("chain2"));
    symlink("chain2", P("chain1"));
    checkf(file_is(P("chain1"), "target data"), "a chain chain1 -> chain2 -> chain3 -> rel -> target: \"%s\"",
           contents(P("chain1")));
    /* the target's ".." applies to where the link leads, not to the link's name */
    symlink("../../todir/../indir", P("dir/sub/via"));
    checkf(file_is(P("dir/sub/via"), "deep"),
           "dir/sub/via -> \"../../todir/../indir\": todir/.. is dir (physical), dir/indir leads to \"%s\"",
           contents(P("dir/sub/via")));

    /* loops */
    symlink("loop-b", P("loop-a"));
    symlink("loop-a", P("loop-b"));
    symlink("self", P("self"));
    expect_err(res(open(P("loop-a"), O_RDONLY)), ELOOP, "open(a -> b -> a)");
    expect_err(res(open(P("self"), O_RDONLY)), ELOOP, "open(self -> self)");
    expect_err(res(stat(P("self"), &(struct stat){ 0 })), ELOOP, "stat(self -> self)");
    expect_err(res(open(P("loop-a/x"), O_RDONLY)), ELOOP, "open(loop/x): a loop as a directory");
    expect_err(res(open(P("self"), O_CREAT | O_WRONLY, 0644)), ELOOP, "open(self -> self, O_CREAT)");
    expect_err(res(mkdir(P("self/x"), 0755)), ELOOP, "mkdir(self/x)");
    struct stat st;
    res_t r = res(lstat(P("self"), &st));
    checkf(r.ret == 0 && S_ISLNK(st.st_mode), "lstat(self -> self) -> %s: the link itself", rs(r));
    r = res(unlink(P("self")));
    checkf(r.ret == 0 && !exists(P("self")), "unlink(self -> self) -> %s: the link goes", rs(r));
    symlink("missing", P("dangling"));
    expect_err(res(open(P("dangling"), O_RDONLY)), ENOENT, "open(dangling symlink)");
    expect_err(res(open(P("dangling/x"), O_RDONLY)), ENOENT, "open(dangling/x)");
    symlink("target", P("tofile"));
    expect_err(res(open(P("tofile/x"), O_RDONLY)), ENOTDIR, "open(symlink-to-file/x)");
}

/* hop/<prefix>0 -> <prefix>1 -> ... -> <prefix>(n-1) -> final (all in hop/) */
static void make_chain(const char *prefix, int n, const char *final)
{
    for (int i = 0; i < n; i++) {
        char to[64];
        if (i == n - 1)
            snprintf(to, sizeof(to), "%s", final);
        else
            snprintf(to, sizeof(to), "%s%d", prefix, i + 1);
        symlink(to, P("hop/%s%d", prefix, i));
    }
}

static void forty(void)
{
    mkdir(P("hop"), 0755);
    put_str(P("hop/file"), "end");
    mkdir(P("hop/d"), 0755);
    put_str(P("hop/d/file"), "in d");
    /* 40 links to the file: fine; 41: ELOOP */
    make_chain("a", MAXSYMLINKS, "file");
    make_chain("b", MAXSYMLINKS + 1, "file");
    res_t r = res(open(P("hop/a0"), O_RDONLY));
    checkf(r.ret >= 0 && file_is(P("hop/a0"), "end"), "a chain of exactly %d symlinks is followed -> %s", MAXSYMLINKS,
           rs(r));
    close((int)r.ret);
    expect_err(res(open(P("hop/b0"), O_RDONLY)), ELOOP, "a chain of 41 symlinks");
    expect_err(res(stat(P("hop/b0"), &(struct stat){ 0 })), ELOOP, "stat of a chain of 41");
    r = res(stat(P("hop/b1"), &(struct stat){ 0 }));
    expect_ret(r, 0, "stat from its second link (40 left)");
    /* the count is for the whole path: 20 links to a directory, then 20 to a file inside it */
    make_chain("c", 20, "d");
    for (int i = 0; i < 20; i++) { /* inside hop/d */
        char to[16];
        snprintf(to, sizeof(to), i == 19 ? "file" : "e%d", i + 1);
        symlink(to, P("hop/d/e%d", i));
    }
    make_chain("f", 21, "d");
    r = res(open(P("hop/c0/e0"), O_RDONLY));
    checkf(r.ret >= 0 && file_is(P("hop/c0/e0"), "in d"), "20 links to a directory then 20 to a file: 40 in one path -> %s",
           rs(r));
    close((int)r.ret);
    expect_err(res(open(P("hop/f0/e0"), O_RDONLY)), ELOOP, "21 links to a directory then 20 to a file: 41 in one path");
    r = res(open(P("hop/f0/file"), O_RDONLY));
    checkf(r.ret >= 0, "21 links to a directory then a plain name: 21 -> %s", rs(r));
    close((int)r.ret);
    /* O_NOFOLLOW refuses the last one whatever the count */
    expect_err(res(open(P("hop/a39"), O_RDONLY | O_NOFOLLOW)), ELOOP, "O_NOFOLLOW on the last link of the chain");
}

/* --- trailing slashes ------------------------------------------------------------------- */

static void trailing_slashes(void)
{
    mkdir(P("ts"), 0755);
    put_str(P("ts/file"), "f");
    mkdir(P("ts/dir"), 0755);
    symlink("dir", P("ts/ldir"));
    symlink("file", P("ts/lfile"));
    symlink("nothing", P("ts/ldangling"));
    struct stat st;

    expect_err(res(open(P("ts/file/"), O_RDONLY)), ENOTDIR, "open(\"file/\")");
    expect_err(res(open(P("ts/file/."), O_RDONLY)), ENOTDIR, "open(\"file/.\")");
    expect_err(res(open(P("ts/file/"), O_WRONLY | O_CREAT, 0644)), EISDIR, "open(\"file/\", O_CREAT)");
    expect_err(res(open(P("ts/new/"), O_WRONLY | O_CREAT, 0644)), EISDIR, "open(\"new/\", O_CREAT)");
    checkf(!exists(P("ts/new")), "open(\"new/\", O_CREAT) created nothing");
    expect_err(res(open(P("ts/new/"), O_RDONLY)), ENOENT, "open(\"new/\")");
    res_t r = res(open(P("ts/dir/"), O_RDONLY));
    expect_ok(r, "open(\"dir/\")");
    close((int)r.ret);
    r = res(open(P("ts/dir//"), O_RDONLY));
    expect_ok(r, "open(\"dir//\")");
    close((int)r.ret);
    expect_err(res(open(P("ts/lfile/"), O_RDONLY)), ENOTDIR, "open(\"link-to-file/\")");

    expect_err(res(stat(P("ts/file/"), &st)), ENOTDIR, "stat(\"file/\")");
    r = res(stat(P("ts/ldir/"), &st));
    checkf(r.ret == 0 && S_ISDIR(st.st_mode), "stat(\"link-to-dir/\") -> %s: follows (mode 0%o)", rs(r), st.st_mode);
    r = res(lstat(P("ts/ldir/"), &st));
    checkf(r.ret == 0 && S_ISDIR(st.st_mode), "lstat(\"link-to-dir/\") -> %s: the slash makes it follow (mode 0%o)",
           rs(r), st.st_mode);
    r = res(lstat(P("ts/ldir"), &st));
    checkf(r.ret == 0 && S_ISLNK(st.st_mode), "lstat(\"link-to-dir\") -> %s: the link (mode 0%o)", rs(r), st.st_mode);
    expect_err(res(lstat(P("ts/lfile/"), &st)), ENOTDIR, "lstat(\"link-to-file/\")");
    expect_err(res(lstat(P("ts/ldangling/"), &st)), ENOENT, "lstat(\"dangling-link/\")");

    r = res(mkdir(P("ts/made/"), 0755));
    checkf(r.ret == 0 && S_ISDIR(mode_of(P("ts/made"))), "mkdir(\"made/\") -> %s", rs(r));
    expect_err(res(mkdir(P("ts/ldir/"), 0755)), EEXIST, "mkdir(\"link-to-dir/\")");
    expect_err(res(mkdir(P("ts/file/"), 0755)), EEXIST, "mkdir(\"file/\")");

    expect_err(res(unlink(P("ts/dir/"))), EISDIR, "unlink(\"dir/\")");
    expect_err(res(unlink(P("ts/file/"))), ENOTDIR, "unlink(\"file/\")");
    expect_err(res(unlink(P("ts/ldir/"))), ENOTDIR, "unlink(\"link-to-dir/\")");
    expect_err(res(unlink(P("ts/missing/"))), ENOENT, "unlink(\"missing/\")");
    expect_err(res(rmdir(P("ts/ldir/"))), ENOTDIR, "rmdir(\"link-to-dir/\")");
    expect_err(res(rmdir(P("ts/file/"))), ENOTDIR, "rmdir(\"file/\")");
    checkf(S_ISLNK(mode_of(P("ts/ldir"))) && S_ISDIR(mode_of(P("ts/dir"))), "the link and its directory are still there");
    r = res(rmdir(P("ts/made//")));
    checkf(r.ret == 0 && !exists(P("ts/made")), "rmdir(\"made//\") -> %s", rs(r));

    mkdir(P("ts/rd"), 0755);
    r = res(rename(P("ts/rd/"), P("ts/rd2/")));
    checkf(r.ret == 0 && S_ISDIR(mode_of(P("ts/rd2"))), "rename(\"dir/\", \"new/\") -> %s", rs(r));
    r = res(rename(P("ts/rd2"), P("ts/rd3/")));
    checkf(r.ret == 0 && S_ISDIR(mode_of(P("ts/rd3"))), "rename(\"dir\", \"new/\") -> %s", rs(r));
    expect_err(res(rename(P("ts/file/"), P("ts/file2"))), ENOTDIR, "rename(\"file/\", \"x\")");
    expect_err(res(rename(P("ts/file"), P("ts/file2/"))), ENOTDIR, "rename(\"file\", \"x/\")");
    expect_err(res(rename(P("ts/lfile/"), P("ts/file2"))), ENOTDIR, "rename(\"link-to-file/\", \"x\")");
    checkf(file_is(P("ts/file"), "f") && !exists(P("ts/file2")), "the refused renames moved nothing");
    expect_err(res(link(P("ts/file"), P("ts/hard/"))), ENOENT, "link(\"file\", \"new/\")");
    expect_err(res(symlink("file", P("ts/sym/"))), ENOENT, "symlink(\"file\", \"new/\")");

    symlink("file/", P("ts/slashed"));
    expect_err(res(open(P("ts/slashed"), O_RDONLY)), ENOTDIR, "open(a link whose target is \"file/\")");
    symlink("dir/", P("ts/slashed-dir"));
    r = res(stat(P("ts/slashed-dir"), &st));
    checkf(r.ret == 0 && S_ISDIR(st.st_mode), "stat(a link whose target is \"dir/\") -> %s", rs(r));
}

/* --- "." and ".." --------------------------------------------------------------------------- */

static void dots(void)
{
    struct stat root, st;
    stat("/", &root);
    static const char *roots[] = { "/..", "/../..", "/./../.", "//", "///..//../" };
    for (int i = 0; i < 5; i++) {
        res_t r = res(stat(roots[i], &st));
        checkf(r.ret == 0 && st.st_ino == root.st_ino && st.st_dev == root.st_dev, "stat(\"%s\") -> %s: the root", roots[i],
               rs(r));
    }
    int rootfd = open("/", O_RDONLY | O_DIRECTORY);
    res_t r = res(sys_fstatat(rootfd, "..", &st, 0));
    checkf(r.ret == 0 && st.st_ino == root.st_ino, "newfstatat(fd of \"/\", \"..\") -> %s: the root", rs(r));
    close(rootfd);

    char up[PATH_MAX] = "";
    for (const char *s = scratch; *s; s++)
        if (*s == '/')
            strcat(up, "../");
    strcat(up, "../..");
    char rel[PATH_MAX];
    snprintf(rel, sizeof(rel), "%s", up);
    r = res(sys_fstatat(scratch_fd, rel, &st, 0));
    checkf(r.ret == 0 && st.st_ino == root.st_ino, "from the scratch dir, \"%s\" (more \"..\" than levels) -> %s: the root",
           rel, rs(r));
    chdir("/");
    chdir("..");
    char cwd[PATH_MAX];
    getcwd(cwd, sizeof(cwd));
    checkf(!strcmp(cwd, "/"), "chdir(\"/\") then chdir(\"..\"): getcwd \"%s\"", cwd);
    chdir(scratch);

    mkdir(P("a"), 0755);
    mkdir(P("a/b"), 0755);
    mkdir(P("a/b/c"), 0755);
    put_str(P("a/f"), "af");
    symlink("a/b/c", P("lc"));
    checkf(ino_of(P("lc/..")) == ino_of(P("a/b")), "\"link-to-a/b/c/..\" is a/b: \"..\" is physical, not the link's dir");
    checkf(file_is(P("lc/../../f"), "af"), "\"link-to-a/b/c/../../f\" is a/f (\"%s\")", contents(P("lc/../../f")));
    checkf(ino_of(P("a/b/c/../..")) == ino_of(P("a")), "a/b/c/../.. is a");
    checkf(ino_of(P("a/./b/./c/.")) == ino_of(P("a/b/c")), "a/./b/./c/. is a/b/c");
    checkf(file_is(P("a//b///..//f"), "af"), "a//b///..//f: repeated slashes are one (\"%s\")", contents(P("a//b///..//f")));
    checkf(ino_of(P(".")) == ino_of(scratch) && ino_of(P("a/..")) == ino_of(scratch), "scratch/. and scratch/a/.. are scratch");
    expect_err(res(stat(P("a/f/.."), &st)), ENOTDIR, "stat(\"file/..\")");
    expect_err(res(stat(P("missing/.."), &st)), ENOENT, "stat(\"missing/..\")");
    r = res(open(".", O_RDONLY));
    checkf(r.ret >= 0, "open(\".\") -> %s", rs(r));
    close((int)r.ret);
    expect_err(res(open(".", O_WRONLY)), EISDIR, "open(\".\", O_WRONLY)");
    expect_err(res(open(P("a/."), O_WRONLY | O_CREAT, 0644)), EISDIR, "open(\"dir/.\", O_CREAT)");
    expect_err(res(mkdir(".", 0755)), EEXIST, "mkdir(\".\")");
    expect_err(res(rmdir(".")), EINVAL, "rmdir(\".\")");
}

/* --- lookups relative to a dirfd ------------------------------------------------------------ */

static void dirfds(void)
{
    mkdir(P("rd"), 0755);
    mkdir(P("rd/in"), 0755);
    put_str(P("rd/f"), "rel f");
    put_str(P("top"), "top");
    int d = open(P("rd"), O_RDONLY | O_DIRECTORY);
    char buf[32] = { 0 };
    res_t r = res(openat(d, "f", O_RDONLY));
    ssize_t n = read((int)r.ret, buf, sizeof(buf));
    checkf(r.ret >= 0 && n == 5 && !memcmp(buf, "rel f", 5), "openat(dirfd, \"f\") -> %s: the dirfd's f", rs(r));
    close((int)r.ret);
    r = res(openat(d, "../top", O_RDONLY));
    checkf(r.ret >= 0, "openat(dirfd, \"../top\") -> %s", rs(r));
    close((int)r.ret);
    r = res(openat(d, "in/../f", O_RDONLY));
    checkf(r.ret >= 0, "openat(dirfd, \"in/../f\") -> %s", rs(r));
    close((int)r.ret);
    r = res(openat(d, ".", O_RDONLY | O_DIRECTORY));
    struct stat a, b;
    fstat((int)r.ret, &a);
    fstat(d, &b);
    checkf(r.ret >= 0 && a.st_ino == b.st_ino, "openat(dirfd, \".\") -> %s: the same directory", rs(r));
    close((int)r.ret);
    int f = open(P("rd/f"), O_RDONLY);
    expect_err(res(openat(f, "x", O_RDONLY)), ENOTDIR, "openat(file fd, \"x\")");
    expect_err(res(openat(f, "x", O_CREAT | O_WRONLY, 0644)), ENOTDIR, "openat(file fd, \"x\", O_CREAT)");
    expect_err(res(openat(999, "x", O_RDONLY)), EBADF, "openat(fd 999, \"x\")");
    expect_err(res(openat(-5, "x", O_RDONLY)), EBADF, "openat(fd -5, \"x\")");
    r = res(openat(999, P("top"), O_RDONLY));
    checkf(r.ret >= 0, "openat(fd 999, absolute path) -> %s: the dirfd is ignored", rs(r));
    close((int)r.ret);
    r = res(openat(f, P("top"), O_RDONLY));
    checkf(r.ret >= 0, "openat(file fd, absolute path) -> %s", rs(r));
    close((int)r.ret);
    expect_err(res(openat(d, "", O_RDONLY)), ENOENT, "openat(dirfd, \"\")");
    close(f);

    /* AT_FDCWD is the working directory */
    chdir(P("rd"));
    r = res(openat(AT_FDCWD, "f", O_RDONLY));
    checkf(r.ret >= 0, "openat(AT_FDCWD, \"f\") in rd -> %s", rs(r));
    close((int)r.ret);
    chdir(scratch);

    /* an O_PATH descriptor serves as a dirfd */
    int pd = open(P("rd"), O_PATH | O_DIRECTORY);
    r = res(openat(pd, "f", O_RDONLY));
    checkf(pd >= 0 && r.ret >= 0, "openat(O_PATH dirfd, \"f\") -> %s", rs(r));
    close((int)r.ret);
    char c;
    expect_err(res(read(pd, &c, 1)), EBADF, "read from an O_PATH descriptor");
    close(pd);

    /* the dirfd follows its directory through a rename */
    r = res(rename(P("rd"), P("moved")));
    int g = openat(d, "f", O_RDONLY);
    checkf(r.ret == 0 && g >= 0, "after rename(rd, moved), openat(dirfd, \"f\") -> %d: the dirfd is the directory, not the name", g);
    close(g);
    r = res(openat(d, "new", O_CREAT | O_WRONLY, 0644));
    checkf(r.ret >= 0 && exists(P("moved/new")), "openat(dirfd, \"new\", O_CREAT) creates it in the moved directory");
    close((int)r.ret);
    close(d);

    /* a dirfd of a removed directory: nothing can be made in it */
    mkdir(P("gone"), 0755);
    d = open(P("gone"), O_RDONLY | O_DIRECTORY);
    rmdir(P("gone"));
    expect_err(res(openat(d, "x", O_CREAT | O_WRONLY, 0644)), ENOENT, "openat(dirfd of a removed dir, \"x\", O_CREAT)");
    expect_err(res(openat(d, "x", O_RDONLY)), ENOENT, "openat(dirfd of a removed dir, \"x\")");
    expect_err(res(mkdirat(d, "x", 0755)), ENOENT, "mkdirat(dirfd of a removed dir, \"x\")");
    r = res(openat(d, "..", O_RDONLY | O_DIRECTORY));
    checkf(r.ret >= 0, "openat(dirfd of a removed dir, \"..\") -> %s: its former parent", rs(r));
    close((int)r.ret);
    close(d);
}

/* --- faccessat, faccessat2 (as root; test_perm covers other users) -------------------------------- */

static long sys_faccessat(int dirfd, const char *path, int mode)
{
    return syscall(SYS_faccessat, dirfd, path, mode);
}

static void access_checks(void)
{
    mkdir(P("acc"), 0755);
    put_file(P("acc/none"), "", 0, 0);
    put_file(P("acc/ux"), "", 0, 0744);
    put_file(P("acc/ox"), "", 0, 0601);
    put_file(P("acc/rw"), "", 0, 0644);
    mkdir(P("acc/closed"), 0);
    put_str(P("acc/closed/inside"), "x");
    symlink("missing", P("acc/dangling"));
    symlink("rw", P("acc/lrw"));

    expect_ret(res(sys_faccessat(AT_FDCWD, P("acc/rw"), F_OK)), 0, "faccessat(F_OK) of a file");
    expect_err(res(sys_faccessat(AT_FDCWD, P("acc/missing"), F_OK)), ENOENT, "faccessat(F_OK) of a missing name");
    expect_ret(res(sys_faccessat(AT_FDCWD, P("acc/none"), R_OK | W_OK)), 0, "root: R_OK|W_OK of a mode-0 file");
    expect_err(res(sys_faccessat(AT_FDCWD, P("acc/none"), X_OK)), EACCES, "root: X_OK of a mode-0 file");
    expect_err(res(sys_faccessat(AT_FDCWD, P("acc/rw"), X_OK)), EACCES, "root: X_OK of a 0644 file");
    expect_ret(res(sys_faccessat(AT_FDCWD, P("acc/ux"), X_OK)), 0, "root: X_OK of a 0744 file (owner x)");
    expect_ret(res(sys_faccessat(AT_FDCWD, P("acc/ox"), X_OK)), 0, "root: X_OK of a 0601 file (other x is enough)");
    expect_ret(res(sys_faccessat(AT_FDCWD, P("acc/closed"), R_OK | W_OK | X_OK)), 0, "root: R_OK|W_OK|X_OK of a mode-0 dir");
    expect_ret(res(sys_faccessat(AT_FDCWD, P("acc/closed/inside"), R_OK)), 0, "root: search through a mode-0 dir");
    expect_err(res(sys_faccessat(AT_FDCWD, P("acc/rw"), 8)), EINVAL, "faccessat(mode 8)");
    expect_err(res(sys_faccessat(AT_FDCWD, P("acc/rw"), -1)), EINVAL, "faccessat(mode -1)");
    expect_err(res(sys_faccessat(AT_FDCWD, P("acc/dangling"), F_OK)), ENOENT, "faccessat(F_OK) of a dangling link");
    expect_err(res(sys_faccessat(AT_FDCWD, P("acc/rw/x"), F_OK)), ENOTDIR, "faccessat(file/x)");
    expect_err(res(sys_faccessat(AT_FDCWD, no_access_page(), F_OK)), EFAULT, "faccessat(unreadable path)");
    int d = open(P("acc"), O_RDONLY | O_DIRECTORY);
    expect_ret(res(sys_faccessat(d, "rw", R_OK)), 0, "faccessat(dirfd, \"rw\", R_OK)");
    expect_err(res(sys_faccessat(999, "rw", R_OK)), EBADF, "faccessat(fd 999, \"rw\")");
    expect_ret(res(access(P("acc/lrw"), W_OK)), 0, "access(symlink to a file, W_OK) (musl)");

    expect_ret(res(sys_faccessat2(AT_FDCWD, P("acc/rw"), R_OK, 0)), 0, "faccessat2(R_OK, 0)");
    expect_ret(res(sys_faccessat2(AT_FDCWD, P("acc/rw"), R_OK | W_OK, AT_EACCESS)), 0, "faccessat2(AT_EACCESS)");
    expect_ret(res(sys_faccessat2(AT_FDCWD, P("acc/dangling"), F_OK, AT_SYMLINK_NOFOLLOW)), 0,
               "faccessat2(dangling link, F_OK, AT_SYMLINK_NOFOLLOW): the link exists");
    expect_err(res(sys_faccessat2(AT_FDCWD, P("acc/dangling"), F_OK, 0)), ENOENT,
               "faccessat2(dangling link, F_OK, 0): followed");
    int fd = open(P("acc/ux"), O_RDONLY);
    expect_ret(res(sys_faccessat2(fd, "", X_OK, AT_EMPTY_PATH)), 0, "faccessat2(fd, \"\", X_OK, AT_EMPTY_PATH)");
    expect_err(res(sys_faccessat2(fd, "", X_OK, 0)), ENOENT, "faccessat2(fd, \"\", X_OK, 0)");
    close(fd);
    expect_err(res(sys_faccessat2(AT_FDCWD, P("acc/rw"), R_OK, 0x1)), EINVAL, "faccessat2(flags 0x1)");
    expect_err(res(sys_faccessat2(AT_FDCWD, P("acc/rw"), 8, 0)), EINVAL, "faccessat2(mode 8)");
    expect_err(res(sys_faccessat2(d, "missing", F_OK, AT_EACCESS)), ENOENT, "faccessat2(dirfd, missing)");
    close(d);
}

/* --- utimensat ----------------------------------------------------------------------------- */

static void times(void)
{
    const char *p = P("ut");
    put_str(p, "u");
    struct stat st, before;
    struct timespec set[2] = { { 1111111111, 111111111 }, { 1222222222, 222222222 } };
    res_t r = res(utimensat(AT_FDCWD, p, set, 0));
    stat(p, &st);
    checkf(r.ret == 0 && st.st_atim.tv_sec == 1111111111 && st.st_atim.tv_nsec == 111111111 &&
               st.st_mtim.tv_sec == 1222222222 && st.st_mtim.tv_nsec == 222222222,
           "utimensat(explicit) -> %s: atime %lld.%09ld, mtime %lld.%09ld", rs(r), (long long)st.st_atime,
           (long)st.st_atim.tv_nsec, (long long)st.st_mtime, (long)st.st_mtim.tv_nsec);

    struct timespec omit_now[2] = { { 0, UTIME_OMIT }, { 5, UTIME_NOW } };
    before = st;
    sleep_ms(20);
    long long t0 = realtime_ns();
    r = res(utimensat(AT_FDCWD, p, omit_now, 0));
    long long t1 = realtime_ns();
    stat(p, &st);
    checkf(r.ret == 0 && ts_ns(st.st_atim) == ts_ns(before.st_atim) && ts_ns(st.st_mtim) >= t0 - 20000000 &&
               ts_ns(st.st_mtim) <= t1,
           "utimensat(atime UTIME_OMIT, mtime UTIME_NOW) -> %s: atime kept, mtime now (tv_sec 5 ignored)", rs(r));
    checkf(ts_ns(st.st_ctim) > ts_ns(before.st_ctim), "ctime moved");
    before = st;
    sleep_ms(20);
    struct timespec both_omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
    r = res(utimensat(AT_FDCWD, p, both_omit, 0));
    stat(p, &st);
    checkf(r.ret == 0 && ts_ns(st.st_atim) == ts_ns(before.st_atim) && ts_ns(st.st_mtim) == ts_ns(before.st_mtim) &&
               ts_ns(st.st_ctim) == ts_ns(before.st_ctim),
           "utimensat(both UTIME_OMIT) -> %s: nothing changes, not even ctime", rs(r));
    utimensat(AT_FDCWD, p, set, 0);
    sleep_ms(20);
    t0 = realtime_ns();
    r = res(utimensat(AT_FDCWD, p, NULL, 0));
    t1 = realtime_ns();
    stat(p, &st);
    checkf(r.ret == 0 && ts_ns(st.st_atim) >= t0 - 20000000 && ts_ns(st.st_atim) <= t1 &&
               ts_ns(st.st_mtim) == ts_ns(st.st_atim),
           "utimensat(NULL) -> %s: atime and mtime both now, equal", rs(r));
    struct timespec nows[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
    r = res(utimensat(AT_FDCWD, p, nows, 0));
    stat(p, &st);
    checkf(r.ret == 0 && ts_ns(st.st_mtim) == ts_ns(st.st_atim), "utimensat(both UTIME_NOW) -> %s: equal", rs(r));
    struct timespec old[2] = { { -1, 0 }, { -86400, 500 } };
    r = res(utimensat(AT_FDCWD, p, old, 0));
    stat(p, &st);
    checkf(r.ret == 0 && st.st_atim.tv_sec == -1 && st.st_mtim.tv_sec == -86400 && st.st_mtim.tv_nsec == 500,
           "utimensat(times before 1970) -> %s: atime %lld, mtime %lld.%09ld", rs(r), (long long)st.st_atime,
           (long long)st.st_mtime, (long)st.st_mtim.tv_nsec);

    struct timespec bad1[2] = { { 0, 1000000000 }, { 0, 0 } }, bad2[2] = { { 0, 0 }, { 0, -1 } };
    expect_err(res(utimensat(AT_FDCWD, p, bad1, 0)), EINVAL, "utimensat(tv_nsec 1000000000)");
    expect_err(res(utimensat(AT_FDCWD, p, bad2, 0)), EINVAL, "utimensat(tv_nsec -1)");
    expect_err(res(utimensat(AT_FDCWD, p, set, 0x1)), EINVAL, "utimensat(flags 0x1)");
    expect_err(res(utimensat(AT_FDCWD, P("missing"), set, 0)), ENOENT, "utimensat(missing)");
    /* raw: musl reads the times itself first */
    expect_err(res(syscall(SYS_utimensat, AT_FDCWD, p, no_access_page(), 0)), EFAULT,
               "utimensat(times in an unreadable page)");
    expect_err(res(syscall(SYS_utimensat, AT_FDCWD, "", set, 0)), ENOENT, "utimensat(\"\")");

    /* on a link: AT_SYMLINK_NOFOLLOW sets the link's own times */
    symlink("ut", P("lut"));
    utimensat(AT_FDCWD, p, set, 0);
    struct timespec lset[2] = { { 1333333333, 0 }, { 1444444444, 0 } };
    r = res(utimensat(AT_FDCWD, P("lut"), lset, AT_SYMLINK_NOFOLLOW));
    struct stat ls;
    lstat(P("lut"), &ls);
    stat(p, &st);
    checkf(r.ret == 0 && ls.st_mtime == 1444444444 && ls.st_atime == 1333333333 && st.st_mtime == 1222222222,
           "utimensat(link, AT_SYMLINK_NOFOLLOW) -> %s: the link's mtime %lld, the target's stays %lld", rs(r),
           (long long)ls.st_mtime, (long long)st.st_mtime);
    r = res(utimensat(AT_FDCWD, P("lut"), lset, 0));
    stat(p, &st);
    checkf(r.ret == 0 && st.st_mtime == 1444444444, "utimensat(link, 0) -> %s: the target's mtime %lld", rs(r),
           (long long)st.st_mtime);

    /* through a descriptor: path NULL (Linux), futimens */
    int fd = open(p, O_RDONLY);
    r = res(syscall(SYS_utimensat, fd, NULL, set, 0));
    stat(p, &st);
    checkf(r.ret == 0 && st.st_mtime == 1222222222, "utimensat(fd, NULL path) -> %s: the fd's file", rs(r));
    expect_err(res(syscall(SYS_utimensat, fd, NULL, set, AT_SYMLINK_NOFOLLOW)), EINVAL,
               "utimensat(fd, NULL path, AT_SYMLINK_NOFOLLOW)");
    expect_err(res(syscall(SYS_utimensat, AT_FDCWD, NULL, set, 0)), EFAULT, "utimensat(AT_FDCWD, NULL path)");
    r = res(futimens(fd, lset));
    stat(p, &st);
    checkf(r.ret == 0 && st.st_mtime == 1444444444, "futimens on an O_RDONLY descriptor (root) -> %s", rs(r));
    r = res(utimensat(fd, "", set, AT_EMPTY_PATH));
    stat(p, &st);
    checkf(r.ret == 0 && st.st_mtime == 1222222222, "utimensat(fd, \"\", AT_EMPTY_PATH) -> %s", rs(r));
    close(fd);
    expect_err(res(futimens(999, set)), EBADF, "futimens(fd 999)");
}

/* --- statfs, fstatfs ------------------------------------------------------------------------ */

static void fs_stats(void)
{
    struct statfs s, f;
    res_t r = res(statfs(scratch, &s));
    checkf(r.ret == 0 && s.f_bsize > 0 && s.f_namelen == 255 && s.f_frsize > 0,
           "statfs(scratch) -> %s: f_bsize %ld, f_frsize %ld, f_namelen %ld", rs(r), (long)s.f_bsize, (long)s.f_frsize,
           (long)s.f_namelen);
    checkf(s.f_blocks >= s.f_bfree && s.f_bfree >= s.f_bavail && s.f_blocks > 0,
           "f_blocks %llu >= f_bfree %llu >= f_bavail %llu", (unsigned long long)s.f_blocks,
           (unsigned long long)s.f_bfree, (unsigned long long)s.f_bavail);
    checkf((s.f_flags & ST_RDONLY) == 0 && (s.f_flags & 0x20), "f_flags 0x%lx: ST_VALID (0x20), not ST_RDONLY",
           (unsigned long)s.f_flags);
    if (fs_exact()) {
        checkf(s.f_type == TMPFS_MAGIC_NUMBER && s.f_bsize == 4096 && s.f_frsize == 4096,
               "a tmpfs: f_type 0x%lx (0x01021994), f_bsize %ld (4096)", (unsigned long)s.f_type, (long)s.f_bsize);
        checkf(s.f_bavail == s.f_bfree, "tmpfs keeps nothing for root: f_bavail == f_bfree (%llu)",
               (unsigned long long)s.f_bavail);
    } else {
        skipf("(tmpfs only) f_type 0x01021994, f_bsize 4096, f_bavail == f_bfree");
    }
    int fd = open(scratch, O_RDONLY | O_DIRECTORY);
    r = res(fstatfs(fd, &f));
    checkf(r.ret == 0 && f.f_type == s.f_type && f.f_bsize == s.f_bsize && f.f_blocks == s.f_blocks &&
               f.f_namelen == s.f_namelen && !memcmp(&f.f_fsid, &s.f_fsid, sizeof(f.f_fsid)),
           "fstatfs(dirfd) -> %s: the same file system as statfs", rs(r));
    close(fd);
    put_str(P("sf"), "x");
    struct statfs g;
    r = res(statfs(P("sf"), &g));
    checkf(r.ret == 0 && g.f_type == s.f_type && g.f_blocks == s.f_blocks, "statfs(a file in it) -> %s: the same", rs(r));
    struct statvfs v;
    r = res(statvfs(scratch, &v));
    checkf(r.ret == 0 && v.f_namemax == 255 && v.f_bsize == (unsigned long)s.f_bsize, "statvfs (musl) -> %s: f_namemax %lu",
           rs(r), v.f_namemax);
    expect_err(res(statfs(P("missing"), &g)), ENOENT, "statfs(missing)");
    expect_err(res(statfs(P("sf/x"), &g)), ENOTDIR, "statfs(file/x)");
    expect_err(res(fstatfs(999, &g)), EBADF, "fstatfs(fd 999)");
    /* raw: musl copies the answer field by field from a buffer of its own */
    expect_err(res(syscall(SYS_statfs, scratch, no_access_page())), EFAULT, "statfs into an unreadable page");
    int pp[2];
    pipe(pp);
    r = res(fstatfs(pp[0], &g));
    checkf(r.ret == 0 && g.f_type == 0x50495045, "fstatfs(pipe) -> %s: f_type 0x%lx (PIPEFS_MAGIC 0x50495045)", rs(r),
           (unsigned long)g.f_type);
    close(pp[0]);
    close(pp[1]);
    r = res(statfs("/", &g));
    checkf(r.ret == 0 && g.f_namelen == 255, "statfs(\"/\") -> %s: f_namelen %ld", rs(r), (long)g.f_namelen);
}

/* --- chroot ------------------------------------------------------------------------ */

/* getcwd as the kernel says it (musl's getcwd refuses what does not start with '/'). */
static const char *raw_cwd(void)
{
    static char buf[PATH_MAX];
    long n = syscall(SYS_getcwd, buf, sizeof(buf));
    if (n < 0)
        snprintf(buf, sizeof(buf), "-1/%s", errname(errno));
    return buf;
}

static int jailed(void *arg)
{
    const char *jail = arg;
    res_t r = res(chroot(jail));
    if (!ccheckf(r.ret == 0, "chroot(%s) as root -> %s", jail, rs(r)))
        return 1;
    /* The working directory stays where it was: outside the new root. */
    const char *cwd = raw_cwd();
    ccheckf(!strncmp(cwd, "(unreachable)/", 14), "getcwd outside the new root: \"%s\" (Linux\'s \"(unreachable)\" prefix)",
            cwd);
    ccheckf(file_is("/etc/motd", "jailed"), "/etc/motd is the jail\'s: \"%s\"", contents("/etc/motd"));
    ccheckf(file_is("/../../..//etc/../etc/motd", "jailed"), "\"..\" at the new root stays there: \"%s\"",
            contents("/../../..//etc/../etc/motd"));
    ccheckf(file_is("/abs/motd", "jailed"), "an absolute symlink (/abs -> /etc) resolves inside: \"%s\"",
            contents("/abs/motd"));
    ccheckf(file_is("/etc/up/etc/motd", "jailed"), "a relative symlink climbing past the root stops there: \"%s\"",
            contents("/etc/up/etc/motd"));
    expect_err(res(open("/jail-marker", O_RDONLY)), ENOENT, "a file beside the jail, by its absolute name,");
    r = res(chdir("/etc"));
    cwd = raw_cwd();
    ccheckf(r.ret == 0 && !strcmp(cwd, "/etc"), "chdir(\"/etc\") -> %s, getcwd: \"%s\"", rs(r), cwd);
    chdir("/");
    cwd = raw_cwd();
    ccheckf(!strcmp(cwd, "/"), "chdir(\"/\"): getcwd \"%s\"", cwd);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(file_is("/etc/motd", "jailed") && !exists("/jail-marker") ? 0 : 1);
    int st = -1;
    reap(pid, &st);
    ccheckf(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child is in the same root (%s)", status_str(st));
    r = res(chroot("/etc"));
    ccheckf(r.ret == 0 && file_is("/motd", "jailed"), "chroot again, relative to the current root (/etc) -> %s: /motd \"%s\"",
            rs(r), contents("/motd"));
    return 0;
}

static int jail_unprivileged(void *arg)
{
    const char *jail = arg;
    if (setuid(1000) != 0) {
        ccheckf(false, "setuid(1000) -> %s", rs(res(-1)));
        return 1;
    }
    expect_err(res(chroot(jail)), EPERM, "chroot as uid 1000");
    expect_err(res(chroot(P("nosuch"))), ENOENT, "chroot of a missing directory as uid 1000 (looked up first)");
    return 0;
}

static void chroots(void)
{
    mkdir(P("jail"), 0755);
    mkdir(P("jail/etc"), 0755);
    put_str(P("jail/etc/motd"), "jailed");
    put_str(P("jail-marker"), "outside");
    symlink("/etc", P("jail/abs"));
    symlink("../../..", P("jail/etc/up"));
    expect_err(res(chroot(P("jail/etc/motd"))), ENOTDIR, "chroot of a file");
    expect_err(res(chroot(P("nosuch"))), ENOENT, "chroot of a missing directory");
    expect_err(res(chroot((const char *)8)), EFAULT, "chroot from 0x8");
    if (geteuid() != 0) {
        skipf("chroot as root (not root here)");
        return;
    }
    run_child_ok("chroot", jailed, (void *)P("jail"));
    chmod(scratch, 0755); /* mkdtemp's 0700 would make every lookup below it EACCES for uid 1000 */
    run_child_ok("chroot unprivileged", jail_unprivileged, (void *)P("jail"));
    chmod(scratch, 0700);
    checkf(file_is(P("jail-marker"), "outside"), "the parent is not in the jail: \"%s\"", contents(P("jail-marker")));
}

int main(void)
{
    umask(022);
    scratch_init("test_path");
    chdir(scratch);
    links();
    forty();
    trailing_slashes();
    dots();
    dirfds();
    access_checks();
    times();
    fs_stats();
    chroots();
    scratch_cleanup();
    return check_summary();
}
