/* The small calls every musl program makes: uname, getrandom, sched_yield,
 * the CPU affinity calls (one CPU: the mask is CPU 0), syslog(2), the
 * kernel log's reader (dmesg), and reboot(2). */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "kenix/version.h"
#include "kenix/spinlock.h"
#include "../arch/aarch64/psci.h"
#include "../arch/aarch64/sysreg.h"
#include "../arch/aarch64/timer.h"
#include "../core/boot.h"
#include "../core/klog.h"
#include "../core/process.h"
#include "../core/random.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "../core/wait.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

#define GETRANDOM_MAX 256

long sys_sched_yield(struct trap_frame *f)
{
    (void)f;
    schedule();
    return 0;
}

/* The affinity mask Linux reports with one CPU online: cpumask_size() is one
 * unsigned long, bit 0 set. */
#define AFFINITY_BYTES 8u

/* The process pid names for the affinity calls (0: the caller), checked as
 * Linux's sched_setaffinity does when `set`: the caller's effective id is the
 * target's real or effective one, or the caller is privileged. */
static long affinity_target(int64_t pid, bool set)
{
    if (pid < 0)
        return -ESRCH;
    struct process *self = current_process();
    if (pid == 0)
        return 0;
    long err = 0;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct process *p = process_find((unsigned)pid);
    if (!p || p->state != PROC_LIVE)
        err = -ESRCH;
    else if (set && self->cred.euid != 0 && self->cred.euid != p->cred.euid && self->cred.euid != p->cred.ruid)
        err = -EPERM;
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

/* sched_getaffinity(pid, len, mask) -> bytes written */
long sys_sched_getaffinity(struct trap_frame *f)
{
    uint64_t len = f->x[1];
    if (len < AFFINITY_BYTES || (len & (sizeof(unsigned long) - 1)))
        return -EINVAL;
    long err = affinity_target((int32_t)f->x[0], false);
    if (err)
        return err;
    uint64_t mask = 1;
    err = copy_to_user(current_process()->vm, f->x[2], &mask, AFFINITY_BYTES);
    return err ? err : (long)AFFINITY_BYTES;
}

/* sched_setaffinity(pid, len, mask): the mask must name CPU 0, the only one. */
long sys_sched_setaffinity(struct trap_frame *f)
{
    uint64_t len = f->x[1], mask = 0;
    int err = copy_from_user(current_process()->vm, &mask, f->x[2], len < AFFINITY_BYTES ? len : AFFINITY_BYTES);
    if (err)
        return err;
    long res = affinity_target((int32_t)f->x[0], true);
    if (res)
        return res;
    return (mask & 1) ? 0 : -EINVAL;
}

#define UTS_LEN 64 /* Linux's __NEW_UTS_LEN: names of at most 64 bytes */

/* What uname reports; changed by root only (sethostname, setdomainname,
 * below). One CPU and no sleep while they change: a reader never sees half a
 * name. */
static char hostname[UTS_LEN + 1] = "kenix", domainname[UTS_LEN + 1] = "(none)";

long sys_uname(struct trap_frame *f)
{
    struct linux_utsname u;
    memset(&u, 0, sizeof(u));
    memcpy(u.sysname, "Kenix", 6);
    memcpy(u.nodename, hostname, sizeof(hostname));
    memcpy(u.release, KENIX_VERSION_STRING, sizeof(KENIX_VERSION_STRING));
    memcpy(u.version, "#1", 3);
    memcpy(u.machine, "aarch64", 8);
    memcpy(u.domainname, domainname, sizeof(domainname));
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

/* syslog(type, buf, len): Linux's actions on the kernel log (core/klog.c). As
 * Linux with dmesg_restrict off, anyone may read it all (READ_ALL) and ask
 * its size; reading it destructively, clearing it and the console's level
 * take privilege (euid 0, else -EPERM). */
enum {
    SYSLOG_CLOSE = 0, SYSLOG_OPEN = 1, SYSLOG_READ = 2, SYSLOG_READ_ALL = 3, SYSLOG_READ_CLEAR = 4,
    SYSLOG_CLEAR = 5, SYSLOG_CONSOLE_OFF = 6, SYSLOG_CONSOLE_ON = 7, SYSLOG_CONSOLE_LEVEL = 8,
    SYSLOG_SIZE_UNREAD = 9, SYSLOG_SIZE_BUFFER = 10,
};

#define SYSLOG_POLL_NS 100000000ull /* SYSLOG_READ with nothing unread looks again this often */

static long syslog_read(uint64_t ubuf, int64_t len, int type)
{
    if (!ubuf || len < 0)
        return -EINVAL;
    if (len == 0)
        return 0;
    size_t room = (uint64_t)len < KLOG_SIZE ? (size_t)len : KLOG_SIZE;
    char *tmp = kmalloc(room);
    if (!tmp)
        return -ENOMEM;
    size_t n;
    if (type == SYSLOG_READ) {
        /* Blocks until something is unread. kprintf cannot wake anyone (it runs
         * under any lock), so the wait looks again every 100 ms. */
        while (!klog_unread()) {
            irqflags_t flags = irq_save();
            long r = wait_sleep(0, 0, WAIT_SLEEP, timer_deadline_after_ns(SYSLOG_POLL_NS), WAIT_INTERRUPTIBLE, 0);
            irq_restore(flags);
            if (r != -ETIMEDOUT) {
                kfree(tmp);
                return -ERESTARTSYS;
            }
        }
        n = klog_read_unread(tmp, room);
    } else {
        n = klog_read_all(tmp, room, type == SYSLOG_READ_CLEAR);
    }
    int err = copy_to_user(current_process()->vm, ubuf, tmp, n);
    kfree(tmp);
    return err ? err : (long)n;
}

long sys_syslog(struct trap_frame *f)
{
    int type = (int32_t)f->x[0];
    int64_t len = (int32_t)f->x[2];
    /* Linux checks privilege first: every type but these two needs it, an unknown one too. */
    if (type != SYSLOG_READ_ALL && type != SYSLOG_SIZE_BUFFER && current_process()->cred.euid != 0)
        return -EPERM;
    switch (type) {
    case SYSLOG_CLOSE:
    case SYSLOG_OPEN:
        return 0;
    case SYSLOG_READ_ALL:
    case SYSLOG_READ:
    case SYSLOG_READ_CLEAR:
        return syslog_read(f->x[1], len, type);
    case SYSLOG_CLEAR:
        klog_clear();
        return 0;
    case SYSLOG_CONSOLE_OFF:
    case SYSLOG_CONSOLE_ON:
        klog_console_enable(type == SYSLOG_CONSOLE_ON);
        return 0;
    case SYSLOG_CONSOLE_LEVEL:
        return klog_console_level_set((int)len) ? -EINVAL : 0;
    case SYSLOG_SIZE_UNREAD:
        return (long)klog_unread();
    case SYSLOG_SIZE_BUFFER:
        return (long)klog_size();
    default:
        return -EINVAL;
    }
}

/* --- reboot ------------------------------------------------------------------ */

#define REBOOT_MAGIC1 0xfee1deadu
#define REBOOT_CMD_RESTART 0x01234567u
#define REBOOT_CMD_HALT 0xcdef0123u
#define REBOOT_CMD_POWER_OFF 0x4321fedcu
#define REBOOT_CMD_CAD_ON 0x89abcdefu
#define REBOOT_CMD_CAD_OFF 0x00000000u

/* reboot(magic1, magic2, cmd, arg): Linux's checks and commands. Syncing the
 * file systems is the caller's business (init syncs first), as on Linux.
 * Ctrl-Alt-Del has no keyboard here: CAD_ON/OFF are accepted and change
 * nothing. HALT stops the machine without powering it off, as Linux's. */
long sys_reboot(struct trap_frame *f)
{
    uint32_t magic1 = (uint32_t)f->x[0], magic2 = (uint32_t)f->x[1], cmd = (uint32_t)f->x[2];
    if (current_process()->cred.euid != 0)
        return -EPERM;
    if (magic1 != REBOOT_MAGIC1 ||
        (magic2 != 672274793u && magic2 != 85072278u && magic2 != 369367448u && magic2 != 537993216u))
        return -EINVAL;
    switch (cmd) {
    case REBOOT_CMD_CAD_ON:
    case REBOOT_CMD_CAD_OFF:
        return 0;
    case REBOOT_CMD_POWER_OFF:
        kprintf(KERN_EMERG "reboot: Power down\n");
        boot_announce_done();
        psci_system_off();
        break;
    case REBOOT_CMD_RESTART:
        kprintf(KERN_EMERG "reboot: Restarting system\n");
        boot_announce_done();
        psci_system_reset();
        break;
    case REBOOT_CMD_HALT:
        kprintf(KERN_EMERG "reboot: System halted\n");
        boot_announce_done();
        irq_save();
        for (;;)
            wfi();
    default:
        return -EINVAL;
    }
    return -EIO; /* the firmware refused */
}

/* --- host and domain names ------------------------------------------------- */

static long set_name(char *dst, uint64_t uname, int32_t len)
{
    char name[UTS_LEN + 1];
    if (current_process()->cred.euid != 0)
        return -EPERM;
    if (len < 0 || len > UTS_LEN)
        return -EINVAL;
    int err = copy_from_user(current_process()->vm, name, uname, (size_t)len);
    if (err)
        return err;
    name[len] = 0; /* a NUL inside the name cuts it, as Linux's string copy */
    memcpy(dst, name, sizeof(name));
    return 0;
}

/* sethostname(name, len) */
long sys_sethostname(struct trap_frame *f)
{
    return set_name(hostname, f->x[0], (int32_t)f->x[1]);
}

/* setdomainname(name, len) */
long sys_setdomainname(struct trap_frame *f)
{
    return set_name(domainname, f->x[0], (int32_t)f->x[1]);
}
