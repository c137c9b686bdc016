#!/usr/bin/env python3
"""Fails the build if code that runs before the MMU is on holds absolute addresses.

Before the MMU is on the kernel runs at its physical address, but absolute
addresses stored in data (pointer tables, struct templates with function
pointers, switch lookup tables of strings) are link-time virtual addresses:
following one crashes. Such addresses show up as R_AARCH64_ABS* relocations
outside the debug sections of the objects listed here.
"""
import subprocess
import sys


def main():
    readelf, objects = sys.argv[1], sys.argv[2:]
    bad = []
    for obj in objects:
        out = subprocess.run([readelf, "-r", obj], check=True, capture_output=True, text=True).stdout
        section = ""
        for line in out.splitlines():
            if line.startswith("Relocation section"):
                section = line.split("'")[1]
            elif "R_AARCH64_ABS" in line and not section.startswith(".rela.debug"):
                bad.append(f"{obj}: {section}: {line.split()[-3] if len(line.split()) >= 3 else line}")
    if bad:
        print("early boot code must not hold absolute addresses (it runs before the MMU is on):")
        print("\n".join("  " + b for b in bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
