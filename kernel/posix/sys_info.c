/* The small calls every musl program makes: uname, getrandom, sched_yield. */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/string.h"
#include "kenix/version.h"
#include "../core/process.h"
#include "../core/random.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "../mm/uaccess.h"

#define GETRANDOM_MAX 256

long sys_sched_yield(struct trap_frame *f)
{
    (void)f;
    schedule();
    return 0;
}

long sys_uname(struct trap_frame *f)
{
    struct linux_utsname u;
    memset(&u, 0, sizeof(u));
    memcpy(u.sysname, "Kenix", 6);
    memcpy(u.nodename, "kenix", 6);
    memcpy(u.release, KENIX_VERSION_STRING, sizeof(KENIX_VERSION_STRING));
    memcpy(u.version, "#1", 3);
    memcpy(u.machine, "aarch64", 8);
    memcpy(u.domainname, "(none)", 7);
    return copy_to_user(current_process()->vm, f->x[0], &u, sizeof(u));
}

long sys_getrandom(struct trap_frame *f)
{
    uint64_t buf = f->x[0], len = f->x[1];
    uint64_t flags = f->x[2];
    if ((flags & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) ||
        (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if (len > GETRANDOM_MAX)
        len = GETRANDOM_MAX; /* a short read, as Linux allows */
    uint8_t bytes[GETRANDOM_MAX];
    random_bytes(bytes, len);
    int err = copy_to_user(current_process()->vm, buf, bytes, len);
    memset(bytes, 0, sizeof(bytes));
    return err ? err : (long)len;
}
