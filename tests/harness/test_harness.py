#!/usr/bin/env python3
"""Self-test of the harness; needs no QEMU and no kernel.

Session: expect() finds output, times out with the last output, honours the
deadline, notices an exited emulator, consumes matches, copes with CRLF split
across reads, sends input, and always kills the emulator and its children.
kenix_qemu: the argv that `./kenix run` and the scenarios rely on, including
-icount shift=N and another initrd file.
Context: padded initrds (contents, reuse, deletion) and quiet sessions.
run_scenario: end to end against fake_qemu.py: the nonce travels through
-append, pass/fail exit codes, the transcript on failure, the log file, the
scenario deadline, SIGTERM killing the emulator, and padded initrds reaching
QEMU and being deleted after the run.
tools/guest_profile.py: blocks weighted by size and attributed to symbols.
"""
import atexit
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from harness import ScenarioFailure, Session, new_nonce  # noqa: E402
from kenix_qemu import qemu_argv  # noqa: E402
from scenario import Context  # noqa: E402

passed = failed = 0


def case(fn):
    global passed, failed
    name = fn.__name__.replace("_", " ")
    try:
        fn()
        print(f"ok   {name}", flush=True)
        passed += 1
    except Exception as e:  # a failing case reports and the run goes on
        print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
        failed += 1
    return fn


def fake(script, deadline=10.0):
    return Session([sys.executable, "-u", "-c", script], deadline=time.monotonic() + deadline)


def fails(fn, *words):
    """Runs fn, which must raise ScenarioFailure mentioning every word."""
    try:
        fn()
    except ScenarioFailure as e:
        for w in words:
            assert w in str(e), f"{w!r} not in failure message {str(e)[:300]!r}"
        return str(e)
    raise AssertionError("no ScenarioFailure")


def gone(pid, wait=2.5):
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A killed child of a dead parent may linger as a zombie until reaped.
        try:
            if open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


# -- Session ----------------------------------------------------------------

@case
def expect_finds_output_and_exit_status():
    with fake("import sys, time\nprint('hello'); time.sleep(0.2); print('marker 42'); sys.exit(7)") as s:
        assert s.expect(r"^hello$")
        m = s.expect(r"marker (\d+)")
        assert m.group(1) == "42"
        assert 0 < s.arrival(m) < 5
        assert s.wait_exit(5) == 7


@case
def expect_times_out_with_the_last_output():
    with fake("import time\nprint('last words'); time.sleep(30)") as s:
        t = time.monotonic()
        fails(lambda: s.expect(r"never", timeout=0.5), "timed out", "last words")
        assert time.monotonic() - t < 3


@case
def deadline_bounds_every_wait():
    with fake("import time\ntime.sleep(30)", deadline=0.5) as s:
        t = time.monotonic()
        fails(lambda: s.expect(r"never", timeout=20), "deadline")
        fails(lambda: s.wait_exit(20), "did not exit")
        assert time.monotonic() - t < 3


@case
def expect_notices_an_exited_emulator():
    with fake("print('bye')") as s:
        fails(lambda: s.expect(r"never", timeout=5), "exited", "bye")


@case
def matched_output_is_consumed():
    with fake("print('one'); print('two')") as s:
        s.expect(r"one")
        s.expect(r"two")
        fails(lambda: s.expect(r"one", timeout=0.5))
        assert s.count(r"one") == 1  # count(), find() and expect_not() see the whole transcript
        assert s.find(r"^(o)ne$").group(1) == "o"
        fails(lambda: s.find(r"^three$"), "expected /^three$/", "two")
        fails(lambda: s.expect_not(r"^two$"), "unexpected")


@case
def crlf_split_across_reads():
    # The serial console ends lines with CRLF; a read may end between the two.
    script = ("import sys, time\n"
              "sys.stdout.write('dtb: found\\r'); sys.stdout.flush(); time.sleep(0.3)\n"
              "sys.stdout.write('\\nnext\\r\\n'); sys.stdout.flush()")
    with fake(script) as s:
        s.expect(r"^dtb: found$", timeout=3)
        s.expect(r"^next$", timeout=3)


@case
def line_end_waits_for_the_whole_line():
    # A line may arrive in pieces: `$` must not match at the end of a piece,
    # while a pattern without `$` (a prompt) still matches a partial line.
    script = ("import sys, time\n"
              "sys.stdout.write('FAR 0xffff'); sys.stdout.flush(); time.sleep(0.3)\n"
              "sys.stdout.write('7ffff000\\r\\n/ # '); sys.stdout.flush(); time.sleep(5)")
    with fake(script) as s:
        assert s.expect(r"^FAR (0x[0-9a-f]+)$", timeout=3).group(1) == "0xffff7ffff000"
        s.expect(r"^/ # ", timeout=3)
        assert s.elapsed() < 3  # the prompt did not wait for a newline


@case
def profile_weights_blocks_by_size():
    # tools/guest_profile.py on a hand-made QEMU log: a 3-instruction block run twice
    # and a 2-instruction one run once; a pc in no symbol is "?".
    sys.path.insert(0, str(HERE.parent.parent / "tools"))
    import guest_profile
    log = ("IN: \n0xffffffff80001000:  d503201f  nop\n0xffffffff80001004:  d503201f  nop\n"
           "0xffffffff80001008:  d65f03c0  ret\n\n"
           "Trace 0: 0x7f00 [00000000/ffffffff80001000/00000000/ff000000] \n"
           "IN: \n0x0000000000400000:  d503201f  nop\n0x0000000000400004:  d65f03c0  ret\n\n"
           "Trace 0: 0x7f10 [00000000/0000000000400000/00000000/ff000000] \n"
           "Trace 0: 0x7f00 [00000000/ffffffff80001000/00000000/ff000000] \n"
           "Trace 0: 0x7f20 [00000000/ffffffff90000000/00000000/ff000000] \n")
    kernel = [(0xffffffff80001000, 0xffffffff80001010, "kfunc")]
    user = [(0x400000, 0x400008, "ufunc")]
    tables = [([a for a, _, _ in kernel], kernel, ""), ([a for a, _, _ in user], user, "prog:")]
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.write(log)
    try:
        counts = guest_profile.profile(f.name, tables)
    finally:
        os.unlink(f.name)
    assert counts == {"kfunc": 6, "prog:ufunc": 2, "kernel ?": 1}, counts


@case
def invalid_utf8_is_replaced():
    with fake("import sys\nsys.stdout.buffer.write(b'bad \\xff byte\\n')") as s:
        s.expect("^bad \ufffd byte$", timeout=3)


@case
def send_reaches_the_console():
    with fake("import sys\nfor l in sys.stdin:\n    print('got', l.strip(), flush=True)") as s:
        s.send("ping\n")
        s.expect(r"^got ping$", timeout=3)
    fails(lambda: s.send("late\n"), "exited")


@case
def nonce_is_per_run():
    a, b = new_nonce(), new_nonce()
    assert a != b and len(a) == 16 and int(a, 16) >= 0
    with fake(f"print('KENIX-BOOT-OK nonce={a}')") as s:
        fails(lambda: s.expect(rf"^KENIX-BOOT-OK nonce={b}$", timeout=1))


@case
def emulator_and_children_killed_on_exception():
    with tempfile.TemporaryDirectory() as d:
        pidfile = os.path.join(d, "child")
        script = ("import subprocess, sys, time\n"
                  "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                  f"open({pidfile!r}, 'w').write(str(p.pid))\n"
                  "print('ready', flush=True); time.sleep(60)")
        try:
            with fake(script) as s:
                s.expect("ready", timeout=5)
                raise KeyboardInterrupt  # not an Exception: the kill must not depend on that
        except KeyboardInterrupt:
            pass
        assert s.proc.poll() is not None, "emulator still running"
        assert gone(int(open(pidfile).read())), "the emulator's child survived"


@case
def missing_emulator_is_a_scenario_failure():
    def start():
        with Session(["/nonexistent/qemu-system-aarch64"]):
            pass
    fails(start, "cannot start")


# -- kenix_qemu ---------------------------------------------------------------

# Stands for the built initrd: not empty, so a padded copy must begin with it.
INITRD = b"070701" + b"0" * 104 + b"TRAILER!!!\0"


def fake_build(initrd=True, disk=True):
    d = tempfile.mkdtemp(prefix="kenix-harness-")
    atexit.register(shutil.rmtree, d, True)
    for rel, wanted in (("kernel/kenix.img", True), ("images/initrd.cpio", initrd), ("images/disk.img", disk)):
        if wanted:
            os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(d, rel), "wb") as f:
                f.write(INITRD if rel.endswith(".cpio") else b"")
    return d


def after(argv, flag):
    return argv[argv.index(flag) + 1]


@case
def qemu_argv_defaults():
    b = fake_build()
    a = qemu_argv(b, interactive=False, qemu="q")
    assert a[0] == "q" and after(a, "-M") == "virt" and after(a, "-cpu") == "cortex-a72"
    assert after(a, "-m") == "128M" and "-nographic" in a
    assert after(a, "-kernel") == f"{b}/kernel/kenix.img"
    assert after(a, "-serial") == "stdio" and after(a, "-monitor") == "none"
    assert after(a, "-initrd") == f"{b}/images/initrd.cpio"
    assert after(a, "-drive") == f"if=none,file={b}/images/disk.img,format=raw,id=hd0,snapshot=on"
    devices = [a[i + 1] for i, x in enumerate(a) if x == "-device"]
    assert devices == ["virtio-rng-device", "virtio-blk-device,drive=hd0"], devices
    for absent in ("-append", "-icount", "-S", "-gdb"):
        assert absent not in a, absent


@case
def qemu_argv_options():
    b = fake_build()
    a = qemu_argv(b, mem="2G", gic="3", el2=True, append="kenix.test=ticks", icount=True,
                  gdb_port=4321, initrd=False, disk=False, extra=["-smp", "2"], qemu="q")
    assert after(a, "-M") == "virt,gic-version=3,virtualization=on" and after(a, "-m") == "2G"
    assert after(a, "-append") == "kenix.test=ticks" and after(a, "-icount") == "shift=0"
    assert "-S" in a and after(a, "-gdb") == "tcp:127.0.0.1:4321"
    assert "-initrd" not in a and "-drive" not in a and a[-2:] == ["-smp", "2"]
    assert after(a, "-serial") == "mon:stdio" and "-monitor" not in a


@case
def qemu_argv_icount_shift():
    b = fake_build()
    # True keeps its old meaning (shift 0); an int is the shift, 0 included, though 0 == False.
    for icount, shift in ((True, "shift=0"), (0, "shift=0"), (1, "shift=1"), (3, "shift=3"), (10, "shift=10")):
        a = qemu_argv(b, icount=icount, qemu="q")
        assert after(a, "-icount") == shift and a.count("-icount") == 1, (icount, a)
    for icount in (False, None):
        assert "-icount" not in qemu_argv(b, icount=icount, qemu="q"), icount
    for bad in (-1, 11, "2", 2.0):
        try:
            qemu_argv(b, icount=bad, qemu="q")
        except ValueError as e:
            assert "shift" in str(e), e
        else:
            raise AssertionError(f"icount={bad!r} accepted")


@case
def qemu_argv_another_initrd():
    b = fake_build()
    other = os.path.join(b, "other.cpio")
    open(other, "wb").close()
    for path in (other, Path(other)):
        a = qemu_argv(b, initrd=path, qemu="q")
        assert after(a, "-initrd") == other and a.count("-initrd") == 1, a
    # Asked for by name, a missing file is an error, not an initrd quietly left out.
    try:
        qemu_argv(b, initrd=os.path.join(b, "missing.cpio"), qemu="q")
    except FileNotFoundError as e:
        assert "missing.cpio" in str(e)
    else:
        raise AssertionError("a missing initrd file was accepted")


@case
def qemu_argv_skips_images_not_built():
    a = qemu_argv(fake_build(initrd=False, disk=False), qemu="q")
    assert "-initrd" not in a and "-drive" not in a


@case
def qemu_argv_needs_a_kernel():
    b = fake_build()
    os.remove(os.path.join(b, "kernel", "kenix.img"))
    try:
        qemu_argv(b)
    except FileNotFoundError as e:
        assert "build first" in str(e)
    else:
        raise AssertionError("no error without a kernel")


@case
def qemu_from_the_environment():
    old = os.environ.get("KENIX_QEMU_SYSTEM")
    os.environ["KENIX_QEMU_SYSTEM"] = "/opt/qemu/bin/qemu-system-aarch64"
    try:
        assert qemu_argv(fake_build())[0] == "/opt/qemu/bin/qemu-system-aarch64"
    finally:
        if old is None:
            del os.environ["KENIX_QEMU_SYSTEM"]
        else:
            os.environ["KENIX_QEMU_SYSTEM"] = old


@case
def cli_as_kenix_run_calls_it():
    b = fake_build()
    out = subprocess.run([sys.executable, str(HERE / "kenix_qemu.py"), "--build-dir", b, "--mem", "256M",
                          "--gic", "2", "--el2", "--append", "a=1 b", "--icount", "--gdb", "1234",
                          "--no-disk", "--qemu", "q", "--dry-run", "--", "-smp", "2", "--el2"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip()
    assert line.startswith("q -M virt,gic-version=2,virtualization=on -cpu cortex-a72 -m 256M"), line
    assert "-append 'a=1 b'" in line and "-icount shift=0" in line and "-S -gdb tcp:127.0.0.1:1234" in line
    assert "-serial mon:stdio" in line and "-initrd" in line and "-drive" not in line
    assert line.endswith("-smp 2 --el2"), line  # after --, everything is QEMU's
    out = subprocess.run([sys.executable, str(HERE / "kenix_qemu.py"), "--build-dir", b, "--icount", "4",
                          "--initrd", f"{b}/kernel/kenix.img", "--qemu", "q", "--dry-run"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert "-icount shift=4" in out.stdout and f"-initrd {b}/kernel/kenix.img" in out.stdout, out.stdout
    out = subprocess.run([sys.executable, str(HERE / "kenix_qemu.py"), "--build-dir", b, "--icount", "11",
                          "--qemu", "q", "--dry-run"], capture_output=True, text=True, timeout=10)
    assert out.returncode != 0 and "shift" in out.stderr, out.stderr



@case
def cli_boots_the_small_initrd():
    """A person gets the small initrd when it is built, --tests the test one;
    qemu_argv (the tests) keeps the test one."""
    b = fake_build()

    def cli(*extra):
        out = subprocess.run([sys.executable, str(HERE / "kenix_qemu.py"), "--build-dir", b, "--qemu", "q",
                              "--dry-run", *extra], capture_output=True, text=True, timeout=10)
        assert out.returncode == 0, out.stderr
        return out.stdout
    assert f"-initrd {b}/images/initrd.cpio" in cli(), "no small initrd built: the test one"
    with open(os.path.join(b, "images", "initrd-small.cpio"), "wb") as f:
        f.write(INITRD)
    assert f"-initrd {b}/images/initrd-small.cpio" in cli()
    assert f"-initrd {b}/images/initrd.cpio" in cli("--tests")
    assert "-initrd" not in cli("--no-initrd")
    assert after(qemu_argv(b, interactive=False, qemu="q"), "-initrd") == f"{b}/images/initrd.cpio"


# -- Context --------------------------------------------------------------------

def context(build):
    return Context("t", build, qemu=f"{build}/qemu", log_dir=os.path.join(build, "logs"))


@case
def padded_initrd_is_the_initrd_then_zeros():
    b = fake_build()
    with context(b) as ctx:
        path = ctx.padded_initrd(4100)
        assert open(path, "rb").read() == INITRD + bytes(4100)
        again = ctx.padded_initrd(4100)
        assert again != path, "a new file each time: two boots may use one padding at once"
        assert open(ctx.padded_initrd(1), "rb").read() == INITRD + b"\0"
        unstarted = ctx.boot("x", initrd_padding=4100, quiet=True)  # never entered: argv only
        assert open(after(unstarted.argv, "-initrd"), "rb").read() == INITRD + bytes(4100)
        assert after(ctx.boot("x", quiet=True).argv, "-initrd") == f"{b}/images/initrd.cpio"
        for bad in (-1, "4096", True):
            try:
                ctx.padded_initrd(bad)
            except ValueError:
                pass
            else:
                raise AssertionError(f"padding {bad!r} accepted")
        try:
            ctx.boot("x", initrd_padding=1, initrd=False)
        except ValueError:
            pass
        else:
            raise AssertionError("initrd_padding with initrd accepted")
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path)), "not deleted"
    assert open(f"{b}/images/initrd.cpio", "rb").read() == INITRD, "the built initrd changed"
    ctx.close()  # twice is fine


@case
def a_sessions_padded_initrd_goes_with_it():
    # A scenario booting 200 paddings must not keep 200 copies until its end.
    b = fake_build()
    wrapper = os.path.join(b, "qemu")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "fake_qemu.py"}" "$@"\n')
    os.chmod(wrapper, 0o755)
    with context(b) as ctx:
        with ctx.boot("fake.mode=ok", initrd_padding=8192, quiet=True) as s:
            path = after(s.argv, "-initrd")
            size = int(s.expect(r"^fake: initrd (\d+) bytes$", timeout=5).group(1))
            assert size == len(INITRD) + 8192, size
            assert s.wait_exit(5) == 0
        assert not os.path.exists(path), "the padded initrd outlived its session"
        assert os.listdir(os.path.dirname(path)) == []


@case
def padded_initrd_needs_a_built_one():
    with context(fake_build(initrd=False)) as ctx:
        try:
            ctx.padded_initrd(4096)
        except FileNotFoundError as e:
            assert "build first" in str(e)
        else:
            raise AssertionError("padded a missing initrd")


@case
def quiet_sessions_stay_out_of_the_log_and_transcripts():
    b = fake_build()
    with context(b) as ctx:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            quiet = ctx.boot("x", quiet=True)
            assert out.getvalue() == "", "a quiet boot printed " + out.getvalue()
            loud = ctx.boot("x")
        assert "qemu: " in out.getvalue()  # the loud one prints its command line
        assert ctx.sessions == [loud], "a quiet session is the scenario's to report"
        assert quiet.log_path is None and quiet.on_match is None and quiet.deadline == ctx.deadline
        ctx.log("one line")
        ctx.log("two\n")
        assert open(ctx.log_path).read() == "one line\ntwo\n"


@case
def scenario_properties_are_checked():
    import scenario as sc
    for bad in ({"FIXTURES_SETUP": "a,b"}, {"X": "a|b"}, {"X": ""}, {"X": ()}, {"NOT A NAME": "v"}):
        try:
            sc.scenario("bad.props", properties=bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")
    assert "bad.props" not in sc.REGISTRY


# -- run_scenario, end to end ---------------------------------------------------

SCENARIOS = '''
from scenario import check, scenario

@scenario("fake.ok", labels=("boot", "extra"))
def ok(ctx):
    with ctx.boot("fake.mode=ok") as s:
        s.expect(r'^cmdline: "kenix.nonce=' + ctx.nonce + ' loglevel=8 fake.mode=ok"$')
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, "exit status 0")

@scenario("fake.wrongnonce", properties={"FIXTURES_REQUIRED": ("fx.a", "fx.b"), "PROCESSORS": 2})
def wrong(ctx):
    with ctx.boot("fake.mode=wrongnonce") as s:
        s.expect(ctx.success_marker(), timeout=2)

@scenario("fake.hang", timeout=7)
def hang(ctx):
    with ctx.boot("fake.mode=hang fake.pidfile=" + ctx.build_dir.as_posix() + "/child") as s:
        s.expect("^hanging$")
        s.expect("never")

@scenario("fake.echo")
def echo(ctx):
    with ctx.boot("fake.mode=echo") as s:
        s.send("hi\\nquit\\n")
        s.expect("^echo: hi$")
        check(s.wait_exit() == 0, "exit status 0")

@scenario("fake.status")
def status(ctx):
    with ctx.boot("fake.mode=status fake.status=3") as s:
        check(s.wait_exit() == 0, "exit status 0")

@scenario("fake.padded")
def padded(ctx):
    print("padded initrd at " + ctx.padded_initrd(4100))
    with ctx.boot("fake.mode=ok", initrd_padding=4100, icount=3) as s:
        size = int(s.expect(r"^fake: initrd (\d+) bytes$").group(1))
        s.expect(r"^fake: icount shift=3$")
        check(size == len(INITRD) + 4100, "QEMU got the initrd with 4100 bytes more")
    with ctx.boot("fake.mode=status fake.status=3", initrd_padding=4100, quiet=True) as s:
        s.expect(r"^fake: initrd (\d+) bytes$")
        check(s.wait_exit() == 0, "exit status 0")
'''


def runner(initrd=False):
    """A build dir with a kernel, a scenario dir, and a wrapper that runs fake_qemu.py."""
    build = fake_build(initrd=initrd, disk=False)
    sdir = os.path.join(build, "scenarios")
    os.makedirs(sdir)
    with open(os.path.join(sdir, "fake.py"), "w") as f:
        f.write(f"INITRD = {INITRD!r}\n" + SCENARIOS)
    wrapper = os.path.join(build, "qemu")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "fake_qemu.py"}" "$@"\n')
    os.chmod(wrapper, 0o755)
    return build, [sys.executable, str(HERE / "run_scenario.py"), "--build-dir", build,
                   "--scenario-dir", sdir, "--qemu", wrapper]


def run(cmd, timeout=20):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


@case
def runner_lists_for_cmake():
    _, cmd = runner()
    out = run(cmd + ["--list-cmake"])
    assert out.returncode == 0, out.stderr
    assert "fake.ok|boot,extra|60" in out.stdout.split("\n"), out.stdout
    assert "fake.hang|fake|7" in out.stdout.split("\n"), out.stdout
    assert "fake.wrongnonce|fake|60|FIXTURES_REQUIRED=fx.a,fx.b|PROCESSORS=2" in out.stdout.split("\n"), out.stdout
    assert run(cmd + ["--list"]).stdout.split()[:3] == ["fake.echo", "fake.hang", "fake.ok"]
    assert run(cmd + ["no.such"]).returncode == 2


@case
def runner_passes_with_this_runs_nonce():
    build, cmd = runner()
    out = run(cmd + ["fake.ok"])
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASS fake.ok" in out.stdout and "ok: exit status 0" in out.stdout
    assert "saw: KENIX-BOOT-OK nonce=" in out.stdout
    log = open(os.path.join(build, "tests", "logs", "fake.ok.log")).read()
    assert "KENIX-BOOT-OK nonce=" in log and "-append 'kenix.nonce=" in log


@case
def runner_fails_on_another_nonce_and_prints_the_transcript():
    _, cmd = runner()
    out = run(cmd + ["fake.wrongnonce"])
    assert out.returncode == 1, out.stdout
    assert "FAIL fake.wrongnonce" in out.stdout
    assert "--- console transcript 1/1" in out.stdout and "nonce=0123456789abcdef" in out.stdout


@case
def runner_fails_on_exit_status():
    _, cmd = runner()
    out = run(cmd + ["fake.status"])
    assert out.returncode == 1 and "FAIL fake.status: exit status 0" in out.stdout, out.stdout


@case
def runner_sends_input():
    _, cmd = runner()
    out = run(cmd + ["fake.echo"])
    assert out.returncode == 0, out.stdout + out.stderr


@case
def runner_deletes_padded_initrds_pass_or_fail():
    build, cmd = runner(initrd=True)
    out = run(cmd + ["fake.padded", "--log-dir", os.path.join(build, "elsewhere")])
    assert out.returncode == 1, out.stdout + out.stderr  # the quiet boot's exit status 3
    assert "ok: QEMU got the initrd with 4100 bytes more" in out.stdout, out.stdout
    assert "FAIL fake.padded: exit status 0" in out.stdout, out.stdout
    # The quiet boot is not among the transcripts printed on failure, nor in the log.
    assert "--- console transcript 1/1" in out.stdout and "transcript 2/" not in out.stdout, out.stdout
    log = open(os.path.join(build, "elsewhere", "fake.padded.log")).read()
    assert log.count("=== exit status") == 1, log
    assert not os.path.exists(os.path.join(build, "tests", "logs", "fake.padded.log")), "--log-dir ignored"
    path = out.stdout.split("padded initrd at ", 1)[1].split("\n", 1)[0]
    assert "/initrd+4100-" in path and not os.path.exists(os.path.dirname(path)), path


def pids(build):
    """(the fake emulator's child, the fake emulator) once the hang scenario runs."""
    pidfile = os.path.join(build, "child")
    end = time.monotonic() + 5
    while not (os.path.exists(pidfile) and len(open(pidfile).read().split()) == 2):
        assert time.monotonic() < end, "the fake emulator did not start"
        time.sleep(0.05)
    return [int(w) for w in open(pidfile).read().split()]


@case
def runner_deadline_kills_a_hung_guest():
    build, cmd = runner()
    t = time.monotonic()
    out = run(cmd + ["fake.hang"])
    took = time.monotonic() - t
    assert out.returncode == 1 and "deadline" in out.stdout, out.stdout
    assert took < 6, f"took {took:.1f} s; the deadline is timeout 7 - 5 s margin"
    assert gone(pids(build)[0]), "the emulator's child survived"


@case
def runner_sigkill_still_kills_the_emulator():
    build, cmd = runner()
    p = subprocess.Popen(cmd + ["fake.hang"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child, emulator = pids(build)
    p.kill()  # no handler runs: the parent-death signal must take the emulator down
    p.wait()
    try:
        assert gone(emulator), "the emulator survived its harness"
    finally:
        try:
            os.kill(child, signal.SIGKILL)  # the real QEMU has no children; tidy up the fake's
        except ProcessLookupError:
            pass


@case
def runner_sigterm_kills_the_emulator():
    build, cmd = runner()
    p = subprocess.Popen(cmd + ["fake.hang"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pids(build)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=10)
    assert p.returncode == 1 and "Interrupted" in out, out
    assert gone(pids(build)[0]), "the emulator's child survived SIGTERM"


print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
