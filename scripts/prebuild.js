#!/usr/bin/env node
// Builds the prebuilt addons shipped in the package (prebuilds/<platform>-<arch>/), with
// prebuildify (Node-API: one binary serves every Node version >= 20):
//   node scripts/prebuild.js            linux-x64 (native) and linux-arm64 (cross-compiled
//                                       with Debian's g++-aarch64-linux-gnu)
//   node scripts/prebuild.js --check    exits 1 if the committed binaries were built from other
//                                       sources than these (prebuilds/manifest.json)
// Each build runs in a scratch copy of the native sources, so build/ (the development build)
// is left alone. The manifest records a hash of every input, and per binary its size, hash,
// compiler and the newest glibc / libstdc++ symbol versions it needs (objdump -T).
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeGypPath, nodeHeadersDir } = require('./node-gyp');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'prebuilds');
const manifestPath = path.join(outDir, 'manifest.json');

// Everything the binary is built from: the gyp file, the source lists and every native
// source and header, and the node-addon-api version.
function inputFiles() {
  const files = ['binding.gyp', 'native/sources.json'];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (/\.(cc|h|hpp|c)$/.test(e.name)) files.push(r);
    }
  };
  for (const d of ['native/include', 'native/src', 'native/napi']) walk(d);
  return files.sort();
}

function inputsHash() {
  const h = crypto.createHash('sha256');
  for (const f of inputFiles()) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(root, f)));
    h.update('\0');
  }
  h.update(`node-addon-api@${require('node-addon-api/package.json').version}`);
  return h.digest('hex');
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`})`);
  }
}

function output(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}

// The newest symbol version of each runtime library the binary imports (GLIBC_2.16,
// GLIBCXX_3.4.29, CXXABI_1.3.13): the oldest glibc / libstdc++ it runs on.
function floors(file, objdump) {
  const table = output(objdump, ['-T', file]);
  const newest = (prefix) => {
    const vs = [...table.matchAll(new RegExp(`\\b${prefix}_([0-9.]+)`, 'g'))].map((m) => m[1]);
    const key = (v) => v.split('.').map(Number);
    vs.sort((a, b) => {
      const x = key(a), y = key(b);
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
      return 0;
    });
    return vs[0] ?? 'none';
  };
  return { glibc: newest('GLIBC'), glibcxx: newest('GLIBCXX'), cxxabi: newest('CXXABI') };
}

const targets = {
  'linux-x64': { arch: 'x64', cc: 'gcc', cxx: 'g++', strip: 'strip', objdump: 'objdump' },
  'linux-arm64': {
    arch: 'arm64', cc: 'aarch64-linux-gnu-gcc', cxx: 'aarch64-linux-gnu-g++',
    strip: 'aarch64-linux-gnu-strip', objdump: 'aarch64-linux-gnu-objdump',
  },
};

function build(name, t, scratch) {
  if (!output('which', [t.cxx]).trim()) {
    throw new Error(`${name}: ${t.cxx} not found (Debian: apt-get install g++-aarch64-linux-gnu)`);
  }
  const nodedir = nodeHeadersDir();  // never a download
  const nodeGyp = nodeGypPath();
  const env = {
    ...process.env, CC: t.cc, CXX: t.cxx, LINK: t.cxx, JOBS: process.env.JOBS || 'max',
    ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
  };
  const prebuildify = require.resolve('prebuildify/bin.js');
  run(process.execPath, [prebuildify, '--napi', '--strip', '--strip-bin', t.strip, '--arch', t.arch,
    '--node-gyp', nodeGyp], { cwd: scratch, env });
  const dir = path.join(scratch, 'prebuilds', name);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.node'));
  const bin = path.join(dir, file);
  fs.mkdirSync(path.join(outDir, name), { recursive: true });
  for (const old of fs.readdirSync(path.join(outDir, name))) fs.rmSync(path.join(outDir, name, old));
  fs.copyFileSync(bin, path.join(outDir, name, file));
  const bytes = fs.readFileSync(bin);
  return {
    file: `${name}/${file}`,
    bytes: bytes.length,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    needs: floors(bin, t.objdump),
    compiler: output(t.cxx, ['--version']).split('\n')[0],
  };
}

function main() {
  const args = process.argv.slice(2);
  const hash = inputsHash();
  if (args.includes('--check')) {
    const m = fs.existsSync(manifestPath) ? JSON.parse(fs.readFileSync(manifestPath, 'utf8')) : null;
    if (!m || m.inputsSha256 !== hash) {
      console.error('prebuilds/ were built from other native sources than these: run `npm run prebuilds` and commit prebuilds/');
      process.exit(1);
    }
    for (const [name, b] of Object.entries(m.binaries)) {
      const bin = path.join(outDir, b.file);
      const sha = fs.existsSync(bin) ? crypto.createHash('sha256').update(fs.readFileSync(bin)).digest('hex') : 'missing';
      if (sha !== b.sha256) {
        console.error(`prebuilds/${b.file} (${name}) is not the binary the manifest lists: run \`npm run prebuilds\``);
        process.exit(1);
      }
    }
    console.log(`prebuilds/ are current (${Object.keys(m.binaries).join(', ')})`);
    return;
  }
  const only = args.filter((a) => !a.startsWith('--'));
  const binaries = {};
  for (const [name, t] of Object.entries(targets)) {
    if (only.length && !only.includes(name)) continue;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-prebuild-'));
    try {
      for (const f of ['binding.gyp', 'package.json']) fs.copyFileSync(path.join(root, f), path.join(scratch, f));
      for (const d of ['native/include', 'native/src', 'native/napi']) {
        fs.cpSync(path.join(root, d), path.join(scratch, d), { recursive: true });
      }
      fs.copyFileSync(path.join(root, 'native/sources.json'), path.join(scratch, 'native/sources.json'));
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));
      binaries[name] = build(name, t, scratch);
      const n = binaries[name].needs;
      console.log(`prebuilds/${binaries[name].file}: ${binaries[name].bytes} bytes; needs GLIBC_${n.glibc}, GLIBCXX_${n.glibcxx}, CXXABI_${n.cxxabi}`);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  const old = fs.existsSync(manifestPath) ? JSON.parse(fs.readFileSync(manifestPath, 'utf8')) : { binaries: {} };
  const manifest = { inputsSha256: hash, binaries: { ...(only.length ? old.binaries : {}), ...binaries } };
  fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

try {
  main();
} catch (e) {
  console.error(`prebuild: ${e.message}`);
  process.exit(1);
}
