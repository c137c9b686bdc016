/* The ChaCha20 block function (RFC 8439), the core of the kernel's random generator. */
#ifndef KENIX_LIB_CHACHA20_H
#define KENIX_LIB_CHACHA20_H

#include <stdint.h>

/* One 64-byte keystream block for key (8 words), counter and nonce (3 words). */
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64]);

#endif
