/*
 * Terminals (tty.h): terminal objects and their native calls, descriptors
 * of terminals, the job-control ioctls and background checks, and the
 * controlling terminal of a session (Linux's tty_jobctrl.c does the same).
 */
#include "tty.h"

#include "file.h"
#include "sobj.h"
#include "kenix/errno.h"
#include "kenix/io.h"
#include "kenix/printk.h"
#include "kenix/tty.h"
#include "../core/event.h"
#include "../core/handle.h"
#include "../core/process.h"
#include "../core/syscall.h"
#include "../mm/heap.h"
#include "../mm/uaccess.h"

#define DEV_TTY 0x500u     /* 5:0, /dev/tty: the caller's controlling terminal */
#define DEV_CONSOLE 0x501u /* 5:1, /dev/console: never acquired by opening it */
#define REGISTERED_MAX 8

/* Device numbers servers registered (kx_term_register). tty_lock protects
 * the table; each entry holds a reference on its terminal. */
static struct spinlock tty_lock = SPINLOCK_INIT("tty");
static struct {
    uint64_t rdev;
    struct terminal *t;
} registered[REGISTERED_MAX];

static struct terminal *term_get(struct terminal *t)
{
    return (struct terminal *)kobject_get(&t->obj);
}

static void term_put(struct terminal *t)
{
    if (t)
        kobject_put(&t->obj);
}

void terminal_destroy(struct kobject *o)
{
    struct terminal *t = (struct terminal *)o;
    kobject_put(&t->ep->obj);
    if (t->event)
        kobject_put(&t->event->obj);
    kfree(t);
}

/* --- sessions (proc_lock held) ------------------------------------------- */

static unsigned sid_of(const struct process *p)
{
    return p->pgrp ? p->pgrp->session->sid : 0;
}

/* Whether t is p's controlling terminal now. */
static bool is_ctty(const struct process *p, const struct terminal *t)
{
    return t && p->ctty == t && t->sid && t->sid == sid_of(p);
}

static bool leads_session(const struct process *p)
{
    return p->pgrp && p->pgrp->session->sid == p->pid;
}

static unsigned signal_group(unsigned pgid, unsigned sid, int sig)
{
    struct pgrp *g = pgrp_find(pgid);
    unsigned n = 0;
    if (!g || g->session->sid != sid)
        return 0;
    for (struct process *m = g->members; m; m = m->pg_next) {
        if (m->state != PROC_LIVE)
            continue;
        signal_send_locked(m, sig, &proc_lock);
        n++;
    }
    return n;
}

/* The line stops controlling its session: SIGHUP and SIGCONT to the
 * foreground group (and to the leader when the line itself hung up). */
static unsigned hangup_locked(struct terminal *t, bool leader_too)
{
    unsigned n = 0;
    if (!t->sid)
        return 0;
    if (leader_too) {
        struct process *leader = process_find(t->sid);
        if (leader && leader->state == PROC_LIVE && sid_of(leader) == t->sid) {
            signal_send_locked(leader, SIGHUP, &proc_lock);
            signal_send_locked(leader, SIGCONT, &proc_lock);
            n++;
        }
    }
    n += signal_group(t->fg_pgid, t->sid, SIGHUP);
    signal_group(t->fg_pgid, t->sid, SIGCONT);
    t->sid = 0;
    t->fg_pgid = 0;
    return n;
}

/* Makes t the controlling terminal of p's session, p its leader; returns the
 * reference p held before (to put with no lock held). */
static struct terminal *bind_locked(struct process *p, struct terminal *t)
{
    struct terminal *old = p->ctty;
    t->sid = sid_of(p);
    t->fg_pgid = p->pgrp->pgid;
    p->ctty = term_get(t);
    return old;
}

static bool sig_ignored(const struct process *p, int sig)
{
    return (p->sig.blocked & SIGBIT(sig)) || p->sig.handler[sig - 1] == SIG_IGN;
}

/* Linux's __tty_check_change: whether the current process may read (SIGTTIN)
 * or change (SIGTTOU) t now. 0: go on. A process of a background group of
 * the session t controls gets the signal sent to its group and
 * -ERESTARTSYS, unless the signal is ignored or blocked (a read then fails
 * with EIO, a change goes on) or its group is orphaned (EIO). */
static int check_change(struct terminal *t, int sig)
{
    struct process *p = current_process();
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    int err = 0;
    if (is_ctty(p, t) && t->fg_pgid && p->pgrp->pgid != t->fg_pgid) {
        if (sig_ignored(p, sig))
            err = sig == SIGTTIN ? -EIO : 0;
        else if (pgrp_orphaned_locked(p->pgrp))
            err = -EIO;
        else {
            signal_group(p->pgrp->pgid, t->sid, sig);
            err = -ERESTARTSYS;
        }
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

/* --- descriptors ----------------------------------------------------------- */

static struct terminal *term_of(const struct file *f)
{
    return ((const struct sobj *)f->priv)->term;
}

static long tty_read(struct file *f, struct uio *u)
{
    int err = check_change(term_of(f), SIGTTIN);
    return err ? err : sobj_stream_ops.read(f, u);
}

static long tty_write(struct file *f, struct uio *u)
{
    struct terminal *t = term_of(f);
    if (t->tostop) {
        int err = check_change(t, SIGTTOU);
        if (err)
            return err;
    }
    return sobj_stream_ops.write(f, u);
}

static uint32_t tty_poll(struct file *f, struct poll_entry *e)
{
    return sobj_stream_ops.poll(f, e);
}

static void tty_release(struct file *f)
{
    sobj_close(f->priv);
}

/* The requests the server answers, with their argument's size in each
 * direction (Linux's kernel termios is 36 bytes, struct winsize 8). `value`:
 * the argument itself travels (w2); `change`: a background process gets
 * SIGTTOU first (Linux's tty_check_change). */
static const struct {
    unsigned cmd;
    uint8_t in, out;
    bool value, change;
} forwarded[] = {
    { TCGETS, 0, sizeof(struct kx_termios), false, false },
    { TCSETS, sizeof(struct kx_termios), 0, false, true },
    { TCSETSW, sizeof(struct kx_termios), 0, false, true },
    { TCSETSF, sizeof(struct kx_termios), 0, false, true },
    { TIOCGWINSZ, 0, sizeof(struct kx_winsize), false, false },
    { TIOCSWINSZ, sizeof(struct kx_winsize), 0, false, false },
    { FIONREAD, 0, 4, false, false },
    { TIOCOUTQ, 0, 4, false, false },
    { TCFLSH, 0, 0, true, true },
    { TCXONC, 0, 0, true, true },
    { TCSBRK, 0, 0, true, true },
};

static long forward(struct file *f, unsigned i, uint64_t arg)
{
    struct terminal *t = term_of(f);
    if (forwarded[i].change) {
        int err = check_change(t, SIGTTOU);
        if (err)
            return err;
    }
    struct kx_termios sent;
    long r = sobj_ioctl_call(f, forwarded[i].cmd, arg, forwarded[i].in, forwarded[i].out, forwarded[i].value,
                             forwarded[i].in == sizeof(sent) ? &sent : 0);
    if (!r && forwarded[i].in == sizeof(sent))
        t->tostop = sent.c_lflag & KX_TOSTOP;
    return r;
}

static long tiocsctty(struct file *f, uint64_t arg)
{
    struct process *p = current_process();
    struct terminal *t = term_of(f), *old = 0;
    if ((f->flags & O_ACCMODE) == O_WRONLY && p->cred.euid != 0)
        return -EPERM;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    long err = 0;
    if (!leads_session(p))
        err = -EPERM;
    else if (is_ctty(p, t))
        err = 0; /* already */
    else if (p->ctty && p->ctty->sid == sid_of(p))
        err = -EPERM; /* it has another */
    else if (t->sid && !(arg == 1 && p->cred.euid == 0))
        err = -EPERM; /* another session's; only root may steal it */
    else {
        t->sid = 0; /* a steal: the other session loses it, without a signal (Linux) */
        old = bind_locked(p, t);
    }
    spin_unlock_irqrestore(&proc_lock, flags);
    term_put(old);
    return err;
}

static long tiocnotty(struct file *f)
{
    struct process *p = current_process();
    struct terminal *t = term_of(f);
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    bool mine = is_ctty(p, t);
    spin_unlock_irqrestore(&proc_lock, flags);
    if (!mine)
        return -ENOTTY;
    tty_drop_ctty(p, true);
    return 0;
}

static long tiocgpgrp(struct file *f, uint64_t arg, bool sid)
{
    struct process *p = current_process();
    struct terminal *t = term_of(f);
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    int32_t v = !is_ctty(p, t) ? -1 : (int32_t)(sid ? t->sid : t->fg_pgid);
    spin_unlock_irqrestore(&proc_lock, flags);
    if (v < 0)
        return -ENOTTY;
    return copy_to_user(p->vm, arg, &v, sizeof(v));
}

static long tiocspgrp(struct file *f, uint64_t arg)
{
    struct process *p = current_process();
    struct terminal *t = term_of(f);
    int err = check_change(t, SIGTTOU);
    if (err)
        return err == -EIO ? -ENOTTY : err;
    int32_t pgid;
    err = copy_from_user(p->vm, &pgid, arg, sizeof(pgid));
    if (err)
        return err;
    if (pgid < 0)
        return -EINVAL;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct pgrp *g = pgrp_find((unsigned)pgid);
    if (!is_ctty(p, t))
        err = -ENOTTY;
    else if (!g)
        err = -ESRCH;
    else if (g->session->sid != t->sid)
        err = -EPERM;
    else
        t->fg_pgid = (unsigned)pgid;
    spin_unlock_irqrestore(&proc_lock, flags);
    return err;
}

static long tty_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    switch (cmd) {
    case TIOCSCTTY: return tiocsctty(f, arg);
    case TIOCNOTTY: return tiocnotty(f);
    case TIOCGPGRP: return tiocgpgrp(f, arg, false);
    case TIOCGSID: return tiocgpgrp(f, arg, true);
    case TIOCSPGRP: return tiocspgrp(f, arg);
    }
    for (unsigned i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        if (forwarded[i].cmd == cmd)
            return forward(f, i, arg);
    return -ENOTTY;
}

static const struct file_ops tty_ops = {
    .read = tty_read,
    .write = tty_write,
    .ioctl = tty_ioctl,
    .poll = tty_poll,
    .release = tty_release,
    .seekable = false,
    .st_type = S_IFCHR,
};

bool tty_is_terminal(const struct file *f)
{
    return f->ops == &tty_ops;
}

/* A new open file description of t (a reference of its own). */
static struct file *tty_file(struct terminal *t, uint32_t flags)
{
    struct sobj *o = sobj_alloc(t->ep);
    struct file *f = o ? file_alloc(&tty_ops, o, flags) : 0;
    if (!f) {
        if (o)
            sobj_free_unopened(o);
        return 0;
    }
    o->cookie = t->cookie;
    o->event = t->event ? (struct event *)kobject_get(&t->event->obj) : 0;
    o->term = term_get(t);
    return f;
}

long tty_open_rdev(uint64_t rdev, uint32_t flags, struct file **out)
{
    struct process *p = current_process();
    struct terminal *t = 0;
    irqflags_t irq;
    if (rdev == DEV_TTY) {
        irq = spin_lock_irqsave(&proc_lock);
        if (is_ctty(p, p->ctty))
            t = term_get(p->ctty);
        spin_unlock_irqrestore(&proc_lock, irq);
        if (!t)
            return -ENXIO;
    } else {
        irq = spin_lock_irqsave(&tty_lock);
        for (unsigned i = 0; i < REGISTERED_MAX && !t; i++)
            if (registered[i].t && registered[i].rdev == rdev)
                t = term_get(registered[i].t);
        spin_unlock_irqrestore(&tty_lock, irq);
        if (!t)
            return -ENODEV;
    }
    struct file *f = tty_file(t, flags & ~(uint32_t)O_NOCTTY);
    struct terminal *old = 0;
    if (f && rdev != DEV_TTY && rdev != DEV_CONSOLE && !(flags & O_NOCTTY)) {
        irq = spin_lock_irqsave(&proc_lock);
        bool has = p->ctty && p->ctty->sid && p->ctty->sid == sid_of(p);
        if (leads_session(p) && !has && !t->sid)
            old = bind_locked(p, t);
        spin_unlock_irqrestore(&proc_lock, irq);
    }
    term_put(old);
    term_put(t);
    if (!f)
        return -ENOMEM;
    *out = f;
    return 0;
}

void tty_describe_ctty(const struct process *p, uint32_t *rdev, int32_t *fg_pgid)
{
    bool has = is_ctty(p, p->ctty);
    *rdev = has ? p->ctty->rdev : 0;
    *fg_pgid = has && p->ctty->fg_pgid ? (int32_t)p->ctty->fg_pgid : -1;
}

void tty_fork(struct process *child, const struct process *parent)
{
    child->ctty = parent->ctty ? term_get(parent->ctty) : 0;
}

void tty_drop_ctty(struct process *p, bool hangup)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    struct terminal *t = p->ctty;
    if (hangup && t && leads_session(p) && t->sid == sid_of(p))
        hangup_locked(t, false);
    p->ctty = 0;
    spin_unlock_irqrestore(&proc_lock, flags);
    term_put(t);
}

/* --- native calls -------------------------------------------------------- */

/* kx_term_create(endpoint, cookie, event) -> handle: <kenix/tty.h>. */
long sys_kx_term_create(struct trap_frame *f)
{
    struct process *p = current_process();
    struct handle *eh, *evh = 0;
    int err = handle_get(&p->handles, f->x[0], KX_OBJ_ENDPOINT, KX_RIGHT_RECV, &eh);
    if (!err && f->x[2])
        err = handle_get(&p->handles, f->x[2], KX_OBJ_EVENT, KX_RIGHT_READ, &evh);
    if (err)
        return err;
    struct terminal *t = kzalloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    kobject_init(&t->obj, KX_OBJ_TERMINAL);
    t->ep = (struct endpoint *)kobject_get(eh->obj);
    t->event = evh ? (struct event *)kobject_get(evh->obj) : 0;
    t->cookie = f->x[1];
    int h = handle_install(&p->handles, &t->obj, KX_RIGHT_DUP | KX_RIGHT_TRANSFER | KX_RIGHT_WRITE, 0, 0);
    term_put(t);
    return h;
}

/* Whether rdev is a number Linux gives terminals: the virtual consoles and
 * 8250 serial lines (4:*), /dev/console (5:1), pseudo-terminal slaves
 * (136-143), USB serial (188), the ARM UARTs (204), hypervisor consoles
 * (229). Others -- /dev/null, disks -- can never be taken over this way. */
static bool terminal_number(uint64_t rdev)
{
    if (rdev > 0xffffffffu)
        return false;
    unsigned major = (unsigned)((rdev >> 8) & 0xfff), minor = (unsigned)((rdev & 0xff) | ((rdev >> 12) & 0xfff00));
    return major == 4 || (major == 5 && minor == 1) || (major >= 136 && major <= 143) || major == 188 ||
           major == 204 || major == 229;
}

/* kx_term_register(term, rdev): <kenix/tty.h>. */
long sys_kx_term_register(struct trap_frame *f)
{
    struct process *p = current_process();
    struct handle *h;
    int err = handle_get(&p->handles, f->x[0], KX_OBJ_TERMINAL, KX_RIGHT_WRITE, &h);
    if (err)
        return err;
    uint64_t rdev = f->x[1];
    if (p->cred.euid != 0)
        return -EPERM;
    if (!terminal_number(rdev))
        return -EINVAL;
    struct terminal *t = term_get((struct terminal *)h->obj), *old = 0;
    irqflags_t flags = spin_lock_irqsave(&tty_lock);
    int slot = -1;
    for (int i = 0; i < REGISTERED_MAX; i++) {
        if (registered[i].t && registered[i].rdev == rdev) {
            slot = i;
            break;
        }
        if (!registered[i].t && slot < 0)
            slot = i;
    }
    if (slot >= 0) {
        if (!t->rdev)
            t->rdev = (uint32_t)rdev;
        old = registered[slot].t;
        registered[slot].rdev = rdev;
        registered[slot].t = t;
        t = 0;
    }
    spin_unlock_irqrestore(&tty_lock, flags);
    term_put(old);
    term_put(t);
    return slot < 0 ? -ENOSPC : 0;
}

/* kx_term_signal(term, sig, how) -> processes signalled: <kenix/tty.h>. */
long sys_kx_term_signal(struct trap_frame *f)
{
    struct handle *h;
    int err = handle_get(&current_process()->handles, f->x[0], KX_OBJ_TERMINAL, KX_RIGHT_WRITE, &h);
    if (err)
        return err;
    struct terminal *t = (struct terminal *)h->obj;
    uint64_t sig = f->x[1], how = f->x[2];
    /* Only what a terminal sends its foreground group (Linux's n_tty and
     * TIOCSWINSZ): a terminal server cannot kill or stop anything with it. */
    if (how == KX_TERM_FOREGROUND && sig != SIGINT && sig != SIGQUIT && sig != SIGTSTP && sig != SIGWINCH)
        return -EINVAL;
    if (how != KX_TERM_FOREGROUND && how != KX_TERM_HANGUP)
        return -EINVAL;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    unsigned n = 0;
    if (how == KX_TERM_HANGUP)
        n = hangup_locked(t, true);
    else if (t->sid)
        n = signal_group(t->fg_pgid, t->sid, (int)sig);
    spin_unlock_irqrestore(&proc_lock, flags);
    return n;
}
