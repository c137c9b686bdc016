"""The developer tools inside and around Kenix: gdb on a user process through
QEMU's stub (tools/kenix_gdb.py, `./kenix debug --user`).
"""
import json
import os
import re
import socket
import subprocess
from pathlib import Path

from scenario import check, scenario


@scenario("tools.debug_user", labels=["tools"], timeout=120)
def debug_user(ctx):
    """gdb on a user process (tools/kenix_gdb.py, `./kenix debug --user`):
    through QEMU's gdb stub, a breakpoint at main of /bin/hello stops there in
    that program only -- the shell that starts it twice runs the same
    addresses in its own text without stopping -- kenix-process names the
    process, the backtrace and registers are the program's, and after detach
    the system runs on to power-off."""
    with socket.socket() as probe:  # a free port for the stub
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    with ctx.boot('kenix.init=/bin/sh kenix.poweroff -- -c "/bin/hello; /bin/hello"', disk=False,
                  gdb_port=port) as s:
        r = subprocess.run(
            ["gdb-multiarch", "-q", "-batch", "-nx", str(ctx.build_dir / "kernel" / "kenix.elf"),
             "-x", str(root / "tools" / "kenix_gdb.py"),
             "-ex", f"target remote 127.0.0.1:{port}", "-ex", "kenix-user /bin/hello main",
             "-ex", "continue", "-ex", "kenix-process", "-ex", "bt 2", "-ex", "info registers pc",
             "-ex", "continue", "-ex", "kenix-process", "-ex", "detach"],
            capture_output=True, text=True, timeout=90, env=dict(os.environ, KENIX_BUILD_DIR=str(ctx.build_dir)))
        out = r.stdout + r.stderr
        print("  gdb:\n    " + "\n    ".join(out.splitlines()), flush=True)
        hits = re.findall(r"^Breakpoint 1, main \(\) at .*hello\.c:\d+$", out, re.M)
        check(len(hits) == 2, f"the breakpoint at main stopped in each of the two runs of /bin/hello ({len(hits)})")
        names = re.findall(r"^kenix: process (\d+) \((\S+)\)$", out, re.M)
        check(len(names) == 2 and all(n == "/bin/hello" for _, n in names),
              f"kenix-process names the process at each stop: {names}")
        check(re.search(r"^#0  main \(\) at .*hello\.c", out, re.M) is not None, "the backtrace is the program's")
        check(re.search(r"^pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <main\+\d+>$", out, re.M) is not None,
              "pc is in the program's main")
        s.expect(r"^hello from musl: 2\+2=4, sqrt-ish ok$")
        s.expect(r"^hello from musl: 2\+2=4, sqrt-ish ok$")
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "after gdb detached, both runs finished and the machine powered off")


@scenario("tools.trace", labels=["tools"], timeout=240)
def trace(ctx):
    """`./kenix trace -- 'echo hello | wc -c'` (tools/trace.py, ktrace, kx_trace):
    the kernel's records come back over the console and become Perfetto JSON
    with the pipeline's processes named, their system calls as slices (clone,
    execve, writev, wait4), the vfs's IPC with them, context switches and page
    faults; nothing dropped."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    import trace as tracer
    data, summary = tracer.run_in_kenix(ctx.build_dir, "echo hello | wc -c", 1 << 16)
    print(f"  {summary}", flush=True)
    m = re.match(r"ktrace: (\d+) records, (\d+) dropped, sh exited with status 0$", summary)
    check(m is not None and int(m.group(1)) > 50 and m.group(2) == "0",
          f"ktrace ran the pipeline with the trace on: {summary}")
    records = tracer.parse(data)
    check(len(records) == int(m.group(1)), f"all {len(records)} records came to the host")
    check(all(a[0] <= b[0] for a, b in zip(records, records[1:])), "timestamps never go back")
    events = tracer.to_perfetto(records)["traceEvents"]
    json.dumps(events)  # what Perfetto loads
    names = {e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    check({"sh", "wc", "vfs", "ktrace"} <= names, f"processes named by their programs: {sorted(names)}")
    calls = {e["name"] for e in events if e.get("cat") == "syscall"}
    check({"clone", "execve", "wait4", "writev"} <= calls, f"system calls as slices: {sorted(calls)[:30]}")
    pids = {e["args"]["name"]: e["pid"] for e in events if e.get("name") == "thread_name"}
    ipc_to_vfs = [e for e in events if e.get("cat") == "ipc" and e.get("ph") == "f" and e["pid"] == pids.get("vfs")]
    check(len(ipc_to_vfs) > 0, f"IPC messages to the vfs, as arrows ({len(ipc_to_vfs)})")
    check(any(e.get("cat") == "sched" for e in events), "context switches: which process ran when")
    check(any(e.get("cat") == "fault" for e in events), "page faults")
    check(any(e.get("cat") == "syscall" and e["name"] in ("write", "writev") and e["pid"] == pids.get("wc")
              for e in events), "wc's write of its count (musl's stdio: writev)")
