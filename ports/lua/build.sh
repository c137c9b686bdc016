#!/usr/bin/env bash
# Lua 5.4's build recipe (cmake/Ports.cmake runs it; docs/porting.md describes the
# environment): its plain Makefile, the "posix" target -- "linux" would add dlopen
# and -Wl,-E, which a static program has no use for -- then the interpreter, the
# compiler, liblua.a and the headers under $DESTDIR/usr, and the port's test
# scripts under $DESTDIR/usr/share/kenix/ports/lua (tests/scenarios/ports.py).
set -euo pipefail
cd "$SRC"
make -C src clean >/dev/null
# CC carries -std=gnu99 as Lua's own default does; -static so the programs link
# against the sysroot's libc.a alone.
make -C src -j"$JOBS" posix CC="$CC -static -std=gnu99" AR="$AR rcu" RANLIB="$RANLIB"
make install INSTALL_TOP="$DESTDIR/usr" >/dev/null
"$STRIP" "$DESTDIR/usr/bin/lua" "$DESTDIR/usr/bin/luac"
install -d "$DESTDIR/usr/share/kenix/ports/lua"
install -m 0644 "$PORT"/tests/*.lua "$DESTDIR/usr/share/kenix/ports/lua/"
