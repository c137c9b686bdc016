#!/usr/bin/env bash
# zlib's build recipe (cmake/Ports.cmake runs it; the environment is described in
# docs/porting.md): its own hand-written configure, static only, then the library,
# its headers and its two test programs, example and minigzip, into $DESTDIR/usr.
set -euo pipefail
cd "$SRC"
# zlib builds in its source tree; start from what configure would find in a fresh one.
[[ -f Makefile && -f configure.log ]] && make distclean >/dev/null
# configure only compiles and links test programs (it never runs them), so the
# cross compiler needs no emulator. uname would be the host's: CHOST says which
# system the library is for, and keeps configure from guessing from the host.
# -static belongs to the compiler here: configure links its probes (strerror,
# vsnprintf) with $CC alone, and a dynamic link finds no crtbeginS.o or libgcc_s --
# every probe "fails" and zlib falls back to vsprintf without a word of error.
CHOST=$HOST CC="$CC -static" AR=$AR RANLIB=$RANLIB CFLAGS="-O2" ./configure --static --prefix=/usr
grep -q -- -DNO_vsnprintf Makefile && { echo "zlib: configure found no vsnprintf: the probes did not link" >&2; exit 1; }
make -j"$JOBS" libz.a example minigzip
make install DESTDIR="$DESTDIR" >/dev/null # the library, zlib.h and zconf.h, zlib.pc, zlib.3
install -d "$DESTDIR/usr/bin"
for p in example minigzip; do
    "$STRIP" -o "$DESTDIR/usr/bin/$p" "$p"
done
