"""BusyBox as a user drives it: shell scripts (tests/shell/*.sh, installed in
/usr/lib/kenix/shell) run by /bin/sh as process 1 (kenix.init=/bin/sh -- SCRIPT),
every line of their output checked exactly, in order. The programs they run
come from the vfs (BusyBox's applet links), through fork and execve."""
import re

from scenario import check, scenario

TROUBLE = r"PANIC|unexpected interrupt|protocol violation"


def run_script(ctx, name, lines, timeout=60):
    with ctx.boot(f"kenix.init=/bin/sh kenix.poweroff -- /usr/lib/kenix/shell/{name}.sh") as s:
        s.expect(r"^init: starting /bin/sh as process 1$")
        for line in lines:
            s.expect("^" + re.escape(line) + "$", timeout=timeout)
        s.expect(r"^process 1 \(/bin/sh\) exited with status 0$", timeout=timeout)
        s.expect(ctx.success_marker())
        check(s.wait_exit() == 0, f"{name}.sh: {len(lines)} lines exactly as expected, then exit status 0")
        s.expect_not(TROUBLE)


@scenario("shell.pipeline")
def pipeline(ctx):
    """Five-command pipelines, > >> < 2>&1, here-documents (expanded and
    quoted), $(...) nested, subshells and their status, groups, loops."""
    run_script(ctx, "pipeline", [
        "top:  3 apple",
        "kept: 2",
        "lines: 2",
        "first: one",
        "ls failed: 1",
        "errors: 1",
        "here: /root 42",
        "quoted: $HOME",
        "nested: inner nested",
        "subshell: /",
        "still: /tmp/shell.pipeline",
        "status: 3",
        "grouped: 2",
        "loop: 5",
        "kernel: Kenix",
        "pipeline: done",
    ])


@scenario("shell.jobs")
def jobs(ctx):
    """trap (a signal to the shell itself, EXIT), background jobs, wait and
    their statuses, a killed job's 128+15."""
    run_script(ctx, "jobs", [
        "trap: USR1",
        "wait: 0",
        "background status: 7",
        "job 1",
        "job 2",
        "job 3",
        "killed: 143",
        "jobs: done",
        "trap: EXIT",
    ])


@scenario("shell.files")
def files(ctx):
    """find | xargs, find / -name, sed -i, sort | uniq -c, chmod and touch -d,
    cp -a keeping modes, times and symbolic links, tar there and back
    (diff -r), mv of a directory, ETXTBSY for a program that runs."""
    run_script(ctx, "files", [
        "find: hello world ",
        "find /: /tmp/tree/a/b/one.txt",
        "sed -i: goodbye",
        "count: 3 x",
        "count: 1 y",
        "cp -a: 750 981173106 6 ../c/two.txt",
        "tar: same",
        "tar times: 750 981173106",
        "mv: a moved three.log ",
        "running program: refused",
        "ended program: written",
        "files: done",
    ])
