#!/usr/bin/env python3
"""Keeps compile_commands.json true: every part of the tree has entries, and a
sample of each part's files parses with its recorded command.

    check_compile_commands.py BUILD_DIR [--per-part N]

Parts: the kernel, the servers, libkenix, the tests (host and guest), and each
port (build/ports/NAME-src or -build, recorded by cmake/cc-record.sh). From each
part it takes N C files (default 3: the smallest, the middle one by size and
the largest under 256 KiB, or the smallest when none is that small, so the
sample is the same every run and stays quick) and runs `clangd --check` on
each, which builds the file's AST with exactly the command
compile_commands.json gives; its error diagnostics are counted. A part with no
entries, a command whose file is gone, or any error fails the check: an editor
would show those as broken. CTest runs it (tools.compile_commands).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_SIZE = 256 << 10


def part_of(path, build):
    p = Path(path).resolve()
    ports = (build / "ports").resolve()
    if ports in p.parents:
        name = p.relative_to(ports).parts[0]
        return "port " + re.sub(r"-(src|build)$", "", name)
    try:
        rel = p.relative_to(ROOT)
    except ValueError:
        return None
    top = rel.parts[0]
    if top == "sysroot":
        return "libkenix"
    return {"kernel": "kernel", "servers": "servers", "tests": "tests"}.get(top)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", type=Path)
    ap.add_argument("--per-part", type=int, default=3)
    args = ap.parse_args()
    clangd = shutil.which("clangd")
    if not clangd:
        sys.exit("check_compile_commands: clangd is not installed (toolchain/host-packages.txt)")
    db = args.build / "compile_commands.json"
    entries = json.loads(db.read_text())
    parts = {}
    failures = []
    for e in entries:
        f = e["file"] if os.path.isabs(e["file"]) else os.path.join(e["directory"], e["file"])
        part = part_of(f, args.build)
        if part is None or not f.endswith(".c"):
            continue  # C files: clangd reads a .S file as C
        if not os.path.exists(f):
            failures.append(f"{f}: listed but missing")
            continue
        parts.setdefault(part, set()).add(os.path.realpath(f))
    expected = {"kernel", "servers", "libkenix", "tests"}
    for port in (args.build / "ports").glob("*.cc-records") if (args.build / "ports").exists() else []:
        expected.add("port " + port.name[:-len(".cc-records")])
    for part in sorted(expected - parts.keys()):
        failures.append(f"{part}: no entries in {db}")
    checked = 0
    for part in sorted(parts):
        files = sorted((f for f in parts[part] if os.path.getsize(f) <= MAX_SIZE), key=os.path.getsize)
        if not files:  # SQLite: two files, both large -- the smaller then
            files = sorted(parts[part], key=os.path.getsize)[:1]
        picks = []
        for i in (0, len(files) // 2, len(files) - 1)[:args.per_part]:
            if files[i] not in picks:
                picks.append(files[i])
        for f in picks:
            # --check-lines=1: features are tried at one line only (the AST is
            # still built whole); what counts is the file's diagnostics.
            r = subprocess.run([clangd, f"--check={f}", "--check-lines=1", f"--compile-commands-dir={args.build}"],
                               capture_output=True, text=True, timeout=300)
            out = r.stdout + r.stderr
            done = re.search(r"All checks completed", out)
            errors = len(re.findall(r"^E\[[\d:.]+\] \[[^\]]*\] Line \d+:", out, re.M)) if done else -1
            checked += 1
            rel = os.path.relpath(f, ROOT)
            if errors != 0:
                lines = [l for l in out.splitlines() if l.startswith("E[")][:8]
                failures.append(f"{part}: {rel}: clangd --check found {errors if errors >= 0 else 'no result,'} "
                                f"errors (exit {r.returncode})\n    " + "\n    ".join(lines))
                print(f"FAIL {part}: {rel}")
            else:
                print(f"ok   {part}: {rel} parses with its command")
    print(f"{checked} files of {len(parts)} parts checked, {len(failures)} problems")
    for f in failures:
        print("FAIL " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
