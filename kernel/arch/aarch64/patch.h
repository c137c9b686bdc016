/*
 * Rewriting one kernel instruction while the kernel runs (patch.c): the
 * static branch behind kernel tracing, which costs a nop while off.
 */
#ifndef KENIX_ARCH_AARCH64_PATCH_H
#define KENIX_ARCH_AARCH64_PATCH_H

#include <stdint.h>

/* Makes the instruction at site `B target` (both in the kernel image, within
 * +-128 MiB: the image is far smaller). */
void text_patch_branch(uint32_t *site, const void *target);
/* Makes the instruction at site a nop again. */
void text_patch_nop(uint32_t *site);

#endif
