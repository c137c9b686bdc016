/*
 * Exception dispatch and the fault report. For now every synchronous
 * exception is a kernel bug (no user space yet) and gets a full report:
 * decoded ESR, FAR, symbolized ELR, registers and a backtrace.
 */
#include "trap.h"

#include "kenix/irq.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "sysreg.h"

static const char *ec_name(unsigned ec)
{
    switch (ec) {
    case EC_UNKNOWN: return "unknown/undefined instruction";
    case EC_WFX: return "trapped WFI/WFE";
    case EC_FP_ASIMD: return "FP/SIMD access trap";
    case EC_ILLEGAL_STATE: return "illegal execution state";
    case EC_SVC64: return "SVC";
    case EC_SYSREG: return "trapped system register access";
    case EC_IABT_LOWER: return "instruction abort, lower EL";
    case EC_IABT_CUR: return "instruction abort, current EL";
    case EC_PC_ALIGN: return "PC alignment fault";
    case EC_DABT_LOWER: return "data abort, lower EL";
    case EC_DABT_CUR: return "data abort, current EL";
    case EC_SP_ALIGN: return "SP alignment fault";
    case EC_SERROR: return "SError";
    case EC_BRK64: return "BRK instruction";
    default: return "other";
    }
}

/* Fault status codes (DFSC/IFSC) of data and instruction aborts. */
static void print_fault_status(uint64_t esr, unsigned ec)
{
    unsigned fsc = esr & 0x3f;
    unsigned level = fsc & 3;
    const char *kind;
    switch (fsc & 0x3c) {
    case 0x00: kind = "address size fault"; break;
    case 0x04: kind = "translation fault"; break;
    case 0x08: kind = "access flag fault"; break;
    case 0x0c: kind = "permission fault"; break;
    default:
        kind = fsc == 0x10 ? "synchronous external abort" : fsc == 0x21 ? "alignment fault" : "other fault";
        level = 4;
        break;
    }
    kprintf("  %s", kind);
    if (level < 4)
        kprintf(", level %u", level);
    if (ec == EC_DABT_CUR || ec == EC_DABT_LOWER)
        kprintf(", %s", (esr & (1u << 6)) ? "write" : "read");
    kprintf("\n");
}

void trap_panic(const char *what, const struct trap_frame *f)
{
    if (panic_enter()) {
        kprintf("PANIC: %s during panic\n", what);
        for (;;)
            wfi();
    }
    unsigned ec = (unsigned)(f->esr >> 26) & 0x3f;
    kprintf("PANIC: %s\n", what);
    kprintf("  ESR 0x%016lx (EC 0x%02x %s)\n", f->esr, ec, ec_name(ec));
    if (ec == EC_DABT_CUR || ec == EC_DABT_LOWER || ec == EC_IABT_CUR || ec == EC_IABT_LOWER)
        print_fault_status(f->esr, ec);
    kprintf("  FAR 0x%016lx\n", f->far);
    kprintf("  ELR 0x%016lx ", f->elr);
    ksym_print(f->elr);
    kprintf("\n  SPSR 0x%016lx SP 0x%016lx\n", f->spsr, f->sp);
    for (unsigned i = 0; i < 31; i++)
        kprintf("  x%-2u 0x%016lx%s", i, f->x[i], (i % 3 == 2 || i == 30) ? "\n" : "");
    backtrace_print(f->elr, f->x[29]);
    panic_stop();
}

void trap_dispatch(unsigned slot, struct trap_frame *frame)
{
    unsigned source = slot / 4, kind = slot % 4;
    if (source == 1 && kind == TRAP_IRQ) {
        irq_handle(frame);
        return;
    }
    if (source == 1 && kind == TRAP_SYNC) {
        unsigned ec = (unsigned)(frame->esr >> 26) & 0x3f;
        trap_panic(ec == EC_DABT_CUR ? "kernel data abort" :
                   ec == EC_IABT_CUR ? "kernel instruction abort" : "kernel synchronous exception", frame);
    }
    if (source >= 2)
        trap_panic("exception from EL0, which has no programs yet", frame);
    if (kind == TRAP_SERROR)
        trap_panic("SError", frame);
    trap_panic(source == 0 ? "exception taken on SP_EL0 at EL1" : "unexpected FIQ", frame);
}
