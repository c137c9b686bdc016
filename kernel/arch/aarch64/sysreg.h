/* Accessors and bit definitions for the AArch64 system registers the kernel uses. */
#ifndef KENIX_ARCH_SYSREG_H
#define KENIX_ARCH_SYSREG_H

#include <stdint.h>

#define read_sysreg(reg) ({                                   \
    uint64_t val_;                                             \
    __asm__ volatile("mrs %0, " #reg : "=r"(val_));            \
    val_;                                                      \
})

#define write_sysreg(reg, val) \
    __asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(val)) : "memory")

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dsb_ish(void) { __asm__ volatile("dsb ish" ::: "memory"); }
static inline void dsb_ishst(void) { __asm__ volatile("dsb ishst" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* Memory attribute indices into MAIR_EL1 (see mmu.c for the encodings). */
#define MT_DEVICE_nGnRE 0
#define MT_NORMAL 1
#define MT_NORMAL_NC 2
#define MT_DEVICE_nGnRnE 3

/* Exception classes (ESR_EL1.EC) the kernel names in reports. */
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP_ASIMD 0x07
#define EC_ILLEGAL_STATE 0x0e
#define EC_SVC64 0x15
#define EC_SYSREG 0x18
#define EC_IABT_LOWER 0x20
#define EC_IABT_CUR 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOWER 0x24
#define EC_DABT_CUR 0x25
#define EC_SP_ALIGN 0x26
#define EC_FP_EXC64 0x2c
#define EC_SERROR 0x2f
#define EC_BRK64 0x3c

#endif
