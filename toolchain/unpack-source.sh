#!/usr/bin/env bash
# unpack-source.sh NAME DEST
#
# Replaces DEST with a pristine copy of source NAME from the source cache (fetching and
# verifying it first), without the tarball's top-level directory. Starting from pristine
# every time is what lets the patch step run again after a patch changed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
cache=${KENIX_SOURCE_CACHE:-$repo/.cache/sources}
(($# == 2)) || { echo "usage: unpack-source.sh NAME DEST" >&2; exit 2; }
name=$1 dest=$2

"$here/fetch-sources.sh" "$name"
file=$(cat "$here/sources.txt" "$repo"/ports/*/source.txt 2>/dev/null | awk -v n="$name" '$1 == n { print $4 }')

# Unpack beside DEST and swap, so an interrupted run never leaves a half tree behind.
tmp="$dest.unpack"
rm -rf "$tmp"
mkdir -p "$tmp"
# --touch: files get the current time, not the release's. Otherwise a file restored
# by dropping a patch would look older than the object built from the patched
# version, and make would keep that stale object.
tar -xf "$cache/$file" -C "$tmp" --strip-components=1 --no-same-owner --touch
rm -rf "$dest"
mv "$tmp" "$dest"
echo "unpack-source: $file -> $dest" >&2
