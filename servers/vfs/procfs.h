/*
 * procfs (POSIX-DESIGN R7.5): /proc formatted from the kernel's read-only
 * system-information capability (<kenix/sysinfo.h>).
 *
 *   procfs.c       the back-end: nodes for /proc, /proc/<pid>, /proc/<pid>/fd,
 *                  made as they are looked up or listed and dropped when
 *                  their process is gone; every read formats afresh
 *   procfs_text.c  Linux's text formats, pure (host unit tests)
 *
 * The kernel is asked through procfs_query, which main.c points at
 * kx_sysinfo and the host tests at a fake.
 */
#ifndef VFS_PROCFS_H
#define VFS_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#include <kenix/sysinfo.h>

/* kx_sysinfo's contract: bytes written or -errno. NULL: /proc is empty of processes. */
extern long (*procfs_query)(unsigned what, uint64_t arg, void *buf, size_t len);

size_t procfs_pid_stat(const struct kx_proc_info *p, char *buf, size_t cap);
size_t procfs_pid_status(const struct kx_proc_info *p, uint32_t fds, char *buf, size_t cap);
size_t procfs_pid_statm(const struct kx_proc_info *p, char *buf, size_t cap);
size_t procfs_pid_comm(const struct kx_proc_info *p, char *buf, size_t cap);
/* cached: bytes of file data the vfs holds (tmpfs pages, disk cache); shmem: tmpfs's share. */
size_t procfs_meminfo(const struct kx_meminfo *m, uint64_t cached, uint64_t shmem, char *buf, size_t cap);
size_t procfs_stat(const struct kx_cpu_stat *s, char *buf, size_t cap);
size_t procfs_loadavg(const struct kx_cpu_stat *s, char *buf, size_t cap);
size_t procfs_uptime(uint64_t uptime_ns, uint64_t idle_ticks, char *buf, size_t cap);

#endif
