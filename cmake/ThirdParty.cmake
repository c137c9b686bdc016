# Helpers shared by the third-party builds (musl, ports): a source comes from
# toolchain/unpack-source.sh (pristine tree) and toolchain/apply-patches.sh.
include_guard(GLOBAL)

cmake_host_system_information(RESULT KENIX_NPROC QUERY NUMBER_OF_LOGICAL_CORES)
set(KENIX_TOOLCHAIN_DIR ${CMAKE_SOURCE_DIR}/toolchain)
# Every step that may fetch sees the same cache as `./kenix setup`.
set(KENIX_FETCH_ENV ${CMAKE_COMMAND} -E env KENIX_SOURCE_CACHE=${KENIX_SOURCE_CACHE})

# kenix_restart_on_patch_change(EP PATCHDIR)
# Makes EP's download step -- the one that unpacks a pristine tree -- re-run when
# the patch series changes, so every later step re-runs on a clean tree. A list
# of the patches and their hashes is the dependency: Ninja alone would miss a
# removed patch (nothing newer than the stamp), and a re-added old file.
function(kenix_restart_on_patch_change ep patchdir)
    file(GLOB patches CONFIGURE_DEPENDS ${patchdir}/*.patch)
    list(SORT patches)
    set(series "")
    foreach(p IN LISTS patches)
        file(SHA256 ${p} hash)
        get_filename_component(name ${p} NAME)
        string(APPEND series "${hash}  ${name}\n")
    endforeach()
    set(series_file ${CMAKE_BINARY_DIR}/CMakeFiles/${ep}-patch-series.txt)
    file(CONFIGURE OUTPUT ${series_file} CONTENT "${series}")   # rewritten only on change
    ExternalProject_Add_StepDependencies(${ep} download
        ${series_file} ${patches}
        ${KENIX_TOOLCHAIN_DIR}/sources.txt
        ${KENIX_TOOLCHAIN_DIR}/unpack-source.sh
        ${KENIX_TOOLCHAIN_DIR}/apply-patches.sh)
endfunction()
