# EIGENSCOPE_FUZZ=ON: the libFuzzer build (tests/fuzz, run by tests/fuzz/run_fuzz.sh and
# packaging/fuzz.sh in its own build dir, build-fuzz). Clang only: libFuzzer is part of clang's
# compiler-rt (Debian: clang + libclang-rt-14-dev). Everything compiled here, core included, gets
# coverage instrumentation plus ASan+UBSan; only the fuzz targets link libFuzzer's main().
if(EIGENSCOPE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "EIGENSCOPE_FUZZ needs clang (libFuzzer); configure with "
                        "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(EIGENSCOPE_SANITIZE)
    message(FATAL_ERROR "EIGENSCOPE_FUZZ already instruments with address,undefined")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
  message(STATUS "Eigenscope: libFuzzer build")
endif()
