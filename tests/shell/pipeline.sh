#!/bin/sh
# Pipelines, redirections, here-documents, command substitution, subshells.
set -e
cd /tmp
mkdir -p shell.pipeline && cd shell.pipeline
printf '%s\n' banana apple cherry apple banana apple > fruit.txt
echo "top: $(cat fruit.txt | sort | uniq -c | sort -rn | head -n 1 | tr -s ' ')"
echo "kept: $(cat fruit.txt | grep -v cherry | sort -u | tr a-z A-Z | wc -l)"
echo one > out.txt
echo two >> out.txt
echo "lines: $(wc -l < out.txt)"
read first < out.txt
echo "first: $first"
ls /nonexistent > err.txt 2>&1 || echo "ls failed: $?"
echo "errors: $(grep -c 'No such file' err.txt)"
cat <<END
here: $HOME $((6 * 7))
END
cat <<'END'
quoted: $HOME
END
x=$(echo inner $(echo nested))
echo "nested: $x"
(cd / && echo "subshell: $(pwd)")
echo "still: $(pwd)"
set +e
(exit 3)
echo "status: $?"
{ echo group1; echo group2; } | wc -l | sed 's/^/grouped: /'
i=0
while [ $i -lt 5 ]; do i=$((i + 1)); done
echo "loop: $i"
case "$(uname -s)" in Kenix) echo "kernel: Kenix" ;; *) echo "kernel: other" ;; esac
cd /tmp && rm -r shell.pipeline
echo "pipeline: done"
