# CMake toolchain file for Kenix user programs: static aarch64 executables
# linked against the musl sysroot the superbuild produces. Any CMake project
# targets Kenix with
#   cmake -DCMAKE_TOOLCHAIN_FILE=<repo>/cmake/kenix-user.cmake [-DKENIX_SYSROOT=<sysroot>] ...
# KENIX_SYSROOT defaults to <repo>/build/sysroot (the default preset's).
# C only for now: the sysroot has no C++ runtime yet.

set(CMAKE_SYSTEM_NAME Linux)   # the Linux AArch64 ABI is what Kenix's POSIX personality speaks
set(CMAKE_SYSTEM_PROCESSOR aarch64)

if(NOT KENIX_SYSROOT)
    get_filename_component(_kenix_repo "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
    set(KENIX_SYSROOT "${_kenix_repo}/build/sysroot")
    unset(_kenix_repo)
endif()
set(KENIX_SYSROOT "${KENIX_SYSROOT}" CACHE PATH "Kenix musl sysroot to build against")
# try_compile projects re-read this file without the cache: hand the value over.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KENIX_SYSROOT)

if(NOT EXISTS "${KENIX_SYSROOT}/lib/libc.a")
    message(FATAL_ERROR "No musl sysroot at ${KENIX_SYSROOT} (build the `musl` target "
                        "of the Kenix superbuild first, or pass -DKENIX_SYSROOT=...)")
endif()

set(CMAKE_SYSROOT "${KENIX_SYSROOT}")
set(CMAKE_C_COMPILER clang)
set(CMAKE_ASM_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-musl)
set(CMAKE_ASM_COMPILER_TARGET aarch64-linux-musl)
set(CMAKE_AR llvm-ar CACHE FILEPATH "")
set(CMAKE_RANLIB llvm-ranlib CACHE FILEPATH "")
set(CMAKE_NM llvm-nm CACHE FILEPATH "")
set(CMAKE_OBJCOPY llvm-objcopy CACHE FILEPATH "")
set(CMAKE_OBJDUMP llvm-objdump CACHE FILEPATH "")
set(CMAKE_STRIP llvm-strip CACHE FILEPATH "")

# Without --gcc-toolchain=/nonexistent clang adopts an installed aarch64 GCC
# cross and with it glibc's headers, crt files and libc.a, even with --sysroot.
set(CMAKE_C_FLAGS_INIT "--gcc-toolchain=/nonexistent")
set(CMAKE_ASM_FLAGS_INIT "--gcc-toolchain=/nonexistent")
# For *-linux-* targets clang would call the host's (x86) ld; Kenix has no
# dynamic loader yet, so everything is static.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -static")

set(CMAKE_FIND_ROOT_PATH "${KENIX_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)   # build tools run on the host
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Programs run on the host only through qemu-user (binfmt_misc is not assumed).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
