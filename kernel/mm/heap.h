/*
 * Kernel heap: kmalloc/kfree for kernel objects. Small sizes come from
 * per-size-class slabs (one page each), large ones straight from the frame
 * allocator. Memory is reached through the linear map.
 */
#ifndef KENIX_MM_HEAP_H
#define KENIX_MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

void *kmalloc(size_t size);   /* 16-byte aligned; NULL when out of memory */
void *kzalloc(size_t size);
void kfree(void *ptr);        /* kfree(NULL) does nothing */
/* Bytes of memory the heap holds now (whole pages: its slabs and large blocks). */
uint64_t heap_bytes_in_use(void);
/* Exercises the heap at boot; prints "heap: self-test ok" or panics. */
void heap_selftest(void);

#endif
