// The package as a user gets it: `npm pack`, then installed into a fresh project with install
// scripts disabled and no network (npm 11 holds back dependencies' install scripts; CI and
// many servers are offline). The prebuilt addon must load as it is, from CommonJS, ESM and a
// strict TypeScript consumer, and compute what the ts backend computes. Also what the tarball
// holds: a LICENSE, no development files, source maps only with their sources inside.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const where = `${os.platform()}-${os.arch()}`;
const hasPrebuilt = fs.existsSync(path.join(root, 'prebuilds', where));
let dir = '';
let tarball = '';
let files: string[] = [];

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CONVKIT_POISON_OUTPUTS: '0' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-pack-'));
  // --ignore-scripts: dist/ is already built (npm test builds it first); prepack's tsc would
  // rewrite it while other test files read it.
  const packed = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(dir, packed[0].filename);
  files = packed[0].files.map((f) => f.path);
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // The dependencies (and theirs, as a fresh project resolves them: onnx-proto brings
  // protobufjs, long and @types/node) into npm's cache first, by one install that may use the
  // registry (a no-op where the cache has them), so the install under test can run --offline.
  const warm = path.join(dir, 'warm');
  fs.mkdirSync(warm);
  fs.writeFileSync(path.join(warm, 'package.json'), JSON.stringify({ name: 'warm', version: '1.0.0', private: true }));
  run(npm, ['install', tarball, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], warm);
  run(npm, ['install', tarball, '--offline', '--ignore-scripts', '--strict-allow-scripts', '--no-audit', '--no-fund'], app);
}, 180_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('is at most 5 MB, has a LICENSE and no development files', () => {
    expect(fs.statSync(tarball).size).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(files).toContain('LICENSE');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.mjs');
    const devOnly = files.filter((f) => /^(test|bench|examples|native\/test|native\/bench|lib)\//.test(f) || /^scripts\/(?!(build-addon|node-gyp)\.js$)/.test(f));
    expect(devOnly).toEqual([]);
    // Source maps carry their sources (tsconfig inlineSources): no map points at a missing file.
    const map = JSON.parse(fs.readFileSync(path.join(root, 'dist', 'index.js.map'), 'utf8')) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.length).toBeGreaterThan(0);
  });

  it.runIf(hasPrebuilt)(`ships the prebuilt addon for ${where}, and loads it with no install step`, () => {
    expect(files).toContain(`prebuilds/${where}/convkit.node`);
    const app = path.join(dir, 'app');
    const cjs = run(process.execPath, ['-e', `
      const ck = require('convkit');
      const n = ck.info().native;
      const x = ck.randn([1, 3, 9, 11], { seed: 1 }), w = ck.randn([4, 3, 3, 3], { seed: 2 });
      const a = ck.conv2d(x, w, { padding: 1 });
      ck.setBackend('ts');
      const b = ck.conv2d(x, w, { padding: 1 });
      let diff = 0; for (let i = 0; i < a.size; i++) diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
      console.log(JSON.stringify({ loaded: n.loaded, source: n.source, path: n.path, diff }));`], app);
    const r = JSON.parse(cjs) as { loaded: boolean; source: string; path: string; diff: number };
    expect(r).toMatchObject({ loaded: true, source: 'prebuilt' });
    expect(r.path).toContain(path.join('node_modules', 'convkit', 'prebuilds', where));
    expect(r.diff).toBeLessThan(1e-4);
    const esm = run(process.execPath, ['--input-type=module', '-e', "import { info, conv2d, ones } from 'convkit'; console.log(JSON.stringify([info().native.source, conv2d(ones([1,1,3,3]), ones([1,1,3,3])).data[0]]))"], app);
    expect(JSON.parse(esm)).toEqual(['prebuilt', 9]);
  }, 60_000);

  it('type-checks a strict TypeScript consumer', () => {
    const app = path.join(dir, 'app');
    fs.writeFileSync(path.join(app, 'use.ts'), [
      "import { conv2d, ones, info, type Tensor } from 'convkit';",
      'const y: Tensor = conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { padding: 1 });',
      "const source: 'prebuilt' | 'built' | 'path' | undefined = info().native.source;",
      'export const out = [y.shape, source];',
      '',
    ].join('\n'));
    const tsc = require.resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), 'use.ts'], { cwd: app, encoding: 'utf8' });
  }, 60_000);
});

describe('prebuilds/', () => {
  it('were built from these native sources (npm run prebuilds)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'prebuild.js'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});
