#!/usr/bin/env bash
# SQLite's build recipe (cmake/Ports.cmake runs it; docs/porting.md describes the
# environment). Debian ships SQLite's full source tree, so the build first makes
# the amalgamation (sqlite3.c) with tclsh and a few host tools (lemon,
# mkkeywordhash) compiled by the build machine's compiler, then the sqlite3 shell
# for Kenix. Autoconf, cross-compiled: --host names the target, BUILD_CC the
# compiler for the tools that run during the build.
set -euo pipefail
cd "$BUILD"
find . -mindepth 1 -delete
# -static in CC: configure's link tests must link the way the programs will.
# No threads (Kenix's clone takes no CLONE_THREAD yet) and no loadable extensions
# (a static program has no dlopen); no readline (the shell's own line input).
"$SRC/configure" --host="$HOST" --build="$(sh "$SRC/config.guess")" \
    CC="$CC -static" BUILD_CC=clang AR="$AR" RANLIB="$RANLIB" CFLAGS="-O2" \
    --disable-shared --enable-static --disable-threadsafe --disable-load-extension \
    --disable-tcl --disable-readline --disable-editline --enable-math \
    --prefix=/usr >configure.out
# libtool takes -static on a link line as its own option ("prefer static libtool
# libraries") and drops it from the compiler's command: the link would be dynamic
# and fail on crtbeginS.o and libgcc_s. -all-static is libtool's word for it.
make -j"$JOBS" sqlite3 LTLINK_EXTRAS=-all-static >make.out
install -d "$DESTDIR/usr/bin"
"$STRIP" -o "$DESTDIR/usr/bin/sqlite3" sqlite3
install -d "$DESTDIR/usr/share/kenix/ports/sqlite"
install -m 0644 "$PORT"/tests/*.sql "$DESTDIR/usr/share/kenix/ports/sqlite/"
