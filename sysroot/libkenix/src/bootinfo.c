/* Finding the boot info: its address is the auxv entry AT_KENIX_BOOTINFO,
 * read through the C library's getauxval (musl's; a program without a C
 * library supplies its own from the auxv on its initial stack). A weak
 * reference would not do: it never pulls getauxval out of libc.a. */
#include <kenix/kx.h>

static const struct kx_bootinfo *found;

unsigned long getauxval(unsigned long type);

const struct kx_bootinfo *kx_bootinfo(void)
{
    if (!found) {
        const struct kx_bootinfo *bi = (const struct kx_bootinfo *)getauxval(AT_KENIX_BOOTINFO);
        if (bi && bi->magic == KX_BOOTINFO_MAGIC)
            found = bi;
    }
    return found;
}
