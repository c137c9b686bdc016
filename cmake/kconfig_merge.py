#!/usr/bin/env python3
"""Merge a Kconfig fragment into a .config, run oldconfig, and prove it stuck.

    kconfig_merge.py CONFIG FRAGMENT -- OLDCONFIG-COMMAND...

The fragment holds `CONFIG_X=value` and `# CONFIG_X is not set` lines. Each must
follow a comment giving its reason (a fragment is a list of deliberate changes)
and must name an option CONFIG already has (a typo would otherwise be silently
dropped). After the command (`make oldconfig`, run with no input so it can never
wait for an answer) every option must still have the fragment's value: oldconfig
drops values whose dependencies are not met, and that must fail the build.
"""
import re
import subprocess
import sys

SET = re.compile(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$")
UNSET = re.compile(r"^# (CONFIG_[A-Za-z0-9_]+) is not set$")


def parse_line(line):
    """Returns (name, value) for an option line, value None for 'is not set'."""
    m = SET.match(line)
    if m:
        return m.group(1), m.group(2)
    m = UNSET.match(line)
    if m:
        return m.group(1), None
    return None


def read_fragment(path):
    options = {}
    commented = False
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            option = parse_line(line)
            if option:
                if not commented:
                    sys.exit(f"{path}:{number}: {option[0]} has no comment giving the reason")
                options[option[0]] = option[1]
                commented = False
            elif line.startswith("#"):
                commented = True
            elif line.strip():
                sys.exit(f"{path}:{number}: not an option or a comment: {line}")
            else:
                commented = False
    return options


def read_config(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def config_values(lines):
    values = {}
    for line in lines:
        option = parse_line(line)
        if option:
            values[option[0]] = option[1]
    return values


def apply(config_path, fragment):
    lines = read_config(config_path)
    have = config_values(lines)
    unknown = sorted(set(fragment) - set(have))
    if unknown:
        sys.exit(f"{config_path}: fragment names unknown options: {', '.join(unknown)}")
    out = []
    for line in lines:
        option = parse_line(line)
        if option and option[0] in fragment:
            name, value = option[0], fragment[option[0]]
            line = f"# {name} is not set" if value is None else f"{name}={value}"
        out.append(line)
    with open(config_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def check(config_path, fragment):
    have = config_values(read_config(config_path))
    wrong = []
    for name, value in fragment.items():
        got = have.get(name)  # an option oldconfig hid counts as not set
        if got != value:
            wrong.append(f"{name}: want {value or 'not set'}, got {got or 'not set'}")
    if wrong:
        sys.exit(f"{config_path}: oldconfig did not keep the fragment:\n  " + "\n  ".join(wrong))


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        sys.exit(__doc__)
    config_path, fragment_path, command = argv[1], argv[2], argv[4:]
    fragment = read_fragment(fragment_path)
    apply(config_path, fragment)
    subprocess.run(command, stdin=subprocess.DEVNULL, check=True)
    check(config_path, fragment)
    print(f"kconfig_merge: {len(fragment)} options from {fragment_path} applied to {config_path}")


if __name__ == "__main__":
    main(sys.argv)
