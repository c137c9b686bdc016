/*
 * Robustness of the system-call layer: thousands of implemented Linux and
 * Kenix-native calls with arguments drawn from values that break things --
 * bad and kernel pointers, misaligned and huge lengths, wrong-type, closed
 * and forged handles and fds, flags with every bit set -- mixed with valid
 * ones so that calls also get deep enough to succeed. The kernel must answer
 * every call with a result or an errno in [-4095, -1], never kill this
 * process for a bad argument, and never panic (the scenario checks the
 * console).
 *
 * Then real rendezvous: a partner process (this program with --partner)
 * receives and answers calls, both sides using random transfer descriptors,
 * and both check every delivery (lengths, truncation, bytes, handle counts).
 *
 * The call list comes from the kernel's own lists: KENIX_SYSCALLS
 * (kernel/core/syscall_table.h, the Linux calls) and KENIX_NATIVE_SYSCALLS
 * (<kenix/syscall.h>). Each entry becomes a row naming spec_<name> (native:
 * spec_kx_<name>), which this file must define: a call the kernel gains
 * without a spec here does not compile ("undeclared identifier spec_..."),
 * nor does a spec for a call it dropped (unused). A spec gives the call's
 * argument generator and whether it must succeed at least once in a run, or
 * the reason it is skipped (printed with the counts).
 *
 * Kept bounded, and this program's own state intact:
 *  - Nothing blocks. IPC receive and call, notification and process waits
 *    only get handles they fail on; sleeps are short or refused; wait4 and
 *    waitid always carry WNOHANG. Reads, writes, seeks and fd copies name
 *    only devices that never block -- /dev/null, /dev/zero, /dev/full and
 *    /dev/urandom, kept at fds 10-13 (KEEP_NULL...) -- or no fd at all.
 *  - Those fds stay: close and the dup3 target take their fd from free_fd()
 *    or a fresh copy of /dev/null made for the call, never 0-2 or 10-13
 *    (not even in the low 32 bits). fds 0-2 are the console: only writes
 *    through a bad pointer name them, so nothing reaches it. Every fd a
 *    fuzzed call makes (openat, dup, dup3, fcntl F_DUPFD*, pipe2) is closed
 *    right after the call.
 *  - Memory the kernel writes through a pointer argument is `buf` (lengths
 *    within the room left there) or invalid; address-space calls only touch
 *    `arena`; brk never goes below the current break.
 *  - clone: fork and vfork at most FORK_BUDGET times a run. The child exits
 *    in the very asm block that made the call (trap_clone), touching nothing;
 *    the CLONE_VM forms get stack 0 or clone_stack, never a random one.
 *    Children are reaped with WNOHANG every 200 calls and waited for at the
 *    end, so none is left behind (test_memory counts pages after us).
 *  - Signals: kill, tkill and tgkill send 0, invalid numbers, or SIGCHLD,
 *    SIGURG, SIGWINCH (ignored by default, and no handler can be installed)
 *    -- those three only to this process or its group (never to pid -1,
 *    everyone, which -pgid also is in group 1). Any other target, the parent
 *    and pid -1 included, gets 0 or an invalid number.
 *    rt_sigaction may set SIG_IGN or SA_NOCLDWAIT for SIGCHLD: children are
 *    then reaped by the kernel and the reaper's waits find ECHILD, which is
 *    fine. Masks may block anything: nothing here waits for a signal.
 *  - Credentials: uid/gid arguments are 0, -1 (unchanged) or those with
 *    garbage in the upper 32 bits: root stays root. setgroups sets at most
 *    MAX_GROUPS from readable memory (so getgroups writes at most 64 bytes);
 *    bigger sizes only with bad pointers.
 *  - Limits: a new limit is the current one, one with cur > max (EINVAL), or
 *    a raised one -- never lower, so what succeeded once still can. Only this
 *    process's limits change: other pids' are only read, or refused.
 *  - Process groups and sessions: setpgid names this process, its own
 *    short-lived fork children, or pids it must refuse; setsid is called
 *    freely. As process 1 (a session leader) both fail but for moving a child
 *    not yet gone; run by another program, this one may become a group or
 *    session leader of its own, which nothing here relies on.
 *  - exit and exit_group are skipped.
 *
 * usage: fuzz_syscalls [iterations [seed [trace|quiet]]]   (default 20000, seed 1)
 * With `trace` every call is printed before it is made, to find the one that
 * misbehaves; with `quiet` nothing is printed and only the exit status tells
 * (test_memory runs it that way, to look for memory its failures leak).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>
#include <kenix/syscall.h> /* KENIX_NATIVE_SYSCALLS */
#include <kenix/trace.h>

#include "core/syscall_table.h" /* KENIX_SYSCALLS, from the kernel's source */

#include "check.h"

/* Output that quiet mode suppresses. */
#define note(...)                     \
    do {                              \
        if (!checks_quiet)            \
            printf(__VA_ARGS__);      \
    } while (0)

#define ARENA_PAGES 16
#define KERNEL_TEXT 0xffffffff80080000ull
#define KERNEL_LINEAR 0xffff000040000000ull
#define NOWHERE 0x0000700000000000ull    /* user half, never mapped here (the stack is at the top) */
#define BEYOND_USER 0x0001000000000000ull /* past the 48-bit user half */
#define GARBAGE_HIGH 0xdead00000000ull    /* upper 32 bits a 32-bit argument must ignore */
#define NREGS 12 /* x0-x7, x9-x11 and the x8 slot, which carries the number */

/* Devices kept open for the whole run at fixed fds: reads and writes on them never block. */
#define KEEP_NULL 10    /* /dev/null, read-write: reads see end of file, writes vanish */
#define KEEP_ZERO 11    /* /dev/zero, read-write */
#define KEEP_FULL 12    /* /dev/full, write-only: writes fail with ENOSPC, reads with EBADF */
#define KEEP_URANDOM 13 /* /dev/urandom, read-only */
#define REAL_ROOT_FD 15  /* "/" (O_PATH), to undo a chroot that worked; no call names it */
#define KEEP_FIRST KEEP_NULL
#define KEEP_LAST KEEP_URANDOM

#define FORK_BUDGET 100 /* forks and vforks a run may make: each costs a process */
#define MAX_GROUPS 16   /* supplementary groups setgroups may set */
#define MAX_IOV 1024    /* the kernel's IOV_MAX */

static _Alignas(4096) unsigned char buf[16384];
static struct kx_initrd initrd;
static unsigned char *arena;
static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static uint64_t one_of(const uint64_t *v, size_t n)
{
    return v[rnd() % n];
}
#define ONE_OF(...) one_of((const uint64_t[]){ __VA_ARGS__ }, sizeof((const uint64_t[]){ __VA_ARGS__ }) / 8)
#define PTR(p) ((uint64_t)(uintptr_t)(p))

/* Handles worth trying: live objects of every kind this program can make. */
enum { H_EP, H_EP_SEND_ONLY, H_NOTIFY, H_MEM, H_MEM_DMA, H_PROCESS, H_INITRD, H_EVENT, H_TERM, H_SYSINFO, H_COUNT };
static kx_handle_t handles[H_COUNT];
/* Handles random calls created: closed now and then so memory stays bounded. */
static long created[256];
static unsigned ncreated;

/* Nothing the program can access. */
static uint64_t bad_pointer(void)
{
    return ONE_OF(0, 8, 4095, KERNEL_TEXT, KERNEL_LINEAR, NOWHERE, BEYOND_USER, 0xdead0000beef0000ull,
                  (uint64_t)-1, KERNEL_TEXT - 1);
}

/* A handle a blocking call fails on at once: none at all, or an object it
 * cannot wait on. Checked now, since a closed slot may since hold an endpoint. */
static uint64_t bad_handle(void)
{
    uint64_t h = ONE_OF(0, (uint64_t)-1, 4096, 0x7fffffff, 0x100000000ull, (uint64_t)handles[H_MEM],
                        (uint64_t)handles[H_NOTIFY] + 1000, (uint64_t)handles[H_INITRD]);
    struct kx_handle_info info;
    if (h == (uint64_t)(kx_handle_t)h && kx_handle_info((kx_handle_t)h, &info) == 0 &&
        (info.type == KX_OBJ_ENDPOINT || info.type == KX_OBJ_NOTIFICATION || info.type == KX_OBJ_PROCESS))
        return 0x7fffffff;
    return h;
}

/* Anything: small and huge numbers, pointers good and bad, live handles. */
static uint64_t any(void)
{
    switch (rnd() % 6) {
    case 0: return ONE_OF(0, 1, 2, 3, 7, 8, 64, 4095, 4096, 4097, 65536, 0x7fffffff, 0x80000000ull, (uint64_t)-1,
                          (uint64_t)-4096, 0x8000000000000000ull);
    case 1: return rnd();
    case 2: return bad_pointer();
    case 3: return PTR(buf + ONE_OF(0, 1, 8, 4093, 4096, sizeof(buf) - 512));
    case 4: return (uint64_t)handles[rnd() % H_COUNT];
    default: return rnd() & 0xff;
    }
}

/* A pointer the kernel may write a small structure (<= 512 bytes) through. */
static uint64_t out_pointer(void)
{
    return rnd() % 3 ? PTR(buf + (rnd() % (sizeof(buf) - 512))) : bad_pointer();
}

/* Sometimes no pointer at all, else as out_pointer. */
static uint64_t maybe_out(void)
{
    return rnd() % 4 ? out_pointer() : 0;
}

static uint64_t arena_address(void)
{
    uint64_t base = PTR(arena);
    return rnd() % 4 ? base + (rnd() % ARENA_PAGES) * 4096 : ONE_OF(0, base + 1, KERNEL_TEXT, BEYOND_USER - 4096);
}

/* A length for a range starting at addr: inside the arena if addr is, or one
 * that wraps around the address space (which must be refused). */
static uint64_t arena_length(uint64_t addr)
{
    uint64_t base = PTR(arena), end = base + ARENA_PAGES * 4096;
    if (addr < base || addr >= end)
        return ONE_OF(0, 1, 4096, 65536, (uint64_t)-4096, (uint64_t)-1);
    return ONE_OF(0, 1, 4096, end - addr, (end - addr) / 2, (uint64_t)-4096, (uint64_t)-1, (uint64_t)-addr);
}

static uint64_t length(void)
{
    return ONE_OF(0, 1, 7, 4096, 4097, 65536, 1 << 20, (uint64_t)-1, 0x7fffffffffffffffull, rnd() % 20000);
}

/* A place the kernel may write len bytes to: in buf with the length bounded
 * by the room left there, or a bad pointer with any length. */
static void into_buf(uint64_t *ptr, uint64_t *len)
{
    if (rnd() % 4) {
        uint64_t off = rnd() % sizeof(buf), room = sizeof(buf) - off;
        *ptr = PTR(buf + off);
        *len = ONE_OF(0, 1, room, rnd() % (room + 1), room < 4096 ? room : 4096);
    } else {
        *ptr = bad_pointer();
        *len = length();
    }
}

/* --- fds --------------------------------------------------------------------------------- */

static bool kept_fd(int64_t fd)
{
    return (fd >= 0 && fd <= 2) || (fd >= KEEP_FIRST && fd <= KEEP_LAST);
}

/* An fd to read, write, seek or copy: a kept device two times in three, else
 * none (3 and 4 are closed whenever a fuzzed call runs). */
static uint64_t use_fd(void)
{
    if (rnd() % 3)
        return KEEP_FIRST + rnd() % (KEEP_LAST - KEEP_FIRST + 1);
    return ONE_OF(3, 4, 63, 1024, (uint64_t)-1, 0x7fffffff, 0x80000000ull, GARBAGE_HIGH | KEEP_ZERO);
}

/* An fd a call may close or replace: never 0-2 or a kept one, not even in
 * the low 32 bits. */
static uint64_t free_fd(void)
{
    return ONE_OF(3, 4, 9, 14, 63, 1023, 1024, 4096, (uint64_t)-1, 0x7fffffff, 0x80000000ull, GARBAGE_HIGH | 20);
}

/* A real fd for close or dup3 to act on: a fresh copy of /dev/null, closed
 * after the call if it is still there. */
static int prepared_fd = -1;
static uint64_t victim_fd(void)
{
    long fd = syscall(SYS_dup, KEEP_NULL);
    if (fd < 0 || kept_fd(fd))
        return free_fd();
    prepared_fd = (int)fd;
    return (uint64_t)fd;
}

/* fds fuzzed calls made that were not new ones, or that could not be closed. */
static unsigned wrong_fds;

static void close_made(long fd, const char *by)
{
    if (kept_fd(fd) || fd < 0) {
        if (wrong_fds++ < 5)
            note("FAIL %s made fd %ld, which was open already or is no fd\n", by, fd);
        return;
    }
    if (syscall(SYS_close, fd) != 0 && wrong_fds++ < 5)
        note("FAIL the fd %ld %s made does not close: errno %d\n", fd, by, errno);
}

/* Keeps the devices at their fixed fds. */
static bool keep_devices(void)
{
    static const struct {
        const char *path;
        int flags, fd;
    } dev[] = {
        { "/dev/null", O_RDWR, KEEP_NULL },
        { "/dev/zero", O_RDWR, KEEP_ZERO },
        { "/dev/full", O_WRONLY, KEEP_FULL },
        { "/dev/urandom", O_RDONLY, KEEP_URANDOM },
    };
    for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
        int fd = open(dev[i].path, dev[i].flags);
        if (fd < 0 || dup3(fd, dev[i].fd, 0) != dev[i].fd)
            return false;
        close(fd);
    }
    return true;
}

/* --- processes ------------------------------------------------------------------------- */

static unsigned forks_left = FORK_BUDGET;
static int children[2 * FORK_BUDGET]; /* forked, maybe not yet reaped */
static unsigned nchildren;
static long last_child;
static _Alignas(16) unsigned char clone_stack[4096]; /* the CLONE_VM child's stack, if it used one */

/* Collects the children that are gone (all of them, waiting, if `wait`). */
static void reap_children(bool wait)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < nchildren; i++) {
        long r;
        do
            r = syscall(SYS_wait4, children[i], 0, (wait ? 0 : WNOHANG) | __WALL, 0);
        while (r < 0 && errno == EINTR);
        if (r == 0)
            children[kept++] = children[i];
    }
    nchildren = kept;
}

static uint64_t self(void)
{
    return (uint64_t)getpid();
}

static long own_group(void)
{
    return syscall(SYS_getpgid, 0);
}

/* Pids for calls that only look or wait (WNOHANG): anyone, or no one. */
static uint64_t any_pid(void)
{
    return ONE_OF(0, self(), GARBAGE_HIGH | self(), (uint64_t)getppid(), 1, (uint64_t)last_child,
                  (uint64_t)-own_group(), (uint64_t)-1, 0x80000000ull, 0x7fffffff, (uint64_t)-0x7fffffff, 99999);
}

/* Sleeps that end at once or are refused. */
static const struct timespec ts_short = { 0, 1000 }, ts_bad_nsec = { 0, 1000000000 }, ts_negative = { -1, 0 };
static uint64_t sleep_request(void)
{
    return rnd() % 4 ? ONE_OF(PTR(&ts_short), PTR(&ts_bad_nsec), PTR(&ts_negative)) : bad_pointer();
}

/* --- the specs: one per call, spec_<name> ----------------------------------------------- */

struct spec {
    void (*args)(uint64_t a[NREGS]); /* the argument generator; NULL if skipped */
    /* After the call: undoes what it made (fds, children). */
    void (*after)(const char *name, const uint64_t a[NREGS], long r);
    bool sometimes;   /* must succeed at least once in a run */
    bool files;       /* names paths: not made in a "nofiles" run */
    const char *skip; /* why the call is never made */
};
#define SPEC(name, ...) static const struct spec spec_##name = { __VA_ARGS__ }

static void generic(uint64_t a[NREGS])
{
    for (int i = 0; i < NREGS; i++)
        a[i] = any();
}

static void first_bad_handle(uint64_t a[NREGS])
{
    generic(a);
    a[0] = bad_handle();
}

static void writes_out(uint64_t a[NREGS])
{
    generic(a);
    a[0] = out_pointer();
}

/* fds made by a call: closed at once. */
static void after_new_fd(const char *name, const uint64_t a[NREGS], long r)
{
    (void)a;
    if (r >= 0)
        close_made(r, name);
}

/* read, readv, write, writev */

static void read_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
    into_buf(&a[1], &a[2]);
}

static void write_args(uint64_t a[NREGS])
{
    generic(a);
    if (rnd() % 8 == 0) {
        a[0] = ONE_OF(0, 1, 2); /* the console: through a bad pointer only */
        a[1] = bad_pointer();
    } else {
        a[0] = use_fd();
    }
    a[2] = length();
}

static struct iovec iovs[MAX_IOV]; /* vectors the kernel reads */

static uint64_t iov_count(void)
{
    return ONE_OF(0, 1, 2, 3, 8, 9, 64, MAX_IOV, MAX_IOV + 1, (uint64_t)-1, 0x100000001ull);
}

/* n vectors for readv: each into buf within the room there, or bad, or
 * empty; the good ones ask for about 64 KiB at most, so long lists stay quick. */
static void read_vectors(uint64_t n)
{
    if (n > MAX_IOV)
        n = MAX_IOV;
    uint64_t share = 65536 / (n ? n : 1);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t base, len;
        switch (rnd() % 5) {
        case 0: base = bad_pointer(); len = length(); break;
        case 1: base = 0; len = 0; break;
        default: {
            uint64_t off = rnd() % sizeof(buf), room = sizeof(buf) - off;
            base = PTR(buf + off);
            len = rnd() % (share + 1);
            if (len > room)
                len = room;
        }
        }
        iovs[i] = (struct iovec){ (void *)(uintptr_t)base, len };
    }
}

static void readv_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
    a[2] = iov_count();
    /* Never vectors in buf: what is there may point anywhere. */
    a[1] = rnd() % 4 ? PTR(iovs) : bad_pointer();
    if (rnd() % 4 == 0) { /* one that works: a few vectors from a device that fills them */
        a[0] = ONE_OF(KEEP_NULL, KEEP_ZERO, KEEP_URANDOM);
        a[1] = PTR(iovs);
        a[2] = 1 + rnd() % 8;
    }
    if (a[1] == PTR(iovs))
        read_vectors(a[2]);
}

static void writev_args(uint64_t a[NREGS])
{
    generic(a);
    if (rnd() % 8 == 0) {
        a[0] = ONE_OF(0, 1, 2); /* the console: vectors at a bad address only */
        a[1] = bad_pointer();
        a[2] = ONE_OF(1, 2, 8);
        return;
    }
    a[0] = use_fd();
    a[1] = ONE_OF(PTR(iovs), PTR(iovs), PTR(iovs), PTR(buf), bad_pointer());
    a[2] = iov_count();
    if (rnd() % 4 == 0) { /* one that works: a few vectors to a device that takes them */
        a[0] = ONE_OF(KEEP_NULL, KEEP_ZERO);
        a[1] = PTR(iovs);
        a[2] = 1 + rnd() % 8;
    }
    /* The kept devices do not read what they are given: any base will do. */
    if (a[1] == PTR(iovs))
        for (uint64_t i = 0; i < a[2] && i < MAX_IOV; i++)
            iovs[i] = (struct iovec){ (void *)(uintptr_t)any(), rnd() % 2 ? rnd() % 20000 : length() };
}

/* openat, close, dup, dup3, fcntl, pipe2, lseek, ioctl */

static char long_path[5000]; /* longer than PATH_MAX */

static void openat_args(uint64_t a[NREGS])
{
    static const char *const paths[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                         "/dev/klog", "/dev/nope", "", "dev/null", "/dev/null/", "/", "/dev" };
    generic(a);
    a[0] = ONE_OF((uint64_t)(int64_t)AT_FDCWD, (uint32_t)AT_FDCWD, KEEP_NULL, 3, (uint64_t)-1);
    switch (rnd() % 8) {
    case 0: a[1] = bad_pointer(); break;
    case 1: a[1] = ONE_OF(PTR(long_path), PTR(buf + rnd() % sizeof(buf))); break;
    default: a[1] = PTR(paths[rnd() % (sizeof(paths) / sizeof(paths[0]))]); break;
    }
    a[2] = ONE_OF(O_RDONLY, O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE, O_RDONLY | O_CLOEXEC, O_RDWR | O_NONBLOCK,
                  O_DIRECTORY, O_CREAT | O_EXCL | O_WRONLY, O_PATH, O_TRUNC | O_APPEND | O_RDWR, (uint64_t)-1, rnd());
    a[3] = ONE_OF(0, 0644, 0777, (uint64_t)-1);
}

static void close_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = rnd() % 3 ? free_fd() : victim_fd();
}

static void dup_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
}

static void dup3_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
    a[1] = rnd() % 3 ? free_fd() : victim_fd();
    if (rnd() % 8 == 0)
        a[0] = a[1]; /* the same fd twice: refused */
    a[2] = ONE_OF(0, 0, O_CLOEXEC, O_CLOEXEC | 1, (uint64_t)-1);
}

static void fcntl_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
    a[1] = ONE_OF(F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, 1000, (uint64_t)-1);
    a[2] = ONE_OF(0, 1, 3, 14, 1023, 1024, O_NONBLOCK, O_APPEND | O_NONBLOCK, (uint64_t)-1, 0x7fffffff, rnd());
}

static void after_fcntl(const char *name, const uint64_t a[NREGS], long r)
{
    if (r >= 0 && (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC))
        close_made(r, name);
}

static void pipe2_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = maybe_out();
    a[1] = ONE_OF(0, 0, O_CLOEXEC, O_NONBLOCK, O_CLOEXEC | O_NONBLOCK, O_DIRECT, (uint64_t)-1);
}

static void after_pipe2(const char *name, const uint64_t a[NREGS], long r)
{
    if (r != 0)
        return;
    if (a[0] < PTR(buf) || a[0] + 2 * sizeof(int) > PTR(buf + sizeof(buf))) {
        if (wrong_fds++ < 5)
            note("FAIL %s succeeded with its fds to go to %#llx\n", name, (unsigned long long)a[0]);
        return;
    }
    int fds[2];
    memcpy(fds, (const void *)(uintptr_t)a[0], sizeof(fds));
    close_made(fds[0], name);
    close_made(fds[1], name);
}

static void lseek_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
    a[1] = ONE_OF(0, 1, 4096, (uint64_t)-1, 0x7fffffffffffffffull, 0x8000000000000000ull, rnd());
    a[2] = ONE_OF(SEEK_SET, SEEK_CUR, SEEK_END, 3, 4, (uint64_t)-1);
}

static void ioctl_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
    a[1] = ONE_OF(FIOCLEX, FIONCLEX, FIONBIO, FIONREAD, TCGETS, TIOCGWINSZ, 0, (uint64_t)-1, GARBAGE_HIGH | FIOCLEX,
                  rnd());
    a[2] = rnd() % 2 ? out_pointer() : any(); /* what the kernel writes goes to buf */
}

/* clone, wait4, waitid */

/* execve, execveat: never a program that exists (the fuzzer must go on), so
 * every call fails -- bad pointers, paths that are no executable file
 * (missing, a directory, not executable, a file as a directory, too long,
 * empty), hostile argv/envp vectors, bad dirfds and flags. Only fixed paths:
 * bytes from buf could spell a program's name. */
static const char *const exec_bad_paths[] = { "/nonexistent", "/etc/motd", "/", "/bin", "/bin/", "/dev/null",
                                              "/init/x", "", "nonexistent", "/bin/./../nonexistent",
                                              /* executable files that fail only after argv and envp
                                               * were copied (test_exec's): the vectors get fuzzed */
                                              "/bin/exec_garbage", "/bin/exec_nest_6", "/bin/exec_badinterp",
                                              "/bin/exec_short" };
static const char *const exec_vec_ok[] = { "x", "y", NULL };
static uint64_t exec_vec_bad[] = { 0, 0 };

static uint64_t exec_path(void)
{
    switch (rnd() % 6) {
    case 0: return bad_pointer();
    case 1: return PTR(long_path);
    default: return PTR(exec_bad_paths[rnd() % (sizeof(exec_bad_paths) / sizeof(exec_bad_paths[0]))]);
    }
}

static uint64_t exec_vector(void)
{
    exec_vec_bad[0] = bad_pointer() | 1; /* a string pointer that faults (never NULL) */
    return ONE_OF(0, PTR(exec_vec_ok), PTR(exec_vec_bad), bad_pointer(), any());
}

static void execve_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = exec_path();
    a[1] = exec_vector();
    a[2] = exec_vector();
}

static void execveat_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF((uint64_t)(int64_t)AT_FDCWD, (uint32_t)AT_FDCWD, KEEP_NULL, 3, (uint64_t)-1, any());
    a[1] = exec_path();
    a[2] = exec_vector();
    a[3] = exec_vector();
    a[4] = ONE_OF(0, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, (uint64_t)-1, any());
}

static void clone_args(uint64_t a[NREGS])
{
    generic(a);
    uint64_t extra = ONE_OF(0, 0, CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID,
                            CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID);
    if (forks_left && rnd() % 2) {
        forks_left--;
        a[0] = ONE_OF(SIGCHLD, CLONE_VFORK | SIGCHLD, CLONE_VM | CLONE_VFORK | SIGCHLD) | extra;
    } else {
        /* Threads, namespaces, other exit signals (harmless ones: a child
         * exiting with SIGKILL would kill its parent) and unknown bits. */
        a[0] = ONE_OF(0, SIGURG, SIGWINCH, 0xff, CLONE_VM | SIGCHLD, CLONE_VM | CLONE_VFORK,
                      CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | SIGCHLD, CLONE_FILES | SIGCHLD, CLONE_NEWNS | SIGCHLD,
                      CLONE_PIDFD | SIGCHLD, (1ull << 32) | SIGCHLD, (uint64_t)-1) |
               extra;
    }
    uint64_t top = PTR(clone_stack + sizeof(clone_stack));
    a[1] = a[0] & CLONE_VM ? ONE_OF(0, top) : ONE_OF(0, top, any()); /* the child's stack */
    a[2] = out_pointer(); /* parent_tid */
    a[3] = any();         /* tls */
    a[4] = out_pointer(); /* child_tid: with CLONE_VM, also written at the child's exit */
}

static void after_clone(const char *name, const uint64_t a[NREGS], long r)
{
    (void)name;
    (void)a;
    if (r <= 0)
        return;
    if (nchildren == sizeof(children) / sizeof(children[0]))
        reap_children(true);
    children[nchildren++] = (int)r;
    last_child = r;
}

static void wait4_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = any_pid();
    a[1] = maybe_out();
    a[2] = WNOHANG | ONE_OF(0, 0, WUNTRACED, WCONTINUED, __WALL, __WCLONE, __WNOTHREAD, WNOWAIT, WEXITED, 0x100,
                            rnd());
    a[3] = rnd() % 2 ? maybe_out() : 0;
}

static void waitid_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(P_ALL, P_ALL, P_PID, P_PGID, P_PIDFD, 4, (uint64_t)-1);
    a[1] = any_pid();
    a[2] = maybe_out();
    a[3] = WNOHANG | ONE_OF(WEXITED, WEXITED, WEXITED | WNOWAIT, WSTOPPED, WCONTINUED, 0, WEXITED | __WALL, rnd());
    a[4] = rnd() % 2 ? maybe_out() : 0;
}

/* ids, groups, sessions, prctl */

static void pid_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = any_pid();
}

/* syslog: the actions that leave the log and the console as they were (no
 * clearing, no console level: later checks read both; no blocking READ). */
static void syslog_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, 3, 3, 3, 9, 10, 11, (uint64_t)-1, 0x7fffffff, GARBAGE_HIGH | 3);
    into_buf(&a[1], &a[2]); /* room in buf, or a bad pointer: the log is bigger than buf */
    if (rnd() % 4 == 0) {
        a[1] = rnd() % 2 ? 0 : bad_pointer();
        a[2] = ONE_OF(0, (uint64_t)-1, 0x80000000ull, 1 << 20, GARBAGE_HIGH | 64);
    }
}

/* sched_getaffinity, sched_setaffinity: a pid, a length, a mask in buf or a bad pointer. */
static void affinity_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = any_pid();
    a[1] = ONE_OF(0, 4, 8, 16, 128, 1024, (uint64_t)-8, rnd() % 4096);
    a[2] = out_pointer();
}

static void setpgid_args(uint64_t a[NREGS])
{
    generic(a);
    /* This process, its children, or pids to refuse: a parent's group is not ours to change. */
    a[0] = ONE_OF(0, self(), (uint64_t)last_child, (uint64_t)last_child, (uint64_t)getppid(), 1, (uint64_t)-1,
                  0x80000000ull, 0x7fffffff);
    if ((int32_t)a[0] == getppid() && getppid() != 0)
        a[0] = 0x7fffffff;
    a[1] = ONE_OF(0, 0, self(), (uint64_t)own_group(), (uint64_t)last_child, 1, (uint64_t)-1, 0x7fffffff);
}

static void prctl_args(uint64_t a[NREGS])
{
    static const char name[] = "fuzzed", long_name[] = "a name longer than the 16 bytes of comm";
    generic(a);
    /* Only options that are safe if they work (no death signal, no seccomp). */
    a[0] = ONE_OF(PR_SET_NAME, PR_SET_NAME, PR_GET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_DUMPABLE,
                  PR_GET_PDEATHSIG, PR_GET_KEEPCAPS, 0, 1000, (uint64_t)-1, GARBAGE_HIGH | PR_GET_NAME);
    /* A name to read for PR_SET_NAME; for the rest, where a result may be written. */
    if ((uint32_t)a[0] == PR_SET_NAME)
        a[1] = ONE_OF(PTR(name), PTR(long_name), PTR(buf + rnd() % sizeof(buf)), bad_pointer());
    else
        a[1] = ONE_OF(out_pointer(), out_pointer(), bad_pointer(), 0, 1, 2);
}

/* kill, tkill, tgkill */

/* 0 (only a check), a signal ignored by default, or no signal at all. */
static uint64_t signal_number(void)
{
    return ONE_OF(0, 0, SIGCHLD, SIGURG, SIGWINCH, 65, 128, (uint64_t)-1, 0x100000000ull);
}

static bool delivers(uint64_t sig)
{
    int s = (int)(uint32_t)sig;
    return s == SIGCHLD || s == SIGURG || s == SIGWINCH;
}

/* Where a real signal may go: this process, or its group (-pgid, unless
 * that is -1: everyone). */
static uint64_t signal_target(void)
{
    long g = own_group();
    return ONE_OF(self(), self(), GARBAGE_HIGH | self(), 0, g > 1 ? (uint64_t)-g : 0);
}

static void kill_args(uint64_t a[NREGS])
{
    generic(a);
    a[1] = signal_number();
    a[0] = delivers(a[1]) ? signal_target() : any_pid();
}

static void tkill_args(uint64_t a[NREGS])
{
    generic(a);
    a[1] = signal_number();
    a[0] = delivers(a[1]) ? ONE_OF(self(), GARBAGE_HIGH | self()) : any_pid();
}

static void tgkill_args(uint64_t a[NREGS])
{
    generic(a);
    a[2] = signal_number();
    if (delivers(a[2])) {
        a[0] = ONE_OF(self(), self(), GARBAGE_HIGH | self(), 0, (uint64_t)-1, 0x7fffffff);
        a[1] = self();
    } else {
        a[0] = any_pid();
        a[1] = rnd() % 2 ? self() : any_pid();
    }
}

/* rt_sigprocmask, rt_sigpending, rt_sigaction */

static uint64_t sigset_size(void)
{
    return ONE_OF(8, 8, 8, 0, 4, 16, (uint64_t)-1);
}

static uint64_t sigset_in; /* what rt_sigprocmask reads */

static void sigprocmask_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, 3, (uint64_t)-1);
    sigset_in = ONE_OF(0, ~0ull, 1ull << (SIGCHLD - 1), 1ull << (SIGKILL - 1), rnd());
    a[1] = ONE_OF(0, PTR(&sigset_in), PTR(&sigset_in), bad_pointer());
    a[2] = maybe_out();
    a[3] = sigset_size();
}

/* ppoll and pselect6 never block long: the timeout is zero, 1 us (the next
 * tick), invalid or at a bad address, never absent; what the kernel writes
 * (revents, sets, the time left) lands in these, whose sizes bound nfds when
 * the pointers are good. The kept devices are always ready. */
#define POLL_FDS 8
static struct pollfd poll_fds[POLL_FDS];
static uint64_t select_sets[3][2]; /* 128 descriptors each */
static struct timespec poll_ts;
static uint64_t poll_mask;
static struct {
    uint64_t p, size;
} select_pack;

static uint64_t poll_timeout(void)
{
    switch (rnd() % 8) {
    case 0: poll_ts = (struct timespec){ 0, 1000 }; break;
    case 1: poll_ts = (struct timespec){ -1, 0 }; break;
    case 2: poll_ts = (struct timespec){ 0, 1000000000 }; break;
    case 3: return bad_pointer() | 1; /* never 0: that is "forever" */
    default: poll_ts = (struct timespec){ 0, 0 }; break;
    }
    return PTR(&poll_ts);
}

static uint64_t poll_sigmask(void)
{
    poll_mask = ONE_OF(0, ~0ull, 1ull << (SIGCHLD - 1), rnd());
    return ONE_OF(0, 0, PTR(&poll_mask), bad_pointer());
}

static uint64_t poll_fd(void)
{
    return ONE_OF(KEEP_NULL, KEEP_ZERO, KEEP_FULL, KEEP_URANDOM, 0, (uint64_t)-1, 3, 1023, 0x7fffffff, rnd());
}

static void ppoll_args(uint64_t a[NREGS])
{
    generic(a);
    for (int i = 0; i < POLL_FDS; i++)
        poll_fds[i] = (struct pollfd){ .fd = (int)poll_fd(), .events = (short)ONE_OF(POLLIN, POLLOUT, 0, rnd()),
                                       .revents = (short)rnd() };
    bool good = rnd() % 4;
    a[0] = good ? PTR(poll_fds) : bad_pointer();
    /* Past the array only where nothing can be copied: beyond any RLIMIT_NOFILE, or a bad pointer. */
    a[1] = rnd() % 4 ? rnd() % (POLL_FDS + 1)
                     : ONE_OF((1u << 20) + 1, (uint64_t)-1, 0x100000001ull, good ? 0 : 1024);
    a[2] = poll_timeout();
    a[3] = poll_sigmask();
    a[4] = ONE_OF(8, 8, 8, 0, 7, 128, (uint64_t)-1);
}

static void pselect6_args(uint64_t a[NREGS])
{
    generic(a);
    bool good = rnd() % 4;
    for (int s = 0; s < 3; s++) {
        select_sets[s][0] = ONE_OF(0, 1ull << KEEP_NULL, (1ull << KEEP_ZERO) | (1ull << KEEP_URANDOM), 1ull << 3,
                                   rnd());
        select_sets[s][1] = rnd() % 4 ? 0 : rnd();
        a[1 + s] = good ? ONE_OF(0, PTR(select_sets[s]), PTR(select_sets[s])) : ONE_OF(0, bad_pointer());
    }
    /* At most the sets' 128 bits with good pointers (the kernel writes that many back). */
    a[0] = good ? ONE_OF(0, 1, KEEP_LAST + 1, 64, 128, rnd() % 129, (uint64_t)-1, 0xffffffff00000000ull | 14)
                : ONE_OF(1024, 0x7fffffff, 1u << 20, rnd());
    a[4] = poll_timeout();
    select_pack.p = poll_sigmask();
    select_pack.size = ONE_OF(8, 8, 8, 0, 16);
    a[5] = ONE_OF(0, PTR(&select_pack), PTR(&select_pack), bad_pointer());
}

static void sigpending_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = maybe_out();
    a[1] = ONE_OF(8, 8, 0, 4, 9, (uint64_t)-1);
}

/* The kernel's struct sigaction on AArch64. */
static struct {
    uint64_t handler, flags, restorer, mask;
} sigaction_in;

/* Signals a handler may not be forged for: those the fuzzer sends itself
 * (kill and friends, SIGCHLD from its children) and those a fault would
 * raise -- a handler at a random address would run. */
static bool must_stay_harmless(uint64_t sig)
{
    int s = (int)sig;
    return delivers(sig) || s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGTRAP || s == SIGFPE;
}

static void sigaction_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(1 + rnd() % 64, 1 + rnd() % 64, SIGCHLD, SIGKILL, SIGSTOP, 0, 65, (uint64_t)-1);
    /* SIG_DFL and SIG_IGN; handlers at addresses that are none, only for
     * signals nothing sends here. */
    sigaction_in.handler = ONE_OF((uint64_t)SIG_DFL, (uint64_t)SIG_DFL, (uint64_t)SIG_IGN, (uint64_t)SIG_IGN,
                                  KERNEL_TEXT, NOWHERE, rnd());
    if (must_stay_harmless(a[0]) && sigaction_in.handler > (uint64_t)SIG_IGN)
        sigaction_in.handler = (uint64_t)SIG_IGN;
    sigaction_in.flags = ONE_OF(0, SA_NOCLDWAIT, SA_NOCLDSTOP, SA_RESTART | SA_SIGINFO, 0x04000000 /* SA_RESTORER */,
                                rnd());
    sigaction_in.restorer = any();
    sigaction_in.mask = rnd();
    a[1] = ONE_OF(0, PTR(&sigaction_in), PTR(&sigaction_in), bad_pointer());
    a[2] = maybe_out();
    a[3] = ONE_OF(8, 8, 8, 8, 0, 16);
    if (rnd() % 4 == 0) { /* one that works */
        a[0] = ONE_OF(SIGCHLD, SIGURG, SIGWINCH, SIGUSR1, SIGTERM);
        sigaction_in.handler = ONE_OF((uint64_t)SIG_DFL, (uint64_t)SIG_IGN);
        a[1] = ONE_OF(0, PTR(&sigaction_in));
        a[2] = ONE_OF(0, PTR(buf));
        a[3] = 8;
    }
}

/* rt_sigtimedwait: never without a timeout (nothing sends most signals). */
static const struct timespec ts_zero = { 0, 0 };

static void sigtimedwait_args(uint64_t a[NREGS])
{
    generic(a);
    sigset_in = ONE_OF(0, ~0ull, 1ull << (SIGURG - 1), rnd());
    a[0] = ONE_OF(PTR(&sigset_in), PTR(&sigset_in), bad_pointer());
    a[1] = maybe_out();
    a[2] = rnd() % 4 ? ONE_OF(PTR(&ts_zero), PTR(&ts_short), PTR(&ts_bad_nsec), PTR(&ts_negative)) : bad_pointer();
    if (!a[2])
        a[2] = PTR(&ts_zero); /* NULL is "forever" */
    a[3] = sigset_size();
}

/* rt_sigqueueinfo, rt_tgsigqueueinfo: what kill may send, where kill may send it. */
static struct {
    int32_t signo, err, code, pad;
    uint64_t rest[14];
} queue_info;

static void queue_info_fill(void)
{
    /* SI_QUEUE; SI_USER, SI_TKILL and SI_KERNEL, refused unless to oneself; anything. */
    queue_info.code = (int32_t)ONE_OF((uint64_t)-1, 0, (uint64_t)-6, 0x80, rnd());
    queue_info.rest[0] = rnd();
}

static void sigqueueinfo_args(uint64_t a[NREGS])
{
    generic(a);
    a[1] = rnd() % 2 ? ONE_OF(SIGCHLD, SIGURG, SIGWINCH) : signal_number();
    a[0] = delivers(a[1]) ? ONE_OF(self(), GARBAGE_HIGH | self()) : any_pid();
    queue_info_fill();
    a[2] = ONE_OF(PTR(&queue_info), PTR(&queue_info), bad_pointer());
}

static void tgsigqueueinfo_args(uint64_t a[NREGS])
{
    generic(a);
    a[2] = rnd() % 2 ? ONE_OF(SIGCHLD, SIGURG, SIGWINCH) : signal_number();
    if (delivers(a[2])) {
        a[0] = ONE_OF(self(), self(), self(), 0, (uint64_t)-1);
        a[1] = self();
    } else {
        a[0] = any_pid();
        a[1] = rnd() % 2 ? self() : any_pid();
    }
    queue_info_fill();
    a[3] = ONE_OF(PTR(&queue_info), PTR(&queue_info), bad_pointer());
}

/* sigaltstack: stacks anywhere (no handler here ever runs on one). */
static struct {
    uint64_t sp;
    int32_t flags, pad;
    uint64_t size;
} stack_in;

static void sigaltstack_args(uint64_t a[NREGS])
{
    generic(a);
    stack_in.sp = ONE_OF(PTR(arena), 0, NOWHERE, KERNEL_TEXT, rnd());
    stack_in.flags = (int32_t)ONE_OF(0, 0, 1 /* SS_ONSTACK */, 2 /* SS_DISABLE */, 0x80000000u, rnd());
    stack_in.size = ONE_OF(16384, 5120, 5119, 0, ~0ull, rnd());
    a[0] = ONE_OF(0, PTR(&stack_in), PTR(&stack_in), bad_pointer());
    a[1] = maybe_out();
}

/* The uid/gid family */

/* 0, "unchanged", and both with garbage above: root stays root. */
static uint64_t id(void)
{
    return ONE_OF(0, 0xffffffff, GARBAGE_HIGH, 0x12345678ffffffffull, 0xffffffff00000000ull);
}

static void id_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = id();
    a[1] = id();
    a[2] = id();
}

static void getres_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = out_pointer();
    a[1] = out_pointer();
    a[2] = out_pointer();
}

static void getgroups_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, MAX_GROUPS, 65536, (uint64_t)-1, 0x7fffffff, 0x100000000ull);
    a[1] = maybe_out();
}

static uint32_t groups_in[MAX_GROUPS];

static void setgroups_args(uint64_t a[NREGS])
{
    generic(a);
    if (rnd() % 4) {
        a[0] = ONE_OF(0, 1, 2, MAX_GROUPS);
        for (int i = 0; i < MAX_GROUPS; i++)
            groups_in[i] = (uint32_t)ONE_OF(0, rnd() % 100, 0xffffffff);
        a[1] = ONE_OF(PTR(groups_in), PTR(groups_in), out_pointer());
    } else {
        a[0] = ONE_OF(65536, 65537, (uint64_t)-1, 0x7fffffff); /* too many, or unreadable */
        a[1] = bad_pointer();
    }
}

/* Limits */

static struct rlimit rlimit_in; /* what prlimit64 and setrlimit read */

static uint64_t resource(void)
{
    return rnd() % 4 ? rnd() % RLIM_NLIMITS : ONE_OF(RLIM_NLIMITS, 100, (uint64_t)-1, 0x100000000ull);
}

/* A new limit for `res` that lowers nothing: none, unreadable, cur > max,
 * and for this process (`own`) also the current one or a raised one. */
static uint64_t new_limit(uint64_t res, bool own)
{
    unsigned kind = (unsigned)(rnd() % 6);
    struct rlimit now;
    if (kind < 3 || !own || res >= RLIM_NLIMITS || syscall(SYS_prlimit64, 0, res, NULL, &now) != 0) {
        switch (kind % 3) {
        case 0: return 0;
        case 1: return bad_pointer();
        default: rlimit_in = (struct rlimit){ 2, 1 }; return PTR(&rlimit_in);
        }
    }
    rlimit_in = now;
    if (kind == 4)
        rlimit_in.rlim_cur = rlimit_in.rlim_max; /* soft up to hard */
    else if (kind == 5)
        rlimit_in.rlim_cur = rlimit_in.rlim_max = RLIM_INFINITY; /* both up: root may */
    return PTR(&rlimit_in);
}

static void prlimit64_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 0, self(), GARBAGE_HIGH | self(), (uint64_t)getppid(), (uint64_t)-1, 0x80000000ull,
                  0x7fffffff, 99999);
    bool own = (int32_t)a[0] == 0 || (int32_t)a[0] == getpid();
    a[1] = resource();
    a[2] = new_limit(a[1], own);
    a[3] = maybe_out();
}

static void getrlimit_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = resource();
    a[1] = maybe_out();
}

static void setrlimit_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = resource();
    a[1] = new_limit(a[0], true);
}

static void getrusage_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(RUSAGE_SELF, RUSAGE_SELF, (uint64_t)RUSAGE_CHILDREN, RUSAGE_THREAD, 2, (uint64_t)-2,
                  0x100000000ull);
    a[1] = out_pointer();
}

static void maybe_out_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = maybe_out();
}

/* Time, randomness, memory */

static void clock_out(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, 4, 7, 11, (uint64_t)-1, 0x7fffffff); /* clocks: real, monotonic, boottime, nonsense */
    a[1] = out_pointer();
}

/* clock_getres may also be given no pointer (it only checks the clock). */
static void clock_getres_args(uint64_t a[NREGS])
{
    clock_out(a);
    a[1] = maybe_out();
}

/* gettimeofday(tv, tz): either may be NULL. */
static void gettimeofday_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = maybe_out();
    a[1] = maybe_out();
}

static void getrandom_args(uint64_t a[NREGS])
{
    generic(a);
    bool good = rnd() % 2;
    a[0] = good ? PTR(buf) : bad_pointer();
    a[1] = good ? rnd() % (sizeof(buf) + 1) : length();
    a[2] = ONE_OF(0, 1, 2, 4, (uint64_t)-1);
}

static void sleep_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = sleep_request();
    a[1] = out_pointer();
}

static void clock_sleep_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, 7, (uint64_t)-1);
    a[1] = ONE_OF(0, 1, 0xff); /* 1 is TIMER_ABSTIME: 1 us after boot is long past */
    a[2] = sleep_request();
    a[3] = out_pointer();
    if (rnd() % 4 == 0) { /* one that works */
        a[0] = ONE_OF(CLOCK_REALTIME, CLOCK_MONOTONIC);
        a[2] = PTR(&ts_short);
    }
}

/* Timers. Whatever is armed must not end this program: ITIMER_* values are
 * 0 (disarm), an hour (CPU time never gets there) or ~forever, and POSIX
 * timers send only SIGURG (ignored by default; no handler is installed) or
 * nothing (SIGEV_NONE) -- never the default SIGALRM of a NULL sigevent.
 * Timers made are kept (a few ids for the other calls) and never deleted on
 * purpose: timer_create called over and over runs into the kernel's
 * per-process limit (EAGAIN), which is what bounds it. */

static const struct { int64_t interval[2], value[2]; }
    itv_off = { { 0, 0 }, { 0, 0 } }, itv_hour = { { 1, 0 }, { 3600, 0 } },
    itv_bad_usec = { { 0, 0 }, { 0, 1000000 } }, itv_negative = { { 0, 0 }, { -1, 0 } },
    itv_forever = { { INT64_MAX, 999999 }, { INT64_MAX, 999999 } };

static uint64_t itimer_which(void)
{
    return ONE_OF(0, 1, 2, 3, (uint64_t)-1, GARBAGE_HIGH | 0, GARBAGE_HIGH | 2);
}

static void getitimer_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = itimer_which();
    a[1] = out_pointer();
}

static void setitimer_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = itimer_which();
    a[1] = rnd() % 6 ? ONE_OF(PTR(&itv_off), PTR(&itv_hour), PTR(&itv_bad_usec), PTR(&itv_negative),
                              PTR(&itv_forever), 0)
                     : bad_pointer();
    a[2] = rnd() % 2 ? 0 : out_pointer();
}

static int timer_ids[16];
static unsigned ntimer_ids;
static int32_t new_timer_id;

static const struct {
    uint64_t value;
    int32_t signo, notify, tid, pad[11];
} sev_none = { 7, 0, 1, 0, { 0 } }, sev_urg = { 7, SIGURG, 0, 0, { 0 } }, sev_bad_signo = { 0, 65, 0, 0, { 0 } },
  sev_zero_signo = { 0, 0, 0, 0, { 0 } }, sev_bad_notify = { 0, SIGURG, 3, 0, { 0 } },
  sev_bad_tid = { 0, SIGURG, 4, 0x7fffffff, { 0 } };
static struct {
    uint64_t value;
    int32_t signo, notify, tid, pad[11];
} sev_own_tid = { 7, SIGURG, 4, 0, { 0 } };

static void timer_create_args(uint64_t a[NREGS])
{
    generic(a);
    sev_own_tid.tid = (int32_t)getpid();
    a[0] = ONE_OF(0, 1, 7, 0, 1, 2, 4, 5, 8, 11, (uint64_t)-1);
    a[1] = rnd() % 8 ? ONE_OF(PTR(&sev_none), PTR(&sev_urg), PTR(&sev_urg), PTR(&sev_own_tid), PTR(&sev_bad_signo),
                              PTR(&sev_zero_signo), PTR(&sev_bad_notify), PTR(&sev_bad_tid))
                     : bad_pointer() | 8; /* never NULL: that is SIGALRM, which would end the run */
    a[2] = rnd() % 6 ? PTR(&new_timer_id) : bad_pointer();
    if (rnd() % 3 == 0) { /* one that works (until the per-process limit) */
        a[0] = ONE_OF(CLOCK_REALTIME, CLOCK_MONOTONIC);
        a[1] = ONE_OF(PTR(&sev_none), PTR(&sev_urg), PTR(&sev_own_tid));
        a[2] = PTR(&new_timer_id);
    }
}

static void after_timer_create(const char *name, const uint64_t a[NREGS], long r)
{
    (void)name;
    if (r == 0 && a[2] == PTR(&new_timer_id))
        timer_ids[ntimer_ids++ % 16] = new_timer_id;
}

/* A timer id: one made (maybe with garbage in the upper half, which timer_t
 * being an int ignores), or one that is none. A third of the time one made
 * and not deleted, if there is one, so the calls reach their real work. */
static bool live_timer(uint64_t *id)
{
    unsigned n = ntimer_ids < 16 ? ntimer_ids : 16;
    for (unsigned i = 0, start = n ? (unsigned)rnd() % n : 0; i < n; i++)
        if (timer_ids[(start + i) % n] >= 0) {
            *id = (uint64_t)timer_ids[(start + i) % n];
            return true;
        }
    return false;
}

static uint64_t timer_id(void)
{
    unsigned n = ntimer_ids < 16 ? ntimer_ids : 16;
    uint64_t known = n ? (uint64_t)(uint32_t)timer_ids[rnd() % n] : 0;
    if (rnd() % 3 == 0 && live_timer(&known))
        return known;
    return ONE_OF(known, known, GARBAGE_HIGH | known, (uint64_t)-1, 0x7fffffff, 1023, 1024, 0x80000000ull);
}

static const struct { int64_t interval[2], value[2]; }
    its_off = { { 0, 0 }, { 0, 0 } }, its_short = { { 0, 1000 }, { 0, 1000 } }, its_once = { { 0, 0 }, { 0, 1000 } },
    its_hour = { { 0, 0 }, { 3600, 0 } }, its_bad_nsec = { { 0, 0 }, { 0, 1000000000 } },
    its_negative = { { -1, 0 }, { 1, 0 } }, its_forever = { { INT64_MAX, 999999999 }, { INT64_MAX, 999999999 } };

static void timer_settime_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = timer_id();
    a[1] = ONE_OF(0, 0, 1, 0xff); /* 1 is TIMER_ABSTIME: a microsecond after boot is long past */
    a[2] = rnd() % 8 ? ONE_OF(PTR(&its_off), PTR(&its_short), PTR(&its_once), PTR(&its_hour), PTR(&its_bad_nsec),
                              PTR(&its_negative), PTR(&its_forever), 0)
                     : bad_pointer();
    a[3] = rnd() % 2 ? 0 : out_pointer();
    if (rnd() % 3 == 0 && live_timer(&a[0])) { /* a setting that works */
        a[2] = ONE_OF(PTR(&its_off), PTR(&its_short), PTR(&its_once), PTR(&its_hour), PTR(&its_forever));
        a[3] = 0;
    }
}

static void timer_gettime_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = timer_id();
    a[1] = out_pointer();
}

static void timer_id_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = timer_id();
}

static void after_timer_delete(const char *name, const uint64_t a[NREGS], long r)
{
    (void)name;
    if (r != 0)
        return;
    for (unsigned i = 0; i < ntimer_ids && i < 16; i++)
        if (timer_ids[i] == (int)a[0])
            timer_ids[i] = -1; /* now an id that is none (until made again) */
}

static void brk_args(uint64_t a[NREGS])
{
    /* Never below the current break: that would take the C library's memory. */
    uint64_t now = (uint64_t)syscall(SYS_brk, 0);
    generic(a);
    a[0] = ONE_OF(0, now, now + 1, now + 4096 * (rnd() % 64), KERNEL_TEXT, (uint64_t)-1, BEYOND_USER);
}

static void memory_map_args(uint64_t a[NREGS])
{
    generic(a);
    if (rnd() % 3 == 0) { /* one that works: a new private anonymous mapping, or one replacing arena pages */
        a[3] = ONE_OF(MAP_PRIVATE | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
        a[0] = a[3] & MAP_FIXED ? PTR(arena) + (rnd() % ARENA_PAGES) * 4096 : 0;
        a[1] = a[3] & MAP_FIXED ? PTR(arena) + ARENA_PAGES * 4096 - a[0] : ONE_OF(4096, 65536);
        a[2] = ONE_OF(PROT_READ, PROT_READ | PROT_WRITE);
        a[4] = (uint64_t)-1;
        a[5] = 0;
        return;
    }
    a[0] = arena_address();
    a[2] = ONE_OF(0, 1, 3, 5, 7, 8, (uint64_t)-1);                 /* prot */
    a[3] = ONE_OF(0x22, 0x32, 0x21, 0x02, 0x12, 0, (uint64_t)-1); /* MAP_PRIVATE|ANON, +FIXED, SHARED... */
    /* A fixed mapping replaces what is there: keep it inside the arena. */
    a[1] = a[3] & 0x10 || rnd() % 2 ? arena_length(a[0]) : ONE_OF(4096, 65536, rnd() % 100000, (uint64_t)-4096);
    a[4] = ONE_OF(0, (uint64_t)-1, 3);
    a[5] = ONE_OF(0, 4096, 1);
}

static void arena_range_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = arena_address();
    a[1] = arena_length(a[0]);
    a[2] = ONE_OF(0, 1, 3, 5, 7, 8, (uint64_t)-1);
}

/* --- paths ------------------------------------------------------------------------------- */

/* Where mount and umount2 act: a directory of the scratch directory whose
 * name no other call uses, by absolute path -- so no symbolic link the other
 * calls make can send a mount over / (which root may do, and which would
 * hide every file the run needs). */
static char mount_point[64] = "/nonexistent";


/* Removes what the path calls left in the scratch directory -- file systems
 * mounted on its names first -- so that a run leaves the file system (and
 * free memory) as it found it. */
static void remove_tree(int dirfd, const char *name, int depth)
{
    if (depth > 16 || unlinkat(dirfd, name, 0) == 0)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd >= 0) {
        char names[32][256];
        int n;
        do {
            n = 0;
            char dbuf[4096];
            long got;
            lseek(fd, 0, SEEK_SET);
            while (n < 32 && (got = syscall(SYS_getdents64, fd, dbuf, sizeof(dbuf))) > 0) {
                for (long off = 0; off < got && n < 32;) {
                    struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *d =
                        (void *)(dbuf + off);
                    if (strcmp(d->name, ".") && strcmp(d->name, ".."))
                        strcpy(names[n++], d->name);
                    off += d->reclen;
                }
            }
            for (int i = 0; i < n; i++)
                remove_tree(fd, names[i], depth + 1);
        } while (n == 32);
        close(fd);
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void remove_scratch(const char *dir)
{
    while (umount2(mount_point, 0) == 0)
        ; /* every file system stacked there */
    chdir("/");
    remove_tree(AT_FDCWD, dir, 0);
}

/* A path argument: names in the scratch directory the run works in, a few
 * absolute ones that exist, hostile pointers, an over-long path, garbage. */
static uint64_t fuzz_path(void)
{
    /* Nothing outside the scratch directory: as root, a chmod or chown of
     * "/" or ".." would change the file system every later program needs. */
    static const char *const names[] = { "f", "g", "d", "d/", "d/f", "l", "m", ".", "d/..", "", "f/",
                                         "nosuch/x", "d/../f", "l/f", "nosuch/" };
    switch (rnd() % 10) {
    case 0: return bad_pointer();
    case 1: return PTR(long_path);
    case 2: return PTR(buf + rnd() % sizeof(buf));
    default: return PTR(names[rnd() % (sizeof(names) / sizeof(names[0]))]);
    }
}

static uint64_t fuzz_dirfd(void)
{
    return rnd() % 2 ? (uint64_t)(int64_t)AT_FDCWD : ONE_OF((uint32_t)AT_FDCWD, use_fd(), 3, (uint64_t)-1);
}

static void path_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_dirfd();
    a[1] = fuzz_path();
    a[2] = ONE_OF(0, 0644, 0755, 01777, 04755, S_IFIFO | 0644, S_IFREG | 0600, S_IFCHR | 0600, S_IFDIR | 0755,
                  AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, R_OK | W_OK, (uint64_t)-1, rnd());
    a[3] = ONE_OF(0, 0x103, AT_SYMLINK_NOFOLLOW, AT_EACCESS, AT_EMPTY_PATH, (uint64_t)-1, rnd());
}

static void two_path_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_dirfd();
    a[1] = fuzz_path();
    a[2] = fuzz_dirfd();
    a[3] = fuzz_path();
    a[4] = ONE_OF(0, 1, 2, 3, 4, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH, (uint64_t)-1);
}

static void symlinkat_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_path();
    a[1] = fuzz_dirfd();
    a[2] = fuzz_path();
}

static void readlinkat_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_dirfd();
    a[1] = fuzz_path();
    into_buf(&a[2], &a[3]);
}

static void stat_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_dirfd();
    a[1] = fuzz_path();
    a[2] = out_pointer();
    a[3] = ONE_OF(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, (uint64_t)-1);
}

static void statx_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_dirfd();
    a[1] = fuzz_path();
    a[2] = ONE_OF(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, 0x6000, (uint64_t)-1);
    a[3] = ONE_OF(0, 0x7ff, 0xfff, 0x80000000ull, (uint64_t)-1);
    a[4] = out_pointer();
}

static void chown_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_dirfd();
    a[1] = fuzz_path();
    a[2] = ONE_OF(0, 1000, (uint32_t)-1, (uint64_t)-1);
    a[3] = ONE_OF(0, 1000, (uint32_t)-1, (uint64_t)-1);
    a[4] = ONE_OF(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, (uint64_t)-1);
}

static const struct timespec utimes_now[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
static const struct timespec utimes_bad[2] = { { 0, 1000000000 }, { 1, 0 } };

static void utimensat_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_dirfd();
    a[1] = rnd() % 4 ? fuzz_path() : 0;
    a[2] = ONE_OF(0, PTR(utimes_now), PTR(utimes_bad), PTR(buf), bad_pointer());
    a[3] = ONE_OF(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, (uint64_t)-1);
}

static void truncate_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_path();
    a[1] = ONE_OF(0, 1, 4096, 1 << 20, 1ull << 40, (uint64_t)-1, 0x7fffffffffffffffull);
}

static void path_out_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = fuzz_path();
    a[1] = out_pointer();
}

static void chdir_args(uint64_t a[NREGS])
{
    /* Never out of the scratch directory: the run leaves the rest alone. */
    static const char *const dirs[] = { "d", ".", "d/..", "f", "", "/nonexistent" };
    generic(a);
    a[0] = rnd() % 5 ? PTR(dirs[rnd() % 6]) : bad_pointer();
}

/* chroot: the same directories as chdir. */
static void after_chroot(const char *name, const uint64_t a[NREGS], long r)
{
    (void)a;
    if (r != 0)
        return;
    /* Out again by the classic route: the working directory is outside the
     * new root only if it is not below it, so go through the kept "/". */
    int cwd = open(".", O_PATH | O_DIRECTORY);
    if (cwd < 0 || fchdir(REAL_ROOT_FD) != 0 || chroot(".") != 0 || fchdir(cwd) != 0) {
        if (wrong_fds++ < 5)
            note("FAIL cannot undo the %s that worked: errno %d\n", name, errno);
    }
    if (cwd >= 0)
        close(cwd);
}

static void mount_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, PTR("none"), bad_pointer());
    a[1] = rnd() % 6 ? ONE_OF(PTR(mount_point), PTR("/nonexistent/x")) : ONE_OF(bad_pointer(), PTR(long_path));
    a[2] = ONE_OF(0, PTR("tmpfs"), PTR("nope"), PTR(long_path), bad_pointer());
    a[3] = ONE_OF(0, 1 /* MS_RDONLY */, 32 /* MS_REMOUNT */, 33, 0xc0ed0000ull, (uint64_t)-1);
    a[4] = ONE_OF(0, PTR("size=1m"), PTR("size=bogus"), PTR("mode=0700,uid=5"), PTR(buf), bad_pointer());
}

static void umount2_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = rnd() % 6 ? ONE_OF(PTR(mount_point), PTR("/"), PTR("/nonexistent")) : bad_pointer();
    a[1] = ONE_OF(0, 1, 2, 8, 16, (uint64_t)-1);
}

static void fd_out_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
    a[1] = out_pointer();
}

static void fd_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
}

static void getdents_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = use_fd();
    into_buf(&a[1], &a[2]);
}

static void getcwd_args(uint64_t a[NREGS])
{
    generic(a);
    into_buf(&a[0], &a[1]);
}

/* Dropping pages outside the arena would zero the fuzzer's own stack and
 * heap (Linux too would do it), so ranges that start elsewhere stay short or
 * wrap. */
static void madvise_args(uint64_t a[NREGS])
{
    arena_range_args(a);
    uint64_t base = PTR(arena), end = base + ARENA_PAGES * 4096;
    if (a[0] < base || a[0] >= end || (a[1] > end - a[0] && a[1] < (uint64_t)-a[0]))
        a[1] = ONE_OF(0, 1, 4096, (uint64_t)-1);
    a[2] = ONE_OF(0, 3, 4, 8, 9, 10, 100, (uint64_t)-1);
}

/* Native calls */

static void mem_create_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, 4096, 8192, 65536, (uint64_t)-1, 0x100000000000ull);
    a[1] = ONE_OF(0, KX_MEM_CONTIGUOUS, 0xffffffff);
}

static void mem_map_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = rnd() % 3 ? (uint64_t)handles[ONE_OF(H_MEM, H_MEM, H_MEM_DMA, H_INITRD)] : any();
    if (rnd() % 3 == 0) { /* one that works: a page of the object, readable */
        a[1] = 0;
        a[2] = 4096;
        a[3] = KX_PROT_READ;
        return;
    }
    a[1] = ONE_OF(0, 0, 0, 1, 4096, 65536, (uint64_t)-4096);
    a[2] = ONE_OF(4096, 4096, 8192, 0, 1, 65536, (uint64_t)-1);
    a[3] = ONE_OF(KX_PROT_READ, KX_PROT_READ | KX_PROT_WRITE, KX_PROT_EXEC, 0, 0xff);
}

/* Half the time the live handle of the kind a call wants, else anything. */
static uint64_t live(int kind)
{
    return rnd() % 2 ? (uint64_t)handles[kind] : any();
}

static uint64_t rights(void)
{
    return ONE_OF(0, KX_RIGHTS_ALL, KX_RIGHT_SEND, KX_RIGHT_READ | KX_RIGHT_TRANSFER, 0xffffffff, rnd());
}

static void any_handle_first(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live((int)(rnd() % H_COUNT));
}

static void handle_dup_args(uint64_t a[NREGS])
{
    any_handle_first(a);
    a[1] = rights();
}

static void mint_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_EP);
    a[1] = rights();
}

static void bind_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_EP);
    a[1] = live(H_NOTIFY);
    /* One that works: each side binds once, so a new pair (closed with what
     * random calls made). */
    if (rnd() % 4 == 0 && ncreated + 2 <= sizeof(created) / sizeof(created[0])) {
        long ep = kx_endpoint_create(), n = kx_notify_create();
        if (ep > 0)
            created[ncreated++] = ep;
        if (n > 0)
            created[ncreated++] = n;
        a[0] = (uint64_t)ep;
        a[1] = (uint64_t)n;
    }
}

static void notify_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_NOTIFY);
}

static void out_after_handle(uint64_t a[NREGS])
{
    any_handle_first(a);
    a[1] = out_pointer();
}

static void notify_poll_args(uint64_t a[NREGS])
{
    notify_args(a);
    a[1] = out_pointer();
}

static void mem_phys_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_MEM_DMA);
}

static void give_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_PROCESS);
    a[1] = live((int)ONE_OF(H_EP, H_EP_SEND_ONLY, H_NOTIFY, H_MEM, H_MEM_DMA, H_INITRD, H_PROCESS));
    a[2] = rights();
    a[3] = ONE_OF(0, 0, 1, 2, 3, 7, 15, 16, 63, 64, (uint64_t)-1, 1000);
    if (rnd() % 4 == 0) { /* one that works: a notification, into any free slot */
        a[0] = (uint64_t)handles[H_PROCESS];
        a[1] = (uint64_t)handles[H_NOTIFY];
        a[2] = KX_RIGHTS_ALL;
        a[3] = 0;
    }
}

static void give_fd_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_PROCESS); /* never started: its fd table is still ours to fill */
    a[1] = use_fd();
    a[2] = ONE_OF(0, 1, 2, 3, 63, 1024, (uint64_t)-1, 0x7fffffffffffffffull, GARBAGE_HIGH | 3);
    if (rnd() % 4 == 0) { /* one that works */
        a[0] = (uint64_t)handles[H_PROCESS];
        a[1] = KEEP_NULL;
        a[2] = ONE_OF(0, 3);
    }
}

static void create_process_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = rnd() % 2 ? PTR("fuzzed") : any();
    a[2] = length();
}

/* The Linux calls, in the kernel table's order. */
SPEC(read, .args = read_args, .sometimes = true);
SPEC(ppoll, .args = ppoll_args, .sometimes = true);
SPEC(pselect6, .args = pselect6_args, .sometimes = true);
SPEC(write, .args = write_args, .sometimes = true);
SPEC(readv, .args = readv_args, .sometimes = true);
SPEC(writev, .args = writev_args, .sometimes = true);
SPEC(openat, .args = openat_args, .after = after_new_fd, .sometimes = true);
SPEC(close, .args = close_args, .sometimes = true);
SPEC(dup, .args = dup_args, .after = after_new_fd, .sometimes = true);
SPEC(dup3, .args = dup3_args, .after = after_new_fd, .sometimes = true);
SPEC(fcntl, .args = fcntl_args, .after = after_fcntl, .sometimes = true);
SPEC(pipe2, .args = pipe2_args, .after = after_pipe2, .sometimes = true);
SPEC(lseek, .args = lseek_args, .sometimes = true);
SPEC(ioctl, .args = ioctl_args, .sometimes = true);
SPEC(exit, .skip = "would end the fuzzer");
SPEC(exit_group, .skip = "would end the fuzzer");
SPEC(clone, .args = clone_args, .after = after_clone, .sometimes = true);
SPEC(execve, .args = execve_args); /* never succeeds: no path names a program */
SPEC(execveat, .args = execveat_args);
SPEC(wait4, .args = wait4_args, .sometimes = true);
SPEC(waitid, .args = waitid_args, .sometimes = true);
SPEC(set_tid_address, .args = writes_out, .sometimes = true);
SPEC(getpid, .args = generic, .sometimes = true);
SPEC(getppid, .args = generic, .sometimes = true);
SPEC(gettid, .args = generic, .sometimes = true);
/* As process 1, a session leader, only moving a child that has not exited yet works. */
SPEC(setpgid, .args = setpgid_args, .sometimes = false);
SPEC(getpgid, .args = pid_args, .sometimes = true);
SPEC(setsid, .args = generic, .sometimes = false); /* as process 1 never; else once */
SPEC(getsid, .args = pid_args, .sometimes = true);
SPEC(prctl, .args = prctl_args, .sometimes = true);
SPEC(kill, .args = kill_args, .sometimes = true);
SPEC(tkill, .args = tkill_args, .sometimes = true);
SPEC(tgkill, .args = tgkill_args, .sometimes = true);
SPEC(rt_sigprocmask, .args = sigprocmask_args, .sometimes = true);
SPEC(rt_sigpending, .args = sigpending_args, .sometimes = true);
SPEC(rt_sigaction, .args = sigaction_args, .sometimes = true);
SPEC(rt_sigreturn, .skip = "would replace the fuzzer's registers (test_signal forges frames in children)");
SPEC(rt_sigsuspend, .skip = "waits for a signal nobody sends (test_signal covers it)");
SPEC(rt_sigtimedwait, .args = sigtimedwait_args);
SPEC(rt_sigqueueinfo, .args = sigqueueinfo_args, .sometimes = true);
SPEC(rt_tgsigqueueinfo, .args = tgsigqueueinfo_args, .sometimes = true);
SPEC(sigaltstack, .args = sigaltstack_args, .sometimes = true);
SPEC(restart_syscall, .args = generic);
SPEC(getuid, .args = generic, .sometimes = true);
SPEC(geteuid, .args = generic, .sometimes = true);
SPEC(getgid, .args = generic, .sometimes = true);
SPEC(getegid, .args = generic, .sometimes = true);
SPEC(setuid, .args = id_args, .sometimes = true);
SPEC(setgid, .args = id_args, .sometimes = true);
SPEC(setreuid, .args = id_args, .sometimes = true);
SPEC(setregid, .args = id_args, .sometimes = true);
SPEC(setresuid, .args = id_args, .sometimes = true);
SPEC(setresgid, .args = id_args, .sometimes = true);
SPEC(getresuid, .args = getres_args, .sometimes = true);
SPEC(getresgid, .args = getres_args, .sometimes = true);
SPEC(getgroups, .args = getgroups_args, .sometimes = true);
SPEC(setgroups, .args = setgroups_args, .sometimes = true);
SPEC(prlimit64, .args = prlimit64_args, .sometimes = true);
SPEC(getrlimit, .args = getrlimit_args, .sometimes = true);
SPEC(setrlimit, .args = setrlimit_args, .sometimes = true);
SPEC(getrusage, .args = getrusage_args, .sometimes = true);
SPEC(times, .args = maybe_out_args, .sometimes = true);
SPEC(umask, .args = generic, .sometimes = true);
SPEC(sysinfo, .args = writes_out, .sometimes = true);

/* reboot(magic1, magic2, cmd, arg): the fuzzer runs as root, so never a
 * combination that would act -- a bad magic, or a command Linux does not
 * know; Ctrl-Alt-Del on/off are accepted and change nothing. */
static void reboot_args(uint64_t a[NREGS])
{
    generic(a);
    bool good_magic = rnd() % 2;
    a[0] = good_magic ? 0xfee1deadu : ONE_OF(0, 0xfee1deae, rnd() & ~1ull);
    a[1] = good_magic ? ONE_OF(672274793u, 85072278u, 0, rnd() | (1ull << 40)) : rnd();
    a[2] = good_magic ? ONE_OF(0x89abcdefu, 0, 0x12345678, 0xa1b2c3d4, 0xd000fce2, 0xcafebabe) : ONE_OF(0x4321fedcu, 0x01234567u, rnd());
}
SPEC(reboot, .args = reboot_args, .sometimes = true);
SPEC(nanosleep, .args = sleep_args, .sometimes = true);
SPEC(clock_gettime, .args = clock_out, .sometimes = true);
SPEC(clock_getres, .args = clock_getres_args, .sometimes = true);
SPEC(gettimeofday, .args = gettimeofday_args, .sometimes = true);
SPEC(clock_nanosleep, .args = clock_sleep_args, .sometimes = true);
SPEC(getitimer, .args = getitimer_args, .sometimes = true);
SPEC(setitimer, .args = setitimer_args, .sometimes = true);
SPEC(timer_create, .args = timer_create_args, .after = after_timer_create, .sometimes = true);
SPEC(timer_settime, .args = timer_settime_args, .sometimes = true);
SPEC(timer_gettime, .args = timer_gettime_args, .sometimes = true);
SPEC(timer_getoverrun, .args = timer_id_args, .sometimes = true);
SPEC(timer_delete, .args = timer_id_args, .after = after_timer_delete, .sometimes = true);
SPEC(sched_yield, .args = generic, .sometimes = true);
SPEC(syslog, .args = syslog_args, .sometimes = true);
SPEC(sched_getaffinity, .args = affinity_args, .sometimes = true);
SPEC(sched_setaffinity, .args = affinity_args, .sometimes = true);
SPEC(uname, .args = writes_out, .sometimes = true);

/* sethostname/setdomainname(name, len): names from buf (the fuzzer is root:
 * uname changes, nothing else does). */
static void name_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = rnd() % 3 ? (uint64_t)(uintptr_t)"fuzzed" : bad_pointer();
    a[1] = ONE_OF(0, 6, 64, 65, (uint64_t)-1, 0x100000006ull, rnd());
}
SPEC(sethostname, .args = name_args, .sometimes = true);
SPEC(setdomainname, .args = name_args, .sometimes = true);

/* clock_settime/settimeofday: never a valid time -- the clock is the rest of
 * the run's (and, in test_memory's child, other tests') -- only bad clocks,
 * ranges and pointers; settimeofday(NULL, NULL) changes nothing and succeeds. */
static void clock_settime_args(uint64_t a[NREGS])
{
    static const int64_t bad[][2] = { { -1, 0 }, { 0, -1 }, { 0, 1000000000 }, { INT64_MAX, 0 } };
    generic(a);
    bool good_clock = rnd() % 2;
    a[0] = good_clock ? 0 : ONE_OF(1, 4, 7, 11, 12, (uint64_t)-1, rnd());
    a[1] = good_clock && rnd() % 3 ? (uint64_t)(uintptr_t)bad[rnd() % 4] : ONE_OF(0, bad_pointer());
    if (!good_clock && rnd() % 2)
        a[1] = (uint64_t)(uintptr_t)bad[0];
}
static void settimeofday_args(uint64_t a[NREGS])
{
    static const int64_t bad_tv[][2] = { { -1, 0 }, { 0, -1 }, { 0, 1000000 } };
    static const int32_t bad_tz[2] = { 24 * 60, 0 };
    generic(a);
    a[0] = ONE_OF(0, 0, (uint64_t)(uintptr_t)bad_tv[rnd() % 3], bad_pointer());
    a[1] = a[0] ? ONE_OF(0, (uint64_t)(uintptr_t)bad_tz, bad_pointer()) : ONE_OF(0, 0, (uint64_t)(uintptr_t)bad_tz);
}
SPEC(clock_settime, .args = clock_settime_args);
SPEC(settimeofday, .args = settimeofday_args, .sometimes = true);

/* getpriority/setpriority(which, who, nice): any process, group or user. */
static void priority_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(0, 1, 2, 3, (uint64_t)-1);
    a[1] = ONE_OF(0, 0, 1, (uint64_t)getpid(), 99999, (uint64_t)-1, rnd());
    a[2] = ONE_OF(0, 5, 19, 20, -20, -21, rnd());
}
SPEC(getpriority, .args = priority_args, .sometimes = true);
SPEC(setpriority, .args = priority_args, .sometimes = true);
SPEC(getrandom, .args = getrandom_args, .sometimes = true);
SPEC(brk, .args = brk_args, .sometimes = true);
SPEC(munmap, .args = arena_range_args, .sometimes = true);
SPEC(mmap, .args = memory_map_args, .sometimes = true);
SPEC(mprotect, .args = arena_range_args, .sometimes = true);
SPEC(mkdirat, .args = path_args, .files = true);
SPEC(mknodat, .args = path_args, .files = true);
SPEC(unlinkat, .args = path_args, .files = true);
SPEC(renameat, .args = two_path_args, .files = true);
SPEC(renameat2, .args = two_path_args, .files = true);
SPEC(linkat, .args = two_path_args, .files = true);
SPEC(symlinkat, .args = symlinkat_args, .files = true);
SPEC(readlinkat, .args = readlinkat_args, .files = true);
SPEC(faccessat, .args = path_args, .files = true);
SPEC(faccessat2, .args = path_args, .files = true);
SPEC(fchmodat, .args = path_args, .files = true);
SPEC(fchownat, .args = chown_args, .files = true);
SPEC(utimensat, .args = utimensat_args, .files = true);
SPEC(truncate, .args = truncate_args, .files = true);
SPEC(statfs, .args = path_out_args, .files = true);
SPEC(chdir, .args = chdir_args, .files = true);
SPEC(chroot, .args = chdir_args, .after = after_chroot, .files = true);
SPEC(mount, .args = mount_args, .files = true);
SPEC(umount2, .args = umount2_args, .files = true);
SPEC(fstat, .args = fd_out_args, .sometimes = true);
SPEC(newfstatat, .args = stat_args, .files = true);
SPEC(statx, .args = statx_args, .files = true);
SPEC(getdents64, .args = getdents_args);
SPEC(fchmod, .args = path_args);
SPEC(fchown, .args = fd_args);
SPEC(ftruncate, .args = fd_args);
SPEC(fsync, .args = fd_args);
SPEC(fdatasync, .args = fd_args);
SPEC(sync, .args = generic, .sometimes = true);
SPEC(fstatfs, .args = fd_out_args, .sometimes = true);
SPEC(getcwd, .args = getcwd_args, .sometimes = true);
SPEC(fchdir, .args = fd_args);
SPEC(sendfile, .args = generic);
SPEC(fadvise64, .args = fd_args);
SPEC(madvise, .args = madvise_args, .sometimes = true);
SPEC(flock, .args = fd_args, .sometimes = true);
SPEC(msync, .args = arena_range_args, .sometimes = true);
SPEC(pread64, .args = read_args, .sometimes = true);
SPEC(pwrite64, .args = write_args, .sometimes = true);
SPEC(preadv, .args = readv_args, .sometimes = true);
SPEC(pwritev, .args = writev_args, .sometimes = true);
/* A number no call has. */
SPEC(unknown, .args = generic);

/* The native calls. */
SPEC(kx_nop, .args = generic, .sometimes = true);
SPEC(kx_handle_close, .args = any_handle_first, .sometimes = true);
SPEC(kx_handle_dup, .args = handle_dup_args, .sometimes = true);
SPEC(kx_handle_info, .args = out_after_handle, .sometimes = true);
SPEC(kx_endpoint_create, .args = generic, .sometimes = true);
SPEC(kx_endpoint_mint, .args = mint_args, .sometimes = true);
SPEC(kx_endpoint_bind, .args = bind_args, .sometimes = true);
SPEC(kx_call, .args = first_bad_handle);
SPEC(kx_recv, .args = first_bad_handle);
SPEC(kx_reply, .args = any_handle_first);
SPEC(kx_reply_recv, .args = first_bad_handle);
SPEC(kx_reply_save, .args = generic);
SPEC(kx_notify_create, .args = generic, .sometimes = true);
SPEC(kx_notify_signal, .args = notify_args, .sometimes = true);
SPEC(kx_notify_wait, .args = first_bad_handle);
SPEC(kx_notify_poll, .args = notify_poll_args, .sometimes = true);
SPEC(kx_mem_create, .args = mem_create_args, .sometimes = true);
SPEC(kx_mem_map, .args = mem_map_args, .sometimes = true);
SPEC(kx_mem_phys, .args = mem_phys_args, .sometimes = true);
SPEC(kx_irq_bind, .args = any_handle_first);
SPEC(kx_irq_ack, .args = any_handle_first);
SPEC(kx_process_create, .args = create_process_args);
SPEC(kx_process_give, .args = give_args, .sometimes = true);
SPEC(kx_process_start, .args = first_bad_handle);
SPEC(kx_process_wait, .args = first_bad_handle);
SPEC(kx_process_give_fd, .args = give_fd_args, .sometimes = true);

/* kx_msg_read/kx_msg_write(reply, offset, buf, len): the fuzzer never holds a
 * caller here, so these fail; buf is buf (bounded) or bad. */
static void msg_copy_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = rnd() % 2 ? 0 : any();
    a[1] = ONE_OF(0, 1, 4096, (uint64_t)-1, rnd());
    bool good = rnd() % 2;
    a[2] = good ? (uint64_t)(uintptr_t)buf : bad_pointer();
    a[3] = good ? rnd() % (sizeof(buf) + 1) : length();
}

/* kx_fd_attach(ep, cookie, flags): nobody serves the fuzzer's endpoint, so the
 * descriptor is closed at once (after_new_fd) and never read or written; its
 * IO_CLOSE waits on the endpoint until the endpoint goes. */
static void fd_attach_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live((int)ONE_OF(H_EP, H_EP, H_EP_SEND_ONLY, H_NOTIFY));
    a[1] = rnd();
    a[2] = ONE_OF(0, 1, 2, 3, 04000, 02000000, 1u << 30, (1u << 30) | 2, 0xffffffff, rnd(), KX_FD_EVENT,
                  KX_FD_EVENT | 2, KX_FD_EVENT | KX_FD_SEEKABLE);
    a[3] = live((int)ONE_OF(H_EVENT, H_EVENT, H_NOTIFY)); /* read only with KX_FD_EVENT */
}

/* kx_event_update(ev, clear, set): never blocks. */
static void event_update_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live(H_EVENT);
    a[1] = ONE_OF(0, KX_EVENT_IN, KX_EVENT_ALL, 0x40, ~0ull, rnd());
    a[2] = ONE_OF(0, KX_EVENT_IN, KX_EVENT_OUT | KX_EVENT_HUP, KX_EVENT_ALL, 0x100, ~0ull, rnd());
}

SPEC(kx_msg_read, .args = msg_copy_args);
SPEC(kx_msg_write, .args = msg_copy_args);
SPEC(kx_fd_attach, .args = fd_attach_args, .after = after_new_fd, .sometimes = true);
SPEC(kx_event_create, .args = generic, .sometimes = true);
SPEC(kx_event_update, .args = event_update_args, .sometimes = true);

/* kx_term_create(ep, cookie, event): a terminal nobody serves; nothing opens it. */
static void term_create_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live((int)ONE_OF(H_EP, H_EP, H_EP_SEND_ONLY, H_NOTIFY));
    a[1] = rnd();
    a[2] = rnd() % 2 ? 0 : live((int)ONE_OF(H_EVENT, H_EVENT, H_NOTIFY));
}

/* kx_term_register(term, rdev): only numbers that must fail -- a real one
 * would take the console's opens away from the rest of the system (the
 * fuzzer runs as root): 5:0, devices that are not terminals (1:3, 1:5, a
 * disk at 8:*), numbers too big. */
static void term_register_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live((int)ONE_OF(H_TERM, H_TERM, H_EVENT, H_EP));
    a[1] = ONE_OF(0, 0x500, 0x103, 0x105, (uint64_t)-1, 1ull << 40, 0x800 | (rnd() & 0xff));
}

/* kx_term_signal(term, sig, how): the fuzzer's terminals control no session,
 * so a signal reaches nobody. */
static void term_signal_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live((int)ONE_OF(H_TERM, H_TERM, H_EVENT));
    a[1] = ONE_OF(0, 1, 2, 9, 19, 64, 65, (uint64_t)-1, rnd());
    a[2] = ONE_OF(KX_TERM_FOREGROUND, KX_TERM_HANGUP, 2, (uint64_t)-1, rnd());
}

/* kx_sysinfo(h, what, arg, buf, len): reads only; buf is buf (bounded) or
 * bad. The handle is init's (inherited through kenix.init's exec) and nothing
 * makes another, so once the fuzzed kx_handle_close hits it the call can only
 * fail: not required to succeed. procfs uses every query (console.procfs). */
static void sysinfo_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = live((int)ONE_OF(H_SYSINFO, H_SYSINFO, H_SYSINFO, H_EVENT));
    a[1] = ONE_OF(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, rnd());
    a[2] = ONE_OF(0, 1, 2, (uint64_t)getpid(), 32767, 1ull << 32, (uint64_t)-1, rnd());
    bool good = rnd() % 2;
    a[3] = good ? (uint64_t)(uintptr_t)buf : bad_pointer();
    a[4] = good ? rnd() % (sizeof(buf) + 1) : length();
}

SPEC(kx_sysinfo, .args = sysinfo_args);
SPEC(kx_term_create, .args = term_create_args, .sometimes = true);
SPEC(kx_term_register, .args = term_register_args);
SPEC(kx_term_signal, .args = term_signal_args, .sometimes = true);

/* kx_reply_cancelled(out, n): the fuzzer saves no reply (kx_reply_save never
 * finds a caller), so its cancel list is empty and the answer is 0 whatever
 * the buffer and count -- the kernel must not touch out[] then. The cancel
 * protocol itself is tests/guest/test_cancel.c. */
static void reply_cancelled_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = out_pointer();
    a[1] = length();
}
SPEC(kx_reply_cancelled, .args = reply_cancelled_args, .sometimes = true);

/* kx_posix_attach: never with KX_POSIX_VFS, which process 1 could use to name
 * an endpoint nobody serves and wedge every later path call. */
static void posix_attach_args(uint64_t a[NREGS])
{
    generic(a);
    a[1] = ONE_OF(0, 2, (uint64_t)-1);
}
SPEC(kx_posix_attach, .args = posix_attach_args);

/* kx_trace(op, arg, buf, len): every operation, with room from none to past
 * the limit, buffers good and bad. A trace may stay on for the rest of the run
 * (every call then records, and the buffer fills and counts drops): starting,
 * stopping, reading and freeing in any order must hold up. */
static void trace_args(uint64_t a[NREGS])
{
    generic(a);
    a[0] = ONE_OF(KX_TRACE_START, KX_TRACE_STOP, KX_TRACE_READ, KX_TRACE_STATUS, KX_TRACE_FREE, 0, 6,
                  (uint64_t)-1, rnd());
    a[1] = ONE_OF(0, 1, 16, 1024, KX_TRACE_MAX_RECORDS, KX_TRACE_MAX_RECORDS + 1, (uint64_t)-1, rnd());
    bool good = rnd() % 2;
    a[2] = good ? (uint64_t)(uintptr_t)buf : bad_pointer();
    a[3] = good ? rnd() % (sizeof(buf) + 1) : length();
}
SPEC(kx_trace, .args = trace_args, .sometimes = true);
SPEC(kx_process_detach, .args = any_handle_first);

/* --- the table: every call the kernel implements --------------------------------------- */

struct call {
    const char *name;
    long nr;
    const struct spec *spec;
    unsigned calls, ok;
};

/* "use of undeclared identifier 'spec_<name>'" here: the kernel gained a
 * call, give it a spec above; "unused variable 'spec_<name>'": it lost one. */
#define LINUX_CALL(name, handler) { #name, SYS_##name, &spec_##name, 0, 0 },
#define NATIVE_CALL(n, name) { "kx_" #name, KX_SYS_##name, &spec_kx_##name, 0, 0 },
static struct call calls[] = {
    KENIX_SYSCALLS(LINUX_CALL)
    { "unknown linux 1000", 1000, &spec_unknown, 0, 0 },
    KENIX_NATIVE_SYSCALLS(NATIVE_CALL)
};
#undef LINUX_CALL
#undef NATIVE_CALL
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* Every argument register set, the IPC ones included (x0-x11 but x8). */
static long trap(long nr, const uint64_t a[NREGS])
{
    register uint64_t x0 __asm__("x0") = a[0], x1 __asm__("x1") = a[1], x2 __asm__("x2") = a[2];
    register uint64_t x3 __asm__("x3") = a[3], x4 __asm__("x4") = a[4], x5 __asm__("x5") = a[5];
    register uint64_t x6 __asm__("x6") = a[6], x7 __asm__("x7") = a[7], x8 __asm__("x8") = (uint64_t)nr;
    register uint64_t x9 __asm__("x9") = a[9], x10 __asm__("x10") = a[10], x11 __asm__("x11") = a[11];
    __asm__ volatile("svc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7), "+r"(x9),
                       "+r"(x10), "+r"(x11)
                     : "r"(x8)
                     : "memory");
    return (long)x0;
}

/* clone: a child (0 in x0) exits right there, with no memory or stack
 * touched -- a vfork child shares both with the parent waiting for it. */
_Static_assert(SYS_exit == 93, "the exit below");
static long trap_clone(const uint64_t a[NREGS])
{
    register uint64_t x0 __asm__("x0") = a[0], x1 __asm__("x1") = a[1], x2 __asm__("x2") = a[2];
    register uint64_t x3 __asm__("x3") = a[3], x4 __asm__("x4") = a[4], x5 __asm__("x5") = a[5];
    register uint64_t x8 __asm__("x8") = SYS_clone;
    __asm__ volatile("svc #0\n\t"
                     "cbnz x0, 1f\n\t"
                     "mov x8, #93\n\t"
                     "svc #0\n"
                     "1:"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x8)
                     :
                     : "memory");
    return (long)x0;
}

static bool is_handle_maker(const struct call *c)
{
    return c->nr == KX_SYS_handle_dup || c->nr == KX_SYS_endpoint_create || c->nr == KX_SYS_endpoint_mint ||
           c->nr == KX_SYS_notify_create || c->nr == KX_SYS_mem_create || c->nr == KX_SYS_process_create ||
           c->nr == KX_SYS_reply_save || c->nr == KX_SYS_event_create;
}

static void close_created(void)
{
    for (unsigned i = 0; i < ncreated; i++)
        kx_handle_close((kx_handle_t)created[i]);
    ncreated = 0;
}

/* (Re)creates the live handles random calls may have closed. A closed
 * handle's number may since name another object: the type must still fit. */
static void refresh_handles(void)
{
    static const uint32_t type[H_COUNT] = {
        [H_EP] = KX_OBJ_ENDPOINT, [H_EP_SEND_ONLY] = KX_OBJ_ENDPOINT, [H_NOTIFY] = KX_OBJ_NOTIFICATION,
        [H_MEM] = KX_OBJ_MEMORY,  [H_MEM_DMA] = KX_OBJ_MEMORY,        [H_PROCESS] = KX_OBJ_PROCESS,
        [H_EVENT] = KX_OBJ_EVENT, [H_TERM] = KX_OBJ_TERMINAL, [H_SYSINFO] = KX_OBJ_SYSINFO,
    };
    struct kx_handle_info info;
    for (int i = 0; i < H_COUNT; i++) {
        if (i == H_INITRD || (handles[i] > 0 && kx_handle_info(handles[i], &info) == 0 && info.type == type[i]))
            continue;
        long h = -1;
        switch (i) {
        case H_EP: h = kx_endpoint_create(); break;
        case H_EP_SEND_ONLY:
            h = handles[H_EP] > 0 ? kx_handle_dup(handles[H_EP], KX_RIGHT_SEND | KX_RIGHT_DUP) : -1;
            break;
        case H_NOTIFY: h = kx_notify_create(); break;
        case H_MEM: h = kx_mem_create(8192, 0); break;
        case H_MEM_DMA: h = kx_mem_create(4096, KX_MEM_CONTIGUOUS); break;
        case H_EVENT: h = kx_event_create(); break;
        case H_TERM: h = handles[H_EP] > 0 ? kx_term_create(handles[H_EP], 1, 0) : -1; break;
        case H_SYSINFO:
            /* init's, if the fuzzer inherited its handles (kenix.init): nothing makes one. */
            for (kx_handle_t k = 1; k < 64 && h < 0; k++)
                if (kx_handle_info(k, &info) == 0 && info.type == KX_OBJ_SYSINFO)
                    h = k;
            break;
        case H_PROCESS: {
            /* A real process, never started here: give has something to act on. */
            char *argv[] = { "/bin/hello", NULL };
            h = kx_spawn(&initrd, "/bin/hello", argv, NULL); /* the initrd, or a file once it is gone */
            break;
        }
        }
        handles[i] = h > 0 ? (kx_handle_t)h : 0;
    }
}

/* --- IPC with a partner: random descriptors on both sides of real rendezvous --- */

#define SLOT_FUZZ_EP 4 /* where the partner finds the endpoint */
#define LABEL_EXIT 0xe417
#define IPC_BUF 8192  /* the part of buf each side sends from and receives into */

/* Handles a side must keep (its endpoint, its partner): never sent away. */
static kx_handle_t keep[2];

static uint8_t sent_byte(int server, uint64_t i)
{
    return (uint8_t)(server ? i * 7 + 3 : i * 13 + 5);
}

static void fill_sent(int server)
{
    for (uint64_t i = 0; i < IPC_BUF; i++)
        buf[IPC_BUF + i] = sent_byte(server, i);
}

/* A descriptor with random parts. Receiving goes only into buf[0, IPC_BUF)
 * (or nowhere valid); sending comes from buf[IPC_BUF, 2 * IPC_BUF) or from
 * bad addresses. w_off/w_len tell the other side what to expect. */
static void random_xfer(struct kx_xfer *x, uint64_t *w_off, uint64_t *w_len)
{
    memset(x, 0, sizeof(*x));
    uint64_t off = rnd() % IPC_BUF;
    *w_off = off;
    switch (rnd() % 4) {
    case 0: x->send = NULL; x->send_len = 0; break;
    case 1: x->send = (const void *)(uintptr_t)bad_pointer(); x->send_len = length(); break;
    default:
        x->send = buf + IPC_BUF + off;
        x->send_len = ONE_OF(0, 1, 8, 4096, IPC_BUF - off, rnd() % (IPC_BUF - off + 1), KX_BULK_MAX + 1);
        if (x->send_len > IPC_BUF - off && x->send_len <= KX_BULK_MAX)
            x->send_len = IPC_BUF - off;
        break;
    }
    *w_len = x->send_len;
    uint64_t roff = rnd() % IPC_BUF;
    switch (rnd() % 4) {
    case 0: x->recv = NULL; x->recv_cap = ONE_OF(0, 4096); break;
    case 1: x->recv = (void *)(uintptr_t)bad_pointer(); x->recv_cap = ONE_OF(0, 1, 4096, (uint64_t)-1); break;
    default:
        x->recv = buf + roff;
        x->recv_cap = rnd() % (IPC_BUF - roff + 1);
        break;
    }
    x->send_handles_n = (uint32_t)ONE_OF(0, 0, 1, 2, 4, 5, 0xffffffff);
    for (int i = 0; i < KX_XFER_MAX_HANDLES; i++) {
        x->send_handles[i] = rnd() % 3 ? handles[rnd() % H_COUNT] : (kx_handle_t)any();
        if (x->send_handles[i] == keep[0] || x->send_handles[i] == keep[1])
            x->send_handles[i] = 0x7fffffff;
    }
    x->recv_handles_cap = (uint32_t)ONE_OF(0, 1, 4, 5, 0xffffffff);
    x->flags_out = rnd() % 8 ? 0 : (uint32_t)rnd(); /* out only: whatever is there is ignored */
}

/* Did the bytes arrive as sent? Returns a complaint or NULL. */
static const char *check_received(const struct kx_xfer *x, uint64_t label, int from_server, uint64_t off,
                                  uint64_t len)
{
    uint64_t want = len < x->recv_cap ? len : x->recv_cap;
    if (x->recv_len != want)
        return "received length is not min(sent, room)";
    if (!!(label & KX_MSG_TRUNCATED) != (len > x->recv_cap))
        return "truncation flag wrong";
    const uint8_t *r = x->recv;
    for (uint64_t i = 0; i < want; i++)
        if (r[i] != sent_byte(from_server, off + i))
            return "received bytes differ from those sent";
    if (x->recv_handles_n > x->recv_handles_cap || x->recv_handles_n > KX_XFER_MAX_HANDLES)
        return "more handles received than there was room for";
    return NULL;
}

static void close_received(const struct kx_xfer *x)
{
    for (uint32_t i = 0; i < x->recv_handles_n && i < KX_XFER_MAX_HANDLES; i++)
        kx_handle_close(x->recv_handles[i]);
}

/* The partner: receives with random descriptors, answers with random ones,
 * falls back to plain messages when its own random choice is refused, and
 * checks what it receives. Exit status 0: every delivery was right. */
static int serve(void)
{
    fill_sent(1);
    unsigned wrong = 0;
    for (;;) {
        struct kx_msg m;
        struct kx_xfer x;
        uint64_t off, len, badge;
        random_xfer(&x, &off, &len);
        bool random_recv = rnd() % 4 != 0;
        long r = kx_recv(SLOT_FUZZ_EP, &m, random_recv ? &x : NULL, &badge);
        if (r < 0 && random_recv) {
            random_recv = false;
            r = kx_recv(SLOT_FUZZ_EP, &m, NULL, &badge);
        }
        if (r < 0) {
            note("FAIL fuzz partner: a plain kx_recv failed: %ld\n", r);
            return 2;
        }
        if (KX_MSG_LABEL(m.label) == LABEL_EXIT) {
            m.w[0] = wrong;
            kx_reply(0, &m, NULL);
            return wrong ? 1 : 0;
        }
        if (random_recv) {
            const char *why = m.w[2] ? check_received(&x, m.label, 0, m.w[0], m.w[1]) : NULL;
            if (why && wrong++ < 5)
                note("FAIL fuzz partner: %s (sent %llu from +%llu, room %llu, got %llu)\n", why,
                       (unsigned long long)m.w[1], (unsigned long long)m.w[0], (unsigned long long)x.recv_cap,
                       (unsigned long long)x.recv_len);
            close_received(&x);
        }
        /* Answer: random descriptor first; if refused, the caller is still waiting. */
        uint64_t label = KX_MSG_LABEL(m.label) | (rnd() % 2 ? KX_MSG_XFER : 0) | (rnd() % 4 ? 0 : KX_MSG_MOVE_HANDLES);
        random_xfer(&x, &off, &len);
        m.label = label;
        m.w[0] = off;
        m.w[1] = len;
        m.w[2] = 1;
        if (kx_reply(0, &m, &x) < 0) {
            m.label = KX_MSG_LABEL(label);
            m.w[2] = 0;
            if ((r = kx_reply(0, &m, NULL)) < 0 && r != -EPIPE) {
                note("FAIL fuzz partner: a plain kx_reply failed: %ld\n", r);
                return 3;
            }
        }
    }
}

/* Calls the partner `rounds` times with random descriptors; returns the number of wrong deliveries. */
static unsigned ipc_rounds(kx_handle_t ep, unsigned rounds, unsigned *delivered)
{
    unsigned wrong = 0;
    fill_sent(0);
    for (unsigned i = 0; i < rounds; i++) {
        if (i % 100 == 0)
            refresh_handles();
        struct kx_msg m = { .label = 0x100 + (rnd() % 0xff) };
        struct kx_xfer x;
        uint64_t off, len;
        random_xfer(&x, &off, &len);
        bool with_xfer = rnd() % 8 != 0;
        m.label |= (with_xfer ? KX_MSG_XFER : 0) | (rnd() % 4 ? 0 : KX_MSG_MOVE_HANDLES);
        m.w[0] = off;
        m.w[1] = len;
        m.w[2] = with_xfer;
        uint32_t sent_label = KX_MSG_LABEL(m.label);
        long r = kx_call(ep, &m, with_xfer ? &x : NULL);
        if (r > 0 || r < -4095) {
            if (wrong++ < 5)
                note("FAIL kx_call returned %ld\n", r);
            continue;
        }
        if (r < 0)
            continue;
        (*delivered)++;
        const char *why = NULL;
        if (KX_MSG_LABEL(m.label) != sent_label)
            why = "the answer has another label";
        else if (with_xfer && m.w[2])
            why = check_received(&x, m.label, 1, m.w[0], m.w[1]);
        if (why && wrong++ < 5)
            note("FAIL kx_call: %s (sent %llu from +%llu, room %llu, got %llu)\n", why, (unsigned long long)m.w[1],
                   (unsigned long long)m.w[0], (unsigned long long)x.recv_cap, (unsigned long long)x.recv_len);
        if (with_xfer)
            close_received(&x);
    }
    return wrong;
}

static void fuzz_ipc(unsigned rounds)
{
    /* The fuzzing may have lowered the limits a program file is read with. */
    struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
    setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 1024, 1024 });
    setrlimit(RLIMIT_AS, &unlimited);
    long ep = kx_endpoint_create();
    char seed[24];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)rnd());
    char *argv[] = { "/bin/fuzz_syscalls", "--partner", seed, checks_quiet ? "quiet" : NULL, NULL };
    struct kx_give give = { (kx_handle_t)ep, KX_RIGHT_RECV, SLOT_FUZZ_EP };
    long partner = ep > 0 ? kx_spawn_with(&initrd, "/bin/fuzz_syscalls", argv, NULL, &give, 1) : -1;
    if (!checkf(partner > 0, "a partner process to call (%ld)", partner)) {
        kx_handle_close((kx_handle_t)ep);
        return;
    }
    keep[0] = (kx_handle_t)ep;
    keep[1] = (kx_handle_t)partner;
    unsigned delivered = 0;
    unsigned wrong = ipc_rounds((kx_handle_t)ep, rounds, &delivered);
    struct kx_msg m = { .label = LABEL_EXIT };
    long r = kx_call((kx_handle_t)ep, &m, NULL);
    long status = kx_process_wait((kx_handle_t)partner);
    checkf(wrong == 0 && r == 0 && m.w[0] == 0 && status == 0,
           "%u calls with random descriptors both ways, %u delivered: bytes, lengths, truncation and handles "
           "right on both sides (partner exit status %ld)",
           rounds, delivered, status);
    kx_handle_close((kx_handle_t)partner);
    kx_handle_close((kx_handle_t)ep);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--partner")) {
        checks_quiet = argc > 3;
        rng_state = strtoull(argv[2], NULL, 0) | 1;
        handles[H_INITRD] = kx_initrd_handle();
        keep[0] = SLOT_FUZZ_EP;
        return serve();
    }
    unsigned iterations = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    if (!rng_state)
        rng_state = 1;
    bool trace = argc > 3 && !strcmp(argv[3], "trace");
    checks_quiet = argc > 3 && !strcmp(argv[3], "quiet");
    note("fuzz_syscalls: %u calls, seed %llu\n", iterations, (unsigned long long)rng_state);
    fflush(stdout);
    arena = mmap(NULL, ARENA_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (arena == MAP_FAILED) {
        check(false, "mmap of the arena");
        return check_summary();
    }
    long_path[0] = '/';
    memset(long_path + 1, 'a', sizeof(long_path) - 2);
    /* Path calls work on names in a scratch directory of their own, when
     * there is a file system to make one in. */
    /* "nofiles" (argv[4]): no call names a path, so the file system (and the
     * memory the vfs keeps) stays as it was (test_memory measures the kernel). */
    bool no_files = argc > 4 && !strcmp(argv[4], "nofiles");
    char scratch[] = "/tmp/fuzz.XXXXXX";
    bool scratch_made = !no_files && mkdtemp(scratch) != NULL;
    if (scratch_made) {
        snprintf(mount_point, sizeof(mount_point), "%s/mnt", scratch);
        mkdir(mount_point, 0755);
        int root = open("/", O_PATH | O_DIRECTORY);
        if (root >= 0 && root != REAL_ROOT_FD) {
            dup3(root, REAL_ROOT_FD, 0);
            close(root);
        }
        chdir(scratch);
    }
    handles[H_INITRD] = kx_initrd_handle();
    if (kx_initrd_open(handles[H_INITRD], &initrd) != 0)
        initrd.base = NULL;
    refresh_handles();
    check(handles[H_EP] && handles[H_NOTIFY] && handles[H_MEM] && handles[H_PROCESS],
          "live endpoint, notification, memory and process handles to fuzz with");
    check(keep_devices(), "/dev/null, /dev/zero, /dev/full and /dev/urandom at fds 10-13, to read and write");
    long pid = getpid();

    /* The calls that are made, and a word for those that are not. */
    static unsigned runnable[NCALLS];
    unsigned nrunnable = 0;
    for (unsigned i = 0; i < NCALLS; i++)
        if (!calls[i].spec->skip && !(no_files && calls[i].spec->files))
            runnable[nrunnable++] = i;

    unsigned out_of_range = 0;
    for (unsigned i = 0; i < iterations; i++) {
        if (i % 200 == 0) {
            close_created();
            refresh_handles();
            reap_children(false);
        }
        struct call *c = &calls[runnable[rnd() % nrunnable]];
        uint64_t a[NREGS];
        c->spec->args(a);
        if (trace) {
            note("%u %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n", i, c->name, (unsigned long long)a[0],
                   (unsigned long long)a[1], (unsigned long long)a[2], (unsigned long long)a[3],
                   (unsigned long long)a[4], (unsigned long long)a[5]);
            fflush(stdout);
        }
        long r = c->nr == SYS_clone ? trap_clone(a) : trap(c->nr, a);
        c->calls++;
        if (r >= 0)
            c->ok++;
        else if (r < -4095 && out_of_range++ < 5)
            note("FAIL %s returned %ld, neither a result nor an errno\n", c->name, r);
        if (c->spec->after)
            c->spec->after(c->name, a, r);
        if (prepared_fd >= 0) {
            syscall(SYS_close, prepared_fd);
            prepared_fd = -1;
        }
        if (r > 0 && is_handle_maker(c) && ncreated < sizeof(created) / sizeof(created[0]))
            created[ncreated++] = r;
    }
    close_created();
    reap_children(true);

    check(out_of_range == 0, "every call returned a result or an errno in [-4095, -1]");
    check(wrong_fds == 0, "every fd the calls made was a new one, and is closed again");
    unsigned never_ran = 0, never_succeeded = 0;
    for (size_t i = 0; i < NCALLS; i++) {
        if (calls[i].spec->skip) {
            note("  %-20s skipped: %s\n", calls[i].name, calls[i].spec->skip);
            continue;
        }
        if (no_files && calls[i].spec->files)
            continue; /* not made in this run */
        note("  %-20s %5u calls, %5u succeeded\n", calls[i].name, calls[i].calls, calls[i].ok);
        never_ran += calls[i].calls == 0;
        /* Judged only with enough tries that a call whose arguments are
         * right one time in three would have succeeded (0.67^40 < 1e-6). */
        if (calls[i].spec->sometimes && calls[i].ok == 0 && calls[i].calls >= 40) {
            note("FAIL %s never succeeded: its arguments are too narrow to reach the real work\n", calls[i].name);
            never_succeeded++;
        }
    }
    check(never_ran == 0, "every call was tried");
    check(never_succeeded == 0, "calls that can succeed did so at least once");

    fuzz_ipc(iterations / 4);

    /* Still whole: the same process, and the basics still work. */
    struct kx_handle_info info;
    long ep = kx_endpoint_create();
    check(getpid() == pid && kx_nop() == 0, "the same process survived, kx_nop works");
    check(ep > 0 && kx_handle_info((kx_handle_t)ep, &info) == 0 && info.type == KX_OBJ_ENDPOINT &&
              kx_handle_close((kx_handle_t)ep) == 0,
          "a new endpoint can be made, inspected and closed");
    if (scratch_made)
        remove_scratch(scratch);
    return check_summary();
}
