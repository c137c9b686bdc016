"""The disk: FAT32 on virtio-blk at /mnt (servers/blkdev, servers/vfs/fat32_*.c,
servers/vfs/disk.c), typed at from the interactive shell, then checked from
the host with fsck.fat and mtools on the very image the guest wrote.
"""
import hashlib
import os
import re
import subprocess

from scenario import check, scenario
from terminal import command, powered_off, prompt

MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", LC_ALL="C.UTF-8")

# name (under /mnt) -> contents the guest writes with printf (no % or \ inside).
FILES = {
    "notes.txt": "short name\n",
    "A longer file name with spaces.txt": "long names need VFAT entries\n",
    "Straße und Grüße.txt": "non-ASCII in the name\n",
    "deep/er/still/leaf.txt": "three directories down\n",
}


def host(*argv):
    return subprocess.run(argv, capture_output=True, env=MTOOLS_ENV, timeout=60)


def fsck_clean(image):
    fsck = "/usr/sbin/fsck.fat" if os.path.exists("/usr/sbin/fsck.fat") else "fsck.fat"
    r = host(fsck, "-n", image)
    out = (r.stdout + r.stderr).decode(errors="replace")
    return r.returncode == 0, out


@scenario("disk.durability", labels=["disk"], timeout=120)
def durability(ctx):
    """Files written on /mnt, synced, powered off: the host's fsck.fat finds the
    volume clean and mtools reads back every name and byte; a renamed and a
    removed file are as the guest left them."""
    image = ctx.disk_copy()
    with ctx.boot("", kernel_log_all=False, disk=image) as s:
        prompt(s, timeout=30)
        command(s, "mkdir -p /mnt/deep/er/still && echo made", r"^made$")
        for name, text in FILES.items():
            command(s, f"printf '{text.rstrip()}\\n' > '/mnt/{name}' && echo wrote", r"^wrote$")
        command(s, "dd if=/dev/urandom of=/mnt/random.bin bs=4096 count=300 2>/dev/null; "
                   "md5sum /mnt/random.bin", r"^([0-9a-f]{32})  /mnt/random.bin$")
        guest_md5 = re.search(r"([0-9a-f]{32})  /mnt/random.bin", s.transcript()).group(1)
        command(s, "mv /mnt/notes.txt /mnt/deep/renamed.txt && rm '/mnt/A file with a long name.txt' && echo moved",
                r"^moved$")
        command(s, "cat '/mnt/Documents/Reisen/Köln/Grüße.txt'", r"^Grüße aus Köln – 20 €\.$")
        check(True, "the image's non-ASCII name three directories down reads back in the guest")
        command(s, "sync && echo synced", r"^synced$")
        powered_off(ctx, s)
    clean, out = fsck_clean(image)
    check(clean, f"fsck.fat -n finds the volume clean after the guest's writes:\n{out}")
    expect = dict(FILES)
    expect["deep/renamed.txt"] = expect.pop("notes.txt")
    for name, text in expect.items():
        r = host("mtype", "-i", image, f"::/{name}")
        check(r.returncode == 0 and r.stdout.decode() == text,
              f"mtype ::/{name} reads what the guest wrote ({r.stdout!r}, {r.stderr!r})")
    r = host("mtype", "-i", image, "::/random.bin")
    check(r.returncode == 0 and hashlib.md5(r.stdout).hexdigest() == guest_md5,
          f"1200 KiB of random bytes: the host's md5 is the guest's ({guest_md5})")
    r = host("mdir", "-b", "-i", image, "::/")
    listing = r.stdout.decode(errors="replace")
    check("A file with a long name.txt" not in listing and "notes.txt" not in listing,
          "the removed and the renamed file are gone from / on the host too")


@scenario("disk.copy", labels=["disk"], timeout=180)
def big_copy(ctx):
    """A 20 MiB file onto FAT32 and back, by checksum; prints the throughput."""
    with ctx.boot("", kernel_log_all=False) as s:
        prompt(s, timeout=30)
        command(s, "dd if=/dev/urandom of=/tmp/big bs=1048576 count=20 2>/dev/null; md5sum /tmp/big",
                r"^([0-9a-f]{32})  /tmp/big$", timeout=60)
        want = re.search(r"([0-9a-f]{32})  /tmp/big", s.transcript()).group(1)
        command(s, "cp /tmp/big /mnt/big && rm /tmp/big && sync && cp /mnt/big /tmp/back && md5sum /tmp/back /mnt/big",
                r"/mnt/big$", timeout=120)
        sums = re.findall(r"([0-9a-f]{32})  /(tmp/back|mnt/big)", s.transcript())
        check(len(sums) == 2 and all(m == want for m, _ in sums),
              f"20 MiB copied to FAT32 and back: every checksum is {want} ({sums})")
        # Throughput, printed only (bench.disk measures it with more care).
        command(s, "dd if=/dev/zero of=/mnt/seq bs=65536 count=64 conv=fsync 2>&1 | tail -1", r"copied")
        command(s, "dd if=/mnt/seq of=/dev/null bs=65536 2>&1 | tail -1", r"copied")
        # A program run from FAT32, which cannot map its pages (no IO_MAP): the
        # loader reads every segment, its text area opened up for that and
        # given its final protection after.
        command(s, "mkdir -p /mnt/bin && cp /bin/busybox /mnt/bin/busybox && ls -l /mnt/bin/busybox | cut -c1-10 && "
                   "/mnt/bin/busybox echo run from FAT32 && "
                   "/mnt/bin/busybox sh -c 'echo nested $(/mnt/bin/busybox expr 6 \\* 7)'",
                r"^-rwxr-xr-x\nrun from FAT32\nnested 42$", timeout=60)
        powered_off(ctx, s)


@scenario("disk.corrupt", labels=["disk"], timeout=90)
def corrupt(ctx):
    """A disk whose boot sector is damaged (bytes per sector 0) is refused with
    a message; the vfs, the kernel and the shell carry on, /dev/vda is there."""
    image = ctx.disk_copy()
    with open(image, "r+b") as f:
        f.seek(11)
        f.write(b"\0\0")  # BPB bytes per sector: 0
    with ctx.boot("", kernel_log_all=False, disk=image) as s:
        s.expect(r"vfat: cannot mount: .+", timeout=30)
        s.expect(r"^init: cannot mount /dev/vda on /mnt: error 22$", timeout=30)
        check(True, "the damaged volume is refused with a message (EINVAL)")
        prompt(s, timeout=30)
        command(s, "ls /mnt | wc -l; blockdev --getsize64 /dev/vda", r"^0\n67108864$")
        command(s, "echo the shell answers", r"^the shell answers$")
        check(True, "the vfs and the shell carry on; /dev/vda is still there")
        powered_off(ctx, s)
        s.expect_not(r"panic|Oops")
