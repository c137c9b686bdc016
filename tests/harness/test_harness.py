#!/usr/bin/env python3
"""Self-test of the harness against a fake emulator (a Python child process).

Checks that expect() finds output, times out with a clear failure, notices an
emulator that exits, that the nonce marker cannot be satisfied by another
run's output, and that the emulator (and its children) are always killed.
"""
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ScenarioFailure, Session, new_nonce  # noqa: E402

passed = failed = 0


def case(name, fn):
    global passed, failed
    try:
        fn()
        print(f"ok   {name}")
        passed += 1
    except Exception as e:  # a failing case reports and the run goes on
        print(f"FAIL {name}: {e}")
        failed += 1


def fake(script, deadline=10.0):
    return Session([sys.executable, "-u", "-c", script], deadline=deadline)


def expects_output():
    with fake("import time\nprint('hello'); time.sleep(0.2); print('marker 42')") as s:
        assert s.expect(r"hello")
        assert s.expect(r"marker (\d+)").group(1) == "42"
        assert s.wait_exit(5) == 0


def times_out():
    with fake("import time\nprint('x'); time.sleep(30)") as s:
        t = time.monotonic()
        try:
            s.expect(r"never", timeout=0.5)
        except ScenarioFailure as e:
            assert "timed out" in str(e) and "x" in str(e)
        else:
            raise AssertionError("expect() did not time out")
        assert time.monotonic() - t < 3


def notices_exit():
    with fake("print('bye')") as s:
        try:
            s.expect(r"never", timeout=5)
        except ScenarioFailure as e:
            assert "exited" in str(e)
        else:
            raise AssertionError("expect() did not notice the exit")


def consumes_matches():
    with fake("print('one'); print('two')") as s:
        s.expect(r"one")
        s.expect(r"two")
        try:
            s.expect(r"one", timeout=0.5)  # already consumed: must not match again
        except ScenarioFailure:
            pass
        else:
            raise AssertionError("a consumed match was found twice")


def crlf_split_across_reads():
    # The serial console ends lines with CRLF; a read may end between the two.
    script = ("import sys, time\n"
              "sys.stdout.write('dtb: found\\r'); sys.stdout.flush(); time.sleep(0.3)\n"
              "sys.stdout.write('\\nnext\\r\\n'); sys.stdout.flush()")
    with fake(script) as s:
        s.expect(r"^dtb: found$", timeout=3)
        s.expect(r"^next$", timeout=3)


def nonce_is_per_run():
    a, b = new_nonce(), new_nonce()
    assert a != b and len(a) == 16
    with fake(f"print('KENIX-BOOT-OK nonce={a}')") as s:
        try:
            s.expect(rf"KENIX-BOOT-OK nonce={b}\b", timeout=1)
        except ScenarioFailure:
            pass
        else:
            raise AssertionError("another run's nonce matched")


def always_kills():
    with tempfile.TemporaryDirectory() as d:
        pidfile = os.path.join(d, "child")
        script = ("import os, subprocess, sys, time\n"
                  f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                  f"open({pidfile!r}, 'w').write(str(p.pid))\n"
                  "print('ready'); time.sleep(60)")
        try:
            with fake(script) as s:
                s.expect("ready")
                raise RuntimeError("scenario blew up")
        except RuntimeError:
            pass
        assert s.proc.poll() is not None, "emulator still running"
        child = int(open(pidfile).read())
        for _ in range(50):
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the emulator's child survived")


case("expect finds output", expects_output)
case("expect times out with the last output", times_out)
case("expect notices an exited emulator", notices_exit)
case("matched output is consumed", consumes_matches)
case("CRLF split across reads", crlf_split_across_reads)
case("nonce differs per run", nonce_is_per_run)
case("emulator and children killed on failure", always_kills)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
