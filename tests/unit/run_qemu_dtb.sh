#!/bin/sh
# Dumps QEMU's virt DTB and runs the parser test on it. Exits 77 (CTest's
# SKIP_RETURN_CODE) when QEMU is not installed, so the test is skipped, not failed.
# usage: run_qemu_dtb.sh QEMU TEST_BINARY OUTPUT_DTB
set -u
qemu=$1 test_bin=$2 dtb=$3
if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "SKIP: $qemu not found"
    exit 77
fi
rm -f "$dtb"
# -nic none: the default NIC needs efi-virtio.rom, which not every host has,
# and no NIC is needed to dump the tree.
"$qemu" -M "virt,dumpdtb=$dtb" -cpu cortex-a72 -m 128M -display none -nic none || {
    echo "FAIL: $qemu could not dump the virt DTB"
    exit 1
}
exec "$test_bin" "$dtb"
