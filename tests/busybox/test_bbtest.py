#!/usr/bin/env python3
"""bbtest.py on made-up testsuites and transcripts: planning, reading a
console transcript with kernel lines in it, and the comparison's verdicts."""
import io
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bbtest  # noqa: E402

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def transcript(*groups, begin=True, end=True, noise=True):
    """run.sh's output for groups of (applets, [result lines], status); status
    None leaves the group unended. Kernel lines between, as on the console."""
    out = ["Kenix 0.1.0 (aarch64)", "init: starting /bin/sh as process 1"]
    if begin:
        out.append("bbtest: begin /tmp/bbtest")
    for n, (applets, lines, status) in enumerate(groups, 1):
        out.append(f"bbtest: group {n}: {applets}")
        for line in lines:
            out.append(line)
            if noise:
                out.append("process 77 (/tmp/bbtest/applets/sh) exited with status 0")
        if status is not None:
            out.append(f"bbtest: group {n} end: status {status}, 3 s")
    if end:
        out.append(f"bbtest: end, {len(groups)} groups, 9 s")
        out.append("process 1 (/bin/sh) exited with status 0")
    return "\r\n".join(out) + "\r\n"


def T(text, origin="t"):
    return bbtest.Transcript(text, origin)


@case
def plan_covers_every_applet_once_heaviest_first():
    w = {"bc": 100, "a": 10, "b": 10, "c": 9, "d": 1}
    groups = bbtest.plan(["a", "b", "bc", "c", "d", "new"], w, 3)
    flat = [a for g in groups for a in g]
    assert sorted(flat) == ["a", "b", "bc", "c", "d", "new"], groups
    assert groups[0] == ["bc"], groups  # the heaviest alone, first
    weights = [bbtest.group_weight(g, w) for g in groups]
    assert weights == sorted(weights, reverse=True), weights
    assert weights[1:] == [15, 15] or weights[1:] == [20, 10] or max(weights[1:]) - min(weights[1:]) <= 10, weights
    assert bbtest.plan(["a", "b", "bc", "c", "d", "new"], w, 3) == groups  # deterministic
    assert bbtest.plan(["a", "b"], w, 5) == [["a"], ["b"]]  # never an empty group
    assert bbtest.plan([], w, 2) == []
    try:
        bbtest.plan(["a"], w, 0)
    except ValueError:
        pass
    else:
        raise AssertionError("0 parts accepted")


@case
def tested_applets_are_tests_files_and_old_style_directories():
    with tempfile.TemporaryDirectory() as d:
        ts = Path(d)
        try:
            bbtest.tested_applets(ts)
        except FileNotFoundError:
            pass
        else:
            raise AssertionError("a directory without runtest was taken for the testsuite")
        (ts / "runtest").write_text("#!/bin/sh\n")
        (ts / "sed.tests").write_text("")
        (ts / "testing.sh").write_text("")
        (ts / "bc_pi.bc").write_text("")
        (ts / "cp").mkdir()
        (ts / ".git").mkdir()
        (ts / "cp.tests").write_text("")
        assert bbtest.tested_applets(ts) == ["cp", "sed"]


@case
def weights_file_parses_and_rejects_junk():
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "w"
        p.write_text("# comment\nbc 200\n\nsed 3.5  # trailing\n")
        assert bbtest.read_weights(p) == {"bc": 200.0, "sed": 3.5}
        p.write_text("bc\n")
        try:
            bbtest.read_weights(p)
        except ValueError as e:
            assert ":1:" in str(e)
        else:
            raise AssertionError("a line without seconds accepted")
    assert bbtest.read_weights(bbtest.DEFAULT_WEIGHTS)["bc"] > 0


@case
def transcript_reads_results_between_kernel_lines():
    t = T(transcript(("sed cp", ["PASS: sed a", "FAIL: sed b", "SKIPPED: sed c", "UNTESTED: cp-x",
                                 "PASS: sed a"], 1)))
    assert t.results == [("PASS", "sed a"), ("FAIL", "sed b"), ("SKIPPED", "sed c"), ("UNTESTED", "cp-x"),
                         ("PASS", "sed a")], t.results
    assert t.counts() == Counter(PASS=2, FAIL=1, SKIPPED=1, UNTESTED=1)
    assert t.groups == {1: "sed cp"} and t.ends == {1: (1, 3)} and t.end == (1, 9)
    assert t.complete and t.problems() == []
    # Not results: other text that merely contains the words.
    t = T(transcript(("x", ["echo PASS: no", "PASS:no", " FAIL: indented", "PASS: yes"], 0)))
    assert t.results == [("PASS", "yes")], t.results
    t = T(transcript(("x", [], 0)) + "bbtest: not built: ar parse\r\n")
    assert t.not_built == ["ar", "parse"]


@case
def incomplete_transcripts_say_why():
    assert "never began" in " ".join(T(transcript(("a", [], 0), begin=False)).problems())
    p = T(transcript(("a", ["PASS: x"], 0), ("b c", ["PASS: y"], None), end=False)).problems()
    assert any("group 2 (b c) never ended" in x for x in p), p
    assert any("did not reach its end line" in x for x in p), p
    p = T(transcript(("a", ["PASS: x"], 137))).problems()
    assert p and "killed after 3 s (status 137)" in p[0], p
    assert not T(transcript(("a", ["FAIL: x"], 1))).problems()  # failures are not incompleteness


def run_compare(host, guest, exclusions=None, min_pass=1):
    out = io.StringIO()
    ok = bbtest.compare([T(h, f"host{i}") for i, h in enumerate(host)],
                        [T(g, f"guest{i}") for i, g in enumerate(guest)],
                        exclusions or {}, min_pass, out=out)
    return ok, out.getvalue()


HOST = [transcript(("seq sed", ["PASS: seq (exit with error)", "PASS: seq (exit with error)", "PASS: sed a",
                                "FAIL: sed NUL", "PASS: sed b"], 1)),
        transcript(("cp", ["PASS: cp x", "SKIPPED: cp y"], 0))]


@case
def compare_passes_when_every_host_pass_passes_in_the_guest():
    guest = [transcript(("cp", ["PASS: cp x", "PASS: cp y"], 0)),
             transcript(("seq sed", ["PASS: seq (exit with error)", "PASS: sed a", "PASS: sed b",
                                     "PASS: seq (exit with error)", "PASS: sed NUL"], 0))]
    ok, out = run_compare(HOST, guest, min_pass=7)
    assert ok, out
    assert "0 host passes missing in the guest, 0 excluded" in out, out
    assert "host:  5 PASS, 1 FAIL, 1 SKIPPED, 0 UNTESTED" in out, out
    assert "guest: 7 PASS, 0 FAIL, 0 SKIPPED, 0 UNTESTED" in out, out
    assert "NOTE 'cp y' passed in the guest but not (as often) on the host" in out, out
    ok, out = run_compare(HOST, guest, min_pass=8)
    assert not ok and "TOO FEW 7 tests passed in the guest; at least 8 must" in out, out


@case
def compare_names_each_missing_pass_and_counts_duplicates():
    guest = [transcript(("seq sed", ["PASS: seq (exit with error)", "FAIL: seq (exit with error)",
                                     "FAIL: sed a"], 1)),
             transcript(("cp", ["PASS: cp x"], 0))]
    ok, out = run_compare(HOST, guest)
    assert not ok, out
    assert ("MISSING 'seq (exit with error)': passed x2 on the host, x1 in the guest (FAIL, PASS)" in out), out
    assert "MISSING 'sed a': passed x1 on the host, x0 in the guest (FAIL)" in out, out
    assert "MISSING 'sed b': passed x1 on the host, x0 in the guest (not run)" in out, out
    assert "3 host passes missing in the guest, 0 excluded" in out, out
    assert "sed NUL" not in out.replace("1 FAIL", ""), out  # failed on the host: owed nothing


@case
def compare_honours_exclusions_and_notes_stale_ones():
    guest = [transcript(("seq sed", ["PASS: seq (exit with error)", "PASS: seq (exit with error)",
                                     "FAIL: sed a", "PASS: sed b"], 1)),
             transcript(("cp", ["PASS: cp x"], 0))]
    excl = {"sed a": "needs /proc (next issue)", "sed b": "flaky", "gone": "renamed upstream"}
    ok, out = run_compare(HOST, guest, excl)
    assert ok, out
    assert "EXCLUDED 'sed a': passed x1 on the host, x0 in the guest (FAIL); excluded: needs /proc (next issue)" in out
    assert "NOTE exclusion 'sed b' passed in the guest: the exclusion can go" in out, out
    assert "NOTE exclusion 'gone' names no test that passed on the host" in out, out
    assert "0 host passes missing in the guest, 1 excluded" in out, out


@case
def compare_fails_on_an_incomplete_run_even_if_counts_match():
    guest = [transcript(("seq sed", ["PASS: seq (exit with error)", "PASS: seq (exit with error)",
                                     "PASS: sed a", "PASS: sed b"], 137)),
             transcript(("cp", ["PASS: cp x"], 0))]
    ok, out = run_compare(HOST, guest)
    assert not ok and "INCOMPLETE guest0: group 1 (seq sed) killed" in out, out
    ok, out = run_compare(HOST[:1] + [transcript(("cp", [], None), end=False)], guest[1:] + guest[:1])
    assert not ok and "INCOMPLETE host1: group 1 (cp) never ended" in out, out


@case
def exclusions_file_format():
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x"
        p.write_text("# header\n\nsed a\tneeds a terminal (next issue)\nb\tc\td\n")
        assert bbtest.read_exclusions(p) == {"sed a": "needs a terminal (next issue)", "b": "c\td"}
        for bad in ("no tab here\n", "x\t \n", "x\ty\nx\tz\n"):
            p.write_text(bad)
            try:
                bbtest.read_exclusions(p)
            except ValueError:
                continue
            raise AssertionError(f"accepted {bad!r}")
    assert bbtest.read_exclusions(Path(d) / "nonexistent") == {}


@case
def readme_lists_every_exclusion_with_its_reason():
    excl = bbtest.read_exclusions(bbtest.DEFAULT_EXCLUSIONS)
    section = bbtest.readme_section(excl)
    assert section in bbtest.README.read_text(), (
        "tests/busybox/README.md's exclusions table is not `bbtest.py readme`'s output:\n" + section)


@case
def results_command_writes_runtest_lines_and_fails_when_incomplete():
    with tempfile.TemporaryDirectory() as d:
        good, bad, out = Path(d) / "g", Path(d) / "b", Path(d) / "out"
        good.write_text(transcript(("a", ["PASS: x", "FAIL: y"], 1)))
        bad.write_text(transcript(("b", ["SKIPPED: z"], None), end=False))
        r = subprocess.run([sys.executable, str(HERE / "bbtest.py"), "results", str(good), "-o", str(out)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert out.read_text() == "PASS: x\nFAIL: y\n"
        r = subprocess.run([sys.executable, str(HERE / "bbtest.py"), "results", str(good), str(bad), "-o", str(out)],
                           capture_output=True, text=True)
        assert r.returncode == 1 and "group 1 (b) never ended" in r.stderr, r.stderr
        assert out.read_text() == "PASS: x\nFAIL: y\nSKIPPED: z\n"


def main():
    failed = 0
    for fn in CASES:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 -- report every case
            failed += 1
            print(f"FAIL {fn.__name__.replace('_', ' ')}: {type(e).__name__}: {e}")
        else:
            print(f"ok   {fn.__name__.replace('_', ' ')}")
    print(f"{len(CASES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
