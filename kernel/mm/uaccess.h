/*
 * The only way the kernel touches user memory. Two ways, one meaning: missing
 * pages are faulted in (demand-zero, copy-on-write) exactly as a user access
 * would, and an access the user could not make is -EFAULT.
 *  - The running process's own space (nearly every system call): unprivileged
 *    loads and stores through the MMU (arch/aarch64/uaccess.S), each with an
 *    entry in the exception table; a fault there is resolved by the data
 *    abort handler or ends the copy with the error. A 16-byte copy costs
 *    about 20 instructions.
 *  - Any other space (IPC bulk data between processes, exec building a new
 *    image) or one that has held a device window: a walk of its page tables
 *    in software, where the area list decides (about 150 instructions a page).
 * A range reaching past USER_TOP is refused before either. A good pointer
 * whose page cannot be backed for lack of memory gives -ENOMEM, not -EFAULT:
 * callers pass the error on rather than assuming which one it is. A copy
 * that fails part-way may have copied a prefix.
 */
#ifndef KENIX_MM_UACCESS_H
#define KENIX_MM_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenix/errno.h"
#include "vmspace.h"

/* arch/aarch64/uaccess.S: through the MMU, for uaccess_space only. */
int uaccess_copy_in(void *dst, uint64_t usrc, size_t n);
int uaccess_copy_out(uint64_t udst, const void *src, size_t n);
/* The software walk, for any space. */
int copy_from_user_walk(struct vmspace *vs, void *dst, uint64_t usrc, size_t n);
int copy_to_user_walk(struct vmspace *vs, uint64_t udst, const void *src, size_t n);

/* Inline: nearly every system call copies something, and the common case
 * (the running space) is a range check, a compare and the copy itself. */
static inline int copy_from_user(struct vmspace *vs, void *dst, uint64_t usrc, size_t n)
{
    if (n > USER_TOP || usrc > USER_TOP - n)
        return -EFAULT;
    return vs == uaccess_space ? uaccess_copy_in(dst, usrc, n) : copy_from_user_walk(vs, dst, usrc, n);
}

static inline int copy_to_user(struct vmspace *vs, uint64_t udst, const void *src, size_t n)
{
    if (n > USER_TOP || udst > USER_TOP - n)
        return -EFAULT;
    return vs == uaccess_space ? uaccess_copy_out(udst, src, n) : copy_to_user_walk(vs, udst, src, n);
}
/* Copies n bytes from one address space to another (IPC bulk data) without
 * an intermediate buffer; on failure, *dst_faulted tells which side it was. */
int copy_user_to_user(struct vmspace *dvs, uint64_t dst, struct vmspace *svs, uint64_t src, size_t n,
                      bool *dst_faulted);
/* Copies a NUL-terminated string of at most max - 1 bytes; returns its length,
 * -EFAULT, -ENOMEM or -ENAMETOOLONG. */
long strncpy_from_user(struct vmspace *vs, char *dst, uint64_t usrc, size_t max);

/* The length of the user string at usrc with its NUL, looking at no more than
 * max bytes: 1..max, max + 1 when there is no NUL within them, or -EFAULT /
 * -ENOMEM (Linux's strnlen_user, with errors told apart from lengths). */
long strnlen_user(struct vmspace *vs, uint64_t usrc, size_t max);

#endif
