/*
 * Running out: memory and handle slots exhausted on purpose. The kernel must
 * refuse what it cannot give (-ENOMEM / -ENOSPC, a faulting process killed),
 * never panic, and get everything back when the holder lets go or dies: the
 * second round of each exhaustion must reach as far as the first, and 200
 * processes started and reaped must leave free memory as it was.
 * Run by /init, which gives it the initrd to start its child from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "check.h"

#define SELF "/bin/test_memory"
#define CHUNK (1u << 20)
#define MAX_HANDLES 8192
#define PROCESSES 200 /* a page leaked per process would show as about 12 pieces of 64 KiB */

static kx_handle_t held[MAX_HANDLES];

/* Child: touches fresh anonymous memory until the kernel stops it. */
static int eat_memory(void)
{
    size_t size = (size_t)4 << 30; /* far more than the machine has */
    volatile uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("test_memory: mmap of 4 GiB refused\n");
        return 100;
    }
    for (size_t off = 0; off < size; off += 4096)
        p[off] = 1;
    printf("test_memory: touched 4 GiB without running out\n");
    return 101;
}

static void release(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        kx_handle_close(held[i]);
}

/* Memory objects of `chunk` bytes until the kernel refuses; returns how many. */
static unsigned fill_with(uint64_t chunk, long *last_error)
{
    unsigned n = 0;
    for (; n < MAX_HANDLES; n++) {
        long h = kx_mem_create(chunk, KX_MEM_CONTIGUOUS); /* contiguous: backed at once */
        if (h < 0) {
            *last_error = h;
            break;
        }
        held[n] = (kx_handle_t)h;
    }
    return n;
}

static unsigned fill_with_memory(long *last_error)
{
    return fill_with(CHUNK, last_error);
}

/* How much memory could be had now, in 64 KiB pieces (given back at once). */
static unsigned free_memory_64k(void)
{
    long err;
    unsigned n = fill_with(64 << 10, &err);
    release(n);
    return n;
}

static void memory_objects(void)
{
    long err1 = 0, err2 = 0;
    unsigned first = fill_with_memory(&err1);
    release(first);
    unsigned second = fill_with_memory(&err2);
    release(second);
    checkf(first > 8 && err1 == -ENOMEM, "1 MiB contiguous memory objects until the kernel refuses: %u MiB, then -ENOMEM",
           first);
    checkf(err2 == -ENOMEM && second + 1 >= first,
           "after closing them, as many again: %u MiB (nothing leaked)", second);
}

static void handle_slots(void)
{
    unsigned n[2];
    long err[2] = { 0, 0 };
    for (int round = 0; round < 2; round++) {
        n[round] = 0;
        for (; n[round] < MAX_HANDLES; n[round]++) {
            long h = kx_notify_create();
            if (h < 0) {
                err[round] = h;
                break;
            }
            held[n[round]] = (kx_handle_t)h;
        }
        release(n[round]);
    }
    checkf((err[0] == -ENOSPC || err[0] == -ENOMEM) && n[0] > 100,
           "notifications until the handle table or memory runs out: %u, then %ld", n[0], err[0]);
    checkf(err[1] == err[0] && n[1] == n[0], "after closing them, exactly as many again: %u", n[1]);
}

static void starving_process(void)
{
    struct kx_initrd rd;
    long status[2] = { -1, -1 };
    for (int round = 0; round < 2; round++) {
        char *argv[] = { SELF, "eat", NULL };
        long child = kx_initrd_open(KX_SLOT_INITRD, &rd) == 0 ? kx_spawn_with(&rd, SELF, argv, NULL, NULL, 0) : -1;
        status[round] = child > 0 ? kx_process_wait((kx_handle_t)child) : child;
        if (child > 0)
            kx_handle_close((kx_handle_t)child);
    }
    checkf(status[0] == SIGKILL, "a process touching 4 GiB of fresh memory is killed with SIGKILL when RAM runs out "
           "(wait status %ld)", status[0]);
    checkf(status[1] == status[0], "its memory came back: a second one gets as far and ends the same way");
    long err = 0;
    unsigned after = fill_with_memory(&err);
    release(after);
    checkf(after > 8, "and this process can still allocate: %u MiB", after);
}

/* Processes come and go without leaving anything behind. */
static void process_churn(void)
{
    struct kx_initrd rd;
    if (!check(kx_initrd_open(KX_SLOT_INITRD, &rd) == 0, "initrd mapped"))
        return;
    char *argv[] = { SELF, "exit", NULL };
    unsigned before = free_memory_64k(), done = 0;
    for (; done < PROCESSES; done++) {
        long child = kx_spawn_with(&rd, SELF, argv, NULL, NULL, 0);
        long status = child > 0 ? kx_process_wait((kx_handle_t)child) : child;
        if (child > 0)
            kx_handle_close((kx_handle_t)child);
        if (status != 0)
            break;
    }
    unsigned after = free_memory_64k();
    checkf(done == PROCESSES && after >= before,
           "%u processes started and reaped: free memory %u x 64 KiB before, %u after (nothing leaked)", done,
           before, after);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "eat"))
        return eat_memory();
    if (argc == 2 && !strcmp(argv[1], "exit"))
        return 0;
    printf("test_memory: start\n");
    memory_objects();
    handle_slots();
    starving_process();
    process_churn();
    return check_summary();
}
