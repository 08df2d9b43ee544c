// The built package works from both module systems, with types, by its own name.
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

describe('package entry points', () => {
  it('require("convkit") gives the CommonJS build', () => {
    const out = node(['-e', "const ck = require('convkit'); const y = ck.conv2d(ck.ones([1,1,3,3]), ck.ones([1,1,3,3])); console.log(JSON.stringify([typeof ck.conv2d, y.shape, y.data[0], ck.info().version]))"]);
    expect(JSON.parse(out)).toEqual(['function', [1, 1, 1, 1], 9, require('../../package.json').version]);
  });

  it('import { conv2d } from "convkit" gives the same module instance as require', () => {
    const out = node(['--input-type=module', '-e', "import { conv2d, ones, setBackend, getBackend } from 'convkit'; import { createRequire } from 'node:module'; const cjs = createRequire(process.cwd() + '/x.js')('convkit'); setBackend('ts'); console.log(JSON.stringify([conv2d(ones([1,2,2]), ones([1,1,2,2])).shape, cjs.getBackend(), getBackend()]))"]);
    expect(JSON.parse(out)).toEqual([[1, 1, 1], 'ts', 'ts']);
  });

  it('importing never throws without the addon: it falls back to ts and info() says why', () => {
    const out = execFileSync(process.execPath, ['-e', "const ck = require('convkit'); const i = ck.info(); let e = ''; try { ck.setBackend('native'); } catch (err) { e = err.message; } console.log(JSON.stringify([i.backend, i.native.loaded, i.native.error, e, ck.conv2d(ck.ones([1,1,2,2]), ck.ones([1,1,2,2])).data[0]]))"],
      { cwd: root, encoding: 'utf8', env: { ...process.env, CONVKIT_DISABLE_NATIVE: '1' } });
    const [backend, loaded, error, setError, y] = JSON.parse(out);
    expect([backend, loaded, y]).toEqual(['ts', false, 4]);
    expect(error).toMatch(/CONVKIT_DISABLE_NATIVE/);
    expect(setError).toMatch(/^setBackend: the native backend is unavailable/);
  });

  it('without its addon it says why and how to fix it, once, on the first op (unless ts was chosen)', () => {
    const script = "const ck = require('convkit'); const i = ck.info(); ck.conv2d(ck.ones([1,1,2,2]), ck.ones([1,1,2,2])); ck.conv2d(ck.ones([1,1,2,2]), ck.ones([1,1,2,2])); console.log(JSON.stringify(i.native));";
    const env = { ...process.env, CONVKIT_ADDON_PATH: path.join(root, 'no-such-addon.node'), CONVKIT_QUIET: '' };
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    const n = JSON.parse(r.stdout) as { loaded: boolean; error: string; path: string };
    expect(n.loaded).toBe(false);
    expect(n.path).toBe(path.join(root, 'no-such-addon.node'));
    expect(n.error).toMatch(/no-such-addon\.node failed to load: .*does not exist.*npx convkit-build-addon/);
    const lines = r.stderr.split('\n').filter((l) => l.includes('convkit: running on the TypeScript backend'));
    expect(lines).toHaveLength(1);
    // Chosen explicitly, or silenced: no line.
    for (const extra of [{ CONVKIT_QUIET: '1' }, { CONVKIT_BACKEND: 'ts' }]) {
      const q = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...env, ...extra } });
      expect(q.stderr).not.toMatch(/running on the TypeScript backend/);
    }
    const chosen = spawnSync(process.execPath, ['-e', "const ck = require('convkit'); ck.setBackend('ts'); ck.conv2d(ck.ones([1,1,2,2]), ck.ones([1,1,2,2]));"], { cwd: root, encoding: 'utf8', env });
    expect(chosen.stderr).not.toMatch(/running on the TypeScript backend/);
  });

  it('type-checks from .mts (import) and .cts (require)', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types/tsconfig.json')], { cwd: root, encoding: 'utf8' })).not.toThrow();
  }, 60_000);
});
