/*
 * execve and execveat (POSIX-DESIGN R6): replacing the calling process's
 * program with one from a file.
 *
 * Everything that can fail happens first, into a new address space nobody
 * runs in: the path is copied, the file opened with VFS_O_EXEC (the vfs
 * checks execute permission and that it is a regular file), argv and envp
 * are copied straight from the caller into the new stack (exec_args.c), the
 * first bytes are read, "#!" scripts are followed to their interpreter
 * (Linux's binfmt_script rules, lib/shebang.c, at most 5 files deep as
 * Linux's exec_binprm: ELOOP beyond), and the ELF program is loaded
 * (exec.c). A failure -- a bad pointer, E2BIG, a file that is no program, a
 * read interrupted by a signal (its -EINTR or -ERESTARTSYS comes back as is,
 * so a restart makes the whole call again) -- drops the new space and
 * returns to the old program with its memory, fds and signal state exactly
 * as they were.
 *
 * Then the point of no return (exec_commit), in Linux's begin_new_exec
 * order: the new space is installed and the old one dropped (a vfork child
 * only drops its share of its parent's), the vfork parent is released,
 * close-on-exec fds are closed, signal state is reset for a new program
 * (signal_exec), and the thread's user context becomes the new program's
 * first: every register 0 but sp and pc, FP/SIMD state and TPIDR_EL0 zero.
 * Nothing there can fail.
 */
#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/printk.h"
#include "kenix/string.h"
#include "kenix/vfs.h"
#include "../arch/aarch64/sysreg.h"
#include "../core/process.h"
#include "../core/sched.h"
#include "../core/syscall.h"
#include "../core/trace.h"
#include "../lib/shebang.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"
#include "exec.h"
#include "file.h"
#include "sobj.h"
#include "vfs_client.h"
#include "signal.h"

/* Linux's exec_binprm allows this many rewrites of the file to run ("#!"
 * interpreters): the sixth file must be the program. */
#define EXEC_DEPTH_MAX 5

/* Working memory of one execve: kept off the kernel stack. */
struct exec_buf {
    char path[EXEC_PATH_MAX];        /* as given */
    char name[EXEC_PATH_MAX + 16];   /* the program's name: the path, or /dev/fd/N/path relative to a
                                      * dirfd (Linux's bprm->filename): AT_EXECFN, comm, a script's argument */
    char head[SHEBANG_BUF_SIZE];     /* the file's first bytes, zero-filled */
    char interp[SHEBANG_BUF_SIZE];   /* the interpreter of the script being followed */
};

static const char *base_name(const char *path)
{
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    return base;
}

/* The point of no return: p runs the image from now on. */
static void exec_commit(struct process *p, struct trap_frame *f, struct image *im, const char *path)
{
    struct thread *t = current_thread();
    struct vmspace *old = p->vm;
    /* The old program's page faults and peak size stay the process's
     * (ru_minflt, ru_maxrss), unless it borrowed a vfork parent's space. */
    if (old->refs == 1) {
        p->min_faults += old->faults;
        if (old->max_resident > p->max_rss_pages)
            p->max_rss_pages = old->max_resident;
    }
    p->vm = im->vm;
    vmspace_activate(im->vm); /* before the old tables can go */
    vmspace_put(old);         /* a vfork parent keeps its space: only our share goes */

    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (p->vfork_parent) {
        wait_wake_all(&p->vfork_waiters, 0);
        p->vfork_parent = 0;
    }
    spin_unlock_irqrestore(&proc_lock, flags);

    fdtable_close_on_exec(p->files);
    signal_exec(p);

    /* A new program's first context: Linux's start_thread zeroes the frame;
     * x0 is the call's result, 0, written on the way out. */
    memset(f, 0, sizeof(*f));
    f->sp = im->sp;
    f->elr = im->entry;
    f->spsr = 0;        /* EL0t, interrupts unmasked */
    f->syscallno = -1;  /* nothing to restart */
    memset(&t->fpsimd, 0, sizeof(t->fpsimd)); /* FPCR and FPSR 0 too */
    sched_fpsimd_reload(t);                   /* if the registers hold our old state */
    t->tpidr_el0 = 0;
    write_sysreg(tpidr_el0, 0);
    t->restart.fn = 0;

    p->clear_child_tid = 0;
    p->did_exec = true;
    p->dumpable = true;
    memset(p->name, 0, sizeof(p->name));
    memcpy(p->name, path, strnlen(path, sizeof(p->name) - 1));
    const char *base = base_name(path);
    memset(p->comm, 0, sizeof(p->comm));
    memcpy(p->comm, base, strnlen(base, sizeof(p->comm) - 1));
    if (trace_enabled())
        trace_name(p);
}

/* Follows "#!" lines from `file` (a reference this takes over) to the
 * program, which it loads into im. `inaccessible`: the name is a dirfd's
 * that will be closed at exec, so no interpreter could open the script. */
static long load_program(struct process *p, struct image *im, struct exec_buf *b, struct file *file, bool inaccessible)
{
    const char *script = b->name; /* Linux's bprm->interp: what a script's interpreter gets as its path */
    long err = 0;
    for (int depth = 0;; depth++) {
        if (depth > EXEC_DEPTH_MAX) {
            err = -ELOOP;
            break;
        }
        memset(b->head, 0, sizeof(b->head));
        long n = file_pread_kernel(file, 0, (uint64_t)b->head, 0, sizeof(b->head));
        if (n < 0) {
            err = n;
            break;
        }
        if (image_is_elf(b->head, (uint64_t)n)) {
            const struct program_source src = {
                .kind = PROGRAM_FILE, .file = file, .size = UINT64_MAX, .head = b->head, .head_len = (uint64_t)n,
            };
            /* A file open for writing cannot be run (ETXTBSY), and from
             * here until the process's next exec or exit it cannot be
             * opened for writing. */
            if (file->node && file->node->identity) {
                err = fileuse_get_run(file->node->identity);
                if (err)
                    break;
                im->run_id = file->node->identity;
            }
            im->exe = file_get(file);
            err = image_load(im, p, b->name, &src, 0, 0);
            break;
        }
        const char *name, *arg;
        if (shebang_parse(b->head, &name, &arg) != 0) {
            err = -ENOEXEC; /* neither an ELF file nor a script (ash then tries /bin/sh) */
            break;
        }
        if (inaccessible) {
            err = -ENOENT;
            break;
        }
        /* Linux opens "" as the working directory, never a regular file. */
        if (!name[0]) {
            err = -EACCES;
            break;
        }
        /* argv becomes [interpreter, its argument?, the script, argv[1]...]. */
        err = image_drop_arg(im);
        if (!err)
            err = image_push_arg(im, script);
        if (!err && arg)
            err = image_push_arg(im, arg);
        if (!err)
            err = image_push_arg(im, name);
        if (err)
            break;
        memcpy(b->interp, name, strlen(name) + 1);
        script = b->interp;
        file_put(file);
        file = 0;
        uint32_t mode;
        err = vfs_open_kernel(AT_FDCWD, b->interp, O_RDONLY | VFS_O_EXEC, &file, &mode);
        if (err) {
            file = 0;
            break;
        }
    }
    if (file)
        file_put(file);
    return err;
}

static long do_execveat(struct trap_frame *f, int dirfd, uint64_t upath, uint64_t uargv, uint64_t uenvp, uint64_t flags)
{
    struct process *p = current_process();
    struct exec_buf *b = kmalloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    long err = strncpy_from_user(p->vm, b->path, upath, sizeof(b->path));
    bool empty = err == 0;
    if (err >= 0)
        err = (flags & ~(uint64_t)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) ? -EINVAL : 0;
    if (!err && empty && !(flags & AT_EMPTY_PATH))
        err = -ENOENT;
    struct file *file = 0;
    uint32_t mode;
    if (!err && empty) {
        /* The program the descriptor names (fexecve), opened again for
         * execution as Linux's do_open_execat does: any descriptor of the
         * file, O_PATH ones too, with execute permission checked now. */
        struct file *fd_obj = fd_file(p->files, dirfd);
        err = fd_obj ? vfs_reopen_exec(fd_obj, &file) : -EBADF;
        if (err)
            file = 0;
        ksnprintf(b->path, sizeof(b->path), "/dev/fd/%d", dirfd);
    } else if (!err) {
        uint32_t oflags = O_RDONLY | VFS_O_EXEC | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0);
        err = vfs_open_kernel(dirfd, b->path, oflags, &file, &mode);
        if (err)
            file = 0;
    }
    bool inaccessible = false;
    if (!err && empty) {
        memcpy(b->name, b->path, (size_t)strlen(b->path) + 1);
        inaccessible = fd_cloexec(p->files, (unsigned)dirfd); /* a script could not be reopened */
    } else if (!err && dirfd != AT_FDCWD && b->path[0] != '/') {
        ksnprintf(b->name, sizeof(b->name), "/dev/fd/%d/%s", dirfd, b->path);
        inaccessible = fd_cloexec(p->files, (unsigned)dirfd);
    } else if (!err) {
        memcpy(b->name, b->path, (size_t)strlen(b->path) + 1);
    }
    struct vmspace *vm = 0;
    if (!err) {
        vm = vmspace_create();
        err = vm ? 0 : -ENOMEM;
    }
    struct image im;
    if (!err)
        err = image_begin(&im, vm, p);
    if (!err)
        err = image_args_user(&im, p, b->name, p->vm, uargv, uenvp);
    if (!err) {
        err = load_program(p, &im, b, file, inaccessible);
        file = 0; /* load_program put it */
    }
    if (file)
        file_put(file);
    if (err) {
        if (im.run_id && vm)
            fileuse_put_run(im.run_id);
        if (vm && im.exe)
            file_put(im.exe);
        if (vm)
            vmspace_put(vm);
    } else {
        if (p->run_id)
            fileuse_put_run(p->run_id);
        p->run_id = im.run_id;
        if (p->exe)
            file_put(p->exe);
        p->exe = im.exe;
        exec_commit(p, f, &im, b->name);
    }
    kfree(b);
    return err;
}

/* execve(path, argv, envp) */
long sys_execve(struct trap_frame *f)
{
    return do_execveat(f, AT_FDCWD, f->x[0], f->x[1], f->x[2], 0);
}

/* execveat(dirfd, path, argv, envp, flags) */
long sys_execveat(struct trap_frame *f)
{
    return do_execveat(f, (int32_t)f->x[0], f->x[1], f->x[2], f->x[3], f->x[4]);
}
