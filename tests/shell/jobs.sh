#!/bin/sh
# Traps, background jobs and wait.
trap 'echo "trap: USR1"' USR1
kill -USR1 $$
sleep 1 &
p=$!
wait $p
echo "wait: $?"
( exit 7 ) &
wait $!
echo "background status: $?"
for i in 1 2 3; do (echo "job $i" > /tmp/job.$i) & done
wait
cat /tmp/job.1 /tmp/job.2 /tmp/job.3
rm /tmp/job.1 /tmp/job.2 /tmp/job.3
sleep 5 &
k=$!
kill $k
wait $k
echo "killed: $?"
trap 'echo "trap: EXIT"' EXIT
echo "jobs: done"
