#!/usr/bin/env bash
# fetch-sources.sh [--all | NAME...]
# fetch-sources.sh --lists   only bring the private deb-src lists up to date (for
#                            tools/port_new.py, which asks apt-cache through them)
#
# Puts the verified source tarballs named in sources.txt and in each port's
# ports/NAME/source.txt (the same format; upstream URL "-" for a Debian repack
# such as zlib's dfsg tarball, which no upstream has) into the source cache
# ($KENIX_SOURCE_CACHE, default <repo>/.cache/sources). A file already there with the
# right SHA-256 is kept as it is. Otherwise the tarball comes from the distribution's
# source packages, through a private deb-src list derived from the host's own apt
# configuration, so no mirror is ever named here and the system's apt state is never
# touched (works without root). The upstream release URL is the fallback. Whichever
# way, a file whose hash is wrong is deleted and the fetch fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
cache=${KENIX_SOURCE_CACHE:-$repo/.cache/sources}
aptdir=$cache/.apt

die() { echo "fetch-sources: $*" >&2; exit 1; }
say() { echo "fetch-sources: $*" >&2; }

declare -A version debsrc orig sha url
names=()
while read -r n v d o s u rest; do
    [[ -z $n || $n == \#* ]] && continue
    [[ -n $u && -z $rest ]] || die "sources.txt: malformed line for '$n'"
    version[$n]=$v debsrc[$n]=$d orig[$n]=$o sha[$n]=$s url[$n]=$u
    names+=("$n")
done < <(cat "$here/sources.txt" "$repo"/ports/*/source.txt 2>/dev/null)

lists_only=
if [[ ${1:-} == --all ]]; then
    set -- "${names[@]}"
elif [[ ${1:-} == --lists ]]; then
    lists_only=1
    set --
fi
(($# > 0)) || [[ -n $lists_only ]] || die "usage: fetch-sources.sh --all | --lists | NAME..."
for n; do [[ -n ${orig[$n]:-} ]] || die "unknown source '$n' (see toolchain/sources.txt)"; done

mkdir -p "$cache"
# The superbuild and `./kenix setup` may fetch at the same time; one at a time is enough.
exec 9>"$cache/.lock"
flock 9

hash_ok() { [[ -f $1 ]] && [[ $(sha256sum "$1" | cut -d' ' -f1) == "$2" ]]; }

# Checks a freshly downloaded file and moves it into the cache, or deletes it.
accept() { # tmpfile name
    local got
    got=$(sha256sum "$1" | cut -d' ' -f1)
    if [[ $got != "${sha[$2]}" ]]; then
        rm -f "$1"
        die "${orig[$2]}: SHA-256 is $got, expected ${sha[$2]}; deleted the bad file"
    fi
    mv -f "$1" "$cache/${orig[$2]}"
    say "${orig[$2]}: ok (sha256 verified)"
}

# Writes the private source list: every enabled host `deb` entry as `deb-src`.
# Handles both the deb822 *.sources files and the one-line *.list format.
write_private_sources() {
    local sl sp f
    eval "$(apt-config shell sl Dir::Etc::SourceList/f sp Dir::Etc::SourceParts/d)"
    rm -rf "$aptdir/sources.d"
    mkdir -p "$aptdir/sources.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
    local i=0
    for f in "$sl" "$sp"*.list; do
        [[ -f $f ]] || continue
        # Only `deb` lines; the host's own deb-src lines would duplicate these.
        sed -n -e 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >"$aptdir/sources.d/$i.list"
        i=$((i + 1))
    done
    for f in "$sp"*.sources; do
        [[ -f $f ]] || continue
        # The Types field lists deb and/or deb-src; either way we want exactly deb-src.
        sed -e 's/^Types:.*\<deb\>.*$/Types: deb-src/' "$f" >"$aptdir/sources.d/$i.sources"
        i=$((i + 1))
    done
    ((i > 0)) || return 1
}

apt_ready=
apt_opts=()
prepare_apt() {
    [[ -n $apt_ready ]] && return "$apt_ready"
    apt_ready=1
    command -v apt-get >/dev/null || { say "no apt-get on this host"; return 1; }
    write_private_sources || { say "no apt sources configured on this host"; return 1; }
    apt_opts=(
        -o Dir::Etc::SourceList=/dev/null
        -o "Dir::Etc::SourceParts=$aptdir/sources.d"
        -o "Dir::State::Lists=$aptdir/lists"
        -o "Dir::Cache=$aptdir/cache"
        -o APT::Get::Only-Source=true
    )
    # As root, apt would hand downloads to the _apt user, who cannot write our private
    # directories; it would fall back with a warning. Say so up front instead.
    ((EUID == 0)) && apt_opts+=(-o APT::Sandbox::User=root)
    say "updating the private deb-src lists"
    # A third-party repository without sources makes update fail while the distribution's
    # lists still arrive; `apt-get source` below is the real test, so keep going.
    if ! apt-get "${apt_opts[@]}" -qq update >"$aptdir/update.log" 2>&1; then
        say "apt-get update reported errors (see $aptdir/update.log); trying anyway"
    fi
    apt_ready=0
}

from_debian() { # name
    local n=$1 tmp v
    prepare_apt || return 1
    # The newest version first; if its files are not to be had (a security update
    # whose archive this host does not reach), every other version the lists know:
    # the .orig tarball is what counts, and its hash is checked either way.
    local versions
    versions=$(apt-cache "${apt_opts[@]}" showsrc "${debsrc[$n]}" 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -u)
    tmp=$(mktemp -d "$cache/.apt-source.XXXXXX")
    for v in "" $versions; do
        say "apt-get source --download-only ${debsrc[$n]}${v:+=$v}"
        if (cd "$tmp" && apt-get "${apt_opts[@]}" -qq source --download-only "${debsrc[$n]}${v:+=$v}") \
            >"$tmp.log" 2>&1 && [[ -f $tmp/${orig[$n]} ]]; then
            mv "$tmp/${orig[$n]}" "$cache/.${orig[$n]}.part"
            rm -rf "$tmp" "$tmp.log"
            accept "$cache/.${orig[$n]}.part" "$n"
            return 0
        fi
        rm -rf "${tmp:?}"/*
    done
    say "the distribution does not provide ${orig[$n]}:"
    sed 's/^/    /' "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    return 1
}

from_upstream() { # name
    local n=$1 part="$cache/.${orig[$1]}.part"
    [[ ${url[$n]} != - ]] || { say "${orig[$n]} has no upstream release (a Debian repack)"; return 1; }
    say "downloading ${url[$n]}"
    if command -v curl >/dev/null; then
        curl -fsSL -o "$part" "${url[$n]}" || { rm -f "$part"; return 1; }
    elif command -v wget >/dev/null; then
        wget -q -O "$part" "${url[$n]}" || { rm -f "$part"; return 1; }
    else
        say "neither curl nor wget is installed"
        return 1
    fi
    accept "$part" "$n"
}

if [[ -n $lists_only ]]; then
    apt_ready=
    prepare_apt || die "no private deb-src lists (see the messages above)"
    exit 0
fi
for n; do
    if hash_ok "$cache/${orig[$n]}" "${sha[$n]}"; then
        continue
    fi
    if [[ -e $cache/${orig[$n]} ]]; then
        rm -f "$cache/${orig[$n]}"
        say "${orig[$n]}: cached file had the wrong SHA-256; deleted it"
    fi
    from_debian "$n" || from_upstream "$n" ||
        die "could not get ${orig[$n]} (${n} ${version[$n]}) from the distribution or ${url[$n]}"
done
