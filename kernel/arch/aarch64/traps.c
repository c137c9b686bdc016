/*
 * Exception dispatch and the fault report. From user mode: system calls,
 * page faults and the signals POSIX names for real faults. From the kernel:
 * a fault of one of uaccess.S's user accesses is resolved or turned into an
 * error; any other synchronous exception is a kernel bug and gets a full
 * report: decoded ESR, FAR, symbolized ELR, registers and a backtrace.
 */
#include "trap.h"

#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/irq.h"
#include "kenix/panic.h"
#include "kenix/printk.h"
#include "kenix/syscall.h"
#include "sysreg.h"
#include "asm_offsets.h"
#include "../../core/ipc.h"
#include "../../core/process.h"
#include "../../core/trace.h"
#include "../../core/sched.h"
#include "../../core/thread.h"
#include "../../core/syscall.h"
#include "../../mm/vmspace.h"
#include "../../posix/signal.h"

_Static_assert(__builtin_offsetof(struct trap_frame, orig_x0) == FRAME_ORIG_X0, "asm_offsets.h");
_Static_assert(__builtin_offsetof(struct trap_frame, syscallno) == FRAME_ORIG_X0 + 8, "asm_offsets.h");
_Static_assert(__builtin_offsetof(struct thread, proc) == THREAD_PROC, "asm_offsets.h");
_Static_assert(__builtin_offsetof(struct process, sig.blocked) == PROC_SIG_BLOCKED, "asm_offsets.h");
_Static_assert(__builtin_offsetof(struct process, sig.pending) == PROC_SIG_BLOCKED + 8, "asm_offsets.h");
_Static_assert(__builtin_offsetof(struct process, sig.restore_mask) == PROC_SIG_RESTORE_MASK, "asm_offsets.h");
_Static_assert(sizeof(((struct process *)0)->sig.restore_mask) == 1, "asm_offsets.h: read with ldrb");
_Static_assert(ASM_LINUX_SYSCALL_LIMIT == LINUX_SYSCALL_LIMIT, "asm_offsets.h");

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

/* Called on the overflow stack by vectors.S when an exception from EL1 found
 * SP below the current thread's kernel stack. */
void __attribute__((noreturn)) kernel_stack_overflow(const struct trap_frame *f)
{
    const struct thread *t = current_thread();
    uint64_t lo = (uint64_t)(uintptr_t)t->kstack;
    char what[96];
    ksnprintf(what, sizeof(what), "kernel stack overflow in thread %u \"%s\" (stack 0x%lx-0x%lx)", t->tid,
              t->name, lo, lo + KSTACK_SIZE);
    trap_panic(what, f);
}

/* A fault on a user address, resolved as the user's own access would be:
 * a page not mapped yet (maybe demand-zero) or mapped without write access
 * (maybe copy-on-write); other kinds are real faults. 0 or -errno
 * (vmspace_fault's). */
static int resolve_user_fault(struct vmspace *vm, uint64_t esr, uint64_t far, bool exec)
{
    unsigned fsc = esr & 0x3c;
    bool write = !exec && (esr & (1u << 6));
    if (fsc != 0x04 && fsc != 0x0c)
        return -EFAULT;
    return vmspace_fault(vm, far, write, exec, fsc == 0x0c);
}

/* One entry of __ex_table (uaccess.S): a user access and where it resumes,
 * each as an offset from the field itself. */
struct extable_entry {
    int32_t insn, fixup;
};
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

static uint64_t extable_fixup(uint64_t pc)
{
    for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if ((uint64_t)&e->insn + (int64_t)e->insn == pc)
            return (uint64_t)&e->fixup + (int64_t)e->fixup;
    return 0;
}

/*
 * A data abort taken by one of uaccess.S's user accesses: resolved as the
 * user's own access would be, and the access retried; or, if it cannot be
 * (no area, not allowed, no memory), the routine resumes at its fix-up and
 * returns the error, -EFAULT or -ENOMEM. Runs with interrupts as the
 * interrupted code had them: a copy made with interrupts on may allocate
 * and zero a page here exactly as the software walk would. False: not a
 * user access, a kernel bug.
 */
static bool uaccess_fault(struct trap_frame *f)
{
    uint64_t fixup = extable_fixup(f->elr);
    if (!fixup)
        return false;
    struct process *p = current_process();
    int err = -EFAULT;
    if (p && p->vm && f->far < USER_TOP) {
        bool irqs_on = !(f->spsr & (1u << 7));
        if (irqs_on)
            irq_enable();
        err = resolve_user_fault(p->vm, f->esr, f->far, false);
        if (irqs_on)
            irq_disable();
        if (err == 0)
            return true;
        if (err == -ENXIO)
            err = -EFAULT; /* past the end of a mapped file: for a copy, a bad address */
    }
    f->x[0] = (uint64_t)(int64_t)err;
    f->elr = fixup;
    return true;
}

/* Whether the interrupt being handled came from user mode (tick accounting). */
bool cpu_irq_from_user;

/* A synchronous exception from user mode: a system call, a page to fault in,
 * or a fault that raises the signal POSIX names for it (with si_addr and
 * si_code), to be handled or to end the process. */
static void user_sync(struct trap_frame *f)
{
    unsigned ec = (unsigned)(f->esr >> 26) & 0x3f;
    switch (ec) {
    case EC_SVC64:
        syscall_dispatch(f);
        return;
    case EC_FP_ASIMD:
        sched_fpsimd_trap(); /* lazy FP switching: load this thread's registers, retry */
        return;
    case EC_DABT_LOWER:
    case EC_IABT_LOWER: {
        bool write = ec == EC_DABT_LOWER && (f->esr & (1u << 6));
        struct vmspace *vm = current_process()->vm;
        int err = resolve_user_fault(vm, f->esr, f->far, ec == EC_IABT_LOWER);
        TRACE(KX_TRACE_FAULT, current_process()->pid, f->far,
              (write ? 1u : 0u) | (ec == EC_IABT_LOWER ? 2u : 0u) | (err ? 0u : 4u));
        if (err == 0)
            return;
        if (err == -ENOMEM)
            process_fault("out of memory", f, SIGKILL); /* what Linux's OOM killer sends */
        if (err == -ENXIO) {
            signal_fault(f, "access past the end of a mapped file", SIGBUS, BUS_ADRERR, f->far);
            return;
        }
        if ((f->esr & 0x3f) == 0x21) {
            signal_fault(f, "alignment fault", SIGBUS, BUS_ADRALN, f->far);
            return;
        }
        /* No mapping there at all, or one that does not allow this access. */
        int code = vmspace_find(vm, f->far) ? SEGV_ACCERR : SEGV_MAPERR;
        signal_fault(f, ec == EC_IABT_LOWER ? "instruction fetch fault" : write ? "write fault" : "read fault", SIGSEGV,
                     code, f->far);
        return;
    }
    case EC_PC_ALIGN:
        signal_fault(f, "PC alignment fault", SIGBUS, BUS_ADRALN, f->far);
        return;
    case EC_SP_ALIGN:
        signal_fault(f, "SP alignment fault", SIGBUS, BUS_ADRALN, f->sp);
        return;
    case EC_BRK64:
        signal_fault(f, "breakpoint", SIGTRAP, TRAP_BRKPT, f->elr);
        return;
    case EC_FP_EXC64:
        signal_fault(f, "floating-point exception", SIGFPE, FPE_FLTINV, f->elr);
        return;
    default:
        signal_fault(f, ec_name(ec), SIGILL, ILL_ILLOPC, f->elr);
        return;
    }
}

/* Synchronous exceptions from EL0 come straight here from the vector (vectors.S). */
void el0_sync(struct trap_frame *frame)
{
    irq_enable(); /* system calls and page faults run with interrupts on */
    if (((frame->esr >> 26) & 0x3f) == EC_SVC64) {
        frame->orig_x0 = frame->x[0];
        frame->syscallno = (int64_t)frame->x[8];
        uint64_t nr = frame->x[8];
        uint32_t pid = current_process()->pid;
        TRACE(KX_TRACE_SYSCALL, pid, nr, frame->x[0]);
        syscall_dispatch(frame);
        TRACE(KX_TRACE_SYSCALL_RET, pid, nr, frame->x[0]);
    } else {
        frame->syscallno = -1;
        user_sync(frame);
    }
    irq_disable(); /* the frame is restored and erets with interrupts masked */
    exit_to_user(frame);
}

void exit_to_user(struct trap_frame *f)
{
    for (;;) {
        if (sched_need_resched()) {
            schedule();
            continue;
        }
        /* Signals to act on, a system call to restart or finish (EINTR), a
         * temporary mask to put back: signal_deliver, with interrupts on. */
        if (signal_work_pending(f)) {
            irq_enable();
            signal_deliver(f);
            irq_disable();
            continue;
        }
        break;
    }
    f->syscallno = -1;
}

void trap_return_unmasked_panic(const struct trap_frame *f)
{
    trap_panic("trap_return entered with interrupts unmasked", f);
}

void trap_dispatch(unsigned slot, struct trap_frame *frame)
{
    unsigned source = slot / 4, kind = slot % 4;
    if (source == 2) { /* EL0, AArch64: synchronous ones come through el0_sync_entry, not here */
        frame->syscallno = -1;
        if (kind == TRAP_IRQ) {
            cpu_irq_from_user = true;
            irq_handle(frame);
            cpu_irq_from_user = false;
        } else {
            irq_enable();
            process_fault(kind == TRAP_SERROR ? "SError" : "FIQ", frame, SIGBUS);
        }
        exit_to_user(frame);
        return;
    }
    if (source == 1 && kind == TRAP_IRQ) {
        irq_handle(frame);
        return;
    }
    if (source == 1 && kind == TRAP_SYNC) {
        unsigned ec = (unsigned)(frame->esr >> 26) & 0x3f;
        if (ec == EC_DABT_CUR && uaccess_fault(frame))
            return;
        trap_panic(ec == EC_DABT_CUR ? "kernel data abort" :
                   ec == EC_IABT_CUR ? "kernel instruction abort" : "kernel synchronous exception", frame);
    }
    if (source == 3)
        process_fault("AArch32 exception", frame, SIGILL); /* no AArch32 user mode is ever set up */
    if (kind == TRAP_SERROR)
        trap_panic("SError", frame);
    trap_panic(source == 0 ? "exception taken on SP_EL0 at EL1" : "unexpected FIQ", frame);
}
