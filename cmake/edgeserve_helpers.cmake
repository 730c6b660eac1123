# es_add_test(NAME name SOURCES a.cpp b.cpp LIBS lib1 lib2)
# One Catch2 executable per component; every TEST_CASE becomes a ctest test whose labels are its tags.
function(es_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT EDGESERVE_BUILD_TESTS)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE es_catch_main ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE
    EDGESERVE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  set(PARSE_CATCH_TESTS_ADD_TO_CONFIGURE_DEPENDS ON)
  set(CMAKE_WARN_DEPRECATED OFF)   # ParseAndAddCatchTests gives ctest labels from tags; discover_tests does not
  ParseAndAddCatchTests(${T_NAME})
endfunction()
