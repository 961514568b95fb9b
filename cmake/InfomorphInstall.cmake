# `cmake --install build --prefix DIR` installs the library, its public headers, the `infomorph`
# program and a CMake package, so that another project can
#
#     find_package(infomorph 0.1 REQUIRED)
#     target_link_libraries(my_program PRIVATE infomorph::infomorph)
#
# (tests/package/ builds such a project against an install prefix.) The private headers under
# src/ (kernels, HDF5 and MPI support) are not installed.
include(CMakePackageConfigHelpers)

install(TARGETS infomorph EXPORT infomorphTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS infomorph_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/infomorph ${PROJECT_BINARY_DIR}/include/infomorph
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")

set(INFOMORPH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/infomorph)
install(EXPORT infomorphTargets NAMESPACE infomorph:: DESTINATION ${INFOMORPH_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/infomorphConfig.cmake.in
    ${PROJECT_BINARY_DIR}/infomorphConfig.cmake INSTALL_DESTINATION ${INFOMORPH_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/infomorphConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/infomorphConfig.cmake
              ${PROJECT_BINARY_DIR}/infomorphConfigVersion.cmake
        DESTINATION ${INFOMORPH_CMAKE_DIR})
