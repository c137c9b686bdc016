/*
 * The vDSO in every program image (kernel/vdso/: the code; vdso_data.h: the
 * data page timer.c keeps). Both are memory objects over kernel pages, mapped
 * as windows (vmspace_map_object): shared frames, never copied, never
 * copy-on-write, shared by fork with the rest of the space.
 */
#ifndef KENIX_POSIX_VDSO_H
#define KENIX_POSIX_VDSO_H

#include <stdint.h>

struct vmspace;

/* Makes the two objects, once at boot (panics if it cannot: no process can
 * start without them). */
void vdso_init(void);
/* Maps the data page and the vDSO into a new image just below its stack
 * area; *ehdr gets the vDSO's address (AT_SYSINFO_EHDR). -ENOMEM, -EEXIST. */
int vdso_map(struct vmspace *vs, uint64_t *ehdr);
/* The address of the vDSO's __kernel_rt_sigreturn in vs (where a signal
 * handler installed without SA_RESTORER returns, as on Linux), or 0 if vs
 * was never given a vDSO. */
uint64_t vdso_sigreturn(const struct vmspace *vs);

#endif
