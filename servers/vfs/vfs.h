/*
 * The vfs server's internal types (docs/architecture.md, "The vfs server").
 *
 * Layers, bottom up:
 *   pagestore.c  committed memory: 4 KiB pages from 1 MiB memory objects, and
 *                a small slab allocator for metadata on top of them
 *   dcache.c     directory entries (names): a global hash for lookups and
 *                each directory's entries in position order for readdir
 *   tmpfs.c      the memory back-end, behind struct vnode_ops; devfs.c
 *                is a tmpfs instance pre-populated with device nodes
 *   bcache.c     a write-back cache of a block device's 4 KiB blocks
 *   fat32_*.c    vfat: FAT32 with long names on a block device (fat32.h)
 *   mount.c      the mount table
 *   perm.c       Linux's permission rules
 *   path.c       whole-path resolution
 *   namei.c      the path operations (open, mkdir, rename, ...): resolution,
 *                permission checks and Linux's error order, then the back-end
 *   file.c       open objects (cookies) and the operations on them
 *   dispatch.c   the wire protocol (<kenix/vfs.h>, <kenix/io.h>): pure
 *   initrd.c     the initramfs unpacker
 *   main.c       the IPC loop (guest only)
 *
 * Everything is single-threaded: one request at a time runs to its end, so
 * nothing here takes a lock. Everything but main.c also builds on the host
 * (VFS_HOST) for the unit tests.
 *
 * Ownership. A vnode lives while it has a name (nlink > 0), an open object
 * refers to it (opens > 0), or a removed subdirectory that still lives keeps
 * it as its ".." (pins > 0: Linux's dentry holds its d_parent); the last of
 * these to go frees it (vnode_release).
 * A dirent lives while it is in its directory or an open object remembers it
 * (refs). A mount lives until umount, which is refused while anything on it is
 * open or mounted below it.
 */
#ifndef VFS_VFS_H
#define VFS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kenix/vfs.h>

/*
 * Linux's AArch64 numbers for what travels in the protocol. Spelled out
 * because the host tests run on x86-64, whose O_DIRECTORY and O_NOFOLLOW
 * differ from AArch64's; the vfs speaks the guest's ABI on every host.
 */
#define LX_O_ACCMODE 03u
#define LX_O_RDONLY 00u
#define LX_O_WRONLY 01u
#define LX_O_RDWR 02u
#define LX_O_CREAT 0100u
#define LX_O_EXCL 0200u
#define LX_O_NOCTTY 0400u
#define LX_O_TRUNC 01000u
#define LX_O_APPEND 02000u
#define LX_O_NONBLOCK 04000u
#define LX_O_DIRECTORY 040000u
#define LX_O_NOFOLLOW 0100000u
#define LX_O_NOATIME 01000000u
#define LX_O_CLOEXEC 02000000u
#define LX_O_PATH 010000000u
#define LX_O_TMPFILE 020000000u /* with O_DIRECTORY, as Linux's O_TMPFILE */

#define LX_AT_SYMLINK_NOFOLLOW 0x100u
#define LX_AT_REMOVEDIR 0x200u
#define LX_AT_SYMLINK_FOLLOW 0x400u
#define LX_AT_EMPTY_PATH 0x1000u

#define LX_RENAME_NOREPLACE 1u
#define LX_RENAME_EXCHANGE 2u
#define LX_RENAME_WHITEOUT 4u

#define LX_MS_RDONLY 1u
#define LX_MS_NOSUID 2u
#define LX_MS_NODEV 4u
#define LX_MS_NOEXEC 8u
#define LX_MS_SYNCHRONOUS 16u
#define LX_MS_REMOUNT 32u
#define LX_MS_MANDLOCK 64u
#define LX_MS_DIRSYNC 128u
#define LX_MS_NOSYMFOLLOW 256u
#define LX_MS_NOATIME 1024u
#define LX_MS_NODIRATIME 2048u
#define LX_MS_BIND 4096u
#define LX_MS_MOVE 8192u
#define LX_MS_REC 16384u
#define LX_MS_SILENT 32768u
#define LX_MS_RELATIME (1u << 21)
#define LX_MS_STRICTATIME (1u << 24)
#define LX_MS_LAZYTIME (1u << 25)

#define LX_MNT_FORCE 1u
#define LX_MNT_DETACH 2u
#define LX_MNT_EXPIRE 4u
#define LX_UMOUNT_NOFOLLOW 8u

#define LX_S_IFMT 0170000u
#define LX_S_IFSOCK 0140000u
#define LX_S_IFLNK 0120000u
#define LX_S_IFREG 0100000u
#define LX_S_IFBLK 0060000u
#define LX_S_IFDIR 0040000u
#define LX_S_IFCHR 0020000u
#define LX_S_IFIFO 0010000u
#define LX_S_ISUID 04000u
#define LX_S_ISGID 02000u
#define LX_S_ISVTX 01000u
#define LX_S_IXGRP 00010u

#define S_TYPE(m) ((m) & LX_S_IFMT)
#define S_IS(m, t) (S_TYPE(m) == (t))

#define LX_DT_UNKNOWN 0
#define LX_DT_FIFO 1
#define LX_DT_CHR 2
#define LX_DT_DIR 4
#define LX_DT_BLK 6
#define LX_DT_REG 8
#define LX_DT_LNK 10
#define LX_DT_SOCK 12

#define TMPFS_MAGIC 0x01021994

/* Limits. */
#define VFS_NAME_MAX 255u
#define VFS_PATH_MAX 4096u           /* with the NUL, as Linux's PATH_MAX */
#define VFS_MAXSYMLINKS 40u
#define VFS_PAGE 4096u
#define VFS_PAGE_SHIFT 12u
#define VFS_MAX_FILE_SIZE (1ull << 43) /* 8 TiB: a 4-level page tree; EFBIG past it */
#define VFS_NGROUPS_MAX 65536u       /* Linux's NGROUPS_MAX */
#define VFS_DATA_MAX 8192u           /* op-specific request data (mount options: a page on Linux) */
#define VFS_MOUNTS_MAX 256u

/* Permission request bits, as Linux's MAY_*. */
#define MAY_EXEC 1u
#define MAY_WRITE 2u
#define MAY_READ 4u

/* Whose request this is. */
struct cred {
    uint32_t uid, gid;
    uint32_t ngroups;
    const uint32_t *groups; /* in the request buffer: valid for the request only */
    struct vnode *root;     /* the caller's chroot directory (pinned by its open
                             * object while the request runs); NULL: the namespace root */
};

struct vfs_time {
    int64_t sec;
    uint32_t nsec;
};

struct vnode;
struct mount;
struct dirent;
struct bcache; /* bcache.h */

/*
 * A directory entry: a name in a directory. In the global hash while it is in
 * its directory (dead == 0); on the directory's position list too. A cursor
 * (node == NULL) is a place-holder an open directory keeps on the list so
 * readdir can continue where it stopped. After a rename, `moved` is the name's
 * new entry (referenced), so an open object opened by the old name still
 * knows its path.
 */
struct dirent {
    struct dirent *hnext;          /* hash chain */
    struct dirent *prev, *next;    /* the directory's list, in position order */
    struct vnode *dir;             /* the directory (valid while !dead) */
    struct vnode *node;            /* NULL: a cursor */
    struct dirent *moved;
    uint64_t pos;                  /* readdir position: increasing in list order */
    uint32_t hash;
    uint32_t refs;                 /* 1 while in the directory, plus open objects */
    uint16_t len;
    uint8_t dead;
    uint8_t is_cursor;
    char name[];                   /* len bytes and a NUL */
};

/* The back-end interface (POSIX-DESIGN R7): what a file system does once the
 * generic layer has resolved the names and checked the permissions. Each op
 * returns 0 / a count, or a negative errno. */
struct io_sink;
struct io_source;
struct vnode_ops {
    /* Makes the dcache hold every name of dir (a disk file system reads the
     * directory the first time; its errors are the caller's). NULL: the dcache
     * always does (tmpfs). path.c's dir_lookup and readdir call it first. */
    int (*fill_dir)(struct vnode *dir);
    /* The entry `name` in dir, or NULL (no I/O for tmpfs: the dcache is the truth). */
    struct dirent *(*lookup)(struct vnode *dir, const char *name, uint32_t len, uint32_t hash);
    /* A new node of type and mode (S_IFREG, S_IFDIR, S_IFIFO, ...) named name in dir. */
    int (*create)(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, uint32_t mode, uint64_t rdev,
                  const struct cred *c, struct vnode **out);
    int (*symlink)(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, const char *target,
                   uint32_t tlen, const struct cred *c, struct vnode **out);
    /* An unnamed regular file (O_TMPFILE). */
    int (*tmpfile)(struct vnode *dir, uint32_t mode, const struct cred *c, struct vnode **out);
    int (*link)(struct vnode *node, struct vnode *dir, const char *name, uint32_t len, uint32_t hash);
    int (*unlink)(struct vnode *dir, struct dirent *d);
    int (*rmdir)(struct vnode *dir, struct dirent *d);
    /* od in odir renamed to name in ndir; nd is the entry already there (or NULL). */
    int (*rename)(struct vnode *odir, struct dirent *od, struct vnode *ndir, struct dirent *nd, const char *name,
                  uint32_t len, uint32_t hash, uint32_t flags);
    long (*readlink)(struct vnode *v, const char **target);
    void (*getattr)(struct vnode *v, struct kx_stat *st);
    /* The generic layer checked who may; this applies (and sets ctime). */
    int (*setattr)(struct vnode *v, const struct vfs_attr *a);
    long (*read)(struct vnode *v, uint64_t off, uint64_t len, struct io_sink *sink);
    long (*write)(struct vnode *v, uint64_t off, uint64_t len, struct io_source *src);
    int (*truncate)(struct vnode *v, uint64_t size);
    /* IO_MAP: page addresses (in this process) of pages [first, first + n), at
     * most up to the end of the file; 0 for a hole unless write, which makes
     * every page. Returns how many were described, or a negative errno. */
    long (*map)(struct vnode *v, uint64_t first, uint64_t n, bool write, uint64_t *out);
    int (*sync)(struct vnode *v);
    void (*statfs)(struct mount *m, struct kx_statfs *st);
    /* Open accounting: the last close of an unnamed node frees it. */
    void (*open)(struct vnode *v);
    void (*close)(struct vnode *v);
    /* Frees v if nothing refers to it any more (no name, open or pin). */
    void (*release)(struct vnode *v);
};

/* File data: a radix tree of pages, 512 slots a level (9 bits). height 0:
 * root is the page of index 0 (or NULL). */
struct pagetree {
    void *root;
    uint8_t height;
};

struct vnode {
    const struct vnode_ops *ops;
    struct mount *mnt;
    uint64_t ino;
    uint32_t mode, uid, gid, nlink;
    uint64_t size;
    uint64_t rdev;                 /* Linux's new_encode_dev */
    struct vfs_time atime, mtime, ctime;
    uint32_t opens;                /* open objects (cookies) on it */
    uint32_t pins;                 /* removed subdirectories still alive: their ".." is this node */
    uint32_t vflags;               /* VN_* */
    struct mount *mounted;         /* the mount on this directory, if any (topmost stacks on its root) */
    /* tmpfs regular files: a new value from one server-wide counter whenever
     * the set of frames holding the file changes (made, a page added, pages
     * freed), so no two states of any files ever share one. The kernel keeps
     * a program's pages between execs while the value it saw at open still
     * holds (VFS_OPEN's w6). 0: the kernel must not keep them. */
    uint64_t pages_version;
    union {
        struct {
            struct vnode *parent;  /* ".." (self at a mount root); kept (pinned) once removed */
            struct dirent *self;   /* its name in parent (NULL at a mount root or removed) */
            struct dirent *first, *last;
            uint64_t next_pos;
            uint32_t nentries;     /* names, cursors excluded */
        } dir;
        struct {
            struct pagetree tree;
            uint64_t pages;        /* data pages held */
        } reg;
        struct {
            char *target;
            uint32_t len;
        } lnk;
    } u;
};

#define VN_LINKABLE 1u   /* an O_TMPFILE file linkat may name (opened without O_EXCL) */
#define VN_PINNING 2u    /* a removed directory: it holds a pin on u.dir.parent until freed */

struct mount {
    bool used;
    uint16_t index;
    uint32_t flags;                /* LX_MS_RDONLY, NOSUID, NODEV, NOEXEC, NOATIME ... */
    const char *fstype;            /* "tmpfs", "devtmpfs" */
    struct vnode *root;
    struct vnode *mountpoint;      /* covered directory in the parent mount (NULL: "/") */
    struct mount *parent;
    uint64_t dev;                  /* st_dev: 0:(index+1), encoded as Linux's new_encode_dev */
    uint64_t next_ino;
    uint64_t max_pages, used_pages; /* data pages (size=); max 0 = unlimited */
    uint64_t max_inodes, used_inodes;
    uint32_t opens;                /* open objects on vnodes of this mount (cwds too) */
    uint32_t writers;              /* of which open for writing: a remount read-only is EBUSY */
    uint32_t children;             /* mounts below it */
    uint32_t mode, uid, gid;       /* the options the root was made with */
    uint64_t size_opt;             /* for remount's reporting only */
    void *fs;                      /* the back-end's own state (vfat: struct fat_fs, proc: struct procfs) */
    const char *source;            /* what mount named (/proc/mounts' first field); NULL: the fstype */
};

/* Open objects: what a cookie names. */
struct ofile {
    uint32_t gen;                  /* bumped at every release: stale cookies fail */
    uint32_t flags;                /* open flags (LX_O_*) */
    struct vnode *node;            /* NULL: free */
    struct dirent *dent;           /* the name it was opened by (non-directories), ref held */
    struct dirent *cursor;         /* directories: readdir's place-holder, or NULL */
    uint64_t list_end;             /* directories: positions from here on were added after the
                                    * listing began (open, or readdir from 0): not listed */
    uint32_t next_free;
};

/* Where read data goes and write data comes from (dispatch fills these). */
struct io_sink {
    /* Pushes n bytes to the caller's buffer at dst offset off; returns n or -errno. */
    long (*push)(struct io_sink *s, uint64_t off, const void *p, uint64_t n);
    /* Within one page, the answer may carry the bytes itself instead. */
    const void *direct;
    uint64_t direct_len;
    bool allow_direct;
    void *ctx;
};

struct io_source {
    /* Copies n bytes of the data at offset off into p; returns bytes copied or -errno. */
    long (*pull)(struct io_source *s, uint64_t off, void *p, uint64_t n);
    void *ctx;
};

/* ---- pagestore.c -------------------------------------------------------- */
int ps_init(uint64_t limit_bytes); /* limit: host tests' pretend RAM; 0 = none */
/* File data: pages whose frames programs may map (IO_MAP). */
void *ps_data_alloc(void);         /* a committed page with a fresh zeroed frame, or NULL */
void ps_data_free(void *page);     /* its frame goes (maybe at the next ps_data_flush) */
void ps_data_flush(void);          /* drops the frames of pages freed so far */
bool ps_is_data(const void *p);
/* Metadata pages (never mapped by programs). */
void *ps_page_alloc(void);         /* a committed page (not zeroed), or NULL */
void *ps_page_zalloc(void);
void ps_page_free(void *page);
void *meta_alloc(size_t size);     /* committed, zeroed; NULL when memory is out */
void meta_free(void *p, size_t size);
char *meta_strdup(const char *s, size_t len);
struct ps_stats {
    uint64_t chunks, pages_total, pages_free, pages_used, slab_pages, handles; /* pages_used: data too */
    uint64_t data_used, data_committed, data_slots;
};
void ps_stats(struct ps_stats *st);
uint64_t ps_ram_bytes(void);       /* the machine's RAM (sysinfo), for size defaults */
void ps_set_ram_bytes(uint64_t b); /* host tests */

/* ---- clock -------------------------------------------------------------- */
struct vfs_time vfs_now(void);
uint64_t vfs_uptime_ns(void); /* CLOCK_MONOTONIC: time since boot */

/* The pid of the process whose request is being served (0: not a kernel
 * call), for /proc/self. dispatch.c sets it for each request. */
extern uint32_t vfs_caller_pid;

/* ---- dcache.c ----------------------------------------------------------- */
uint32_t dcache_hash(const char *name, uint32_t len);
struct dirent *dcache_lookup(struct vnode *dir, const char *name, uint32_t len, uint32_t hash);
/* The same for back-ends whose names match loosely (vfat ignores case): hash
 * is the back-end's hash of the name, same() decides among equal hashes. */
struct dirent *dcache_lookup_cmp(struct vnode *dir, const char *name, uint32_t len, uint32_t hash,
                                 bool (*same)(const char *a, uint32_t alen, const char *b, uint32_t blen));
struct dirent *dcache_add(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, struct vnode *node);
void dcache_remove(struct dirent *d);        /* unhashed, off the list, one ref dropped */
void dcache_put(struct dirent *d);
void dcache_get(struct dirent *d);
struct dirent *dcache_cursor_new(struct vnode *dir);
void dcache_cursor_free(struct dirent *c);
void dcache_cursor_move(struct dirent *c, struct dirent *after); /* NULL: to the front */
int dcache_init(void);
uint64_t dcache_count(void);

/* ---- tmpfs.c ------------------------------------------------------------ */
extern const struct vnode_ops tmpfs_ops;
struct mount_opts {
    uint64_t max_pages, max_inodes;
    uint32_t mode, uid, gid;
    bool has_size, has_inodes, has_mode, has_uid, has_gid;
};
int tmpfs_fill(struct mount *m, const struct mount_opts *o); /* makes m->root */
void tmpfs_destroy(struct mount *m);                          /* frees every node */
int tmpfs_reconfigure(struct mount *m, const struct mount_opts *o);
void vnode_release(struct vnode *v); /* frees v if no name and no open refers to it */
uint8_t vnode_dtype(const struct vnode *v);

/* ---- fat32_mount.c: vfat (fat32.h) ---------------------------------------- */
/* Mounts the volume on bc into m (m->root, m->fs): -EINVAL with a sentence
 * in msg for a volume it refuses. */
int fat32_mount(struct mount *m, struct bcache *bc, const char *opts, char *msg, size_t cap);
void fat32_unmount(struct mount *m);       /* syncs, then frees everything */
int fat32_remount(struct mount *m, uint32_t flags, const char *opts);
int fat32_sync(struct mount *m);
struct bcache *fat32_bcache(const struct mount *m);

/* ---- procfs.c (procfs.h) ---------------------------------------------------- */
int procfs_fill(struct mount *m);          /* a new proc mount's root and fixed files */
void procfs_destroy(struct mount *m);      /* umount: everything goes */

/* ---- devfs.c ------------------------------------------------------------ */
int devfs_populate(struct mount *m);
/* A device node that appears with its driver (a disk: "vda", S_IFBLK | 0660). */
int devfs_add(struct mount *m, const char *name, uint32_t mode, uint32_t major, uint32_t minor);

/* ---- mount.c ------------------------------------------------------------ */
extern struct mount vfs_mounts[VFS_MOUNTS_MAX];
/* Messages for the system log (a mount refused, a file system damaged): the
 * line goes to vfs_log_sink if set (main.c prints it), and stays in
 * vfs_last_log (the host tests read it). */
extern void (*vfs_log_sink)(const char *line);
extern char vfs_last_log[256];
void vfs_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Block devices a disk file system can be mounted from: a block device node
 * (S_IFBLK, rdev) names a struct bcache (bcache.h) the driver's side made.
 * The caller keeps the bcache alive while registered. */
#define VFS_BLKDEVS_MAX 16u
#define VFS_VDA_RDEV ((uint64_t)VFS_VDA_MAJOR << 8) /* 254:0, Linux's new_encode_dev */
int blkdev_register(uint64_t rdev, struct bcache *bc); /* -EBUSY: taken, -ENOSPC: full */
int blkdev_unregister(uint64_t rdev);                  /* -EBUSY while mounted */
struct bcache *blkdev_find(uint64_t rdev);
/* Mounts the FAT32 volume on bc at target (vfat): the entry point for a
 * device the caller already has. mount(2) reaches it through vfs_mount. */
int mount_vfat(struct bcache *bc, uint32_t flags, const char *opts, struct vnode *target, struct mount **out);
int mount_sync_all(void);                  /* sync(2), and a periodic flush once there is a timer */
int64_t mount_statfs_flags(const struct mount *m); /* statfs's f_flags: ST_VALID and the mount's */
struct vnode *vfs_root(void);
int mount_parse_opts(const char *s, struct mount_opts *o);
int mount_new(const char *fstype, uint32_t flags, const char *opts, struct vnode *target, struct mount **out);
/* The devtmpfs at /dev (NULL before vfs_mount_standard). */
struct mount *mount_devfs(void);
int mount_root(void);                       /* the namespace root: a tmpfs */
int mount_umount(struct vnode *root, uint32_t flags);
int mount_remount(struct vnode *root, uint32_t flags, const char *opts);
static inline bool mnt_rdonly(const struct mount *m) { return m->flags & LX_MS_RDONLY; }

/* ---- perm.c ------------------------------------------------------------- */
bool cred_in_group(const struct cred *c, uint32_t gid);
int vnode_permission(const struct vnode *v, const struct cred *c, uint32_t mask); /* EROFS, EACCES */
bool owner_or_root(const struct vnode *v, const struct cred *c);
int may_delete(struct vnode *dir, struct dirent *victim, bool isdir, const struct cred *c);
int may_create(struct vnode *dir, const struct cred *c);
/* Setattr rules: checks, then fills the mode bits to clear/set. */
int setattr_check(struct vnode *v, struct vfs_attr *a, const struct cred *c, bool by_open_for_write);
void new_node_owner(const struct vnode *dir, const struct cred *c, uint32_t *mode, uint32_t *gid);
uint32_t kill_privs_mask(const struct vnode *v); /* bits a write by non-root clears */

/* ---- path.c ------------------------------------------------------------- */
enum last_type { LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT };

struct walk {
    const struct cred *cred;
    struct vnode *dir;            /* where the last component is (after walk_parent) */
    const char *last;             /* the last component (not NUL-terminated) */
    uint32_t last_len;
    uint32_t last_hash;
    enum last_type last_type;
    bool trailing;                /* a '/' followed the last component: must be a directory */
    bool must_dir;                /* LOOKUP_DIRECTORY: accumulated */
    unsigned links;               /* symlinks followed so far */
    unsigned depth;
    const char *stack[VFS_MAXSYMLINKS + 1];
};

/* Starts a walk of path from start (cookie's node or the root). Empty: ENOENT. */
int walk_start(struct walk *w, const struct cred *c, struct vnode *start, const char *path);
/* Walks every component but the last. */
int walk_parent(struct walk *w, const char *path);
/* Looks up the last component (dots included); follow: a final symlink is
 * followed (a trailing slash follows too). *out: the node, or NULL with
 * ENOENT returned when it does not exist (w->dir, w->last stay usable). */
int walk_last(struct walk *w, bool follow, struct vnode **out, struct dirent **dent);
/* The whole thing: the node path names. */
/* Counts and enters a symlink met as the last component: the walk goes on
 * with its target's components (w->last is then the target's last). */
int walk_follow(struct walk *w, struct vnode *link);
int resolve(const struct cred *c, struct vnode *start, const char *path, bool follow, struct vnode **out,
            struct dirent **dent);
/* The entry name in dir (*out NULL if there is none), after the back-end
 * filled the directory: 0, or the back-end's error (EIO from a disk). */
int dir_lookup(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, struct dirent **out);
struct vnode *cross_mounts(struct vnode *v);
int vnode_path(struct vnode *dir, struct dirent *d, char *buf, size_t cap); /* absolute path, bytes with NUL */

/* ---- file.c ------------------------------------------------------------- */
uint64_t ofile_new(struct vnode *v, struct dirent *d, uint32_t flags); /* 0: ENFILE/ENOMEM */
struct ofile *ofile_get(uint64_t cookie);
void ofile_close(uint64_t cookie);
uint64_t ofile_count(void);
void ofile_reset(void); /* a fresh table (vfs_init) */
uint64_t vnode_identity(const struct vnode *v);
int file_getpath(struct ofile *f, char *buf, size_t cap);
long file_readdir(struct ofile *f, uint64_t pos, void *buf, uint64_t room, uint64_t *next);

/* ---- namei.c: the path operations --------------------------------------- */
struct open_result {
    uint64_t cookie;
    uint32_t kind, mode;
    uint64_t size, rdev, identity, pages_version;
};
int vfs_open(const struct cred *c, struct vnode *start, const char *path, uint32_t flags, uint32_t mode,
             struct open_result *r);
int vfs_stat(const struct cred *c, struct vnode *start, const char *path, uint32_t flags, struct kx_stat *st);
int vfs_access(const struct cred *c, struct vnode *start, const char *path, uint32_t flags, uint32_t mode);
int vfs_mkdir(const struct cred *c, struct vnode *start, const char *path, uint32_t mode);
int vfs_mknod(const struct cred *c, struct vnode *start, const char *path, uint32_t mode, uint64_t rdev);
int vfs_unlink(const struct cred *c, struct vnode *start, const char *path, uint32_t flags);
int vfs_rename(const struct cred *c, struct vnode *ostart, const char *opath, struct vnode *nstart,
               const char *npath, uint32_t flags);
int vfs_link(const struct cred *c, struct vnode *ostart, const char *opath, struct vnode *nstart,
             const char *npath, uint32_t flags);
int vfs_symlink(const struct cred *c, struct vnode *start, const char *path, const char *target);
long vfs_readlink(const struct cred *c, struct vnode *start, const char *path, uint32_t flags,
                  const char **target);
int vfs_setattr(const struct cred *c, struct vnode *start, const char *path, uint32_t flags,
                const struct vfs_attr *a);
int vnode_setattr(struct vnode *v, const struct cred *c, const struct vfs_attr *a, bool open_for_write);
int vfs_statfs(const struct cred *c, struct vnode *start, const char *path, struct kx_statfs *st);
int vfs_mount(const struct cred *c, struct vnode *start, const char *target, const char *source, const char *fstype,
              const char *opts, uint32_t flags);
int vfs_umount(const struct cred *c, struct vnode *start, const char *target, uint32_t flags);
void vnode_stat(struct vnode *v, struct kx_stat *st);
/* What every back-end's getattr starts from: the node's own fields (ids,
 * mode, links, rdev, size, times), 4 KiB blocks, no st_blocks. */
void vnode_stat_base(const struct vnode *v, struct kx_stat *st);
void vnode_touch_atime(struct vnode *v);

/* ---- initrd.c ----------------------------------------------------------- */
struct initrd_stats {
    uint64_t entries, files, bytes;
    int error;                    /* 0, or the cpio error that stopped it */
    const char *error_name;       /* the entry it stopped at, if any */
};
int initrd_unpack(const void *archive, size_t size, struct initrd_stats *st);

/* ---- the whole server --------------------------------------------------- */
int vfs_init(void); /* on a fresh store (ps_init): root tmpfs; mounts come after the initrd */
int vfs_mount_standard(void); /* devtmpfs at /dev, tmpfs 01777 at /tmp */

#endif
