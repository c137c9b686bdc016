/*
 * `bench_posix scale [-n ROUNDS]`: how costs grow with their work (issue 11,
 * "How costs grow"). Each family is measured at several sizes, so a table
 * shows which grow in proportion to the work and which grow faster or carry
 * a large fixed part:
 *   - fork + _exit + wait4 with 1, 16 and 64 MiB of touched private memory;
 *   - fork + execve + wait4 of a small program (this one, ~140 KiB) and of
 *     bench_big (a 2 MiB read-only array the program never touches: the cost
 *     of the file's size alone);
 *   - a pipe round trip carrying 1 B, 64 B, 4 KiB, 64 KiB and 1 MiB one way
 *     and one byte back (the portable counterpart of bench_ipc's native IPC
 *     round trip with as much bulk data);
 *   - open + close with a path 1, 8 and 32 directories deep;
 *   - getdents64 over 100, 1,000 and 10,000 entries (the whole listing);
 *   - reading a whole tmpfs file of 4 KiB, 64 KiB, 1 MiB, 16 MiB and 64 MiB
 *     with 64 KiB reads (per file: the tool divides by the size);
 *   - pipe throughput with 1 B, 64 B, 4 KiB and 64 KiB writes (per write).
 * A 64 MiB file or 64 MiB of touched memory needs more than the default
 * 128 MiB of guest RAM: ./kenix bench --scale boots with 256 MiB.
 * Every figure checks its answer (exit status, bytes, entry counts); none
 * depends on time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define PAGE 4096u

static int at_least(int n, int least)
{
    return n > least ? n : least;
}

static void size_name(char *out, size_t len, uint64_t bytes)
{
    if (bytes >= MIB)
        snprintf(out, len, "%lu MiB", (unsigned long)(bytes / MIB));
    else if (bytes >= KIB)
        snprintf(out, len, "%lu KiB", (unsigned long)(bytes / KIB));
    else
        snprintf(out, len, "%lu B", (unsigned long)bytes);
}

/* ---- fork with touched memory ------------------------------------------------------ */

static void fork_touched(unsigned mib, int forks)
{
    size_t len = (size_t)mib * MIB;
    uint8_t *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        fail("fork scale: mmap", errno);
        return;
    }
    for (size_t at = 0; at < len; at += PAGE)
        mem[at] = (uint8_t)(at / PAGE + 1);
    uint64_t start = 0;
    for (int i = 0; i < 2 + forks; i++) {
        if (i == 2)
            start = now_ns();
        pid_t pid = fork();
        if (pid == 0) /* the child sees the parent's memory: its last page says so */
            _exit(mem[len - PAGE] == (uint8_t)(len / PAGE) ? 7 : 8);
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
            fail("fork scale: fork+exit+wait", pid < 0 ? errno : st);
            munmap(mem, len);
            return;
        }
    }
    char what[80];
    snprintf(what, sizeof(what), "fork+exit+wait, %u MiB touched", mib);
    report(what, now_ns() - start, (uint64_t)forks);
    munmap(mem, len);
}

/* ---- exec of programs of two sizes -------------------------------------------------- */

static void exec_program(const char *what, const char *path, char *const argv[], int rounds)
{
    char *envp[] = { NULL };
    uint64_t start = 0;
    for (int i = 0; i < 2 + rounds; i++) {
        if (i == 2)
            start = now_ns();
        pid_t pid = fork();
        if (pid == 0) {
            execve(path, argv, envp);
            _exit(127);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            if (i == 0 && pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127) {
                printf("bench: skip %s (cannot execute %s)\n", what, path);
                return;
            }
            fail(what, pid < 0 ? errno : st);
            return;
        }
    }
    report(what, now_ns() - start, (uint64_t)rounds);
}

/* ---- pipes: round trips with bulk, and throughput ----------------------------------- */

/* Mapped when the figures start, not static: a large .bss would make this
 * program slower to exec, and it is the "small program" of the exec figures. */
static uint8_t *big_buf;

/* Reads exactly n bytes (a pipe hands them over in pieces); 0 or -errno. */
static long read_full(int fd, uint8_t *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            return r < 0 ? -errno : -EPIPE;
        got += (size_t)r;
    }
    return 0;
}

static long write_full(int fd, const uint8_t *buf, size_t n)
{
    for (size_t put = 0; put < n;) {
        ssize_t r = write(fd, buf + put, n - put);
        if (r <= 0)
            return r < 0 ? -errno : -EPIPE;
        put += (size_t)r;
    }
    return 0;
}

/* The partner of the round trips: takes `bytes`, answers with their last byte. */
static void bulk_echo(int in, int out, size_t bytes)
{
    for (;;) {
        if (read_full(in, big_buf, bytes))
            _exit(0); /* the parent closed its end: done */
        if (write(out, &big_buf[bytes - 1], 1) != 1)
            _exit(1);
    }
}

static void pipe_bulk_round_trip(size_t bytes, int rounds)
{
    int there[2], back[2];
    if (pipe(there) || pipe(back)) {
        fail("pipe scale: pipe", errno);
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(there[1]);
        close(back[0]);
        bulk_echo(there[0], back[1], bytes);
    }
    close(there[0]);
    close(back[1]);
    uint64_t start = 0;
    for (int i = 0; i < 5 + rounds; i++) {
        if (i == 5)
            start = now_ns();
        big_buf[bytes - 1] = (uint8_t)i;
        uint8_t answer = 0;
        if (write_full(there[1], big_buf, bytes) || read(back[0], &answer, 1) != 1 || answer != (uint8_t)i) {
            fail("pipe round trip with bulk: error or wrong byte", errno);
            break;
        }
    }
    uint64_t total = now_ns() - start;
    char size[24], what[96];
    size_name(size, sizeof(size), bytes);
    snprintf(what, sizeof(what), "pipe round trip, %s there, 1 byte back", size);
    report(what, total, (uint64_t)rounds);
    close(there[1]);
    waitpid(pid, NULL, 0);
    close(back[0]);
}

/* The reader of the throughput figure: counts bytes until end of file and
 * sends the count back, so the writer knows every byte arrived. */
static void count_bytes(int in, int out)
{
    uint64_t total = 0;
    ssize_t r;
    while ((r = read(in, big_buf, 64 * KIB)) > 0)
        total += (uint64_t)r;
    _exit(write(out, &total, sizeof(total)) == sizeof(total) ? 0 : 1);
}

static void pipe_throughput(size_t chunk, int writes)
{
    int data[2], count[2];
    if (pipe(data) || pipe(count)) {
        fail("pipe throughput: pipe", errno);
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(data[1]);
        close(count[0]);
        count_bytes(data[0], count[1]);
    }
    close(data[0]);
    close(count[1]);
    uint64_t start = now_ns(), got = 0;
    for (int i = 0; i < writes; i++)
        if (write_full(data[1], big_buf, chunk)) {
            fail("pipe throughput: write", errno);
            break;
        }
    close(data[1]);
    ssize_t r = read(count[0], &got, sizeof(got));
    uint64_t total = now_ns() - start;
    waitpid(pid, NULL, 0);
    close(count[0]);
    if (r != sizeof(got) || got != (uint64_t)chunk * (uint64_t)writes) {
        fail("pipe throughput: the reader counted the wrong number of bytes", (long)got);
        return;
    }
    char size[24], what[96];
    size_name(size, sizeof(size), chunk);
    snprintf(what, sizeof(what), "pipe throughput, %s writes (per write)", size);
    report(what, total, (uint64_t)writes);
}

/* ---- paths and directories on tmpfs --------------------------------------------------- */

#define SCALE_DIR "/tmp/bench-scale"

/* Makes SCALE_DIR/d/d/.../d (depth - 1 directories below it) and a file
 * there; the path of the file, `depth` components below SCALE_DIR. */
static int deep_path(char *path, size_t len, int depth)
{
    snprintf(path, len, SCALE_DIR);
    mkdir(path, 0755);
    for (int i = 1; i < depth; i++) {
        strncat(path, "/d", len - strlen(path) - 1);
        if (mkdir(path, 0755) && errno != EEXIST)
            return -errno;
    }
    strncat(path, "/f", len - strlen(path) - 1);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}

static void remove_deep(char *path)
{
    unlink(path);
    for (char *slash; (slash = strrchr(path, '/')) && strcmp(path, SCALE_DIR);) {
        *slash = 0;
        rmdir(path);
    }
}

static void open_depth(int depth, int rounds)
{
    char path[512];
    long err = deep_path(path, sizeof(path), depth);
    if (err) {
        fail("open scale: making the directories", err);
        return;
    }
    uint64_t start = 0;
    for (int i = 0; i < 50 + rounds; i++) {
        if (i == 50)
            start = now_ns();
        int fd = open(path, O_RDONLY);
        if (fd < 0 || close(fd)) {
            fail("open scale: open+close", errno);
            break;
        }
    }
    char what[64];
    snprintf(what, sizeof(what), "open+close, path depth %d", depth);
    report(what, now_ns() - start, (uint64_t)rounds);
    remove_deep(path);
}

static int make_entries(const char *dir, int entries)
{
    char name[96];
    mkdir(dir, 0755);
    for (int i = 0; i < entries; i++) {
        snprintf(name, sizeof(name), "%s/entry-%05d", dir, i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        if (fd < 0)
            return -errno;
        close(fd);
    }
    return 0;
}

static void remove_entries(const char *dir, int entries)
{
    char name[96];
    for (int i = 0; i < entries; i++) {
        snprintf(name, sizeof(name), "%s/entry-%05d", dir, i);
        unlink(name);
    }
    rmdir(dir);
}

/* Entries in one whole listing of d (rewound first), or -errno. */
static long list_all(int d)
{
    char *buf = (char *)big_buf;
    long n, entries = 0;
    lseek(d, 0, SEEK_SET);
    while ((n = syscall(SYS_getdents64, d, buf, 32768)) > 0)
        for (long at = 0; at < n; at += *(uint16_t *)(buf + at + 16))
            entries++;
    return n < 0 ? -errno : entries;
}

static void getdents_entries(int entries, int rounds)
{
    const char *dir = SCALE_DIR "-dir";
    long err = make_entries(dir, entries);
    int d = err ? -1 : open(dir, O_RDONLY | O_DIRECTORY);
    if (d < 0) {
        fail("getdents scale: making the directory", err ? err : errno);
        remove_entries(dir, entries);
        return;
    }
    uint64_t start = 0;
    for (int i = 0; i < 1 + rounds; i++) {
        if (i == 1)
            start = now_ns();
        long got = list_all(d);
        if (got != entries + 2) { /* and . and .. */
            fail("getdents scale: wrong number of entries", got);
            break;
        }
    }
    uint64_t total = now_ns() - start;
    char what[80];
    snprintf(what, sizeof(what), "getdents64 of %d entries (whole listing)", entries);
    report(what, total, (uint64_t)rounds);
    close(d);
    remove_entries(dir, entries);
}

/* ---- tmpfs read throughput -------------------------------------------------------------- */

#define FILE_CHUNK (64 * KIB)

static long write_file(const char *path, uint64_t size)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return -errno;
    for (uint64_t at = 0; at < size; at += FILE_CHUNK) {
        size_t n = size - at < FILE_CHUNK ? (size_t)(size - at) : FILE_CHUNK;
        memset(big_buf, (int)(at / FILE_CHUNK) + 1, n);
        if (write_full(fd, big_buf, n)) {
            close(fd);
            return -errno;
        }
    }
    close(fd);
    return 0;
}

/* One whole read of the file in 64 KiB reads; bytes read, with each chunk's
 * first and last bytes checked (a full check would cost more than the read). */
static long read_file(int fd, uint64_t size)
{
    uint64_t at = 0;
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, big_buf, FILE_CHUNK)) > 0) {
        uint8_t want = (uint8_t)(at / FILE_CHUNK + 1);
        if (big_buf[0] != want || big_buf[n - 1] != want)
            return -EIO;
        at += (uint64_t)n;
    }
    return n < 0 ? -errno : at == size ? (long)at : -EIO;
}

static void tmpfs_read(uint64_t size, int reads)
{
    const char *path = SCALE_DIR "-file";
    long err = write_file(path, size);
    int fd = err ? -1 : open(path, O_RDONLY);
    if (fd < 0) {
        fail("tmpfs read scale: making the file", err ? err : errno);
        unlink(path);
        return;
    }
    uint64_t start = 0;
    for (int i = 0; i < 1 + reads; i++) {
        if (i == 1)
            start = now_ns();
        long got = read_file(fd, size);
        if (got < 0) {
            fail("tmpfs read scale: short read or wrong bytes", got);
            break;
        }
    }
    uint64_t total = now_ns() - start;
    close(fd);
    unlink(path);
    char name[24], what[80];
    size_name(name, sizeof(name), size);
    snprintf(what, sizeof(what), "tmpfs read of a %s file (64 KiB reads, per file)", name);
    report(what, total, (uint64_t)reads);
}

/* ---- all of them ------------------------------------------------------------------------ */

/* Loop lengths for work of `bytes` per iteration: at most `rounds`, and
 * about `rounds` x `per_round` bytes in all, but at least `least` iterations
 * (so small runs still measure something, large sizes do not run for ever). */
static int rounds_for(int rounds, uint64_t per_round, uint64_t bytes, int least)
{
    uint64_t n = (uint64_t)rounds * per_round / bytes;
    return at_least(n > (uint64_t)rounds ? rounds : (int)n, least);
}

static void process_scale(int rounds)
{
    static const unsigned mibs[] = { 1, 16, 64 };
    for (size_t i = 0; i < sizeof(mibs) / sizeof(mibs[0]); i++)
        fork_touched(mibs[i], at_least(rounds / (int)(20 * mibs[i]), 3));
    char *small[] = { "bench_posix", "exit", NULL }, *big[] = { "bench_big", NULL };
    exec_program("fork+execve+wait, small program (bench_posix)", "/bin/bench_posix", small, at_least(rounds / 20, 3));
    exec_program("fork+execve+wait, 2 MiB program (bench_big)", "/bin/bench_big", big, at_least(rounds / 20, 3));
}

static void pipe_scale(int rounds)
{
    static const size_t bulk[] = { 1, 64, 4 * KIB, 64 * KIB, MIB };
    for (size_t i = 0; i < sizeof(bulk) / sizeof(bulk[0]); i++)
        pipe_bulk_round_trip(bulk[i], rounds_for(rounds, 32 * KIB, bulk[i], 5));
    static const size_t chunks[] = { 1, 64, 4 * KIB, 64 * KIB };
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
        pipe_throughput(chunks[i], rounds_for(rounds * 4, 2 * KIB, chunks[i], 16));
}

static void file_scale(int rounds)
{
    static const int depths[] = { 1, 8, 32 };
    for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++)
        open_depth(depths[i], rounds);
    static const int entries[] = { 100, 1000, 10000 };
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
        getdents_entries(entries[i], at_least(rounds * 5 / entries[i], 2));
    static const uint64_t sizes[] = { 4 * KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        tmpfs_read(sizes[i], rounds_for(rounds, 32 * KIB, sizes[i], 1));
    rmdir(SCALE_DIR);
}

int scale_figures(int rounds)
{
    big_buf = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big_buf == MAP_FAILED) {
        fail("scale: mapping the 1 MiB buffer", errno);
        return errors;
    }
    process_scale(rounds);
    pipe_scale(rounds);
    file_scale(rounds);
    return errors;
}
