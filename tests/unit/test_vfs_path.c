/*
 * Host tests of the vfs server's path resolution and permission rules
 * (servers/vfs/path.c, perm.c, namei.c), driven through the protocol as the
 * kernel drives it. Expected errors are Linux's.
 */
#include <errno.h>
#include <stdio.h>

#include "test.h"
#include "vfs_harness.h"

static void test_basic_lookup(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    CHECK_EQ(t_mkdir("/a", 0755), 0);
    CHECK_EQ(t_mkdir("/a/b", 0755), 0);
    h_file("/a/b/f", "hello", 0644);
    CHECK_EQ(t_stat0("/a/b/f", &st), 0);
    CHECK_EQ(st.st_size, 5);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0644);
    CHECK_EQ(t_stat0("/a/./b/../b/f", &st), 0);
    CHECK_EQ(t_stat0("//a///b//f", &st), 0);
    CHECK_EQ(t_stat0("a/b/f", &st), 0); /* relative to cookie 0: the root */
    CHECK_EQ(t_stat0("", &st), -ENOENT);
    CHECK_EQ(t_stat0("/a/nope", &st), -ENOENT);
    CHECK_EQ(t_stat0("/a/nope/f", &st), -ENOENT);
    CHECK_EQ(t_stat0("/a/b/f/x", &st), -ENOTDIR);
    CHECK_EQ(t_stat0("/a/b/f/", &st), -ENOTDIR);
    CHECK_EQ(t_stat0("/a/b/", &st), 0);
    CHECK_EQ(t_stat0("/a/b/f/.", &st), -ENOTDIR);
    CHECK_EQ(t_stat0("/a/b/f/..", &st), -ENOTDIR);
    /* ".." at the root stays there. */
    struct kx_stat root;
    CHECK_EQ(t_stat0("/", &root), 0);
    CHECK_EQ(t_stat0("/../../..", &st), 0);
    CHECK_EQ(st.st_ino, root.st_ino);
    CHECK_EQ(st.st_dev, root.st_dev);
    CHECK_EQ(t_stat0("/../a/../../a/b/f", &st), 0);
}

static void test_relative_to_cookie(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    t_mkdir("/d", 0755);
    t_mkdir("/d/e", 0755);
    h_file("/d/e/f", "x", 0644);
    long d = t_open("/d", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK(d > 0);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)d, "e/f", 0, &st), 0);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)d, "..", 0, &st), 0);
    CHECK_EQ(st.st_ino, 1); /* the root tmpfs's root */
    CHECK_EQ(t_stat(&ROOT, (uint64_t)d, "/d/e/f", 0, &st), 0);
    long f = t_open("/d/e/f", O_(RDONLY), 0);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)f, "x", 0, &st), -ENOTDIR);
    /* An absolute path does not need the start to be a directory (Linux ignores dirfd). */
    CHECK_EQ(t_stat(&ROOT, (uint64_t)f, "/d", 0, &st), 0);
    /* Stale and forged cookies. */
    t_close((uint64_t)d);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)d, "e/f", 0, &st), -EBADF);
    CHECK_EQ(t_stat(&ROOT, 0x12345678ull << 32 | 3, "e/f", 0, &st), -EBADF);
    CHECK_EQ(t_stat(&ROOT, 0xffffffffffffffffull, "e", 0, &st), -EBADF);
    t_close((uint64_t)f);
}

static void test_name_too_long(void)
{
    h_fresh(0, 1ull << 30);
    char name[300], path[320];
    memset(name, 'n', sizeof(name));
    name[255] = 0;
    snprintf(path, sizeof(path), "/%s", name);
    CHECK_EQ(t_mkdir(path, 0755), 0); /* 255 bytes: fine */
    struct kx_stat st;
    CHECK_EQ(t_stat0(path, &st), 0);
    name[255] = 'n';
    name[256] = 0;
    snprintf(path, sizeof(path), "/%s", name);
    CHECK_EQ(t_mkdir(path, 0755), -ENAMETOOLONG);
    CHECK_EQ(t_stat0(path, &st), -ENAMETOOLONG);
    CHECK_EQ(t_open(path, O_(CREAT) | O_(WRONLY), 0644), -ENAMETOOLONG);
    snprintf(path, sizeof(path), "/%s/x", name);
    CHECK_EQ(t_stat0(path, &st), -ENAMETOOLONG);
    CHECK_EQ(t_unlink(path), -ENAMETOOLONG);
    /* A path of PATH_MAX bytes with its NUL is refused before any lookup. */
    static char huge[5000];
    memset(huge, 'a', sizeof(huge));
    huge[4096] = 0;
    CHECK_EQ(t_stat0(huge, &st), -ENAMETOOLONG);
    /* 4095 characters of "./" are fine. */
    for (int i = 0; i < 4094; i += 2) {
        huge[i] = '.';
        huge[i + 1] = '/';
    }
    huge[4094] = '.';
    huge[4095] = 0;
    CHECK_EQ(t_stat0(huge, &st), 0);
}

static void test_trailing_slashes(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    CHECK_EQ(t_mkdir("/a/", 0755), 0);
    CHECK_EQ(t_mkdir("/b//", 0755), 0);
    CHECK_EQ(t_stat0("/b", &st), 0);
    h_file("/f", "x", 0644);
    CHECK_EQ(t_open("/f/", O_(RDONLY), 0), -ENOTDIR);
    CHECK_EQ(t_open("/new/", O_(CREAT) | O_(WRONLY), 0644), -EISDIR);
    CHECK_EQ(t_open("/f/", O_(CREAT) | O_(WRONLY), 0644), -EISDIR);
    CHECK_EQ(t_open("/a/", O_(CREAT) | O_(RDONLY), 0644), -EISDIR);
    CHECK_EQ(t_mknod_as(&ROOT, "/fifo/", LX_S_IFIFO | 0644, 0), -ENOENT);
    CHECK_EQ(t_mknod_as(&ROOT, "/f/", LX_S_IFIFO | 0644, 0), -EEXIST);
    CHECK_EQ(t_symlink("/f", "/l/"), -ENOENT);
    CHECK_EQ(t_mkdir("/f/", 0755), -EEXIST);
    CHECK_EQ(t_unlink("/f/"), -ENOTDIR);
    CHECK_EQ(t_unlink("/a/"), -EISDIR);
    CHECK_EQ(t_unlink("/nope/"), -ENOENT);
    CHECK_EQ(t_rmdir("/a/"), 0);
    CHECK_EQ(t_rmdir("/f/"), -ENOTDIR);
    /* A trailing slash follows a final symlink and wants a directory. */
    CHECK_EQ(t_symlink("/b", "/lb"), 0);
    CHECK_EQ(t_symlink("/f", "/lf"), 0);
    CHECK_EQ(t_lstat("/lb/", &st), 0);
    CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFDIR);
    CHECK_EQ(t_lstat("/lb", &st), 0);
    CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFLNK);
    CHECK_EQ(t_lstat("/lf/", &st), -ENOTDIR);
    /* rename with slashes: only directories may carry them. */
    CHECK_EQ(t_rename("/f/", "/g"), -ENOTDIR);
    CHECK_EQ(t_rename("/f", "/g/"), -ENOTDIR);
    CHECK_EQ(t_rename("/b/", "/c/"), 0);
    CHECK_EQ(t_stat0("/c", &st), 0);
}

static void test_symlinks(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    char buf[64];
    t_mkdir("/d", 0755);
    t_mkdir("/d/sub", 0755);
    h_file("/d/sub/f", "data", 0644);
    CHECK_EQ(t_symlink("/d/sub", "/abs"), 0);
    CHECK_EQ(t_symlink("sub/f", "/d/rel"), 0);
    CHECK_EQ(t_symlink("../../d/./sub", "/d/sub/up"), 0);
    CHECK_EQ(t_stat0("/abs/f", &st), 0);
    CHECK_EQ(st.st_size, 4);
    CHECK_EQ(t_stat0("/d/rel", &st), 0);
    CHECK_EQ(st.st_size, 4);
    CHECK_EQ(t_stat0("/d/sub/up/up/up/f", &st), 0);
    CHECK_EQ(t_lstat("/d/rel", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFLNK | 0777);
    CHECK_EQ(st.st_size, 5);
    CHECK_EQ(t_readlink("/d/rel", buf, sizeof(buf)), 5);
    CHECK_STR(buf, "sub/f");
    CHECK_EQ(t_readlink("/d/sub/f", buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(t_readlink("/abs/", buf, sizeof(buf)), -EINVAL); /* followed: a directory */
    CHECK_EQ(t_symlink("", "/empty"), -ENOENT);
    CHECK_EQ(t_symlink("x", "/d/rel"), -EEXIST);
    /* Dangling links: open follows and creates the target, unless O_EXCL. */
    CHECK_EQ(t_symlink("/d/target", "/dang"), 0);
    CHECK_EQ(t_stat0("/dang", &st), -ENOENT);
    CHECK_EQ(t_open("/dang", O_(CREAT) | O_(EXCL) | O_(WRONLY), 0600), -EEXIST);
    long fd = t_open("/dang", O_(CREAT) | O_(WRONLY), 0600);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    CHECK_EQ(t_stat0("/d/target", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0600);
    /* O_NOFOLLOW: ELOOP on a final link; with O_PATH the link itself. */
    CHECK_EQ(t_open("/d/rel", O_(RDONLY) | O_(NOFOLLOW), 0), -ELOOP);
    CHECK_EQ(t_open("/abs/f", O_(RDONLY) | O_(NOFOLLOW), 0) > 0, 1); /* only the last component counts */
    fd = t_open("/d/rel", O_(PATH) | O_(NOFOLLOW), 0);
    CHECK(fd > 0);
    CHECK_EQ(h_ans[1], VFS_KIND_LNK);
    CHECK_EQ(h_ans[2], LX_S_IFLNK | 0777);
    CHECK_EQ(t_close((uint64_t)fd), 0);
    /* A loop. */
    CHECK_EQ(t_symlink("/loop2", "/loop1"), 0);
    CHECK_EQ(t_symlink("/loop1", "/loop2"), 0);
    CHECK_EQ(t_stat0("/loop1", &st), -ELOOP);
    CHECK_EQ(t_lstat("/loop1", &st), 0);
    CHECK_EQ(t_stat0("/loop1/x", &st), -ELOOP);
    CHECK_EQ(t_open("/loop1", O_(CREAT) | O_(WRONLY), 0644), -ELOOP);
}

/* A chain of n links ending at /target: l0 -> l1 -> ... -> l(n-1) -> /target. */
static void make_chain(const char *prefix, int n)
{
    char name[64], target[64];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "/%s%d", prefix, i);
        if (i == n - 1)
            snprintf(target, sizeof(target), "/target");
        else
            snprintf(target, sizeof(target), "%s%d", prefix, i + 1);
        CHECK_EQ(t_symlink(target, name), 0);
    }
}

static void test_forty_links(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    t_mkdir("/target", 0755);
    make_chain("a", 40);
    make_chain("b", 41);
    CHECK_EQ(t_stat0("/a0", &st), 0);
    CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFDIR);
    CHECK_EQ(t_stat0("/b0", &st), -ELOOP);
    CHECK_EQ(t_stat0("/a0/", &st), 0);
    /* Links met as non-final components count toward the same 40. */
    CHECK_EQ(t_stat0("/a1/.", &st), 0);
    CHECK_EQ(t_stat0("/b1/.", &st), 0);
    CHECK_EQ(t_stat0("/b0/.", &st), -ELOOP);
    /* 20 + 20 in one path: fine; 20 + 21: ELOOP. */
    CHECK_EQ(t_symlink("/a20", "/c"), 0); /* c -> a20: 1 + 20 links */
    CHECK_EQ(t_stat0("/a21/../c", &st), 0);  /* 19 + 1 + 20 = 40 */
    CHECK_EQ(t_stat0("/a20/../c", &st), -ELOOP); /* 20 + 1 + 20 = 41 */
}

static void test_search_permission(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    t_mkdir("/p", 0700);
    h_file("/p/f", "x", 0644);
    t_mkdir("/q", 0755);
    CHECK_EQ(t_stat(&USER, 0, "/p/f", 0, &st), -EACCES);
    CHECK_EQ(t_stat(&USER, 0, "/p", 0, &st), 0); /* stat of the directory itself needs nothing */
    CHECK_EQ(t_stat(&USER, 0, "/p/nope", 0, &st), -EACCES); /* EACCES before ENOENT */
    CHECK_EQ(t_stat(&ROOT, 0, "/p/f", 0, &st), 0);
    /* Through a symlink too: the directories walked are checked wherever they are. */
    t_symlink("/p/f", "/q/l");
    CHECK_EQ(t_stat(&USER, 0, "/q/l", 0, &st), -EACCES);
    CHECK_EQ(t_stat(&USER, 0, "/q/l", LX_AT_SYMLINK_NOFOLLOW, &st), 0);
    /* x but not r: search works, reading the directory would not. */
    CHECK_EQ(t_chmod_as(&ROOT, "/p", 0711), 0);
    CHECK_EQ(t_stat(&USER, 0, "/p/f", 0, &st), 0);
    CHECK_EQ(t_openat(&USER, 0, "/p", O_(RDONLY) | O_(DIRECTORY), 0), -EACCES);
    /* Group search through a supplementary group. */
    t_chmod_as(&ROOT, "/p", 0710);
    t_chown_as(&ROOT, "/p", 0, 100);
    CHECK_EQ(t_stat(&USER, 0, "/p/f", 0, &st), 0);
    CHECK_EQ(t_stat(&OTHER, 0, "/p/f", 0, &st), -EACCES);
    /* The owner class decides alone: an owner without x is refused even if others have it. */
    t_chown_as(&ROOT, "/p", 1000, 0);
    t_chmod_as(&ROOT, "/p", 0617);
    CHECK_EQ(t_stat(&USER, 0, "/p/f", 0, &st), -EACCES);
    CHECK_EQ(t_stat(&OTHER, 0, "/p/f", 0, &st), 0);
}

static void test_dotdot_mounts(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st, root, tmp;
    CHECK_EQ(t_stat0("/", &root), 0);
    CHECK_EQ(t_stat0("/tmp", &tmp), 0);
    CHECK(tmp.st_dev != root.st_dev);
    CHECK_EQ(tmp.st_mode, LX_S_IFDIR | 01777);
    CHECK_EQ(t_stat0("/tmp/..", &st), 0);
    CHECK_EQ(st.st_ino, root.st_ino);
    CHECK_EQ(st.st_dev, root.st_dev);
    t_mkdir("/tmp/x", 0755);
    t_mkdir("/mnt", 0755);
    t_mkdir("/mnt/inner", 0755);
    CHECK_EQ(t_mount("/mnt/inner", "tmpfs", "", 0), 0);
    t_mkdir("/mnt/inner/deep", 0755);
    CHECK_EQ(t_stat0("/mnt/inner/deep/../..", &st), 0);
    struct kx_stat mnt;
    t_stat0("/mnt", &mnt);
    CHECK_EQ(st.st_ino, mnt.st_ino);
    CHECK_EQ(st.st_dev, mnt.st_dev);
    CHECK_EQ(t_stat0("/mnt/inner/../inner/deep", &st), 0);
    /* From a cookie inside the mount. */
    long d = t_open("/mnt/inner/deep", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)d, "../../../tmp/x", 0, &st), 0);
    t_close((uint64_t)d);
    /* Symlinks across the boundary. */
    t_symlink("../../tmp/x", "/mnt/inner/l");
    CHECK_EQ(t_stat0("/mnt/inner/l", &st), 0);
    CHECK_EQ(st.st_dev, tmp.st_dev);
}

/* chroot: the request's root cookie is where "/" and absolute links start and where ".." stops. */
static void test_caller_root(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st, jail, etc, top;
    t_mkdir("/jail", 0755);
    t_mkdir("/jail/etc", 0755);
    h_file("/jail/etc/motd", "in", 0644);
    h_file("/outside", "out!", 0644);
    CHECK_EQ(t_symlink("/etc", "/jail/abs"), 0);
    CHECK_EQ(t_symlink("../../../..", "/jail/etc/up"), 0);
    CHECK_EQ(t_stat0("/jail", &jail), 0);
    CHECK_EQ(t_stat0("/jail/etc", &etc), 0);
    CHECK_EQ(t_stat0("/", &top), 0);
    long root = t_open("/jail", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK(root > 0);
    h_root = (uint64_t)root;
    CHECK_EQ(t_stat0("/", &st), 0);
    CHECK_EQ(st.st_ino, jail.st_ino);
    CHECK_EQ(t_stat0("/etc/motd", &st), 0);
    CHECK_EQ(st.st_size, 2);
    CHECK_EQ(t_stat0("/../../etc/motd", &st), 0);
    CHECK_EQ(t_stat0("/abs/motd", &st), 0);       /* an absolute link starts at the root */
    CHECK_EQ(t_stat0("/etc/up/etc/motd", &st), 0); /* a relative one stops there */
    CHECK_EQ(t_stat0("/etc/up", &st), 0);
    CHECK_EQ(st.st_ino, jail.st_ino);
    CHECK_EQ(t_stat0("/outside", &st), -ENOENT);
    /* A relative path from a directory outside the root is not confined (Linux). */
    long top_dir = t_open("/..", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK(top_dir > 0);
    CHECK_EQ(t_close((uint64_t)top_dir), 0);
    h_root = 0;
    long outer = t_open("/", O_(RDONLY) | O_(DIRECTORY), 0);
    h_root = (uint64_t)root;
    CHECK_EQ(t_stat(&ROOT, (uint64_t)outer, "outside", 0, &st), 0);
    CHECK_EQ(st.st_size, 4);
    /* ... but ".." at the root stops there even when the walk came in from outside (Linux's follow_dotdot). */
    CHECK_EQ(t_stat(&ROOT, (uint64_t)outer, "jail/etc/../..", 0, &st), 0);
    CHECK_EQ(st.st_ino, jail.st_ino);
    CHECK(st.st_ino != top.st_ino);
    /* A root that is not an open directory. */
    long file = t_open("/etc/motd", O_(RDONLY), 0);
    CHECK(file > 0);
    h_root = (uint64_t)file;
    CHECK_EQ(t_stat0("/", &st), -ENOTDIR);
    h_root = 0x7fffffff;
    CHECK_EQ(t_stat0("/", &st), -EBADF);
    h_root = 0;
    t_close((uint64_t)file);
    t_close((uint64_t)outer);
    t_close((uint64_t)root);
    (void)etc;
}

/* ---- permissions ------------------------------------------------------------------ */

static void test_open_permissions(void)
{
    h_fresh(0, 1ull << 30);
    t_mkdir("/w", 0777);
    h_file("/w/owned", "x", 0640);
    t_chown_as(&ROOT, "/w/owned", 1000, 100);
    /* Owner. */
    long fd = t_openat(&USER, 0, "/w/owned", O_(RDWR), 0);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    /* Group member through a supplementary group: read only. */
    struct tcred in_users = { 1002, 1002, 2, { 5, 100 } };
    fd = t_openat(&in_users, 0, "/w/owned", O_(RDONLY), 0);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    CHECK_EQ(t_openat(&in_users, 0, "/w/owned", O_(WRONLY), 0), -EACCES);
    CHECK_EQ(t_openat(&in_users, 0, "/w/owned", O_(RDONLY) | O_(TRUNC), 0), -EACCES);
    /* Others: nothing. */
    CHECK_EQ(t_openat(&OTHER, 0, "/w/owned", O_(RDONLY), 0), -EACCES);
    /* O_PATH needs no permission on the object. */
    fd = t_openat(&OTHER, 0, "/w/owned", O_(PATH), 0);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    /* Root reads and writes anything, executes only with some x bit. */
    fd = t_openat(&ROOT, 0, "/w/owned", O_(RDWR), 0);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    CHECK_EQ(t_openat(&ROOT, 0, "/w/owned", VFS_O_EXEC, 0), -EACCES);
    CHECK_EQ(t_access_as(&ROOT, "/w/owned", 1), -EACCES);
    CHECK_EQ(t_access_as(&ROOT, "/w/owned", 6), 0);
    t_chmod_as(&ROOT, "/w/owned", 0641);
    fd = t_openat(&ROOT, 0, "/w/owned", VFS_O_EXEC, 0);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    CHECK_EQ(t_access_as(&ROOT, "/w/owned", 1), 0);
    /* Exec needs only x: a --x file runs. */
    h_file("/w/prog", "#!", 0711);
    fd = t_openat(&OTHER, 0, "/w/prog", VFS_O_EXEC, 0);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    CHECK_EQ(t_openat(&OTHER, 0, "/w", VFS_O_EXEC, 0), -EACCES); /* a directory */
    CHECK_EQ(t_openat(&OTHER, 0, "/w/prog", O_(RDONLY), 0), -EACCES);
    /* chdir: a searchable directory. */
    fd = t_openat(&OTHER, 0, "/w", VFS_O_CHDIR, 0);
    CHECK(fd > 0);
    CHECK_EQ(h_ans[1], VFS_KIND_DIR);
    t_close((uint64_t)fd);
    CHECK_EQ(t_openat(&OTHER, 0, "/w/prog", VFS_O_CHDIR, 0), -ENOTDIR);
    t_mkdir("/w/closed", 0700);
    CHECK_EQ(t_openat(&OTHER, 0, "/w/closed", VFS_O_CHDIR, 0), -EACCES);
    /* Creating needs write and search on the directory. */
    t_mkdir("/ro", 0755);
    CHECK_EQ(t_openat(&USER, 0, "/ro/new", O_(CREAT) | O_(WRONLY), 0644), -EACCES);
    CHECK_EQ(t_mkdir_as(&USER, "/ro/d", 0755), -EACCES);
    t_mkdir("/wo", 0733);
    fd = t_openat(&USER, 0, "/wo/new", O_(CREAT) | O_(WRONLY), 0644);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    t_chmod_as(&ROOT, "/wo", 0722); /* write but no search */
    CHECK_EQ(t_openat(&USER, 0, "/wo/new2", O_(CREAT) | O_(WRONLY), 0644), -EACCES);
    /* An existing file opened with O_CREAT needs no write on the directory. */
    h_file("/ro/exists", "", 0666);
    fd = t_openat(&USER, 0, "/ro/exists", O_(CREAT) | O_(WRONLY), 0644);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    /* Owner and group of new files. */
    struct kx_stat st;
    CHECK_EQ(t_stat0("/wo/new", &st), 0);
    CHECK_EQ(st.st_uid, 1000);
    CHECK_EQ(st.st_gid, 1000);
}

static void test_access_ids(void)
{
    h_fresh(0, 1ull << 30);
    h_file("/f", "", 0604);
    CHECK_EQ(t_access_as(&USER, "/f", 4), 0);
    CHECK_EQ(t_access_as(&USER, "/f", 2), -EACCES);
    CHECK_EQ(t_access_as(&USER, "/f", 0), 0);
    CHECK_EQ(t_access_as(&USER, "/f", 8), -EINVAL);
    CHECK_EQ(t_access_as(&USER, "/nope", 0), -ENOENT);
    t_chown_as(&ROOT, "/f", 1000, 0);
    CHECK_EQ(t_access_as(&USER, "/f", 6), 0); /* the owner's rw- now */
    CHECK_EQ(t_access_as(&USER, "/f", 1), -EACCES);
    CHECK_EQ(t_access_as(&OTHER, "/f", 4), 0);
    CHECK_EQ(t_access_as(&OTHER, "/f", 2), -EACCES);
    /* AT_EMPTY_PATH with an empty path: the object w0 names (cookie 0: the root). */
    long fd = t_openat(&ROOT, 0, "/f", O_(PATH), 0);
    CHECK_EQ(h_path(VFS_ACCESS, &OTHER, (uint64_t)fd, LX_AT_EMPTY_PATH, 4, 0, NULL, 0, "", NULL), 0);
    CHECK_EQ(h_path(VFS_ACCESS, &OTHER, (uint64_t)fd, LX_AT_EMPTY_PATH, 2, 0, NULL, 0, "", NULL), -EACCES);
    CHECK_EQ(h_path(VFS_ACCESS, &OTHER, (uint64_t)fd, 0, 4, 0, NULL, 0, "", NULL), -ENOENT);
    CHECK_EQ(h_path(VFS_ACCESS, &OTHER, 0, LX_AT_EMPTY_PATH, 1, 0, NULL, 0, "", NULL), 0);
    t_close((uint64_t)fd);
}

static void test_sticky(void)
{
    h_fresh(0, 1ull << 30);
    /* /tmp is 01777: only the owner of the file, of the directory, or root removes. */
    long fd = t_openat(&USER, 0, "/tmp/mine", O_(CREAT) | O_(WRONLY), 0666);
    CHECK(fd > 0);
    t_close((uint64_t)fd);
    CHECK_EQ(t_unlink_as(&OTHER, "/tmp/mine", 0), -EPERM);
    CHECK_EQ(t_rename_as(&OTHER, "/tmp/mine", "/tmp/theirs", 0), -EPERM);
    fd = t_openat(&OTHER, 0, "/tmp/other", O_(CREAT) | O_(WRONLY), 0666);
    t_close((uint64_t)fd);
    CHECK_EQ(t_rename_as(&USER, "/tmp/mine", "/tmp/other", 0), -EPERM); /* replacing theirs */
    CHECK_EQ(t_mkdir_as(&OTHER, "/tmp/od", 0777), 0);
    CHECK_EQ(t_unlink_as(&USER, "/tmp/od", LX_AT_REMOVEDIR), -EPERM);
    CHECK_EQ(t_unlink_as(&USER, "/tmp/mine", 0), 0);
    CHECK_EQ(t_unlink_as(&ROOT, "/tmp/other", 0), 0);
    /* The directory's owner may. */
    CHECK_EQ(t_mkdir_as(&USER, "/tmp/ud", 01777), 0);
    fd = t_openat(&OTHER, 0, "/tmp/ud/f", O_(CREAT) | O_(WRONLY), 0666);
    t_close((uint64_t)fd);
    CHECK_EQ(t_unlink_as(&USER, "/tmp/ud/f", 0), 0);
    /* Without the sticky bit, write on the directory is enough. */
    CHECK_EQ(t_chmod_as(&USER, "/tmp/ud", 0777), 0);
    fd = t_openat(&OTHER, 0, "/tmp/ud/g", O_(CREAT) | O_(WRONLY), 0600);
    t_close((uint64_t)fd);
    CHECK_EQ(t_unlink_as(&NOBODY, "/tmp/ud/g", 0), 0);
}

static void test_setgid_dirs(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    t_mkdir("/sg", 0777);
    t_chown_as(&ROOT, "/sg", 0, 100);
    t_chmod_as(&ROOT, "/sg", 02777);
    long fd = t_openat(&OTHER, 0, "/sg/f", O_(CREAT) | O_(WRONLY), 02755);
    t_close((uint64_t)fd);
    CHECK_EQ(t_stat0("/sg/f", &st), 0);
    CHECK_EQ(st.st_gid, 100);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0755); /* setgid dropped: not in group 100 */
    fd = t_openat(&USER, 0, "/sg/g", O_(CREAT) | O_(WRONLY), 02755);
    t_close((uint64_t)fd);
    CHECK_EQ(t_stat0("/sg/g", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 02755); /* in group 100: kept */
    CHECK_EQ(t_mkdir_as(&OTHER, "/sg/d", 0755), 0);
    CHECK_EQ(t_stat0("/sg/d", &st), 0);
    CHECK_EQ(st.st_gid, 100);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 02755);
    CHECK_EQ(t_mkdir_as(&OTHER, "/sg/d/e", 0700), 0);
    CHECK_EQ(t_stat0("/sg/d/e", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 02700);
    CHECK_EQ(st.st_gid, 100);
}

static void test_chmod_chown(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    h_file("/f", "", 0644);
    t_chown_as(&ROOT, "/f", 1000, 1000);
    CHECK_EQ(t_chmod_as(&OTHER, "/f", 0777), -EPERM);
    CHECK_EQ(t_chmod_as(&USER, "/f", 0600), 0);
    CHECK_EQ(t_stat0("/f", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0600);
    /* setgid by the owner for a group it is not in: silently cleared. */
    t_chown_as(&ROOT, "/f", 1000, 5);
    CHECK_EQ(t_chmod_as(&USER, "/f", 02755), 0);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0755);
    t_chown_as(&ROOT, "/f", 1000, 100);
    CHECK_EQ(t_chmod_as(&USER, "/f", 02755), 0);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 02755);
    /* chown: uid only by root; gid by the owner to one of its groups. */
    CHECK_EQ(t_chown_as(&USER, "/f", 1001, (uint32_t)-1), -EPERM);
    CHECK_EQ(t_chown_as(&USER, "/f", 1000, (uint32_t)-1), 0); /* to itself: allowed */
    CHECK_EQ(t_chown_as(&USER, "/f", (uint32_t)-1, 5), -EPERM);
    CHECK_EQ(t_chown_as(&OTHER, "/f", (uint32_t)-1, 1001), -EPERM);
    CHECK_EQ(t_chown_as(&USER, "/f", (uint32_t)-1, 1000), 0);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_gid, 1000);
    /* A chown drops setuid, and setgid when group-executable. */
    t_chmod_as(&ROOT, "/f", 06755);
    CHECK_EQ(t_chown_as(&ROOT, "/f", 0, 0), 0);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0755);
    t_chmod_as(&ROOT, "/f", 06745); /* setgid without group x: kept */
    CHECK_EQ(t_chown_as(&ROOT, "/f", 0, 0), 0);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 02745);
    /* Directories keep theirs. */
    t_mkdir("/d", 06755);
    t_chmod_as(&ROOT, "/d", 06755);
    CHECK_EQ(t_chown_as(&ROOT, "/d", 1, 1), 0);
    t_stat0("/d", &st);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 06755);
    /* chmod of a symlink without following: EOPNOTSUPP, as fchmodat2. */
    t_symlink("/f", "/l");
    struct vfs_attr a = { .mask = VFS_ATTR_MODE, .mode = 0600 };
    CHECK_EQ(t_setattr_as(&ROOT, "/l", LX_AT_SYMLINK_NOFOLLOW, &a), -EOPNOTSUPP);
    /* lchown works on the link itself. */
    struct vfs_attr o = { .mask = VFS_ATTR_UID | VFS_ATTR_GID, .uid = 7, .gid = 8 };
    CHECK_EQ(t_setattr_as(&ROOT, "/l", LX_AT_SYMLINK_NOFOLLOW, &o), 0);
    t_lstat("/l", &st);
    CHECK_EQ(st.st_uid, 7);
    t_stat0("/l", &st);
    CHECK_EQ(st.st_uid, 0);
}

static void test_write_clears_setuid(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    h_file("/f", "", 06777);
    t_chmod_as(&ROOT, "/f", 06777);
    long fd = t_openat(&USER, 0, "/f", O_(WRONLY), 0);
    CHECK(fd > 0);
    CHECK_EQ(t_write((uint64_t)fd, 0, "x", 1, 0), 1);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0777);
    t_close((uint64_t)fd);
    /* A privileged writer's writes keep them (IO_F_FSETID: the writer now, not the opener). */
    t_chmod_as(&ROOT, "/f", 06777);
    fd = t_open("/f", O_(WRONLY), 0);
    CHECK_EQ(t_write((uint64_t)fd, 0, "x", 1, IO_F_FSETID), 1);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 06777);
    CHECK_EQ(t_write((uint64_t)fd, 0, "x", 1, 0), 1); /* root's descriptor, written after a setuid(1000) */
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0777);
    t_close((uint64_t)fd);
    t_chmod_as(&ROOT, "/f", 06777);
    fd = t_openat(&USER, 0, "/f", O_(WRONLY), 0); /* the user's descriptor, passed to root */
    CHECK_EQ(t_write((uint64_t)fd, 0, "x", 1, IO_F_FSETID), 1);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 06777);
    t_close((uint64_t)fd);
    /* setgid without group-exec survives a write. */
    t_chmod_as(&ROOT, "/f", 02767);
    fd = t_openat(&USER, 0, "/f", O_(WRONLY), 0);
    t_write((uint64_t)fd, 0, "x", 1, 0);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 02767);
    t_close((uint64_t)fd);
    /* A truncate by a non-root user clears them too. */
    t_chmod_as(&ROOT, "/f", 04777);
    CHECK_EQ(t_truncate_as(&USER, "/f", 0), 0);
    t_stat0("/f", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0777);
}

static void test_utimens_rules(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat st;
    h_file("/f", "", 0666);
    h_file("/r", "", 0644);
    struct vfs_attr expl = { .mask = VFS_ATTR_ATIME | VFS_ATTR_MTIME, .atime_sec = 100, .atime_nsec = 5,
                             .mtime_sec = 200, .mtime_nsec = 7 };
    struct vfs_attr now = { .mask = VFS_ATTR_ATIME_NOW | VFS_ATTR_MTIME_NOW };
    struct vfs_attr half = { .mask = VFS_ATTR_ATIME_NOW };
    CHECK_EQ(t_setattr_as(&USER, "/f", 0, &expl), -EPERM);
    CHECK_EQ(t_setattr_as(&USER, "/f", 0, &now), 0);     /* write permission suffices */
    CHECK_EQ(t_setattr_as(&USER, "/f", 0, &half), -EPERM); /* not both NOW: explicit */
    /* A NOW bit wins over its time bit, whose value (UTIME_NOW's nsec) is not looked at. */
    struct vfs_attr both = { .mask = VFS_ATTR_ATIME | VFS_ATTR_MTIME | VFS_ATTR_ATIME_NOW | VFS_ATTR_MTIME_NOW,
                             .atime_nsec = (1 << 30) - 1, .mtime_nsec = (1 << 30) - 1 };
    CHECK_EQ(t_setattr_as(&USER, "/f", 0, &both), 0);
    struct vfs_attr mnow = { .mask = VFS_ATTR_MTIME | VFS_ATTR_MTIME_NOW, .mtime_nsec = (1 << 30) - 1 };
    CHECK_EQ(t_setattr_as(&ROOT, "/f", 0, &mnow), 0);
    CHECK_EQ(t_setattr_as(&USER, "/r", 0, &now), -EACCES);
    CHECK_EQ(t_setattr_as(&ROOT, "/r", 0, &expl), 0);
    t_stat0("/r", &st);
    CHECK_EQ(st.st_atime_sec, 100);
    CHECK_EQ(st.st_atime_nsec, 5);
    CHECK_EQ(st.st_mtime_sec, 200);
    CHECK_EQ(st.st_mtime_nsec, 7);
    t_chown_as(&ROOT, "/r", 1000, 1000);
    CHECK_EQ(t_setattr_as(&USER, "/r", 0, &expl), 0); /* the owner */
    struct vfs_attr bad = { .mask = VFS_ATTR_MTIME, .mtime_nsec = 1000000000 };
    CHECK_EQ(t_setattr_as(&ROOT, "/r", 0, &bad), -EINVAL);
    /* truncate by path: write permission. */
    CHECK_EQ(t_truncate_as(&OTHER, "/r", 0), -EACCES);
    CHECK_EQ(t_truncate_as(&ROOT, "/", 0), -EISDIR);
    CHECK_EQ(t_truncate_as(&ROOT, "/dev/null", 0), -EINVAL);
}

int main(void)
{
    RUN(test_basic_lookup);
    RUN(test_relative_to_cookie);
    RUN(test_name_too_long);
    RUN(test_trailing_slashes);
    RUN(test_symlinks);
    RUN(test_forty_links);
    RUN(test_search_permission);
    RUN(test_dotdot_mounts);
    RUN(test_caller_root);
    RUN(test_open_permissions);
    RUN(test_access_ids);
    RUN(test_sticky);
    RUN(test_setgid_dirs);
    RUN(test_chmod_chown);
    RUN(test_write_clears_setuid);
    RUN(test_utimens_rules);
    return test_finish();
}
