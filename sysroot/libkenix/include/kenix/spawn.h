/*
 * Starting programs: from the initrd while it exists (a process holding the
 * initrd memory object -- init, or a program init gave it at KX_SLOT_INITRD
 * -- maps it once, finds a program in it and asks the kernel for a process
 * running it), and from the file system once the vfs has unpacked the
 * initrd and it was given back: then kx_initrd_open succeeds with no
 * archive (base NULL), kx_initrd_find reads the file, kx_initrd_next finds
 * nothing, and kx_spawn reads the program from its file.
 */
#ifndef KENIX_SPAWN_H
#define KENIX_SPAWN_H

#include <stddef.h>
#include <stdint.h>

#include <kenix/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kx_initrd {
    const void *base; /* the archive, mapped read-only */
    size_t size;
};

/* The handle of the initrd: from the boot info in init, else KX_SLOT_INITRD. */
kx_handle_t kx_initrd_handle(void);
/* Maps the initrd object; 0 or -errno. */
long kx_initrd_open(kx_handle_t initrd, struct kx_initrd *rd);
/* Finds an executable regular file; 0, -ENOENT, -EACCES, or -EIO for a damaged archive. */
long kx_initrd_find(const struct kx_initrd *rd, const char *path, const void **data, size_t *size);
/* Walks the archive: sets *name to the next entry's path (as stored, e.g.
 * "bin/test_ipc") and returns 1; 0 at the end; -EIO for a damaged archive.
 * Start with *offset = 0. */
long kx_initrd_next(const struct kx_initrd *rd, size_t *offset, const char **name);
/* A new process running the program at `path` (not started: give it handles,
 * then kx_process_start); returns its handle or -errno. */
long kx_spawn(const struct kx_initrd *rd, const char *path, char *const argv[], char *const envp[]);

/* A handle for a new process: `handle` (with `rights`, masked by its own) at `slot`. */
struct kx_give {
    kx_handle_t handle;
    uint32_t rights;
    int slot;
};

/* kx_spawn, then gives the process each of give[0..ngive-1] and starts it:
 * returns the handle of the running process, or -errno with nothing left
 * behind (a process never started is discarded with its handle). */
long kx_spawn_with(const struct kx_initrd *rd, const char *path, char *const argv[], char *const envp[],
                   const struct kx_give *give, unsigned ngive);

#ifdef __cplusplus
}
#endif

#endif
