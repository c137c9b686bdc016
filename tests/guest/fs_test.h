/*
 * Helpers shared by the file-system tests (test_file, test_dir, test_path,
 * test_perm, test_fsmount), on top of posix_test.h.
 *
 * - Every program works in a scratch directory of its own, made with
 *   mkdtemp under $TMPDIR (else /tmp) and removed, whole, at the end. On
 *   Kenix /tmp is a tmpfs; on a Linux host run them with TMPDIR=/dev/shm so
 *   that the file system is a tmpfs there too (st_blocks, d_type and statfs
 *   figures are per file system): fs_exact() says whether the figures that
 *   only a tmpfs gives may be checked.
 * - P("name") is scratch/name (printf-style, in rotating buffers), so the
 *   check lines name files by their place in the scratch directory.
 * - The calls the C library has no wrapper for in musl 1.2.3 (statx,
 *   renameat2, faccessat2) are made with syscall(), with the structures and
 *   flags spelled out here, so the programs also build against glibc for a
 *   native run on a Linux host.
 * - expect_err/expect_ret/expect_ok print "what -> result (expected ...)" and
 *   work in children too (ccheckf).
 */
#ifndef KENIX_GUEST_FS_TEST_H
#define KENIX_GUEST_FS_TEST_H

#include <dirent.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "posix_test.h"

#define TMPFS_MAGIC_NUMBER 0x01021994L

/* --- statx, renameat2, faccessat2 ----------------------------------------- */

struct kx_statx_time {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};

/* Linux's struct statx (256 bytes). */
struct kx_statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct kx_statx_time stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor;
    uint32_t stx_dev_major, stx_dev_minor;
    uint64_t spare2[14];
};
_Static_assert(sizeof(struct kx_statx) == 256, "struct statx is 256 bytes");

#define SX_TYPE 0x1u
#define SX_MODE 0x2u
#define SX_NLINK 0x4u
#define SX_UID 0x8u
#define SX_GID 0x10u
#define SX_ATIME 0x20u
#define SX_MTIME 0x40u
#define SX_CTIME 0x80u
#define SX_INO 0x100u
#define SX_SIZE 0x200u
#define SX_BLOCKS 0x400u
#define SX_BASIC_STATS 0x7ffu
#define SX_RESERVED 0x80000000u
#define AT_STATX_SYNC_AS_STAT_ 0x0000
#define AT_STATX_FORCE_SYNC_ 0x2000
#define AT_STATX_DONT_SYNC_ 0x4000

#define RENAME_NOREPLACE_ 1u
#define RENAME_EXCHANGE_ 2u
#define RENAME_WHITEOUT_ 4u

static __attribute__((unused)) long sys_statx(int dirfd, const char *path, int flags, unsigned mask, void *buf)
{
    return syscall(SYS_statx, dirfd, path, flags, mask, buf);
}

static __attribute__((unused)) long sys_renameat2(int od, const char *o, int nd, const char *n, unsigned flags)
{
    return syscall(SYS_renameat2, od, o, nd, n, flags);
}

static __attribute__((unused)) long sys_faccessat2(int dirfd, const char *path, int mode, int flags)
{
    return syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

/* The raw call: musl's fstatat handles AT_EMPTY_PATH itself. */
static __attribute__((unused)) long sys_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    return syscall(SYS_newfstatat, dirfd, path, st, flags);
}

/* --- checks ---------------------------------------------------------------- */

static __attribute__((unused, format(printf, 3, 4))) bool expect_err(res_t r, int err, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return ccheckf(is_err(r, err), "%s -> %s (expected %s)", what, rs(r), errname(err));
}

static __attribute__((unused, format(printf, 3, 4))) bool expect_ret(res_t r, long want, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return ccheckf(r.ret == want, "%s -> %s (expected %ld)", what, rs(r), want);
}

/* A call that must succeed (any non-negative result). */
static __attribute__((unused, format(printf, 2, 3))) bool expect_ok(res_t r, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return ccheckf(r.ret >= 0, "%s -> %s (expected success)", what, rs(r));
}

/* --- the scratch directory -------------------------------------------------- */

static char scratch[PATH_MAX];
static int scratch_fd = -1; /* an O_DIRECTORY descriptor of it */

static __attribute__((unused, format(printf, 1, 2))) const char *P(const char *fmt, ...)
{
    static char buf[8][PATH_MAX];
    static int next;
    char *b = buf[next++ & 7];
    int n = snprintf(b, PATH_MAX, "%s/", scratch);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + n, (size_t)(PATH_MAX - n), fmt, ap);
    va_end(ap);
    return b;
}

/* Makes the scratch directory for program `name`; exits if it cannot. */
static __attribute__((unused)) void scratch_init(const char *name)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(scratch, sizeof(scratch), "%s/%s.XXXXXX", base, name);
    if (!mkdtemp(scratch)) {
        printf("FAIL cannot make a scratch directory under %s: %s\n", base, errname(errno));
        printf("0 passed, 1 failed\n");
        exit(1);
    }
    scratch_fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct statfs sf;
    statfs(scratch, &sf);
    printf("%s: scratch directory %s (file system type 0x%lx%s)\n", name, scratch, (unsigned long)sf.f_type,
           sf.f_type == TMPFS_MAGIC_NUMBER ? ", tmpfs" : "");
}

/* True when figures that depend on the file system (st_blocks, st_blksize,
 * d_type, statfs) may be checked exactly: on Kenix (its /tmp is a tmpfs) or
 * when the scratch directory is a tmpfs on Linux. */
static __attribute__((unused)) bool fs_exact(void)
{
    static int cached = -1;
    if (cached < 0) {
        struct statfs sf;
        cached = on_kenix() || (statfs(scratch, &sf) == 0 && sf.f_type == TMPFS_MAGIC_NUMBER);
    }
    return cached;
}

/* Removes `name` under `dirfd` and everything below it (not following links). */
static __attribute__((unused)) void remove_tree(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlinkat(dirfd, name, 0);
        return;
    }
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        if (d) {
            /* names first, then removal: removing while reading is what
             * test_dir checks, not what cleaning up should rely on */
            for (;;) {
                size_t cap = 64, n = 0;
                char **names = malloc(cap * sizeof(*names));
                struct dirent *e;
                rewinddir(d);
                while ((e = readdir(d))) {
                    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                    if (n == cap)
                        names = realloc(names, (cap *= 2) * sizeof(*names));
                    names[n++] = strdup(e->d_name);
                }
                for (size_t i = 0; i < n; i++) {
                    remove_tree(fd, names[i]);
                    free(names[i]);
                }
                free(names);
                if (n == 0)
                    break;
            }
            closedir(d);
        } else {
            close(fd);
        }
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Removes the scratch directory (the caller's cwd is moved to / first). */
static __attribute__((unused)) void scratch_cleanup(void)
{
    if (chdir("/") != 0)
        return;
    remove_tree(AT_FDCWD, scratch);
    if (scratch_fd >= 0)
        close(scratch_fd);
    struct stat st;
    checkf(stat(scratch, &st) != 0 && errno == ENOENT, "the scratch directory %s is gone", scratch);
}

/* --- files ------------------------------------------------------------------ */

/* Creates (or truncates) `path` with `len` bytes of `data`: 0, or -1 (errno). */
static __attribute__((unused)) int put_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    bool ok = len == 0 || write_all(fd, data, len);
    int e = errno;
    close(fd);
    errno = e;
    return ok ? 0 : -1;
}

static __attribute__((unused)) int put_str(const char *path, const char *s)
{
    return put_file(path, s, strlen(s), 0644);
}

/* Reads `path` whole into buf (at most cap - 1 bytes, NUL-terminated):
 * the length, or -1 (errno). */
static __attribute__((unused)) ssize_t get_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = 0;
    close(fd);
    return (ssize_t)got;
}

/* Whether `path` holds exactly the string `want`. */
static __attribute__((unused)) bool file_is(const char *path, const char *want)
{
    static char buf[65536];
    ssize_t n = get_file(path, buf, sizeof(buf));
    return n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

/* What `path` holds, for check lines ("<ENOENT>" and the like when it cannot be read). */
static __attribute__((unused)) const char *contents(const char *path)
{
    static char buf[4][128];
    static int next;
    char *b = buf[next++ & 3];
    ssize_t n = get_file(path, b, sizeof(buf[0]));
    if (n < 0)
        snprintf(b, sizeof(buf[0]), "<%s>", errname(errno));
    return b;
}

static __attribute__((unused)) bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* st_mode of `path` (lstat), or 0. */
static __attribute__((unused)) unsigned mode_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (unsigned)st.st_mode : 0;
}

static __attribute__((unused)) long long size_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static __attribute__((unused)) long nlink_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

/* --- hostile addresses ------------------------------------------------------- */

/* An address no access may reach: a page mapped PROT_NONE. */
static __attribute__((unused)) void *no_access_page(void)
{
    static void *page;
    if (!page)
        page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return page;
}

/* A readable page followed by a PROT_NONE one: returns a pointer to the last
 * `n` bytes of the readable page (the caller fills them; no NUL follows). */
static __attribute__((unused)) char *before_hole(size_t n)
{
    static char *pages;
    if (!pages) {
        pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        mprotect(pages + 4096, 4096, PROT_NONE);
    }
    return pages + 4096 - n;
}

/* --- time ----------------------------------------------------------------------- */

static __attribute__((unused)) long long ts_ns(struct timespec t)
{
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static __attribute__((unused)) long long realtime_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return ts_ns(t);
}

#endif
