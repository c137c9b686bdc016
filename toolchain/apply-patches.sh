#!/usr/bin/env bash
# apply-patches.sh PATCHDIR SRCDIR
#
# Applies PATCHDIR/NNNN-*.patch to SRCDIR in name order (patch -p1). Every patch must
# open with a paragraph saying why it exists (the text before the diff, not counting
# mail headers such as From:/Date:/Subject:); a patch without one is refused, because a
# change to third-party code nobody can explain later is a change nobody can drop later.
set -euo pipefail

(($# == 2)) || { echo "usage: apply-patches.sh PATCHDIR SRCDIR" >&2; exit 2; }
patchdir=$1 srcdir=$2
die() { echo "apply-patches: $*" >&2; exit 1; }
[[ -d $srcdir ]] || die "no source directory $srcdir"

shopt -s nullglob
patches=("$patchdir"/[0-9][0-9][0-9][0-9]-*.patch)

# Prints the prose before the first diff line of a patch, minus mail headers and blanks.
why_paragraph() {
    awk '/^(diff |--- |Index: )/ { exit }
         /^(From |From:|Date:|Subject:)/ { next }
         /^---$/ { next }
         NF { print }' "$1"
}

for p in "${patches[@]}"; do
    [[ -n $(why_paragraph "$p") ]] ||
        die "$(basename "$p"): refused, it does not begin with a paragraph saying why"
done

for p in "${patches[@]}"; do
    echo "apply-patches: $(basename "$p")" >&2
    patch -d "$srcdir" -p1 --forward --batch --quiet <"$p" ||
        die "$(basename "$p") does not apply to $srcdir"
done
echo "apply-patches: ${#patches[@]} patches applied from $patchdir" >&2
