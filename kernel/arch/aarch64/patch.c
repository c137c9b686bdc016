/*
 * Patching kernel text (patch.h). The image's text is mapped read and execute
 * only; the same frame is also in the linear map, writable and never
 * executable, so the new instruction is written there, then made visible to
 * instruction fetch: clean the data cache line to the point of unification,
 * invalidate the instruction cache line for the executable address, and
 * synchronize (Arm ARM B2.2.5, "Concurrent modification and execution of
 * instructions": a single aligned 32-bit write of B or NOP is one of the
 * instructions that may be changed while another CPU could run it). One CPU
 * today; interrupts are masked so no handler runs half-patched code of ours.
 */
#include "patch.h"

#include "kenix/panic.h"
#include "kenix/spinlock.h"
#include "mmu.h"

#define INSN_NOP 0xd503201fu
#define INSN_B 0x14000000u

static void write_insn(uint32_t *site, uint32_t insn)
{
    irqflags_t flags = irq_save();
    volatile uint32_t *alias = phys_to_virt(virt_to_phys(site));
    *alias = insn;
    __asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %1\n dsb ish\n isb" ::"r"(alias), "r"(site) : "memory");
    irq_restore(flags);
}

void text_patch_branch(uint32_t *site, const void *target)
{
    int64_t offset = (int64_t)((uintptr_t)target - (uintptr_t)site);
    if ((offset & 3) || offset >= (1ll << 27) || offset < -(1ll << 27))
        panic("text_patch_branch: %p is out of a branch's reach from %p", target, (void *)site);
    write_insn(site, INSN_B | (uint32_t)((offset >> 2) & 0x03ffffff));
}

void text_patch_nop(uint32_t *site)
{
    write_insn(site, INSN_NOP);
}
