/*
 * ktrace [-n RECORDS] OUT -- COMMAND [ARG...]: runs COMMAND with the kernel's
 * trace buffer recording (<kenix/trace.h>) and writes the records to OUT,
 * which tools/trace.py (`./kenix trace`) turns into Chrome/Perfetto JSON.
 *
 * Everything the kernel does while the command runs is recorded, the servers'
 * work for it included (the vfs answering its opens, the console its writes):
 * that is the point of a system-wide trace. Root only (the kernel says EPERM).
 * Prints "ktrace: N records, M dropped, COMMAND exited with status S" at the
 * end; the exit status is the command's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kenix/kx.h>
#include <kenix/trace.h>

static int usage(void)
{
    fprintf(stderr, "usage: ktrace [-n RECORDS] OUT -- COMMAND [ARG...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned long records = 1ul << 16;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-n") == 0) {
        records = strtoul(argv[i + 1], NULL, 0);
        i += 2;
    }
    if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0)
        return usage();
    const char *out = argv[i];
    char **command = &argv[i + 2];
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "ktrace: %s: %s\n", out, strerror(errno));
        return 1;
    }
    kx_trace(KX_TRACE_FREE, 0, NULL, 0); /* whatever an earlier run left */
    long r = kx_trace(KX_TRACE_START, records, NULL, 0);
    if (r < 0) {
        fprintf(stderr, "ktrace: cannot start the trace: %s\n", strerror((int)-r));
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execvp(command[0], command);
        fprintf(stderr, "ktrace: %s: %s\n", command[0], strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    kx_trace(KX_TRACE_STOP, 0, NULL, 0);
    long st = kx_trace(KX_TRACE_STATUS, 0, NULL, 0);
    static struct kx_trace_record chunk[512];
    unsigned long total = 0;
    for (;;) {
        long n = kx_trace(KX_TRACE_READ, 0, chunk, sizeof(chunk));
        if (n <= 0) {
            if (n < 0)
                fprintf(stderr, "ktrace: reading the trace: %s\n", strerror((int)-n));
            break;
        }
        if (write(fd, chunk, (size_t)n) != n) {
            fprintf(stderr, "ktrace: %s: %s\n", out, strerror(errno));
            break;
        }
        total += (unsigned long)n / sizeof(chunk[0]);
    }
    kx_trace(KX_TRACE_FREE, 0, NULL, 0);
    close(fd);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("ktrace: %lu records, %lu dropped, %s exited with status %d\n", total,
           st >= 0 ? (unsigned long)((st >> 32) & 0x3fffffff) : 0ul, command[0], code);
    return pid < 0 ? 1 : code;
}
