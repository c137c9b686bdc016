#!/usr/bin/env bash
# less 590's build recipe (cmake/Ports.cmake runs it; docs/porting.md describes the
# environment): autoconf, cross-compiled, against the ncurses port's libtinfo
# (depends.txt) for the terminal's capabilities, and musl's POSIX regex for
# searches. Installs /usr/bin/less.
set -euo pipefail
# The tree is unpacked with fresh times in the tarball's order, and less's own
# Makefile runs `autoheader; autoconf` (by name, not through $(AUTOCONF)) when
# configure.ac looks newer than configure: make the generated files the newest.
touch "$SRC/defines.h.in"
touch "$SRC/configure"
cd "$BUILD"
find . -mindepth 1 -delete
# -static in CC: configure links its probes with $CC alone (see docs/porting.md).
# The ncurses port installed into the same tree: its headers and libtinfo.a are
# found there, and configure's search for a terminal library finds -ltinfo.
"$SRC/configure" --host="$HOST" --build="$(sh "$SRC/config.guess" 2>/dev/null || echo x86_64-pc-linux-gnu)" \
    CC="$CC -static" AR="$AR" RANLIB="$RANLIB" CFLAGS="-O2" \
    CPPFLAGS="-I$DESTDIR/usr/include" LDFLAGS="-L$DESTDIR/usr/lib" \
    --prefix=/usr --with-regex=posix >configure.out
grep -q "^LIBS = .*-ltinfo" Makefile || { echo "less: configure found no terminal library (want -ltinfo)" >&2; exit 1; }
make -j"$JOBS" less >make.out
install -d "$DESTDIR/usr/bin"
"$STRIP" -o "$DESTDIR/usr/bin/less" less
