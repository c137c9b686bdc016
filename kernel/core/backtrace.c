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

#define BACKTRACE_MAX 32

static void print_frame(unsigned n, uint64_t pc)
{
    kprintf("  #%u 0x%016lx ", n, pc);
    ksym_print(pc);
    kprintf("\n");
}

void backtrace_print(uint64_t pc, uint64_t fp)
{
    kprintf("backtrace:\n");
    unsigned n = 0;
    print_frame(n++, pc);
    while (n < BACKTRACE_MAX && fp && (fp & 15) == 0 && thread_on_kernel_stack(fp)) {
        const uint64_t *record = (const uint64_t *)(uintptr_t)fp;
        uint64_t next = record[0], lr = record[1];
        if (!lr)
            break;
        /* A return address points after the call: look up lr - 4 so a call
         * that is the last instruction of a function is named correctly. */
        kprintf("  #%u 0x%016lx ", n++, lr);
        ksym_print(lr - 4);
        kprintf("\n");
        if (next <= fp)
            break; /* stacks grow down: a record further down means corruption */
        fp = next;
    }
}
