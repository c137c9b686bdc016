# The Kenix user-space sysroot (${KENIX_SYSROOT}): libkenix, then musl, then the
# pieces a plain clang driver needs to link static programs against it.
#
# Layout afterwards:
#   include/           musl headers, Linux UAPI (linux/ asm/ asm-generic/ mtd/), kenix/
#   lib/               crt*.o, libc.a, libkenix.a, libgcc.a, libgcc_eh.a (empty), crtbeginT.o, crtend.o
#   aarch64-linux-musl.cfg   `clang --config` file for Makefile-based ports
# CMake-based programs use cmake/kenix-user.cmake instead of the cfg file;
# kenix_user_project() (at the end) builds such a project as a sub-build.

include(${CMAKE_CURRENT_LIST_DIR}/ThirdParty.cmake)   # KENIX_NPROC, KENIX_FETCH_ENV, patch series

# CMake sub-builds whose compile_commands.json cmake/CompileCommands.cmake merges.
set_property(GLOBAL APPEND PROPERTY KENIX_CMAKE_SUBBUILDS libkenix)

# --- libkenix (freestanding, same toolchain as the kernel) -----------------------
ExternalProject_Add(libkenix
    SOURCE_DIR        ${CMAKE_SOURCE_DIR}/sysroot/libkenix
    BINARY_DIR        ${CMAKE_BINARY_DIR}/libkenix
    INSTALL_DIR       ${KENIX_SYSROOT}
    CMAKE_ARGS        ${KENIX_SUBBUILD_COMMON_ARGS}
                      -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/toolchain-aarch64-freestanding.cmake
                      -DCMAKE_INSTALL_PREFIX=<INSTALL_DIR>
                      -DCMAKE_INSTALL_MESSAGE=NEVER
                      -DKENIX_UAPI_DIR=${CMAKE_SOURCE_DIR}/kernel/include/uapi
    # Our own sources: let its Ninja decide (a no-op costs milliseconds).
    BUILD_ALWAYS      ON)

# --- musl ---------------------------------------------------------------------------
# musl's configure probes every flag with -Werror=unused-command-line-argument, so
# -fuse-ld=lld must stay out of CC; --gcc-toolchain=/nonexistent keeps an installed
# aarch64 GCC/glibc cross away from clang (TOOLCHAIN-NOTES §3).
set(KENIX_MUSL_CC "clang --target=aarch64-linux-musl --gcc-toolchain=/nonexistent")

ExternalProject_Add(musl
    PREFIX            ${CMAKE_BINARY_DIR}/musl
    SOURCE_DIR        ${CMAKE_BINARY_DIR}/musl/src/musl
    BINARY_DIR        ${CMAKE_BINARY_DIR}/musl/build
    INSTALL_DIR       ${KENIX_SYSROOT}
    # Fetch (hash-checked, cached) and unpack a pristine tree.
    DOWNLOAD_COMMAND  ${KENIX_FETCH_ENV} ${KENIX_TOOLCHAIN_DIR}/unpack-source.sh musl <SOURCE_DIR>
    UPDATE_COMMAND    ""
    PATCH_COMMAND     ${KENIX_TOOLCHAIN_DIR}/apply-patches.sh ${CMAKE_SOURCE_DIR}/sysroot/patches <SOURCE_DIR>
    # Out of tree: the source tree stays exactly tarball + patches.
    CONFIGURE_COMMAND ${CMAKE_COMMAND} -E env
                          "CC=${KENIX_MUSL_CC}" LDFLAGS=-fuse-ld=lld AR=llvm-ar RANLIB=llvm-ranlib
                      <SOURCE_DIR>/configure --target=aarch64 --prefix=<INSTALL_DIR>
                          --disable-shared --disable-wrapper
    BUILD_COMMAND     make -j${KENIX_NPROC}
    INSTALL_COMMAND   make install
    LOG_DOWNLOAD ON  LOG_PATCH ON  LOG_CONFIGURE ON  LOG_BUILD ON  LOG_INSTALL ON
    LOG_OUTPUT_ON_FAILURE ON)

# A changed, added or removed patch starts again from a pristine tree.
kenix_restart_on_patch_change(musl ${CMAKE_SOURCE_DIR}/sysroot/patches)

# musl alone cannot link a program with a plain clang driver; add the compiler
# runtime, the empty crt pieces clang's static link line asks for, the Linux UAPI
# headers and the clang config file (TOOLCHAIN-NOTES §3 "Complete the sysroot").
ExternalProject_Add_Step(musl complete-sysroot
    COMMENT           "Completing the sysroot in ${KENIX_SYSROOT}"
    COMMAND           ${CMAKE_SOURCE_DIR}/sysroot/complete-sysroot.sh <INSTALL_DIR>
    DEPENDEES         install
    DEPENDS           ${CMAKE_SOURCE_DIR}/sysroot/complete-sysroot.sh
    LOG               ON)

# Later projects rebuild when the sysroot changed: this stamp is rewritten only
# when some musl step actually ran.
ExternalProject_Get_Property(musl STAMP_DIR)
set(KENIX_SYSROOT_STAMP ${STAMP_DIR}/musl-done)
unset(STAMP_DIR)

# A CMake project of programs for Kenix (cmake/kenix-user.cmake: musl + libkenix
# from the sysroot), built as ExternalProject `name` from source_dir into
# binary_dir; the remaining arguments are its program names (the byproducts
# other steps depend on). Rebuilt on every build: Ninja inside decides.
function(kenix_user_project name source_dir binary_dir)
    list(TRANSFORM ARGN PREPEND ${binary_dir}/ OUTPUT_VARIABLE outputs)
    set_property(GLOBAL APPEND PROPERTY KENIX_CMAKE_SUBBUILDS ${name})
    ExternalProject_Add(${name}
        SOURCE_DIR        ${source_dir}
        BINARY_DIR        ${binary_dir}
        CMAKE_ARGS        ${KENIX_SUBBUILD_COMMON_ARGS}
                          -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/kenix-user.cmake
                          -DKENIX_SYSROOT=${KENIX_SYSROOT}
        INSTALL_COMMAND   ""
        BUILD_ALWAYS      ON
        BUILD_BYPRODUCTS  ${outputs}
        DEPENDS           musl)
    # Order only: ExternalProject's DEPENDS would also re-run the configure step
    # whenever libkenix's (always-run) build finishes. The project tracks
    # libkenix.a and the headers itself.
    add_dependencies(${name} libkenix)
endfunction()
