/*
 * The first musl program: proves that stdio, malloc, strtod and binary128
 * long double arithmetic (the libgcc soft-float helpers in the sysroot) all
 * work. On success it prints exactly one known line and exits 0; any mismatch
 * prints what went wrong and exits 1, so a test can assert the whole output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Newton's method in long double: every step goes through __divtf3,
 * __addtf3 and __multf3, which only libgcc provides on aarch64. */
static long double sqrt_newton(long double x)
{
    long double r = x;
    for (int i = 0; i < 12; i++)
        r = (r + x / r) / 2;
    return r;
}

int main(void)
{
    char *end;
    double two = strtod("2.0e0", &end);
    if (*end != '\0') {
        printf("FAIL: strtod stopped at \"%s\"\n", end);
        return 1;
    }
    int sum = (int)(two + two);

    char *buf = malloc(128);
    if (buf == NULL) {
        printf("FAIL: malloc\n");
        return 1;
    }
    /* 21 digits only binary128 gets right (double stops near 16); printing
     * them exercises musl's long double formatting as well. */
    long double root = sqrt_newton(2.0L);
    snprintf(buf, 128, "%.20Lf", root);
    const char *want = "1.41421356237309504880";
    if (strcmp(buf, want) != 0 || fabsl(root * root - 2.0L) > 1e-30L) {
        printf("FAIL: sqrt(2) = %s, want %s\n", buf, want);
        return 1;
    }
    free(buf);

    printf("hello from musl: 2+2=%d, sqrt-ish ok\n", sum);
    return 0;
}
