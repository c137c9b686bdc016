# The user-space servers (servers/), built against the sysroot like the
# in-guest programs. Outputs: ${KENIX_SERVERS_DIR}/init (the initrd's /init).
set(KENIX_SERVERS_DIR ${CMAKE_BINARY_DIR}/servers)
set(KENIX_SERVER_PROGRAMS init)
list(TRANSFORM KENIX_SERVER_PROGRAMS PREPEND ${KENIX_SERVERS_DIR}/ OUTPUT_VARIABLE _kenix_server_outputs)

set_property(GLOBAL APPEND PROPERTY KENIX_CMAKE_SUBBUILDS servers)

ExternalProject_Add(servers
    SOURCE_DIR        ${CMAKE_SOURCE_DIR}/servers
    BINARY_DIR        ${KENIX_SERVERS_DIR}
    CMAKE_ARGS        ${KENIX_SUBBUILD_COMMON_ARGS}
                      -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/kenix-user.cmake
                      -DKENIX_SYSROOT=${KENIX_SYSROOT}
    INSTALL_COMMAND   ""
    BUILD_ALWAYS      ON
    BUILD_BYPRODUCTS  ${_kenix_server_outputs}
    DEPENDS           musl)
# Order only, as for the guest programs (Ports.cmake).
add_dependencies(servers libkenix)
unset(_kenix_server_outputs)
