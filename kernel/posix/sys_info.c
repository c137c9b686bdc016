/* Identity and randomness: the small calls every musl program makes. */
#include "kenix/errno.h"
#include "kenix/string.h"
#include "kenix/version.h"
#include "../core/process.h"
#include "../core/random.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "../mm/uaccess.h"

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4
#define GETRANDOM_MAX 256

long sys_getpid(const struct syscall_args *args)
{
    (void)args;
    return current_process()->pid;
}

long sys_getppid(const struct syscall_args *args)
{
    (void)args;
    struct process *p = current_process();
    return p->parent ? p->parent->pid : 0;
}

long sys_gettid(const struct syscall_args *args)
{
    (void)args;
    return current_thread()->tid;
}

/* Everything runs as root until there are users. */
long sys_getuid(const struct syscall_args *args)
{
    (void)args;
    return 0;
}

long sys_set_tid_address(const struct syscall_args *args)
{
    current_process()->clear_child_tid = args->a[0];
    return current_thread()->tid;
}

long sys_sched_yield(const struct syscall_args *args)
{
    (void)args;
    schedule();
    return 0;
}

struct linux_utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

long sys_uname(const struct syscall_args *args)
{
    struct linux_utsname u;
    memset(&u, 0, sizeof(u));
    memcpy(u.sysname, "Kenix", 6);
    memcpy(u.nodename, "kenix", 6);
    memcpy(u.release, KENIX_VERSION_STRING, sizeof(KENIX_VERSION_STRING));
    memcpy(u.version, "#1", 3);
    memcpy(u.machine, "aarch64", 8);
    memcpy(u.domainname, "(none)", 7);
    return copy_to_user(current_process()->vm, args->a[0], &u, sizeof(u));
}

long sys_getrandom(const struct syscall_args *args)
{
    uint64_t buf = args->a[0], len = args->a[1];
    if (args->a[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if (len > GETRANDOM_MAX)
        len = GETRANDOM_MAX; /* a short read, as Linux allows */
    uint8_t bytes[GETRANDOM_MAX];
    random_bytes(bytes, len);
    int err = copy_to_user(current_process()->vm, buf, bytes, len);
    memset(bytes, 0, sizeof(bytes));
    return err ? err : (long)len;
}

long sys_exit(const struct syscall_args *args)
{
    process_exit((int)(args->a[0] & 0xff) << 8);
}

long sys_exit_group(const struct syscall_args *args)
{
    process_exit((int)(args->a[0] & 0xff) << 8);
}
