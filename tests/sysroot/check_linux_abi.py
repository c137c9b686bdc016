#!/usr/bin/env python3
"""The kernel's Linux ABI constants and structs (kenix/linux_abi.h and
kenix/errno.h under KERNEL_INCLUDE_DIR) must agree with musl's headers in the
sysroot: musl's programs pass and read exactly those values and layouts, and
the kernel knows them only from its own copies.

The check writes a C file that includes musl's headers and holds one
_Static_assert per constant and per struct field (offset and size) and lets
CLANG judge it with the sysroot's config file; the kernel's structs are copied
into that file, so offsetof works on both sides. The few names musl lacks or
defines differently are listed below with the reason, most of them checked
against the Linux UAPI headers in the sysroot instead. The headers must also
compile as the kernel compiles them (freestanding, -Werror). Every errno musl
knows must have a kernel name.

usage: check_linux_abi.py KERNEL_INCLUDE_DIR SYSROOT CLANG
  e.g. check_linux_abi.py kernel/include build/sysroot clang"""
import os
import re
import subprocess
import sys
import tempfile

HEADERS = ("kenix/errno.h", "kenix/linux_abi.h")

MUSL_INCLUDES = (
    "errno.h", "signal.h", "time.h", "fcntl.h", "poll.h", "sched.h", "limits.h",
    "unistd.h", "sys/mman.h", "sys/ioctl.h", "sys/mount.h", "sys/wait.h",
    "sys/resource.h", "sys/prctl.h", "sys/random.h", "sys/stat.h", "sys/uio.h",
    "sys/utsname.h", "sys/sysinfo.h", "sys/times.h", "sys/time.h", "sys/file.h")

# Names no header outside the kernel has: nothing to check them against.
UNCHECKED = {
    "ERESTARTSYS": "kernel-internal restart code, never reaches user space",
    "ERESTARTNOINTR": "kernel-internal restart code, never reaches user space",
    "ERESTARTNOHAND": "kernel-internal restart code, never reaches user space",
    "ERESTART_RESTARTBLOCK": "kernel-internal restart code, never reaches user space",
}

# Names musl lacks or defines differently from Linux: checked against the
# sysroot's Linux UAPI headers instead. name -> (header, name there, why).
UAPI_INSTEAD = {
    "LINUX_SIGRTMIN_KERNEL": ("asm/signal.h", "SIGRTMIN",
                              "musl's SIGRTMIN is a call (35: musl keeps 32..34 for itself)"),
    "LINUX_SIGRTMAX_KERNEL": ("asm/signal.h", "SIGRTMAX", "musl's SIGRTMAX is a call"),
    "O_ACCMODE": ("asm/fcntl.h", "O_ACCMODE",
                  "musl's is 03|O_PATH (O_SEARCH counts as an access mode); Linux masks with 03"),
    "NGROUPS_MAX": ("linux/limits.h", "NGROUPS_MAX",
                    "musl's <limits.h> says 32, a libc limit; the kernel's limit is Linux's"),
}

# Structs musl makes bigger than Linux's, keeping room in reserve: the kernel
# writes Linux's size, which must fit in musl's and equal the UAPI header's.
# musl type -> (header, why).
UAPI_SIZE_INSTEAD = {
    "struct rusage": ("linux/resource.h", "musl adds long __reserved[16]"),
    "struct sysinfo": ("linux/sysinfo.h", "musl adds char __reserved[256]; Linux's _f is empty on 64-bit"),
}


class CannotCheck(Exception):
    """What makes the check impossible, as opposed to a disagreement."""


class Struct:
    def __init__(self, musl_type, kernel_name, body):
        self.musl_type, self.kernel_name, self.body = musl_type, kernel_name, body
        self.fields = field_names(body)
        if not self.fields:
            raise CannotCheck(f"struct {kernel_name}: no fields found")


# --- reading the kernel headers ------------------------------------------------

DEFINE = re.compile(r"\s*#\s*define[ \t]+(\w+)(\(?)[ \t]*(.*)$")
TRAILING_COMMENT = re.compile(r"\s*/\*.*?\*/\s*$")
STRUCT = re.compile(r"^struct (linux_\w+) \{\n(.*?)^\};", re.M | re.S)
MARKER = re.compile(r"/\* abi: ([^*]+?) \*/\n$")
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def constants_of(path, text):
    """NAME -> value text of every `#define NAME VALUE` (the include guard aside)."""
    constants = {}
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{path}:{number}"
        if re.match(r"\s*#\s*(if|elif|else|undef)", line) and not line.startswith("#ifndef KENIX_"):
            raise CannotCheck(f"{where}: conditional or undefined names cannot be checked: {line}")
        match = DEFINE.match(line)
        if not match:
            continue
        name, function_like, value = match.groups()
        value = TRAILING_COMMENT.sub("", value).strip()
        if function_like:
            raise CannotCheck(f"{where}: function-like macro {name} cannot be checked")
        if not value and name.endswith("_H"):
            continue
        if not value or "/*" in value or "//" in value or value.endswith("\\"):
            raise CannotCheck(f"{where}: cannot read the value of {name}: {line}")
        if name in constants:
            raise CannotCheck(f"{where}: {name} defined twice")
        constants[name] = value
    return constants


def structs_of(path, text):
    structs = []
    for match in STRUCT.finditer(text):
        marker = MARKER.search(text, 0, match.start())
        if not marker or marker.end() != match.start():
            raise CannotCheck(f"{path}: struct {match.group(1)} has no `/* abi: TYPE */` marker line")
        structs.append(Struct(marker.group(1), match.group(1), match.group(2)))
    if len(structs) != text.count("/* abi: ") or len(structs) != len(re.findall(r"^struct \w+ \{", text, re.M)):
        raise CannotCheck(f"{path}: every `struct linux_NAME {{` ... `}};` needs a marker and every marker a struct")
    return structs


def field_names(body):
    """The named members, through anonymous structs and unions; names starting
    with '_' are the kernel's own padding, which musl names differently."""
    names = []
    for declaration in re.sub(r"/\*.*?\*/", "", body, flags=re.S).split(";"):
        declaration = re.split(r"[{}]", declaration)[-1].strip()
        for declarator in filter(None, declaration.split(",")):
            name = re.search(r"(\w+)\s*(\[[^\]]*\]\s*)*$", declarator.strip())
            if not name:
                raise CannotCheck(f"cannot read member declaration: {declaration}")
            if not name.group(1).startswith("_"):
                names.append(name.group(1))
    return names


def resolve(name, constants, seen=()):
    """The value of NAME with every name it uses replaced by its value, so the
    generated file needs nothing from the kernel's headers."""
    if name in seen:
        raise CannotCheck(f"{name} is defined in terms of itself")

    def substitute(match):
        used = match.group(0)
        if used not in constants:
            raise CannotCheck(f"{name}'s value uses {used}, which the headers do not define")
        return "(" + resolve(used, constants, seen + (name,)) + ")"

    return IDENT.sub(substitute, constants[name])


def read_headers(include_dir):
    constants, structs = {}, []
    for header in HEADERS:
        path = os.path.join(include_dir, header)
        with open(path) as f:
            text = f.read()
        for name, value in constants_of(path, text).items():
            if name in constants:
                raise CannotCheck(f"{name} is defined in more than one header")
            constants[name] = value
        structs += structs_of(path, text)
    if not constants:
        raise CannotCheck(f"no constants found in {', '.join(HEADERS)}")
    return {name: resolve(name, constants) for name in constants}, constants, structs


def listing_problems(constants, structs):
    """Exclusions naming what the headers no longer have would hide nothing and mislead."""
    problems = [f"{name} is listed in the script but not defined in the headers"
                for name in list(UNCHECKED) + list(UAPI_INSTEAD) if name not in constants]
    types = {s.musl_type for s in structs}
    problems += [f"{t} is listed in the script but no struct is marked with it"
                 for t in UAPI_SIZE_INSTEAD if t not in types]
    return problems


def missing_errnos(sysroot, constants):
    """musl's list of errno names is Linux's: the kernel must name them all."""
    with open(os.path.join(sysroot, "include", "bits", "errno.h")) as f:
        musl = re.findall(r"^#define\s+(E\w+)\s", f.read(), re.M)
    if not musl:
        return ["no errno names found in musl's <bits/errno.h>"]
    return [f"{name} is in musl's <bits/errno.h> but not in kenix/errno.h" for name in musl if name not in constants]


# --- the generated C ----------------------------------------------------------

class Source:
    """A C file being written, remembering what each line asserts so that
    clang's errors can be told by name."""

    def __init__(self):
        self.lines, self.meaning = [], {}

    def add(self, text, meaning=None):
        self.lines += text.split("\n")
        if meaning:
            self.meaning[len(self.lines)] = meaning

    def text(self):
        return "\n".join(self.lines) + "\n"


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kernel_structs(source, structs, constants):
    """The kernel's structs and, before any libc header can turn a field name
    into a macro (musl's si_pid is one), their sizes and offsets as enums."""
    source.add("#include <stddef.h>")
    source.add("#include <stdint.h>")
    for s in structs:
        source.add(f"struct {s.kernel_name} {{\n{with_values(s.body, constants)}}};")
    for s in structs:
        source.add(f"enum {{ kenix_size_{s.kernel_name} = sizeof(struct {s.kernel_name}) }};")
        for field in s.fields:
            member = f"((struct {s.kernel_name} *)0)->{field}"
            source.add(f"enum {{ kenix_offset_{s.kernel_name}_{field} = offsetof(struct {s.kernel_name}, {field}),"
                       f" kenix_fsize_{s.kernel_name}_{field} = sizeof({member}) }};")


def with_values(text, constants):
    """TEXT with the kernel's constant names replaced by their values."""
    return IDENT.sub(lambda m: f"({constants[m.group(0)]})" if m.group(0) in constants else m.group(0), text)


def assert_constant(source, name, value, their_name, shown, theirs):
    meaning = f"{name}: kernel says {shown}, {theirs} {their_name} differs"
    source.add(f"_Static_assert((unsigned long long)({their_name}) == (unsigned long long)({value}), "
               f"{c_string(meaning)});", meaning)


def assert_struct(source, s, theirs, size_relation="=="):
    size = "bigger than" if size_relation == "<=" else "of another size than"
    assertions = [(f"kenix_size_{s.kernel_name} {size_relation} sizeof({s.musl_type})",
                   f"{s.musl_type}: the kernel's is {size} {theirs}")]
    for field in s.fields:
        assertions += [
            (f"kenix_offset_{s.kernel_name}_{field} == offsetof({s.musl_type}, {field})",
             f"{s.musl_type}: {field} is at another offset than in {theirs}"),
            (f"kenix_fsize_{s.kernel_name}_{field} == sizeof((({s.musl_type} *)0)->{field})",
             f"{s.musl_type}: {field} has another size than in {theirs}")]
    for condition, meaning in assertions:
        source.add(f"_Static_assert({condition}, {c_string(meaning)});", meaning)


def musl_source(values, shown, structs):
    source = Source()
    source.add("/* Generated by check_linux_abi.py: the kernel's values against musl's. */")
    source.add("#define _GNU_SOURCE")
    kernel_structs(source, structs, values)
    for header in MUSL_INCLUDES:
        source.add(f"#include <{header}>")
    for name, value in values.items():
        if name not in UNCHECKED and name not in UAPI_INSTEAD:
            assert_constant(source, name, value, name, shown[name], "musl's")
    for s in structs:
        assert_struct(source, s, "musl's", "<=" if s.musl_type in UAPI_SIZE_INSTEAD else "==")
    return source


def uapi_source(values, shown, structs):
    source = Source()
    source.add("/* Generated by check_linux_abi.py: what musl lacks or has otherwise, against Linux's UAPI. */")
    kernel_structs(source, structs, values)
    headers = {h for h, _, _ in UAPI_INSTEAD.values()} | {h for h, _ in UAPI_SIZE_INSTEAD.values()}
    for header in sorted(headers):
        source.add(f"#include <{header}>")
    for name, (header, their_name, _) in UAPI_INSTEAD.items():
        if name in values:
            assert_constant(source, name, values[name], their_name, shown[name], f"<{header}>'s")
    for s in structs:
        if s.musl_type in UAPI_SIZE_INSTEAD:
            assert_struct(source, s, f"<{UAPI_SIZE_INSTEAD[s.musl_type][0]}>'s")
    return source


# --- running clang ------------------------------------------------------------

def freestanding_problems(clang, include_dir):
    """The headers as the kernel will include them: nothing else includes
    linux_abi.h yet, so a slip there would otherwise go unnoticed."""
    command = [clang, "--target=aarch64-none-elf", "-ffreestanding", "-std=c17", "-Wall", "-Wextra", "-Werror",
               "-fsyntax-only", "-I", include_dir]
    for header in HEADERS:
        result = run(command + ["-include", header, "-x", "c", os.devnull])
        if result.returncode != 0:
            return [f"{header} does not compile freestanding:\n{result.stderr}"]
    return []


def clang_problems(clang, config, source, name, scratch, theirs):
    """Each failed assertion by what it asserts; any other error as clang says it."""
    path = os.path.join(scratch, name)
    with open(path, "w") as f:
        f.write(source.text())
    result = run([clang, "--config", config, "-std=c17", "-fsyntax-only", "-ferror-limit=0",
                  "-Werror", "-Wall", "-Wextra", path])
    if result.returncode == 0:
        return []
    problems = []
    for line in result.stderr.splitlines():
        match = re.match(re.escape(path) + r":(\d+):\d+: (?:fatal )?error: (.*)$", line)
        if match and int(match.group(1)) in source.meaning:
            problems.append(explained(source.meaning[int(match.group(1))], match.group(2), theirs))
        elif ": error: " in line or ": fatal error: " in line:
            problems.append(line)
    return problems or [f"clang failed on {name}:\n{result.stderr}"]


def explained(meaning, error, theirs):
    """A failed assertion is its own explanation; any other error is clang's."""
    if error.startswith("static_assert failed") or error.startswith("static assertion failed"):
        return meaning
    missing = re.match(r"use of undeclared identifier '(\w+)'", error)
    if missing:
        return f"{missing.group(1)}: {theirs} does not define it (fix the name, or list it in the script with the reason)"
    return f"{meaning} (clang: {error})"


def run(command):
    try:
        return subprocess.run(command, capture_output=True, text=True)
    except OSError as error:
        raise CannotCheck(f"cannot run {command[0]}: {error}")


def check(include_dir, sysroot, clang):
    """Every disagreement, and every reason the check cannot be made, in words."""
    values, shown, structs = read_headers(include_dir)
    problems = listing_problems(values, structs) + missing_errnos(sysroot, values)
    config = os.path.join(sysroot, "aarch64-linux-musl.cfg")
    if not os.path.isfile(config):
        return problems + [f"no clang config file {config}"], values, structs
    problems += freestanding_problems(clang, include_dir)
    with tempfile.TemporaryDirectory() as scratch:
        problems += clang_problems(clang, config, musl_source(values, shown, structs), "musl.c", scratch, "musl")
        problems += clang_problems(clang, config, uapi_source(values, shown, structs), "uapi.c", scratch,
                                   "Linux's UAPI")
    return problems, values, structs


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        problems, values, structs = check(*sys.argv[1:])
    except (CannotCheck, OSError) as error:
        problems = [str(error)]
    if problems:
        print("FAIL the kernel's Linux ABI differs from musl's or cannot be checked:\n  " + "\n  ".join(problems))
        sys.exit(1)
    checked = len(values) - len(UNCHECKED) - len(UAPI_INSTEAD)
    print(f"ok {checked} constants and {len(structs)} structs agree with musl's"
          f" ({len(UAPI_INSTEAD)} constants and {len(UAPI_SIZE_INSTEAD)} struct sizes with Linux's UAPI headers"
          f" instead, {len(UNCHECKED)} kernel-internal names unchecked)")


if __name__ == "__main__":
    main()
