# One compile_commands.json at the top of the build tree for clangd: the host
# project's own entries (CMake writes the file at generate time because the
# preset sets CMAKE_EXPORT_COMPILE_COMMANDS) plus those of every CMake sub-build.
#
# Not racy although two writers share the file: CMake writes it only while
# (re)generating, which Ninja finishes before it runs any build step, and the
# merge runs after the sub-builds, on every build (it takes milliseconds and
# rewrites only on change). Its output is idempotent (see the script), so a
# regeneration that reset the file is repaired by the same build.
#
# Sub-builds register with
#   set_property(GLOBAL APPEND PROPERTY KENIX_CMAKE_SUBBUILDS <ExternalProject name>)
# before this file is included. musl and BusyBox have none yet; the ports
# (ports/NAME) are recorded through cmake/cc-record.sh.

set_property(GLOBAL APPEND PROPERTY KENIX_CMAKE_SUBBUILDS kernel)
get_property(_kenix_subbuilds GLOBAL PROPERTY KENIX_CMAKE_SUBBUILDS)
list(REMOVE_DUPLICATES _kenix_subbuilds)

set(_kenix_subbuild_dirs "")
set(_kenix_subbuild_targets "")
foreach(ep IN LISTS _kenix_subbuilds)
    if(TARGET ${ep})
        ExternalProject_Get_Property(${ep} BINARY_DIR)
        list(APPEND _kenix_subbuild_dirs ${BINARY_DIR})
        list(APPEND _kenix_subbuild_targets ${ep})
    endif()
endforeach()

# The ports (cmake/Ports.cmake) are make-based: their compiler runs were
# written down by cmake/cc-record.sh, one records file each.
add_custom_target(compile-commands ALL
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/cmake/merge_compile_commands.py
            ${CMAKE_BINARY_DIR}/compile_commands.json ${_kenix_subbuild_dirs} --records ${KENIX_PORT_RECORDS}
    COMMENT "Merging compile_commands.json of ${_kenix_subbuild_targets} ${KENIX_PORTS_BUILT}"
    VERBATIM)
add_dependencies(compile-commands ${_kenix_subbuild_targets} ${KENIX_PORT_TARGETS})

unset(BINARY_DIR)
unset(_kenix_subbuilds)
unset(_kenix_subbuild_dirs)
unset(_kenix_subbuild_targets)
