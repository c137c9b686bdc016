"""What a scenario module sees: the @scenario registry, check(), and a Context
that boots Kenix with this run's nonce and keeps the log."""
import os
import shlex
import shutil
import sys
import tempfile
import threading
import time
from collections import namedtuple
from pathlib import Path

from harness import ScenarioFailure, Session, new_nonce
from kenix_qemu import qemu_argv

Scenario = namedtuple("Scenario", "name fn labels timeout properties")
REGISTRY = {}

# The harness gives up this long before CTest's TIMEOUT, so a hung guest fails
# with a transcript and a clean kill rather than CTest's bare "Timeout".
DEADLINE_MARGIN = 5.0


def scenario(name, labels=None, timeout=60, properties=None):
    """Registers fn as scenario `name`. labels default to the part before the
    first dot (`boot.banner` -> boot); timeout is CTest's, in seconds.
    properties are more CTest test properties, {NAME: value or [values]}
    (e.g. FIXTURES_SETUP, FIXTURES_REQUIRED, PROCESSORS); a value may not
    contain "|", "," or ";"."""
    props = {}
    for key, value in (properties or {}).items():
        values = [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        if not key.isidentifier() or not values or any(not v or set(v) & set("|,;") for v in values):
            raise ValueError(f"scenario {name}: bad property {key}={value!r}")
        props[key] = tuple(values)

    def register(fn):
        if name in REGISTRY:
            raise ValueError(f"scenario {name} defined twice")
        REGISTRY[name] = Scenario(name, fn, tuple(labels or (name.split(".")[0],)), timeout, props)
        return fn
    return register


def check(condition, message):
    """Asserts one fact about the guest and says what was checked."""
    if not condition:
        raise ScenarioFailure(message)
    print(f"  ok: {message}", flush=True)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # close() got there first


class Context:
    """One scenario run: its nonce, deadline and log, the sessions it booted,
    and the temporary files it made (padded initrds), deleted by close() at
    the latest. boot() and log() may be called from several threads at once."""

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
        self._lock = threading.Lock()  # for sessions, the temporary directory and the log
        self._tmpdir = None            # made on first use: most scenarios pad nothing

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Deletes the temporary files; safe to call twice. Sessions are the
        scenario's: each is killed when its `with` ends."""
        with self._lock:
            if self._tmpdir:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def boot(self, append="", initrd_padding=0, quiet=False, kernel_log_all=True, **qemu_options):
        """Kenix with kenix.nonce=<this run's nonce> and append on its command
        line; a Session, to be used as a context manager. qemu_options are
        kenix_qemu.qemu_argv()'s (mem, gic, el2, icount, initrd, disk, extra).

        initrd_padding=N boots padded_initrd(N) instead of the built initrd;
        the file goes when the session's `with` ends (a scenario booting many
        paddings keeps only the ones running).
        quiet=True is for scenarios that boot many times (boot.stress): the
        command line and matched lines are not printed, the transcript is not
        appended to the log, and print_transcripts() leaves the session out;
        the scenario reports what it needs itself (log(), Session.transcript()).
        kernel_log_all=True puts loglevel=8 on the command line, so every kernel
        message reaches the console as scenarios expect; False boots with the
        console a user gets (warnings and worse; the rest only in dmesg)."""
        padded = None
        if initrd_padding:
            if "initrd" in qemu_options:
                raise ValueError("initrd_padding pads the built initrd; do not also pass initrd")
            padded = qemu_options["initrd"] = self.padded_initrd(initrd_padding)
        # Before `append`: words after its "--" are init's arguments, not options.
        log = "loglevel=8 " if kernel_log_all else ""
        cmdline = f"kenix.nonce={self.nonce} {log}{append}".strip()
        try:
            argv = qemu_argv(self.build_dir, append=cmdline, interactive=False, qemu=self.qemu,
                             **qemu_options)
        except Exception:
            if padded:
                _remove(padded)
            raise
        # QEMU has read the whole initrd into guest RAM long before the session ends.
        on_exit = (lambda: _remove(padded)) if padded else None
        if quiet:
            return Session(argv, deadline=self.deadline, on_exit=on_exit)
        print("  qemu: " + shlex.join(argv), flush=True)  # pastable, to reproduce by hand
        session = Session(argv, deadline=self.deadline, log_path=self.log_path,
                          on_match=lambda line: print(f"  saw: {line}", flush=True), on_exit=on_exit)
        with self._lock:
            self.sessions.append(session)
        return session

    def disk_copy(self):
        """The path of a new writable copy of images/disk.img, deleted by
        close(): boot(..., disk=path) writes it for real, and the scenario
        then checks it with the host's fsck.fat and mtools."""
        source = self.build_dir / "images" / "disk.img"
        if not source.exists():
            raise FileNotFoundError(f"no disk image at {source}: build first")
        with self._lock:
            if not self._tmpdir:
                self._tmpdir = tempfile.mkdtemp(prefix=f"kenix-{self.name}-")
            fd, path = tempfile.mkstemp(dir=self._tmpdir, prefix="disk-", suffix=".img")
        with os.fdopen(fd, "wb") as f, open(source, "rb") as src:
            shutil.copyfileobj(src, f)
        return path

    def padded_initrd(self, padding):
        """The path of a new copy of images/initrd.cpio followed by `padding`
        zero bytes; close() deletes it if nobody did before.

        The kernel stops reading the archive at its TRAILER!!! record, so the
        padding is invisible to it (Linux initramfs tools pad the same way);
        what it changes is the initrd's size, hence where QEMU puts the device
        tree after it and how much the kernel reserves and maps before init
        runs: the boot's memory layout and timing. By hand the same file is
        `cp build/images/initrd.cpio x && truncate -s +N x`."""
        if not isinstance(padding, int) or isinstance(padding, bool) or padding < 0:
            raise ValueError(f"initrd padding must be a byte count >= 0, not {padding!r}")
        source = self.build_dir / "images" / "initrd.cpio"
        if not source.exists():
            raise FileNotFoundError(f"no initrd at {source}: build first")
        with self._lock:
            if not self._tmpdir:
                self._tmpdir = tempfile.mkdtemp(prefix=f"kenix-{self.name}-")
            # One file per call: two boots may run the same padding at once.
            fd, path = tempfile.mkstemp(dir=self._tmpdir, prefix=f"initrd+{padding}-", suffix=".cpio")
        with os.fdopen(fd, "r+b") as f, open(source, "rb") as src:
            shutil.copyfileobj(src, f)
            # Extending a file fills it with zeros (without writing them: a sparse file).
            f.truncate(f.tell() + padding)
        return path

    def log(self, text):
        """Appends text (a line, or a quiet session's transcript) to the log."""
        with self._lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")

    def success_marker(self):
        """The regex of the line the kernel prints when its boot succeeded."""
        return rf"^KENIX-BOOT-OK nonce={self.nonce}$"

    def print_transcripts(self, out=sys.stdout):
        for i, s in enumerate(self.sessions, 1):
            print(f"--- console transcript {i}/{len(self.sessions)}: {shlex.join(s.argv)}", file=out)
            print(s.transcript(), file=out)
        print(f"--- end of transcript (also in {self.log_path})", file=out)
