/*
 * The kernel trace buffer (kernel/core/trace.c), read through kx_trace:
 * system calls, IPC messages, context switches, interrupts, page faults and
 * process names, each a fixed-size record with a timestamp. tests/guest/
 * ktrace.c starts and reads it; tools/trace.py (`./kenix trace`) turns the
 * records into Chrome/Perfetto JSON.
 *
 * kx_trace(op, arg, buf, len), root only (-EPERM):
 *   KX_TRACE_START  arg records of room (at most KX_TRACE_MAX_RECORDS); drops
 *                   what an earlier run left; -EBUSY if running, -ENOMEM
 *   KX_TRACE_STOP   stops recording (the records stay to be read)
 *   KX_TRACE_READ   copies up to len bytes of whole records from the oldest
 *                   not yet read into buf: the bytes copied, 0 at the end
 *   KX_TRACE_STATUS records recorded | dropped (no room, 30 bits) << 32 |
 *                   running << 62: never negative
 *   KX_TRACE_FREE   stops and gives the buffer back
 * The process that started a trace owns its buffer: when it exits, the trace
 * stops and the buffer is freed (a killed ktrace leaks nothing).
 */
#ifndef KENIX_UAPI_TRACE_H
#define KENIX_UAPI_TRACE_H

#include <stdint.h>

#define KX_TRACE_START 1
#define KX_TRACE_STOP 2
#define KX_TRACE_READ 3
#define KX_TRACE_STATUS 4
#define KX_TRACE_FREE 5

#define KX_TRACE_MAX_RECORDS (1u << 18) /* 8 MiB of records */

/* Record types, and what pid, a and b hold. */
enum kx_trace_type {
    KX_TRACE_SYSCALL = 1,     /* pid enters system call a (Linux number, or a native one), first argument b */
    KX_TRACE_SYSCALL_RET = 2, /* pid leaves system call a with result b */
    KX_TRACE_SWITCH = 3,      /* the CPU goes to pid (0: idle or a kernel thread); a = the thread's tid, b = previous pid */
    KX_TRACE_IRQ = 4,         /* interrupt a begins (pid: the process interrupted, 0 if none) */
    KX_TRACE_IRQ_END = 5,     /* interrupt a handled */
    KX_TRACE_FAULT = 6,       /* pid faults at address a; b: 1 write, 2 execute, 4 resolved */
    KX_TRACE_IPC = 7,         /* a message from pid to process a, label b (a kernel-originated call: pid is the caller's) */
    KX_TRACE_NAME = 8,        /* pid's program is named: a and b hold its first 16 bytes (name, NUL padded) */
    KX_TRACE_EXIT = 9,        /* pid exits with wait status a */
};

struct kx_trace_record {
    uint64_t ns;   /* monotonic time */
    uint32_t type; /* enum kx_trace_type */
    uint32_t pid;
    uint64_t a, b;
};

#endif
