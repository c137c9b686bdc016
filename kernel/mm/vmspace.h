/*
 * User address spaces: a TTBR0 translation table with an ASID, and the list
 * of areas (VMAs) that say what may be mapped where. Pages of an area are
 * mapped on first touch (demand-zero) or populated eagerly by the loader.
 *
 * Private pages are shared copy-on-write after fork: both spaces map the
 * frame read-only and the frame's reference count says how many do; the
 * first write (a user store, or the kernel writing on the user's behalf)
 * gets a private copy, or just write access back if nobody else shares it.
 *
 * Every operation on a range walks the translation tables, skipping tables
 * that are not there: its work is proportional to what is mapped, not to
 * the size of the range named (an untouched 256 GiB mapping unmaps at once).
 *
 * W^X: no user page is ever both writable and executable. Asking for both
 * (mmap, mprotect, kx_mem_map, an ELF segment) is refused with -ENOTSUP, a
 * deliberate difference from Linux (as OpenBSD).
 *
 * Ownership. A space belongs to the processes that share it (refs: one,
 * or two while a vfork child borrows its parent's); only their threads change
 * it, and while a vfork child runs in it its parent is blocked.
 */
#ifndef KENIX_MM_VMSPACE_H
#define KENIX_MM_VMSPACE_H

#include <stdbool.h>
#include <stdint.h>

#define USER_TOP 0x0001000000000000ull   /* TTBR0 covers 48 bits */
#define USER_STACK_TOP 0x0000fffffffff000ull
#define USER_STACK_SIZE (8ull << 20)     /* the default; RLIMIT_STACK decides at load */
#define USER_MMAP_BASE 0x0000400000000000ull
#define USER_IMAGE_LIMIT USER_MMAP_BASE  /* programs are loaded below the mmap region */

#define VM_READ 1u
#define VM_WRITE 2u
#define VM_EXEC 4u

struct file_pages;
struct memobj;

struct vm_area {
    uint64_t start, end; /* page aligned, [start, end) */
    unsigned prot;       /* VM_READ | VM_WRITE | VM_EXEC */
    struct vm_area *next; /* sorted by address */
    /* A window onto a memory object or device region (kx_mem_map): its pages
     * belong to the object (a reference is held), are mapped when the area is
     * made, and mprotect cannot exceed max_prot (what the handle allowed). */
    struct memobj *obj;
    uint64_t obj_off;    /* object offset of `start` */
    unsigned max_prot;
    bool device;         /* Device-nGnRE memory, never touched by the kernel */
    /* MAP_SHARED file pages (sys_mm.c): each mapped frame holds a reference of
     * its own, writes go to the frame itself (no copy-on-write; the file's
     * server sees them), fork shares them, and no page is made on a fault. */
    bool shared;
    /* A file mapping made by mmap (sys_mm.c): the first address past the
     * file's last page when it was mapped. Pages below it are the file's (or
     * its holes); a touch at or above it is SIGBUS (Linux's rule for a page
     * wholly past the end of the file), and no page is made there. 0: not a
     * file mapping. */
    uint64_t file_end;
    /* A private area whose pages below pages_end are a file's (a program's
     * segment, exec.c): a fault there maps the file's frame copy-on-write,
     * with the file's other pages around it (fault-around), and never asks
     * the server; a hole, or a page past what the file had, reads as zero,
     * as does everything from pages_end on. pages_first: the file's page at
     * `start`. A reference on `pages` is held. NULL: not file-backed. */
    struct file_pages *pages;
    uint64_t pages_first, pages_end;
    /* [touched_lo, touched_hi): the only part of the area that may have page
     * table entries (a bound that only grows; empty while lo >= hi). Walks
     * (fork, unmap, mprotect) look there only: an 8 MiB stack with three
     * pages costs three entries, not a table of 512. */
    uint64_t touched_lo, touched_hi;
};

struct vmspace {
    unsigned refs;
    uint64_t root_pa;
    uint16_t asid;
    struct vm_area *areas;
    struct vm_area *recent[2];  /* vmspace_find's last two answers (most recent first): copies to
                                 * and from a server alternate between its stack and its buffers */
    uint64_t brk_start, brk;
    uint64_t stack_bottom;   /* lowest address of the stack area; mmap stays below */
    uint64_t vdso_base;      /* where exec mapped the vDSO (posix/vdso.c), 0: none; kept even if
                              * the program unmaps it, as Linux's mm->context.vdso */
    uint64_t arg_start, arg_end, env_start, env_end; /* the program's argument and environment
                                                      * strings (exec; /proc/<pid>/cmdline) */
    uint64_t total_vm;       /* bytes of all areas (RLIMIT_AS) */
    uint64_t resident_pages;
    uint64_t max_resident;   /* ru_maxrss */
    uint64_t faults;         /* pages faulted in (ru_minflt) */
    bool had_device;         /* a device window was mapped here once: user copies then walk the
                              * tables in software (uaccess.c), which refuses device registers */
    uint64_t *tables;        /* every translation table page below the root, to free at the end */
    unsigned ntables, tables_cap;
};

struct vmspace *vmspace_create(void);
/* A copy for a forked child: areas copied, private pages shared copy-on-write
 * (one TLB flush of the parent's ASID), object windows shared, device
 * windows left out. NULL when memory runs out (the parent is unchanged). */
struct vmspace *vmspace_fork(struct vmspace *parent);
/* What the space's resident pages are (sysinfo). *object_pages: pages of the
 * memory objects it maps (kx_mem_map; device regions and borrowed memory left
 * out), which resident_pages does not count. With walk, *shared_pages: of
 * resident_pages, those another holder has too (a file's cached pages, pages
 * shared copy-on-write after fork); a walk over what is mapped, else 0. */
void vmspace_usage(struct vmspace *vs, bool walk, uint64_t *object_pages, uint64_t *shared_pages);
struct vmspace *vmspace_get(struct vmspace *vs);
/* Drops a reference; the last one frees everything. */
void vmspace_put(struct vmspace *vs);
void vmspace_destroy(struct vmspace *vs);
/* The space TTBR0 holds, while its user memory may be reached through the
 * MMU (uaccess.h): NULL once it has held a device window, or when it is
 * destroyed. Only vmspace_activate sets it. One CPU, as sched's fp_owner. */
extern const struct vmspace *uaccess_space;

/* Installs TTBR0 with the space's ASID (inline: every switch between processes does it). */
static inline void vmspace_activate(const struct vmspace *vs)
{
    __asm__ volatile("msr ttbr0_el1, %0\n isb" ::"r"(vs->root_pa | ((uint64_t)vs->asid << 48)) : "memory");
    uaccess_space = vs->had_device ? 0 : vs;
}
/* Declares an area; refuses (-EEXIST) overlaps and ranges outside user space,
 * (-ENOTSUP) writable and executable. */
int vmspace_add_area(struct vmspace *vs, uint64_t start, uint64_t len, unsigned prot);
/* Maps [off, off + len) of a memory object at va (a new area); takes a reference. */
int vmspace_map_object(struct vmspace *vs, uint64_t va, struct memobj *m, uint64_t off, uint64_t len,
                       unsigned prot, unsigned max_prot);
/* Unmaps and forgets [start, start + len), releasing frames; splits areas. */
int vmspace_remove(struct vmspace *vs, uint64_t start, uint64_t len);
/* Changes the protection of [start, start + len) (mprotect semantics). */
int vmspace_protect(struct vmspace *vs, uint64_t start, uint64_t len, unsigned prot);
struct vm_area *vmspace_find(struct vmspace *vs, uint64_t addr);
/* The kernel address of the page holding va, for an access `need` (VM_READ or
 * VM_WRITE) the area allows: faulted in as a user access would be (demand-zero,
 * copy-on-write). -EFAULT if the access is not allowed, -ENOMEM if no page. */
int vmspace_page(struct vmspace *vs, uint64_t va, unsigned need, uint8_t **page);
/* Maps a zeroed frame at the page containing va (inside an anonymous area,
 * not one backed by a file's pages); returns its kernel address. */
void *vmspace_populate(struct vmspace *vs, uint64_t va);
/* Resolves a user fault at `addr`: 0 if fixed, -EFAULT if the access is not
 * allowed, -ENOMEM if no memory. `permission`: the page is mapped, the access
 * was not allowed by its entry (a copy-on-write write, or a real violation). */
int vmspace_fault(struct vmspace *vs, uint64_t addr, bool write, bool exec, bool permission);
/* Finds room for len bytes in the mmap region. */
uint64_t vmspace_find_free(struct vmspace *vs, uint64_t len);

/* Maps the frames pa[0..n) at va, va + PAGE_SIZE, ... inside one existing
 * area (not a memory object's window). Each mapping takes over a reference
 * the caller holds: *mapped says how many did (the first ones); the caller
 * keeps the references of the rest. A private area maps them copy-on-write
 * (a write makes a copy), a shared one as the area allows. -EEXIST if a page
 * is there, -ENOMEM, -EINVAL (no area, or the run leaves it). */
int vmspace_map_frames(struct vmspace *vs, uint64_t va, const uint64_t *pa, uint64_t n, uint64_t *mapped);
/* Makes the pages of the private area starting at va (made by
 * vmspace_add_area, nothing mapped yet) below `end` come from fp's pages
 * from `first` on, lazily (vm_area.pages); takes a reference on fp. -EINVAL
 * if no area starts at va or it is not a plain private one. */
int vmspace_attach_pages(struct vmspace *vs, uint64_t va, struct file_pages *fp, uint64_t first, uint64_t end);
/* Unmaps the private pages of [start, end) (not windows, not shared pages,
 * not those of a file mapping made by mmap, nor those of areas below
 * `image_end` that hold a file's bytes without being backed by its pages),
 * keeping the areas: the next touch finds a fresh zero page, or the file's
 * page (vm_area.pages) (MADV_DONTNEED). */
int vmspace_drop_pages(struct vmspace *vs, uint64_t start, uint64_t end, uint64_t image_end);
/* Faults in every page of [start, end) as a write (or read) would:
 * -ENOMEM when memory runs out (what was made stays), -EFAULT where the
 * range is not mapped for it (MADV_POPULATE_*). */
int vmspace_populate_range(struct vmspace *vs, uint64_t start, uint64_t end, bool write);
/* The frames a server offers at va[0..n) of its own space (an IO_MAP
 * answer; 0 is a hole and gives 0), into pa[], each with a reference taken
 * for the caller: a present page of its own (not a device region, not
 * borrowed memory such as the initrd, not a copy-on-write page shared with a
 * fork), readable, and writable if `write`. -EFAULT if any is not, and then
 * no reference is kept. pa may be va (resolved in place). */
long vmspace_frames_at(struct vmspace *vs, const uint64_t *va, uint64_t n, bool write, uint64_t *pa);

#endif
