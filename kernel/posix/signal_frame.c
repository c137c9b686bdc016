/*
 * The frame a signal handler runs on, exactly as Linux builds it on AArch64
 * (arch/arm64/kernel/signal.c), so that musl, glibc and debuggers find
 * everything where they look: the siginfo, then a ucontext whose mcontext
 * holds x0-x30, sp, pc, pstate and, in its 4 KiB reserved area, a chain of
 * records -- the FP/SIMD registers, the fault's ESR for faults, and a null
 * terminator. Above the frame, a frame record {x29, x30} links the handler's
 * backtrace to the interrupted code. rt_sigreturn reads it all back and
 * refuses anything it would not have written.
 *
 * Also the alternate signal stack (sigaltstack), which decides where the
 * frame goes.
 */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/string.h"
#include "signal_internal.h"
#include "vdso.h"
#include "../core/process.h"
#include "../core/sched.h"
#include "../mm/uaccess.h"

/* Linux's layout of struct rt_sigframe {siginfo; ucontext}: offsets in bytes. */
#define FRAME_INFO 0
#define FRAME_UC 128
#define UC_STACK 16                  /* stack_t */
#define UC_SIGMASK 40                /* 8 bytes, then room for a 1024-bit set */
#define UC_MCONTEXT 176              /* struct sigcontext, 16-aligned */
#define SC_FAULT_ADDRESS 0
#define SC_REGS 8                    /* x0..x30, then sp, pc, pstate */
#define SC_RESERVED 288              /* 4096 bytes of records */
#define RESERVED_SIZE 4096
#define FRAME_SIZE (FRAME_UC + UC_MCONTEXT + SC_RESERVED + RESERVED_SIZE) /* 4688 */
#define FRAME_MCONTEXT (FRAME_UC + UC_MCONTEXT)

/* Records in the reserved area: a header {magic, size} each. */
#define FPSIMD_MAGIC 0x46508001u
#define FPSIMD_SIZE 528              /* header, fpsr, fpcr, 32 16-byte vector registers */
#define ESR_MAGIC 0x45535201u
#define ESR_SIZE 16
#define EXTRA_MAGIC 0x45585401u

/* Linux's smallest alternate stack on AArch64 (uapi asm/signal.h: 5120;
 * musl's MINSIGSTKSZ is larger, which is only stricter). */
#define LINUX_MINSIGSTKSZ 5120

/* The registers mcontext holds, as Linux lays them out (sigcontext from regs on). */
struct sc_regs {
    uint64_t x[31];
    uint64_t sp;
    uint64_t pc;
    uint64_t pstate;
};
/* ... then 8 bytes of padding: the reserved area is 16-aligned. */
_Static_assert(SC_REGS + sizeof(struct sc_regs) + 8 == SC_RESERVED, "regs, sp, pc, pstate, padding, records");

struct ctx_header {
    uint32_t magic;
    uint32_t size;
};

struct fpsimd_record {
    struct ctx_header head;
    uint32_t fpsr;
    uint32_t fpcr;
    uint64_t vregs[64];
};
_Static_assert(sizeof(struct fpsimd_record) == FPSIMD_SIZE, "fpsimd_context is 528 bytes");

struct esr_record {
    struct ctx_header head;
    uint64_t esr;
};

/* What the head of the ucontext holds before the mcontext. */
struct uc_head {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct linux_stack uc_stack;
    uint64_t uc_sigmask;
    uint8_t unused[UC_MCONTEXT - UC_SIGMASK - 8];
};
_Static_assert(sizeof(struct uc_head) == UC_MCONTEXT, "the mcontext follows at 176");

#define PSTATE_NZCV 0xf0000000ull
#define PSTATE_MODE 0x1full  /* M[4:0]: 0 is EL0t, AArch64 */
#define PSTATE_DAIF 0x3c0ull

#define FAULT_SIGNALS (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | SIGBIT(SIGFPE))

/* --- the alternate stack ----------------------------------------------------------- */

/* Whether sp is on the alternate stack (never, with SS_AUTODISARM: Linux's rule,
 * so a handler may longjmp out and the next signal starts over). */
static bool on_sig_stack(const struct sigaltstack_state *ss, uint64_t sp)
{
    if (ss->flags & SS_AUTODISARM)
        return false;
    return sp > ss->sp && sp - ss->sp <= ss->size;
}

/* Linux's sas_ss_flags: SS_DISABLE, SS_ONSTACK, or 0 (usable). */
static int32_t stack_flags(const struct sigaltstack_state *ss, uint64_t sp)
{
    if (!ss->size)
        return SS_DISABLE;
    return on_sig_stack(ss, sp) ? SS_ONSTACK : 0;
}

/* Sets the alternate stack from `in` for a thread whose stack pointer is sp. */
static int altstack_set(struct sigaltstack_state *ss, const struct linux_stack *in, uint64_t sp)
{
    if (on_sig_stack(ss, sp))
        return -EPERM;
    uint32_t mode = (uint32_t)in->ss_flags & ~SS_AUTODISARM;
    if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
        return -EINVAL;
    if (mode == SS_DISABLE) {
        *ss = (struct sigaltstack_state){ .flags = SS_DISABLE };
        return 0;
    }
    if (in->ss_size < LINUX_MINSIGSTKSZ)
        return -ENOMEM;
    *ss = (struct sigaltstack_state){ in->ss_sp, in->ss_size, (uint32_t)in->ss_flags & SS_AUTODISARM };
    return 0;
}

/* sigaltstack(ss, old_ss) */
long sys_sigaltstack(struct trap_frame *f)
{
    struct process *p = current_process();
    struct sigaltstack_state *ss = &p->sig.altstack;
    struct linux_stack old = { ss->sp, stack_flags(ss, f->sp) | (int32_t)(ss->flags & SS_AUTODISARM), 0, ss->size };
    if (f->x[0]) {
        struct linux_stack in;
        int err = copy_from_user(p->vm, &in, f->x[0], sizeof(in));
        if (!err)
            err = altstack_set(ss, &in, f->sp);
        if (err)
            return err;
    }
    return f->x[1] ? copy_to_user(p->vm, f->x[1], &old, sizeof(old)) : 0;
}

/* --- building the frame ------------------------------------------------------------- */

/* The frame up to and with the FP/SIMD record's header is built in one
 * buffer and copied out in one piece, the vector registers straight from the
 * thread, then the tail of the chain: every copy_to_user looks the page up
 * again, and the eight small copies this used to make cost more than the
 * bytes (bench_posix signal). The rest of the 4 KiB reserved area is left as
 * it was, as on Linux. */
#define FRAME_RECORDS (FRAME_MCONTEXT + SC_RESERVED)
#define FRAME_HEAD (FRAME_RECORDS + 16) /* ... and the FP/SIMD record's header, fpsr, fpcr */

int signal_frame_setup(struct trap_frame *f, const struct ksiginfo *info, const struct sigaction_state *sa)
{
    struct process *p = current_process();
    struct thread *t = current_thread();
    struct sigaltstack_state *ss = &p->sig.altstack;
    uint64_t sp = f->sp;
    bool was_on_altstack = on_sig_stack(ss, sp);
    if ((sa->flags & SA_ONSTACK) && stack_flags(ss, sp) == 0)
        sp = ss->sp + ss->size;
    uint64_t record = (sp - 16) & ~15ull; /* {x29, x30}: the handler's caller */
    uint64_t frame = record - FRAME_SIZE;
    if (frame > record || (was_on_altstack && frame <= ss->sp))
        return -EFAULT; /* wrapped, or the alternate stack overflows */

    _Alignas(16) uint8_t head[FRAME_HEAD];
    memset(head, 0, sizeof(head)); /* the siginfo's tail, the ucontext's padding */
    memcpy(head + FRAME_INFO, info, sizeof(*info)); /* the head of Linux's siginfo_t */

    struct uc_head *uc = (struct uc_head *)(void *)(head + FRAME_UC);
    uc->uc_stack = (struct linux_stack){ ss->sp, (int32_t)((ss->size ? 0 : SS_DISABLE) | (ss->flags & SS_AUTODISARM)),
                                         0, ss->size };
    uc->uc_sigmask = sa->old_mask;

    bool fault = (FAULT_SIGNALS & SIGBIT(info->signo)) && info->code > 0 && info->code != SI_KERNEL;
    uint64_t fault_address = fault ? info->fault.addr : 0;
    memcpy(head + FRAME_MCONTEXT + SC_FAULT_ADDRESS, &fault_address, 8);
    struct sc_regs *regs = (struct sc_regs *)(void *)(head + FRAME_MCONTEXT + SC_REGS);
    memcpy(regs->x, f->x, sizeof(regs->x));
    regs->sp = f->sp;
    regs->pc = f->elr;
    regs->pstate = f->spsr;

    /* The records: FP/SIMD (the registers as they are now: load them from the
     * CPU if they live there), the ESR of a fault, the terminator. */
    sched_fpsimd_flush(t);
    struct { struct ctx_header head; uint32_t fpsr, fpcr; } fp_head = {
        { FPSIMD_MAGIC, FPSIMD_SIZE }, (uint32_t)t->fpsimd.fpsr, (uint32_t)t->fpsimd.fpcr };
    _Static_assert(sizeof(fp_head) == FRAME_HEAD - FRAME_RECORDS, "the FP/SIMD record's head");
    memcpy(head + FRAME_RECORDS, &fp_head, sizeof(fp_head));
    struct { struct esr_record esr; struct ctx_header end; } tail = { { { ESR_MAGIC, ESR_SIZE }, f->esr }, { 0, 0 } };
    uint64_t link[2] = { f->x[29], f->x[30] };

    int err = copy_to_user(p->vm, frame, head, sizeof(head));
    if (!err)
        err = copy_to_user(p->vm, frame + FRAME_HEAD, t->fpsimd.q, sizeof(t->fpsimd.q));
    if (!err) /* the ESR record only for a fault: else just the terminator */
        err = fault ? copy_to_user(p->vm, frame + FRAME_RECORDS + FPSIMD_SIZE, &tail, sizeof(tail))
                    : copy_to_user(p->vm, frame + FRAME_RECORDS + FPSIMD_SIZE, &tail.end, sizeof(tail.end));
    if (!err)
        err = copy_to_user(p->vm, record, link, sizeof(link));
    if (err)
        return err;

    /* The frame saved the alternate stack as it was; SS_AUTODISARM lets go of it now. */
    if (ss->flags & SS_AUTODISARM)
        *ss = (struct sigaltstack_state){ .flags = SS_DISABLE };

    f->x[0] = (uint64_t)info->signo;
    f->x[1] = frame + FRAME_INFO;
    f->x[2] = frame + FRAME_UC;
    f->x[29] = record;
    /* Without SA_RESTORER the handler returns through the vDSO's trampoline,
     * as on Linux: musl passes a restorer, glibc on arm64 does not. */
    f->x[30] = (sa->flags & SA_RESTORER) ? sa->restorer : vdso_sigreturn(p->vm);
    f->sp = frame;
    f->elr = sa->handler;
    return 0;
}

/* --- rt_sigreturn ----------------------------------------------------------------- */

/* Reads the record chain; 0 with *fp filled if it holds exactly one FP/SIMD
 * record and nothing but ESR records and a terminator besides. */
static int read_records(struct process *p, uint64_t base, struct fpsimd_record *fp)
{
    bool have_fp = false;
    for (uint64_t off = 0;;) {
        struct ctx_header h;
        if (off + sizeof(h) > RESERVED_SIZE)
            return -EFAULT;
        /* The first record is the FP/SIMD one in every frame the kernel
         * writes: read it whole at once (one page look-up, not two). */
        if (off == 0 && !copy_from_user(p->vm, fp, base, sizeof(*fp)) &&
            fp->head.magic == FPSIMD_MAGIC && fp->head.size == FPSIMD_SIZE) {
            have_fp = true;
            off += FPSIMD_SIZE;
            continue;
        }
        if (copy_from_user(p->vm, &h, base + off, sizeof(h)))
            return -EFAULT;
        if (h.magic == 0)
            return h.size == 0 && have_fp ? 0 : -EINVAL;
        if (h.size < sizeof(h) || h.size % 16 || h.size > RESERVED_SIZE - off)
            return -EINVAL;
        if (h.magic == FPSIMD_MAGIC) {
            if (have_fp || h.size != FPSIMD_SIZE || copy_from_user(p->vm, fp, base + off, sizeof(*fp)))
                return -EINVAL;
            have_fp = true;
        } else if (h.magic != ESR_MAGIC || h.size != ESR_SIZE) {
            return -EINVAL; /* not something this kernel writes */
        }
        off += h.size;
    }
}

/* rt_sigreturn(): back from a handler to what it interrupted, from the frame
 * at sp. A frame that is not one the kernel could have written -- misaligned,
 * unreadable, a pstate that is not EL0's, a broken record chain -- gets
 * SIGSEGV, as Linux gives it. */
long sys_rt_sigreturn(struct trap_frame *f)
{
    struct process *p = current_process();
    struct thread *t = current_thread();
    f->syscallno = -1; /* the restored x0 is a result, never a restart code */
    /* What the handler interrupted is over: restart_syscall now says EINTR (Linux). */
    t->restart.fn = 0;
    uint64_t frame = f->sp;
    struct sc_regs regs;
    struct fpsimd_record fp;
    struct { struct linux_stack stack; uint64_t mask; } sm; /* adjacent in the ucontext: one copy */
    _Static_assert(UC_SIGMASK == UC_STACK + sizeof(struct linux_stack), "uc_sigmask follows uc_stack");
    if ((frame & 15) || copy_from_user(p->vm, &regs, frame + FRAME_MCONTEXT + SC_REGS, sizeof(regs)) ||
        copy_from_user(p->vm, &sm, frame + FRAME_UC + UC_STACK, sizeof(sm)) ||
        (regs.pstate & (PSTATE_MODE | PSTATE_DAIF)) != 0 ||
        read_records(p, frame + FRAME_MCONTEXT + SC_RESERVED, &fp) != 0) {
        signal_fault(f, "bad signal frame", SIGSEGV, SEGV_MAPERR, frame);
        return (long)f->x[0];
    }
    __builtin_memcpy(f->x, regs.x, sizeof(regs.x));
    f->sp = regs.sp;
    f->elr = regs.pc;
    f->spsr = regs.pstate & PSTATE_NZCV;
    __builtin_memcpy(t->fpsimd.q, fp.vregs, sizeof(t->fpsimd.q));
    t->fpsimd.fpsr = fp.fpsr;
    t->fpsimd.fpcr = fp.fpcr;
    sched_fpsimd_reload(t);

    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    signal_set_blocked_locked(p, sm.mask);
    spin_unlock_irqrestore(&proc_lock, flags);
    /* The alternate stack as it was when the signal came; refusals other than
     * an unreadable one are ignored, as Linux's restore_altstack does. */
    altstack_set(&p->sig.altstack, &sm.stack, f->sp);
    return (long)f->x[0];
}
