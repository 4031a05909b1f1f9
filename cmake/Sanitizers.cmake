# EIGENSCOPE_SANITIZE=address,undefined (or thread) instruments every target, tests included.
if(EIGENSCOPE_SANITIZE)
  string(REPLACE "," ";" _san_list "${EIGENSCOPE_SANITIZE}")
  if("thread" IN_LIST _san_list AND "address" IN_LIST _san_list)
    message(FATAL_ERROR "EIGENSCOPE_SANITIZE: thread cannot be combined with address")
  endif()
  set(_san_flags -fsanitize=${EIGENSCOPE_SANITIZE} -fno-omit-frame-pointer -g)
  if("undefined" IN_LIST _san_list)
    list(APPEND _san_flags -fno-sanitize-recover=undefined)
  endif()
  # GCC 12 reports false -Wmaybe-uninitialized inside <regex> and <optional> when instrumented:
  # still a warning, not an error, in sanitizer builds only.
  list(APPEND _san_flags -Wno-error=maybe-uninitialized)
  add_compile_options(${_san_flags})
  add_link_options(-fsanitize=${EIGENSCOPE_SANITIZE})
  message(STATUS "Eigenscope: sanitizers ${EIGENSCOPE_SANITIZE}")
endif()
