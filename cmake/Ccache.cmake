# Compile through ccache when it is installed (packaging/deps-debian.sh installs it).
# CI builds a fresh clone in another folder each run. Two settings let that clone reuse the
# objects that any earlier build on this machine left in the cache (~/.cache/ccache):
#  - base_dir = the checkout: absolute paths inside it (-I, source files) are hashed relative;
#  - hash_dir off: the build folder is not part of the hash (-g would otherwise put it there).
# The cost is cosmetic: debug info may name the build folder of the build that filled the entry.
# Translation units whose flags carry an absolute path (EIGENSCOPE_SOURCE_DIR in some tests)
# still miss in another checkout; they are few.
option(EIGENSCOPE_CCACHE "Compile through ccache when it is installed" ON)
find_program(EIGENSCOPE_CCACHE_PROGRAM ccache)
if(EIGENSCOPE_CCACHE AND EIGENSCOPE_CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # Room for the three builds CI makes (release, ASan+UBSan with debug info, the clang fuzz build).
  set(_ccache ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} CCACHE_NOHASHDIR=1
      CCACHE_MAXSIZE=20G ${EIGENSCOPE_CCACHE_PROGRAM})
  set(CMAKE_C_COMPILER_LAUNCHER ${_ccache})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${_ccache})
  message(STATUS "Eigenscope: compiling through ${EIGENSCOPE_CCACHE_PROGRAM}")
endif()
