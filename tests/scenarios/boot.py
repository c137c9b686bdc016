"""Boot scenarios: the kernel finds the machine, owns it, and reports faults."""
from scenario import check, scenario


def boot_to_done(ctx, s):
    """Waits for the end of boot and the nonce marker; returns the whole transcript."""
    s.expect(r"^boot: done in \d+ us$")
    s.expect(ctx.success_marker())
    return s.transcript()


@scenario("boot.banner")
def banner(ctx):
    with ctx.boot("kenix.poweroff") as s:
        s.expect(r"^Kenix \d+\.\d+\.\d+ \(aarch64\)$", timeout=20)
        check(True, "banner printed")
        s.expect(r"^boot: entered at EL1, running at EL1")
        s.expect(r'^dtb: 0x[0-9a-f]+ \(\d+ bytes\) model "linux,dummy-virt"$')
        s.expect(rf'^cmdline: "kenix.nonce={ctx.nonce} kenix.poweroff"$')
        check(True, "device tree and command line reported")
        s.expect(r"^memory: 0x40000000-0x48000000 \(128 MiB\)$")
        s.expect(r"^reserved: kernel 0x40080000-0x[0-9a-f]+ \(\d+ KiB\)$")
        s.expect(r"^reserved: dtb 0x[0-9a-f]+-0x[0-9a-f]+ \(\d+ KiB\)$")
        s.expect(r"^reserved: initrd 0x[0-9a-f]+-0x[0-9a-f]+ \(\d+ KiB\)$")
        s.expect(r"^initrd: 0x[0-9a-f]+-0x[0-9a-f]+ \(\d+ KiB\)$")
        check(True, "memory, reservations and the initrd reported")
        s.expect(r"^uart: pl011 at 0x9000000 irq 33$")
        s.expect(r"^gic: GICv2 distributor 0x8000000 cpu-interface 0x8010000")
        s.expect(r"^timer: virtual timer irq 27, \d+ Hz, tick 10 ms$")
        s.expect(r"^psci: version \d+\.\d+ via hvc$")
        s.expect(r"^virtio-mmio: 32 slots at 0xa000000$")
        s.expect(r"^virtio-mmio: slot 31 at 0xa003e00: block device \(id 2\)")
        check(True, "UART, GIC, timer, PSCI and the virtio-blk disk found")
        s.expect(r"^heap: self-test ok$")
        boot_to_done(ctx, s)
        check(s.wait_exit() == 0, "powered off cleanly (QEMU exit status 0)")
        s.expect_not(r"PANIC|unexpected interrupt")


def check_ram(ctx, mem, mib):
    with ctx.boot("kenix.poweroff", mem=mem, initrd=False, disk=False) as s:
        s.expect(rf"^memory: total {mib} MiB$")
        check(True, f"RAM total is {mib} MiB")
        m = s.expect(r"^frames: (\d+) free of (\d+) pages")
        free, total = int(m.group(1)), int(m.group(2))
        check(total == mib * 256, f"frame allocator covers all {mib * 256} pages (got {total})")
        check(0.9 * total <= free < total, f"{free} pages free: all but the reserved ones")
        boot_to_done(ctx, s)
        check(s.wait_exit() == 0, "powered off cleanly")


@scenario("boot.ram_128m")
def ram_128m(ctx):
    check_ram(ctx, "128M", 128)


@scenario("boot.ram_2g")
def ram_2g(ctx):
    check_ram(ctx, "2G", 2048)


def check_ticks(ctx, gic=None):
    with ctx.boot("kenix.test=ticks", gic=gic, initrd=False, disk=False) as s:
        version = gic or "2"
        s.expect(rf"^gic: GICv{version} ")
        check(True, f"GICv{version} detected")
        m = s.expect(r"^timer: 20 interrupts in (\d+) ms \((ok|TOO FAST)\)$", timeout=30)
        check(m.group(2) == "ok", f"20 timer interrupts delivered, {m.group(1)} ms (>= 190 ms expected)")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "powered off cleanly")


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
    with ctx.boot("kenix.test=ticks", el2=True, initrd=False, disk=False) as s:
        s.expect(r"^boot: entered at EL2, running at EL1")
        check(True, "entered at EL2 and dropped to EL1")
        s.expect(r"^psci: version \d+\.\d+ via smc$")
        check(True, "PSCI conduit is SMC, as the DTB says under virtualization=on")
        m = s.expect(r"^timer: 20 interrupts in (\d+) ms \((ok|TOO FAST)\)$", timeout=30)
        check(m.group(2) == "ok", "timer interrupts work after the EL2 set-up")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "powered off through SMC")


@scenario("boot.fault")
def fault(ctx):
    with ctx.boot("kenix.test=fault", initrd=False, disk=False) as s:
        s.expect(r"^boot: done")
        s.expect(r"^PANIC: kernel data abort$")
        s.expect(r"^  ESR 0x[0-9a-f]{16} \(EC 0x25 data abort, current EL\)$")
        s.expect(r"^  translation fault, level \d, write$")
        s.expect(r"^  FAR 0xffff7ffffffff000$")
        s.expect(r"^  ELR 0xffffffff[0-9a-f]{8} selftest_fault\+0x[0-9a-f]+$")
        check(True, "fault decoded: data abort, translation fault on write, FAR and symbolized ELR")
        s.expect(r"^  x0  0x[0-9a-f]{16}")
        s.expect(r"^  x30 0x[0-9a-f]{16}$")
        check(True, "registers dumped")
        s.expect(r"^backtrace:$")
        s.expect(r"^  #0 0xffffffff[0-9a-f]{8} selftest_fault\+0x[0-9a-f]+$")
        s.expect(r"^  #1 0xffffffff[0-9a-f]{8} run_selftests\+0x[0-9a-f]+$")
        s.expect(r"^  #2 0xffffffff[0-9a-f]{8} kmain\+0x[0-9a-f]+$")
        check(True, "symbolized backtrace: selftest_fault <- run_selftests <- kmain")
        s.expect(r"^PANIC: system halted$")
        check(s.wait_exit() == 0, "powered off after the panic")
        s.expect_not(r"recursive panic|during panic")
        s.expect_not(ctx.success_marker())
