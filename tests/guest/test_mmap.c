/*
 * File mappings and shared memory with Linux's semantics: a shared mapping
 * and write(2)/read(2) see each other both ways; a private mapping is
 * copy-on-write (its writes reach neither the file nor other mappings);
 * shared mappings survive fork as shared (a child's store is seen by the
 * parent and in the file), private ones as copies; anonymous MAP_SHARED
 * memory is shared with children; /dev/zero mappings; msync; the errors
 * (EACCES for the access mode, EINVAL for offsets and flags, EBADF,
 * ENODEV for a pipe); many pages and a mapping at an offset; a touch of a
 * page wholly past the end of the file is SIGBUS (BUS_ADRERR, si_addr), and
 * madvise(MADV_DONTNEED) on a private file mapping leaves the file's bytes,
 * not zeros.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "posix_test.h"

#define PAGE 4096

static char dir[64], path[96];

static int make_file(size_t size, char fill)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    char *buf = malloc(size);
    memset(buf, fill, size);
    bool ok = fd >= 0 && write_all(fd, buf, size);
    free(buf);
    checkf(ok, "a %zu-byte file of '%c'", size, fill);
    return fd;
}

static void shared_and_write(void)
{
    int fd = make_file(3 * PAGE, 'a');
    char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    checkf(m != MAP_FAILED && m[0] == 'a' && m[3 * PAGE - 1] == 'a', "MAP_SHARED of it reads the file");
    if (m == MAP_FAILED)
        return;
    pwrite(fd, "WRITTEN", 7, PAGE + 10);
    checkf(!memcmp(m + PAGE + 10, "WRITTEN", 7), "pwrite at 4106 is seen through the mapping");
    memcpy(m + 2 * PAGE + 5, "STORED", 6);
    char buf[8] = { 0 };
    pread(fd, buf, 6, 2 * PAGE + 5);
    checkf(!memcmp(buf, "STORED", 6), "a store through the mapping is read back by pread (%.6s)", buf);
    checkf(msync(m, 3 * PAGE, MS_SYNC) == 0, "msync(MS_SYNC) -> 0");
    res_t r = res(msync(m, PAGE, MS_SYNC | MS_ASYNC));
    checkf(is_err(r, EINVAL), "msync(MS_SYNC|MS_ASYNC) -> %s (EINVAL)", rs(r));
    r = res(msync(m + 1, PAGE, MS_SYNC));
    checkf(is_err(r, EINVAL), "msync of an unaligned address -> %s (EINVAL)", rs(r));
    munmap(m, 3 * PAGE);
    r = res(msync(m, PAGE, MS_SYNC));
    checkf(is_err(r, ENOMEM), "msync of an unmapped range -> %s (ENOMEM)", rs(r));
    /* The data stays in the file after munmap and close. */
    close(fd);
    fd = open(path, O_RDONLY);
    memset(buf, 0, sizeof(buf));
    pread(fd, buf, 6, 2 * PAGE + 5);
    checkf(!memcmp(buf, "STORED", 6), "after munmap and close the file still holds it (%.6s)", buf);
    close(fd);
}

static void private_cow(void)
{
    int fd = make_file(2 * PAGE, 'p');
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char *s = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    checkf(m != MAP_FAILED && s != MAP_FAILED && m[0] == 'p', "MAP_PRIVATE and MAP_SHARED of one file");
    if (m == MAP_FAILED || s == MAP_FAILED)
        return;
    m[0] = 'X';
    char c = 0;
    pread(fd, &c, 1, 0);
    checkf(c == 'p' && s[0] == 'p' && m[0] == 'X', "a private store stays private: file '%c', shared view '%c'", c,
           s[0]);
    munmap(m, 2 * PAGE);
    munmap(s, 2 * PAGE);
    /* PROT_WRITE on a private mapping of a read-only descriptor is allowed. */
    int ro = open(path, O_RDONLY);
    m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    checkf(m != MAP_FAILED, "MAP_PRIVATE|PROT_WRITE of an O_RDONLY descriptor works");
    if (m != MAP_FAILED) {
        m[1] = 'Y';
        munmap(m, PAGE);
    }
    void *x = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    res_t r = res(x == MAP_FAILED ? -1 : 0);
    checkf(is_err(r, EACCES), "MAP_SHARED|PROT_WRITE of an O_RDONLY descriptor -> %s (EACCES)", rs(r));
    close(ro);
    int wo = open(path, O_WRONLY);
    x = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, wo, 0);
    r = res(x == MAP_FAILED ? -1 : 0);
    checkf(is_err(r, EACCES), "mmap of an O_WRONLY descriptor -> %s (EACCES)", rs(r));
    close(wo);
    close(fd);
}

static int child_store(void *arg)
{
    char *m = arg;
    m[0] = 'C';
    return 0;
}

static void across_fork(void)
{
    int fd = make_file(PAGE, 'f');
    char *sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *pr = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    checkf(sh != MAP_FAILED && pr != MAP_FAILED && anon != MAP_FAILED, "shared, private and anonymous shared maps");
    if (sh == MAP_FAILED || pr == MAP_FAILED || anon == MAP_FAILED)
        return;
    pr[1] = 'q'; /* our private copy now */
    run_child_ok("store to shared file map", child_store, sh);
    run_child_ok("store to private file map", child_store, pr);
    run_child_ok("store to anonymous shared map", child_store, anon);
    char c = 0;
    pread(fd, &c, 1, 0);
    checkf(sh[0] == 'C' && c == 'C', "a child's store through the shared file mapping is seen here ('%c') and in the file ('%c')",
           sh[0], c);
    checkf(pr[0] == 'f' && pr[1] == 'q', "a child's store to a private mapping stays in the child ('%c')", pr[0]);
    checkf(anon[0] == 'C', "a child's store to anonymous MAP_SHARED memory is seen here ('%c')", anon[0]);
    munmap(sh, PAGE);
    munmap(pr, PAGE);
    munmap(anon, PAGE);
    close(fd);
}

static void offsets_and_sizes(void)
{
    size_t n = 64;
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    char page[PAGE];
    bool ok = fd >= 0;
    for (size_t i = 0; i < n && ok; i++) {
        memset(page, 'A' + (int)(i % 26), PAGE);
        ok = write_all(fd, page, PAGE);
    }
    checkf(ok, "a 64-page file, page i filled with 'A' + i %% 26");
    char *m = mmap(NULL, 16 * PAGE, PROT_READ, MAP_SHARED, fd, 40 * PAGE);
    bool right = m != MAP_FAILED;
    for (size_t i = 0; i < 16 && right; i++)
        right = m[i * PAGE] == 'A' + (int)((40 + i) % 26) && m[i * PAGE + PAGE - 1] == 'A' + (int)((40 + i) % 26);
    checkf(right, "16 pages mapped at file offset 40 pages hold pages 40-55");
    if (m != MAP_FAILED)
        munmap(m, 16 * PAGE);
    void *x = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 100);
    res_t r = res(x == MAP_FAILED ? -1 : 0);
    checkf(is_err(r, EINVAL), "an offset that is not page-aligned -> %s (EINVAL)", rs(r));
    /* Both bits are MAP_SHARED_VALIDATE (0x03), which Linux accepts for a file
     * (mm/mmap.c do_mmap); qemu-user 7.2 refuses it itself with EINVAL. */
    x = mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_PRIVATE, fd, 0);
    r = res(x == MAP_FAILED ? -1 : 0);
    kcheckf(r.ret == 0, "MAP_SHARED|MAP_PRIVATE (MAP_SHARED_VALIDATE) -> %s (0, as Linux)", rs(r));
    if (x != MAP_FAILED)
        munmap(x, PAGE);
    x = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, 999, 0);
    r = res(x == MAP_FAILED ? -1 : 0);
    checkf(is_err(r, EBADF), "a closed descriptor -> %s (EBADF)", rs(r));
    int p[2];
    if (pipe(p) == 0) {
        x = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, p[0], 0);
        r = res(x == MAP_FAILED ? -1 : 0);
        checkf(is_err(r, ENODEV) || is_err(r, EACCES), "a pipe -> %s (ENODEV)", rs(r));
        close(p[0]);
        close(p[1]);
    }
    /* A mapping longer than the file: the last partial page reads zeros past the end. */
    ftruncate(fd, PAGE + 100);
    m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    checkf(m != MAP_FAILED && m[PAGE + 99] == 'B' && m[PAGE + 100] == 0 && m[2 * PAGE - 1] == 0,
           "a file of one page and 100 bytes: its second page reads the 100 bytes, then zeros");
    if (m != MAP_FAILED)
        munmap(m, 2 * PAGE);
    close(fd);
}

static void dev_zero(void)
{
    int z = open("/dev/zero", O_RDWR);
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
    checkf(m != MAP_FAILED && m[0] == 0 && m[2 * PAGE - 1] == 0, "MAP_PRIVATE of /dev/zero: zeros");
    if (m != MAP_FAILED) {
        m[0] = 1;
        munmap(m, 2 * PAGE);
    }
    char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
    checkf(s != MAP_FAILED, "MAP_SHARED of /dev/zero");
    if (s != MAP_FAILED) {
        run_child_ok("store to /dev/zero shared map", child_store, s);
        checkf(s[0] == 'C', "MAP_SHARED /dev/zero memory is shared with a child ('%c')", s[0]);
        munmap(s, PAGE);
    }
    close(z);
}

static void write_grows_mapping_view(void)
{
    /* Writes through write(2) after mapping are visible in the mapping. */
    int fd = make_file(PAGE, 'w');
    char *m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        check(false, "map for the view test");
        return;
    }
    for (int i = 0; i < 100; i++) {
        char c = (char)('0' + i % 10);
        pwrite(fd, &c, 1, i * 37);
    }
    bool same = true;
    for (int i = 0; i < 100; i++)
        same &= m[i * 37] == (char)('0' + i % 10);
    checkf(same, "100 one-byte pwrites are each seen through the read-only shared mapping");
    munmap(m, PAGE);
    close(fd);
}

/* A mapping keeps the pages it has: the file's removal and other files
 * written afterwards (which may take the freed room) change nothing in it. */
static void removed_file_keeps_pages(void)
{
    char other[128];
    snprintf(other, sizeof(other), "%s/other", dir);
    int fd = make_file(16 * PAGE, 'D');
    char *m = mmap(NULL, 16 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        check(false, "map for the removal test");
        close(fd);
        return;
    }
    close(fd);
    unlink(path);
    int o = open(other, O_CREAT | O_TRUNC | O_RDWR, 0644);
    static char buf[64 * PAGE];
    memset(buf, 'N', sizeof(buf));
    checkf(o >= 0 && write_all(o, buf, sizeof(buf)), "a 64-page file of 'N' written after the removal");
    bool same = true;
    for (size_t i = 0; i < 16 * PAGE; i++)
        same &= m[i] == 'D';
    checkf(same, "the removed file's 16 mapped pages still read 'D'");
    memset(buf, 0, sizeof(buf));
    bool all_n = pread(o, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf);
    for (size_t i = 0; i < sizeof(buf); i++)
        all_n &= buf[i] == 'N';
    checkf(all_n, "and the new file reads 'N' throughout");
    munmap(m, 16 * PAGE);
    close(o);
    unlink(other);
}

/* A writable shared mapping over a hole: the page is made, and stores in it
 * are the file's. */
static void shared_over_hole(void)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    checkf(fd >= 0 && ftruncate(fd, 2 * PAGE) == 0, "a 2-page file that is all hole");
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        check(false, "a writable shared map of the hole");
        close(fd);
        return;
    }
    checkf(m[0] == 0 && m[2 * PAGE - 1] == 0, "the hole reads as zeros through the mapping");
    memcpy(m + PAGE + 7, "HOLE", 4);
    char buf[4] = { 0 };
    pread(fd, buf, 4, PAGE + 7);
    checkf(!memcmp(buf, "HOLE", 4), "a store into the hole is read back by pread (%.4s)", buf);
    pwrite(fd, "pw", 2, 3);
    checkf(m[3] == 'p' && m[4] == 'w', "a pwrite into the other page is seen through the mapping");
    munmap(m, 2 * PAGE);
    close(fd);
}

static sigjmp_buf bus_jump;
static volatile siginfo_t bus_info;

static void on_bus(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    bus_info.si_signo = si->si_signo;
    bus_info.si_code = si->si_code;
    bus_info.si_addr = si->si_addr;
    siglongjmp(bus_jump, 1);
}

/* Reads (or writes) *p: 0 if it worked, else the signal that stopped it. */
static int touch(volatile char *p, bool write)
{
    struct sigaction sa = { 0 }, old_bus, old_segv;
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, &old_bus);
    sigaction(SIGSEGV, &sa, &old_segv);
    memset((void *)&bus_info, 0, sizeof(bus_info));
    int sig = 0;
    if (sigsetjmp(bus_jump, 1) == 0) {
        if (write)
            *p = 'x';
        else
            (void)*p;
    } else {
        sig = bus_info.si_signo;
    }
    sigaction(SIGBUS, &old_bus, NULL);
    sigaction(SIGSEGV, &old_segv, NULL);
    return sig;
}

static void past_the_end(void)
{
    int fd = make_file(PAGE + 100, 'e');
    char *m = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (!checkf(m != MAP_FAILED, "a shared mapping of 3 pages of a file of 1 page + 100 bytes"))
        return;
    int sig = touch(m + PAGE + 200, false);
    checkf(sig == 0 && m[PAGE + 200] == 0, "the file's last page reads zeros after its end (signal %d)", sig);
    sig = touch(m + 2 * PAGE + 8, false);
    checkf(sig == SIGBUS && bus_info.si_code == BUS_ADRERR && bus_info.si_addr == m + 2 * PAGE + 8,
           "a read of the page wholly past the end: signal %d (SIGBUS %d), code %d (BUS_ADRERR %d), addr %s", sig,
           SIGBUS, bus_info.si_code, BUS_ADRERR, bus_info.si_addr == m + 2 * PAGE + 8 ? "the byte's" : "wrong");
    munmap(m, 3 * PAGE);
    m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (!checkf(m != MAP_FAILED, "a private writable mapping of the same"))
        return;
    sig = touch(m + 2 * PAGE, true);
    checkf(sig == SIGBUS, "a write past the end of a private mapping: signal %d (SIGBUS %d, not a fresh page)", sig, SIGBUS);
    /* Linux would also drop a private change here and read the file again;
     * Kenix keeps changed pages (docs/architecture.md, "File mappings"), so
     * only unchanged ones are checked. */
    int r = madvise(m, 3 * PAGE, MADV_DONTNEED);
    checkf(r == 0 && m[10] == 'e' && m[PAGE + 99] == 'e' && m[PAGE + 100] == 0,
           "MADV_DONTNEED on it -> %d: the file's bytes, not zeros ('%c', '%c')", r, m[10], m[PAGE + 99]);
    munmap(m, 3 * PAGE);
    /* The kernel's own access (write(2) from the mapping) is EFAULT, not a signal. */
    m = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    int pp[2];
    pipe(pp);
    res_t w = res(write(pp[1], m + 2 * PAGE, 16)); /* a pipe reads what it is given (/dev/null would not) */
    checkf(is_err(w, EFAULT), "write(2) to a pipe from the page past the end -> %s (EFAULT)", rs(w));
    close(pp[0]);
    close(pp[1]);
    munmap(m, 3 * PAGE);
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/mmap.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        check(false, "a scratch directory");
        return check_summary();
    }
    snprintf(path, sizeof(path), "%s/file", dir);
    shared_and_write();
    private_cow();
    across_fork();
    offsets_and_sizes();
    dev_zero();
    write_grows_mapping_view();
    removed_file_keeps_pages();
    shared_over_hole();
    past_the_end();
    unlink(path);
    rmdir(dir);
    return check_summary();
}
