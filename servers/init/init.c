/*
 * init, process 1. The kernel gives it the initrd and the devices by handle
 * (struct kx_bootinfo). init first starts the vfs, which unpacks the initrd
 * into the root file system, and names it to the kernel, and the console
 * server, which serves /dev/console on the UART. Then:
 *
 * - with kenix.init=PATH on the kernel command line (KENIX_INIT in init's
 *   environment), it execs PATH with the arguments after "--": PATH runs as
 *   process 1 with files (kenix.init=/bin/sh -- -c '...' runs a command line);
 * - otherwise it runs /etc/init.d/rcS with /bin/sh if there is one, then
 *   - with no arguments after "--": an interactive shell, /bin/sh -i, in a
 *     new session whose controlling terminal is the console, started again
 *     whenever it exits; SIGUSR2 (BusyBox poweroff), SIGTERM (reboot) and
 *     SIGUSR1 (halt) end every process, sync and do it;
 *   - with "--tests": every /bin/test_* (the in-guest test programs);
 *   - else the programs named after "--",
 *   one after another, each with the handles it needs and nothing more; it
 *   reports each exit status and a summary, and exits 0 only if every
 *   program did.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kenix/kx.h>
#include <kenix/spawn.h>
#include <kenix/blk.h>
#include <kenix/tty.h>
#include <kenix/vfs.h>

#define MAX_PROGRAMS 64
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_ENTROPY 4

extern char **environ;

/* Which program drives which device (virtio device id): the device's
 * registers and interrupt go to it and to nobody else. */
static const struct {
    const char *program;
    uint32_t virtio_id;
} drivers[] = {
    { "/bin/test_irq", VIRTIO_ID_ENTROPY },
    { "/bin/test_blkdev", VIRTIO_ID_BLOCK },
};

static const struct kx_bootinfo *bootinfo;
static struct kx_initrd initrd;
static kx_handle_t vfs_handle; /* SEND to the vfs with badge VFS_BADGE_INIT, 0: none */

static const struct kx_boot_handle *boot_handle(uint32_t type, uint32_t virtio_id)
{
    for (uint32_t i = 0; i < bootinfo->count; i++)
        if (bootinfo->handles[i].type == type && bootinfo->handles[i].device_id == virtio_id)
            return &bootinfo->handles[i];
    return NULL;
}

/* Adds the device `path` drives, if it drives one, to its handles; returns how many there are now. */
static unsigned add_device(const char *path, struct kx_give give[], unsigned n)
{
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
        if (strcmp(drivers[i].program, path))
            continue;
        const struct kx_boot_handle *regs = boot_handle(KX_OBJ_DEVICE, drivers[i].virtio_id);
        const struct kx_boot_handle *irq = boot_handle(KX_OBJ_IRQ, drivers[i].virtio_id);
        if (!regs || !irq) {
            printf("init: %s: no virtio device %u on this machine\n", path, drivers[i].virtio_id);
            return n; /* the program reports the missing device itself */
        }
        /* TRANSFER: a test program may hand them on to the server it starts (test_blkdev). */
        give[n++] = (struct kx_give){ regs->handle, KX_RIGHT_READ | KX_RIGHT_WRITE | KX_RIGHT_TRANSFER, KX_SLOT_DEVICE };
        give[n++] = (struct kx_give){ irq->handle, KX_RIGHT_WRITE | KX_RIGHT_TRANSFER, KX_SLOT_DEVICE_IRQ };
    }
    return n;
}

/* Starts the vfs (/sbin/vfs) with the handles it needs -- the initrd,
 * which it unpacks into its root file system, the receive side of a new
 * endpoint, and the system-information capability procfs reads -- and names
 * that endpoint to the kernel, which from then on sends
 * it every path system call. Calls made before the vfs has unpacked simply
 * wait on the endpoint. Without /sbin/vfs in the initrd (an initrd built for
 * one test) there are no files, and nothing else changes. */
static bool start_vfs(void)
{
    const void *data;
    size_t size;
    if (kx_initrd_find(&initrd, "/sbin/vfs", &data, &size))
        return false;
    long ep = kx_endpoint_create();
    if (ep < 0) {
        printf("init: cannot make the vfs endpoint: error %ld\n", -ep);
        return false;
    }
    char *argv[] = { "/sbin/vfs", NULL };
    const struct kx_boot_handle *si = boot_handle(KX_OBJ_SYSINFO, 0);
    struct kx_give give[] = {
        { kx_initrd_handle(), KX_RIGHT_READ, KX_SLOT_INITRD },
        { (kx_handle_t)ep, KX_RIGHT_RECV, KX_SLOT_SERVER_ENDPOINT },
        { si ? si->handle : 0, KX_RIGHT_READ, KX_SLOT_SYSINFO }, /* procfs reads the kernel through it */
    };
    unsigned ngive = si ? 3 : 2;
    /* Detached: a program that becomes process 1 by exec (kenix.init) must
     * not find the vfs among its children, nor kill it with kill(-1). */
    long proc = kx_spawn(&initrd, "/sbin/vfs", argv, environ);
    long err = proc;
    for (unsigned i = 0; i < ngive && err >= 0; i++)
        err = kx_process_give((kx_handle_t)proc, give[i].handle, give[i].rights, give[i].slot);
    if (err >= 0)
        err = kx_process_detach((kx_handle_t)proc);
    if (err >= 0)
        err = kx_process_start((kx_handle_t)proc);
    if (err >= 0)
        err = kx_posix_attach((kx_handle_t)ep, KX_POSIX_VFS);
    /* init's own way to the vfs, for VFS_DISK: badged, so the vfs knows it is init. */
    long mine = err >= 0 ? kx_endpoint_mint((kx_handle_t)ep, KX_RIGHT_SEND, VFS_BADGE_INIT) : -1;
    vfs_handle = mine > 0 ? (kx_handle_t)mine : 0;
    if (err < 0)
        printf("init: cannot start the vfs: error %ld\n", -err);
    /* The kernel keeps its own reference; with only the vfs holding the
     * receive right, path calls fail with EIO if it ever dies instead of
     * waiting for ever. */
    kx_handle_close((kx_handle_t)ep);
    if (proc >= 0)
        kx_handle_close((kx_handle_t)proc);
    return err >= 0;
}

/* A device server: `path` from the initrd (or the files, once the initrd is
 * gone) with its device's registers and interrupt (boot handles for
 * device_id) and the receive side of a new endpoint, returned in *ep (the
 * caller talks to the server through it and closes it). `watched`: it stays
 * init's child, so wait() tells init when it dies (the interactive session
 * starts it again); otherwise it is detached, as the vfs, and no program that
 * becomes process 1 meets it. Returns its pid, or 0 (*ep 0) without the
 * device or the program, or on an error it reports. */
static pid_t start_driver(const char *path, uint32_t device_id, char *const argv[], bool watched, kx_handle_t *ep)
{
    const struct kx_boot_handle *regs = boot_handle(KX_OBJ_DEVICE, device_id);
    const struct kx_boot_handle *irq = boot_handle(KX_OBJ_IRQ, device_id);
    const void *data;
    size_t size;
    *ep = 0;
    if (!regs || !irq || (initrd.base ? kx_initrd_find(&initrd, path, &data, &size) != 0 : access(path, X_OK) != 0))
        return 0;
    long e = kx_endpoint_create();
    if (e < 0) {
        printf("init: cannot make an endpoint for %s: error %ld\n", path, -e);
        return 0;
    }
    struct kx_give give[] = {
        { regs->handle, KX_RIGHT_READ | KX_RIGHT_WRITE, KX_SLOT_DEVICE },
        { irq->handle, KX_RIGHT_WRITE, KX_SLOT_DEVICE_IRQ },
        { (kx_handle_t)e, KX_RIGHT_RECV, KX_SLOT_SERVER_ENDPOINT },
    };
    long proc = kx_spawn(&initrd, path, argv, environ);
    long err = proc;
    for (unsigned i = 0; i < 3 && err >= 0; i++)
        err = kx_process_give((kx_handle_t)proc, give[i].handle, give[i].rights, give[i].slot);
    if (err >= 0 && !watched)
        err = kx_process_detach((kx_handle_t)proc);
    if (err >= 0)
        err = kx_process_start((kx_handle_t)proc);
    struct kx_handle_info info = { 0 };
    if (err >= 0)
        err = kx_handle_info((kx_handle_t)proc, &info); /* a process handle's size is its pid */
    if (proc >= 0)
        kx_handle_close((kx_handle_t)proc);
    if (err < 0) {
        printf("init: cannot start %s: error %ld\n", path, -err);
        kx_handle_close((kx_handle_t)e);
        return 0;
    }
    *ep = (kx_handle_t)e;
    return (pid_t)info.size;
}

/* The console server (/sbin/console) on the UART; init waits until it serves
 * /dev/console (TTY_READY). Without a UART or the program (an initrd built
 * for one test) /dev/console stays the kernel's console. */
static pid_t start_console(bool watched)
{
    char *argv[] = { "/sbin/console", NULL };
    kx_handle_t ep;
    pid_t pid = start_driver("/sbin/console", KX_DEVICE_PL011, argv, watched, &ep);
    if (!pid)
        return 0;
    /* Answered once the server registered its lines; fails (EPIPE) if it died. */
    struct kx_msg msg = { .label = TTY_READY };
    long err = kx_call(ep, &msg, 0);
    if (err >= 0)
        err = (long)msg.w[0];
    if (err < 0)
        printf("init: the console server did not come up: error %ld\n", -err);
    kx_handle_close(ep);
    return pid;
}

/* Whether a test program to run drives the virtio device `id` itself (the
 * drivers table): then no server may have it. */
static bool claimed(const char *const programs[], int n, uint32_t id)
{
    for (int i = 0; i < n; i++)
        for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++)
            if (programs[i] && drivers[d].virtio_id == id && !strcmp(programs[i], drivers[d].program))
                return true;
    return false;
}

/* The block device server (/sbin/blkdev) on the virtio-blk disk; the vfs
 * gets the way to it (VFS_DISK) and makes /dev/vda. */
static pid_t start_blkdev(bool watched)
{
    const struct kx_boot_handle *regs = boot_handle(KX_OBJ_DEVICE, VIRTIO_ID_BLOCK);
    if (!regs || !vfs_handle)
        return 0;
    char base[24];
    snprintf(base, sizeof(base), "0x%llx", (unsigned long long)regs->base);
    char *argv[] = { "/sbin/blkdev", base, NULL };
    kx_handle_t ep;
    pid_t pid = start_driver("/sbin/blkdev", VIRTIO_ID_BLOCK, argv, watched, &ep);
    if (!pid)
        return 0;
    long send = kx_handle_dup(ep, KX_RIGHT_SEND | KX_RIGHT_TRANSFER);
    long err = send;
    if (send >= 0) {
        /* The vfs asks the server for its size and attaches its cache:
         * answered once /dev/vda exists (or why not). */
        struct kx_xfer x = { .send_handles_n = 1, .send_handles = { (kx_handle_t)send } };
        struct kx_msg msg = { .label = VFS_DISK | KX_MSG_MOVE_HANDLES };
        err = kx_call(vfs_handle, &msg, &x);
        if (err >= 0)
            err = (long)msg.w[0];
        else
            kx_handle_close((kx_handle_t)send);
    }
    if (err < 0)
        printf("init: the vfs cannot use the block device server: error %ld\n", -err);
    kx_handle_close(ep);
    return pid;
}

/* The disk's FAT32 file system at /mnt (made if missing). */
static void mount_disk(void)
{
    if (access("/dev/vda", F_OK) != 0)
        return;
    mkdir("/mnt", 0755);
    if (mount("/dev/vda", "/mnt", "vfat", 0, NULL) != 0)
        printf("init: cannot mount /dev/vda on /mnt: error %d\n", errno);
}

/* With the vfs running, programs come from its files: init lets go of the
 * initrd (mapping and handle), and once the vfs has unpacked it and let go
 * too, the kernel gives its memory back. */
static void release_initrd(void)
{
    munmap((void *)initrd.base, initrd.size);
    kx_handle_close(kx_initrd_handle());
    initrd.base = NULL;
    initrd.size = 0;
}

/* Process 1 inherits every orphan: collect those that have exited, so no
 * zombie outlives its program. */
static void reap_orphans(void)
{
    int st;
    while (waitpid(-1, &st, WNOHANG) > 0)
        ;
}

/* --- the interactive session ---------------------------------------------- */

static volatile sig_atomic_t shutdown_request; /* RB_* of the signal that asked */

static void on_shutdown_signal(int sig)
{
    shutdown_request = sig == SIGUSR2 ? RB_POWER_OFF : sig == SIGTERM ? RB_AUTOBOOT : RB_HALT_SYSTEM;
}

/* Ends every process (they get SIGTERM, then SIGKILL a second later), syncs
 * the file systems and powers off, reboots or halts. */
static void shut_down(int how)
{
    printf("init: %s\n", how == RB_POWER_OFF ? "powering off" : how == RB_AUTOBOOT ? "rebooting" : "halting");
    kill(-1, SIGTERM);
    for (int i = 0; i < 10; i++) {
        reap_orphans();
        if (kill(-1, 0) != 0)
            break; /* nobody left */
        struct timespec t = { 0, 100 * 1000 * 1000 };
        nanosleep(&t, 0);
    }
    kill(-1, SIGKILL);
    reap_orphans();
    sync();
    reboot(how);
    printf("init: reboot failed: error %d\n", errno);
}

/* The child side: a session of its own whose controlling terminal is the
 * console, the terminal's foreground group, then the shell. */
static void exec_shell(void)
{
    setsid();
    int fd = open("/dev/console", O_RDWR);
    if (fd >= 0) {
        if (ioctl(fd, TIOCSCTTY, 0) != 0)
            printf("init: /dev/console is not a terminal (error %d): no job control\n", errno);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
        tcsetpgrp(0, getpid());
    }
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (chdir("/") != 0)
        _exit(126);
    execl("/bin/sh", "-sh", "-i", (char *)NULL);
    printf("init: cannot run /bin/sh: error %d\n", errno);
    _exit(127);
}

/* Runs the shell, and again each time it exits, until a shutdown signal;
 * starts the console or block server again when it dies (their clients got
 * EIO meanwhile: the shell ends and comes back on the new console; the vfs
 * attaches its disk cache to the new block server). */
static void run_session(pid_t console, pid_t blkdev)
{
    setenv("TERM", "vt100", 1);
    setenv("PS1", "\\w \\$ ", 1);
    setenv("SHELL", "/bin/sh", 1);
    setenv("USER", "root", 1);
    struct sigaction sa = { .sa_handler = on_shutdown_signal }; /* no SA_RESTART: waits end */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, 0);
    sigaction(SIGUSR2, &sa, 0);
    sigaction(SIGTERM, &sa, 0);
    unsigned quick = 0;
    while (!shutdown_request) {
        time_t started = time(0);
        pid_t pid = fork();
        if (pid == 0)
            exec_shell();
        if (pid < 0) {
            printf("init: cannot fork the shell: error %d\n", errno);
            sleep(1);
            continue;
        }
        int st;
        pid_t got;
        while (!shutdown_request && (got = wait(&st)) != pid) {
            if (got < 0 && errno == ECHILD)
                break;
            if (got > 0 && got == console) {
                printf("init: the console server ended (status 0x%x): starting it again\n", st);
                console = start_console(true);
            } else if (got > 0 && got == blkdev) {
                printf("init: the block device server ended (status 0x%x): starting it again\n", st);
                blkdev = start_blkdev(true);
            }
        }
        if (shutdown_request)
            break;
        /* A shell that cannot stay up must not make init spin. */
        quick = time(0) - started < 2 ? quick + 1 : 0;
        if (quick >= 3)
            sleep(2);
    }
    shut_down((int)shutdown_request);
}

/* Runs one program to its end; returns its wait status, or -1 if it could not start. */
static int run(const char *path)
{
    char *argv[] = { (char *)path, NULL };
    struct kx_give give[3] = {
        { kx_initrd_handle(), KX_RIGHT_READ | KX_RIGHT_DUP | KX_RIGHT_TRANSFER, KX_SLOT_INITRD },
    };
    /* The initrd only while init still has it (no file system). */
    unsigned ngive = add_device(path, give, initrd.base ? 1 : 0);
    long proc = kx_spawn_with(&initrd, path, argv, environ, give, ngive);
    if (proc < 0) {
        printf("init: cannot start %s: error %ld\n", path, -proc);
        return -1;
    }
    long status = kx_process_wait(proc);
    kx_handle_close(proc);
    reap_orphans();
    return (int)status;
}

/* Runs `path` with /bin/sh from the file system (fork and exec), if it
 * exists, and waits for it. */
static void run_script(const char *path)
{
    if (access(path, F_OK) != 0)
        return;
    printf("init: running %s\n", path);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", path, (char *)NULL);
        printf("init: cannot run /bin/sh %s: error %d\n", path, errno);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        printf("init: %s did not run\n", path);
    else if (WIFEXITED(st))
        printf("init: %s exited with status %d\n", path, WEXITSTATUS(st));
    else
        printf("init: %s killed by signal %d\n", path, WTERMSIG(st));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every /bin/test_* in the initrd, in archive order, or in the file system
 * (in name order) once the initrd is gone. */
static int find_tests(const char *list[], char names[][64])
{
    if (!initrd.base) {
        DIR *d = opendir("/bin");
        struct dirent *e;
        int n = 0;
        while (d && n < MAX_PROGRAMS && (e = readdir(d))) {
            if (strncmp(e->d_name, "test_", 5) || strlen(e->d_name) + 6 > sizeof(names[0]))
                continue;
            snprintf(names[n], sizeof(names[0]), "/bin/%s", e->d_name);
            list[n] = names[n];
            n++;
        }
        if (d)
            closedir(d);
        qsort(list, (size_t)n, sizeof(list[0]), by_name);
        return n;
    }
    size_t offset = 0;
    const char *name;
    int n = 0;
    long r;
    while (n < MAX_PROGRAMS && (r = kx_initrd_next(&initrd, &offset, &name)) > 0) {
        while (*name == '.' || *name == '/')
            name++;
        if (strncmp(name, "bin/test_", 9) || strlen(name) + 2 > sizeof(names[0]))
            continue;
        snprintf(names[n], sizeof(names[0]), "/%s", name);
        list[n] = names[n];
        n++;
    }
    if (r < 0)
        printf("init: the initrd is damaged\n");
    return n;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("init: Kenix init, pid %d\n", getpid());
    bootinfo = kx_bootinfo();
    if (!bootinfo) {
        printf("init: no boot info from the kernel: not process 1?\n");
        return 1;
    }
    long err = kx_initrd_open(kx_initrd_handle(), &initrd);
    if (err) {
        printf("init: cannot map the initrd: error %ld\n", -err);
        return 1;
    }
    /* Root's environment, for every program init starts. */
    setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
    setenv("HOME", "/root", 1);
    char *target = getenv("KENIX_INIT");
    if (target)
        target = strdup(target);
    unsetenv("KENIX_INIT");
    bool files = start_vfs();
    /* /proc for ps, top, free, pidof, mount, df (the vfs mounted /dev and /tmp itself). */
    if (files && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        printf("init: cannot mount /proc: error %d\n", errno);
    bool interactive = !target && argc < 2;
    pid_t console = start_console(interactive);
    /* The disk, unless a test program to run drives it itself. */
    bool disk_claimed = (target && claimed((const char *const[]){ target }, 1, VIRTIO_ID_BLOCK)) ||
                        (argc > 1 && !strcmp(argv[1], "--tests")) ||
                        claimed((const char *const *)argv + 1, argc - 1, VIRTIO_ID_BLOCK);
    pid_t blkdev = 0;
    if (files && !disk_claimed) {
        blkdev = start_blkdev(interactive);
        if (blkdev)
            mount_disk();
    }
    if (files)
        release_initrd();
    if (target) {
        /* Process 1 becomes the program asked for, with init's arguments. */
        printf("init: starting %s as process 1\n", target);
        argv[0] = target;
        execv(target, argv);
        printf("init: cannot run %s: error %d\n", target, errno);
        return 127;
    }
    run_script("/etc/init.d/rcS");
    if (interactive) {
        run_session(console, blkdev);
        return 1;
    }
    static char names[MAX_PROGRAMS][64];
    const char *list[MAX_PROGRAMS];
    int n = 0;
    if (!strcmp(argv[1], "--tests"))
        n = find_tests(list, names);
    else
        for (int i = 1; i < argc && n < MAX_PROGRAMS; i++)
            list[n++] = argv[i];
    int failed = 0;
    for (int i = 0; i < n; i++) {
        printf("init: running %s\n", list[i]);
        int status = run(list[i]);
        if (status < 0) {
            failed++;
        } else if (status & 0x7f) {
            printf("init: %s killed by signal %d\n", list[i], status & 0x7f);
            failed++;
        } else {
            printf("init: %s exited with status %d\n", list[i], (status >> 8) & 0xff);
            failed += ((status >> 8) & 0xff) != 0;
        }
    }
    printf("init: %d programs run, %d passed, %d failed\n", n, n - failed, failed);
    return failed ? 1 : 0;
}
