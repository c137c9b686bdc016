/*
 * Host tests of the vfs server's wire protocol (servers/vfs/dispatch.c):
 * requests built as the kernel builds them (<kenix/vfs.h>, <kenix/io.h>),
 * answer words and bulk checked, and malformed requests -- lengths that
 * overflow, missing NULs, paths beyond what arrived, huge group counts,
 * unknown labels, forged badges, stale cookies -- refused without harm.
 */
#include <errno.h>
#include <stdio.h>

#include "test.h"
#include "vfs_harness.h"

static struct kx_stat st;

/* Sends a raw path request: header fields as given, then `tail` bytes. */
static long raw(uint32_t label, struct vfs_req h, const void *tail, size_t tail_len, uint64_t w0)
{
    memcpy(h_send, &h, sizeof(h));
    memcpy(h_send + sizeof(h), tail, tail_len);
    h_send_len = sizeof(h) + tail_len;
    uint64_t w[8] = { w0 };
    return h_send_msg(label, BADGE, w);
}

static uint32_t many[VFS_NGROUPS_MAX];

/* access("/f", mode) as uid 1000 with the first n of many[] as groups. */
static long access_with_groups(uint32_t n, uint32_t mode)
{
    struct vfs_req h = { 1000, 1000, n, 0, 3, 0, 0 };
    size_t at = sizeof(h);
    memcpy(h_send, &h, sizeof(h));
    memcpy(h_send + at, many, n * 4u);
    at += align8(n * 4u);
    memcpy(h_send + at, "/f", 3);
    h_send_len = at + 3;
    uint64_t w[8] = { 0, 0, mode };
    return h_send_msg(VFS_ACCESS, BADGE, w);
}

static void test_open_answer(void)
{
    h_fresh(0, 1ull << 30);
    h_file("/f", "12345", 0640);
    long c = t_open("/f", O_(RDONLY), 0);
    CHECK(c > 0);
    CHECK_EQ(h_ans[1], VFS_KIND_REG);
    CHECK_EQ(h_ans[2], LX_S_IFREG | 0640);
    CHECK_EQ(h_ans[3], 5);
    CHECK_EQ(h_ans[4], 0);
    uint64_t id = h_ans[5];
    CHECK_EQ(t_stat0("/f", &st), 0);
    CHECK_EQ(id, st.st_ino); /* the root mount: index 0 */
    CHECK_EQ(h_ans_bulk, sizeof(struct kx_stat));
    /* Two opens: two cookies, one identity. */
    long c2 = t_open("/f", O_(RDONLY), 0);
    CHECK(c2 > 0 && c2 != c);
    CHECK_EQ(h_ans[5], id);
    /* IO_STAT: w1 = size, bulk = struct kx_stat. */
    CHECK_EQ(h_io(IO_STAT, (uint64_t)c, 0, 0, 0), 0);
    CHECK_EQ(h_ans[1], 5);
    CHECK_EQ(h_ans_bulk, sizeof(struct kx_stat));
    struct kx_stat f;
    memcpy(&f, h_recv, sizeof(f));
    CHECK_EQ(f.st_size, 5);
    CHECK_EQ(f.st_blksize, 4096);
    CHECK_EQ(f.st_blocks, 8);
    CHECK_EQ(f.st_nlink, 1);
    /* IO_CLOSE is one way; the cookie is dead after it. */
    CHECK_EQ(t_close((uint64_t)c), 0);
    CHECK(h_no_answer);
    CHECK_EQ(h_io(IO_STAT, (uint64_t)c, 0, 0, 0), -EBADF);
    CHECK_EQ(t_close((uint64_t)c), 0); /* a second close: nothing happens */
    CHECK(h_no_answer);
    /* A new open may reuse the slot, never the cookie. */
    long c3 = t_open("/f", O_(RDONLY), 0);
    CHECK(c3 != c);
    CHECK_EQ(h_io(IO_STAT, (uint64_t)c, 0, 0, 0), -EBADF);
    CHECK_EQ(h_io(IO_STAT, (uint64_t)c3, 0, 0, 0), 0);
    /* Cookies of slots never given, and 0. */
    CHECK_EQ(h_io(IO_STAT, 0, 0, 0, 0), -EBADF);
    CHECK_EQ(h_io(IO_STAT, (uint64_t)c3 + 1000, 0, 0, 0), -EBADF);
    CHECK_EQ(h_io(IO_STAT, (uint64_t)c3 ^ (1ull << 40), 0, 0, 0), -EBADF);
    CHECK_EQ(h_io(IO_READ, 0xdeadbeefcafeull, 0, 10, 0), -EBADF);
    t_close((uint64_t)c2);
    t_close((uint64_t)c3);
    CHECK_EQ(ofile_count(), 0);
}

/* An answer that went nowhere (its caller killed while the vfs held the
 * call): the object an open made is closed again; other answers undo nothing. */
static void test_answer_dropped(void)
{
    h_fresh(0, 1ull << 30);
    h_file("/f", "x", 0644);
    long keep = t_open("/f", O_(RDONLY), 0);
    CHECK(keep > 0);
    long lost = t_open("/f", O_(RDONLY), 0);
    CHECK(lost > 0);
    CHECK_EQ(ofile_count(), 2);
    struct vfs_msg m;
    memset(&m, 0, sizeof(m));
    m.label = VFS_OPEN;
    m.a[0] = (uint64_t)lost;
    vfs_answer_dropped(&m);
    CHECK_EQ(ofile_count(), 1);
    CHECK_EQ(h_io(IO_STAT, (uint64_t)lost, 0, 0, 0), -EBADF);
    CHECK_EQ(h_io(IO_STAT, (uint64_t)keep, 0, 0, 0), 0);
    /* A failed open, and answers of other kinds, hand nothing over. */
    m.a[0] = (uint64_t)-ENOENT;
    vfs_answer_dropped(&m);
    m.label = IO_STAT;
    m.a[0] = (uint64_t)keep;
    vfs_answer_dropped(&m);
    m.label = VFS_STAT;
    vfs_answer_dropped(&m);
    CHECK_EQ(ofile_count(), 1);
    t_close((uint64_t)keep);
    CHECK_EQ(ofile_count(), 0);
}

static void test_badges_and_labels(void)
{
    h_fresh(0, 1ull << 30);
    h_file("/f", "x", 0644);
    long c = t_open("/f", O_(RDONLY), 0);
    uint64_t w[8] = { (uint64_t)c };
    h_send_len = 0;
    /* A process's own call (no kernel bit) is refused; IO_CLOSE from one does nothing. */
    CHECK_EQ(h_send_msg(IO_STAT, 42, w), -EPERM);
    CHECK_EQ(h_send_msg(IO_CLOSE, 42, w), -EPERM);
    CHECK(h_no_answer);
    CHECK_EQ(h_io(IO_STAT, (uint64_t)c, 0, 0, 0), 0); /* still open */
    h_build(&ROOT, NULL, 0, "/f", NULL);
    CHECK_EQ(h_send_msg(VFS_STAT, 0, w), -EPERM);
    /* Unknown labels. */
    CHECK_EQ(h_io(KX_LABEL(KX_PROTO_IO, 0), (uint64_t)c, 0, 0, 0), -ENOSYS);
    CHECK_EQ(h_io(IO_IOCTL, (uint64_t)c, 0x80081272u, 0, 0), -ENOTTY); /* BLKGETSIZE64 on a regular file */
    CHECK_EQ(h_io(KX_LABEL(KX_PROTO_IO, 12), (uint64_t)c, 0, 0, 0), -ENOSYS);
    CHECK_EQ(h_io(KX_LABEL(KX_PROTO_IO, 255), 0, 0, 0, 0), -ENOSYS);
    CHECK_EQ(h_path(KX_LABEL(KX_PROTO_VFS, 0), &ROOT, 0, 0, 0, 0, NULL, 0, "/f", NULL), -ENOSYS);
    CHECK_EQ(h_path(KX_LABEL(KX_PROTO_VFS, 16), &ROOT, 0, 0, 0, 0, NULL, 0, "/f", NULL), -ENOSYS);
    CHECK_EQ(h_path(VFS_SYNC, &USER, 0, 0, 0, 0, NULL, 0, NULL, NULL), 0); /* nothing to write back on tmpfs */
    CHECK_EQ(h_path(KX_LABEL(7, 1), &ROOT, 0, 0, 0, 0, NULL, 0, "/f", NULL), -ENOSYS);
    CHECK_EQ(h_io(0, 0, 0, 0, 0), -ENOSYS);
    CHECK_EQ(h_io(0xffffffffu, 0, 0, 0, 0), -ENOSYS);
    t_close((uint64_t)c);
}

static void test_malformed_requests(void)
{
    h_fresh(0, 1ull << 30);
    h_file("/f", "x", 0644);
    /* Shorter than a header. */
    h_send_len = 10;
    uint64_t w[8] = { 0 };
    CHECK_EQ(h_send_msg(VFS_STAT, BADGE, w), -EINVAL);
    h_send_len = 0;
    CHECK_EQ(h_send_msg(VFS_OPEN, BADGE, w), -EINVAL);
    /* path_len beyond what the caller sent. */
    struct vfs_req h = { 0, 0, 0, 0, 100, 0, 0 };
    CHECK_EQ(raw(VFS_STAT, h, "/f", 3, 0), -EINVAL);
    /* Missing NUL, and a NUL inside. */
    h.path_len = 2;
    CHECK_EQ(raw(VFS_STAT, h, "/f", 2, 0), -EINVAL);
    h.path_len = 4;
    CHECK_EQ(raw(VFS_STAT, h, "/f\0\0", 4, 0), -EINVAL);
    h.path_len = 3;
    CHECK_EQ(raw(VFS_STAT, h, "/f", 3, 0), 0);
    /* No path where one is needed. */
    h.path_len = 0;
    CHECK_EQ(raw(VFS_STAT, h, "", 0, 0), -EINVAL);
    CHECK_EQ(raw(VFS_OPEN, h, "", 0, 0), -EINVAL);
    CHECK_EQ(raw(VFS_RENAME, h, "", 0, 0), -EINVAL);
    /* Lengths that would overflow 32-bit sums. */
    struct vfs_req big = { 0, 0, 0xffffffffu, 8, 3, 0, 0 };
    CHECK_EQ(raw(VFS_STAT, big, "/f", 3, 0), -EINVAL);
    big = (struct vfs_req){ 0, 0, 0, 0xfffffff9u, 3, 0, 0 };
    CHECK_EQ(raw(VFS_STAT, big, "/f", 3, 0), -EINVAL);
    big = (struct vfs_req){ 0, 0, 0, 0, 0xfffffffdu, 3, 0 };
    CHECK_EQ(raw(VFS_STAT, big, "/f", 3, 0), -ENAMETOOLONG);
    big = (struct vfs_req){ 0, 0, 0, 0, 3, 0xffffffffu, 0 };
    CHECK_EQ(raw(VFS_RENAME, big, "/f", 3, 0), -ENAMETOOLONG);
    big = (struct vfs_req){ 0, 0, VFS_NGROUPS_MAX + 1, 0, 3, 0, 0 };
    CHECK_EQ(raw(VFS_STAT, big, "/f", 3, 0), -EINVAL);
    /* The most groups Linux allows, all sent: pulled beyond the receive room. */
    for (uint32_t i = 0; i < VFS_NGROUPS_MAX; i++)
        many[i] = 50000 + i;
    h_read_calls = 0;
    CHECK_EQ(access_with_groups(VFS_NGROUPS_MAX, 0), 0);
    CHECK_EQ(h_read_calls, 1);
    /* ... and the last of them counts as a group. */
    t_chown_as(&ROOT, "/f", 0, 50000 + VFS_NGROUPS_MAX - 1);
    t_chmod_as(&ROOT, "/f", 0060);
    CHECK_EQ(access_with_groups(VFS_NGROUPS_MAX, 6), 0);
    CHECK_EQ(access_with_groups(VFS_NGROUPS_MAX - 1, 6), -EACCES);
    CHECK_EQ(access_with_groups(VFS_NGROUPS_MAX - 1, 0), 0);
    /* A request that arrives whole but whose header says it is shorter: the rest is ignored. */
    h = (struct vfs_req){ 0, 0, 0, 0, 3, 0, 0 };
    CHECK_EQ(raw(VFS_STAT, h, "/f\0garbage", 11, 0), 0);
    /* setattr data too short. */
    h = (struct vfs_req){ 0, 0, 0, 8, 3, 0, 0 };
    CHECK_EQ(raw(VFS_SETATTR, h, "\1\0\0\0\0\0\0\0/f", 11, 0), -EINVAL);
    /* mount data without its NUL. */
    h = (struct vfs_req){ 0, 0, 0, 5, 2, 0, 0 };
    CHECK_EQ(raw(VFS_MOUNT, h, "tmpfs\0\0\0/", 10, 0), -EINVAL);
    /* setattr: unknown mask bits. */
    struct vfs_attr a = { .mask = 1u << 20 };
    CHECK_EQ(t_setattr_as(&ROOT, "/f", 0, &a), -EINVAL);
}

static void test_small_receive_room(void)
{
    /* A receive room smaller than the request: the rest is pulled with caller->read. */
    h_fresh(0, 1ull << 30);
    t_mkdir("/dir-with-a-name", 0755);
    h_file("/dir-with-a-name/file", "abc", 0644);
    for (size_t room = 0; room < 46; room += 3) { /* the stat request is 46 bytes */
        h_room = room;
        h_read_calls = 0;
        CHECK_EQ(t_stat0("/dir-with-a-name/file", &st), 0);
        CHECK_EQ(st.st_size, 3);
        CHECK(h_read_calls >= 1);
        CHECK_EQ(t_rename("/dir-with-a-name/file", "/dir-with-a-name/other"), 0);
        CHECK_EQ(t_rename("/dir-with-a-name/other", "/dir-with-a-name/file"), 0);
    }
    /* Writes: the first part arrives, the rest is pulled straight into the pages. */
    h_room = 100;
    long c = t_open("/w", O_(CREAT) | O_(RDWR), 0644);
    static char data[50000], back[50000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i ^ (i >> 8));
    CHECK_EQ(t_write((uint64_t)c, 3, data, sizeof(data), 0), (long)sizeof(data));
    CHECK_EQ(t_read((uint64_t)c, 3, back, sizeof(back)), (long)sizeof(back));
    CHECK(!memcmp(data, back, sizeof(data)));
    /* A caller whose send buffer is shorter than it says: the count that arrived. */
    memcpy(h_send, data, 5000);
    h_send_len = 5000;
    uint64_t w[8] = { (uint64_t)c, 0, 20000, 0 };
    CHECK_EQ(h_send_msg(IO_WRITE, BADGE, w), 5000);
    h_room = VFS_RECV_ROOM;
    /* A reader whose receive buffer is shorter: short count. */
    h_recv_cap = 6000;
    CHECK_EQ(h_io(IO_READ, (uint64_t)c, 0, 20000, 0), 6000);
    h_recv_cap = sizeof(h_recv);
    t_close((uint64_t)c);
}

static void test_readlink_and_statfs_answers(void)
{
    h_fresh(0, 1ull << 30);
    t_symlink("/some/target", "/l");
    CHECK_EQ(h_path(VFS_READLINK, &ROOT, 0, 0, 0, 0, NULL, 0, "/l", NULL), 12);
    CHECK_EQ(h_ans_bulk, 12);
    CHECK(!memcmp(h_recv, "/some/target", 12));
    long c = t_open("/l", O_(PATH) | O_(NOFOLLOW), 0);
    CHECK_EQ(h_path(VFS_READLINK, &ROOT, (uint64_t)c, LX_AT_EMPTY_PATH, 0, 0, NULL, 0, "", NULL), 12);
    CHECK_EQ(h_path(VFS_READLINK, &ROOT, (uint64_t)c, 0, 0, 0, NULL, 0, "", NULL), -ENOENT);
    t_close((uint64_t)c);
    CHECK_EQ(h_path(VFS_STATFS, &ROOT, 0, 0, 0, 0, NULL, 0, "/tmp", NULL), 0);
    CHECK_EQ(h_ans_bulk, sizeof(struct kx_statfs));
    c = t_open("/tmp", O_(RDONLY), 0);
    CHECK_EQ(h_io(IO_STATFS, (uint64_t)c, 0, 0, 0), 0);
    struct kx_statfs fs;
    memcpy(&fs, h_recv, sizeof(fs));
    CHECK_EQ(fs.f_type, TMPFS_MAGIC);
    CHECK_EQ(h_io(IO_SYNC, (uint64_t)c, 1, 0, 0), 0);
    CHECK_EQ(h_io(IO_GETPATH, (uint64_t)c, 0, 0, 0), 5);
    CHECK(!memcmp(h_recv, "/tmp", 5));
    t_close((uint64_t)c);
    /* linkat(fd, "", AT_EMPTY_PATH): an O_TMPFILE file gets a name. */
    c = t_open("/tmp", O_(TMPFILE) | O_(RDWR), 0600);
    CHECK(c > 0);
    CHECK_EQ(h_ans[1], VFS_KIND_REG);
    CHECK_EQ(t_write((uint64_t)c, 0, "tmp", 3, 0), 3);
    CHECK_EQ(h_path(VFS_LINK, &ROOT, (uint64_t)c, LX_AT_EMPTY_PATH, 0, 0, NULL, 0, "", "/tmp/named"), 0);
    CHECK_EQ(t_stat0("/tmp/named", &st), 0);
    CHECK_EQ(st.st_size, 3);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(h_path(VFS_LINK, &USER, (uint64_t)c, LX_AT_EMPTY_PATH, 0, 0, NULL, 0, "", "/tmp/n2"), -ENOENT);
    t_close((uint64_t)c);
    CHECK_EQ(t_open("/tmp", O_(TMPFILE) | O_(RDONLY), 0600), -EINVAL);
    /* An unlinked file cannot be linked back. */
    c = t_open("/tmp/named", O_(RDONLY), 0);
    t_unlink("/tmp/named");
    CHECK_EQ(h_path(VFS_LINK, &ROOT, (uint64_t)c, LX_AT_EMPTY_PATH, 0, 0, NULL, 0, "", "/tmp/back"), -ENOENT);
    t_close((uint64_t)c);
}

static void test_every_label_with_bad_cookie(void)
{
    h_fresh(0, 1ull << 30);
    static const uint32_t io[] = { IO_READ, IO_WRITE, IO_STAT, IO_READDIR, IO_SETATTR, IO_SYNC, IO_STATFS,
                                   IO_GETPATH };
    for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++)
        CHECK_EQ(h_io(io[i], 77, 0, 10, 0), -EBADF);
    for (uint32_t op = 1; op <= 14; op++)
        CHECK_EQ(h_path(KX_LABEL(KX_PROTO_VFS, op), &ROOT, 0x999, 0, 0, 0, NULL, 0, "x", "y"), -EBADF);
    /* Renames and links check the second directory too. */
    CHECK_EQ(h_path(VFS_RENAME, &ROOT, 0, 0, 0, 0x999, NULL, 0, "x", "y"), -EBADF);
}

/* A deterministic fuzz: random words, lengths and bytes at every label. */
static void test_fuzz(void)
{
    h_fresh(0, 1ull << 30);
    t_mkdir("/fz", 0777);
    h_file("/fz/f", "data", 0666);
    uint64_t seed = 0x5eed;
    static const char *paths[] = { "/fz/f", "/fz", "fz/../fz/f/", "/", "", "/tmp/x", "/dev/null", "..", "a/b" };
    long cookies[4];
    for (int i = 0; i < 4; i++)
        cookies[i] = t_open(i & 1 ? "/fz" : "/fz/f", i & 1 ? O_(RDONLY) : O_(RDWR), 0);
    for (int it = 0; it < 20000; it++) {
        uint64_t r = test_rand(&seed);
        uint32_t label = (r & 1) ? KX_LABEL(KX_PROTO_VFS, (r >> 1) % 16) : KX_LABEL(KX_PROTO_IO, (r >> 1) % 11);
        uint64_t w[8];
        for (int k = 0; k < 8; k++)
            w[k] = test_rand(&seed);
        if (r & 0x100)
            w[0] = (uint64_t)cookies[(r >> 9) % 4];
        if (r & 0x800)
            w[0] = 0;
        if (label == IO_CLOSE)
            continue; /* keep the cookies */
        if (label == IO_READ || label == IO_WRITE || label == IO_READDIR) {
            w[1] %= 1u << 20;
            w[2] %= 1u << 16;
        }
        if (label == VFS_MOUNT || label == VFS_UMOUNT)
            continue; /* mounts change the tree wholesale: tested by hand */
        if (r & 0x1000) {
            /* Well-formed with random words. */
            h_build(&USER, NULL, 0, paths[(r >> 13) % 9], paths[(r >> 17) % 9]);
        } else {
            /* Random bytes, sometimes with plausible lengths. */
            h_send_len = (size_t)(test_rand(&seed) % 200);
            for (size_t k = 0; k < h_send_len; k++)
                h_send[k] = (uint8_t)test_rand(&seed);
            if (h_send_len >= sizeof(struct vfs_req) && (r & 0x2000)) {
                struct vfs_req *q = (struct vfs_req *)(void *)h_send;
                q->ngroups %= 4;
                q->data_len %= 64;
                q->path_len %= 64;
                q->path2_len %= 64;
            }
        }
        long res = h_send_msg(label, BADGE, w);
        CHECK(res >= -4095);
        if (res < -4095)
            break;
        if (label == VFS_OPEN && res > 0)
            t_close((uint64_t)res);
    }
    for (int i = 0; i < 4; i++)
        t_close((uint64_t)cookies[i]);
    CHECK_EQ(ofile_count(), 0);
}

int main(void)
{
    RUN(test_open_answer);
    RUN(test_answer_dropped);
    RUN(test_badges_and_labels);
    RUN(test_malformed_requests);
    RUN(test_small_receive_room);
    RUN(test_readlink_and_statfs_answers);
    RUN(test_every_label_with_bad_cookie);
    RUN(test_fuzz);
    return test_finish();
}
