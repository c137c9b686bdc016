/*
 * Advisory file locks (flock.c): POSIX record locks (fcntl F_GETLK, F_SETLK,
 * F_SETLKW) owned by a process, and BSD flock(2) locks owned by an open file
 * description. Both live in the kernel, keyed by the file's identity -- the
 * vfs's (file->node->identity), stable while the file is open -- so every
 * description of one file sees the same locks, whichever server keeps it.
 */
#ifndef KENIX_POSIX_FLOCK_H
#define KENIX_POSIX_FLOCK_H

#include <stdint.h>

struct file;
struct process;

/* fcntl(fd, F_GETLK/F_SETLK/F_SETLKW, struct flock *) for file f. */
long posix_lock_fcntl(struct file *f, unsigned cmd, uint64_t uflock);
/* A descriptor of f is being closed by the current process: POSIX says every
 * record lock the process holds on the file goes, whichever descriptor set it. */
void posix_locks_close(struct file *f);
/* The process is exiting: all its record locks go. */
void posix_locks_exit(struct process *p);
/* flock(fd, op) on f. */
long flock_file(struct file *f, uint64_t op);
/* The description's last reference went: its flock lock goes. */
void flock_release(struct file *f);

#endif
