"""The console: init's interactive shell on the serial line, typed at as a
person would (servers/console, kernel/posix/tty.c).

The boot has no kenix.init and no programs after "--": init starts the
console server and runs /bin/sh -i in a session whose controlling terminal is
/dev/console. The kernel log stays quiet (kernel_log_all=False), as a user's
console does, so the screen holds only what the shell and its programs write.
"""
import re

from scenario import check, scenario
from terminal import ESC, command, powered_off, prompt


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


@scenario("console.tools", labels=["console"], timeout=120)
def tools(ctx):
    """ps, top -n 1, free, mount, df, dmesg, uptime, tty, pidof, killall, renice,
    hostname: the tools that read /proc and the new system calls."""
    with ctx.boot("", kernel_log_all=False) as s:
        prompt(s, timeout=30)
        command(s, "ps", r"^\s+1 root\s+\S+ /init\n(.*\n)*\s+\d+ root\s+\S+ /sbin/console\n(.*\n)*\s+\d+ root\s+\S+ ps$")
        check(True, "ps lists init, the servers and itself from /proc")
        s.send("top -n 1 | head -3\r")
        s.expect(r"Mem: \d+K used, \d+K free")
        s.expect(r"CPU:\s+\S+% usr")
        s.expect(r"Load average: \d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+")
        prompt(s)
        check(True, "top -n 1 shows memory, CPU and load from /proc/meminfo, /proc/stat, /proc/loadavg")
        command(s, "free", r"^Mem:\s+131072\s+\d+\s+\d+")
        check(True, "free: 128 MiB of RAM")
        command(s, "mount", r"^proc on /proc type proc \(rw,nosuid,nodev,noexec\)\n/dev/vda on /mnt type vfat \(rw\)$")
        command(s, "df /mnt", r"^/dev/vda\s+\d+\s+\d+\s+\d+\s+\d+% /mnt$")
        command(s, "blockdev --getsize64 /dev/vda; blockdev --getss /dev/vda", r"^67108864\n512$")
        command(s, "dd if=/dev/vda bs=512 count=1 2>/dev/null | tail -c 2 | od -An -tx1", r"^ 55 aa$")
        check(True, "/dev/vda: BLKGETSIZE64, BLKSSZGET, and its first sector through the vfs's cache")
        check(True, "mount and df read /proc/mounts and statfs: /dev/vda on /mnt")
        command(s, "dmesg | grep -c 'Kenix .*(aarch64)'", r"^1$")
        command(s, "uptime", r"up \d+ min,\s+\d+ users?,\s+load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d")
        command(s, "tty", r"^/dev/console$")
        check(True, "dmesg reads the kernel log; uptime; tty names the terminal through /proc/self/fd/0")
        command(s, "sleep 300 & sleep 301 & pidof sleep | wc -w", r"^2$")
        command(s, "killall sleep; wait; pidof sleep || echo none", r"^none$")
        check(True, "pidof and killall find processes by name in /proc")
        command(s, "renice -n 5 -p $$ >/dev/null; cut -d' ' -f19 /proc/$$/stat", r"^5$")
        command(s, "hostname box && uname -n", r"^box$")
        check(True, "renice (setpriority) shows in /proc/<pid>/stat; hostname (sethostname)")
        command(s, "ls -l --color=never /proc/self/fd/0", r"/proc/self/fd/0 -> /dev/console")
        powered_off(ctx, s)
        s.expect_not(r"panic|Oops")


@scenario("console.restart", labels=["console"], timeout=120)
def restart(ctx):
    """Killing the console or the block device server: the kernel and the other
    servers go on, init starts it again, the shell answers again and the disk
    can be read again."""
    with ctx.boot("", kernel_log_all=False) as s:
        prompt(s, timeout=30)
        command(s, "cat /mnt/README.TXT", r"^Kenix test disk \(FAT32\)")
        s.send("kill -9 $(pidof console)\r")
        s.expect(r"init: the console server ended \(status 0x9\): starting it again", timeout=20)
        prompt(s, timeout=30)
        command(s, "echo answers $((2 + 2))", r"^answers 4$")
        check(True, "after kill -9 of the console, init starts it again and a new shell answers")
        command(s, "kill -9 $(pidof blkdev); sleep 1; pidof blkdev >/dev/null && echo back", r"^back$")
        s.expect  # the restart line may interleave; the file is what matters
        command(s, "echo 3 >/dev/null; cat '/mnt/A file with a long name.txt'", r"^This name needs VFAT long-file-name entries\.$")
        command(s, "echo written-after > /mnt/after.txt && sync && cat /mnt/after.txt", r"^written-after$")
        check(True, "after kill -9 of blkdev, init starts it again and /mnt reads and writes")
        powered_off(ctx, s)
        s.expect_not(r"panic|Oops")


@scenario("console.vi", labels=["console"], timeout=90)
def vi(ctx):
    """vi opens a file, inserts text, saves; cat shows it."""
    with ctx.boot("", kernel_log_all=False) as s:
        prompt(s, timeout=30)
        s.send("vi /tmp/note.txt\r")
        s.expect(r"/tmp/note\.txt", timeout=20)  # vi's status line
        s.send("ihello from vi\rsecond line")
        s.expect(r"second line")
        # ESC alone: vi waits a moment for the rest of an escape sequence, so
        # the command waits until vi shows it has left insert mode.
        s.send(ESC)
        s.expect(r"- /tmp/note\.txt \[Modified\]", timeout=10)
        s.send(":wq\r")
        prompt(s, timeout=20)
        command(s, "cat /tmp/note.txt", r"^hello from vi\nsecond line$")
        check(True, "vi inserted two lines and saved them")
        powered_off(ctx, s)
