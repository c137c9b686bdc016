#include "vmspace.h"

#include "frames.h"
#include "heap.h"
#include "kenix/errno.h"
#include "kenix/memlayout.h"
#include "kenix/panic.h"
#include "kenix/string.h"
#include "../arch/aarch64/mmu.h"
#include "../core/memobj.h"

#define ASID_LIMIT 65536 /* 16-bit ASIDs where the CPU has them (TCR_EL1.AS), else 256 */

/* One bit per ASID in use. ASID 0 belongs to the empty table installed when no
 * process runs, so it is never handed out. A freed ASID is reused only after its
 * TLB entries are invalidated (vmspace_destroy), so no two live address spaces
 * ever share one. */
static uint64_t asid_used[ASID_LIMIT / 64] = { 1 };

static uint64_t page_down(uint64_t a) { return a & ~(uint64_t)(PAGE_SIZE - 1); }
static uint64_t page_up(uint64_t a) { return (a + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1); }

static unsigned asid_count(void)
{
    return (read_sysreg(tcr_el1) & (1ull << 36)) ? 65536 : 256;
}

static int asid_alloc(void)
{
    unsigned limit = asid_count();
    for (unsigned w = 0; w < limit / 64; w++) {
        if (asid_used[w] == ~0ull)
            continue;
        unsigned bit = (unsigned)__builtin_ctzll(~asid_used[w]);
        asid_used[w] |= 1ull << bit;
        return (int)(w * 64 + bit);
    }
    return -1;
}

static void asid_free(uint16_t asid)
{
    asid_used[asid / 64] &= ~(1ull << (asid % 64));
}

struct vmspace *vmspace_create(void)
{
    struct vmspace *vs = kzalloc(sizeof(*vs));
    if (!vs)
        return 0;
    int asid = asid_alloc();
    vs->root_pa = asid >= 0 ? pt_alloc_table() : 0;
    if (!vs->root_pa) {
        if (asid >= 0)
            asid_free((uint16_t)asid);
        kfree(vs);
        return 0;
    }
    vs->asid = (uint16_t)asid;
    return vs;
}

static uint64_t user_prot(unsigned prot, bool device)
{
    uint64_t p = PTE_AF | PTE_NG | PTE_PXN |
                 (device ? PTE_ATTR(MT_DEVICE_nGnRE) | PTE_UXN : PTE_SH_INNER | PTE_ATTR(MT_NORMAL));
    if (!prot)
        p |= PTE_AP_RO_EL1; /* PROT_NONE: keep the contents, deny EL0 */
    else
        p |= (prot & VM_WRITE) ? PTE_AP_RW_ALL : PTE_AP_RO_ALL;
    if (!(prot & VM_EXEC))
        p |= PTE_UXN;
    return p;
}

struct vm_area *vmspace_find(struct vmspace *vs, uint64_t addr)
{
    for (struct vm_area *a = vs->areas; a; a = a->next)
        if (addr >= a->start && addr < a->end)
            return a;
    return 0;
}

int vmspace_add_area(struct vmspace *vs, uint64_t start, uint64_t len, unsigned prot)
{
    uint64_t end = page_up(start + len);
    start = page_down(start);
    if (len == 0 || end <= start || end > USER_TOP || start == 0)
        return -EINVAL;
    struct vm_area **link = &vs->areas;
    while (*link && (*link)->end <= start)
        link = &(*link)->next;
    if (*link && (*link)->start < end)
        return -EEXIST;
    struct vm_area *a = kzalloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->start = start;
    a->end = end;
    a->prot = prot;
    a->max_prot = VM_READ | VM_WRITE | VM_EXEC;
    a->next = *link;
    *link = a;
    return 0;
}

int vmspace_map_object(struct vmspace *vs, uint64_t va, struct memobj *m, uint64_t off, uint64_t len,
                       unsigned prot, unsigned max_prot)
{
    if ((va | off | len) & (PAGE_SIZE - 1) || off + len < off || off + len > m->size)
        return -EINVAL;
    int err = vmspace_add_area(vs, va, len, prot);
    if (err)
        return err;
    struct vm_area *a = vmspace_find(vs, va);
    a->obj = m;
    a->obj_off = off;
    a->max_prot = max_prot;
    a->device = m->obj.type == KX_OBJ_DEVICE;
    kobject_get(&m->obj);
    for (uint64_t done = 0; done < len; done += PAGE_SIZE) {
        uint64_t pa = memobj_page(m, (off + done) / PAGE_SIZE);
        if (pt_map(vs->root_pa, va + done, pa, PAGE_SIZE, user_prot(prot, a->device), false)) {
            vmspace_remove(vs, va, len);
            return -ENOMEM;
        }
    }
    return 0;
}

void *vmspace_populate(struct vmspace *vs, uint64_t va)
{
    va = page_down(va);
    struct vm_area *a = vmspace_find(vs, va);
    if (!a || a->obj)
        return 0; /* object pages are all mapped when the area is made */
    unsigned level;
    pte_t *pte = pt_lookup(vs->root_pa, va, &level);
    if (pte)
        return phys_to_virt(*pte & PTE_ADDR_MASK); /* already there */
    uint64_t pa = frame_alloc(0);
    if (!pa)
        return 0;
    memset(phys_to_virt(pa), 0, PAGE_SIZE);
    if (pt_map(vs->root_pa, va, pa, PAGE_SIZE, user_prot(a->prot, false), false) != 0) {
        frame_free(pa, 0);
        return 0;
    }
    vs->resident_pages++;
    return phys_to_virt(pa);
}

int vmspace_fault(struct vmspace *vs, uint64_t addr, bool write, bool exec)
{
    struct vm_area *a = vmspace_find(vs, addr);
    if (!a || (write && !(a->prot & VM_WRITE)) || (exec && !(a->prot & VM_EXEC)) ||
        (!write && !exec && !(a->prot & VM_READ)))
        return -EFAULT;
    if (a->obj || pt_lookup(vs->root_pa, page_down(addr), 0))
        return -EFAULT; /* mapped already: a permission fault the area does not allow */
    return vmspace_populate(vs, addr) ? 0 : -ENOMEM;
}

static void tlb_flush_page(const struct vmspace *vs, uint64_t va)
{
    __asm__ volatile("dsb ishst\n tlbi vae1is, %0\n dsb ish\n isb" ::"r"(((uint64_t)vs->asid << 48) | (va >> 12))
                     : "memory");
}

static void unmap_area(struct vmspace *vs, struct vm_area *a)
{
    for (uint64_t va = a->start; va < a->end; va += PAGE_SIZE) {
        pte_t *pte = pt_lookup(vs->root_pa, va, 0);
        if (!pte)
            continue;
        uint64_t pa = *pte & PTE_ADDR_MASK;
        *pte = 0;
        tlb_flush_page(vs, va);
        if (!a->obj) {
            frame_free(pa, 0);
            vs->resident_pages--;
        }
    }
    if (a->obj)
        kobject_put(&a->obj->obj);
}

/* Makes `at` an area boundary (if it falls inside an area). */
static int split_at(struct vmspace *vs, uint64_t at)
{
    struct vm_area *a = vmspace_find(vs, at);
    if (!a || a->start == at)
        return 0;
    struct vm_area *tail = kmalloc(sizeof(*tail));
    if (!tail)
        return -ENOMEM;
    *tail = *a;
    tail->start = at;
    if (tail->obj) {
        tail->obj_off += at - a->start;
        kobject_get(&tail->obj->obj);
    }
    a->end = at;
    a->next = tail;
    return 0;
}

int vmspace_remove(struct vmspace *vs, uint64_t start, uint64_t len)
{
    uint64_t end = page_up(start + len);
    if (start & (PAGE_SIZE - 1) || len == 0 || end > USER_TOP || end <= start)
        return -EINVAL;
    if (split_at(vs, start) || split_at(vs, end))
        return -ENOMEM;
    for (struct vm_area **link = &vs->areas; *link;) {
        struct vm_area *a = *link;
        if (a->end <= start || a->start >= end) {
            link = &a->next;
            continue;
        }
        unmap_area(vs, a);
        *link = a->next;
        kfree(a);
    }
    return 0;
}

uint64_t vmspace_find_free(struct vmspace *vs, uint64_t len)
{
    /* First fit from the bottom of the mmap region, so unmapped holes are reused. */
    len = page_up(len);
    uint64_t candidate = USER_MMAP_BASE;
    for (struct vm_area *a = vs->areas; a; a = a->next) {
        if (a->end <= candidate)
            continue;
        if (a->start >= candidate + len)
            break;
        candidate = a->end;
    }
    if (candidate + len > USER_STACK_TOP - USER_STACK_SIZE)
        return 0;
    return candidate;
}

int vmspace_protect(struct vmspace *vs, uint64_t start, uint64_t len, unsigned prot)
{
    uint64_t end = start + len;
    if ((start | len) & (PAGE_SIZE - 1) || end > USER_TOP || end <= start)
        return -EINVAL;
    /* Linux: the whole range must be mapped, else nothing changes and -ENOMEM. */
    uint64_t covered = start;
    for (struct vm_area *a = vs->areas; a && covered < end; a = a->next)
        if (a->start <= covered && a->end > covered)
            covered = a->end;
    if (covered < end)
        return -ENOMEM;
    for (struct vm_area *a = vs->areas; a && a->start < end; a = a->next)
        if (a->end > start && (prot & ~a->max_prot))
            return -EACCES; /* more than the memory object's handle allowed */
    if (split_at(vs, start) || split_at(vs, end))
        return -ENOMEM;
    for (struct vm_area *a = vs->areas; a && a->start < end; a = a->next) {
        if (a->end <= start)
            continue;
        a->prot = prot;
        for (uint64_t va = a->start; va < a->end; va += PAGE_SIZE) {
            pte_t *pte = pt_lookup(vs->root_pa, va, 0);
            if (!pte)
                continue;
            *pte = (*pte & PTE_ADDR_MASK) | user_prot(prot, a->device) | PTE_TABLE | PTE_VALID;
            tlb_flush_page(vs, va);
        }
    }
    return 0;
}

/* Frees every table page below `table` at `level` (leaf frames are freed by unmap_area). */
static void free_tables(uint64_t table_pa, unsigned level)
{
    pte_t *t = phys_to_virt(table_pa);
    if (level < 3)
        for (unsigned i = 0; i < 512; i++)
            if ((t[i] & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE))
                free_tables(t[i] & PTE_ADDR_MASK, level + 1);
    frame_free(table_pa, 0);
}

void vmspace_destroy(struct vmspace *vs)
{
    vmspace_remove(vs, PAGE_SIZE, USER_TOP - PAGE_SIZE);
    __asm__ volatile("dsb ishst\n tlbi aside1is, %0\n dsb ish\n isb" ::"r"((uint64_t)vs->asid << 48) : "memory");
    asid_free(vs->asid);
    free_tables(vs->root_pa, 0);
    kfree(vs);
}
