#!/usr/bin/env python3
"""Merge the sub-builds' compile_commands.json into the top-level one, in place.

    merge_compile_commands.py TOP_JSON SUBBUILD_DIR...

CMake itself writes TOP_JSON for the top-level (host) project, at generate time.
This script keeps those entries, drops every entry that came from one of the
SUBBUILD_DIRs (an earlier merge) and appends each sub-build's current entries
(a sub-build's "directory" is always its own build directory). So merging is
idempotent: it gives the same file whether CMake has just regenerated TOP_JSON
or an earlier merge already ran, and the target can simply run on every build.
The file is rewritten only when its content changes (clangd watches it), and
through a rename, so clangd never reads half a file.
"""
import json
import os
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return []


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    top = argv[1]
    subbuilds = [os.path.realpath(d) for d in argv[2:]]

    merged = [e for e in load(top) if os.path.realpath(e.get("directory", "")) not in subbuilds]
    for d in subbuilds:
        merged += load(os.path.join(d, "compile_commands.json"))

    text = json.dumps(merged, indent=2) + "\n"
    try:
        with open(top, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    tmp = top + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, top)


if __name__ == "__main__":
    main(sys.argv)
