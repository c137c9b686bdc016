/*
 * Host tests of the vfs server's tmpfs, devtmpfs, mounts, initrd unpacking and
 * memory (servers/vfs/tmpfs.c, dcache.c, mount.c, initrd.c, pagestore.c),
 * driven through the protocol as the kernel drives it. Expected values are
 * Linux's.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "cpio.h"
#include "test.h"
#include "vfs_harness.h"

static struct kx_stat st;

static long nlink_of(const char *path)
{
    return t_lstat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

static void test_hard_links(void)
{
    h_fresh(0, 1ull << 30);
    h_file("/a", "abc", 0644);
    CHECK_EQ(t_link("/a", "/b"), 0);
    CHECK_EQ(nlink_of("/a"), 2);
    struct kx_stat sa, sb;
    t_stat0("/a", &sa);
    t_stat0("/b", &sb);
    CHECK_EQ(sa.st_ino, sb.st_ino);
    CHECK_EQ(t_link("/a", "/b"), -EEXIST);
    CHECK_EQ(t_link("/nope", "/c"), -ENOENT);
    t_mkdir("/d", 0755);
    CHECK_EQ(t_link("/d", "/d2"), -EPERM);
    CHECK_EQ(t_link("/a", "/tmp/a"), -EXDEV);
    CHECK_EQ(t_link("/a/", "/c"), -ENOTDIR);
    CHECK_EQ(t_link("/a", "/c/"), -ENOENT);
    CHECK_EQ(t_unlink("/a"), 0);
    CHECK_EQ(nlink_of("/b"), 1);
    long fd = t_open("/b", O_(RDONLY), 0);
    char buf[8];
    CHECK_EQ(t_read((uint64_t)fd, 0, buf, 8), 3);
    CHECK(!memcmp(buf, "abc", 3));
    t_close((uint64_t)fd);
    /* Symlinks: link names the link itself unless AT_SYMLINK_FOLLOW. */
    t_symlink("/b", "/l");
    CHECK_EQ(t_link("/l", "/l2"), 0);
    CHECK_EQ(t_lstat("/l2", &st), 0);
    CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFLNK);
    CHECK_EQ(t_link_as(&ROOT, "/l", "/b2", LX_AT_SYMLINK_FOLLOW), 0);
    CHECK_EQ(t_lstat("/b2", &st), 0);
    CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFREG);
    CHECK_EQ(st.st_nlink, 2);
    /* Directory link counts: 2 + subdirectories. */
    CHECK_EQ(nlink_of("/d"), 2);
    t_mkdir("/d/x", 0755);
    t_mkdir("/d/y", 0755);
    h_file("/d/f", "", 0644);
    CHECK_EQ(nlink_of("/d"), 4);
    t_rmdir("/d/x");
    CHECK_EQ(nlink_of("/d"), 3);
    CHECK_EQ(t_rename("/d/y", "/y"), 0);
    CHECK_EQ(nlink_of("/d"), 2);
}

static void test_rmdir_unlink_errors(void)
{
    h_fresh(0, 1ull << 30);
    t_mkdir("/d", 0755);
    h_file("/d/f", "", 0644);
    CHECK_EQ(t_rmdir("/d"), -ENOTEMPTY);
    CHECK_EQ(t_rmdir("/d/."), -EINVAL);
    CHECK_EQ(t_rmdir("/d/.."), -ENOTEMPTY);
    CHECK_EQ(t_rmdir("/"), -EBUSY);
    CHECK_EQ(t_rmdir("/d/f"), -ENOTDIR);
    CHECK_EQ(t_rmdir("/d/nope"), -ENOENT);
    CHECK_EQ(t_unlink("/d"), -EISDIR);
    CHECK_EQ(t_unlink("/d/."), -EISDIR);
    CHECK_EQ(t_unlink("/"), -EISDIR);
    CHECK_EQ(t_rmdir("/tmp"), -EBUSY); /* a mount point */
    CHECK_EQ(t_unlink_as(&ROOT, "/d/f", 0x8000), -EINVAL);
    t_symlink("/d", "/ld");
    CHECK_EQ(t_rmdir("/ld"), -ENOTDIR);
    CHECK_EQ(t_unlink("/d/f"), 0);
    CHECK_EQ(t_rmdir("/d"), 0);
    CHECK_EQ(t_lstat("/d", &st), -ENOENT);
    CHECK_EQ(t_unlink("/ld"), 0);
    /* A removed directory that is still open takes no new names. */
    t_mkdir("/gone", 0755);
    long d = t_open("/gone", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(t_rmdir("/gone"), 0);
    CHECK_EQ(t_openat(&ROOT, (uint64_t)d, "new", O_(CREAT) | O_(WRONLY), 0644), -ENOENT);
    CHECK_EQ(h_path(VFS_MKDIR, &ROOT, (uint64_t)d, 0, 0755, 0, NULL, 0, "sub", NULL), -ENOENT);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)d, ".", 0, &st), 0);
    CHECK_EQ(st.st_nlink, 0);
    char path[64];
    CHECK_EQ(t_getpath((uint64_t)d, path), -ENOENT);
    t_close((uint64_t)d);
}

static void test_rename_cases(void)
{
    h_fresh(0, 1ull << 30);
    h_file("/a", "AAA", 0644);
    h_file("/b", "BB", 0644);
    /* Over an existing file: b's node goes, a's takes the name. */
    long fb = t_open("/b", O_(RDONLY), 0);
    CHECK_EQ(t_rename("/a", "/b"), 0);
    CHECK_EQ(t_lstat("/a", &st), -ENOENT);
    CHECK_EQ(t_stat0("/b", &st), 0);
    CHECK_EQ(st.st_size, 3);
    char buf[8];
    CHECK_EQ(t_read((uint64_t)fb, 0, buf, 8), 2); /* the replaced file lives while open */
    CHECK(!memcmp(buf, "BB", 2));
    struct kx_stat ost;
    CHECK_EQ(t_fstat((uint64_t)fb, &ost), 0);
    CHECK_EQ(ost.st_nlink, 0);
    t_close((uint64_t)fb);
    /* To itself, and to another link of the same file: nothing happens. */
    CHECK_EQ(t_rename("/b", "/b"), 0);
    t_link("/b", "/b2");
    CHECK_EQ(t_rename("/b", "/b2"), 0);
    CHECK_EQ(nlink_of("/b"), 2);
    CHECK_EQ(nlink_of("/b2"), 2);
    /* Directories. */
    t_mkdir("/d1", 0755);
    t_mkdir("/d2", 0755);
    t_mkdir("/d3", 0755);
    h_file("/d3/f", "", 0644);
    CHECK_EQ(t_rename("/d1", "/d2"), 0); /* over an empty directory */
    CHECK_EQ(t_lstat("/d1", &st), -ENOENT);
    CHECK_EQ(t_rename("/d2", "/d3"), -ENOTEMPTY);
    CHECK_EQ(t_rename("/d2", "/b"), -ENOTDIR);
    CHECK_EQ(t_rename("/b", "/d2"), -EISDIR);
    CHECK_EQ(t_rename("/d3", "/d3/sub"), -EINVAL);
    t_mkdir("/d3/inner", 0755);
    CHECK_EQ(t_rename("/d3", "/d3/inner/x"), -EINVAL);
    CHECK_EQ(t_rename("/d3/inner", "/d3"), -ENOTEMPTY); /* the target is an ancestor of the source */
    CHECK_EQ(t_rename("/nope", "/x"), -ENOENT);
    CHECK_EQ(t_rename("/b", "/nodir/x"), -ENOENT);
    CHECK_EQ(t_rename("/b", "/tmp/b"), -EXDEV);
    CHECK_EQ(t_rename("/tmp", "/tmp2"), -EBUSY);
    CHECK_EQ(t_rename("/b", "/."), -EBUSY);
    CHECK_EQ(t_rename("/.", "/x"), -EBUSY);
    CHECK_EQ(t_rename("/b", "/d3/.."), -EBUSY);
    CHECK_EQ(t_rename_as(&ROOT, "/b", "/d3/..", LX_RENAME_NOREPLACE), -EEXIST);
    /* RENAME_NOREPLACE and RENAME_EXCHANGE. */
    CHECK_EQ(t_rename_as(&ROOT, "/b", "/b2", LX_RENAME_NOREPLACE), -EEXIST);
    CHECK_EQ(t_rename_as(&ROOT, "/b", "/c", LX_RENAME_NOREPLACE), 0);
    CHECK_EQ(t_rename_as(&ROOT, "/c", "/b", LX_RENAME_NOREPLACE | LX_RENAME_EXCHANGE), -EINVAL);
    CHECK_EQ(t_rename_as(&ROOT, "/c", "/b", 0x40), -EINVAL);
    h_file("/x", "xx", 0600);
    CHECK_EQ(t_rename_as(&ROOT, "/c", "/nope", LX_RENAME_EXCHANGE), -ENOENT);
    CHECK_EQ(t_rename_as(&ROOT, "/c", "/d2", LX_RENAME_EXCHANGE), 0);
    CHECK_EQ(t_lstat("/c", &st), 0);
    CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFDIR);
    CHECK_EQ(t_lstat("/d2", &st), 0);
    CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFREG);
    CHECK_EQ(t_stat0("/c/..", &st), 0);
    CHECK_EQ(st.st_ino, 1);
    /* Exchange across directories moves ".." and the link counts. */
    t_mkdir("/p", 0755);
    h_file("/p/file", "", 0644);
    long root_links = nlink_of("/");
    CHECK_EQ(t_rename_as(&ROOT, "/c", "/p/file", LX_RENAME_EXCHANGE), 0);
    CHECK_EQ(nlink_of("/p"), 3);
    CHECK_EQ(nlink_of("/"), root_links - 1);
    CHECK_EQ(t_stat0("/p/file/..", &st), 0);
    struct kx_stat p;
    t_stat0("/p", &p);
    CHECK_EQ(st.st_ino, p.st_ino);
    /* Renamed directories keep their contents; the times move. */
    t_mkdir("/m", 0755);
    h_file("/m/inside", "z", 0644);
    CHECK_EQ(t_rename("/m", "/p/m"), 0);
    CHECK_EQ(t_stat0("/p/m/inside", &st), 0);
}

static void test_rename_permissions(void)
{
    h_fresh(0, 1ull << 30);
    t_mkdir("/w", 0777);
    t_mkdir("/ro", 0755);
    h_file("/w/f", "", 0644);
    CHECK_EQ(t_rename_as(&USER, "/w/f", "/ro/f", 0), -EACCES);
    CHECK_EQ(t_rename_as(&USER, "/ro", "/w/ro", 0), -EACCES); /* no write on / */
    CHECK_EQ(t_mkdir_as(&USER, "/w/mine", 0555), 0);
    t_mkdir("/w/dst", 0777);
    /* Moving a directory to another parent needs write on it (its ".."). */
    CHECK_EQ(t_rename_as(&USER, "/w/mine", "/w/dst/mine", 0), -EACCES);
    CHECK_EQ(t_rename_as(&USER, "/w/mine", "/w/mine2", 0), 0); /* same parent: fine */
}

static void test_sparse_files(void)
{
    h_fresh(0, 1ull << 30);
    long fd = t_open("/s", O_(CREAT) | O_(RDWR), 0644);
    CHECK_EQ(t_write((uint64_t)fd, 1ull << 30, "end", 3, 0), 3);
    CHECK_EQ(t_fstat((uint64_t)fd, &st), 0);
    CHECK_EQ(st.st_size, (1ll << 30) + 3);
    CHECK_EQ(st.st_blocks, 8); /* one page */
    CHECK_EQ(st.st_blksize, 4096);
    static char buf[3 * 4096];
    CHECK_EQ(t_read((uint64_t)fd, 4096 * 5 + 100, buf, sizeof(buf)), (long)sizeof(buf));
    bool zeros = true;
    for (size_t i = 0; i < sizeof(buf); i++)
        zeros &= buf[i] == 0;
    CHECK(zeros);
    CHECK_EQ(t_read((uint64_t)fd, (1ull << 30) - 2, buf, 10), 5);
    CHECK(!memcmp(buf, "\0\0end", 5));
    /* Writes in the middle of a hole take one page each. */
    CHECK_EQ(t_write((uint64_t)fd, 12345, "mid", 3, 0), 3);
    t_fstat((uint64_t)fd, &st);
    CHECK_EQ(st.st_blocks, 16);
    CHECK_EQ(t_read((uint64_t)fd, 12340, buf, 10), 10);
    CHECK(!memcmp(buf, "\0\0\0\0\0mid\0\0", 10));
    /* truncate down frees pages and zeroes the tail; up makes a hole. */
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = 12346 };
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), 0);
    t_fstat((uint64_t)fd, &st);
    CHECK_EQ(st.st_size, 12346);
    CHECK_EQ(st.st_blocks, 8);
    a.size = 20000;
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), 0);
    CHECK_EQ(t_read((uint64_t)fd, 12344, buf, 4), 4);
    CHECK(!memcmp(buf, "\0m\0\0", 4));
    t_fstat((uint64_t)fd, &st);
    CHECK_EQ(st.st_blocks, 8);
    /* The largest offset and past it. */
    CHECK_EQ(t_write((uint64_t)fd, VFS_MAX_FILE_SIZE - 2, "abcd", 4, 0), 2);
    CHECK_EQ(t_write((uint64_t)fd, VFS_MAX_FILE_SIZE, "a", 1, 0), -EFBIG);
    a.size = VFS_MAX_FILE_SIZE + 1;
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), -EFBIG);
    a.size = 0;
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), 0);
    t_fstat((uint64_t)fd, &st);
    CHECK_EQ(st.st_blocks, 0);
    t_close((uint64_t)fd);
}

static void test_read_write(void)
{
    h_fresh(0, 1ull << 30);
    long fd = t_open("/f", O_(CREAT) | O_(RDWR), 0644);
    static char data[200000], back[200000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 7 + i / 4096);
    /* A big write: 16 KiB arrive with the call, the rest is pulled. */
    h_read_calls = 0;
    CHECK_EQ(t_write((uint64_t)fd, 1000, data, sizeof(data), 0), (long)sizeof(data));
    CHECK(h_read_calls > 0);
    h_write_calls = 0;
    CHECK_EQ(t_read((uint64_t)fd, 1000, back, sizeof(back)), (long)sizeof(back));
    CHECK(h_write_calls > 0); /* pushed with kx_msg_write, no bounce buffer */
    CHECK(!memcmp(data, back, sizeof(data)));
    /* A read within one page comes back as the answer's bulk. */
    h_write_calls = 0;
    CHECK_EQ(t_read((uint64_t)fd, 4096 + 10, back, 100), 100);
    CHECK_EQ(h_write_calls, 0);
    CHECK_EQ(h_ans_bulk, 100);
    CHECK(!memcmp(back, data + 4096 + 10 - 1000, 100));
    CHECK_EQ(t_read((uint64_t)fd, 201000, back, 10), 0);  /* at the end */
    CHECK_EQ(t_read((uint64_t)fd, 200995, back, 100), 5); /* short at the end */
    /* O_APPEND: at the end, the new end in w1. */
    CHECK_EQ(t_write((uint64_t)fd, 0, "tail", 4, IO_F_APPEND), 4);
    CHECK_EQ(h_ans[1], 201004);
    CHECK_EQ(t_write((uint64_t)fd, 5, "", 0, 0), 0);
    t_close((uint64_t)fd);
    /* Access modes. */
    fd = t_open("/f", O_(RDONLY), 0);
    CHECK_EQ(t_write((uint64_t)fd, 0, "x", 1, 0), -EBADF);
    t_close((uint64_t)fd);
    fd = t_open("/f", O_(WRONLY), 0);
    CHECK_EQ(t_read((uint64_t)fd, 0, back, 1), -EBADF);
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = 1 };
    CHECK_EQ(t_fsetattr(&NOBODY, (uint64_t)fd, &a), 0); /* ftruncate: the open decides */
    t_close((uint64_t)fd);
    fd = t_open("/f", O_(RDONLY), 0);
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), -EINVAL);
    t_close((uint64_t)fd);
    fd = t_open("/f", O_(PATH), 0);
    CHECK_EQ(t_read((uint64_t)fd, 0, back, 1), -EBADF);
    CHECK_EQ(t_fstat((uint64_t)fd, &st), 0);
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), -EBADF);
    t_close((uint64_t)fd);
    /* O_TRUNC. */
    fd = t_open("/f", O_(WRONLY) | O_(TRUNC), 0);
    t_fstat((uint64_t)fd, &st);
    CHECK_EQ(st.st_size, 0);
    t_close((uint64_t)fd);
    /* Directories. */
    CHECK_EQ(t_open("/", O_(WRONLY), 0), -EISDIR);
    CHECK_EQ(t_open("/", O_(RDONLY) | O_(TRUNC), 0), -EISDIR);
    CHECK_EQ(t_open("/f", O_(RDONLY) | O_(DIRECTORY), 0), -ENOTDIR);
    CHECK_EQ(t_open("/f", O_(CREAT) | O_(DIRECTORY), 0), -EINVAL);
    CHECK_EQ(t_open("/", O_(CREAT) | O_(RDONLY), 0), -EISDIR);
    CHECK_EQ(t_open("/tmp", O_(CREAT) | O_(EXCL) | O_(RDONLY), 0), -EEXIST);
    CHECK_EQ(t_open("/f", O_(CREAT) | O_(EXCL) | O_(RDONLY), 0), -EEXIST);
    fd = t_open("/", O_(RDONLY), 0);
    CHECK_EQ(h_ans[1], VFS_KIND_DIR);
    CHECK_EQ(t_read((uint64_t)fd, 0, back, 10), -EISDIR);
    CHECK_EQ(t_write((uint64_t)fd, 0, "x", 1, 0), -EBADF);
    t_close((uint64_t)fd);
}

static void test_unlinked_open(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_statfs fs0, fs1, fs2;
    t_statfs("/tmp", &fs0);
    long fd = t_open("/tmp/u", O_(CREAT) | O_(RDWR), 0644);
    static char page[40960];
    memset(page, 'u', sizeof(page));
    CHECK_EQ(t_write((uint64_t)fd, 0, page, sizeof(page), 0), (long)sizeof(page));
    CHECK_EQ(t_unlink("/tmp/u"), 0);
    t_statfs("/tmp", &fs1);
    CHECK_EQ(fs0.f_bfree - fs1.f_bfree, 10);
    CHECK_EQ(fs0.f_ffree - fs1.f_ffree, 1);
    CHECK_EQ(t_write((uint64_t)fd, sizeof(page), "more", 4, 0), 4);
    char buf[8];
    CHECK_EQ(t_read((uint64_t)fd, sizeof(page), buf, 8), 4);
    CHECK_EQ(t_fstat((uint64_t)fd, &st), 0);
    CHECK_EQ(st.st_nlink, 0);
    char path[64];
    CHECK_EQ(t_getpath((uint64_t)fd, path), -ENOENT);
    t_close((uint64_t)fd);
    t_statfs("/tmp", &fs2);
    CHECK_EQ(fs2.f_bfree, fs0.f_bfree);
    CHECK_EQ(fs2.f_ffree, fs0.f_ffree);
}

static void test_getpath(void)
{
    h_fresh(0, 1ull << 30);
    char path[4200];
    t_mkdir("/a", 0755);
    t_mkdir("/a/b", 0755);
    h_file("/a/b/f", "", 0644);
    long d = t_open("/a/b", O_(RDONLY) | O_(DIRECTORY), 0);
    long f = t_open("/a/b/f", O_(RDONLY), 0);
    long r = t_open("/", O_(PATH), 0);
    long tm = t_open("/tmp", O_(PATH), 0);
    CHECK_EQ(t_getpath((uint64_t)d, path), 5);
    CHECK_STR(path, "/a/b");
    CHECK_EQ(t_getpath((uint64_t)f, path), 7);
    CHECK_STR(path, "/a/b/f");
    CHECK_EQ(t_getpath((uint64_t)r, path), 2);
    CHECK_STR(path, "/");
    CHECK_EQ(t_getpath((uint64_t)tm, path), 5);
    CHECK_STR(path, "/tmp");
    t_rename("/a", "/z");
    t_rename("/z/b/f", "/z/g");
    CHECK_EQ(t_getpath((uint64_t)d, path), 5);
    CHECK_STR(path, "/z/b");
    CHECK_EQ(t_getpath((uint64_t)f, path), 5);
    CHECK_STR(path, "/z/g");
    t_unlink("/z/g");
    CHECK_EQ(t_getpath((uint64_t)f, path), -ENOENT);
    t_close((uint64_t)d);
    t_close((uint64_t)f);
    t_close((uint64_t)r);
    t_close((uint64_t)tm);
    t_mkdir("/tmp/x", 0755);
    d = t_open("/tmp/x", O_(RDONLY), 0);
    CHECK_EQ(t_getpath((uint64_t)d, path), 7);
    CHECK_STR(path, "/tmp/x");
    t_close((uint64_t)d);
}

/* Lists a directory with getdents rooms of `room` bytes; calls between() after each. */
struct listing {
    char names[2200][16];
    uint64_t inos[2200];
    uint8_t types[2200];
    int n;
};

static int list_dir(uint64_t cookie, uint64_t room, struct listing *l, void (*between)(int round))
{
    uint64_t pos = 0;
    l->n = 0;
    for (int round = 0;; round++) {
        long n = h_io(IO_READDIR, cookie, pos, room, 0);
        if (n <= 0)
            return (int)n;
        uint64_t last_off = 0;
        for (long at = 0; at < n;) {
            uint8_t *rec = h_recv + at;
            uint64_t ino;
            int64_t off;
            uint16_t reclen;
            memcpy(&ino, rec, 8);
            memcpy(&off, rec + 8, 8);
            memcpy(&reclen, rec + 16, 2);
            if (l->n < 2200) {
                snprintf(l->names[l->n], 16, "%s", (char *)rec + 19);
                l->inos[l->n] = ino;
                l->types[l->n] = rec[18];
                l->n++;
            }
            if (reclen % 8 || reclen < 24)
                return -1000;
            last_off = (uint64_t)off;
            at += reclen;
        }
        if (last_off != h_ans[1])
            return -1001;
        pos = h_ans[1];
        if (between)
            between(round);
    }
}

static void churn(int round)
{
    /* Every round: remove one of the early names (the first 60 rounds) and add
     * two new ones. The listing still ends: names added after it began are
     * not part of it (the test_dir guest test does the same). */
    char name[32];
    if (round >= 60) {
        snprintf(name, sizeof(name), "/d/new%da", round);
        h_file(name, "", 0644);
        return;
    }
    snprintf(name, sizeof(name), "/d/gone%d", round);
    t_unlink(name);
    snprintf(name, sizeof(name), "/d/new%da", round);
    h_file(name, "", 0644);
    snprintf(name, sizeof(name), "/d/new%db", round);
    h_file(name, "", 0644);
}

static void test_readdir(void)
{
    h_fresh(0, 1ull << 30);
    static struct listing l;
    t_mkdir("/d", 0755);
    t_mkdir("/d/sub", 0755);
    h_file("/d/file", "", 0644);
    t_symlink("x", "/d/link");
    t_mknod_as(&ROOT, "/d/fifo", LX_S_IFIFO | 0644, 0);
    long fd = t_open("/d", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(list_dir((uint64_t)fd, 4096, &l, NULL), 0);
    CHECK_EQ(l.n, 6);
    CHECK_STR(l.names[0], ".");
    CHECK_STR(l.names[1], "..");
    struct kx_stat d, root;
    t_stat0("/d", &d);
    t_stat0("/", &root);
    CHECK_EQ(l.inos[0], d.st_ino);
    CHECK_EQ(l.inos[1], root.st_ino);
    CHECK_STR(l.names[2], "sub");
    CHECK_EQ(l.types[2], LX_DT_DIR);
    CHECK_STR(l.names[3], "file");
    CHECK_EQ(l.types[3], LX_DT_REG);
    CHECK_EQ(l.types[4], LX_DT_LNK);
    CHECK_EQ(l.types[5], LX_DT_FIFO);
    t_stat0("/d/file", &st);
    CHECK_EQ(l.inos[3], st.st_ino);
    /* Too small for one record. */
    CHECK_EQ(h_io(IO_READDIR, (uint64_t)fd, 0, 10, 0), -EINVAL);
    /* One record per call works too. */
    CHECK_EQ(list_dir((uint64_t)fd, 24, &l, NULL), 0);
    CHECK_EQ(l.n, 6);
    t_close((uint64_t)fd);
    CHECK_EQ(h_io(IO_READDIR, (uint64_t)fd, 0, 4096, 0), -EBADF);
    long f = t_open("/d/file", O_(RDONLY), 0);
    CHECK_EQ(h_io(IO_READDIR, (uint64_t)f, 0, 4096, 0), -ENOTDIR);
    t_close((uint64_t)f);

    /* A big directory listed while it changes: every name present throughout, exactly once. */
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "/d/k%d", i);
        h_file(name, "", 0644);
        if (i < 60) {
            snprintf(name, sizeof(name), "/d/gone%d", i);
            h_file(name, "", 0644);
        }
    }
    fd = t_open("/d", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(list_dir((uint64_t)fd, 512, &l, churn), 0);
    int seen[1000] = { 0 };
    int dots = 0;
    for (int i = 0; i < l.n; i++) {
        int k;
        if (sscanf(l.names[i], "k%d", &k) == 1 && k >= 0 && k < 1000)
            seen[k]++;
        if (!strcmp(l.names[i], ".") || !strcmp(l.names[i], ".."))
            dots++;
    }
    int once = 0, fresh = 0;
    for (int k = 0; k < 1000; k++)
        once += seen[k] == 1;
    for (int i = 0; i < l.n; i++)
        fresh += !strncmp(l.names[i], "new", 3);
    CHECK_EQ(once, 1000);
    CHECK_EQ(dots, 2);
    CHECK_EQ(fresh, 0);
    /* A listing from 0 again (rewinddir) includes them. */
    CHECK_EQ(list_dir((uint64_t)fd, 4096, &l, NULL), 0);
    fresh = 0;
    for (int i = 0; i < l.n; i++)
        fresh += !strncmp(l.names[i], "new", 3);
    CHECK(fresh > 100);
    /* Seeking back to a position given earlier works (the cursor is a hint). */
    long n = h_io(IO_READDIR, (uint64_t)fd, 2, 4096, 0);
    CHECK(n > 0);
    t_close((uint64_t)fd);
}

/* A removed directory still open: no listing (ENOENT), its ".." is its old
 * parent, which it keeps alive even when that is removed too (Linux's d_parent). */
static void test_removed_dirs(void)
{
    h_fresh(0, 1ull << 30);
    t_mkdir("/a", 0755);
    t_mkdir("/a/b", 0755);
    t_mkdir("/a/b/c", 0755);
    long c = t_open("/a/b/c", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(t_rmdir("/a/b/c"), 0);
    CHECK_EQ(h_io(IO_READDIR, (uint64_t)c, 0, 4096, 0), -ENOENT);
    struct kx_stat b, up;
    CHECK_EQ(t_stat0("/a/b", &b), 0);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)c, "..", 0, &up), 0);
    CHECK_EQ(up.st_ino, b.st_ino);
    CHECK_EQ(t_rmdir("/a/b"), 0); /* the removed child does not count as an entry */
    CHECK_EQ(t_stat(&ROOT, (uint64_t)c, "..", 0, &up), 0);
    CHECK_EQ(up.st_ino, b.st_ino);
    CHECK_EQ(up.st_nlink, 0);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)c, "../..", 0, &up), 0);
    struct kx_stat a;
    t_stat0("/a", &a);
    CHECK_EQ(up.st_ino, a.st_ino);
    CHECK_EQ(t_mkdir_as(&ROOT, "/a/b", 0755), 0); /* a new /a/b, not the old one */
    CHECK_EQ(t_stat(&ROOT, (uint64_t)c, "..", 0, &up), 0);
    CHECK_EQ(up.st_ino, b.st_ino);
    /* A directory replaced by a rename keeps its parent the same way. */
    t_mkdir("/a/x", 0755);
    t_mkdir("/a/y", 0755);
    long y = t_open("/a/y", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(t_rename("/a/x", "/a/y"), 0);
    CHECK_EQ(h_io(IO_READDIR, (uint64_t)y, 0, 4096, 0), -ENOENT);
    CHECK_EQ(t_stat(&ROOT, (uint64_t)y, "..", 0, &up), 0);
    CHECK_EQ(up.st_ino, a.st_ino);
    uint64_t inodes = vfs_mounts[0].used_inodes;
    t_close((uint64_t)c); /* frees c, then the old b it pinned */
    CHECK_EQ(vfs_mounts[0].used_inodes, inodes - 2);
    t_close((uint64_t)y);
    CHECK_EQ(vfs_mounts[0].used_inodes, inodes - 3);
}

static long t_map(uint64_t cookie, uint64_t off, uint64_t n, uint32_t flags, uint64_t *out)
{
    long r = h_io(IO_MAP, cookie, off, n, flags);
    if (r > 0)
        memcpy(out, h_recv, (size_t)r * 8u);
    return r;
}

/* IO_MAP: the addresses of the very pages the file's data is in. */
static void test_map(void)
{
    h_fresh(0, 1ull << 30);
    static char data[4096 + 100];
    memset(data, 'm', sizeof(data));
    long fd = t_open("/tmp/m", O_(CREAT) | O_(RDWR), 0644);
    CHECK_EQ(t_write((uint64_t)fd, 0, data, sizeof(data), 0), (long)sizeof(data));
    uint64_t pages[8];
    CHECK_EQ(t_map((uint64_t)fd, 0, 8, 0, pages), 2); /* no page wholly past the end */
    CHECK(pages[0] && pages[1] && ps_is_data((void *)pages[0]) && ps_is_data((void *)pages[1]));
    const uint8_t *p1 = (const uint8_t *)pages[1];
    CHECK_EQ(p1[99], 'm');
    CHECK_EQ(p1[100], 0); /* past the end: zero */
    CHECK_EQ(p1[4095], 0);
    CHECK_EQ(t_map((uint64_t)fd, 4096, 8, 0, pages), 1);
    CHECK_EQ(t_map((uint64_t)fd, 8192, 8, 0, pages), 0);
    CHECK_EQ(t_map((uint64_t)fd, 100, 1, 0, pages), -EINVAL);
    CHECK_EQ(t_map((uint64_t)fd, 0, 1, 2, pages), -EINVAL);
    /* A write through the page (a shared mapping) is the file's; write(2) lands in it. */
    t_map((uint64_t)fd, 0, 1, 0, pages);
    ((uint8_t *)pages[0])[7] = 'W';
    char buf[16];
    CHECK_EQ(t_read((uint64_t)fd, 0, buf, 8), 8);
    CHECK_EQ(buf[7], 'W');
    CHECK_EQ(t_write((uint64_t)fd, 1, "w", 1, 0), 1);
    CHECK_EQ(((uint8_t *)pages[0])[1], 'w');
    /* Bytes a mapping wrote past the end read as zeros once the file grows. */
    ((uint8_t *)pages[1])[200] = 'X';
    struct vfs_attr grow = { .mask = VFS_ATTR_SIZE, .size = 4096 + 300 };
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &grow), 0);
    CHECK_EQ(t_read((uint64_t)fd, 4096 + 200, buf, 1), 1);
    CHECK_EQ(buf[0], 0);
    ((uint8_t *)pages[1])[400] = 'Y';
    CHECK_EQ(t_write((uint64_t)fd, 4096 + 500, "z", 1, 0), 1);
    CHECK_EQ(t_read((uint64_t)fd, 4096 + 400, buf, 1), 1);
    CHECK_EQ(buf[0], 0);
    /* Holes: 0 unless the mapping writes, which makes the pages (zeroed, counted). */
    long h = t_open("/tmp/hole", O_(CREAT) | O_(RDWR), 0644);
    struct vfs_attr big = { .mask = VFS_ATTR_SIZE, .size = 3 * 4096 };
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)h, &big), 0);
    CHECK_EQ(t_write((uint64_t)h, 4096, "h", 1, 0), 1);
    CHECK_EQ(t_map((uint64_t)h, 0, 3, 0, pages), 3);
    CHECK(pages[0] == 0 && pages[1] != 0 && pages[2] == 0);
    struct kx_statfs fs0, fs1;
    t_statfs("/tmp", &fs0);
    CHECK_EQ(t_map((uint64_t)h, 0, 3, IO_MAP_WRITE, pages), 3);
    CHECK(pages[0] && pages[1] && pages[2]);
    CHECK_EQ(((uint8_t *)pages[0])[0], 0);
    CHECK_EQ(((uint8_t *)pages[1])[0], 'h');
    t_statfs("/tmp", &fs1);
    CHECK_EQ(fs0.f_bfree - fs1.f_bfree, 2);
    struct kx_stat st;
    t_fstat((uint64_t)h, &st);
    CHECK_EQ(st.st_blocks, 3 * 8);
    CHECK_EQ(st.st_size, 3 * 4096);
    /* What the open allows. */
    long ro = t_open("/tmp/hole", O_(RDONLY), 0);
    CHECK_EQ(t_map((uint64_t)ro, 0, 1, 0, pages), 1);
    CHECK_EQ(t_map((uint64_t)ro, 0, 1, IO_MAP_WRITE, pages), -EACCES);
    long wo = t_open("/tmp/hole", O_(WRONLY), 0);
    CHECK_EQ(t_map((uint64_t)wo, 0, 1, 0, pages), -EACCES);
    long po = t_open("/tmp/hole", O_(PATH), 0);
    CHECK_EQ(t_map((uint64_t)po, 0, 1, 0, pages), -EBADF);
    long d = t_open("/tmp", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(t_map((uint64_t)d, 0, 1, 0, pages), -ENODEV);
    CHECK_EQ(t_map(12345, 0, 1, 0, pages), -EBADF);
    t_close((uint64_t)ro);
    t_close((uint64_t)wo);
    t_close((uint64_t)po);
    t_close((uint64_t)d);
    /* A page let go of comes back fresh: never another file's bytes. */
    t_map((uint64_t)h, 0, 3, 0, pages);
    memset((void *)pages[2], 'S', 4096);
    t_close((uint64_t)h);
    CHECK_EQ(t_unlink("/tmp/hole"), 0);
    long n = t_open("/tmp/new", O_(CREAT) | O_(RDWR), 0644);
    CHECK_EQ(t_write((uint64_t)n, 0, "n", 1, 0), 1);
    uint64_t again[1];
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "/tmp/new%d", i);
        long k = t_open(name, O_(CREAT) | O_(RDWR), 0644);
        t_write((uint64_t)k, 0, "k", 1, 0);
        CHECK_EQ(t_map((uint64_t)k, 0, 1, 0, again), 1);
        CHECK_EQ(((uint8_t *)again[0])[1], 0);
        CHECK_EQ(((uint8_t *)again[0])[4095], 0);
        t_close((uint64_t)k);
    }
    t_close((uint64_t)n);
    t_close((uint64_t)fd);
    /* IO_MAP_WRITE past the size limit: ENOMEM, as mmap reports it. */
    t_mkdir("/small", 0755);
    CHECK_EQ(t_mount("/small", "tmpfs", "size=8k", 0), 0);
    long s = t_open("/small/f", O_(CREAT) | O_(RDWR), 0644);
    struct vfs_attr four = { .mask = VFS_ATTR_SIZE, .size = 4 * 4096 };
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)s, &four), 0);
    CHECK_EQ(t_map((uint64_t)s, 0, 4, IO_MAP_WRITE, pages), -ENOMEM);
    t_close((uint64_t)s);
}

/* VFS_OPEN's w6: the version of the file's pages, which the kernel's program
 * cache trusts -- it must change whenever IO_MAP would name other frames,
 * and only then (a write into existing pages keeps it). */
static uint64_t version_of(const char *path)
{
    long fd = t_open(path, O_(RDONLY), 0);
    CHECK(fd > 0);
    uint64_t v = h_ans[6];
    t_close((uint64_t)fd);
    return v;
}

static void test_pages_version(void)
{
    h_fresh(0, 1ull << 30);
    static char data[3 * 4096];
    memset(data, 'v', sizeof(data));
    long fd = t_open("/tmp/v", O_(CREAT) | O_(RDWR), 0644);
    uint64_t empty = h_ans[6];
    CHECK(empty != 0);
    CHECK_EQ(t_write((uint64_t)fd, 0, data, sizeof(data), 0), (long)sizeof(data));
    uint64_t full = version_of("/tmp/v");
    CHECK(full != empty);
    /* Bytes into existing pages: the same frames, the same version. */
    CHECK_EQ(t_write((uint64_t)fd, 100, "x", 1, 0), 1);
    CHECK_EQ(version_of("/tmp/v"), full);
    /* Growing over a hole makes no page. */
    struct vfs_attr grow = { .mask = VFS_ATTR_SIZE, .size = 5 * 4096 };
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &grow), 0);
    CHECK_EQ(version_of("/tmp/v"), full);
    /* A page made in the hole, then pages freed by a truncation: each a new version. */
    CHECK_EQ(t_write((uint64_t)fd, 4 * 4096, "y", 1, 0), 1);
    uint64_t filled = version_of("/tmp/v");
    CHECK(filled != full);
    struct vfs_attr cut = { .mask = VFS_ATTR_SIZE, .size = 4096 };
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &cut), 0);
    uint64_t shrunk = version_of("/tmp/v");
    CHECK(shrunk != filled && shrunk != full);
    /* Another file never shares a version, nor does one made where this was. */
    long other = t_open("/tmp/w", O_(CREAT) | O_(RDWR), 0644);
    CHECK(h_ans[6] != shrunk && h_ans[6] != empty);
    t_close((uint64_t)other);
    t_close((uint64_t)fd);
    CHECK_EQ(t_unlink("/tmp/v"), 0);
    fd = t_open("/tmp/v", O_(CREAT) | O_(RDWR), 0644);
    CHECK(h_ans[6] > shrunk);
    t_close((uint64_t)fd);
    /* Directories have none. */
    fd = t_open("/tmp", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(h_ans[6], 0);
    t_close((uint64_t)fd);
}

static void test_size_limit(void)
{
    h_fresh(0, 1ull << 30);
    CHECK_EQ(t_mkdir("/small", 0755), 0);
    CHECK_EQ(t_mount("/small", "tmpfs", "size=40k,nr_inodes=5", 0), 0);
    struct kx_statfs fs;
    CHECK_EQ(t_statfs("/small", &fs), 0);
    CHECK_EQ(fs.f_type, TMPFS_MAGIC);
    CHECK_EQ(fs.f_bsize, 4096);
    CHECK_EQ(fs.f_blocks, 10);
    CHECK_EQ(fs.f_bfree, 10);
    CHECK_EQ(fs.f_bavail, 10);
    CHECK_EQ(fs.f_files, 5);
    CHECK_EQ(fs.f_ffree, 4); /* the root */
    CHECK_EQ(fs.f_namelen, 255);
    static char data[60000];
    memset(data, 'z', sizeof(data));
    long fd = t_open("/small/a", O_(CREAT) | O_(RDWR), 0644);
    CHECK_EQ(t_write((uint64_t)fd, 0, data, sizeof(data), 0), 40960); /* short: what fits */
    CHECK_EQ(t_write((uint64_t)fd, 40960, data, 10, 0), -ENOSPC);
    CHECK_EQ(t_write((uint64_t)fd, 100, data, 10, 0), 10); /* rewriting held pages is fine */
    t_statfs("/small", &fs);
    CHECK_EQ(fs.f_bfree, 0);
    /* Extending with a hole takes no page, as Linux's tmpfs. */
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = 1 << 20 };
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), 0);
    long g = t_open("/small/b", O_(CREAT) | O_(RDWR), 0644);
    CHECK_EQ(t_write((uint64_t)g, 0, data, 1, 0), -ENOSPC);
    t_close((uint64_t)fd);
    CHECK_EQ(t_unlink("/small/a"), 0);
    CHECK_EQ(t_write((uint64_t)g, 0, data, 8192, 0), 8192); /* the space came back */
    t_close((uint64_t)g);
    /* Inodes: 5 with the root. */
    h_file("/small/c", "", 0644);
    h_file("/small/d", "", 0644);
    CHECK_EQ(t_mkdir("/small/e", 0755), 0);
    CHECK_EQ(t_mkdir("/small/f", 0755), -ENOSPC);
    CHECK_EQ(t_open("/small/g", O_(CREAT) | O_(WRONLY), 0644), -ENOSPC);
    /* Remount: the limit cannot go below what is used. */
    CHECK_EQ(t_mount("/small", "", "size=4k", LX_MS_REMOUNT), -EINVAL);
    CHECK_EQ(t_mount("/small", "", "size=1m", LX_MS_REMOUNT), 0);
    t_statfs("/small", &fs);
    CHECK_EQ(fs.f_blocks, 256);
    CHECK_EQ(t_mount("/small", "", "size=50%", LX_MS_REMOUNT), 0);
    t_statfs("/small", &fs);
    CHECK_EQ(fs.f_blocks, (1ull << 29) / 4096);
    /* The default: half of RAM. */
    t_statfs("/tmp", &fs);
    CHECK_EQ(fs.f_blocks, (1ull << 29) / 4096);
    CHECK_EQ(fs.f_flags & 0x1027, 0x1026); /* ST_VALID, ST_RELATIME, nosuid, nodev */
}

static void test_store_exhaustion(void)
{
    /* A 2 MiB store: writes get ENOSPC, metadata ENOMEM; freeing brings both back. */
    h_fresh(2u << 20, 1ull << 30);
    struct ps_stats s0, s1;
    ps_stats(&s0);
    static char data[4u << 20];
    long fd = t_open("/tmp/big", O_(CREAT) | O_(RDWR), 0644);
    long n = t_write((uint64_t)fd, 0, data, sizeof(data), 0);
    CHECK(n > 0 && n < (long)sizeof(data));
    CHECK_EQ(t_write((uint64_t)fd, (uint64_t)n, data, 4096, 0), -ENOSPC);
    /* Fill what is left with names. */
    char name[64];
    long err = 0;
    for (int i = 0; i < 100000 && !err; i++) {
        snprintf(name, sizeof(name), "/tmp/dir%05d-with-a-long-enough-name", i);
        err = t_mkdir(name, 0755);
    }
    CHECK_EQ(err, -ENOMEM);
    t_close((uint64_t)fd);
    CHECK_EQ(t_unlink("/tmp/big"), 0);
    CHECK_EQ(t_mkdir("/tmp/after", 0755), 0);
    fd = t_open("/tmp/big2", O_(CREAT) | O_(RDWR), 0644);
    CHECK_EQ(t_write((uint64_t)fd, 0, data, 65536, 0), 65536);
    t_close((uint64_t)fd);
    t_unlink("/tmp/big2");
    ps_stats(&s1);
    CHECK(s1.chunks <= 2);
}

static void test_no_leaks(void)
{
    h_fresh(0, 1ull << 30);
    struct ps_stats s0, s1;
    ps_stats(&s0);
    uint64_t names0 = dcache_count();
    static char data[300000];
    char name[64];
    for (int round = 0; round < 3; round++) {
        t_mkdir("/tmp/t", 0755);
        for (int i = 0; i < 300; i++) {
            snprintf(name, sizeof(name), "/tmp/t/f%d", i);
            long fd = t_open(name, O_(CREAT) | O_(RDWR), 0644);
            t_write((uint64_t)fd, (uint64_t)i * 1000, data, (size_t)i * 1000, 0);
            if (i % 3 == 0)
                t_unlink(name);
            long d = t_open("/tmp/t", O_(RDONLY), 0);
            h_io(IO_READDIR, (uint64_t)d, 0, 100, 0);
            t_close((uint64_t)d);
            t_close((uint64_t)fd);
        }
        for (int i = 0; i < 300; i++) {
            snprintf(name, sizeof(name), "/tmp/t/f%d", i);
            char n2[64];
            snprintf(n2, sizeof(n2), "/tmp/t/g%d", i);
            if (i % 3) {
                t_rename(name, n2);
                t_unlink(n2);
            }
        }
        CHECK_EQ(t_rmdir("/tmp/t"), 0);
    }
    ps_stats(&s1);
    CHECK_EQ(dcache_count(), names0);
    CHECK_EQ(ofile_count(), 0);
    struct kx_statfs fs;
    t_statfs("/tmp", &fs);
    CHECK_EQ(fs.f_bfree, fs.f_blocks);
    CHECK_EQ(fs.f_files - fs.f_ffree, 1);
    /* Pages in use come back to where they were, give or take slab and hash pages kept. */
    CHECK(s1.pages_used <= s0.pages_used + 16);
}

static void test_big_directory_speed(void)
{
    h_fresh(0, 1ull << 30);
    char name[64];
    t_mkdir("/big", 0755);
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof(name), "/big/entry-%d", i);
        h_file(name, NULL, 0644);
    }
    /* Lookups cost the same in a 20,000-entry directory as in a small one. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof(name), "/big/entry-%d", (i * 7919) % 20000);
        t_stat0(name, &st);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double big = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    t_mkdir("/small", 0755);
    h_file("/small/entry-1", NULL, 0644);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 20000; i++)
        t_stat0("/small/entry-1", &st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double small = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("  20,000 stats: %.1f ms in a 20,000-entry directory, %.1f ms in a 1-entry one\n", big * 1e3,
           small * 1e3);
    CHECK(big < small * 4 + 0.05);
}

static void test_timestamps(void)
{
    h_fresh(0, 1ull << 30);
    struct kx_stat d0, d1, f0, f1;
    t_mkdir("/d", 0755);
    struct vfs_attr old = { .mask = VFS_ATTR_ATIME | VFS_ATTR_MTIME, .atime_sec = 1000, .mtime_sec = 1000 };
    t_setattr_as(&ROOT, "/d", 0, &old);
    t_stat0("/d", &d0);
    CHECK_EQ(d0.st_mtime_sec, 1000);
    h_file("/d/f", "x", 0644);
    t_stat0("/d", &d1);
    CHECK(d1.st_mtime_sec > 1000);
    CHECK_EQ(d1.st_mtime_sec, d1.st_ctime_sec);
    t_stat0("/d/f", &f0);
    CHECK(f0.st_ctime_sec >= d1.st_mtime_sec - 1);
    /* Write: m/ctime. */
    t_setattr_as(&ROOT, "/d/f", 0, &old);
    long fd = t_open("/d/f", O_(RDWR), 0);
    t_write((uint64_t)fd, 0, "y", 1, 0);
    t_stat0("/d/f", &f1);
    CHECK(f1.st_mtime_sec > 1000);
    CHECK_EQ(f1.st_atime_sec, 1000);
    /* Read: relatime moves atime (it is older than mtime). */
    char c;
    t_read((uint64_t)fd, 0, &c, 1);
    t_stat0("/d/f", &f1);
    CHECK(f1.st_atime_sec > 1000);
    /* ...and not again while it is newer than m/ctime and younger than a day. */
    struct vfs_attr at = { .mask = VFS_ATTR_ATIME, .atime_sec = f1.st_mtime_sec + 100 };
    t_setattr_as(&ROOT, "/d/f", 0, &at);
    struct vfs_attr mt = { .mask = VFS_ATTR_MTIME, .mtime_sec = f1.st_mtime_sec - 10 };
    t_setattr_as(&ROOT, "/d/f", 0, &mt);
    t_stat0("/d/f", &f0);
    /* ctime is now (setattr), after atime? atime was put 100 s ahead: it stays. */
    t_read((uint64_t)fd, 0, &c, 1);
    t_stat0("/d/f", &f1);
    CHECK_EQ(f1.st_atime_sec, f0.st_atime_sec);
    t_close((uint64_t)fd);
    /* chmod, link, unlink, rename: ctime. */
    struct vfs_attr zero_c = { .mask = VFS_ATTR_MTIME, .mtime_sec = 5 };
    t_setattr_as(&ROOT, "/d/f", 0, &zero_c);
    t_stat0("/d/f", &f0);
    CHECK(f0.st_ctime_sec > 1000);
    CHECK(f0.st_ctime_nsec < 1000000000);
    CHECK_EQ(f0.st_mtime_sec, 5);
    t_link("/d/f", "/d/g");
    t_stat0("/d/f", &f1);
    CHECK_EQ(f1.st_mtime_sec, 5);
    CHECK(f1.st_ctime_sec > 1000);
}

static void test_devfs(void)
{
    h_fresh(0, 1ull << 30);
    static const struct {
        const char *path;
        uint32_t mode;
        uint64_t rdev;
    } want[] = {
        { "/dev/null", LX_S_IFCHR | 0666, 0x103 },   { "/dev/zero", LX_S_IFCHR | 0666, 0x105 },
        { "/dev/full", LX_S_IFCHR | 0666, 0x107 },   { "/dev/random", LX_S_IFCHR | 0666, 0x108 },
        { "/dev/urandom", LX_S_IFCHR | 0666, 0x109 }, { "/dev/kmsg", LX_S_IFCHR | 0644, 0x10b },
        { "/dev/tty", LX_S_IFCHR | 0666, 0x500 },    { "/dev/console", LX_S_IFCHR | 0600, 0x501 },
        { "/dev/shm", LX_S_IFDIR | 01777, 0 },       { "/dev/pts", LX_S_IFDIR | 0755, 0 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        CHECK_EQ(t_lstat(want[i].path, &st), 0);
        CHECK_EQ(st.st_mode, want[i].mode);
        CHECK_EQ(st.st_rdev, want[i].rdev);
        CHECK_EQ(st.st_uid, 0);
    }
    char buf[64];
    CHECK_EQ(t_readlink("/dev/fd", buf, sizeof(buf)), 13);
    CHECK_STR(buf, "/proc/self/fd");
    CHECK_EQ(t_readlink("/dev/stdin", buf, sizeof(buf)), 15);
    CHECK_STR(buf, "/proc/self/fd/0");
    CHECK_EQ(t_readlink("/dev/stderr", buf, sizeof(buf)), 15);
    CHECK_EQ(t_lstat("/dev", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0755);
    struct kx_statfs fs;
    t_statfs("/dev", &fs);
    CHECK_EQ(fs.f_type, TMPFS_MAGIC);
    /* Opening: the kernel's devices by rdev. */
    long fd = t_openat(&USER, 0, "/dev/null", O_(RDWR), 0);
    CHECK(fd > 0);
    CHECK_EQ(h_ans[1], VFS_KIND_CHR);
    CHECK_EQ(h_ans[2], LX_S_IFCHR | 0666);
    CHECK_EQ(h_ans[4], 0x103);
    t_close((uint64_t)fd);
    CHECK_EQ(t_openat(&USER, 0, "/dev/console", O_(RDWR), 0), -EACCES);
    CHECK_EQ(t_open("/dev/null", O_(RDWR) | O_(TRUNC), 0) > 0, 1); /* O_TRUNC ignored on devices */
    /* mknod and mkfifo anywhere; device nodes only by root. */
    CHECK_EQ(t_mknod_as(&USER, "/tmp/fifo", LX_S_IFIFO | 0600, 0), 0);
    fd = t_openat(&USER, 0, "/tmp/fifo", O_(RDONLY) | O_(NONBLOCK), 0);
    CHECK(fd > 0);
    CHECK_EQ(h_ans[1], VFS_KIND_FIFO);
    uint64_t id1 = h_ans[5];
    long fd2 = t_openat(&USER, 0, "/tmp/fifo", O_(WRONLY), 0);
    CHECK_EQ(h_ans[5], id1); /* one FIFO: one identity */
    t_close((uint64_t)fd);
    t_close((uint64_t)fd2);
    CHECK_EQ(t_mknod_as(&USER, "/tmp/null2", LX_S_IFCHR | 0666, 0x103), -EPERM);
    CHECK_EQ(t_mknod_as(&ROOT, "/tmp/null2", LX_S_IFCHR | 0666, 0x103), 0);
    CHECK_EQ(t_mknod_as(&ROOT, "/blk", LX_S_IFBLK | 0600, 0x800), 0);
    fd = t_open("/blk", O_(RDONLY), 0);
    CHECK_EQ(h_ans[1], VFS_KIND_BLK);
    t_close((uint64_t)fd);
    CHECK_EQ(t_open("/tmp/null2", O_(RDONLY), 0), -EACCES); /* /tmp is nodev */
    CHECK_EQ(t_mknod_as(&ROOT, "/tmp/sock", LX_S_IFSOCK | 0600, 0), 0);
    CHECK_EQ(t_open("/tmp/sock", O_(RDONLY), 0), -ENXIO);
    fd = t_open("/tmp/sock", O_(PATH), 0);
    CHECK_EQ(h_ans[1], VFS_KIND_SOCK);
    t_close((uint64_t)fd);
    CHECK_EQ(t_mknod_as(&ROOT, "/tmp/dir", LX_S_IFDIR | 0600, 0), -EPERM);
    CHECK_EQ(t_mknod_as(&ROOT, "/tmp/bad", 0170000 | 0600, 0), -EINVAL);
    CHECK_EQ(t_mknod_as(&ROOT, "/tmp/plain", 0600, 0), 0);
    t_lstat("/tmp/plain", &st);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0600);
    /* Identities are unique across mounts. */
    fd = t_open("/", O_(PATH), 0);
    uint64_t a = h_ans[5];
    fd2 = t_open("/tmp", O_(PATH), 0);
    CHECK(h_ans[5] != a);
    t_close((uint64_t)fd);
    t_close((uint64_t)fd2);
}

static void test_mounts(void)
{
    h_fresh(0, 1ull << 30);
    t_mkdir("/m", 0755);
    h_file("/m/under", "", 0644);
    h_file("/file", "", 0644);
    CHECK_EQ(t_mount("/file", "tmpfs", "", 0), -ENOTDIR);
    CHECK_EQ(t_mount("/m", "ext4", "", 0), -ENODEV);
    CHECK_EQ(t_mount("/m", "tmpfs", "bogus=1", 0), -EINVAL);
    CHECK_EQ(t_mount("/m", "tmpfs", "size=12q", 0), -EINVAL);
    CHECK_EQ(t_mount("/nope", "tmpfs", "", 0), -ENOENT);
    CHECK_EQ(t_mount("/m", "tmpfs", "mode=0700,uid=1000,gid=100", 0), 0);
    CHECK_EQ(t_lstat("/m", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0700);
    CHECK_EQ(st.st_uid, 1000);
    CHECK_EQ(st.st_gid, 100);
    CHECK_EQ(t_lstat("/m/under", &st), -ENOENT); /* covered */
    h_file("/m/new", "", 0644);
    CHECK_EQ(t_umount("/m/new", 0), -EINVAL);
    CHECK_EQ(t_umount("/", 0), -EBUSY);
    CHECK_EQ(t_umount("/m", LX_MNT_DETACH), -EINVAL);
    CHECK_EQ(t_umount("/m", 0x100), -EINVAL);
    /* Busy while open, including a working directory (an O_PATH open). */
    long fd = t_open("/m/new", O_(RDONLY), 0);
    CHECK_EQ(t_umount("/m", 0), -EBUSY);
    t_close((uint64_t)fd);
    fd = t_open("/m", VFS_O_CHDIR, 0);
    CHECK_EQ(t_umount("/m", 0), -EBUSY);
    t_close((uint64_t)fd);
    /* Busy with a mount below it. */
    t_mkdir("/m/sub", 0755);
    CHECK_EQ(t_mount("/m/sub", "tmpfs", "", 0), 0);
    CHECK_EQ(t_umount("/m", 0), -EBUSY);
    CHECK_EQ(t_umount("/m/sub", 0), 0);
    CHECK_EQ(t_umount("/m", 0), 0);
    CHECK_EQ(t_lstat("/m/under", &st), 0);
    CHECK_EQ(t_lstat("/m/new", &st), -ENOENT);
    /* Read-only. */
    CHECK_EQ(t_mount("/m", "tmpfs", "", LX_MS_RDONLY), 0);
    CHECK_EQ(t_open("/m/x", O_(CREAT) | O_(WRONLY), 0644), -EROFS);
    CHECK_EQ(t_mkdir("/m/x", 0755), -EROFS);
    CHECK_EQ(t_open("/m", O_(RDONLY), 0) > 0, 1);
    CHECK_EQ(t_access_as(&ROOT, "/m", 2), -EROFS);
    CHECK_EQ(t_chmod_as(&ROOT, "/m", 0777), -EROFS);
    CHECK_EQ(t_mount("/m", "", "", LX_MS_REMOUNT), 0);
    h_file("/m/x", "data", 0644);
    fd = t_open("/m/x", O_(RDWR), 0);
    /* Not while a file is open for writing (Linux's sb_prepare_remount_readonly); O_PATH does not count. */
    CHECK_EQ(t_mount("/m", "", "", LX_MS_REMOUNT | LX_MS_RDONLY), -EBUSY);
    t_close((uint64_t)fd);
    long pfd = t_open("/m/x", O_(PATH) | O_(RDWR), 0);
    fd = t_open("/m/x", O_(RDONLY), 0);
    CHECK_EQ(t_mount("/m", "", "", LX_MS_REMOUNT | LX_MS_RDONLY), 0);
    CHECK_EQ(t_open("/m/x", O_(RDWR), 0), -EROFS);
    CHECK_EQ(t_unlink("/m/x"), -EROFS);
    CHECK_EQ(t_rename("/m/x", "/m/y"), -EROFS);
    CHECK_EQ(t_mkdir("/m/x", 0755), -EEXIST); /* EEXIST before EROFS, as Linux */
    t_close((uint64_t)fd);
    t_close((uint64_t)pfd);
    CHECK_EQ(t_mount("/m/x", "", "", LX_MS_REMOUNT), -EINVAL);
    CHECK_EQ(t_mount("/m", "", "", LX_MS_BIND), -EINVAL);
    CHECK_EQ(t_mount("/", "", "", LX_MS_REC | (1u << 18)), 0); /* --make-rprivate */
    /* noexec. */
    t_mkdir("/ne", 0755);
    CHECK_EQ(t_mount("/ne", "tmpfs", "", LX_MS_NOEXEC), 0);
    h_file("/ne/prog", "", 0755);
    CHECK_EQ(t_openat(&ROOT, 0, "/ne/prog", VFS_O_EXEC, 0), -EACCES);
    /* Only root mounts. */
    CHECK_EQ(h_path(VFS_MOUNT, &USER, 0, 0, 0, 0, "tmpfs\0\0", 7, "/ne", "x"), -EPERM);
    CHECK_EQ(h_path(VFS_UMOUNT, &USER, 0, 0, 0, 0, NULL, 0, "/ne", NULL), -EPERM);
    /* devtmpfs anywhere. */
    t_mkdir("/dev2", 0755);
    CHECK_EQ(t_mount("/dev2", "devtmpfs", "", 0), 0);
    CHECK_EQ(t_lstat("/dev2/null", &st), 0);
    /* Stacked mounts. */
    CHECK_EQ(t_mount("/ne", "tmpfs", "mode=0711", 0), 0);
    CHECK_EQ(t_lstat("/ne", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0711);
    CHECK_EQ(t_umount("/ne", 0), 0);
    CHECK_EQ(t_lstat("/ne/prog", &st), 0);
}

/* ---- initrd ---------------------------------------------------------------------- */

static uint8_t arch[1 << 16];
static size_t arch_len;

static void cpio_add(const char *name, uint32_t mode, uint32_t ino, uint32_t nlink, uint32_t uid, uint32_t gid,
                     uint32_t mtime, uint32_t rmaj, uint32_t rmin, const void *data, size_t len)
{
    char h[CPIO_HEADER_SIZE + 1];
    snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, uid, gid,
             nlink, mtime, (uint32_t)len, 0u, 0u, rmaj, rmin, (uint32_t)strlen(name) + 1, 0u);
    memcpy(arch + arch_len, h, CPIO_HEADER_SIZE);
    arch_len += CPIO_HEADER_SIZE;
    memcpy(arch + arch_len, name, strlen(name) + 1);
    arch_len += strlen(name) + 1;
    while (arch_len % 4)
        arch[arch_len++] = 0;
    memcpy(arch + arch_len, data, len);
    arch_len += len;
    while (arch_len % 4)
        arch[arch_len++] = 0;
}

static void test_initrd(void)
{
    ps_set_ram_bytes(1ull << 30);
    ps_init(0);
    CHECK_EQ(vfs_init(), 0);
    arch_len = 0;
    cpio_add(".", LX_S_IFDIR | 0700, 1, 2, 0, 0, 5, 0, 0, "", 0);
    cpio_add("bin", LX_S_IFDIR | 0755, 2, 2, 0, 0, 1234, 0, 0, "", 0);
    cpio_add("bin/busybox", LX_S_IFREG | 0755, 3, 1, 0, 0, 99, 0, 0, "ELF!", 4);
    cpio_add("bin/sh", LX_S_IFLNK | 0777, 4, 1, 0, 0, 98, 0, 0, "busybox", 7);
    cpio_add("./etc/deep/passwd", LX_S_IFREG | 0644, 5, 1, 7, 8, 97, 0, 0, "root:x:0:0\n", 11);
    cpio_add("hl/a", LX_S_IFREG | 0600, 9, 2, 0, 0, 96, 0, 0, "", 0);
    cpio_add("hl/b", LX_S_IFREG | 0600, 9, 2, 0, 0, 96, 0, 0, "shared", 6);
    cpio_add("dev/console", LX_S_IFCHR | 0600, 10, 1, 0, 0, 0, 5, 1, "", 0);
    cpio_add("dev/fifo", LX_S_IFIFO | 0644, 11, 1, 0, 0, 0, 0, 0, "", 0);
    cpio_add("/abs", LX_S_IFREG | 04755, 12, 1, 0, 0, 0, 0, 0, "s", 1);
    cpio_add("TRAILER!!!", 0, 0, 1, 0, 0, 0, 0, 0, "", 0);
    struct initrd_stats s;
    CHECK_EQ(initrd_unpack(arch, arch_len, &s), 0);
    CHECK_EQ(s.entries, 10);
    CHECK_EQ(s.files, 5); /* busybox, passwd, a, b (the data with the last link), abs */
    CHECK_EQ(s.bytes, 4 + 11 + 6 + 1);
    CHECK_EQ(t_lstat("/", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0700);
    CHECK_EQ(t_lstat("/bin", &st), 0);
    CHECK_EQ(st.st_mtime_sec, 1234); /* set after its entries were made */
    CHECK_EQ(t_lstat("/bin/busybox", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0755);
    CHECK_EQ(st.st_size, 4);
    CHECK_EQ(st.st_mtime_sec, 99);
    char buf[32];
    CHECK_EQ(t_readlink("/bin/sh", buf, sizeof(buf)), 7);
    CHECK_STR(buf, "busybox");
    CHECK_EQ(t_lstat("/bin/sh", &st), 0);
    CHECK_EQ(st.st_mtime_sec, 98);
    CHECK_EQ(t_stat0("/bin/sh", &st), 0);
    CHECK_EQ(st.st_size, 4);
    CHECK_EQ(t_lstat("/etc/deep", &st), 0); /* a missing parent, made */
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0755);
    CHECK_EQ(t_lstat("/etc/deep/passwd", &st), 0);
    CHECK_EQ(st.st_uid, 7);
    CHECK_EQ(st.st_gid, 8);
    struct kx_stat a, b;
    CHECK_EQ(t_lstat("/hl/a", &a), 0);
    CHECK_EQ(t_lstat("/hl/b", &b), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(a.st_nlink, 2);
    CHECK_EQ(a.st_size, 6);
    CHECK_EQ(t_lstat("/dev/console", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFCHR | 0600);
    CHECK_EQ(st.st_rdev, 0x501);
    CHECK_EQ(t_lstat("/dev/fifo", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFIFO | 0644);
    CHECK_EQ(t_lstat("/abs", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 04755);
    /* The standard mounts go on top (/dev exists already). */
    CHECK_EQ(vfs_mount_standard(), 0);
    CHECK_EQ(t_lstat("/dev/null", &st), 0);
    CHECK_EQ(t_lstat("/dev/fifo", &st), -ENOENT);

    /* A damaged archive: what came before the damage stays. */
    ps_init(0);
    vfs_init();
    arch_len = 0;
    cpio_add("good", LX_S_IFREG | 0644, 1, 1, 0, 0, 0, 0, 0, "ok", 2);
    cpio_add("bad", LX_S_IFREG | 0644, 2, 1, 0, 0, 0, 0, 0, "xx", 2);
    memcpy(arch + 112 + 8, "07070X", 6); /* the second header's magic */
    size_t second = arch_len;
    (void)second;
    CHECK(initrd_unpack(arch, arch_len, &s) < 0);
    CHECK_EQ(s.files, 1);
    CHECK_EQ(t_lstat("/good", &st), 0);
    /* Truncated mid-entry. */
    ps_init(0);
    vfs_init();
    arch_len = 0;
    cpio_add("one", LX_S_IFREG | 0644, 1, 1, 0, 0, 0, 0, 0, "1", 1);
    cpio_add("two", LX_S_IFREG | 0644, 2, 1, 0, 0, 0, 0, 0, "0123456789", 10);
    CHECK(initrd_unpack(arch, arch_len - 8, &s) < 0);
    CHECK_EQ(t_lstat("/one", &st), 0);
    CHECK_EQ(t_lstat("/two", &st), -ENOENT);
}

static void test_initrd_real(void)
{
    /* The build's own initrd, when there is one: every entry lands. */
    FILE *f = fopen(KENIX_UNIT_INITRD, "rb");
    if (!f) {
        printf("  (no %s: skipped)\n", KENIX_UNIT_INITRD);
        return;
    }
    static uint8_t img[64u << 20];
    size_t n = fread(img, 1, sizeof(img), f);
    fclose(f);
    ps_set_ram_bytes(1ull << 30);
    ps_init(0);
    vfs_init();
    struct initrd_stats s;
    CHECK_EQ(initrd_unpack(img, n, &s), 0);
    CHECK(s.files > 10);
    CHECK_EQ(t_stat0("/bin/busybox", &st), 0);
    CHECK_EQ(t_stat0("/init", &st), 0);
    CHECK_EQ(st.st_mode & 0111, 0111);
    if (t_lstat("/sbin/vfs", &st) == 0)
        CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFREG);
    if (t_lstat("/bin/sh", &st) == 0) {
        CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFLNK);
        CHECK_EQ(t_stat0("/bin/sh", &st), 0);
        CHECK_EQ(st.st_mode & LX_S_IFMT, LX_S_IFREG);
    }
    printf("  the build's initrd: %llu entries, %llu files, %llu KiB\n", (unsigned long long)s.entries,
           (unsigned long long)s.files, (unsigned long long)s.bytes / 1024);
}

int main(void)
{
    RUN(test_hard_links);
    RUN(test_rmdir_unlink_errors);
    RUN(test_rename_cases);
    RUN(test_rename_permissions);
    RUN(test_sparse_files);
    RUN(test_read_write);
    RUN(test_unlinked_open);
    RUN(test_getpath);
    RUN(test_readdir);
    RUN(test_removed_dirs);
    RUN(test_map);
    RUN(test_pages_version);
    RUN(test_size_limit);
    RUN(test_store_exhaustion);
    RUN(test_no_leaks);
    RUN(test_big_directory_speed);
    RUN(test_timestamps);
    RUN(test_devfs);
    RUN(test_mounts);
    RUN(test_initrd);
    RUN(test_initrd_real);
    return test_finish();
}
