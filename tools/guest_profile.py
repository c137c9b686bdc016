#!/usr/bin/env python3
"""Where the guest's instructions go, per function: boots Kenix under QEMU
with its execution trace on, weights every executed translation block by its
instruction count and attributes it to the kernel or user symbol containing
its first instruction.

    tools/guest_profile.py [--build-dir build] [--program build/guest/hello ...]
                     [--top 30] --append "kenix.poweroff -- /bin/hello"

User programs are static and all linked at the same address, so name the
one whose symbols you want with --program (others then show as "user ?").
The trace grows by about 50 bytes per executed block: profile short runs
(one program, a few thousand iterations), not whole benchmarks. Counts are
exact for what ran; the first executions of a block include QEMU's
translation, which costs guest nothing. See docs/debugging.md.
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "harness"))
from kenix_qemu import qemu_argv  # noqa: E402  (the one way Kenix is started)

IN_ADDR = re.compile(r"^0x([0-9a-f]+):\s")
TRACE = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")


def symbols(elf, nm="llvm-nm"):
    """Sorted (start, end, name) of the functions in elf; a symbol without a
    size (assembly labels) extends to the next one."""
    out = subprocess.run([nm, "-n", "-S", "--defined-only", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    raw = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            raw.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
        elif len(parts) == 3 and parts[1] in "tTwW":
            raw.append((int(parts[0], 16), 0, parts[2]))
    syms = []
    for i, (addr, size, name) in enumerate(raw):
        end = addr + size if size else (raw[i + 1][0] if i + 1 < len(raw) else addr + 4)
        syms.append((addr, end, name))
    return syms


def attribute(pc, tables):
    for starts, syms, label in tables:
        i = bisect.bisect_right(starts, pc) - 1
        if i >= 0 and pc < syms[i][1]:
            return f"{label}{syms[i][2]}"
    return "kernel ?" if pc >= 1 << 63 else "user ?"


def profile(trace_path, tables):
    """Instruction counts per symbol from a QEMU in_asm,exec,nochain log."""
    block_size = {}
    counts = collections.Counter()
    current, size = None, 0
    with open(trace_path, errors="replace") as log:
        for line in log:
            if line.startswith("IN:"):
                if current is not None:
                    block_size[current] = size
                current, size = None, 0
                continue
            m = IN_ADDR.match(line)
            if m:
                if current is None:
                    current = int(m.group(1), 16)
                size += 1
                continue
            m = TRACE.match(line)
            if m:
                if current is not None:
                    block_size[current] = size
                    current, size = None, 0
                pc = int(m.group(1), 16)
                counts[attribute(pc, tables)] += block_size.get(pc, 1)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--program", action="append", default=[], help="user ELF whose symbols to use")
    ap.add_argument("--append", required=True, help="kernel command line (end it with kenix.poweroff)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--keep", help="keep the raw trace at this path")
    ap.add_argument("--initrd", help="boot with this initrd instead of the build's (e.g. one with a launcher "
                                     "that runs a program with arguments, which init cannot pass)")
    args = ap.parse_args()

    build = Path(args.build_dir)
    tables = []
    for elf, label in [(build / "kernel" / "kenix.elf", "")] + [(p, Path(p).name + ":") for p in args.program]:
        syms = symbols(elf)
        tables.append(([a for a, _, _ in syms], syms, label))

    with tempfile.TemporaryDirectory() as tmp:
        trace = args.keep or os.path.join(tmp, "trace.log")
        argv = qemu_argv(build, append=args.append, interactive=False, disk=False, initrd=args.initrd or True,
                         extra=["-d", "in_asm,exec,nochain", "-D", trace])
        print("profile: " + " ".join(argv), file=sys.stderr)
        run = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                             timeout=args.timeout)
        if run.returncode != 0:
            sys.stderr.write(run.stdout[-2000:])
            sys.exit(f"profile: QEMU exited with {run.returncode} (did the command line end in kenix.poweroff?)")
        counts = profile(trace, tables)

    total = sum(counts.values())
    print(f"{total} guest instructions executed")
    for name, n in counts.most_common(args.top):
        print(f"{n:12d} {100.0 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
