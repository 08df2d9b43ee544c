#!/usr/bin/env node
// Cross-compiles the C++ core and its tests for aarch64 Linux with Debian's cross compiler
// (cmake/aarch64-linux-gnu.cmake) into build-arm64/, then runs every test binary under
// qemu-user, once with CONVKIT_ISA=neon (the NEON GEMM/GEMV kernels) and once with scalar (the long
// gemm, conv2d and conv2d-backward tests at neon only: CMakeLists.txt, CONVKIT_HEAVY_TEST_ISAS):
//   node scripts/build-core-arm64.js [--no-test]
// Needs (Debian/Ubuntu): g++-aarch64-linux-gnu qemu-user cmake. The exit code is the first
// failing step's; a missing tool says which package to install.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { root, jobs, runOrExit: run } = require('./steps');

const out = path.join(root, 'build-arm64');
const args = new Set(process.argv.slice(2));

function need(tool, pkg) {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`convkit: ${tool} not found; install it with: sudo apt-get install ${pkg}`);
    process.exit(1);
  }
}

need('aarch64-linux-gnu-g++', 'g++-aarch64-linux-gnu');
if (!args.has('--no-test')) need('qemu-aarch64', 'qemu-user');

run('cmake', ['-S', root, '-B', out, '-DCMAKE_BUILD_TYPE=Release', '-DCONVKIT_WERROR=ON',
  `-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`,
  '-DCONVKIT_TEST_ISAS=neon;scalar']);
// Only the tests (the benchmarks would run under emulation, where timings mean nothing).
run('cmake', ['--build', out, '-j', jobs, '--target', 'convkit-tests']);
if (!args.has('--no-test')) {
  // ctest runs each test through CMAKE_CROSSCOMPILING_EMULATOR:
  // qemu-aarch64 -L /usr/aarch64-linux-gnu <test>, under CONVKIT_ISA=neon and =scalar.
  run('ctest', ['--test-dir', out, '--output-on-failure', '-j', jobs]);
}
