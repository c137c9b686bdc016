/*
 * Address-space defects, each one fixed with this test: work proportional to
 * what is mapped (a 256 GiB untouched mapping unmapped, protected and exited
 * with at once), sane program images (a zero-fill segment of absurd size is
 * refused, RLIMIT_AS applies to images), W^X (nothing writable and
 * executable, from mmap, mprotect, kx_mem_map or an ELF segment), a memory
 * object split by partial munmaps coming back to the last page, and
 * copy-on-write that neither mprotect nor the kernel's own writes (read into
 * a shared page) can break. Free memory is counted exactly, in pages
 * (sysinfo). Run by /init, which gives it the initrd.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define PAGE 4096ul
#define HUGE (256ull << 30)

static struct kx_initrd initrd;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static unsigned long free_pages(void)
{
    struct sysinfo si;
    sysinfo(&si);
    return si.freeram * si.mem_unit / PAGE;
}

/* A time bound only where the old kernel took seconds (every page of 256 GiB
 * visited: ~2.4 billion instructions); the figure is printed either way. */
#define FAST_NS 200000000LL

static void huge_ranges(void)
{
    long long t0 = now_ns();
    uint8_t *p = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!check(p != MAP_FAILED, "mmap of 256 GiB, untouched"))
        return;
    p[0] = 1;
    p[HUGE / 2] = 2;
    p[HUGE - 1] = 3;
    int pr = mprotect(p, HUGE, PROT_READ);
    bool kept = p[0] == 1 && p[HUGE / 2] == 2 && p[HUGE - 1] == 3;
    int ur = munmap(p, HUGE);
    long long t1 = now_ns();
    checkf(pr == 0 && ur == 0 && kept && t1 - t0 < FAST_NS,
           "256 GiB with 3 pages touched: mprotect and munmap in %lld us (proportional to what is mapped)",
           (t1 - t0) / 1000);

    fflush(stdout);
    long long t2 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        uint8_t *q = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q == MAP_FAILED)
            _exit(1);
        q[HUGE / 3] = 1;
        _exit(0); /* the kernel unmaps it all at exit */
    }
    int st = -1;
    waitpid(pid, &st, 0);
    long long t3 = now_ns();
    checkf(st == 0 && t3 - t2 < FAST_NS, "a process exiting with 256 GiB mapped: fork to reaped in %lld us",
           (t3 - t2) / 1000);
}

static void write_xor_execute(void)
{
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    checkf(p == MAP_FAILED && errno == ENOTSUP, "mmap writable and executable: ENOTSUP (W^X)");
    uint8_t *q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    q[0] = 0xc0; /* ret */
    q[1] = 0x03;
    q[2] = 0x5f;
    q[3] = 0xd6;
    checkf(mprotect(q, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) == -1 && errno == ENOTSUP,
           "mprotect from RW to RWX: ENOTSUP");
    checkf(mprotect(q, PAGE, PROT_READ | PROT_EXEC) == 0, "mprotect from RW to RX (code written, then run): ok");
    __builtin___clear_cache((char *)q, (char *)q + 4);
    ((void (*)(void))q)();
    checkf(true, "and the code runs");
    munmap(q, PAGE);
    long m = kx_mem_create(PAGE, 0);
    checkf(kx_mem_map((kx_handle_t)m, 0, PAGE, KX_PROT_READ | KX_PROT_WRITE | KX_PROT_EXEC) == -ENOTSUP,
           "kx_mem_map writable and executable: ENOTSUP");
    kx_handle_close((kx_handle_t)m);
}

/* A copy of /bin/hello to patch; NULL if the initrd has none. */
static uint8_t *hello_copy(size_t *size)
{
    const void *data;
    if (kx_initrd_find(&initrd, "/bin/hello", &data, size) != 0)
        return NULL;
    uint8_t *copy = malloc(*size);
    if (copy)
        memcpy(copy, data, *size);
    return copy;
}

/* The program header of the last PT_LOAD segment, or the first one that is. */
static Elf64_Phdr *load_segment(uint8_t *image, bool last)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
    Elf64_Phdr *found = NULL;
    for (int i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr *ph = (Elf64_Phdr *)(image + eh->e_phoff + (size_t)i * eh->e_phentsize);
        if (ph->p_type == PT_LOAD) {
            found = ph;
            if (!last)
                break;
        }
    }
    return found;
}

static long try_load(uint8_t *image, size_t size)
{
    char *argv[] = { "/bin/hello", NULL };
    long p = kx_process_create("patched", image, size, argv, NULL);
    if (p > 0) {
        kx_process_start((kx_handle_t)p);
        long st = kx_process_wait((kx_handle_t)p);
        kx_handle_close((kx_handle_t)p);
        return st == 0 ? 0 : -1000 - st;
    }
    return p;
}

static void program_images(void)
{
    size_t size;
    uint8_t *image = hello_copy(&size);
    if (!check(image != NULL, "a copy of /bin/hello to patch"))
        return;
    Elf64_Phdr *data = load_segment(image, true);
    uint64_t memsz = data->p_memsz;

    data->p_memsz = 256ull << 40; /* a zero-fill segment of 256 TiB */
    long long t0 = now_ns();
    long r = try_load(image, size);
    long long t1 = now_ns();
    checkf(r == -ENOEXEC && t1 - t0 < FAST_NS, "a segment of 256 TiB: refused (ENOEXEC) in %lld us",
           (t1 - t0) / 1000);

    data->p_memsz = memsz + (4ull << 30); /* 4 GiB of bss: an allowed image, cheap to load and end */
    t0 = now_ns();
    r = try_load(image, size);
    t1 = now_ns();
    checkf(r == 0 && t1 - t0 < FAST_NS, "4 GiB of bss: loaded, run, ended in %lld us", (t1 - t0) / 1000);

    struct rlimit old, as = { 1ull << 30, RLIM_INFINITY };
    getrlimit(RLIMIT_AS, &old);
    setrlimit(RLIMIT_AS, &as);
    r = try_load(image, size);
    setrlimit(RLIMIT_AS, &old);
    checkf(r == -ENOMEM, "the same under RLIMIT_AS of 1 GiB (the new process's limit): ENOMEM (%ld)", r);
    data->p_memsz = memsz;

    Elf64_Phdr *text = load_segment(image, false);
    uint32_t flags = text->p_flags;
    text->p_flags = PF_R | PF_W | PF_X;
    r = try_load(image, size);
    checkf(r == -ENOEXEC, "a segment asking to be writable and executable: refused (ENOEXEC)");
    text->p_flags = flags;
    checkf(try_load(image, size) == 0, "the unpatched copy still runs");
    free(image);
}

/* A memory object mapped and split by partial munmaps: every page comes back
 * once its handle and every piece of the mapping are gone (twice in a row,
 * counted in single pages). */
static void split_object(void)
{
    for (int round = 0; round < 2; round++) {
        unsigned long before = free_pages();
        long h = kx_mem_create(16 * PAGE, 0);
        long a = h > 0 ? kx_mem_map((kx_handle_t)h, 0, 16 * PAGE, KX_PROT_READ | KX_PROT_WRITE) : -1;
        if (!check(a > 0, "a 16-page memory object, mapped"))
            return;
        uint8_t *p = (uint8_t *)a;
        for (int i = 0; i < 16; i++)
            p[i * PAGE] = (uint8_t)i;
        int r = munmap(p + 4 * PAGE, 4 * PAGE);
        r |= munmap(p + 12 * PAGE, 2 * PAGE);
        kx_handle_close((kx_handle_t)h);
        bool intact = p[0] == 0 && p[8 * PAGE] == 8 && p[15 * PAGE] == 15;
        r |= munmap(p, 4 * PAGE);
        r |= munmap(p + 8 * PAGE, 4 * PAGE);
        r |= munmap(p + 14 * PAGE, 2 * PAGE);
        unsigned long after = free_pages();
        checkf(r == 0 && intact && after == before,
               "round %d: split by munmaps, handle closed, pieces unmapped: %lu free pages before, %lu after", round,
               before, after);
    }
}

/* Copy-on-write survives what could write through a shared page: mprotect
 * giving write access back, and the kernel writing for a system call. */
static void cow_holds(void)
{
    uint8_t *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 0x5a, 2 * PAGE);
    int zero = open("/dev/zero", O_RDONLY);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        mprotect(p, PAGE, PROT_READ);
        mprotect(p, PAGE, PROT_READ | PROT_WRITE);
        p[0] = 1;                                           /* through a page mprotect made writable */
        bool ok = read(zero, p + PAGE, 64) == 64 && p[PAGE] == 0; /* the kernel writes into a shared page */
        _exit(ok && p[0] == 1 ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    checkf(st == 0 && p[0] == 0x5a && p[PAGE] == 0x5a,
           "after fork the child wrote a page mprotect made writable, and read() into another: the parent's "
           "pages are unchanged");
    close(zero);
    munmap(p, 2 * PAGE);
}

int main(void)
{
    printf("test_vm: start\n");
    if (kx_initrd_open(KX_SLOT_INITRD, &initrd) != 0)
        initrd.base = NULL;
    huge_ranges();
    write_xor_execute();
    program_images();
    split_object();
    cow_holds();
    return check_summary();
}
