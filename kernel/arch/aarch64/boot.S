/*
 * Kernel entry: the arm64 Image header, the drop from EL2 to EL1, the switch
 * onto the MMU, and the jump into the high half.
 *
 * Until the MMU is on this code and early_boot() run at the physical address
 * the loader chose; everything here is PC-relative (adr/adrp) for that reason.
 */
#include "kenix/memlayout.h"

#define SCTLR_EL1_RES1   0x30d00800   /* RES1 bits of SCTLR_EL1 in ARMv8.0 */
#define SCTLR_M          (1 << 0)     /* stage 1 MMU */
#define SCTLR_C          (1 << 2)     /* data cache */
#define SCTLR_SA         (1 << 3)     /* SP alignment check at EL1 */
#define SCTLR_I          (1 << 12)    /* instruction cache */
/* What user mode may do: the same as Linux allows its processes. */
#define SCTLR_SA0        (1 << 4)     /* SP alignment check at EL0 (SIGBUS, as on Linux) */
#define SCTLR_DZE        (1 << 14)    /* EL0 DC ZVA (musl's memset zeroes with it) */
#define SCTLR_UCT        (1 << 15)    /* EL0 reads CTR_EL0 (cache line sizes, __clear_cache) */
#define SCTLR_NTWI       (1 << 16)    /* EL0 WFI does not trap */
#define SCTLR_NTWE       (1 << 18)    /* EL0 WFE does not trap (spin-wait loops) */
#define SCTLR_UCI        (1 << 26)    /* EL0 DC CVAU/CIVAC, IC IVAU (code written at run time) */
#define SCTLR_EL0_ALLOWED (SCTLR_SA0 | SCTLR_DZE | SCTLR_UCT | SCTLR_NTWI | SCTLR_NTWE | SCTLR_UCI)
#define SPSR_EL1H_MASKED 0x3c5        /* EL1h with D, A, I, F masked */
#define HCR_RW           (1 << 31)    /* EL1 is AArch64 */

    .section .text.head, "ax"
    .global _head
_head:
    /* arm64 Image header (Documentation/arm64/booting.rst layout). */
    b       primary_entry               /* code0 */
    .long   0                           /* code1 */
    .quad   KIMAGE_TEXT_OFFSET          /* text_offset from a 2 MiB aligned base */
    .quad   _kernel_size                /* image_size, including .bss */
    .quad   0xa                         /* little-endian, 4K pages, any 2 MiB base */
    .quad   0, 0, 0
    .ascii  "ARM\x64"
    .long   0

    .text
primary_entry:
    mrs     x22, cntvct_el0             /* counter at entry, for the boot-time report */
    mov     x19, x0                     /* DTB physical address */
    mrs     x20, CurrentEL
    lsr     x20, x20, #2                /* the EL we were entered at, for the report */
    cmp     x20, #2
    b.ne    at_el1
    bl      el2_to_el1
at_el1:
    msr     daifset, #0xf
    ldr     x0, =SCTLR_EL1_RES1         /* MMU and caches off, little-endian */
    msr     sctlr_el1, x0
    isb

    /* Zero .bss before any C runs (its globals live there). */
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b
2:
    adrp    x0, boot_stack_top
    add     x0, x0, :lo12:boot_stack_top
    mov     sp, x0
    mov     x29, xzr
    mov     x30, xzr

    /* Parse the DTB and build the page tables, still at the physical address. */
    mov     x0, x19
    mov     x1, x20
    mov     x2, x22
    bl      early_boot                  /* returns the kimage VA - PA offset in x0 */
    mov     x21, x0

    bl      mmu_enable_at_pa

    /* Now on the kernel image mapping: move sp and continue at the linked VA. */
    mov     x0, sp
    add     x0, x0, x21
    mov     sp, x0
    ldr     x0, =exception_vectors
    msr     vbar_el1, x0
    isb
    ldr     x1, =kmain
    mov     x0, x19
    mov     x29, xzr
    mov     x30, xzr
    br      x1

/*
 * Prepare EL2 so that EL1 runs as if it had been entered directly: AArch64 at
 * EL1, timers and GICv3 system registers accessible, no FP/SIMD traps.
 */
el2_to_el1:
    mov     x0, #HCR_RW
    msr     hcr_el2, x0
    mrs     x0, cnthctl_el2
    orr     x0, x0, #3                  /* EL1PCTEN | EL1PCEN */
    msr     cnthctl_el2, x0
    msr     cntvoff_el2, xzr            /* virtual counter == physical counter */
    mov     x0, #0x33ff                 /* CPTR_EL2: RES1 bits, no traps */
    msr     cptr_el2, x0
    msr     hstr_el2, xzr
    mrs     x0, midr_el1
    msr     vpidr_el2, x0
    mrs     x0, mpidr_el1
    msr     vmpidr_el2, x0
    mrs     x0, id_aa64pfr0_el1
    ubfx    x0, x0, #24, #4             /* GIC system register interface present? */
    cbz     x0, 1f
    mrs     x0, S3_4_C12_C9_5           /* ICC_SRE_EL2 */
    mov     x1, #0x9                    /* SRE | Enable (lower ELs may use SRE) */
    orr     x0, x0, x1
    msr     S3_4_C12_C9_5, x0
    isb
1:  ldr     x0, =SCTLR_EL1_RES1
    msr     sctlr_el1, x0
    mov     x0, #SPSR_EL1H_MASKED
    msr     spsr_el2, x0
    msr     elr_el2, x30
    eret

/*
 * Turn the MMU on. Runs from the identity mapping in TTBR0 (built by
 * early_boot), so the instruction after the SCTLR write is still fetchable;
 * returns through x30 adjusted to the kernel image VA.
 */
mmu_enable_at_pa:
    adrp    x0, boot_mair
    ldr     x0, [x0, :lo12:boot_mair]
    msr     mair_el1, x0
    adrp    x0, boot_tcr
    ldr     x0, [x0, :lo12:boot_tcr]
    msr     tcr_el1, x0
    adrp    x0, boot_ttbr0
    ldr     x0, [x0, :lo12:boot_ttbr0]
    msr     ttbr0_el1, x0
    adrp    x0, boot_ttbr1
    ldr     x0, [x0, :lo12:boot_ttbr1]
    msr     ttbr1_el1, x0
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    ldr     x0, =(SCTLR_EL1_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_EL0_ALLOWED)
    msr     sctlr_el1, x0
    isb
    ic      iallu
    dsb     nsh
    isb
    add     x30, x30, x21               /* return to the high-half alias */
    ret

    /* Laid out like every kernel stack (kenix/memlayout.h): a KSTACK_SIZE
     * guard, left unmapped by mmu_build_boot_tables, then the stack. */
    .section .boot_stack, "aw", %nobits
    .balign KSTACK_SLOT_SIZE
    .global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
    .space  KSTACK_SIZE
boot_stack_bottom:
    .space  KSTACK_SIZE
boot_stack_top:
