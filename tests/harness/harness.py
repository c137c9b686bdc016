"""Expect-style driver for a guest on a serial console.

A Session starts the emulator with the console on its stdin/stdout, collects
everything it prints on a reader thread, and lets a scenario wait for regular
expressions with timeouts. QEMU is always killed at the end (its whole process
group), whatever happens, and the transcript is kept for the log and for
failures. Every wait is bounded by the session's absolute deadline, so a hung
guest costs a known amount of time.
"""
import bisect
import codecs
import ctypes
import os
import re
import secrets
import shlex
import signal
import subprocess
import threading
import time

TAIL = 2048  # how much recent output a failure message shows


class ScenarioFailure(Exception):
    pass


def new_nonce():
    """A per-run token the guest echoes in its success marker: output from an
    earlier run, or from another guest, can never satisfy the check."""
    return secrets.token_hex(8)


def _find_prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up here, in the parent: the child of a threaded process must not dlopen.
_prctl = _find_prctl()


def _die_with_parent():
    """Runs in the child before exec: if the harness is SIGKILLed (no chance to
    clean up), the kernel kills the emulator too. Linux only; best effort."""
    PR_SET_PDEATHSIG = 1
    if _prctl:
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))


class Session:
    """One emulator run. Use as a context manager: leaving it kills the emulator.

    deadline: absolute time.monotonic() after which every wait fails.
    log_path: the transcript is appended there as it arrives (survives a kill).
    on_match: called with the matched line of each successful expect().
    on_exit: called once leaving the context manager has killed the emulator
    (the Context deletes the padded initrd it made for this session).
    """

    def __init__(self, argv, deadline=None, log_path=None, on_match=None, on_exit=None):
        self.argv = list(argv)
        self.deadline = deadline if deadline is not None else time.monotonic() + 60.0
        self.log_path = log_path
        self.on_match = on_match
        self.on_exit = on_exit
        self._text = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pos = 0           # expect() consumes output up to the end of each match
        self._offsets = []      # end offset of each chunk read ...
        self._times = []        # ... and when it arrived, for timing matches
        self._cond = threading.Condition()
        self._eof = False
        self._log = None
        self._reader = None
        self.proc = None
        self.started = None

    # -- lifetime ---------------------------------------------------------

    def __enter__(self):
        if self.log_path:
            os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
            self._log = open(self.log_path, "a", encoding="utf-8")
            self._log.write("=== " + shlex.join(self.argv) + "\n")
            self._log.flush()
        self.started = time.monotonic()
        try:
            # A new session lets kill() take the emulator's whole process group;
            # stderr joins stdout so QEMU's own complaints land in the transcript.
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_die_with_parent, bufsize=0)
        except OSError as e:
            self._close_log()
            raise ScenarioFailure(f"cannot start {self.argv[0]}: {e}")
        self._fd = self.proc.stdout.fileno()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.kill()
            self._close_log()
        finally:
            if self.on_exit:
                self.on_exit()
        return False

    def kill(self):
        """Kills the emulator and everything it started; safe to call twice."""
        if self.proc is None:
            return
        # returncode, not poll(): until we reap it, even an exited leader keeps its
        # pid (the group id) reserved, so the group kill cannot hit a reused pid.
        if self.proc.returncode is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        if self._reader:
            self._reader.join(2)  # the pipe is at EOF now, so this is quick
        # Unless something outside the group still holds the pipe and the reader
        # is stuck in read(): then closing the fd under it would be a race, and
        # leaving it to the daemon thread costs one descriptor.
        if not (self._reader and self._reader.is_alive()):
            self.proc.stdout.close()

    def _close_log(self):
        if self._log:
            with self._cond:
                self._log.write("\n=== exit status %s\n" % (self.proc.returncode if self.proc else None))
                self._log.close()
                self._log = None

    def _read(self):
        while True:
            try:
                # os.read on the raw descriptor: returns whatever has arrived, and
                # takes no lock that kill() or interpreter exit could wait on.
                chunk = os.read(self._fd, 4096)
            except OSError:
                chunk = b""
            now = time.monotonic()
            with self._cond:
                if not chunk:
                    self._eof = True
                    self._cond.notify_all()
                    return
                # Serial lines end in "\r\n", and a chunk may split the pair: drop every "\r".
                # The decoder keeps a UTF-8 character split across chunks until its
                # last byte arrives (non-ASCII names on the console: disk.durability);
                # bytes that are not UTF-8 become U+FFFD.
                text = self._decoder.decode(chunk).replace("\r", "")
                self._text += text
                self._offsets.append(len(self._text))
                self._times.append(now)
                if self._log:
                    self._log.write(text)
                    self._log.flush()
                self._cond.notify_all()

    # -- observing --------------------------------------------------------

    def transcript(self):
        with self._cond:
            return self._text

    def tail(self, n=TAIL):
        return self.transcript()[-n:]

    def elapsed(self):
        return time.monotonic() - self.started

    def arrival(self, match):
        """Seconds from the emulator's start until the end of match was read."""
        with self._cond:
            i = bisect.bisect_left(self._offsets, match.end())
            t = self._times[min(i, len(self._times) - 1)]
        return t - self.started

    def _line_of(self, m):
        start = self._text.rfind("\n", 0, m.start()) + 1
        end = self._text.find("\n", m.end())
        return self._text[start:end if end >= 0 else len(self._text)]

    def expect(self, pattern, timeout=20.0):
        """Waits for pattern (multi-line mode: ^ and $ match at lines) in the
        output not consumed yet; returns the match and consumes up to its end.
        Fails after timeout seconds, at the session deadline, or at EOF.
        A pattern with `$` is only tried on complete lines (until EOF): the
        console may deliver a line in pieces, and `$` must not take the end of
        the output so far for the end of a line."""
        regex = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern
        whole_lines = re.search(r"(?<!\\)\$", regex.pattern) is not None
        end = min(time.monotonic() + timeout, self.deadline)
        with self._cond:
            while True:
                limit = self._text.rfind("\n") + 1 if whole_lines and not self._eof else len(self._text)
                m = regex.search(self._text, self._pos, max(limit, self._pos))
                if m:
                    self._pos = m.end()
                    line = self._line_of(m)
                    break
                left = end - time.monotonic()
                if self._eof or left <= 0:
                    if self._eof:
                        why = "the emulator exited"
                    elif end == self.deadline:
                        why = "the scenario's deadline passed"
                    else:
                        why = f"timed out after {timeout:g} s"
                    raise ScenarioFailure(f"expected /{regex.pattern}/ but {why}; last output:\n"
                                          + self._text[-TAIL:])
                self._cond.wait(left)
        if self.on_match:
            self.on_match(line)
        return m

    def find(self, pattern):
        """Returns the first match of pattern anywhere in the output so far,
        without waiting or consuming; fails if there is none. For facts whose
        order does not matter: wait for a later line with expect(), then find()."""
        with self._cond:
            m = re.search(pattern, self._text, re.MULTILINE)
            if not m:
                raise ScenarioFailure(f"expected /{pattern}/ in the output; last output:\n"
                                      + self._text[-TAIL:])
            line = self._line_of(m)
        if self.on_match:
            self.on_match(line)
        return m

    def expect_not(self, pattern):
        """Fails if pattern occurs anywhere in the output so far."""
        m = re.search(pattern, self.transcript(), re.MULTILINE)
        if m:
            raise ScenarioFailure(f"unexpected output /{pattern}/: {m.group(0)!r}")

    def count(self, pattern):
        """How often pattern occurs in the output so far."""
        return len(re.findall(pattern, self.transcript(), re.MULTILINE))

    # -- acting -----------------------------------------------------------

    def send(self, text):
        """Types text on the guest's serial console."""
        data = text.encode()
        try:
            while data:  # the pipe is unbuffered: a write may take only part
                data = data[self.proc.stdin.write(data):]
        except (OSError, ValueError):  # ValueError: stdin already closed by kill()
            raise ScenarioFailure(f"cannot send {text!r}: the emulator has exited; last output:\n"
                                  + self.tail())

    def wait_exit(self, timeout=20.0):
        """Waits for the emulator to exit by itself; returns its exit status."""
        left = max(0.0, min(timeout, self.deadline - time.monotonic()))
        try:
            status = self.proc.wait(left)
        except subprocess.TimeoutExpired:
            raise ScenarioFailure(f"the emulator did not exit within {left:.1f} s; last output:\n"
                                  + self.tail())
        self._reader.join(2)  # collect the last output before anyone reads the transcript
        return status
