/*
 * The mount table. Slot 0 is the namespace's root file system (a tmpfs,
 * filled from the initrd); every other mount covers a directory of its parent
 * (vnode.mounted points from the covered directory to the mount, and mounts
 * on the same directory stack: the newer covers the older's root).
 *
 * File systems: "tmpfs" and "devtmpfs" (a tmpfs that starts with the device
 * nodes, devfs.c). Options (comma-separated, as Linux's tmpfs): size=N[kmg%]
 * (0: unlimited), nr_inodes=N[kmg] (0: unlimited), mode=OCTAL, uid=N, gid=N.
 * Unknown options are EINVAL, as Linux's tmpfs says "Bad mount option".
 *
 * "vfat" (fat32_*.c) is mounted from a block device: the table below maps a
 * block device number to the struct bcache its driver's side registered
 * (blkdev_register), and vfs_mount finds it through the source path's
 * device node. A device is mounted at most once at a time (EBUSY).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vfs.h"

struct mount vfs_mounts[VFS_MOUNTS_MAX];

/* ---- the system log ------------------------------------------------------------- */

void (*vfs_log_sink)(const char *line);
char vfs_last_log[256];

void vfs_logf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vfs_last_log, sizeof(vfs_last_log), fmt, ap);
    va_end(ap);
    if (vfs_log_sink)
        vfs_log_sink(vfs_last_log);
}

/* ---- block devices -------------------------------------------------------------- */

static struct {
    uint64_t rdev;
    struct bcache *bc;
} blkdevs[VFS_BLKDEVS_MAX];

static bool is_vfat(const struct mount *m) { return m->used && m->fstype && !strcmp(m->fstype, "vfat"); }

static bool bcache_mounted(const struct bcache *bc)
{
    for (uint32_t i = 0; i < VFS_MOUNTS_MAX; i++)
        if (is_vfat(&vfs_mounts[i]) && fat32_bcache(&vfs_mounts[i]) == bc)
            return true;
    return false;
}

int blkdev_register(uint64_t rdev, struct bcache *bc)
{
    if (!bc)
        return -EINVAL;
    int free_slot = -1;
    for (uint32_t i = 0; i < VFS_BLKDEVS_MAX; i++) {
        if (blkdevs[i].bc && blkdevs[i].rdev == rdev)
            return -EBUSY;
        if (!blkdevs[i].bc && free_slot < 0)
            free_slot = (int)i;
    }
    if (free_slot < 0)
        return -ENOSPC;
    blkdevs[free_slot].rdev = rdev;
    blkdevs[free_slot].bc = bc;
    return 0;
}

struct bcache *blkdev_find(uint64_t rdev)
{
    for (uint32_t i = 0; i < VFS_BLKDEVS_MAX; i++)
        if (blkdevs[i].bc && blkdevs[i].rdev == rdev)
            return blkdevs[i].bc;
    return NULL;
}

int blkdev_unregister(uint64_t rdev)
{
    for (uint32_t i = 0; i < VFS_BLKDEVS_MAX; i++) {
        if (blkdevs[i].bc && blkdevs[i].rdev == rdev) {
            if (bcache_mounted(blkdevs[i].bc))
                return -EBUSY;
            blkdevs[i].bc = NULL;
            return 0;
        }
    }
    return -ENOENT;
}

int64_t mount_statfs_flags(const struct mount *m)
{
    /* Linux's statfs flags: ST_VALID, and the mount's flags (same bits as MS_*). */
    uint32_t keep = LX_MS_RDONLY | LX_MS_NOSUID | LX_MS_NODEV | LX_MS_NOEXEC | LX_MS_SYNCHRONOUS |
                    LX_MS_MANDLOCK | LX_MS_NOATIME | LX_MS_NODIRATIME | LX_MS_NOSYMFOLLOW;
    int64_t flags = 0x20 | (m->flags & keep);
    if (!(m->flags & (LX_MS_NOATIME | LX_MS_STRICTATIME)))
        flags |= 0x1000; /* ST_RELATIME: the default */
    return flags;
}

struct vnode *vfs_root(void)
{
    return cross_mounts(vfs_mounts[0].root);
}

static bool parse_num(const char *s, size_t len, unsigned base, uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d;
        if (s[i] >= '0' && s[i] <= '9')
            d = (unsigned)(s[i] - '0');
        else
            return false;
        if (d >= base || v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* N with an optional k/m/g (or % of RAM, if pct) suffix. */
static bool parse_size(const char *s, size_t len, bool pct, uint64_t *out)
{
    if (len == 0)
        return false;
    unsigned shift = 0;
    bool percent = false;
    switch (s[len - 1]) {
    case 'k': case 'K': shift = 10; len--; break;
    case 'm': case 'M': shift = 20; len--; break;
    case 'g': case 'G': shift = 30; len--; break;
    case '%': percent = pct; len--; if (!pct) return false; break;
    default: break;
    }
    uint64_t v;
    if (!parse_num(s, len, 10, &v))
        return false;
    if (percent) {
        if (v > 10000)
            return false;
        *out = ps_ram_bytes() / 100 * v;
        return true;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = v << shift;
    return true;
}

int mount_parse_opts(const char *s, struct mount_opts *o)
{
    memset(o, 0, sizeof(*o));
    while (s && *s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        size_t klen = eq ? (size_t)(eq - s) : len;
        const char *val = eq ? eq + 1 : NULL;
        size_t vlen = eq ? len - klen - 1 : 0;
        uint64_t n;
        if (len == 0) {
            /* an empty option between commas: ignored, as Linux's parser does */
        } else if (klen == 4 && !memcmp(s, "size", 4) && val && parse_size(val, vlen, true, &n)) {
            o->max_pages = (n + VFS_PAGE - 1) / VFS_PAGE;
            o->has_size = true;
        } else if (klen == 9 && !memcmp(s, "nr_blocks", 9) && val && parse_size(val, vlen, false, &n)) {
            o->max_pages = n;
            o->has_size = true;
        } else if (klen == 9 && !memcmp(s, "nr_inodes", 9) && val && parse_size(val, vlen, false, &n)) {
            o->max_inodes = n;
            o->has_inodes = true;
        } else if (klen == 4 && !memcmp(s, "mode", 4) && val && parse_num(val, vlen, 8, &n) && n <= 07777) {
            o->mode = (uint32_t)n;
            o->has_mode = true;
        } else if (klen == 3 && !memcmp(s, "uid", 3) && val && parse_num(val, vlen, 10, &n) && n < 0xffffffffu) {
            o->uid = (uint32_t)n;
            o->has_uid = true;
        } else if (klen == 3 && !memcmp(s, "gid", 3) && val && parse_num(val, vlen, 10, &n) && n < 0xffffffffu) {
            o->gid = (uint32_t)n;
            o->has_gid = true;
        } else {
            return -EINVAL;
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}

static struct mount *slot_new(void)
{
    for (uint32_t i = 0; i < VFS_MOUNTS_MAX; i++) {
        if (!vfs_mounts[i].used) {
            struct mount *m = &vfs_mounts[i];
            memset(m, 0, sizeof(*m));
            m->used = true;
            m->index = (uint16_t)i;
            m->dev = i + 1; /* 0:(i+1), Linux's anonymous device numbers */
            return m;
        }
    }
    return NULL;
}

static const char *known_fstype(const char *fstype)
{
    if (!strcmp(fstype, "tmpfs"))
        return "tmpfs";
    if (!strcmp(fstype, "devtmpfs"))
        return "devtmpfs";
    if (!strcmp(fstype, "proc"))
        return "proc";
    return NULL;
}

/* The MS_* flags a new mount keeps; the rest ask for what is not done here. */
#define KEPT_FLAGS                                                                                       \
    (LX_MS_RDONLY | LX_MS_NOSUID | LX_MS_NODEV | LX_MS_NOEXEC | LX_MS_SYNCHRONOUS | LX_MS_MANDLOCK |     \
     LX_MS_DIRSYNC | LX_MS_NOSYMFOLLOW | LX_MS_NOATIME | LX_MS_NODIRATIME | LX_MS_RELATIME |             \
     LX_MS_STRICTATIME | LX_MS_LAZYTIME)

int mount_root(void)
{
    memset(vfs_mounts, 0, sizeof(vfs_mounts));
    struct mount *m = slot_new();
    m->fstype = "tmpfs";
    struct mount_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mode = true;
    o.mode = 0755; /* "/" as Linux's rootfs; an initrd "." entry may change it */
    int err = tmpfs_fill(m, &o);
    if (err) {
        m->used = false;
        return err;
    }
    return 0;
}

static int target_ok(const struct vnode *target)
{
    if (!S_IS(target->mode, LX_S_IFDIR))
        return -ENOTDIR;
    if (target->nlink == 0)
        return -ENOENT; /* a removed directory cannot be mounted on */
    return 0;
}

static void attach(struct mount *m, struct vnode *target, struct mount **out)
{
    m->parent = target->mnt;
    m->mountpoint = target;
    target->mounted = m;
    target->mnt->children++;
    if (out)
        *out = m;
}

int mount_new(const char *fstype, uint32_t flags, const char *opts, struct vnode *target, struct mount **out)
{
    const char *type = known_fstype(fstype);
    if (!type)
        return -ENODEV;
    int err = target_ok(target);
    if (err)
        return err;
    struct mount_opts o;
    err = mount_parse_opts(opts, &o);
    if (err)
        return err;
    struct mount *m = slot_new();
    if (!m)
        return -ENOSPC;
    m->fstype = type;
    m->flags = flags & KEPT_FLAGS;
    if (!strcmp(type, "proc")) {
        err = procfs_fill(m);
        if (err) {
            if (m->root)
                procfs_destroy(m);
            m->used = false;
            return err;
        }
        attach(m, target, out);
        return 0;
    }
    err = tmpfs_fill(m, &o);
    if (!err && !strcmp(type, "devtmpfs")) {
        if (!o.has_mode)
            m->root->mode = LX_S_IFDIR | 0755u;
        err = devfs_populate(m);
        if (err)
            tmpfs_destroy(m);
    }
    if (err) {
        m->used = false;
        return err;
    }
    attach(m, target, out);
    return 0;
}

int mount_vfat(struct bcache *bc, uint32_t flags, const char *opts, struct vnode *target, struct mount **out)
{
    int err = target_ok(target);
    if (err)
        return err;
    if (bcache_mounted(bc))
        return -EBUSY; /* one mount per device (Linux would share the superblock) */
    struct mount *m = slot_new();
    if (!m)
        return -ENOSPC;
    m->fstype = "vfat";
    m->flags = flags & KEPT_FLAGS;
    char msg[160];
    err = fat32_mount(m, bc, opts, msg, sizeof(msg));
    if (err) {
        if (msg[0])
            vfs_logf("vfat: cannot mount: %s", msg);
        m->used = false;
        return err;
    }
    attach(m, target, out);
    return 0;
}

int mount_remount(struct vnode *root, uint32_t flags, const char *opts)
{
    struct mount *m = root->mnt;
    if (root != m->root)
        return -EINVAL;
    if (is_vfat(m)) {
        if ((flags & LX_MS_RDONLY) && !mnt_rdonly(m) && m->writers)
            return -EBUSY;
        int err = fat32_remount(m, flags, opts);
        if (!err)
            m->flags = flags & KEPT_FLAGS;
        return err;
    }
    if (!strcmp(m->fstype, "proc")) {
        m->flags = flags & KEPT_FLAGS; /* nothing to reconfigure */
        return 0;
    }
    struct mount_opts o;
    int err = mount_parse_opts(opts, &o);
    if (err)
        return err;
    /* Linux's sb_prepare_remount_readonly: not while anything is open for writing. */
    if ((flags & LX_MS_RDONLY) && !mnt_rdonly(m) && m->writers)
        return -EBUSY;
    err = tmpfs_reconfigure(m, &o);
    if (err)
        return err;
    m->flags = flags & KEPT_FLAGS;
    return 0;
}

int mount_umount(struct vnode *root, uint32_t flags)
{
    if (flags & ~(LX_MNT_FORCE | LX_MNT_DETACH | LX_MNT_EXPIRE | LX_UMOUNT_NOFOLLOW))
        return -EINVAL;
    if (flags & (LX_MNT_DETACH | LX_MNT_EXPIRE))
        return -EINVAL; /* lazy and expiring umounts are not done (docs/architecture.md) */
    struct mount *m = root->mnt;
    if (root != m->root)
        return -EINVAL;
    if (!m->mountpoint)
        return -EBUSY; /* the root file system holds the vfs's whole namespace */
    if (m->opens || m->children || root->mounted)
        return -EBUSY;
    struct vnode *mp = m->mountpoint;
    if (is_vfat(m))
        fat32_unmount(m); /* writes back what is dirty; an I/O error is logged, the umount goes on */
    else if (!strcmp(m->fstype, "proc"))
        procfs_destroy(m);
    else
        tmpfs_destroy(m);
    if (m->source)
        meta_free((void *)m->source, strlen(m->source) + 1);
    m->source = NULL;
    mp->mounted = NULL;
    m->parent->children--;
    m->used = false;
    mp->ops->release(mp); /* a covered directory removed meanwhile cannot be: rmdir said EBUSY */
    return 0;
}

int mount_sync_all(void)
{
    int first = 0;
    for (uint32_t i = 0; i < VFS_MOUNTS_MAX; i++) {
        if (is_vfat(&vfs_mounts[i])) {
            int err = fat32_sync(&vfs_mounts[i]);
            if (err && !first)
                first = err;
        }
    }
    return first;
}

int vfs_init(void)
{
    ofile_reset();
    int err = dcache_init();
    if (!err)
        err = mount_root();
    return err;
}

/* The directory path names, made if missing (root's, mode). */
static int dir_at(const char *path, uint32_t mode, struct vnode **out)
{
    static const struct cred root = { 0, 0, 0, NULL, NULL };
    int err = vfs_mkdir(&root, NULL, path, mode);
    if (err && err != -EEXIST)
        return err;
    return resolve(&root, NULL, path, true, out, NULL);
}

static struct mount *dev_mount; /* the devtmpfs at /dev that vfs_mount_standard made */

struct mount *mount_devfs(void)
{
    return dev_mount;
}

int vfs_mount_standard(void)
{
    struct vnode *dev, *tmp;
    int err = dir_at("/dev", 0755, &dev);
    if (!err)
        err = mount_new("devtmpfs", LX_MS_NOSUID, "mode=0755", dev, &dev_mount);
    if (!err)
        err = dir_at("/tmp", 01777, &tmp);
    if (!err)
        err = mount_new("tmpfs", LX_MS_NOSUID | LX_MS_NODEV, "mode=1777", tmp, NULL);
    return err;
}
