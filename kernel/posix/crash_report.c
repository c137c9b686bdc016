/*
 * What the kernel says when a user program dies of a fault or a core-dumping
 * signal (crash_report.h): the registers and a backtrace of the user stack,
 * each address named by the program's own symbol table when it has one --
 * what a kernel panic shows for the kernel.
 *
 * The backtrace follows the frame-pointer chain (x29 -> {previous x29,
 * return address}, AAPCS64), read with copy_from_user: a bad pointer ends it,
 * never the kernel. Names come from the program file's SHT_SYMTAB, read from
 * the pages the program cache keeps for the running program (the areas of
 * its segments hold them: vm_area.pages), so no server is asked while a
 * process dies; a program run without them (from FAT32, or one over the
 * cache's size limit) or stripped gets bare addresses. Only addresses inside
 * the program's own segments are looked up there.
 *
 * Everything goes to the kernel log at KERN_INFO, after the line the report
 * starts with (process_fault's "... killed by signal N"), as Linux's
 * show_unhandled_signals does: `dmesg` shows it, and the console too at
 * loglevel 7 and above (the tests' setting).
 */
#include "crash_report.h"

#include "kenix/memlayout.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "../arch/aarch64/mmu.h"
#include "../arch/aarch64/trap.h"
#include "../core/process.h"
#include "../lib/elf.h"
#include "../mm/file_pages.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"

#define FRAMES_MAX 24 /* lines of backtrace: a runaway recursion is cut here */
#define NAME_MAX_LEN 64

/* The program file's bytes from the pages the cache keeps (holes read as zero). */
static bool pages_read(void *ctx, uint64_t off, void *dst, size_t n)
{
    const struct file_pages *fp = ctx;
    uint8_t *out = dst;
    while (n) {
        uint64_t index = off / PAGE_SIZE, within = off % PAGE_SIZE;
        if (index >= fp->npages)
            return false;
        size_t chunk = PAGE_SIZE - within < n ? PAGE_SIZE - within : n;
        if (fp->frames[index])
            memcpy(out, (const uint8_t *)phys_to_virt(fp->frames[index]) + within, chunk);
        else
            memset(out, 0, chunk);
        out += chunk;
        off += chunk;
        n -= chunk;
    }
    return true;
}

/* The program's symbols: its file's pages and where its link addresses are. */
struct symbols {
    const struct vmspace *vs;
    const struct file_pages *fp; /* NULL: none */
    struct elf_reader reader;
    uint64_t bias;               /* run-time address - link-time address */
};

static void find_symbols(const struct vmspace *vs, struct symbols *s)
{
    *s = (struct symbols){ .vs = vs };
    for (const struct vm_area *a = vs->areas; a; a = a->next) {
        if (!a->pages)
            continue;
        uint64_t vaddr;
        bool pie;
        struct elf_reader r = { pages_read, (void *)a->pages };
        if (elf_vaddr_of_offset(&r, a->pages_first * PAGE_SIZE, &vaddr, &pie) == 0) {
            s->fp = a->pages;
            s->reader = r;
            s->bias = a->start - (vaddr & ~(uint64_t)(PAGE_SIZE - 1));
        }
        return; /* the first file-backed area is the program's first segment */
    }
}

/* The function of the program holding a run-time address: its name and the
 * address's offset in it; false if none of the program's segments holds the
 * address or the file has no symbol for it. */
static bool function_at(const struct symbols *s, uint64_t addr, char *name, uint64_t *off)
{
    if (!s->fp)
        return false;
    const struct vm_area *a = vmspace_find((struct vmspace *)s->vs, addr);
    return a && a->pages == s->fp && elf_function_at(&s->reader, addr - s->bias, name, NAME_MAX_LEN, off) == 0;
}

/* " name+0xoff" for a run-time address, when function_at knows it. */
static void print_symbol(const struct symbols *s, uint64_t addr)
{
    char name[NAME_MAX_LEN];
    uint64_t off;
    if (function_at(s, addr, name, &off))
        kprintf(" %s+0x%lx", name, off);
}

/* Whether the return address in lr is a frame the frame-pointer chain will
 * not show: the function at pc is a leaf that saved no record, or pc is in
 * no function at all (a call through a bad pointer), so x29 still names the
 * caller's record, whose return address is not lr -- and lr lies in another
 * function than pc (else lr is only pc's function's own last call). */
static bool lr_is_a_frame(const struct symbols *s, const struct trap_frame *f, uint64_t first_return)
{
    char pc_name[NAME_MAX_LEN], lr_name[NAME_MAX_LEN];
    uint64_t pc_off, lr_off;
    uint64_t lr = f->x[30];
    if (!lr || lr == first_return || !function_at(s, lr - 4, lr_name, &lr_off))
        return false;
    if (!function_at(s, f->elr, pc_name, &pc_off))
        return true; /* pc is in no function (a call through a bad pointer): lr is where it came from */
    return f->elr - pc_off != (lr - 4) - lr_off;
}

static const char *signal_name(int sig)
{
    static const char *const names[] = {
        [4] = "SIGILL", [5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE",
        [9] = "SIGKILL", [11] = "SIGSEGV", [3] = "SIGQUIT", [31] = "SIGSYS",
    };
    return sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig] ? names[sig] : "signal";
}

void crash_report(const struct trap_frame *f, int sig, bool fault)
{
    struct process *p = current_process();
    struct vmspace *vs = p->vm;
    struct symbols s;
    find_symbols(vs, &s);
    kprintf("  %s (%d)", signal_name(sig), sig);
    if (fault)
        kprintf(", fault address 0x%lx, esr 0x%lx", f->far, f->esr);
    kprintf("%s\n", s.fp ? "" : " (no symbols: the program's pages are not in the program cache)");
    kprintf("  pc  0x%016lx", f->elr);
    print_symbol(&s, f->elr);
    kprintf("\n  lr  0x%016lx", f->x[30]);
    print_symbol(&s, f->x[30] - 4);
    kprintf("\n  sp  0x%016lx  pstate 0x%08lx\n", f->sp, f->spsr);
    for (unsigned i = 0; i < 30; i += 3)
        kprintf("  x%-2u 0x%016lx  x%-2u 0x%016lx  x%-2u 0x%016lx\n", i, f->x[i], i + 1, f->x[i + 1], i + 2,
                f->x[i + 2]);
    kprintf("  user backtrace:\n  #0  0x%016lx", f->elr);
    print_symbol(&s, f->elr);
    kprintf("\n");
    uint64_t frame = f->x[29];
    unsigned n = 1;
    uint64_t first[2];
    if (frame && (frame & 15) == 0 && frame < USER_TOP && !copy_from_user(vs, first, frame, sizeof(first)) &&
        lr_is_a_frame(&s, f, first[1])) {
        kprintf("  #1  0x%016lx", f->x[30]);
        print_symbol(&s, f->x[30] - 4);
        kprintf(" (lr)\n");
        n++;
    }
    for (; n < FRAMES_MAX && frame && (frame & 15) == 0 && frame < USER_TOP; n++) {
        uint64_t record[2];
        if (copy_from_user(vs, record, frame, sizeof(record)) || !record[1])
            break;
        /* A return address points after the call: name the call (lr - 4). */
        kprintf("  #%-2u 0x%016lx", n, record[1]);
        print_symbol(&s, record[1] - 4);
        kprintf("\n");
        if (record[0] <= frame)
            break; /* stacks grow down: a record further down means the chain is over or corrupt */
        frame = record[0];
    }
}
