// Every ONNX operator convkit runs, one node at a time, against onnxruntime-node, on both
// backends, with attribute variants (pads, strides, auto_pad, ceil_mode, axes, broadcasting,
// opset forms).
import { describe, it } from 'vitest';
import { checkAgainstOrt, rnd, single, type CheckOptions } from '../helpers/onnx-check';
import { type Dim, f32, type GraphSpec, i64, type NodeSpec, type TensorLike } from '../helpers/onnx-graph';

type Case = [string, () => ReturnType<typeof single>, CheckOptions?];
const x = (t: TensorLike) => ({ name: 'x', t });
const c = (name: string, t: TensorLike) => ({ name, t, init: true });
const X4 = [2, 3, 9, 11];
/** Nodes from x to y (opset 13): x declared as xShape (named dims allowed) and fed rnd(feedShape, 1). */
const graph = (xShape: Dim[], feedShape: number[], nodes: NodeSpec[], initializers: GraphSpec['initializers']) => ({
  spec: { opset: 13, inputs: [{ name: 'x', shape: xShape }], outputs: [{ name: 'y' }], nodes, initializers },
  feeds: { x: rnd(feedShape, 1) },
});

function run(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const [name, make, opts] of cases) it(name, async () => { const { spec, feeds } = make(); await checkAgainstOrt(spec, feeds, opts); });
  });
}

run('element-wise', [
  ...['Relu', 'Sigmoid', 'Tanh', 'Neg', 'Exp', 'Abs', 'HardSwish', 'Erf'].map((op): Case => [op, () => single(op, [x(rnd([2, 3, 5, 7], 2, 4))], {}, 14)]),
  ['Sqrt', () => single('Sqrt', [x({ ...rnd([3, 17], 3), data: rnd([3, 17], 3).data.map((v: number) => Math.abs(v) + 0.01) as Float32Array })])],
  ['Log', () => single('Log', [x({ ...rnd([3, 17], 3), data: rnd([3, 17], 3).data.map((v: number) => Math.abs(v) + 0.01) as Float32Array })])],
  ['Erf wide range', () => single('Erf', [x(rnd([1000], 4, 7))]), { abs: 1e-6, rel: 1e-6 }],
  ['LeakyRelu alpha 0.2', () => single('LeakyRelu', [x(rnd([2, 33], 5))], { alpha: 0.2 })],
  ['LeakyRelu default', () => single('LeakyRelu', [x(rnd([2, 33], 5))])],
  ['HardSigmoid default (0.2, 0.5)', () => single('HardSigmoid', [x(rnd([2, 33], 6, 5))])],
  ['HardSigmoid PyTorch (1/6)', () => single('HardSigmoid', [x(rnd([2, 33], 6, 5))], { alpha: 1 / 6, beta: 0.5 })],
  ['HardSigmoid alpha 0.3 beta 0.4', () => single('HardSigmoid', [x(rnd([2, 33], 6, 5))], { alpha: 0.3, beta: 0.4 })],
  ['Clip opset 13 min/max inputs', () => single('Clip', [x(rnd([4, 9], 7, 3)), c('lo', f32([-0.5], [])), c('hi', f32([1.5], []))])],
  ['Clip relu6', () => single('Clip', [x(rnd([4, 9], 7, 9)), c('lo', f32([0], [])), c('hi', f32([6], []))])],
  ['Clip min only', () => single('Clip', [x(rnd([4, 9], 7, 3)), c('lo', f32([-0.5], []))])],
  ['Clip max only (min omitted)', () => single('Clip', [x(rnd([4, 9], 7, 3)), { name: '' }, c('hi', f32([0.25], []))])],
  ['Clip opset 10 attributes', () => single('Clip', [x(rnd([4, 9], 7, 3))], { min: -1, max: 0.5 }, 10)],
  ...['Add', 'Sub', 'Mul', 'Div'].flatMap((op): Case[] => [
    [`${op} same shape`, () => single(op, [x(rnd([2, 3, 4], 8)), { name: 'b', t: rnd([2, 3, 4], 9) }])],
    [`${op} broadcast [C,1,1]`, () => single(op, [x(rnd([2, 3, 4, 5], 8)), c('b', rnd([3, 1, 1], 9))])],
    [`${op} broadcast both ways`, () => single(op, [x(rnd([2, 1, 5], 8)), { name: 'b', t: rnd([3, 1], 9) }])],
    [`${op} scalar`, () => single(op, [x(rnd([2, 3, 4], 8)), c('b', f32([0.75], []))])],
  ]),
  ['Pow scalar exponent', () => single('Pow', [x({ ...rnd([3, 8], 10), data: rnd([3, 8], 10).data.map((v: number) => Math.abs(v) + 0.1) as Float32Array }), c('e', f32([2.5], []))])],
  ['Pow 2', () => single('Pow', [x(rnd([3, 8], 10)), c('e', f32([2], []))])],
  ['Sum of 3 broadcast', () => single('Sum', [x(rnd([2, 1, 4], 11)), { name: 'b', t: rnd([3, 1], 12) }, c('c', rnd([4], 13))])],
  ['Sum of 1', () => single('Sum', [x(rnd([2, 5], 11))])],
  ['Mean of 3', () => single('Mean', [x(rnd([2, 3, 4], 11)), { name: 'b', t: rnd([2, 3, 4], 12) }, c('c', rnd([1, 4], 13))])],
  ['Max of 3', () => single('Max', [x(rnd([2, 3, 4], 11)), { name: 'b', t: rnd([3, 4], 12) }, c('c', rnd([2, 1, 1], 13))])],
  ['Min of 2 (opset 8)', () => single('Min', [x(rnd([2, 3, 4], 11)), { name: 'b', t: rnd([4], 12) }], {}, 8)],
  ['Max of 1', () => single('Max', [x(rnd([7], 11))])],
]);

run('shape and data movement', [
  ['Transpose perm', () => single('Transpose', [x(rnd([2, 3, 4, 5], 1))], { perm: [0, 2, 3, 1] })],
  ['Transpose default (reverse)', () => single('Transpose', [x(rnd([2, 3, 4], 1))])],
  ['Slice opset 13 axes steps', () => single('Slice', [x(rnd([4, 6, 8], 1)), c('s', i64([1, -7])), c('e', i64([100, -1])), c('a', i64([0, 2])), c('st', i64([2, 3]))])],
  ['Slice negative step', () => single('Slice', [x(rnd([4, 6, 8], 1)), c('s', i64([-1])), c('e', i64([-100])), c('a', i64([-1])), c('st', i64([-2]))])],
  ['Slice INT64_MAX end, no axes', () => single('Slice', [x(rnd([4, 6], 1)), c('s', i64([1, 2])), { name: 'e', t: { data: [9223372036854775807n, 9223372036854775807n], shape: [2], dtype: 'int64' }, init: true }])],
  ['Slice opset 9 attributes', () => single('Slice', [x(rnd([4, 6, 8], 1))], { starts: [1, 2], ends: [3, 100], axes: [1, 2] }, 9)],
  ['Split opset 11 attribute', () => single('Split', [x(rnd([2, 7, 3], 1))], { axis: 1, split: [2, 4, 1] }, 11, ['y0', 'y1', 'y2'])],
  ['Split opset 13 input, negative axis', () => single('Split', [x(rnd([2, 7, 6], 1)), c('sp', i64([1, 5]))], { axis: -1 }, 13, ['y0', 'y1'])],
  ['Split equal parts', () => single('Split', [x(rnd([2, 6, 3], 1))], { axis: 1 }, 13, ['y0', 'y1', 'y2'])],
  ['Split num_outputs (18), uneven', () => single('Split', [x(rnd([2, 7, 3], 1))], { axis: 1, num_outputs: 3 }, 18, ['y0', 'y1', 'y2'])],
  ['Concat axis -1', () => single('Concat', [x(rnd([2, 3, 4], 1)), { name: 'b', t: rnd([2, 3, 2], 2) }, c('c', rnd([2, 3, 1], 3))], { axis: -1 })],
  ['Concat axis 1', () => single('Concat', [x(rnd([2, 3, 4], 1)), { name: 'b', t: rnd([2, 5, 4], 2) }], { axis: 1 })],
  ['Reshape with 0 and -1', () => single('Reshape', [x(rnd([2, 3, 4], 1)), c('s', i64([0, -1]))])],
  ['Flatten axis 2', () => single('Flatten', [x(rnd([2, 3, 4, 5], 1))], { axis: 2 })],
  ['Flatten axis -1', () => single('Flatten', [x(rnd([2, 3, 4], 1))], { axis: -1 })],
  ['Squeeze opset 11 axes attribute', () => single('Squeeze', [x(rnd([2, 1, 4, 1], 1))], { axes: [1, -1] }, 11)],
  ['Squeeze opset 13 axes input', () => single('Squeeze', [x(rnd([2, 1, 4, 1], 1)), c('a', i64([3]))])],
  ['Squeeze all ones', () => single('Squeeze', [x(rnd([1, 3, 1], 1))])],
  ['Unsqueeze opset 11', () => single('Unsqueeze', [x(rnd([2, 3], 1))], { axes: [0, 3] }, 11)],
  ['Unsqueeze opset 13 negative', () => single('Unsqueeze', [x(rnd([2, 3], 1)), c('a', i64([-1, 1]))])],
  ['Identity', () => single('Identity', [x(rnd([5], 1))])],
  ['Dropout (inference)', () => single('Dropout', [x(rnd([5, 3], 1))])],
  ['Gather axis 1, runtime data', () => single('Gather', [x(rnd([3, 5, 2], 1)), c('i', i64([4, 0, -1]))], { axis: 1 })],
  ['Gather scalar index', () => single('Gather', [x(rnd([3, 5], 1)), c('i', i64([2], []))], { axis: 0 })],
  ['Expand', () => single('Expand', [x(rnd([3, 1], 1)), c('s', i64([2, 1, 4]))])],
  ['Expand with 1s in shape', () => single('Expand', [x(rnd([2, 3, 1], 1)), c('s', i64([1, 1, 5]))])],
  ['Tile', () => single('Tile', [x(rnd([2, 3], 1)), c('r', i64([2, 3]))])],
  ['Pad constant (11)', () => single('Pad', [x(rnd([2, 3, 4, 5], 1)), c('p', i64([0, 0, 1, 2, 0, 0, 3, 0])), c('v', f32([1.5], []))], {}, 11)],
  ['Pad reflect', () => single('Pad', [x(rnd([1, 2, 4, 5], 1)), c('p', i64([0, 0, 2, 1, 0, 0, 1, 3]))], { mode: 'reflect' }, 13)],
  ['Pad edge', () => single('Pad', [x(rnd([1, 2, 4, 5], 1)), c('p', i64([0, 0, 2, 1, 0, 0, 1, 3]))], { mode: 'edge' }, 13)],
  ['Pad negative (crop)', () => single('Pad', [x(rnd([1, 2, 4, 5], 1)), c('p', i64([0, 0, -1, 2, 0, 0, 1, -2]))], {}, 13)],
  ['Pad opset 2 attribute', () => single('Pad', [x(rnd([2, 3], 1))], { pads: [1, 0, 0, 2], value: 0.5 }, 7)],
  ['Pad axes input (18)', () => single('Pad', [x(rnd([2, 3, 4], 1)), c('p', i64([1, 2, 0, 1])), { name: '' }, c('ax', i64([-1, 0]))], {}, 18)],
]);

run('shape arithmetic folded at plan time', [
  ['Shape -> Gather -> Unsqueeze -> Concat -> Reshape', () => graph(['N', 3, 4, 5], [2, 3, 4, 5], [
    { op: 'Shape', inputs: ['x'], outputs: ['s'] },
    { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
    { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'] },
    { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: 0 } },
    { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
  ], { zero: i64([0], []), ax0: i64([0]), minus1: i64([-1]) })],
  ['ConstantOfShape, Range, Cast, Equal, Where, Mul, Add, Div (int)', () => graph([2, 6], [2, 6], [
    { op: 'Shape', inputs: ['x'], outputs: ['s'] },
    { op: 'ConstantOfShape', inputs: ['s'], outputs: ['ones'], attrs: { value: f32([1], [1]) } },
    { op: 'Range', inputs: ['r0', 'r1', 'r2'], outputs: ['r'] },
    { op: 'Cast', inputs: ['r'], outputs: ['rf'], attrs: { to: 1 } },
    { op: 'Equal', inputs: ['s', 'two'], outputs: ['eq'] },
    { op: 'Where', inputs: ['eq', 'a', 'b'], outputs: ['w'] },
    { op: 'Div', inputs: ['w', 'two'], outputs: ['w2'] },
    { op: 'Cast', inputs: ['w2'], outputs: ['wf'], attrs: { to: 1 } },
    { op: 'Mul', inputs: ['x', 'ones'], outputs: ['m'] },
    { op: 'Add', inputs: ['m', 'rf'], outputs: ['m2'] },
    { op: 'Unsqueeze', inputs: ['wf', 'ax1'], outputs: ['wf1'] },
    { op: 'Add', inputs: ['m2', 'wf1'], outputs: ['y'] },
  ], { r0: i64([0], []), r1: i64([12], []), r2: i64([2], []), two: i64([2], []), a: i64([7, 9]), b: i64([-3, 5]), ax1: i64([1]) })],
  ['float ops over folded values (Shape -> Cast -> Sqrt -> Pow) fold too', () => graph(['N', 9], [2, 9], [
    { op: 'Shape', inputs: ['x'], outputs: ['s'] },
    { op: 'Gather', inputs: ['s', 'one'], outputs: ['d'], attrs: { axis: 0 } },
    { op: 'Cast', inputs: ['d'], outputs: ['df'], attrs: { to: 1 } },
    { op: 'Sqrt', inputs: ['df'], outputs: ['r'] },
    { op: 'Pow', inputs: ['r', 'e'], outputs: ['p'] },
    { op: 'Div', inputs: ['x', 'p'], outputs: ['y'] },
  ], { one: i64([1], []), e: f32([3], []) })],
  ['Cast float -> float, Where with runtime data', () => graph([2, 3], [2, 3], [
    { op: 'Cast', inputs: ['x'], outputs: ['xc'], attrs: { to: 1 } },
    { op: 'Where', inputs: ['cond', 'xc', 'other'], outputs: ['y'] },
  ], { cond: { data: new Uint8Array([1, 0, 1]), shape: [3], dtype: 'bool' }, other: f32([-7], []) })],
]);

run('reductions and softmax', [
  ['ReduceMean axes [2,3] keepdims (opset 13 attribute)', () => single('ReduceMean', [x(rnd(X4, 1))], { axes: [2, 3] }, 13)],
  ['ReduceMean axes [1,3] no keepdims', () => single('ReduceMean', [x(rnd(X4, 1))], { axes: [1, -1], keepdims: 0 }, 13)],
  ['ReduceMean all', () => single('ReduceMean', [x(rnd(X4, 1))], {}, 11)],
  ['ReduceMean opset 18 axes input', () => single('ReduceMean', [x(rnd(X4, 1)), c('a', i64([-2]))], {}, 18)],
  ['ReduceSum opset 11 attribute', () => single('ReduceSum', [x(rnd(X4, 1))], { axes: [0, 2] }, 11)],
  ['ReduceSum opset 13 axes input', () => single('ReduceSum', [x(rnd(X4, 1)), c('a', i64([1]))], { keepdims: 0 }, 13)],
  ['ReduceSum noop_with_empty_axes', () => single('ReduceSum', [x(rnd(X4, 1))], { noop_with_empty_axes: 1 }, 13)],
  ['ReduceMax', () => single('ReduceMax', [x(rnd(X4, 1))], { axes: [3] }, 13)],
  ['ReduceMin', () => single('ReduceMin', [x(rnd(X4, 1))], { axes: [0, 1] }, 13)],
  ['Softmax opset 13 axis default (-1)', () => single('Softmax', [x(rnd([2, 3, 7], 1, 5))], {}, 13)],
  ['Softmax opset 13 axis 1', () => single('Softmax', [x(rnd([2, 3, 7], 1, 5))], { axis: 1 }, 13)],
  ['Softmax opset 11 axis 1 (flattened)', () => single('Softmax', [x(rnd([2, 3, 7], 1, 5))], { axis: 1 }, 11)],
  ['Softmax opset 11 default axis', () => single('Softmax', [x(rnd([2, 3, 7], 1, 5))], {}, 11)],
  ['LogSoftmax opset 13', () => single('LogSoftmax', [x(rnd([4, 10], 1, 5))], {}, 13)],
]);

const W = (co: number, ci: number, k: number[], seed = 5) => rnd([co, ci, ...k], seed, 0.5);
run('conv and pools', [
  ['Conv pads bias', () => single('Conv', [x(rnd(X4, 1)), c('w', W(4, 3, [3, 3])), c('b', rnd([4], 6))], { pads: [1, 0, 2, 1], strides: [2, 1] })],
  ['Conv auto_pad SAME_UPPER stride 2', () => single('Conv', [x(rnd(X4, 1)), c('w', W(4, 3, [4, 3]))], { auto_pad: 'SAME_UPPER', strides: [2, 2] })],
  ['Conv auto_pad SAME_LOWER', () => single('Conv', [x(rnd(X4, 1)), c('w', W(4, 3, [4, 2]))], { auto_pad: 'SAME_LOWER', strides: [2, 3] })],
  ['Conv auto_pad VALID dilations', () => single('Conv', [x(rnd(X4, 1)), c('w', W(4, 3, [3, 3]))], { auto_pad: 'VALID', dilations: [2, 3] })],
  ['Conv depthwise group', () => single('Conv', [x(rnd([1, 6, 8, 8], 1)), c('w', W(6, 1, [3, 3]))], { group: 6, pads: [1, 1, 1, 1] })],
  ['ConvTranspose stride 2 pads', () => single('ConvTranspose', [x(rnd([2, 4, 5, 6], 1)), c('w', W(4, 3, [3, 3])), c('b', rnd([3], 6))], { strides: [2, 2], pads: [1, 1, 1, 1] })],
  ['ConvTranspose output_padding dilations group', () => single('ConvTranspose', [x(rnd([1, 4, 5, 6], 1)), c('w', W(4, 3, [3, 2]))], { strides: [3, 2], output_padding: [2, 1], dilations: [2, 1], group: 2 })],
  ['ConvTranspose asymmetric pads', () => single('ConvTranspose', [x(rnd([1, 2, 5, 4], 1)), c('w', W(2, 3, [4, 4]))], { strides: [2, 2], pads: [1, 2, 2, 1] })],
  ['ConvTranspose output_shape', () => single('ConvTranspose', [x(rnd([1, 2, 5, 4], 1)), c('w', W(2, 3, [3, 3]))], { strides: [2, 2], output_shape: [10, 8] })],
  ['ConvTranspose SAME_UPPER', () => single('ConvTranspose', [x(rnd([1, 2, 5, 4], 1)), c('w', W(2, 3, [4, 3]))], { strides: [2, 2], auto_pad: 'SAME_UPPER' })],
  ['ConvTranspose SAME_LOWER', () => single('ConvTranspose', [x(rnd([1, 2, 5, 4], 1)), c('w', W(2, 3, [4, 3]))], { strides: [2, 2], auto_pad: 'SAME_LOWER' })],
  ...(['MaxPool', 'AveragePool'] as const).flatMap((op): Case[] => [
    [`${op} 3x3 s2 p1`, () => single(op, [x(rnd(X4, 1))], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })],
    [`${op} ceil_mode`, () => single(op, [x(rnd(X4, 1))], { kernel_shape: [3, 2], strides: [2, 2], ceil_mode: 1 })],
    [`${op} ceil_mode with pads`, () => single(op, [x(rnd([1, 2, 10, 7], 1))], { kernel_shape: [3, 3], strides: [2, 3], pads: [1, 1, 1, 1], ceil_mode: 1 })],
    [`${op} SAME_UPPER`, () => single(op, [x(rnd(X4, 1))], { kernel_shape: [3, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' })],
    [`${op} SAME_LOWER`, () => single(op, [x(rnd(X4, 1))], { kernel_shape: [4, 3], strides: [3, 2], auto_pad: 'SAME_LOWER' })],
    [`${op} VALID`, () => single(op, [x(rnd(X4, 1))], { kernel_shape: [2, 2], auto_pad: 'VALID' })],
    [`${op} pads up to kernel - 1`, () => single(op, [x(rnd(X4, 1))], { kernel_shape: [3, 4], strides: [1, 2], pads: [2, 3, 1, 3] })],
    [`${op} pads up to kernel - 1, ceil_mode`, () => single(op, [x(rnd(X4, 1))], { kernel_shape: [3, 3], strides: [2, 2], pads: [2, 0, 2, 2], ceil_mode: 1 })],
  ]),
  ['AveragePool count_include_pad', () => single('AveragePool', [x(rnd(X4, 1))], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 })],
  ['AveragePool count_include_pad ceil_mode', () => single('AveragePool', [x(rnd([1, 2, 10, 7], 1))], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1, ceil_mode: 1 })],
  ['AveragePool count_include_pad, pads up to kernel - 1', () => single('AveragePool', [x(rnd(X4, 1))], { kernel_shape: [3, 4], strides: [2, 2], pads: [2, 3, 1, 2], count_include_pad: 1 })],
  ['AveragePool count_include_pad, big pads, ceil_mode', () => single('AveragePool', [x(rnd(X4, 1))], { kernel_shape: [3, 3], strides: [2, 2], pads: [2, 2, 2, 2], count_include_pad: 1, ceil_mode: 1 })],
  ['MaxPool dilations', () => single('MaxPool', [x(rnd(X4, 1))], { kernel_shape: [2, 3], dilations: [2, 2], pads: [1, 1, 1, 1] })],
  ['MaxPool dilations, big pads', () => single('MaxPool', [x(rnd(X4, 1))], { kernel_shape: [3, 3], dilations: [2, 1], pads: [2, 2, 2, 2], strides: [2, 1] })],
  ['GlobalAveragePool', () => single('GlobalAveragePool', [x(rnd(X4, 1))])],
  ['GlobalMaxPool', () => single('GlobalMaxPool', [x(rnd(X4, 1))])],
  ['BatchNormalization', () => single('BatchNormalization', [x(rnd(X4, 1)), c('s', rnd([3], 2)), c('b', rnd([3], 3)), c('m', rnd([3], 4)), c('v', { ...rnd([3], 5), data: Float32Array.from([0.5, 1, 2]) })], { epsilon: 1e-3 })],
  ['LayerNormalization (17) axis -1', () => single('LayerNormalization', [x(rnd([2, 5, 16], 1, 3)), c('s', rnd([16], 2)), c('b', rnd([16], 3))], { epsilon: 1e-5 }, 17)],
  ['LayerNormalization (17) axis 1, no bias', () => single('LayerNormalization', [x(rnd([2, 3, 4, 5], 1, 3)), c('s', rnd([3, 4, 5], 2))], { axis: 1 }, 17)],
  ['BatchNormalization rank 2', () => single('BatchNormalization', [x(rnd([4, 3], 1)), c('s', rnd([3], 2)), c('b', rnd([3], 3)), c('m', rnd([3], 4)), c('v', f32([0.5, 1, 2]))])],
]);

run('matrix products', [
  ['Gemm transB with C [N]', () => single('Gemm', [x(rnd([5, 7], 1)), c('w', rnd([3, 7], 2)), c('c', rnd([3], 3))], { transB: 1 })],
  ['Gemm transA alpha beta, C [M, N]', () => single('Gemm', [x(rnd([7, 5], 1)), c('w', rnd([7, 3], 2)), c('c', rnd([5, 3], 3))], { transA: 1, alpha: 0.5, beta: 2 })],
  ['Gemm C [1, N]', () => single('Gemm', [x(rnd([5, 7], 1)), c('w', rnd([7, 3], 2)), c('c', rnd([1, 3], 3))])],
  ['Gemm C [M, 1]', () => single('Gemm', [x(rnd([5, 7], 1)), c('w', rnd([7, 3], 2)), c('c', rnd([5, 1], 3))])],
  ['Gemm C scalar', () => single('Gemm', [x(rnd([5, 7], 1)), c('w', rnd([7, 3], 2)), c('c', f32([0.5], []))], { beta: 3 })],
  ['Gemm C runtime [1]', () => single('Gemm', [x(rnd([5, 7], 1)), c('w', rnd([7, 3], 2)), { name: 'cc', t: rnd([1], 3) }])],
  ['Gemm no C', () => single('Gemm', [x(rnd([5, 7], 1)), c('w', rnd([7, 3], 2))])],
  // Linear layers: beta on a bias row; a small batch of a wide layer; more rows than a tile.
  ['Gemm linear beta 0.5 C [1, N]', () => single('Gemm', [x(rnd([3, 40], 1)), c('w', rnd([40, 37], 2)), c('c', rnd([1, 37], 3))], { beta: 0.5 })],
  ['Gemm linear 4 x 300 -> 200 transB', () => single('Gemm', [x(rnd([4, 300], 1)), c('w', rnd([200, 300], 2)), c('c', rnd([200], 3))], { transB: 1 })],
  ['Gemm linear 19 x 70 -> 150 no C', () => single('Gemm', [x(rnd([19, 70], 1)), c('w', rnd([70, 150], 2))])],
  ['MatMul 2-D', () => single('MatMul', [x(rnd([5, 7], 1)), c('w', rnd([7, 3], 2))])],
  ['MatMul batched broadcast', () => single('MatMul', [x(rnd([2, 1, 5, 7], 1)), { name: 'b', t: rnd([3, 7, 4], 2) }])],
  ['MatMul vector', () => single('MatMul', [x(rnd([2, 5, 7], 1)), c('v', rnd([7], 2))])],
]);

const NCHW = [2, 3, 5, 4];
run('resize', [
  ['Resize nearest asymmetric floor scales 2 (PyTorch)', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, c('sc', f32([1, 1, 2, 2]))], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' })],
  ['Resize nearest asymmetric floor scales 3, 1.5', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, c('sc', f32([1, 1, 3, 1.5]))], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' })],
  ['Resize nearest sizes', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, { name: '' }, c('sz', i64([2, 3, 7, 13]))], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' })],
  ['Resize nearest default (half_pixel, round_prefer_floor)', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, c('sc', f32([1, 1, 2.5, 1.75]))])],
  ['Resize nearest round_prefer_ceil', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, c('sc', f32([1, 1, 2, 3]))], { nearest_mode: 'round_prefer_ceil' })],
  ['Resize nearest ceil, align_corners', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, c('sc', f32([1, 1, 2, 3]))], { nearest_mode: 'ceil', coordinate_transformation_mode: 'align_corners' })],
  ['Resize nearest tf_half_pixel_for_nn', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, c('sc', f32([1, 1, 2, 0.5]))], { coordinate_transformation_mode: 'tf_half_pixel_for_nn' })],
  ['Resize linear half_pixel scales 2', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, c('sc', f32([1, 1, 2, 2]))], { mode: 'linear' })],
  ['Resize linear pytorch_half_pixel sizes', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, { name: '' }, c('sz', i64([2, 3, 9, 1]))], { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' })],
  ['Resize linear align_corners sizes', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, { name: '' }, c('sz', i64([2, 3, 9, 7]))], { mode: 'linear', coordinate_transformation_mode: 'align_corners' })],
  ['Resize linear asymmetric scales 1.5', () => single('Resize', [x(rnd(NCHW, 1)), { name: '' }, c('sc', f32([1, 1, 1.5, 2.5]))], { mode: 'linear', coordinate_transformation_mode: 'asymmetric' })],
  ['Resize linear half_pixel downscale', () => single('Resize', [x(rnd([1, 2, 9, 8], 1)), { name: '' }, c('sc', f32([1, 1, 0.5, 0.75]))], { mode: 'linear' })],
  ['Resize opset 11 with roi input', () => single('Resize', [x(rnd(NCHW, 1)), c('roi', f32([])), c('sc', f32([1, 1, 2, 2]))], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, 11)],
  ['Resize opset 10 (scales)', () => single('Resize', [x(rnd(NCHW, 1)), c('sc', f32([1, 1, 2, 3]))], { mode: 'nearest' }, 10)],
  ['Resize opset 10 linear', () => single('Resize', [x(rnd(NCHW, 1)), c('sc', f32([1, 1, 2, 1.5]))], { mode: 'linear' }, 10)],
  ['Upsample opset 9 nearest', () => single('Upsample', [x(rnd(NCHW, 1)), c('sc', f32([1, 1, 2, 3]))], { mode: 'nearest' }, 9)],
  ['Upsample opset 7 attribute linear', () => single('Upsample', [x(rnd(NCHW, 1))], { mode: 'linear', scales: [1, 1, 2, 2] }, 7)],
]);
