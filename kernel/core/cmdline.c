#include "kenix/cmdline.h"

#include "kenix/string.h"

#define CMDLINE_MAX 1024

static char cmdline[CMDLINE_MAX];

void cmdline_init(const char *bootargs)
{
    size_t n = bootargs ? strnlen(bootargs, CMDLINE_MAX - 1) : 0;
    memcpy(cmdline, bootargs, n);
    cmdline[n] = '\0';
}

const char *cmdline_get(void)
{
    return cmdline;
}

/* Finds the word "name" or "name=...": returns the start of its value (after
 * '=') or of the end of the word, NULL when absent. */
static const char *options_end(void)
{
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        if (p[0] == '-' && p[1] == '-' && (p[2] == ' ' || p[2] == '\0'))
            return p;
        while (*p && *p != ' ')
            p++;
    }
    return cmdline + strlen(cmdline);
}

static const char *find(const char *name)
{
    size_t len = strlen(name);
    const char *end = options_end();
    for (const char *p = cmdline; *p && p < end;) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, name, len) && (p[len] == '=' || p[len] == ' ' || p[len] == '\0'))
            return p[len] == '=' ? p + len + 1 : p + len;
        while (*p && *p != ' ')
            p++;
    }
    return 0;
}

bool cmdline_has(const char *name)
{
    return find(name) != 0;
}

bool cmdline_value(const char *name, char *buf, size_t size)
{
    const char *v = find(name);
    if (!v || v[-1] != '=')
        return false;
    size_t n = 0;
    while (v[n] && v[n] != ' ')
        n++;
    if (n + 1 > size)
        return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return true;
}

bool cmdline_has_value(const char *name, const char *value)
{
    char buf[64];
    return cmdline_value(name, buf, sizeof(buf)) && !strcmp(buf, value);
}

unsigned cmdline_init_args(char *buf, size_t size, const char *argv[], unsigned max)
{
    const char *p = options_end();
    if (!*p)
        return 0;
    p += 2;
    unsigned n = 0;
    size_t used = 0;
    while (n < max) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        /* A word ends at a space outside double quotes; the quotes go (as
         * Linux's next_arg), so -- -c "echo a b" gives two words. */
        size_t start = used;
        bool quoted = false;
        while (*p && (quoted || *p != ' ')) {
            if (*p == '"') {
                quoted = !quoted;
            } else {
                if (used + 1 >= size)
                    return n;
                buf[used++] = *p;
            }
            p++;
        }
        buf[used++] = '\0';
        argv[n++] = buf + start;
    }
    return n;
}
