/*
 * The kernel's side of the VFS protocol (<kenix/vfs.h>): the path system
 * calls become one request each to the vfs server that process 1 attached
 * (kx_posix_attach). A request is built in one kernel buffer -- the caller's
 * credentials, op data, the path(s) copied once from user memory -- and sent
 * as a kernel-originated call with the caller's pid in the badge.
 *
 * Before a vfs is attached (early boot, or a test running as process 1
 * alone) the path calls know only the kernel devices' /dev paths (openat) and
 * fail with -ENOENT otherwise.
 */
#ifndef KENIX_POSIX_VFS_CLIENT_H
#define KENIX_POSIX_VFS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/vfs.h"
#include "../core/kcall.h"

struct endpoint;
struct file;
struct sobj;

/* The attached vfs's endpoint (a reference kept forever), or NULL. */
struct endpoint *vfs_endpoint(void);

/* Path bytes a request is first made with (both paths together): most paths
 * fit, and the request is a small heap object; a longer path makes it grow
 * to PATH_MAX per path. */
#define VFSREQ_PATH_ROOM 256u

struct vfs_request {
    struct vfs_req *req;      /* kmalloc'd: header, groups, data, paths */
    uint32_t cap;             /* bytes allocated */
    uint32_t full;            /* bytes with room for PATH_MAX per path */
    char *path, *path2;       /* where the paths go in it */
    struct kcall kc;          /* label and words set by the caller; send is the buffer */
};

/* Starts a request: credentials of the current process (real ids if
 * real_ids, else effective ones), room for data_len bytes of op data and
 * npaths paths (0-2). -ENOMEM. */
int vfsreq_init(struct vfs_request *r, uint32_t label, uint32_t data_len, unsigned npaths, bool real_ids);
void vfsreq_free(struct vfs_request *r);
void *vfsreq_data(struct vfs_request *r);
/* Copies path number `which` (1 or 2) from user memory: -EFAULT,
 * -ENAMETOOLONG (PATH_MAX with its NUL), -ENOENT if empty unless
 * allow_empty. */
int vfsreq_path_user(struct vfs_request *r, unsigned which, uint64_t upath, bool allow_empty);
/* The same for a path already in kernel memory (execve). */
int vfsreq_path_kernel(struct vfs_request *r, unsigned which, const char *path);
/* An empty path 1 ("" with its NUL): ops that name the object in w0 itself
 * (AT_EMPTY_PATH). */
void vfsreq_path_empty(struct vfs_request *r);
/* VFS_ACCESS of the object node names (AT_EMPTY_PATH), with the caller's
 * real or effective ids: 0, -EACCES, ... */
long vfs_node_access(struct sobj *node, uint32_t mode, bool real_ids);
/* The cookie of the directory a relative path starts at: dirfd (AT_FDCWD:
 * the working directory). An absolute path ignores dirfd, as Linux. -EBADF,
 * -ENOTDIR. */
int vfs_dir_cookie(int dirfd, const char *path, uint64_t *cookie);
/* Sends the request: its w0 as a result (>= 0 or -errno), checked. */
long vfsreq_call(struct vfs_request *r);

/* Opens as openat would and returns the new description (not in any fd
 * table). `mode` is applied with the umask here. */
long vfs_open(int dirfd, struct vfs_request *r, uint32_t flags, uint32_t mode, struct file **out);

/* The open file at fd and the vfs node or server object behind it (NULL for
 * pipes and kernel-made files): 0 or -EBADF. */
int vfs_fd_node(int fd, struct file **file, struct sobj **node);

/* ETXTBSY: a file being run cannot be opened for writing and the other way
 * round. Writers are counted by vfs_open (and let go with their sobj);
 * runners by execve, from the load to the process's next exec or exit. */
void fileuse_put_write(uint64_t id);
int fileuse_get_run(uint64_t id);
void fileuse_put_run(uint64_t id);

/* IO_STAT of a node into a kernel struct kx_stat. */
long vfs_node_stat(struct sobj *node, struct kx_stat *st);

#endif
