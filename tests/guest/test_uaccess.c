/*
 * The kernel's reach into user memory, as Linux's: system calls copy from and
 * to user buffers through the MMU (kernel/arch/aarch64/uaccess.S) and must
 * keep every answer of the software walk they replaced:
 *   - data round trips exact for every length 0..200 and every alignment of
 *     the user buffer (the copy routines' tails);
 *   - a buffer the user may not write (PROT_READ), may not touch
 *     (PROT_NONE), that is not mapped, or that is a kernel address: EFAULT;
 *   - a buffer that runs off its mapping part-way: EFAULT for a timespec;
 *   - pages not touched yet are made by the kernel's own write (demand-zero),
 *     and a copy-on-write page after fork gets its private copy: the other
 *     process still sees its own bytes;
 *   - a path that ends exactly at the end of a page followed by nothing is
 *     read whole (word reads never cross into the next page), one that runs
 *     into an unmapped page without a NUL is EFAULT, one longer than
 *     PATH_MAX is ENAMETOOLONG;
 *   - a page of a shared file mapping wholly past the end of the file: EFAULT
 *     (in Kenix only: qemu-user aborts on it).
 * Portable POSIX: also run under qemu-user (posix-linux).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "posix_test.h"

#define PAGE 4096

/* Two pages, the second unmapped: the first page's end is a cliff. */
static char *cliff(void)
{
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    munmap(p + PAGE, PAGE);
    return p;
}

static void round_trips(void)
{
    int fds[2];
    if (!check(pipe(fds) == 0, "pipe"))
        return;
    static char src[256 + 8], dst[256 + 8];
    int bad = 0;
    for (int len = 0; len <= 200 && !bad; len++)
        for (int sa = 0; sa < 8 && !bad; sa++)
            for (int da = 0; da < 8 && !bad; da++) {
                for (int i = 0; i < len; i++)
                    src[sa + i] = (char)(len * 7 + i * 13 + sa);
                memset(dst, 0x5a, sizeof(dst));
                if (write(fds[1], src + sa, len) != len || read(fds[0], dst + da, len) != len ||
                    memcmp(src + sa, dst + da, len) || (da > 0 && dst[da - 1] != 0x5a) || dst[da + len] != 0x5a)
                    bad = len * 64 + sa * 8 + da + 1;
                if (len == 0)
                    break; /* a 0-byte read of an empty pipe would wait */
            }
    checkf(!bad, "pipe round trips of 0..200 bytes at every alignment both ways are exact%s",
           bad ? " (one was not)" : "");
    close(fds[0]);
    close(fds[1]);
}

static void refused_buffers(void)
{
    int fds[2];
    if (!check(pipe(fds) == 0, "pipe"))
        return;
    char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, PAGE);
    if (write(fds[1], "abcdef", 6) != 6)
        check(false, "pipe write");
    checkf(is_err(res(read(fds[0], ro, 6)), EFAULT), "read into a PROT_READ page: EFAULT");
    checkf(is_err(res(read(fds[0], none, 6)), EFAULT), "read into a PROT_NONE page: EFAULT");
    checkf(is_err(res(read(fds[0], gone, 6)), EFAULT), "read into an unmapped page: EFAULT");
    char got[8] = { 0 };
    checkf(read(fds[0], got, 6) == 6 && !memcmp(got, "abcdef", 6), "the bytes refused are still in the pipe");
    checkf(is_err(res(write(fds[1], none, 6)), EFAULT), "write from a PROT_NONE page: EFAULT");
    checkf(is_err(res(write(fds[1], gone, 6)), EFAULT), "write from an unmapped page: EFAULT");
    struct timespec *ts = (struct timespec *)(uintptr_t)0xffff000000001000ull;
    checkf(is_err(res(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts)), EFAULT),
           "clock_gettime into a kernel address: EFAULT");
    checkf(is_err(res(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)ro)), EFAULT),
           "clock_gettime into a PROT_READ page: EFAULT");
    char *c = cliff();
    if (c) {
        checkf(is_err(res(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)(c + PAGE - 8))), EFAULT),
               "a timespec half over the end of its mapping: EFAULT");
        checkf(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)(c + PAGE - 16)) == 0,
               "a timespec ending exactly at the end of its mapping: copied");
        munmap(c, PAGE);
    }
    munmap(ro, PAGE);
    munmap(none, PAGE);
    close(fds[0]);
    close(fds[1]);
}

/* The kernel writing into pages nobody has touched, and into a page shared
 * copy-on-write with a child. */
static int cow_child(void *arg)
{
    char *shared = arg;
    int fds[2];
    if (pipe(fds) || write(fds[1], "child", 6) != 6 || read(fds[0], shared, 6) != 6)
        return 1;
    return strcmp(shared, "child") ? 2 : 0;
}

static void fresh_and_cow_pages(void)
{
    enum { PAGES = 8 };
    char *fresh = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fds[2];
    if (!check(fresh != MAP_FAILED && pipe(fds) == 0, "mmap and pipe"))
        return;
    static char pattern[PAGES * PAGE];
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (char)(i * 31 + 7);
    bool ok = true;
    /* Through the pipe a page at a time, landing across page boundaries. */
    for (int i = 0; i < PAGES - 1 && ok; i++) {
        char *at = fresh + i * PAGE + 100;
        ok = write(fds[1], pattern + i * PAGE, PAGE) == PAGE && read(fds[0], at, PAGE) == PAGE &&
             !memcmp(at, pattern + i * PAGE, PAGE);
    }
    checkf(ok, "reads into untouched anonymous pages (made by the kernel's write) are exact");
    checkf(fresh[0] == 0 && fresh[99] == 0, "the bytes before them are still zero");

    static char shared[16] = "parent";
    run_child_ok("cow", cow_child, shared);
    checkf(!strcmp(shared, "parent"), "a child's read() into a copy-on-write page leaves the parent's page alone");
    munmap(fresh, PAGES * PAGE);
    close(fds[0]);
    close(fds[1]);
}

static void paths(void)
{
    char *c = cliff();
    if (!check(c != NULL, "mmap"))
        return;
    /* "/nonexistent-...": its NUL is the last byte before the cliff. */
    const char *name = "/no-such-file-at-the-cliff";
    size_t n = strlen(name) + 1;
    char *at = c + PAGE - n;
    memcpy(at, name, n);
    checkf(is_err(res(open(at, O_RDONLY)), ENOENT), "a path whose NUL is the last byte of its mapping: read whole (ENOENT)");
    struct stat st;
    at = c + PAGE - 2;
    memcpy(at, "/", 2);
    checkf(stat(at, &st) == 0 && S_ISDIR(st.st_mode), "\"/\" in the last two bytes of a mapping: found");
    memset(c + PAGE - 64, 'a', 64);
    checkf(is_err(res(open(c + PAGE - 64, O_RDONLY)), EFAULT), "a path running into an unmapped page: EFAULT");
    checkf(is_err(res(open((char *)(uintptr_t)0xffff000000002000ull, O_RDONLY)), EFAULT),
           "a path at a kernel address: EFAULT");
    static char longp[PATH_MAX + 16];
    memset(longp, 'b', sizeof(longp) - 1);
    longp[0] = '/';
    checkf(is_err(res(open(longp, O_RDONLY)), ENAMETOOLONG), "a path of PATH_MAX bytes and more: ENAMETOOLONG");
    munmap(c, PAGE);
}

static void past_end_of_file(void)
{
    if (!on_kenix()) {
        /* Linux answers EFAULT too, but qemu-user aborts on the host's SIGBUS. */
        printf("skip a copy into a shared file page past the end of the file (qemu-user cannot)\n");
        return;
    }
    char path[96];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/uaccess.%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (!check(fd >= 0 && write(fd, "x", 1) == 1, "a one-byte file"))
        return;
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (check(m != MAP_FAILED, "a two-page shared mapping of it")) {
        checkf(is_err(res(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)(m + PAGE))), EFAULT),
               "a copy into its second page, wholly past the end of the file: EFAULT");
        checkf(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)m) == 0, "a copy into its first page: done");
        munmap(m, 2 * PAGE);
    }
    close(fd);
    unlink(path);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    round_trips();
    refused_buffers();
    fresh_and_cow_pages();
    paths();
    past_end_of_file();
    return check_summary();
}
