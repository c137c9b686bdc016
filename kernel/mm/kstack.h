/*
 * Kernel stacks for threads, each in its own slot of the kernel-stack area
 * with an unmapped guard below it (layout and why: kenix/memlayout.h). An
 * overflow faults on the guard instead of silently overwriting whatever
 * memory lies below, and the vectors recognize it (vectors.S).
 */
#ifndef KENIX_MM_KSTACK_H
#define KENIX_MM_KSTACK_H

#include <stdint.h>

/* A fresh KSTACK_SIZE stack; returns its lowest address, 0 when out of memory or slots. */
uint8_t *kstack_alloc(void);
/* Unmaps a stack from kstack_alloc and returns its memory. */
void kstack_free(uint8_t *stack);
uint64_t kstack_bytes(void); /* bytes of the stacks allocated now (the boot stack is in the image) */
/* Boot-time self-test: allocation, layout, reuse, no leaked pages. Panics on failure. */
void kstack_selftest(void);

#endif
