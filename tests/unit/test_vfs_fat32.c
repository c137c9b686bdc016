/*
 * Host tests of the vfs's vfat back-end and block cache (servers/vfs/fat32_*.c,
 * bcache.c), against real images: mkfs.fat makes them, mtools fills them,
 * the vfs reads and changes them through its own protocol (as the kernel
 * drives it: vfs_harness.h), and afterwards fsck.fat -n must find them clean
 * and mtools must see what the vfs wrote. Damaged images (boot sector, FAT
 * chains, a short image) must be refused or give EIO with a message, under
 * ASan and UBSan.
 *
 * The tools live in /usr/sbin (mkfs.fat, fsck.fat) and on PATH (mtools);
 * without them the test is skipped (exit 77).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bcache.h"
#include "fat32.h"
#include "test.h"
#include "vfs_harness.h"

static char mkfs_fat[512], fsck_fat[512];
static char work[64];  /* the scratch directory */
static char img[128];  /* the image most tests use */
static struct kx_stat st;

/* ---- the host's tools ---------------------------------------------------------------- */

static bool find_tool(const char *name, char *out, size_t cap)
{
    static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(out, cap, "%s/%s", dirs[i], name);
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Runs a command; its output (stdout and stderr) in out. Returns its exit status. */
__attribute__((format(printf, 3, 4))) static int sh_out(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int rc = pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void host_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        printf("  cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

static size_t host_read(const char *path, void *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return (size_t)-1;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* A FAT32 image of kib KiB (mkfs.fat options extra). */
static void make_image(const char *path, unsigned kib, const char *extra)
{
    unlink(path);
    if (sh("%s -F 32 %s -C '%s' %u >/dev/null", mkfs_fat, extra, path, kib) != 0) {
        printf("  mkfs.fat failed\n");
        exit(1);
    }
}

/* fsck.fat -n must find nothing to fix. */
static void check_fsck(const char *path)
{
    static char out[65536];
    int rc = sh_out(out, sizeof(out), "%s -n %s '%s'", fsck_fat, getenv("KENIX_FAT32_VERBOSE") ? "-v" : "", path);
    CHECK_EQ(rc, 0);
    CHECK(!strstr(out, "differences"));
    CHECK(!strstr(out, "Free cluster summary wrong"));
    CHECK(!strstr(out, "Dirty bit"));
    if (rc != 0 || getenv("KENIX_FAT32_VERBOSE"))
        printf("  fsck.fat said:\n%s\n", out);
}

/* mdir -b: the names in dir, one a line ("name" or "name/" for directories), sorted. */
static int mdir_names(const char *path, const char *dir, char names[][280], int max)
{
    static char out[1 << 20];
    if (sh_out(out, sizeof(out), "mdir -b -i '%s' '::%s'", path, dir) != 0)
        return -1;
    int n = 0;
    size_t plen = strlen(dir) + 2 + (strcmp(dir, "/") ? 1 : 0); /* "::" + dir + "/" */
    for (char *line = strtok(out, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        if (strncmp(line, "::", 2) || strlen(line) < plen)
            continue;
        snprintf(names[n++], 280, "%s", line + plen);
    }
    qsort(names, (size_t)n, 280, (int (*)(const void *, const void *))strcmp);
    return n;
}

/* ---- a block device over a file ----------------------------------------------------------- */

struct filedev {
    int fd;
    bool fail_reads, fail_writes;
};

static int fd_read(void *ctx, uint64_t sector, void *buf, uint32_t n)
{
    struct filedev *d = ctx;
    if (d->fail_reads)
        return -EIO;
    ssize_t r = pread(d->fd, buf, (size_t)n * 512, (off_t)(sector * 512));
    return r == (ssize_t)n * 512 ? 0 : -EIO;
}

static int fd_write(void *ctx, uint64_t sector, const void *buf, uint32_t n)
{
    struct filedev *d = ctx;
    if (d->fail_writes)
        return -EIO;
    ssize_t r = pwrite(d->fd, buf, (size_t)n * 512, (off_t)(sector * 512));
    return r == (ssize_t)n * 512 ? 0 : -EIO;
}

static int fd_flush(void *ctx)
{
    (void)ctx;
    return 0; /* the host's page cache is what the next tool reads: nothing to wait for */
}

static const struct blkdev_ops fd_ops = { fd_read, fd_write, fd_flush, NULL };

#define VDA_RDEV 0xfe00u /* 254:0, Linux's new_encode_dev */

static struct filedev dev = { -1, false, false };
static void *pool;
static struct bcache *bc;

static long t_mount_src(const char *target, const char *source, const char *fstype, const char *opts, uint32_t flags)
{
    char data[512];
    size_t a = strlen(fstype) + 1, b = strlen(opts) + 1;
    memcpy(data, fstype, a);
    memcpy(data + a, opts, b);
    return h_path(VFS_MOUNT, &ROOT, 0, flags, 0, 0, data, (uint32_t)(a + b), target, source);
}

/* A fresh vfs with path's image as /dev/vda (a cache of nblocks blocks), mounted at /mnt. */
static long mount_image(const char *path, uint32_t nblocks, const char *opts, uint32_t flags)
{
    h_fresh(0, 1ull << 30);
    dev.fd = open(path, O_RDWR);
    if (dev.fd < 0) {
        printf("  cannot open %s\n", path);
        exit(1);
    }
    dev.fail_reads = dev.fail_writes = false;
    struct stat hs;
    fstat(dev.fd, &hs);
    pool = aligned_alloc(BCACHE_BLOCK, (size_t)nblocks * BCACHE_BLOCK);
    bc = bcache_create(&fd_ops, &dev, 512, (uint64_t)hs.st_size / 512, pool, nblocks);
    if (!bc || blkdev_register(VDA_RDEV, bc) != 0) {
        printf("  cannot make the block device\n");
        exit(1);
    }
    t_mknod_as(&ROOT, "/dev/vda", LX_S_IFBLK | 0660, VDA_RDEV);
    t_mkdir("/mnt", 0755);
    vfs_last_log[0] = 0;
    return t_mount_src("/mnt", "/dev/vda", "vfat", opts, flags);
}

static long unmount_image(void)
{
    long r = vfs_mounts[0].used ? t_umount("/mnt", 0) : 0;
    if (r == -EINVAL)
        r = 0; /* was not mounted */
    blkdev_unregister(VDA_RDEV);
    bcache_destroy(bc);
    bc = NULL;
    free(pool);
    pool = NULL;
    close(dev.fd);
    dev.fd = -1;
    return r;
}

/* ---- file helpers through the vfs ------------------------------------------------------------ */

static long put_file(const char *path, const void *data, size_t len)
{
    long fd = t_open(path, O_(CREAT) | O_(WRONLY) | O_(TRUNC), 0644);
    if (fd < 0)
        return fd;
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < 65536 ? len - done : 65536;
        long w = t_write((uint64_t)fd, done, (const uint8_t *)data + done, n, 0);
        if (w <= 0) {
            t_close((uint64_t)fd);
            return w < 0 ? w : -EIO;
        }
        done += (size_t)w;
    }
    t_close((uint64_t)fd);
    return (long)done;
}

/* Reads path whole (at most cap bytes): its length, or -errno. */
static long get_file(const char *path, void *buf, size_t cap)
{
    long fd = t_open(path, O_(RDONLY), 0);
    if (fd < 0)
        return fd;
    size_t done = 0;
    for (;;) {
        size_t n = cap - done < 65536 ? cap - done : 65536;
        if (n == 0)
            break;
        long r = t_read((uint64_t)fd, done, (uint8_t *)buf + done, n);
        if (r < 0) {
            t_close((uint64_t)fd);
            return r;
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    t_close((uint64_t)fd);
    return (long)done;
}

static bool same_file(const char *path, const void *want, size_t len)
{
    static uint8_t buf[4u << 20];
    long n = get_file(path, buf, sizeof(buf));
    if (n != (long)len) {
        printf("  %s: %ld bytes, %zu expected\n", path, n, len);
        return false;
    }
    return !memcmp(buf, want, len);
}

/* The names in a directory through IO_READDIR (without "." and ".."), sorted. */
static int vfs_names(const char *path, char names[][280], int max)
{
    long fd = t_open(path, O_(RDONLY) | O_(DIRECTORY), 0);
    if (fd < 0)
        return (int)fd;
    int n = 0;
    uint64_t pos = 0;
    for (;;) {
        long got = h_io(IO_READDIR, (uint64_t)fd, pos, 4096, 0);
        if (got < 0) {
            t_close((uint64_t)fd);
            return (int)got;
        }
        if (got == 0)
            break;
        for (long at = 0; at < got;) {
            uint8_t *rec = h_recv + at;
            uint16_t reclen;
            memcpy(&reclen, rec + 16, 2);
            const char *name = (const char *)rec + 19;
            if (strcmp(name, ".") && strcmp(name, "..") && n < max)
                snprintf(names[n++], 280, "%s%s", name, rec[18] == LX_DT_DIR ? "/" : "");
            at += reclen;
        }
        pos = h_ans[1];
    }
    t_close((uint64_t)fd);
    qsort(names, (size_t)n, 280, (int (*)(const void *, const void *))strcmp);
    return n;
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(test_rand(&seed) >> 32);
}

static void patch(const char *path, uint64_t off, const void *bytes, size_t n)
{
    int fd = open(path, O_RDWR);
    if (fd < 0 || pwrite(fd, bytes, n, (off_t)off) != (ssize_t)n) {
        printf("  cannot patch %s\n", path);
        exit(1);
    }
    close(fd);
}

static void patch32(const char *path, uint64_t off, uint32_t v) { patch(path, off, &v, 4); }

/* ---- pure parts: names, times, the BPB ------------------------------------------------------------- */

static void test_names(void)
{
    uint16_t u[300];
    char back[300];
    const char *smile = "a\xf0\x9f\x98\x80z"; /* a, U+1F600, z */
    CHECK_EQ(fat_utf8_to_utf16(smile, (uint32_t)strlen(smile), u, 300), 4);
    CHECK_EQ(u[1], 0xd83d);
    CHECK_EQ(u[2], 0xde00);
    CHECK_EQ(fat_utf16_to_utf8(u, 4, back, 300), 6);
    CHECK(!memcmp(back, smile, 6));
    CHECK_EQ(fat_utf8_to_utf16("\xc3\x28", 2, u, 300), -EINVAL);         /* bad continuation */
    CHECK_EQ(fat_utf8_to_utf16("\xc0\xaf", 2, u, 300), -EINVAL);         /* overlong '/' */
    CHECK_EQ(fat_utf8_to_utf16("\xed\xa0\x80", 3, u, 300), -EINVAL);     /* a surrogate */
    CHECK_EQ(fat_utf8_to_utf16("\xf4\x90\x80\x80", 4, u, 300), -EINVAL); /* past U+10FFFF */
    CHECK_EQ(fat_utf8_to_utf16("\xe2\x82", 2, u, 300), -EINVAL);         /* cut short */
    uint16_t lone[2] = { 'x', 0xdc00 };
    CHECK_EQ(fat_utf16_to_utf8(lone, 2, back, 300), -1);

    CHECK(fat_name_same("Gr\xc3\xbc\xc3\x9f" "e.txt", 11, "GR\xc3\x9c\xc3\x9f" "E.TXT", 11));
    CHECK(!fat_name_same("Gr\xc3\xbc\xc3\x9f" "e.txt", 11, "GRUSSE.TXT", 10));
    CHECK(fat_name_same("readme", 6, "README...", 9));
    CHECK(!fat_name_same("readme", 6, "readm", 5));
    CHECK(fat_name_same("\xd0\xb4\xd0\xb0", 4, "\xd0\x94\xd0\x90", 4)); /* Cyrillic da / DA */
    CHECK_EQ(fat_name_hash("MiXeD.txt", 9), fat_name_hash("mixed.TXT..", 11));
    CHECK_EQ(fat_name_valid("a*b", 3), -EINVAL);
    CHECK_EQ(fat_name_valid("a:b", 3), -EINVAL);
    CHECK_EQ(fat_name_valid("space ", 6), -EINVAL);
    CHECK_EQ(fat_name_valid("...", 3), -EINVAL);
    CHECK_EQ(fat_name_valid("\xff", 1), -EINVAL);
    CHECK_EQ(fat_name_valid("ok name.tar.gz", 14), 0);

    struct fat_shortname sn;
    uint8_t tail[11];
    fat_short_basis("readme.txt", 10, &sn);
    CHECK(sn.exact);
    CHECK(!memcmp(sn.name, "README  TXT", 11));
    CHECK_EQ(sn.ntcase, NT_LOWER_BASE | NT_LOWER_EXT);
    fat_short_basis("ReadMe.txt", 10, &sn);
    CHECK(sn.exact);
    CHECK_EQ(sn.ntcase, 0xff);
    fat_short_basis("A long file name.text", 21, &sn);
    CHECK(!sn.exact);
    fat_short_tail(&sn, 1, tail);
    CHECK(!memcmp(tail, "ALONGF~1TEX", 11));
    fat_short_tail(&sn, 12, tail);
    CHECK(!memcmp(tail, "ALONG~12TEX", 11));
    fat_short_basis("Gr\xc3\xbc\xc3\x9f" "e.txt", 11, &sn);
    CHECK(!sn.exact);
    CHECK(!memcmp(sn.name, "GR__E   TXT", 11));
    fat_short_basis(".bashrc", 7, &sn);
    CHECK(!sn.exact);
    CHECK(!memcmp(sn.name, "BASHRC     ", 11));
    fat_short_basis("a+b.c;d", 7, &sn);
    CHECK(!memcmp(sn.name, "A_B     C_D", 11));
    fat_short_basis("x.tar.gz", 8, &sn);
    CHECK(!memcmp(sn.name, "XTAR    GZ ", 11));
    CHECK(!sn.exact);

    /* The checksum mtools wrote for "Grüße.txt"'s alias GR\x9a\xe1E.TXT. */
    CHECK_EQ(fat_lfn_checksum((const uint8_t *)"GR\x9a\xe1" "E   TXT"), 0xc7);
    char shown[64];
    uint32_t n = fat_short_display((const uint8_t *)"GR\x9a\xe1" "E   TXT", 0, shown);
    CHECK_EQ(n, 11);
    CHECK(!memcmp(shown, "GR\xc3\x9c\xc3\x9f" "E.TXT", 11));
    n = fat_short_display((const uint8_t *)"LOWER   TXT", NT_LOWER_BASE | NT_LOWER_EXT, shown);
    CHECK(n == 9 && !memcmp(shown, "lower.txt", 9));
    n = fat_short_display((const uint8_t *)"\x05" "BC        ", 0, shown); /* 0x05 stands for 0xe5 (cp437 sigma) */
    CHECK(n == 4 && !memcmp(shown, "\xcf\x83" "BC", 4));
}

static void test_times(void)
{
    uint16_t date, time;
    uint8_t cs;
    /* 2021-06-15 12:34:57.25 UTC */
    fat_time_to_disk((struct vfs_time){ 1623760497, 250000000 }, &date, &time, &cs);
    CHECK_EQ(date, (41 << 9) | (6 << 5) | 15);
    CHECK_EQ(time, (12 << 11) | (34 << 5) | 28);
    CHECK_EQ(cs, 125);
    struct vfs_time t = fat_time_from_disk(date, time, cs);
    CHECK_EQ(t.sec, 1623760497);
    CHECK_EQ(t.nsec, 250000000);
    CHECK_EQ(fat_time_mtime((struct vfs_time){ 1623760497, 9 }).sec, 1623760496);
    CHECK_EQ(fat_time_adate((struct vfs_time){ 1623760497, 9 }).sec, 1623715200);
    /* Leap days, and the ends of FAT's range. */
    fat_time_to_disk((struct vfs_time){ 951782400, 0 }, &date, &time, NULL); /* 2000-02-29 */
    CHECK_EQ(date, (20 << 9) | (2 << 5) | 29);
    CHECK_EQ(fat_time_from_disk(date, 0, 0).sec, 951782400);
    fat_time_to_disk((struct vfs_time){ 0, 0 }, &date, &time, NULL);
    CHECK_EQ(date, (0 << 9) | (1 << 5) | 1);
    CHECK_EQ(time, 0);
    fat_time_to_disk((struct vfs_time){ INT64_C(1) << 40, 0 }, &date, &time, NULL);
    CHECK_EQ(date, (127 << 9) | (12 << 5) | 31);
    CHECK_EQ(time, (23 << 11) | (59 << 5) | 29);
    CHECK_EQ(fat_time_from_disk(date, time, 0).sec, 4354819198);
    /* Every day from 1980 to 2107 (46,751 days) goes there and back. */
    int bad = 0;
    for (int64_t d = 3652; d < 3652 + 46751; d++) {
        fat_time_to_disk((struct vfs_time){ d * 86400 + 3723, 0 }, &date, &time, NULL);
        if (fat_time_from_disk(date, time, 0).sec != d * 86400 + 3722)
            bad++;
    }
    CHECK_EQ(bad, 0);
}

/* A boot sector as mkfs.fat writes one for a 40 MiB volume of 512-byte clusters. */
static void good_bpb(uint8_t *s)
{
    memset(s, 0, 512);
    s[0] = 0xeb;
    s[11] = 0x00, s[12] = 0x02; /* 512 */
    s[13] = 1;
    s[14] = 32;
    s[16] = 2;
    s[21] = 0xf8;
    uint32_t total = 81920, fatsz = 630;
    memcpy(s + 32, &total, 4);
    memcpy(s + 36, &fatsz, 4);
    s[44] = 2;
    s[48] = 1;
    s[510] = 0x55, s[511] = 0xaa;
}

static void test_bpb(void)
{
    uint8_t s[512];
    struct fat_geom g;
    char msg[160];
    good_bpb(s);
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), 0);
    CHECK_EQ(g.nclusters, 80628);
    CHECK_EQ(g.data_off, 661504);
    CHECK_EQ(g.cluster_size, 512);
    CHECK_EQ(g.fsinfo_sector, 1);
    CHECK(g.mirror);
    CHECK_EQ(fat_bpb_parse(s, 512, 81919 * 512, &g, msg, sizeof(msg)), -EINVAL);
    CHECK(strstr(msg, "smaller"));
    s[12] = 3; /* 768 bytes a sector */
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), -EINVAL);
    CHECK(strstr(msg, "sector size"));
    good_bpb(s);
    s[13] = 6;
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), -EINVAL);
    CHECK(strstr(msg, "sectors per cluster"));
    good_bpb(s);
    s[13] = 8; /* 10,078 clusters: FAT16 by the spec's count, FAT32 by its layout (Linux takes it) */
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), 0);
    CHECK_EQ(g.nclusters, 10078);
    s[22] = 1; /* a 16-bit FAT size: a FAT16 layout */
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), -EINVAL);
    CHECK(strstr(msg, "not FAT32"));
    good_bpb(s);
    s[44] = 0;
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), -EINVAL);
    CHECK(strstr(msg, "root directory cluster"));
    good_bpb(s);
    s[36] = 100, s[37] = 0; /* 100 sectors of FAT: 12,800 entries */
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), -EINVAL);
    CHECK(strstr(msg, "FAT too small"));
    good_bpb(s);
    s[42] = 1;
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), -EINVAL);
    CHECK(strstr(msg, "version"));
    good_bpb(s);
    s[16] = 0;
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), -EINVAL);
    good_bpb(s);
    s[40] = 0x83; /* no mirroring, active FAT 3 of 2 */
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), -EINVAL);
    s[40] = 0x81;
    CHECK_EQ(fat_bpb_parse(s, 512, 81920 * 512, &g, msg, sizeof(msg)), 0);
    CHECK(!g.mirror);
    CHECK_EQ(g.active_fat, 1);
}

/* ---- the block cache over memory ---------------------------------------------------------- */

struct memdev {
    uint8_t *data;
    uint64_t nsectors;
    long reads, writes, flushes;
    bool fail_reads, fail_writes;
};

static int mem_read(void *ctx, uint64_t sector, void *buf, uint32_t n)
{
    struct memdev *d = ctx;
    d->reads++;
    if (d->fail_reads || sector + n > d->nsectors)
        return -EIO;
    memcpy(buf, d->data + sector * 512, (size_t)n * 512);
    return 0;
}

static int mem_write(void *ctx, uint64_t sector, const void *buf, uint32_t n)
{
    struct memdev *d = ctx;
    d->writes++;
    if (d->fail_writes || sector + n > d->nsectors)
        return -EIO;
    memcpy(d->data + sector * 512, buf, (size_t)n * 512);
    return 0;
}

static int mem_flush(void *ctx)
{
    ((struct memdev *)ctx)->flushes++;
    return 0;
}

static const struct blkdev_ops mem_ops = { mem_read, mem_write, mem_flush, NULL };

/* The same device taking writes in batches (as blkdev does), counting the calls. */
static long batch_calls, batch_blocks;
static uint64_t fail_sector = UINT64_MAX; /* a write there fails */
static int mem_write_many(void *ctx, struct blkdev_write *w, unsigned n)
{
    batch_calls++;
    int first = 0;
    for (unsigned i = 0; i < n; i++) {
        batch_blocks++;
        w[i].status = w[i].sector == fail_sector ? -EIO : mem_write(ctx, w[i].sector, w[i].buf, w[i].nsectors);
        if (w[i].status && !first)
            first = w[i].status;
    }
    return first;
}

static const struct blkdev_ops batch_ops = { mem_read, mem_write, mem_flush, mem_write_many };

static void test_bcache_batches(void)
{
    h_fresh(0, 1ull << 30);
    struct memdev d = { calloc(64 * 8, 512), 64 * 8, 0, 0, 0, false, false };
    void *mem = aligned_alloc(BCACHE_BLOCK, 64 * BCACHE_BLOCK);
    struct bcache *c = bcache_create(&batch_ops, &d, 512, 64 * 8, mem, 64);
    uint8_t block[BCACHE_BLOCK];
    for (int i = 0; i < 40; i++) {
        memset(block, i + 1, sizeof(block));
        CHECK_EQ(bcache_write(c, (uint64_t)i * BCACHE_BLOCK, block, sizeof(block)), 0);
    }
    CHECK_EQ(d.writes, 0);
    fail_sector = 7 * 8; /* block 7 */
    CHECK_EQ(bcache_sync(c), -EIO);
    CHECK_EQ(batch_calls, 2); /* 32 + 8 */
    CHECK_EQ(batch_blocks, 40);
    CHECK_EQ(d.data[39 * BCACHE_BLOCK], 40);
    CHECK_EQ(d.data[7 * BCACHE_BLOCK], 0); /* failed: still dirty in the cache */
    struct bcache_stats st;
    bcache_get_stats(c, &st);
    CHECK_EQ(st.dirty, 1);
    fail_sector = UINT64_MAX;
    CHECK_EQ(bcache_sync(c), 0);
    CHECK_EQ(batch_calls, 3);
    CHECK_EQ(d.data[7 * BCACHE_BLOCK], 8);
    CHECK_EQ(d.flushes, 2); /* each sync flushes what it did write, the failed one too */
    bcache_destroy(c);
    free(mem);
    free(d.data);
}

static void test_bcache(void)
{
    h_fresh(0, 1ull << 30);
    struct memdev d = { calloc(83, 512), 83, 0, 0, 0, false, false }; /* 10 blocks and 3 sectors */
    for (int i = 0; i < 83 * 512; i++)
        d.data[i] = (uint8_t)(i * 7);
    void *mem = aligned_alloc(BCACHE_BLOCK, 4 * BCACHE_BLOCK);
    struct bcache *c = bcache_create(&mem_ops, &d, 512, 83, mem, 4);
    CHECK(c != NULL);
    CHECK_EQ(bcache_dev_bytes(c), 83 * 512);
    CHECK(bcache_create(&mem_ops, &d, 1000, 83, mem, 4) == NULL);
    uint8_t buf[9000];
    /* Reads across blocks, the short last block, and past the end. */
    CHECK_EQ(bcache_read(c, 4000, buf, 9000), 0);
    CHECK(!memcmp(buf, d.data + 4000, 9000));
    CHECK_EQ(bcache_read(c, 82 * 512, buf, 512), 0);
    CHECK(!memcmp(buf, d.data + 82 * 512, 512));
    CHECK_EQ(bcache_read(c, 82 * 512, buf, 513), -EIO);
    struct bcache_buf *b;
    CHECK_EQ(bcache_get(c, 11, 0, &b), -EIO);
    CHECK_EQ(bcache_get(c, 10, 0, &b), 0); /* the partial block: the rest reads as zeros */
    CHECK_EQ(bcache_data(b)[3 * 512], 0);
    CHECK_EQ(bcache_data(b)[4095], 0);
    bcache_put(c, b);
    /* Write-back: nothing reaches the device before sync, or before eviction. */
    long w0 = d.writes;
    memset(buf, 0x5a, sizeof(buf));
    CHECK_EQ(bcache_write(c, 100, buf, 50), 0);
    CHECK_EQ(d.writes, w0);
    CHECK(d.data[100] != 0x5a);
    CHECK_EQ(bcache_sync(c), 0);
    CHECK_EQ(d.writes, w0 + 1);
    CHECK_EQ(d.data[100], 0x5a);
    CHECK_EQ(d.flushes, 1);
    CHECK_EQ(bcache_sync(c), 0);
    CHECK_EQ(d.writes, w0 + 1); /* clean: nothing to write */
    /* A whole-block write is not read first; dirty blocks evicted are written. */
    long r0 = d.reads;
    CHECK_EQ(bcache_write(c, 5 * 4096, buf, 4096), 0);
    CHECK_EQ(d.reads, r0);
    for (int blk = 0; blk < 8; blk++)
        CHECK_EQ(bcache_zero(c, (uint64_t)blk * 4096 + 8, 8), 0);
    struct bcache_stats s;
    bcache_get_stats(c, &s);
    CHECK(s.dirty_evictions >= 4);
    CHECK_EQ(bcache_sync(c), 0);
    CHECK_EQ(d.data[5 * 4096 + 100], 0x5a);
    CHECK_EQ(d.data[5 * 4096 + 8], 0);
    CHECK_EQ(d.data[7 * 4096 + 8], 0);
    CHECK_EQ(d.data[7 * 4096 + 16], (uint8_t)((7 * 4096 + 16) * 7));
    /* Pinned blocks stay; when all are pinned a new block cannot come in. */
    struct bcache_buf *p[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ(bcache_get(c, (uint64_t)i, 0, &p[i]), 0);
    CHECK_EQ(bcache_get(c, 9, 0, &b), -ENOBUFS);
    for (int i = 0; i < 4; i++)
        bcache_put(c, p[i]);
    /* Device errors: a failed read caches nothing; a failed write stays dirty. */
    bcache_drop_clean(c);
    d.fail_reads = true;
    CHECK_EQ(bcache_read(c, 0, buf, 10), -EIO);
    d.fail_reads = false;
    CHECK_EQ(bcache_read(c, 0, buf, 10), 0);
    CHECK(!memcmp(buf, d.data, 10));
    CHECK_EQ(bcache_write(c, 0, "xyz", 3), 0);
    d.fail_writes = true;
    CHECK_EQ(bcache_sync(c), -EIO);
    d.fail_writes = false;
    CHECK_EQ(bcache_sync(c), 0);
    CHECK(!memcmp(d.data, "xyz", 3));
    bcache_destroy(c);
    free(mem);
    free(d.data);
}

/* ---- images made by mtools, read by the vfs ---------------------------------------------------- */

#define BIG_SIZE (300u * 1024u + 17u)
static uint8_t big[BIG_SIZE];
static const char grusse[] = "Gr\xc3\xbc\xc3\x9f" "e.txt";

/* Makes img with files from mtools: returns nothing, exits on failure. */
static void populate_with_mtools(const char *path)
{
    char host[256];
    make_image(path, 40960, "-s 1 -n KENIXVOL"); /* a label: an entry of the root that is no name */
    fill_random(big, BIG_SIZE, 42);
    snprintf(host, sizeof(host), "%s/big", work);
    host_write(host, big, BIG_SIZE);
    snprintf(host, sizeof(host), "%s/%s", work, grusse);
    host_write(host, "Hallo Welt\n", 11);
    snprintf(host, sizeof(host), "%s/readme", work);
    host_write(host, "plain\n", 6);
    snprintf(host, sizeof(host), "%s/empty", work);
    host_write(host, "", 0);
    /* A known modification time for one file (mcopy -m keeps it; TZ is UTC). */
    sh("touch -d '2021-06-15 12:34:56' '%s/readme'", work);
    int rc = 0;
    rc |= sh("mmd -i '%s' ::/Sub ::/Sub/Deeper ::/Sub/Deeper/Deepest ::/EMPTYDIR", path);
    rc |= sh("mcopy -i '%s' '%s/big' '::/A big file with a long name.bin'", path, work);
    rc |= sh("mcopy -i '%s' '%s/%s' '::/%s'", path, work, grusse, grusse);
    rc |= sh("mcopy -m -i '%s' '%s/readme' ::/README.TXT", path, work);
    rc |= sh("mcopy -i '%s' '%s/readme' ::/lower.txt", path, work);
    rc |= sh("mcopy -i '%s' '%s/empty' ::/Sub/empty.dat", path, work);
    rc |= sh("mcopy -i '%s' '%s/readme' '::/Sub/Deeper/Deepest/leaf file.txt'", path, work);
    for (int i = 0; i < 40; i++)
        rc |= sh("mcopy -i '%s' '%s/readme' '::/Sub/Many files number %d.txt'", path, work, i);
    if (rc) {
        printf("  mtools failed\n");
        exit(1);
    }
}

static void test_read_mtools_image(void)
{
    populate_with_mtools(img);
    CHECK_EQ(mount_image(img, 64, "", 0), 0);
    static char names[64][280];
    int n = vfs_names("/mnt", names, 64);
    CHECK_EQ(n, 6);
    const char *want[] = { "A big file with a long name.bin", "EMPTYDIR/", grusse, "README.TXT", "Sub/", "lower.txt" };
    for (size_t i = 0; i < 6; i++)
        CHECK_STR(names[i], want[i]);
    CHECK(same_file("/mnt/A big file with a long name.bin", big, BIG_SIZE));
    CHECK(same_file("/mnt/Gr\xc3\xbc\xc3\x9f" "e.txt", "Hallo Welt\n", 11));
    CHECK(same_file("/mnt/Sub/Deeper/Deepest/leaf file.txt", "plain\n", 6));
    CHECK(same_file("/mnt/Sub/empty.dat", "", 0));
    /* Case does not matter; trailing dots do not either; aliases name files too. */
    CHECK(same_file("/mnt/GR\xc3\x9c\xc3\x9f" "E.TXT", "Hallo Welt\n", 11));
    CHECK(same_file("/mnt/readme.txt", "plain\n", 6));
    CHECK(same_file("/mnt/a BIG file WITH a long name.BIN...", big, BIG_SIZE));
    CHECK(same_file("/mnt/ABIGFI~1.BIN", big, BIG_SIZE));
    CHECK(same_file("/mnt/sub/deeper/DEEPEST/LEAF FILE.TXT", "plain\n", 6));
    CHECK_EQ(t_stat0("/mnt/nope", &st), -ENOENT);
    CHECK_EQ(t_stat0("/mnt/README.TXT/x", &st), -ENOTDIR);
    n = vfs_names("/mnt/Sub", names, 64);
    CHECK_EQ(n, 42);
    /* Attributes. */
    CHECK_EQ(t_stat0("/mnt/README.TXT", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0755); /* Linux's default: 0777 less umask 022 */
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_uid, 0);
    CHECK_EQ(st.st_size, 6);
    CHECK_EQ(st.st_blocks, 1);
    CHECK_EQ(st.st_blksize, 512);
    CHECK_EQ(st.st_mtime_sec, 1623760496);
    CHECK_EQ(st.st_mtime_nsec, 0);
    CHECK_EQ(t_stat0("/mnt/A big file with a long name.bin", &st), 0);
    CHECK_EQ(st.st_size, BIG_SIZE);
    CHECK_EQ(st.st_blocks, (BIG_SIZE + 511) / 512);
    CHECK_EQ(t_stat0("/mnt/Sub", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0755);
    CHECK_EQ(st.st_nlink, 3); /* 2 + Deeper */
    CHECK_EQ(t_stat0("/mnt", &st), 0);
    CHECK_EQ(st.st_nlink, 4); /* 2 + Sub + EMPTYDIR */
    CHECK_EQ(st.st_ino, 1);
    CHECK_EQ(t_stat0("/mnt/Sub/Deeper/..", &st), 0);
    struct kx_stat sub;
    t_stat0("/mnt/Sub", &sub);
    CHECK_EQ(st.st_ino, sub.st_ino);
    CHECK_EQ(t_stat0("/mnt/..", &st), 0);
    CHECK_EQ(st.st_ino, 1); /* the namespace root, above the mount */
    /* statfs: what fsck.fat counts. */
    struct kx_statfs sf;
    CHECK_EQ(t_statfs("/mnt", &sf), 0);
    CHECK_EQ(sf.f_type, 0x4d44);
    CHECK_EQ(sf.f_bsize, 512);
    CHECK_EQ(sf.f_blocks, 80628);
    static char out[4096];
    sh_out(out, sizeof(out), "%s -n '%s'", fsck_fat, img);
    unsigned used = 0, total = 0;
    const char *p = strstr(out, " files, ");
    CHECK(p && sscanf(p, " files, %u/%u clusters", &used, &total) == 2);
    CHECK_EQ(sf.f_bfree, total - used);
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);
}

/* Writes, at slot *at of the root directory of img (one 512-byte cluster at
 * data0), long-name slots for units[0..n) and then short entry e. */
static void raw_lfn_set(const char *path, uint64_t root, int *at, const uint16_t *units, uint32_t n, const uint8_t *e)
{
    uint32_t nl = (n + 12) / 13;
    uint8_t sum = fat_lfn_checksum(e);
    static const uint8_t pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t ord = nl - i;
        uint8_t s[32] = { 0 };
        s[0] = (uint8_t)(ord | (i == 0 ? 0x40 : 0));
        s[11] = 0x0f;
        s[13] = sum;
        for (uint32_t k = 0; k < 13; k++) {
            uint32_t j = (ord - 1) * 13 + k;
            uint16_t u = j < n ? units[j] : j == n ? 0 : 0xffff;
            s[pos[k]] = (uint8_t)u, s[pos[k] + 1] = (uint8_t)(u >> 8);
        }
        patch(path, root + 32u * (unsigned)(*at)++, s, 32);
    }
    patch(path, root + 32u * (unsigned)(*at)++, e, 32);
}

/* Long names no path can hold -- 100 snowmen (300 bytes of UTF-8), an
 * unpaired surrogate -- are shown by their short names; removing such a file
 * removes every slot of its set. (mtools 4.0 itself garbles such names, so
 * the test writes the slots.) */
static void test_unshowable_names(void)
{
    make_image(img, 40960, "-s 1");
    char host[256];
    snprintf(host, sizeof(host), "%s/small", work);
    host_write(host, "snow\n", 5);
    CHECK_EQ(sh("mcopy -i '%s' '%s' ::/SNOW.TXT && mcopy -i '%s' '%s' ::/LONE.TXT", img, host, img, host), 0);
    uint64_t root = 661504;
    uint8_t snow[32], lone[32];
    int fd = open(img, O_RDONLY);
    CHECK(pread(fd, snow, 32, (off_t)root) == 32 && pread(fd, lone, 32, (off_t)root + 32) == 32);
    close(fd);
    CHECK(!memcmp(snow, "SNOW    TXT", 11) && !memcmp(lone, "LONE    TXT", 11));
    uint16_t units[100];
    for (int i = 0; i < 100; i++)
        units[i] = 0x2603;
    int at = 0;
    raw_lfn_set(img, root, &at, units, 100, snow);
    uint16_t bad[4] = { 'a', 'b', 0xd800, 'c' };
    raw_lfn_set(img, root, &at, bad, 4, lone);
    CHECK_EQ(at, 11);
    check_fsck(img);
    CHECK_EQ(mount_image(img, 16, "", 0), 0);
    static char names[4][280];
    CHECK_EQ(vfs_names("/mnt", names, 4), 2);
    CHECK_STR(names[0], "LONE.TXT");
    CHECK_STR(names[1], "SNOW.TXT");
    CHECK(same_file("/mnt/snow.txt", "snow\n", 5));
    CHECK_EQ(t_unlink("/mnt/SNOW.TXT"), 0);
    CHECK_EQ(t_rename("/mnt/LONE.TXT", "/mnt/Alone now.txt"), 0);
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);
    CHECK_EQ(mdir_names(img, "/", names, 4), 1);
    CHECK_STR(names[0], "Alone now.txt");
    /* Every slot of both old sets is deleted (0xe5) or unused. */
    uint8_t dirbuf[512];
    fd = open(img, O_RDONLY);
    CHECK(pread(fd, dirbuf, 512, (off_t)root) == 512);
    close(fd);
    int live = 0;
    for (int i = 0; i < 16; i++)
        live += dirbuf[32 * i] != 0xe5 && dirbuf[32 * i] != 0;
    CHECK_EQ(live, 2); /* "Alone now.txt": one long-name slot and its short entry */
}

/* ---- changes through the vfs, checked by fsck.fat and mtools ------------------------------------ */

static uint8_t grow[200000];

static void test_write_and_check(void)
{
    populate_with_mtools(img);
    CHECK_EQ(mount_image(img, 32, "", 0), 0);
    /* New files: long, Unicode (in the BMP, and past it: surrogate pairs, which
     * mtools 4.0 cannot read), short upper, short lower, mixed case. */
    const char *uni = "/mnt/\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x98\x83 name.txt";
    const char *emoji = "/mnt/smile \xf0\x9f\x98\x80.txt";
    CHECK_EQ(put_file(uni, "unicode\n", 8), 8);
    CHECK_EQ(put_file(emoji, "emoji\n", 6), 6);
    CHECK_EQ(put_file("/mnt/SHORT.TXT", "short\n", 6), 6);
    CHECK_EQ(put_file("/mnt/small.txt", "small\n", 6), 6);
    CHECK_EQ(put_file("/mnt/MiXeD.TxT", "mixed\n", 6), 6);
    CHECK_EQ(put_file("/mnt/A long file name.text", "long\n", 5), 5);
    CHECK_EQ(put_file("/mnt/trailing...", "dots\n", 5), 5); /* stored as "trailing" */
    CHECK_EQ(t_stat0("/mnt/trailing", &st), 0);
    CHECK_EQ(t_open("/mnt/short.txt", O_(CREAT) | O_(EXCL) | O_(WRONLY), 0644), -EEXIST);
    /* Directories, nested. */
    CHECK_EQ(t_mkdir("/mnt/New Directory", 0755), 0);
    CHECK_EQ(t_mkdir("/mnt/New Directory/inner", 0755), 0);
    CHECK_EQ(t_mkdir("/mnt/new directory", 0755), -EEXIST);
    static uint8_t inner[5000];
    fill_random(inner, sizeof(inner), 5);
    CHECK_EQ(put_file("/mnt/New Directory/inner/file.bin", inner, 5000), 5000);
    /* A file of many clusters, then extended past its end (zeros between), then cut and grown. */
    fill_random(grow, sizeof(grow), 7);
    CHECK_EQ(put_file("/mnt/Growing file.dat", grow, 100000), 100000);
    long fd = t_open("/mnt/Growing file.dat", O_(RDWR), 0);
    CHECK_EQ(t_write((uint64_t)fd, 150000, grow + 150000, 50000, 0), 50000);
    memset(grow + 100000, 0, 50000);
    CHECK(same_file("/mnt/Growing file.dat", grow, 200000));
    struct vfs_attr a = { .mask = VFS_ATTR_SIZE, .size = 70001 };
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), 0);
    a.size = 90000;
    CHECK_EQ(t_fsetattr(&ROOT, (uint64_t)fd, &a), 0);
    memset(grow + 70001, 0, 90000 - 70001);
    CHECK(same_file("/mnt/Growing file.dat", grow, 90000));
    CHECK_EQ(t_fstat((uint64_t)fd, &st), 0);
    CHECK_EQ(st.st_size, 90000);
    CHECK_EQ(st.st_blocks, (90000 + 511) / 512);
    t_close((uint64_t)fd);
    /* Overwrite in the middle of the big file (mtools made it). */
    fd = t_open("/mnt/A big file with a long name.bin", O_(RDWR), 0);
    CHECK_EQ(t_write((uint64_t)fd, 1000, "MIDDLE", 6, 0), 6);
    t_close((uint64_t)fd);
    memcpy(big + 1000, "MIDDLE", 6);
    /* Renames: in a directory, across directories, over an existing file, a directory across. */
    CHECK_EQ(t_rename("/mnt/SHORT.TXT", "/mnt/Renamed short.txt"), 0);
    CHECK_EQ(t_rename("/mnt/small.txt", "/mnt/Sub/moved.txt"), 0);
    CHECK_EQ(put_file("/mnt/victim.txt", "victim\n", 7), 7);
    CHECK_EQ(t_rename("/mnt/lower.txt", "/mnt/victim.txt"), 0);
    CHECK(same_file("/mnt/victim.txt", "plain\n", 6));
    CHECK_EQ(t_stat0("/mnt/lower.txt", &st), -ENOENT);
    CHECK_EQ(t_rename("/mnt/New Directory", "/mnt/Sub/Deeper/Moved Directory"), 0);
    CHECK(same_file("/mnt/Sub/Deeper/Moved Directory/inner/file.bin", inner, 5000));
    CHECK_EQ(t_stat0("/mnt/Sub/Deeper/Moved Directory/..", &st), 0);
    struct kx_stat deeper;
    t_stat0("/mnt/Sub/Deeper", &deeper);
    CHECK_EQ(st.st_ino, deeper.st_ino);
    CHECK_EQ(deeper.st_nlink, 4); /* Deepest and Moved Directory */
    CHECK_EQ(t_rename("/mnt/README.TXT", "/mnt/readme.txt"), 0); /* the same file: nothing happens, as Linux */
    CHECK_EQ(t_mkdir("/mnt/EMPTYDIR/x", 0755), 0);
    CHECK_EQ(t_rename("/mnt/Sub/Deeper/Moved Directory", "/mnt/EMPTYDIR"), -ENOTEMPTY);
    CHECK_EQ(t_rmdir("/mnt/EMPTYDIR/x"), 0);
    CHECK_EQ(t_rename("/mnt/Sub/Deeper/Moved Directory/inner", "/mnt/EMPTYDIR"), 0); /* over an empty one */
    CHECK_EQ(t_rename_as(&ROOT, "/mnt/victim.txt", "/mnt/Renamed short.txt", LX_RENAME_EXCHANGE), 0);
    CHECK(same_file("/mnt/victim.txt", "short\n", 6));
    CHECK(same_file("/mnt/Renamed short.txt", "plain\n", 6));
    /* Removal. */
    CHECK_EQ(t_rmdir("/mnt/Sub"), -ENOTEMPTY);
    CHECK_EQ(t_unlink("/mnt/Sub/Many files number 7.txt"), 0);
    CHECK_EQ(t_rmdir("/mnt/Sub/Deeper/Moved Directory"), 0);
    CHECK_EQ(t_unlink("/mnt/Sub/Deeper"), -EISDIR);
    CHECK_EQ(t_rmdir("/mnt/MiXeD.TxT"), -ENOTDIR);
    CHECK_EQ(t_unlink("/mnt/mixed.txt"), 0);
    /* Many names with one basis: aliases ~1 .. ~N, then half deleted and the slots used again. */
    char name[128];
    t_mkdir("/mnt/many", 0755);
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof(name), "/mnt/many/Long file name number %d.txt", i);
        CHECK_EQ(put_file(name, name, strlen(name)), (long)strlen(name));
    }
    for (int i = 0; i < 150; i += 2) {
        snprintf(name, sizeof(name), "/mnt/many/Long file name number %d.txt", i);
        CHECK_EQ(t_unlink(name), 0);
    }
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof(name), "/mnt/many/x%d", i);
        CHECK_EQ(put_file(name, "", 0), 0);
    }
    CHECK_EQ(t_stat0("/mnt/many/LONGFI~2.TXT", &st), 0);
    /* A directory never read, moved: its ".." must follow (fsck.fat checks it). */
    CHECK_EQ(t_rename("/mnt/Sub/Deeper/Deepest", "/mnt/Deepest moved"), 0);
    CHECK(same_file("/mnt/Deepest moved/leaf file.txt", "plain\n", 6));
    CHECK_EQ(t_stat0("/mnt/many/LONGF~98.TXT", &st), 0);
    CHECK_EQ(t_stat0("/mnt/many/LONGF~99.TXT", &st), -ENOENT); /* number 98, deleted */
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);

    /* mtools sees it all. */
    static char names[200][280];
    int n = mdir_names(img, "/", names, 200);
    const char *want_root[] = { "A big file with a long name.bin", "A long file name.text", "Deepest moved/",
                                "EMPTYDIR/", "Growing file.dat", grusse, "README.TXT", "Renamed short.txt", "Sub/",
                                "many/", "trailing", "victim.txt", uni + 5 };
    CHECK_EQ(n, 14); /* and the emoji's name, as mtools misreads it */
    for (size_t i = 0; i < 13; i++) {
        bool found = false;
        for (int j = 0; j < n; j++)
            found |= !strcmp(names[j], want_root[i]);
        if (!found)
            printf("  mdir lacks %s\n", want_root[i]);
        CHECK(found);
    }
    CHECK_EQ(mdir_names(img, "/many", names, 200), 75 + 60);
    CHECK_EQ(mdir_names(img, "/Sub/Deeper", names, 200), 0);
    CHECK_EQ(mdir_names(img, "/Deepest moved", names, 200), 1);
    CHECK_EQ(mdir_names(img, "/EMPTYDIR", names, 200), 1);
    CHECK_STR(names[0], "file.bin");
    static char out[1 << 16];
    CHECK_EQ(sh_out(out, sizeof(out), "mtype -i '%s' '::/Renamed short.txt'", img), 0);
    CHECK_STR(out, "plain\n");
    CHECK_EQ(sh_out(out, sizeof(out), "mtype -i '%s' '::/%s'", img, uni + 5), 0);
    CHECK_STR(out, "unicode\n");
    CHECK_EQ(sh_out(out, sizeof(out), "mtype -i '%s' '::/ALONGF~1.TEX'", img), 0);
    CHECK_STR(out, "long\n");
    char host[256];
    snprintf(host, sizeof(host), "%s/out.bin", work);
    CHECK_EQ(sh("mcopy -n -i '%s' '::/Growing file.dat' '%s'", img, host), 0);
    static uint8_t back[400000];
    CHECK_EQ(host_read(host, back, sizeof(back)), 90000);
    CHECK(!memcmp(back, grow, 90000));
    CHECK_EQ(sh("mcopy -n -i '%s' '::/A big file with a long name.bin' '%s'", img, host), 0);
    CHECK_EQ(host_read(host, back, sizeof(back)), BIG_SIZE);
    CHECK(!memcmp(back, big, BIG_SIZE));

    /* Mounted again, the vfs reads back what it wrote. */
    CHECK_EQ(mount_image(img, 32, "", 0), 0);
    CHECK(same_file("/mnt/Growing file.dat", grow, 90000));
    CHECK(same_file(uni, "unicode\n", 8));
    CHECK(same_file("/mnt/EMPTYDIR/file.bin", inner, 5000));
    CHECK(same_file(emoji, "emoji\n", 6));
    CHECK_EQ(t_stat0("/mnt/small.txt", &st), -ENOENT);
    CHECK_EQ(t_lstat("/mnt/SMALL.TXT", &st), -ENOENT);
    CHECK(same_file("/mnt/Sub/moved.txt", "small\n", 6));
    CHECK_EQ(vfs_names("/mnt/many", names, 200), 135);
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);
}

/* Write-back: the device has nothing new until a sync; after fsync (or
 * mount_sync_all, what sync(2) and a periodic flush will call) the volume is
 * whole while still mounted. With MS_SYNCHRONOUS every change is written at once. */
static void test_sync(void)
{
    make_image(img, 40960, "-s 1");
    CHECK_EQ(mount_image(img, 64, "", 0), 0);
    CHECK_EQ(put_file("/mnt/first file.txt", "one\n", 4), 4);
    CHECK_EQ(t_mkdir("/mnt/a dir", 0755), 0);
    static char out[4096];
    CHECK_EQ(sh_out(out, sizeof(out), "mtype -i '%s' '::/first file.txt'", img), 1); /* not on the device yet */
    long fd = t_open("/mnt/first file.txt", O_(RDONLY), 0);
    CHECK_EQ(h_io(IO_SYNC, (uint64_t)fd, 0, 0, 0), 0);
    t_close((uint64_t)fd);
    check_fsck(img);
    CHECK_EQ(sh_out(out, sizeof(out), "mtype -i '%s' '::/first file.txt'", img), 0);
    CHECK_STR(out, "one\n");
    CHECK_EQ(put_file("/mnt/a dir/second", "two\n", 4), 4);
    CHECK_EQ(t_unlink("/mnt/first file.txt"), 0);
    CHECK_EQ(h_path(VFS_SYNC, &USER, 0, 0, 0, 0, NULL, 0, NULL, NULL), 0); /* sync(2): mount_sync_all */
    check_fsck(img);
    CHECK_EQ(sh_out(out, sizeof(out), "mtype -i '%s' '::/a dir/second'", img), 0);
    CHECK_STR(out, "two\n");
    CHECK_EQ(unmount_image(), 0);
    CHECK_EQ(mount_image(img, 64, "", LX_MS_SYNCHRONOUS), 0);
    CHECK_EQ(put_file("/mnt/third", "three\n", 6), 6);
    CHECK_EQ(sh_out(out, sizeof(out), "mtype -i '%s' ::/third", img), 0);
    CHECK_STR(out, "three\n");
    check_fsck(img);
    CHECK_EQ(unmount_image(), 0);
}

/* What FAT cannot do, answered as Linux's vfat answers. */
static void test_vfat_semantics(void)
{
    make_image(img, 40960, "-s 1");
    CHECK_EQ(mount_image(img, 32, "", 0), 0);
    h_file("/mnt/f", "data", 0644);
    CHECK_EQ(t_symlink("/mnt/f", "/mnt/l"), -EPERM);
    CHECK_EQ(t_link("/mnt/f", "/mnt/f2"), -EPERM);
    CHECK_EQ(t_mknod_as(&ROOT, "/mnt/fifo", LX_S_IFIFO | 0644, 0), -EPERM);
    CHECK_EQ(t_mknod_as(&ROOT, "/mnt/node", LX_S_IFCHR | 0644, 0x103), -EPERM);
    CHECK_EQ(t_mknod_as(&ROOT, "/mnt/reg", LX_S_IFREG | 0644, 0), 0);
    CHECK_EQ(t_open("/mnt", O_(TMPFILE) | O_(RDWR), 0600), -EOPNOTSUPP);
    CHECK_EQ(t_open("/mnt/bad*name", O_(CREAT) | O_(WRONLY), 0644), -EINVAL);
    CHECK_EQ(t_open("/mnt/bad:name", O_(CREAT) | O_(WRONLY), 0644), -EINVAL);
    CHECK_EQ(t_open("/mnt/space ", O_(CREAT) | O_(WRONLY), 0644), -EINVAL);
    CHECK_EQ(t_mkdir("/mnt/bad\\dir", 0755), -EINVAL);
    /* Owners: only the mount's. */
    CHECK_EQ(t_chown_as(&ROOT, "/mnt/f", 1000, (uint32_t)-1), -EPERM);
    CHECK_EQ(t_chown_as(&ROOT, "/mnt/f", (uint32_t)-1, 100), -EPERM);
    CHECK_EQ(t_chown_as(&ROOT, "/mnt/f", 0, 0), 0);
    CHECK_EQ(t_chown_as(&USER, "/mnt/f", 0, 0), -EPERM);
    /* Modes: a file's write bits (the read-only attribute), nothing else;
     * files are 0777 less the umask, as Linux's vfat without showexec. */
    CHECK_EQ(t_stat0("/mnt/f", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0755);
    CHECK_EQ(t_chmod_as(&ROOT, "/mnt/f", 0444), -EPERM); /* would take the execute bits */
    CHECK_EQ(t_chmod_as(&ROOT, "/mnt/f", 0555), 0);
    CHECK_EQ(t_stat0("/mnt/f", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0555);
    long wfd = t_open("/mnt/f", O_(WRONLY), 0); /* root writes anyway */
    CHECK(wfd > 0);
    t_close((uint64_t)wfd);
    CHECK_EQ(t_access_as(&USER, "/mnt/f", 2), -EACCES);
    CHECK_EQ(t_chmod_as(&ROOT, "/mnt/f", 0644), -EPERM);
    CHECK_EQ(t_chmod_as(&ROOT, "/mnt/f", 0700), -EPERM);
    CHECK_EQ(t_chmod_as(&ROOT, "/mnt/f", 04755), -EPERM);
    CHECK_EQ(t_chmod_as(&ROOT, "/mnt/f", 0777), 0); /* the umask takes 022 */
    CHECK_EQ(t_stat0("/mnt/f", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0755);
    CHECK_EQ(t_mkdir("/mnt/d", 0700), 0);
    CHECK_EQ(t_stat0("/mnt/d", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0755);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(st.st_size, 512);
    CHECK_EQ(t_chmod_as(&ROOT, "/mnt/d", 0555), -EPERM);
    CHECK_EQ(t_chmod_as(&ROOT, "/mnt/d", 0755), 0);
    /* Times: 2-second modification times, access dates; explicit times are kept so. */
    struct vfs_attr a = { .mask = VFS_ATTR_MTIME | VFS_ATTR_ATIME, .mtime_sec = 1700000001, .mtime_nsec = 5,
                          .atime_sec = 1700000001 };
    CHECK_EQ(t_setattr_as(&ROOT, "/mnt/f", 0, &a), 0);
    CHECK_EQ(t_stat0("/mnt/f", &st), 0);
    CHECK_EQ(st.st_mtime_sec, 1700000000);
    CHECK_EQ(st.st_mtime_nsec, 0);
    CHECK_EQ(st.st_atime_sec, 1699920000);
    a.mtime_sec = 100; /* before 1980: the earliest FAT time */
    CHECK_EQ(t_setattr_as(&ROOT, "/mnt/f", 0, &a), 0);
    CHECK_EQ(t_stat0("/mnt/f", &st), 0);
    CHECK_EQ(st.st_mtime_sec, 315532800);
    /* Sizes FAT cannot hold. */
    struct vfs_attr big_size = { .mask = VFS_ATTR_SIZE, .size = 1ull << 32 };
    CHECK_EQ(t_setattr_as(&ROOT, "/mnt/f", 0, &big_size), -EFBIG);
    long fd = t_open("/mnt/f", O_(RDWR), 0);
    CHECK_EQ(t_write((uint64_t)fd, 0xffffffffull, "x", 1, 0), -EFBIG);
    t_close((uint64_t)fd);
    /* statfs. */
    struct kx_statfs sf;
    CHECK_EQ(t_statfs("/mnt/d", &sf), 0);
    CHECK_EQ(sf.f_type, 0x4d44);
    CHECK_EQ(sf.f_namelen, 255);
    CHECK_EQ(sf.f_bfree, sf.f_blocks - 3); /* root, d, and f's one cluster */
    /* An unlinked file lives while open; its clusters go at the last close. */
    CHECK_EQ(put_file("/mnt/going", big, 20000), 20000);
    fd = t_open("/mnt/going", O_(RDWR), 0);
    CHECK_EQ(t_unlink("/mnt/going"), 0);
    uint8_t buf[100];
    CHECK_EQ(t_read((uint64_t)fd, 10000, buf, 100), 100);
    CHECK(!memcmp(buf, big + 10000, 100));
    CHECK_EQ(t_write((uint64_t)fd, 25000, "tail", 4, 0), 4);
    CHECK_EQ(t_statfs("/mnt", &sf), 0);
    CHECK_EQ(sf.f_bfree, sf.f_blocks - 3 - 49);
    CHECK_EQ(t_umount("/mnt", 0), -EBUSY);
    t_close((uint64_t)fd);
    CHECK_EQ(t_statfs("/mnt", &sf), 0);
    CHECK_EQ(sf.f_bfree, sf.f_blocks - 3);
    /* A removed directory that is still open: no listing, no new names. */
    t_mkdir("/mnt/gone", 0755);
    long d = t_open("/mnt/gone", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK_EQ(t_rmdir("/mnt/gone"), 0);
    CHECK_EQ(h_io(IO_READDIR, (uint64_t)d, 0, 4096, 0), -ENOENT);
    CHECK_EQ(t_openat(&ROOT, (uint64_t)d, "new", O_(CREAT) | O_(WRONLY), 0644), -ENOENT);
    t_close((uint64_t)d);
    /* Mount errors. */
    t_mkdir("/mnt2", 0755);
    CHECK_EQ(t_mount_src("/mnt2", "/dev/vda", "vfat", "", 0), -EBUSY);
    CHECK_EQ(t_mount_src("/mnt2", "/dev/nope", "vfat", "", 0), -ENOENT);
    CHECK_EQ(t_mount_src("/mnt2", "/mnt/f", "vfat", "", 0), -ENOTBLK);
    t_mknod_as(&ROOT, "/dev/vdb", LX_S_IFBLK | 0660, VDA_RDEV + 16);
    CHECK_EQ(t_mount_src("/mnt2", "/dev/vdb", "vfat", "", 0), -ENXIO);
    CHECK_EQ(t_mount_src("/mnt2", "/dev/vda", "fat32", "", 0), -ENODEV);
    CHECK_EQ(blkdev_unregister(VDA_RDEV), -EBUSY);
    /* Read-only remount: not while a removed file is open; then nothing more is written. */
    CHECK_EQ(put_file("/mnt/removed", "x", 1), 1);
    fd = t_open("/mnt/removed", O_(RDONLY), 0);
    CHECK_EQ(t_unlink("/mnt/removed"), 0);
    CHECK_EQ(t_mount_src("/mnt", "", "", "", LX_MS_REMOUNT | LX_MS_RDONLY), -EBUSY);
    t_close((uint64_t)fd);
    CHECK_EQ(t_mount_src("/mnt", "", "", "", LX_MS_REMOUNT | LX_MS_RDONLY), 0);
    CHECK_EQ(put_file("/mnt/ro", "", 0), -EROFS);
    CHECK_EQ(t_mount_src("/mnt", "", "", "", LX_MS_REMOUNT), 0);
    CHECK_EQ(put_file("/mnt/rw", "", 0), 0);
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);
    /* Times the generic layer sets itself (O_TRUNC of an empty file) reach the disk too. */
    CHECK_EQ(mount_image(img, 32, "", 0), 0);
    CHECK_EQ(put_file("/mnt/stamp", "", 0), 0);
    struct vfs_attr old_time = { .mask = VFS_ATTR_MTIME, .mtime_sec = 1500000000 };
    CHECK_EQ(t_setattr_as(&ROOT, "/mnt/stamp", 0, &old_time), 0);
    CHECK_EQ(unmount_image(), 0);
    CHECK_EQ(mount_image(img, 32, "", 0), 0);
    CHECK_EQ(t_stat0("/mnt/stamp", &st), 0);
    CHECK_EQ(st.st_mtime_sec, 1500000000);
    fd = t_open("/mnt/stamp", O_(WRONLY) | O_(TRUNC), 0);
    t_close((uint64_t)fd);
    CHECK_EQ(unmount_image(), 0);
    CHECK_EQ(mount_image(img, 32, "", 0), 0);
    CHECK_EQ(t_stat0("/mnt/stamp", &st), 0);
    CHECK(st.st_mtime_sec > 1600000000);
    CHECK_EQ(unmount_image(), 0);
    /* Options. */
    CHECK_EQ(mount_image(img, 32, "uid=1000,gid=100,umask=077,utf8", 0), 0);
    CHECK_EQ(t_stat0("/mnt/f", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0700);
    CHECK_EQ(st.st_uid, 1000);
    CHECK_EQ(st.st_gid, 100);
    CHECK_EQ(t_stat0("/mnt/d", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFDIR | 0700);
    CHECK_EQ(unmount_image(), 0);
    CHECK_EQ(mount_image(img, 32, "fmask=133,dmask=022", 0), 0);
    CHECK_EQ(t_stat0("/mnt/f", &st), 0);
    CHECK_EQ(st.st_mode, LX_S_IFREG | 0644);
    CHECK_EQ(unmount_image(), 0);
    CHECK_EQ(mount_image(img, 32, "shortname=lower", 0), -EINVAL);
    CHECK(strstr(vfs_last_log, "unrecognized mount option"));
    unmount_image();
}

/* A big file through a small cache: eviction writes back, the chain cache keeps it linear. */
static void test_big_file(void)
{
    make_image(img, 270000, "-s 8"); /* 4 KiB clusters: 67,360 of them (mtools wants 65,525 for FAT32) */
    CHECK_EQ(mount_image(img, 8, "", 0), 0);
    size_t len = 3u << 20;
    uint8_t *data = malloc(len);
    fill_random(data, len, 99);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ(put_file("/mnt/big.bin", data, len), (long)len);
    CHECK(same_file("/mnt/big.bin", data, len));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct bcache_stats s;
    bcache_get_stats(bc, &s);
    printf("  3 MiB written and read back through an 8-block cache: %.1f ms, %llu device reads, %llu writes\n",
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
           (unsigned long long)s.reads, (unsigned long long)s.writes);
    CHECK(s.dirty_evictions > 0);
    /* Reading it again costs a few cache lookups a cluster (its data and one
     * FAT entry), not a walk of the chain from its start for each piece. */
    struct bcache_stats s2;
    CHECK(same_file("/mnt/big.bin", data, len));
    bcache_get_stats(bc, &s2);
    uint64_t lookups = (s2.hits + s2.misses) - (s.hits + s.misses);
    printf("  reading 768 clusters: %llu cache lookups\n", (unsigned long long)lookups);
    CHECK(lookups < 3 * 768);
    /* Reading backwards block by block still finds every cluster. */
    long fd = t_open("/mnt/big.bin", O_(RDONLY), 0);
    uint8_t buf[4096];
    bool ok = true;
    for (long off = (long)len - 4096; off >= 0; off -= 65536) {
        ok &= t_read((uint64_t)fd, (uint64_t)off, buf, 4096) == 4096 && !memcmp(buf, data + off, 4096);
    }
    CHECK(ok);
    t_close((uint64_t)fd);
    /* A writer whose buffer ends early (a fault in the caller): what came is
     * written, and the file's old bytes after it stay, whole cache blocks too. */
    fd = t_open("/mnt/big.bin", O_(RDWR), 0);
    memset(h_send, 0x77, 6000);
    h_send_len = 6000;
    uint64_t w[8] = { (uint64_t)fd, 8192, 3 * 4096, 0 };
    CHECK_EQ(h_send_msg(IO_WRITE, BADGE, w), 6000);
    t_close((uint64_t)fd);
    memset(data + 8192, 0x77, 6000);
    CHECK(same_file("/mnt/big.bin", data, len));
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);
    char host[256];
    snprintf(host, sizeof(host), "%s/big.out", work);
    CHECK_EQ(sh("mcopy -n -i '%s' ::/big.bin '%s'", img, host), 0);
    uint8_t *back = malloc(len + 1);
    CHECK_EQ(host_read(host, back, len + 1), len);
    CHECK(!memcmp(back, data, len));
    free(back);
    free(data);
}

/* 4 KiB logical sectors, and a directory of thousands of names: costs stay per name. */
static void test_4k_sectors_big_directory(void)
{
    make_image(img, 270000, "-S 4096 -s 1");
    CHECK_EQ(mount_image(img, 64, "", 0), 0);
    CHECK_EQ(t_mkdir("/mnt/big dir", 0755), 0);
    char name[128];
    struct timespec t0, t1, t2;
    double first = 0, last = 0;
    enum { N = 3000, PART = 500 };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        if (i == PART) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            first = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        }
        if (i == N - PART)
            clock_gettime(CLOCK_MONOTONIC, &t1);
        snprintf(name, sizeof(name), "/mnt/big dir/A rather long file name %05d.txt", i);
        long fd = t_open(name, O_(CREAT) | O_(WRONLY), 0644);
        if (fd < 0) {
            CHECK_EQ(fd, 0);
            break;
        }
        t_close((uint64_t)fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &t2);
    last = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
    printf("  %d creations in one directory: first %d %.1f ms, last %d %.1f ms\n", N, PART, first * 1e3, PART,
           last * 1e3);
    CHECK(last < 4 * first + 0.05);
    CHECK_EQ(t_stat0("/mnt/big dir/a rather long file name 02999.TXT", &st), 0);
    CHECK_EQ(t_stat0("/mnt/big dir", &st), 0);
    CHECK_EQ(st.st_size, ((2 + N * 4) * 32 + 4095) / 4096 * 4096); /* ".", "..", 3 long-name slots and a short entry each */
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);
    static char names[N + 10][280];
    CHECK_EQ(mdir_names(img, "/big dir", names, N + 10), N);
    /* Read back: the directory is read once, lookups are hashed. */
    CHECK_EQ(mount_image(img, 64, "", 0), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int found = 0;
    for (int i = 0; i < N; i += 7) {
        snprintf(name, sizeof(name), "/mnt/big dir/A RATHER long file name %05d.txt", i);
        found += t_stat0(name, &st) == 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_EQ(found, (N + 6) / 7);
    printf("  %d lookups after a remount: %.1f ms\n", (N + 6) / 7,
           ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9) * 1e3);
    CHECK_EQ(vfs_names("/mnt/big dir", names, N + 10), N);
    CHECK_EQ(unmount_image(), 0);
}

/* The volume fills up: short writes, ENOSPC, and the space comes back. */
static void test_full_volume(void)
{
    make_image(img, 34000, "-s 1");
    CHECK_EQ(mount_image(img, 64, "", 0), 0);
    struct kx_statfs sf;
    CHECK_EQ(t_statfs("/mnt", &sf), 0);
    uint64_t free0 = sf.f_bfree;
    static uint8_t chunk[1 << 20];
    memset(chunk, 0xab, sizeof(chunk));
    long fd = t_open("/mnt/filler", O_(CREAT) | O_(WRONLY), 0644);
    uint64_t off = 0;
    long w;
    while ((w = t_write((uint64_t)fd, off, chunk, sizeof(chunk), 0)) > 0)
        off += (uint64_t)w;
    CHECK_EQ(w, -ENOSPC);
    CHECK_EQ(off, (free0 - 0) * 512);
    t_close((uint64_t)fd);
    CHECK_EQ(t_statfs("/mnt", &sf), 0);
    CHECK_EQ(sf.f_bfree, 0);
    CHECK_EQ(t_mkdir("/mnt/nodir", 0755), -ENOSPC);
    CHECK_EQ(put_file("/mnt/empty is fine", "", 0), 0); /* a name in the root's free slots */
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);
    CHECK_EQ(mount_image(img, 64, "", 0), 0);
    CHECK_EQ(t_stat0("/mnt/filler", &st), 0);
    CHECK_EQ((uint64_t)st.st_size, off);
    CHECK_EQ(t_unlink("/mnt/filler"), 0);
    CHECK_EQ(t_statfs("/mnt", &sf), 0);
    CHECK_EQ(sf.f_bfree, free0);
    CHECK_EQ(unmount_image(), 0);
    check_fsck(img);
}

/* ---- damaged images --------------------------------------------------------------------------- */


/* The mount must fail with EINVAL and say why (needle). */
static void expect_refused(const char *path, const char *needle)
{
    long r = mount_image(path, 16, "", 0);
    CHECK_EQ(r, -EINVAL);
    if (!strstr(vfs_last_log, needle)) {
        printf("  for \"%s\" the log says: %s\n", needle, vfs_last_log);
        CHECK(strstr(vfs_last_log, needle));
    }
    unmount_image();
}

static void test_damaged_boot_sector(void)
{
    char copy[160];
    snprintf(copy, sizeof(copy), "%s/bad.img", work);
    make_image(img, 40960, "-s 1");
    struct {
        uint64_t off;
        uint8_t bytes[4];
        size_t n;
        const char *needle;
    } cases[] = {
        { 510, { 0, 0 }, 2, "bad boot signature" },
        { 11, { 0xe8, 0x03 }, 2, "sector size" },     /* 1000 */
        { 11, { 0x00, 0x20 }, 2, "sector size" },     /* 8192 */
        { 13, { 3 }, 1, "sectors per cluster" },
        { 13, { 0 }, 1, "sectors per cluster" },
        { 44, { 0xf0, 0xff, 0xff, 0x0f }, 4, "root directory cluster" },
        { 36, { 10, 0, 0, 0 }, 4, "FAT too small" },
        { 42, { 0, 1 }, 2, "version" },
        { 16, { 0 }, 1, "number of FATs" },
        { 21, { 0x12 }, 1, "media" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sh("cp '%s' '%s'", img, copy);
        patch(copy, cases[i].off, cases[i].bytes, cases[i].n);
        expect_refused(copy, cases[i].needle);
    }
    /* FAT16 and FAT12 volumes. */
    make_image(copy, 40960, "-F 16");
    expect_refused(copy, "not FAT32");
    unlink(copy);
    sh("%s -F 12 -C '%s' 2048 >/dev/null", mkfs_fat, copy);
    expect_refused(copy, "not FAT32");
    /* An image cut short, and one shorter than a sector. */
    sh("cp '%s' '%s' && truncate -s 20M '%s'", img, copy, copy);
    expect_refused(copy, "smaller");
    sh("truncate -s 100 '%s'", copy);
    expect_refused(copy, "too small");
    /* Not FAT at all. */
    sh("dd if=/dev/zero of='%s' bs=1M count=1 2>/dev/null", copy);
    expect_refused(copy, "bad boot signature");
}

/* An image with one file of 3 clusters at cluster 3 (the first free after the root). */
static uint64_t fat0, fat1, data0;

static void three_cluster_image(void)
{
    make_image(img, 40960, "-s 1");
    char host[256];
    snprintf(host, sizeof(host), "%s/three", work);
    static uint8_t three[1500];
    fill_random(three, sizeof(three), 3);
    host_write(host, three, sizeof(three));
    sh("mmd -i '%s' ::/dir", img); /* cluster 3 */
    sh("mcopy -i '%s' '%s' ::/dir/three.bin", img, host); /* clusters 4, 5, 6 */
    fat0 = 32 * 512;
    fat1 = fat0 + 630 * 512;
    data0 = 661504;
}

static void set_fat(uint32_t c, uint32_t v)
{
    patch32(img, fat0 + 4ull * c, v);
    patch32(img, fat1 + 4ull * c, v);
}

/* Reading dir/three.bin must fail with EIO and log needle; the vfs carries on. */
static void expect_eio(const char *needle)
{
    CHECK_EQ(mount_image(img, 16, "", 0), 0);
    uint8_t buf[2000];
    long r = get_file("/mnt/dir/three.bin", buf, sizeof(buf));
    CHECK_EQ(r, -EIO);
    if (!strstr(vfs_last_log, needle)) {
        printf("  for \"%s\" the log says: %s\n", needle, vfs_last_log);
        CHECK(strstr(vfs_last_log, needle));
    }
    /* Writing is refused the same way; other files work; unmount works. */
    long fd = t_open("/mnt/dir/three.bin", O_(WRONLY), 0);
    CHECK(fd > 0);
    CHECK_EQ(t_write((uint64_t)fd, 2000, "x", 1, 0), -EIO);
    t_close((uint64_t)fd);
    CHECK_EQ(put_file("/mnt/ok", "fine", 4), 4);
    CHECK(same_file("/mnt/ok", "fine", 4));
    CHECK_EQ(unmount_image(), 0);
}

static void test_damaged_chains(void)
{
    three_cluster_image();
    set_fat(6, 4); /* 4 -> 5 -> 6 -> 4 */
    expect_eio("loops");
    three_cluster_image();
    set_fat(5, 0x0ffffff0); /* out of the volume */
    expect_eio("out of the volume");
    three_cluster_image();
    set_fat(4, 0); /* 4 -> free */
    expect_eio("free cluster");
    three_cluster_image();
    set_fat(5, 0x0ffffff7); /* bad */
    expect_eio("bad cluster");
    three_cluster_image();
    set_fat(4, 0x0fffffff); /* one cluster for 1,500 bytes */
    expect_eio("cannot hold");
    /* A file whose first cluster is out of the volume. */
    three_cluster_image();
    {
        /* dir's entries: ".", "..", then three.bin's long name and short entry. */
        uint64_t dirdata = data0 + (3 - 2) * 512;
        uint8_t e[32];
        int fd = open(img, O_RDONLY);
        bool found = false;
        for (int i = 0; i < 16 && !found; i++) {
            pread(fd, e, 32, (off_t)(dirdata + 32u * (unsigned)i));
            found = !memcmp(e, "THREE   BIN", 11);
            if (found)
                patch(img, dirdata + 32u * (unsigned)i + 20, "\x10\x00", 2); /* cluster 0x100004 */
        }
        close(fd);
        CHECK(found);
    }
    expect_eio("first cluster");
    /* A directory whose chain loops: listing it and looking into it fail; the root still works. */
    three_cluster_image();
    set_fat(3, 3);
    CHECK_EQ(mount_image(img, 16, "", 0), 0);
    long d = t_open("/mnt/dir", O_(RDONLY) | O_(DIRECTORY), 0);
    CHECK(d > 0);
    CHECK_EQ(h_io(IO_READDIR, (uint64_t)d, 0, 4096, 0), -EIO);
    t_close((uint64_t)d);
    CHECK_EQ(t_stat0("/mnt/dir/three.bin", &st), -EIO);
    CHECK_EQ(t_mkdir("/mnt/dir/x", 0755), -EIO);
    CHECK(strstr(vfs_last_log, "loops"));
    static char names[8][280];
    CHECK_EQ(vfs_names("/mnt", names, 8), 1);
    CHECK_EQ(unmount_image(), 0);
    /* The root directory's chain loops: no mount. */
    three_cluster_image();
    set_fat(2, 2);
    expect_refused(img, "root directory");
    /* A device that stops answering: EIO, no crash, unmount still goes. */
    three_cluster_image();
    CHECK_EQ(mount_image(img, 16, "", 0), 0);
    dev.fail_reads = dev.fail_writes = true;
    uint8_t buf[16];
    CHECK_EQ(get_file("/mnt/dir/three.bin", buf, sizeof(buf)), -EIO);
    CHECK_EQ(t_mkdir("/mnt/x", 0755), -EIO);
    CHECK_EQ(unmount_image(), 0);
}

/* Walks a tree through the vfs, reading every file: whatever the answers,
 * nothing may crash, hang or touch memory it should not (ASan). */
static int walk_tree(const char *dir, int depth, int *budget)
{
    static char names[64][280];
    int n = vfs_names(dir, names, 64);
    if (n < 0)
        return n;
    static char copy[64][280];
    memcpy(copy, names, sizeof(copy));
    int total = 0;
    for (int i = 0; i < n && *budget > 0; i++, (*budget)--) {
        char path[1024];
        size_t l = strlen(copy[i]);
        bool isdir = l && copy[i][l - 1] == '/';
        if (isdir)
            copy[i][l - 1] = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, copy[i]);
        t_stat0(path, &st);
        if (isdir && depth > 0) {
            total += walk_tree(path, depth - 1, budget);
        } else if (!isdir) {
            static uint8_t buf[1 << 20];
            get_file(path, buf, sizeof(buf));
            total++;
        }
    }
    return total;
}

/* Random bytes of the FATs and the first directories flipped: every
 * operation answers something, nothing breaks (a small fuzzer, fixed seed). */
static void test_random_damage(void)
{
    char pristine[160];
    snprintf(pristine, sizeof(pristine), "%s/pristine.img", work);
    populate_with_mtools(pristine);
    /* KENIX_FAT32_FUZZ=rounds[,seed] runs longer, for a hunt. */
    uint64_t seed = 2024;
    int rounds = 40, mounted = 0, walked = 0;
    const char *fuzz = getenv("KENIX_FAT32_FUZZ");
    if (fuzz) {
        unsigned long long r = 40, sd = 2024;
        sscanf(fuzz, "%llu,%llu", &r, &sd);
        rounds = (int)r;
        seed = sd ? sd : 1;
    }
    for (int round = 0; round < rounds; round++) {
        sh("cp '%s' '%s'", pristine, img);
        int flips = 1 + (int)(test_rand(&seed) % 64);
        for (int k = 0; k < flips; k++) {
            /* The FATs' first 16 KiB each, the first 64 KiB of the data
             * area (directories, small files), now and then the boot
             * sector or FSInfo. */
            uint64_t r = test_rand(&seed), at = r >> 8;
            uint64_t off = (r & 7) < 2    ? 32 * 512 + at % 16384
                           : (r & 7) == 2 ? (32 + 630) * 512 + at % 16384
                           : (r & 7) < 7  ? 661504 + at % 65536
                           : (r & 0x100)  ? at % 1024
                                          : 0;
            uint8_t b = (uint8_t)(test_rand(&seed) >> 24);
            patch(img, off, &b, 1);
        }
        if (mount_image(img, 16, "", 0) != 0) {
            unmount_image();
            continue;
        }
        mounted++;
        int budget = 400;
        walked += walk_tree("/mnt", 6, &budget);
        put_file("/mnt/new file after damage.txt", big, 3000);
        t_mkdir("/mnt/new dir", 0755);
        t_rename("/mnt/Sub", "/mnt/EMPTYDIR/Sub moved");
        t_unlink("/mnt/A big file with a long name.bin");
        t_rmdir("/mnt/EMPTYDIR");
        t_truncate_as(&ROOT, "/mnt/README.TXT", 100000);
        struct kx_statfs sf;
        t_statfs("/mnt", &sf);
        unmount_image(); /* its answer may be an error: the volume is damaged */
    }
    printf("  %d damaged volumes: %d mounted, %d files read\n", rounds, mounted, walked);
    CHECK(mounted > rounds / 4);
}

int main(void)
{
    if (!find_tool("mkfs.fat", mkfs_fat, sizeof(mkfs_fat)) || !find_tool("fsck.fat", fsck_fat, sizeof(fsck_fat)) ||
        sh("command -v mcopy mdir mtype mmd >/dev/null") != 0) {
        printf("SKIP: mkfs.fat, fsck.fat or mtools missing (dosfstools, mtools)\n");
        return 77;
    }
    setenv("MTOOLS_SKIP_CHECK", "1", 1);
    setenv("MTOOLSRC", "/dev/null", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    setenv("TZ", "UTC", 1);
    snprintf(work, sizeof(work), "/tmp/kenix-fat32-XXXXXX");
    if (!mkdtemp(work)) {
        printf("cannot make a scratch directory\n");
        return 1;
    }
    snprintf(img, sizeof(img), "%s/disk.img", work);
    RUN(test_names);
    RUN(test_times);
    RUN(test_bpb);
    RUN(test_bcache);
    RUN(test_bcache_batches);
    RUN(test_read_mtools_image);
    RUN(test_unshowable_names);
    RUN(test_write_and_check);
    RUN(test_sync);
    RUN(test_vfat_semantics);
    RUN(test_big_file);
    RUN(test_4k_sectors_big_directory);
    RUN(test_full_volume);
    RUN(test_damaged_boot_sector);
    RUN(test_damaged_chains);
    RUN(test_random_damage);
    int rc = test_finish();
    if (rc == 0)
        sh("rm -rf '%s'", work);
    else
        printf("images kept in %s\n", work);
    return rc;
}
