# Programs built against the sysroot: the in-guest C programs (a CMake project using
# cmake/kenix-user.cmake) and third-party ports, BusyBox first.
#
# Outputs:
#   ${KENIX_GUEST_DIR}/hello, .../trap      in-guest programs
#   ${KENIX_BUSYBOX}                         static BusyBox (stripped)
#   ${KENIX_BUSYBOX_LINKS}                   its applets' paths, one a line (make busybox.links)
#   ${KENIX_BUSYBOX_CONFIG}                  its .config (the testsuite's `optional` reads it)
#   ${KENIX_BUSYBOX_TESTSUITE}               BusyBox's own testsuite, as unpacked (tests/busybox)

include(${CMAKE_CURRENT_LIST_DIR}/ThirdParty.cmake)

# --- in-guest programs --------------------------------------------------------------
set(KENIX_GUEST_DIR ${CMAKE_BINARY_DIR}/guest)
set(KENIX_GUEST_PROGRAMS hello trap kernel_basics fuzz_syscalls fuzz_signals fault_null fault_kernel fault_exec bench_syscall
    test_el0 test_memory ktrace
    test_ipc test_sched test_irq test_kcall test_cancel test_vm test_blkdev bench_ipc bench_posix bench_big
    test_fd test_pipe test_fork test_proc test_signal test_sigaction test_cred test_limits test_poll test_timer
    test_jobctl test_exec exec_child test_progcache test_tty test_uaccess test_vdso init_signals vfs_death
    test_file test_dir test_path test_perm test_fsmount test_lock test_mmap)
kenix_user_project(guest ${CMAKE_SOURCE_DIR}/tests/guest ${KENIX_GUEST_DIR} ${KENIX_GUEST_PROGRAMS})

# Programs built but kept out of the initrd until the vfs server lands
# (tests/guest/pending-vfs.txt, also read by tests/scenarios/kernel.py).
set(KENIX_GUEST_PENDING_FILE ${CMAKE_SOURCE_DIR}/tests/guest/pending-vfs.txt)
set(KENIX_GUEST_PENDING)
if(EXISTS ${KENIX_GUEST_PENDING_FILE})
    file(STRINGS ${KENIX_GUEST_PENDING_FILE} KENIX_GUEST_PENDING REGEX "^[A-Za-z0-9_]+$")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${KENIX_GUEST_PENDING_FILE})
endif()

# --- BusyBox --------------------------------------------------------------------------
# Kbuild, built out of tree (make O=...). Its tools must all be LLVM's: the host's
# binutils are x86-only. HOSTCC=clang so no host gcc is needed (TOOLCHAIN-NOTES §4).
set(KENIX_BUSYBOX_DIR ${CMAKE_BINARY_DIR}/ports/busybox)
set(KENIX_BUSYBOX ${KENIX_BUSYBOX_DIR}/busybox)
set(KENIX_BUSYBOX_LINKS ${KENIX_BUSYBOX_DIR}/busybox.links)
set(KENIX_BUSYBOX_CONFIG ${KENIX_BUSYBOX_DIR}/.config)
set(KENIX_BUSYBOX_TESTSUITE ${CMAKE_BINARY_DIR}/ports/busybox-src/testsuite)
set(KENIX_BUSYBOX_MAKE
    make -C <SOURCE_DIR> O=<BINARY_DIR>
    HOSTCC=clang AR=llvm-ar NM=llvm-nm STRIP=llvm-strip OBJCOPY=llvm-objcopy OBJDUMP=llvm-objdump
    "CC=clang --config ${KENIX_SYSROOT}/aarch64-linux-musl.cfg")

ExternalProject_Add(busybox
    PREFIX            ${CMAKE_BINARY_DIR}/ports/busybox-ep
    SOURCE_DIR        ${CMAKE_BINARY_DIR}/ports/busybox-src
    BINARY_DIR        ${KENIX_BUSYBOX_DIR}
    DOWNLOAD_COMMAND  ${KENIX_FETCH_ENV} ${KENIX_TOOLCHAIN_DIR}/unpack-source.sh busybox <SOURCE_DIR>
    UPDATE_COMMAND    ""
    PATCH_COMMAND     ${KENIX_TOOLCHAIN_DIR}/apply-patches.sh ${CMAKE_SOURCE_DIR}/ports/busybox/patches <SOURCE_DIR>
    # defconfig + our fragment + oldconfig, from a clean tree: configure runs only when
    # the source, the fragment or the sysroot changed, and then no old object may survive
    # (BusyBox never relinks because libc.a changed).
    CONFIGURE_COMMAND ${KENIX_BUSYBOX_MAKE} mrproper
              COMMAND ${KENIX_BUSYBOX_MAKE} defconfig
              COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/cmake/kconfig_merge.py
                          <BINARY_DIR>/.config ${CMAKE_SOURCE_DIR}/ports/busybox/kenix.config
                          -- ${KENIX_BUSYBOX_MAKE} oldconfig
    BUILD_COMMAND     ${KENIX_BUSYBOX_MAKE} -j${KENIX_NPROC}
    # The applets' paths, one a line (/bin/ls, /usr/bin/awk ...): the initrd's symlinks.
              COMMAND ${KENIX_BUSYBOX_MAKE} busybox.links
    INSTALL_COMMAND   ""
    BUILD_BYPRODUCTS  ${KENIX_BUSYBOX} ${KENIX_BUSYBOX_LINKS} ${KENIX_BUSYBOX_CONFIG}
    LOG_DOWNLOAD ON  LOG_PATCH ON  LOG_CONFIGURE ON  LOG_BUILD ON
    LOG_OUTPUT_ON_FAILURE ON
    DEPENDS           musl)

kenix_restart_on_patch_change(busybox ${CMAKE_SOURCE_DIR}/ports/busybox/patches)
ExternalProject_Add_StepDependencies(busybox configure
    ${CMAKE_SOURCE_DIR}/ports/busybox/kenix.config
    ${CMAKE_SOURCE_DIR}/cmake/kconfig_merge.py
    ${KENIX_SYSROOT_STAMP})

# --- ports/NAME: third-party programs with their own tests ------------------------------
# A port is a directory ports/NAME holding only what is ours (docs/porting.md):
#   source.txt         its line of toolchain/sources.txt's format (fetch-sources.sh reads both)
#   host-packages.txt  optional: Debian packages its build needs on the host
#   depends.txt        optional: ports it builds against, one name a line
#   patches/           NNNN-*.patch, each opening with why (toolchain/apply-patches.sh)
#   build.sh           the recipe, run from a pristine patched tree (environment: docs/porting.md);
#                      it installs what the image gets under $DESTDIR/usr
#   tests/             optional: files of the port's own tests that build.sh installs
# Every port chosen in KENIX_PORTS (KENIX_PORTS_BUILT) is built after musl and installed into one tree,
# ${KENIX_PORTS_ROOT}, which the test initrd holds from /usr down (cmake/Images.cmake).
# "default" stands for KENIX_PORTS_DEFAULT (every port cheap enough for each CI run), so a
# port added to it reaches build directories configured before it existed.
set(KENIX_PORTS_DEFAULT zlib lua sqlite ncurses less)
set(KENIX_PORTS "default" CACHE STRING "Ports to build, ;-separated (ports/NAME); \"default\" among them stands for KENIX_PORTS_DEFAULT")
# KENIX_PORTS_BUILT: the ports chosen, "default" expanded (a normal variable of
# another name: unsetting one named KENIX_PORTS would uncover the cache's again).
set(KENIX_PORTS_BUILT)
foreach(port IN LISTS KENIX_PORTS)
    if(port STREQUAL "default")
        list(APPEND KENIX_PORTS_BUILT ${KENIX_PORTS_DEFAULT})
    else()
        list(APPEND KENIX_PORTS_BUILT ${port})
    endif()
endforeach()
list(REMOVE_DUPLICATES KENIX_PORTS_BUILT)
set(KENIX_PORTS_ROOT ${CMAKE_BINARY_DIR}/ports/root)
set(KENIX_PORT_TARGETS)
set(KENIX_PORT_STAMPS)
set(KENIX_PORT_RECORDS)

function(kenix_port name)
    set(dir ${CMAKE_SOURCE_DIR}/ports/${name})
    if(NOT EXISTS ${dir}/source.txt OR NOT EXISTS ${dir}/build.sh)
        message(FATAL_ERROR "port ${name}: ports/${name} needs source.txt and build.sh (docs/porting.md)")
    endif()
    set(stamp ${CMAKE_BINARY_DIR}/ports/${name}.installed)
    # Ports this one builds against (ports/NAME/depends.txt, one name a line):
    # they install into the same tree first, and the recipe finds their headers
    # and libraries under $DESTDIR/usr.
    set(deps musl)
    if(EXISTS ${dir}/depends.txt)
        file(STRINGS ${dir}/depends.txt port_deps REGEX "^[a-z0-9][a-z0-9+._-]*$")
        foreach(dep IN LISTS port_deps)
            if(NOT dep IN_LIST KENIX_PORTS_BUILT)
                message(FATAL_ERROR "port ${name} needs port ${dep}: add it to KENIX_PORTS")
            endif()
            list(APPEND deps port-${dep})
        endforeach()
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${dir}/depends.txt)
    endif()
    # Every compiler run of the build, for compile_commands.json (cc-record.sh).
    set(records ${CMAKE_BINARY_DIR}/ports/${name}.cc-records)
    ExternalProject_Add(port-${name}
        PREFIX            ${CMAKE_BINARY_DIR}/ports/${name}-ep
        SOURCE_DIR        ${CMAKE_BINARY_DIR}/ports/${name}-src
        BINARY_DIR        ${CMAKE_BINARY_DIR}/ports/${name}-build
        DOWNLOAD_COMMAND  ${KENIX_FETCH_ENV} ${KENIX_TOOLCHAIN_DIR}/unpack-source.sh ${name} <SOURCE_DIR>
        UPDATE_COMMAND    ""
        PATCH_COMMAND     ${KENIX_TOOLCHAIN_DIR}/apply-patches.sh ${dir}/patches <SOURCE_DIR>
        CONFIGURE_COMMAND ""
        # The recipe's whole environment: nothing else of the host's build leaks in.
        BUILD_COMMAND     ${CMAKE_COMMAND} -E rm -f ${records}
                  COMMAND ${CMAKE_COMMAND} -E env
                              PORT=${dir} SRC=<SOURCE_DIR> BUILD=<BINARY_DIR> DESTDIR=${KENIX_PORTS_ROOT}
                              SYSROOT=${KENIX_SYSROOT} HOST=aarch64-linux-musl
                              "CC=${CMAKE_SOURCE_DIR}/cmake/cc-record.sh ${records} clang --config ${KENIX_SYSROOT}/aarch64-linux-musl.cfg"
                              AR=llvm-ar RANLIB=llvm-ranlib NM=llvm-nm STRIP=llvm-strip
                              JOBS=${KENIX_NPROC}
                              bash ${dir}/build.sh
                  COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
        INSTALL_COMMAND   ""
        BUILD_BYPRODUCTS  ${stamp} ${records}
        LOG_DOWNLOAD ON  LOG_PATCH ON  LOG_BUILD ON
        LOG_OUTPUT_ON_FAILURE ON
        DEPENDS           ${deps})
    kenix_restart_on_patch_change(port-${name} ${dir}/patches)
    # The recipe, and anything else of the port's it may install (its test scripts).
    file(GLOB_RECURSE port_files CONFIGURE_DEPENDS ${dir}/tests/*)
    ExternalProject_Add_StepDependencies(port-${name} build ${dir}/build.sh ${port_files} ${KENIX_SYSROOT_STAMP})
    set(KENIX_PORT_TARGETS ${KENIX_PORT_TARGETS} port-${name} PARENT_SCOPE)
    set(KENIX_PORT_STAMPS ${KENIX_PORT_STAMPS} ${stamp} PARENT_SCOPE)
    set(KENIX_PORT_RECORDS ${KENIX_PORT_RECORDS} ${records} PARENT_SCOPE)
endfunction()

foreach(port IN LISTS KENIX_PORTS_BUILT)
    kenix_port(${port})
endforeach()
