/*
 * "#!" line parsing (shebang.h), after Linux's fs/binfmt_script.c: the same
 * rules, written from its description, so scripts behave exactly as there.
 */
#include "shebang.h"

#include <stdbool.h>

#define SHEBANG_ENOEXEC (-8)

static bool spacetab(char c)
{
    return c == ' ' || c == '\t';
}

/* The first of [first, last] that is not a space or tab, or NULL. */
static char *next_non_spacetab(char *first, char *last)
{
    for (; first <= last; first++)
        if (!spacetab(*first))
            return first;
    return NULL;
}

/* The first of [first, last] that ends a word (space, tab, NUL), or NULL. */
static char *next_terminator(char *first, char *last)
{
    for (; first <= last; first++)
        if (spacetab(*first) || *first == '\0')
            return first;
    return NULL;
}

int shebang_parse(char buf[SHEBANG_BUF_SIZE], const char **interp, const char **arg)
{
    if (buf[0] != '#' || buf[1] != '!')
        return 1;
    char *buf_end = buf + SHEBANG_BUF_SIZE - 1;
    /* The end of the line: its newline, looked for up to the first NUL. */
    char *end = NULL;
    for (char *c = buf; c <= buf_end && *c != '\0'; c++) {
        if (*c == '\n') {
            end = c;
            break;
        }
    }
    if (end == NULL) {
        /* No newline within the buffer: the line goes on past it. Only a path
         * followed by a space, tab or NUL within the buffer is known whole. */
        char *name = next_non_spacetab(buf + 2, buf_end);
        if (name == NULL || next_terminator(name, buf_end) == NULL)
            return SHEBANG_ENOEXEC;
        end = buf_end;
    }
    while (end > buf + 2 && spacetab(end[-1]))
        end--;
    char *name = next_non_spacetab(buf + 2, end);
    if (name == NULL || name == end)
        return SHEBANG_ENOEXEC;
    char *a = NULL;
    char *sep = next_terminator(name, end);
    if (sep != NULL && *sep != '\0')
        a = next_non_spacetab(sep, end);
    /* Cutting at end ends the argument, or the path when there is none. */
    *end = '\0';
    if (a != NULL)
        *sep = '\0';
    *interp = name;
    *arg = a;
    return 0;
}
