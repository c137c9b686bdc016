/*
 * File descriptors and open file descriptions (POSIX-DESIGN R1).
 *
 * A process's fd table maps small integers to open file descriptions
 * (struct file) and keeps the close-on-exec bit per descriptor. An open file
 * description holds the status flags and the offset and is shared by dup,
 * fork and kx_process_give_fd through its reference count; it names an
 * object through its ops: a kernel pipe end, a kernel device, or an object
 * in a server (sobj.c, reached through the IO protocol).
 *
 * Ownership. A process owns its fd table (only its own thread changes it; a
 * fork copies it). Each table slot holds one reference to its file; a file
 * is released -- its object told, its memory freed -- when the last
 * reference goes, whoever drops it. Releasing never blocks.
 */
#ifndef KENIX_POSIX_FILE_H
#define KENIX_POSIX_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/linux_abi.h"

struct file;
struct poll_entry;
struct vmspace;

#define NR_OPEN_MAX (1u << 20)   /* the most RLIMIT_NOFILE may allow, as Linux's nr_open */
#define RW_MAX 0x7ffff000ull     /* the most one read or write moves, as Linux's MAX_RW_COUNT */
#define IOV_MAX 1024

/* A user I/O request: some iovecs in an address space, consumed as bytes move. */
struct uio {
    struct vmspace *vm;
    const struct linux_iovec *iov; /* kernel copy of the vector */
    unsigned iovcnt;
    unsigned idx;                  /* current iovec */
    uint64_t off;                  /* bytes of iov[idx] done */
    uint64_t resid;                /* bytes left in all */
};

/* Copies n bytes between kbuf and the uio, advancing it; 0 or -EFAULT/-ENOMEM
 * (partial progress stays: resid tells how much moved). */
int uio_to_user(struct uio *u, const void *kbuf, uint64_t n);
int uio_from_user(struct uio *u, void *kbuf, uint64_t n);

struct file_ops {
    /* Move bytes; return the count (>= 0) or -errno. A count short of what
     * was asked is allowed; 0 from read is end of file. */
    long (*read)(struct file *f, struct uio *u);
    long (*write)(struct file *f, struct uio *u);
    /* pread/pwrite at `off`, leaving the offset alone; NULL: read/write
     * serve (objects that ignore the offset, such as the kernel devices). */
    long (*pio)(struct file *f, struct uio *u, uint64_t off, bool write);
    /* FIONREAD and the like; -ENOTTY for a request the object does not know. */
    long (*ioctl)(struct file *f, unsigned cmd, uint64_t arg);
    /* The last reference is gone. Never blocks. */
    void (*release)(struct file *f);
    /* The object's size, for lseek SEEK_END (NULL: 0, as Linux's devices). */
    long (*size)(struct file *f, uint64_t *size);
    /* Readiness now, as Linux's POLL* bits; with `e` (its waiter and key
     * set), also registers e on the object so that a watched bit rising
     * wakes the poller (pollwait.h). Never blocks. NULL: always ready for
     * reading and writing (DEFAULT_POLLMASK: regular files, kernel devices). */
    uint32_t (*poll)(struct file *f, struct poll_entry *e);
    bool seekable;                 /* lseek moves the offset (else -ESPIPE) */
    uint32_t st_type;              /* S_IF* fstat reports for a file without a node */
};

struct file {
    uint32_t refs;                 /* fd slots and kernel holders; atomic */
    uint32_t flags;                /* O_ACCMODE and status flags (O_APPEND, O_NONBLOCK) */
    uint64_t pos;
    const struct file_ops *ops;
    void *priv;                    /* the object: a pipe, a device number */
    struct sobj *node;             /* the vfs node it was opened by (fstat, fchmod, getdents, fchdir,
                                    * record locks), or a server object; owned: released with the
                                    * file. NULL for pipe2's pipes and files the kernel made alone. */
    bool flocked;                  /* holds a flock(2) lock (posix/flock.c) */
};

struct fdtable {
    unsigned cap;                  /* slots in fd[] (grows by doubling) */
    struct file **fd;
    uint64_t *open;                /* bitmap: slot in use (lowest free in a few words) */
    uint64_t *cloexec;             /* bitmap: FD_CLOEXEC */
};

struct file *file_alloc(const struct file_ops *ops, void *priv, uint32_t flags);
struct file *file_get(struct file *f);
void file_put(struct file *f);

/* Table operations on the current process. */
struct fdtable *fdtable_create(void);
/* A copy for a child: each file shared (reference +1), close-on-exec bits kept. */
struct fdtable *fdtable_fork(const struct fdtable *t);
/* Closes every descriptor and frees the table. */
void fdtable_destroy(struct fdtable *t);
/* execve's point of no return: closes every descriptor marked close-on-exec. */
void fdtable_close_on_exec(struct fdtable *t);
/* The file at fd, or NULL (bad or closed fd). No reference is taken: valid
 * while the caller, the table's owner, does not close it. */
struct file *fd_file(const struct fdtable *t, int64_t fd);
/* Puts f (a reference the table now owns) at the lowest free fd >= min and
 * below `limit`: the fd, -EMFILE or -ENOMEM. */
int fd_install(struct fdtable *t, struct file *f, unsigned min, uint64_t limit, bool cloexec);
/* Puts f at exactly fd (closing what was there): dup2 semantics. */
int fd_install_at(struct fdtable *t, struct file *f, unsigned fd, bool cloexec);
int fd_close(struct fdtable *t, int64_t fd);
bool fd_cloexec(const struct fdtable *t, unsigned fd);
void fd_set_cloexec(struct fdtable *t, unsigned fd, bool on);

/* The kernel devices (devfs will name them; openat knows their paths until the vfs exists). */
enum kdev {
    KDEV_NULL,
    KDEV_ZERO,
    KDEV_FULL,
    KDEV_RANDOM,
    KDEV_URANDOM,
    KDEV_KLOG,   /* the console (until the console server): servers' and terminal-less
                  * programs' fds 0-2, /dev/console */
    KDEV_KMSG,   /* /dev/kmsg: a write is a line of the kernel log (core/klog.c) */
    KDEV_COUNT,
};
struct file *kdev_open(enum kdev dev, uint32_t flags);
/* Whether f is /dev/zero (mmap makes anonymous memory of it). */
bool kdev_is_zero(const struct file *f);
/* The kdev a path names (/dev/null ...), or -ENOENT. */
int kdev_lookup(const char *path);

/* What an object that never blocks reports to poll (Linux's DEFAULT_POLLMASK). */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* f's readiness (file_ops.poll, or DEFAULT_POLLMASK); see there for e. */
uint32_t file_poll(struct file *f, struct poll_entry *e);

/* openat before a vfs is attached: the kernel devices' paths only. */
long kdev_openat(uint64_t upath, uint32_t flags);

/* The FIFO the vfs identifies as `key`, opened as flags say (O_ACCMODE,
 * O_NONBLOCK): Linux's blocking-open rules (a reader waits for a writer and
 * the other way round; O_RDWR never waits; O_WRONLY | O_NONBLOCK without a
 * reader is -ENXIO). All opens of one key share one kernel pipe while any is
 * open. */
long fifo_open(uint64_t key, uint32_t flags, struct file **out);

/* A pipe: two files, read end and write end (flags: O_NONBLOCK). */
int pipe_create(uint32_t flags, struct file **rd, struct file **wr);
/* Whether f is an end of a pipe or FIFO, and which (unique since boot). */
bool pipe_id(const struct file *f, uint64_t *id);
/* The Linux device number of a kernel device's file (the console for the
 * kernel log), or 0 when f is not one. */
uint64_t kdev_rdev(const struct file *f);

/*
 * Files of the vfs, for the kernel's own use (execve). vfs_open_kernel opens
 * `path` (kernel memory) as the current process would with openat(dirfd,
 * path, flags): relative to its working directory for AT_FDCWD, with its
 * credentials; VFS_O_EXEC (<kenix/vfs.h>) in flags asks for execute
 * permission on a regular file. On success *out is a new reference the
 * caller puts with file_put, and *mode the file's st_mode.
 */
int vfs_open_kernel(int dirfd, const char *path, uint32_t flags, struct file **out, uint32_t *mode);
/* The file f names (any descriptor of a vfs file, O_PATH ones too), opened
 * again for execution as execveat(fd, "", AT_EMPTY_PATH) needs: execute
 * permission checked now with the caller's ids, a regular file (-EACCES). */
int vfs_reopen_exec(struct file *f, struct file **out);
/* Reads up to n bytes at offset off of f into vm at addr (vm NULL: kernel
 * memory), whatever f's own offset: the count (short only at the end of the
 * file) or -errno. Does not move f's offset. */
long file_pread_kernel(struct file *f, struct vmspace *vm, uint64_t addr, uint64_t off, uint64_t n);
/* Asks o's server for the frames of the file's pages [off, off + n pages)
 * (off page aligned; n at most 512, one answer): frames[0..got) with a
 * reference each for the caller (0: a hole, none), and `got` returned,
 * short at the end of the file; write: for a shared writable mapping (every
 * page made). -ENODEV for a server that cannot map, or another error, with
 * no reference kept. */
long file_frames(struct sobj *o, uint64_t off, uint64_t n, bool write, uint64_t *frames);
/* Maps the pages [off, off + len) of the server object o (page aligned)
 * at addr, inside an area of vs with nothing mapped there yet: the frames
 * the server names (IO_MAP), copy-on-write in a private area, themselves in
 * a shared one. *mapped (if not NULL) gets the bytes mapped from the start,
 * fewer at the end of the file. -ENODEV for a server that cannot map. */
long map_file_pages(struct vmspace *vs, struct sobj *o, uint64_t addr, uint64_t off, uint64_t len,
                    bool shared_write, uint64_t *mapped);

/* The current process's RLIMIT_NOFILE soft limit. */
uint64_t fd_limit(void);

#endif
