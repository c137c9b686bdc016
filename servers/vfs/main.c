/*
 * The vfs server's IPC shell: the only file that makes system calls for
 * requests. Everything it serves is decided in dispatch.c.
 *
 * Started by init with two handles: the initrd (read-only memory object) at
 * KX_SLOT_INITRD and its endpoint, with the receive right, at
 * KX_SLOT_SERVER_ENDPOINT. Calls queue on the endpoint until the first
 * kx_recv, so the server first unpacks the initrd into the root tmpfs, gives
 * the initrd's memory back (unmaps it and closes the handle), mounts
 * devtmpfs at /dev and a tmpfs at /tmp, says so on its fd 1 (the kernel log),
 * then serves forever. After that it prints only errors.
 *
 * Memory: nothing here may grow on demand once serving (a page fault that
 * finds no free memory kills the process; pagestore.c explains). The static
 * buffers and the stack the server uses are touched once at start, so their
 * pages are committed before the first request.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>

#include <kenix/kx.h>

#include "disk.h"
#include "dispatch.h"
#include "procfs.h"
#include "vfs.h"

/* Write-back: every WRITEBACK_S seconds the caches' dirty blocks go to
 * their disks (Linux's dirty_writeback_centisecs is 5 s), so a machine
 * switched off without sync loses at most that much. The timer's signal
 * only signals the notification bound to the endpoint. */
#define WRITEBACK_S 5
#define NOTE_WRITEBACK 1ull
static kx_handle_t note;

static void on_alarm(int sig)
{
    (void)sig;
    kx_notify_signal(note, NOTE_WRITEBACK);
}

static void start_writeback_timer(void)
{
    long n = kx_notify_create();
    if (n < 0 || kx_endpoint_bind(KX_SLOT_SERVER_ENDPOINT, (kx_handle_t)n) < 0) {
        printf("vfs: no write-back timer (error %ld): dirty blocks wait for sync\n", n < 0 ? -n : 0L);
        return;
    }
    note = (kx_handle_t)n;
    struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = { { WRITEBACK_S, 0 }, { WRITEBACK_S, 0 } };
    setitimer(ITIMER_REAL, &it, 0);
}

extern char _edata[], _end[];

static uint64_t recv_buf[VFS_RECV_ROOM / 8];

/* Commits every page of .bss (demand-zero until written). */
static void commit_statics(void)
{
    uintptr_t p = ((uintptr_t)_edata + VFS_PAGE - 1) & ~(uintptr_t)(VFS_PAGE - 1);
    for (; p < (uintptr_t)_end; p += VFS_PAGE)
        *(volatile char *)p = 0;
}

/* Commits the stack the server will use: its deepest path is far shallower. */
__attribute__((noinline)) static void commit_stack(void)
{
    volatile char room[128 << 10];
    for (size_t i = 0; i < sizeof(room); i += VFS_PAGE)
        room[i] = 0;
}

static long guest_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    return kx_msg_read(0, off, buf, len);
}

static long guest_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
    (void)ctx;
    return kx_msg_write(0, off, buf, len);
}

/* The vfs's messages (a refused mount, a damaged file system) go to the kernel log. */
static void log_line(const char *line)
{
    printf("%s\n", line);
    fflush(stdout); /* now, whatever buffering fd 1 got: the vfs then waits for requests */
}

/* procfs's way to the kernel: the system-information capability init gave us. */
static long sysinfo_query(unsigned what, uint64_t arg, void *buf, size_t len)
{
    return kx_sysinfo(KX_SLOT_SYSINFO, what, arg, buf, len);
}

static int unpack_initrd(struct initrd_stats *st)
{
    struct kx_handle_info info;
    long err = kx_handle_info(KX_SLOT_INITRD, &info);
    if (err) {
        printf("vfs: no initrd handle: error %ld\n", -err);
        return (int)err;
    }
    long addr = kx_mem_map(KX_SLOT_INITRD, 0, info.size, KX_PROT_READ);
    if (addr < 0) {
        printf("vfs: cannot map the initrd: error %ld\n", -addr);
        return (int)addr;
    }
    int r = initrd_unpack((const void *)addr, info.size, st);
    if (r)
        printf("vfs: the initrd is damaged after %llu entries (cpio error %d); what came before is kept\n",
               (unsigned long long)st->entries, r);
    munmap((void *)addr, info.size);
    kx_handle_close(KX_SLOT_INITRD);
    return 0;
}

int main(void)
{
    commit_statics();
    commit_stack();
    vfs_log_sink = log_line;
    procfs_query = sysinfo_query;
    ps_init(0);
    int err = vfs_init();
    if (err) {
        printf("vfs: cannot make the root file system: error %d\n", -err);
        return 1;
    }
    struct initrd_stats st;
    memset(&st, 0, sizeof(st));
    unpack_initrd(&st);
    ps_data_flush();
    err = vfs_mount_standard();
    if (err)
        printf("vfs: cannot mount /dev and /tmp: error %d\n", -err);
    printf("vfs: %llu files from the initrd, %llu KiB; /dev and /tmp mounted\n", (unsigned long long)st.files,
           (unsigned long long)(st.bytes + 1023) / 1024);
    start_writeback_timer();

    struct vfs_caller caller = { guest_read, guest_write, NULL };
    struct kx_xfer xfer;
    memset(&xfer, 0, sizeof(xfer));
    xfer.recv = recv_buf;
    xfer.recv_cap = sizeof(recv_buf);
    xfer.recv_handles_cap = 1;
    struct kx_msg msg;
    memset(&msg, 0, sizeof(msg));
    uint64_t badge = 0;
    /* The request being answered; it stays until the next one is dispatched,
     * so a drop reported by a later receive still finds it. */
    struct vfs_msg m;
    memset(&m, 0, sizeof(m));
    long r = kx_recv(KX_SLOT_SERVER_ENDPOINT, &msg, &xfer, &badge);
    for (;;) {
        if (r >= 0 && (xfer.flags_out & KX_XFER_ANSWER_DROPPED))
            vfs_answer_dropped(&m); /* the last answer's caller was killed meanwhile */
        xfer.flags_out = 0;
        if (r < 0) {
            if (r == -EBADF || r == -EINVAL || r == -EPERM) {
                /* No endpoint to serve (or not one we may receive on): nothing to do. */
                printf("vfs: cannot receive on handle %d: error %ld\n", KX_SLOT_SERVER_ENDPOINT, -r);
                return 1;
            }
            /* The write-back timer's signal ends a wait with EINTR (after the
             * answer went): receive again. Anything else (a fault on one call)
             * concerns one call: say so and go on. */
            if (r != -EINTR)
                printf("vfs: receive failed: error %ld\n", -r);
            xfer.send = NULL;
            xfer.send_len = 0;
            r = kx_recv(KX_SLOT_SERVER_ENDPOINT, &msg, &xfer, &badge);
            continue;
        }
        m.label = KX_MSG_LABEL(msg.label);
        m.badge = badge;
        memcpy(m.w, msg.w, sizeof(m.w));
        m.bulk = (const uint8_t *)recv_buf;
        m.bulk_len = xfer.recv_len;
        if (msg.label & KX_MSG_NOTIFY) {
            /* The write-back timer: nobody to answer. */
            if (msg.w[0] & NOTE_WRITEBACK)
                mount_sync_all();
            xfer.send = NULL;
            xfer.send_len = 0;
            r = kx_recv(KX_SLOT_SERVER_ENDPOINT, &msg, &xfer, &badge);
            continue;
        }
        if (m.label == VFS_DISK && badge == VFS_BADGE_INIT && xfer.recv_handles_n == 1) {
            /* From init: a block device server. Not a kernel call, so not dispatch.c's. */
            m.label = 0;
            memset(m.a, 0, sizeof(m.a));
            m.a[0] = (uint64_t)(int64_t)disk_attach(xfer.recv_handles[0]);
            m.abulk = NULL;
            m.abulk_len = 0;
            xfer.recv_handles_n = 0;
        } else {
            for (uint32_t i = 0; i < xfer.recv_handles_n; i++)
                kx_handle_close(xfer.recv_handles[i]); /* nobody else may give us handles */
            xfer.recv_handles_n = 0;
            vfs_dispatch(&m, &caller);
        }
        msg.label = m.label;
        memcpy(msg.w, m.a, sizeof(msg.w));
        xfer.send = m.abulk;
        xfer.send_len = m.abulk_len;
        /* A one-way IO_CLOSE's answer is accepted and dropped: the same trap serves. */
        r = kx_reply_recv(KX_SLOT_SERVER_ENDPOINT, &msg, &xfer, &badge);
    }
}
