#!/usr/bin/env python3
"""Write a cpio archive in the "newc" format (the Linux initramfs format).

    mkcpio.py -o OUT [--mtime N] ENTRY...

ENTRY is one of
    /path/in/archive=HOSTFILE          regular file, mode from the host file (0755 or 0644)
    /path/in/archive=HOSTFILE:MODE     regular file with an octal mode
    /path/in/archive/                  directory (0755)
    /path/in/archive/:MODE             directory with an octal mode
    /path/in/archive->TARGET           symbolic link (TARGET stored as given)
    /path/in/archive/=HOSTDIR          the tree under HOSTDIR: its directories (0755), files
                                       (0755 or 0644 as above) and symbolic links, nothing
                                       else (BusyBox's testsuite for the busybox scenarios)
    @LISTFILE->TARGET                  a symbolic link to TARGET at each absolute path
                                       LISTFILE names, one a line (BusyBox's
                                       busybox.links); paths another entry names
                                       keep that entry
Parent directories are added automatically. Owners are root, the mtime is fixed
(0 unless --mtime or SOURCE_DATE_EPOCH says otherwise) and entries are sorted,
so the same inputs always give the same bytes. The file is written beside OUT
and renamed over it, so a reader never sees half an archive.
"""
import argparse
import os
import stat
import sys

S_IFDIR, S_IFREG, S_IFLNK = 0o040000, 0o100000, 0o120000


def header(ino, mode, nlink, mtime, size, name, rdev=(0, 0)):
    """The 110-byte newc header: magic plus 13 eight-digit hex fields.

    rdev is the (major, minor) of a device node (tools/linux_baseline.py's
    /dev/console); the device fields of the archive's own file stay 0."""
    fields = [ino, mode, 0, 0, nlink, mtime, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def pad4(n):
    return b"\0" * (-n % 4)


def record(ino, mode, nlink, mtime, name, data, rdev=(0, 0)):
    encoded = name.encode()
    head = header(ino, mode, nlink, mtime, len(data), encoded, rdev) + encoded + b"\0"
    return head + pad4(len(head)) + data + pad4(len(data))


def tree_entries(trees):
    """The plain entries that /dest/=HOSTDIR stands for, in a stable order."""
    out = []
    for spec in trees:
        dest, top = spec.split("=", 1)
        if not os.path.isdir(top):
            sys.exit(f"mkcpio: {top!r} in {spec!r} is not a directory")
        out.append(dest)
        for here, dirs, files in os.walk(top):
            dirs.sort()
            rel = os.path.relpath(here, top)
            prefix = dest if rel == "." else f"{dest}{rel}/"
            for name in sorted(dirs + files):
                host = os.path.join(here, name)
                if "=" in name or "->" in name or ":" in name:
                    sys.exit(f"mkcpio: cannot name {host!r} in an entry")
                if os.path.islink(host):
                    out.append(f"{prefix}{name}->{os.readlink(host)}")
                elif os.path.isdir(host):
                    out.append(f"{prefix}{name}/")
                elif os.path.isfile(host):
                    out.append(f"{prefix}{name}={host}")
                else:
                    sys.exit(f"mkcpio: {host!r} is neither a file, a directory nor a link")
            # os.walk does not descend into links to directories: they stay links.
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(here, d))]
    return out


def parse_entries(specs):
    """Returns {archive path without leading '/': (type, mode, data)}."""
    entries = {}

    def add_parents(path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            entries.setdefault("/".join(parts[:i]), (S_IFDIR, 0o755, b""))

    lists = [spec[1:] for spec in specs if spec.startswith("@")]
    trees = [spec for spec in specs if "=" in spec and "->" not in spec and spec.split("=", 1)[0].endswith("/")]
    specs = [spec for spec in specs if spec not in trees] + tree_entries(trees)
    for spec in specs:
        if spec.startswith("@"):
            continue
        if "->" in spec:
            path, target = spec.split("->", 1)
            kind, mode, data = S_IFLNK, 0o777, target.encode()
        elif "=" in spec:
            path, source = spec.split("=", 1)
            mode = None
            if ":" in source and os.path.sep not in source.rsplit(":", 1)[1]:
                source, mode_text = source.rsplit(":", 1)
                mode = int(mode_text, 8)
            with open(source, "rb") as f:
                data = f.read()
            if mode is None:
                mode = 0o755 if os.stat(source).st_mode & stat.S_IXUSR else 0o644
            kind = S_IFREG
        elif spec.endswith("/"):
            path, kind, mode, data = spec, S_IFDIR, 0o755, b""
        elif spec.rsplit(":", 1)[0].endswith("/"):
            path, mode_text = spec.rsplit(":", 1)
            kind, mode, data = S_IFDIR, int(mode_text, 8), b""
        else:
            sys.exit(f"mkcpio: cannot parse entry {spec!r}")
        path = path.strip("/")
        if not path or ".." in path.split("/"):
            sys.exit(f"mkcpio: bad archive path in {spec!r}")
        if path in entries and entries[path][0] != S_IFDIR:
            sys.exit(f"mkcpio: {path} given twice")
        add_parents(path)
        if kind == S_IFDIR and path in entries and spec.endswith("/"):
            continue  # a plain "dir/" does not undo a mode given before
        entries[path] = (kind, mode, data)
    for spec in lists:
        if "->" not in spec:
            sys.exit(f"mkcpio: @LISTFILE needs ->TARGET in {spec!r}")
        listfile, target = spec.split("->", 1)
        with open(listfile) as f:
            for line in f:
                path = line.strip().strip("/")
                if not path:
                    continue
                if ".." in path.split("/"):
                    sys.exit(f"mkcpio: bad archive path {line.strip()!r} in {listfile}")
                if path in entries:
                    continue
                add_parents(path)
                entries[path] = (S_IFLNK, 0o777, target.encode())
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--mtime", type=int,
                        default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    parser.add_argument("entries", nargs="+")
    args = parser.parse_args()

    entries = parse_entries(args.entries)
    out = bytearray()
    for ino, path in enumerate(sorted(entries), start=1):
        kind, mode, data = entries[path]
        nlink = 2 if kind == S_IFDIR else 1
        out += record(ino, kind | mode, nlink, args.mtime, path, data)
    out += record(0, 0, 1, 0, "TRAILER!!!", b"")

    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
