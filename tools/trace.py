#!/usr/bin/env python3
"""`./kenix trace [--out DIR] -- COMMAND...`: a system-wide trace of COMMAND in
Kenix, as a Chrome/Perfetto JSON file to open in https://ui.perfetto.dev.

Boots the test image (the build's initrd, which has /bin/ktrace), runs
`ktrace /tmp/kenix.trace -- sh -c 'COMMAND'` at the shell -- the kernel records
system calls, IPC messages, context switches, interrupts, page faults and
process names while it runs (<kenix/trace.h>) -- brings the records to the host
over the console (base64), powers off, and writes:

  DIR/trace.bin   the records as the kernel wrote them (struct kx_trace_record)
  DIR/trace.json  the Chrome trace-event format Perfetto reads: a track per
                  process (named by its program) with its system calls as
                  slices and its page faults as instants, IPC messages as
                  arrows from sender to receiver, and a "CPU" process whose
                  tracks show which process ran when and the interrupts.

DIR defaults to build/trace. `--records N` sizes the kernel's buffer.
"""
import argparse
import base64
import json
import re
import shlex
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "harness"))

RECORD = struct.Struct("<QIIQQ")  # struct kx_trace_record: ns, type, pid, a, b
(SYSCALL, SYSCALL_RET, SWITCH, IRQ, IRQ_END, FAULT, IPC, NAME, EXIT) = range(1, 10)
CPU_PID = 100000  # the "CPU" pseudo-process of the JSON (no real pid is this large)


def syscall_names():
    """Number -> name, from the kernel's own lists (Linux's and Kenix's)."""
    names = {}
    text = (ROOT / "kernel" / "core" / "linux_syscalls.h").read_text()
    for nr, name in re.findall(r"X\((\d+),\s*(\w+)\)", text):
        names[int(nr)] = name
    uapi = (ROOT / "kernel" / "include" / "uapi" / "kenix" / "syscall.h").read_text()
    base = int(re.search(r"#define KENIX_SYS_BASE (0x[0-9a-f]+|\d+)", uapi).group(1), 0)
    for n, name in re.findall(r"X\((\d+),\s*(\w+)\)", uapi):
        names[base + int(n)] = "kx_" + name
    return names


def parse(data):
    n = len(data) // RECORD.size
    return [RECORD.unpack_from(data, i * RECORD.size) for i in range(n)]


def to_perfetto(records):
    """The Chrome trace-event JSON (a dict) for the records."""
    names = syscall_names()
    events = []
    if not records:
        return {"traceEvents": [], "displayTimeUnit": "ns"}
    t0 = records[0][0]

    def us(ns):
        return (ns - t0) / 1000.0

    proc_names = {0: "kernel (idle and kernel threads)"}
    open_calls = {}       # pid -> [(ns, nr, arg)]
    running = None        # (pid, ns) on the CPU
    irq_open = {}         # irq -> ns
    flow = 0
    for ns, typ, pid, a, b in records:
        if typ == NAME:
            raw = struct.pack("<QQ", a, b).split(b"\0", 1)[0].decode(errors="replace")
            if pid not in proc_names or proc_names[pid] != raw:
                if pid in proc_names:
                    events.append({"ph": "i", "s": "t", "name": f"exec {raw}", "pid": pid, "tid": pid, "ts": us(ns)})
                proc_names[pid] = raw
        elif typ == SYSCALL:
            open_calls.setdefault(pid, []).append((ns, a, b))
        elif typ == SYSCALL_RET:
            stack = open_calls.get(pid)
            if stack:
                start, nr, arg = stack.pop()
                ret = b - (1 << 64) if b >= 1 << 63 else b
                events.append({"ph": "X", "name": names.get(nr, f"syscall {nr}"), "cat": "syscall", "pid": pid,
                               "tid": pid, "ts": us(start), "dur": max(us(ns) - us(start), 0.001),
                               "args": {"nr": nr, "arg0": hex(arg), "result": ret}})
        elif typ == SWITCH:
            if running is not None:
                rpid, since = running
                events.append({"ph": "X", "name": proc_names.get(rpid, f"pid {rpid}"), "cat": "sched",
                               "pid": CPU_PID, "tid": 1, "ts": us(since), "dur": max(us(ns) - us(since), 0.001),
                               "args": {"pid": rpid}})
            running = (pid, ns)
        elif typ == IRQ:
            irq_open[a] = ns
        elif typ == IRQ_END:
            start = irq_open.pop(a, None)
            if start is not None:
                events.append({"ph": "X", "name": f"irq {a}", "cat": "irq", "pid": CPU_PID, "tid": 2,
                               "ts": us(start), "dur": max(us(ns) - us(start), 0.001)})
        elif typ == FAULT:
            kind = "write" if b & 1 else "exec" if b & 2 else "read"
            events.append({"ph": "i", "s": "t", "name": f"page fault ({kind})", "cat": "fault", "pid": pid,
                           "tid": pid, "ts": us(ns), "args": {"address": hex(a), "resolved": bool(b & 4)}})
        elif typ == IPC:
            flow += 1
            label = f"ipc label {b:#x}"
            events.append({"ph": "i", "s": "t", "name": f"{label} -> {proc_names.get(a, a)}", "cat": "ipc",
                           "pid": pid, "tid": pid, "ts": us(ns), "args": {"to": a, "label": hex(b)}})
            events.append({"ph": "s", "id": flow, "name": label, "cat": "ipc", "pid": pid, "tid": pid, "ts": us(ns)})
            events.append({"ph": "f", "bp": "e", "id": flow, "name": label, "cat": "ipc", "pid": a, "tid": a,
                           "ts": us(ns)})
        elif typ == EXIT:
            events.append({"ph": "i", "s": "t", "name": f"exit (status {a:#x})", "pid": pid, "tid": pid,
                           "ts": us(ns)})
    if running is not None:
        rpid, since = running
        events.append({"ph": "X", "name": proc_names.get(rpid, f"pid {rpid}"), "cat": "sched", "pid": CPU_PID,
                       "tid": 1, "ts": us(since), "dur": max(us(records[-1][0]) - us(since), 0.001)})
    meta = [{"ph": "M", "name": "process_name", "pid": CPU_PID, "args": {"name": "CPU"}},
            {"ph": "M", "name": "thread_name", "pid": CPU_PID, "tid": 1, "args": {"name": "running"}},
            {"ph": "M", "name": "thread_name", "pid": CPU_PID, "tid": 2, "args": {"name": "interrupts"}}]
    for pid, name in proc_names.items():
        meta.append({"ph": "M", "name": "process_name", "pid": pid, "args": {"name": f"{name} ({pid})"}})
        meta.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": pid, "args": {"name": name}})
    return {"traceEvents": meta + events, "displayTimeUnit": "ns"}


def run_in_kenix(build_dir, command, records):
    """Boots Kenix, traces `sh -c COMMAND`, returns (the records' bytes, ktrace's summary line)."""
    import time
    from harness import Session
    from kenix_qemu import qemu_argv
    argv = qemu_argv(build_dir, append="", interactive=False, disk=False)  # the test initrd: /bin/ktrace
    with Session(argv, deadline=time.monotonic() + 900) as s:
        s.expect(r"^/ # ", timeout=60)
        s.send(f"ktrace -n {records} /tmp/kenix.trace -- sh -c {shlex.quote(command)}\r")
        summary = s.expect(r"^ktrace: (\d+) records, (\d+) dropped, .*$", timeout=300).group(0)
        s.expect(r"^/ # ", timeout=60)
        s.send("echo @@begin; base64 /tmp/kenix.trace; echo @@end\r")
        m = s.expect(re.compile(r"^@@begin\r?\n(.*?)^@@end", re.M | re.S), timeout=600)
        data = base64.b64decode("".join(m.group(1).split()))
        s.expect(r"^/ # ", timeout=60)
        s.send("poweroff\r")
        s.expect(r"reboot: Power down", timeout=60)
    return data, summary.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", type=Path, default=ROOT / "build")
    ap.add_argument("--out", type=Path, help="where trace.bin and trace.json go (default BUILD/trace)")
    ap.add_argument("--records", type=int, default=1 << 16, help="room in the kernel's buffer")
    ap.add_argument("--from-bin", type=Path, help="convert these records instead of running anything")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND...: a shell command line for Kenix")
    args = ap.parse_args()
    out = args.out or args.build_dir / "trace"
    out.mkdir(parents=True, exist_ok=True)
    if args.from_bin:
        data = args.from_bin.read_bytes()
    else:
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            ap.error("give the command to trace after --")
        data, summary = run_in_kenix(args.build_dir, " ".join(command), args.records)
        print(summary)
        (out / "trace.bin").write_bytes(data)
    trace = to_perfetto(parse(data))
    (out / "trace.json").write_text(json.dumps(trace))
    print(f"trace: {len(data) // RECORD.size} records -> {out / 'trace.json'} "
          f"({len(trace['traceEvents'])} events; open it in https://ui.perfetto.dev)")


if __name__ == "__main__":
    main()
