/*
 * brk, mmap/munmap/mprotect/msync/madvise. Anonymous private memory is
 * demand-zero; anonymous shared memory is a memory object both sides of a
 * fork map; a file's pages come from its server (IO_MAP): a shared mapping
 * maps the very frames the server reads and writes the file through, so
 * mapping and write(2) see each other, and a private one maps them
 * copy-on-write. File pages are mapped when the mapping is made (no fault
 * ever calls a server: copies to user memory happen under spinlocks).
 */
#include "file.h"
#include "sobj.h"
#include "kenix/errno.h"
#include "kenix/io.h"
#include "kenix/linux_abi.h"
#include "kenix/memlayout.h"
#include "kenix/vfs.h"
#include "../core/memobj.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/frames.h"
#include "../mm/heap.h"
#include "../mm/vmspace.h"

#define MAP_BATCH 512 /* pages asked for in one IO_MAP: 4 KiB of answer */

/* Bytes of [start, start + len) already in areas (a MAP_FIXED replaces them). */
static uint64_t mapped_within(const struct vmspace *vs, uint64_t start, uint64_t len)
{
    uint64_t end = start + len, n = 0;
    for (const struct vm_area *a = vs->areas; a && a->start < end; a = a->next)
        if (a->end > start)
            n += (a->end < end ? a->end : end) - (a->start > start ? a->start : start);
    return n;
}

/* Whether the space may grow by len bytes, replacing `replaced`, under RLIMIT_AS. */
static bool as_allows(const struct vmspace *vs, uint64_t len, uint64_t replaced)
{
    uint64_t limit = current_process()->rlim[RLIMIT_AS].rlim_cur;
    uint64_t total = vs->total_vm - replaced;
    return limit == RLIM_INFINITY || (total <= limit && len <= limit - total);
}

static uint64_t page_up(uint64_t a)
{
    return (a + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

static unsigned vm_prot(uint64_t prot)
{
    return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE | VM_READ : 0) |
           (prot & PROT_EXEC ? VM_EXEC | VM_READ : 0);
}

long sys_brk(struct trap_frame *f)
{
    struct vmspace *vs = current_process()->vm;
    uint64_t want = f->x[0];
    /* Linux returns the current break on any failure; musl checks for that. */
    if (want < vs->brk_start || want >= USER_MMAP_BASE)
        return (long)vs->brk;
    uint64_t old_end = page_up(vs->brk), new_end = page_up(want);
    if (new_end > old_end && (!as_allows(vs, new_end - old_end, 0) ||
                              vmspace_add_area(vs, old_end, new_end - old_end, VM_READ | VM_WRITE) != 0))
        return (long)vs->brk;
    if (new_end < old_end)
        vmspace_remove(vs, new_end, old_end - new_end);
    vs->brk = want;
    return (long)want;
}

long file_frames(struct sobj *o, uint64_t off, uint64_t n, bool write, uint64_t *frames)
{
    struct kcall kc = {
        .msg = { .label = IO_MAP, .w = { o->cookie, off, n, write ? IO_MAP_WRITE : 0 } },
        .recv = { 0, (uint64_t)frames, n * sizeof(uint64_t) },
        .map_frames = true,
        .map_write = write,
    };
    long err = sobj_call(o, &kc);
    if (!err)
        err = sobj_result(o, &kc, n);
    uint64_t got = err > 0 ? (uint64_t)err : 0;
    if (err >= 0)
        err = kc.map_error;
    if (!err && kc.recv_len < got * sizeof(uint64_t))
        err = -EIO; /* claimed pages it did not describe */
    /* The answer's references past what the count claims, or all of them on
     * an error, are the caller's to drop: dropped here. */
    uint64_t described = kc.recv_len / sizeof(uint64_t);
    if (described > n)
        described = n;
    for (uint64_t i = err ? 0 : got; i < described; i++)
        if (frames[i])
            frame_unref(frames[i]);
    if (err == -ENOSYS || err == -EINVAL)
        return -ENODEV; /* a server whose objects cannot be mapped */
    return err ? err : (long)got;
}

long map_file_pages(struct vmspace *vs, struct sobj *o, uint64_t addr, uint64_t off, uint64_t len,
                    bool shared_write, uint64_t *mapped)
{
    if (mapped)
        *mapped = 0;
    uint64_t *frames = kmalloc(MAP_BATCH * sizeof(uint64_t));
    if (!frames)
        return -ENOMEM;
    long err = 0;
    for (uint64_t done = 0; done < len;) {
        uint64_t want = (len - done) / PAGE_SIZE < MAP_BATCH ? (len - done) / PAGE_SIZE : MAP_BATCH;
        long got = file_frames(o, off + done, want, shared_write, frames);
        if (got < 0) {
            err = got;
            break;
        }
        /* The answer's references become the mappings', a run of pages at a
         * time (a hole, 0, has no page: nothing is mapped there); those not
         * mapped are dropped. */
        for (uint64_t i = 0; i < (uint64_t)got;) {
            uint64_t end = i, taken = 0;
            while (end < (uint64_t)got && frames[end])
                end++;
            if (!err && end > i)
                err = vmspace_map_frames(vs, addr + done + i * PAGE_SIZE, frames + i, end - i, &taken);
            for (uint64_t j = i + taken; j < (end > i ? end : i + 1); j++)
                if (frames[j])
                    frame_unref(frames[j]);
            i = end > i ? end : i + 1;
        }
        if (err)
            break;
        if (mapped)
            *mapped = done + (uint64_t)got * PAGE_SIZE;
        if ((uint64_t)got < want)
            break; /* the end of the file: the rest of the area has no pages */
        done += (uint64_t)got * PAGE_SIZE;
    }
    kfree(frames);
    return err;
}

/* What a descriptor may be mapped as: 0, or why not (Linux's checks). */
static long file_map_check(struct file *file, uint64_t prot, uint64_t flags)
{
    if (file->flags & O_PATH)
        return -EBADF;
    uint32_t acc = file->flags & O_ACCMODE;
    if (acc == O_WRONLY)
        return -EACCES; /* every mapping reads */
    if ((flags & MAP_SHARED) && (prot & PROT_WRITE) && (acc != O_RDWR || (file->flags & O_APPEND)))
        return -EACCES;
    return 0;
}

long sys_mmap(struct trap_frame *f)
{
    uint64_t addr = f->x[0], len = f->x[1], prot = f->x[2], flags = f->x[3], off = f->x[5];
    int fd = (int32_t)f->x[4];
    struct process *p = current_process();
    struct vmspace *vs = p->vm;
    bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    uint64_t type = flags & (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE);
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    bool shared = type != MAP_PRIVATE;
    if (len == 0 || page_up(len) < len || (fixed && (addr & (PAGE_SIZE - 1))))
        return -EINVAL; /* a hint need not be aligned: it is only a hint (and unused) */
    if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
        return -EINVAL;
    if ((prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
        return -ENOTSUP; /* W^X: never writable and executable (vmspace.h) */
    struct file *file = 0;
    struct sobj *node = 0;
    if (!(flags & MAP_ANONYMOUS)) {
        if (off & (PAGE_SIZE - 1))
            return -EINVAL;
        file = fd_file(p->files, fd);
        if (!file)
            return -EBADF;
        long err = file_map_check(file, prot, flags);
        if (err)
            return err;
        if (page_up(len) + off < off || (int64_t)(page_up(len) + off) < 0)
            return -EOVERFLOW;
        node = file->node;
        if (kdev_is_zero(file)) {
            node = 0; /* /dev/zero: anonymous memory, as Linux */
            flags |= MAP_ANONYMOUS;
        } else if (!node || file->ops != &sobj_seekable_ops) {
            return -ENODEV; /* pipes, other devices: nothing to map */
        }
    }
    len = page_up(len);
    if (fixed && (addr + len > USER_TOP || addr + len < addr))
        return -ENOMEM;
    if (fixed && addr == 0)
        return -EPERM; /* Linux: below mmap_min_addr */
    if (!as_allows(vs, len, (flags & MAP_FIXED) ? mapped_within(vs, addr, len) : 0))
        return -ENOMEM;
    if (fixed) {
        if (flags & MAP_FIXED)
            vmspace_remove(vs, addr, len); /* MAP_FIXED replaces what was there */
    } else {
        addr = vmspace_find_free(vs, len);
        if (!addr)
            return -ENOMEM;
    }
    if ((flags & MAP_ANONYMOUS) && shared) {
        /* Shared anonymous memory: an object both sides of a fork map. */
        if (len > MEMOBJ_MAX_SIZE)
            return -ENOMEM;
        struct memobj *m = memobj_create(len, 0);
        if (!m)
            return -ENOMEM;
        int err = vmspace_map_object(vs, addr, m, 0, len, vm_prot(prot), VM_READ | VM_WRITE | VM_EXEC);
        kobject_put(&m->obj);
        if (err)
            return err == -EEXIST || err == -ENOTSUP ? err : -ENOMEM;
        return (long)addr;
    }
    int err = vmspace_add_area(vs, addr, len, vm_prot(prot));
    if (err)
        return err == -EEXIST || err == -ENOTSUP ? err : -ENOMEM;
    if (node) {
        struct vm_area *a = vmspace_find(vs, addr);
        a->shared = shared;
        file_get(file); /* the server may be slow; a close meanwhile must not free it */
        uint64_t mapped = 0;
        long r = map_file_pages(vs, node, addr, off, len, shared && (prot & PROT_WRITE), &mapped);
        file_put(file);
        if (r) {
            vmspace_remove(vs, addr, len);
            return r;
        }
        a = vmspace_find(vs, addr); /* the process's one thread waited: nobody else changed the areas */
        a->file_end = addr + page_up(mapped);
    }
    return (long)addr;
}

/* msync(addr, len, flags): the pages of a shared mapping are the file's own
 * (its server reads and writes through them), so nothing is left to write
 * back to the server; a disk file system will flush its cache on fsync. */
long sys_msync(struct trap_frame *f)
{
    uint64_t addr = f->x[0], len = f->x[1], flags = f->x[2];
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
        return -EINVAL;
    if ((flags & MS_ASYNC) && (flags & MS_SYNC))
        return -EINVAL;
    uint64_t end = addr + page_up(len);
    if (page_up(len) < len || end < addr)
        return -ENOMEM;
    if (len == 0)
        return 0;
    struct vmspace *vs = current_process()->vm;
    return mapped_within(vs, addr, end - addr) == end - addr ? 0 : -ENOMEM;
}

long sys_munmap(struct trap_frame *f)
{
    uint64_t addr = f->x[0], len = f->x[1];
    if ((addr & (PAGE_SIZE - 1)) || len == 0)
        return -EINVAL;
    return vmspace_remove(current_process()->vm, addr, len);
}

long sys_mprotect(struct trap_frame *f)
{
    uint64_t addr = f->x[0], len = f->x[1], prot = f->x[2];
    if ((addr & (PAGE_SIZE - 1)) || (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EINVAL;
    if (len == 0)
        return 0;
    return vmspace_protect(current_process()->vm, addr, page_up(len), vm_prot(prot));
}

/* Linux 5.14's prefaulting advice (not in musl 1.2.3's headers). */
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23

/* madvise(addr, len, advice): advice is accepted; MADV_DONTNEED and
 * MADV_FREE drop the pages of anonymous private memory (MADV_FREE may keep
 * or lose them: dropping is one of its two allowed outcomes), so the next
 * touch finds a fresh zero page; windows onto memory objects and shared file
 * pages keep theirs (a touch would find the same). The program image's
 * segments mapped from the program cache (vm_area.pages) drop theirs too: a
 * touch maps the file's page again, as Linux. The rest of the image below the
 * initial break keeps its pages: they hold the file's bytes, which Linux
 * would read again from the file and the kernel cannot. MADV_POPULATE_READ/WRITE
 * fault the range in now, failing with -ENOMEM when memory runs out -- the
 * way a server commits memory without risking a fault it cannot survive.
 * Unmapped parts: -ENOMEM, after the mapped ones were done (as Linux). */
long sys_madvise(struct trap_frame *f)
{
    uint64_t addr = f->x[0], len = f->x[1], advice = f->x[2];
    struct vmspace *vs = current_process()->vm;
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    uint64_t end = addr + page_up(len);
    if (page_up(len) < len || end < addr || end > USER_TOP)
        return -EINVAL;
    switch (advice) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_DONTFORK: case MADV_DOFORK: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP: case MADV_DODUMP: case MADV_DONTNEED: case MADV_FREE:
    case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
        break;
    default:
        return -EINVAL; /* MADV_REMOVE needs a file system's shared memory */
    }
    if (len == 0)
        return 0;
    bool whole = mapped_within(vs, addr, end - addr) == end - addr;
    if (advice == MADV_DONTNEED || advice == MADV_FREE) {
        vmspace_drop_pages(vs, addr, end, vs->brk_start);
    } else if (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE) {
        for (const struct vm_area *a = vs->areas; a && a->start < end; a = a->next) {
            if (a->end <= addr)
                continue;
            int err = vmspace_populate_range(vs, a->start > addr ? a->start : addr, a->end < end ? a->end : end,
                                             advice == MADV_POPULATE_WRITE);
            if (err)
                return err == -EFAULT ? -EINVAL : err; /* not readable/writable: EINVAL, as Linux */
        }
    }
    return whole ? 0 : -ENOMEM;
}
