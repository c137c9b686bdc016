#!/usr/bin/env python3
"""Run one command and assert its output and exit status.

    run_check.py [--stdin TEXT] [--status N] [--scratch KIB]
                 (--expect TEXT | --min-lines N) -- CMD...

--expect compares the complete stdout byte for byte (a trailing newline is
implied unless TEXT is empty, which means no output at all), --min-lines asserts stdout has at least N non-empty lines. The exit
status must be N (default 0). --scratch creates a zero-filled temporary file of
KIB KiB and replaces "{scratch}" in CMD with its path (deleted afterwards). On any mismatch it prints what it expected and
what it got, and fails; stderr of the command is shown as is.
"""
import argparse
import os
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stdin", default="")
    parser.add_argument("--status", type=int, default=0)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--expect")
    what.add_argument("--min-lines", type=int)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--scratch", type=int, metavar="KIB")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.scratch is not None:
            scratch = os.path.join(tmp, "scratch.img")
            with open(scratch, "wb") as f:
                f.truncate(args.scratch * 1024)
            args.command = [a.replace("{scratch}", scratch) for a in args.command]
        result = subprocess.run(args.command, input=args.stdin.encode(), stdout=subprocess.PIPE,
                                timeout=args.timeout)
    out = result.stdout.decode(errors="replace")
    failures = []
    if result.returncode != args.status:
        failures.append(f"exit status {result.returncode}, expected {args.status}")
    if args.expect is not None:
        want = args.expect + "\n" if args.expect else ""
        if out != want:
            failures.append(f"stdout {out!r}, expected {want!r}")
    if args.min_lines is not None:
        lines = [line for line in out.splitlines() if line.strip()]
        if len(lines) < args.min_lines:
            failures.append(f"{len(lines)} lines of output, expected at least {args.min_lines}")
    print(f"$ {' '.join(args.command)}")
    if failures:
        print(out, end="")
        for f in failures:
            print(f"FAIL: {f}")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
