#!/usr/bin/env python3
"""Run Kenix's benchmark programs on Debian 12's own arm64 Linux kernel, booted
in the same QEMU machine as Kenix, and print their figures.

    tools/linux_baseline.py [--build-dir DIR] [--mode {icount,tcg,both}]
                            [--csv FILE] [--timeout S] [--append ARGS]
                            [--refresh] [--verbose] [COMMAND ...]

COMMAND is a benchmark program with its arguments, as one word per shell
argument group: "bench_posix" or "bench_posix fork 50". A program named
without a slash is BUILD/guest/NAME (what `./kenix build` made); any other
static aarch64 Linux program may be given by path. The default is
bench_syscall and bench_posix.

What it does, each step cached under BUILD/linux/ (build/ is never committed):
  1. Fetches the versioned kernel package linux-image-arm64 depends on
     (linux-image-6.1.*-arm64, ~60 MB) with `apt-get download`, through a
     private apt state (lists and cache in BUILD/linux/apt) made from the
     host's own apt sources with the architecture set to arm64: the host's
     dpkg architectures and package lists are not touched, and no root is
     needed. apt checks the package against the archive's signed index.
     Later runs use the cached package without asking apt (--refresh asks
     again and takes a newer kernel if the archive has one).
  2. Takes boot/vmlinuz-* (an uncompressed arm64 Image QEMU boots directly)
     and boot/config-* out of the package.
  3. Compiles tools/linux_init.c with the project's sysroot into a static
     /init that runs each COMMAND, prints "linux-init: done" and powers off.
  4. Writes a newc initramfs (/init, /bin/PROGRAMS, /bench.list, /dev/console,
     /tmp and /mnt, and for run_linux's callers any more files and kernel
     modules: the modules, taken from the same package with those they
     depend on, go to /lib/modules in load order, listed in /modules.list).
  5. Boots it with the machine of tests/harness/kenix_qemu.py's machine_argv
     (-M virt -cpu cortex-a72 -m 128M, as Kenix), the console on the PL011
     (console=ttyAMA0 quiet), under -icount shift=0 (a guest nanosecond is an
     instruction) and then under plain TCG (guest time is host time), each
     boot bounded by --timeout.
  6. Collects every figure the programs print ("bench: WHAT: N ns",
     "BENCH WHAT: N ns per call") and prints a table; --csv writes it too.

Figures are whatever the programs print: a metric added to bench_posix
appears here with no change to this tool. As a module, run_linux() gives
`./kenix bench --linux` the same figures as data, with BusyBox, a FAT32 disk
(virtio-blk, mounted vfat at /mnt by /init after loading the modules) and
more RAM when asked; run_qemu() is the one place a benchmark boot's console
is read, for Kenix's boots too.
"""
import argparse
import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "harness"))
sys.path.insert(0, str(ROOT / "cmake"))
import kenix_qemu  # noqa: E402  (the machine Kenix boots in)
import mkcpio  # noqa: E402  (the initrd's own newc writer)

META_PACKAGE = "linux-image-arm64"
# The kernel package the meta package depends on: Debian 12's 6.1 series.
KERNEL_PACKAGE = re.compile(r"^linux-image-6\.1\.[0-9][^\s]*-arm64$")
DEFAULT_COMMANDS = ["bench_syscall", "bench_posix"]
# panic=-1: should /init die, the kernel's panic restarts at once and
# -no-reboot turns that into QEMU's exit instead of a wait for the timeout.
BASE_APPEND = "console=ttyAMA0 quiet panic=-1"
DONE = "linux-init: done"
MODES = {"icount": True, "tcg": False}  # mode -> kenix_qemu icount argument

# The figure formats of tests/guest/bench.h and bench_syscall.c.
FIGURE_RES = [
    re.compile(r"^bench: (?!FAIL |skip )(?P<what>.+): (?P<n>\d+) ns$"),
    re.compile(r"^BENCH (?P<what>.+?): (?P<n>\d+) ns per call(?:, loop overhead (?P<loop>\d+) ns)?"),
]
FAIL_RE = re.compile(r"^bench: FAIL ")
RUN_RE = re.compile(r"^linux-init: run (?P<cmd>.*)$")
STATUS_RE = re.compile(r"^linux-init: (?P<prog>\S+) (?:exited with status (?P<st>\d+)|killed by signal (?P<sig>\d+))$")


class BaselineError(Exception):
    """A step failed in a way the user has to act on; the message says how."""


def say(msg):
    print(f"linux-baseline: {msg}", file=sys.stderr, flush=True)


# ---- 1 and 2: the kernel -----------------------------------------------------------

def _apt_options(cache):
    """apt options for a private arm64 view of the host's own sources.

    The sources stay the host's (so no archive host is named anywhere); the
    lists, the package cache and the architecture are ours, so the host's apt
    state and dpkg architectures stay as they were."""
    opts = ["-o", "APT::Architecture=arm64", "-o", "APT::Architectures::=arm64",
            "-o", f"Dir::State::Lists={cache / 'lists'}",
            "-o", f"Dir::Cache={cache / 'cache'}"]
    if os.geteuid() == 0:
        # As root apt hands downloads to the _apt user, who cannot write our
        # private directories; it would fall back with a warning.
        opts += ["-o", "APT::Sandbox::User=root"]
    return opts


def _apt(cache, args, cwd=None):
    if not shutil.which("apt-get"):
        raise BaselineError("apt-get is not installed: this tool needs a Debian host")
    (cache / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (cache / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    cmd = [args[0]] + _apt_options(cache) + args[1:]
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def _resolve_kernel_package(apt_dir):
    """The versioned package linux-image-arm64 depends on, and its version."""
    say("updating the private arm64 package lists (apt-get update)")
    up = _apt(apt_dir, ["apt-get", "-q", "update"])
    # A third-party source without arm64 packages makes update report an error
    # while Debian's lists still arrive: the look-up below is the real test.
    (apt_dir / "update.log").write_text(up.stdout)
    show = _apt(apt_dir, ["apt-cache", "show", "--no-all-versions", META_PACKAGE])
    if show.returncode != 0 or "Depends:" not in show.stdout:
        raise BaselineError(
            f"apt knows no arm64 {META_PACKAGE} (apt-get update said: "
            f"{apt_dir / 'update.log'}):\n{show.stdout.strip()}")
    fields = dict(re.findall(r"^(Version|Depends): (.*)$", show.stdout, re.M))
    deps = [d.strip().split(" ")[0] for d in fields.get("Depends", "").split(",")]
    pkgs = [d for d in deps if KERNEL_PACKAGE.match(d)]
    if not pkgs:
        raise BaselineError(f"{META_PACKAGE} {fields.get('Version')} depends on no "
                            f"linux-image-6.1.*-arm64 package: {fields.get('Depends')}")
    return pkgs[0]


def fetch_kernel(linux_dir, refresh=False):
    """The kernel image of Debian's arm64 kernel package, fetched once.

    Returns (vmlinuz path, config path, package file name)."""
    linux_dir.mkdir(parents=True, exist_ok=True)
    pointer = linux_dir / "kernel-package"  # the .deb name the last fetch chose
    deb = None
    if pointer.exists() and not refresh:
        deb = linux_dir / pointer.read_text().strip()
        if not deb.exists():
            deb = None
    if deb is None:
        apt_dir = linux_dir / "apt"
        pkg = _resolve_kernel_package(apt_dir)
        say(f"apt-get download {pkg}:arm64")
        dl = _apt(apt_dir, ["apt-get", "-q", "download", f"{pkg}:arm64"], cwd=linux_dir)
        debs = sorted(linux_dir.glob(f"{pkg}_*_arm64.deb"), key=lambda p: p.stat().st_mtime)
        if dl.returncode != 0 or not debs:
            raise BaselineError(f"apt-get download {pkg}:arm64 failed:\n{dl.stdout.strip()}")
        deb = debs[-1]
        pointer.write_text(deb.name + "\n")
        # A refresh that brought a newer kernel: the older one is not used again.
        for old in linux_dir.glob("linux-image-*_arm64.deb"):
            if old != deb:
                old.unlink()
                shutil.rmtree(linux_dir / old.name[:-len(".deb")], ignore_errors=True)
    unpacked = linux_dir / deb.name[:-len(".deb")]
    images = sorted(unpacked.glob("boot/vmlinuz-*"))
    if not images:
        say(f"extracting the kernel image from {deb.name}")
        _extract_boot(deb, unpacked)
        images = sorted(unpacked.glob("boot/vmlinuz-*"))
        if not images:
            raise BaselineError(f"{deb.name} holds no boot/vmlinuz-*")
    configs = sorted(unpacked.glob("boot/config-*"))
    return images[0], (configs[0] if configs else None), deb.name


def fetch_arm64_file(package, member, cache_dir):
    """One file of a Debian arm64 binary package (e.g. bin/bash-static of
    bash-static), fetched once through the same private arm64 apt state as the
    kernel and kept in cache_dir: the path of the extracted file.

    For the scenarios that run unmodified Debian programs on Kenix."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_dir / package / member
    if out.exists():
        return out
    debs = sorted(cache_dir.glob(f"{package}_*_arm64.deb"), key=lambda p: p.stat().st_mtime)
    if not debs:
        apt_dir = cache_dir / "apt"
        say("updating the private arm64 package lists (apt-get update)")
        up = _apt(apt_dir, ["apt-get", "-q", "update"])
        (apt_dir / "update.log").write_text(up.stdout)
        say(f"apt-get download {package}:arm64")
        dl = _apt(apt_dir, ["apt-get", "-q", "download", f"{package}:arm64"], cwd=cache_dir)
        debs = sorted(cache_dir.glob(f"{package}_*_arm64.deb"), key=lambda p: p.stat().st_mtime)
        if dl.returncode != 0 or not debs:
            raise BaselineError(f"apt-get download {package}:arm64 failed:\n{dl.stdout.strip()}")
    if not shutil.which("dpkg-deb"):
        raise BaselineError("dpkg-deb is not installed: this tool needs a Debian host")
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(debs[-1])], stdout=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for entry in tar:
                if entry.isfile() and entry.name.lstrip("./") == member:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    tmp = out.with_name(out.name + ".partial")
                    with tar.extractfile(entry) as src, open(tmp, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    tmp.chmod(entry.mode & 0o777)
                    tmp.rename(out)
                    break
    finally:
        proc.stdout.close()
        proc.wait()
    if not out.exists():
        raise BaselineError(f"{debs[-1].name} holds no {member}")
    return out


def _extract_boot(deb, dest):
    """boot/vmlinuz-* and boot/config-* of the package, and nothing else.

    dpkg-deb -x would unpack every module too (several hundred MB) for the
    two files a boot without a disk needs; dpkg-deb still reads the package,
    and Python's tarfile takes the two files from its data archive."""
    if not shutil.which("dpkg-deb"):
        raise BaselineError("dpkg-deb is not installed: this tool needs a Debian host")
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                name = member.name.lstrip("./")
                if member.isfile() and re.fullmatch(r"boot/(vmlinuz|config)-[^/]+", name):
                    out = tmp / name
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
    finally:
        proc.stdout.close()
        proc.wait()  # a broken pipe once we stop reading is expected, not an error
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def _module_depends(ko):
    """The modules a .ko needs first: the depends= field of its .modinfo."""
    m = re.search(rb"(?:^|\x00)depends=([^\x00]*)\x00", ko.read_bytes())
    return [d for d in (m.group(1).decode().split(",") if m else []) if d]


def extract_modules(deb, unpacked, names):
    """Host paths of the named modules and of every module they depend on,
    taken out of the package once (into unpacked/modules), in an order that
    loads each after what it depends on.

    The package has no modules.dep (depmod writes it at installation), so the
    dependencies come from each module's own .modinfo."""
    cache = unpacked / "modules"
    found = {p.name[:-3]: p for p in cache.glob("*.ko")}
    wanted, order = list(names), []
    while wanted:
        name = wanted.pop(0).replace("-", "_")
        if name in order:
            continue
        if name not in found:
            found.update(_extract_modules(deb, cache, [name]))
        if name not in found:
            raise BaselineError(f"{deb.name} has no module {name}.ko")
        deps = [d.replace("-", "_") for d in _module_depends(found[name])]
        missing = [d for d in deps if d not in order]
        if missing:
            wanted = missing + [name] + wanted  # its dependencies first
            continue
        order.append(name)
    return [found[n] for n in order]


def _extract_modules(deb, cache, names):
    """name -> path of each named .ko the package holds, copied into cache."""
    cache.mkdir(parents=True, exist_ok=True)
    files = {f"{n}.ko" for n in names}
    got = {}
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and base.replace("-", "_") in files and "/kernel/" in member.name:
                    out = cache / base.replace("-", "_")
                    with tar.extractfile(member) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    got[out.name[:-3]] = out
    finally:
        proc.stdout.close()
        proc.wait()
    return got


def check_config(config):
    """What a diskless serial boot needs of the kernel's build configuration."""
    if config is None:
        return ["no boot/config-* in the package: cannot check the kernel's configuration"]
    text = config.read_text(errors="replace")
    need = {
        "CONFIG_BLK_DEV_INITRD": "an initramfs",
        "CONFIG_SERIAL_AMBA_PL011": "the PL011 UART (ttyAMA0)",
        "CONFIG_SERIAL_AMBA_PL011_CONSOLE": "a console on the PL011",
        "CONFIG_ARM_PSCI_FW": "PSCI, for reboot(RB_POWER_OFF)",
    }
    return [f"{opt} is not built in: the boot needs {why}"
            for opt, why in need.items() if not re.search(rf"^{opt}=y$", text, re.M)]


# ---- 3 and 4: /init and the initramfs ----------------------------------------------

def build_init(build_dir, out):
    """tools/linux_init.c as a static aarch64 program, rebuilt when it changed."""
    src = ROOT / "tools" / "linux_init.c"
    cfg = build_dir / "sysroot" / "aarch64-linux-musl.cfg"
    if not cfg.exists():
        raise BaselineError(f"no sysroot at {cfg.parent}: run ./kenix build first")
    if out.exists() and out.stat().st_mtime >= max(src.stat().st_mtime, cfg.stat().st_mtime):
        return out
    cmd = ["clang", "--config", str(cfg), "-static", "-O2", "-std=c17",
           "-Wall", "-Wextra", "-Werror", str(src), "-o", str(out)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise BaselineError(f"compiling {src.name} failed:\n{shlex.join(cmd)}\n{r.stdout}")
    return out


def resolve_commands(build_dir, commands):
    """[(archive path, host path)], [command lines as /init runs them]."""
    programs, lines = {}, []
    for command in commands:
        words = shlex.split(command)
        if not words:
            continue
        prog = words[0]
        host = Path(prog) if "/" in prog else build_dir / "guest" / prog
        if not host.is_file():
            raise BaselineError(f"no program {host}: run ./kenix build first, or give a path")
        name = host.name
        if programs.get(name, host) != host:
            raise BaselineError(f"two different programs named {name}")
        programs[name] = host
        if any(not re.fullmatch(r"[^\s#]\S*", w) for w in words[1:]) or len(words) > 32:
            raise BaselineError(f"{command!r}: /init takes at most 32 plain words, no quoting")
        lines.append(" ".join([f"/bin/{name}"] + words[1:]))
    if not lines:
        raise BaselineError("no command to run")
    return sorted(programs.items()), lines


def write_initramfs(out, init, programs, lines, files=(), modules=()):
    """A newc archive: /init, /bin/PROGRAMS, /bench.list, /dev/console, /tmp
    and /mnt (mount points /init uses), files [(archive path, host path)],
    and modules (host .ko paths, in load order) in /lib/modules with their
    order in /modules.list."""
    S_IFCHR = 0o020000
    d = mkcpio.S_IFDIR | 0o755
    entries = [("dev", d, b"", (0, 0)),
               # The kernel opens it as process 1's fds 0-2 (major 5, minor 1).
               ("dev/console", S_IFCHR | 0o600, b"", (5, 1)),
               ("bin", d, b"", (0, 0)), ("tmp", mkcpio.S_IFDIR | 0o1777, b"", (0, 0)), ("mnt", d, b"", (0, 0)),
               ("bench.list", mkcpio.S_IFREG | 0o644, ("\n".join(lines) + "\n").encode(), (0, 0)),
               ("init", mkcpio.S_IFREG | 0o755, init.read_bytes(), (0, 0))]
    for name, host in programs:
        entries.append((f"bin/{name}", mkcpio.S_IFREG | 0o755, host.read_bytes(), (0, 0)))
    names = {e[0] for e in entries}
    for path, host in files:
        if path not in names:
            entries.append((path, mkcpio.S_IFREG | 0o755, Path(host).read_bytes(), (0, 0)))
    if modules:
        entries.append(("lib", d, b"", (0, 0)))
        entries.append(("lib/modules", d, b"", (0, 0)))
        for ko in modules:
            entries.append((f"lib/modules/{ko.name}", mkcpio.S_IFREG | 0o644, ko.read_bytes(), (0, 0)))
        listing = "".join(f"/lib/modules/{ko.name}\n" for ko in modules).encode()
        entries.append(("modules.list", mkcpio.S_IFREG | 0o644, listing, (0, 0)))
    data = bytearray()
    for ino, (path, mode, content, rdev) in enumerate(entries, start=1):
        nlink = 2 if mode & 0o170000 == mkcpio.S_IFDIR else 1
        data += mkcpio.record(ino, mode, nlink, 0, path, content, rdev)
    data += mkcpio.record(0, 0, 1, 0, "TRAILER!!!", b"")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


# ---- 5 and 6: the boots and their figures ------------------------------------------

@dataclass
class Boot:
    mode: str
    status: object = None        # QEMU's exit status, or "timeout"
    wall: float = 0.0            # host seconds from QEMU's start to its exit
    lines: list = field(default_factory=list)
    arrivals: list = field(default_factory=list)  # host seconds from QEMU's start, per line
    figures: dict = field(default_factory=dict)   # metric -> ns (instructions under icount)
    programs: dict = field(default_factory=dict)  # metric -> the program that printed it
    failures: list = field(default_factory=list)  # "bench: FAIL" and non-zero exits
    done: bool = False


def parse(boot, done=DONE, run_re=RUN_RE, status_re=STATUS_RE):
    """Fills boot's figures, failures and done flag from its console lines.

    done, run_re and status_re are the markers of the /init that ran the
    programs: this tool's by default; tools/bench.py passes Kenix's."""
    current = "?"
    for line in boot.lines:
        m = run_re.match(line)
        if m:
            current = Path(m.group("cmd").split()[0]).name
            continue
        if line == done:
            boot.done = True
            continue
        m = status_re.match(line)
        if m:
            if m.group("st") != "0":
                boot.failures.append(line)
            continue
        if FAIL_RE.match(line) or line.startswith("linux-init: cannot"):
            boot.failures.append(line)
            continue
        for rx in FIGURE_RES:
            m = rx.match(line)
            if not m:
                continue
            figs = [(m.group("what"), int(m.group("n")))]
            if m.groupdict().get("loop") is not None:
                figs.append((f"{m.group('what')}, loop overhead", int(m.group("loop"))))
            for what, n in figs:
                key = what if what not in boot.figures else f"{what} [{current}]"
                boot.figures[key] = n
                boot.programs[key] = current
            break
    return boot


def run_qemu(argv, mode, timeout=300.0, verbose=False, label=None):
    """Runs one QEMU boot to its end, bounded by timeout seconds, keeping its
    console lines and their arrival times; returns an unparsed Boot. The one
    place a benchmark boot is run, for Linux here and for Kenix in tools/bench.py."""
    if verbose:
        say(shlex.join(argv))
    boot = Boot(mode)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    except OSError as e:
        raise BaselineError(f"cannot run {argv[0]}: {e} (./kenix setup installs QEMU)")

    def read():
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n").replace("\r", "")
            boot.arrivals.append(time.monotonic() - start)
            boot.lines.append(line)
            if verbose:
                print(f"  [{label or mode}] {line}", file=sys.stderr, flush=True)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        boot.status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # our own child, by its handle
        proc.wait()
        boot.status = "timeout"
    boot.wall = time.monotonic() - start
    reader.join(timeout=5)
    return boot


def boot_linux(kernel, initrd, mode, mem="128M", append="", timeout=300.0, verbose=False,
               qemu=None, disk=None):
    """One boot, bounded by timeout seconds; returns a parsed Boot. disk: a
    raw image attached as virtio-blk, as Kenix's boots attach theirs (its
    writes go to a temporary overlay: snapshot=on)."""
    cmdline = " ".join(filter(None, [BASE_APPEND, append]))
    argv = kenix_qemu.machine_argv(mem=mem, qemu=qemu) + [
        "-serial", "stdio", "-monitor", "none",
        "-kernel", str(kernel), "-initrd", str(initrd), "-append", cmdline]
    if disk:
        argv += ["-drive", f"if=none,file={disk},format=raw,id=hd0,snapshot=on",
                 "-device", "virtio-blk-device,drive=hd0"]
    shift = kenix_qemu.icount_shift(MODES[mode])
    if shift is not None:
        argv += ["-icount", f"shift={shift}"]
    return parse(run_qemu(argv, mode, timeout=timeout, verbose=verbose))


# What /init needs to mount a FAT32 disk at /mnt: the virtio-mmio transport
# and block driver, vfat and the code page and character set vfat uses by
# default (CONFIG_FAT_DEFAULT_CODEPAGE 437, _IOCHARSET "ascii"). Debian
# builds them all as modules; their dependencies (fat) come along.
FAT_MODULES = ["virtio_mmio", "virtio_blk", "vfat", "nls_cp437", "nls_ascii"]


def run_linux(build_dir="build", commands=None, modes=("icount", "tcg"), mem="128M",
              append="", timeout=300.0, refresh=False, verbose=False, files=(), disk=None):
    """Everything: fetch, build, boot once per mode. Returns (package, [Boot]).

    files: more [(archive path, host path)] for the initramfs (e.g. BusyBox
    at bin/busybox). disk: a FAT32 image to attach; /init then loads
    FAT_MODULES and mounts it at /mnt."""
    build_dir = Path(build_dir)
    linux_dir = build_dir / "linux"
    linux_dir.mkdir(parents=True, exist_ok=True)
    kernel, config, package = fetch_kernel(linux_dir, refresh=refresh)
    for problem in check_config(config):
        say(f"warning: {problem}")
    init = build_init(build_dir, linux_dir / "init")
    programs, lines = resolve_commands(build_dir, commands or DEFAULT_COMMANDS)
    modules = extract_modules(linux_dir / package, kernel.parent.parent, FAT_MODULES) if disk else []
    initrd = write_initramfs(linux_dir / "initramfs.cpio", init, programs, lines, files, modules)
    boots = []
    for mode in modes:
        say(f"booting {package} ({mode}): {'; '.join(lines)}")
        boot = boot_linux(kernel, initrd, mode, mem=mem, append=append, timeout=timeout,
                          verbose=verbose, disk=disk)
        say(f"{mode}: QEMU exited ({boot.status}) after {boot.wall:.1f} s, "
            f"{len(boot.figures)} figures")
        boots.append(boot)
    return package, boots


# ---- output -------------------------------------------------------------------------

UNITS = {"icount": "instructions", "tcg": "ns (wall)"}


def table(boots):
    """Rows [metric, value per boot...]: every metric any boot printed, in order."""
    metrics = []
    for b in boots:
        metrics += [k for k in b.figures if k not in metrics]
    return [[m] + [b.figures.get(m) for b in boots] for m in metrics]


def print_table(package, boots, out=sys.stdout):
    head = ["metric (Linux, per iteration)"] + [f"{b.mode}: {UNITS[b.mode]}" for b in boots]
    rows = [[r[0]] + ["n/a" if v is None else f"{v:,}" for v in r[1:]] for r in table(boots)]
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    print(f"Linux baseline: {package}, QEMU -M virt -cpu cortex-a72", file=out)
    for r in [head, ["-" * w for w in widths]] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip(), file=out)


def write_csv(path, package, boots):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kernel", "metric"] + [f"linux_{b.mode}_{'instructions' if b.mode == 'icount' else 'ns'}"
                                          for b in boots])
        for r in table(boots):
            w.writerow([package] + ["" if v is None else v for v in r])


def parser():
    ap = argparse.ArgumentParser(
        description="Run the benchmark programs on Debian 12's arm64 Linux in Kenix's QEMU machine.",
        epilog="Example: tools/linux_baseline.py --csv build/linux/baseline.csv "
               "bench_syscall bench_posix 'bench_posix fork 50'")
    ap.add_argument("commands", nargs="*", metavar="COMMAND",
                    help=f"a program and its arguments (default: {' '.join(DEFAULT_COMMANDS)})")
    ap.add_argument("--build-dir", default=str(ROOT / "build"), help="the build tree (default: build)")
    ap.add_argument("--mode", choices=["icount", "tcg", "both"], default="both",
                    help="-icount shift=0 (instructions), plain TCG (wall time), or both (default)")
    ap.add_argument("--mem", default="128M", help="guest RAM, as Kenix's default (128M)")
    ap.add_argument("--append", default="",
                    help=f"more kernel arguments after '{BASE_APPEND}' (e.g. 'kpti=0 nokaslr')")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per boot (default 300)")
    ap.add_argument("--csv", metavar="FILE", help="also write the table as CSV")
    ap.add_argument("--refresh", action="store_true",
                    help="ask apt again for the newest kernel package instead of the cached one")
    ap.add_argument("--no-host-packages", action="store_true",
                    help="do not run toolchain/install-host-packages.sh first")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo the QEMU command and console")
    return ap


def main(argv=None):
    args = parser().parse_args(argv)
    if not args.no_host_packages:
        # QEMU, clang and dpkg-deb: the same packages ./kenix installs, the same way.
        r = subprocess.run([str(ROOT / "toolchain" / "install-host-packages.sh")])
        if r.returncode != 0:
            sys.exit("linux-baseline: host packages are missing (see above)")
    modes = ["icount", "tcg"] if args.mode == "both" else [args.mode]
    # BusyBox (bench_posix execs `busybox true`) and the FAT32 disk (its /mnt
    # figures) when they have been built, as ./kenix bench --linux has them.
    build = Path(args.build_dir)
    busybox = build / "ports" / "busybox" / "busybox"
    disk = build / "images" / "disk.img"
    try:
        package, boots = run_linux(args.build_dir, args.commands, modes, mem=args.mem,
                                   append=args.append, timeout=args.timeout,
                                   refresh=args.refresh, verbose=args.verbose,
                                   files=[("bin/busybox", busybox)] if busybox.exists() else [],
                                   disk=disk if disk.exists() else None)
    except BaselineError as e:
        sys.exit(f"linux-baseline: {e}")
    print_table(package, boots)
    if args.csv:
        write_csv(args.csv, package, boots)
        say(f"wrote {args.csv}")
    ok = True
    for b in boots:
        for f in b.failures:
            say(f"{b.mode}: {f}")
        if not b.done or b.status != 0:
            ok = False
            say(f"{b.mode}: the run did not finish (QEMU status {b.status}, "
                f"marker {'seen' if b.done else 'not seen'}); its last lines:")
            for line in b.lines[-15:]:
                print(f"    {line}", file=sys.stderr)
        ok = ok and not b.failures
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
