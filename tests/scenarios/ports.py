"""Ports (ports/NAME, cmake/Ports.cmake): third-party programs built against the
sysroot, each run inside Kenix with its own tests, and their output checked
against the host's tools where the issue asks for it (docs/porting.md).
"""
import difflib
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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


SQLITE_DIR = "/usr/share/kenix/ports/sqlite"   # where ports/sqlite/build.sh installs ports/sqlite/tests

# Two writers on one database: the first holds an exclusive transaction for two
# seconds; the second is refused at once ("database is locked", status 5:
# SQLite's fcntl F_SETLK found the lock), then with a busy timeout waits for the
# first to commit and writes after it.
SQLITE_LOCKS = ("sqlite3 {db} 'CREATE TABLE l(x); INSERT INTO l VALUES(1);' && "
                "( (echo 'BEGIN EXCLUSIVE; INSERT INTO l VALUES(2);'; sleep 2; echo 'COMMIT;') | sqlite3 {db} & "
                "sleep 1; sqlite3 {db} 'INSERT INTO l VALUES(3);' 2>&1; echo busy status $?; "
                "sqlite3 -cmd '.timeout 10000' {db} 'INSERT INTO l VALUES(4); SELECT group_concat(x) FROM l;'; wait )")


@scenario("ports.sqlite", labels=["ports"], timeout=300)
def sqlite(ctx):
    """SQLite 3.40.1: the port's script (ports/sqlite/tests/bulk.sql: 100,000 rows
    in ten transactions with synchronous=FULL, two indexes, queries, an update, a
    delete, a rollback, integrity_check) prints on tmpfs and on FAT32 exactly
    what the host's sqlite3 prints; two writers on one database contend through
    record locks on both file systems; after power-off the host's sqlite3 opens
    the database on the FAT32 image and finds it intact, with no journal left."""
    host_sqlite = shutil.which("sqlite3")
    check(host_sqlite is not None, "the host has sqlite3 (ports/sqlite/host-packages.txt)")
    script = ctx.build_dir / "ports" / "root" / SQLITE_DIR.lstrip("/") / "bulk.sql"
    with tempfile.TemporaryDirectory() as scratch:
        r = subprocess.run([host_sqlite, f"{scratch}/t.db"], stdin=open(script, "rb"), capture_output=True, timeout=120)
        check(r.returncode == 0, f"the host's sqlite3 runs bulk.sql ({r.stderr.decode(errors='replace')})")
        expected = r.stdout.decode()
    image = ctx.disk_copy()
    with ctx.boot("", kernel_log_all=False, disk=image) as s:
        prompt(s, timeout=30)
        for where in ("tmp", "mnt"):
            command(s, f"echo @@begin {where}; sqlite3 /{where}/t.db < {SQLITE_DIR}/bulk.sql; echo @@end {where} status $?",
                    rf"^@@end {where} status \d+$", timeout=180)
            locks = SQLITE_LOCKS.format(db=f"/{where}/lock.db").replace('"', '\\"').replace("$", "\\$")
            command(s, f'sh -c "{locks}"',
                    r"database is locked \(5\)\nbusy status 5\n1,2,4$", timeout=60)
            check(True, f"on /{where}: a second writer is refused while the first holds the lock, "
                        "and with a busy timeout writes once the first commits")
        command(s, "ls /mnt | grep -c journal; sync && echo synced", r"^0\nsynced$", timeout=60)
        powered_off(ctx, s)
    text = s.transcript().replace("\r", "")
    for where in ("tmp", "mnt"):
        m = re.search(rf"^@@begin {where}\n(.*?)^@@end {where} status (\d+)$", text, re.M | re.S)
        got = m.group(1) if m else ""
        check(m is not None and m.group(2) == "0", f"bulk.sql on /{where} exits 0")
        if got != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), "host", "kenix"))
            check(False, f"bulk.sql on /{where} prints what the host's sqlite3 prints:\n{diff}")
        else:
            check(True, f"bulk.sql on /{where} prints exactly what the host's sqlite3 prints ({len(got.splitlines())} lines)")
    with tempfile.TemporaryDirectory() as scratch:
        env = {"MTOOLS_SKIP_CHECK": "1", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}
        r = subprocess.run(["mcopy", "-i", image, "::/t.db", f"{scratch}/t.db"], capture_output=True, timeout=60, env=env)
        check(r.returncode == 0, f"mcopy takes the guest's database off the FAT32 image ({r.stderr.decode(errors='replace')})")
        r = subprocess.run([host_sqlite, f"{scratch}/t.db", "PRAGMA integrity_check; SELECT count(*), sum(k) FROM t;"],
                           capture_output=True, timeout=60)
        out = r.stdout.decode()
        check(r.returncode == 0 and out == "ok\n90000|45000000\n",
              f"the host's sqlite3: PRAGMA integrity_check says ok, 90,000 rows ({out!r} {r.stderr.decode(errors='replace')})")


SHELL_SCRIPTS = ("pipeline", "jobs", "files")   # tests/shell, in /usr/lib/kenix/shell (shell.*)


@scenario("ports.bash_static", labels=["ports"], timeout=240)
def bash_static(ctx):
    """Debian 12's arm64 bash-static, glibc and not rebuilt, runs on Kenix's
    Linux ABI: the shell scenarios' scripts (pipelines, here-documents, traps,
    background jobs, find/sed/tar/cp -a, ETXTBSY) give byte for byte the
    standard output and exit status BusyBox sh gives; it also runs from the
    FAT32 disk. The package comes through apt like the Linux baseline's kernel
    (tools/linux_baseline.py fetch_arm64_file) and is kept in build/debs."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    import linux_baseline
    bash = linux_baseline.fetch_arm64_file("bash-static", "bin/bash-static", ctx.build_dir / "debs")
    image = ctx.disk_copy()
    r = subprocess.run(["mcopy", "-i", image, str(bash), "::/bash"], capture_output=True, timeout=60,
                       env={"MTOOLS_SKIP_CHECK": "1", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    check(r.returncode == 0, f"bash-static copied onto the disk image ({r.stderr.decode(errors='replace')})")
    with ctx.boot("", kernel_log_all=False, disk=image) as s:
        prompt(s, timeout=30)
        command(s, "/mnt/bash -c 'echo \"$BASH_VERSION from FAT32, $(echo substituted)\"'",
                r"^5\.2\.\d+\(1\)-release from FAT32, substituted$", timeout=60)
        check(True, "bash-static runs from the FAT32 disk (read, not mapped) with a command substitution")
        command(s, "cp /mnt/bash /tmp/bash && echo copied", r"^copied$", timeout=60)
        for name in SHELL_SCRIPTS:
            script = f"/usr/lib/kenix/shell/{name}.sh"
            # Standard output compared; standard error holds each shell's own
            # diagnostics (ash reports a killed background job, "Terminated",
            # where bash, on Linux too, says nothing): bash's must be empty.
            command(s, f"sh {script} > /tmp/{name}.sh.out 2>/dev/null; echo \"sh status $?\"; "
                       f"/tmp/bash {script} > /tmp/{name}.bash.out 2>/tmp/{name}.bash.err; echo \"bash status $?\"; "
                       f"cmp /tmp/{name}.sh.out /tmp/{name}.bash.out && echo same {name} $(wc -l < /tmp/{name}.sh.out) || "
                       f"diff /tmp/{name}.sh.out /tmp/{name}.bash.out; cat /tmp/{name}.bash.err; echo end {name}",
                    rf"^sh status 0\nbash status 0\nsame {name} \d+\nend {name}$", timeout=90)
            check(True, f"{name}.sh: bash-static prints exactly what BusyBox sh prints, nothing on standard error, "
                        "both exit 0")
        powered_off(ctx, s)



@scenario("ports.less", labels=["ports", "console"], timeout=120)
def less(ctx):
    """less 590 on the console, over the ncurses port's libtinfo (the vt100 entry
    compiled in): a file of 100 numbered lines opens with its first screenful
    and its name in standout at the bottom; space pages on; a search jumps to
    the line; G goes to the end, (END); q quits to the shell. Then the same from
    a pipe, less reading its keys from /dev/tty."""
    with ctx.boot("", kernel_log_all=False) as s:
        prompt(s, timeout=30)
        command(s, "for i in $(seq 1 100); do echo \"line $i of the file\"; done > /tmp/lines.txt && echo made", r"^made$")
        s.send("less /tmp/lines.txt\r")
        s.expect(r"line 1 of the file", timeout=20)
        s.expect(r"line 23 of the file", timeout=20)
        # The prompt: the file's name in standout (vt100's smso, ESC [ 7 m).
        s.expect(r"\x1b\[7m/tmp/lines\.txt", timeout=20)
        check(True, "less opens the file: lines 1-23, then its name in standout at the bottom")
        s.send(" ")
        s.expect(r"line 46 of the file", timeout=20)
        check(True, "space shows the next screenful")
        s.send("/line 77 of\r")
        # The match is shown in standout: ESC [ 7 m line 77 of ESC [ m the file.
        s.expect(r"\x1b\[7mline 77 of\x1b\[m the file", timeout=20)
        s.expect(r"line 99 of the file", timeout=20)
        check(True, "a search jumps to line 77, the match in standout, and shows the screenful from it")
        s.send("G")
        s.expect(r"line 100 of the file", timeout=20)
        s.expect(r"\(END\)", timeout=20)
        check(True, "G goes to the end: (END)")
        s.send("q")
        prompt(s, timeout=20)
        command(s, "echo status $?", r"^status 0$")
        s.send("seq 1000 | less\r")
        s.expect(r"^23\r?$", timeout=20)
        s.send("G")
        s.expect(r"1000", timeout=20)
        s.expect(r"\(END\)", timeout=20)
        s.send("q")
        prompt(s, timeout=20)
        check(True, "from a pipe: less reads the data from standard input and its keys from /dev/tty")
        powered_off(ctx, s)
