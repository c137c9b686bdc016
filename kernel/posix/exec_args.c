/*
 * A new image's stack (exec.h): the argument strings, copied once from where
 * they are straight into the top of the new stack, and then everything below
 * them -- platform string, random bytes, argc, argv[], envp[], auxv -- at the
 * addresses lib/ustack.c computes, so the layout is Linux's to the byte.
 *
 * Limits are Linux's (fs/exec.c: bprm_stack_limits, copy_strings): the
 * strings, the file name included, and one pointer per string must fit in a
 * quarter of RLIMIT_STACK (at least ARG_MAX, 128 KiB; at most 3/4 of
 * _STK_LIM, 6 MiB); each string is at most MAX_ARG_STRLEN. The work is
 * proportional to what the caller passes: the vectors are counted, then each
 * string is measured and copied once, page by page.
 *
 * The caller's memory may change while it is read (another process sharing
 * it): a string is measured, then that many bytes are copied and the last
 * one is made the NUL whatever it was, so every pushed string ends exactly
 * where it was measured to. The walk that makes the pointers later only ever
 * finds NULs at or before those ends, so it cannot leave the strings.
 */
#include "exec.h"

#include "kenix/errno.h"
#include "kenix/memlayout.h"
#include "kenix/string.h"
#include "../core/process.h"
#include "../core/random.h"
#include "../mm/uaccess.h"
#include "../mm/vmspace.h"

#define ARG_MAX_MIN (32u * 4096u)      /* Linux's ARG_MAX: the least room for strings, whatever the limit */
#define STK_LIM (8ull << 20)           /* Linux's _STK_LIM */
#define TAIL_ROOM (64u << 10)          /* room below the strings for pointers' alignment, auxv, platform */

/* Room for argument strings and their pointers (Linux's bprm_stack_limits). */
static uint64_t arg_limit(const struct process *p)
{
    uint64_t limit = STK_LIM / 4 * 3, quarter = p->rlim[RLIMIT_STACK].rlim_cur / 4;
    if (quarter < limit)
        limit = quarter;
    return limit < ARG_MAX_MIN ? ARG_MAX_MIN : limit;
}

/* The stack area's size: RLIMIT_STACK within sane bounds (reserved address
 * space, backed page by page as it is touched), and never too small for the
 * argument strings p may pass plus what goes below them. */
static uint64_t stack_size(const struct process *p)
{
    uint64_t lim = p->rlim[RLIMIT_STACK].rlim_cur;
    if (lim < (128u << 10))
        lim = 128u << 10;
    if (lim > (1ull << 30))
        lim = 1ull << 30;
    uint64_t need = arg_limit(p) + TAIL_ROOM;
    if (lim < need)
        lim = need;
    return (lim + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

int image_begin(struct image *im, struct vmspace *vm, const struct process *p)
{
    uint64_t size = stack_size(p);
    *im = (struct image){ .vm = vm };
    int err = vmspace_add_area(vm, USER_STACK_TOP - size, size, VM_READ | VM_WRITE);
    if (err)
        return err;
    vm->stack_bottom = USER_STACK_TOP - size;
    im->stack_low = USER_STACK_TOP - size;
    /* Linux's end marker: the top 8 bytes stay zero (the page is demand-zero). */
    im->p = im->argmin = USER_STACK_TOP - 8;
    return 0;
}

/* argmin from the counts, before any string: E2BIG if even the pointers do not fit. */
static int set_limits(struct image *im, const struct process *p, uint64_t argc, uint64_t envc)
{
    uint64_t limit = arg_limit(p);
    /* An empty argv gets "" pushed: its pointer counts too. Counts are below
     * limit / 8 here (count_vector), so nothing overflows. */
    uint64_t ptrs = ((argc ? argc : 1) + envc) * 8;
    if (ptrs >= limit)
        return -E2BIG;
    im->argmin = im->p - (limit - ptrs);
    return 0;
}

/* Takes n bytes below p for a string: E2BIG past argmin. */
static int take(struct image *im, uint64_t n, uint64_t *where)
{
    if (n > EXEC_MAX_ARG_STRLEN || n > im->p - im->argmin)
        return -E2BIG;
    im->p -= n;
    *where = im->p;
    return 0;
}

static int push_kernel(struct image *im, const char *s)
{
    uint64_t n = strnlen(s, EXEC_MAX_ARG_STRLEN) + 1, at;
    int err = take(im, n, &at);
    return err ? err : copy_to_user(im->vm, at, s, n);
}

/* The user string at `str` in vs, pushed: measured, copied, its last byte made the NUL. */
static int push_user(struct image *im, struct vmspace *vs, uint64_t str)
{
    long n = strnlen_user(vs, str, EXEC_MAX_ARG_STRLEN);
    if (n < 0)
        return (int)n;
    uint64_t at;
    int err = take(im, (uint64_t)n, &at);
    if (err)
        return err;
    bool dst_faulted;
    err = copy_user_to_user(im->vm, at, vs, str, (uint64_t)n - 1, &dst_faulted);
    return err ? err : copy_to_user(im->vm, at + (uint64_t)n - 1, "", 1);
}

static int read_ptr(struct vmspace *vs, uint64_t uvec, uint64_t i, uint64_t *ptr)
{
    return copy_from_user(vs, ptr, uvec + i * 8, 8);
}

/* Entries of a NULL-terminated vector before its NULL (0 for a NULL vector):
 * -EFAULT, or -E2BIG once there are more than could ever fit (`most`). */
static long count_vector(struct vmspace *vs, uint64_t uvec, uint64_t most)
{
    if (!uvec)
        return 0;
    enum { BATCH = 32 };
    uint64_t batch[BATCH];
    for (uint64_t n = 0;;) {
        /* A batch never reaches past the page holding its first byte: a
         * vector that ends right before an unmapped page is read safely. */
        uint64_t addr = uvec + n * 8, k = (PAGE_SIZE - (addr & (PAGE_SIZE - 1))) / 8;
        if (k == 0)
            k = 1;
        if (k > BATCH)
            k = BATCH;
        int err = copy_from_user(vs, batch, addr, k * 8);
        if (err)
            return err;
        for (uint64_t i = 0; i < k; i++, n++) {
            if (!batch[i])
                return (long)n;
            if (n >= most)
                return -E2BIG;
        }
    }
}

/* vs's strings uvec[0..n-1], pushed last first so that they read in order upwards. */
static int push_vector(struct image *im, struct vmspace *vs, uint64_t uvec, uint64_t n)
{
    for (uint64_t i = n; i > 0; i--) {
        uint64_t str;
        int err = read_ptr(vs, uvec, i - 1, &str);
        if (!err)
            err = str ? push_user(im, vs, str) : -EFAULT; /* the vector changed under us */
        if (err)
            return err;
    }
    return 0;
}

int image_args_user(struct image *im, const struct process *p, const char *execfn, struct vmspace *vs, uint64_t uargv,
                    uint64_t uenvp)
{
    uint64_t most = arg_limit(p) / 8;
    long argc = count_vector(vs, uargv, most);
    if (argc < 0)
        return (int)argc;
    long envc = count_vector(vs, uenvp, most);
    if (envc < 0)
        return (int)envc;
    int err = set_limits(im, p, (uint64_t)argc, (uint64_t)envc);
    if (!err)
        err = push_kernel(im, execfn);
    im->execfn = im->p;
    if (!err)
        err = push_vector(im, vs, uenvp, (uint64_t)envc);
    if (!err)
        err = push_vector(im, vs, uargv, (uint64_t)argc);
    im->envc = (uint64_t)envc;
    im->argc = (uint64_t)argc;
    if (!err && argc == 0)
        err = image_push_arg(im, ""); /* so argv[1] is never read as envp[0] (Linux 5.18) */
    return err;
}

int image_args_kernel(struct image *im, const struct process *p, const char *execfn, const char *const argv[],
                      const char *const envp[])
{
    uint64_t argc = 0, envc = 0, most = arg_limit(p) / 8;
    while (argv && argv[argc] && argc < most)
        argc++;
    while (envp && envp[envc] && envc < most)
        envc++;
    if (argc >= most || envc >= most)
        return -E2BIG;
    int err = set_limits(im, p, argc, envc);
    if (!err)
        err = push_kernel(im, execfn);
    im->execfn = im->p;
    for (uint64_t i = envc; !err && i > 0; i--)
        err = push_kernel(im, envp[i - 1]);
    for (uint64_t i = argc; !err && i > 0; i--)
        err = push_kernel(im, argv[i - 1]);
    im->envc = envc;
    im->argc = argc;
    if (!err && argc == 0)
        err = image_push_arg(im, "");
    return err;
}

int image_push_arg(struct image *im, const char *s)
{
    int err = push_kernel(im, s);
    if (!err)
        im->argc++;
    return err;
}

int image_drop_arg(struct image *im)
{
    if (!im->argc)
        return 0;
    long n = strnlen_user(im->vm, im->p, im->execfn - im->p);
    if (n < 0)
        return (int)n;
    if ((uint64_t)n > im->execfn - im->p)
        return -EFAULT; /* cannot happen: every pushed string ends in a NUL */
    im->p += (uint64_t)n;
    im->argc--;
    return 0;
}

/* Words written upwards from `at` in the image, a batch at a time. */
struct word_stream {
    struct vmspace *vm;
    uint64_t at;
    unsigned n;
    int err;
    uint64_t buf[32];
};

static void ws_flush(struct word_stream *ws)
{
    if (ws->n && !ws->err)
        ws->err = copy_to_user(ws->vm, ws->at, ws->buf, ws->n * 8);
    ws->at += ws->n * 8;
    ws->n = 0;
}

static void ws_put(struct word_stream *ws, uint64_t w)
{
    ws->buf[ws->n++] = w;
    if (ws->n == sizeof(ws->buf) / sizeof(ws->buf[0]))
        ws_flush(ws);
}

/* Pointers to the next n strings from *cur (the strings lie contiguously
 * below execfn), then the NULL that ends the array. */
static void put_pointers(struct word_stream *ws, struct image *im, uint64_t *cur, uint64_t n)
{
    for (uint64_t i = 0; i < n && !ws->err; i++) {
        long len = strnlen_user(im->vm, *cur, im->execfn - *cur);
        if (len < 0 || (uint64_t)len > im->execfn - *cur) {
            ws->err = len < 0 ? (int)len : -EFAULT;
            return;
        }
        ws_put(ws, *cur);
        *cur += (uint64_t)len;
    }
    ws_put(ws, 0);
}

/* Below the strings (exec.c, once the program is loaded): platform, random
 * bytes, argc, argv[], envp[], auxv (AT_RANDOM, AT_PLATFORM and AT_EXECFN get
 * the addresses chosen here). Sets im->sp. */
int image_write_tail(struct image *im, const struct ustack_aux *auxv, unsigned auxc)
{
    static const char platform[] = "aarch64";
    struct ustack_layout l;
    int64_t sp = ustack_plan_tail(im->stack_low, im->p, im->argc, im->envc, auxc, sizeof(platform), true, &l);
    if (sp < 0)
        return sp == USTACK_ERR_2BIG ? -E2BIG : -EINVAL;
    uint8_t random[USTACK_RANDOM_BYTES];
    random_bytes(random, sizeof(random));
    int err = copy_to_user(im->vm, l.platform, platform, sizeof(platform));
    if (!err)
        err = copy_to_user(im->vm, l.random, random, sizeof(random));
    memset(random, 0, sizeof(random));
    if (err)
        return err;
    struct word_stream ws = { .vm = im->vm, .at = (uint64_t)sp };
    ws_put(&ws, im->argc);
    uint64_t cur = im->p;
    put_pointers(&ws, im, &cur, im->argc);
    /* Where the strings lie, for /proc/<pid>/cmdline and environ (Linux's
     * mm->arg_start ...). */
    im->vm->arg_start = im->p;
    im->vm->arg_end = im->vm->env_start = cur;
    put_pointers(&ws, im, &cur, im->envc);
    im->vm->env_end = cur;
    for (unsigned i = 0; i < auxc; i++) {
        uint64_t val = auxv[i].val;
        if (auxv[i].type == AT_RANDOM)
            val = l.random;
        else if (auxv[i].type == AT_PLATFORM)
            val = l.platform;
        else if (auxv[i].type == AT_EXECFN)
            val = im->execfn;
        ws_put(&ws, auxv[i].type);
        ws_put(&ws, val);
    }
    ws_put(&ws, AT_NULL);
    ws_put(&ws, 0);
    ws_flush(&ws);
    if (!ws.err)
        im->sp = (uint64_t)sp;
    return ws.err;
}
