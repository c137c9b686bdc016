"""Expect-style driver for a guest on a serial console.

A Session starts the emulator with the console on its stdin/stdout, collects
everything it prints on a reader thread, and lets a scenario wait for regular
expressions with timeouts. QEMU is always killed at the end (process group),
whatever happens, and the transcript is kept for the log and for failures.
"""
import os
import re
import secrets
import signal
import subprocess
import threading
import time


class ScenarioFailure(Exception):
    pass


def new_nonce():
    """A per-run token the guest echoes in its success marker: output from an
    earlier run, or from another guest, can never satisfy the check."""
    return secrets.token_hex(8)


class Session:
    def __init__(self, argv, deadline=60.0, log_path=None):
        self.argv = list(argv)
        self.deadline = time.monotonic() + deadline
        self.log_path = log_path
        self._buf = []
        self._text = ""
        self._pos = 0  # expect() consumes output up to the end of each match
        self._lock = threading.Condition()
        self._eof = False
        self.proc = None
        self.started = None

    def __enter__(self):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.kill()
        if self.log_path:
            os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
            with open(self.log_path, "w", encoding="utf-8") as f:
                f.write(self.transcript())
        return False

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(4096)
            with self._lock:
                if not chunk:
                    self._eof = True
                    self._lock.notify_all()
                    return
                # Serial lines end in "\r\n", and a chunk may split the pair: drop every "\r".
                self._text += chunk.decode("utf-8", errors="replace").replace("\r", "")
                self._lock.notify_all()

    def transcript(self):
        with self._lock:
            return self._text

    def elapsed(self):
        return time.monotonic() - self.started

    def _remaining(self, timeout):
        return max(0.0, min(timeout, self.deadline - time.monotonic()))

    def expect(self, pattern, timeout=20.0):
        """Waits for pattern in the output not consumed yet; returns the match."""
        regex = re.compile(pattern, re.MULTILINE)
        end = time.monotonic() + self._remaining(timeout)
        with self._lock:
            while True:
                m = regex.search(self._text, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                left = end - time.monotonic()
                if left <= 0 or self._eof:
                    why = "the emulator exited" if self._eof else f"timed out after {timeout:.0f} s"
                    raise ScenarioFailure(f"expected /{pattern}/ but {why}; last output:\n"
                                          + self._text[-2048:])
                self._lock.wait(left)

    def expect_not(self, pattern):
        """Fails if pattern occurs anywhere in the output so far."""
        m = re.search(pattern, self.transcript(), re.MULTILINE)
        if m:
            raise ScenarioFailure(f"unexpected output /{pattern}/: {m.group(0)!r}")

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_exit(self, timeout=20.0):
        try:
            return self.proc.wait(self._remaining(timeout))
        except subprocess.TimeoutExpired:
            raise ScenarioFailure(f"the emulator did not exit within {timeout:.0f} s; last output:\n"
                                  + self.transcript()[-2048:])
        finally:
            self._reader.join(2)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
