"""What a scenario module sees: the @scenario registry, check(), and a Context
that boots Kenix with this run's nonce and keeps the log."""
import os
import shlex
import sys
import time
from collections import namedtuple
from pathlib import Path

from harness import ScenarioFailure, Session, new_nonce
from kenix_qemu import qemu_argv

Scenario = namedtuple("Scenario", "name fn labels timeout")
REGISTRY = {}

# The harness gives up this long before CTest's TIMEOUT, so a hung guest fails
# with a transcript and a clean kill rather than CTest's bare "Timeout".
DEADLINE_MARGIN = 5.0


def scenario(name, labels=None, timeout=60):
    """Registers fn as scenario `name`. labels default to the part before the
    first dot (`boot.banner` -> boot); timeout is CTest's, in seconds."""
    def register(fn):
        if name in REGISTRY:
            raise ValueError(f"scenario {name} defined twice")
        REGISTRY[name] = Scenario(name, fn, tuple(labels or (name.split(".")[0],)), timeout)
        return fn
    return register


def check(condition, message):
    """Asserts one fact about the guest and says what was checked."""
    if not condition:
        raise ScenarioFailure(message)
    print(f"  ok: {message}", flush=True)


class Context:
    def __init__(self, name, build_dir, timeout=60, qemu=None, log_dir=None):
        self.name = name
        self.build_dir = Path(build_dir)
        self.qemu = qemu
        self.deadline = time.monotonic() + max(1.0, timeout - DEADLINE_MARGIN)
        log_dir = Path(log_dir) if log_dir else self.build_dir / "tests" / "logs"
        self.log_path = str(log_dir / f"{name}.log")
        os.makedirs(log_dir, exist_ok=True)
        open(self.log_path, "w").close()  # one log per scenario run; sessions append
        self.sessions = []
        self.nonce = new_nonce()

    def boot(self, append="", **qemu_options):
        """Kenix with kenix.nonce=<this run's nonce> and append on its command
        line; a Session, to be used as a context manager. qemu_options are
        kenix_qemu.qemu_argv()'s (mem, gic, el2, icount, initrd, disk, extra)."""
        cmdline = f"kenix.nonce={self.nonce} {append}".strip()
        argv = qemu_argv(self.build_dir, append=cmdline, interactive=False, qemu=self.qemu,
                         **qemu_options)
        print("  qemu: " + shlex.join(argv), flush=True)  # pastable, to reproduce by hand
        session = Session(argv, deadline=self.deadline, log_path=self.log_path,
                          on_match=lambda line: print(f"  saw: {line}", flush=True))
        self.sessions.append(session)
        return session

    def success_marker(self):
        """The regex of the line the kernel prints when its boot succeeded."""
        return rf"^KENIX-BOOT-OK nonce={self.nonce}$"

    def print_transcripts(self, out=sys.stdout):
        for i, s in enumerate(self.sessions, 1):
            print(f"--- console transcript {i}/{len(self.sessions)}: {shlex.join(s.argv)}", file=out)
            print(s.transcript(), file=out)
        print(f"--- end of transcript (also in {self.log_path})", file=out)
