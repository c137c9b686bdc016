#!/usr/bin/env python3
"""`./kenix bench`: Kenix and Linux side by side, in one table.

    ./kenix bench [--linux] [--quick | --rounds N] [--mode {both,icount,tcg}]
                  [--scale] [--docs] [--boots N] [--timeout S] [-v]

Runs the project's own benchmark programs (tests/guest/bench_posix.c, portable
POSIX, and bench_ipc.c, Kenix's native IPC) on Kenix, and with --linux on
Debian 12's arm64 Linux 6.1 (tools/linux_baseline.py) in the very same QEMU
machine, each kernel booted under `-icount shift=0` (guest time counts
instructions: 1 ns = 1 instruction, the same every run) and under plain TCG
(guest time is host time: noisy, but what a user waits). It prints one table:

    metric | Linux | Kenix | Linux/Kenix | ... the same under TCG ... | goal | met

Linux/Kenix > 1 means Kenix is faster (every figure is a cost: lower is
better). The goals are issue 11's, for the icount figures; "met" judges Kenix
alone, except "≥ 2× Linux" rows, which need --linux.

Outputs (build/ is never committed):
  build/bench/bench.csv     the table
  build/bench/ratios.svg    the Linux/Kenix ratios (icount) as bars, log scale
  build/bench/scale.csv     with --scale: the scale table
  with --docs: docs/performance.md's tables (between its bench: markers),
  docs/performance.svg, and README.md's headline ratios.

--scale measures instead how costs grow with their work (bench_posix scale,
bench_ipc scale): fork with 1/16/64 MiB touched, exec of a small and a 2 MiB
program, IPC round trips with 0 B..1 MiB of bulk (on Linux, a pipe round trip
of the same size), open at path depth 1/8/32, getdents64 over 100..10,000
entries, tmpfs reads of 4 KiB..64 MiB files, pipe throughput with 1 B..64 KiB
writes. Both kernels then get 256 MiB of RAM (a 64 MiB file or 64 MiB of
touched memory do not fit beside everything else in the default 128 MiB).

Figures never pass or fail on time: the exit status is non-zero only when a
benchmark reported a FAIL (a wrong answer), crashed, or a boot did not finish.
"""
import argparse
import csv
import math
import re
import shlex
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "harness"))
import kenix_qemu  # noqa: E402  (how Kenix is booted)
import linux_baseline  # noqa: E402  (how Linux is booted, and the figure parser)

DEFAULT_ROUNDS = 2000
QUICK_ROUNDS = 200
SCALE_MEM = "256M"
MARK = "bench-exit"  # the status line the Kenix command line prints after each program

# ---- the rows of the table ----------------------------------------------------------


@dataclass
class Row:
    label: str            # what the table says
    metric: str = ""      # the figure's name as the programs print it ("bench: METRIC: N ns")
    goal: str = ""        # issue 11's goal, as written there
    limit: float = None   # goal: Kenix icount <= limit
    vs_linux: float = None  # goal: Linux / Kenix >= vs_linux
    minus: str = ""       # a derived row: metric minus this figure
    native: bool = False  # Kenix's native calls: no Linux counterpart


POSIX = "bench_posix"
ROWS = [
    Row("clock_gettime (libc, CLOCK_MONOTONIC)", "clock_gettime (libc, CLOCK_MONOTONIC)", "≤ 50 (a vDSO)", 50),
    # The goal is the kernel's: judged on musl's inline getppid(); syscall() adds
    # its variadic wrapper (about 76 instructions on either kernel).
    Row("null system call (getppid via syscall())", "null system call (getppid)"),
    Row("null system call (getppid(), inline svc)", "null system call (getppid(), musl's inline wrapper)",
        "≤ 100", 100),
    Row("clock_gettime system call (no vDSO)", "clock_gettime system call (raw, 16-byte copy out)"),
    Row("small user copy, 16 B (prlimit64 with and without the old limit)",
        "prlimit64 reading the old limit (16-byte copy out)", "≤ 30", 30, minus="prlimit64, nothing copied"),
    Row("IPC round trip, registers only", "IPC round trip, registers only", "≤ 350", 350, native=True),
    Row("IPC round trip, 4 KiB bulk", "IPC round trip, 4 KiB bulk", native=True),
    Row("notification signal-to-wake", "notification signal-to-wake", native=True),
    Row("anonymous page fault (per page)", "anonymous page fault (per page)", "≤ 600", 600),
    Row("mmap+munmap 1 MiB, untouched", "mmap+munmap of 1 MiB, untouched", "≤ 2,000", 2000),
    Row("open+close, tmpfs", "open+close of a tmpfs file", "≤ 3,000", 3000),
    Row("stat of a path, tmpfs", "stat of a path"),
    Row("4 KiB read, tmpfs", "4 KiB pread of a tmpfs file", "≥ 2× Linux", vs_linux=2),
    Row("4 KiB write, tmpfs", "4 KiB pwrite of a tmpfs file", "≥ 2× Linux", vs_linux=2),
    Row("pipe round trip, 1 byte each way", "pipe round trip, 1 byte each way", "≤ 4,000", 4000),
    Row("sched_yield ping-pong (per yield)", "sched_yield ping-pong (per yield)", "≤ 600", 600),
    Row("fork+exit+wait", "fork+exit+wait", "≤ 30,000", 30000),
    Row("fork+exec+wait, small static program", "fork+execve+wait (small static program)", "≤ 80,000", 80000),
    Row("fork+exec+wait, busybox true", "fork+execve+wait (busybox true)", "≤ 120,000", 120000),
    Row("getdents64 of 1,000 entries (whole listing)", "getdents64 of 1,000 entries (whole listing)"),
    Row("FAT32 sequential write (per 64 KiB, fsync)",
        "FAT32 sequential write (64 KiB writes + fsync, per 64 KiB)"),
    Row("FAT32 sequential read (per 64 KiB)", "FAT32 sequential read (64 KiB reads, per 64 KiB)"),
    Row("ppoll on 64 ready pipes", "ppoll on 64 ready pipes"),
    Row("signal to a handler and back", "signal to a handler and back (kill(getpid()) round trip)"),
    Row("shared file mapping: mmap+touch+munmap", "mmap+touch+munmap of a shared file page"),
]
BOOT_ROW = Row("boot to the shell prompt (Linux: to /init), host wall s, TCG", "", "≤ 0.3 s", 0.3)
FLOOR_ROW = Row("QEMU's own start-up floor (a 20-instruction guest's first line), host wall s", "")

# ---- the scale table's rows: (family, size, Kenix metric, Linux metric, note) ----------

KIB, MIB = 1024, 1024 * 1024


def _size(n):
    return f"{n // MIB} MiB" if n >= MIB else f"{n // KIB} KiB" if n >= KIB else f"{n} B"


SCALE_ROWS = (
    [("fork+exit+wait, touched memory", f"{m} MiB", f"fork+exit+wait, {m} MiB touched") for m in (1, 16, 64)]
    + [("fork+exec+wait", "small (bench_posix)", "fork+execve+wait, small program (bench_posix)"),
       ("fork+exec+wait", "2 MiB (bench_big)", "fork+execve+wait, 2 MiB program (bench_big)")]
    + [("IPC round trip with bulk (Kenix native; Linux: pipe)", _size(n),
        f"IPC round trip, {_size(n)} bulk", f"pipe round trip, {_size(max(n, 1))} there, 1 byte back")
       for n in (0, 64, 4 * KIB, 64 * KIB, MIB)]
    + [("pipe round trip, N there, 1 byte back", _size(n), f"pipe round trip, {_size(n)} there, 1 byte back")
       for n in (1, 64, 4 * KIB, 64 * KIB, MIB)]
    + [("open+close, path depth", str(d), f"open+close, path depth {d}") for d in (1, 8, 32)]
    + [("getdents64, whole listing", f"{n:,} entries", f"getdents64 of {n} entries (whole listing)")
       for n in (100, 1000, 10000)]
    + [("tmpfs read of a whole file (64 KiB reads)", _size(n),
        f"tmpfs read of a {_size(n)} file (64 KiB reads, per file)") for n in
       (4 * KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB)]
    + [("pipe throughput (per write)", f"{_size(n)} writes", f"pipe throughput, {_size(n)} writes (per write)")
       for n in (1, 64, 4 * KIB, 64 * KIB)]
)

# ---- running the benchmarks ---------------------------------------------------------

KENIX_STATUS = re.compile(rf"^{MARK} (?P<prog>\S+) (?P<st>\d+)$")
KENIX_RUN = re.compile(r"^(?!)")  # Kenix prints no per-program start line: figures keep their names


class BenchError(Exception):
    pass


def say(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def kenix_commands(rounds, scale=False, fat_mib=4):
    """The guest command lines, as sh runs them on Kenix (the same words are
    /init's list on Linux)."""
    if scale:
        return [f"/bin/bench_posix scale -n {rounds}", f"/bin/bench_ipc scale -n {rounds}"]
    return [f"/bin/bench_posix -n {rounds} -f {fat_mib}", f"/bin/bench_ipc -n {rounds}"]


def kenix_append(commands):
    """Kenix's command line: BusyBox sh as process 1 runs each program with its
    arguments (init's own list takes none) and prints its exit status, then
    the kernel powers off. The disk is mounted at /mnt before sh starts."""
    script = "; ".join(f"{c}; echo {MARK} {Path(c.split()[0]).name} $?" for c in commands)
    return f'kenix.init=/bin/sh kenix.poweroff -- -c "{script}"'


def finished(boot, programs):
    """Failures of one parsed boot: FAIL lines, non-zero exits, missing ends."""
    problems = list(boot.failures)
    if boot.status != 0:
        problems.append(f"QEMU exited with {boot.status}")
    ends = sum(1 for line in boot.lines if line == "bench: done")
    if ends < programs:
        problems.append(f"{programs - ends} of {programs} programs did not finish (crashed?)")
    return problems


def run_kenix(build, commands, mode, mem, timeout, verbose):
    argv = kenix_qemu.qemu_argv(build, mem=mem, append=kenix_append(commands), icount=mode == "icount",
                                interactive=False)
    say(f"Kenix ({mode}): {'; '.join(commands)}")
    boot = linux_baseline.run_qemu(argv, mode, timeout=timeout, verbose=verbose, label=f"kenix {mode}")
    boot = linux_baseline.parse(boot, done="", run_re=KENIX_RUN, status_re=KENIX_STATUS)
    say(f"Kenix ({mode}): QEMU exited ({boot.status}) after {boot.wall:.1f} s, {len(boot.figures)} figures")
    return boot


def run_linux(build, commands, modes, mem, timeout, verbose):
    files = [("bin/busybox", build / "ports" / "busybox" / "busybox"),
             ("bin/bench_big", build / "guest" / "bench_big")]
    # Programs as linux_baseline names them: BUILD/guest/NAME, run as /bin/NAME.
    names = [c.replace("/bin/", "", 1) for c in commands if "bench_ipc" not in c]
    try:
        package, boots = linux_baseline.run_linux(build, names, modes, mem=mem, timeout=timeout,
                                                  verbose=verbose, files=files,
                                                  disk=build / "images" / "disk.img")
    except linux_baseline.BaselineError as e:
        raise BenchError(f"Linux: {e}")
    return package, {b.mode: b for b in boots}


def kenix_prompt_times(build, boots, timeout=60):
    """Host seconds from QEMU's start to Kenix's first shell prompt, under
    plain TCG, once per boot, with the image `./kenix run` boots (the small
    initrd: the system without the test programs)."""
    from harness import Session  # the harness's interactive console session
    prompt = re.escape("/ # ")
    initrd = kenix_qemu.small_initrd(build) or True
    times = []
    for _ in range(boots):
        argv = kenix_qemu.qemu_argv(build, interactive=False, initrd=initrd)
        with Session(argv, deadline=time.monotonic() + timeout) as s:
            times.append(s.arrival(s.expect(prompt, timeout=timeout)))
            s.send("poweroff\r")
            s.wait_exit(timeout=20)
    return times


def floor_image():
    """The least a guest can be: an arm64 Linux Image (so QEMU loads and
    enters it as it does Kenix) whose code writes "floor" to the PL011 and
    powers off through PSCI. Its first line's arrival is QEMU's own start-up
    time on this host: what no kernel can boot faster than."""
    words = [
        0xD2A12000,  # movz x0, #0x0900, lsl #16   the PL011 data register, 0x09000000
    ]
    for ch in b"floor\n":
        words += [0x52800001 | (ch << 5),  # movz w1, #ch
                  0xB9000001]              # str w1, [x0]
    words += [0x52800100,  # movz w0, #0x0008
              0x72B08000,  # movk w0, #0x8400, lsl #16   PSCI SYSTEM_OFF
              0xD4000002,  # hvc #0
              0x14000000]  # b .
    code = b"".join(w.to_bytes(4, "little") for w in words)
    size = 64 + len(code)
    header = b"".join([
        (0x14000010).to_bytes(4, "little"),  # b +64: over the header to the code
        bytes(4),
        (0x80000).to_bytes(8, "little"),     # text_offset
        size.to_bytes(8, "little"),          # image_size
        bytes(8 * 4),                        # flags, res2..res4
        b"ARM\x64",                          # magic
        bytes(4),
    ])
    return header + code


def qemu_floor_times(build, boots, timeout=30):
    """Host seconds from QEMU's start to the floor image's line, per boot."""
    import tempfile

    from harness import Session
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "floor.img"
        image.write_bytes(floor_image())
        argv = kenix_qemu.qemu_argv(build, interactive=False, initrd=False, disk=False)
        argv[argv.index("-kernel") + 1] = str(image)
        times = []
        for _ in range(boots):
            with Session(argv, deadline=time.monotonic() + timeout) as s:
                times.append(s.arrival(s.expect(r"^floor$", timeout=timeout)))
                s.wait_exit(timeout=timeout)
        return times


def linux_init_times(boots):
    """Host seconds from QEMU's start to Linux's /init's first line, per boot."""
    out = []
    for b in boots:
        t = next((t for line, t in zip(b.lines, b.arrivals) if line.startswith("linux-init:")), None)
        if t is not None:
            out.append(t)
    return out


# ---- the table ---------------------------------------------------------------------


def figure(boot, row):
    if boot is None or not row.metric:
        return None
    v = boot.figures.get(row.metric)
    if v is not None and row.minus:
        m = boot.figures.get(row.minus)
        # Under plain TCG the two figures are noisy and the difference may be
        # negative: no figure rather than a nonsensical one.
        v = None if m is None or v <= m else v - m
    return v


def ratio(linux, kenix):
    if linux is None or kenix is None or kenix <= 0 or linux <= 0:
        return None
    return linux / kenix


def met(row, linux, kenix):
    if kenix is None:
        return ""
    if row.limit is not None:
        return "yes" if kenix <= row.limit else "no"
    if row.vs_linux is not None:
        r = ratio(linux, kenix)
        return "n/a" if r is None else "yes" if r >= row.vs_linux else "no"
    return ""


def build_table(kenix, linux, boot_times):
    """Rows of dicts: the one table (kenix, linux: mode -> Boot or None;
    boot_times: Kenix's, Linux's and the floor's host seconds)."""
    table = []
    for row in ROWS:
        r = {"metric": row.label, "goal": row.goal}
        for mode in ("icount", "tcg"):
            k = figure(kenix.get(mode), row)
            lx = None if row.native else figure(linux.get(mode), row)
            r[f"linux_{mode}"], r[f"kenix_{mode}"], r[f"ratio_{mode}"] = lx, k, ratio(lx, k)
        r["met"] = met(row, r["linux_icount"], r["kenix_icount"])
        if row.native:
            r["note"] = "Kenix native IPC (no Linux counterpart)"
        table.append(r)
    kb, lb, fb = boot_times
    if kb:
        k = statistics.median(kb)
        lx = statistics.median(lb) if lb else None
        table.append({"metric": BOOT_ROW.label, "goal": BOOT_ROW.goal, "linux_icount": None, "kenix_icount": None,
                      "ratio_icount": None, "linux_tcg": lx, "kenix_tcg": k, "ratio_tcg": ratio(lx, k),
                      "met": "yes" if k <= BOOT_ROW.limit else "no",
                      "note": f"median of {len(kb)} Kenix boots" + (f", {len(lb)} Linux boots" if lb else "")})
    if fb:
        f = statistics.median(fb)
        table.append({"metric": FLOOR_ROW.label, "goal": "", "linux_icount": None, "kenix_icount": None,
                      "ratio_icount": None, "linux_tcg": f, "kenix_tcg": f, "ratio_tcg": None, "met": "",
                      "note": f"median of {len(fb)} boots of a guest that prints a line and powers off: "
                              "what neither kernel can boot faster than"})
    return table


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float) and v < 100 and not v.is_integer():  # seconds of the boot row
        return f"{v:.2f}"
    return f"{int(round(v)):,}"


def fmt_ratio(v):
    return "–" if v is None else f"{v:.2f}"


COLUMNS = [("metric", "metric"), ("linux_icount", "Linux icount"), ("kenix_icount", "Kenix icount"),
           ("ratio_icount", "Linux/Kenix"), ("linux_tcg", "Linux TCG ns"), ("kenix_tcg", "Kenix TCG ns"),
           ("ratio_tcg", "Linux/Kenix TCG"), ("goal", "goal (icount)"), ("met", "met")]


def cells(r):
    return [r.get(k) if k in ("metric", "goal", "met") else
            fmt_ratio(r.get(k)) if k.startswith("ratio") else fmt(r.get(k)) for k, _ in COLUMNS]


TEXT_COLUMNS = ("metric", "goal", "met")  # left-aligned; figures are right-aligned


def print_text(table, columns, cell_fn, out=sys.stdout):
    head = [h for _, h in columns]
    rows = [[c or "" for c in cell_fn(r)] for r in table]
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    left = [k in TEXT_COLUMNS for k, _ in columns]
    for r in [head, ["-" * w for w in widths]] + rows:
        print("  ".join(c.ljust(w) if left[i] else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip(), file=out)


def markdown(table, columns, cell_fn):
    head = [h for _, h in columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "--:" for i in range(len(head))) + "|"]
    for r in table:
        lines.append("| " + " | ".join((c or "").replace("|", "\\|") for c in cell_fn(r)) + " |")
    return "\n".join(lines)


def write_csv(path, table, columns):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([k for k, _ in columns] + ["note"])
        for r in table:
            w.writerow(["" if r.get(k) is None else (f"{r[k]:.4g}" if isinstance(r[k], float) else r[k])
                        for k, _ in columns] + [r.get("note", "")])


# ---- the chart: Linux/Kenix under icount, horizontal bars on a log scale -------------

def svg_chart(table, title):
    """An SVG of each row's Linux/Kenix ratio (icount; TCG for rows with no
    icount figure), bars from 1 (parity) to the right when Kenix is faster,
    to the left when slower, on a log scale; hand-written, no plotting library."""
    bars = [(r["metric"], r["ratio_icount"]) if r["ratio_icount"] is not None else
            (r["metric"] + ("" if "TCG" in r["metric"] else " [TCG wall]"), r["ratio_tcg"]) for r in table]
    bars = [(m, v) for m, v in bars if v]
    left, width, row_h, top = 430, 420, 22, 50
    lo = min([0.1] + [v for _, v in bars]) / 1.5
    hi = max([10.0] + [v for _, v in bars]) * 1.5
    lmin, lmax = math.log10(lo), math.log10(hi)

    def x(v):
        return left + (math.log10(v) - lmin) / (lmax - lmin) * width

    height = top + row_h * len(bars) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 70}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="14" font-weight="bold">{_esc(title)}</text>',
           f'<text x="10" y="38" fill="#555">Linux / Kenix, guest instructions under -icount shift=0 '
           f'(&gt; 1: Kenix is faster; log scale)</text>']
    decade = math.floor(lmin)
    while decade <= lmax:
        for mult in (1, 2, 5):
            v = mult * 10 ** decade
            if lo <= v <= hi:
                xx = x(v)
                out.append(f'<line x1="{xx:.1f}" y1="{top - 4}" x2="{xx:.1f}" y2="{height - 30}" '
                           f'stroke="{"#888" if v == 1 else "#ddd"}" stroke-width="{2 if v == 1 else 1}"/>')
                out.append(f'<text x="{xx:.1f}" y="{height - 14}" text-anchor="middle" fill="#555">'
                           f'{v:g}×</text>')
        decade += 1
    for i, (metric, v) in enumerate(bars):
        y = top + i * row_h
        x0, x1 = sorted((x(1), x(v)))
        color = "#2e8b57" if v >= 1 else "#c0392b"
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{_esc(metric)}</text>')
        out.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 8}" '
                   f'fill="{color}"/>')
        tx, anchor = (x1 + 4, "start") if v >= 1 else (x0 - 4, "end")
        out.append(f'<text x="{tx:.1f}" y="{y + 15}" text-anchor="{anchor}">{v:.2f}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---- the scale table ---------------------------------------------------------------


def scale_table(kenix, linux):
    table, first = [], {}
    for entry in SCALE_ROWS:
        family, size, kmetric = entry[:3]
        lmetric = entry[3] if len(entry) > 3 else kmetric
        r = {"family": family, "size": size}
        for mode in ("icount", "tcg"):
            kb, lxb = kenix.get(mode), linux.get(mode)
            k = kb.figures.get(kmetric) if kb else None
            lx = lxb.figures.get(lmetric) if lxb else None
            r[f"linux_{mode}"], r[f"kenix_{mode}"], r[f"ratio_{mode}"] = lx, k, ratio(lx, k)
        # Growth: each cost over the family's first (smallest) one, icount.
        base = first.setdefault(family, (r["linux_icount"], r["kenix_icount"]))
        r["linux_growth"] = ratio(r["linux_icount"], base[0]) if base[0] else None
        r["kenix_growth"] = ratio(r["kenix_icount"], base[1]) if base[1] else None
        r["metric"] = f"{family}: {size}"
        table.append(r)
    return table


SCALE_COLUMNS = [("metric", "family: size"), ("linux_icount", "Linux icount"), ("kenix_icount", "Kenix icount"),
                 ("ratio_icount", "Linux/Kenix"), ("linux_growth", "Linux ×first"),
                 ("kenix_growth", "Kenix ×first"), ("linux_tcg", "Linux TCG ns"), ("kenix_tcg", "Kenix TCG ns")]


def scale_cells(r):
    return [r["metric"]] + [fmt_ratio(r[k]) if k.endswith(("growth", "ratio_icount")) else fmt(r[k])
                            for k, _ in SCALE_COLUMNS[1:]]


# ---- docs ------------------------------------------------------------------------------


def replace_between(path, name, text):
    """Replaces what lies between <!-- bench:NAME --> and <!-- /bench:NAME -->."""
    src = path.read_text()
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    if start not in src or end not in src:
        raise BenchError(f"{path} has no {start} ... {end} markers")
    head, rest = src.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{text.strip()}\n{end}{tail}")


def run_note(args, linux_package, when):
    linux = f"Linux: Debian 12's {linux_package.removesuffix('.deb')}" if linux_package else "Linux: not run"
    return (f"Measured {when} with `./kenix bench{' --scale' if args.scale else ''}"
            f"{' --linux' if args.linux else ''}{' --quick' if args.quick else ''}` (rounds {args.rounds}); "
            f"QEMU `-M virt -cpu cortex-a72 -m {SCALE_MEM if args.scale else args.mem}`; {linux}.")


def headline(table):
    """README's few lines: the rows issue 11 names first, icount ratios."""
    keep = ["clock_gettime (libc, CLOCK_MONOTONIC)", "null system call (getppid)", "IPC round trip, registers only",
            "pipe round trip, 1 byte each way", "fork+exit+wait", "fork+exec+wait, busybox true",
            "4 KiB read, tmpfs", "open+close, tmpfs", "anonymous page fault (per page)"]
    lines = ["| path (guest instructions) | Linux | Kenix | Linux/Kenix | goal |", "|---|--:|--:|--:|--:|"]
    for r in table:
        if r["metric"] in keep:
            lx = "(no counterpart)" if r.get("note", "").startswith("Kenix native") else fmt(r["linux_icount"])
            lines.append(f"| {r['metric']} | {lx} | {fmt(r['kenix_icount'])} | {fmt_ratio(r['ratio_icount'])} "
                         f"| {r['goal']} |")
    return "\n".join(lines)


# ---- the command -------------------------------------------------------------------


def parser():
    ap = argparse.ArgumentParser(
        prog="./kenix bench", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n", 2)[2] + "\nWhat each metric measures: docs/performance.md.",
        epilog="Examples:\n  ./kenix bench --quick            Kenix only, small counts (about a minute)\n"
               "  ./kenix bench --linux            both kernels, the full table\n"
               "  ./kenix bench --linux --docs     and refresh docs/performance.md, the chart, README\n"
               "  ./kenix bench --scale --linux    how costs grow")
    ap.add_argument("--linux", action="store_true", help="also run the benchmarks on Debian's arm64 Linux")
    ap.add_argument("--quick", action="store_true",
                    help=f"small counts (rounds {QUICK_ROUNDS}, a 1 MiB FAT32 file, one boot-time sample)")
    ap.add_argument("--rounds", type=int, help=f"loop lengths, in proportion (default {DEFAULT_ROUNDS})")
    ap.add_argument("--mode", choices=["both", "icount", "tcg"], default="both",
                    help="-icount shift=0 (instructions), plain TCG (wall time), or both (default)")
    ap.add_argument("--scale", action="store_true", help="how costs grow (see above) instead of the main table")
    ap.add_argument("--docs", action="store_true",
                    help="write the table into docs/performance.md (and README.md, docs/performance.svg)")
    ap.add_argument("--boots", type=int, help="boots timed to the shell prompt, and of QEMU's floor (default 10; --quick 1; 0: none)")
    ap.add_argument("--mem", default="128M", help="guest RAM for the main table (default 128M, as ./kenix run)")
    ap.add_argument("--build-dir", default=str(ROOT / "build"), help="the build tree (default: build)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per boot (default 900)")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo QEMU's command lines and consoles")
    return ap


def collect(args, build, commands, mem):
    modes = ["icount", "tcg"] if args.mode == "both" else [args.mode]
    kenix, problems = {}, []
    for mode in modes:
        kenix[mode] = run_kenix(build, commands, mode, mem, args.timeout, args.verbose)
        problems += [f"Kenix {mode}: {p}" for p in finished(kenix[mode], len(commands))]
    linux, package = {}, None
    if args.linux:
        package, linux = run_linux(build, commands, modes, mem, args.timeout, args.verbose)
        portable = len([c for c in commands if "bench_ipc" not in c])
        for mode, b in linux.items():
            problems += [f"Linux {mode}: {p}" for p in finished(b, portable)]
    return kenix, linux, package, problems


def main_table(args, build, out_dir):
    commands = kenix_commands(args.rounds, fat_mib=1 if args.quick else 4)
    kenix, linux, package, problems = collect(args, build, commands, args.mem)
    boots = args.boots if args.boots is not None else (1 if args.quick else 10)
    kb = kenix_prompt_times(build, boots) if boots and args.mode != "icount" else []
    fb = qemu_floor_times(build, boots) if kb else []
    lb = linux_init_times([linux["tcg"]]) if "tcg" in linux else []
    table = build_table(kenix, linux, (kb, lb, fb))
    print(run_note(args, package, time.strftime("%Y-%m-%d")))
    print_text(table, COLUMNS, cells)
    write_csv(out_dir / "bench.csv", table, COLUMNS)
    svg = svg_chart(table, "Kenix against Linux 6.1, same QEMU machine")
    (out_dir / "ratios.svg").write_text(svg)
    say(f"wrote {out_dir / 'bench.csv'} and {out_dir / 'ratios.svg'}")
    if args.docs:
        note = run_note(args, package, time.strftime("%Y-%m-%d"))
        replace_between(ROOT / "docs" / "performance.md", "table", note + "\n\n" + markdown(table, COLUMNS, cells))
        (ROOT / "docs" / "performance.svg").write_text(svg)
        replace_between(ROOT / "README.md", "headline", headline(table) + "\n\n" + note)
        say("wrote docs/performance.md, docs/performance.svg and README.md's headline")
    return problems


def scale_run(args, build, out_dir):
    commands = kenix_commands(args.rounds, scale=True)
    kenix, linux, package, problems = collect(args, build, commands, SCALE_MEM)
    table = scale_table(kenix, linux)
    print(run_note(args, package, time.strftime("%Y-%m-%d")))
    print("×first: each cost over its family's first (smallest) one, icount")
    print_text(table, SCALE_COLUMNS, scale_cells)
    write_csv(out_dir / "scale.csv", table, SCALE_COLUMNS)
    say(f"wrote {out_dir / 'scale.csv'}")
    if args.docs:
        note = run_note(args, package, time.strftime("%Y-%m-%d"))
        replace_between(ROOT / "docs" / "performance.md", "scale",
                        note + "\n\n" + markdown(table, SCALE_COLUMNS, scale_cells))
        say("wrote the scale table into docs/performance.md")
    return problems


def main(argv=None):
    args = parser().parse_args(argv)
    args.rounds = args.rounds or (QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS)
    build = Path(args.build_dir)
    out_dir = build / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        problems = (scale_run if args.scale else main_table)(args, build, out_dir)
    except (BenchError, FileNotFoundError) as e:
        sys.exit(f"bench: {e}")
    for p in problems:
        say(f"FAILED: {p}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
