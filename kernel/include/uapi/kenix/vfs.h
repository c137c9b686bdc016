/*
 * The VFS protocol: what the kernel sends the vfs server for the path system
 * calls (docs/ipc-protocols.md, "VFS protocol"; POSIX-DESIGN R7, R8).
 *
 * The vfs is attached to the kernel by process 1 (kx_posix_attach); from then
 * on every call that names a path becomes one message to it, made by the
 * kernel on the calling process's behalf: badge KX_BADGE_KERNEL | pid, which
 * no process can forge. An object the vfs opens is named by a cookie it
 * chooses; the kernel keeps it in the open file description and uses the IO
 * protocol (<kenix/io.h>) on it. Cookie 0 is never an open object: as a
 * starting directory it means the root of the namespace.
 *
 * Every path request carries its bulk data as:
 *
 *     struct vfs_req                     the caller's credentials, lengths
 *     uint32_t groups[ngroups]           supplementary groups, padded to 8 bytes
 *     data[data_len]                     op-specific (struct vfs_attr, mount
 *                                        options), padded to 8 bytes
 *     path[path_len]                     NUL-terminated, path_len counts the NUL
 *     path2[path2_len]                   second path, if the op has one
 *
 * Paths arrive as the program gave them (not empty: the kernel handles
 * AT_EMPTY_PATH itself, except where an op says otherwise), at most PATH_MAX
 * bytes with the NUL. A relative path starts at the directory whose cookie is
 * in w0 (the caller's dirfd or working directory); an absolute path, and an
 * absolute symbolic link met on the way, at the caller's root (vfs_req.root:
 * chroot). ".." never climbs above the caller's root nor the namespace's. The vfs resolves the whole path in one request
 * (mount points, symbolic links up to 40, ELOOP beyond, trailing-slash rules,
 * ENAMETOOLONG for a name over 255 bytes) and checks permissions with the
 * credentials in the request.
 *
 * Answers: w0 >= 0 on success, else a negative Linux errno, given to the
 * program unchanged.
 *
 *   VFS_OPEN     w0 dir cookie, w1 open flags (O_* as Linux's, plus VFS_O_*),
 *                w2 mode for O_CREAT (the umask already applied). With
 *                VFS_O_EXEC | VFS_O_EMPTY the path is empty and w0 is the
 *                object to open for execution.
 *                Answer w0 = cookie of the open object, w1 = VFS_KIND_*,
 *                w2 = st_mode, w3 = size, w4 = st_rdev, w5 = the file's
 *                identity (unique among files that exist, stable while open:
 *                record locks and FIFOs are keyed by it), w6 = the version
 *                of the file's pages: a value that changes whenever the set
 *                of frames IO_MAP would name for the file changes, never
 *                the same for two states of any files, or 0 when the file
 *                has no such version. While it holds, the kernel may keep
 *                the frames an IO_MAP named and map them again without
 *                asking (a program's pages between execs).
 *                Each successful open is one object: the kernel sends
 *                IO_CLOSE for it when the last descriptor goes. For
 *                VFS_KIND_CHR and VFS_KIND_FIFO the kernel moves the data
 *                itself (kernel devices by rdev, kernel pipes by identity) and
 *                keeps the cookie for fstat, fchmod and the like.
 *   VFS_STAT     w0 dir, w1 AT_SYMLINK_NOFOLLOW. Answer bulk: struct kx_stat.
 *   VFS_ACCESS   w0 dir, w1 AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH (then path is
 *                empty and w0 is the object itself, cookie 0 the root: faccessat2
 *                on a descriptor, fchdir's search check), w2 mode (R_OK|W_OK|X_OK,
 *                or F_OK). The request carries the ids the check is made with
 *                (real or effective: the kernel chose).
 *   VFS_MKDIR    w0 dir, w2 mode (umask applied).
 *   VFS_MKNOD    w0 dir, w2 mode with its type (S_IFREG, S_IFIFO, S_IFCHR,
 *                S_IFBLK, S_IFSOCK; umask applied), w3 rdev.
 *   VFS_UNLINK   w0 dir, w1 AT_REMOVEDIR.
 *   VFS_RENAME   w0 old dir, w3 new dir, w1 RENAME_NOREPLACE | RENAME_EXCHANGE;
 *                path = old, path2 = new.
 *   VFS_LINK     w0 old dir, w3 new dir, w1 AT_SYMLINK_FOLLOW | AT_EMPTY_PATH
 *                (then path is empty and w0 is the object itself);
 *                path = old, path2 = new.
 *   VFS_SYMLINK  w0 dir; path = the new link, path2 = its target (any bytes,
 *                not resolved, may be empty: ENOENT as Linux).
 *   VFS_READLINK w0 dir, w1 AT_EMPTY_PATH (path empty: w0 is the link itself).
 *                Answer w0 = bytes, bulk = the target, not NUL-terminated,
 *                cut at the receive room.
 *   VFS_SETATTR  w0 dir, w1 AT_SYMLINK_NOFOLLOW; data = struct vfs_attr.
 *                chmod, chown, utimensat, truncate by path.
 *   VFS_STATFS   w0 dir. Answer bulk: struct kx_statfs.
 *   VFS_MOUNT    w1 MS_* flags; path = target, path2 = source,
 *                data = "fstype\0options\0" (options may be empty).
 *                The kernel lets only a privileged caller (euid 0) send it.
 *   VFS_UMOUNT   w1 MNT_FORCE | MNT_DETACH | UMOUNT_NOFOLLOW; path = target.
 *                Privileged, as VFS_MOUNT.
 *   VFS_SYNC     no path: every file system writes back what it has cached
 *                (sync(2)). Answer w0 = 0 or the first error (sync ignores it).
 *   VFS_DISK     from init only (badge VFS_BADGE_INIT, not a kernel call):
 *                one handle, SEND to a block device server's endpoint
 *                (<kenix/blk.h>). The vfs attaches its block-cache pool to it
 *                and serves the disk as /dev/vda (254:0), which mount -t vfat
 *                takes; a later VFS_DISK (the server was restarted) replaces
 *                the connection and keeps the cache. Answer w0 = 0 or -errno.
 *
 * IO protocol requests the vfs answers for its objects, besides IO_READ,
 * IO_WRITE and IO_CLOSE: IO_STAT with a struct kx_stat as the answer's bulk,
 * IO_READDIR, IO_SETATTR (fchmod, fchown, futimens, ftruncate), IO_SYNC,
 * IO_STATFS and IO_GETPATH (<kenix/io.h>).
 */
#ifndef KENIX_UAPI_VFS_H
#define KENIX_UAPI_VFS_H

#include <stdint.h>

#include "io.h"

#define KX_PROTO_VFS 0x02u

/* kx_posix_attach(endpoint, KX_POSIX_VFS): process 1 names the vfs (once). */
#define KX_POSIX_VFS 1u

#define VFS_OPEN KX_LABEL(KX_PROTO_VFS, 1)
#define VFS_STAT KX_LABEL(KX_PROTO_VFS, 2)
#define VFS_ACCESS KX_LABEL(KX_PROTO_VFS, 3)
#define VFS_MKDIR KX_LABEL(KX_PROTO_VFS, 4)
#define VFS_MKNOD KX_LABEL(KX_PROTO_VFS, 5)
#define VFS_UNLINK KX_LABEL(KX_PROTO_VFS, 6)
#define VFS_RENAME KX_LABEL(KX_PROTO_VFS, 7)
#define VFS_LINK KX_LABEL(KX_PROTO_VFS, 8)
#define VFS_SYMLINK KX_LABEL(KX_PROTO_VFS, 9)
#define VFS_READLINK KX_LABEL(KX_PROTO_VFS, 10)
#define VFS_SETATTR KX_LABEL(KX_PROTO_VFS, 11)
#define VFS_STATFS KX_LABEL(KX_PROTO_VFS, 12)
#define VFS_MOUNT KX_LABEL(KX_PROTO_VFS, 13)
#define VFS_UMOUNT KX_LABEL(KX_PROTO_VFS, 14)
#define VFS_SYNC KX_LABEL(KX_PROTO_VFS, 15)
#define VFS_DISK KX_LABEL(KX_PROTO_VFS, 16)

/* init's own handle to the vfs carries this badge (kx_endpoint_mint): only
 * init may send VFS_DISK. Never a kernel badge (those have bit 63). */
#define VFS_BADGE_INIT 1u

/* /dev/vda: Linux gives virtio-blk a dynamic major, 254 on most machines. */
#define VFS_VDA_MAJOR 254u

/* VFS_OPEN w1: bits beside Linux's O_* flags (which stay below bit 23). */
#define VFS_O_EXEC (1u << 30)  /* execve: search and execute permission, a regular file (else EACCES) */
#define VFS_O_CHDIR (1u << 29) /* chdir: a directory with search permission */
#define VFS_O_EMPTY (1u << 28) /* with VFS_O_EXEC only: the path is empty and w0 is the object
                                * itself (execveat AT_EMPTY_PATH: fexecve, also of O_PATH fds) */

/* VFS_OPEN answer w1. */
enum vfs_kind {
    VFS_KIND_REG = 1,  /* a regular file: IO_READ/IO_WRITE at an offset */
    VFS_KIND_DIR = 2,  /* a directory: IO_READDIR */
    VFS_KIND_LNK = 3,  /* a symbolic link (O_PATH | O_NOFOLLOW only) */
    VFS_KIND_CHR = 4,  /* a character device: the kernel's device w4 = rdev names */
    VFS_KIND_FIFO = 5, /* a FIFO: the kernel's pipe keyed by the identity (w5) */
    VFS_KIND_BLK = 6,  /* a block device (no I/O through it yet: ENXIO) */
    VFS_KIND_SOCK = 7, /* a socket node (open: ENXIO, as Linux) */
};

struct vfs_req {
    uint32_t uid, gid;   /* whose permissions the request is checked with */
    uint32_t ngroups;    /* uint32_t supplementary groups follow this header */
    uint32_t data_len;   /* op-specific bytes after the groups */
    uint32_t path_len;   /* bytes of path with its NUL; 0: the op has no path */
    uint32_t path2_len;  /* bytes of path2 with its NUL; 0: none */
    uint64_t root;       /* the caller's root directory (chroot): cookie of an open
                          * directory, 0: the namespace root */
};

/* Where each part of a request starts, from the header. */
#define VFS_ALIGN8(n) (((n) + 7u) & ~7u)
#define VFS_REQ_GROUPS_OFF ((uint32_t)sizeof(struct vfs_req))
#define VFS_REQ_DATA_OFF(r) (VFS_REQ_GROUPS_OFF + VFS_ALIGN8((r)->ngroups * 4u))
#define VFS_REQ_PATH_OFF(r) (VFS_REQ_DATA_OFF(r) + VFS_ALIGN8((r)->data_len))
#define VFS_REQ_PATH2_OFF(r) (VFS_REQ_PATH_OFF(r) + (r)->path_len)
#define VFS_REQ_SIZE(r) (VFS_REQ_PATH2_OFF(r) + (r)->path2_len)

/* What VFS_SETATTR and IO_SETATTR change (vfs_attr.mask). */
#define VFS_ATTR_MODE (1u << 0)    /* chmod: the owner or root; setgid cleared as Linux does */
#define VFS_ATTR_UID (1u << 1)     /* chown: root; (uid, gid) == (-1, -1) parts absent from the mask */
#define VFS_ATTR_GID (1u << 2)     /* chown: root, or the owner to one of its groups */
#define VFS_ATTR_SIZE (1u << 3)    /* truncate: write permission (by path) or a writable open (IO_) */
#define VFS_ATTR_ATIME (1u << 4)   /* utimensat: atime given (atime_sec/nsec): the owner or root */
#define VFS_ATTR_MTIME (1u << 5)
#define VFS_ATTR_ATIME_NOW (1u << 6) /* UTIME_NOW (or times NULL): write permission suffices when both */
#define VFS_ATTR_MTIME_NOW (1u << 7) /* are NOW; a NOW bit wins over its ATIME/MTIME bit, whose time
                                      * is then not looked at. Neither bit of a time: UTIME_OMIT. */

struct vfs_attr {
    uint32_t mask;
    uint32_t mode;       /* permission bits and S_ISUID/S_ISGID/S_ISVTX */
    uint32_t uid, gid;
    uint64_t size;
    int64_t atime_sec, atime_nsec;
    int64_t mtime_sec, mtime_nsec;
};

/* Linux's AArch64 struct stat (asm-generic), 128 bytes: answers of VFS_STAT and IO_STAT. */
struct kx_stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    uint32_t st_uid;
    uint32_t st_gid;
    uint64_t st_rdev;
    uint64_t pad1;
    int64_t st_size;
    int32_t st_blksize;
    int32_t pad2;
    int64_t st_blocks;
    int64_t st_atime_sec;
    uint64_t st_atime_nsec;
    int64_t st_mtime_sec;
    uint64_t st_mtime_nsec;
    int64_t st_ctime_sec;
    uint64_t st_ctime_nsec;
    uint32_t unused4, unused5;
};

/* Linux's AArch64 struct statfs, 120 bytes: answers of VFS_STATFS and IO_STATFS. */
struct kx_statfs {
    int64_t f_type;
    int64_t f_bsize;
    uint64_t f_blocks;
    uint64_t f_bfree;
    uint64_t f_bavail;
    uint64_t f_files;
    uint64_t f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen;
    int64_t f_frsize;
    int64_t f_flags;
    int64_t f_spare[4];
};

#endif
