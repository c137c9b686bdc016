"""Ports (ports/NAME, cmake/Ports.cmake): third-party programs built against the
sysroot, each run inside Kenix with its own tests, and their output checked
against the host's tools where the issue asks for it (docs/porting.md).
"""
import gzip
import hashlib
import re
import subprocess

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
