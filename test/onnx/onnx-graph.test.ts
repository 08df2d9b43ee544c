// test/helpers/onnx-graph.ts builds models onnxruntime-node accepts, with the attributes and
// int64 initializers it means: a few graphs checked against direct loops.
import { describe, expect, it } from 'vitest';
import { onnx } from 'onnx-proto';
import { attr, buildModel, f32, i64, runOrt } from '../helpers/onnx-graph';
import { maxErrors } from '../helpers/onnx-fixtures';

function seq(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.7 + seed) * 1.5;
  return out;
}

describe('onnx-graph buildModel + runOrt', () => {
  it('infers attribute types; int64 initializers; dynamic dims', () => {
    const bytes = buildModel({
      opset: 11,
      inputs: [{ name: 'x', shape: ['N', 3] }],
      outputs: [{ name: 'y', shape: ['N', 3] }],
      nodes: [{ op: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attrs: { alpha: 1, strs: ['a', 'b'], k: 2, ks: [1, 2], fs: [0.5, 1], t: f32([1, 2]), fi: attr.floats([1, 2]), mode: 'x' } }],
      initializers: { s: i64([2, -1]) },
    });
    const m = onnx.ModelProto.decode(bytes);
    const graph = m.graph as onnx.GraphProto;
    expect(Number(m.irVersion)).toBe(8);
    expect(Number(m.opsetImport[0].version)).toBe(11);
    const T = onnx.AttributeProto.AttributeType;
    const types = Object.fromEntries((graph.node[0] as onnx.NodeProto).attribute.map((a) => [a.name, a.type]));
    expect(types).toEqual({ alpha: T.FLOAT, strs: T.STRINGS, k: T.INT, ks: T.INTS, fs: T.FLOATS, t: T.TENSOR, fi: T.FLOATS, mode: T.STRING });
    expect((graph.input[0].type as onnx.TypeProto).tensorType!.shape!.dim![0].dimParam).toBe('N');
    // decode gives Node Buffers (slices of a shared pool; Buffer.slice does not copy): copy first.
    expect(graph.initializer[0].dataType).toBe(onnx.TensorProto.DataType.INT64);
    expect([...new BigInt64Array(new Uint8Array(graph.initializer[0].rawData!).buffer)]).toEqual([2n, -1n]);
  });

  it('Conv with pads, strides and bias', async () => {
    const [N, C, H, W, K, R, S] = [2, 3, 6, 5, 4, 3, 2];
    const pads = [1, 0, 2, 1]; // top, left, bottom, right
    const strides = [2, 1];
    const x = seq(N * C * H * W, 1);
    const w = seq(K * C * R * S, 2);
    const b = seq(K, 3);
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['N', C, H, W] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { pads, strides, kernel_shape: [R, S] } }],
      initializers: { w: { data: w, shape: [K, C, R, S] }, b: { data: b, shape: [K] } },
    });
    const { y } = await runOrt(bytes, { x: { data: x, shape: [N, C, H, W] } });
    const OH = Math.floor((H + pads[0] + pads[2] - R) / strides[0]) + 1;
    const OW = Math.floor((W + pads[1] + pads[3] - S) / strides[1]) + 1;
    expect(y.dims).toEqual([N, K, OH, OW]);
    const want = new Float32Array(N * K * OH * OW);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      let s = b[k];
      for (let c = 0; c < C; c++) for (let r = 0; r < R; r++) for (let q = 0; q < S; q++) {
        const ih = oh * strides[0] - pads[0] + r;
        const iw = ow * strides[1] - pads[1] + q;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += x[((n * C + c) * H + ih) * W + iw] * w[((k * C + c) * R + r) * S + q];
      }
      want[((n * K + k) * OH + oh) * OW + ow] = s;
    }
    expect(maxErrors(y.data as Float32Array, want).rel).toBeLessThan(1e-5);
  });

  it('MaxPool with ceil_mode', async () => {
    const [N, C, H, W] = [1, 2, 7, 6];
    const x = seq(N * C * H * W, 4);
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [N, C, H, W] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }],
    });
    const { y } = await runOrt(bytes, { x: { data: x, shape: [N, C, H, W] } });
    const OH = Math.ceil((H - 3) / 2) + 1; // 3 (floor would give 3 too for H = 7), W: ceil(3/2)+1 = 3 vs floor 2
    const OW = Math.ceil((W - 3) / 2) + 1;
    expect(y.dims).toEqual([N, C, OH, OW]);
    const want: number[] = [];
    for (let c = 0; c < C; c++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      let m = -Infinity;
      for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) {
        const ih = oh * 2 + r;
        const iw = ow * 2 + q;
        if (ih < H && iw < W) m = Math.max(m, x[(c * H + ih) * W + iw]);
      }
      want.push(m);
    }
    expect([...(y.data as Float32Array)]).toEqual(want.map(Math.fround));
  });

  it('Reshape with an int64 initializer (0 and -1), dynamic batch', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['N', 2, 3, 4] }],
      outputs: [{ name: 'y', shape: ['N', 'M'] }],
      nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
      initializers: { shape: i64([0, -1]) },
    });
    const x = seq(3 * 24, 5);
    const { y } = await runOrt(bytes, { x: { data: x, shape: [3, 2, 3, 4] } });
    expect(y.dims).toEqual([3, 24]);
    expect(y.data).toEqual(x);
  });

  it('Gemm with transB, alpha, beta and C of shape [1, N]', async () => {
    const [M, K, N] = [3, 5, 4];
    const a = seq(M * K, 6);
    const b = seq(N * K, 7); // [N, K], transB
    const c = seq(N, 8);
    const bytes = buildModel({
      inputs: [{ name: 'a', shape: ['M', K] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'], attrs: { transB: 1, alpha: 0.5, beta: 2 } }],
      initializers: { b: { data: b, shape: [N, K] }, c: { data: Array.from(c), shape: [1, N] } },
    });
    const { y } = await runOrt(bytes, { a: { data: a, shape: [M, K] } });
    expect(y.dims).toEqual([M, N]);
    const want = new Float32Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[j * K + k];
      want[i * N + j] = 0.5 * s + 2 * c[j];
    }
    expect(maxErrors(y.data as Float32Array, want).rel).toBeLessThan(1e-5);
  });

  it('Slice with int64 starts/ends/axes/steps and Pad with int64 pads (a two-node graph)', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [2, 6] }],
      outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['s'] },
        { op: 'Pad', inputs: ['s', 'pads', 'v'], outputs: ['y'], attrs: { mode: 'constant' } },
      ],
      initializers: { starts: i64([1]), ends: i64([6]), axes: i64([1]), steps: i64([2]), pads: i64([0, 1, 0, 0]), v: f32([9], []) },
    });
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    const { y } = await runOrt(bytes, { x: { data: x, shape: [2, 6] } });
    expect(y.dims).toEqual([2, 4]);
    expect([...(y.data as Float32Array)]).toEqual([9, 1, 3, 5, 9, 7, 9, 11]);
  });
});
