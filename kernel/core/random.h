/*
 * Kernel random numbers: a ChaCha20 generator keyed from the boot loader's
 * seed (/chosen/rng-seed and kaslr-seed in the DTB) and the counter, with
 * fast key erasure (each request ends by replacing the key), for getrandom
 * and AT_RANDOM.
 */
#ifndef KENIX_CORE_RANDOM_H
#define KENIX_CORE_RANDOM_H

#include <stddef.h>

#include "kenix/devtree.h"

void random_init(const struct fdt *fdt);
void random_bytes(void *buf, size_t n);

#endif
