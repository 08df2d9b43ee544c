#!/usr/bin/env node
// AddressSanitizer + UndefinedBehaviorSanitizer run, for CI (`npm run test:sanitize`):
//   1. builds the core, its C++ tests and the addon with -DCONVKIT_SANITIZE=ON into
//      build-asan/ (plain CMake; the addon gets Node's headers from the installed node, so
//      nothing is downloaded and build/Release is left alone), and runs ctest;
//   2. runs a JS subset (conformance, parity, addon boundary, thread budget; project main)
//      on that addon: CONVKIT_ADDON_PATH=build-asan/convkit.node, libasan LD_PRELOADed
//      into node (it must come first), ASAN_OPTIONS=detect_leaks=0 (Node leaks at exit).
// The run fails (exit 1) when any step fails or its output holds a sanitizer report (a
// report inside a vitest fork would otherwise be only a crashed worker). Needs dist/ (npm run
// build:ts) for the load check. Linux + GCC or Clang.
//   node scripts/sanitize.js [--core-only | --js-only]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { root, jobs } = require('./steps');
const out = path.join(root, 'build-asan');
const args = new Set(process.argv.slice(2));
const cxx = process.env.CXX || 'g++';

const reportPattern = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;
let reports = 0;

// Runs cmd, echoing its output; false when it fails or printed a sanitizer report.
function run(cmd, argv, env = process.env) {
  console.log(`> ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['inherit', 'pipe', 'pipe'] });
  if (r.error) {
    console.error(`convkit sanitize: could not run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const reported = reportPattern.test(r.stdout) || reportPattern.test(r.stderr);
  if (reported) {
    ++reports;
    console.error(`convkit sanitize: sanitizer report in the output of ${path.basename(cmd)} ${argv[0] ?? ''}`);
  }
  return r.status === 0 && !reported;
}

// Any ASan error aborts; -fno-sanitize-recover=undefined makes every UB report fatal too.
function sanitizerEnv(extra) {
  return {
    ...process.env,
    ASAN_OPTIONS: `abort_on_error=1:${extra}`,
    UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
  };
}

let ok = true;

const nodeInclude = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
if (!fs.existsSync(path.join(nodeInclude, 'node_api.h'))) {
  console.error(`convkit sanitize: Node's headers are not at ${nodeInclude} (node_api.h)`);
  process.exit(1);
}
const configured = run('cmake', ['-S', root, '-B', out, '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
  `-DCMAKE_CXX_COMPILER=${cxx}`, '-DCONVKIT_SANITIZE=ON',
  // The addon target of CMakeLists.txt, without cmake-js: on Linux an addon needs only the
  // headers (Node's symbols resolve when it is loaded).
  `-DCMAKE_JS_INC=${nodeInclude}`, '-DCMAKE_JS_SRC=', '-DCMAKE_JS_LIB=']);
if (!configured || !run('cmake', ['--build', out, '-j', jobs, '--target', 'convkit-tests', 'convkit'])) process.exit(1);

if (!args.has('--js-only')) {
  // Leak checking stays on for the C++ tests; the pool is reachable from a static pointer.
  ok = run('ctest', ['--test-dir', out, '--output-on-failure', '-j', jobs], sanitizerEnv('detect_leaks=1')) && ok;
}

if (!args.has('--core-only')) {
  const libasan = spawnSync(cxx, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout.trim();
  if (!libasan || !fs.existsSync(libasan)) {
    console.error(`convkit sanitize: ${cxx} -print-file-name=libasan.so gave no file`);
    process.exit(1);
  }
  const addon = path.join(out, 'convkit.node');
  const env = {
    ...sanitizerEnv('detect_leaks=0'),
    LD_PRELOAD: libasan,
    CONVKIT_ADDON_PATH: addon,
    CONVKIT_REQUIRE_NATIVE: '1',
  };
  // The sanitized addon must really be the one in use, or the run proves nothing.
  ok = run(process.execPath, ['-e', `
    const { info } = require('./dist/index.js');
    const n = info().native;
    if (!n.loaded) { console.error('sanitized addon not loaded: ' + n.error); process.exit(1); }
    console.log('sanitized addon loaded: ' + ${JSON.stringify(addon)} + ' (' + n.simd + ')');`], env) && ok;
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  ok = run(process.execPath, [vitest, 'run', '--project', 'main',
    'test/conformance', 'test/parity', 'test/robustness/addon-boundary.test.ts',
    'test/robustness/threads.test.ts', 'test/robustness/adversarial-native.test.ts',
    'test/robustness/ieee-and-huge-windows.test.ts', 'test/robustness/workspace.test.ts'], env) && ok;
}

console.log(ok ? 'convkit sanitize: clean' : `convkit sanitize: FAILED (${reports} step(s) with sanitizer reports)`);
process.exit(ok ? 0 : 1);
