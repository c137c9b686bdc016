/*
 * Processes: an address space and the threads running in it. For now a
 * process has one thread and is started from a program in the initrd; the
 * POSIX personality (fork, execve from the VFS, wait, signals) builds on this.
 */
#ifndef KENIX_CORE_PROCESS_H
#define KENIX_CORE_PROCESS_H

#include <stdint.h>

#include <stddef.h>

#include "handle.h"
#include "thread.h"

struct vmspace;
struct process_obj;
struct ustack_aux;

struct process {
    unsigned pid;
    struct process *parent;
    struct vmspace *vm;
    struct thread *thread;
    struct handle_table handles;
    struct process_obj *pobj;  /* the object process handles name, if any */
    uint64_t clear_child_tid;  /* set_tid_address */
    char name[32];
};

/* Finds an executable regular file in the initrd. */
int initrd_find_program(const char *path, const void **data, size_t *size);
/* Where a program's bytes are: in kernel memory (`kernel`, e.g. the initrd)
 * or in a process's memory (`vm` at `uaddr`, for kx_process_create). The
 * loader reads the headers and then each segment straight into the new
 * process's pages: the file is never copied whole. */
struct program_source {
    const void *kernel;
    struct vmspace *vm;
    uint64_t uaddr;
    uint64_t size;
};
/* Loads the static ELF program from src into p (a fresh process): segments,
 * stack with argv/envp/auxv (plus `extra` auxv entries), first thread --
 * not yet runnable. -ENOEXEC for a file that is not a loadable program;
 * -EFAULT/-ENOMEM when its bytes cannot be read from a process. */
int process_load(struct process *p, const char *path, const struct program_source *src, const char *const argv[],
                 const char *const envp[], const struct ustack_aux *extra, unsigned nextra);
/* Makes a loaded process's first thread runnable. */
void process_start(struct process *p);
struct process *current_process(void);
/* Ends the calling process with the given status (what wait would report). */
void __attribute__((noreturn)) process_exit(int status);
/* Ends the calling process because of an unrecoverable fault, reporting it. */
void __attribute__((noreturn)) process_fault(const char *what, const struct trap_frame *f, int signal);
struct process *process_alloc(const char *name);
/* Frees a process that never ran (load failed, or its creator let go of it). */
void process_free(struct process *p);

#endif
