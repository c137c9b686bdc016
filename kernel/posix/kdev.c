/*
 * Kernel devices: null, zero, full, random, urandom and the kernel log. They
 * need no server, so `>/dev/null` costs one system call and no IPC. Until the
 * vfs exists, openat knows their paths (kdev_lookup); devfs will then name
 * them and the kernel side stays as it is.
 */
#include "file.h"

#include "kenix/console.h"
#include "kenix/errno.h"
#include "kenix/string.h"
#include "../core/klog.h"
#include "../core/random.h"

#define CHUNK 256

static enum kdev kdev_of(const struct file *f)
{
    return (enum kdev)(uintptr_t)f->priv;
}

/* Fills the reader's buffers with zeros or random bytes. */
static long fill(struct uio *u, bool random)
{
    uint8_t chunk[CHUNK];
    uint64_t want = u->resid > RW_MAX ? RW_MAX : u->resid, done = 0;
    if (!random)
        memset(chunk, 0, sizeof(chunk));
    while (done < want) {
        uint64_t n = want - done < CHUNK ? want - done : CHUNK;
        if (random)
            random_bytes(chunk, n);
        int err = uio_to_user(u, chunk, n);
        if (err) {
            memset(chunk, 0, sizeof(chunk));
            return done ? (long)done : err;
        }
        done += n;
    }
    if (random)
        memset(chunk, 0, sizeof(chunk)); /* no key material left on the stack */
    return (long)done;
}

static long kdev_read(struct file *f, struct uio *u)
{
    switch (kdev_of(f)) {
    case KDEV_ZERO:
    case KDEV_FULL: return fill(u, false);
    case KDEV_RANDOM:
    case KDEV_URANDOM: return fill(u, true);
    default: return 0; /* null and the log: end of file */
    }
}

static long kdev_write(struct file *f, struct uio *u)
{
    uint64_t want = u->resid > RW_MAX ? RW_MAX : u->resid;
    switch (kdev_of(f)) {
    case KDEV_FULL:
        return -ENOSPC;
    case KDEV_KLOG: {
        char chunk[CHUNK];
        uint64_t done = 0;
        while (done < want) {
            uint64_t n = want - done < CHUNK ? want - done : CHUNK;
            int err = uio_from_user(u, chunk, n);
            if (err)
                return done ? (long)done : err; /* a partial write reports what was written */
            console_write_user(chunk, n);
            done += n;
        }
        return (long)done;
    }
    case KDEV_KMSG: {
        /* One write, one message, as Linux's /dev/kmsg: "<N>" in front sets
         * its level (the facility bits above 7 are dropped), else Linux's
         * default message level, warning. Cut at one chunk. */
        char chunk[CHUNK];
        uint64_t n = want < CHUNK ? want : CHUNK;
        int err = uio_from_user(u, chunk, n);
        if (err)
            return err;
        klog_user_message(chunk, (size_t)n);
        return (long)want;
    }
    default:
        /* null swallows everything; writes to random devices would mix in
         * entropy on Linux, here they are accepted and dropped. Buffers are
         * not even read, as Linux's null does not. */
        return (long)want;
    }
}

static long kdev_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    (void)f;
    (void)cmd;
    (void)arg;
    return -ENOTTY;
}

static const struct file_ops kdev_ops = {
    .read = kdev_read,
    .write = kdev_write,
    .ioctl = kdev_ioctl,
    .seekable = true, /* lseek succeeds and changes nothing that matters, as on Linux */
    .st_type = S_IFCHR,
};

uint64_t kdev_rdev(const struct file *f)
{
    static const uint16_t rdev[KDEV_COUNT] = {
        [KDEV_NULL] = 0x103, [KDEV_ZERO] = 0x105,   [KDEV_FULL] = 0x107, [KDEV_RANDOM] = 0x108,
        [KDEV_URANDOM] = 0x109, [KDEV_KLOG] = 0x501, [KDEV_KMSG] = 0x10b,
    };
    return f->ops == &kdev_ops ? rdev[kdev_of(f)] : 0;
}

bool kdev_is_zero(const struct file *f)
{
    return f->ops == &kdev_ops && kdev_of(f) == KDEV_ZERO;
}

struct file *kdev_open(enum kdev dev, uint32_t flags)
{
    return file_alloc(&kdev_ops, (void *)(uintptr_t)dev, flags);
}

int kdev_lookup(const char *path)
{
    static const char *const paths[KDEV_COUNT] = {
        [KDEV_NULL] = "/dev/null", [KDEV_ZERO] = "/dev/zero", [KDEV_FULL] = "/dev/full",
        [KDEV_RANDOM] = "/dev/random", [KDEV_URANDOM] = "/dev/urandom", [KDEV_KLOG] = "/dev/klog",
        [KDEV_KMSG] = "/dev/kmsg",
    };
    for (int i = 0; i < KDEV_COUNT; i++)
        if (!strcmp(path, paths[i]))
            return i;
    return -ENOENT;
}
