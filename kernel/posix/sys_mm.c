/* brk, and anonymous mmap/munmap/mprotect: enough for musl's malloc. */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/memlayout.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/vmspace.h"

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

long sys_mmap(struct trap_frame *f)
{
    uint64_t addr = f->x[0], len = f->x[1], prot = f->x[2], flags = f->x[3];
    struct vmspace *vs = current_process()->vm;
    bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    if (len == 0 || page_up(len) < len || (fixed && (addr & (PAGE_SIZE - 1))))
        return -EINVAL; /* a hint need not be aligned: it is only a hint (and unused) */
    if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
        return -EINVAL;
    if ((prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
        return -ENOTSUP; /* W^X: never writable and executable (vmspace.h) */
    if (!(flags & MAP_ANONYMOUS))
        return -ENODEV; /* file mappings need the VFS */
    if ((flags & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE)
        return -EINVAL; /* shared anonymous memory (inherited by fork) is not there yet */
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
    int err = vmspace_add_area(vs, addr, len, vm_prot(prot));
    if (err)
        return err == -EEXIST || err == -ENOTSUP ? err : -ENOMEM;
    return (long)addr;
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

/* Drops the pages of anonymous private memory in [start, end): the next
 * touch finds zeros, as Linux's MADV_DONTNEED. Windows onto memory objects
 * keep their pages (they are the object's: a touch would find the same), and
 * so does the program image below the initial break: its pages hold the
 * file's bytes, which Linux would read again from the file and the kernel
 * cannot (yet: file mappings). */
static long drop_anonymous(struct vmspace *vs, uint64_t start, uint64_t end)
{
    uint64_t addr = start;
    long gap = 0;
    while (addr < end) {
        struct vm_area *a = vmspace_find(vs, addr);
        if (!a) {
            /* Unmapped: Linux goes on with the rest and says -ENOMEM. */
            gap = -ENOMEM;
            const struct vm_area *n = vs->areas;
            while (n && n->start <= addr)
                n = n->next;
            if (!n || n->start >= end)
                break;
            addr = n->start;
            continue;
        }
        uint64_t piece_end = a->end < end ? a->end : end;
        if (!a->obj && !a->device && a->start >= vs->brk_start) {
            unsigned prot = a->prot;
            long err = vmspace_remove(vs, addr, piece_end - addr);
            if (!err)
                err = vmspace_add_area(vs, addr, piece_end - addr, prot);
            if (err)
                return err;
        }
        addr = piece_end;
    }
    return gap;
}

/* madvise(addr, len, advice): advice is accepted; MADV_DONTNEED and
 * MADV_FREE drop anonymous pages (MADV_FREE may keep or lose them: dropping
 * is one of its two allowed outcomes). */
long sys_madvise(struct trap_frame *f)
{
    uint64_t addr = f->x[0], len = f->x[1];
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    uint64_t end = addr + page_up(len);
    if (page_up(len) < len || end < addr)
        return -EINVAL;
    switch (f->x[2]) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_DONTFORK: case MADV_DOFORK: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP: case MADV_DODUMP:
        return len ? (mapped_within(current_process()->vm, addr, end - addr) == end - addr ? 0 : -ENOMEM) : 0;
    case MADV_DONTNEED: case MADV_FREE:
        return len ? drop_anonymous(current_process()->vm, addr, end) : 0;
    case MADV_REMOVE:
        return -EINVAL; /* only for shared memory of a file system */
    default:
        return -EINVAL;
    }
}
