/* kx_serve: the receive loop every server would otherwise write by hand. */
#include <kenix/kx.h>

static void reset_send(struct kx_xfer *x)
{
    if (x) {
        x->send = 0;
        x->send_len = 0;
        x->send_handles_n = 0;
    }
}

long kx_serve(kx_handle_t ep, kx_serve_fn handler, void *ctx, struct kx_xfer *xfer)
{
    struct kx_msg msg = { 0 };
    uint64_t badge = 0;
    reset_send(xfer);
    long err = kx_recv(ep, &msg, xfer, &badge);
    for (;;) {
        if (err < 0)
            return err;
        reset_send(xfer);
        int what = handler(ctx, badge, &msg, xfer);
        if (what == KX_SERVE_STOP)
            return 0;
        if (what == KX_SERVE_DEFER) {
            reset_send(xfer);
            err = kx_recv(ep, &msg, xfer, &badge);
        } else {
            /* Answer and wait for the next call in one trap. */
            err = kx_reply_recv(ep, &msg, xfer, &badge);
        }
    }
}
