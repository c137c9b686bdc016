/*
 * A program's pages kept between execs (kernel/posix/filecache.c): whatever
 * happens to the program file, the next exec runs what the file holds then.
 *
 * The program copies itself to the scratch directory and runs the copy
 * ("child" mode), which reports what it sees: a tag in its read-only data,
 * a counter in its data (written, so copy-on-write), the counter again after
 * MADV_DONTNEED (Linux: a private file page comes back from the file), and
 * the sum of a mostly-zero array the copy may hold as a hole. Between runs
 * the file is patched in place, rewritten with O_TRUNC, replaced by a new
 * file, renamed over and written with holes; each run must see exactly that.
 * Last, a 2 MiB program (bench_big) is copied, run and deleted: its frames
 * must come back, not stay held by the cache.
 * Plain POSIX plus Linux's madvise; Linux's semantics throughout.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "posix_test.h"

#define TAG_LEN 16
/* What the parent finds in the copy's file and rewrites: the 16 bytes after
 * the 8-byte marker, which nothing else in the program holds. */
static const volatile char tag[8 + TAG_LEN] = "PCTAG:::ORIGINAL________";
/* A page of data of its own (aligned, a whole page): a private file page. */
static volatile int page_data[1024] __attribute__((aligned(4096))) = { 41, [1023] = 7 };
/* Four pages of read-only data, zero but the last byte: the first three can
 * be holes in the file. */
static const volatile unsigned char mostly_zero[4 * 4096] __attribute__((aligned(4096))) = { [4 * 4096 - 1] = 1 };

static int child(void)
{
    char t[TAG_LEN + 1];
    for (int i = 0; i < TAG_LEN; i++)
        t[i] = tag[8 + i];
    t[TAG_LEN] = 0;
    int before = page_data[0];
    page_data[0] = 99;
    int written = page_data[0];
    madvise((void *)page_data, 4096, MADV_DONTNEED);
    int after = page_data[0];
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof(mostly_zero); i++)
        sum += mostly_zero[i];
    printf("tag=%s data=%d,%d,%d,%d zeros=%u\n", t, before, written, after, page_data[1023], sum);
    return 0;
}

static char self[PATH_MAX], scratch[PATH_MAX], prog[PATH_MAX], other[PATH_MAX];
static unsigned char *image;
static size_t image_len;
static size_t tag_at; /* offset of the tag's 16 bytes in image */

static bool load_self(const char *argv0)
{
    snprintf(self, sizeof(self), "%s", strchr(argv0, '/') ? argv0 : "/bin/test_progcache");
    int fd = open(self, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return false;
    image_len = (size_t)st.st_size;
    image = malloc(image_len);
    bool ok = image && read(fd, image, image_len) == (ssize_t)image_len;
    close(fd);
    for (size_t i = 0; ok && i + 8 + TAG_LEN <= image_len; i++) {
        if (memcmp(image + i, "PCTAG:::", 8) == 0 && memcmp(image + i + 8, "ORIGINAL", 8) == 0) {
            tag_at = i + 8;
            return true;
        }
    }
    return false;
}

/* image with its tag set to `t` (16 bytes). */
static void set_tag(const char *t)
{
    memcpy(image + tag_at, t, TAG_LEN);
}

/* Writes image to path, creating it (0755); with holes: pages all zero
 * are skipped (the file grows over them with ftruncate). */
static bool write_image(const char *path, int oflags, bool holes)
{
    int fd = open(path, O_WRONLY | O_CREAT | oflags, 0755);
    if (fd < 0)
        return false;
    bool ok = true;
    for (size_t at = 0; ok && at < image_len; at += 4096) {
        size_t n = image_len - at < 4096 ? image_len - at : 4096;
        bool zero = true;
        for (size_t i = 0; zero && i < n; i++)
            zero = image[at + i] == 0;
        if (holes && zero && n == 4096)
            continue;
        ok = pwrite(fd, image + at, n, (off_t)at) == (ssize_t)n;
    }
    if (ok && holes)
        ok = ftruncate(fd, (off_t)image_len) == 0;
    return close(fd) == 0 && ok;
}

/* Runs `path child`; its first output line into out. The exit status. */
static int run(const char *path, char *out, size_t size)
{
    out[0] = 0;
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(path, "progcache", "child", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < size && (r = read(p[0], out + got, size - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = 0;
    char *nl = strchr(out, '\n');
    if (nl)
        *nl = 0;
    close(p[0]);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* Runs path and checks it reported tag `t` and untouched data. */
static void expect_run(const char *what, const char *path, const char *t)
{
    char out[256], want[256];
    int st = run(path, out, sizeof(out));
    snprintf(want, sizeof(want), "tag=%.16s data=41,99,41,7 zeros=1", t);
    checkf(st == 0 && strcmp(out, want) == 0, "%s: %s (%s)", what, out, status_str(st));
}

static void rewrites(void)
{
    expect_run("first run", prog, "ORIGINAL________");
    expect_run("second run: the first's data writes were its own", prog, "ORIGINAL________");

    /* In place: the same pages, new bytes. */
    int fd = open(prog, O_WRONLY);
    checkf(fd >= 0 && pwrite(fd, "PATCHED_IN_PLACE", TAG_LEN, (off_t)tag_at) == TAG_LEN && close(fd) == 0,
           "the tag rewritten in place");
    expect_run("after a write into the file", prog, "PATCHED_IN_PLACE");

    set_tag("REWRITTEN_TRUNC_");
    check(write_image(prog, O_TRUNC, false), "the file rewritten with O_TRUNC");
    expect_run("after O_TRUNC and a new write", prog, "REWRITTEN_TRUNC_");

    check(unlink(prog) == 0, "the program deleted");
    set_tag("A_NEW_FILE______");
    check(write_image(prog, O_EXCL, false), "a new file by the same name");
    expect_run("a new file by the old name", prog, "A_NEW_FILE______");

    set_tag("RENAMED_OVER_IT_");
    check(write_image(other, O_EXCL, false), "another file");
    expect_run("the other file", other, "RENAMED_OVER_IT_");
    check(rename(other, prog) == 0, "renamed over the program");
    expect_run("after the rename", prog, "RENAMED_OVER_IT_");

    set_tag("WITH_HOLES______");
    check(unlink(prog) == 0, "deleted again");
    check(write_image(prog, O_EXCL, true), "written with its zero pages left as holes");
    struct stat st;
    checkf(stat(prog, &st) == 0 && st.st_blocks * 512 < (off_t)image_len, "the file has holes (%lld of %zu bytes)",
           (long long)st.st_blocks * 512, image_len);
    expect_run("a program with holes", prog, "WITH_HOLES______");

    /* A hole filled: a page made, the file's pages changed under the same name. */
    fd = open(prog, O_WRONLY);
    checkf(fd >= 0 && pwrite(fd, image, 4096, 0) == 4096 && close(fd) == 0, "a page rewritten");
    expect_run("after a page was rewritten", prog, "WITH_HOLES______");
    check(unlink(prog) == 0, "removed");
}

/* A deleted program's pages are freed, not kept by the cache. */
static void deleted_program_memory(void)
{
    char big[PATH_MAX], copy[PATH_MAX], out[64];
    snprintf(big, sizeof(big), "%s", self);
    char *slash = strrchr(big, '/');
    snprintf(slash + 1, sizeof(big) - (size_t)(slash + 1 - big), "bench_big");
    int in = open(big, O_RDONLY);
    if (in < 0) {
        skipf("no bench_big beside %s", self);
        return;
    }
    snprintf(copy, sizeof(copy), "%s/progcache_big", scratch);
    unsigned long long before = free_ram();
    int fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    char buf[16384];
    ssize_t n;
    size_t total = 0;
    while (fd >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        total += (size_t)write(fd, buf, (size_t)n);
    close(in);
    checkf(fd >= 0 && close(fd) == 0 && total > (2u << 20), "bench_big copied (%zu bytes)", total);
    checkf(run(copy, out, sizeof(out)) == 0, "the copy runs");
    checkf(run(copy, out, sizeof(out)) == 0, "and again");
    check(unlink(copy) == 0, "the copy deleted");
    /* Two other new programs run after it: each exec of a file not seen
     * before makes a cache entry, which drops entries of deleted files. */
    for (int i = 0; i < 2; i++) {
        set_tag(i ? "SECOND_NEW_FILE_" : "FIRST_NEW_FILE__");
        unlink(other);
        check(write_image(other, O_EXCL, false), "a new small program");
        expect_run("it runs", other, i ? "SECOND_NEW_FILE_" : "FIRST_NEW_FILE__");
    }
    unlink(other);
    unsigned long long after = free_ram();
    long long lost = (long long)before - (long long)after;
    kcheckf(lost < (long long)(total / 2), "the deleted program's memory came back (%lld KiB less free than before, file %zu KiB)",
            lost / 1024, total / 1024);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child();
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof(scratch), "%s/progcache.%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    if (!check(mkdir(scratch, 0755) == 0, "a scratch directory") || !check(load_self(argv[0]), "this program's file, and its tag in it"))
        return check_summary();
    snprintf(prog, sizeof(prog), "%s/prog", scratch);
    snprintf(other, sizeof(other), "%s/other", scratch);
    check(write_image(prog, O_EXCL, false), "a copy of this program");
    rewrites();
    deleted_program_memory();
    unlink(prog);
    unlink(other);
    rmdir(scratch);
    return check_summary();
}
