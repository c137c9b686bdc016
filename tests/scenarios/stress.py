"""Stress scenario: many boots under varied timing, for races that show up
only now and then.

It exists for a race in trap_return: interrupts were unmasked while it
restored ELR/SPSR, so an interrupt in that window corrupted them and a new
process's first entry to user mode took a data abort in trap_return right
after `init: started /init`. Whether a timer interrupt lands in a window of a
few instructions depends on how many instructions run between ticks and on
everything that happened before, so each boot varies both:
  - `-icount shift=N` makes each instruction 2^N ns of guest time: the larger
    N, the fewer instructions between two 10 ms ticks (about 10,000 at
    QEMU's largest, 10), and the likelier a tick lands in a short window.
    Without -icount (plain TCG) guest time is host time, and host load
    decides where ticks land;
  - zero bytes appended to the initrd (invisible to the kernel, which stops at
    the cpio trailer) change how much the kernel reserves and maps before init
    runs, hence the instruction count at which each process starts, and move
    the device tree QEMU puts after the initrd.
Under -icount a boot is close to deterministic: a (shift, padding) that hits
a race hits it every time, and one that misses always misses. So the plan is
drawn afresh each run from a printed seed (KENIX_STRESS_SEED=N repeats it):
run after run, CI tries new instruction-count phases instead of the same 200.
A failed boot is reported in full with its shift, padding and the commands
that boot it again by hand; the other boots still run, and the scenario fails
with the count. Boots run two at a time (the CI machine has two cores; the
contention is part of the stress for plain TCG).
"""
import os
import random
import re
import secrets
import shlex
import threading
import time
import traceback
from collections import namedtuple
from pathlib import Path

from scenario import check, scenario

KiB, MiB, PAGE = 1024, 1024 * 1024, 4096
BOOTS = 200
JOBS = 2
SEED_ENV = "KENIX_STRESS_SEED"

# How many of the 200 boots get each shift (None: plain TCG). Weighted to what
# found the trap_return race on the kernel that had it (a4ec757), in runs of 200
# to 600 boots of one shift over different paddings: about 1 failure in 100-200
# boots at shift 10, at 9 and in plain TCG; none in 200 at 8, at 6 or with
# -icount shift=auto. The small shifts are there so that a guest clock fast
# against the instructions (shift 0: 1 ns each) is covered too.
SHIFT_BOOTS = {None: 40, 10: 70, 9: 40, 8: 20, 7: 5, 6: 5, 5: 4, 4: 4, 3: 3, 2: 3, 1: 3, 0: 3}
assert sum(SHIFT_BOOTS.values()) == BOOTS

# Paddings in every plan: none, odd sizes that leave the initrd's end unaligned,
# page multiples, and sizes that push the device tree past the 2 MiB boundaries
# QEMU aligns it to (the built initrd is about 2.3 MiB).
FIXED_PADDINGS = (0, 1, 3, 4 * KiB, 4 * KiB + 4, 12345, 60 * KiB, 1 * MiB + 4 * KiB, 3 * MiB, 8 * MiB)
# The others: each a different number of pages (what changes the kernel's work
# before init), up to 8 MiB, half of them with an odd number of bytes more.
MAX_PAGES = 8 * MiB // PAGE


def make_plan(seed):
    """[(shift, padding)] for BOOTS boots, every padding different, in an order
    that mixes shifts and sizes (so the two concurrent boots differ)."""
    rng = random.Random(seed)
    taken = {p // PAGE for p in FIXED_PADDINGS}
    pages = rng.sample([n for n in range(MAX_PAGES) if n not in taken], BOOTS - len(FIXED_PADDINGS))
    paddings = list(FIXED_PADDINGS) + [n * PAGE + rng.choice((0, rng.randrange(1, PAGE))) for n in pages]
    shifts = [shift for shift, n in SHIFT_BOOTS.items() for _ in range(n)]
    rng.shuffle(paddings)
    plan = list(zip(shifts, paddings))
    rng.shuffle(plan)
    return plan


# The real /init runs /bin/hello twice, then exits: three processes, each
# entering user mode for the first time through the path the race was in.
PROGRAMS = "/bin/hello /bin/hello"
APPEND = f"kenix.poweroff -- {PROGRAMS}"
DONE = r"^init: 2 programs run, 2 passed, 0 failed$"
TROUBLE = r"PANIC|unexpected interrupt|still running"
# What a panic says about the fault (after its PANIC line), kept with the trouble.
FAULT = r"^  (?:ESR|FAR|ELR|SPSR) "
KENIX_QEMU = Path(__file__).resolve().parents[1] / "harness" / "kenix_qemu.py"
# A boot takes about 0.1 s; this only bounds a hung one (a panic powers off at once).
BOOT_TIMEOUT = 10.0

Boot = namedtuple("Boot", "number shift padding seconds why trouble argv transcript")


def shift_name(shift):
    return "none" if shift is None else str(shift)


def size_name(n):
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n} bytes"


def reproduce(ctx, shift, padding):
    """Shell commands that boot the same combination by hand."""
    build = ctx.build_dir
    boot = ["python3", str(KENIX_QEMU), "--build-dir", str(build)]
    steps = []
    if padding:
        initrd = f"/tmp/initrd+{padding}.cpio"  # what Context.padded_initrd() makes
        steps.append(f"cp {shlex.quote(f'{build}/images/initrd.cpio')} {initrd} && "
                     f"truncate -s +{padding} {initrd}")
        boot += ["--initrd", initrd]
    else:
        boot += ["--tests"]  # by hand the small initrd is the default: /bin/hello is in the test one
    if shift is not None:
        boot += ["--icount", str(shift)]
    # This run's nonce too: under -icount a command line of another length is
    # enough to move every tick (the kernel parses it), and the race with it.
    steps.append(shlex.join(boot + ["--append", f"kenix.nonce={ctx.nonce} {APPEND}"]))
    return steps


def one_boot(ctx, number, shift, padding):
    """Boots one combination; returns its Boot, why=None if it passed."""
    started = time.monotonic()
    why, argv, transcript = None, [], ""
    try:
        with ctx.boot(APPEND, icount=False if shift is None else shift, initrd_padding=padding,
                      quiet=True) as s:
            argv = s.argv
            try:
                s.expect(DONE, timeout=BOOT_TIMEOUT)
                s.expect(ctx.success_marker(), timeout=BOOT_TIMEOUT)
                status = s.wait_exit(BOOT_TIMEOUT)
                if status != 0:
                    why = f"QEMU exit status {status}, not 0"
            except Exception as e:  # noqa: BLE001 -- any failure is this boot's, reported with it
                # The first line says what was expected; the transcript is reported whole.
                why = re.sub(r"; last output:$", "", str(e).split("\n", 1)[0])
        # Leaving `with` killed QEMU and drained its output: the transcript is complete.
        transcript = s.transcript()
    except Exception as e:  # noqa: BLE001 -- e.g. QEMU or an image missing: still this boot's failure
        why = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
    trouble = [line for line in transcript.splitlines()
               if re.search(TROUBLE, line) or re.search(FAULT, line)]
    if trouble and not why:
        why = "the console reported trouble"
    return Boot(number, shift, padding, time.monotonic() - started, why, trouble, argv, transcript)


def report(ctx, b):
    """The full account of one failed boot: on stdout and in the log."""
    lines = [f"FAIL boot {b.number}/{BOOTS} (icount shift {shift_name(b.shift)}, "
             f"initrd padding {b.padding} bytes, {b.seconds:.2f} s): {b.why}"]
    lines += [f"  trouble: {line}" for line in b.trouble]
    lines += ["  reproduce:"] + [f"    {step}" for step in reproduce(ctx, b.shift, b.padding)]
    if b.argv:
        lines.append(f"  qemu (a padded initrd is deleted after the run): {shlex.join(b.argv)}")
    lines.append(f"--- console transcript of boot {b.number}")
    lines.append(b.transcript.rstrip("\n"))
    lines.append(f"--- end of boot {b.number}")
    return "\n".join(lines)


# About 11 s on two cores; the timeout leaves room for a loaded CI machine.
@scenario("boot.stress", labels=("boot", "stress"), timeout=120)
def stress(ctx):
    """200 boots of /init running /bin/hello twice, across -icount shifts and
    initrd paddings; every one must end cleanly."""
    seed = int(os.environ.get(SEED_ENV) or secrets.randbelow(1 << 32))
    plan = make_plan(seed)
    shifts = ", ".join(f"{shift_name(k)} x{n}" for k, n in SHIFT_BOOTS.items())
    paddings = sorted(p for _, p in plan)
    header = (f"{BOOTS} boots, {JOBS} at a time, seed {seed} ({SEED_ENV}={seed} repeats this plan); "
              f"init runs {PROGRAMS}; icount shift: {shifts}; initrd padding: {len(set(paddings))} "
              f"different sizes from {size_name(paddings[0])} to {size_name(paddings[-1])}, "
              f"{sum(1 for p in paddings if p % PAGE)} not page multiples")
    print(f"  {header}", flush=True)
    ctx.log(f"=== boot.stress: {header}\n=== one line per boot that passed; a failed boot in full")
    queue = list(enumerate(plan, 1))
    results = []
    lock = threading.Lock()  # the queue, results and stdout are shared by the workers
    stop = threading.Event()
    started = time.monotonic()

    def worker():
        while not stop.is_set():
            # A boot begun this close to the deadline would fail for want of time, not
            # because of the kernel: leave it not run, which the count below reports.
            if ctx.deadline - time.monotonic() < BOOT_TIMEOUT:
                return
            with lock:
                if not queue:
                    return
                number, (shift, padding) = queue.pop(0)
            b = one_boot(ctx, number, shift, padding)
            if b.why:
                text = report(ctx, b)
                ctx.log(text)
            else:
                ctx.log(f"boot {number}/{BOOTS}: shift {shift_name(shift)}, padding {padding}: "
                        f"ok in {b.seconds:.2f} s")
            with lock:
                results.append(b)
                if b.why:
                    print(text, flush=True)
                if len(results) % 50 == 0:
                    failed = sum(1 for r in results if r.why)
                    print(f"  {len(results)}/{BOOTS} boots done, {failed} failed, "
                          f"{time.monotonic() - started:.1f} s", flush=True)

    # One worker here and JOBS-1 on threads: the signal that interrupts a scenario
    # (SIGTERM) is raised in this thread, whose `with` then kills its QEMU; stop
    # makes the others finish their current boot. They are daemons so that nothing
    # waits for them at exit, and QEMU dies with the thread that started it
    # (the harness's parent-death signal follows the thread).
    helpers = [threading.Thread(target=worker, daemon=True) for _ in range(JOBS - 1)]
    for t in helpers:
        t.start()
    try:
        worker()
    finally:
        stop.set()
        for t in helpers:
            t.join()
    wall = time.monotonic() - started

    failures = sorted((b for b in results if b.why), key=lambda b: b.number)
    times = sorted(b.seconds for b in results)
    summary = (f"{len(results)} boots, {len(failures)} failures (seed {seed}; shift values "
               f"{', '.join(map(shift_name, SHIFT_BOOTS))}; paddings {size_name(paddings[0])} to "
               f"{size_name(paddings[-1])}) in {wall:.1f} s")
    if times:
        summary += f"; one boot took {times[0]:.2f}-{times[-1]:.2f} s, median {times[len(times) // 2]:.2f} s"
    print(f"  {summary}", flush=True)
    ctx.log(f"=== {summary}")
    for b in failures:
        print(f"  failed: boot {b.number} shift {shift_name(b.shift)} padding {b.padding}: "
              f"{b.why.splitlines()[0]}" + "".join(f"\n    {line}" for line in b.trouble), flush=True)
    problems = []
    if failures:
        problems.append(f"{len(failures)} of {len(results)} boots failed "
                        f"(boots {', '.join(str(b.number) for b in failures)})")
    if len(results) < BOOTS:
        problems.append(f"only {len(results)} of {BOOTS} boots ran before the scenario's deadline")
    check(not problems, "; ".join(problems) if problems else
          f"all {BOOTS} boots reached `init: 2 programs run, 2 passed, 0 failed` and the success "
          f"marker, QEMU exited 0, and no console said {TROUBLE}")
