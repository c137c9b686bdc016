#include <kenix/trap.h>

/* Out of line so that callers with a run-time number (syscall tables, fuzzers,
 * tests) need not be inlined six ways; the inline forms remain the fast path. */
long kenix_trap(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    return kenix_trap6(nr, a0, a1, a2, a3, a4, a5);
}
