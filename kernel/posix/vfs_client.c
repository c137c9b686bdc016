/*
 * The kernel's side of the VFS protocol (vfs_client.h): attaching the vfs,
 * building requests, opening files through it.
 */
#include "vfs_client.h"

#include "file.h"
#include "sobj.h"
#include "tty.h"
#include "kenix/errno.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "../core/ipc.h"
#include "../core/handle.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

/* Set once by process 1 and never changed: read without a lock. The kernel
 * keeps the reference for good, so the endpoint outlives every call. */
static struct endpoint *vfs_ep;

struct endpoint *vfs_endpoint(void)
{
    return __atomic_load_n(&vfs_ep, __ATOMIC_ACQUIRE);
}

/* kx_posix_attach(endpoint, what): process 1 names the server the kernel
 * sends path calls to. Once: a second attach is -EBUSY (a vfs that dies
 * leaves path calls failing with -EIO; restarting one is future work). */
long sys_kx_posix_attach(struct trap_frame *f)
{
    struct process *p = current_process();
    if (p->pid != 1)
        return -EPERM;
    if (f->x[1] != KX_POSIX_VFS)
        return -EINVAL;
    struct handle *h;
    int err = handle_get(&p->handles, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_SEND, &h);
    if (err)
        return err;
    if (vfs_endpoint())
        return -EBUSY;
    __atomic_store_n(&vfs_ep, (struct endpoint *)kobject_get(h->obj), __ATOMIC_RELEASE);
    return 0;
}

/* --- requests -------------------------------------------------------------- */

int vfsreq_init(struct vfs_request *r, uint32_t label, uint32_t data_len, unsigned npaths, bool real_ids)
{
    const struct process *p = current_process();
    const struct cred *c = &p->cred;
    struct vfs_req head = {
        .root = p->root ? p->root->node->cookie : 0,
        .uid = real_ids ? c->ruid : c->euid,
        .gid = real_ids ? c->rgid : c->egid,
        .ngroups = c->ngroups,
        .data_len = data_len,
    };
    uint64_t fixed = VFS_REQ_PATH_OFF(&head);
    uint64_t size = fixed + (npaths ? VFSREQ_PATH_ROOM : 0);
    *r = (struct vfs_request){ 0 };
    r->req = kmalloc(size);
    if (!r->req)
        return -ENOMEM;
    r->cap = (uint32_t)size;
    r->full = (uint32_t)(fixed + (uint64_t)npaths * PATH_MAX);
    memcpy(r->req, &head, sizeof(head));
    memcpy((uint8_t *)r->req + VFS_REQ_GROUPS_OFF, c->groups, c->ngroups * 4u);
    memset((uint8_t *)r->req + VFS_REQ_DATA_OFF(&head), 0, VFS_ALIGN8(data_len));
    r->path = (char *)r->req + VFS_REQ_PATH_OFF(&head);
    r->kc.msg.label = label;
    return 0;
}

void vfsreq_free(struct vfs_request *r)
{
    kfree(r->req);
    r->req = 0;
}

void *vfsreq_data(struct vfs_request *r)
{
    return (uint8_t *)r->req + VFS_REQ_DATA_OFF(r->req);
}

/* Where path `which` goes: path 2 follows path 1 directly. */
static char *path_slot(struct vfs_request *r, unsigned which)
{
    return which == 1 ? r->path : r->path + r->req->path_len;
}

static void set_path_len(struct vfs_request *r, unsigned which, uint32_t len)
{
    if (which == 1)
        r->req->path_len = len;
    else
        r->req->path2_len = len;
    r->path2 = r->path + r->req->path_len;
}

/* Bytes left for path `which` (its NUL included), at most PATH_MAX. */
static size_t path_room(struct vfs_request *r, unsigned which)
{
    size_t room = r->cap - (size_t)(path_slot(r, which) - (char *)r->req);
    return room < PATH_MAX ? room : PATH_MAX;
}

/* A path did not fit the first allotment: the request gets room for
 * PATH_MAX-byte paths (what is in it so far moves along). */
static int grow(struct vfs_request *r)
{
    if (r->cap >= r->full)
        return -ENAMETOOLONG;
    size_t used = (size_t)(r->path - (char *)r->req) + r->req->path_len + r->req->path2_len;
    struct vfs_req *big = kmalloc(r->full);
    if (!big)
        return -ENOMEM;
    memcpy(big, r->req, used);
    kfree(r->req);
    r->path = (char *)big + (r->path - (char *)r->req);
    r->path2 = r->path + big->path_len;
    r->req = big;
    r->cap = r->full;
    return 0;
}

int vfsreq_path_user(struct vfs_request *r, unsigned which, uint64_t upath, bool allow_empty)
{
    long len = strncpy_from_user(current_process()->vm, path_slot(r, which), upath, path_room(r, which));
    if (len == -ENAMETOOLONG && path_room(r, which) < PATH_MAX) {
        int err = grow(r);
        if (err)
            return err;
        len = strncpy_from_user(current_process()->vm, path_slot(r, which), upath, PATH_MAX);
    }
    if (len < 0)
        return (int)len;
    if (len == 0 && !allow_empty)
        return -ENOENT;
    set_path_len(r, which, (uint32_t)len + 1);
    return 0;
}

int vfsreq_path_kernel(struct vfs_request *r, unsigned which, const char *path)
{
    size_t len = strlen(path);
    if (len >= PATH_MAX)
        return -ENAMETOOLONG;
    if (len == 0)
        return -ENOENT;
    if (len + 1 > path_room(r, which)) {
        int err = grow(r);
        if (err)
            return err;
    }
    memcpy(path_slot(r, which), path, len + 1);
    set_path_len(r, which, (uint32_t)len + 1);
    return 0;
}

void vfsreq_path_empty(struct vfs_request *r)
{
    r->path[0] = 0; /* a request with a path has VFSREQ_PATH_ROOM bytes for it */
    set_path_len(r, 1, 1);
}

int vfs_dir_cookie(int dirfd, const char *path, uint64_t *cookie)
{
    *cookie = 0;
    if (path[0] == '/')
        return 0;
    struct process *p = current_process();
    struct file *dir = dirfd == AT_FDCWD ? p->cwd : fd_file(p->files, dirfd);
    if (dirfd == AT_FDCWD && !dir)
        return 0; /* no working directory yet: the root */
    if (!dir)
        return -EBADF;
    if (!dir->node || dir->node->kind != VFS_KIND_DIR || dir->node->ep != vfs_endpoint())
        return -ENOTDIR;
    *cookie = dir->node->cookie;
    return 0;
}

long vfsreq_call(struct vfs_request *r)
{
    struct endpoint *ep = vfs_endpoint();
    if (!ep)
        return -ENOENT;
    r->kc.send = (struct ipc_buf){ 0, (uint64_t)r->req, VFS_REQ_SIZE(r->req) };
    long err = ipc_kcall(ep, &r->kc);
    if (err)
        return err == -EPIPE ? -EIO : err;
    int64_t res = (int64_t)r->kc.msg.w[0];
    if (res < -4095) {
        static bool said;
        if (!said) {
            said = true;
            kprintf(KERN_WARNING "vfs: answered %ld to request %lx: protocol violation, -EIO\n", (long)res,
                    (unsigned long)r->kc.msg.label);
        }
        return -EIO;
    }
    if (res == -EINTR && r->kc.cancelled)
        return -ERESTARTSYS;
    return res;
}

/* --- opening --------------------------------------------------------------- */

static int fileuse_get(uint64_t id, bool write); /* below: ETXTBSY */

/* Directories: read is EISDIR, getdents64 walks them (sys_stat.c); the
 * offset is the vfs's directory position. */
static long dir_read(struct file *f, struct uio *u)
{
    (void)f;
    (void)u;
    return -EISDIR;
}

static long dir_size(struct file *f, uint64_t *size)
{
    (void)f;
    (void)size;
    return -EINVAL; /* SEEK_END on a directory, as tmpfs's dcache_dir_lseek */
}

static const struct file_ops dir_ops = {
    .read = dir_read, .write = dir_read, .size = dir_size, .seekable = true, .st_type = S_IFDIR,
};

/* O_PATH descriptors name a node and move no data (read/write: EBADF before here). */
static long path_io(struct file *f, struct uio *u)
{
    (void)f;
    (void)u;
    return -EBADF;
}

static const struct file_ops path_ops = {
    .read = path_io, .write = path_io, .seekable = false,
};

/* The kernel device a character node names (Linux's numbers), or -ENXIO. */
static int kdev_of_rdev(uint64_t rdev)
{
    unsigned major = (unsigned)((rdev >> 8) & 0xfff), minor = (unsigned)((rdev & 0xff) | ((rdev >> 12) & 0xfff00));
    if (major == 1) {
        switch (minor) {
        case 3: return KDEV_NULL;
        case 5: return KDEV_ZERO;
        case 7: return KDEV_FULL;
        case 8: return KDEV_RANDOM;
        case 9: return KDEV_URANDOM;
        case 11: return KDEV_KMSG; /* /dev/kmsg: the kernel log */
        }
    }
    if (major == 5 && minor == 1)
        return KDEV_KLOG; /* /dev/console: the kernel console until the console server */
    return -ENXIO;         /* devices nobody provides */
}

/* The data path for what the vfs opened: a file whose node is o. */
static long open_data(struct sobj *o, uint32_t flags, uint64_t rdev, struct file **out)
{
    uint32_t keep = (flags & O_PATH) ? O_PATH : (flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_LARGEFILE | O_NOATIME));
    struct file *file = 0;
    if (flags & O_PATH) {
        file = file_alloc(o->kind == VFS_KIND_DIR ? &dir_ops : &path_ops, o, keep);
    } else {
        switch (o->kind) {
        case VFS_KIND_REG: file = file_alloc(&sobj_seekable_ops, o, keep); break;
        case VFS_KIND_DIR: file = file_alloc(&dir_ops, o, keep); break;
        case VFS_KIND_CHR: {
            /* A terminal a server registered (or /dev/tty) first: /dev/console
             * is the kernel console only until the console server says otherwise. */
            long err = tty_open_rdev(rdev, keep | (flags & O_NOCTTY), &file);
            if (err != -ENODEV) {
                if (err)
                    return err;
                break;
            }
            int dev = kdev_of_rdev(rdev);
            if (dev < 0)
                return dev;
            file = kdev_open((enum kdev)dev, keep);
            break;
        }
        case VFS_KIND_FIFO: {
            long err = fifo_open(o->identity, keep, &file);
            if (err)
                return err;
            break;
        }
        case VFS_KIND_BLK:
            /* The vfs serves the device itself (its block cache of the disk):
             * reads and writes at an offset, BLK* ioctls (sobj.c). */
            file = file_alloc(&sobj_seekable_ops, o, keep);
            break;
        default: return -ENXIO; /* sockets: nothing serves them */
        }
    }
    if (!file)
        return -ENOMEM;
    file->node = o;
    *out = file;
    return 0;
}

/* VFS_OPEN from the directory (or, with VFS_O_EMPTY, of the object) cookie dir names. */
static long open_at_cookie(uint64_t dir, struct vfs_request *r, uint32_t flags, uint32_t mode, struct file **out)
{
    struct sobj *o = sobj_alloc(vfs_endpoint());
    if (!o)
        return -ENOMEM;
    r->kc.msg.w[0] = dir;
    r->kc.msg.w[1] = flags;
    r->kc.msg.w[2] = mode & ~current_process()->umask & 07777;
    long res = vfsreq_call(r);
    if (res < 0) {
        sobj_free_unopened(o);
        return res;
    }
    const uint64_t *w = r->kc.msg.w;
    o->cookie = w[0];
    o->kind = (uint32_t)w[1];
    o->mode = (uint32_t)w[2];
    o->identity = w[5];
    o->size_at_open = w[3];
    o->pages_version = w[6];
    res = 0;
    uint32_t acc = flags & O_ACCMODE;
    if (o->kind == VFS_KIND_REG && !(flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR)) {
        res = fileuse_get(o->identity, true);
        o->writer = !res;
    }
    if (!res)
        res = open_data(o, flags, w[4], out);
    if (res)
        sobj_close(o); /* the vfs opened it: tell it */
    return res;
}

long vfs_open(int dirfd, struct vfs_request *r, uint32_t flags, uint32_t mode, struct file **out)
{
    uint64_t dir;
    int err = vfs_dir_cookie(dirfd, r->path, &dir);
    if (err)
        return err;
    return open_at_cookie(dir, r, flags, mode, out);
}

int vfs_reopen_exec(struct file *f, struct file **out)
{
    struct sobj *node = f->node;
    if (!node || !vfs_endpoint() || node->ep != vfs_endpoint())
        return -EACCES; /* pipes, devices the kernel made alone, other servers' objects */
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_OPEN, 0, 1, false);
    if (err)
        return err;
    vfsreq_path_empty(&r);
    err = (int)open_at_cookie(node->cookie, &r, O_RDONLY | VFS_O_EXEC | VFS_O_EMPTY, 0, out);
    vfsreq_free(&r);
    return err;
}

int vfs_open_kernel(int dirfd, const char *path, uint32_t flags, struct file **out, uint32_t *mode)
{
    if (!vfs_endpoint())
        return -ENOENT;
    struct vfs_request r;
    int err = vfsreq_init(&r, VFS_OPEN, 0, 1, false);
    if (!err)
        err = vfsreq_path_kernel(&r, 1, path);
    if (!err)
        err = (int)vfs_open(dirfd, &r, flags, 0, out);
    vfsreq_free(&r);
    if (!err)
        *mode = (*out)->node->mode;
    return err;
}

long file_pread_kernel(struct file *f, struct vmspace *vm, uint64_t addr, uint64_t off, uint64_t n)
{
    struct sobj *o = f->node;
    if (!o || o->kind != VFS_KIND_REG || f->ops != &sobj_seekable_ops)
        return -EACCES;
    uint64_t done = 0;
    while (done < n) {
        uint64_t chunk = n - done < KX_BULK_MAX ? n - done : KX_BULK_MAX;
        struct kcall kc = {
            .msg = { .label = IO_READ, .w = { o->cookie, off + done, chunk, 0 } },
            .recv = { vm, addr + done, chunk },
        };
        long r = sobj_call(o, &kc);
        if (!r)
            r = sobj_result(o, &kc, chunk < kc.recv_len ? chunk : kc.recv_len);
        if (r < 0)
            return r; /* short counts mean the end of the file, nothing else */
        done += (uint64_t)r;
        if ((uint64_t)r < chunk)
            break;
    }
    return (long)done;
}

int vfs_fd_node(int fd, struct file **file, struct sobj **node)
{
    struct file *f = fd_file(current_process()->files, fd);
    if (!f)
        return -EBADF;
    *file = f;
    *node = f->node;
    return 0;
}

long vfs_node_stat(struct sobj *node, struct kx_stat *st)
{
    memset(st, 0, sizeof(*st));
    struct kcall kc = {
        .msg = { .label = IO_STAT, .w = { node->cookie } },
        .recv = { 0, (uint64_t)st, sizeof(*st) },
    };
    long r = sobj_call(node, &kc);
    if (!r)
        r = sobj_result(node, &kc, 0);
    if (r)
        return r;
    if (kc.recv_len < sizeof(*st)) {
        /* A server that keeps no attributes: an anonymous object of its size. */
        memset(st, 0, sizeof(*st));
        st->st_mode = node->mode ? node->mode : 0600;
        st->st_size = (int64_t)kc.msg.w[1];
        st->st_blksize = 4096;
        st->st_nlink = 1;
    }
    return 0;
}

/* --- writers and running programs (ETXTBSY) -------------------------------- */

/*
 * Linux 6.1's rule: a file a process runs cannot be opened for writing, and
 * a file open for writing cannot be run (ETXTBSY). The kernel sees every
 * open and every exec, so it counts both per file identity here: an entry
 * exists while a file has writers or runners. `fileuse_lock` protects the
 * list and the counts; it is a leaf (heap allocations are made before it).
 */
struct fileuse {
    uint64_t id;
    unsigned writers, runners;
    struct fileuse *next;
};

#define FILEUSE_BUCKETS 64

static struct spinlock fileuse_lock = SPINLOCK_INIT("fileuse");
static struct fileuse *fileuses[FILEUSE_BUCKETS];

static struct fileuse **fileuse_bucket(uint64_t id)
{
    return &fileuses[(id ^ (id >> 13) ^ (id >> 40)) % FILEUSE_BUCKETS];
}

static struct fileuse **fileuse_find(uint64_t id)
{
    struct fileuse **pp = fileuse_bucket(id);
    while (*pp && (*pp)->id != id)
        pp = &(*pp)->next;
    return pp;
}

/* Counts one writer (write) or runner of id: 0, -ETXTBSY, -ENOMEM. */
static int fileuse_get(uint64_t id, bool write)
{
    struct fileuse *fresh = kzalloc(sizeof(*fresh));
    irqflags_t flags = spin_lock_irqsave(&fileuse_lock);
    struct fileuse **pp = fileuse_find(id), *u = *pp;
    int err = 0;
    if (!u && !fresh) {
        err = -ENOMEM;
    } else {
        if (!u) {
            u = fresh;
            fresh = 0;
            u->id = id;
            u->next = *fileuse_bucket(id);
            *fileuse_bucket(id) = u;
        }
        if (write ? u->runners : u->writers)
            err = -ETXTBSY;
        else if (write)
            u->writers++;
        else
            u->runners++;
        if (err && !u->writers && !u->runners) {
            *fileuse_find(id) = u->next;
            fresh = u;
        }
    }
    spin_unlock_irqrestore(&fileuse_lock, flags);
    kfree(fresh);
    return err;
}

static void fileuse_put(uint64_t id, bool write)
{
    struct fileuse *gone = 0;
    irqflags_t flags = spin_lock_irqsave(&fileuse_lock);
    struct fileuse **pp = fileuse_find(id), *u = *pp;
    if (u) {
        if (write)
            u->writers--;
        else
            u->runners--;
        if (!u->writers && !u->runners) {
            *pp = u->next;
            gone = u;
        }
    }
    spin_unlock_irqrestore(&fileuse_lock, flags);
    kfree(gone);
}

void fileuse_put_write(uint64_t id)
{
    fileuse_put(id, true);
}

int fileuse_get_run(uint64_t id)
{
    return fileuse_get(id, false);
}

void fileuse_put_run(uint64_t id)
{
    fileuse_put(id, false);
}
