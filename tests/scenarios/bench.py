"""Boot benchmark: prints figures, never fails on time.

Under -icount shift=0 the guest clock advances 1 ns per instruction, so the
kernel's own time stamps are instruction counts (in thousands); host wall
time is measured around the emulator.
"""
import time

from scenario import check, scenario


@scenario("bench.boot")
def boot(ctx):
    for icount in (True, False):
        mode = "icount" if icount else "tcg"
        start = time.monotonic()
        with ctx.boot("kenix.poweroff", icount=icount, initrd=False, disk=False) as s:
            m = s.expect(r"^boot: entered at EL1, running at EL1, banner (\d+) us after kernel entry$")
            banner_wall = time.monotonic() - start
            banner_guest = int(m.group(1))
            m = s.expect(r"^boot: done in (\d+) us$")
            done_guest = int(m.group(1))
            s.expect(ctx.success_marker())
            check(s.wait_exit() == 0, f"{mode}: powered off")
            exit_wall = time.monotonic() - start
        if icount:
            print(f"BENCH boot icount: kernel entry -> banner {banner_guest * 1000} instructions, "
                  f"-> boot done {done_guest * 1000} instructions")
        else:
            print(f"BENCH boot tcg: kernel entry -> banner {banner_guest} us guest, -> done {done_guest} us guest")
        print(f"BENCH boot {mode} wall: QEMU start -> banner {banner_wall * 1000:.0f} ms, "
              f"-> exit {exit_wall * 1000:.0f} ms")
