/* System call dispatch: the svc #0 path from EL0. */
#ifndef KENIX_CORE_SYSCALL_H
#define KENIX_CORE_SYSCALL_H

#include <stdint.h>

#include "kenix/syscall.h" /* uapi: KENIX_NATIVE_SYSCALLS */
#include "../arch/aarch64/trap.h"
#include "linux_syscalls.h"
#include "syscall_table.h"

/* Every handler, Linux or native: arguments in f->x[0..5], result returned. */
typedef long (*syscall_fn)(struct trap_frame *f);

#define KENIX_LINUX_NR(nr, name) LINUX_NR_##name = nr,
enum linux_syscall_nr { LINUX_SYSCALLS(KENIX_LINUX_NR) };
#undef KENIX_LINUX_NR

#define KENIX_DECLARE_SYSCALL(name, fn) long fn(struct trap_frame *f);
KENIX_SYSCALLS(KENIX_DECLARE_SYSCALL)
#undef KENIX_DECLARE_SYSCALL

/* Native calls may also write results into the caller's saved registers
 * (IPC messages occupy x0-x11). */
#define KENIX_DECLARE_NATIVE(n, name) long sys_kx_##name(struct trap_frame *f);
KENIX_NATIVE_SYSCALLS(KENIX_DECLARE_NATIVE)
#undef KENIX_DECLARE_NATIVE

/* One past the highest native number: a union's size is its largest member's.
 * Numbers may have gaps (reserved for calls on another branch): their entries
 * are empty and answer -ENOSYS like any unknown number. */
#define KENIX__NATIVE_SLOT(n, name) char name[(n) + 1];
enum { KENIX_NATIVE_COUNT = sizeof(union { KENIX_NATIVE_SYSCALLS(KENIX__NATIVE_SLOT) }) };
#undef KENIX__NATIVE_SLOT

struct syscall_native_entry {
    const char *name;
    syscall_fn fn;
};
extern const struct syscall_native_entry syscall_native_table[KENIX_NATIVE_COUNT];

/* The Linux handlers by number (NULL: not implemented), and the path for
 * numbers without a handler (logged once, -ENOSYS). */
#define LINUX_SYSCALL_LIMIT 0x400
extern const syscall_fn syscall_linux_table[LINUX_SYSCALL_LIMIT];
void syscall_unknown(struct trap_frame *frame);

/* Runs the call in x8 with x0-x5 and puts the result in x0; inline: every
 * system call comes this way. */
static inline void syscall_dispatch(struct trap_frame *f)
{
    uint64_t nr = f->x[8], n = nr - KENIX_SYS_BASE;
    syscall_fn fn = n < KENIX_NATIVE_COUNT ? syscall_native_table[n].fn
                    : nr < LINUX_SYSCALL_LIMIT ? syscall_linux_table[nr] : 0;
    if (fn)
        f->x[0] = (uint64_t)fn(f);
    else
        syscall_unknown(f);
}
/* Name of a Linux or native number, or NULL for a number neither ABI has. */
const char *syscall_name(unsigned nr);

#endif
