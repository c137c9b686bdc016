#!/usr/bin/env python3
"""A stand-in for qemu-system-aarch64 in the harness self-test.

It takes QEMU's command line, reads the kernel command line from -append the
way Kenix reads /chosen/bootargs, reports the -initrd file's size and the
-icount option after the banner (so a test sees what QEMU was given, while it
ran), and plays a console transcript chosen by `fake.mode=` (serial-style CRLF
line ends):
  ok         banner, cmdline, nonce marker, exit 0
  wrongnonce the marker with a different nonce, exit 0
  hang       banner, then starts a child and sleeps; fake.pidfile= gets
             "CHILD_PID OWN_PID"
  echo       echoes each line typed on the console until "quit", then exit 0
  status     exits with fake.status= without printing the marker
"""
import os
import subprocess
import sys
import time


def main(argv):
    cmdline = argv[argv.index("-append") + 1] if "-append" in argv else ""
    opts = dict(w.split("=", 1) if "=" in w else (w, "") for w in cmdline.split())
    mode = opts.get("fake.mode", "ok")

    def say(line):
        sys.stdout.write(line + "\r\n")
        sys.stdout.flush()

    say("Kenix 0.1.0 (aarch64)")
    say(f'cmdline: "{cmdline}"')
    if "-initrd" in argv:
        say(f"fake: initrd {os.path.getsize(argv[argv.index('-initrd') + 1])} bytes")
    if "-icount" in argv:
        say(f"fake: icount {argv[argv.index('-icount') + 1]}")
    if mode == "ok":
        say(f"KENIX-BOOT-OK nonce={opts.get('kenix.nonce', '')}")
    elif mode == "wrongnonce":
        say("KENIX-BOOT-OK nonce=0123456789abcdef")
    elif mode == "hang":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        if "fake.pidfile" in opts:
            with open(opts["fake.pidfile"], "w") as f:
                f.write(f"{child.pid} {os.getpid()}")
        say("hanging")
        time.sleep(60)
    elif mode == "echo":
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line == "quit":
                break
            say(f"echo: {line}")
    elif mode == "status":
        return int(opts.get("fake.status", "3"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
