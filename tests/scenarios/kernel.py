"""Kernel-core scenarios: user processes loaded from the initrd, system calls, faults."""
import re
from pathlib import Path

from scenario import check, scenario

# Console lines that mean the kernel is unwell, whatever the scenario.
TROUBLE = r"PANIC|unexpected interrupt"


def expect_all_passed(s, what, timeout=60):
    """Waits for an in-guest program's "N passed, N failed" line (check.h) and
    checks that nothing failed, naming the FAIL lines if something did."""
    m = s.expect(r"^(\d+) passed, (\d+) failed$", timeout=timeout)
    failures = [l for l in s.transcript().splitlines() if l.startswith("FAIL")]
    check(m.group(2) == "0" and int(m.group(1)) > 0,
          f"{what}: {m.group(1)} in-guest checks passed; failures: {failures}")


def run_init(ctx, program, **options):
    """Boots with `program` as init and returns (session, wait status) once it has exited."""
    s = ctx.boot(f"kenix.init=/bin/{program} kenix.poweroff", **options)
    return s


@scenario("kernel.hello")
def hello(ctx):
    with run_init(ctx, "hello") as s:
        s.expect(r"^init: starting /bin/hello as process 1$")
        s.expect(r"^hello from musl: 2\+2=4, sqrt-ish ok$")
        check(True, "a static musl program runs as init: stdio, malloc, strtod, long double")
        s.expect(r"^process 1 \(/bin/hello\) exited with status 0$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "the kernel carries on after init exits and powers off")


@scenario("kernel.basics")
def basics(ctx):
    with run_init(ctx, "kernel_basics") as s:
        s.expect(r"^kernel_basics: start$")
        expect_all_passed(s, "system-call semantics", timeout=30)
        s.expect(r"^process 1 \(/bin/kernel_basics\) exited with status 0$")
        s.find(r"^syscall: linux 1000 \(0x3e8\) not implemented: -ENOSYS \(pid 1 /bin/kernel_basics")
        s.find(r"^syscall: linux acct 89 \(0x59\) not implemented: -ENOSYS \(pid 1 /bin/kernel_basics")
        check(True, "an unimplemented Linux call is logged by name and number, an unknown number by number")
        s.find(r"^syscall: native 8096 \(0x1fa0\) not implemented: -ENOSYS")
        s.find(r"^unfinished line: \nsyscall: linux 999 \(0x3e7\) not implemented: -ENOSYS")
        check(True, "a kernel message after an unfinished program line starts on a new line")
        check(s.count(r"not implemented: -ENOSYS") == 4, "each unknown syscall was logged once")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "powered off")
        s.expect_not(TROUBLE)


def faulting(ctx, program, what):
    with run_init(ctx, program, disk=False) as s:
        s.expect(r"^fault: about to fault$")
        m = s.expect(rf"^process 1 \(/bin/{program}\): {what} at (0x[0-9a-f]+), pc 0x[0-9a-f]+: killed by signal 11$")
        check(True, f"{program}: {what} at {m.group(1)} reported, process killed with SIGSEGV")
        # The crash report (kernel/posix/crash_report.c): the signal and fault
        # address, the registers, and the user stack named by the program's
        # own symbols: crash_here <- crash_caller <- main (tests/guest/fault.c).
        s.expect(rf"^  SIGSEGV \(11\), fault address {m.group(1)}, esr 0x[0-9a-f]+$")
        s.expect(r"^  pc  0x[0-9a-f]{16}( crash_here\+0x[0-9a-f]+)?$")
        s.expect(r"^  x0  0x[0-9a-f]{16}  x1  0x[0-9a-f]{16}  x2  0x[0-9a-f]{16}$")
        s.expect(r"^  x27 0x[0-9a-f]{16}  x28 0x[0-9a-f]{16}  x29 0x[0-9a-f]{16}$")
        s.expect(r"^  user backtrace:$")
        s.expect(r"^  #1  0x[0-9a-f]{16} crash_(here|caller)\+0x[0-9a-f]+( \(lr\))?$")
        s.expect(r"^  #\d+\s+0x[0-9a-f]{16} crash_caller\+0x[0-9a-f]+$" if program == "fault_exec" else
                 r"^  #\d+\s+0x[0-9a-f]{16} main\+0x[0-9a-f]+$")
        check(True, f"{program}: the report gives the registers and a backtrace named by the program's symbols")
        s.expect(r"^init: exited \(status 0xb\)$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "the system carries on (success marker, clean power-off)")
        s.expect_not(TROUBLE + r"|still running")


@scenario("kernel.fault_null")
def fault_null(ctx):
    faulting(ctx, "fault_null", "write fault")


@scenario("kernel.fault_kernel_memory")
def fault_kernel(ctx):
    faulting(ctx, "fault_kernel", "read fault")


@scenario("kernel.fault_exec_data")
def fault_exec(ctx):
    faulting(ctx, "fault_exec", "instruction fetch fault")


def run_under_init(ctx, program, times=1, timeout=60, **options):
    """Boots with the real /init running `program` (`times` times in a row);
    checks its in-guest cases all passed each time."""
    with ctx.boot(f"kenix.poweroff --" + f" /bin/{program}" * times, **options) as s:
        s.expect(r"^init: Kenix init, pid 1$")
        for run in range(times):
            s.expect(rf"^init: running /bin/{program}$")
            expect_all_passed(s, f"{program} (run {run + 1})", timeout=timeout)
            s.expect(rf"^init: /bin/{program} exited with status 0$")
        s.expect(rf"^init: {times} programs run, {times} passed, 0 failed$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "init exited 0; the system powered off")
        s.expect_not(TROUBLE)
        return s


@scenario("kernel.ipc")
def ipc(ctx):
    run_under_init(ctx, "test_ipc")


@scenario("kernel.kcall")
def kcall(ctx):
    """Files served by a toy server through kernel-originated calls."""
    run_under_init(ctx, "test_kcall")


@scenario("kernel.vm")
def vm(ctx):
    """Address spaces: proportional work, sane images, W^X, no leaks, copy-on-write."""
    run_under_init(ctx, "test_vm")


@scenario("kernel.sched")
def sched(ctx):
    run_under_init(ctx, "test_sched")


@scenario("kernel.el0")
def el0(ctx):
    """What user mode may do (cache registers, DC ZVA, code written at run
    time, WFI/WFE) and the signal each forbidden act ends a process with."""
    s = run_under_init(ctx, "test_el0")
    for what, signal in (("unknown/undefined instruction, pc", 4), ("breakpoint, pc", 5),
                         ("PC alignment fault at", 7), ("alignment fault at", 7), ("write fault at", 11)):
        s.find(rf"^process \d+ \(/bin/test_el0\): {what} 0x[0-9a-f]+.*: killed by signal {signal}$")
    check(True, "the kernel reported each fault by kind, with the faulting address only where there is one")


@scenario("kernel.memory")
def memory(ctx):
    """Memory and handle slots exhausted on purpose: refused, never a panic,
    all of it back once released; a process starving for pages gets SIGKILL."""
    s = run_under_init(ctx, "test_memory")
    s.find(r"^process \d+ \(/bin/test_memory\): out of memory at 0x[0-9a-f]+, pc 0x[0-9a-f]+: killed by signal 9$")
    check(True, "the starving process was reported as out of memory")


@scenario("kernel.irq")
def irq(ctx):
    """A user-space virtio-rng driver; run twice, since a driver that exits
    must leave its interrupt free for the next one to bind."""
    run_under_init(ctx, "test_irq", times=2)


@scenario("kernel.irq_modern")
def irq_modern(ctx):
    """The same driver on the virtio 1.x (modern) MMIO transport, which QEMU
    offers only when asked: its queue setup differs from the legacy one's."""
    s = run_under_init(ctx, "test_irq", extra=["-global", "virtio-mmio.force-legacy=false"])
    s.find(r"^virtio-mmio: slot 31 at 0xa003e00: entropy source \(id 4\), modern transport, irq 79$")
    check(True, "the kernel saw the modern transport")


def blk_device_run(ctx, transport, **options):
    """test_blkdev as process 1 (init execs it and it keeps init's boot
    handles): it finds the disk's among them, starts /sbin/blkdev with it and
    checks the block protocol end to end. Run by init (drivers[] in
    servers/init/init.c) it would get the disk's handles without
    KX_RIGHT_TRANSFER and could not hand them on to blkdev."""
    with ctx.boot("kenix.init=/bin/test_blkdev kenix.poweroff", **options) as s:
        s.expect(r"^init: starting /bin/test_blkdev as process 1$")
        s.expect(r"^blkdev: no virtio-blk device at 0x10000e00: another kind of virtio device$")
        s.expect(rf"^blkdev: virtio-blk {transport} at offset 0xc00 of its region, 131072 sectors \(64 MiB\)$")
        expect_all_passed(s, f"test_blkdev ({transport})", timeout=120)
        m = s.find(r"^test_blkdev: sequential read of 4 MiB in 64 KiB requests: .*$")
        print(f"  figure: {m.group(0)}", flush=True)
        s.expect(r"^process 1 \(/bin/test_blkdev\) exited with status 0$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "test_blkdev exited 0; the system powered off")
        s.expect_not(TROUBLE)


@scenario("blk.device", timeout=180)
def blk_device(ctx):
    """The block device server (/sbin/blkdev) driving QEMU's virtio-blk disk on
    the legacy virtio-mmio transport (QEMU's default), and on the modern one."""
    blk_device_run(ctx, "legacy")
    blk_device_run(ctx, "modern", extra=["-global", "virtio-mmio.force-legacy=false"])


GUEST_DIR = Path(__file__).resolve().parents[1] / "guest"


def pending_programs():
    """The programs tests/guest/pending-vfs.txt keeps out of the initrd until the
    vfs server lands (cmake/Ports.cmake reads the same file)."""
    try:
        lines = (GUEST_DIR / "pending-vfs.txt").read_text().splitlines()
    except FileNotFoundError:
        return set()
    return {l.strip() for l in lines if l.strip() and not l.startswith("#")}


PENDING = pending_programs()
# The in-guest test programs init must find: every tests/guest/test_*.c in the initrd.
GUEST_TESTS = sorted("/bin/" + p.stem for p in GUEST_DIR.glob("test_*.c") if p.stem not in PENDING)


@scenario("kernel.init", timeout=180)
def init_runs_tests(ctx):
    """With --tests, /init finds every /bin/test_* in the initrd and runs it."""
    with ctx.boot("kenix.poweroff -- --tests") as s:
        s.expect(r"^init: started /init as process 1$")
        s.expect(r"^init: Kenix init, pid 1$")
        ran = []
        for _ in GUEST_TESTS:
            m = s.expect(r"^init: running (/bin/test_\w+)$", timeout=60)
            ran.append(m.group(1))
            s.expect(rf"^init: {m.group(1)} exited with status 0$", timeout=60)
        check(sorted(ran) == GUEST_TESTS, f"init ran every test program in the initrd: {ran}")
        n = len(GUEST_TESTS)
        s.expect(rf"^init: {n} programs run, {n} passed, 0 failed$")
        s.expect(r"^process 1 \(/init\) exited with status 0$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "powered off after init exited")
        s.expect_not(TROUBLE)


@scenario("kernel.fuzz")
def fuzz(ctx):
    """Every implemented system call with hostile arguments (fuzz_syscalls):
    the kernel answers each with a result or an errno, kills nobody for a bad
    argument and does not panic. Fixed seeds, so a failure reproduces with
    `kenix.init=/bin/fuzz_syscalls -- 20000 SEED trace`."""
    for seed in (1, 2, 3):
        with ctx.boot(f"kenix.init=/bin/fuzz_syscalls kenix.poweroff -- 20000 {seed}", disk=False) as s:
            s.expect(rf"^fuzz_syscalls: 20000 calls, seed {seed}$")
            expect_all_passed(s, f"seed {seed}")
            s.expect(r"^process 1 \(/bin/fuzz_syscalls\) exited with status 0$")
            s.expect(ctx.success_marker())
            check(s.wait_exit() == 0, f"seed {seed}: 20000 hostile calls, then a clean power-off")
            s.expect_not(TROUBLE + r"|killed by signal")


@scenario("kernel.fuzz_signals", timeout=150)
def fuzz_signals(ctx):
    """Signal delivery fuzzed between two processes and their grandchildren
    (fuzz_signals): random handlers, masks, alternate stacks, sends, blocking
    calls, stops, faults and forged rt_sigreturn frames, every delivery and
    every register checked; the kernel must not panic and the fuzzing
    process must not be killed. Fixed seeds: a failure reproduces (exactly
    under --icount) with `kenix.init=/bin/fuzz_signals -- 2000 SEED trace`."""
    for seed in (1, 2, 3):
        with ctx.boot(f"kenix.init=/bin/fuzz_signals kenix.poweroff -- 2000 {seed}", disk=False) as s:
            s.expect(rf"^fuzz_signals: 2000 iterations, seed {seed}$")
            expect_all_passed(s, f"seed {seed}", timeout=40)
            s.expect(r"^process 1 \(/bin/fuzz_signals\) exited with status 0$")
            s.expect(ctx.success_marker())
            check(s.wait_exit() == 0, f"seed {seed}: 2000 iterations of two processes at each other, then a clean power-off")
            s.expect_not(TROUBLE + r"|^process 2 \(/bin/fuzz_signals\).*killed by signal")


# The POSIX process work (issue 7): each program runs under the real /init and
# checks Linux's semantics case by case (tests/guest/POSIX-TESTS.md).
def posix_scenario(program, timeout=120):
    @scenario(f"posix.{program[5:]}", labels=("posix",), timeout=timeout)
    def run(ctx):
        run_under_init(ctx, program, timeout=timeout - 15)
    return run


for _program in ("test_fd", "test_pipe", "test_fork", "test_proc", "test_signal", "test_sigaction", "test_cred", "test_limits",
                 "test_poll", "test_timer", "test_jobctl", "test_exec", "test_progcache", "test_tty", "test_uaccess", "test_vdso"):
    posix_scenario(_program)
# Calls interrupted in a server (R3.2-R3.6): Kenix-only, its toy server is native.
posix_scenario("test_cancel")
# Files (issue 9): each gets its scenario once tests/guest/pending-vfs.txt no
# longer lists it (until the vfs lands, the program is not in the initrd).
FILE_TESTS = ("test_file", "test_dir", "test_path", "test_perm", "test_fsmount", "test_lock", "test_mmap")
for _program in FILE_TESTS:
    if _program not in PENDING:
        posix_scenario(_program, timeout=240)


@scenario("posix.init_signals", labels=("posix",))
def init_signals(ctx):
    """Process 1 gets only the signals it has handlers for (tests/guest/init_signals.c
    runs as process 1 and sends itself and is sent every other kind)."""
    with run_init(ctx, "init_signals", disk=False) as s:
        s.expect(r"^init: starting /bin/init_signals as process 1$")
        s.expect(r"^init_signals: start, pid 1$")
        expect_all_passed(s, "process 1 and signals", timeout=60)
        s.expect(r"^process 1 \(/bin/init_signals\) exited with status 0$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "powered off after process 1 exited")
        s.expect_not(TROUBLE + r"|killed by signal")


@scenario("posix.vfs_death", labels=("posix",))
def vfs_death(ctx):
    """The vfs killed while callers wait for it: they come back with EIO, as
    every later path call does, and the rest of the system goes on
    (tests/guest/vfs_death.c, run as process 1)."""
    with run_init(ctx, "vfs_death", disk=False) as s:
        s.expect(r"^init: starting /bin/vfs_death as process 1$")
        expect_all_passed(s, "callers of a dead vfs", timeout=60)
        s.expect(r"^process 1 \(/bin/vfs_death\) exited with status 0$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "powered off after process 1 exited")
        s.expect_not(TROUBLE)


@scenario("kernel.log")
def kernel_log(ctx):
    """The console a user gets (no loglevel= on the command line): kernel
    messages below warning stay in the kernel log, which dmesg (syslog(2))
    reads whole; loglevel=8 brings them back to the console (every other
    scenario boots with it)."""
    script = ("echo start; /bin/true; dmesg | grep -c 'process [0-9]* (/bin/true) exited with status 0'; "
              "dmesg | grep -m1 'Kenix'; dmesg -r | grep -m1 -o '^<6>'; "
              "echo '<3>loud via kmsg' > /dev/kmsg; echo '<6>soft via kmsg' > /dev/kmsg; "
              "dmesg -r | grep -c '^<6>.* soft via kmsg$'; echo end")
    with ctx.boot(f'kenix.init=/bin/sh kenix.poweroff -- -c "{script}"', kernel_log_all=False, disk=False) as s:
        s.expect(r"^init: starting /bin/sh as process 1$")
        s.expect(r"^start$")
        s.expect(r"^1$")  # the exit line is in the log
        s.expect(r"^\[\s*\d+\.\d{6}\] Kenix \S+ \(aarch64\)$")  # BusyBox dmesg prints the stamps
        s.expect(r"^<6>$")  # -r: the raw lines, with their levels
        s.expect(r"^loud via kmsg$")  # /dev/kmsg at level 3: an error reaches the console
        s.expect(r"^1$")  # at level 6 it is only in the log
        s.expect(r"^end$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "powered off after the shell exited")
        text = s.transcript()
        check(not re.search(r"^process \d+ \(/bin/true\) exited", text, re.M) and "heap: self-test ok" not in text
              and "soft via kmsg" not in text.replace("'<6>soft via kmsg'", ""),
              "the console shows no informational kernel lines (process exits, self-tests, a level-6 message)")
        s.expect_not(TROUBLE)
