/*
 * The only way the kernel touches user memory. Accesses go through the
 * process's page tables in software: the area list decides what is allowed,
 * missing pages are faulted in (demand-zero) exactly as a user access would,
 * and anything else is -EFAULT. The kernel therefore never takes a fault on a
 * bad user pointer, whatever the pointer. A good pointer whose page cannot be
 * backed for lack of memory gives -ENOMEM, not -EFAULT: callers pass the
 * error on rather than assuming which one it is.
 */
#ifndef KENIX_MM_UACCESS_H
#define KENIX_MM_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmspace;

int copy_from_user(struct vmspace *vs, void *dst, uint64_t usrc, size_t n);
int copy_to_user(struct vmspace *vs, uint64_t udst, const void *src, size_t n);
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
