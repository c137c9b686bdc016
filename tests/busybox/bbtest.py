#!/usr/bin/env python3
"""BusyBox 1.35.0's own testsuite, run on the host (qemu-user) and in Kenix:
planning the runs, reading their transcripts, and comparing them.

    bbtest.py plan --testsuite DIR [--weights FILE] --parts N
        N groups of applets (one per line, comma-joined), balanced by the
        weights, heaviest first: what run.sh takes.
    bbtest.py results LOG... [-o FILE]
        runtest's result lines from run.sh transcripts, in order, one per
        test ("PASS: name", "FAIL: name", "SKIPPED: name", "UNTESTED: name");
        exit 1 if a transcript is incomplete (a group killed or never ended).
    bbtest.py compare --host LOG... --guest LOG... [--exclusions FILE] [--min-pass N]
        fails naming every test that passed on the host and did not pass in
        the guest, unless excluded (exclusions.txt: `name<TAB>reason`), and
        if fewer than N tests passed in the guest.
    bbtest.py readme [--exclusions FILE]
        the exclusions section of tests/busybox/README.md, from the file.

A transcript is run.sh's output (host: the log of each group; guest: the
serial console, kernel lines and all): runtest's result lines between
`bbtest:` markers. Test names are not unique (seq.tests has two tests called
"seq (exit with error)"), so results are counted per name: a name that passed
twice on the host must pass twice in the guest.
"""
import argparse
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_WEIGHTS = HERE / "weights.txt"
DEFAULT_EXCLUSIONS = HERE / "exclusions.txt"
README = HERE / "README.md"
DEFAULT_WEIGHT = 5.0  # seconds, for an applet weights.txt does not know yet

RESULT = re.compile(r"^(PASS|FAIL|SKIPPED|UNTESTED): (.*)$")
BEGIN = re.compile(r"^bbtest: begin (\S+)$")
GROUP = re.compile(r"^bbtest: group (\d+): (.*)$")
GROUP_END = re.compile(r"^bbtest: group (\d+) end: status (\d+), (\d+) s$")
NOT_BUILT = re.compile(r"^bbtest: not built: (.*)$")
END = re.compile(r"^bbtest: end, (\d+) groups, (\d+) s$")


# -- planning -------------------------------------------------------------------

def tested_applets(testsuite):
    """Every name runtest could be given: NAME.tests files and old-style NAME/
    directories (what runtest looks for), sorted. run.sh leaves out the ones
    this BusyBox does not implement, as runtest's default run does."""
    ts = Path(testsuite)
    if not (ts / "runtest").is_file():
        raise FileNotFoundError(f"{ts} is not BusyBox's testsuite (no runtest)")
    names = {p.name[:-len(".tests")] for p in ts.glob("*.tests") if p.is_file()}
    names |= {p.name for p in ts.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return sorted(names)


def read_weights(path):
    weights = {}
    if path and Path(path).exists():
        for n, line in enumerate(Path(path).read_text().splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) != 2:
                raise ValueError(f"{path}:{n}: expected `applet seconds`, got {line!r}")
            weights[fields[0]] = float(fields[1])
    return weights


def plan(applets, weights, parts):
    """Splits applets into `parts` non-empty groups of about equal weight
    (longest processing time first: each applet, heaviest first, goes to the
    lightest group). Groups come heaviest first, so a queue that starts them in
    order finishes early; the result is deterministic (ties by name)."""
    if parts < 1:
        raise ValueError("parts must be >= 1")
    order = sorted(applets, key=lambda a: (-weights.get(a, DEFAULT_WEIGHT), a))
    bins = [[0.0, i, []] for i in range(min(parts, len(order)))]
    for a in order:
        lightest = min(bins, key=lambda b: (b[0], b[1]))
        lightest[0] += weights.get(a, DEFAULT_WEIGHT)
        lightest[2].append(a)
    bins.sort(key=lambda b: (-b[0], b[1]))
    return [b[2] for b in bins]


def group_weight(group, weights):
    return sum(weights.get(a, DEFAULT_WEIGHT) for a in group)


# -- transcripts ----------------------------------------------------------------

class Transcript:
    """What one run.sh run printed: results in order and the markers.

    complete is true when run.sh printed its end line and every group it
    began ended with runtest's own exit (not killed by the timeout)."""

    def __init__(self, text, origin="?"):
        self.origin = origin
        self.results = []       # (status, name) in order
        self.groups = {}        # n -> applets (str)
        self.ends = {}          # n -> (status, seconds)
        self.not_built = []
        self.begun = False
        self.end = None         # (groups, seconds)
        for line in text.splitlines():
            line = line.rstrip("\r")
            if m := RESULT.match(line):
                self.results.append((m.group(1), m.group(2)))
            elif m := GROUP.match(line):
                self.groups[int(m.group(1))] = m.group(2)
            elif m := GROUP_END.match(line):
                self.ends[int(m.group(1))] = (int(m.group(2)), int(m.group(3)))
            elif m := NOT_BUILT.match(line):
                self.not_built += m.group(1).split()
            elif BEGIN.match(line):
                self.begun = True
            elif m := END.match(line):
                self.end = (int(m.group(1)), int(m.group(2)))

    def problems(self):
        """Why this transcript is not a whole run, one string per reason."""
        out = []
        if not self.begun:
            out.append(f"{self.origin}: run.sh never began (no 'bbtest: begin')")
        for n, applets in sorted(self.groups.items()):
            if n not in self.ends:
                out.append(f"{self.origin}: group {n} ({applets}) never ended")
            elif self.ends[n][0] in (124, 137, 143):
                # timeout's own status, or runtest killed by its KILL/TERM
                out.append(f"{self.origin}: group {n} ({applets}) killed after {self.ends[n][1]} s "
                           f"(status {self.ends[n][0]})")
        if self.begun and self.end is None:
            out.append(f"{self.origin}: run.sh did not reach its end line")
        return out

    @property
    def complete(self):
        return not self.problems()

    def counts(self):
        return Counter(status for status, _ in self.results)


def read_transcripts(paths):
    return [Transcript(Path(p).read_text(errors="replace"), origin=str(p)) for p in paths]


def passed(transcripts):
    """Counter of test names that passed, over all transcripts."""
    c = Counter()
    for t in transcripts:
        c.update(name for status, name in t.results if status == "PASS")
    return c


def statuses(transcripts):
    """name -> Counter of statuses, over all transcripts."""
    out = {}
    for t in transcripts:
        for status, name in t.results:
            out.setdefault(name, Counter())[status] += 1
    return out


def read_exclusions(path):
    """{name: reason} from `name<TAB>reason` lines; # starts a comment line."""
    out = {}
    if not path or not Path(path).exists():
        return out
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise ValueError(f"{path}:{n}: expected `name<TAB>reason`, got {line!r}")
        name, reason = line.split("\t", 1)
        if not name or not reason.strip():
            raise ValueError(f"{path}:{n}: empty name or reason")
        if name in out:
            raise ValueError(f"{path}:{n}: {name!r} excluded twice")
        out[name] = reason.strip()
    return out


def compare(host, guest, exclusions, min_pass, out=sys.stdout):
    """Prints the comparison; returns True when the guest meets the bar:
    every host pass passes in the guest (as often) unless excluded, at least
    min_pass guest passes, and every transcript complete."""
    ok = True
    for t in host + guest:
        for p in t.problems():
            print(f"INCOMPLETE {p}", file=out)
            ok = False
    hp, gp = passed(host), passed(guest)
    gs = statuses(guest)
    missing, excluded = [], []
    for name in sorted(hp):
        short = hp[name] - gp[name]
        if short <= 0:
            continue
        seen = ", ".join(f"{s} x{n}" if n > 1 else s for s, n in sorted(gs.get(name, Counter()).items()))
        what = f"{name!r}: passed x{hp[name]} on the host, x{gp[name]} in the guest ({seen or 'not run'})"
        if name in exclusions:
            excluded.append(f"{what}; excluded: {exclusions[name]}")
        else:
            missing.append(what)
    for line in excluded:
        print(f"EXCLUDED {line}", file=out)
    for line in missing:
        print(f"MISSING {line}", file=out)
    for name in sorted(exclusions):
        if name not in hp:
            print(f"NOTE exclusion {name!r} names no test that passed on the host", file=out)
        elif gp[name] >= hp[name]:
            print(f"NOTE exclusion {name!r} passed in the guest: the exclusion can go", file=out)
    extra = sorted(n for n in gp if gp[n] > hp[n])
    for name in extra:
        print(f"NOTE {name!r} passed in the guest but not (as often) on the host", file=out)
    hc = Counter(s for t in host for s, _ in t.results)
    gc = Counter(s for t in guest for s, _ in t.results)
    fmt = lambda c: ", ".join(f"{c[s]} {s}" for s in ("PASS", "FAIL", "SKIPPED", "UNTESTED"))
    print(f"host:  {fmt(hc)}", file=out)
    print(f"guest: {fmt(gc)}", file=out)
    print(f"{len(missing)} host passes missing in the guest, {len(excluded)} excluded", file=out)
    if missing:
        ok = False
    total = sum(gp.values())
    if total < min_pass:
        print(f"TOO FEW {total} tests passed in the guest; at least {min_pass} must", file=out)
        ok = False
    return ok


def readme_section(exclusions):
    lines = ["| Test | Why it is excluded |", "| --- | --- |"]
    for name, reason in sorted(exclusions.items()):
        esc = lambda s: s.replace("|", "\\|")
        lines.append(f"| `{esc(name)}` | {esc(reason)} |" if "`" not in name
                     else f"| {esc(name)} | {esc(reason)} |")
    if not exclusions:
        lines.append("| (none) | |")
    return "\n".join(lines) + "\n"


# -- command line ----------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plan")
    p.add_argument("--testsuite", required=True)
    p.add_argument("--weights", default=str(DEFAULT_WEIGHTS))
    p.add_argument("--parts", type=int, required=True)
    r = sub.add_parser("results")
    r.add_argument("logs", nargs="+")
    r.add_argument("-o", "--output")
    c = sub.add_parser("compare")
    c.add_argument("--host", nargs="+", required=True)
    c.add_argument("--guest", nargs="+", required=True)
    c.add_argument("--exclusions", default=str(DEFAULT_EXCLUSIONS))
    c.add_argument("--min-pass", type=int, default=850)
    m = sub.add_parser("readme")
    m.add_argument("--exclusions", default=str(DEFAULT_EXCLUSIONS))
    args = ap.parse_args(argv)

    if args.cmd == "plan":
        for group in plan(tested_applets(args.testsuite), read_weights(args.weights), args.parts):
            print(",".join(group))
        return 0
    if args.cmd == "results":
        ts = read_transcripts(args.logs)
        lines = [f"{s}: {n}\n" for t in ts for s, n in t.results]
        if args.output:
            Path(args.output).write_text("".join(lines))
        else:
            sys.stdout.writelines(lines)
        for t in ts:
            for problem in t.problems():
                print(f"INCOMPLETE {problem}", file=sys.stderr)
        return 0 if all(t.complete for t in ts) else 1
    if args.cmd == "compare":
        ok = compare(read_transcripts(args.host), read_transcripts(args.guest),
                     read_exclusions(args.exclusions), args.min_pass)
        return 0 if ok else 1
    if args.cmd == "readme":
        sys.stdout.write(readme_section(read_exclusions(args.exclusions)))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
