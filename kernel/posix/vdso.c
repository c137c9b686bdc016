/*
 * Mapping the vDSO (vdso.h). Where: the data page, then the vDSO's pages,
 * then one unmapped page, just below the stack area -- the top of the mmap
 * region, which fills from the bottom (vmspace_find_free), so the two stay
 * out of the way of ordinary mappings as Linux's sit at the top of its mmap
 * area. The vDSO finds the data page one page below itself (vdso.lds).
 *
 * The windows' highest protection is their mapping's (read for the data,
 * read and execute for the code): mprotect cannot make either writable
 * (EACCES; Linux would make the code a private copy). What a process does to
 * them is its own: munmap just loses them, a MAP_FIXED mapping over them
 * replaces them in that process only, and the kernel's copy -- kernel image
 * pages, reached by the kernel through its own mapping -- is never touched.
 * Borrowed objects: no frame is taken from the allocator, none is freed, and
 * a server cannot hand these pages on (vmspace_frames_at).
 */
#include "vdso.h"

#include "kenix/memlayout.h"
#include "kenix/panic.h"
#include "../arch/aarch64/mmu.h"
#include "../arch/aarch64/timer.h"
#include "../core/memobj.h"
#include "../lib/elf.h"
#include "../mm/vmspace.h"

extern const char vdso_image_start[], vdso_image_end[]; /* vdso_image.S */

static struct memobj *vdso_text, *vdso_vvar;
static uint64_t sigreturn_offset; /* of __kernel_rt_sigreturn in the image */

void vdso_init(void)
{
    uint64_t len = (uint64_t)(vdso_image_end - vdso_image_start);
    vdso_text = memobj_borrow(virt_to_phys(vdso_image_start), len, KX_OBJ_MEMORY);
    vdso_vvar = memobj_borrow(virt_to_phys(timer_vdso_data()), PAGE_SIZE, KX_OBJ_MEMORY);
    if (!vdso_text || !vdso_vvar)
        panic("vdso: no memory for its objects");
    if (elf_dynamic_symbol(vdso_image_start, len, "__kernel_rt_sigreturn", &sigreturn_offset) ||
        sigreturn_offset >= len)
        panic("vdso: no __kernel_rt_sigreturn in the image");
}

uint64_t vdso_sigreturn(const struct vmspace *vs)
{
    return vs->vdso_base ? vs->vdso_base + sigreturn_offset : 0;
}

int vdso_map(struct vmspace *vs, uint64_t *ehdr)
{
    uint64_t text = vs->stack_bottom - PAGE_SIZE - vdso_text->size, vvar = text - PAGE_SIZE;
    int err = vmspace_map_object(vs, vvar, vdso_vvar, 0, PAGE_SIZE, VM_READ, VM_READ);
    if (err)
        return err;
    err = vmspace_map_object(vs, text, vdso_text, 0, vdso_text->size, VM_READ | VM_EXEC, VM_READ | VM_EXEC);
    if (err) {
        vmspace_remove(vs, vvar, PAGE_SIZE);
        return err;
    }
    *ehdr = text;
    vs->vdso_base = text;
    return 0;
}
