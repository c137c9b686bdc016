/*
 * Minimal host test harness shared by the unit tests.
 *
 * A test binary calls RUN(fn) once per case; each case prints one line, and
 * test_finish() prints the closing "N passed, N failed" line that every Kenix
 * test program ends with, returning the process exit status. CHECKs do not
 * abort a case so that one run reports every broken expectation.
 */
#ifndef KENIX_TESTS_UNIT_TEST_H
#define KENIX_TESTS_UNIT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_case_failures; /* failed CHECKs in the current case */
static int test_passed;
static int test_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);    \
            test_case_failures++;                                                \
        }                                                                        \
    } while (0)

/* Integer comparison that shows both values on failure. */
#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);          \
        if (check_a_ != check_b_) {                                              \
            printf("  %s:%d: CHECK_EQ(%s, %s) failed: %lld (%#llx) != %lld (%#llx)\n", \
                   __FILE__, __LINE__, #a, #b, check_a_, (unsigned long long)check_a_, \
                   check_b_, (unsigned long long)check_b_);                     \
            test_case_failures++;                                                \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *check_a_ = (a), *check_b_ = (b);                             \
        if (check_a_ == NULL || check_b_ == NULL || strcmp(check_a_, check_b_) != 0) { \
            printf("  %s:%d: CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"\n",     \
                   __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",   \
                   check_b_ ? check_b_ : "(null)");                              \
            test_case_failures++;                                                \
        }                                                                        \
    } while (0)

static inline void test_run(const char *name, void (*fn)(void))
{
    test_case_failures = 0;
    fn();
    if (test_case_failures == 0) {
        test_passed++;
        printf("PASS %s\n", name);
    } else {
        test_failed++;
        printf("FAIL %s (%d checks failed)\n", name, test_case_failures);
    }
    fflush(stdout);
}

#define RUN(fn) test_run(#fn, fn)

static inline int test_finish(void)
{
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed == 0 ? 0 : 1;
}

/* Deterministic PRNG (xorshift64*) so failures reproduce. */
static inline uint64_t test_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

#endif
