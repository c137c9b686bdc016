/*
 * Initial user stack of a new program, laid out exactly as Linux's
 * binfmt_elf does on AArch64, because musl's _start_c (and any static Linux
 * binary) reads it from sp without asking anyone:
 *
 *   top                 <- 16-byte aligned, end of the stack
 *   8 bytes of zero     (Linux's end marker)
 *   execfn string       AT_EXECFN points here
 *   envp strings        envp[0] lowest
 *   argv strings        argv[0] lowest
 *   padding             down to 16-byte alignment
 *   platform string     AT_PLATFORM ("aarch64")
 *   16 random bytes     AT_RANDOM
 *   padding             so that sp ends up 16-byte aligned
 *   auxv pairs, AT_NULL pair
 *   NULL, envp[envc-1] .. envp[0]
 *   NULL, argv[argc-1] .. argv[0]
 *   argc                <- sp (16-byte aligned)
 *
 * (Linux subtracts a random sub-page offset before the platform string when
 * randomizing; the caller can get the same effect by lowering `top`.)
 *
 * The builder writes into a kernel buffer that backs the top `size` bytes of
 * the user stack, translating user addresses itself, and never writes outside
 * it. Pure C with no kernel dependencies, so it runs in host unit tests.
 */
#ifndef KENIX_LIB_USTACK_H
#define KENIX_LIB_USTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Auxiliary vector types (Linux values, include/uapi/linux/auxvec.h). */
#define AT_NULL 0
#define AT_IGNORE 1
#define AT_EXECFD 2
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_NOTELF 10
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_BASE_PLATFORM 24
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ 51

/* Errors are negative Linux errno values, so execve can return them as is. */
#define USTACK_ERR_2BIG (-7)   /* -E2BIG: does not fit, or a string too long */
#define USTACK_ERR_INVAL (-22) /* -EINVAL: bad arguments (see ustack_build) */

/* Linux's MAX_ARG_STRLEN: the longest argv/envp string, NUL included. */
#define USTACK_MAX_STRLEN (32u * 4096u)
#define USTACK_RANDOM_BYTES 16u

struct ustack_aux {
    uint64_t type;
    uint64_t val;
};

struct ustack_args {
    const char *const *argv;     /* argc strings (NULL allowed when argc is 0) */
    size_t argc;
    const char *const *envp;     /* envc strings */
    size_t envc;
    const char *execfn;          /* path given to execve, or NULL for none */
    const char *platform;        /* "aarch64", or NULL for none */
    const uint8_t *random;       /* USTACK_RANDOM_BYTES bytes, or NULL for none */
    /*
     * Pairs in the order they should appear, without the final AT_NULL.
     * The values of AT_RANDOM, AT_PLATFORM and AT_EXECFN are ignored and
     * replaced by the user addresses the builder chose.
     */
    const struct ustack_aux *auxv;
    size_t auxc;
};

/* Where everything went (user addresses). */
struct ustack_layout {
    uint64_t sp;                 /* argc is here */
    uint64_t argv;               /* argv[0] pointer slot */
    uint64_t envp;               /* envp[0] pointer slot */
    uint64_t auxv;               /* first auxv pair */
    uint64_t arg_start, arg_end; /* argv strings, as Linux's mm->arg_start/arg_end */
    uint64_t env_start, env_end; /* envp strings */
    uint64_t execfn, platform, random; /* 0 when not placed */
};

/*
 * Builds the stack in buf, which backs user addresses [top - size, top).
 * Returns the initial sp (>= 0) and fills *layout (may be NULL), or a
 * negative USTACK_ERR_*: 2BIG when it needs more than `size` bytes or a
 * string is USTACK_MAX_STRLEN or longer; INVAL when top is not 16-byte
 * aligned or not below 2^63, size > top, a needed pointer is NULL, an auxv
 * type is AT_NULL, or AT_RANDOM/AT_PLATFORM/AT_EXECFN is requested without
 * its source. On error nothing has been written. Bytes in [sp, top) that
 * hold nothing else are zeroed; bytes below sp are left alone.
 *
 * buf may be NULL to compute the layout without writing (to size the stack).
 */
int64_t ustack_build(void *buf, size_t size, uint64_t top, const struct ustack_args *args,
                     struct ustack_layout *layout);

/*
 * The part of the layout below the strings, for a loader that put the
 * strings in place itself (execve copies them straight from the caller into
 * the new stack): argc strings then envc strings lie contiguously upwards
 * from strings_low. Computes, exactly as ustack_build would, where the
 * platform string (platform_size bytes with its NUL, 0: none), the random
 * bytes (if `random`), the pointer arrays and auxc auxv pairs plus AT_NULL
 * go, without going below `low`: fills *layout (sp, argv, envp, auxv,
 * platform, random) and returns sp, or USTACK_ERR_2BIG / USTACK_ERR_INVAL.
 * The words from sp upwards are then argc, argv[], NULL, envp[], NULL,
 * auxv pairs, AT_NULL pair.
 */
int64_t ustack_plan_tail(uint64_t low, uint64_t strings_low, uint64_t argc, uint64_t envc, uint64_t auxc,
                         uint64_t platform_size, bool random, struct ustack_layout *layout);

#endif
