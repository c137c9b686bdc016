/* Kernel error codes: the Linux values, since the kernel speaks the Linux ABI. */
#ifndef KENIX_ERRNO_H
#define KENIX_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define ENOSYS 38

#endif
