#!/usr/bin/env python3
"""Start a port: `./kenix port new NAME [DEBIAN-SOURCE-PACKAGE]`.

Makes ports/NAME (docs/porting.md, "Ports") from what the distribution says:

  1. Asks apt-cache, through the private deb-src lists toolchain/fetch-sources.sh
     keeps (`fetch-sources.sh --lists`), for the source package's newest
     version, its .orig tarball and that tarball's SHA-256, and writes
     ports/NAME/source.txt. The package defaults to NAME.
  2. Fetches and verifies the tarball (fetch-sources.sh NAME), unpacks it in a
     scratch directory and looks at what builds it: an autoconf `configure`, a
     CMakeLists.txt, or a plain Makefile.
  3. Writes ports/NAME/build.sh for that build system, with the traps of each
     already handled (the sysroot's compiler with -static so configure's link
     probes link as the programs will; libtool's -all-static; CMake's
     toolchain file), and an empty tests/ directory for the port's own tests.

It never overwrites a port that exists. What is left is said at the end: the
recipe's install step, host packages, patches, the scenario, KENIX_PORTS.
"""
import argparse
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "sources"
APT_DIR = CACHE / ".apt"

HEADER = """#!/usr/bin/env bash
# {name}'s build recipe (cmake/Ports.cmake runs it in a fresh, patched tree; the
# environment -- PORT SRC BUILD DESTDIR SYSROOT HOST CC AR RANLIB NM STRIP JOBS --
# is described in docs/porting.md). Install what the image gets under $DESTDIR/usr.
# Written by `./kenix port new` for {kind}: check every line, then say here why
# each choice was made.
set -euo pipefail
"""

RECIPES = {
    "autoconf": """cd "$BUILD"
find . -mindepth 1 -delete
# -static in CC: configure links its probes with $CC alone, and a dynamic link
# fails on crtbeginS.o and libgcc_s -- every probe would "fail" quietly.
"$SRC/configure" --host="$HOST" --build="$(sh "$SRC/config.guess" 2>/dev/null || echo x86_64-pc-linux-gnu)" \\
    CC="$CC -static" AR="$AR" RANLIB="$RANLIB" CFLAGS="-O2" \\
    --prefix=/usr --disable-shared --enable-static
# The tree is unpacked with fresh times in the tarball's order (unpack-source.sh
# --touch), so configure.ac or Makefile.am may look newer than what was made from
# them and make would run autoconf and automake again: the rebuild rules are
# turned off (the tarball's generated files are the ones to use), and makeinfo too.
# (A Makefile that runs autoconf by name ignores these: touch configure instead.)
regen=(ACLOCAL=: AUTOCONF=: AUTOMAKE=: AUTOHEADER=: MAKEINFO=:)
# libtool takes -static as its own option and links dynamically: -all-static is
# its word for a static program (drop it if the project does not use libtool).
make -j"$JOBS" "${regen[@]}" LDFLAGS=-all-static
make install "${regen[@]}" DESTDIR="$DESTDIR"
""",
    "cmake": """cd "$BUILD"
find . -mindepth 1 -delete
cmake -S "$SRC" -B . -G Ninja -DCMAKE_BUILD_TYPE=Release \\
    -DCMAKE_TOOLCHAIN_FILE="{root}/cmake/kenix-user.cmake" -DKENIX_SYSROOT="$SYSROOT" \\
    -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_SHARED_LIBS=OFF
cmake --build . -j"$JOBS"
DESTDIR="$DESTDIR" cmake --install .
""",
    "make": """cd "$SRC"
make clean >/dev/null 2>&1 || true
make -j"$JOBS" CC="$CC -static" AR="$AR" RANLIB="$RANLIB"
make install PREFIX=/usr DESTDIR="$DESTDIR"
""",
}


def die(msg):
    print(f"port new: {msg}", file=sys.stderr)
    sys.exit(1)


def apt_cache(*args):
    opts = ["-o", "Dir::Etc::SourceList=/dev/null", "-o", f"Dir::Etc::SourceParts={APT_DIR}/sources.d",
            "-o", f"Dir::State::Lists={APT_DIR}/lists", "-o", f"Dir::Cache={APT_DIR}/cache"]
    return subprocess.run(["apt-cache", *opts, *args], capture_output=True, text=True)


def newest_source(package):
    """(version, orig tarball, sha256) of the newest version apt knows."""
    r = apt_cache("showsrc", package)
    if r.returncode != 0 or "Package:" not in r.stdout:
        die(f"apt knows no source package {package!r} ({r.stderr.strip()})")
    best = None
    for record in r.stdout.split("\n\n"):
        version = re.search(r"^Version: (\S+)", record, re.M)
        sums = re.search(r"^Checksums-Sha256:\n((?: .*\n?)+)", record, re.M)
        if not version or not sums:
            continue
        for line in sums.group(1).splitlines():
            sha, _size, name = line.split()
            if re.search(r"\.orig\.tar\.(gz|bz2|xz)$", name):
                v = version.group(1)
                cmp = best and subprocess.run(["dpkg", "--compare-versions", v, "gt", best[0]]).returncode == 0
                if best is None or cmp:
                    best = (v, name, sha)
    if not best:
        die(f"{package}: no version with a .orig tarball (a native package is not a port)")
    return best


def build_kind(tarball):
    """What builds the tree: its top directory's configure, CMakeLists.txt or Makefile
    (read from the tarball's list of names; nothing is unpacked)."""
    with tarfile.open(tarball) as tar:
        names = {re.sub(r"^[^/]+/", "", n) for n in tar.getnames()}
    for kind, files in (("autoconf", ("configure",)), ("cmake", ("CMakeLists.txt",)),
                        ("make", ("Makefile", "makefile", "GNUmakefile"))):
        if any(f in names for f in files):
            return kind
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", help="the port's name: ports/NAME, lower case")
    ap.add_argument("package", nargs="?", help="Debian source package (default: NAME)")
    args = ap.parse_args()
    if not re.fullmatch(r"[a-z0-9][a-z0-9+._-]*", args.name):
        die(f"{args.name!r}: a port's name is lower case letters, digits and + . _ -")
    port = ROOT / "ports" / args.name
    if port.exists():
        die(f"{port.relative_to(ROOT)} exists already")
    package = args.package or args.name
    lists = subprocess.run([str(ROOT / "toolchain" / "fetch-sources.sh"), "--lists"])
    if lists.returncode != 0:
        die("could not bring the private deb-src lists up to date")
    version, orig, sha = newest_source(package)
    upstream = re.sub(r"^\d+:", "", version).rsplit("-", 1)[0]
    port.mkdir(parents=True)
    (port / "source.txt").write_text(
        "# name  version  debian-source-package  orig-tarball  sha256  upstream-url\n"
        f"# From `apt-cache showsrc {package}` (Debian {version}). The URL is '-' until someone\n"
        "# checks that an upstream release is byte for byte this tarball (a dfsg repack never is).\n"
        f"{args.name}  {upstream}  {package}  {orig}  {sha}  -\n")
    fetched = subprocess.run([str(ROOT / "toolchain" / "fetch-sources.sh"), args.name])
    if fetched.returncode != 0:
        shutil.rmtree(port)
        die(f"could not fetch {orig}; ports/{args.name} removed again")
    kind = build_kind(CACHE / orig) or "make"
    recipe = HEADER.format(name=args.name, kind=kind) + RECIPES[kind].replace("{root}", str(ROOT))
    (port / "build.sh").write_text(recipe)
    (port / "build.sh").chmod(0o755)
    (port / "tests").mkdir()
    (port / "tests" / ".keep").write_text("")
    print(f"""port new: ports/{args.name} made for {package} {version} ({orig}; built with {kind}).
Next:
  1. Read ports/{args.name}/build.sh and make its install step install only what the image needs.
  2. Host tools the build needs (or the tests compare against): ports/{args.name}/host-packages.txt.
  3. Changes to the source: ports/{args.name}/patches/0001-why.patch, each opening with why.
  4. Build it: cmake -DKENIX_PORTS="default;{args.name}" build && ./kenix build
     (add it to KENIX_PORTS_DEFAULT in cmake/Ports.cmake once it builds in CI time).
  5. Its tests: files under ports/{args.name}/tests, installed by build.sh, and a scenario
     in tests/scenarios/ports.py (label ports): ./kenix test -R ports.{args.name}""")


if __name__ == "__main__":
    main()
