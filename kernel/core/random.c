#include "random.h"

#include "kenix/printk.h"
#include "kenix/string.h"
#include "../arch/aarch64/sysreg.h"
#include "../lib/chacha20.h"

static uint32_t key[8];
static uint32_t nonce[3];

static void mix(const uint8_t *bytes, uint32_t len, unsigned *pos)
{
    for (uint32_t i = 0; i < len; i++, (*pos)++)
        key[(*pos / 4) % 8] ^= (uint32_t)bytes[i] << (8 * (*pos % 4));
}

static void rekey(void)
{
    uint8_t block[64];
    chacha20_block(key, 0, nonce, block);
    memcpy(key, block, sizeof(key));
    memset(block, 0, sizeof(block));
}

void random_init(const struct fdt *fdt)
{
    unsigned pos = 0, seeded = 0;
    int chosen = fdt_path_offset(fdt, "/chosen");
    static const char *const seeds[] = { "rng-seed", "kaslr-seed" };
    for (unsigned i = 0; i < 2 && chosen >= 0; i++) {
        uint32_t len;
        const uint8_t *p = fdt_getprop(fdt, chosen, seeds[i], &len);
        if (p) {
            mix(p, len, &pos);
            seeded += len;
        }
    }
    uint64_t counter = read_sysreg(cntvct_el0);
    mix((const uint8_t *)&counter, sizeof(counter), &pos);
    rekey();
    if (seeded >= 32)
        kprintf("random: seeded with %u bytes from the device tree\n", seeded);
    else
        kprintf(KERN_WARNING "random: WARNING: only %u seed bytes in the device tree; random numbers are weak\n", seeded);
}

void random_bytes(void *buf, size_t n)
{
    uint8_t *out = buf;
    uint8_t block[64];
    if (n <= 32) {
        /* Small requests (AT_RANDOM at every exec, getrandom for a seed):
         * one block makes both the next key and the output, as in
         * Bernstein's fast-key-erasure generator -- half the work of a
         * stream block plus a rekey, the same forward secrecy. */
        chacha20_block(key, 0, nonce, block);
        memcpy(key, block, sizeof(key));
        memcpy(out, block + sizeof(key), n);
        memset(block, 0, sizeof(block));
        return;
    }
    for (uint32_t counter = 1; n; counter++) {
        chacha20_block(key, counter, nonce, block);
        size_t chunk = n < sizeof(block) ? n : sizeof(block);
        memcpy(out, block, chunk);
        out += chunk;
        n -= chunk;
    }
    memset(block, 0, sizeof(block));
    nonce[0]++; /* a fresh stream per request, on top of the new key */
    rekey();
}
