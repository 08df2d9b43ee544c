// The graph passes of onnx.load (lib/onnx/passes/): each on small built graphs, the optimized
// model's outputs equal to the graph run as written (optimize: false) within 1e-5, summary()
// naming what was fused, and no fusion where the value in between has another reader or is a
// graph output, or where the residual's shape is not the conv output's.
import { describe, expect, it } from 'vitest';
import { onnx } from '../../lib/onnx/index';
import { OPS } from '../../lib/onnx/ops/index';
import { Tensor } from '../../lib/tensor';
import { getBackend } from '../../lib/backend/select';
import { buildModel, f32, i64, type GraphSpec, type NodeSpec, type TensorLike } from '../helpers/onnx-graph';

/** Deterministic values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const w = (shape: number[], seed: number, scale = 0.5): TensorLike => ({ data: rand(numel(shape), seed).map((v) => v * scale), shape });

interface Case {
  spec: GraphSpec;
  feeds: Record<string, number[]>;
}

/** Runs the model optimized and as written; checks the outputs agree; returns the optimized summary and plan notes. */
function compare({ spec, feeds }: Case): string {
  const bytes = buildModel(spec);
  const plain = onnx.loadSync(bytes, { optimize: false });
  const opt = onnx.loadSync(bytes);
  const inputs: Record<string, Tensor> = {};
  Object.entries(feeds).forEach(([name, shape], i) => { inputs[name] = new Tensor(rand(numel(shape), 100 + i).map((v) => v * 2), shape); });
  const a = plain.runSync(inputs), b = opt.runSync(inputs);
  for (const name of Object.keys(a)) {
    expect(b[name].shape).toEqual(a[name].shape);
    const x = a[name].data, y = b[name].data;
    let err = 0, scale = 1e-6;
    for (let i = 0; i < x.length; i++) { err = Math.max(err, Math.abs(x[i] - y[i])); scale = Math.max(scale, Math.abs(x[i])); }
    expect(err / scale, `output ${name}`).toBeLessThan(1e-5);
  }
  return opt.summary(Object.values(feeds));
}

const conv = (x: string, wName: string, y: string, extra: Partial<NodeSpec> = {}, bias?: string): NodeSpec =>
  ({ op: 'Conv', inputs: bias ? [x, wName, bias] : [x, wName], outputs: [y], attrs: { pads: [1, 1, 1, 1] }, ...extra });

const X = { name: 'x', shape: ['N', 4, 7, 9] as (string | number)[] };

describe('onnx passes: BatchNormalization folding', () => {
  const bn = (x: string, y: string): NodeSpec => ({ op: 'BatchNormalization', inputs: [x, 'g', 'b', 'm', 'v'], outputs: [y], attrs: { epsilon: 1e-3 } });
  const params = { g: f32(rand(6, 5).map((v) => 1 + v / 2)), b: f32(rand(6, 6)), m: f32(rand(6, 7)), v: f32(rand(6, 8).map((v) => 1 + v / 2)) };

  it('folds a BN into the conv before it (with and without a conv bias)', () => {
    for (const bias of [undefined, 'cb']) {
      const s = compare({
        spec: { inputs: [X], outputs: [{ name: 'y' }], nodes: [conv('x', 'w', 't', {}, bias), bn('t', 'y')], initializers: { w: w([6, 4, 3, 3], 1), cb: f32(rand(6, 9)), ...params } },
        feeds: { x: [2, 4, 7, 9] },
      });
      expect(s).toContain('fold-batchnorm: 1 BatchNormalization folded');
      expect(s).not.toMatch(/\bBatchNormalization\b.*\[/);
    }
  });

  it('leaves the BN as a step when the conv output has another reader', () => {
    const s = compare({
      spec: { inputs: [X], outputs: [{ name: 'y' }, { name: 'z' }], nodes: [conv('x', 'w', 't'), bn('t', 'y'), { op: 'Relu', inputs: ['t'], outputs: ['z'] }], initializers: { w: w([6, 4, 3, 3], 1), ...params } },
      feeds: { x: [1, 4, 7, 9] },
    });
    expect(s).toContain('left as a step');
    expect(s).not.toContain('folded into the preceding Conv');
  });
});

describe('onnx passes: conv epilogue fusion', () => {
  it('fuses a residual Add of the same shape and the Relu after it', () => {
    const s = compare({
      spec: {
        inputs: [X], outputs: [{ name: 'y' }],
        nodes: [conv('x', 'w1', 'a', {}, 'b1'), { op: 'Relu', inputs: ['a'], outputs: ['r'] }, conv('r', 'w2', 'c'), { op: 'Add', inputs: ['c', 'x'], outputs: ['s'] }, { op: 'Relu', inputs: ['s'], outputs: ['y'] }],
        initializers: { w1: w([4, 4, 3, 3], 1), b1: f32(rand(4, 2)), w2: w([4, 4, 3, 3], 3) },
      },
      feeds: { x: [3, 4, 7, 9] },
    });
    expect(s).toContain('fuse-epilogue: 1 residual Add fused');
    expect(s).toContain('2 relu');
    expect(s).toMatch(/Conv .*\+residual \+relu/);
  });

  it('when both Add operands are convs, the later one takes the other as its residual', () => {
    const s = compare({
      spec: {
        inputs: [X], outputs: [{ name: 'y' }],
        nodes: [conv('x', 'w1', 'a'), conv('x', 'w2', 'c', { attrs: { pads: [0, 0, 0, 0] }, inputs: ['x', 'w3'] }), { op: 'Add', inputs: ['a', 'c'], outputs: ['y'] }],
        initializers: { w1: w([5, 4, 3, 3], 1), w2: w([5, 4, 3, 3], 2), w3: w([5, 4, 1, 1], 3) },
      },
      feeds: { x: [1, 4, 7, 9] },
    });
    expect(s).toContain('1 residual Add fused');
  });

  it('does not fuse a residual that broadcasts, or a conv output that is a graph output or read twice', () => {
    const nodes: NodeSpec[] = [conv('x', 'w', 'a'), { op: 'Add', inputs: ['a', 'bc'], outputs: ['s'] }, { op: 'Relu', inputs: ['s'], outputs: ['y'] }];
    let s = compare({ spec: { inputs: [X], outputs: [{ name: 'y' }], nodes, initializers: { w: w([4, 4, 3, 3], 1), bc: w([1, 4, 1, 1], 2) } }, feeds: { x: [2, 4, 7, 9] } });
    expect(s).not.toContain('residual Add');
    expect(s).not.toContain('relu');   // the Relu follows the Add, not the conv
    // a graph output in between
    s = compare({ spec: { inputs: [X], outputs: [{ name: 'y' }, { name: 'a' }], nodes: [conv('x', 'w', 'a'), { op: 'Relu', inputs: ['a'], outputs: ['y'] }], initializers: { w: w([4, 4, 3, 3], 1) } }, feeds: { x: [1, 4, 7, 9] } });
    expect(s).not.toContain('fuse-epilogue');
    // another reader of the conv output
    s = compare({
      spec: { inputs: [X], outputs: [{ name: 'y' }], nodes: [conv('x', 'w', 'a'), { op: 'Relu', inputs: ['a'], outputs: ['r'] }, { op: 'Add', inputs: ['r', 'a'], outputs: ['y'] }], initializers: { w: w([4, 4, 3, 3], 1) } },
      feeds: { x: [1, 4, 7, 9] },
    });
    expect(s).not.toContain('fuse-epilogue');
  });

  it('fuses Clip(0, 6) given as Constant inputs, not Clip(0, 5)', () => {
    for (const [hi, fused] of [[6, true], [5, false]] as const) {
      const s = compare({
        spec: {
          inputs: [X], outputs: [{ name: 'y' }],
          nodes: [{ op: 'Constant', inputs: [], outputs: ['lo'], attrs: { value: f32([0], []) } }, { op: 'Constant', inputs: [], outputs: ['hi'], attrs: { value: f32([hi], []) } },
            conv('x', 'w', 'a'), { op: 'Clip', inputs: ['a', 'lo', 'hi'], outputs: ['y'] }],
          initializers: { w: w([4, 4, 3, 3], 1, 4) },
        },
        feeds: { x: [1, 4, 7, 9] },
      });
      expect(s).toContain('fold-constants: 2 Constant nodes');
      if (fused) expect(s).toContain('1 relu6'); else expect(s).not.toContain('relu6');
    }
  });

  it('fuses Sigmoid, HardSwish and x * Sigmoid(x) (SiLU) into the conv', () => {
    const s = compare({
      spec: {
        opset: 14,
        inputs: [X], outputs: [{ name: 'y1' }, { name: 'y2' }, { name: 'y3' }],
        nodes: [conv('x', 'w', 'a'), { op: 'Sigmoid', inputs: ['a'], outputs: ['y1'] },
          conv('x', 'w', 'b'), { op: 'HardSwish', inputs: ['b'], outputs: ['y2'] },
          conv('x', 'w', 'c'), { op: 'Sigmoid', inputs: ['c'], outputs: ['sc'] }, { op: 'Mul', inputs: ['sc', 'c'], outputs: ['y3'] }],
        initializers: { w: w([4, 4, 3, 3], 1, 2) },
      },
      feeds: { x: [2, 4, 7, 9] },
    });
    expect(s).toContain('1 silu');
    expect(s).toContain('1 sigmoid');
    expect(s).toContain('1 hardSwish');
  });

  it('does not take the SiLU when the sigmoid is read elsewhere', () => {
    const s = compare({
      spec: {
        inputs: [X], outputs: [{ name: 'y' }, { name: 'sc' }],
        nodes: [conv('x', 'w', 'c'), { op: 'Sigmoid', inputs: ['c'], outputs: ['sc'] }, { op: 'Mul', inputs: ['sc', 'c'], outputs: ['y'] }],
        initializers: { w: w([4, 4, 3, 3], 1, 2) },
      },
      feeds: { x: [1, 4, 7, 9] },
    });
    expect(s).not.toContain('silu');
  });
});

describe('onnx passes: activations spelled as several nodes', () => {
  it('makes x * Sigmoid(x) after an Add one silu call', () => {
    const s = compare({
      spec: { inputs: [X, { name: 'z', shape: ['N', 4, 7, 9] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Add', inputs: ['x', 'z'], outputs: ['a'] }, { op: 'Sigmoid', inputs: ['a'], outputs: ['s'] }, { op: 'Mul', inputs: ['a', 's'], outputs: ['y'] }] },
      feeds: { x: [2, 4, 7, 9], z: [2, 4, 7, 9] },
    });
    expect(s).toContain('fuse-activations: 1 silu pattern');
    expect(s).toContain('fused silu');
  });

  // PyTorch's exact GELU export: Div(x, 1.4142135) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5).
  it.skipIf(!('Erf' in OPS))('makes PyTorch\'s Erf form of GELU one gelu call', () => {
    const s = compare({
      spec: {
        inputs: [X], outputs: [{ name: 'y' }],
        nodes: [{ op: 'Div', inputs: ['x', 'sq'], outputs: ['d'] }, { op: 'Erf', inputs: ['d'], outputs: ['e'] }, { op: 'Add', inputs: ['e', 'one'], outputs: ['p'] },
          { op: 'Mul', inputs: ['x', 'p'], outputs: ['m'] }, { op: 'Mul', inputs: ['m', 'half'], outputs: ['y'] }],
        initializers: { sq: f32([1.4142135381698608], []), one: f32([1], []), half: f32([0.5], []) },
      },
      feeds: { x: [2, 4, 7, 9] },
    });
    expect(s).toContain('1 gelu pattern');
  });
});

describe('onnx passes: constants and layout', () => {
  it('folds Constant and Identity nodes and shape chains; the NHWC region ends at Flatten and Gemm', () => {
    const s = compare({
      spec: {
        inputs: [X], outputs: [{ name: 'y' }],
        nodes: [
          { op: 'Identity', inputs: ['w0'], outputs: ['w'] },
          conv('x', 'w', 'a'), { op: 'Relu', inputs: ['a'], outputs: ['r'] },
          { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
          conv('p', 'w2', 'q1', { attrs: {} }), conv('p', 'w3', 'q2', { attrs: { pads: [1, 1, 1, 1], group: 3 } }), { op: 'Concat', inputs: ['q1', 'q2'], outputs: ['q'], attrs: { axis: 1 } },
          { op: 'Mul', inputs: ['q', 'k'], outputs: ['qk'] },
          { op: 'AveragePool', inputs: ['qk'], outputs: ['ap'], attrs: { kernel_shape: [2, 2] } },
          { op: 'Shape', inputs: ['ap'], outputs: ['sh'] }, { op: 'Gather', inputs: ['sh', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
          { op: 'Unsqueeze', inputs: ['n', 'ax'], outputs: ['n1'] }, { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: 0 } },
          { op: 'Reshape', inputs: ['ap', 'shape'], outputs: ['f'] },
          { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['y'], attrs: { transB: 1 } },
        ],
        initializers: {
          w0: w([6, 4, 3, 3], 1), w2: w([5, 6, 1, 1], 2), w3: w([3, 2, 3, 3], 3), k: w([1, 8, 1, 1], 4),
          zero: i64([0], []), ax: i64([0]), minus1: i64([-1]), fw: w([7, 8 * 3 * 4], 5), fb: f32(rand(7, 6)),
        },
      },
      feeds: { x: [3, 4, 7, 9] },
    });
    expect(s).toMatch(/fold-constants: .*1 node of known inputs/);
    expect(s).toMatch(/layout: \d+ nodes run NHWC/);
    // The NHWC Concat of two convs runs no step: each conv writes its channels of the output.
    expect(s).toMatch(/Conv_4 .*1x1 nhwc.* -> channels \[0, 5\) of the output of node "Concat_6"/);
    expect(s).toMatch(/Conv_5 .*3x3 nhwc groups 3 -> channels \[5, 8\) of the output of node "Concat_6"/);
    expect(s).not.toMatch(/^\d+\s+Concat /m);
    expect(s).toMatch(/MaxPool .*nhwc/);
    // The NHWC 1x1 conv's constant weights are packed once per plan on native (its GEMM panels).
    if (getBackend() === 'native') expect(s).toMatch(/1x1 nhwc.* prepacked/);
    else expect(s).not.toContain('prepacked');
  });

  it('a region without a grouped or strided 1x1 conv or a windowed pool stays NCHW; a strided 1x1 or a pool makes it NHWC', () => {
    const spec = (stride: number): GraphSpec => ({
      inputs: [X], outputs: [{ name: 'y' }],
      nodes: [conv('x', 'w', 'a'), { op: 'Relu', inputs: ['a'], outputs: ['r'] }, conv('r', 'w1', 'b', { attrs: { strides: [stride, stride] } }), { op: 'GlobalAveragePool', inputs: ['b'], outputs: ['y'] }],
      initializers: { w: w([6, 4, 3, 3], 1), w1: w([5, 6, 1, 1], 2) },
    });
    const s1 = compare({ spec: spec(1), feeds: { x: [2, 4, 7, 9] } });
    expect(s1).toContain('layout: NCHW throughout');
    expect(s1).not.toContain('nhwc');
    const s2 = compare({ spec: spec(2), feeds: { x: [2, 4, 7, 9] } });
    expect(s2).toMatch(/layout: 2 nodes run NHWC in 1 region, 2 Transposes/);
    // A windowed pool makes a region of dense convs NHWC too (SqueezeNet's).
    const pooled: GraphSpec = {
      inputs: [X], outputs: [{ name: 'y' }],
      nodes: [conv('x', 'w', 'a'), { op: 'MaxPool', inputs: ['a'], outputs: ['p'], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }, conv('p', 'w1', 'b'), { op: 'GlobalAveragePool', inputs: ['b'], outputs: ['y'] }],
      initializers: { w: w([6, 4, 3, 3], 1), w1: w([5, 6, 1, 1], 2) },
    };
    const s3 = compare({ spec: pooled, feeds: { x: [2, 4, 7, 9] } });
    expect(s3).toMatch(/layout: 3 nodes run NHWC in 1 region/);
    expect(s3).toMatch(/MaxPool .*nhwc/);
  });

  it('the batch is dynamic after the passes (plans per batch size)', () => {
    const spec: GraphSpec = {
      inputs: [X], outputs: [{ name: 'y' }],
      nodes: [conv('x', 'w', 'a'), { op: 'Relu', inputs: ['a'], outputs: ['r'] }, { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] }, { op: 'Flatten', inputs: ['g'], outputs: ['y'] }],
      initializers: { w: w([6, 4, 3, 3], 1) },
    };
    for (const n of [1, 2, 5]) compare({ spec, feeds: { x: [n, 4, 7, 9] } });
  });

  it('model.run (the worker) gives runSync\'s results on the rewritten graph', async () => {
    const bytes = buildModel({
      inputs: [X], outputs: [{ name: 'y' }],
      nodes: [conv('x', 'w', 'a'), { op: 'Sigmoid', inputs: ['a'], outputs: ['s'] }, { op: 'Mul', inputs: ['a', 's'], outputs: ['m'] }, { op: 'Add', inputs: ['m', 'x'], outputs: ['y'] }],
      initializers: { w: w([4, 4, 3, 3], 1) },
    });
    const m = onnx.loadSync(bytes);
    const x = new Tensor(rand(2 * 4 * 7 * 9, 3), [2, 4, 7, 9]);
    const a = m.runSync({ x }), b = await m.run({ x });
    expect(Array.from(b.y.data)).toEqual(Array.from(a.y.data));
    await m.close();
  });
});

describe('onnx plan: Concat elision (convs write their channel slices of the output)', () => {
  const cv = (x: string, wName: string, y: string, attrs: Record<string, unknown> = {}, bias?: string): NodeSpec =>
    ({ op: 'Conv', inputs: bias ? [x, wName, bias] : [x, wName], outputs: [y], attrs });
  const inits = {
    wa: w([5, 4, 1, 1], 1), wb: w([6, 4, 3, 3], 2), wc: w([3, 4, 3, 3], 3), ba: f32(rand(5, 4)), wd: w([7, 14, 1, 1], 5),
  };
  const steps = (s: string, op: string) => s.split('\n').filter((l) => new RegExp(`^\\d+\\s+${op} `).test(l)).length;

  it('NHWC (a strided 1x1 makes the region NHWC) and NCHW, batch 1 and 3, three convs, each a Relu after; equal to the graph as written', () => {
    for (const [stride, layout] of [[2, 'nhwc'], [1, 'nchw']] as const) {
      for (const n of [1, 3]) {
        const s = compare({
          spec: {
            inputs: [X], outputs: [{ name: 'y' }],
            nodes: [
              cv('x', 'wa', 'a0', { strides: [stride, stride] }, 'ba'), { op: 'Relu', inputs: ['a0'], outputs: ['a'] },
              cv('x', 'wb', 'b', { strides: [stride, stride], pads: [1, 1, 1, 1] }),
              cv('x', 'wc', 'c', { strides: [stride, stride], pads: [1, 1, 1, 1] }),
              { op: 'Concat', inputs: ['a', 'b', 'c'], outputs: ['q'], attrs: { axis: 1 } },
              cv('q', 'wd', 'y'),
            ],
            initializers: inits,
          },
          feeds: { x: [n, 4, 7, 9] },
        });
        expect(steps(s, 'Concat'), s).toBe(0);
        expect(s).toContain('-> channels [0, 5) of the output');
        expect(s).toContain('-> channels [5, 11) of the output');
        expect(s).toContain('-> channels [11, 14) of the output');
        expect(s).toMatch(layout === 'nhwc' ? /1x1 nhwc/ : /1x1 prepacked|1x1 ->|1x1 +relu/);
      }
    }
  });

  it('keeps the Concat step when an input has another reader, is a graph output, is not a conv output, or appears twice', () => {
    const base = (nodes: NodeSpec[], outputs = [{ name: 'y' }]) => compare({ spec: { inputs: [X], outputs, nodes, initializers: inits }, feeds: { x: [2, 4, 7, 9] } });
    const pair = [cv('x', 'wa', 'a', {}, 'ba'), cv('x', 'wb', 'b', { pads: [1, 1, 1, 1] })];
    // another reader of a
    let s = base([...pair, { op: 'Concat', inputs: ['a', 'b'], outputs: ['q'], attrs: { axis: 1 } }, { op: 'Add', inputs: ['a', 'a'], outputs: ['aa'] },
      { op: 'Concat', inputs: ['q', 'aa'], outputs: ['y'], attrs: { axis: 1 } }]);
    expect(steps(s, 'Concat'), s).toBe(2);
    // a graph output
    s = base([...pair, { op: 'Concat', inputs: ['a', 'b'], outputs: ['y'], attrs: { axis: 1 } }], [{ name: 'y' }, { name: 'b' }]);
    expect(steps(s, 'Concat'), s).toBe(1);
    // not a conv's output (a Mul's) next to a conv's
    s = base([...pair, { op: 'Mul', inputs: ['a', 'a'], outputs: ['sa'] }, { op: 'Concat', inputs: ['sa', 'b'], outputs: ['y'], attrs: { axis: 1 } }]);
    expect(steps(s, 'Concat'), s).toBe(1);
    // the same input twice
    s = base([...pair, { op: 'Concat', inputs: ['b', 'b'], outputs: ['y'], attrs: { axis: 1 } }]);
    expect(steps(s, 'Concat'), s).toBe(1);
    // along another axis (H)
    s = base([cv('x', 'wb', 'a', { pads: [1, 1, 1, 1] }), cv('x', 'wb', 'b', { pads: [1, 1, 1, 1] }, undefined), { op: 'Concat', inputs: ['a', 'b'], outputs: ['y'], attrs: { axis: 2 } }]);
    expect(steps(s, 'Concat'), s).toBe(1);
  });
});
