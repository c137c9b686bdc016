/*
 * The timer core (ktimer.h): the expiry heap, firing from the tick, overrun
 * accounting, and each process's timer state.
 *
 * The heap is a binary min-heap of armed timers by deadline, shared by every
 * process: the tick looks at its top only, so a tick with nothing due costs
 * one comparison, and firing costs O(log n) per timer that expires. Its array
 * never has to grow while a timer is armed: every timer reserves its slot
 * when it is created (ktimer_create), so arming cannot fail and needs no
 * memory under proc_lock.
 *
 * An interval timer is moved forward from its previous deadline (deadline +
 * k * interval, the first such time after now), so it does not drift with
 * tick latency, and periods that went by unseen are counted as overruns
 * instead of being fired one by one. A periodic POSIX timer whose signal is
 * still queued leaves the heap until the signal is taken (Linux's rule: a
 * blocked signal costs the tick nothing); the expiries meanwhile are
 * counted when it comes back.
 */
#include "ktimer.h"
#include "../mm/uaccess.h"

#include "kenix/errno.h"
#include "kenix/linux_abi.h"
#include "kenix/panic.h"
#include "kenix/spinlock.h"
#include "kenix/string.h"
#include "../arch/aarch64/timer.h"
#include "../core/process.h"
#include "../core/thread.h"
#include "../mm/heap.h"

#define KTIMER_TICK_BUDGET 1024

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

uint64_t ktime_now(void)
{
    return timer_monotonic_ns();
}

uint64_t ktime_add(uint64_t a, uint64_t b)
{
    if (a >= KTIME_MAX || b >= KTIME_MAX - a)
        return KTIME_MAX;
    return a + b;
}

uint64_t ktime_from(int64_t sec, uint64_t nsec)
{
    if ((uint64_t)sec >= KTIME_MAX / NSEC_PER_SEC)
        return KTIME_MAX;
    return ktime_add((uint64_t)sec * NSEC_PER_SEC, nsec);
}

int ktime_read_user(uint64_t uaddr, uint64_t *ns)
{
    int64_t ts[2];
    int err = copy_from_user(current_process()->vm, ts, uaddr, sizeof(ts));
    if (err)
        return err;
    if (ts[0] < 0 || ts[1] < 0 || (uint64_t)ts[1] >= NSEC_PER_SEC)
        return -EINVAL;
    /* Beyond ~584 years the sum overflows: that is "forever". */
    *ns = (uint64_t)ts[0] > UINT64_MAX / NSEC_PER_SEC - 1 ? UINT64_MAX : (uint64_t)ts[0] * NSEC_PER_SEC + (uint64_t)ts[1];
    return 0;
}

void ktime_split(uint64_t ns, int64_t out[2])
{
    if (ns > KTIME_MAX)
        ns = KTIME_MAX;
    out[0] = (int64_t)(ns / NSEC_PER_SEC);
    out[1] = (int64_t)(ns % NSEC_PER_SEC);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* d + n * iv, clamped to KTIME_MAX (iv > 0). */
static uint64_t advance(uint64_t d, uint64_t n, uint64_t iv)
{
    if (d >= KTIME_MAX || n > (KTIME_MAX - d) / iv)
        return KTIME_MAX;
    return d + n * iv;
}

/* ---- the expiry heap (proc_lock) ------------------------------------------------ */

static struct ktimer **heap;
static unsigned heap_len;      /* armed timers in it */
static unsigned heap_cap;      /* room in the array */
static unsigned heap_reserved; /* timers that exist: each may be armed */

static void heap_set(unsigned i, struct ktimer *t)
{
    heap[i] = t;
    t->heap_pos = i + 1;
}

static void sift_up(unsigned i)
{
    struct ktimer *t = heap[i];
    while (i > 0) {
        unsigned parent = (i - 1) / 2;
        if (heap[parent]->deadline <= t->deadline)
            break;
        heap_set(i, heap[parent]);
        i = parent;
    }
    heap_set(i, t);
}

static void sift_down(unsigned i)
{
    struct ktimer *t = heap[i];
    for (;;) {
        unsigned c = 2 * i + 1;
        if (c >= heap_len)
            break;
        if (c + 1 < heap_len && heap[c + 1]->deadline < heap[c]->deadline)
            c++;
        if (t->deadline <= heap[c]->deadline)
            break;
        heap_set(i, heap[c]);
        i = c;
    }
    heap_set(i, t);
}

static void heap_push(struct ktimer *t)
{
    KASSERT(!t->heap_pos && heap_len < heap_cap, "ktimer heap: push without a reserved slot");
    heap_set(heap_len++, t);
    sift_up(heap_len - 1);
}

static void heap_remove(struct ktimer *t)
{
    unsigned i = t->heap_pos - 1;
    t->heap_pos = 0;
    struct ktimer *last = heap[--heap_len];
    if (i == heap_len)
        return;
    heap_set(i, last);
    if (i > 0 && heap[(i - 1) / 2]->deadline > last->deadline)
        sift_up(i);
    else
        sift_down(i);
}

/* Makes room for one more timer (called without locks; may allocate). */
static int heap_reserve(void)
{
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    while (heap_reserved == heap_cap) {
        unsigned cap = heap_cap ? heap_cap * 2 : 32;
        spin_unlock_irqrestore(&proc_lock, flags);
        struct ktimer **bigger = kmalloc(cap * sizeof(*bigger));
        if (!bigger)
            return -ENOMEM;
        flags = spin_lock_irqsave(&proc_lock);
        struct ktimer **spare = bigger;
        if (heap_cap < cap) { /* nobody grew it meanwhile */
            if (heap_len)
                memcpy(bigger, heap, heap_len * sizeof(*heap));
            spare = heap;
            heap = bigger;
            heap_cap = cap;
        }
        spin_unlock_irqrestore(&proc_lock, flags);
        kfree(spare);
        flags = spin_lock_irqsave(&proc_lock);
    }
    heap_reserved++;
    spin_unlock_irqrestore(&proc_lock, flags);
    return 0;
}

/* ---- arming, reading back ----------------------------------------------------- */

/* Forgets that t was parked (it is being re-armed, disarmed or released). */
static void unpark(struct ktimer *t)
{
    if (t->parked) {
        t->parked = false;
        t->owner->timers->parked--;
    }
}

void ktimer_disarm_locked(struct ktimer *t)
{
    if (t->heap_pos)
        heap_remove(t);
    unpark(t);
    t->armed = false;
    t->waiting = false;
    t->interval = 0;
}

void ktimer_arm_locked(struct ktimer *t, uint64_t deadline, uint64_t interval)
{
    if (t->heap_pos)
        heap_remove(t);
    unpark(t);
    t->deadline = deadline > KTIME_MAX ? KTIME_MAX : deadline;
    t->interval = interval > KTIME_MAX ? KTIME_MAX : interval;
    t->armed = true;
    t->waiting = false;
    if (!t->sigev_none)
        heap_push(t);
}

/* Moves an armed interval timer's deadline past `now` along its grid, if it
 * is not already; returns how many expiries that passed over. The heap
 * position follows. */
static uint64_t forward(struct ktimer *t, uint64_t now)
{
    if (!t->armed || !t->interval || t->deadline > now)
        return 0;
    uint64_t n = (now - t->deadline) / t->interval + 1;
    t->deadline = advance(t->deadline, n, t->interval);
    if (t->heap_pos) {
        heap_remove(t);
        heap_push(t);
    }
    return n;
}

uint64_t ktimer_remaining_locked(struct ktimer *t, uint64_t now)
{
    if (!t->armed)
        return 0;
    if (t->waiting || t->parked) {
        /* Its signal is still queued, or ignored: the expiries since are
         * overruns, as Linux forwards such a timer when it is read. */
        t->overrun = sat_add(t->overrun, forward(t, now));
        return t->deadline - now;
    }
    if (t->deadline > now)
        return t->deadline - now;
    if (t->sigev_none) {
        /* Never queued: it expires only in being looked at. */
        if (!t->interval) {
            t->armed = false;
            return 0;
        }
        forward(t, now);
        return t->deadline - now;
    }
    return 1; /* due; the tick fires it */
}

/* ---- firing ------------------------------------------------------------------- */

/* A POSIX timer's signal is being taken (proc_lock held): a periodic timer
 * that waited for this goes on, the expiries meanwhile counted; si_overrun is
 * that count, frozen for timer_getoverrun. */
static void posix_delivered(struct sigqueue *q, struct ksiginfo *info)
{
    struct ktimer *t = container_of(q, struct ktimer, q);
    if (t->waiting) {
        t->overrun = sat_add(t->overrun, forward(t, ktime_now()));
        t->waiting = false;
        heap_push(t);
    }
    int overrun = t->overrun > DELAYTIMER_MAX ? DELAYTIMER_MAX : (int)t->overrun;
    info->timer.overrun = overrun;
    t->overrun_last = overrun;
    t->overrun = 0;
}

/* Linux re-arms an interval ITIMER_REAL when its SIGALRM is taken, not when it
 * expires: while the signal waits (blocked), getitimer reads 0 and no
 * further SIGALRM is raised; if it is ignored, the timer stops. */
static void real_rearm(struct ktimer *t, uint64_t now)
{
    uint64_t d = t->deadline;
    if (d <= now)
        d = advance(d, (now - d) / t->interval + 1, t->interval);
    ktimer_arm_locked(t, d, t->interval);
}

static void real_delivered(struct sigqueue *q, struct ksiginfo *info)
{
    (void)info;
    struct ktimer *t = container_of(q, struct ktimer, q);
    if (!t->armed && t->interval)
        real_rearm(t, ktime_now());
}

/* t (just taken off the heap) expired at or before now. proc_lock held. */
static void fire(struct ktimer *t, uint64_t now)
{
    struct process *p = t->owner;
    if (t->kind == KTIMER_REAL) {
        t->armed = false;
        signal_send_owned_locked(p, &t->q, &proc_lock);
        /* Not queued, yet SIGALRM pending (a kill's, merged): it is taken
         * with that one, so the timer goes on now. Not queued and not
         * pending: ignored, and the timer stops, as on Linux. */
        if (t->interval && !t->q.queued && (p->sig.pending & SIGBIT(SIGALRM)))
            real_rearm(t, now);
        return;
    }
    if (!signal_send_owned_locked(p, &t->q, &proc_lock))
        t->overrun = sat_add(t->overrun, 1); /* still queued (cannot happen: it would be waiting) */
    if (!t->interval) {
        t->armed = false;
        return;
    }
    /* On along the grid past now: the first step is the expiry just sent, the
     * others (an interval shorter than the tick, a late tick) overruns. */
    uint64_t steps = forward(t, now);
    if (t->q.queued) {
        t->overrun = sat_add(t->overrun, steps - 1);
        /* Its signal waits to be taken: so does the timer, off the heap
         * (Linux's rule), so a blocked signal costs the tick nothing. */
        t->waiting = true;
        return;
    }
    /* Discarded (ignored, or its process cannot take it): parked off the
     * heap until the signal is wanted again (ktimers_unignore_locked), as
     * Linux 6.13 does, so thousands of ignored short-interval timers cost
     * the tick nothing. ktimer_remaining_locked still reads the grid. */
    t->parked = true;
    p->timers->parked++;
}

void ktimers_unignore_locked(struct process *p, int sig)
{
    struct ptimers *pt = p->timers;
    if (!pt || !pt->parked)
        return;
    uint64_t now = ktime_now();
    for (unsigned i = 0; i < pt->table_size && pt->parked; i++) {
        struct ktimer *t = pt->table[i];
        if (!t || !t->parked || t->q.info.signo != sig)
            continue;
        unpark(t);
        t->overrun = sat_add(t->overrun, forward(t, now));
        heap_push(t);
    }
}

void ktimers_tick(uint64_t counter_now, struct thread *cur, bool user)
{
    /* Read without the lock: this is the interrupt, and everyone who changes
     * these holds proc_lock with interrupts masked (one CPU). */
    uint64_t now = timer_counter_to_ns(counter_now);
    struct process *p = cur->proc;
    bool cpu = p && p->timers && (p->timers->cpu[0].expires || p->timers->cpu[1].expires);
    if (!cpu && !(heap_len && heap[0]->deadline <= now))
        return;
    spin_lock(&proc_lock);
    /* At most KTIMER_TICK_BUDGET expiries a tick: timers whose signal is
     * ignored keep firing (one expiry a tick each), and thousands of them
     * with tiny intervals must make timers late, not wedge the kernel. The
     * rest stay due, in deadline order, for the next tick. */
    for (unsigned budget = KTIMER_TICK_BUDGET; budget && heap_len && heap[0]->deadline <= now; budget--) {
        struct ktimer *t = heap[0];
        heap_remove(t);
        fire(t, now);
    }
    if (cpu)
        itimer_cpu_tick_locked(p, user);
    spin_unlock(&proc_lock);
}

/* ---- lifetime ----------------------------------------------------------------- */

struct ktimer *ktimer_create(enum ktimer_kind kind, int clock, bool sigev_none)
{
    struct ktimer *t = kzalloc(sizeof(*t));
    if (!t)
        return 0;
    if (heap_reserve()) {
        kfree(t);
        return 0;
    }
    t->owner = current_process();
    t->kind = (uint8_t)kind;
    t->clock = (uint8_t)clock;
    t->sigev_none = sigev_none;
    t->q.owned = true;
    t->q.delivered = kind == KTIMER_REAL ? real_delivered : posix_delivered;
    return t;
}

void ktimer_release_locked(struct ktimer *t)
{
    spin_assert_held(&proc_lock);
    ktimer_disarm_locked(t);
    signal_unqueue_owned_locked(t->owner, &t->q);
    if (--heap_reserved == 0) {
        /* No timer left anywhere: the array goes, so a burst of timers does
         * not keep its memory after they are gone (a slab page pinned). */
        KASSERT(heap_len == 0, "ktimer heap: %u armed with no timer left", heap_len);
        kfree(heap);
        heap = 0;
        heap_cap = 0;
    }
}

struct ptimers *ptimers_get(void)
{
    struct process *p = current_process();
    if (p->timers)
        return p->timers;
    struct ptimers *pt = kzalloc(sizeof(*pt));
    if (!pt)
        return 0;
    irqflags_t flags = spin_lock_irqsave(&proc_lock);
    p->timers = pt; /* published under the lock: the tick reads it */
    spin_unlock_irqrestore(&proc_lock, flags);
    return pt;
}

void ktimers_exec_locked(struct process *p)
{
    spin_assert_held(&proc_lock);
    struct ptimers *pt = p->timers;
    if (!pt)
        return;
    for (unsigned i = 0; i < pt->table_size; i++) {
        if (pt->table[i]) {
            ktimer_release_locked(pt->table[i]);
            kfree(pt->table[i]);
            pt->table[i] = 0;
        }
    }
    pt->count = 0; /* releasing took each one's parking off pt->parked */
}

void ktimers_exit_locked(struct process *p)
{
    spin_assert_held(&proc_lock);
    struct ptimers *pt = p->timers;
    if (!pt)
        return;
    for (unsigned i = 0; i < pt->table_size; i++) {
        if (pt->table[i]) {
            ktimer_release_locked(pt->table[i]);
            kfree(pt->table[i]);
        }
    }
    if (pt->real) {
        ktimer_release_locked(pt->real);
        kfree(pt->real);
    }
    p->timers = 0;
    kfree(pt->table);
    kfree(pt);
}
