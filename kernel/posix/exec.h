/*
 * Building a program image: the one builder behind execve, kx_process_create
 * and the start of process 1 (POSIX-DESIGN R6).
 *
 * An image is built into an address space nobody runs in yet: first the
 * stack area, then the argument strings copied straight into the top of that
 * stack (from the caller's memory or from kernel strings: no kernel copy of
 * argv/envp in between), then the program's segments read from their source
 * straight into their pages, and last the rest of the initial stack
 * (pointers, auxiliary vector) laid out as Linux's binfmt_elf does
 * (lib/ustack.h). Until its owner installs it (execve's point of no return,
 * or a new process's first thread) the space is private to the builder, so a
 * failure anywhere is undone by dropping it: nothing the caller can see has
 * changed.
 *
 * Ownership: the caller owns the vmspace it builds into (execve makes a new
 * one and puts it on failure; kx_process_create and init build into the new
 * process's own, which process_discard frees). struct image itself holds no
 * reference and is plain data on the builder's stack.
 */
#ifndef KENIX_POSIX_EXEC_H
#define KENIX_POSIX_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/ustack.h"

struct file;
struct process;
struct vmspace;

/* Linux's MAX_ARG_STRLEN: the longest argv or envp string, NUL included. */
#define EXEC_MAX_ARG_STRLEN (32u * 4096u)
/* Linux's PATH_MAX: the longest path, NUL included. */
#define EXEC_PATH_MAX 4096u

struct image {
    struct vmspace *vm;     /* built into; not owned (see above) */
    uint64_t entry, sp, brk; /* once loaded: the first pc, sp and program break */
    /* The argument strings: the file name, envp and argv pushed downwards
     * from the stack's top as Linux's copy_strings does, so argv[0] is the
     * lowest. */
    uint64_t stack_low;     /* bottom of the stack area */
    uint64_t p;             /* lowest string byte so far */
    uint64_t argmin;        /* p may not go below (E2BIG): Linux's bprm->argmin */
    uint64_t execfn;        /* the file name string (AT_EXECFN) */
    uint64_t argc, envc;
    uint64_t run_id;        /* the program file's identity, counted as run (ETXTBSY); 0: none */
    struct file *exe;       /* the program file (a reference), once loaded from one */
};

/* Where a program's bytes come from: kernel memory (the initrd, for init),
 * another process's memory (kx_process_create) or an open file (execve).
 * `head`, if set, holds the file's first head_len bytes already read. */
enum program_kind { PROGRAM_KERNEL, PROGRAM_USER, PROGRAM_FILE };
struct program_source {
    enum program_kind kind;
    const void *kernel;     /* PROGRAM_KERNEL */
    struct vmspace *vm;     /* PROGRAM_USER: whose memory, at uaddr */
    uint64_t uaddr;
    struct file *file;      /* PROGRAM_FILE (read with file_pread_kernel) */
    uint64_t size;          /* bytes; UINT64_MAX: unknown (a file: reads end short at its end) */
    const void *head;
    uint64_t head_len;
};

/* Starts an image in vm (fresh, nothing mapped): its stack area, sized by p's
 * RLIMIT_STACK and big enough for the most argument bytes p may pass. */
int image_begin(struct image *im, struct vmspace *vm, const struct process *p);

/*
 * The arguments (Linux's rules, fs/exec.c): argc and envc are checked against
 * the room for argument strings -- a quarter of RLIMIT_STACK, at least
 * 128 KiB and at most 6 MiB, less the pointers to them -- then the file name
 * (AT_EXECFN), envp and argv are pushed; each string may be up to
 * EXEC_MAX_ARG_STRLEN bytes. -E2BIG past either limit. An empty argv gets one
 * empty string as argv[0], as Linux does since 5.18.
 * image_args_user reads NULL-terminated vectors in vs (a NULL vector is
 * empty): -EFAULT for a bad pointer. image_args_kernel takes kernel vectors.
 */
int image_args_user(struct image *im, const struct process *p, const char *execfn, struct vmspace *vs, uint64_t uargv,
                    uint64_t uenvp);
int image_args_kernel(struct image *im, const struct process *p, const char *execfn, const char *const argv[],
                      const char *const envp[]);
/* Pushes one kernel string below the others as the new argv[0] (argc + 1). */
int image_push_arg(struct image *im, const char *s);
/* Drops argv[0] (a script's name, replaced by its interpreter's line). */
int image_drop_arg(struct image *im);

/*
 * Loads the static ELF program from src into the image (ET_EXEC or static
 * PIE; W^X; RLIMIT_AS of p) and finishes its stack with the auxiliary vector
 * (AT_* as Linux gives a static program, the credentials of p, plus `extra`
 * entries). `name` is for the log. -ENOEXEC for a file that is not a
 * loadable program; a read's error (-EFAULT, -EIO, -EINTR...) as the source
 * gave it; -ENOMEM; -E2BIG when the stack cannot hold it all.
 */
int image_load(struct image *im, const struct process *p, const char *name, const struct program_source *src,
               const struct ustack_aux *extra, unsigned nextra);

/* exec.c's end of the stack, in exec_args.c: everything below the strings
 * (platform, random bytes, argc, argv[], envp[], auxv); sets im->sp. */
int image_write_tail(struct image *im, const struct ustack_aux *auxv, unsigned auxc);

/* Does the file start like an ELF file (the four magic bytes)? */
bool image_is_elf(const void *head, uint64_t len);

#endif
