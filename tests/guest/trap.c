/*
 * Checks libkenix's raw traps against the Linux-ABI calls that exist both under
 * qemu-user and in Kenix's POSIX personality, so the register convention is
 * verified before any native call exists. Prints "libkenix trap ok" and exits 0.
 */
#include <errno.h>
#include <kenix/libkenix.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    static const char msg[] = "libkenix trap: write via svc\n";

    if (kenix_trap0(SYS_getpid) != getpid()) {
        printf("FAIL: kenix_trap0(getpid)\n");
        return 1;
    }
    fflush(stdout);
    long n = kenix_trap3(SYS_write, 1, (long)msg, (long)(sizeof msg - 1));
    if (n != (long)(sizeof msg - 1)) {
        printf("FAIL: kenix_trap3(write) = %ld\n", n);
        return 1;
    }
    /* The out-of-line form, with an error result: close(-1) gives -EBADF. */
    if (kenix_trap(SYS_close, -1, 0, 0, 0, 0, 0) != -EBADF) {
        printf("FAIL: kenix_trap(close, -1) did not return -EBADF\n");
        return 1;
    }
    if (strcmp(kenix_libkenix_version(), KENIX_VERSION_STRING) != 0) {
        printf("FAIL: libkenix %s, headers %s\n", kenix_libkenix_version(), KENIX_VERSION_STRING);
        return 1;
    }
    printf("libkenix trap ok\n");
    return 0;
}
