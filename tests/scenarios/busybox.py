"""BusyBox 1.35.0's own testsuite inside Kenix (tests/busybox/README.md).

busybox.testsuite.guest.N boots the busybox-testsuite initrd with
/bin/sh as process 1 running /opt/bbtest/run.sh on shard N of the applets
(tmpfs: the testsuite is copied to /tmp/bbtest and runs there) and keeps the
console transcript in build/tests/busybox/guest/shardN.log. Each boot is
independent; a shard passes when its run ended and the system powered off,
whatever its tests said. busybox.testsuite.compare then holds the guest's
results against the host's (busybox.testsuite.host, the same build under
qemu-user in the same CTest run): every test that passed on the host must
pass in the guest unless tests/busybox/exclusions.txt names it with a reason,
and at least 850 must pass. CTest fixtures order the three and bring in the
host run and every shard when only the comparison is asked for.
"""
import sys
import time
from pathlib import Path

from scenario import check, scenario

BBTEST_DIR = Path(__file__).resolve().parents[1] / "busybox"
sys.path.insert(0, str(BBTEST_DIR))
import bbtest  # noqa: E402

TROUBLE = r"PANIC|unexpected interrupt|protocol violation"

# Shards (boots) and, within a shard, groups (runtest calls). bc's tests alone
# take ~5 of the guest's ~6 minutes (`bc | bc | md5sum` over 3.7 million lines,
# a write per bc instruction: CPU-bound under TCG), and runtest runs one applet's
# tests in one script, so bc bounds the wall time whatever the split; the other
# ~90 applets (~1 minute) make the second shard, which at ctest -j2 runs beside
# bc's. Two groups per shard: a group killed by run.sh's timeout costs only its
# own tests. Each boot's kernel command line stays below its 1023 bytes.
SHARDS = 2
GROUPS_PER_SHARD = 2
SHARD_TIMEOUT = 1200     # per boot, a backstop; run.sh kills a group after 900 s
GUEST_MEM = "512M"       # tmpfs holds the testsuite twice plus the tests' scratch files
MIN_PASS = 850


def results_dir(ctx):
    return ctx.build_dir / "tests" / "busybox"


def shard_plan(ctx, n):
    """Shard n's groups (1-based), from the weights and the testsuite on disk:
    every shard computes the same partition, so together they cover every
    applet once."""
    testsuite = ctx.build_dir / "ports" / "busybox-src" / "testsuite"
    weights = bbtest.read_weights(bbtest.DEFAULT_WEIGHTS)
    shards = bbtest.plan(bbtest.tested_applets(testsuite), weights, SHARDS)
    return bbtest.plan(shards[n - 1], weights, GROUPS_PER_SHARD) if n <= len(shards) else []


def run_shard(ctx, n):
    log = results_dir(ctx) / "guest" / f"shard{n}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)  # the comparison must never read an older run's shard
    groups = [",".join(g) for g in shard_plan(ctx, n)]
    check(bool(groups), f"shard {n}/{SHARDS} has applets to run")
    initrd = ctx.build_dir / "images" / "initrd-bbtest.cpio"
    append = (f"kenix.init=/bin/sh kenix.poweroff -- /opt/bbtest/run.sh /opt/bbtest/testsuite "
              f"/opt/bbtest/config /tmp/bbtest {' '.join(groups)}")
    started = time.monotonic()
    with ctx.boot(append, initrd=str(initrd), mem=GUEST_MEM) as s:
        try:
            s.expect(r"^init: starting /bin/sh as process 1$", timeout=60)
            s.expect(r"^bbtest: begin /tmp/bbtest$", timeout=120)
            ended = s.expect(r"^bbtest: end, \d+ groups, \d+ s$", timeout=SHARD_TIMEOUT)
            s.expect(r"^process 1 \(/bin/sh\) exited with status 0$")
            s.expect(ctx.success_marker())
            status = s.wait_exit()
        finally:
            # The transcript is the result, whole or not: compare reads it.
            log.write_text(s.transcript())
    t = bbtest.Transcript(log.read_text(), origin=str(log))
    c = t.counts()
    print(f"  shard {n}: {ended.group(0)}; {c['PASS']} PASS, {c['FAIL']} FAIL, {c['SKIPPED']} SKIPPED, "
          f"{c['UNTESTED']} UNTESTED; {time.monotonic() - started:.0f} s wall", flush=True)
    for k, (st, secs) in sorted(t.ends.items()):
        print(f"  group {k} ({t.groups.get(k)}): status {st}, {secs} s", flush=True)
    check(not t.problems(), f"shard {n}: every group ran to its end: {t.problems()}")
    check(status == 0, "the system powered off after process 1 exited")
    s.expect_not(TROUBLE)


def make_shard(n):
    @scenario(f"busybox.testsuite.guest.{n}", labels=("busybox",), timeout=SHARD_TIMEOUT + 120,
              properties={"FIXTURES_SETUP": "busybox.guest"})
    def shard(ctx):
        run_shard(ctx, n)
    shard.__doc__ = f"Shard {n} of {SHARDS} of BusyBox's testsuite, in the guest."
    return shard


for _n in range(1, SHARDS + 1):
    make_shard(_n)


@scenario("busybox.testsuite.compare", labels=("busybox",), timeout=60,
          properties={"FIXTURES_REQUIRED": ("busybox.host", "busybox.guest")})
def compare(ctx):
    """Every host pass passes in the guest (or is excluded, with its reason);
    at least 850 guest passes. Boots nothing: it reads the host run's group
    logs and the shards' transcripts."""
    d = results_dir(ctx)
    host = sorted((d / "host" / "logs").glob("group*.log"))
    guest = [d / "guest" / f"shard{n}.log" for n in range(1, SHARDS + 1)]
    check(bool(host), f"the host run left its logs in {d / 'host' / 'logs'}")
    missing = [str(p) for p in guest if not p.exists()]
    check(not missing, f"every shard left its transcript: missing {missing}")
    ok = bbtest.compare(bbtest.read_transcripts(host), bbtest.read_transcripts(guest),
                        bbtest.read_exclusions(bbtest.DEFAULT_EXCLUSIONS), MIN_PASS)
    check(ok, "every test that passed on the host passed in the guest (or is excluded), "
              f"at least {MIN_PASS} passed, every run complete")
