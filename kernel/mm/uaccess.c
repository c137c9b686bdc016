#include "uaccess.h"

#include "kenix/errno.h"
#include "kenix/memlayout.h"
#include "kenix/string.h"
#include "vmspace.h"
#include "../arch/aarch64/mmu.h"

/* Kernel address of user address va, faulting the page in as a user access would. */
static uint8_t *user_byte(struct vmspace *vs, uint64_t va, unsigned need)
{
    if (va >= USER_TOP)
        return 0;
    struct vm_area *a = vmspace_find(vs, va);
    if (!a || (a->prot & need) != need)
        return 0;
    pte_t *pte = pt_lookup(vs->root_pa, va & ~(uint64_t)(PAGE_SIZE - 1), 0);
    uint8_t *page = pte ? phys_to_virt(*pte & PTE_ADDR_MASK) : vmspace_populate(vs, va);
    return page ? page + (va & (PAGE_SIZE - 1)) : 0;
}

static int copy_user(struct vmspace *vs, uint64_t uaddr, void *kbuf, size_t n, bool to_user)
{
    if (n && (uaddr + n < uaddr || uaddr + n > USER_TOP))
        return -EFAULT;
    uint8_t *k = kbuf;
    while (n) {
        size_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        uint8_t *u = user_byte(vs, uaddr, to_user ? VM_WRITE : VM_READ);
        if (!u)
            return -EFAULT;
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

int copy_from_user(struct vmspace *vs, void *dst, uint64_t usrc, size_t n)
{
    return copy_user(vs, usrc, dst, n, false);
}

int copy_to_user(struct vmspace *vs, uint64_t udst, const void *src, size_t n)
{
    return copy_user(vs, udst, (void *)src, n, true);
}

long strncpy_from_user(struct vmspace *vs, char *dst, uint64_t usrc, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        const uint8_t *u = user_byte(vs, usrc + i, VM_READ);
        if (!u)
            return -EFAULT;
        dst[i] = (char)*u;
        if (!*u)
            return (long)i;
    }
    return -ENAMETOOLONG;
}
