#include "memobj.h"

#include "kenix/bootinfo.h"
#include "kenix/errno.h"
#include "kenix/printk.h"
#include "kenix/memlayout.h"
#include "kenix/string.h"
#include "handle.h"
#include "process.h"
#include "syscall.h"
#include "../arch/aarch64/mmu.h"
#include "../mm/frames.h"
#include "../mm/heap.h"
#include "../mm/vmspace.h"

static uint64_t pages_for(uint64_t size)
{
    return (size + PAGE_SIZE - 1) / PAGE_SIZE;
}

struct memobj *memobj_create(uint64_t size, unsigned flags)
{
    uint64_t npages = pages_for(size);
    if (npages == 0 || size > MEMOBJ_MAX_SIZE)
        return 0;
    struct memobj *m = kzalloc(sizeof(*m));
    if (!m)
        return 0;
    kobject_init(&m->obj, KX_OBJ_MEMORY);
    m->size = npages * PAGE_SIZE;
    m->flags = flags & MEMOBJ_CONTIGUOUS;
    if (m->flags & MEMOBJ_CONTIGUOUS) {
        while ((1ull << m->order) < npages)
            m->order++;
        m->phys = frame_alloc(m->order);
        if (!m->phys) {
            kfree(m);
            return 0;
        }
        pages_zero(phys_to_virt(m->phys), 1ull << m->order);
        return m;
    }
    m->pages = kzalloc(npages * sizeof(uint64_t));
    if (!m->pages) {
        kfree(m);
        return 0;
    }
    for (uint64_t i = 0; i < npages; i++) {
        m->pages[i] = frame_alloc(0);
        if (!m->pages[i]) {
            memobj_destroy(&m->obj);
            return 0;
        }
        pages_zero(phys_to_virt(m->pages[i]), 1);
    }
    return m;
}

struct memobj *memobj_borrow(uint64_t phys, uint64_t size, enum kx_object_type type)
{
    struct memobj *m = kzalloc(sizeof(*m));
    if (!m)
        return 0;
    kobject_init(&m->obj, type);
    m->phys = phys & ~(uint64_t)(PAGE_SIZE - 1);
    m->size = pages_for(phys + size - m->phys) * PAGE_SIZE;
    m->flags = MEMOBJ_CONTIGUOUS | MEMOBJ_BORROWED;
    return m;
}

void memobj_destroy(struct kobject *o)
{
    struct memobj *m = (struct memobj *)o;
    if (m->flags & MEMOBJ_INITRD) {
        /* Nobody can map it again (no handle, no mapping is left): once the
         * vfs has unpacked it and init let go, its memory is everyone's, as
         * Linux frees an initramfs after unpacking it. */
        uint64_t pages = frames_give_back(boot_info.initrd_start, boot_info.initrd_end - boot_info.initrd_start);
        kprintf("initrd: %lu KiB given back\n", pages * (PAGE_SIZE / 1024));
        boot_info.initrd_start = boot_info.initrd_end = 0;
    }
    if (!(m->flags & MEMOBJ_BORROWED)) {
        if (m->flags & MEMOBJ_CONTIGUOUS) {
            frame_free(m->phys, m->order);
        } else {
            for (uint64_t i = 0; i < m->size / PAGE_SIZE && m->pages[i]; i++)
                frame_free(m->pages[i], 0);
        }
    }
    kfree(m->pages);
    kfree(m);
}

long sys_kx_mem_create(struct trap_frame *f)
{
    uint64_t size = f->x[0];
    if (size == 0 || size > MEMOBJ_MAX_SIZE || (f->x[1] & ~(uint64_t)KX_MEM_CONTIGUOUS))
        return -EINVAL;
    struct memobj *m = memobj_create(size, (unsigned)f->x[1]);
    if (!m)
        return -ENOMEM;
    int h = handle_install(&current_process()->handles, &m->obj, KX_RIGHTS_ALL & ~(KX_RIGHT_SEND | KX_RIGHT_RECV),
                           0, 0);
    kobject_put(&m->obj);
    return h;
}

/* kx_mem_map(handle, offset, length, prot) -> address: maps memory or a device region. */
long sys_kx_mem_map(struct trap_frame *f)
{
    struct process *p = current_process();
    struct handle *h;
    int err = handle_get(&p->handles, f->x[0], 0, KX_RIGHT_READ, &h);
    if (err)
        return err;
    if (h->obj->type != KX_OBJ_MEMORY && h->obj->type != KX_OBJ_DEVICE)
        return -EINVAL;
    struct memobj *m = (struct memobj *)h->obj;
    uint64_t off = f->x[1], len = f->x[2], prot = f->x[3];
    if (prot & ~(uint64_t)(KX_PROT_READ | KX_PROT_WRITE | KX_PROT_EXEC) || len == 0 ||
        (off | len) & (PAGE_SIZE - 1) || off + len < off || off + len > m->size)
        return -EINVAL;
    unsigned max_prot = VM_READ | (h->rights & KX_RIGHT_WRITE ? VM_WRITE : 0) |
                        (h->rights & KX_RIGHT_EXEC && m->obj.type == KX_OBJ_MEMORY ? VM_EXEC : 0);
    unsigned vm = (prot & KX_PROT_READ ? VM_READ : 0) | (prot & KX_PROT_WRITE ? VM_WRITE : 0) |
                  (prot & KX_PROT_EXEC ? VM_EXEC : 0);
    if (vm & ~max_prot)
        return -EPERM;
    uint64_t as = p->rlim[RLIMIT_AS].rlim_cur;
    if (as != RLIM_INFINITY && (p->vm->total_vm > as || len > as - p->vm->total_vm))
        return -ENOMEM; /* RLIMIT_AS counts these windows as mmap does */
    uint64_t va = vmspace_find_free(p->vm, len);
    if (!va)
        return -ENOMEM;
    err = vmspace_map_object(p->vm, va, m, off, len, vm, max_prot);
    return err ? err : (long)va;
}

/* kx_mem_phys(handle) -> physical address of a contiguous memory object (DMA). */
long sys_kx_mem_phys(struct trap_frame *f)
{
    struct handle *h;
    int err = handle_get(&current_process()->handles, f->x[0], KX_OBJ_MEMORY, KX_RIGHT_READ, &h);
    if (err)
        return err;
    struct memobj *m = (struct memobj *)h->obj;
    if (!(m->flags & MEMOBJ_CONTIGUOUS))
        return -EINVAL; /* scattered pages have no single address */
    return (long)m->phys;
}
