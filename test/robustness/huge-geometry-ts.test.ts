// Issue 10 item 6, TS backend: a huge stride, padding, kernel or dilation over a tiny input is
// tiny work. Every window loop of the TS backend visits only the taps inside the input (found
// in O(1) per output), so none of these may take more than a moment. Each case runs in a
// child process (the built package, as npm test builds it first) with a time limit, so a
// regression that loops over the kernel or the padding fails here instead of stalling the run.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(__dirname, '../../dist/index.js');
const BIG = 2 ** 31 - 1;

// name -> expression (ck, x81 = [1,1,9,9] of 0..80 and BIG in scope), all run in one child,
// in this order: conv and avg pool (already O(1) per window before this fix) before max pool
// (which looped over the whole 2^31-1 kernel), so a hang there leaves the others' results.
const CASES: Record<string, string> = {
  conv: 'ck.conv2d(ck.ones([1, 1, 2, 2]), ck.ones([1, 1, 3, 3]), { padding: BIG, dilation: BIG })',
  convBack: 'ck.conv2dBackward(ck.ones([1, 1, 2, 2]), ck.ones([1, 1, 2, 2]), ck.ones([1, 1, 3, 3]), { padding: BIG, dilation: BIG })',
  convStride: 'ck.conv2d(ck.ones([2, 3, 9, 9]), ck.ones([4, 3, 3, 3]), { stride: 2 ** 26 })',
  avgPool: 'ck.avgPool2d(x81, { kernel: BIG, padding: 2 ** 30 - 1 })',
  avgPoolCip: 'ck.avgPool2d(x81, { kernel: BIG, padding: 2 ** 30 - 1, countIncludePad: true })',
  avgPoolBack: 'ck.avgPool2dBackward(ck.ones([1, 1, 1, 1]), x81, { kernel: BIG, padding: 2 ** 30 - 1 })',
  maxPool: 'ck.maxPool2d(x81, { kernel: BIG, padding: 2 ** 30 - 1 })',
  maxPoolBack: 'ck.maxPool2dBackward(ck.ones([1, 1, 1, 1]), x81, { kernel: BIG, padding: 2 ** 30 - 1 })',
  maxPoolStride1: 'ck.maxPool2d(x81, { kernel: BIG, stride: 1, padding: 2 ** 30 - 1 })',
};

const script = `
  const ck = require(${JSON.stringify(dist)});
  ck.setBackend('ts');
  const BIG = ${BIG};
  const x81 = new ck.Tensor(Float32Array.from({ length: 81 }, (_, i) => i), [1, 1, 9, 9]);
  const t = (v) => v instanceof ck.Tensor ? { shape: v.shape, data: Array.from(v.data) } : v;
  for (const [name, expr] of Object.entries(${JSON.stringify(CASES)})) {
    console.log(JSON.stringify({ start: name }));
    const started = performance.now();
    const r = eval(expr);
    const ms = performance.now() - started;
    const value = r instanceof ck.Tensor ? t(r) : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, t(v)]));
    console.log(JSON.stringify({ name, value, ms }));
  }`;
const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
const lines = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
const results = new Map(lines.filter((l) => l.name).map((l) => [l.name as string, l as { value: any; ms: number }]));

/** The case's result, checked to have finished in well under a second. */
function result(name: string): any {
  const r = results.get(name);
  const stuck = lines.filter((l) => l.start).map((l) => l.start).find((n) => !results.has(n));
  expect(r, `no result for ${name}: child status ${child.status}, signal ${child.signal}, stuck in ${stuck}, ${child.stderr.slice(-500)}`).toBeDefined();
  expect(r!.ms, name).toBeLessThan(500);
  return r!.value;
}

const oneHot = (n: number, i: number, v = 1) => Array.from({ length: n }, (_, j) => (j === i ? v : 0));

describe('TS backend: huge geometry, tiny work', () => {
  it('the child ran every case', () => {
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  });

  it('maxPool2d [1,1,9,9], kernel 2^31-1, padding 2^30-1: one window over all 81 cells', () => {
    expect(result('maxPool')).toEqual({ shape: [1, 1, 1, 1], data: [80] });
  });

  it('its backward, and stride 1 (81 such windows)', () => {
    expect(result('maxPoolBack')).toEqual({ shape: [1, 1, 9, 9], data: oneHot(81, 80) });
    expect(result('maxPoolStride1')).toEqual({ shape: [1, 1, 9, 9], data: new Array(81).fill(80) });
  });

  it('avgPool2d with the same window: the divisor is computed, with and without countIncludePad', () => {
    expect(result('avgPool')).toEqual({ shape: [1, 1, 1, 1], data: [40] });
    // countIncludePad: the window spans 2^31-1 cells per axis, padding included.
    expect(result('avgPoolCip').data).toEqual([Math.fround(3240 / (BIG * BIG))]);
    expect(result('avgPoolBack').data).toEqual(new Array(81).fill(Math.fround(1 / 81)));
  });

  it('conv2d(ones [1,1,2,2], ones [1,1,3,3], padding 2^31-1, dilation 2^31-1) is [1,1,2,2] of ones, and its gradients', () => {
    expect(result('conv')).toEqual({ shape: [1, 1, 2, 2], data: [1, 1, 1, 1] });
    // Only the centre tap ever lands in the input, on the output's own position.
    expect(result('convBack')).toEqual({
      dx: { shape: [1, 1, 2, 2], data: [1, 1, 1, 1] },
      dw: { shape: [1, 1, 3, 3], data: oneHot(9, 4, 4) },
      db: { shape: [1], data: [4] },
    });
  });

  it('conv2d x [2,3,9,9], w [4,3,3,3], stride 2^26: one output per image', () => {
    expect(result('convStride')).toEqual({ shape: [2, 4, 1, 1], data: new Array(8).fill(27) });
  });
});
