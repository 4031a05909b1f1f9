# Warnings are errors in our own code only (not in third-party headers, which are SYSTEM includes).
add_library(eigenscope_warnings INTERFACE)
target_compile_options(eigenscope_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Werror>)
