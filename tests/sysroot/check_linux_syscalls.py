#!/usr/bin/env python3
"""The kernel's list of Linux AArch64 system call numbers
(kernel/core/linux_syscalls.h) must agree with the musl sysroot's
<bits/syscall.h>, number for number and name for name: musl's programs call
by those numbers, and the kernel names and dispatches by its list.

usage: check_linux_syscalls.py KERNEL_LIST SYSROOT_BITS_SYSCALL_H"""
import re
import sys


def kernel_list(path):
    return {int(n): name for n, name in re.findall(r"X\((\d+), (\w+)\)", open(path).read())}


def musl_list(path):
    return {int(n): name for name, n in re.findall(r"^#define __NR_(\w+)\s+(\d+)\s*$", open(path).read(), re.M)}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    kernel, musl = kernel_list(sys.argv[1]), musl_list(sys.argv[2])
    problems = []
    for nr in sorted(set(kernel) | set(musl)):
        if kernel.get(nr) != musl.get(nr):
            problems.append(f"  {nr}: kernel {kernel.get(nr) or '-'}, musl {musl.get(nr) or '-'}")
    if not musl:
        problems.append("  no __NR_ definitions found in " + sys.argv[2])
    if problems:
        print("FAIL linux syscall numbers differ:\n" + "\n".join(problems))
        sys.exit(1)
    print(f"ok {len(kernel)} Linux AArch64 syscall numbers agree with musl's")


if __name__ == "__main__":
    main()
