/*
 * devtmpfs: a tmpfs that starts with the device nodes, as Linux's devtmpfs
 * is. Opening a character device answers VFS_KIND_CHR with its rdev; the
 * kernel maps the number to its own device (unknown ones are ENXIO there).
 */
#include <errno.h>
#include <string.h>

#include "vfs.h"

static uint64_t encode_dev(uint32_t major, uint32_t minor)
{
    /* Linux's new_encode_dev: what st_rdev holds. */
    return (minor & 0xffu) | ((uint64_t)major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

static const struct {
    const char *name;
    uint32_t mode, major, minor;
} nodes[] = {
    { "null", LX_S_IFCHR | 0666, 1, 3 },    { "zero", LX_S_IFCHR | 0666, 1, 5 },
    { "full", LX_S_IFCHR | 0666, 1, 7 },    { "random", LX_S_IFCHR | 0666, 1, 8 },
    { "urandom", LX_S_IFCHR | 0666, 1, 9 }, { "kmsg", LX_S_IFCHR | 0644, 1, 11 },
    { "tty", LX_S_IFCHR | 0666, 5, 0 },     { "console", LX_S_IFCHR | 0600, 5, 1 },
    { "ttyAMA0", LX_S_IFCHR | 0620, 204, 64 },
    { "shm", LX_S_IFDIR | 01777, 0, 0 },    { "pts", LX_S_IFDIR | 0755, 0, 0 },
};

static const struct {
    const char *name, *target;
} links[] = {
    { "fd", "/proc/self/fd" },
    { "stdin", "/proc/self/fd/0" },
    { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },
};

int devfs_add(struct mount *m, const char *name, uint32_t mode, uint32_t major, uint32_t minor)
{
    static const struct cred root = { 0, 0, 0, NULL, NULL };
    uint32_t len = (uint32_t)strlen(name);
    uint32_t hash = dcache_hash(name, len);
    if (!m)
        return -ENOENT;
    if (dcache_lookup(m->root, name, len, hash))
        return -EEXIST;
    struct vnode *v;
    return tmpfs_ops.create(m->root, name, len, hash, mode, encode_dev(major, minor), &root, &v);
}

int devfs_populate(struct mount *m)
{
    static const struct cred root = { 0, 0, 0, NULL, NULL };
    struct vnode *dir = m->root;
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        uint32_t len = (uint32_t)strlen(nodes[i].name);
        struct vnode *v;
        int err = tmpfs_ops.create(dir, nodes[i].name, len, dcache_hash(nodes[i].name, len), nodes[i].mode,
                                   encode_dev(nodes[i].major, nodes[i].minor), &root, &v);
        if (err)
            return err;
    }
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        uint32_t len = (uint32_t)strlen(links[i].name);
        struct vnode *v;
        int err = tmpfs_ops.symlink(dir, links[i].name, len, dcache_hash(links[i].name, len), links[i].target,
                                    (uint32_t)strlen(links[i].target), &root, &v);
        if (err)
            return err;
    }
    return 0;
}
