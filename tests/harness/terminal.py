"""Typing at Kenix's interactive shell on the serial console (the console
and disk scenarios): wait for the prompt, type a command line, power off."""
import re

from scenario import check

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
