// Property-based fuzzing of every op: random valid and invalid configurations; native must
// equal ts within the conformance tolerance, or both must throw the same error class
// (TypeError or RangeError). Used by ops.fuzz.test.ts (CI: a few hundred cases) and by
// `npm run fuzz` (CONVKIT_FUZZ_RUNS=10000 or more).
import fc from 'fast-check';
import * as ck from '../../lib/index';
import { randomData, prng } from '../helpers/random';

type Outcome = { ok: true; shape: number[]; data: Float32Array; k: number; scale: number } | { ok: false; cls: string; msg: string };

function outcome(f: () => Result): Outcome {
  try {
    const { t, k, scale } = f();
    return { ok: true, shape: [...t.shape], data: t.data, k, scale: scale ?? 1 };
  } catch (e) {
    return { ok: false, cls: (e as Error)?.constructor?.name ?? typeof e, msg: String((e as Error)?.message ?? e) };
  }
}

/** Runs f on both backends and checks they agree. Throws a descriptive Error if not. */
/** k: the longest reduction behind an output; scale: a bound on the factors applied (alpha, beta). */
type Result = { t: ck.Tensor; k: number; scale?: number };

export function agree(label: string, f: () => Result): void {
  ck.setBackend('ts');
  const a = outcome(f);
  ck.setBackend('native');
  const b = outcome(f);
  if (!a.ok || !b.ok) {
    if (a.ok !== b.ok) throw new Error(`${label}: ts ${a.ok ? 'returned' : `threw ${(a as { msg: string }).msg}`} but native ${b.ok ? 'returned' : `threw ${(b as { msg: string }).msg}`}`);
    const ea = a as { cls: string; msg: string };
    const eb = b as { cls: string; msg: string };
    if (ea.cls !== eb.cls || !['TypeError', 'RangeError'].includes(ea.cls)) throw new Error(`${label}: ts threw ${ea.cls}: ${ea.msg}; native threw ${eb.cls}: ${eb.msg}`);
    return;
  }
  if (a.shape.join() !== b.shape.join()) throw new Error(`${label}: shapes [${a.shape}] vs [${b.shape}]`);
  // Inputs lie in [-1, 1]: the conformance bound 4*eps*sqrt(K)*S with S <= K + 1.
  const atol = (4 * 1.2e-7 * Math.sqrt(a.k + 1) * (a.k + 1) + 1e-6) * a.scale;
  for (let i = 0; i < a.data.length; i++) {
    if (!close(a.data[i], b.data[i], atol)) throw new Error(`${label}: element ${i}: ts ${a.data[i]} vs native ${b.data[i]} (atol ${atol})`);
  }
}

/**
 * ts value x and native value y agree: both NaN, the same infinity (a max-pool window that
 * lies in the padding is -Infinity on both), or both finite and within atol + 1e-5*|x|.
 * A finite value never matches an infinite one, nor NaN anything but NaN.
 */
export function close(x: number, y: number, atol: number): boolean {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  return Math.abs(x - y) <= atol + 1e-5 * Math.abs(x);
}

// Mostly sensible values, sometimes hostile ones.
const weird = fc.constantFrom(0, -1, 1.5, NaN, Infinity, -0, 2 ** 31, '2' as unknown as number, null as unknown as number);
const small = (lo: number, hi: number) => fc.oneof({ weight: 12, arbitrary: fc.integer({ min: lo, max: hi }) }, { weight: 1, arbitrary: weird });
const pair = (lo: number, hi: number) => fc.oneof(small(lo, hi), fc.tuple(small(lo, hi), small(lo, hi)));

function tensorOf(shape: number[], seed: number): ck.Tensor {
  const n = shape.reduce((a, b) => a * (Number.isInteger(b) && b >= 0 ? b : 1), 1);
  return new ck.Tensor(randomData(prng(seed), Math.min(n, 1 << 20)), shape);
}

export const conv2dProperty = fc.property(
  fc.record({
    layout: fc.constantFrom('nchw', 'nhwc', 'nchw', 'hwcn'), n: small(0, 3), groups: small(1, 3), cinG: small(0, 4), coutG: small(0, 4),
    h: small(0, 12), w: small(0, 12), kh: small(0, 4), kw: small(0, 4),
    stride: pair(1, 4), dilation: pair(1, 3),
    padding: fc.oneof(small(0, 3), fc.tuple(small(0, 3), small(0, 3)), fc.tuple(small(0, 3), small(0, 3), small(0, 3), small(0, 3)), fc.constantFrom('same', 'valid', 'full')),
    bias: fc.constantFrom(true, false, 'bad'), activation: fc.constantFrom('none', 'relu', 'relu', 'tanh'), seed: fc.integer({ min: 1, max: 1e6 }),
  }),
  (c) => {
    agree(`conv2d ${JSON.stringify(c)}`, () => {
      const g = c.groups as number;
      const cin = (c.cinG as number) * g;
      const cout = (c.coutG as number) * g;
      const nhwc = c.layout === 'nhwc';
      const x = tensorOf(nhwc ? [c.n, c.h, c.w, cin] : [c.n, cin, c.h, c.w], c.seed);
      const w = tensorOf(nhwc ? [cout, c.kh, c.kw, c.cinG] : [cout, c.cinG, c.kh, c.kw], c.seed + 1);
      const bias = c.bias === 'bad' ? tensorOf([cout + 1], c.seed + 2) : c.bias ? tensorOf([cout], c.seed + 2) : null;
      const t = ck.conv2d(x, w, { stride: c.stride, dilation: c.dilation, padding: c.padding, groups: g, layout: c.layout, bias, activation: c.activation } as ck.Conv2dOptions);
      return { t, k: (c.cinG as number) * (c.kh as number) * (c.kw as number) };
    });
  },
);

export const poolProperty = fc.property(
  fc.record({
    op: fc.constantFrom('max', 'avg', 'globalAvg', 'globalMax'), layout: fc.constantFrom('nchw', 'nhwc'), n: small(0, 2), c: small(0, 5),
    h: small(0, 11), w: small(0, 11), kernel: pair(1, 4), stride: fc.oneof(fc.constant(undefined), pair(1, 3)),
    padding: fc.oneof(small(0, 2), fc.tuple(small(0, 2), small(0, 2)), fc.tuple(small(0, 2), small(0, 2), small(0, 2), small(0, 2))),
    dilation: fc.oneof(fc.constant(undefined), pair(1, 2)), ceilMode: fc.boolean(), countIncludePad: fc.boolean(), seed: fc.integer({ min: 1, max: 1e6 }),
  }),
  (c) => {
    agree(`pool ${JSON.stringify(c)}`, () => {
      const x = tensorOf(c.layout === 'nhwc' ? [c.n, c.h, c.w, c.c] : [c.n, c.c, c.h, c.w], c.seed);
      const opts = { kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, ceilMode: c.ceilMode, countIncludePad: c.countIncludePad, layout: c.layout } as ck.Pool2dOptions;
      const k = Array.isArray(c.kernel) ? (c.kernel[0] as number) * (c.kernel[1] as number) : (c.kernel as number) ** 2;
      if (c.op === 'max') return { t: ck.maxPool2d(x, opts), k };
      if (c.op === 'avg') return { t: ck.avgPool2d(x, opts), k };
      const t = c.op === 'globalAvg' ? ck.globalAvgPool2d(x, { layout: c.layout as 'nchw' }) : ck.globalMaxPool2d(x, { layout: c.layout as 'nchw' });
      return { t, k: (c.h as number) * (c.w as number) };
    });
  },
);

export const gemmProperty = fc.property(
  fc.record({
    op: fc.constantFrom('gemm', 'matmul', 'linear', 'sgemm'), m: small(0, 40), n: small(0, 40), k: small(0, 40), k2: small(0, 40),
    transA: fc.boolean(), transB: fc.boolean(), alpha: fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), weird), beta: fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), weird),
    batchA: fc.array(small(1, 3), { maxLength: 2 }), batchB: fc.array(small(1, 3), { maxLength: 2 }), withC: fc.constantFrom('none', 'full', 'row', 'bad'), pad: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 1, max: 1e6 }),
  }),
  (c) => {
    agree(`gemm ${JSON.stringify(c)}`, () => {
      const { m, n, k } = c as unknown as { m: number; n: number; k: number };
      const kk = c.withC === 'bad' ? (c.k2 as number) : k;
      if (c.op === 'gemm') {
        const a = tensorOf(c.transA ? [k, m] : [m, k], c.seed);
        const b = tensorOf(c.transB ? [n, kk] : [kk, n], c.seed + 1);
        const cc = c.withC === 'full' ? tensorOf([m, n], c.seed + 2) : c.withC === 'row' ? tensorOf([n], c.seed + 2) : c.withC === 'bad' ? tensorOf([m + 1, n], c.seed + 2) : undefined;
        return { t: ck.gemm(a, b, { transA: c.transA, transB: c.transB, alpha: c.alpha, beta: c.beta, c: cc }), k: k + 1, scale: Math.max(1, Math.abs(c.alpha), Math.abs(c.beta)) };
      }
      if (c.op === 'matmul') {
        const a = tensorOf([...(c.batchA as number[]), m, k], c.seed);
        const b = tensorOf([...(c.batchB as number[]), kk, n], c.seed + 1);
        return { t: ck.matmul(a, b), k };
      }
      if (c.op === 'linear') {
        const x = tensorOf([...(c.batchA as number[]), k], c.seed);
        const w = tensorOf([n, kk], c.seed + 1);
        return { t: ck.linear(x, w, c.withC === 'none' ? null : tensorOf([c.withC === 'bad' ? n + 1 : n], c.seed + 2)), k: k + 1 };
      }
      // sgemm on raw buffers with leading dimensions (possibly too small) and a padded C.
      const lda = (c.transA ? m : k) + c.pad - (c.withC === 'bad' ? 1 : 0);
      const ldb = (c.transB ? k : n) + c.pad;
      const ldc = n + c.pad;
      // Buffer sizes from sane stand-ins, so a hostile M (2^31, NaN) tests validation, not allocation.
      const sane = (v: unknown): number => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 64 ? (v as number) : 1);
      const A = randomData(prng(c.seed), sane(c.transA ? k : m) * sane(lda));
      const B = randomData(prng(c.seed + 1), sane(c.transB ? n : k) * sane(ldb));
      const C = randomData(prng(c.seed + 2), sane(m) * sane(ldc));
      ck.sgemm(c.transA, c.transB, m, n, k, c.alpha, A, lda, B, ldb, c.beta, C, ldc);
      return { t: new ck.Tensor(C, [C.length]), k: k + 1, scale: Math.max(1, Math.abs(c.alpha), Math.abs(c.beta)) };
    });
  },
);

export const elementwiseProperty = fc.property(
  fc.record({
    op: fc.constantFrom('relu', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'crossEntropy', 'reluBackward', 'softmaxBackward'),
    shape: fc.array(small(0, 9), { minLength: 0, maxLength: 4 }), axis: fc.oneof(fc.integer({ min: -5, max: 4 }), weird),
    labels: fc.array(fc.oneof(fc.integer({ min: -1, max: 9 }), weird), { maxLength: 10 }), scale: fc.constantFrom(1, 30, 1e4), seed: fc.integer({ min: 1, max: 1e6 }),
  }),
  (c) => {
    agree(`elementwise ${JSON.stringify(c)}`, () => {
      const x = tensorOf(c.shape as number[], c.seed);
      if (Number.isFinite(c.scale)) for (let i = 0; i < x.size; i++) x.data[i] *= c.scale;
      switch (c.op) {
        case 'relu': return { t: ck.relu(x), k: 1 };
        case 'sigmoid': return { t: ck.sigmoid(x), k: 1 };
        case 'tanh': return { t: ck.tanh(x), k: 1 };
        case 'softmax': return { t: ck.softmax(x, c.axis as number), k: 10 };
        case 'logSoftmax': return { t: ck.logSoftmax(x, c.axis as number), k: 10 };
        case 'reluBackward': return { t: ck.reluBackward(tensorOf(c.shape as number[], c.seed + 1), x), k: 1 };
        case 'softmaxBackward': return { t: ck.softmaxBackward(tensorOf(c.shape as number[], c.seed + 1), ck.softmax(x, c.axis as number), c.axis as number), k: 10 };
        default: {
          const r = ck.crossEntropy(x, c.labels as number[]);
          return { t: new ck.Tensor(Float32Array.of(r.loss, ...r.dlogits.data), [1 + r.dlogits.size]), k: 10 };
        }
      }
    });
  },
);

export const properties = { conv2d: conv2dProperty, pool: poolProperty, gemm: gemmProperty, elementwise: elementwiseProperty };
