# Cross-compiling the core for 64-bit Arm Linux with Debian's cross toolchain
# (g++-aarch64-linux-gnu); ctest runs the binaries under qemu-user (qemu-aarch64) with the
# target's libraries from /usr/aarch64-linux-gnu. Used by scripts/build-core-arm64.js:
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CONVKIT_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${CONVKIT_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${CONVKIT_CROSS_TRIPLE}-g++)
set(CMAKE_FIND_ROOT_PATH /usr/${CONVKIT_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(CONVKIT_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(CONVKIT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CONVKIT_QEMU_AARCH64} -L /usr/${CONVKIT_CROSS_TRIPLE})
endif()
