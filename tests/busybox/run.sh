#!/bin/sh
# Runs groups of BusyBox 1.35.0's own testsuite with its own `runtest`, the same
# way on the host (under qemu-user, tests/busybox/host_run.sh) and inside Kenix
# (process 1, tests/scenarios/busybox.py), so the two transcripts compare line
# for line. BusyBox's sh runs this script, never a host shell.
#
#   run.sh TESTSUITE CONFIG WORK GROUP...
#
# TESTSUITE BusyBox's testsuite directory; copied to WORK/testsuite.
# CONFIG    the build's .config (runtest's `optional` and CONFIG_ checks read
#           it); copied to WORK/.config.
# WORK      a fresh working directory (deleted first): runtest writes its
#           scratch files and applet links beside the tests, and a test's cwd
#           is the testsuite directory itself.
# GROUP     applet names joined by commas, given to one `runtest` together.
#           runtest rebuilds its ~400 applet links on every call (a fork and
#           exec each), so a group shares that cost; the caller picks groups
#           (tests/busybox/bbtest.py plan). Names this BusyBox does not
#           implement are left out and listed, as runtest's default run
#           (all implemented applets) leaves them out.
#
# Output (stdout, with runtest's own lines between):
#   bbtest: begin WORK
#   bbtest: not built: NAME...              (if any)
#   bbtest: group N: APPLET APPLET...
#   PASS: name / FAIL: name / SKIPPED: name / UNTESTED: name    (runtest's)
#   bbtest: group N end: status S, T s
#   bbtest: end, G groups, T s
# BBTEST_VERBOSE=1 runs runtest -v (each failure's diff or trace; by hand).
# A group runs under `timeout` (BBTEST_TIMEOUT seconds, default 900; bc's
# tests, the longest, take ~5 min in Kenix): a hung test costs that group's
# remaining tests (the comparison names them as not run), not the whole run.
set -u

usage="usage: run.sh TESTSUITE CONFIG WORK GROUP..."
testsuite=${1:?$usage}
config=${2:?$usage}
work=${3:?$usage}
shift 3
limit=${BBTEST_TIMEOUT:-900}

# The busybox this shell is (both callers put it first in PATH as busybox).
bb=$(command -v busybox) || { echo "bbtest: no busybox in PATH=$PATH"; exit 2; }
case $bb in
/*) ;;
*) echo "bbtest: busybox is not an absolute path: $bb"; exit 2 ;;
esac

start=$(date +%s)
rm -rf "$work" && mkdir -p "$work" || { echo "bbtest: cannot make $work"; exit 2; }
cp -R "$testsuite" "$work/testsuite" && cp "$config" "$work/.config" ||
    { echo "bbtest: cannot copy $testsuite and $config to $work"; exit 2; }
# runtest's bindir is the testsuite's parent: $bindir/busybox and $bindir/.config.
ln -s "$bb" "$work/busybox"
# Every applet in one directory first in PATH (runtest's own links directory
# only covers the *.tests scripts; the old-style tests run with $bindir first).
# --install -s links to argv[0] when /proc/self/exe cannot be read (Kenix has no
# /proc yet), hence the absolute path.
mkdir "$work/applets" "$work/home" && "$bb" --install -s "$work/applets" ||
    { echo "bbtest: cannot install applet links in $work/applets"; exit 2; }
# SHELL as a login would set it (taskset.tests runs `taskset MASK $SHELL -c ...`).
export PATH="$work/applets:$PATH" HOME="$work/home" SHELL=/bin/sh
# No test may wait for the console (Kenix) or inherit a host file (qemu-user).
exec </dev/null

echo "bbtest: begin $work"
cd "$work/testsuite" || exit 2
# What runtest's default run iterates over: `busybox` and every applet.
implemented=" busybox $("$bb" --list | tr '\n' ' ') "
n=0
for group in "$@"; do
    applets= skipped=
    for a in $(echo "$group" | tr , ' '); do
        case $implemented in
        *" $a "*) applets="$applets $a" ;;
        *) skipped="$skipped $a" ;;
        esac
    done
    [ -z "$skipped" ] || echo "bbtest: not built:$skipped"
    [ -n "$applets" ] || continue
    n=$((n + 1))
    applets=${applets# }
    echo "bbtest: group $n: $applets"
    t0=$(date +%s)
    # runtest in a process group of its own (setsid execs it in place: this
    # shell's child is no group leader), so that after a timeout the tests it
    # left running go too and do not slow the next group down.
    # shellcheck disable=SC2086  # one argument per applet
    timeout -s KILL "$limit" setsid sh ./runtest ${BBTEST_VERBOSE:+-v} $applets &
    pid=$!
    wait "$pid"
    status=$?
    [ "$status" -lt 128 ] || kill -s KILL -- "-$pid" 2>/dev/null
    echo "bbtest: group $n end: status $status, $(($(date +%s) - t0)) s"
done
echo "bbtest: end, $n groups, $(($(date +%s) - start)) s"
