#include "kenix/panic.h"

#include <stdarg.h>

#include "kenix/cmdline.h"
#include "kenix/printk.h"
#include "klog.h"
#include "../arch/aarch64/psci.h"
#include "../arch/aarch64/sysreg.h"

static int panicking;

void panic_stop(void)
{
    kprintf("PANIC: system halted\n");
    /* Tests and `./kenix run` want QEMU to exit; kenix.panic=halt keeps the
     * machine up for a debugger instead. */
    if (!cmdline_has_value("kenix.panic", "halt"))
        psci_system_off();
    for (;;)
        wfi();
}

void panic(const char *fmt, ...)
{
    irq_disable();
    klog_panic(); /* a panic always reaches the console, with what was logged before it */
    if (panicking++) {
        kprintf("PANIC: recursive panic\n");
        for (;;)
            wfi();
    }
    va_list ap;
    va_start(ap, fmt);
    kprintf("PANIC: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    va_end(ap);
    /* Start at our caller: its frame record is the one our own record points to. */
    const uint64_t *record = __builtin_frame_address(0);
    backtrace_print((uint64_t)(uintptr_t)__builtin_return_address(0), record[0]);
    panic_stop();
}

int panic_enter(void)
{
    irq_disable();
    klog_panic();
    return panicking++;
}
