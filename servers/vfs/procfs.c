/*
 * procfs: the back-end (procfs.h).
 *
 * Nodes are made on demand and live in the dcache like any other names:
 * /proc holds its fixed files and one directory per process; listing or
 * walking /proc first brings that set up to date with the kernel (only when
 * the kernel says processes were made or ended since the last look: one small
 * query), so a pid directory exists exactly while its process does, zombies
 * included, as on Linux. /proc/<pid>/fd is brought up to date whenever it is
 * walked or listed. File contents are formatted at each read from a fresh
 * query, so `cat` sees the process as it is now; a read of a process that has
 * gone is ESRCH.
 *
 * Ownership: a node is the vfs's while it has a name or an open object
 * (vnode opens); a process's directory is unnamed, its subtree with it, when
 * the process goes, and each node is freed as its last open closes.
 * Single-threaded like the rest of the vfs: the format buffer is static.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kenix/version.h>

#include "procfs.h"
#include "vfs.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define TEXT_MAX (64u << 10)

long (*procfs_query)(unsigned what, uint64_t arg, void *buf, size_t len);

enum pkind { PK_ROOT, PK_SELF, PK_GLOBAL, PK_PIDDIR, PK_PIDFILE, PK_PIDLINK, PK_FDDIR, PK_FDLINK };
enum { G_MEMINFO, G_STAT, G_UPTIME, G_LOADAVG, G_MOUNTS, G_FILESYSTEMS, G_VERSION, G_CPUINFO };
enum { F_STAT, F_STATUS, F_STATM, F_CMDLINE, F_COMM, F_ENVIRON, F_MOUNTS };
enum { L_EXE, L_CWD, L_ROOT };

struct pnode {
    struct vnode v;   /* first: the vfs's node (container by cast) */
    uint8_t kind;     /* enum pkind */
    uint8_t which;    /* G_*, F_*, L_* */
    uint32_t pid;
    int32_t fd;
    uint32_t seen;    /* pid directories: the last sync (procfs.gen) that found the process */
};

struct procfs {
    uint64_t forks;   /* the kernel's counts when /proc was last brought up to date */
    uint32_t total;
    uint32_t gen;     /* bumped by each sync; a pid directory not marked with it is gone */
    bool synced;
};

static const struct {
    const char *name;
    uint8_t which;
} globals[] = {
    { "meminfo", G_MEMINFO }, { "stat", G_STAT },       { "uptime", G_UPTIME },         { "loadavg", G_LOADAVG },
    { "mounts", G_MOUNTS },   { "version", G_VERSION }, { "filesystems", G_FILESYSTEMS }, { "cpuinfo", G_CPUINFO },
};

static const struct {
    const char *name;
    uint8_t kind, which;
    uint32_t mode;
} pid_entries[] = {
    { "stat", PK_PIDFILE, F_STAT, LX_S_IFREG | 0444 },       { "status", PK_PIDFILE, F_STATUS, LX_S_IFREG | 0444 },
    { "statm", PK_PIDFILE, F_STATM, LX_S_IFREG | 0444 },     { "cmdline", PK_PIDFILE, F_CMDLINE, LX_S_IFREG | 0444 },
    { "comm", PK_PIDFILE, F_COMM, LX_S_IFREG | 0644 },       { "environ", PK_PIDFILE, F_ENVIRON, LX_S_IFREG | 0400 },
    { "mounts", PK_PIDFILE, F_MOUNTS, LX_S_IFREG | 0444 },   { "exe", PK_PIDLINK, L_EXE, LX_S_IFLNK | 0777 },
    { "cwd", PK_PIDLINK, L_CWD, LX_S_IFLNK | 0777 },         { "root", PK_PIDLINK, L_ROOT, LX_S_IFLNK | 0777 },
    { "fd", PK_FDDIR, 0, LX_S_IFDIR | 0500 },
};

/* Scratch for the kernel's records (a listing, descriptors), and readlink's
 * answers apart from it: a path walk holds an answer while the next lookup
 * asks the kernel again, and may hold several (a link whose target goes
 * through another link), so answers take turns in a ring of LINK_RING. */
#define LINK_RING 8
static char text[TEXT_MAX];
static char link_ring[LINK_RING][VFS_PATH_MAX + 32];
static unsigned link_next;
static char *link_text;
static const struct vnode_ops procfs_ops;

static struct pnode *PN(struct vnode *v)
{
    return (struct pnode *)v;
}

static struct procfs *FS(const struct vnode *v)
{
    return v->mnt->fs;
}

/* ---- nodes ------------------------------------------------------------------ */

static struct pnode *node_new(struct vnode *dir, const char *name, uint8_t kind, uint8_t which, uint32_t pid,
                              int32_t fd, uint32_t mode, uint32_t uid, uint32_t gid)
{
    struct mount *m = dir->mnt;
    struct pnode *n = meta_alloc(sizeof(*n));
    if (!n)
        return NULL;
    n->v.ops = &procfs_ops;
    n->v.mnt = m;
    n->v.ino = m->next_ino++;
    n->v.mode = mode;
    n->v.uid = uid;
    n->v.gid = gid;
    n->v.nlink = S_IS(mode, LX_S_IFDIR) ? 2 : 1;
    n->v.atime = n->v.mtime = n->v.ctime = vfs_now();
    n->kind = kind;
    n->which = which;
    n->pid = pid;
    n->fd = fd;
    uint32_t len = (uint32_t)strlen(name);
    struct dirent *e = dcache_add(dir, name, len, dcache_hash(name, len), &n->v);
    if (!e) {
        meta_free(n, sizeof(*n));
        return NULL;
    }
    m->used_inodes++;
    if (S_IS(mode, LX_S_IFDIR)) {
        n->v.u.dir.parent = dir;
        n->v.u.dir.self = e;
        n->v.u.dir.next_pos = 2; /* after "." and ".." */
        dir->nlink++;
    }
    return n;
}

static void node_free_if_unused(struct vnode *v)
{
    if (v->nlink == 0 && v->opens == 0 && v->pins == 0) {
        v->mnt->used_inodes--;
        meta_free(PN(v), sizeof(struct pnode));
    }
}

/* Takes name d (and, for a directory, everything below it) out of its
 * directory; each node goes once nothing has it open. */
static void unname(struct dirent *d)
{
    struct vnode *v = d->node, *dir = d->dir;
    if (S_IS(v->mode, LX_S_IFDIR)) {
        struct dirent *c = v->u.dir.first;
        while (c) {
            struct dirent *next = c->next;
            if (!c->is_cursor)
                unname(c); /* depth 2 at most: /proc/<pid>/fd/<n> */
            c = next;
        }
        v->u.dir.self = NULL;
        dir->nlink--;
    }
    v->nlink = 0;
    dcache_remove(d);
    node_free_if_unused(v);
}

static struct dirent *find(struct vnode *dir, const char *name)
{
    uint32_t len = (uint32_t)strlen(name);
    return dcache_lookup(dir, name, len, dcache_hash(name, len));
}

/* A process's directory and its fixed entries. */
static int pid_dir_new(struct vnode *root, const struct kx_proc_info *p)
{
    char name[16];
    snprintf(name, sizeof(name), "%u", p->pid);
    struct pnode *d = node_new(root, name, PK_PIDDIR, 0, p->pid, -1, LX_S_IFDIR | 0555, p->euid, p->egid);
    if (!d)
        return -ENOMEM;
    for (size_t i = 0; i < sizeof(pid_entries) / sizeof(pid_entries[0]); i++)
        if (!node_new(&d->v, pid_entries[i].name, pid_entries[i].kind, pid_entries[i].which, p->pid, -1,
                      pid_entries[i].mode, p->euid, p->egid))
            return -ENOMEM;
    return 0;
}

static long query(unsigned what, uint64_t arg, void *buf, size_t len)
{
    return procfs_query ? procfs_query(what, arg, buf, len) : -ENOSYS;
}

/* /proc: a directory per process, exactly. The kernel answers a page of
 * records at a time (as many as `text` holds), so the set is walked page by
 * page: each process's directory is found or made and marked with this
 * sync's generation, and those left unmarked afterwards belong to processes
 * that have gone. Work: one lookup per process, one pass over /proc. */
static int sync_root(struct vnode *root)
{
    struct procfs *fs = FS(root);
    struct kx_cpu_stat st;
    if (query(KX_SI_STAT, 0, &st, sizeof(st)) != (long)sizeof(st))
        return fs->synced ? 0 : -EIO;
    if (fs->synced && st.forks == fs->forks && st.total == fs->total)
        return 0; /* nothing was made and nothing went */
    uint32_t gen = ++fs->gen;
    struct kx_proc_info *page = (struct kx_proc_info *)(void *)text;
    size_t room = sizeof(text) / sizeof(*page);
    uint64_t next = 0;
    for (;;) {
        long r = query(KX_SI_PROCS, next, page, room * sizeof(*page));
        if (r < 0)
            return (int)r;
        size_t n = (size_t)r / sizeof(*page);
        if (!n)
            break;
        for (size_t i = 0; i < n; i++) {
            char name[16];
            snprintf(name, sizeof(name), "%u", page[i].pid);
            struct dirent *d = find(root, name);
            if (!d) {
                int err = pid_dir_new(root, &page[i]);
                if (err)
                    return err;
                d = find(root, name);
            }
            if (d)
                PN(d->node)->seen = gen;
        }
        next = (uint64_t)page[n - 1].pid + 1;
    }
    struct dirent *d = root->u.dir.first;
    while (d) {
        struct dirent *after = d->next;
        if (!d->is_cursor && PN(d->node)->kind == PK_PIDDIR && PN(d->node)->seen != gen)
            unname(d);
        d = after;
    }
    fs->forks = st.forks;
    fs->total = st.total;
    fs->synced = true;
    return 0;
}

/* /proc/<pid>/fd: a link per open descriptor, exactly. */
static int sync_fds(struct vnode *dir)
{
    struct kx_fd_info *fds = (struct kx_fd_info *)(void *)text;
    long r = query(KX_SI_FDS, PN(dir)->pid, fds, sizeof(text));
    if (r < 0)
        return r == -ESRCH ? 0 : (int)r; /* the process is gone: its directory goes at the next sync */
    size_t n = (size_t)r / sizeof(*fds);
    struct dirent *d = dir->u.dir.first;
    while (d) {
        struct dirent *next = d->next;
        if (!d->is_cursor) {
            int32_t fd = PN(d->node)->fd;
            bool open = false;
            for (size_t i = 0; i < n && !open; i++)
                open = fds[i].fd == fd;
            if (!open)
                unname(d);
        }
        d = next;
    }
    for (size_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%d", fds[i].fd);
        if (!find(dir, name) && !node_new(dir, name, PK_FDLINK, 0, PN(dir)->pid, fds[i].fd,
                                          LX_S_IFLNK | ((fds[i].flags & 3) == 0 ? 0500 : (fds[i].flags & 3) == 1 ? 0300 : 0700),
                                          dir->uid, dir->gid))
            return -ENOMEM;
    }
    return 0;
}

static int p_fill_dir(struct vnode *dir)
{
    switch (PN(dir)->kind) {
    case PK_ROOT: return sync_root(dir);
    case PK_FDDIR: return dir->nlink ? sync_fds(dir) : 0;
    default: return 0;
    }
}

static struct dirent *p_lookup(struct vnode *dir, const char *name, uint32_t len, uint32_t hash)
{
    return dcache_lookup(dir, name, len, hash);
}

/* ---- links ------------------------------------------------------------------ */

/* The path of the vfs object `cookie` names, into link_text. */
static long cookie_path(uint64_t cookie)
{
    if (!cookie) {
        link_text[0] = '/';
        link_text[1] = 0;
        return 1;
    }
    struct ofile *f = ofile_get(cookie);
    if (!f)
        return -ENOENT;
    int n = vnode_path(f->node, f->dent, link_text, (VFS_PATH_MAX + 32) - 16);
    if (n == -ENOENT && !S_IS(f->node->mode, LX_S_IFDIR) && f->dent) {
        /* Unlinked while open: Linux names it with " (deleted)". */
        n = snprintf(link_text, (VFS_PATH_MAX + 32), "/%.*s (deleted)", (int)f->dent->len, f->dent->name) + 1;
    }
    return n > 0 ? n - 1 : n;
}

/* /dev/<name> of a kernel device number, found in /dev itself. */
static long device_path(uint64_t rdev)
{
    struct mount *dev = mount_devfs();
    for (struct dirent *d = dev ? dev->root->u.dir.first : NULL; d; d = d->next) {
        if (d->is_cursor || !d->node || d->node->rdev != rdev || !S_IS(d->node->mode, LX_S_IFCHR))
            continue;
        return snprintf(link_text, (VFS_PATH_MAX + 32), "/dev/%.*s", (int)d->len, d->name);
    }
    return snprintf(link_text, (VFS_PATH_MAX + 32), "/dev/char/%llu:%llu", (unsigned long long)(rdev >> 8 & 0xfff),
                    (unsigned long long)(rdev & 0xff));
}

static long fd_link(uint32_t pid, int32_t fd)
{
    struct kx_fd_info *fds = (struct kx_fd_info *)(void *)text;
    long r = query(KX_SI_FDS, pid, fds, sizeof(text));
    if (r < 0)
        return r;
    for (size_t i = 0; i < (size_t)r / sizeof(*fds); i++) {
        if (fds[i].fd != fd)
            continue;
        struct kx_fd_info one = fds[i];
        switch (one.kind) {
        case KX_FD_VFS: return cookie_path(one.cookie);
        case KX_FD_PIPE: return snprintf(link_text, (VFS_PATH_MAX + 32), "pipe:[%llu]", (unsigned long long)one.id);
        case KX_FD_DEVICE: return device_path(one.id);
        default: return snprintf(link_text, (VFS_PATH_MAX + 32), "anon_inode:[kenix]");
        }
    }
    return -ENOENT;
}

static long p_readlink(struct vnode *v, const char **target)
{
    struct pnode *n = PN(v);
    long len;
    link_text = link_ring[link_next++ % LINK_RING];
    *target = link_text;
    switch (n->kind) {
    case PK_SELF:
        if (!vfs_caller_pid)
            return -ENOENT;
        return snprintf(link_text, (VFS_PATH_MAX + 32), "%u", vfs_caller_pid);
    case PK_PIDLINK: {
        struct kx_proc_files pf;
        len = query(KX_SI_FILES, n->pid, &pf, sizeof(pf));
        if (len < 0)
            return len;
        if (n->which == L_EXE && !pf.exe)
            return -ENOENT; /* a program loaded from memory has no file */
        return cookie_path(n->which == L_EXE ? pf.exe : n->which == L_CWD ? pf.cwd : pf.root);
    }
    case PK_FDLINK: return fd_link(n->pid, n->fd);
    default: return -EINVAL;
    }
}

/* ---- contents --------------------------------------------------------------- */

static size_t mounts_text(char *buf, size_t cap)
{
    size_t len = 0;
    char path[VFS_PATH_MAX];
    for (uint32_t i = 0; i < VFS_MOUNTS_MAX && len < cap; i++) {
        struct mount *m = &vfs_mounts[i];
        if (!m->used)
            continue;
        if (!m->mountpoint)
            snprintf(path, sizeof(path), "/");
        else if (vnode_path(m->mountpoint, NULL, path, sizeof(path)) < 0)
            continue; /* under a removed directory: out of sight */
        int n = snprintf(buf + len, cap - len, "%s %s %s %s%s%s%s 0 0\n", m->source ? m->source : m->fstype, path,
                         m->fstype, (m->flags & LX_MS_RDONLY) ? "ro" : "rw", (m->flags & LX_MS_NOSUID) ? ",nosuid" : "",
                         (m->flags & LX_MS_NODEV) ? ",nodev" : "", (m->flags & LX_MS_NOEXEC) ? ",noexec" : "");
        if (n < 0 || (size_t)n >= cap - len)
            break;
        len += (size_t)n;
    }
    return len;
}

static long global_text(uint8_t which, char *buf, size_t cap)
{
    struct kx_cpu_stat st;
    struct kx_meminfo mi;
    long r;
    switch (which) {
    case G_MEMINFO: {
        r = query(KX_SI_MEMINFO, 0, &mi, sizeof(mi));
        if (r < 0)
            return r;
        struct ps_stats ps;
        ps_stats(&ps);
        uint64_t shmem = ps.data_used * VFS_PAGE;
        return (long)procfs_meminfo(&mi, shmem, shmem, buf, cap);
    }
    case G_STAT:
    case G_LOADAVG:
    case G_UPTIME:
        r = query(KX_SI_STAT, 0, &st, sizeof(st));
        if (r < 0)
            return r;
        if (which == G_STAT)
            return (long)procfs_stat(&st, buf, cap);
        if (which == G_LOADAVG)
            return (long)procfs_loadavg(&st, buf, cap);
        return (long)procfs_uptime(vfs_uptime_ns(), st.idle, buf, cap);
    case G_MOUNTS: return (long)mounts_text(buf, cap);
    case G_FILESYSTEMS: return snprintf(buf, cap, "nodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\n\tvfat\n");
    case G_VERSION:
        return snprintf(buf, cap, "Kenix version %s (kenix@kenix) (clang, lld) #1 SMP aarch64\n", KENIX_VERSION_STRING);
    default:
        return snprintf(buf, cap, "processor\t: 0\nBogoMIPS\t: 125.00\nFeatures\t: fp asimd evtstrm cpuid\n"
                                  "CPU architecture: 8\n\n");
    }
}

static long pid_text(struct pnode *n, char *buf, size_t cap)
{
    struct kx_proc_info p;
    long r;
    switch (n->which) {
    case F_CMDLINE:
    case F_ENVIRON:
        r = query(n->which == F_CMDLINE ? KX_SI_CMDLINE : KX_SI_ENVIRON, n->pid, buf, cap);
        return r;
    case F_MOUNTS: return (long)mounts_text(buf, cap);
    }
    r = query(KX_SI_PROC, n->pid, &p, sizeof(p));
    if (r < 0)
        return r;
    switch (n->which) {
    case F_STAT: return (long)procfs_pid_stat(&p, buf, cap);
    case F_STATM: return (long)procfs_pid_statm(&p, buf, cap);
    case F_COMM: return (long)procfs_pid_comm(&p, buf, cap);
    default: {
        long fds = query(KX_SI_FDS, n->pid, text, sizeof(text) / 2); /* a rough FDSize: open ones */
        uint32_t nfd = fds > 0 ? (uint32_t)((size_t)fds / sizeof(struct kx_fd_info)) : 0;
        return (long)procfs_pid_status(&p, nfd < 64 ? 64 : nfd, buf, cap);
    }
    }
}

static long p_read(struct vnode *v, uint64_t off, uint64_t len, struct io_sink *sink)
{
    struct pnode *n = PN(v);
    static char out[TEXT_MAX];
    long size = n->kind == PK_GLOBAL ? global_text(n->which, out, sizeof(out)) : pid_text(n, out, sizeof(out));
    if (size < 0)
        return size;
    if (off >= (uint64_t)size || !len)
        return 0;
    if (len > (uint64_t)size - off)
        len = (uint64_t)size - off;
    return sink->push(sink, 0, out + off, len);
}

/* ---- the rest of vnode_ops ------------------------------------------------------- */

static void p_getattr(struct vnode *v, struct kx_stat *st)
{
    vnode_stat_base(v, st); /* size 0, the time the node was made: Linux's procfs shows the same */
}

static int p_create(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, uint32_t mode, uint64_t rdev,
                    const struct cred *c, struct vnode **out)
{
    (void)dir, (void)name, (void)len, (void)hash, (void)mode, (void)rdev, (void)c, (void)out;
    return -EACCES; /* Linux: /proc's directories take no new names */
}

static int p_symlink(struct vnode *dir, const char *name, uint32_t len, uint32_t hash, const char *target,
                     uint32_t tlen, const struct cred *c, struct vnode **out)
{
    (void)dir, (void)name, (void)len, (void)hash, (void)target, (void)tlen, (void)c, (void)out;
    return -EACCES;
}

static int p_tmpfile(struct vnode *dir, uint32_t mode, const struct cred *c, struct vnode **out)
{
    (void)dir, (void)mode, (void)c, (void)out;
    return -EOPNOTSUPP;
}

static int p_link(struct vnode *node, struct vnode *dir, const char *name, uint32_t len, uint32_t hash)
{
    (void)node, (void)dir, (void)name, (void)len, (void)hash;
    return -EPERM;
}

static int p_unlink(struct vnode *dir, struct dirent *d)
{
    (void)dir, (void)d;
    return -EACCES;
}

static int p_rename(struct vnode *odir, struct dirent *od, struct vnode *ndir, struct dirent *nd, const char *name,
                    uint32_t len, uint32_t hash, uint32_t flags)
{
    (void)odir, (void)od, (void)ndir, (void)nd, (void)name, (void)len, (void)hash, (void)flags;
    return -EACCES;
}

static int p_setattr(struct vnode *v, const struct vfs_attr *a)
{
    (void)v, (void)a;
    return -EPERM;
}

static long p_write(struct vnode *v, uint64_t off, uint64_t len, struct io_source *src)
{
    (void)v, (void)off, (void)len, (void)src;
    return -EACCES; /* nothing here is writable yet (comm, oom_score_adj...) */
}

static int p_truncate(struct vnode *v, uint64_t size)
{
    (void)v, (void)size;
    return -EACCES;
}

static long p_map(struct vnode *v, uint64_t first, uint64_t n, bool write, uint64_t *out)
{
    (void)v, (void)first, (void)n, (void)write, (void)out;
    return -ENODEV; /* as Linux's seq files */
}

static int p_sync(struct vnode *v)
{
    (void)v;
    return 0;
}

static void p_statfs(struct mount *m, struct kx_statfs *st)
{
    (void)m;
    memset(st, 0, sizeof(*st));
    st->f_type = PROC_SUPER_MAGIC;
    st->f_bsize = VFS_PAGE;
    st->f_frsize = VFS_PAGE;
    st->f_namelen = VFS_NAME_MAX;
    st->f_flags = mount_statfs_flags(m);
}

static void p_open(struct vnode *v)
{
    v->opens++;
}

static void p_close(struct vnode *v)
{
    v->opens--;
    node_free_if_unused(v);
}

static void p_release(struct vnode *v)
{
    node_free_if_unused(v);
}

static const struct vnode_ops procfs_ops = {
    .fill_dir = p_fill_dir, .lookup = p_lookup,   .create = p_create,     .symlink = p_symlink,
    .tmpfile = p_tmpfile,   .link = p_link,       .unlink = p_unlink,     .rmdir = p_unlink,
    .rename = p_rename,     .readlink = p_readlink, .getattr = p_getattr, .setattr = p_setattr,
    .read = p_read,         .write = p_write,     .truncate = p_truncate, .map = p_map,
    .sync = p_sync,         .statfs = p_statfs,   .open = p_open,         .close = p_close,
    .release = p_release,
};

/* ---- mount ------------------------------------------------------------------ */

int procfs_fill(struct mount *m)
{
    struct procfs *fs = meta_alloc(sizeof(*fs));
    struct pnode *root = fs ? meta_alloc(sizeof(*root)) : NULL;
    if (!root) {
        if (fs)
            meta_free(fs, sizeof(*fs));
        return -ENOMEM;
    }
    m->fs = fs;
    m->next_ino = 1;
    root->v.ops = &procfs_ops;
    root->v.mnt = m;
    root->v.ino = m->next_ino++;
    root->v.mode = LX_S_IFDIR | 0555;
    root->v.nlink = 2;
    root->v.atime = root->v.mtime = root->v.ctime = vfs_now();
    root->v.u.dir.parent = &root->v;
    root->v.u.dir.next_pos = 2;
    root->kind = PK_ROOT;
    m->root = &root->v;
    m->used_inodes = 1;
    for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++)
        if (!node_new(&root->v, globals[i].name, PK_GLOBAL, globals[i].which, 0, -1, LX_S_IFREG | 0444, 0, 0))
            return -ENOMEM;
    if (!node_new(&root->v, "self", PK_SELF, 0, 0, -1, LX_S_IFLNK | 0777, 0, 0))
        return -ENOMEM;
    return 0;
}

void procfs_destroy(struct mount *m)
{
    struct vnode *root = m->root;
    struct dirent *d = root->u.dir.first;
    while (d) {
        struct dirent *next = d->next;
        if (!d->is_cursor)
            unname(d);
        d = next;
    }
    root->nlink = 0;
    node_free_if_unused(root); /* umount refused while anything is open */
    meta_free(m->fs, sizeof(struct procfs));
    m->fs = NULL;
}
