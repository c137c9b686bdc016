/*
 * TEMPORARY (delete after merging main): signal_set_temp_mask is declared in
 * signal.h and implemented by the signal core the lead is merging; until then
 * this weak stand-in lets the readiness work link. It installs the mask and
 * keeps the caller's own mask in saved_blocked (not overwriting it when a
 * restarted call installs one again); nothing restores it on the way out yet.
 */
#include "signal.h"

#include "../core/process.h"

__attribute__((weak)) void signal_set_temp_mask(uint64_t mask)
{
    struct process *p = current_process();
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    if (!p->sig.restore_mask) {
        p->sig.saved_blocked = p->sig.blocked;
        p->sig.restore_mask = true;
    }
    p->sig.blocked = mask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
    spin_unlock_irqrestore(&proc_lock, flags);
}
