#!/usr/bin/env node
// Builds the C++ core alone (no Node) with plain CMake into build-core/ (Release):
//   node scripts/build-core.js [--test] [--bench]
// --test runs ctest (every test under CONVKIT_ISA=avx512, avx2 and scalar); --bench runs
// the GEMM benchmark. Any compiler warning is an error (CONVKIT_WERROR). The exit code is the
// first failing step's.
'use strict';
const path = require('node:path');
const { root, jobs, runOrExit: run } = require('./steps');

const out = path.join(root, 'build-core');
const args = new Set(process.argv.slice(2));

run('cmake', ['-S', root, '-B', out, '-DCMAKE_BUILD_TYPE=Release', '-DCONVKIT_WERROR=ON']);
run('cmake', ['--build', out, '--config', 'Release', '-j', jobs]);
if (args.has('--test')) {
  run('ctest', ['--test-dir', out, '-C', 'Release', '--output-on-failure', '-j', jobs]);
}
if (args.has('--bench')) {
  run(path.join(out, process.platform === 'win32' ? 'Release/gemm-bench.exe' : 'gemm-bench'), []);
}
