#!/usr/bin/env python3
"""Fails the build if the vDSO is not what every process can map as it is.

The vDSO's frames are shared by every process, read-only (posix/vdso.c), so
nothing may ever have to patch it: no relocations of any kind, one loadable
segment (read and execute, at address 0), and the names C libraries look up
-- with the version they ask for, in a DT_HASH table (musl 1.2.3 reads no
other) -- must be there.
"""
import re
import subprocess
import sys

SYMBOLS = ("__kernel_clock_gettime", "__kernel_gettimeofday", "__kernel_clock_getres")
VERSION = "LINUX_2.6.39"


def readelf(tool, path, *opts):
    return subprocess.run([tool, *opts, path], check=True, capture_output=True, text=True).stdout


def main():
    tool, path = sys.argv[1], sys.argv[2]
    bad = []
    relocs = readelf(tool, path, "-r", "--dyn-relocations")
    if "Relocation section" in relocs or re.search(r"R_AARCH64_", relocs):
        bad.append("it has relocations:\n" + relocs)
    loads = [l.split() for l in readelf(tool, path, "-l").splitlines() if l.strip().startswith("LOAD")]
    if len(loads) != 1 or int(loads[0][2], 16) != 0 or "W" in loads[0][6:-1] or "E" not in loads[0][6:-1]:
        bad.append(f"it must have one read-and-execute PT_LOAD at address 0, not {loads}")
    if not re.search(r"\(HASH\)", readelf(tool, path, "-d")):
        bad.append("no DT_HASH (musl looks symbols up there only)")
    dynsyms = readelf(tool, path, "--dyn-syms")
    for name in SYMBOLS:
        if not re.search(rf"FUNC\s+GLOBAL\s+DEFAULT\s+\d+\s+{name}@@{re.escape(VERSION)}$", dynsyms, re.M):
            bad.append(f"{name}@@{VERSION} is not exported")
    if bad:
        print(f"{path}: not a vDSO every process can share:")
        print("\n".join("  " + b for b in bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
