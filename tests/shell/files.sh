#!/bin/sh
# find | xargs, sed -i, sort | uniq -c, tar there and back, cp -a.
set -e
cd /tmp
rm -rf tree copy x t.tar
mkdir -p tree/a/b tree/c
echo hello > tree/a/b/one.txt
echo world > tree/c/two.txt
printf 'x\ny\nx\nx\n' > tree/three.log
echo "find: $(find /tmp/tree -name '*.txt' | sort | xargs cat | tr '\n' ' ')"
echo "find /: $(find / -name one.txt 2>/dev/null)"
sed -i 's/hello/goodbye/' tree/a/b/one.txt
echo "sed -i: $(cat tree/a/b/one.txt)"
sort tree/three.log | uniq -c | sed 's/^ */count: /'
chmod 750 tree/c/two.txt
touch -d '2001-02-03 04:05:06' tree/c/two.txt
ln -s ../c/two.txt tree/a/link
cp -a tree copy
echo "cp -a: $(stat -c '%a %Y %s' copy/c/two.txt) $(readlink copy/a/link)"
tar -cf t.tar tree
mkdir x
tar -xf t.tar -C x
diff -r tree x/tree && echo "tar: same"
echo "tar times: $(stat -c '%a %Y' x/tree/c/two.txt)"
mv copy/c copy/moved
echo "mv: $(ls copy | tr '\n' ' ')"
rm -rf tree copy x t.tar
# A program being run cannot be written (ETXTBSY, as Linux 6.1), and can once it has ended.
cp /bin/busybox bb
ln -s /tmp/bb sleep
./sleep 2 &
sleep 1
if echo x 2>/dev/null >> bb; then echo "running program: written"; else echo "running program: refused"; fi
wait
echo x >> bb && echo "ended program: written"
rm bb sleep
echo "files: done"
