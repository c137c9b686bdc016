#!/usr/bin/env python3
"""The one place that knows how Kenix is started under QEMU.

As a program it boots Kenix on this terminal (what `./kenix run` and
`./kenix debug` call); as a module it gives the test harness the same command
line through qemu_argv(), so what the tests boot is what a developer boots.

    kenix_qemu.py [--build-dir DIR] [--mem SIZE] [--gic {2,3}] [--el2]
                  [--append STR] [--icount [SHIFT]] [--gdb PORT] [--initrd FILE]
                  [--tests] [--no-initrd] [--no-disk] [--qemu PATH] [--dry-run]
                  [-- RAW QEMU ARGS...]

Which initrd: a person at the terminal (this program, `./kenix run`) gets the
small one, images/initrd-small.cpio -- the system without the test programs,
what a user's machine would hold, and small enough for `--mem 16M`; --tests
boots the test initrd instead (to run a test program by hand). The tests
(qemu_argv() as a module) get the test initrd, images/initrd.cpio, by default:
they run the programs in it.
"""
import argparse
import os
import shlex
import sys
from pathlib import Path

# The CMake cache variable KENIX_QEMU_SYSTEM reaches the tests through this
# variable, so a QEMU outside PATH works for `./kenix run` and ctest alike.
QEMU_ENV = "KENIX_QEMU_SYSTEM"

# QEMU refuses -icount shift above this (MAX_ICOUNT_SHIFT): 2^10 ns per instruction.
MAX_ICOUNT_SHIFT = 10


def icount_shift(icount):
    """The -icount shift for qemu_argv's icount option, or None for none.

    False/None: plain TCG (guest time is host time). True: shift 0, the
    historical meaning (1 ns per instruction, what the benchmarks count in).
    An int N: shift N, 2^N ns per instruction. bool is tested before int,
    since True == 1 but means shift 0, and 0 is a shift while False is not."""
    if icount is None or icount is False:
        return None
    if icount is True:
        return 0
    if isinstance(icount, int) and 0 <= icount <= MAX_ICOUNT_SHIFT:
        return icount
    raise ValueError(f"icount must be True, False or a shift 0..{MAX_ICOUNT_SHIFT}, not {icount!r}")


def default_qemu():
    return os.environ.get(QEMU_ENV) or "qemu-system-aarch64"


def machine_argv(mem="128M", gic=None, el2=False, qemu=None):
    """The emulator and the machine, without a kernel, console or drives.

    Kenix's boots and tools/linux_baseline.py's Linux boots both start from
    this, so a figure measured on one kernel and the other comes from the very
    same QEMU machine."""
    machine = "virt"
    if gic:
        machine += f",gic-version={gic}"
    if el2:
        machine += ",virtualization=on"  # the kernel is entered at EL2; PSCI goes through SMC
    return [qemu or default_qemu(), "-M", machine, "-cpu", "cortex-a72", "-m", str(mem),
            "-nographic",
            # A guest reset ends QEMU instead of rebooting: a reset loop must not
            # outlive a test, and an interactive user gets the terminal back.
            "-no-reboot",
            # No default NIC: it would need efi-virtio.rom, and netdev is not there yet.
            "-nic", "none",
            # An entropy source: a small virtio device user-space drivers (and the
            # IRQ-delivery test) can talk to.
            "-device", "virtio-rng-device"]


def qemu_argv(build_dir, mem="128M", gic=None, el2=False, append="", icount=False,
              gdb_port=None, initrd=True, disk=True, extra=(), interactive=True, qemu=None):
    """The QEMU argv for booting the kernel in build_dir.

    interactive=True puts the serial port and the monitor on the terminal
    (Ctrl-A X quits); False gives the harness a bare serial console on stdio.
    The initrd and disk are added when they have been built, unless disabled;
    initrd may also be the path of another initrd file, which must exist.
    icount: see icount_shift().
    """
    shift = icount_shift(icount)  # a bad value fails before anything else is looked at
    build = Path(build_dir)
    kernel = build / "kernel" / "kenix.img"
    if not kernel.exists():
        raise FileNotFoundError(f"no kernel image at {kernel}: build first")
    argv = machine_argv(mem=mem, gic=gic, el2=el2, qemu=qemu) + ["-kernel", str(kernel)]
    if interactive:
        argv += ["-serial", "mon:stdio"]  # Ctrl-A X quits, Ctrl-A C for the monitor
    else:
        # No monitor: nothing the guest prints or the harness sends can reach it.
        argv += ["-serial", "stdio", "-monitor", "none"]
    if isinstance(initrd, (str, os.PathLike)):
        # An explicit file (e.g. the harness's padded copy) is wanted, not optional.
        if not Path(initrd).exists():
            raise FileNotFoundError(f"no initrd at {initrd}")
        argv += ["-initrd", str(initrd)]
    elif initrd and (build / "images" / "initrd.cpio").exists():
        argv += ["-initrd", str(build / "images" / "initrd.cpio")]
    image = build / "images" / "disk.img"
    if isinstance(disk, (str, os.PathLike)):
        # An explicit file (a scenario's copy) is written for real: the host reads it afterwards.
        if not Path(disk).exists():
            raise FileNotFoundError(f"no disk image at {disk}")
        argv += ["-drive", f"if=none,file={disk},format=raw,id=hd0",
                 "-device", "virtio-blk-device,drive=hd0"]
    elif disk and image.exists():
        # snapshot=on: writes go to a temporary overlay, so the built image stays pristine.
        argv += ["-drive", f"if=none,file={image},format=raw,id=hd0,snapshot=on",
                 "-device", "virtio-blk-device,drive=hd0"]
    if append:
        argv += ["-append", append]  # QEMU puts it in /chosen/bootargs
    if shift is not None:
        argv += ["-icount", f"shift={shift}"]  # 2^shift ns of guest time per instruction
    if gdb_port:
        argv += ["-S", "-gdb", f"tcp:127.0.0.1:{gdb_port}"]
    return argv + list(extra)


def parser():
    ap = argparse.ArgumentParser(
        description="Boot Kenix in QEMU on this terminal (Ctrl-A X quits).",
        epilog="Raw QEMU arguments go after `--`, e.g. `-- -smp 2 -d int`.")
    ap.add_argument("--build-dir", default="build", help="the build tree (default: build)")
    ap.add_argument("--mem", default="128M", help="guest RAM (QEMU -m), default 128M")
    ap.add_argument("--gic", choices=["2", "3"], help="GIC version (not passed: QEMU's default, GICv2)")
    ap.add_argument("--el2", action="store_true", help="enter the kernel at EL2 (virtualization=on)")
    ap.add_argument("--append", default="", help="kernel command line")
    ap.add_argument("--icount", nargs="?", const=True, default=False, type=int, metavar="SHIFT",
                    help="-icount shift=SHIFT (default 0): guest time counts instructions, "
                         "2^SHIFT ns each")
    ap.add_argument("--gdb", type=int, metavar="PORT", help="stop at reset and wait for gdb on 127.0.0.1:PORT")
    ap.add_argument("--initrd", metavar="FILE", help="boot with FILE instead of images/initrd-small.cpio")
    ap.add_argument("--tests", action="store_true",
                    help="boot the test initrd, images/initrd.cpio (the system and every test program)")
    ap.add_argument("--no-initrd", action="store_true", help="boot without an initrd")
    ap.add_argument("--no-disk", action="store_true", help="boot without images/disk.img")
    ap.add_argument("--disk", metavar="FILE", help="a FAT32 image written for real (default: images/disk.img "
                                                   "with snapshot=on, so nothing written persists)")
    ap.add_argument("--qemu", default=None, help=f"the emulator (default: ${QEMU_ENV} or qemu-system-aarch64)")
    ap.add_argument("--dry-run", action="store_true", help="print the QEMU command instead of running it")
    ap.add_argument("extra", nargs="*", help="raw QEMU arguments (after --)")
    return ap


def small_initrd(build_dir):
    """The small initrd's path (the system without the tests), or None when
    it has not been built."""
    path = Path(build_dir) / "images" / "initrd-small.cpio"
    return path if path.exists() else None


def main(args=None):
    args = parser().parse_args(args)
    if args.no_initrd:
        initrd = False
    elif args.initrd:
        initrd = args.initrd
    elif args.tests:
        initrd = True
    else:
        initrd = small_initrd(args.build_dir) or True  # a build from before the small image
    try:
        argv = qemu_argv(args.build_dir, mem=args.mem, gic=args.gic, el2=args.el2,
                         append=args.append, icount=args.icount, gdb_port=args.gdb,
                         initrd=initrd,
                         disk=False if args.no_disk else (args.disk or True), extra=args.extra,
                         interactive=True, qemu=args.qemu)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f"kenix_qemu: {e}")
    if args.dry_run:
        print(shlex.join(argv))
        return
    if args.gdb:
        elf = Path(args.build_dir) / "kernel" / "kenix.elf"
        print(f"kenix_qemu: QEMU waits for gdb; attach with:\n"
              f"  gdb-multiarch {elf} -ex 'target remote :{args.gdb}'", file=sys.stderr)
    print("kenix_qemu: Ctrl-A X quits", file=sys.stderr)
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        sys.exit(f"kenix_qemu: cannot run {argv[0]}: {e}")


if __name__ == "__main__":
    main()
