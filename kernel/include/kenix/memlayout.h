/*
 * Kernel virtual memory layout (TTBR1, 48-bit VA, 4 KiB granule).
 *
 *   0xffff000000000000  linear map of all RAM: VA = LINEAR_BASE + PA (no execute)
 *   0xffff800000000000  MMIO window: device regions mapped on demand (Device-nGnRE)
 *   0xffff800040000000  kernel stacks: 32 KiB slots, the stack in the upper half,
 *                       the lower half never mapped (the guard below the stack)
 *   0xffffffff80000000  kernel image, linked at KIMAGE_VBASE + KIMAGE_TEXT_OFFSET
 *
 * The image has its own mapping, separate from the linear map, so the kernel
 * runs wherever the boot loader put it (any 2 MiB-aligned base, as the arm64
 * Image protocol allows) and gets per-section permissions (W^X).
 * This header is also included by the linker script: keep it to #defines.
 */
#ifndef KENIX_MEMLAYOUT_H
#define KENIX_MEMLAYOUT_H

#define PAGE_SHIFT 12
#define PAGE_SIZE (1 << PAGE_SHIFT)

#define LINEAR_BASE 0xffff000000000000
#define LINEAR_SIZE 0x0000800000000000 /* 128 TiB: every PA below 2^47 */
#define MMIO_BASE 0xffff800000000000
#define MMIO_SIZE 0x0000000040000000   /* 1 GiB of device mappings */
#define KIMAGE_VBASE 0xffffffff80000000
#define KIMAGE_TEXT_OFFSET 0x80000      /* arm64 Image text_offset */

/*
 * Every kernel stack (the boot stack too) is KSTACK_SIZE bytes starting at an
 * address with bit KSTACK_SHIFT set and the KSTACK_SIZE bytes below it
 * unmapped. So an SP is on a stack exactly when that bit is set, and one that
 * ran off the bottom has it clear: the exception vectors test this one bit to
 * tell a stack overflow from an ordinary fault (vectors.S).
 */
#define KSTACK_SHIFT 14
#define KSTACK_SIZE (1 << KSTACK_SHIFT)  /* 16 KiB */
#define KSTACK_SLOT_SIZE (2 * KSTACK_SIZE)
#define KSTACK_AREA_BASE 0xffff800040000000 /* MMIO_BASE + MMIO_SIZE */
#define KSTACK_AREA_SIZE 0x0000000040000000 /* 1 GiB: 32768 stacks */

#endif
