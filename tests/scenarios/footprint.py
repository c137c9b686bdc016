"""Footprint: Kenix on small machines (issue 11's "Footprint"; docs/footprint.md).

Both boot the small initrd (images/initrd-small.cpio: the system without the
test programs, what `./kenix run` boots) with the console a user gets.

- console.small16m: a working shell in 16 MiB of RAM, and memory running out
  there (a 64 MiB file into /tmp, eight background jobs) ends a program or
  fails a call, never the kernel or a server.
- bench.footprint: the memory in use at the shell prompt, split into the
  kernel, each server and the shell, at 16 and 128 MiB. Prints figures; fails
  only if the shell never comes.
"""
import re

from scenario import check, scenario
from terminal import command, powered_off, prompt


def small_initrd(ctx):
    path = ctx.build_dir / "images" / "initrd-small.cpio"
    if not path.exists():
        raise FileNotFoundError(f"no small initrd at {path}: build first")
    return str(path)


@scenario("console.small16m", labels=("console", "boot"), timeout=120)
def small16m(ctx):
    with ctx.boot("", kernel_log_all=False, mem="16M", initrd=small_initrd(ctx)) as s:
        prompt(s, timeout=30)
        check(True, "16 MiB of RAM: init ran the shell on the console")
        m = command(s, "ls /bin | wc -l", r"^\s*(\d+)$")
        check(int(m.group(1)) >= 50, f"/bin holds BusyBox's applets ({m.group(1)} names)")
        command(s, "echo one two three | tr ' ' '\\n' | sort | tail -n 1", r"^two$")
        check(True, "a pipeline of three programs")
        command(s, "echo 'kept in tmpfs' > /tmp/note && cat /tmp/note", r"^kept in tmpfs$")
        check(True, "a file written to /tmp reads back")
        m = command(s, "free", r"^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\s")
        used_before = int(m.group(2))
        check(int(m.group(1)) == 16384, f"free: 16384 KiB of RAM ({m.group(1)}), {m.group(2)} KiB used")
        command(s, "ps", r"^\s*2 root\s+\S+ /sbin/vfs$")
        check(True, "ps lists the servers")

        # Running out: tmpfs may grow to half of RAM, more than is free, so
        # dd either gets ENOSPC or is killed when a page fault finds no frame.
        s.send("dd if=/dev/zero of=/tmp/big bs=1M count=64; echo dd status $?\r")
        m = s.expect(r"^dd status (\d+)$", timeout=60)
        prompt(s)
        check(m.group(1) != "0", f"a 64 MiB file does not fit in 16 MiB: dd stopped (status {m.group(1)})")
        command(s, "rm /tmp/big; cat /tmp/note", r"^kept in tmpfs$")
        check(True, "the shell and the vfs survive it; removing the file gives the memory back")
        s.send("for i in 1 2 3 4 5 6 7 8; do sleep 3 & done; wait; echo all done\r")
        s.expect(r"^all done$", timeout=30)
        prompt(s)
        check(True, "eight background jobs at once run and end")
        m = command(s, "free", r"^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\s")
        check(int(m.group(2)) < used_before + 1024,
              f"memory came back: {m.group(2)} KiB used after, {used_before} before, {m.group(3)} KiB free")
        check("panic" not in s.transcript().lower(), "no panic")
        powered_off(ctx, s)


# One line each, which the patterns below take apart: /proc/meminfo's figures
# and each process's name and resident sizes (the glob is expanded before the
# command substitutions fork, so it lists only the processes at the prompt).
MEMINFO = "echo FPMEM $(sed -nE 's/^([A-Za-z]+): *([0-9]+) kB$/\\1=\\2/p' /proc/meminfo)"
PROCS = ("for d in /proc/[0-9]*; do echo FPPROC ${d#/proc/} $(sed -nE "
         "'s/^(Name|VmRSS|RssAnon|RssFile|RssShmem):[[:space:]]*([^ ]*).*/\\1=\\2/p' $d/status); done; "
         "echo FP''END")  # quoted: the echo of the typed line, wrapped, must not match
KERNEL_PARTS = [("KernelImage", "code and data (image)"), ("Slab", "heap"), ("PageTables", "page tables"),
                ("KernelStack", "stacks"), ("KernelReserved", "frame metadata, firmware")]


def fields(text):
    return dict(kv.split("=", 1) for kv in text.split())


def measure(ctx, mem):
    """(meminfo, [process records]) at the shell prompt of a machine with mem."""
    with ctx.boot("", kernel_log_all=False, mem=mem, initrd=small_initrd(ctx)) as s:
        prompt(s, timeout=30)
        m = command(s, MEMINFO, r"^FPMEM (\w+=\d+.*)$")
        meminfo = {k: int(v) for k, v in fields(m.group(1)).items()}
        s.send(PROCS + "\r")
        procs = []
        while True:
            m = s.expect(r"^(?:FPPROC (\d+) (.*)|FPEND)$")
            if not m.group(1):
                break
            f = fields(m.group(2))
            procs.append({"pid": int(m.group(1)), "name": f.get("Name", "?"),
                          **{k: int(f.get(k, 0)) for k in ("VmRSS", "RssAnon", "RssFile", "RssShmem")}})
        prompt(s)
        powered_off(ctx, s)
    return meminfo, procs


def report(mem, meminfo, procs):
    """The footprint table (KiB), as docs/footprint.md shows it."""
    used = meminfo["MemTotal"] - meminfo["MemFree"]
    cache = meminfo.get("Cached", 0)
    lines = [f"FOOTPRINT {mem}: MemTotal {meminfo['MemTotal']} KiB, used {used} KiB "
             f"(of which the vfs's file data, the initrd's files: {cache} KiB), free {meminfo['MemFree']} KiB"]
    kernel = 0
    for key, what in KERNEL_PARTS:
        kernel += meminfo.get(key, 0)
        lines.append(f"FOOTPRINT {mem}: kernel {what:28} {meminfo.get(key, 0):6} KiB")
    lines.append(f"FOOTPRINT {mem}: kernel {'total':28} {kernel:6} KiB")
    accounted = kernel + cache
    # The disk's block-cache pool (servers/vfs/disk.c: a 32nd of RAM, 256 KiB
    # to 4 MiB) is the vfs's memory object, mapped by blkdev too: counted once,
    # with the vfs.
    pool = min(max(meminfo["MemTotal"] // 32, 256), 4096)
    for p in procs:
        own = p["RssAnon"] + p["RssShmem"]
        if p["name"] == "vfs":
            own = p["VmRSS"] - cache  # its file data is the cache line; the rest is its own
        elif p["name"] == "blkdev":
            own -= min(p["RssShmem"], pool)
        accounted += own
        lines.append(f"FOOTPRINT {mem}: pid {p['pid']} {p['name']:10} own {own:6} KiB  (RSS {p['VmRSS']}: "
                     f"anon {p['RssAnon']}, shared {p['RssFile']}, objects {p['RssShmem']})")
    lines.append(f"FOOTPRINT {mem}: not attributed above {used - accounted:6} KiB")
    return lines


@scenario("bench.footprint", labels=("bench",), timeout=120)
def footprint(ctx):
    for mem in ("16M", "128M"):
        meminfo, procs = measure(ctx, mem)
        for line in report(mem, meminfo, procs):
            print(line)
        check(meminfo.get("MemTotal", 0) > 0 and procs, f"{mem}: figures read at the prompt")
