#!/usr/bin/env bash
# BusyBox's own testsuite against the cross-built (aarch64) BusyBox on this
# x86-64 host, under qemu-user: the list of tests that pass here is what the
# same build must also pass inside Kenix (tests/busybox/README.md).
#
#   host_run.sh --busybox FILE --config FILE --testsuite DIR --work DIR
#               [--jobs N] [--groups N] [--qemu FILE] [--timeout SECONDS]
#               [--only APPLET,APPLET...]
#
# --only runs just those applets, as one group (by hand, with BBTEST_VERBOSE=1
# for runtest -v's diffs).
# Writes WORK/results.txt (runtest's lines, one per test: "PASS: name" ...),
# WORK/host.log (every group's transcript, in plan order) and WORK/logs/.
# Exit 0 when every group ran to its end, whatever the tests said.
#
# Everything runs as aarch64, never as a host tool: in a private user and mount
# namespace (unshare -Urm) a binfmt_misc instance of its own (Linux >= 6.7)
# sends aarch64 ELF files to qemu-aarch64-static (argv[0] preserved, as on
# Linux: binfmt_misc's P flag), so applet links, `#!/bin/sh`
# scripts and every child process run under qemu too; /bin (on Debian 12 the
# same directory as /usr/bin) and /tmp are private tmpfs mounts there, /bin
# holding only BusyBox's applet links, and PATH is /bin. The host is not
# changed. Groups of applets (bbtest.py plan) run JOBS at a time, each in its
# own working directory, through run.sh, the script the guest runs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "host_run.sh: $*" >&2; exit 2; }

# aarch64 ELF: the magic and mask of Debian's binfmt.d qemu-aarch64.conf. They
# are written to binfmt_misc literally: it decodes the \x escapes itself.
MAGIC='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'

# ---- inside the namespace (the script calls itself) ------------------------------------
if [[ ${1:-} == --inside ]]; then
    shift
    bb=$1 qemu=$2 flags=$3 work=$4 jobs=$5 limit=$6
    shift 6  # the rest: the groups
    bfm=/proc/sys/fs/binfmt_misc
    if mount -t binfmt_misc binfmt_misc "$bfm" 2>"$work/mount.err"; then
        # F: the kernel opens qemu now, so it runs even where it is no longer visible
        # (/bin below). P: see preserve below. The entry dies with the namespace.
        printf '%s' ":kenix-aarch64:M::$MAGIC:$MASK:$qemu:$flags" >"$bfm/register" ||
            die "cannot register qemu in the private binfmt_misc"
    elif "$bb" true 2>/dev/null; then
        echo "host_run.sh: no private binfmt_misc ($(<"$work/mount.err")); the host's registration runs aarch64 programs, using it" >&2
    else
        die "cannot mount a binfmt_misc instance in a user namespace ($(<"$work/mount.err")).
That needs Linux >= 6.7 (this is $(uname -r)). Alternatives: a newer kernel, or
register qemu-aarch64 with the F flag on the host (apt-get install qemu-user-binfmt
does, for every user) and run again."
    fi
    "$bb" true || die "$bb does not run as aarch64 through binfmt_misc"
    # /tmp is about to become a private tmpfs: a checkout or build directory
    # under the old one (a CI clone in /tmp) stays reachable through /mnt,
    # bound there first (in this namespace only).
    under_tmp() { [[ $1 == /tmp || $1 == /tmp/* ]]; }
    if under_tmp "$work" || under_tmp "$here" || under_tmp "$bb"; then
        [[ -d /mnt ]] || die "the work directory is under /tmp and there is no /mnt to keep it reachable at"
        mount --bind /tmp /mnt || die "cannot bind the old /tmp at /mnt"
        under_tmp "$work" && work=/mnt${work#/tmp}
        under_tmp "$here" && here=/mnt${here#/tmp}
        under_tmp "$bb" && bb=/mnt${bb#/tmp}
    fi
    # From here on no host program is visible in /bin; bash (running) and the
    # busybox given by its full path are what is left.
    mount -t tmpfs -o mode=1777 kenix-bbtest-tmp /tmp || die "cannot mount a tmpfs on /tmp"
    mount -t tmpfs -o mode=0755 kenix-bbtest-bin /bin || die "cannot mount a tmpfs on /bin"
    # As in Kenix's image: /bin/busybox and a link per applet beside it.
    "$bb" ln -s "$bb" /bin/busybox && "$bb" --install -s /bin ||
        die "cannot install BusyBox's applet links in /bin"
    "$bb" test -x /bin/sh || die "no /bin/sh after busybox --install"

    # A queue of groups, JOBS at a time; each slot has its working directory.
    declare -A slot_of=()
    free=() i=0
    for ((s = 1; s <= jobs; s++)); do free+=("$s"); done
    start() { # group index
        local slot=${free[0]} n=$1
        free=("${free[@]:1}")
        /bin/env -i PATH=/bin HOME=/ TERM=vt100 BBTEST_TIMEOUT="$limit" ${BBTEST_VERBOSE:+BBTEST_VERBOSE=1} \
            /bin/sh "$here/run.sh" "$work/testsuite" "$work/.config" "$work/slot$slot" "${groups[n]}" \
            >"$work/logs/group$((n + 1)).log" 2>&1 &
        slot_of[$!]=$slot
    }
    groups=("$@")
    for ((n = 0; n < ${#groups[@]}; n++)); do
        if ((${#free[@]} == 0)); then
            wait -n -p done_pid || true
            free+=("${slot_of[$done_pid]}")
        fi
        start "$n"
    done
    wait
    exit 0
fi

# ---- on the host ------------------------------------------------------------------------
busybox='' config='' testsuite='' work='' jobs=$(nproc) groups=8 limit=900 only=''
qemu=$(command -v qemu-aarch64-static || true)
while (($#)); do
    case $1 in
    --busybox) busybox=$2 ;;
    --config) config=$2 ;;
    --testsuite) testsuite=$2 ;;
    --work) work=$2 ;;
    --jobs) jobs=$2 ;;
    --groups) groups=$2 ;;
    --qemu) qemu=$(command -v "$2" || true) ;;
    --timeout) limit=$2 ;;
    --only) only=$2 ;;
    *) die "unknown argument $1" ;;
    esac
    shift 2
done
[[ -f $busybox && -f $config && -f $testsuite/runtest && -n $work ]] ||
    die "usage: host_run.sh --busybox FILE --config FILE --testsuite DIR --work DIR [--jobs N] [--groups N]"
[[ -x $qemu ]] || die "qemu-aarch64-static not found (Debian: apt-get install qemu-user-static)"
((jobs >= 1 && groups >= 1)) || die "--jobs and --groups must be >= 1"
command -v unshare >/dev/null || die "unshare not found (Debian: util-linux)"

busybox=$(realpath "$busybox") qemu=$(realpath "$qemu")
# Without binfmt_misc's P flag the kernel hands qemu the program's path in place
# of the argv[0] it was exec'd with, and an applet started as `-a NAME` would
# run as the link's name, unlike on Linux or Kenix (start-stop-daemon.tests
# passes only that way). With P qemu must be told argv[0] is there: Debian's
# build does so when it runs under the name .../qemu-binfmt/aarch64-binfmt-P.
flags=F
preserve=$(dirname "$qemu")/../libexec/qemu-binfmt/aarch64-binfmt-P
if [[ -e $preserve && $(realpath "$preserve") == "$qemu" ]]; then
    qemu=$(realpath -s "$preserve") flags=PF
else
    echo "host_run.sh: no $preserve beside $qemu: argv[0] is not preserved (binfmt_misc without P)" >&2
fi
mkdir -p "$work" && work=$(realpath "$work")
rm -rf "$work/testsuite" "$work/logs" "$work"/slot* && mkdir "$work/logs"
# A copy: the build's testsuite stays as BusyBox shipped it.
cp -a "$testsuite" "$work/testsuite"
cp "$config" "$work/.config"
cp "$busybox" "$work/busybox"

if [[ $only ]]; then
    plan=("$only")
else
    mapfile -t plan < <(python3 "$here/bbtest.py" plan --testsuite "$work/testsuite" --parts "$groups")
fi
echo "host_run.sh: ${#plan[@]} groups of applets, $jobs at a time, under $qemu"

# Root can always make a user namespace; anyone else needs the kernel's leave.
if ! err=$(unshare -Urm true 2>&1); then
    why="unshare -Urm (a user and mount namespace) failed: $err."
    if [[ $(id -u) != 0 ]]; then
        why+=" Unprivileged user namespaces are off here"
        [[ -r /proc/sys/kernel/unprivileged_userns_clone ]] &&
            why+=" (kernel.unprivileged_userns_clone=$(</proc/sys/kernel/unprivileged_userns_clone))"
        [[ -r /proc/sys/user/max_user_namespaces ]] &&
            why+=" (user.max_user_namespaces=$(</proc/sys/user/max_user_namespaces))"
        why+="; run as root, or enable them (sysctl kernel.unprivileged_userns_clone=1)."
    else
        why+=" As root this only fails when user namespaces are disabled (user.max_user_namespaces=0) or a seccomp/container policy forbids unshare."
    fi
    die "$why"
fi

t0=$SECONDS
status=0
unshare -Urm --propagation private "$BASH" "$here/host_run.sh" --inside \
    "$work/busybox" "$qemu" "$flags" "$work" "$jobs" "$limit" "${plan[@]}" || status=$?
((status == 0)) || die "the namespace's run failed (status $status)"
logs=()
for ((n = 1; n <= ${#plan[@]}; n++)); do logs+=("$work/logs/group$n.log"); done
cat "${logs[@]}" >"$work/host.log"
status=0
python3 "$here/bbtest.py" results "${logs[@]}" -o "$work/results.txt" || status=$?
for s in PASS FAIL SKIPPED UNTESTED; do
    printf '%s %s  ' "$(grep -c "^$s: " "$work/results.txt" || true)" "$s"
done
echo
echo "host_run.sh: $((SECONDS - t0)) s; results in $work/results.txt"
grep -h '^bbtest: group' "${logs[@]}" | grep ' end: ' || true
exit $status
