"""The console: init's interactive shell on the serial line, typed at as a
person would (servers/console, kernel/posix/tty.c).

The boot has no kenix.init and no programs after "--": init starts the
console server and runs /bin/sh -i in a session whose controlling terminal is
/dev/console. The kernel log stays quiet (kernel_log_all=False), as a user's
console does, so the screen holds only what the shell and its programs write.
"""
import re

from scenario import check, scenario

PROMPT = "/ # "
ESC = "\x1b"


def prompt(s, timeout=20):
    """Waits for the next prompt (which ends no line, so no `$`)."""
    return s.expect(re.escape(PROMPT), timeout=timeout)


def command(s, line, expect, timeout=20):
    """Types line and Enter, then waits for expect (a regex) and the prompt."""
    s.send(line + "\r")
    m = s.expect(expect, timeout=timeout)
    prompt(s, timeout)
    return m


def powered_off(ctx, s):
    s.send("poweroff\r")
    s.expect(r"^init: powering off$")
    s.expect(r"reboot: Power down")
    s.expect(ctx.success_marker())
    check(s.wait_exit() == 0, "poweroff powers the machine off")


@scenario("console.session", labels=["console"], timeout=120)
def session(ctx):
    """Line editing, ^C, ^Z with jobs/bg/fg, cat | cat with ^D, exit, poweroff."""
    with ctx.boot("", kernel_log_all=False) as s:
        prompt(s, timeout=30)
        check(True, "init ran the shell on the console: the prompt is / # ")
        command(s, "echo hello $((6 * 7))", r"^hello 42$")
        check(True, "a command line runs and its output reaches the screen")

        # BusyBox's line editor reads raw bytes (it turns ISIG and ICANON off):
        # DEL erases, ^U kills the line, ^W the word, ESC [ A recalls history.
        command(s, "echo abx\x7fc", r"^abc$")
        check(True, "backspace (DEL) erases the character before the cursor")
        command(s, "echo wrong\x15echo right", r"^right$")
        check(True, "^U kills the line typed so far")
        command(s, "echo one two\x17three", r"^one three$")
        check(True, "^W erases the word before the cursor")
        command(s, f"{ESC}[A", r"^one three$")
        check(True, "the up arrow recalls the last command")

        # The cooked terminal the shell restores for its children: ^C is SIGINT.
        # Each job says "started" once it runs in the foreground, so a key
        # typed after that reaches it (typed earlier, the shell's own line
        # editor would still have the terminal, as on Linux).
        sleeper = "sh -c 'echo started; exec sleep 100'"
        s.send(sleeper + "\r")
        s.expect(r"^started$")
        s.send("\x03")
        prompt(s, timeout=10)
        command(s, "echo status $?", r"^status 130$")
        check(True, "^C interrupts sleep 100 in the foreground (status 130 = SIGINT)")

        s.send(sleeper + "\r")
        s.expect(r"^started$")
        s.send("\x1a")
        s.expect(r"\[1\]\+\s+Stopped\s+sh -c")
        prompt(s)
        check(True, "^Z stops the foreground job and the shell says so")
        command(s, "jobs", r"\[1\]\+\s+Stopped\s+sh -c")
        check(True, "jobs lists the stopped job")
        command(s, "bg; sleep 1; jobs", r"\[1\]\+\s+Running\s+sh -c")
        check(True, "bg continues it in the background")
        command(s, "kill %1; wait; jobs; echo none left", r"^none left$")

        reader = "sh -c 'echo started; while read x; do echo got $x; done'"
        s.send(reader + "\r")
        s.expect(r"^started$")
        s.send("one\r")
        s.expect(r"^got one$")
        s.send("\x1a")
        s.expect(r"\[1\]\+\s+Stopped\s+sh -c")
        prompt(s)
        s.send("fg\r")
        s.expect(r"while read x")
        s.send("two\r")
        s.expect(r"^got two$", timeout=10)
        check(True, "fg brings the stopped job back to the foreground: it reads the terminal again")
        s.send("\x03")
        prompt(s, timeout=10)
        command(s, "jobs; echo none left", r"^none left$")
        check(True, "and ^C ends it")

        s.send("sh -c 'echo started; exec cat' | cat\r")
        s.expect(r"^started$")
        s.send("through two cats\r")
        s.expect(r"^through two cats\n(.*\n)?through two cats$")
        s.send("\x04")
        prompt(s, timeout=10)
        check(True, "cat | cat echoes a line through both and ends at ^D")

        command(s, "stty -a | head -1", r"^speed 38400 baud; rows 24; columns 80;")
        command(s, "stty -echo; stty -a | grep -o -- '-echo ' | head -1; stty echo", r"^-echo $")
        check(True, "stty reads and changes the terminal's settings (TCGETS/TCSETS)")

        command(s, "exit", r"")
        check(True, "exit ends the shell and init starts it again (the prompt is back)")
        command(s, "echo still here", r"^still here$")

        powered_off(ctx, s)
        s.expect_not(r"panic|Oops|invalid syscall")
