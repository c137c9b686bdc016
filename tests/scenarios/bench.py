"""Benchmarks: print figures, never fail on time.

bench.kenix is the Kenix half of `./kenix bench` (tools/bench.py) with small
loop counts; bench.boot and bench.console time the boot and the console and
disk as a user meets them. What follows is about bench.boot.

Under -icount shift=0 the guest clock advances 1 ns per instruction, so the
kernel's own time stamps ("banner N us after kernel entry", "boot: done in
N us") are instruction counts in thousands: deterministic run to run. Without
icount they are TCG guest time. Host wall time is measured from QEMU's start
to the arrival of each line and to QEMU's exit; it is noisy and only printed.
Figures the kernel does not print are reported as n/a rather than failing.
"""
import re
from pathlib import Path

from scenario import check, scenario

BANNER = r"^boot: entered at EL\d, running at EL\d(?:, banner (\d+) us after kernel entry)?$"
DONE = r"^boot: done(?: in (\d+) us)?$"


def guest(us, icount):
    if us is None:
        return "n/a"
    return f"{int(us) * 1000} instructions" if icount else f"{us} us"


@scenario("bench.boot", labels=("bench",))
def boot(ctx):
    for icount in (True, False):
        mode = "icount" if icount else "tcg"
        with ctx.boot("kenix.poweroff", icount=icount, initrd=False, disk=False) as s:
            banner = s.expect(r"^Kenix \d+\.\d+\.\d+ \(aarch64\)$")
            entered = s.expect(BANNER)
            done = s.expect(DONE)
            s.expect(ctx.success_marker())
            status = s.wait_exit()
            exit_wall = s.elapsed()
            check(status == 0, f"{mode}: booted and powered off")
            print(f"BENCH boot {mode} guest: kernel entry -> banner {guest(entered.group(1), icount)}, "
                  f"-> boot done {guest(done.group(1), icount)}")
            print(f"BENCH boot {mode} host: QEMU start -> banner {s.arrival(banner) * 1000:.0f} ms, "
                  f"-> boot done {s.arrival(done) * 1000:.0f} ms, -> exit {exit_wall * 1000:.0f} ms")


def _bench_tool():
    """tools/bench.py, the one place the benchmark command line is made (a
    module of another name: this file is `bench` to the scenario loader)."""
    import importlib.util
    path = Path(__file__).resolve().parents[2] / "tools" / "bench.py"
    spec = importlib.util.spec_from_file_location("kenix_bench_tool", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Small loop counts: CI checks that every benchmark runs and checks its
# answers; `./kenix bench` takes the careful figures.
CI_ROUNDS = 200


@scenario("bench.kenix", labels=("bench",), timeout=240)
def kenix_figures(ctx):
    """The Kenix half of `./kenix bench` with small counts: bench_posix and
    bench_ipc (every figure of issue 11's list, FAT32 on the disk at /mnt
    included), under icount and under plain TCG. Figures are printed, never
    judged; the test fails only if a benchmark reports a FAIL (a wrong
    answer), exits non-zero or crashes."""
    tool = _bench_tool()
    commands = tool.kenix_commands(CI_ROUNDS, fat_mib=1)
    wanted = [row.metric for row in tool.ROWS]
    for icount in (True, False):
        mode = "icount (1 ns = 1 instruction)" if icount else "tcg (guest ns)"
        with ctx.boot(tool.kenix_append(commands), icount=icount, kernel_log_all=False) as s:
            statuses = []
            for command in commands:
                program = Path(command.split()[0]).name
                statuses.append((program, s.expect(rf"^{tool.MARK} {program} (\d+)$", timeout=150).group(1)))
            for line in s.transcript().splitlines():
                if line.startswith("bench: FAIL"):
                    print(f"  {line}")
            for program, status in statuses:
                check(status == "0", f"{mode}: {program} ran every benchmark and each checked its answer")
            check(s.wait_exit() == 0, f"{mode}: powered off")
            figures = {}
            for line in s.transcript().splitlines():
                f = FIGURE.match(line.strip())
                if f:
                    figures.setdefault(f.group(1), f.group(2))
            for metric in wanted + [m for m in figures if m not in wanted]:
                print(f"BENCH {metric} {mode}: {figures.get(metric, 'n/a')}")


FIGURE = re.compile(r"^bench: (?!FAIL |skip )(.+): (\d+) ns$")


@scenario("bench.console", labels=("bench",), timeout=300)
def console_and_disk(ctx):
    """Issue 10's figures, printed: time to the shell prompt (host wall time
    under TCG, median of 3 boots; guest time under icount from /proc/uptime),
    FAT32 sequential write and read of 4 MiB (dd's guest figures and host
    time), `ls -l` of a 1,000-entry FAT32 directory, console output
    throughput (cat of 256 KiB to the terminal)."""
    import statistics
    import time

    from terminal import command, powered_off, prompt

    walls = []
    for _ in range(3):
        with ctx.boot("", kernel_log_all=False) as s:
            m = prompt(s, timeout=30)
            walls.append(s.arrival(m))
            powered_off(ctx, s)
    print(f"BENCH time to prompt, host wall (TCG, QEMU start to the first prompt byte): median "
          f"{statistics.median(walls) * 1000:.0f} ms of {', '.join(f'{w * 1000:.0f}' for w in walls)}")
    with ctx.boot("", kernel_log_all=False, icount=True) as s:
        prompt(s, timeout=60)
        m = command(s, "cut -d' ' -f1 /proc/uptime", r"^(\d+)\.(\d+)$", timeout=60)
        ms = int(m.group(1)) * 1000 + int(m.group(2)) * 10
        print(f"BENCH time to prompt, guest (icount shift=0: 1 ns = 1 instruction): about {ms} ms = "
              f"{ms / 1000:.2f} G instructions (the shell's cut included; 10 ms resolution)")
        powered_off(ctx, s)

    def timed(s, line, expect, timeout=120):
        start = time.monotonic()
        m = command(s, line, expect, timeout=timeout)
        return m, time.monotonic() - start

    with ctx.boot("", kernel_log_all=False) as s:
        prompt(s, timeout=30)
        m, host_s = timed(s, "dd if=/dev/zero of=/mnt/seq bs=65536 count=64 conv=fsync 2>&1 | tail -1",
                          r"copied, ([\d.]+) seconds, ([\d.]+\s*\S+/s)")
        print(f"BENCH FAT32 sequential write 4 MiB (64 KiB writes, fsync): guest {m.group(2)} "
              f"({m.group(1)} s); host {host_s * 1000:.0f} ms for the command")
        # Another 4 MiB pushes most of the first file out of the 4 MiB cache.
        command(s, "dd if=/dev/zero of=/mnt/other bs=65536 count=64 conv=fsync 2>/dev/null; echo ok", r"^ok$")
        m, host_s = timed(s, "dd if=/mnt/seq of=/dev/null bs=65536 2>&1 | tail -1",
                          r"copied, ([\d.]+) seconds, ([\d.]+\s*\S+/s)")
        print(f"BENCH FAT32 sequential read 4 MiB (64 KiB reads, mostly from the disk): guest {m.group(2)} "
              f"({m.group(1)} s); host {host_s * 1000:.0f} ms for the command")
        command(s, "mkdir /mnt/many && cd /mnt/many && i=0; while [ $i -lt 1000 ]; do : > file-number-$i.txt; "
                   "i=$((i+1)); done; cd /; ls /mnt/many | wc -l", r"^1000$", timeout=240)
        m, host_s = timed(s, "time ls -l /mnt/many >/dev/null", r"real\s+(\d+m\s*[\d.]+s)")
        print(f"BENCH ls -l of a 1,000-entry FAT32 directory: guest {m.group(1)}; host {host_s * 1000:.0f} ms")
        command(s, "yes 'console throughput test line, 64 bytes of text for the terminal...' | "
                   "head -c 262144 > /tmp/text; echo made", r"^made$")
        start = time.monotonic()
        s.send("cat /tmp/text; echo; echo cat-done\r")
        s.expect(r"^cat-done$", timeout=120)
        elapsed = time.monotonic() - start
        prompt(s)
        print(f"BENCH console output: 256 KiB of text through cat to the terminal in {elapsed * 1000:.0f} ms "
              f"host time = {262144 / elapsed / 1024:.0f} KiB/s (what the host reads off the serial line)")
        powered_off(ctx, s)
