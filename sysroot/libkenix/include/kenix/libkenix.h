/*
 * libkenix: the small Kenix-specific library installed into the sysroot next
 * to musl. It carries what a POSIX C library cannot: raw traps (<kenix/trap.h>)
 * and the native system calls: handles, IPC, notifications, memory, IRQs and
 * processes (<kenix/kx.h>), with a server receive loop (kx_serve).
 */
#ifndef KENIX_LIBKENIX_H
#define KENIX_LIBKENIX_H

#include <kenix/kx.h>
#include <kenix/trap.h>
#include <kenix/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The release libkenix was built from; a program can compare it with the
 * KENIX_VERSION_STRING it was compiled against to catch a stale sysroot. */
const char *kenix_libkenix_version(void);

#ifdef __cplusplus
}
#endif

#endif
