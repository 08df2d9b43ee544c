// Every op of API.md's "Tensor operations" (and the earlier element-wise ones) against PyTorch
// 1.13: the fixtures test/fixtures/ops (scripts/make-ops-fixture.py) hold random inputs,
// torch's output, a random upstream gradient and torch's input gradients. Here each case runs
// through convkit's public function on both backends with the float inputs marked requiresGrad;
// the output, every input's .grad after y.backward(gy) and the in-place running statistics
// (batchNorm2d) must equal torch's. The 2-D ops whose fixtures are nchw only (convTranspose2d,
// upsample2d, adaptiveAvgPool2d) also run in nhwc on the same data permuted to [N, H, W, C]
// (convTranspose2d's w to [Cin, KH, KW, Cout/groups]); batchNorm2d has stored nhwc cases.
//
// Tolerance: |got - want| <= 1e-5 + 1e-4 |want| everywhere (float32 with a different summation
// order and different libm / polynomial approximations of exp, log, tanh, erf).
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { getBackend, info, setBackend, Tensor } from '../../lib/index';
import { loadTorchCase, type TorchCase, torchCaseSpecs } from '../helpers/torch-cases';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const ATOL = 1e-5;
const RTOL = 1e-4;

type OpFn = (...args: unknown[]) => Tensor | Tensor[];
const call = (f: unknown): OpFn => f as OpFn;

/** The fixture's op names -> convkit's public functions (args in the fixture's order, then the options). */
const OPS: Record<string, OpFn> = {
  add: call(ck.add), sub: call(ck.sub), mul: call(ck.mul), div: call(ck.div),
  neg: call(ck.neg), exp: call(ck.exp), log: call(ck.log), sqrt: call(ck.sqrt), pow: call(ck.pow),
  abs: call(ck.abs), clamp: call(ck.clamp),
  relu: call(ck.relu), sigmoid: call(ck.sigmoid), tanh: call(ck.tanh), leakyRelu: call(ck.leakyRelu),
  silu: call(ck.silu), gelu: call(ck.gelu), hardSigmoid: call(ck.hardSigmoid), hardSwish: call(ck.hardSwish),
  relu6: call(ck.relu6), softmax: call(ck.softmax), logSoftmax: call(ck.logSoftmax),
  sum: call(ck.sum), mean: call(ck.mean), max: call(ck.max), min: call(ck.min), argmax: call(ck.argmax),
  transpose: call(ck.transpose), reshape: call(ck.reshape), flatten: call(ck.flatten),
  concat: call(ck.concat), split: call(ck.split), slice: call(ck.slice), pad: call(ck.pad),
  batchNorm2d: call(ck.batchNorm2d), dropout: call(ck.dropout), convTranspose2d: call(ck.convTranspose2d),
  upsample2d: call(ck.upsample2d), adaptiveAvgPool2d: call(ck.adaptiveAvgPool2d),
  crossEntropyLoss: call(ck.crossEntropyLoss), mseLoss: call(ck.mseLoss),
  // Not a convkit function: the fixture's "reduce a transposed (non-contiguous in torch) tensor".
  transposeSum: (x, perm, axis) => ck.sum(ck.transpose(x as Tensor, perm as number[]), axis as number),
};

/** The ops the fixtures must cover, each with at least one case (a case deleted from cases.json fails here). */
const REQUIRED_OPS = Object.keys(OPS);
/** The number of cases scripts/make-ops-fixture.py writes; fewer means some went missing. */
const CASE_COUNT = 140;
/** Ops whose fixtures are nchw only and that take `layout`: rerun in nhwc on permuted data. */
const NHWC_DERIVED = new Set(['convTranspose2d', 'upsample2d', 'adaptiveAvgPool2d']);

/** A rank-4 tensor [A, B, C, D] -> [A, C, D, B] (nchw -> nhwc; OIHW-style w -> [I, KH, KW, O]), by plain loops. */
function toNhwc(t: Tensor): Tensor {
  if (t.rank !== 4) return t;
  const [a, b, c, d] = t.shape;
  const out = new Float32Array(t.size);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) for (let l = 0; l < d; l++) {
    out[((i * c + k) * d + l) * b + j] = t.data[((i * b + j) * c + k) * d + l];
  }
  return new Tensor(out, [a, c, d, b]);
}

/** The case in nhwc: every rank-4 tensor permuted, `layout: 'nhwc'` added to the options. */
function nhwcCase(c: TorchCase): TorchCase {
  const mapT = (v: unknown): unknown => (v instanceof Tensor ? toNhwc(v) : v);
  const mapRec = (r: Record<string, Tensor>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toNhwc(v)]));
  const resolvedOptions = Object.fromEntries(Object.entries(c.resolvedOptions ?? {}).map(([k, v]) => [k, mapT(v)]));
  resolvedOptions.layout = 'nhwc';
  return {
    ...c,
    name: `${c.name} (nhwc)`,
    resolvedArgs: c.resolvedArgs.map(mapT),
    resolvedOptions,
    inputs: mapRec(c.inputs),
    expected: c.expected.map(toNhwc),
    gy: c.gy.map(toNhwc),
    expectedGrads: mapRec(c.expectedGrads),
  };
}

/** Worst violation of |got - want| <= ATOL + RTOL |want| (shapes must match exactly). */
function expectClose(what: string, got: Tensor | null | undefined, want: Tensor, scale = 1): void {
  expect(got, `${what}: missing`).toBeInstanceOf(Tensor);
  const g = got as Tensor;
  expect([...g.shape], `${what}: shape`).toEqual([...want.shape]);
  let worst = -1, at = -1;
  for (let i = 0; i < want.size; i++) {
    const w = want.data[i], v = g.data[i] * scale;
    const excess = Math.abs(v - w) - (ATOL + RTOL * Math.abs(w));
    if (!(excess <= 0) && (excess > worst || Number.isNaN(excess))) { worst = Number.isNaN(excess) ? Infinity : excess; at = i; }
  }
  if (at >= 0) {
    expect.fail(`${what}: element ${at} is ${g.data[at] * scale}, torch has ${want.data[at]} (tolerance ${ATOL} + ${RTOL}·|torch|)`);
  }
}

/**
 * Pairs the spec's args/options (with `{ $t: name }` references) with their resolved values,
 * so the fresh tensor copies the op gets can be found by their fixture name.
 */
function namedTensors(spec: unknown, resolved: unknown, out: Map<string, Tensor>): void {
  if (resolved instanceof Tensor) {
    const name = (spec as { $t?: unknown }).$t;
    if (typeof name === 'string') out.set(name, resolved);
  } else if (Array.isArray(spec) && Array.isArray(resolved)) {
    spec.forEach((s, i) => namedTensors(s, resolved[i], out));
  } else if (spec !== null && typeof spec === 'object' && resolved !== null && typeof resolved === 'object' && !('$t' in spec)) {
    for (const [k, s] of Object.entries(spec)) namedTensors(s, (resolved as Record<string, unknown>)[k], out);
  }
}

function runCase(c: TorchCase): void {
  const fn = OPS[c.op];
  expect(fn, `case ${c.name}: op ${c.op} is not mapped to a convkit function`).toBeTypeOf('function');
  const named = new Map<string, Tensor>();
  namedTensors(c.args, c.resolvedArgs, named);
  namedTensors(c.options ?? {}, c.resolvedOptions ?? {}, named);
  for (const g of c.grads) {
    const t = named.get(g);
    expect(t, `case ${c.name}: input ${g} (has a torch gradient) is not among the args`).toBeInstanceOf(Tensor);
    t!.requiresGrad = true;
  }
  // JSON has no undefined: a null positional argument stands for an omitted one (clamp(x, None, max)).
  const args = c.resolvedArgs.map((a) => (a === null ? undefined : a));
  const result = fn(...args, ...(c.resolvedOptions === undefined ? [] : [c.resolvedOptions]));
  const ys = Array.isArray(result) ? result : [result];
  expect(ys.length, `case ${c.name}: number of outputs`).toBe(c.expected.length);

  if (c.op === 'argmax') {
    // Indices: exact, torch's stored as float32.
    const y = ys[0] as unknown as Tensor<Int32Array>;
    expect(y.data).toBeInstanceOf(Int32Array);
    expect([...y.shape]).toEqual([...c.expected[0].shape]);
    expect(Array.from(y.data)).toEqual(Array.from(c.expected[0].data));
    return;
  }
  ys.forEach((y, i) => expectClose(`case ${c.name}: ${c.outputs[i]}`, y, c.expected[i]));
  for (const a of c.after) expectClose(`case ${c.name}: ${a} after the op`, named.get(a), c.expectedAfter[a]);

  if (c.grads.length === 0) return;
  // A scalar (a loss) takes backward() with no argument, as a user calls it; torch's gradient
  // was for its stored upstream gradient gy, so ours is scaled by gy before comparing.
  const scalar = ys.length === 1 && ys[0].size === 1 && ys[0].rank === 0;
  const scale = scalar ? c.gy[0].data[0] : 1;
  if (scalar) ys[0].backward();
  else ys.forEach((y, i) => y.backward(c.gy[i], { retainGraph: i < ys.length - 1 }));
  for (const g of c.grads) expectClose(`case ${c.name}: gradient of ${g}`, named.get(g)!.grad, c.expectedGrads[g], scale);
}

describe('torch op fixtures', () => {
  itRunsAtForcedIsa();
  const specs = torchCaseSpecs();
  it(`hold ${CASE_COUNT} cases, every one of a mapped op, every mapped op covered`, () => {
    expect(specs.length).toBe(CASE_COUNT);
    expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
    for (const s of specs) expect(Object.keys(OPS), `case ${s.name}`).toContain(s.op);
    for (const op of REQUIRED_OPS) expect(specs.some((s) => s.op === op), `no case for ${op}`).toBe(true);
    // Both layouts for every 2-D op: stored (batchNorm2d) or derived here.
    expect(specs.some((s) => s.op === 'batchNorm2d' && (s.options as { layout?: string } | null)?.layout === 'nhwc')).toBe(true);
  });
});

const backendsToRun = info().native.loaded || nativeRequired() ? (['ts', 'native'] as const) : (['ts'] as const);
for (const be of backendsToRun) {
  describe(`convkit == torch 1.13 (${be})`, () => {
    const restore = info().native.loaded ? 'native' : 'ts';
    for (const spec of torchCaseSpecs()) {
      const variants: [string, () => TorchCase][] = [[spec.name, () => loadTorchCase(spec)]];
      if (NHWC_DERIVED.has(spec.op)) variants.push([`${spec.name} (nhwc)`, () => nhwcCase(loadTorchCase(spec))]);
      for (const [name, load] of variants) {
        it(`${name}: ${spec.op}`, () => {
          setBackend(be);
          try {
            expect(getBackend()).toBe(be);
            runCase(load());
          } finally {
            setBackend(restore);
          }
        });
      }
    }
  });
}
