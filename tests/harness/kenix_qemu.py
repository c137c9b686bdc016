#!/usr/bin/env python3
"""The one place that knows how Kenix is started under QEMU.

As a program it boots Kenix on this terminal (what `./kenix run` and
`./kenix debug` call); as a module it gives the test harness the same command
line, so what the tests boot is what a developer boots.
"""
import argparse
import os
import sys
from pathlib import Path


def qemu_argv(build_dir, mem="128M", gic=None, el2=False, append="", icount=False,
              gdb_port=None, initrd=True, disk=True, extra=(), interactive=True,
              qemu="qemu-system-aarch64"):
    build = Path(build_dir)
    kernel = build / "kernel" / "kenix.img"
    if not kernel.exists():
        raise FileNotFoundError(f"no kernel image at {kernel}: build first")
    machine = "virt"
    if gic:
        machine += f",gic-version={gic}"
    if el2:
        machine += ",virtualization=on"  # the kernel is entered at EL2; PSCI goes through SMC
    argv = [qemu, "-M", machine, "-cpu", "cortex-a72", "-m", str(mem),
            "-nographic", "-no-reboot",
            # No default NIC: it would need efi-virtio.rom, and netdev is not there yet.
            "-nic", "none",
            "-kernel", str(kernel)]
    if interactive:
        argv += ["-serial", "mon:stdio"]  # Ctrl-A X quits, Ctrl-A C for the monitor
    else:
        argv += ["-serial", "stdio", "-monitor", "none"]
    image = build / "images" / "initrd.cpio"
    if initrd and image.exists():
        argv += ["-initrd", str(image)]
    image = build / "images" / "disk.img"
    if disk and image.exists():
        # snapshot=on: writes go to a temporary overlay, so the built image stays pristine.
        argv += ["-drive", f"if=none,file={image},format=raw,id=hd0,snapshot=on",
                 "-device", "virtio-blk-device,drive=hd0"]
    if append:
        argv += ["-append", append]
    if icount:
        argv += ["-icount", "shift=0"]  # 1 ns of guest time per instruction
    if gdb_port:
        argv += ["-S", "-gdb", f"tcp:127.0.0.1:{gdb_port}"]
    return argv + list(extra)


def main():
    ap = argparse.ArgumentParser(description="Boot Kenix in QEMU on this terminal (Ctrl-A X quits).")
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--mem", default="128M", help="guest RAM (QEMU -m), default 128M")
    ap.add_argument("--gic", choices=["2", "3"], help="GIC version (QEMU's default is 2)")
    ap.add_argument("--el2", action="store_true", help="enter the kernel at EL2 (virtualization=on)")
    ap.add_argument("--append", default="", help="kernel command line")
    ap.add_argument("--icount", action="store_true", help="-icount shift=0: guest time counts instructions")
    ap.add_argument("--gdb", type=int, metavar="PORT", help="wait for gdb on 127.0.0.1:PORT")
    ap.add_argument("--no-initrd", action="store_true")
    ap.add_argument("--no-disk", action="store_true")
    ap.add_argument("extra", nargs="*", help="raw QEMU arguments (after --)")
    args = ap.parse_args()
    try:
        argv = qemu_argv(args.build_dir, args.mem, args.gic, args.el2, args.append, args.icount,
                         args.gdb, not args.no_initrd, not args.no_disk, args.extra)
    except FileNotFoundError as e:
        sys.exit(f"kenix_qemu: {e}")
    if args.gdb:
        elf = Path(args.build_dir).resolve() / "kernel" / "kenix.elf"
        print(f"kenix_qemu: waiting for gdb: gdb-multiarch {elf} -ex 'target remote :{args.gdb}'",
              file=sys.stderr)
    print("kenix_qemu: Ctrl-A X quits", file=sys.stderr)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
