/*
 * Physical page frames: one buddy zone per RAM range from the device tree,
 * minus everything reserved at boot (kernel image, DTB, initrd, firmware
 * reservations and the allocator's own metadata).
 */
#ifndef KENIX_MM_FRAMES_H
#define KENIX_MM_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

void frames_init(void);
/* 2^order contiguous, naturally aligned frames; returns the PA, 0 when out of memory. */
uint64_t frame_alloc(unsigned order);
void frame_free(uint64_t pa, unsigned order);
/* Sharing single frames (copy-on-write): a frame from frame_alloc(0) starts
 * with one reference; frame_unref frees it when the last one goes. */
void frame_ref(uint64_t pa);
/* frame_ref, unless refuse_shared and another reference exists already
 * (a copy-on-write page that is not the holder's alone): whether it took one. */
bool frame_ref_unless_shared(uint64_t pa, bool refuse_shared);
void frame_unref(uint64_t pa);
unsigned frame_refcount(uint64_t pa);
uint64_t frames_free_pages(void);
/* Gives the pages of a boot reservation made for exactly [start, start +
 * size) (the initrd) to the allocator; returns how many became free. */
uint64_t frames_give_back(uint64_t start, uint64_t size);
uint64_t frames_total_pages(void);
/* Pages of RAM kept out of the zones now: the kernel image, the frame
 * metadata, firmware ranges, the initrd until it is given back. */
uint64_t frames_reserved_pages(void);

#endif
