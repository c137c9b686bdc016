/*
 * Processes: an address space and the threads running in it. For now a
 * process has one thread and is started from a program in the initrd; the
 * POSIX personality (fork, execve from the VFS, wait, signals) builds on this.
 */
#ifndef KENIX_CORE_PROCESS_H
#define KENIX_CORE_PROCESS_H

#include <stdint.h>

#include "thread.h"

struct vmspace;

struct process {
    unsigned pid;
    struct process *parent;
    struct vmspace *vm;
    struct thread *thread;
    uint64_t clear_child_tid; /* set_tid_address */
    char name[32];
};

/* Loads `path` from the initrd and makes its first thread runnable. */
int process_spawn_initrd(const char *path, const char *const argv[], const char *const envp[],
                         struct process **out);
void process_activate(struct process *p);
struct process *current_process(void);
/* Ends the calling process with the given status (what wait would report). */
void __attribute__((noreturn)) process_exit(int status);
/* Ends the calling process because of an unrecoverable fault, reporting it. */
void __attribute__((noreturn)) process_fault(const char *what, const struct trap_frame *f, int signal);
struct process *process_alloc(const char *name);
void process_free(struct process *p);

#endif
