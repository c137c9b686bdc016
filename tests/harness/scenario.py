"""What a scenario module sees: the @scenario registry and a Context that boots Kenix."""
import sys
from pathlib import Path

from harness import ScenarioFailure, Session, new_nonce
from kenix_qemu import qemu_argv

REGISTRY = {}


def scenario(name):
    def register(fn):
        REGISTRY[name] = fn
        return fn
    return register


def check(condition, message):
    """Asserts one fact about the guest and says what was checked."""
    if not condition:
        raise ScenarioFailure(message)
    print(f"  ok: {message}")


class Context:
    def __init__(self, name, build_dir):
        self.name = name
        self.build_dir = build_dir
        self.log_path = str(build_dir / "tests" / "logs" / f"{name}.log")
        self.last_session = None
        self.nonce = new_nonce()

    def boot(self, append="", deadline=60.0, **qemu_options):
        """Starts Kenix with kenix.nonce on the command line; use as a context manager."""
        cmdline = f"kenix.nonce={self.nonce} {append}".strip()
        argv = qemu_argv(self.build_dir, append=cmdline, interactive=False, **qemu_options)
        print("  qemu: " + " ".join(argv), file=sys.stderr)
        self.last_session = Session(argv, deadline=deadline, log_path=self.log_path)
        return self.last_session

    def success_marker(self):
        return rf"KENIX-BOOT-OK nonce={self.nonce}\b"
