# Boot-time images, part of the default build:
#   ${KENIX_SMALL_INITRD} cpio newc initrd of the system alone: /init, /sbin/vfs, /sbin/console,
#                      /sbin/blkdev, /bin/busybox and a symlink to it for every applet
#                      (busybox.links), /etc/motd, /etc/passwd, /etc/group, /etc/hosts, /root.
#                      What a user boots (`./kenix run`); small enough for a 16 MiB machine.
#   ${KENIX_INITRD}    the same and what the tests need: every in-guest program in /bin,
#                      test_exec's scripts in /bin, the shell scenarios' scripts, the ports
#                      (KENIX_PORTS) under /usr
#   ${KENIX_BBTEST_INITRD} the test initrd and BusyBox's testsuite in /opt/bbtest (tests/busybox)
#   ${KENIX_DISK_IMG}  FAT32 disk image for virtio-blk: a few known files to read back
# Each initrd is the one before it plus more: one list (_kenix_initrd_system) extended,
# never copied. They are rebuilt only when an input changed (the inputs are declared
# byproducts of the guest/busybox steps, and those are restat'ed by Ninja).

set(KENIX_IMAGES_DIR ${CMAKE_BINARY_DIR}/images)
set(KENIX_SMALL_INITRD ${KENIX_IMAGES_DIR}/initrd-small.cpio)
set(KENIX_INITRD ${KENIX_IMAGES_DIR}/initrd.cpio)
set(KENIX_BBTEST_INITRD ${KENIX_IMAGES_DIR}/initrd-bbtest.cpio)
set(KENIX_DISK_IMG ${KENIX_IMAGES_DIR}/disk.img)
set(KENIX_DISK_MIB 64)   # FAT32 needs >= 33 MiB at 512-byte clusters; 64 leaves room

find_program(KENIX_MKFS_FAT mkfs.fat PATHS /usr/sbin /sbin REQUIRED)
find_program(KENIX_FSCK_FAT fsck.fat PATHS /usr/sbin /sbin REQUIRED)
find_program(KENIX_MCOPY mcopy REQUIRED)

# Contents written by CMake: file(CONFIGURE) rewrites a file only when its text
# changes, so these never make the images stale on their own.
set(KENIX_MOTD ${KENIX_IMAGES_DIR}/root/etc/motd)
file(CONFIGURE OUTPUT ${KENIX_MOTD} CONTENT
"Welcome to Kenix @PROJECT_VERSION@, a microkernel for AArch64.
BusyBox is in /bin; try `busybox --list`.
" @ONLY)

# Users and groups: root, a non-root user (1000, also in "users") for the
# permission tests, and nobody.
set(KENIX_PASSWD ${KENIX_IMAGES_DIR}/root/etc/passwd)
file(CONFIGURE OUTPUT ${KENIX_PASSWD} CONTENT
"root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
" @ONLY)
set(KENIX_GROUP ${KENIX_IMAGES_DIR}/root/etc/group)
file(CONFIGURE OUTPUT ${KENIX_GROUP} CONTENT
"root:x:0:
users:x:100:user
user:x:1000:
nogroup:x:65534:
" @ONLY)

# Names the resolver finds without a network: the kernel's node name (uname -n) too,
# so `hostname -f` and getaddrinfo of it answer as on a Linux host (BusyBox's
# hostname-d-works test).
set(KENIX_HOSTS ${KENIX_IMAGES_DIR}/root/etc/hosts)
file(CONFIGURE OUTPUT ${KENIX_HOSTS} CONTENT
"127.0.0.1	localhost
127.0.1.1	kenix
::1	localhost
" @ONLY)

set(KENIX_DISK_README ${KENIX_IMAGES_DIR}/disk/README.TXT)
file(CONFIGURE OUTPUT ${KENIX_DISK_README} CONTENT
"Kenix test disk (FAT32). The tests read this file back byte for byte.
" @ONLY)
set(KENIX_DISK_LONGNAME "${KENIX_IMAGES_DIR}/disk/A file with a long name.txt")
file(CONFIGURE OUTPUT ${KENIX_DISK_LONGNAME} CONTENT
"This name needs VFAT long-file-name entries.
" @ONLY)
# A name outside ASCII, three directories down (UTF-8 here, UTF-16 on the disk).
set(KENIX_DISK_UNICODE "${KENIX_IMAGES_DIR}/disk/unicode.txt")
file(CONFIGURE OUTPUT ${KENIX_DISK_UNICODE} CONTENT
"Grüße aus Köln – 20 €.
" @ONLY)

# test_exec's scripts and files (tests/guest/test_exec.c makes the same ones
# on Linux from its `files` table: keep the two alike). NAME|MODE|TEXT.
set(_kenix_exec_files
    "exec_script_noarg|0755|#!/bin/exec_child\necho never\n"
    "exec_script_arg|0755|#! \t/bin/exec_child  one  arg \t\necho never\n"
    "exec_nest_1|0755|#!/bin/exec_child\n"
    "exec_nest_2|0755|#!/bin/exec_nest_1\n"
    "exec_nest_3|0755|#!/bin/exec_nest_2\n"
    "exec_nest_4|0755|#!/bin/exec_nest_3\n"
    "exec_nest_5|0755|#!/bin/exec_nest_4\n"
    "exec_nest_6|0755|#!/bin/exec_nest_5\n"
    "exec_noexec|0644|#!/bin/exec_child\n"
    "exec_garbage|0755|not a program\n"
    "exec_noline|0755|#!\n"
    "exec_short|0755|#!"
    "exec_badinterp|0755|#!/bin/exec_nonexistent\n")
set(_kenix_initrd_exec_files /bin/exec_link->exec_child)
set(_kenix_exec_file_deps)
foreach(entry IN LISTS _kenix_exec_files)
    string(REPLACE "|" ";" parts "${entry}")
    list(GET parts 0 name)
    list(GET parts 1 mode)
    list(GET parts 2 text)
    string(REPLACE "\\n" "\n" text "${text}")
    string(REPLACE "\\t" "\t" text "${text}")
    file(CONFIGURE OUTPUT ${KENIX_IMAGES_DIR}/root/bin/${name} CONTENT "${text}")
    list(APPEND _kenix_initrd_exec_files /bin/${name}=${KENIX_IMAGES_DIR}/root/bin/${name}:${mode})
    list(APPEND _kenix_exec_file_deps ${KENIX_IMAGES_DIR}/root/bin/${name})
endforeach()

# Every in-guest program goes to /bin, but those waiting for the vfs server
# (KENIX_GUEST_PENDING, cmake/Ports.cmake).
# The shell scenarios' scripts (tests/shell, scenario shell.*), in /usr/lib/kenix/shell.
file(GLOB _kenix_shell_scripts CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/shell/*.sh)
set(_kenix_initrd_shell)
foreach(script IN LISTS _kenix_shell_scripts)
    get_filename_component(name ${script} NAME)
    list(APPEND _kenix_initrd_shell /usr/lib/kenix/shell/${name}=${script}:755)
endforeach()

set(_kenix_initrd_programs)
set(_kenix_initrd_program_files)
foreach(program IN LISTS KENIX_GUEST_PROGRAMS)
    if(program IN_LIST KENIX_GUEST_PENDING)
        continue()
    endif()
    list(APPEND _kenix_initrd_programs /bin/${program}=${KENIX_GUEST_DIR}/${program})
    list(APPEND _kenix_initrd_program_files ${KENIX_GUEST_DIR}/${program})
endforeach()

# The system: what every initrd holds, and all the small one holds. Future ports go
# to the test initrd (or a port image of their own), not here: this list is what a
# 16 MiB machine must fit (QEMU puts the initrd half way into RAM and the 1 MiB
# device tree after it, so the initrd may be at most ~7 MiB there).
set(_kenix_initrd_system
    /init=${KENIX_SERVERS_DIR}/init
    /sbin/vfs=${KENIX_SERVERS_DIR}/vfs
    /sbin/console=${KENIX_SERVERS_DIR}/console
    /sbin/blkdev=${KENIX_SERVERS_DIR}/blkdev
    /bin/busybox=${KENIX_BUSYBOX}
    @${KENIX_BUSYBOX_LINKS}->/bin/busybox
    /etc/motd=${KENIX_MOTD}
    /etc/passwd=${KENIX_PASSWD}:644
    /etc/group=${KENIX_GROUP}:644
    /etc/hosts=${KENIX_HOSTS}:644
    /dev/ /proc/ /tmp/:1777 /root/:700 /mnt/)
set(_kenix_initrd_system_deps
    ${CMAKE_SOURCE_DIR}/cmake/mkcpio.py ${KENIX_BUSYBOX} ${KENIX_BUSYBOX_LINKS}
    ${KENIX_SERVERS_DIR}/init ${KENIX_SERVERS_DIR}/vfs ${KENIX_SERVERS_DIR}/console ${KENIX_SERVERS_DIR}/blkdev
    ${KENIX_MOTD} ${KENIX_PASSWD} ${KENIX_GROUP} ${KENIX_HOSTS}
    busybox servers)
# The test initrd: the system and the test programs and scripts.
set(_kenix_initrd_entries
    ${_kenix_initrd_system}
    ${_kenix_initrd_programs}
    ${_kenix_initrd_exec_files}
    ${_kenix_initrd_shell})
set(_kenix_initrd_deps
    ${_kenix_initrd_system_deps}
    ${_kenix_initrd_program_files} ${_kenix_exec_file_deps} ${_kenix_shell_scripts}
    guest)
# The ports (cmake/Ports.cmake): their one install tree, from /usr down.
if(KENIX_PORTS_BUILT)
    list(APPEND _kenix_initrd_entries /usr/=${KENIX_PORTS_ROOT}/usr)
    list(APPEND _kenix_initrd_deps ${KENIX_PORT_STAMPS} ${KENIX_PORT_TARGETS})
endif()

add_custom_command(
    OUTPUT  ${KENIX_SMALL_INITRD}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/cmake/mkcpio.py -o ${KENIX_SMALL_INITRD}
            ${_kenix_initrd_system}
    DEPENDS ${_kenix_initrd_system_deps}
    COMMENT "Writing the small initrd ${KENIX_SMALL_INITRD}"
    VERBATIM)

add_custom_command(
    OUTPUT  ${KENIX_INITRD}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/cmake/mkcpio.py -o ${KENIX_INITRD}
            ${_kenix_initrd_entries}
    DEPENDS ${_kenix_initrd_deps}
    COMMENT "Writing the initrd ${KENIX_INITRD}"
    VERBATIM)

# The same and BusyBox's own testsuite in /opt/bbtest (~0.7 MB more): its tests,
# runtest and data files, the build's .config and tests/busybox/run.sh. Only the
# busybox.testsuite.* scenarios boot it, so every other boot stays as small.
add_custom_command(
    OUTPUT  ${KENIX_BBTEST_INITRD}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/cmake/mkcpio.py -o ${KENIX_BBTEST_INITRD}
            ${_kenix_initrd_entries}
            /opt/bbtest/run.sh=${CMAKE_SOURCE_DIR}/tests/busybox/run.sh:755
            /opt/bbtest/config=${KENIX_BUSYBOX_CONFIG}:644
            /opt/bbtest/testsuite/=${KENIX_BUSYBOX_TESTSUITE}
    DEPENDS ${_kenix_initrd_deps} ${CMAKE_SOURCE_DIR}/tests/busybox/run.sh ${KENIX_BUSYBOX_CONFIG}
    COMMENT "Writing the BusyBox testsuite's initrd ${KENIX_BBTEST_INITRD}"
    VERBATIM)

add_custom_command(
    OUTPUT  ${KENIX_DISK_IMG}
    COMMAND ${CMAKE_COMMAND} -E env MKFS_FAT=${KENIX_MKFS_FAT} FSCK_FAT=${KENIX_FSCK_FAT} LC_ALL=C.UTF-8
            ${CMAKE_SOURCE_DIR}/cmake/mkfatimg.sh ${KENIX_DISK_IMG} ${KENIX_DISK_MIB} KENIX
            /README.TXT=${KENIX_DISK_README}
            "/A file with a long name.txt=${KENIX_DISK_LONGNAME}"
            "/Documents/Reisen/Köln/Grüße.txt=${KENIX_DISK_UNICODE}"
            /bin/hello=${KENIX_GUEST_DIR}/hello
    DEPENDS ${CMAKE_SOURCE_DIR}/cmake/mkfatimg.sh ${KENIX_DISK_README} ${KENIX_DISK_LONGNAME} ${KENIX_DISK_UNICODE}
            ${KENIX_GUEST_DIR}/hello guest
    COMMENT "Writing the FAT32 disk image ${KENIX_DISK_IMG}"
    VERBATIM)

add_custom_target(images ALL DEPENDS ${KENIX_SMALL_INITRD} ${KENIX_INITRD} ${KENIX_BBTEST_INITRD} ${KENIX_DISK_IMG})
