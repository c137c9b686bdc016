/*
 * User address spaces: a TTBR0 translation table with an ASID, and the list
 * of areas (VMAs) that say what may be mapped where. Pages of an area are
 * mapped on first touch (demand-zero) or populated eagerly by the loader.
 * Frames carry reference counts (struct frame) so copy-on-write can share them.
 */
#ifndef KENIX_MM_VMSPACE_H
#define KENIX_MM_VMSPACE_H

#include <stdbool.h>
#include <stdint.h>

#define USER_TOP 0x0001000000000000ull   /* TTBR0 covers 48 bits */
#define USER_STACK_TOP 0x0000fffffffff000ull
#define USER_STACK_SIZE (8ull << 20)
#define USER_MMAP_BASE 0x0000400000000000ull

#define VM_READ 1u
#define VM_WRITE 2u
#define VM_EXEC 4u

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
};

struct vmspace {
    uint64_t root_pa;
    uint16_t asid;
    struct vm_area *areas;
    uint64_t brk_start, brk;
    uint64_t resident_pages;
};

struct vmspace *vmspace_create(void);
void vmspace_destroy(struct vmspace *vs);
/* Installs TTBR0 with the space's ASID (inline: every switch between processes does it). */
static inline void vmspace_activate(const struct vmspace *vs)
{
    __asm__ volatile("msr ttbr0_el1, %0\n isb" ::"r"(vs->root_pa | ((uint64_t)vs->asid << 48)) : "memory");
}
/* Declares an area; refuses (-EEXIST) overlaps and ranges outside user space. */
int vmspace_add_area(struct vmspace *vs, uint64_t start, uint64_t len, unsigned prot);
/* Maps [off, off + len) of a memory object at va (a new area); takes a reference. */
int vmspace_map_object(struct vmspace *vs, uint64_t va, struct memobj *m, uint64_t off, uint64_t len,
                       unsigned prot, unsigned max_prot);
/* Unmaps and forgets [start, start + len), freeing frames; splits areas. */
int vmspace_remove(struct vmspace *vs, uint64_t start, uint64_t len);
/* Changes the protection of [start, start + len) (mprotect semantics). */
int vmspace_protect(struct vmspace *vs, uint64_t start, uint64_t len, unsigned prot);
struct vm_area *vmspace_find(struct vmspace *vs, uint64_t addr);
/* Maps a zeroed frame at the page containing va (inside an area); returns its kernel address. */
void *vmspace_populate(struct vmspace *vs, uint64_t va);
/* Resolves a fault at `addr` (demand-zero); 0 if fixed, -EFAULT if the access is not allowed. */
int vmspace_fault(struct vmspace *vs, uint64_t addr, bool write, bool exec);
/* Finds room for len bytes in the mmap region. */
uint64_t vmspace_find_free(struct vmspace *vs, uint64_t len);

#endif
