#include "syscall.h"

#include "kenix/errno.h"
#include "kenix/printk.h"
#include "kenix/syscall.h" /* uapi: the native number range */
#include "process.h"

#define KENIX_SYSCALL_ENTRY(name, fn) [LINUX_NR_##name] = fn,
const syscall_fn syscall_linux_table[LINUX_SYSCALL_LIMIT] = {
    KENIX_SYSCALLS(KENIX_SYSCALL_ENTRY)
};
#undef KENIX_SYSCALL_ENTRY

/* Every Linux number's name, implemented or not, for the log. */
#define KENIX_LINUX_NAME(nr, name) [nr] = #name,
static const char *const linux_names[LINUX_SYSCALL_LIMIT] = {
    LINUX_SYSCALLS(KENIX_LINUX_NAME)
};
#undef KENIX_LINUX_NAME

#define KENIX_NATIVE_ENTRY(n, name) [n] = { "kx_" #name, sys_kx_##name },
const struct syscall_native_entry syscall_native_table[KENIX_NATIVE_COUNT] = {
    KENIX_NATIVE_SYSCALLS(KENIX_NATIVE_ENTRY)
};
#undef KENIX_NATIVE_ENTRY

/* Unknown numbers are logged once each, so a program probing for features
 * does not flood the console. */
static uint64_t logged[LINUX_SYSCALL_LIMIT / 64];
static bool logged_native;

const char *syscall_name(unsigned nr)
{
    if (nr >= KENIX_SYS_BASE && nr - KENIX_SYS_BASE < KENIX_NATIVE_COUNT)
        return syscall_native_table[nr - KENIX_SYS_BASE].name;
    return nr < LINUX_SYSCALL_LIMIT ? linux_names[nr] : 0;
}

static void log_unknown(unsigned nr, const struct trap_frame *f)
{
    if (nr < LINUX_SYSCALL_LIMIT) {
        if (logged[nr / 64] & (1ull << (nr % 64)))
            return;
        logged[nr / 64] |= 1ull << (nr % 64);
    } else if (logged_native) {
        return;
    } else {
        logged_native = true;
    }
    struct process *p = current_process();
    const char *name = syscall_name(nr);
    /* "linux openat 56 (0x38)": a call Linux has that Kenix lacks; "linux 1000 (0x3e8)": no such call. */
    kprintf(KERN_NOTICE "syscall: %s%s%s %u (0x%x) not implemented: -ENOSYS (pid %u %s, pc 0x%lx)\n",
            nr >= KENIX_SYS_BASE ? "native" : "linux", name ? " " : "", name ? name : "", nr, nr, p ? p->pid : 0,
            p ? p->name : "?", f->elr);
}

void syscall_unknown(struct trap_frame *f)
{
    uint64_t nr = f->x[8];
    log_unknown(nr > 0xffffffff ? 0xffffffff : (unsigned)nr, f);
    f->x[0] = (uint64_t)-ENOSYS;
}
