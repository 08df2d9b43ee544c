// Issue 12 item 5: errors a user can act on, each the same on both backends.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { nearest } from '../../lib/check';
import { nativeRequired } from '../helpers/native';

// Both backends wherever the addon must be present (helpers/native.ts); ts alone otherwise.
const BACKENDS: ck.BackendName[] = ck.info().native.loaded || nativeRequired() ? ['ts', 'native'] : ['ts'];

/** The message fn throws on each backend (all equal), checked against type and pattern. */
function sameOnBoth(fn: () => unknown, type: ErrorConstructor, pattern: RegExp | string): string {
  const before = ck.getBackend();
  const messages: string[] = [];
  try {
    for (const b of BACKENDS) {
      ck.setBackend(b);
      let caught: unknown;
      try { fn(); } catch (e) { caught = e; }
      expect(caught, `${b}: no error`).toBeInstanceOf(type);
      messages.push((caught as Error).message);
    }
  } finally {
    ck.setBackend(before);
  }
  for (const m of messages) expect(m).toBe(messages[0]);
  expect(messages[0]).toMatch(pattern);
  return messages[0];
}

async function sameOnBothAsync(fn: () => Promise<unknown>, type: ErrorConstructor, pattern: RegExp): Promise<void> {
  const before = ck.getBackend();
  const messages: string[] = [];
  try {
    for (const b of BACKENDS) {
      ck.setBackend(b);
      const caught = await fn().then(() => undefined, (e: unknown) => e);
      expect(caught, `${b}: no rejection`).toBeInstanceOf(type);
      messages.push((caught as Error).message);
    }
  } finally {
    ck.setBackend(before);
  }
  for (const m of messages) expect(m).toBe(messages[0]);
  expect(messages[0]).toMatch(pattern);
}

describe('sizes too large to allocate', () => {
  it('zeros([1e5, 1e5, 100]) names the op and the shape', () => {
    for (const f of [() => ck.zeros([1e5, 1e5, 100]), () => ck.ones([1e5, 1e5, 100]), () => ck.full([1e5, 1e5, 100], 2), () => ck.rand([1e5, 1e5, 100]), () => ck.randn([1e5, 1e5, 100])]) {
      const m = sameOnBoth(f, RangeError, /^(zeros|ones|full|rand|randn): shape \[100000, 100000, 100\] has 1000000000000 elements \(3\.6 TiB as float32\), more than can be allocated$/);
      expect(m).not.toMatch(/Invalid typed array length/);
    }
  });

  it('conv2d with padding 1e9 names the op, the output and the inputs', async () => {
    const x = ck.ones([1, 3, 8, 8]);
    const w = ck.ones([8, 3, 3, 3]);
    const pattern = /^conv2d(Async)?: the output \[1, 8, 2000000006, 2000000006\] has 3\.20e\+19 elements .*more than can be allocated \(x \[1, 3, 8, 8\], w \[8, 3, 3, 3\], stride \[1, 1\], padding \[1000000000, 1000000000, 1000000000, 1000000000\]/;
    sameOnBoth(() => ck.conv2d(x, w, { padding: 1e9 }), RangeError, pattern);
    await sameOnBothAsync(() => ck.conv2dAsync(x, w, { padding: 1e9 }), RangeError, pattern);
    sameOnBoth(() => ck.conv2dOutputShape([1, 3, 8, 8], [8, 3, 3, 3], { padding: 1e9 }), RangeError, /^conv2dOutputShape: the output \[1, 8, 2000000006, 2000000006\]/);
    // Within 2^53 elements but past any Float32Array.
    sameOnBoth(() => ck.conv2d(x, w, { padding: 1e5 }), RangeError, /^conv2d: the output \[1, 8, 200006, 200006\] has 320019200288 elements \(1\.2 TiB as float32\), more than can be allocated/);
  });

  it('gemm and matmul say the same', () => {
    const a = ck.ones([1e6, 1]);
    const b = ck.ones([1, 1e6]);
    sameOnBoth(() => ck.gemm(a, b), RangeError, /^gemm: the output \[1000000, 1000000\] has 1000000000000 elements \(3\.6 TiB as float32\), more than can be allocated \(a \[1000000, 1\], b \[1, 1000000\]\)$/);
    sameOnBoth(() => ck.matmul(a, b), RangeError, /^matmul: the output \[1000000, 1000000\] has 1000000000000 elements/);
  });
});

describe('unknown option keys', () => {
  const x = ck.ones([1, 1, 4, 4]);
  const w = ck.ones([1, 1, 3, 3]);

  it('conv2d: unknown option "pad" (did you mean "padding"?)', async () => {
    sameOnBoth(() => ck.conv2d(x, w, { pad: 1 } as never), TypeError, /^conv2d: unknown option "pad" \(did you mean "padding"\?\)$/);
    await sameOnBothAsync(() => ck.conv2dAsync(x, w, { strides: 2 } as never), TypeError, /^conv2dAsync: unknown option "strides" \(did you mean "stride"\?\)$/);
    sameOnBoth(() => ck.conv2dBackward(ck.ones([1, 1, 2, 2]), x, w, { output: ['dx'] } as never), TypeError, /^conv2dBackward: unknown option "output" \(did you mean "outputs"\?\)$/);
    // Forward options are accepted by the backward as they are.
    expect(ck.conv2dBackward(ck.ones([1, 1, 2, 2]), x, w, { bias: ck.ones([1]), activation: 'none', outputs: ['dx'] }).dx!.shape).toEqual([1, 1, 4, 4]);
  });

  it('a name far from every option lists the valid ones', () => {
    sameOnBoth(() => ck.conv2d(x, w, { foo: 1 } as never), TypeError, /^conv2d: unknown option "foo" \(valid options: stride, padding, dilation, groups, layout, activation, bias\)$/);
  });

  it('every op with options checks its keys', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => ck.maxPool2d(x, { kernel: 2, ceil_mode: true } as never), /^maxPool2d: unknown option "ceil_mode" \(did you mean "ceilMode"\?\)$/],
      [() => ck.avgPool2d(x, { kernel: 2, count_include_pad: true } as never), /^avgPool2d: unknown option "count_include_pad" \(did you mean "countIncludePad"\?\)$/],
      [() => ck.maxPool2dBackward(ck.ones([1, 1, 2, 2]), x, { kernel_size: 2 } as never), /^maxPool2dBackward: unknown option "kernel_size" \(did you mean "kernel"\?\)$/],
      [() => ck.globalAvgPool2d(x, { layuot: 'nchw' } as never), /^globalAvgPool2d: unknown option "layuot" \(did you mean "layout"\?\)$/],
      [() => ck.filter2d(ck.ones([4, 4]), ck.filters.box(3), { mod: 'correlation' } as never), /^filter2d: unknown option "mod" \(did you mean "mode"\?\)$/],
      [() => ck.gemm(ck.ones([2, 2]), ck.ones([2, 2]), { transposeA: true } as never), /^gemm: unknown option "transposeA" \(valid options: transA, transB, alpha, beta, c\)$/],
      [() => ck.convOutputSize(8, 3, { pading: 1 } as never), /^convOutputSize: unknown option "pading" \(did you mean "padding"\?\)$/],
      [() => ck.conv2dOutputShape([1, 1, 4, 4], [1, 1, 3, 3], { dilations: 1 } as never), /^conv2dOutputShape: unknown option "dilations" \(did you mean "dilation"\?\)$/],
      [() => ck.pool2dOutputShape([1, 1, 4, 4], { kernel: 2, strid: 1 } as never), /^pool2dOutputShape: unknown option "strid" \(did you mean "stride"\?\)$/],
      [() => ck.conv2dParamCount(1, 1, 3, { group: 1 } as never), /^conv2dParamCount: unknown option "group" \(did you mean "groups"\?\)$/],
      [() => ck.rand([2], { sed: 1 } as never), /^rand: unknown option "sed" \(did you mean "seed"\?\)$/],
      [() => ck.image.tile(ck.ones([2, 2, 2]), { cols: 2 } as never), /^image\.tile: unknown option "cols" \(valid options: columns\)$/],
      [() => ck.image.writePng('/nonexistent/x.png', ck.ones([2, 2]), { normalise: true } as never), /^image\.writePng: unknown option "normalise" \(did you mean "normalize"\?\)$/],
      [() => ck.image.readPng('/nonexistent.png', { maxPixel: 1 } as never), /^image\.readPng: unknown option "maxPixel" \(did you mean "maxPixels"\?\)$/],
      [() => new ck.nn.Conv2d(1, 1, 3, { padding_mode: 'zeros' } as never), /^nn\.Conv2d: unknown option "padding_mode" \(did you mean "padding"\?\)$/],
      [() => new ck.nn.Linear(2, 2, { bais: false } as never), /^nn\.Linear: unknown option "bais" \(did you mean "bias"\?\)$/],
      [() => new ck.nn.MaxPool2d(2, { kernel: 2 } as never), /^nn\.MaxPool2d: unknown option "kernel" \(valid options: stride, padding, dilation, ceilMode, countIncludePad, layout\)$/],
      [() => new ck.nn.AvgPool2d(2, { stide: 2 } as never), /^nn\.AvgPool2d: unknown option "stide" \(did you mean "stride"\?\)$/],
      [() => new ck.nn.GlobalAvgPool2d({ layot: 'nhwc' } as never), /^nn\.GlobalAvgPool2d: unknown option "layot" \(did you mean "layout"\?\)$/],
      [() => new ck.optim.SGD(new ck.nn.Linear(2, 2).parameters(), { lr: 0.1, weight_decay: 1e-4 } as never), /^optim\.SGD: unknown option "weight_decay" \(did you mean "weightDecay"\?\)$/],
      [() => new ck.optim.Adam(new ck.nn.Linear(2, 2).parameters(), { lr: 0.1, beta: [0.9, 0.99] } as never), /^optim\.Adam: unknown option "beta" \(did you mean "betas"\?\)$/],
    ];
    for (const [f, pattern] of cases) sameOnBoth(f, TypeError, pattern);
  });

  it('suggests only close names', () => {
    expect(nearest('pad', ['stride', 'padding'])).toBe('padding');
    expect(nearest('Stride', ['stride', 'padding'])).toBe('stride');
    expect(nearest('momentun', ['lr', 'momentum'])).toBe('momentum');
    expect(nearest('xyz', ['stride', 'padding'])).toBeUndefined();
    expect(nearest('lr', ['eps'])).toBeUndefined();
  });
});

describe('maxPool2d without options', () => {
  it('says that kernel is required', async () => {
    const x = ck.ones([1, 1, 4, 4]);
    sameOnBoth(() => (ck.maxPool2d as (x: ck.Tensor) => ck.Tensor)(x), TypeError, /^maxPool2d: the kernel option is required, e\.g\. maxPool2d\(x, \{ kernel: 2 \}\)$/);
    sameOnBoth(() => ck.avgPool2d(x, {} as never), TypeError, /^avgPool2d: the kernel option is required/);
    await sameOnBothAsync(() => (ck.maxPool2dAsync as (x: ck.Tensor) => Promise<ck.Tensor>)(x), TypeError, /^maxPool2dAsync: the kernel option is required/);
  });
});
