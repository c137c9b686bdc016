#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "cpio.h" /* the kernel's reader (kernel/lib), shared: one parser for the format */

#define E_NOENT 2
#define E_IO 5
#define E_ACCES 13

kx_handle_t kx_initrd_handle(void)
{
    const struct kx_bootinfo *bi = kx_bootinfo();
    for (uint32_t i = 0; bi && i < bi->count; i++)
        if (bi->handles[i].type == KX_OBJ_MEMORY && !__builtin_strcmp(bi->handles[i].name, "initrd"))
            return bi->handles[i].handle;
    return KX_SLOT_INITRD;
}

long kx_initrd_open(kx_handle_t initrd, struct kx_initrd *rd)
{
    struct kx_handle_info info;
    long err = kx_handle_info(initrd, &info);
    if (err)
        return err;
    long addr = kx_mem_map(initrd, 0, info.size, KX_PROT_READ);
    if (addr < 0)
        return addr;
    rd->base = (const void *)addr;
    rd->size = info.size; /* page-rounded: the archive's trailer ends it first */
    return 0;
}

long kx_initrd_find(const struct kx_initrd *rd, const char *path, const void **data, size_t *size)
{
    struct cpio_entry e;
    int err = cpio_find(rd->base, rd->size, path, &e);
    if (err == CPIO_ERR_NOTFOUND)
        return -E_NOENT;
    if (err)
        return -E_IO;
    if (!cpio_is_reg(&e) || !(e.mode & 0111))
        return -E_ACCES;
    *data = e.data;
    *size = e.size;
    return 0;
}

long kx_initrd_next(const struct kx_initrd *rd, size_t *offset, const char **name)
{
    struct cpio_entry e;
    int r = cpio_next(rd->base, rd->size, offset, &e);
    if (r < 0)
        return -E_IO;
    if (r > 0)
        *name = e.name;
    return r;
}

long kx_spawn(const struct kx_initrd *rd, const char *path, char *const argv[], char *const envp[])
{
    const void *data;
    size_t size;
    long err = kx_initrd_find(rd, path, &data, &size);
    if (err)
        return err;
    return kx_process_create(path, data, size, argv, envp);
}

long kx_spawn_with(const struct kx_initrd *rd, const char *path, char *const argv[], char *const envp[],
                   const struct kx_give *give, unsigned ngive)
{
    long proc = kx_spawn(rd, path, argv, envp);
    if (proc < 0)
        return proc;
    long err = 0;
    for (unsigned i = 0; i < ngive && err >= 0; i++)
        err = kx_process_give((kx_handle_t)proc, give[i].handle, give[i].rights, give[i].slot);
    if (err >= 0)
        err = kx_process_start((kx_handle_t)proc);
    if (err < 0) {
        kx_handle_close((kx_handle_t)proc);
        return err;
    }
    return proc;
}
