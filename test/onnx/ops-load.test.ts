// What convkit refuses, and where: unsupported op types and attribute values fail at
// onnx.load naming the node, the op type and the attribute; inputs it cannot run fail at the
// first run naming the node. And which path a node takes (summary notes).
import { describe, expect, it } from 'vitest';
import { onnx, Tensor } from '../../lib/index';
import { rnd, single } from '../helpers/onnx-check';
import { buildModel, f32, i64 } from '../helpers/onnx-graph';

const x = { name: 'x', t: rnd([1, 2, 6, 6], 1) };
const load = (s: ReturnType<typeof single>) => onnx.loadSync(buildModel(s.spec), { optimize: false });

describe('onnx.load refuses what convkit does not run, naming node, op and attribute', () => {
  const cases: [string, ReturnType<typeof single>, RegExp][] = [
    ['an unknown op type', single('LSTM', [x]), /^onnx\.load: node "LSTM_node" has op type LSTM, which convkit does not run/],
    ['an op of another domain', { ...single('Relu', [x]), spec: { ...single('Relu', [x]).spec, nodes: [{ op: 'FusedConv', domain: 'com.microsoft', inputs: ['x'], outputs: ['y'], name: 'fc' }] } }, /node "fc" has op type com\.microsoft\.FusedConv, which convkit does not run/],
    ['MaxPool storage_order 1', single('MaxPool', [x], { kernel_shape: [2, 2], storage_order: 1 }), /node "MaxPool_node" \(MaxPool\) attribute "storage_order" is 1/],
    ['MaxPool Indices output', single('MaxPool', [x], { kernel_shape: [2, 2] }, 13, ['y', 'idx']), /node "MaxPool_node" \(MaxPool\) asks for its Indices output/],
    ['Conv with a 3-D kernel_shape', single('Conv', [x, { name: 'w', t: rnd([1, 2, 1, 3, 3], 2), init: true }], { kernel_shape: [1, 3, 3] }), /node "Conv_node" \(Conv\) attribute "kernel_shape" is \[1,3,3\]/],
    ['Conv 3-D pads', single('Conv', [x, { name: 'w', t: rnd([1, 2, 3, 3], 2), init: true }], { pads: [1, 1, 1, 1, 1, 1] }), /node "Conv_node" \(Conv\) attribute "pads"/],
    ['Resize mode cubic', single('Resize', [x, { name: '' }, { name: 's', t: f32([1, 1, 2, 2]), init: true }], { mode: 'cubic' }), /node "Resize_node" \(Resize\) attribute "mode" is "cubic"; convkit runs "nearest", "linear"/],
    ['Resize tf_crop_and_resize', single('Resize', [x, { name: '' }, { name: 's', t: f32([1, 1, 2, 2]), init: true }], { coordinate_transformation_mode: 'tf_crop_and_resize' }), /attribute "coordinate_transformation_mode" is "tf_crop_and_resize"/],
    ['Resize exclude_outside', single('Resize', [x, { name: '' }, { name: 's', t: f32([1, 1, 2, 2]), init: true }], { exclude_outside: 1 }), /node "Resize_node" \(Resize\) attribute "exclude_outside" is 1/],
    ['Resize antialias (18)', single('Resize', [x, { name: '' }, { name: 's', t: f32([1, 1, 2, 2]), init: true }], { antialias: 1 }, 18), /attribute "antialias" is 1/],
    ['Pad mode wrap', single('Pad', [x, { name: 'p', t: i64([0, 0, 1, 1, 0, 0, 1, 1]), init: true }], { mode: 'wrap' }), /node "Pad_node" \(Pad\) attribute "mode" is "wrap"/],
    ['Cast to string', single('Cast', [x], { to: 8 }), /node "Cast_node" \(Cast\) attribute "to" is element type #8/],
    ['an attribute an op does not have', single('Relu', [x], { foo: 1 }), /node "Relu_node" \(Relu\) attribute "foo" is not supported by convkit for Relu/],
    ['BatchNormalization training_mode', single('BatchNormalization', [x, ...['s', 'b', 'm', 'v'].map((n) => ({ name: n, t: f32([1, 1]), init: true }))], { training_mode: 1 }, 14), /attribute "training_mode" is 1/],
    ['ConvTranspose 3-D output_padding', single('ConvTranspose', [x, { name: 'w', t: rnd([2, 1, 3, 3], 2), init: true }], { output_padding: [0, 0, 0] }), /node "ConvTranspose_node" \(ConvTranspose\) attribute "output_padding"/],
    ['Split with too many inputs', single('Split', [x, { name: 'a', t: i64([3, 3]), init: true }, { name: 'b', t: i64([1]), init: true }], { axis: 2 }, 13, ['y0', 'y1']), /node "Split_node" \(Split\) has 3 inputs; Split takes 1 to 2/],
  ];
  for (const [what, s, re] of cases) it(what, () => expect(() => load(s)).toThrow(re));
});

// Shapes known at load (all but the batch): onnx.load plans for batch 1, so these fail there.
describe('plan-time refusals name the node (at load, through the batch-1 plan)', () => {
  it('Resize of the channel axis', () => {
    expect(() => load(single('Resize', [x, { name: '' }, { name: 's', t: f32([1, 2, 2, 2]), init: true }]))).toThrow(/^onnx\.load: the given bytes: node "Resize_node" \(Resize\): scales \[1, 2, 2, 2\] must be \[1, 1, sh, sw\]/);
  });
  it('a cast of float data to int64 at run time', () => {
    const s = single('Cast', [x], { to: 7 });
    s.spec.outputs = [{ name: 'y', type: 'int64' }];
    expect(() => load(s)).toThrow(/^onnx\.load: the given bytes: node "Cast_node" \(Cast\): casts float32 values from the model's inputs to int64 at run time/);
  });
  it('Slice with starts computed from the inputs', () => {
    const s = single('Slice', [x, { name: 'st' , t: i64([0]) }, { name: 'e', t: i64([2]), init: true }]);
    s.spec.inputs = [{ name: 'x', shape: [1, 2, 6, 6] }, { name: 'st', shape: [1], type: 'int64' }];
    expect(() => onnx.loadSync(buildModel(s.spec))).toThrow(/input "st" is int64; convkit runs float32 inputs/);
  });
});

describe('the path each node takes', () => {
  const notes = (s: ReturnType<typeof single>) => load(s).summary([[...x.t.shape]]);
  it("PyTorch's nearest and bilinear exports run on upsample2d", () => {
    const sc = { name: 's', t: f32([1, 1, 2, 2]), init: true };
    expect(notes(single('Resize', [x, { name: '' }, sc], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }))).toMatch(/upsample2d nearest/);
    expect(notes(single('Resize', [x, { name: '' }, sc], { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }))).toMatch(/upsample2d bilinear/);
    expect(notes(single('Resize', [x, { name: '' }, sc], { mode: 'linear', coordinate_transformation_mode: 'align_corners' }))).toMatch(/upsample2d bilinear/);
    // half_pixel + round_prefer_floor picks floor(i / 2) at scale 2 (upsample2d); round_prefer_ceil at 2.5 differs (the TS loop).
    expect(notes(single('Resize', [x, { name: '' }, sc], { mode: 'nearest' }))).toMatch(/upsample2d nearest/);
    expect(notes(single('Resize', [x, { name: '' }, { ...sc, t: f32([1, 1, 2.5, 2.5]) }], { mode: 'nearest', nearest_mode: 'round_prefer_ceil' }))).toMatch(/ts nearest half_pixel/);
  });
  it('pools with pads past half the kernel pad explicitly; others call the kernel directly', () => {
    expect(notes(single('MaxPool', [x], { kernel_shape: [3, 3], pads: [2, 2, 2, 2] }))).toMatch(/padded explicitly/);
    expect(notes(single('MaxPool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }))).not.toMatch(/padded explicitly/);
  });
});
