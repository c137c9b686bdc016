#include <kenix/kx.h>
#include <kenix/spawn.h>

#include "cpio.h" /* the kernel's reader (kernel/lib), shared: one parser for the format */

#define E_NOENT 2
#define E_IO 5
#define E_NOMEM 12
#define E_ACCES 13

/* Linux system calls and constants, for reading program files: libkenix
 * has no C library beneath it. */
#define SYS_openat 56
#define SYS_close 57
#define SYS_read 63
#define SYS_fstat 80
#define SYS_munmap 215
#define SYS_mmap 222
#define AT_FDCWD_ (-100)
#define O_RDONLY_CLOEXEC 02000000
#define O_DIRECTORY_ 040000
#define STAT_SIZE_OFFSET 48 /* st_size in AArch64's struct stat */
#define STAT_MODE_OFFSET 16
#define PROGRAM_FILE_MAX (64ul << 20)

/* A copy of the file at path in fresh anonymous memory (to munmap), or -errno. */
static long file_read_whole(const char *path, void **data, size_t *size)
{
    long fd = kenix_trap4(SYS_openat, AT_FDCWD_, (long)path, O_RDONLY_CLOEXEC, 0);
    if (fd < 0)
        return fd;
    _Alignas(8) unsigned char st[128];
    long err = kenix_trap2(SYS_fstat, fd, (long)st);
    uint64_t len = 0;
    uint32_t mode = 0;
    if (!err) {
        __builtin_memcpy(&len, st + STAT_SIZE_OFFSET, sizeof(len));
        __builtin_memcpy(&mode, st + STAT_MODE_OFFSET, sizeof(mode));
        if ((mode & 0170000) != 0100000 || !(mode & 0111))
            err = -E_ACCES;
        else if (len == 0 || len > PROGRAM_FILE_MAX)
            err = -E_IO;
    }
    long addr = err ? err : kenix_trap6(SYS_mmap, 0, (long)len, 3 /* read, write */, 0x22 /* private, anonymous */, -1, 0);
    if (addr < 0 && !err)
        err = addr;
    for (uint64_t done = 0; !err && done < len;) {
        long n = kenix_trap3(SYS_read, fd, addr + (long)done, (long)(len - done));
        if (n <= 0)
            err = n < 0 ? n : -E_IO; /* shorter than fstat said */
        else
            done += (uint64_t)n;
    }
    kenix_trap1(SYS_close, fd);
    if (err) {
        if (addr > 0)
            kenix_trap2(SYS_munmap, addr, (long)len);
        return err;
    }
    *data = (void *)addr;
    *size = len;
    return 0;
}

/* Whether there is a file system to start programs from (the vfs runs). */
static int have_files(void)
{
    long fd = kenix_trap4(SYS_openat, AT_FDCWD_, (long)"/bin", O_RDONLY_CLOEXEC | O_DIRECTORY_, 0);
    if (fd < 0)
        return 0;
    kenix_trap1(SYS_close, fd);
    return 1;
}

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
    if (!err && info.type != KX_OBJ_MEMORY)
        err = -E_NOENT;
    long addr = err ? err : kx_mem_map(initrd, 0, info.size, KX_PROT_READ);
    if (addr >= 0 && (info.size < 6 || __builtin_memcmp((const void *)addr, "070701", 6))) {
        /* Not an archive: the slot was given back with the initrd and holds
         * something else now. */
        kenix_trap2(SYS_munmap, addr, (long)info.size);
        addr = -E_NOENT;
    }
    if (addr < 0 && have_files()) {
        /* The initrd was unpacked into the file system and given back:
         * programs come from files. */
        rd->base = 0;
        rd->size = 0;
        return 0;
    }
    if (addr < 0)
        return addr;
    rd->base = (const void *)addr;
    rd->size = info.size; /* page-rounded: the archive's trailer ends it first */
    return 0;
}

long kx_initrd_find(const struct kx_initrd *rd, const char *path, const void **data, size_t *size)
{
    if (!rd->base) {
        void *copy;
        long err = file_read_whole(path, &copy, size);
        if (!err)
            *data = copy; /* kept for the program's life: callers use it as they would the initrd's */
        return err;
    }
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
    if (!rd->base)
        return 0; /* no archive to walk any more */
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
    if (!rd || !rd->base) {
        /* From the file system: read, started, let go of. */
        void *data;
        size_t size;
        long err = file_read_whole(path, &data, &size);
        if (err)
            return err;
        long proc = kx_process_create(path, data, size, argv, envp);
        kenix_trap2(SYS_munmap, (long)data, (long)size);
        return proc;
    }
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
