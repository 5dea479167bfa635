# What an installed walkv carries besides the library, headers and CMake package: walkv.pc,
# the tools' man pages and bash completion, and the settings for `cpack -G DEB`.
# Included from the top-level CMakeLists.txt after the targets exist.

# walkv.pc. A static libwalkv.a leaves its dependencies to the program's link (pkg-config
# --static); a shared libwalkv.so records them itself (DT_NEEDED), so its consumers need
# neither the flags nor the dependencies' -dev packages. Threads is public but needs no flag
# with glibc 2.34 and later; CMAKE_THREAD_LIBS_INIT is whatever this platform needs.
# Abseil is not listed: the engine uses only its header-only B-tree (libwalkv.a has no
# undefined absl symbols; the package test's static pkg-config link would catch one).
set(WALKV_PC_PRIVATE "")
if(NOT BUILD_SHARED_LIBS)
  set(WALKV_PC_PRIVATE "Requires.private: liburing, libxxhash")
  if(CMAKE_THREAD_LIBS_INIT)
    string(APPEND WALKV_PC_PRIVATE "\nLibs.private: ${CMAKE_THREAD_LIBS_INIT}")
  endif()
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(WALKV_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(WALKV_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/walkv.pc.in ${PROJECT_BINARY_DIR}/walkv.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/walkv.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(WALKV_BUILD_TOOLS)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/man/walkv.1 ${CMAKE_CURRENT_LIST_DIR}/man/walkv-crash.1
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  # bash-completion loads completions/<command> on first use of <command>.
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/completion/walkv ${CMAKE_CURRENT_LIST_DIR}/completion/walkv-crash
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
endif()

# `cpack -G DEB` in a build tree makes walkv_<version>_<arch>.deb from the install rules
# above. The package installs where this tree installs (configure with
# -DCMAKE_INSTALL_PREFIX=/usr for a system package): walkv.pc holds the absolute prefix.
set(WALKV_PACKAGE_CONTACT "walkv maintainers <walkv@example.invalid>"
    CACHE STRING "Maintainer field of the .deb made by cpack")
set(CPACK_PACKAGE_NAME walkv)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${WALKV_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "write-ahead-log key-value engine with selectable commit modes, its CLI and crash simulator")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
# Depends comes from what the binaries really link (dpkg-shlibdeps): liburing2, libxxhash0,
# and for the tools libfmt9 and libedit2.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(BUILD_SHARED_LIBS)
  # The tools link the libwalkv.so in this same package: tell dpkg-shlibdeps where it is,
  # and give the package a shlibs file so other packages' Depends can name it.
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/engine)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
endif()
# Building against a static libwalkv (find_package(walkv) or pkg-config --static) needs the
# dependencies' development files; against the shared one it does not.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "liburing-dev, libxxhash-dev, libabsl-dev, pkg-config")
# `make package_source` tars the source tree: without the build trees, results and git.
set(CPACK_SOURCE_IGNORE_FILES "/[.]git/" "/build[^/]*/" "/results/")
include(CPack)
