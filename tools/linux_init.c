/*
 * /init of the initramfs tools/linux_baseline.py boots on Debian's arm64 Linux
 * kernel: runs the benchmark programs the tool lists in /bench.list, one at a
 * time, then powers the machine off. Built by the tool with the project's
 * sysroot (a static musl program, like the benchmarks themselves).
 *
 * /bench.list holds one command per line, words separated by blanks (no
 * quoting: the benchmarks take plain words); empty lines and lines starting
 * with '#' are ignored. For each command it prints
 *     linux-init: run <command>
 *     linux-init: <program> exited with status N   (or: killed by signal N)
 * and at the end "linux-init: done", the marker the tool waits for. Whatever
 * fails, it still powers off, so a boot ends without waiting for the tool's
 * timeout; if even that fails it returns, and the kernel's panic on the end of
 * process 1 (with panic=-1 and QEMU's -no-reboot) ends QEMU.
 *
 * Before the programs it mounts a tmpfs on /tmp (the benchmarks' files, on
 * the same kind of file system as Kenix's /tmp), and, when the archive lists
 * kernel modules in /modules.list, loads them in that order and mounts the
 * virtio disk they make appear (/dev/vda, through devtmpfs) as vfat on /mnt,
 * where Kenix mounts its FAT32 disk. It needs no /proc or /sys; the console
 * the kernel opens for process 1 comes from the archive's /dev/console node.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIST "/bench.list"
#define MODULES "/modules.list"
#define DISK "/dev/vda"
#define MAX_WORDS 32

static char *const envp[] = { "PATH=/bin", "HOME=/", "TERM=dumb", NULL };

/* The kernel opens /dev/console as fds 0-2 when the archive has the node; if it
 * could not, try once more so the output is not lost silently. */
static void console(void)
{
    if (fcntl(1, F_GETFD) >= 0)
        return;
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return;
    for (int i = 0; i < 3; i++)
        if (fd != i)
            dup2(fd, i);
    if (fd > 2)
        close(fd);
}

/* Process 1 inherits every orphan (a benchmark's children whose parent died
 * first): reap them so none stays a zombie between runs. */
static void reap_orphans(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

static void run(char *line)
{
    char *argv[MAX_WORDS + 1];
    int argc = 0;
    for (char *save, *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
        if (argc == MAX_WORDS) {
            printf("linux-init: more than %d words in a command; not run\n", MAX_WORDS);
            return;
        }
        argv[argc++] = w;
    }
    argv[argc] = NULL;
    if (argc == 0 || argv[0][0] == '#')
        return;

    printf("linux-init: run");
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    fflush(stdout); /* before fork, or the child's exit would print it twice */

    pid_t pid = fork();
    if (pid < 0) {
        printf("linux-init: fork: %s\n", strerror(errno));
        return;
    }
    if (pid == 0) {
        execve(argv[0], argv, envp);
        printf("linux-init: cannot run %s: %s\n", argv[0], strerror(errno));
        fflush(stdout);
        _exit(127);
    }
    int status;
    pid_t got;
    while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (got != pid)
        printf("linux-init: waitpid: %s\n", strerror(errno));
    else if (WIFEXITED(status))
        printf("linux-init: %s exited with status %d\n", argv[0], WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("linux-init: %s killed by signal %d\n", argv[0], WTERMSIG(status));
    reap_orphans();
}

/* Loads each module /modules.list names, in its order (each after those it
 * depends on); the number that failed. finit_module: the kernel reads the
 * file itself (no signature is enforced by Debian's kernel without secure
 * boot; a taint message is all). */
static int load_modules(void)
{
    FILE *list = fopen(MODULES, "r");
    if (!list)
        return 0;
    char path[256];
    int failed = 0;
    while (fgets(path, sizeof(path), list)) {
        path[strcspn(path, "\r\n")] = 0;
        if (!path[0])
            continue;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)) {
            printf("linux-init: cannot load %s: %s\n", path, strerror(errno));
            failed++;
        }
        if (fd >= 0)
            close(fd);
    }
    fclose(list);
    return failed;
}

/* The disk's node appears once its driver has probed it: wait up to 5 s. */
static int wait_for(const char *path)
{
    struct stat st;
    for (int i = 0; i < 500; i++) {
        if (stat(path, &st) == 0)
            return 0;
        nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
    }
    return -1;
}

static void mount_filesystems(void)
{
    if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") != 0)
        printf("linux-init: cannot mount a tmpfs on /tmp: %s\n", strerror(errno));
    if (access(MODULES, F_OK) != 0)
        return;
    if (load_modules())
        return;
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0) {
        printf("linux-init: cannot mount devtmpfs on /dev: %s\n", strerror(errno));
        return;
    }
    if (wait_for(DISK) != 0)
        printf("linux-init: cannot mount %s: no such device after loading the modules\n", DISK);
    else if (mount(DISK, "/mnt", "vfat", 0, NULL) != 0)
        printf("linux-init: cannot mount %s on /mnt (vfat): %s\n", DISK, strerror(errno));
    else
        printf("linux-init: mounted %s on /mnt (vfat)\n", DISK);
}

int main(void)
{
    console();
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Its arrival time is the boot's length (tools/bench.py's boot row). */
    printf("linux-init: started\n");
    mount_filesystems();
    FILE *list = fopen(LIST, "r");
    if (!list) {
        printf("linux-init: cannot open %s: %s\n", LIST, strerror(errno));
    } else {
        char line[1024];
        while (fgets(line, sizeof(line), list))
            run(line);
        fclose(list);
    }
    printf("linux-init: done\n");
    fflush(stdout);
    umount("/mnt"); /* fails harmlessly when nothing is mounted there */
    sync();
    reboot(RB_POWER_OFF);
    printf("linux-init: reboot(RB_POWER_OFF): %s\n", strerror(errno));
    return 1;
}
