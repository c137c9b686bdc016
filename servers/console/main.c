/*
 * The console server (/sbin/console): the serial console as a terminal.
 * init gives it the PL011's registers and interrupt and the receive side of
 * its endpoint (KX_SLOT_DEVICE, KX_SLOT_DEVICE_IRQ, KX_SLOT_SERVER_ENDPOINT);
 * it makes the kernel's terminal object for the line, registers it as
 * /dev/ttyAMA0 and /dev/console, and serves the IO protocol calls the
 * kernel makes for programs using it (line.c). One notification, bound to
 * the endpoint, brings the UART's interrupt, cancelled calls and the VTIME
 * timer into the same receive loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <kenix/kx.h>
#include <kenix/tty.h>

#include "line.h"

#define NOTE_IRQ 1ull
#define NOTE_TIMER 2ull

static struct line console;
static kx_handle_t note, irq;

static void on_alarm(int sig)
{
    (void)sig;
    kx_notify_signal(note, NOTE_TIMER); /* the loop does the rest */
}

void line_arm_timer(uint64_t deadline_ms)
{
    struct itimerval it = { 0 };
    if (deadline_ms) {
        uint64_t now = line_now_ms(), left = deadline_ms > now ? deadline_ms - now : 1;
        it.it_value.tv_sec = (time_t)(left / 1000);
        it.it_value.tv_usec = (suseconds_t)(left % 1000) * 1000;
    }
    setitimer(ITIMER_REAL, &it, 0);
}

static void take_cancels(void)
{
    kx_handle_t out[16];
    long n;
    do {
        n = kx_reply_cancelled(out, 16);
        for (long i = 0; i < n; i++)
            line_cancelled(&console, out[i]);
    } while (n == 16);
}

static int handle(void *ctx, uint64_t badge, struct kx_msg *msg, struct kx_xfer *x)
{
    (void)ctx;
    if (msg->label & KX_MSG_NOTIFY) {
        uint64_t bits = msg->w[0];
        if (bits & NOTE_IRQ) {
            line_interrupt(&console);
            kx_irq_ack(irq);
        }
        if (bits & KX_NOTE_CANCEL)
            take_cancels();
        if (bits & NOTE_TIMER)
            line_timer(&console);
        return KX_SERVE_DEFER;
    }
    x->flags_out = 0;
    if (KX_MSG_LABEL(msg->label) == TTY_READY) {
        msg->label = 0;
        msg->w[0] = 0;
        return KX_SERVE_REPLY;
    }
    if (!(badge & KX_BADGE_KERNEL)) {
        msg->label = 0;
        msg->w[0] = (uint64_t)-EPERM; /* the IO protocol comes from the kernel only */
        return KX_SERVE_REPLY;
    }
    return line_request(&console, msg, x);
}

static long fail(const char *what, long err)
{
    printf("console: %s: error %ld\n", what, -err);
    return 1;
}

int main(void)
{
    long regs = kx_mem_map(KX_SLOT_DEVICE, 0, 4096, KX_PROT_READ | KX_PROT_WRITE);
    if (regs < 0)
        return (int)fail("cannot map the UART", regs);
    long n = kx_notify_create();
    if (n < 0)
        return (int)fail("no notification", n);
    note = (kx_handle_t)n;
    irq = KX_SLOT_DEVICE_IRQ;
    long err = kx_endpoint_bind(KX_SLOT_SERVER_ENDPOINT, note);
    if (!err)
        err = kx_irq_bind(irq, note, NOTE_IRQ);
    if (err)
        return (int)fail("cannot bind the interrupt", err);
    long ev = kx_event_create();
    long term = ev < 0 ? ev : kx_term_create(KX_SLOT_SERVER_ENDPOINT, 1, (kx_handle_t)ev);
    if (term < 0)
        return (int)fail("cannot make the terminal", term);
    struct sigaction sa = { .sa_handler = on_alarm };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);
    line_init(&console, (volatile void *)(uintptr_t)regs, (kx_handle_t)term, (kx_handle_t)ev);
    err = kx_term_register((kx_handle_t)term, KX_RDEV_TTYAMA0);
    if (!err)
        err = kx_term_register((kx_handle_t)term, KX_RDEV_CONSOLE);
    if (err)
        return (int)fail("cannot register /dev/ttyAMA0 and /dev/console", err);
    static char bulk[4096];
    struct kx_xfer x = { .recv = bulk, .recv_cap = sizeof(bulk) };
    /* The VTIME timer's signal ends a receive with EINTR (the answer given
     * with it, if any, has gone): receive again. */
    while ((err = kx_serve(KX_SLOT_SERVER_ENDPOINT, handle, 0, &x)) == -EINTR)
        ;
    return (int)fail("receive failed", err);
}
