"""Boot scenarios: the kernel finds the machine from the device tree, owns it,
and reports faults. Stable facts of the boot console are matched exactly;
sizes and addresses that depend on the build only by shape. Device lines are
looked up with find() after `boot: done`, so their order is free."""
import re

from scenario import check, scenario

HEX = r"0x[0-9a-f]+"
DONE = r"^boot: done(?: in \d+ us)?$"
PSCI = r"^psci: (?:version \d+\.\d+ )?via {}$"
TICKS = r"^timer: 20 interrupts in (\d+) ms \((ok|TOO FAST)\)$"


def powered_off(s, how="powered off cleanly"):
    check(s.wait_exit() == 0, f"{how} (QEMU exit status 0)")
    s.expect_not(r"PANIC|unexpected interrupt")


@scenario("boot.banner")
def banner(ctx):
    # init runs just /bin/hello: every test program is kernel.init's business.
    with ctx.boot("kenix.poweroff -- /bin/hello") as s:
        s.expect(r"^Kenix \d+\.\d+\.\d+ \(aarch64\)$")
        check(True, "banner")
        s.expect(DONE)  # the device lines come before it, in no promised order
        s.find(r"^boot: entered at EL1, running at EL1\b")
        check(True, "entered and running at EL1")
        s.find(rf'^dtb: {HEX} \(\d+ bytes\) model "linux,dummy-virt"$')
        s.find(rf'^cmdline: "kenix.nonce={ctx.nonce} loglevel=8 kenix.poweroff -- /bin/hello"$')
        check(True, "device tree found; command line read from /chosen/bootargs")
        s.find(r"^memory: 0x40000000-0x48000000 \(128 MiB\)$")
        s.find(r"^memory: total 128 MiB$")
        s.find(rf"^reserved: kernel 0x40080000-{HEX} \(\d+ KiB\)$")
        s.find(rf"^reserved: dtb {HEX}-{HEX} \(\d+ KiB\)$")
        s.find(rf"^reserved: initrd {HEX}-{HEX} \(\d+ KiB\)$")
        s.find(rf"^initrd: {HEX}-{HEX} \(\d+ KiB\)$")
        check(True, "memory, reservations (kernel, dtb, initrd) and the initrd range")
        s.find(r"^uart: pl011 at 0x9000000 irq 33$")
        s.find(r"^gic: GICv2 distributor 0x8000000 cpu-interface 0x8010000\b")
        s.find(r"^timer: virtual timer irq 27, \d+ Hz, tick 10 ms$")
        s.find(PSCI.format("hvc"))
        s.find(r"^virtio-mmio: 32 slots at 0xa000000$")
        # QEMU fills virtio-mmio slots from the top, in command-line order.
        s.find(r"^virtio-mmio: slot 31 at 0xa003e00: entropy source \(id 4\), legacy transport, irq 79$")
        s.find(r"^virtio-mmio: slot 30 at 0xa003c00: block device \(id 2\), legacy transport, irq 78$")
        check(True, "UART, GICv2, timer, PSCI (hvc), the virtio-rng device and the virtio-blk disk found")
        s.find(r"^frames: \d+ free of 32768 pages")
        s.find(r"^heap: self-test ok$")
        s.find(r"^kstack: self-test ok$")
        check(True, "frame allocator, heap and kernel stacks up (their self-tests passed)")
        s.expect(ctx.success_marker())
        check(True, "this run's nonce marker after boot: done")
        powered_off(s)


def check_ram(ctx, mem, mib):
    with ctx.boot("kenix.poweroff", mem=mem, initrd=False, disk=False) as s:
        s.expect(DONE)
        s.find(rf"^memory: total {mib} MiB$")
        check(True, f"RAM total is {mib} MiB")
        s.find(r"^initrd: none$")
        check(True, "no initrd reported when none is given")
        m = s.find(r"^frames: (\d+) free of (\d+) pages \((\d+) MiB free\)$")
        free, total, free_mib = (int(g) for g in m.groups())
        check(total == mib * 256, f"frame allocator covers all {mib * 256} pages (got {total})")
        check(0.9 * total <= free < total,
              f"{free} of {total} pages free: between 90% and 100% (the rest is kernel, dtb, metadata)")
        check(free_mib == free // 256, f"{free_mib} MiB free agrees with {free} pages")
        s.expect(ctx.success_marker())
        check(True, "this run's nonce marker after boot: done")
        powered_off(s)


@scenario("boot.ram_128m")
def ram_128m(ctx):
    check_ram(ctx, "128M", 128)


@scenario("boot.ram_2g")
def ram_2g(ctx):
    check_ram(ctx, "2G", 2048)


def check_ticks(ctx, gic=None, el2=False):
    with ctx.boot("kenix.test=ticks", gic=gic, el2=el2, initrd=False, disk=False) as s:
        s.expect(DONE)
        if el2:
            s.find(r"^boot: entered at EL2, running at EL1\b")
            check(True, "entered at EL2 and dropped to EL1")
        version = gic or "2"  # QEMU's default
        s.find(rf"^gic: GICv{version} distributor 0x8000000 ")
        check(True, f"GICv{version} found in the device tree")
        if el2:
            s.find(PSCI.format("smc"))
            check(True, "PSCI conduit is SMC, as the DTB says under virtualization=on")
        m = s.expect(TICKS, timeout=30)
        check(m.group(2) == "ok",
              f"20 timer interrupts delivered through GICv{version} in {m.group(1)} ms (>= 180 ms: 20 ticks span at least 18 periods)")
        s.expect(ctx.success_marker())
        powered_off(s, "powered off through SMC" if el2 else "powered off cleanly")


@scenario("boot.timer")
def timer(ctx):
    check_ticks(ctx)


@scenario("boot.gicv2")
def gicv2(ctx):
    check_ticks(ctx, gic="2")


@scenario("boot.gicv3")
def gicv3(ctx):
    check_ticks(ctx, gic="3")


@scenario("boot.el2")
def el2(ctx):
    check_ticks(ctx, el2=True)


@scenario("boot.fault")
def fault(ctx):
    with ctx.boot("kenix.test=fault", initrd=False, disk=False) as s:
        s.expect(DONE)
        s.expect(r"^PANIC: kernel data abort")
        s.expect(rf"^  ESR {HEX} \(EC 0x25 data abort, current EL\)$")
        s.expect(r"^  translation fault, level \d, write$")
        s.expect(r"^  FAR 0xffff7ffffffff000$")  # the address selftest_fault writes to
        s.expect(r"^  ELR 0xffff[0-9a-f]{12} selftest_fault\+0x[0-9a-f]+$")
        check(True, "data abort decoded (EC 0x25, translation fault on a write), "
                    "FAR is the bad address, ELR symbolized as selftest_fault")
        s.expect(r"^\s*x0\s+0x[0-9a-f]{16}")
        s.expect(r"\bx30\s+0x[0-9a-f]{16}$")
        check(True, "registers x0..x30 dumped")
        s.expect(r"^backtrace:$")
        s.expect(r"^  #0 0xffff[0-9a-f]{12} selftest_fault\+0x[0-9a-f]+$")
        s.expect(r"^  #1 0xffff[0-9a-f]{12} run_selftests\+0x[0-9a-f]+$")
        s.expect(r"^  #2 0xffff[0-9a-f]{12} kmain\+0x[0-9a-f]+$")
        check(True, "symbolized backtrace: selftest_fault <- run_selftests <- kmain")
        s.expect(r"^PANIC: system halted$")
        check(s.wait_exit() == 0, "powered off after the panic (QEMU exit status 0)")
        check(s.count(r"^PANIC: kernel") == 1 and s.count(r"recursive panic|during panic") == 0,
              "exactly one fault: no second fault or recursive panic")
        s.expect_not(ctx.success_marker())
        check(True, "no success marker after a panic")


def check_stack_overflow(ctx, test, thread, stack_re, origin):
    with ctx.boot(f"kenix.test={test}", initrd=False, disk=False) as s:
        s.expect(DONE)
        m = s.expect(rf'^PANIC: kernel stack overflow in thread \d+ "{thread}" \(stack ({HEX})-({HEX})\)$')
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        check(re.match(stack_re, m.group(1)) is not None and hi - lo == 16 * 1024,
              f'overflow recognized and named: thread "{thread}", its 16 KiB stack at {m.group(1)}')
        s.expect(r"^  translation fault, level 3, write$")
        far = int(s.expect(rf"^  FAR ({HEX})$").group(1), 16)
        check(lo - 16 * 1024 <= far < lo, "the faulting write hit the unmapped guard just below the stack")
        s.expect(r"^  ELR 0xffff[0-9a-f]{12} selftest_recurse\+0x[0-9a-f]+$")
        s.expect(r"^backtrace:$")
        s.expect(r"^  #0 0xffff[0-9a-f]{12} selftest_recurse\+0x[0-9a-f]+$")
        m = s.expect(r"^  #1-#(\d+) 0xffff[0-9a-f]{12} selftest_recurse\+0x[0-9a-f]+ \((\d+) times\)$")
        check(int(m.group(2)) == int(m.group(1)) > 50,
              f"the recursion is one backtrace line ({m.group(2)} frames)")
        s.expect(rf"^  #\d+ 0xffff[0-9a-f]{{12}} {origin}\+0x[0-9a-f]+$")
        check(True, f"the backtrace continues past the recursion to {origin}")
        s.expect(r"^PANIC: system halted$")
        check(s.wait_exit() == 0, "powered off after the panic (QEMU exit status 0)")
        check(s.count(r"^PANIC: kernel") == 1 and s.count(r"recursive panic|during panic") == 0,
              "one report: the exception entry did not fault again on the exhausted stack")


@scenario("boot.stack_overflow")
def stack_overflow(ctx):
    # A kernel thread's stack, from the kernel-stack area.
    check_stack_overflow(ctx, "stack-overflow", "overflow", r"0xffff80004[0-9a-f]{7}$", "kthread_main")


@scenario("boot.boot_stack_overflow")
def boot_stack_overflow(ctx):
    # The boot (idle) thread's stack, in the kernel image.
    check_stack_overflow(ctx, "boot-stack-overflow", "idle", r"0xffffffff8[0-9a-f]{7}$", "run_selftests")
