/*
 * Kernel tracing (trace.c, <kenix/trace.h>). Hooks write a record only while
 * tracing: `if (trace_enabled()) trace_emit(...)`, or TRACE(...).
 */
#ifndef KENIX_CORE_TRACE_H
#define KENIX_CORE_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/trace.h"

struct process;
struct trap_frame;

extern bool trace_on;

/* Whether tracing is on, as a static branch: a nop while off, which starting
 * a trace rewrites into a branch to the `true` side (trace.c patches every
 * site listed in the __trace_sites section, link.ld.S). A hook costs one nop
 * when off: the IPC round trip and the context switch pass several. */
static inline __attribute__((always_inline)) bool trace_enabled(void)
{
    __asm__ goto("1: nop\n"
                 "    .pushsection __trace_sites, \"a\"\n"
                 "    .balign 8\n"
                 "    .quad 1b, %l[on]\n"
                 "    .popsection\n" ::: "memory" : on);
    return false;
on:
    return trace_on;
}

/* One record, timestamped now (any context). */
void trace_emit(uint32_t type, uint32_t pid, uint64_t a, uint64_t b);
/* A KX_TRACE_NAME record for p (its comm: the program's base name, or what
 * prctl(PR_SET_NAME) set). */
void trace_name(const struct process *p);
/* p is exiting: if it started the trace, the trace stops and its buffer goes. */
void trace_process_exit(const struct process *p);
/* The Linux system-call dispatch while tracing (vectors.S el0_svc_traced):
 * the call between a SYSCALL and a SYSCALL_RET record. */
long trace_syscall_dispatch(struct trap_frame *f);

#define TRACE(type, pid, a, b)                   \
    do {                                         \
        if (trace_enabled())                     \
            trace_emit((type), (pid), (a), (b)); \
    } while (0)

#endif
