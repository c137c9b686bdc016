#!/usr/bin/env python3
"""Merge the sub-builds' compile_commands.json into the top-level one, in place.

    merge_compile_commands.py TOP_JSON SUBBUILD_DIR... [--records PORT_RECORDS...]

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


SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".S", ".s")


def from_records(path):
    """Entries for the compile steps cmake/cc-record.sh wrote down for a port:
    every source file an invocation names that still exists (configure's
    conftest probes are gone by now, and were never the port's files), each
    file once, its last compilation winning."""
    entries = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        fields = line.split("\x1f")
        directory, args = fields[0], fields[1:]
        sources = [a for a in args if a.endswith(SOURCE_SUFFIXES) and not a.startswith("-")]
        for source in sources:
            src = os.path.normpath(os.path.join(directory, source))
            if "conftest" in os.path.basename(src) or not os.path.exists(src):
                continue
            # One entry per file: a run that compiles and links several at once
            # (SQLite's shell.c and sqlite3.c) becomes a compile of each alone.
            one = [a for a in args if a == source or a not in sources]
            if "-o" in one:
                i = one.index("-o")
                del one[i:i + 2]
            if "-c" not in one:
                one.append("-c")
            entries[src] = {"directory": directory, "arguments": one, "file": src}
    return list(entries.values())


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    top = argv[1]
    rest = argv[2:]
    records = []
    if "--records" in rest:
        i = rest.index("--records")
        rest, records = rest[:i], rest[i + 1:]
    subbuilds = [os.path.realpath(d) for d in rest]
    # A port's entries are recognised by their file's directory being under a
    # port tree of this build (build/ports/NAME-src or -build): dropped and
    # added again from the records, like a sub-build's.
    port_roots = [os.path.realpath(os.path.dirname(r)) + os.sep for r in records]

    def from_port(e):
        return any(os.path.realpath(e.get("file", "")).startswith(p) for p in port_roots)

    merged = [e for e in load(top)
              if os.path.realpath(e.get("directory", "")) not in subbuilds and not from_port(e)]
    for d in subbuilds:
        merged += load(os.path.join(d, "compile_commands.json"))
    for r in records:
        merged += from_records(r)

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
