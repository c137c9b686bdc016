/*
 * Initial user stack builder; see ustack.h for the layout.
 *
 * The layout is walked twice by the same code: once without a buffer to
 * learn whether it fits (so that a failure writes nothing), then again to
 * write. Every step down the stack goes through take(), which refuses to pass
 * the bottom of the buffer, so even the writing walk cannot leave it.
 */
#include "ustack.h"

#include <stdbool.h>

struct walk {
    uint8_t *buf;  /* NULL: plan only */
    uint64_t low;  /* user address of buf[0] */
    uint64_t p;    /* current position, moving down */
};

/* Moves down n bytes; false if that would pass the bottom of the buffer. */
static bool take(struct walk *w, uint64_t n)
{
    if (n > w->p - w->low)
        return false;
    w->p -= n;
    return true;
}

static bool align16(struct walk *w)
{
    uint64_t a = w->p & ~(uint64_t)15;
    if (a < w->low)
        return false;
    w->p = a;
    return true;
}

static uint8_t *at(const struct walk *w, uint64_t uaddr)
{
    return w->buf + (uaddr - w->low);
}

static void put_bytes(const struct walk *w, uint64_t uaddr, const void *src, size_t n)
{
    if (w->buf == NULL)
        return;
    uint8_t *d = at(w, uaddr);
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

/* Stored bytewise: the buffer's alignment is the caller's business, and the
 * kernel runs with strict alignment checking. */
static void put64(const struct walk *w, uint64_t uaddr, uint64_t v)
{
    if (w->buf == NULL)
        return;
    uint8_t *d = at(w, uaddr);
    for (unsigned i = 0; i < 8; i++)
        d[i] = (uint8_t)(v >> (8 * i));
}

/* Length with the NUL, or 0 when the string reaches USTACK_MAX_STRLEN bytes
 * without one (scanning no further: the limit bounds the read too). */
static size_t str_size(const char *s)
{
    for (size_t n = 0; n < USTACK_MAX_STRLEN; n++)
        if (s[n] == '\0')
            return n + 1;
    return 0;
}

/* Copies s (NUL included) just below w->p; 0 or USTACK_ERR_2BIG. The NUL is
 * written explicitly so that the layout does not depend on reading the
 * string's terminator twice. */
static int push_string(struct walk *w, const char *s, uint64_t *where)
{
    size_t n = str_size(s);
    if (n == 0 || !take(w, n))
        return USTACK_ERR_2BIG;
    put_bytes(w, w->p, s, n - 1);
    put_bytes(w, w->p + n - 1, "", 1);
    *where = w->p;
    return 0;
}

static int push_strings(struct walk *w, const char *const *v, size_t n, uint64_t *start, uint64_t *end)
{
    *end = w->p;
    /* Last string first, so that they read in order upwards. */
    for (size_t i = n; i > 0; i--) {
        uint64_t where;
        int err = push_string(w, v[i - 1], &where);
        if (err != 0)
            return err;
    }
    *start = w->p;
    return 0;
}

/* Everything below the strings, from w->p down: alignment, the platform
 * string's room, the random bytes' room, auxv and the pointer arrays; the
 * addresses go to *l. Only moves w (writes nothing): ustack_build and a
 * loader that places the strings itself (ustack_plan_tail) share it. */
static int64_t plan_tail(struct walk *w, uint64_t argc, uint64_t envc, uint64_t auxc, uint64_t platform_size,
                         bool random, struct ustack_layout *l)
{
    if (!align16(w))
        return USTACK_ERR_2BIG;
    if (platform_size != 0) {
        if (!take(w, platform_size))
            return USTACK_ERR_2BIG;
        l->platform = w->p;
    }
    if (random) {
        if (!take(w, USTACK_RANDOM_BYTES))
            return USTACK_ERR_2BIG;
        l->random = w->p;
    }

    /* Counts are bounded by the space left before anything is multiplied. */
    uint64_t room = w->p - w->low;
    if (auxc >= room / 16 || argc >= room / 8 || envc >= room / 8)
        return USTACK_ERR_2BIG;
    uint64_t aux_bytes = (auxc + 1) * 16;
    uint64_t words = argc + 1 + envc + 1 + 1;
    if (!take(w, aux_bytes) || !take(w, words * 8) || !align16(w))
        return USTACK_ERR_2BIG;

    uint64_t sp = w->p;
    l->sp = sp;
    l->argv = sp + 8;
    l->envp = l->argv + (argc + 1) * 8;
    l->auxv = l->envp + (envc + 1) * 8;
    return (int64_t)sp;
}

int64_t ustack_plan_tail(uint64_t low, uint64_t strings_low, uint64_t argc, uint64_t envc, uint64_t auxc,
                         uint64_t platform_size, bool random, struct ustack_layout *layout)
{
    if (layout == NULL || strings_low < low || strings_low > (uint64_t)INT64_MAX || platform_size > USTACK_MAX_STRLEN)
        return USTACK_ERR_INVAL;
    struct ustack_layout l = {0};
    struct walk w = {.buf = NULL, .low = low, .p = strings_low};
    int64_t sp = plan_tail(&w, argc, envc, auxc, platform_size, random, &l);
    if (sp >= 0)
        *layout = l;
    return sp;
}

static int64_t lay_out(struct walk *w, const struct ustack_args *a, struct ustack_layout *l)
{
    static const uint8_t zero8[8] = {0};
    int err;

    if (!take(w, sizeof(zero8)))
        return USTACK_ERR_2BIG;
    put_bytes(w, w->p, zero8, sizeof(zero8));
    if (a->execfn != NULL && (err = push_string(w, a->execfn, &l->execfn)) != 0)
        return err;
    if ((err = push_strings(w, a->envp, a->envc, &l->env_start, &l->env_end)) != 0)
        return err;
    if ((err = push_strings(w, a->argv, a->argc, &l->arg_start, &l->arg_end)) != 0)
        return err;

    uint64_t platform_size = 0;
    if (a->platform != NULL && (platform_size = str_size(a->platform)) == 0)
        return USTACK_ERR_2BIG;
    int64_t sp = plan_tail(w, a->argc, a->envc, a->auxc, platform_size, a->random != NULL, l);
    if (sp < 0 || w->buf == NULL)
        return sp;

    if (a->platform != NULL) {
        put_bytes(w, l->platform, a->platform, platform_size - 1);
        put_bytes(w, l->platform + platform_size - 1, "", 1);
    }
    if (a->random != NULL)
        put_bytes(w, l->random, a->random, USTACK_RANDOM_BYTES);
    put64(w, sp, a->argc);
    /* The strings were laid out contiguously from arg_start (and
     * env_start), so each pointer is the previous one plus its length. */
    uint64_t s = l->arg_start;
    for (size_t i = 0; i < a->argc; i++) {
        put64(w, l->argv + i * 8, s);
        s += str_size(a->argv[i]);
    }
    put64(w, l->argv + a->argc * 8, 0);
    s = l->env_start;
    for (size_t i = 0; i < a->envc; i++) {
        put64(w, l->envp + i * 8, s);
        s += str_size(a->envp[i]);
    }
    put64(w, l->envp + a->envc * 8, 0);
    uint64_t q = l->auxv;
    for (size_t i = 0; i < a->auxc; i++, q += 16) {
        uint64_t type = a->auxv[i].type, val = a->auxv[i].val;
        if (type == AT_RANDOM)
            val = l->random;
        else if (type == AT_PLATFORM)
            val = l->platform;
        else if (type == AT_EXECFN)
            val = l->execfn;
        put64(w, q, type);
        put64(w, q + 8, val);
    }
    put64(w, q, AT_NULL);
    put64(w, q + 8, 0);
    return (int64_t)sp;
}

static bool args_ok(const struct ustack_args *a)
{
    if ((a->argc != 0 && a->argv == NULL) || (a->envc != 0 && a->envp == NULL) ||
        (a->auxc != 0 && a->auxv == NULL))
        return false;
    for (size_t i = 0; i < a->argc; i++)
        if (a->argv[i] == NULL)
            return false;
    for (size_t i = 0; i < a->envc; i++)
        if (a->envp[i] == NULL)
            return false;
    for (size_t i = 0; i < a->auxc; i++) {
        uint64_t t = a->auxv[i].type;
        if (t == AT_NULL || (t == AT_RANDOM && a->random == NULL) ||
            (t == AT_PLATFORM && a->platform == NULL) || (t == AT_EXECFN && a->execfn == NULL))
            return false;
    }
    return true;
}

int64_t ustack_build(void *buf, size_t size, uint64_t top, const struct ustack_args *args,
                     struct ustack_layout *layout)
{
    if (args == NULL || (top & 15) != 0 || top > (uint64_t)INT64_MAX || size > top || !args_ok(args))
        return USTACK_ERR_INVAL;

    struct ustack_layout l = {0};
    struct walk w = {.buf = NULL, .low = top - size, .p = top};
    int64_t sp = lay_out(&w, args, &l);
    if (sp < 0 || buf == NULL) {
        if (sp >= 0 && layout != NULL)
            *layout = l;
        return sp;
    }

    /* Padding and gaps read as zero, whatever the buffer held before. */
    uint8_t *b = buf;
    for (uint64_t i = (uint64_t)sp - w.low; i < size; i++)
        b[i] = 0;
    struct ustack_layout l2 = {0};
    w = (struct walk){.buf = buf, .low = top - size, .p = top};
    sp = lay_out(&w, args, &l2);
    if (sp >= 0 && layout != NULL)
        *layout = l2;
    return sp;
}
