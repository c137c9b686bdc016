/*
 * Host tests of the "#!" line parser (kernel/lib/shebang.c): each case is a
 * first line as a file would start, with the interpreter and argument Linux's
 * binfmt_script gives for it (or ENOEXEC, or "not a script").
 */
#include <string.h>

#include "lib/shebang.h"
#include "test.h"

struct sb_case {
    const char *text;   /* the file's first bytes (the rest of the buffer is zero) */
    size_t len;         /* 0: strlen(text) */
    int result;         /* 1 not a script, 0 parsed, -8 ENOEXEC */
    const char *interp;
    const char *arg;    /* NULL: none */
};

static const struct sb_case cases[] = {
    { "#!/bin/sh\necho hi\n", 0, 0, "/bin/sh", NULL },
    { "#!/bin/sh -e\n", 0, 0, "/bin/sh", "-e" },
    { "#! \t /bin/sh \t -e  -x \t\nrest", 0, 0, "/bin/sh", "-e  -x" },
    { "#!/bin/sh   \n", 0, 0, "/bin/sh", NULL },
    { "#!/usr/bin/env python3 -u\n", 0, 0, "/usr/bin/env", "python3 -u" },
    { "#!/bin/sh\r\n", 0, 0, "/bin/sh\r", NULL },          /* CR is part of the name, as on Linux */
    { "#!/bin/sh", 0, 0, "/bin/sh", NULL },                /* no newline: the zero padding ends it */
    { "#!/bin/sh\0 -x\n", 10, 0, "/bin/sh", NULL },        /* NUL ends the name; no argument */
    { "#!\n", 0, -8, NULL, NULL },
    { "#!   \t \n", 0, -8, NULL, NULL },
    { "#!", 0, 0, "", NULL },                              /* an empty path: the open says ENOENT */
    { "#", 0, 1, NULL, NULL },
    { "\x7f" "ELF", 0, 1, NULL, NULL },
    { "# !/bin/sh\n", 0, 1, NULL, NULL },
    { "", 0, 1, NULL, NULL },
};

static void check_case(const struct sb_case *c)
{
    char buf[SHEBANG_BUF_SIZE] = { 0 };
    size_t len = c->len ? c->len : strlen(c->text);
    memcpy(buf, c->text, len);
    const char *interp = NULL, *arg = NULL;
    int r = shebang_parse(buf, &interp, &arg);
    CHECK_EQ(r, c->result);
    if (r != 0)
        return;
    CHECK_STR(interp, c->interp);
    if (c->arg)
        CHECK(arg != NULL && strcmp(arg, c->arg) == 0);
    else
        CHECK(arg == NULL);
}

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(&cases[i]);
}

/* A line longer than the buffer: fine while the path ends inside it (the
 * argument is cut before the buffer's last byte), refused otherwise. */
static void test_long_lines(void)
{
    char buf[SHEBANG_BUF_SIZE];
    const char *interp, *arg;

    memset(buf, 'a', sizeof(buf));
    memcpy(buf, "#!/bin/x ", 9);
    CHECK_EQ(shebang_parse(buf, &interp, &arg), 0);
    CHECK_STR(interp, "/bin/x");
    CHECK(arg != NULL && strlen(arg) == SHEBANG_BUF_SIZE - 1 - 9);

    memset(buf, 'a', sizeof(buf));
    memcpy(buf, "#!/", 3);
    CHECK_EQ(shebang_parse(buf, &interp, &arg), -8); /* the path may go on */

    /* The path ending exactly at the buffer's last byte, then cut: refused. */
    memset(buf, 'a', sizeof(buf));
    memcpy(buf, "#! /", 4);
    buf[SHEBANG_BUF_SIZE - 1] = 'z';
    CHECK_EQ(shebang_parse(buf, &interp, &arg), -8);

    /* Spaces up to the last byte, which would be the argument's only
     * character: the cut line is trimmed from its last byte, so no argument. */
    memset(buf, ' ', sizeof(buf));
    memcpy(buf, "#!/bin/x", 8);
    buf[SHEBANG_BUF_SIZE - 1] = 'a';
    CHECK_EQ(shebang_parse(buf, &interp, &arg), 0);
    CHECK_STR(interp, "/bin/x");
    CHECK(arg == NULL);

    /* A newline at the buffer's last byte: a whole line of 255 bytes. */
    memset(buf, 'b', sizeof(buf));
    memcpy(buf, "#!/bin/x ", 9);
    buf[SHEBANG_BUF_SIZE - 1] = '\n';
    CHECK_EQ(shebang_parse(buf, &interp, &arg), 0);
    CHECK(arg != NULL && strlen(arg) == SHEBANG_BUF_SIZE - 1 - 9);
}

int main(void)
{
    RUN(test_cases);
    RUN(test_long_lines);
    return test_finish();
}
