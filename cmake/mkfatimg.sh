#!/usr/bin/env bash
# mkfatimg.sh OUT SIZE_MIB LABEL [/PATH/IN/IMAGE=HOSTFILE]...
#
# Builds a FAT32 disk image without mounting anything (mkfs.fat + mtools), checks
# it with fsck.fat, and renames it into place only when all of that worked.
# FAT32 needs at least 65525 clusters; with 512-byte clusters that means an image
# of 33 MiB or more, so smaller sizes are refused rather than silently made FAT16.
# MKFS_FAT and FSCK_FAT may name the tools (they live in /usr/sbin, which is not
# on an ordinary user's PATH).
set -euo pipefail

(($# >= 3)) || { echo "usage: mkfatimg.sh OUT SIZE_MIB LABEL [/PATH=FILE]..." >&2; exit 2; }
out=$1 size=$2 label=$3
shift 3
((size >= 33)) || { echo "mkfatimg: $size MiB is too small for FAT32 (need >= 33)" >&2; exit 1; }
mkfs_fat=${MKFS_FAT:-mkfs.fat}
fsck_fat=${FSCK_FAT:-fsck.fat}
export MTOOLS_SKIP_CHECK=1   # mtools would otherwise refuse an image with no partition table

tmp="$out.tmp"
rm -f "$tmp"
truncate -s "${size}M" "$tmp"
# --invariant fixes the volume id and timestamps: the same inputs give the same image.
"$mkfs_fat" -F 32 -s 1 -n "$label" --invariant "$tmp" >/dev/null

for spec; do
    dest=${spec%%=*} src=${spec#*=}
    dir=$(dirname "$dest")
    if [[ $dir != / ]]; then
        # mmd fails on an existing directory: create each level once.
        path=
        IFS=/ read -ra parts <<<"${dir#/}"
        for part in "${parts[@]}"; do
            path+=/$part
            mdir -i "$tmp" "::$path" >/dev/null 2>&1 || mmd -i "$tmp" "::$path"
        done
    fi
    mcopy -i "$tmp" -o "$src" "::$dest"
done

"$fsck_fat" -n "$tmp" >/dev/null
mv -f "$tmp" "$out"
