#!/bin/sh
# cc-record.sh RECORDS COMPILER [ARGS...]
#
# Runs COMPILER ARGS and, first, appends the invocation to RECORDS: one line of
# the working directory and the arguments, separated by the unit separator
# (0x1f). The ports' make-based builds use it as CC (cmake/Ports.cmake), so
# compile_commands.json can list their files too (merge_compile_commands.py
# --records turns the compile steps among the lines into entries).
records=$1
shift
{
    printf '%s' "$PWD"
    for arg in "$@"; do printf '\037%s' "$arg"; done
    printf '\n'
} >>"$records"
exec "$@"
