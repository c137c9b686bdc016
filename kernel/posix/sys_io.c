/*
 * write/writev/ioctl on the standard descriptors. Until the console server and
 * the fd table exist, descriptors 1 and 2 are the kernel console and 0 is an
 * input that is not there yet.
 */
#include "kenix/console.h"
#include "kenix/errno.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/uaccess.h"

#define TIOCGWINSZ 0x5413
#define IOV_MAX 1024

static long console_write(uint64_t ubuf, uint64_t len)
{
    char chunk[256];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
        int err = copy_from_user(current_process()->vm, chunk, ubuf + done, n);
        if (err)
            return done ? (long)done : err; /* a partial write reports what was written */
        console_write_user(chunk, n);
        done += n;
    }
    return (long)done;
}

static bool is_console(uint64_t fd)
{
    return fd == 1 || fd == 2;
}

long sys_write(const struct syscall_args *args)
{
    if (!is_console(args->a[0]))
        return -EBADF;
    if ((int64_t)args->a[2] < 0)
        return -EINVAL;
    return console_write(args->a[1], args->a[2]);
}

long sys_writev(const struct syscall_args *args)
{
    if (!is_console(args->a[0]))
        return -EBADF;
    uint64_t iov = args->a[1], count = args->a[2];
    if (count > IOV_MAX)
        return -EINVAL;
    long total = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t vec[2]; /* struct iovec: base, length */
        int err = copy_from_user(current_process()->vm, vec, iov + i * sizeof(vec), sizeof(vec));
        if (err)
            return total ? total : err;
        if ((int64_t)vec[1] < 0)
            return -EINVAL;
        long n = console_write(vec[0], vec[1]);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((uint64_t)n < vec[1])
            break;
    }
    return total;
}

long sys_ioctl(const struct syscall_args *args)
{
    if (args->a[0] > 2)
        return -EBADF;
    /* No terminal yet: the console server will answer TIOCGWINSZ and termios. */
    return -ENOTTY;
}
