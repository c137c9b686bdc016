/*
 * Host tests of the initial user stack builder (kernel/lib/ustack.c).
 *
 * Each stack is built into a heap buffer framed by guard bytes, then read
 * back from sp the way musl's _start_c reads it (argc, argv[], NULL, envp[],
 * NULL, auxv pairs up to AT_NULL), translating every user address into the
 * buffer and refusing any that points outside it. The exact placement is
 * checked against an independent transcription of Linux's create_elf_tables
 * arithmetic.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ustack.h"
#include "test.h"

#define GUARD 64
#define GUARD_BYTE 0xa5
#define FILL_BYTE 0x5a

/* A buffer backing user [top - size, top), with guards on both sides. */
struct stackbuf {
    uint8_t *mem;  /* GUARD + size + GUARD bytes */
    uint8_t *buf;  /* mem + GUARD (+ skew) */
    size_t size;
    uint64_t top;
};

static void sb_init(struct stackbuf *s, size_t size, uint64_t top, unsigned skew)
{
    s->mem = malloc(GUARD + size + GUARD + skew);
    if (s->mem == NULL)
        abort();
    memset(s->mem, GUARD_BYTE, GUARD + size + GUARD + skew);
    s->buf = s->mem + GUARD + skew;
    memset(s->buf, FILL_BYTE, size);
    s->size = size;
    s->top = top;
}

static bool sb_guards_ok(const struct stackbuf *s)
{
    for (const uint8_t *p = s->mem; p < s->buf; p++)
        if (*p != GUARD_BYTE)
            return false;
    for (size_t i = 0; i < GUARD; i++)
        if (s->buf[s->size + i] != GUARD_BYTE)
            return false;
    return true;
}

static bool sb_untouched(const struct stackbuf *s)
{
    for (size_t i = 0; i < s->size; i++)
        if (s->buf[i] != FILL_BYTE)
            return false;
    return sb_guards_ok(s);
}

static const uint8_t *u2k(const struct stackbuf *s, uint64_t ua, uint64_t n)
{
    uint64_t low = s->top - s->size;
    if (ua < low || ua > s->top || n > s->top - ua)
        return NULL;
    return s->buf + (ua - low);
}

static bool read64(const struct stackbuf *s, uint64_t ua, uint64_t *v)
{
    const uint8_t *p = u2k(s, ua, 8);
    if (p == NULL)
        return false;
    uint64_t x = 0;
    for (unsigned i = 8; i > 0; i--)
        x = (x << 8) | p[i - 1];
    *v = x;
    return true;
}

/* The NUL-terminated string at ua, or NULL if it leaves the buffer. */
static const char *ustr(const struct stackbuf *s, uint64_t ua)
{
    const uint8_t *p = u2k(s, ua, 1);
    if (p == NULL)
        return NULL;
    for (uint64_t i = 0; ua + i < s->top; i++)
        if (p[i] == 0)
            return (const char *)p;
    return NULL;
}

#define MAXV 4096

struct walked {
    uint64_t argc, envc, auxc;
    uint64_t argv[MAXV], envp[MAXV]; /* user pointers */
    uint64_t aux[MAXV][2];
    uint64_t auxv_addr, auxv_end;    /* [first pair, past AT_NULL pair) */
};

/* What musl's _start_c does with sp, with every access checked. */
static bool musl_walk(const struct stackbuf *s, uint64_t sp, struct walked *w)
{
    memset(w, 0, sizeof(*w));
    if (!read64(s, sp, &w->argc) || w->argc >= MAXV)
        return false;
    uint64_t p = sp + 8;
    for (uint64_t i = 0; i < w->argc; i++, p += 8)
        if (!read64(s, p, &w->argv[i]) || ustr(s, w->argv[i]) == NULL)
            return false;
    uint64_t v;
    if (!read64(s, p, &v) || v != 0)
        return false;
    p += 8;
    for (;; p += 8) {
        if (!read64(s, p, &v))
            return false;
        if (v == 0)
            break;
        if (w->envc == MAXV || ustr(s, v) == NULL)
            return false;
        w->envp[w->envc++] = v;
    }
    p += 8;
    w->auxv_addr = p;
    for (;; p += 16) {
        uint64_t t, val;
        if (!read64(s, p, &t) || !read64(s, p + 8, &val))
            return false;
        if (t == AT_NULL) {
            if (val != 0)
                return false;
            break;
        }
        if (w->auxc == MAXV)
            return false;
        w->aux[w->auxc][0] = t;
        w->aux[w->auxc][1] = val;
        w->auxc++;
    }
    w->auxv_end = p + 16;
    return true;
}

static uint64_t aux_get(const struct walked *w, uint64_t type)
{
    for (uint64_t i = 0; i < w->auxc; i++)
        if (w->aux[i][0] == type)
            return w->aux[i][1];
    return ~0ull;
}

/* Linux's placement, transcribed independently of the code under test. */
struct expect {
    uint64_t sp, execfn, platform, random, arg_start, env_start;
};

static struct expect linux_layout(const struct ustack_args *a, uint64_t top)
{
    struct expect e = {0};
    uint64_t p = top - sizeof(void *);
    if (a->execfn != NULL) {
        p -= strlen(a->execfn) + 1;
        e.execfn = p;
    }
    for (size_t i = 0; i < a->envc; i++)
        p -= strlen(a->envp[i]) + 1;
    e.env_start = p;
    for (size_t i = 0; i < a->argc; i++)
        p -= strlen(a->argv[i]) + 1;
    e.arg_start = p;
    p &= ~15ull; /* arch_align_stack without randomization */
    if (a->platform != NULL) {
        p -= strlen(a->platform) + 1;
        e.platform = p;
    }
    if (a->random != NULL) {
        p -= 16;
        e.random = p;
    }
    uint64_t sp = p - (a->auxc + 1) * 16;            /* STACK_ADD(p, ei_index) */
    uint64_t items = (a->argc + 1) + (a->envc + 1) + 1;
    e.sp = (sp - items * 8) & ~15ull;                /* STACK_ROUND(sp, items) */
    return e;
}

static const uint8_t rnd[16] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};

/*
 * Checks a built stack completely: the walk, every string and pointer, the
 * auxv (filled-in values included), placement, zeroed gaps, untouched bytes
 * below sp, and the guards.
 */
static void verify(const struct stackbuf *s, const struct ustack_args *a, int64_t sp,
                   const struct ustack_layout *l)
{
    static struct walked w;
    struct expect e = linux_layout(a, s->top);
    CHECK(sp >= 0);
    if (sp < 0)
        return;
    CHECK_EQ(sp, e.sp);
    CHECK_EQ(sp % 16, 0);
    CHECK_EQ(l->sp, (uint64_t)sp);
    CHECK(sb_guards_ok(s));
    bool walked = musl_walk(s, (uint64_t)sp, &w);
    CHECK(walked);
    if (!walked)
        return;

    CHECK_EQ(w.argc, a->argc);
    CHECK_EQ(w.envc, a->envc);
    CHECK_EQ(l->argv, (uint64_t)sp + 8);
    CHECK_EQ(l->envp, l->argv + (a->argc + 1) * 8);
    CHECK_EQ(l->auxv, l->envp + (a->envc + 1) * 8);
    CHECK_EQ(w.auxv_addr, l->auxv);
    uint64_t expect_ptr = e.arg_start;
    for (size_t i = 0; i < a->argc && i < w.argc; i++) {
        CHECK_STR(ustr(s, w.argv[i]), a->argv[i]);
        CHECK_EQ(w.argv[i], expect_ptr); /* contiguous, argv[0] lowest */
        expect_ptr += strlen(a->argv[i]) + 1;
    }
    CHECK_EQ(l->arg_start, e.arg_start);
    CHECK_EQ(l->arg_end, expect_ptr);
    CHECK_EQ(l->env_start, e.env_start);
    CHECK_EQ(e.env_start, expect_ptr);
    for (size_t i = 0; i < a->envc && i < w.envc; i++) {
        CHECK_STR(ustr(s, w.envp[i]), a->envp[i]);
        CHECK_EQ(w.envp[i], expect_ptr);
        expect_ptr += strlen(a->envp[i]) + 1;
    }
    CHECK_EQ(l->env_end, expect_ptr);

    CHECK_EQ(w.auxc, a->auxc);
    for (size_t i = 0; i < a->auxc && i < w.auxc; i++) {
        CHECK_EQ(w.aux[i][0], a->auxv[i].type);
        uint64_t t = a->auxv[i].type;
        if (t == AT_RANDOM)
            CHECK_EQ(w.aux[i][1], e.random);
        else if (t == AT_PLATFORM)
            CHECK_EQ(w.aux[i][1], e.platform);
        else if (t == AT_EXECFN)
            CHECK_EQ(w.aux[i][1], e.execfn);
        else
            CHECK_EQ(w.aux[i][1], a->auxv[i].val);
    }

    /* the things AT_* point at */
    CHECK_EQ(l->execfn, e.execfn);
    CHECK_EQ(l->platform, e.platform);
    CHECK_EQ(l->random, e.random);
    if (a->execfn != NULL) {
        CHECK_STR(ustr(s, e.execfn), a->execfn);
        CHECK_EQ(e.execfn, l->env_end); /* right above the environment */
        CHECK_EQ(e.execfn + strlen(a->execfn) + 1, s->top - 8);
    } else {
        CHECK_EQ(l->env_end, s->top - 8);
    }
    if (a->platform != NULL)
        CHECK_STR(ustr(s, e.platform), a->platform);
    if (a->random != NULL) {
        const uint8_t *r = u2k(s, e.random, 16);
        CHECK(r != NULL && memcmp(r, a->random, 16) == 0);
    }
    /* Linux's zero word at the very top */
    uint64_t v = 1;
    CHECK(read64(s, s->top - 8, &v) && v == 0);

    /* gaps read as zero: between auxv and the random bytes, and the
     * alignment gap below the argv strings */
    uint64_t lowest_data = a->random != NULL ? e.random : a->platform != NULL ? e.platform : e.arg_start & ~15ull;
    for (uint64_t ua = w.auxv_end; ua < lowest_data; ua++)
        CHECK_EQ(*u2k(s, ua, 1), 0);
    uint64_t above_platform = a->platform != NULL ? e.platform + strlen(a->platform) + 1 : lowest_data;
    if (a->platform == NULL && a->random != NULL)
        above_platform = e.random + 16;
    for (uint64_t ua = above_platform; ua < e.arg_start; ua++)
        CHECK_EQ(*u2k(s, ua, 1), 0);
    /* below sp nothing was touched */
    for (uint64_t ua = s->top - s->size; ua < (uint64_t)sp; ua++)
        if (*u2k(s, ua, 1) != FILL_BYTE) {
            CHECK(!"byte below sp written");
            break;
        }
}

static int64_t build(struct stackbuf *s, const struct ustack_args *a, struct ustack_layout *l)
{
    memset(l, 0xee, sizeof(*l));
    return ustack_build(s->buf, s->size, s->top, a, l);
}

/* The auxv a Kenix execve would pass, in Linux's order. */
static const struct ustack_aux std_aux[] = {
    {AT_HWCAP, 0xefff}, {AT_PAGESZ, 4096}, {AT_CLKTCK, 100}, {AT_PHDR, 0x200040},
    {AT_PHENT, 56}, {AT_PHNUM, 9}, {AT_BASE, 0}, {AT_FLAGS, 0}, {AT_ENTRY, 0x2413d0},
    {AT_UID, 0}, {AT_EUID, 0}, {AT_GID, 0}, {AT_EGID, 0}, {AT_SECURE, 0},
    {AT_RANDOM, 0xdead}, {AT_HWCAP2, 0}, {AT_EXECFN, 0xdead}, {AT_PLATFORM, 0xdead},
};
#define NSTD (sizeof(std_aux) / sizeof(std_aux[0]))

#define TOP 0x0000fffffffff000ull

/* ---- cases -------------------------------------------------------------- */

static void test_busybox_shell(void)
{
    static const char *const argv[] = {"/bin/sh", "-c", "echo hello world"};
    static const char *const envp[] = {"HOME=/", "PATH=/bin:/sbin", "TERM=vt100"};
    struct ustack_args a = {
        .argv = argv, .argc = 3, .envp = envp, .envc = 3, .execfn = "/bin/busybox",
        .platform = "aarch64", .random = rnd, .auxv = std_aux, .auxc = NSTD,
    };
    struct stackbuf s;
    sb_init(&s, 8192, TOP, 0);
    struct ustack_layout l;
    int64_t sp = build(&s, &a, &l);
    verify(&s, &a, sp, &l);

    static struct walked w;
    CHECK(musl_walk(&s, (uint64_t)sp, &w));
    CHECK_STR(ustr(&s, aux_get(&w, AT_PLATFORM)), "aarch64");
    CHECK_STR(ustr(&s, aux_get(&w, AT_EXECFN)), "/bin/busybox");
    CHECK_EQ(aux_get(&w, AT_PAGESZ), 4096);
    CHECK_EQ(aux_get(&w, AT_ENTRY), 0x2413d0);
    const uint8_t *r = u2k(&s, aux_get(&w, AT_RANDOM), 16);
    CHECK(r != NULL && memcmp(r, rnd, 16) == 0);
    /* /proc/pid/cmdline is [arg_start, arg_end) */
    const uint8_t *cmd = u2k(&s, l.arg_start, l.arg_end - l.arg_start);
    CHECK(cmd != NULL && memcmp(cmd, "/bin/sh\0-c\0echo hello world", l.arg_end - l.arg_start) == 0);
    CHECK_EQ(l.arg_end - l.arg_start, 28);
    free(s.mem);
}

/* No strings, no auxv, nothing optional: just argc 0 and three terminators. */
static void test_empty(void)
{
    struct ustack_args a = {0};
    struct stackbuf s;
    sb_init(&s, 256, TOP, 0);
    struct ustack_layout l;
    int64_t sp = build(&s, &a, &l);
    verify(&s, &a, sp, &l);
    CHECK_EQ(sp, (int64_t)(TOP - 64)); /* top-8 -> top-16; 16 auxv + 24 -> top-56 -> top-64 */
    CHECK_EQ(l.execfn, 0);
    CHECK_EQ(l.platform, 0);
    CHECK_EQ(l.random, 0);
    free(s.mem);
}

/* Every alignment the string lengths and counts can produce. */
static void test_alignment_sweep(void)
{
    static char arg0[64];
    static const char *const env_all[] = {"A=1", "BB=22", "CCC=333", "DDDD=4444", "E="};
    unsigned runs = 0;
    for (unsigned len = 0; len < 40; len++) {
        memset(arg0, 'x', len);
        arg0[len] = 0;
        const char *argv[] = {arg0, "second"};
        for (unsigned envc = 0; envc <= 5; envc++)
            for (unsigned auxc = 0; auxc <= 4; auxc++)
                for (unsigned opt = 0; opt < 8; opt++) {
                    struct ustack_aux aux[4] = {{AT_PAGESZ, 4096}, {AT_UID, 1000}, {AT_GID, 100}, {AT_ENTRY, 0x1234}};
                    struct ustack_args a = {
                        .argv = argv, .argc = 1 + (len % 2), .envp = env_all, .envc = envc,
                        .execfn = (opt & 1) ? arg0 : NULL, .platform = (opt & 2) ? "aarch64" : NULL,
                        .random = (opt & 4) ? rnd : NULL, .auxv = aux, .auxc = auxc,
                    };
                    struct stackbuf s;
                    sb_init(&s, 1024, TOP - 16 * (len % 5), len % 3);
                    struct ustack_layout l;
                    int64_t sp = build(&s, &a, &l);
                    int before = test_case_failures;
                    verify(&s, &a, sp, &l);
                    if (test_case_failures != before && test_case_failures < 40)
                        printf("  (len %u envc %u auxc %u opt %u)\n", len, envc, auxc, opt);
                    free(s.mem);
                    runs++;
                }
    }
    CHECK_EQ(runs, 40 * 6 * 5 * 8);
}

static void test_too_big(void)
{
    static const char *const argv[] = {"/bin/hello", "with", "some", "arguments"};
    static const char *const envp[] = {"HOME=/", "PATH=/bin"};
    struct ustack_args a = {
        .argv = argv, .argc = 4, .envp = envp, .envc = 2, .execfn = "/bin/hello",
        .platform = "aarch64", .random = rnd, .auxv = std_aux, .auxc = NSTD,
    };
    /* how much it needs, from the plan-only mode */
    struct ustack_layout plan;
    int64_t psp = ustack_build(NULL, 1 << 20, TOP, &a, &plan);
    CHECK(psp > 0);
    size_t need = (size_t)(TOP - (uint64_t)psp);
    CHECK_EQ(need % 16, 0);

    struct stackbuf s;
    sb_init(&s, need, TOP, 0);
    struct ustack_layout l;
    int64_t sp = build(&s, &a, &l);
    verify(&s, &a, sp, &l);
    CHECK_EQ(sp, psp);
    CHECK(memcmp(&l, &plan, sizeof(l)) == 0);
    free(s.mem);

    /* one byte short, and every smaller size: refused, nothing written */
    unsigned wrong = 0;
    for (size_t size = 0; size < need; size++) {
        sb_init(&s, size, TOP, 0);
        if (build(&s, &a, &l) != USTACK_ERR_2BIG || !sb_untouched(&s))
            wrong++;
        free(s.mem);
    }
    CHECK_EQ(wrong, 0);

    /* short strings but many of them: the pointer array is what overflows */
    static const char *many[3000];
    for (size_t i = 0; i < 3000; i++)
        many[i] = "";
    struct ustack_args lots = {.argv = many, .argc = 3000, .envp = many, .envc = 3000};
    sb_init(&s, 8192, TOP, 0);
    CHECK_EQ(build(&s, &lots, &l), USTACK_ERR_2BIG);
    CHECK(sb_untouched(&s));
    free(s.mem);
    /* 6000 NULs + the top word, aligned; 6003 pointers; AT_NULL */
    CHECK_EQ(TOP - (uint64_t)ustack_build(NULL, 1 << 20, TOP, &lots, NULL), 6016 + 6003 * 8 + 16 + 8);
    sb_init(&s, 6016 + 6003 * 8 + 16 + 8, TOP, 0);
    verify(&s, &lots, build(&s, &lots, &l), &l);
    free(s.mem);
}

/* Linux's MAX_ARG_STRLEN: 131072 bytes with the NUL. */
static void test_string_limit(void)
{
    size_t max = USTACK_MAX_STRLEN;
    char *big = malloc(max + 1);
    memset(big, 'a', max);
    big[max] = 0;
    struct stackbuf s;
    sb_init(&s, 3 * max, TOP, 0);
    struct ustack_layout l;

    const char *argv[] = {big + 1}; /* 131071 characters: the longest allowed */
    struct ustack_args a = {.argv = argv, .argc = 1};
    int64_t sp = build(&s, &a, &l);
    verify(&s, &a, sp, &l);
    free(s.mem);

    sb_init(&s, 3 * max, TOP, 0);
    argv[0] = big; /* one more */
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_2BIG);
    CHECK(sb_untouched(&s));
    a.argv = NULL;
    a.argc = 0;
    a.envp = argv;
    a.envc = 1;
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_2BIG);
    a.envc = 0;
    a.execfn = big;
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_2BIG);
    a.execfn = NULL;
    a.platform = big;
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_2BIG);
    CHECK(sb_untouched(&s));
    free(s.mem);
    free(big);
}

static void test_invalid(void)
{
    static const char *const argv[] = {"/bin/true", NULL};
    struct ustack_aux aux[2] = {{AT_PAGESZ, 4096}, {AT_NULL, 0}};
    struct stackbuf s;
    sb_init(&s, 4096, TOP, 0);
    struct ustack_layout l;
    struct ustack_args ok = {.argv = argv, .argc = 1, .auxv = aux, .auxc = 1};
    struct ustack_args a;

    CHECK_EQ(ustack_build(s.buf, s.size, TOP + 8, &ok, &l), USTACK_ERR_INVAL);   /* unaligned top */
    CHECK_EQ(ustack_build(s.buf, s.size, TOP + 1, &ok, &l), USTACK_ERR_INVAL);
    CHECK_EQ(ustack_build(s.buf, s.size, 4000 & ~15u, &ok, &l), USTACK_ERR_INVAL); /* size > top */
    CHECK_EQ(ustack_build(s.buf, s.size, 1ull << 63, &ok, &l), USTACK_ERR_INVAL);
    CHECK_EQ(ustack_build(s.buf, s.size, TOP, NULL, &l), USTACK_ERR_INVAL);
    a = ok;
    a.argc = 2; /* argv[1] is NULL */
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_INVAL);
    a = ok;
    a.argv = NULL;
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_INVAL);
    a = ok;
    a.envc = 1;
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_INVAL);
    a = ok;
    a.auxc = 2; /* AT_NULL inside the caller's list */
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_INVAL);
    a = ok;
    a.auxv = NULL;
    CHECK_EQ(build(&s, &a, &l), USTACK_ERR_INVAL);
    static const uint64_t need_source[] = {AT_RANDOM, AT_PLATFORM, AT_EXECFN};
    for (size_t i = 0; i < 3; i++) {
        a = ok;
        aux[0].type = need_source[i];
        CHECK_EQ(build(&s, &a, &l), USTACK_ERR_INVAL);
    }
    CHECK(sb_untouched(&s));
    free(s.mem);

    /* the edge that is fine: size == top (the buffer reaches address 0) */
    sb_init(&s, 4096, 4096, 0);
    aux[0].type = AT_PAGESZ;
    int64_t sp = build(&s, &ok, &l);
    verify(&s, &ok, sp, &l);
    free(s.mem);
}

/* The builder stores bytewise: an odd buffer address must work (UBSan
 * reports misaligned stores otherwise). */
static void test_unaligned_buffer(void)
{
    static const char *const argv[] = {"prog"};
    struct ustack_args a = {.argv = argv, .argc = 1, .platform = "aarch64", .random = rnd,
                            .execfn = "/prog", .auxv = std_aux, .auxc = NSTD};
    for (unsigned skew = 1; skew < 16; skew++) {
        struct stackbuf s;
        sb_init(&s, 2048, TOP, skew);
        struct ustack_layout l;
        int64_t sp = build(&s, &a, &l);
        verify(&s, &a, sp, &l);
        free(s.mem);
    }
}

/* layout may be NULL, with or without a buffer */
static void test_layout_optional(void)
{
    static const char *const argv[] = {"init"};
    struct ustack_args a = {.argv = argv, .argc = 1};
    int64_t sp = ustack_build(NULL, 4096, TOP, &a, NULL);
    CHECK_EQ(sp, (int64_t)(linux_layout(&a, TOP).sp));
    struct stackbuf s;
    sb_init(&s, 4096, TOP, 0);
    CHECK_EQ(ustack_build(s.buf, s.size, TOP, &a, NULL), sp);
    static struct walked w;
    CHECK(musl_walk(&s, (uint64_t)sp, &w));
    CHECK_EQ(w.argc, 1);
    CHECK_STR(ustr(&s, w.argv[0]), "init");
    CHECK(sb_guards_ok(&s));
    free(s.mem);
}

/* Random argv/envp sets, checked end to end. */
static void test_random_sets(void)
{
    uint64_t seed = 0x7573746b6b656e78ull;
    unsigned fit = 0, refused = 0;
    static char pool[MAXV][48];
    static const char *argv[MAXV], *envp[MAXV];
    for (unsigned iter = 0; iter < 300; iter++) {
        size_t argc = test_rand(&seed) % 40, envc = test_rand(&seed) % 40;
        for (size_t i = 0; i < argc + envc; i++) {
            size_t n = test_rand(&seed) % 47;
            for (size_t k = 0; k < n; k++)
                pool[i][k] = (char)(1 + test_rand(&seed) % 255);
            pool[i][n] = 0;
        }
        for (size_t i = 0; i < argc; i++)
            argv[i] = pool[i];
        for (size_t i = 0; i < envc; i++)
            envp[i] = pool[argc + i];
        struct ustack_args a = {
            .argv = argv, .argc = argc, .envp = envp, .envc = envc,
            .execfn = argc > 0 ? argv[0] : NULL, .platform = "aarch64", .random = rnd,
            .auxv = std_aux, .auxc = 1 + test_rand(&seed) % NSTD,
        };
        if (a.execfn == NULL && a.auxc > 16)
            a.auxc = 16; /* AT_EXECFN (the 17th) needs an execfn */
        uint64_t top = 0x7ffff000ull - 16 * (test_rand(&seed) % 100);
        size_t size = 256 + (size_t)(test_rand(&seed) % 3000);
        struct stackbuf s;
        sb_init(&s, size, top, (unsigned)(test_rand(&seed) % 8));
        struct ustack_layout l;
        int64_t sp = build(&s, &a, &l);
        struct ustack_layout plan;
        int64_t psp = ustack_build(NULL, size, top, &a, &plan);
        CHECK_EQ(sp, psp);
        if (sp >= 0) {
            fit++;
            verify(&s, &a, sp, &l);
            /* A loader that placed the strings itself gets the same tail. */
            struct ustack_layout tail;
            int64_t tsp = ustack_plan_tail(top - size, l.arg_start, argc, envc, a.auxc, 8, true, &tail);
            CHECK_EQ(tsp, sp);
            CHECK_EQ(tail.argv, l.argv);
            CHECK_EQ(tail.envp, l.envp);
            CHECK_EQ(tail.auxv, l.auxv);
            CHECK_EQ(tail.platform, l.platform);
            CHECK_EQ(tail.random, l.random);
        } else {
            refused++;
            CHECK_EQ(sp, USTACK_ERR_2BIG);
            CHECK(sb_untouched(&s));
            /* and it really did not fit */
            CHECK(linux_layout(&a, top).sp < top - size || linux_layout(&a, top).sp > top);
            /* The tail planner refuses too, whenever the strings fitted. */
            struct ustack_layout full, tail;
            if (ustack_build(NULL, 1u << 20, top, &a, &full) >= 0 && full.arg_start >= top - size)
                CHECK_EQ(ustack_plan_tail(top - size, full.arg_start, argc, envc, a.auxc, 8, true, &tail),
                         USTACK_ERR_2BIG);
        }
        free(s.mem);
    }
    CHECK(fit > 50 && refused > 50); /* both outcomes exercised */
}

int main(void)
{
    RUN(test_busybox_shell);
    RUN(test_empty);
    RUN(test_alignment_sweep);
    RUN(test_too_big);
    RUN(test_string_limit);
    RUN(test_invalid);
    RUN(test_unaligned_buffer);
    RUN(test_layout_optional);
    RUN(test_random_sets);
    return test_finish();
}
