# `format.check`: every C++ source under version control is formatted with the root .clang-format.
find_program(CLANG_FORMAT clang-format)
if(CLANG_FORMAT)
  add_test(NAME format.check
    COMMAND sh -c "git ls-files '*.cpp' '*.h' | xargs ${CLANG_FORMAT} --dry-run -Werror"
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(format.check PROPERTIES LABELS "style")
endif()
