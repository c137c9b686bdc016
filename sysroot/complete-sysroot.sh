#!/usr/bin/env bash
# complete-sysroot.sh SYSROOT
#
# Runs after `make install` of musl. musl alone is not enough for a plain
# `clang --target=aarch64-linux-musl -static` link, so this adds (TOOLCHAIN-NOTES §3):
#   - libgcc.a for aarch64: long double is IEEE binary128 there and musl's libc.a
#     calls the soft-float helpers (__addtf3, __multf3, ...). Debian has no aarch64
#     compiler-rt, so it comes from libgcc-12-dev-arm64-cross.
#   - an empty libgcc_eh.a and empty crtbeginT.o/crtend.o: clang's static link line
#     names them, and musl needs none of what GCC would put there.
#   - the Linux UAPI headers linux/ asm/ asm-generic/ mtd/ (BusyBox and other ports
#     include them; Kenix speaks the Linux ABI). Not scsi/: musl ships its own.
#   - aarch64-linux-musl.cfg, so Makefile-based ports need only
#     CC="clang --config SYSROOT/aarch64-linux-musl.cfg". <CFGDIR> keeps it relocatable.
# Files come from dpkg -L, never from guessed paths.
set -euo pipefail

(($# == 1)) || { echo "usage: complete-sysroot.sh SYSROOT" >&2; exit 2; }
sysroot=$1
die() { echo "complete-sysroot: $*" >&2; exit 1; }

# Prints the one file of PACKAGE whose path matches the extended regex PATTERN.
package_file() { # package pattern
    local files
    files=$(dpkg -L "$1" 2>/dev/null) ||
        die "package $1 is not installed (run ./kenix setup)"
    files=$(grep -E "$2" <<<"$files" || true)
    [[ -n $files && $(wc -l <<<"$files") == 1 ]] ||
        die "package $1: expected exactly one file matching $2, found: ${files:-none}"
    echo "$files"
}

[[ -f $sysroot/lib/libc.a ]] || die "$sysroot has no lib/libc.a; install musl first"

libgcc=$(package_file libgcc-12-dev-arm64-cross '/libgcc\.a$')
cp -f "$libgcc" "$sysroot/lib/libgcc.a"

rm -f "$sysroot/lib/libgcc_eh.a"
llvm-ar rc "$sysroot/lib/libgcc_eh.a"

clang --target=aarch64-linux-musl --gcc-toolchain=/nonexistent -x c -c /dev/null \
    -o "$sysroot/lib/crtbeginT.o"
cp -f "$sysroot/lib/crtbeginT.o" "$sysroot/lib/crtend.o"

asm_generic=$(package_file linux-libc-dev-arm64-cross '/include/asm-generic$')
kheaders=$(dirname "$asm_generic")
for d in linux asm asm-generic mtd; do
    [[ -d $kheaders/$d ]] || die "linux-libc-dev-arm64-cross has no $kheaders/$d"
    rm -rf "${sysroot:?}/include/$d"
    cp -R "$kheaders/$d" "$sysroot/include/$d"
done

cat >"$sysroot/aarch64-linux-musl.cfg" <<'CFG'
--target=aarch64-linux-musl
--sysroot=<CFGDIR>
--gcc-toolchain=/nonexistent
-fuse-ld=lld
CFG

# Prove the result links and carries no glibc: a static program must build
# with nothing but the config file.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stdio.h>\nint main(void) { long double x = 2; printf("%%Lg\\n", x * x); return 0; }\n' \
    >"$probe/probe.c"
clang --config "$sysroot/aarch64-linux-musl.cfg" -static -Werror "$probe/probe.c" -o "$probe/probe" ||
    die "the completed sysroot cannot link a static program"
echo "complete-sysroot: $sysroot is complete"
