"""Ports (ports/NAME, cmake/Ports.cmake): third-party programs built against the
sysroot, each run inside Kenix with its own tests, and their output checked
against the host's tools where the issue asks for it (docs/porting.md).
"""
import difflib
import gzip
import hashlib
import re
import shutil
import subprocess
import tempfile

from scenario import check, scenario
from terminal import command, powered_off, prompt

TEN_MIB = 10 << 20


def seq_bytes(n, size):
    """What `seq 1 n | head -c size` prints (the guest makes the same)."""
    return "".join(f"{i}\n" for i in range(1, n + 1)).encode()[:size]


@scenario("ports.zlib", labels=["ports"], timeout=240)
def zlib(ctx):
    """zlib 1.2.13: its own test programs. `example` (compress, gzio, inflate
    with a dictionary, large buffers, inflateSync) passes in the guest; a 10 MiB
    file is compressed with `minigzip` onto the FAT32 disk and decompressed again
    in the guest, then the host's gzip decompresses the guest's file: all three
    have the checksum of the original."""
    image = ctx.disk_copy()
    with ctx.boot("", kernel_log_all=False, disk=image) as s:
        prompt(s, timeout=30)
        command(s, "(cd /tmp && example foo.gz); echo status $?",
                r"^zlib version 1\.2\.13 = 0x12d0, compile flags = 0x[0-9a-f]+\n"
                r"uncompress\(\): hello, hello!\n"
                r"gzread\(\): hello, hello!\n"
                r"gzgets\(\) after gzseek:  hello!\n"
                r"inflate\(\): hello, hello!\n"
                r"large_inflate\(\): OK\n"
                r"after inflateSync\(\): hello, hello!\n"
                r"inflate with dictionary: hello, hello!\n"
                r"status 0$", timeout=60)
        check(True, "zlib's example program passes every test it has, exit status 0")
        command(s, f"seq 1 2000000 | head -c {TEN_MIB} > /tmp/in && md5sum /tmp/in",
                r"^([0-9a-f]{32})  /tmp/in$", timeout=90)
        want = re.search(r"([0-9a-f]{32})  /tmp/in", s.transcript()).group(1)
        command(s, "minigzip < /tmp/in > /mnt/in.gz && minigzip -d < /mnt/in.gz > /tmp/out && "
                   "md5sum /tmp/out && wc -c < /mnt/in.gz && sync && echo synced",
                r"^([0-9a-f]{32})  /tmp/out\n(\d+)\nsynced$", timeout=150)
        m = re.search(r"([0-9a-f]{32})  /tmp/out\n(\d+)\n", s.transcript().replace("\r", ""))
        got, packed = m.group(1), int(m.group(2))
        check(got == want, f"10 MiB through minigzip and minigzip -d in the guest: md5 {got}, the original's {want}")
        powered_off(ctx, s)
    original = seq_bytes(2000000, TEN_MIB)
    check(hashlib.md5(original).hexdigest() == want,
          "the guest's file is what the host's `seq 1 2000000 | head -c 10485760` gives")
    r = subprocess.run(["mtype", "-i", image, "::/in.gz"], capture_output=True, timeout=60,
                       env={"MTOOLS_SKIP_CHECK": "1", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    check(r.returncode == 0 and len(r.stdout) == packed,
          f"the compressed file reads back from the disk image ({len(r.stdout)} bytes, the guest said {packed})")
    unpacked = subprocess.run(["gzip", "-dc"], input=r.stdout, capture_output=True, timeout=60)
    check(unpacked.returncode == 0 and hashlib.md5(unpacked.stdout).hexdigest() == want,
          f"the host's gzip -dc of the guest's file gives the original ({hashlib.md5(unpacked.stdout).hexdigest()}, "
          f"{unpacked.stderr.decode(errors='replace').strip()})")
    check(gzip.decompress(r.stdout) == original, "and so does Python's gzip module, byte for byte")


LUA_SCRIPTS = ("strings", "tables", "coroutines", "io_os")
LUA_DIR = "/usr/share/kenix/ports/lua"   # where ports/lua/build.sh installs ports/lua/tests


@scenario("ports.lua", labels=["ports"], timeout=180)
def lua(ctx):
    """Lua 5.4.4: the port's scripts (ports/lua/tests: strings and patterns,
    tables and metatables, coroutines, io and os -- files, popen, os.execute
    with exit statuses and signals, os.time and os.date) print exactly what the
    host's Lua 5.4 prints for them, and exit 0."""
    host_lua = shutil.which("lua5.4")
    check(host_lua is not None, "the host has lua5.4 (ports/lua/host-packages.txt)")
    src = ctx.build_dir / "ports" / "root" / LUA_DIR.lstrip("/")   # the very files the guest runs
    expected = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in LUA_SCRIPTS:
            r = subprocess.run([host_lua, str(src / f"{name}.lua"), scratch], capture_output=True, timeout=60,
                               env={"LUA_PORT_TEST": "yes", "PATH": "/usr/bin:/bin", "TZ": "UTC"}, cwd=scratch)
            check(r.returncode == 0, f"the host's Lua runs {name}.lua ({r.stderr.decode(errors='replace')})")
            expected[name] = r.stdout.decode()
    with ctx.boot("", kernel_log_all=False) as s:
        prompt(s, timeout=30)
        command(s, "mkdir -p /tmp/luat && echo made", r"^made$")
        for name in LUA_SCRIPTS:
            command(s, f"echo @@begin {name}; LUA_PORT_TEST=yes lua {LUA_DIR}/{name}.lua /tmp/luat; "
                       f"echo @@end {name} status $?", rf"^@@end {name} status \d+$", timeout=60)
        powered_off(ctx, s)
    text = s.transcript().replace("\r", "")
    for name in LUA_SCRIPTS:
        m = re.search(rf"^@@begin {name}\n(.*?)^@@end {name} status (\d+)$", text, re.M | re.S)
        got = m.group(1) if m else ""
        check(m is not None and m.group(2) == "0", f"{name}.lua exits 0 in Kenix")
        if got != expected[name]:
            diff = "".join(difflib.unified_diff(expected[name].splitlines(True), got.splitlines(True),
                                                "host", "kenix"))
            check(False, f"{name}.lua prints what the host's Lua prints:\n{diff}")
        else:
            check(True, f"{name}.lua prints exactly what the host's Lua prints ({len(got.splitlines())} lines)")
