/*
 * Starting a program from the initrd: find it (cpio), check it (elf_parse),
 * build a fresh address space with its segments, a demand-zero stack holding
 * argv/envp/auxv as Linux lays them out, and a first thread at the entry point.
 * The bytes come from a struct program_source (kernel memory or a process's
 * memory), read piecewise; execve from the VFS will add a file as a source.
 */
#include "kenix/bootinfo.h"
#include "kenix/errno.h"
#include "kenix/memlayout.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "../arch/aarch64/mmu.h"
#include "../arch/aarch64/sysreg.h"
#include "../core/process.h"
#include "../core/random.h"
#include "../core/sched.h"
#include "../lib/cpio.h"
#include "../lib/elf.h"
#include "../lib/ustack.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"

#define PIE_BASE 0x0000aaaa00000000ull /* where Linux puts static-PIE programs too */
#define STACK_BUILD_SIZE (64u << 10)  /* room for argv, envp and auxv at exec */

/* AT_HWCAP bits (Linux arch/arm64 uapi hwcap.h) from the ID registers. */
static uint64_t hwcaps(void)
{
    uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1), isar0 = read_sysreg(id_aa64isar0_el1);
    uint64_t caps = 0;
    if (((pfr0 >> 16) & 0xf) != 0xf)
        caps |= 1u << 0; /* FP */
    if (((pfr0 >> 20) & 0xf) != 0xf)
        caps |= 1u << 1; /* ASIMD */
    unsigned aes = (isar0 >> 4) & 0xf;
    if (aes >= 1)
        caps |= 1u << 3; /* AES */
    if (aes >= 2)
        caps |= 1u << 4; /* PMULL */
    if ((isar0 >> 8) & 0xf)
        caps |= 1u << 5; /* SHA1 */
    if ((isar0 >> 12) & 0xf)
        caps |= 1u << 6; /* SHA2 */
    if ((isar0 >> 16) & 0xf)
        caps |= 1u << 7; /* CRC32 */
    if (((isar0 >> 20) & 0xf) >= 2)
        caps |= 1u << 8; /* ATOMICS */
    return caps;
}

static unsigned vm_prot(uint32_t pf)
{
    return (pf & ELF_PF_R ? VM_READ : 0) | (pf & ELF_PF_W ? VM_WRITE : 0) | (pf & ELF_PF_X ? VM_EXEC : 0);
}

#define HEADERS_MAX (64u << 10) /* the program headers must end within this much of the file */

/* n bytes at offset off of the program into dst (kernel memory). */
static int source_read(const struct program_source *src, void *dst, uint64_t off, uint64_t n)
{
    if (off > src->size || n > src->size - off)
        return -ENOEXEC;
    if (src->kernel) {
        memcpy(dst, (const uint8_t *)src->kernel + off, n);
        return 0;
    }
    return copy_from_user(src->vm, dst, src->uaddr + off, n);
}

static bool wx(unsigned prot)
{
    return (prot & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC);
}

/* Maps every segment and copies its file bytes; [filesz, memsz) stays zero.
 * W^X (vmspace.h): a segment asking to be writable and executable, or two
 * segments sharing a page that would need to be both, make the program
 * unloadable, said in the log. */
static int load_segments(struct vmspace *vs, const struct elf_image *img, const struct program_source *src,
                         const char *path)
{
    for (uint32_t i = 0; i < img->nsegs; i++) {
        const struct elf_segment *seg = &img->segs[i];
        uint64_t start = seg->vaddr & ~(uint64_t)(PAGE_SIZE - 1);
        uint64_t end = (seg->vaddr + seg->memsz + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
        if (wx(vm_prot(seg->prot))) {
            kprintf("exec: %s: segment %u is writable and executable: refused (W^X)\n", path, i);
            return -ENOEXEC;
        }
        if (seg->shares_prev_page) {
            /* The first page already belongs to the previous segment's area. A page
             * has one set of permissions, so that page alone (split off) gets both. */
            struct vm_area *prev = vmspace_find(vs, start);
            if (prev) {
                unsigned both = prev->prot | vm_prot(seg->prot);
                if (wx(both)) {
                    kprintf("exec: %s: segments %u and %u share a page that would be writable and "
                            "executable: refused (W^X)\n", path, i - 1, i);
                    return -ENOEXEC;
                }
                int err = vmspace_protect(vs, start, PAGE_SIZE, both);
                if (err)
                    return err;
            }
            start += PAGE_SIZE;
        }
        if (end > start) {
            int err = vmspace_add_area(vs, start, end - start, vm_prot(seg->prot));
            if (err)
                return err;
        }
        for (uint64_t done = 0; done < seg->filesz;) {
            uint64_t va = seg->vaddr + done;
            uint8_t *page = vmspace_populate(vs, va);
            if (!page)
                return -ENOMEM;
            uint64_t off = va & (PAGE_SIZE - 1);
            uint64_t n = PAGE_SIZE - off < seg->filesz - done ? PAGE_SIZE - off : seg->filesz - done;
            int err = source_read(src, page + off, seg->offset + done, n);
            if (err)
                return err;
            done += n;
        }
    }
    return 0;
}

static size_t count_strings(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* The stack area's size: RLIMIT_STACK, within sane bounds (it is reserved
 * address space, backed page by page as it is touched). */
static uint64_t stack_size(const struct process *p)
{
    uint64_t lim = p->rlim[RLIMIT_STACK].rlim_cur;
    if (lim < (128u << 10))
        lim = 128u << 10;
    if (lim > (1ull << 30))
        lim = 1ull << 30;
    return lim & ~(uint64_t)(PAGE_SIZE - 1);
}

static int build_stack(struct process *p, const struct elf_image *img, const char *path,
                       const char *const argv[], const char *const envp[], const struct ustack_aux *extra,
                       unsigned nextra, uint64_t *sp_out)
{
    uint64_t size = stack_size(p);
    int err = vmspace_add_area(p->vm, USER_STACK_TOP - size, size, VM_READ | VM_WRITE);
    if (err)
        return err;
    p->vm->stack_bottom = USER_STACK_TOP - size;
    uint8_t random[USTACK_RANDOM_BYTES];
    random_bytes(random, sizeof(random));
    /* The auxiliary vector Linux gives a static program, in Linux's order,
     * then Kenix's own entries (AT_KENIX_BOOTINFO for init). */
    const struct ustack_aux linux_auxv[] = {
        { AT_HWCAP, hwcaps() }, { AT_PAGESZ, PAGE_SIZE }, { AT_CLKTCK, 100 },
        { AT_PHDR, img->phdr }, { AT_PHENT, img->phent }, { AT_PHNUM, img->phnum },
        { AT_BASE, 0 }, { AT_FLAGS, 0 }, { AT_ENTRY, img->entry },
        { AT_UID, p->cred.ruid }, { AT_EUID, p->cred.euid }, { AT_GID, p->cred.rgid },
        { AT_EGID, p->cred.egid }, { AT_SECURE, 0 },
        { AT_RANDOM, 0 }, { AT_HWCAP2, 0 }, { AT_EXECFN, 0 }, { AT_PLATFORM, 0 },
    };
    enum { NLINUX = sizeof(linux_auxv) / sizeof(linux_auxv[0]), MAX_EXTRA = 4 };
    if (nextra > MAX_EXTRA)
        return -EINVAL;
    struct ustack_aux auxv[NLINUX + MAX_EXTRA];
    memcpy(auxv, linux_auxv, sizeof(linux_auxv));
    memcpy(auxv + NLINUX, extra, nextra * sizeof(*extra));
    struct ustack_args args = {
        .argv = argv, .argc = count_strings(argv), .envp = envp, .envc = count_strings(envp),
        .execfn = path, .platform = "aarch64", .random = random,
        .auxv = auxv, .auxc = NLINUX + nextra,
    };
    uint8_t *buf = kmalloc(STACK_BUILD_SIZE);
    if (!buf)
        return -ENOMEM;
    int64_t sp = ustack_build(buf, STACK_BUILD_SIZE, USER_STACK_TOP, &args, 0);
    if (sp >= 0) {
        uint64_t used = USER_STACK_TOP - (uint64_t)sp;
        err = copy_to_user(p->vm, (uint64_t)sp, buf + STACK_BUILD_SIZE - used, used);
        *sp_out = (uint64_t)sp;
    } else {
        err = sp == USTACK_ERR_2BIG ? -E2BIG : -EINVAL;
    }
    memset(random, 0, sizeof(random));
    kfree(buf);
    return err;
}

/* The first bytes of the program, up to the end of its program headers, in
 * kernel memory: the source itself, or a copy in *copy (to kfree). */
static int read_headers(const struct program_source *src, const void **head, size_t *len, void **copy)
{
    *copy = 0;
    uint8_t ehdr[ELF64_EHDR_SIZE];
    size_t first = src->size < sizeof(ehdr) ? (size_t)src->size : sizeof(ehdr);
    int err = source_read(src, ehdr, 0, first);
    if (err)
        return err;
    uint64_t end = elf_headers_end(ehdr, first);
    if (end > src->size)
        end = src->size; /* elf_parse_headers reports what is missing */
    if (end > HEADERS_MAX)
        return -ENOEXEC;
    *len = (size_t)end;
    if (src->kernel) {
        *head = src->kernel;
        return 0;
    }
    *copy = kmalloc(end ? end : 1);
    if (!*copy)
        return -ENOMEM;
    *head = *copy;
    return source_read(src, *copy, 0, end);
}

int process_load(struct process *p, const char *path, const struct program_source *src, const char *const argv[],
                 const char *const envp[], const struct ustack_aux *extra, unsigned nextra)
{
    struct elf_image *img = kmalloc(sizeof(*img));
    if (!img)
        return -ENOMEM;
    const void *head;
    size_t head_len;
    void *copy;
    int err = read_headers(src, &head, &head_len, &copy);
    if (err) {
        kfree(copy);
        kfree(img);
        if (err == -ENOEXEC)
            kprintf("exec: %s: program headers not within the first %u KiB\n", path, HEADERS_MAX >> 10);
        return err;
    }
    /* Programs live below the mmap region: no segment may reach into it, so
     * a zero-fill segment of absurd size is refused here, not loaded. */
    err = elf_parse_headers(head, head_len, src->size, USER_IMAGE_LIMIT, img);
    kfree(copy);
    if (!err && img->pie)
        err = elf_relocate(img, PIE_BASE, USER_IMAGE_LIMIT);
    if (!err && !img->phdr_loaded) {
        kprintf("exec: %s: program headers are not in a loaded segment (AT_PHDR)\n", path);
        kfree(img);
        return -ENOEXEC;
    }
    if (err) {
        kprintf("exec: %s: not a loadable program: %s\n", path, elf_strerror(err));
        kfree(img);
        return -ENOEXEC;
    }
    uint64_t sp = 0;
    uint64_t as = p->rlim[RLIMIT_AS].rlim_cur, span = img->span_end - img->span_start + stack_size(p);
    if (as != RLIM_INFINITY && span > as) {
        kprintf("exec: %s: needs %lu KiB of address space, RLIMIT_AS allows %lu KiB\n", path, span >> 10, as >> 10);
        kfree(img);
        return -ENOMEM;
    }
    err = load_segments(p->vm, img, src, path);
    if (!err)
        err = build_stack(p, img, path, argv, envp, extra, nextra, &sp);
    if (!err) {
        p->vm->brk_start = p->vm->brk = img->span_end;
        p->thread = thread_create_user(p, img->entry, sp, SCHED_DEFAULT_PRIORITY);
        if (!p->thread)
            err = -ENOMEM;
        else
            p->thread->tid = p->pid; /* one thread: its tid is the pid */
    }
    kfree(img);
    return err;
}

int initrd_find_program(const char *path, const void **data, size_t *size)
{
    const void *initrd = phys_to_virt(boot_info.initrd_start);
    size_t initrd_size = boot_info.initrd_end - boot_info.initrd_start;
    struct cpio_entry e;
    int err = cpio_find(initrd, initrd_size, path, &e);
    if (err == CPIO_ERR_NOTFOUND)
        return -ENOENT;
    if (err) {
        kprintf("exec: initrd is damaged: %s\n", cpio_strerror(err));
        return -EIO;
    }
    if (!cpio_is_reg(&e) || !(e.mode & 0111))
        return -EACCES;
    *data = e.data;
    *size = e.size;
    return 0;
}
