#include "vmspace.h"

#include "file_pages.h"
#include "frames.h"
#include "heap.h"
#include "kenix/errno.h"
#include "kenix/memlayout.h"
#include "kenix/panic.h"
#include "kenix/string.h"
#include "../arch/aarch64/mmu.h"
#include "../core/memobj.h"

#define ASID_LIMIT 65536 /* 16-bit ASIDs where the CPU has them (TCR_EL1.AS), else 256 */
#define PT_ENTRIES 512

/* One bit per ASID in use. ASID 0 belongs to the empty table installed when no
 * process runs, so it is never handed out. A freed ASID is reused only after its
 * TLB entries are invalidated (vmspace_destroy), so no two live address spaces
 * ever share one. Changed only by the thread creating or destroying a space
 * (the kernel is not preemptible; on SMP this needs a lock). */
static uint64_t asid_used[ASID_LIMIT / 64] = { 1 };

static uint64_t page_down(uint64_t a) { return a & ~(uint64_t)(PAGE_SIZE - 1); }
static uint64_t page_up(uint64_t a) { return (a + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1); }

static bool wx(unsigned prot)
{
    return (prot & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC);
}

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
    vs->refs = 1;
    vs->stack_bottom = USER_STACK_TOP - USER_STACK_SIZE;
    return vs;
}

struct vmspace *vmspace_get(struct vmspace *vs)
{
    vs->refs++;
    return vs;
}

void vmspace_put(struct vmspace *vs)
{
    if (vs && --vs->refs == 0)
        vmspace_destroy(vs);
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

/* The entry for a private page of an area with `prot`: writable only if the
 * frame is not shared, else read-only until the copy-on-write fault. */
static pte_t private_pte(uint64_t pa, unsigned prot, bool shared)
{
    if (shared && (prot & VM_WRITE))
        prot = (prot & ~VM_WRITE) | VM_READ;
    return pa | user_prot(prot, false) | PTE_TABLE | PTE_VALID;
}

static bool pte_user_writable(pte_t pte)
{
    return (pte & (3ull << 6)) == PTE_AP_RW_ALL;
}

static void tlb_flush_page(const struct vmspace *vs, uint64_t va)
{
    __asm__ volatile("dsb ishst\n tlbi vae1is, %0\n dsb ish\n isb" ::"r"(((uint64_t)vs->asid << 48) | (va >> 12))
                     : "memory");
}

static void tlb_flush_asid(const struct vmspace *vs)
{
    __asm__ volatile("dsb ishst\n tlbi aside1is, %0\n dsb ish\n isb" ::"r"((uint64_t)vs->asid << 48) : "memory");
}

/*
 * Calls fn for every valid leaf entry mapping a page in [start, end), in
 * address order. Missing tables are skipped whole, so the work is the number
 * of tables present under the range, not its size. User tables hold no block
 * mappings (pages only).
 */
typedef int (*pte_fn)(pte_t *pte, uint64_t va, void *ctx);

/* The leaf (level 3) table for va, or NULL with *next set to the end of the
 * span whose table is missing (so the caller skips the whole of it). */
static const pte_t *leaf_table(uint64_t root_pa, uint64_t va, uint64_t *next)
{
    const pte_t *t = phys_to_virt(root_pa);
    for (unsigned shift = 39; shift > PAGE_SHIFT; shift -= 9) {
        pte_t e = t[(va >> shift) & (PT_ENTRIES - 1)];
        if (!(e & PTE_VALID)) {
            uint64_t span_end = (va | ((1ull << shift) - 1)) + 1;
            *next = span_end ? span_end : UINT64_MAX; /* the top of the address space */
            return 0;
        }
        t = phys_to_virt(e & PTE_ADDR_MASK);
    }
    return t;
}

/* The leaf table holding va's entry, with in *stop where its part of
 * [va, end) ends; or NULL, with in *stop the first address past the span
 * whose table is missing. One descent per 2 MiB rather than a recursion per
 * level: areas are small and a full recursion costs ~90 instructions a level. */
static const pte_t *leaf_run(uint64_t root_pa, uint64_t va, uint64_t end, uint64_t *stop)
{
    const uint64_t leaf_span = 1ull << (PAGE_SHIFT + 9);
    const pte_t *t = leaf_table(root_pa, va, stop);
    if (t) {
        uint64_t next = (va | (leaf_span - 1)) + 1;
        *stop = next < end && next ? next : end; /* next 0: wrapped past the top */
    }
    return t;
}

static int walk(struct vmspace *vs, uint64_t start, uint64_t end, pte_fn fn, void *ctx)
{
    const uint64_t leaf_span = 1ull << (PAGE_SHIFT + 9);
    for (uint64_t va = start, stop; va < end; va = stop) {
        const pte_t *t = leaf_run(vs->root_pa, va, end, &stop);
        if (!t)
            continue;
        unsigned first = (unsigned)((va >> PAGE_SHIFT) & (PT_ENTRIES - 1));
        unsigned last = (unsigned)(((stop - 1) >> PAGE_SHIFT) & (PT_ENTRIES - 1));
        uint64_t base = va & ~(leaf_span - 1);
        for (unsigned i = first; i <= last; i++) {
            if (!(i & 7) && i + 7 <= last &&
                !(t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] | t[i + 6] | t[i + 7])) {
                i += 7; /* eight empty entries at a time: sparse tables are the rule */
                continue;
            }
            if (!(t[i] & PTE_VALID))
                continue;
            int err = fn((pte_t *)&t[i], base + ((uint64_t)i << PAGE_SHIFT), ctx);
            if (err)
                return err;
        }
    }
    return 0;
}

/* walk over the part of [start, end) inside area a where it may have entries
 * (a split leaves both halves the whole touched range: clip to the area too). */
static int walk_area(struct vmspace *vs, const struct vm_area *a, uint64_t start, uint64_t end, pte_fn fn, void *ctx)
{
    uint64_t lo = start > a->start ? start : a->start, hi = end < a->end ? end : a->end;
    if (lo < a->touched_lo)
        lo = a->touched_lo;
    if (hi > a->touched_hi)
        hi = a->touched_hi;
    return walk(vs, lo, hi, fn, ctx);
}

/* Widens a's touched range to hold [va, va + len). */
static void note_touched(struct vm_area *a, uint64_t va, uint64_t len)
{
    if (a->touched_lo >= a->touched_hi) {
        a->touched_lo = va;
        a->touched_hi = va + len;
        return;
    }
    if (va < a->touched_lo)
        a->touched_lo = va;
    if (va + len > a->touched_hi)
        a->touched_hi = va + len;
}

/* The last-level entry for va, making the tables above it that are missing;
 * each new table is recorded (vs->tables), so destroying the space frees
 * them without scanning for them. NULL when memory runs out. */
static pte_t *leaf_entry(struct vmspace *vs, uint64_t va)
{
    pte_t *t = phys_to_virt(vs->root_pa);
    for (unsigned level = 0; level < 3; level++) {
        pte_t *e = &t[(va >> (39 - 9 * level)) & (PT_ENTRIES - 1)];
        if (!(*e & PTE_VALID)) {
            if (vs->ntables == vs->tables_cap) {
                unsigned cap = vs->tables_cap ? 2 * vs->tables_cap : 16;
                uint64_t *grown = kmalloc(cap * sizeof(*grown));
                if (!grown)
                    return 0;
                memcpy(grown, vs->tables, vs->ntables * sizeof(*grown));
                kfree(vs->tables);
                vs->tables = grown;
                vs->tables_cap = cap;
            }
            uint64_t table = pt_alloc_table();
            if (!table)
                return 0;
            vs->tables[vs->ntables++] = table;
            *e = table | PTE_TABLE | PTE_VALID;
        }
        t = phys_to_virt(*e & PTE_ADDR_MASK);
    }
    return &t[(va >> PAGE_SHIFT) & (PT_ENTRIES - 1)];
}

/* Maps one user page (leaf entry `pte`): -EEXIST if mapped, -ENOMEM. */
static int map_page(struct vmspace *vs, uint64_t va, pte_t pte)
{
    pte_t *leaf = leaf_entry(vs, va);
    if (!leaf)
        return -ENOMEM;
    if (*leaf & PTE_VALID)
        return -EEXIST;
    *leaf = pte;
    dsb_ishst();
    return 0;
}

struct vm_area *vmspace_find(struct vmspace *vs, uint64_t addr)
{
    /* The two areas found last, checked first: an area's bounds may have
     * changed since (a split, brk), so they are checked again; a freed area
     * is dropped from the cache (forget_area). */
    struct vm_area *a = vs->recent[0];
    if (a && addr >= a->start && addr < a->end)
        return a;
    a = vs->recent[1];
    if (a && addr >= a->start && addr < a->end) {
        vs->recent[1] = vs->recent[0];
        vs->recent[0] = a;
        return a;
    }
    for (a = vs->areas; a; a = a->next) {
        if (addr >= a->start && addr < a->end) {
            vs->recent[1] = vs->recent[0];
            vs->recent[0] = a;
            return a;
        }
    }
    return 0;
}

/* An area is about to be freed: vmspace_find must not answer it again. */
static void forget_area(struct vmspace *vs, const struct vm_area *a)
{
    if (vs->recent[0] == a)
        vs->recent[0] = vs->recent[1];
    if (vs->recent[1] == a)
        vs->recent[1] = 0;
    if (vs->recent[0] == a)
        vs->recent[0] = 0;
}

int vmspace_add_area(struct vmspace *vs, uint64_t start, uint64_t len, unsigned prot)
{
    uint64_t end = page_up(start + len);
    start = page_down(start);
    if (len == 0 || end <= start || end > USER_TOP || start == 0)
        return -EINVAL;
    if (wx(prot))
        return -ENOTSUP;
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
    vs->total_vm += end - start;
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
    vs->had_device |= a->device;
    if (a->device && uaccess_space == vs)
        uaccess_space = 0; /* the walk from now on: it refuses device registers */
    kobject_get(&m->obj);
    note_touched(a, va, len);
    for (uint64_t done = 0; done < len; done += PAGE_SIZE) {
        uint64_t pa = memobj_page(m, (off + done) / PAGE_SIZE);
        if (map_page(vs, va + done, pa | user_prot(prot, a->device) | PTE_TABLE | PTE_VALID)) {
            vmspace_remove(vs, va, len);
            return -ENOMEM;
        }
    }
    return 0;
}

static void note_resident(struct vmspace *vs)
{
    vs->resident_pages++;
    if (vs->resident_pages > vs->max_resident)
        vs->max_resident = vs->resident_pages;
}

/* A fresh zeroed page for the empty entry *leaf of va in private area a;
 * its kernel address, or NULL when memory runs out. One walk of the tables
 * (the caller's leaf_entry) is all a demand-zero fault costs. Inlined into
 * the fault path, as is private_page_at, and file_page_at kept out of it:
 * the call and frame cost the anonymous fault 45 instructions (539 -> 495). */
static inline __attribute__((always_inline)) void *zero_page_at(struct vmspace *vs, struct vm_area *a, uint64_t va,
                                                               pte_t *leaf)
{
    uint64_t pa = frame_alloc(0);
    if (!pa)
        return 0;
    void *page = phys_to_virt(pa);
    pages_zero(page, 1);
    note_touched(a, va, PAGE_SIZE);
    *leaf = pa | user_prot(a->prot, false) | PTE_TABLE | PTE_VALID;
    dsb_ishst();
    note_resident(vs);
    vs->faults++;
    return page;
}

/* Pages mapped around a file page's fault (a naturally aligned window):
 * a program runs through its text in runs, and a mapping costs far less than
 * a fault. Linux's fault_around_bytes is the same 64 KiB. */
#define FAULT_AROUND (16 * PAGE_SIZE)

/* The page of file-backed area a at va (below a->pages_end) into the empty
 * entry *leaf: the file's frame copy-on-write, and its neighbours in the
 * window whose entries are empty; a hole is a zero page of its own. The
 * kernel address of va's page, or NULL when memory runs out. */
static __attribute__((noinline)) void *file_page_at(struct vmspace *vs, struct vm_area *a, uint64_t va, pte_t *leaf)
{
    const struct file_pages *fp = a->pages;
    uint64_t index = a->pages_first + (va - a->start) / PAGE_SIZE;
    uint64_t pa = index < fp->npages ? fp->frames[index] : 0;
    if (!pa)
        return zero_page_at(vs, a, va, leaf);
    pte_t bits = private_pte(0, a->prot, true);
    frame_ref(pa);
    *leaf = pa | bits;
    note_resident(vs);
    vs->faults++;
    /* The window stays inside one leaf table: it is aligned and smaller. */
    uint64_t lo = va & ~(uint64_t)(FAULT_AROUND - 1), hi = lo + FAULT_AROUND;
    lo = lo > a->start ? lo : a->start;
    hi = hi < a->end ? hi : a->end;
    hi = hi < a->pages_end ? hi : a->pages_end;
    for (uint64_t at = lo; at < hi; at += PAGE_SIZE) {
        pte_t *e = leaf + ((int64_t)at - (int64_t)va) / (int64_t)PAGE_SIZE;
        uint64_t i = a->pages_first + (at - a->start) / PAGE_SIZE;
        if ((*e & PTE_VALID) || i >= fp->npages || !fp->frames[i])
            continue;
        frame_ref(fp->frames[i]);
        *e = fp->frames[i] | bits;
        note_resident(vs);
    }
    note_touched(a, lo < va ? lo : va, (hi > va + PAGE_SIZE ? hi : va + PAGE_SIZE) - (lo < va ? lo : va));
    dsb_ishst();
    return phys_to_virt(pa);
}

/* The page for the empty entry *leaf of va in private area a: the file's,
 * or a zero page. Its kernel address, or NULL when memory runs out. */
static inline __attribute__((always_inline)) void *private_page_at(struct vmspace *vs, struct vm_area *a, uint64_t va,
                                                                  pte_t *leaf)
{
    return a->pages && va < a->pages_end ? file_page_at(vs, a, va, leaf) : zero_page_at(vs, a, va, leaf);
}

/* The entry of va in private area a, its page made if missing. NULL when
 * memory runs out. */
static pte_t *present_private(struct vmspace *vs, struct vm_area *a, uint64_t va)
{
    pte_t *leaf = leaf_entry(vs, va);
    if (!leaf || (!(*leaf & PTE_VALID) && !private_page_at(vs, a, va, leaf)))
        return 0;
    return leaf;
}

void *vmspace_populate(struct vmspace *vs, uint64_t va)
{
    va = page_down(va);
    struct vm_area *a = vmspace_find(vs, va);
    if (!a || a->obj || a->shared || a->pages || (a->file_end && va >= a->file_end))
        return 0; /* object pages are all mapped when the area is made; file pages at mmap or a fault */
    pte_t *leaf = leaf_entry(vs, va);
    if (!leaf)
        return 0;
    if (*leaf & PTE_VALID)
        return phys_to_virt(*leaf & PTE_ADDR_MASK); /* already there */
    return zero_page_at(vs, a, va, leaf);
}

/* A write to the copy-on-write page at va (mapped read-only in a writable
 * private area): a private copy, or the frame itself if nobody else has it. */
static int cow_break(struct vmspace *vs, struct vm_area *a, pte_t *pte, uint64_t va)
{
    uint64_t pa = *pte & PTE_ADDR_MASK;
    if (frame_refcount(pa) > 1) {
        uint64_t copy = frame_alloc(0);
        if (!copy)
            return -ENOMEM;
        memcpy(phys_to_virt(copy), phys_to_virt(pa), PAGE_SIZE);
        *pte = private_pte(copy, a->prot, false);
        frame_unref(pa);
        vs->faults++;
    } else {
        *pte = private_pte(pa, a->prot, false);
    }
    tlb_flush_page(vs, va);
    return 0;
}

int vmspace_page(struct vmspace *vs, uint64_t va, unsigned need, uint8_t **page)
{
    if (va >= USER_TOP)
        return -EFAULT;
    struct vm_area *a = vmspace_find(vs, va);
    if (!a || (a->prot & need) != need || a->device)
        return -EFAULT; /* device registers are not in the linear map: never copied */
    uint64_t pva = page_down(va);
    pte_t *pte = pt_lookup(vs->root_pa, pva, 0);
    if (!pte && a->file_end && pva >= a->file_end)
        return -EFAULT; /* past the end of a mapped file */
    if (!pte && (a->obj || a->shared))
        return -ENOMEM; /* (all their pages are mapped when the area is made) */
    if (!pte && !(pte = present_private(vs, a, pva)))
        return -ENOMEM;
    if ((need & VM_WRITE) && !a->obj && !a->shared && !pte_user_writable(*pte)) {
        int err = cow_break(vs, a, pte, pva);
        if (err)
            return err;
    }
    *page = phys_to_virt(*pte & PTE_ADDR_MASK);
    return 0;
}

int vmspace_fault(struct vmspace *vs, uint64_t addr, bool write, bool exec, bool permission)
{
    struct vm_area *a = vmspace_find(vs, addr);
    if (!a || (write && !(a->prot & VM_WRITE)) || (exec && !(a->prot & VM_EXEC)) ||
        (!write && !exec && !(a->prot & VM_READ)))
        return -EFAULT;
    uint64_t va = page_down(addr);
    if (!permission && !a->obj && !a->shared && !(a->file_end && va >= a->file_end)) {
        /* Not mapped: demand-zero, the common case, with one walk. A page
         * there already was another thread's doing: retry. */
        pte_t *leaf = leaf_entry(vs, va);
        if (!leaf)
            return -ENOMEM;
        return (*leaf & PTE_VALID) || private_page_at(vs, a, va, leaf) ? 0 : -ENOMEM;
    }
    pte_t *pte = pt_lookup(vs->root_pa, va, 0);
    if (!pte && a->file_end && va >= a->file_end)
        return -ENXIO; /* past the end of a mapped file: SIGBUS */
    if (!pte)
        return a->obj || a->shared ? -EFAULT : present_private(vs, a, va) ? 0 : -ENOMEM;
    if (permission && write && !a->obj && !a->shared && !pte_user_writable(*pte))
        return cow_break(vs, a, pte, va);
    /* Mapped, and a permission fault the area does not explain. A translation
     * fault on a page now present was another thread's doing: retry. */
    return permission ? -EFAULT : 0;
}

struct unmap_ctx {
    struct vmspace *vs;
    bool private;
};

static int unmap_pte(pte_t *pte, uint64_t va, void *arg)
{
    struct unmap_ctx *c = arg;
    uint64_t pa = *pte & PTE_ADDR_MASK;
    *pte = 0;
    tlb_flush_page(c->vs, va);
    if (c->private) {
        frame_unref(pa);
        c->vs->resident_pages--;
    }
    return 0;
}

static void unmap_area(struct vmspace *vs, struct vm_area *a)
{
    struct unmap_ctx c = { vs, !a->obj };
    walk_area(vs, a, a->start, a->end, unmap_pte, &c);
    vs->total_vm -= a->end - a->start;
    if (a->obj)
        kobject_put(&a->obj->obj);
    if (a->pages)
        file_pages_put(a->pages);
}

/* vmspace_destroy's part of unmap_area: the references area a's entries
 * hold are dropped and the entries left as they are (the tables go next,
 * after one flush of the ASID, before any freed frame can be used again).
 * One loop per leaf table and no callback: a process's exit pays this for
 * every page it mapped. */
static void drop_area(struct vmspace *vs, struct vm_area *a)
{
    uint64_t lo = a->start > a->touched_lo ? a->start : a->touched_lo;
    uint64_t hi = a->end < a->touched_hi ? a->end : a->touched_hi;
    for (uint64_t va = lo, stop; !a->obj && va < hi; va = stop) {
        const pte_t *t = leaf_run(vs->root_pa, va, hi, &stop);
        for (uint64_t at = va; t && at < stop; at += PAGE_SIZE) {
            pte_t e = t[(at >> PAGE_SHIFT) & (PT_ENTRIES - 1)];
            if (e & PTE_VALID)
                frame_unref(e & PTE_ADDR_MASK);
        }
    }
    vs->total_vm -= a->end - a->start;
    if (a->obj)
        kobject_put(&a->obj->obj);
    if (a->pages)
        file_pages_put(a->pages);
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
    if (tail->pages) {
        tail->pages_first += (at - a->start) / PAGE_SIZE;
        file_pages_get(tail->pages);
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
        forget_area(vs, a);
        kfree(a);
    }
    return 0;
}

uint64_t vmspace_find_free(struct vmspace *vs, uint64_t len)
{
    /* First fit from the bottom of the mmap region, so unmapped holes are reused. */
    len = page_up(len);
    if (!len)
        return 0;
    uint64_t candidate = USER_MMAP_BASE;
    for (struct vm_area *a = vs->areas; a; a = a->next) {
        if (a->end <= candidate)
            continue;
        if (a->start >= candidate + len)
            break;
        candidate = a->end;
    }
    if (candidate + len > vs->stack_bottom || candidate + len < candidate)
        return 0;
    return candidate;
}

struct protect_ctx {
    struct vmspace *vs;
    struct vm_area *a;
    bool flush_each; /* false: one flush of the ASID when all are done */
};

static int protect_pte(pte_t *pte, uint64_t va, void *arg)
{
    struct protect_ctx *c = arg;
    uint64_t pa = *pte & PTE_ADDR_MASK;
    if (c->a->obj || c->a->shared)
        *pte = pa | user_prot(c->a->prot, c->a->device) | PTE_TABLE | PTE_VALID;
    else /* COW stays COW; without write access the question does not arise */
        *pte = private_pte(pa, c->a->prot, (c->a->prot & VM_WRITE) && frame_refcount(pa) > 1);
    if (c->flush_each)
        tlb_flush_page(c->vs, va);
    return 0;
}

/* Past this many pages one flush of the ASID is cheaper than a flush per page. */
#define FLUSH_PAGES_MAX 16

int vmspace_protect(struct vmspace *vs, uint64_t start, uint64_t len, unsigned prot)
{
    uint64_t end = start + len;
    if ((start | len) & (PAGE_SIZE - 1) || end > USER_TOP || end <= start)
        return -EINVAL;
    if (wx(prot))
        return -ENOTSUP;
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
    bool flush_all = false;
    for (struct vm_area *a = vs->areas; a && a->start < end; a = a->next) {
        if (a->end <= start)
            continue;
        a->prot = prot;
        uint64_t lo = a->touched_lo > a->start ? a->touched_lo : a->start;
        uint64_t hi = a->touched_hi < a->end ? a->touched_hi : a->end;
        struct protect_ctx c = { vs, a, hi <= lo || (hi - lo) / PAGE_SIZE <= FLUSH_PAGES_MAX };
        flush_all |= !c.flush_each;
        walk_area(vs, a, a->start, a->end, protect_pte, &c);
    }
    if (flush_all)
        tlb_flush_asid(vs);
    return 0;
}

struct fork_ctx {
    struct vmspace *child;
    const struct vm_area *a;
    bool flush;
};

static int fork_pte(pte_t *pte, uint64_t va, void *arg)
{
    struct fork_ctx *c = arg;
    uint64_t pa = *pte & PTE_ADDR_MASK;
    pte_t child;
    if (c->a->obj) {
        child = *pte; /* the object's page, shared as it is */
    } else if (c->a->shared) {
        frame_ref(pa); /* a shared file page: the child maps the same frame */
        child = *pte;
        c->child->resident_pages++;
    } else {
        frame_ref(pa);
        if (pte_user_writable(*pte)) {
            *pte = private_pte(pa, c->a->prot, true);
            c->flush = true;
        }
        child = private_pte(pa, c->a->prot, true);
        c->child->resident_pages++;
    }
    if (map_page(c->child, va, child)) {
        if (!c->a->obj) {
            frame_unref(pa);
            c->child->resident_pages--;
        }
        return -ENOMEM;
    }
    return 0;
}

struct vmspace *vmspace_fork(struct vmspace *parent)
{
    struct vmspace *vs = vmspace_create();
    if (!vs)
        return 0;
    vs->brk_start = parent->brk_start;
    vs->brk = parent->brk;
    vs->stack_bottom = parent->stack_bottom;
    vs->vdso_base = parent->vdso_base;
    vs->arg_start = parent->arg_start;
    vs->arg_end = parent->arg_end;
    vs->env_start = parent->env_start;
    vs->env_end = parent->env_end;
    struct vm_area **tail = &vs->areas;
    struct fork_ctx c = { .child = vs };
    int err = 0;
    for (const struct vm_area *a = parent->areas; a && !err; a = a->next) {
        if (a->device)
            continue; /* device registers stay with their driver */
        struct vm_area *copy = kmalloc(sizeof(*copy));
        if (!copy) {
            err = -ENOMEM;
            break;
        }
        *copy = *a;
        copy->next = 0;
        if (copy->obj)
            kobject_get(&copy->obj->obj);
        if (copy->pages)
            file_pages_get(copy->pages);
        *tail = copy;
        tail = &copy->next;
        vs->total_vm += a->end - a->start;
        c.a = a;
        err = walk_area(parent, a, a->start, a->end, fork_pte, &c); /* the copy keeps a's touched range */
    }
    vs->max_resident = vs->resident_pages;
    /* The parent's pages lost write access above: one flush for all of them. */
    if (c.flush)
        tlb_flush_asid(parent);
    if (err) {
        vmspace_destroy(vs);
        return 0;
    }
    return vs;
}

const struct vmspace *uaccess_space;

void vmspace_destroy(struct vmspace *vs)
{
    if (uaccess_space == vs)
        uaccess_space = 0;
    struct vm_area *a;
    while ((a = vs->areas)) {
        vs->areas = a->next;
        drop_area(vs, a); /* nothing runs in a dying space: one flush below */
        forget_area(vs, a);
        kfree(a);
    }
    tlb_flush_asid(vs);
    asid_free(vs->asid);
    for (unsigned i = 0; i < vs->ntables; i++)
        pt_free_table(vs->tables[i]);
    kfree(vs->tables);
    pt_free_table(vs->root_pa);
    kfree(vs);
}

static int count_shared_pte(pte_t *pte, uint64_t va, void *arg)
{
    (void)va;
    if (frame_refcount(*pte & PTE_ADDR_MASK) > 1)
        ++*(uint64_t *)arg;
    return 0;
}

void vmspace_usage(struct vmspace *vs, bool walk, uint64_t *object_pages, uint64_t *shared_pages)
{
    uint64_t objects = 0, shared = 0;
    for (struct vm_area *a = vs->areas; a; a = a->next) {
        if (a->obj) {
            if (!a->device && !(a->obj->flags & MEMOBJ_BORROWED))
                objects += (a->end - a->start) / PAGE_SIZE; /* mapped whole when made */
        } else if (walk) {
            walk_area(vs, a, a->start, a->end, count_shared_pte, &shared);
        }
    }
    *object_pages = objects;
    *shared_pages = shared;
}

int vmspace_map_frames(struct vmspace *vs, uint64_t va, const uint64_t *pa, uint64_t n, uint64_t *mapped)
{
    *mapped = 0;
    struct vm_area *a = vmspace_find(vs, va);
    if (!a || a->obj || (va & (PAGE_SIZE - 1)) || n > (a->end - va) / PAGE_SIZE)
        return -EINVAL;
    pte_t bits = a->shared ? user_prot(a->prot, false) | PTE_TABLE | PTE_VALID : private_pte(0, a->prot, true);
    pte_t *leaf = 0;
    uint64_t i = 0;
    int err = 0;
    for (; i < n; i++) {
        uint64_t at = va + i * PAGE_SIZE;
        /* One walk per last-level table, not per page. */
        leaf = !leaf || (at & (PT_ENTRIES * PAGE_SIZE - 1)) == 0 ? leaf_entry(vs, at) : leaf + 1;
        if (!leaf) {
            err = -ENOMEM;
            break;
        }
        if (*leaf & PTE_VALID) {
            err = -EEXIST;
            break;
        }
        *leaf = pa[i] | bits;
    }
    dsb_ishst();
    /* The run's bookkeeping once, not per page. */
    if (i) {
        note_touched(a, va, i * PAGE_SIZE);
        vs->resident_pages += i - 1;
        note_resident(vs);
    }
    *mapped = i;
    return err;
}

int vmspace_attach_pages(struct vmspace *vs, uint64_t va, struct file_pages *fp, uint64_t first, uint64_t end)
{
    struct vm_area *a = vmspace_find(vs, va);
    if (!a || a->start != va || a->obj || a->shared || a->file_end || a->pages || end <= va)
        return -EINVAL;
    a->pages = file_pages_get(fp);
    a->pages_first = first;
    a->pages_end = end;
    return 0;
}

int vmspace_drop_pages(struct vmspace *vs, uint64_t start, uint64_t end, uint64_t image_end)
{
    for (struct vm_area *a = vs->areas; a && a->start < end; a = a->next) {
        if (a->end <= start || a->obj || a->device || a->shared || a->file_end || (a->start < image_end && !a->pages))
            continue; /* a file's bytes without its pages would come back as zeros */
        struct unmap_ctx c = { vs, true };
        walk_area(vs, a, start, end, unmap_pte, &c);
    }
    return 0;
}

int vmspace_populate_range(struct vmspace *vs, uint64_t start, uint64_t end, bool write)
{
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        uint8_t *page;
        int err = vmspace_page(vs, va, write ? VM_WRITE : VM_READ, &page);
        if (err)
            return err;
    }
    return 0;
}

long vmspace_frames_at(struct vmspace *vs, const uint64_t *va, uint64_t n, bool write, uint64_t *pa)
{
    struct vm_area *a = 0;
    const pte_t *table = 0;
    uint64_t table_va = 1, skip; /* the 2 MiB region `table` maps; 1: none yet (never aligned) */
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = va[i];
        if (!v) {
            pa[i] = 0; /* a hole: no page */
            continue;
        }
        if (!a || v < a->start || v >= a->end) {
            a = vmspace_find(vs, v);
            if (!a || a->device || (a->obj && (a->obj->flags & MEMOBJ_BORROWED)) || (v & (PAGE_SIZE - 1)) ||
                (a->prot & VM_READ) == 0 || (write && !(a->prot & VM_WRITE)))
                goto refuse;
        } else if (v & (PAGE_SIZE - 1)) {
            goto refuse;
        }
        /* Pages of one file sit mostly in one server region: one walk per
         * last-level table, not per page. */
        uint64_t region = v & ~(PT_ENTRIES * PAGE_SIZE - 1);
        if (region != table_va) {
            table = leaf_table(vs->root_pa, v, &skip);
            table_va = region;
        }
        pte_t pte = table ? table[(v >> PAGE_SHIFT) & (PT_ENTRIES - 1)] : 0;
        if (!(pte & PTE_VALID))
            goto refuse; /* not there: the server offers only pages it holds */
        /* Not a copy-on-write page shared with a fork of the server: not its own. */
        bool maybe_cow = !a->obj && !a->shared && !pte_user_writable(pte);
        pa[i] = pte & PTE_ADDR_MASK;
        if (!frame_ref_unless_shared(pa[i], maybe_cow))
            goto refuse;
        continue;
    refuse:
        for (uint64_t j = 0; j < i; j++)
            if (pa[j])
                frame_unref(pa[j]);
        return -EFAULT;
    }
    return 0;
}
