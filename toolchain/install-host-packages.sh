#!/usr/bin/env bash
# Installs the host packages listed in host-packages.txt that dpkg reports missing.
# Quick and silent when nothing is missing, so every `./kenix` command can call it.
# Needs root or sudo only when something is missing; without either it prints the
# exact command for an administrator and fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The system's list and each port's own (ports/NAME/host-packages.txt: what its build needs).
mapfile -t wanted < <(cat "$here/host-packages.txt" "$here"/../ports/*/host-packages.txt 2>/dev/null |
                      sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' | sort -u)

# One dpkg-query call for all packages; unknown names print nothing (and an error we drop).
declare -A installed=()
while read -r name status; do
    [[ $status == installed ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" 2>/dev/null || true)

missing=()
for p in "${wanted[@]}"; do
    [[ -n ${installed[$p]:-} ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "kenix: missing host packages: ${missing[*]}" >&2

# Other sessions may run apt at the same time: wait for the dpkg lock instead of failing.
apt=(apt-get -o DPkg::Lock::Timeout=600)
update_cmd=("${apt[@]}" update)
install_cmd=("${apt[@]}" install -y --no-install-recommends "${missing[@]}")

if ((EUID == 0)); then
    sudo=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1 && sudo -v; then
    sudo=(sudo env DEBIAN_FRONTEND=noninteractive)
else
    echo "kenix: need root (or sudo) to install them; as root, run:" >&2
    echo "  ${update_cmd[*]} && DEBIAN_FRONTEND=noninteractive ${install_cmd[*]}" >&2
    exit 1
fi

# DPkg::Lock::Timeout makes `install` wait for the dpkg lock, but `update` gives up at once
# when another apt holds the lists lock; wait for that one here (up to 10 minutes too).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for ((waited = 0; ; waited += 10)); do
    if "${sudo[@]}" "${update_cmd[@]}" 2>&1 | tee "$log"; [[ ${PIPESTATUS[0]} == 0 ]]; then
        break
    fi
    if ! grep -q 'Could not get lock' "$log" || ((waited >= 600)); then
        echo "kenix: apt-get update failed" >&2
        exit 1
    fi
    echo "kenix: another apt holds the package lists; waiting" >&2
    sleep 10
done
"${sudo[@]}" "${install_cmd[@]}"
