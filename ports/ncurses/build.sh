#!/usr/bin/env bash
# ncurses 6.4's build recipe (cmake/Ports.cmake runs it; docs/porting.md describes
# the environment): the libraries and headers other ports link against (less), no
# programs, no terminfo database. The terminals Kenix's console may be are compiled
# into the library (--with-fallbacks): the console says TERM=vt100 (servers/init),
# and a user may set another; a static program then needs no /usr/share/terminfo.
# The fallback entries are made from ncurses's own terminfo.src by the host's tic
# and infocmp (ncurses-bin, the same 6.4 release: host-packages.txt).
set -euo pipefail
cd "$BUILD"
find . -mindepth 1 -delete
# -static in CC: configure links its probes with $CC alone (a dynamic link fails
# on crtbeginS.o and libgcc_s, and every probe would "fail" quietly). The tools
# ncurses runs while it builds (make_keys, make_hash) are built for the host by
# BUILD_CC. tinfo apart (--with-termlib), as Debian's: less needs only that.
"$SRC/configure" --host="$HOST" --build="$(sh "$SRC/config.guess")" \
    CC="$CC -static" AR="$AR" RANLIB="$RANLIB" CFLAGS="-O2" --with-build-cc=clang \
    --prefix=/usr --without-shared --without-debug --without-cxx --without-cxx-binding --without-ada \
    --without-progs --without-tests --without-manpages --disable-db-install --without-pkg-config \
    --with-termlib --with-fallbacks=vt100,vt220,linux,xterm,xterm-256color,screen,ansi \
    --with-tic-path=/usr/bin/tic --with-infocmp-path=/usr/bin/infocmp >configure.out
make -j"$JOBS" >make.out
make install DESTDIR="$DESTDIR" >install.out
