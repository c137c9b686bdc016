/*
 * TEMPORARY (cancel branch): signal_kills until the signal core that defines
 * it (signal.c, the lead's rewrite) is merged; delete this file then. Until
 * handlers exist, only SIGKILL is counted as fatal here, so every other
 * signal that interrupts a call in a server exercises the cancel protocol and
 * ends the process only on the way out.
 */
#include "signal.h"

#include "kenix/linux_abi.h"
#include "../core/process.h"

__attribute__((weak)) bool signal_kills(const struct process *p)
{
    spin_assert_held(&proc_lock);
    return (p->sig.pending & SIGBIT(SIGKILL)) != 0;
}
