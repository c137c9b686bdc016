# The user-space servers (servers/), built against the sysroot like the
# in-guest programs. Outputs: ${KENIX_SERVERS_DIR}/init (the initrd's /init), vfs (/sbin/vfs),
# console (/sbin/console) and blkdev (/sbin/blkdev).
set(KENIX_SERVERS_DIR ${CMAKE_BINARY_DIR}/servers)
kenix_user_project(servers ${CMAKE_SOURCE_DIR}/servers ${KENIX_SERVERS_DIR} init vfs console blkdev)
