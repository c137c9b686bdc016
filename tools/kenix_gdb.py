"""gdb commands for debugging Kenix's user processes through QEMU's gdb stub.

Load it into gdb-multiarch with the kernel's symbols (`./kenix debug --user`
prints the whole command):

    gdb-multiarch -q build/kernel/kenix.elf -x tools/kenix_gdb.py -ex 'target remote :1234'

QEMU's stub sees the whole machine: the kernel and whichever process runs.
The kernel keeps the running thread in TPIDR_EL1 (kernel/core/thread.h), which
the stub exposes, so the commands below tell processes apart by it, reading
the thread and process structures by physical address (at EL0 the kernel's
pages are closed to the stub's reads):

    kenix-process                 which process the CPU is in now (pid, name)
    kenix-user PATH [FUNCTION]    load the program's symbols (a static program:
                                  at its link addresses) and, with FUNCTION,
                                  break there in that program only: a hardware
                                  breakpoint (the page need not be mapped yet,
                                  and a software one would be written into a
                                  frame other processes share) whose condition
                                  is that the current process runs PATH.

PATH is the program's path in Kenix (/bin/hello); its symbols come from the
build: /bin/NAME from build/guest/NAME, anything else from a host file given
as PATH=HOSTFILE (kenix-user /bin/x=/tmp/x main).
"""
import os

import gdb

BUILD = os.environ.get("KENIX_BUILD_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build")


LINEAR_BASE = 0xffff000000000000  # kernel/include/kenix/memlayout.h: VA = LINEAR_BASE + PA
LINEAR_SIZE = 0x0000800000000000


def read_kernel(va, n):
    """n bytes of kernel memory at a linear-map address, whatever the CPU's
    exception level: while a process runs at EL0 the stub translates with EL0's
    permissions, which kernel pages refuse, so the bytes are read by physical
    address (QEMU's PhyMemMode) and the mode put back."""
    if not LINEAR_BASE <= va < LINEAR_BASE + LINEAR_SIZE:
        return None
    gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
    try:
        return bytes(gdb.selected_inferior().read_memory(va - LINEAR_BASE, n))
    except gdb.MemoryError:
        return None
    finally:
        gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)


def field_offset(struct, field):
    for f in gdb.lookup_type(struct).fields():
        if f.name == field:
            return f.bitpos // 8
    raise gdb.GdbError(f"kenix: no field {field} in {struct} (kernel symbols not loaded?)")


def current_process():
    """(pid, name) of the process the CPU is in, or None in a kernel thread."""
    thread = int(gdb.parse_and_eval("$TPIDR_EL1")) & 0xffffffffffffffff
    raw = read_kernel(thread + field_offset("struct thread", "proc"), 8) if thread else None
    proc = int.from_bytes(raw, "little") if raw else 0
    if not proc:
        return None
    pid = read_kernel(proc + field_offset("struct process", "pid"), 4)
    name = read_kernel(proc + field_offset("struct process", "name"), gdb.lookup_type("struct process")["name"].type.sizeof)
    if pid is None or name is None:
        return None
    return int.from_bytes(pid, "little"), name.split(b"\0", 1)[0].decode(errors="replace")


class KenixIn(gdb.Function):
    """$kenix_in("PATH"): whether the CPU is in a process running PATH (a
    breakpoint condition: kenix-user sets it)."""

    def __init__(self):
        super().__init__("kenix_in")

    def invoke(self, path):
        p = current_process()
        return p is not None and p[1] == path.string()


class KenixProcess(gdb.Command):
    """Print the process the CPU is in now: its pid and program."""

    def __init__(self):
        super().__init__("kenix-process", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        p = current_process()
        if p is None:
            print("kenix: a kernel thread (no process)")
        else:
            print(f"kenix: process {p[0]} ({p[1]})")


class KenixUser(gdb.Command):
    """kenix-user PATH[=HOSTFILE] [FUNCTION]: the program's symbols, and a breakpoint
    at FUNCTION that stops only in a process running PATH."""

    def __init__(self):
        super().__init__("kenix-user", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args:
            raise gdb.GdbError("usage: kenix-user PATH[=HOSTFILE] [FUNCTION]")
        path, _, host = args[0].partition("=")
        if not host:
            host = os.path.join(BUILD, "guest", os.path.basename(path))
        if not os.path.exists(host):
            raise gdb.GdbError(f"kenix-user: no host file {host} for {path} (give PATH=HOSTFILE)")
        # A static program's addresses are its link addresses: load at 0 offset.
        gdb.execute(f"add-symbol-file {host} -o 0", to_string=True)
        print(f"kenix: symbols of {path} from {host}")
        if len(args) > 1:
            gdb.execute(f"hbreak {args[1]}")
            bp = gdb.breakpoints()[-1]
            bp.condition = f'$kenix_in("{path}")'
            print(f"kenix: breakpoint {bp.number} at {args[1]} in {path} only")


KenixProcess()
KenixUser()
KenixIn()
