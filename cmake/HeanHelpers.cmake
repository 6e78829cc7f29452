# hean_test(NAME <target> SOURCES <files...> LIBS <targets...> [LABELS <labels...>])
# One GoogleTest binary per module; each TEST() becomes its own ctest case.
function(hean_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT HEAN_BUILD_TESTS)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main Threads::Threads)
  target_compile_definitions(${T_NAME} PRIVATE HEAN_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${T_NAME}
    DISCOVERY_MODE PRE_TEST
    NO_PRETTY_VALUES
    PROPERTIES ENVIRONMENT "HEAN_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  # Labels are set after discovery, by a file ctest includes after the one
  # gtest_discover_tests registered: a list ("bus;concurrency") passed in its
  # PROPERTIES is flattened into the key/value list, so only the first label
  # would survive and the rest would be read as property names.
  if(T_LABELS)
    set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}_labels.cmake")
    file(WRITE "${labels_file}"
      "if(${T_NAME}_TESTS)\n"
      "  set_tests_properties(\${${T_NAME}_TESTS} PROPERTIES LABELS \"${T_LABELS}\")\n"
      "endif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
  endif()
endfunction()

# hean_benchmark(NAME <target> SOURCES <files...> LIBS <targets...>)
function(hean_benchmark)
  cmake_parse_arguments(B "" "NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT HEAN_BUILD_BENCHMARKS)
    return()
  endif()
  add_executable(${B_NAME} ${B_SOURCES})
  target_link_libraries(${B_NAME} PRIVATE ${B_LIBS} benchmark::benchmark benchmark::benchmark_main Threads::Threads)
  target_compile_definitions(${B_NAME} PRIVATE HEAN_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  set_property(GLOBAL APPEND PROPERTY HEAN_BENCHMARK_TARGETS ${B_NAME})
endfunction()
