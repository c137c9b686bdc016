#include "uaccess.h"

#include "kenix/errno.h"
#include "kenix/memlayout.h"
#include "kenix/string.h"
#include "vmspace.h"

/* Kernel address of user address va in *out, faulting the page in as a user
 * access would (demand-zero, copy-on-write for writes): 0, -EFAULT (no such
 * access allowed) or -ENOMEM (allowed, but no memory to back the page: a
 * valid pointer is not reported as a bad one). */
static int user_byte(struct vmspace *vs, uint64_t va, unsigned need, uint8_t **out)
{
    uint8_t *page;
    int err = vmspace_page(vs, va, need, &page);
    if (err)
        return err;
    *out = page + (va & (PAGE_SIZE - 1));
    return 0;
}

/* uaccess.S: strings through the MMU, for the running space only. */
long uaccess_string(char *dst, uint64_t usrc, size_t max);

static inline bool through_mmu(const struct vmspace *vs)
{
    return vs == uaccess_space;
}

/* The software walk: another space's memory, or one that held a device. */
static int copy_user(struct vmspace *vs, uint64_t uaddr, void *kbuf, size_t n, bool to_user)
{
    if (n && (uaddr + n < uaddr || uaddr + n > USER_TOP))
        return -EFAULT;
    uint8_t *k = kbuf;
    while (n) {
        size_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        uint8_t *u;
        int err = user_byte(vs, uaddr, to_user ? VM_WRITE : VM_READ, &u);
        if (err)
            return err;
        if (to_user)
            memcpy(u, k, chunk);
        else
            memcpy(k, u, chunk);
        uaddr += chunk;
        k += chunk;
        n -= chunk;
    }
    return 0;
}

int copy_from_user_walk(struct vmspace *vs, void *dst, uint64_t usrc, size_t n)
{
    return copy_user(vs, usrc, dst, n, false);
}

int copy_to_user_walk(struct vmspace *vs, uint64_t udst, const void *src, size_t n)
{
    return copy_user(vs, udst, (void *)src, n, true);
}

/* Scans the user string at usrc a page at a time for its NUL, copying what it
 * passes into dst unless dst is NULL: the string's length with its NUL if
 * that is at most max, else max + 1; -EFAULT or -ENOMEM. One page lookup per
 * page, not per byte: paths, argv and envp strings go this way. */
static long user_string(struct vmspace *vs, char *dst, uint64_t usrc, size_t max)
{
    size_t done = 0;
    while (done < max) {
        uint8_t *u;
        int err = user_byte(vs, usrc + done, VM_READ, &u);
        if (err)
            return err;
        size_t chunk = PAGE_SIZE - ((usrc + done) & (PAGE_SIZE - 1));
        if (chunk > max - done)
            chunk = max - done;
        size_t n = strnlen((const char *)u, chunk);
        if (dst)
            memcpy(dst + done, u, n < chunk ? n + 1 : n);
        if (n < chunk)
            return (long)(done + n + 1);
        done += chunk;
    }
    return (long)max + 1;
}

long strncpy_from_user(struct vmspace *vs, char *dst, uint64_t usrc, size_t max)
{
    /* The MMU path reads no further than the walk would: max bytes, or up to
     * the first address it would refuse (USER_TOP), whichever comes first. */
    bool mmu = through_mmu(vs) && usrc < USER_TOP;
    size_t reach = mmu && max > USER_TOP - usrc ? USER_TOP - usrc : max;
    long n = mmu ? uaccess_string(dst, usrc, reach) : user_string(vs, dst, usrc, max);
    if (mmu && n == (long)reach + 1 && reach < max)
        return -EFAULT; /* ran into the top of user space without a NUL */
    if (n < 0)
        return n;
    return n > (long)max ? -ENAMETOOLONG : n - 1;
}

long strnlen_user(struct vmspace *vs, uint64_t usrc, size_t max)
{
    return user_string(vs, 0, usrc, max);
}

int copy_user_to_user(struct vmspace *dvs, uint64_t dst, struct vmspace *svs, uint64_t src, size_t n,
                      bool *dst_faulted)
{
    *dst_faulted = false;
    if (n && (src + n < src || src + n > USER_TOP))
        return -EFAULT;
    if (n && (dst + n < dst || dst + n > USER_TOP)) {
        *dst_faulted = true;
        return -EFAULT;
    }
    while (n) {
        /* The largest piece that stays within one page on both sides. */
        size_t chunk = PAGE_SIZE - (src & (PAGE_SIZE - 1));
        size_t dchunk = PAGE_SIZE - (dst & (PAGE_SIZE - 1));
        if (dchunk < chunk)
            chunk = dchunk;
        if (chunk > n)
            chunk = n;
        uint8_t *s, *d;
        int err = user_byte(svs, src, VM_READ, &s);
        if (err)
            return err;
        err = user_byte(dvs, dst, VM_WRITE, &d);
        if (err) {
            *dst_faulted = true;
            return err;
        }
        memcpy(d, s, chunk);
        src += chunk;
        dst += chunk;
        n -= chunk;
    }
    return 0;
}
