/*
 * Loading a static ELF program into an image (exec.h): the headers are
 * checked (elf_parse_headers), each segment is read from its source straight
 * into the new address space's pages -- the file is never copied whole, nor
 * through a kernel buffer -- and the stack is finished with the auxiliary
 * vector Linux gives a static program. Used by execve (sys_exec.c),
 * kx_process_create (core/process_obj.c) and the start of process 1
 * (core/init.c, through process_load below).
 */
#include "exec.h"

#include "kenix/bootinfo.h"
#include "kenix/errno.h"
#include "kenix/memlayout.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "../arch/aarch64/mmu.h"
#include "../arch/aarch64/sysreg.h"
#include "../core/process.h"
#include "../core/sched.h"
#include "../lib/cpio.h"
#include "../lib/elf.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"
#include "file.h"
#include "filecache.h"
#include "sobj.h"
#include "vdso.h"
#include "../mm/file_pages.h"

#define PIE_BASE 0x0000aaaa00000000ull /* where Linux puts static-PIE programs too */
#define READ_CHUNK (1u << 20)          /* most bytes one file read moves (R6.4) */

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

bool image_is_elf(const void *head, uint64_t len)
{
    const uint8_t *h = head;
    return len >= 4 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F';
}

/* n bytes at offset off of the program into vm at addr (vm NULL: kernel
 * memory at addr): 0, -ENOEXEC when the program ends first, or the error of
 * the read (a file's read may be interrupted: its -EINTR/-ERESTARTSYS
 * comes back as is, nothing having changed but the new image). */
static int source_read(const struct program_source *src, struct vmspace *vm, uint64_t addr, uint64_t off, uint64_t n)
{
    if (src->size != UINT64_MAX && (off > src->size || n > src->size - off))
        return -ENOEXEC;
    if (!vm && src->head && off <= src->head_len && n <= src->head_len - off) {
        memcpy((void *)addr, (const uint8_t *)src->head + off, n);
        return 0;
    }
    switch (src->kind) {
    case PROGRAM_KERNEL:
        if (!vm) {
            memcpy((void *)addr, (const uint8_t *)src->kernel + off, n);
            return 0;
        }
        return copy_to_user(vm, addr, (const uint8_t *)src->kernel + off, n);
    case PROGRAM_USER: {
        if (!vm)
            return copy_from_user(src->vm, (void *)addr, src->uaddr + off, n);
        bool dst_faulted;
        return copy_user_to_user(vm, addr, src->vm, src->uaddr + off, n, &dst_faulted);
    }
    case PROGRAM_FILE:
        for (uint64_t done = 0; done < n;) {
            uint64_t chunk = n - done < READ_CHUNK ? n - done : READ_CHUNK;
            long r = file_pread_kernel(src->file, vm, addr + done, off + done, chunk);
            if (r < 0)
                return (int)r;
            if (r == 0 || (uint64_t)r > chunk)
                return -ENOEXEC; /* the file ends before the bytes its headers promise */
            done += (uint64_t)r;
        }
        return 0;
    }
    return -EINVAL;
}

/*
 * A segment's file bytes into place. From a file whose server can map it
 * (IO_MAP), the whole pages from `first_own` on are the file's cached pages
 * mapped copy-on-write -- a program's text is then shared by every process
 * running it, and nothing is copied -- and only the rest is read: a first
 * page shared with the previous segment, and the zeros after the file bytes
 * in the last page when memory follows (bss; writing them makes that page a
 * private copy, as Linux's padzero). Otherwise everything is read.
 */
/* Makes the area at addr writable for the kernel's reads into it, if
 * load_segments made it with its final protection (it puts that back). */
static int open_for_loading(struct vmspace *vs, uint64_t addr)
{
    const struct vm_area *a = vmspace_find(vs, addr);
    if (!a || (a->prot & VM_WRITE))
        return 0;
    return vmspace_protect(vs, a->start, a->end - a->start, VM_READ | VM_WRITE);
}

static int load_segment_bytes(struct vmspace *vs, const struct elf_segment *seg, const struct program_source *src,
                              uint64_t first_own, struct file_pages *fp)
{
    uint64_t end = seg->vaddr + seg->filesz;
    bool mappable = src->kind == PROGRAM_FILE && src->file->node && seg->filesz &&
                    ((seg->vaddr - seg->offset) & (PAGE_SIZE - 1)) == 0 && first_own < end;
    if (!mappable) {
        /* (A first page shared with the previous segment is in its area,
         * which is writable; the segment's own area starts at first_own.) */
        int err = first_own < end ? open_for_loading(vs, first_own) : 0;
        return err ? err : source_read(src, vs, seg->vaddr, seg->offset, seg->filesz);
    }
    /* The part in a page shared with the previous segment: read. */
    if (first_own > seg->vaddr) {
        int err = source_read(src, vs, seg->vaddr, seg->offset, first_own - seg->vaddr);
        if (err)
            return err;
    }
    uint64_t map_start = first_own > seg->vaddr ? first_own : seg->vaddr & ~(uint64_t)(PAGE_SIZE - 1);
    uint64_t map_len = ((end + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1)) - map_start;
    uint64_t off = seg->offset - (seg->vaddr - map_start);
    uint64_t mapped = 0;
    long err;
    if (fp && off / PAGE_SIZE + map_len / PAGE_SIZE <= fp->npages) {
        /* The file's pages, kept: faults map them (vm_area.pages). */
        err = vmspace_attach_pages(vs, map_start, fp, off / PAGE_SIZE, map_start + map_len);
        mapped = map_len;
    } else {
        err = map_file_pages(vs, src->file->node, map_start, off, map_len, false, &mapped);
    }
    if (err && err != -ENODEV)
        return (int)err;
    if (mapped < map_len) {
        /* A server that cannot map, or a file shorter than its headers say:
         * read the rest (which reports a file that ends too soon), into an
         * area made writable for it if it was made with its final protection
         * (load_segments puts that back). */
        uint64_t from = map_start + mapped > seg->vaddr ? map_start + mapped : seg->vaddr;
        if (from < end) {
            int r = open_for_loading(vs, from);
            if (r)
                return r;
            r = source_read(src, vs, from, seg->offset + (from - seg->vaddr), end - from);
            if (r)
                return r;
        }
    }
    /* The file's page goes on past filesz: memory after the file bytes reads as zero. */
    uint64_t page_end = (end + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    if (seg->memsz > seg->filesz && page_end > end) {
        static const uint8_t zeros[256];
        for (uint64_t at = end; at < page_end;) {
            uint64_t n = page_end - at < sizeof(zeros) ? page_end - at : sizeof(zeros);
            int r = copy_to_user(vs, at, zeros, n);
            if (r)
                return r;
            at += n;
        }
    }
    return 0;
}

static bool wx(unsigned prot)
{
    return (prot & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC);
}

/* A piece of the image with its final protection (load_segments). */
struct piece {
    uint64_t start, len;
    unsigned prot;
};

/*
 * Maps every segment and reads its file bytes into place; [filesz, memsz)
 * stays zero. While the image is built the areas the kernel writes into are
 * readable and writable but not executable (nothing runs in the space yet),
 * and each piece gets its final protection at the end; an area mapped from
 * the file and never written by the kernel has it from the start.
 * W^X (vmspace.h): a segment asking to be writable and executable, or two
 * segments sharing a page that would need to be both, make the program
 * unloadable, said in the log.
 */
static int place_segments(struct vmspace *vs, const struct elf_image *img, const struct program_source *src,
                          const char *path, struct file_pages *fp)
{
    struct piece pieces[2 * ELF_MAX_SEGMENTS];
    unsigned npieces = 0;
    unsigned last_page_prot = 0; /* of the page where the previous segment ends */
    for (uint32_t i = 0; i < img->nsegs; i++) {
        const struct elf_segment *seg = &img->segs[i];
        uint64_t start = seg->vaddr & ~(uint64_t)(PAGE_SIZE - 1);
        uint64_t end = (seg->vaddr + seg->memsz + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
        unsigned prot = vm_prot(seg->prot);
        if (wx(prot)) {
            kprintf("exec: %s: segment %u is writable and executable: refused (W^X)\n", path, i);
            return -ENOEXEC;
        }
        unsigned tail_prot = prot;
        if (seg->shares_prev_page) {
            /* The first page already belongs to the previous segment's area. A page
             * has one set of permissions, so that page alone (split off) gets both. */
            unsigned both = last_page_prot | prot;
            if (wx(both)) {
                kprintf("exec: %s: segments %u and %u share a page that would be writable and "
                        "executable: refused (W^X)\n", path, i - 1, i);
                return -ENOEXEC;
            }
            pieces[npieces++] = (struct piece){ start, PAGE_SIZE, both };
            if (end == start + PAGE_SIZE)
                tail_prot = both; /* the segment ends in that page too */
            start += PAGE_SIZE;
        }
        if (end > start) {
            /* A segment the kernel will not write into gets its final
             * protection now, so its pages (a program's text, mapped from
             * the file) need no second pass; the rest are writable until
             * loaded. The kernel writes: zeros after the file bytes in the
             * last page, the next segment's bytes in a page it shares, and
             * (load_segment_bytes makes that area writable first) a read
             * when the file's server cannot map. */
            uint64_t file_end = seg->vaddr + seg->filesz;
            bool zero_tail = seg->memsz > seg->filesz && (file_end & (PAGE_SIZE - 1));
            bool next_shares = i + 1 < img->nsegs && img->segs[i + 1].shares_prev_page;
            unsigned initial = zero_tail || next_shares ? VM_READ | VM_WRITE : prot;
            int err = vmspace_add_area(vs, start, end - start, initial);
            if (err)
                return err;
            pieces[npieces++] = (struct piece){ start, end - start, prot };
        }
        last_page_prot = tail_prot;
        int err = load_segment_bytes(vs, seg, src, start, fp);
        if (err)
            return err;
    }
    for (unsigned i = 0; i < npieces; i++) {
        const struct vm_area *a = vmspace_find(vs, pieces[i].start);
        if (a && a->start == pieces[i].start && a->end == pieces[i].start + pieces[i].len &&
            a->prot == pieces[i].prot)
            continue; /* made with its final protection and never opened up */
        int err = vmspace_protect(vs, pieces[i].start, pieces[i].len, pieces[i].prot);
        if (err)
            return err;
    }
    return 0;
}

/* place_segments with, for a program file, its pages from the program
 * cache (filecache.h): all that the segments map, or none. */
static int load_segments(struct vmspace *vs, const struct elf_image *img, const struct program_source *src,
                         const char *path)
{
    struct file_pages *fp = 0;
    if (src->kind == PROGRAM_FILE && src->file->node) {
        uint64_t npages = 0;
        for (uint32_t i = 0; i < img->nsegs; i++) {
            const struct elf_segment *seg = &img->segs[i];
            uint64_t end = (seg->offset + seg->filesz + PAGE_SIZE - 1) / PAGE_SIZE;
            if (seg->filesz && end > npages)
                npages = end;
        }
        /* The whole file where it is small enough: a crash report finds the
         * symbol table past the segments (crash_report.c). */
        uint64_t size = src->file->node->size_at_open;
        uint64_t whole = size / PAGE_SIZE + (size % PAGE_SIZE != 0);
        if (whole > npages && whole <= FILECACHE_MAX_PAGES)
            npages = whole;
        fp = filecache_get(src->file->node, npages);
    }
    int err = place_segments(vs, img, src, path, fp);
    if (fp)
        file_pages_put(fp);
    return err;
}

/* The first bytes of the program, up to the end of its program headers, in
 * kernel memory: the source's own (kernel memory, or the head it carries),
 * or a copy in *copy (to kfree). */
static int read_headers(const struct program_source *src, const void **head, size_t *len, void **copy)
{
    *copy = 0;
    uint8_t ehdr[ELF64_EHDR_SIZE];
    size_t first = src->size < sizeof(ehdr) ? (size_t)src->size : sizeof(ehdr);
    if (src->head && src->head_len < first)
        first = (size_t)src->head_len; /* a file shorter than its ELF header */
    int err = source_read(src, 0, (uint64_t)ehdr, 0, first);
    if (err)
        return err;
    uint64_t end = elf_headers_end(ehdr, first);
    if (end > src->size)
        end = src->size; /* elf_parse_headers reports what is missing */
    if (end > HEADERS_MAX)
        return -ENOEXEC;
    *len = (size_t)end;
    if (src->kind == PROGRAM_KERNEL) {
        *head = src->kernel;
        return 0;
    }
    if (src->head && end <= src->head_len) {
        *head = src->head;
        return 0;
    }
    *copy = kmalloc(end ? end : 1);
    if (!*copy)
        return -ENOMEM;
    *head = *copy;
    return source_read(src, 0, (uint64_t)*copy, 0, end);
}

int image_load(struct image *im, const struct process *p, const char *name, const struct program_source *src,
               const struct ustack_aux *extra, unsigned nextra)
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
            kprintf("exec: %s: program headers not within the first %u KiB\n", name, HEADERS_MAX >> 10);
        return err;
    }
    /* Programs live below the mmap region: no segment may reach into it, so
     * a zero-fill segment of absurd size is refused here, not loaded. A file
     * of unknown size is checked by its reads instead (short: ENOEXEC). */
    err = elf_parse_headers(head, head_len, src->size, USER_IMAGE_LIMIT, img);
    kfree(copy);
    if (!err && img->pie)
        err = elf_relocate(img, PIE_BASE, USER_IMAGE_LIMIT);
    if (!err && !img->phdr_loaded) {
        kprintf("exec: %s: program headers are not in a loaded segment (AT_PHDR)\n", name);
        kfree(img);
        return -ENOEXEC;
    }
    if (err) {
        kprintf("exec: %s: not a loadable program: %s\n", name, elf_strerror(err));
        kfree(img);
        return -ENOEXEC;
    }
    uint64_t as = p->rlim[RLIMIT_AS].rlim_cur;
    uint64_t span = img->span_end - img->span_start + (USER_STACK_TOP - im->stack_low);
    if (as != RLIM_INFINITY && span > as) {
        kprintf("exec: %s: needs %lu KiB of address space, RLIMIT_AS allows %lu KiB\n", name, span >> 10, as >> 10);
        kfree(img);
        return -ENOMEM;
    }
    err = load_segments(im->vm, img, src, name);
    uint64_t vdso = 0;
    if (!err)
        err = vdso_map(im->vm, &vdso);
    if (!err) {
        /* The auxiliary vector Linux gives a static program, in Linux's order
         * (the vDSO first, as arm64's ARCH_DLINFO puts it), then Kenix's own
         * entries (AT_KENIX_BOOTINFO for init). */
        const struct ustack_aux linux_auxv[] = {
            { AT_SYSINFO_EHDR, vdso }, { AT_HWCAP, hwcaps() }, { AT_PAGESZ, PAGE_SIZE }, { AT_CLKTCK, 100 },
            { AT_PHDR, img->phdr }, { AT_PHENT, img->phent }, { AT_PHNUM, img->phnum },
            { AT_BASE, 0 }, { AT_FLAGS, 0 }, { AT_ENTRY, img->entry },
            { AT_UID, p->cred.ruid }, { AT_EUID, p->cred.euid }, { AT_GID, p->cred.rgid },
            { AT_EGID, p->cred.egid }, { AT_SECURE, 0 },
            { AT_RANDOM, 0 }, { AT_HWCAP2, 0 }, { AT_EXECFN, 0 }, { AT_PLATFORM, 0 },
        };
        enum { NLINUX = sizeof(linux_auxv) / sizeof(linux_auxv[0]), MAX_EXTRA = 4 };
        struct ustack_aux auxv[NLINUX + MAX_EXTRA];
        if (nextra > MAX_EXTRA) {
            err = -EINVAL;
        } else {
            memcpy(auxv, linux_auxv, sizeof(linux_auxv));
            memcpy(auxv + NLINUX, extra, nextra * sizeof(*extra));
            err = image_write_tail(im, auxv, NLINUX + nextra);
        }
    }
    if (!err) {
        im->entry = img->entry;
        im->brk = img->span_end;
        im->vm->brk_start = im->vm->brk = img->span_end;
    }
    kfree(img);
    return err;
}

int process_load(struct process *p, const char *path, const struct program_source *src, const char *const argv[],
                 const char *const envp[], const struct ustack_aux *extra, unsigned nextra)
{
    struct image im;
    int err = image_begin(&im, p->vm, p);
    if (!err)
        err = image_args_kernel(&im, p, path, argv, envp);
    if (!err)
        err = image_load(&im, p, path, src, extra, nextra);
    if (!err)
        err = process_new_thread(p, &im);
    return err;
}

int process_new_thread(struct process *p, const struct image *im)
{
    p->thread = thread_create_user(p, im->entry, im->sp, SCHED_DEFAULT_PRIORITY);
    if (!p->thread)
        return -ENOMEM;
    p->thread->tid = p->pid; /* one thread: its tid is the pid */
    return 0;
}

int initrd_find_program(const char *path, const void **data, size_t *size)
{
    if (!boot_info.initrd_start)
        return -ENOENT; /* none, or given back */
    const void *initrd = phys_to_virt(boot_info.initrd_start);
    size_t initrd_size = boot_info.initrd_end - boot_info.initrd_start;
    struct cpio_entry e;
    int err = cpio_find(initrd, initrd_size, path, &e);
    if (err == CPIO_ERR_NOTFOUND)
        return -ENOENT;
    if (err) {
        kprintf(KERN_ERR "exec: initrd is damaged: %s\n", cpio_strerror(err));
        return -EIO;
    }
    if (!cpio_is_reg(&e) || !(e.mode & 0111))
        return -EACCES;
    *data = e.data;
    *size = e.size;
    return 0;
}
