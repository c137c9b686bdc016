/*
 * Frame-pointer unwinding. The kernel is built with frame pointers (also in
 * leaf functions), so x29 chains {previous x29, return address} records up
 * the stack; the exception entry pushes such a record too, so a backtrace
 * taken inside a handler continues into the interrupted code.
 */
#include "kenix/bootinfo.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "thread.h"

#define BACKTRACE_LINES_MAX 32
#define BACKTRACE_FRAMES_MAX 4096 /* a 16 KiB stack holds at most 1024 records */

static void print_frame(unsigned n, uint64_t pc)
{
    kprintf("  #%u 0x%016lx ", n, pc);
    ksym_print(pc);
    kprintf("\n");
}

/* Prints a run of identical return addresses once, with its length: a
 * recursion that overflowed the stack would otherwise fill the report. */
static void print_run(unsigned first, unsigned count, uint64_t lr)
{
    if (count == 1)
        kprintf("  #%u 0x%016lx ", first, lr);
    else
        kprintf("  #%u-#%u 0x%016lx ", first, first + count - 1, lr);
    /* A return address points after the call: look up lr - 4 so a call
     * that is the last instruction of a function is named correctly. */
    ksym_print(lr - 4);
    if (count > 1)
        kprintf(" (%u times)", count);
    kprintf("\n");
}

void backtrace_print(uint64_t pc, uint64_t fp)
{
    kprintf("backtrace:\n");
    print_frame(0, pc);
    unsigned n = 1, lines = 1, run = 0;
    uint64_t run_lr = 0;
    while (n < BACKTRACE_FRAMES_MAX && fp && (fp & 15) == 0 && thread_on_kernel_stack(fp)) {
        const uint64_t *record = (const uint64_t *)(uintptr_t)fp;
        uint64_t next = record[0], lr = record[1];
        if (!lr)
            break;
        if (run && lr != run_lr) {
            print_run(n - run, run, run_lr);
            run = 0;
            if (++lines == BACKTRACE_LINES_MAX)
                break;
        }
        run_lr = lr;
        run++;
        n++;
        if (next <= fp)
            break; /* stacks grow down: a record further down means corruption */
        fp = next;
    }
    if (run)
        print_run(n - run, run, run_lr);
}
