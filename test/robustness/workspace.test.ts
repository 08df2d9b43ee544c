// The workspace cap (convkit/workspace.h): the kernels' scratch buffers (padded copies, packed
// panels, im2col) stay allocated per thread for reuse up to a cap, and what is above it is
// given back when a call returns, sync or async; info().native.workspaceBytes reports what all
// threads hold. A conv whose padded copy is ~72 MiB (1 x 32 x 768 x 768, 3x3, stride 2, padding
// 1: implicit GEMM at every ISA level) must not leave it held; small convs in a row must hold
// the same non-zero bytes (no allocation churn).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { conv2d, conv2dAsync, full, getNumThreads, info, setNumThreads } from '../../lib/index';
import { nativeRequired } from '../helpers/native';
import { expectedConvPath, lastPath } from '../helpers/paths';
import type { Conv2dInfo } from '../../lib/index';

const root = path.resolve(__dirname, '../..');
const MiB = 1 << 20;
const defaultCap = 32 * MiB;
// 32 channels of a 770 x 770 padded plane, as float32.
const paddedBytes = 32 * 770 * 770 * 4;
const big = { x: [1, 32, 768, 768], w: [8, 32, 3, 3], opts: { stride: 2, padding: 1 } } as const;
const small = { x: [1, 16, 32, 32], w: [16, 16, 3, 3], opts: { padding: 1 } } as const;

function held(): number {
  const n = info().native.workspaceBytes;
  expect(typeof n).toBe('number');
  return n as number;
}

// Whatever threads ran kernels (the JS thread, the pool's workers, a libuv worker) may each
// keep up to the cap; a little slack for nothing in particular.
function bound(cap: number): number {
  return (getNumThreads() + 2) * cap + MiB;
}

// In a fresh process with `env` and 2 threads: the bytes held after each of a run of small sync
// and async convs, then after a big sync conv and a big async one.
function child(env: Record<string, string>): { cap: number; threads: number; error?: string; sync: number; async: number; small: number[]; smallAsync: number[] } {
  const src = `
    const ck = require(${JSON.stringify(root)});
    ck.setNumThreads(2);
    const held = () => ck.info().native.workspaceBytes;
    const run = async () => {
      const bx = ck.full(${JSON.stringify(big.x)}, 0.5), bw = ck.full(${JSON.stringify(big.w)}, 0.25);
      const sx = ck.full(${JSON.stringify(small.x)}, 0.5), sw = ck.full(${JSON.stringify(small.w)}, 0.25);
      const out = { cap: ck.info().native.workspaceCap, threads: ck.getNumThreads(), error: ck.info().native.error, small: [], smallAsync: [] };
      for (let i = 0; i < 6; ++i) { ck.conv2d(sx, sw, ${JSON.stringify(small.opts)}); out.small.push(held()); }
      for (let i = 0; i < 6; ++i) { await ck.conv2dAsync(sx, sw, ${JSON.stringify(small.opts)}); out.smallAsync.push(held()); }
      ck.conv2d(bx, bw, ${JSON.stringify(big.opts)});
      out.sync = held();
      await ck.conv2dAsync(bx, bw, ${JSON.stringify(big.opts)});
      out.async = held();
      process.stdout.write(JSON.stringify(out));
    };
    run().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', src], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(!info().native.loaded && !nativeRequired())('workspace cap', () => {
  const saved = getNumThreads();
  afterAll(() => setNumThreads(saved));

  it('reports the default cap and no warning without CONVKIT_WORKSPACE_CAP', () => {
    if (process.env.CONVKIT_WORKSPACE_CAP !== undefined) return;
    expect(info().native.workspaceCap).toBe(defaultCap);
    expect(info().native.error ?? '').not.toMatch(/CONVKIT_WORKSPACE_CAP/);
  });

  it('a big sync conv gives its padded copy back when it returns', () => {
    const x = full([...big.x], 0.5), w = full([...big.w], 0.25);
    conv2d(x, w, big.opts);
    const i: Conv2dInfo = { batch: 1, inChannels: 32, inHeight: 768, inWidth: 768, outChannels: 8, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, dilationH: 1, dilationW: 1, groups: 1, outHeight: 384, outWidth: 384, layout: 'nchw', hasBias: false, activation: 'none' };
    expect(lastPath('conv2d')).toBe(expectedConvPath(i));
    const cap = info().native.workspaceCap as number;
    expect(held()).toBeLessThanOrEqual(bound(cap));
    expect(held()).toBeLessThan(paddedBytes);
  });

  it('a big async conv gives its padded copy back before the promise resolves', async () => {
    const x = full([...big.x], 0.5), w = full([...big.w], 0.25);
    await conv2dAsync(x, w, big.opts);
    const cap = info().native.workspaceCap as number;
    expect(held()).toBeLessThanOrEqual(bound(cap));
    expect(held()).toBeLessThan(paddedBytes);
  });

  // On one thread the same buffers serve every call: the bytes held are exactly the same.
  // (With more threads, which pool workers take chunks varies, and each keeps its own.)
  it('small convs in a row keep the same non-zero workspace, sync and async', async () => {
    setNumThreads(1);
    const x = full([...small.x], 0.5), w = full([...small.w], 0.25);
    for (let i = 0; i < 3; ++i) conv2d(x, w, small.opts);  // warm
    const steady = held();
    expect(steady).toBeGreaterThan(0);
    for (let i = 0; i < 5; ++i) {
      conv2d(x, w, small.opts);
      expect(held()).toBe(steady);
    }
    for (let i = 0; i < 3; ++i) await conv2dAsync(x, w, small.opts);  // warm the job's worker
    const steadyAsync = held();
    expect(steadyAsync).toBeGreaterThan(0);
    for (let i = 0; i < 5; ++i) {
      await conv2dAsync(x, w, small.opts);
      expect(held()).toBe(steadyAsync);
    }
  });

  it('with a 4 MiB cap, sync and async big convs keep at most the cap per thread', () => {
    const r = child({ CONVKIT_WORKSPACE_CAP: String(4 * MiB) });
    expect(r.cap).toBe(4 * MiB);
    expect(r.error ?? '').not.toMatch(/CONVKIT_WORKSPACE_CAP/);
    const limit = (r.threads + 2) * 4 * MiB + MiB;
    expect(r.sync).toBeLessThanOrEqual(limit);
    expect(r.async).toBeLessThanOrEqual(limit);
    // Below the cap nothing is given back: never fewer bytes after a small call than after
    // the one before (a thread that takes its first chunk adds its own buffers).
    expect(r.small[0]).toBeGreaterThan(0);
    const seq = [...r.small, ...r.smallAsync];
    for (let i = 1; i < seq.length; ++i) expect(seq[i], `call ${i}: ${seq.join(', ')}`).toBeGreaterThanOrEqual(seq[i - 1]);
    expect(seq[seq.length - 1]).toBeLessThanOrEqual(limit);
  });

  it('without a cap the same convs would hold the padded copy (so the tests above can fail)', () => {
    const r = child({ CONVKIT_WORKSPACE_CAP: String(2 ** 50) });
    expect(r.cap).toBe(2 ** 50);
    expect(r.sync).toBeGreaterThanOrEqual(paddedBytes);
    expect(r.async).toBeGreaterThanOrEqual(paddedBytes);
  });

  it('an invalid CONVKIT_WORKSPACE_CAP warns in info() and keeps the default', () => {
    const r = spawnSync(process.execPath, ['-e', `const n = require(${JSON.stringify(root)}).info().native; process.stdout.write(JSON.stringify({ cap: n.workspaceCap, error: n.error }))`], {
      env: { ...process.env, CONVKIT_WORKSPACE_CAP: '64MB' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const n = JSON.parse(r.stdout) as { cap: number; error?: string };
    expect(n.cap).toBe(defaultCap);
    expect(n.error).toMatch(/CONVKIT_WORKSPACE_CAP=64MB is not a whole number in \[0, /);
  });
});
