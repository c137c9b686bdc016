/*
 * The IO protocol: what the kernel sends a server for a file descriptor that
 * names one of the server's objects (docs/ipc-protocols.md, "IO protocol").
 *
 * Every message comes from the kernel on behalf of a process: its badge is
 * KX_BADGE_KERNEL | pid (<kenix/ipc.h>), which no process can forge, so the
 * server may trust the cookie in w[0] -- a number it chose when the object
 * was opened (today: kx_fd_attach, by a holder of the endpoint's receive
 * right; later the vfs's open). Answers put the result in w[0]: >= 0, or a
 * negative Linux errno, passed to the program unchanged. A count larger than
 * asked for is a protocol violation: the program gets -EIO.
 *
 *   IO_READ   w0 cookie, w1 offset, w2 bytes wanted, w3 IO_F_* flags.
 *             Answer w0 = bytes delivered: as the answer's bulk data, or
 *             written in place beforehand with kx_msg_write (the program's
 *             own buffer is the receive buffer: one copy). 0 is end of file.
 *   IO_WRITE  w0 cookie, w1 offset, w2 bytes, w3 IO_F_* flags. The bytes are
 *             the call's bulk data: received with the call (up to the
 *             server's receive room) or pulled with kx_msg_read. Answer
 *             w0 = bytes taken; with IO_F_APPEND, w1 = the new end (the
 *             kernel's offset becomes it).
 *   IO_STAT   w0 cookie. Answer w0 = 0, w1 = size in bytes (lseek SEEK_END);
 *             bulk, if the server has it: struct kx_stat (<kenix/vfs.h>) for
 *             fstat. A server sending none gets a mode-0600 object of that size.
 *   IO_READDIR w0 cookie, w1 position (0 at the start, else a d_off the
 *             server gave), w2 room in bytes. Answer w0 = bytes of whole
 *             struct linux_dirent64 records as bulk (0: the end; -EINVAL if
 *             room is too small for the next record), w1 = the position after
 *             the last record sent. Positions stay valid while the directory
 *             changes: an entry present throughout is listed exactly once, and
 *             names added after the listing began (position 0, or the open)
 *             are left out of it, so it ends. A removed directory: -ENOENT.
 *   IO_SETATTR w0 cookie; bulk: struct vfs_req with data = struct vfs_attr
 *             and no path (<kenix/vfs.h>): fchmod, fchown, futimens, ftruncate.
 *   IO_SYNC   w0 cookie, w1 1 for fdatasync, 0 for fsync. Answer w0 = 0.
 *   IO_STATFS w0 cookie. Answer bulk: struct kx_statfs.
 *   IO_GETPATH w0 cookie. Answer w0 = bytes with the NUL, bulk = the
 *             object's absolute path (getcwd); -ENOENT once it was removed.
 *   IO_MAP    w0 cookie, w1 file offset (page aligned), w2 pages wanted,
 *             w3 IO_MAP_WRITE for a shared writable mapping. Answer w0 =
 *             pages described (fewer at the end of the file: no page wholly
 *             beyond it), bulk = one uint64_t per page: the page's address in
 *             the server's own address space, or 0 for a hole (only without
 *             IO_MAP_WRITE, which asks for every page to exist). The kernel
 *             maps the frames it finds there into the program (shared, or
 *             copy-on-write for a private mapping), so the server must hold
 *             the file's data in those very pages (write(2) lands in them),
 *             keep bytes past the end of the file zero, and give a slot a
 *             fresh page rather than reuse a frame it let go of (MADV_DONTNEED
 *             and a new fault do that): mappings keep the frames they have.
 *   IO_IOCTL  w0 cookie, w1 the ioctl request, w2 its argument when it is a
 *             value (TCFLSH, TCXONC, TCSBRK), w3 IO_F_NONBLOCK. A request
 *             whose argument is a structure (TCSETS*, TIOCSWINSZ) sends it as
 *             bulk; one that returns a structure (TCGETS, TIOCGWINSZ,
 *             FIONREAD, TIOCOUTQ) gets it from the answer's bulk, exactly its
 *             size. The kernel forwards only the requests of its tables
 *             (terminals: posix/tty.c; block devices: posix/sobj.c) and
 *             answers job-control requests itself.
 *             Answer w0 = 0 or -errno.
 *   IO_CLOSE  w0 cookie: the last descriptor of the open object went. One
 *             way: nobody waits for the answer (an answer is accepted and
 *             dropped), and close() never waits for the server.
 */
#ifndef KENIX_UAPI_IO_H
#define KENIX_UAPI_IO_H

#define KX_PROTO_IO 0x01u
#define KX_LABEL(proto, op) (((proto) << 8) | (op))

#define IO_READ KX_LABEL(KX_PROTO_IO, 1)
#define IO_WRITE KX_LABEL(KX_PROTO_IO, 2)
#define IO_STAT KX_LABEL(KX_PROTO_IO, 3)
#define IO_CLOSE KX_LABEL(KX_PROTO_IO, 4)
#define IO_READDIR KX_LABEL(KX_PROTO_IO, 5)
#define IO_SETATTR KX_LABEL(KX_PROTO_IO, 6)
#define IO_SYNC KX_LABEL(KX_PROTO_IO, 7)
#define IO_STATFS KX_LABEL(KX_PROTO_IO, 8)
#define IO_GETPATH KX_LABEL(KX_PROTO_IO, 9)
#define IO_MAP KX_LABEL(KX_PROTO_IO, 10)
#define IO_IOCTL KX_LABEL(KX_PROTO_IO, 11)

#define IO_MAP_WRITE 1u /* IO_MAP w3: the pages will be written through a shared mapping */

/* IO_READ / IO_WRITE w3. */
#define IO_F_NONBLOCK 1u /* the descriptor has O_NONBLOCK: answer -EAGAIN rather than wait */
#define IO_F_APPEND 2u   /* write at the end, atomically; answer the new end in w1 */
#define IO_F_FSETID 4u   /* the writer is privileged (euid 0, Linux's CAP_FSETID): a write keeps S_ISUID/S_ISGID */

/* kx_fd_attach flags, besides O_ACCMODE, O_NONBLOCK, O_APPEND and O_CLOEXEC. */
#define KX_FD_SEEKABLE (1u << 30) /* lseek moves the offset sent in each call */
#define KX_FD_EVENT (1u << 29)    /* x3 is an event handle (READ): the object's readiness for ppoll/pselect6.
                                   * Without it x3 is not looked at (callers from before it existed). */

#endif
