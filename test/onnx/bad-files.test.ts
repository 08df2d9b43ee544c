// Bad model files and bad feeds: each a clear TypeError/RangeError naming the file, node,
// value or input; never a crash, a hang or another error class (a mutation fuzz checks that).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx as pb } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { onnx, Tensor, randn } from '../../lib/index';

type NodeSpec = { op: string; inputs: string[]; outputs: string[]; name?: string; attrs?: pb.IAttributeProto[] };

function floatTensor(name: string, dims: number[], values?: number[]): pb.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, dataType: 1, floatData: values ?? Array.from({ length: n }, (_, i) => ((i * 7) % 5) / 10 - 0.2) };
}

function model(opts: { nodes: NodeSpec[]; inits?: pb.ITensorProto[]; inputs?: [string, (number | string)[]][]; outputs?: string[]; opset?: number; elemType?: number }): Uint8Array {
  const vi = (name: string, shape: (number | string)[] | null, elemType = 1): pb.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: shape ? { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined } },
  });
  return pb.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: opts.opset ?? 13 }],
    graph: {
      name: 'g',
      node: opts.nodes.map((n, i) => ({ opType: n.op, input: n.inputs, output: n.outputs, name: n.name ?? `n${i}`, attribute: n.attrs ?? [] })),
      initializer: opts.inits ?? [],
      input: (opts.inputs ?? [['x', ['N', 2, 5, 5]]]).map(([n, s]) => vi(n, s, opts.elemType)),
      output: (opts.outputs ?? ['y']).map((n) => vi(n, null)),
    },
  }).finish();
}

/** conv (2 -> 3 channels, 3x3, pad 1) then relu: the valid model the bad ones start from. */
const good = () => model({
  nodes: [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }] },
    { op: 'Relu', inputs: ['c'], outputs: ['y'] },
  ],
  inits: [floatTensor('w', [3, 2, 3, 3]), floatTensor('b', [3], [0.1, -0.2, 0.3])],
});

describe('onnx.load: bad files', () => {
  it('loads the good model and runs it (the baseline the others break)', async () => {
    const m = await onnx.load(good());
    expect(m.inputs).toEqual([{ name: 'x', shape: ['N', 2, 5, 5], type: 'float32' }]);
    const { y } = m.runSync({ x: randn([2, 2, 5, 5], { seed: 1 }) });
    expect(y.shape).toEqual([2, 3, 5, 5]);
  });

  it('a truncated file', async () => {
    const bytes = good();
    await expect(onnx.load(bytes.subarray(0, Math.floor(bytes.length / 2)))).rejects.toThrow(/onnx\.load: the given bytes is not an ONNX model/);
  });

  it('bytes that are not protobuf, and an empty file', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
    await expect(onnx.load(png)).rejects.toThrow(TypeError);
    await expect(onnx.load(new Uint8Array(0))).rejects.toThrow(/not an ONNX model/);
  });

  it('a file path that does not exist, and a wrong argument', async () => {
    await expect(onnx.load('/nonexistent/model.onnx')).rejects.toThrow(/onnx\.load: cannot read \/nonexistent\/model\.onnx \(ENOENT\)/);
    await expect(onnx.load(42 as never)).rejects.toThrow(TypeError);
    await expect(onnx.load(good(), { threads: 0 })).rejects.toThrow(RangeError);
    await expect(onnx.load(good(), { thread: 2 } as never)).rejects.toThrow(/unknown option "thread"/);
  });

  it('a missing initializer names the node and the value', async () => {
    const bytes = model({ nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'conv1' }] });
    await expect(onnx.load(bytes)).rejects.toThrow(/node "conv1" \(Conv\) reads "w", which no node, input or initializer produces/);
  });

  it('a cycle', async () => {
    const bytes = model({
      nodes: [
        { op: 'Add', inputs: ['x', 'b'], outputs: ['a'], name: 'add1' },
        { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'relu1' },
        { op: 'Relu', inputs: ['a'], outputs: ['y'] },
      ],
    });
    await expect(onnx.load(bytes)).rejects.toThrow(/cycle through node "add1"/);
  });

  it('an output nobody produces, and a value produced twice', async () => {
    await expect(onnx.load(model({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }], outputs: ['y'] }))).rejects.toThrow(/graph output "y" is produced by no node/);
    await expect(onnx.load(model({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }, { op: 'Relu', inputs: ['x'], outputs: ['y'] }] }))).rejects.toThrow(/"y" is produced twice/);
  });

  it('dims of 2^40 in an initializer and in an input', async () => {
    const big = model({ nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], inits: [{ name: 'w', dims: [2 ** 40], dataType: 1, rawData: new Uint8Array(8) }] });
    await expect(onnx.load(big)).rejects.toThrow(RangeError);
    await expect(onnx.load(big)).rejects.toThrow(/initializer "w".*dimension 1099511627776/);
    const bigIn = model({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [['x', [2 ** 40, 2]]] });
    await expect(onnx.load(bigIn)).rejects.toThrow(/input "x" dimension 0 is 1099511627776/);
    const many = model({ nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], inits: [{ name: 'w', dims: [65536, 65536, 4], dataType: 1, rawData: new Uint8Array(8) }] });
    await expect(onnx.load(many)).rejects.toThrow(/more than convkit allocates/);
  });

  it('initializer data that does not match its shape', async () => {
    const short = model({ nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], inits: [{ name: 'w', dims: [5], dataType: 1, rawData: new Uint8Array(12) }] });
    await expect(onnx.load(short)).rejects.toThrow(/initializer "w" holds 12 bytes of data, expected 20/);
    const few = model({ nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], inits: [{ name: 'w', dims: [5], dataType: 1, floatData: [1, 2] }] });
    await expect(onnx.load(few)).rejects.toThrow(/holds 2 elements, expected 5/);
  });

  it('an op convkit does not run names the node and the op type; a bad attribute names the attribute', async () => {
    await expect(onnx.load(model({ nodes: [{ op: 'LSTM', inputs: ['x'], outputs: ['y'], name: '/layer1/LSTM' }] }))).rejects.toThrow('onnx.load: node "/layer1/LSTM" has op type LSTM, which convkit does not run');
    await expect(onnx.load(model({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'r' }], opset: 3 }))).rejects.toThrow(/opset 3/);
    const badAttr = model({ nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], name: 'pool', attrs: [{ name: 'kernel_shape', type: 7, ints: [2, 2] }, { name: 'storage_order', type: 2, i: 1 }] }] });
    await expect(onnx.load(badAttr)).rejects.toThrow(/node "pool" \(MaxPool\) attribute "storage_order"/);
    const conv3d = model({ nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'c3', attrs: [{ name: 'strides', type: 7, ints: [1, 1, 1] }] }], inits: [floatTensor('w', [3, 2, 3, 3])] });
    await expect(onnx.load(conv3d)).rejects.toThrow(/node "c3" \(Conv\) attribute "strides"/);
  });

  it('a shape error surfaces at load (the plan for batch 1) naming the node', async () => {
    const bytes = model({ nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'conv1' }], inits: [floatTensor('w', [3, 4, 3, 3])] });
    await expect(onnx.load(bytes)).rejects.toThrow(/onnx\.load: the given bytes: node "conv1" \(Conv\): conv2d: x has 2 channels but w expects 4/);
  });

  it('non-float32 inputs are refused at load', async () => {
    await expect(onnx.load(model({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], elemType: 7 }))).rejects.toThrow(/input "x" is int64; convkit runs float32 inputs/);
  });

  it('external data: by bytes, missing file, and a location outside the model directory', async () => {
    const ext = (location: string) => model({
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
      inits: [{ name: 'w', dims: [5], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: location }] }],
      inputs: [['x', [5]]],
    });
    await expect(onnx.load(ext('w.bin'))).rejects.toThrow(/stored in the external file "w\.bin", but the model was given as bytes/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-onnx-'));
    try {
      fs.writeFileSync(path.join(dir, 'm.onnx'), ext('w.bin'));
      await expect(onnx.load(path.join(dir, 'm.onnx'))).rejects.toThrow(/cannot read its external data .*w\.bin \(ENOENT\)/);
      fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.from(new Float32Array([1, 2, 3, 4, 5]).buffer));
      const m = await onnx.load(path.join(dir, 'm.onnx'));
      expect(Array.from(m.runSync({ x: new Tensor(new Float32Array(5), [5]) }).y.data)).toEqual([1, 2, 3, 4, 5]);
      fs.writeFileSync(path.join(dir, 'up.onnx'), ext('../w.bin'));
      await expect(onnx.load(path.join(dir, 'up.onnx'))).rejects.toThrow(/leaves the model's directory/);
      fs.writeFileSync(path.join(dir, 'abs.onnx'), ext('/etc/passwd'));
      await expect(onnx.load(path.join(dir, 'abs.onnx'))).rejects.toThrow(/leaves the model's directory/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mutated files: only TypeError or RangeError, never a crash (seeded byte flips)', async () => {
    const bytes = good();
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    let loaded = 0, refused = 0;
    for (let t = 0; t < 300; t++) {
      const b = bytes.slice();
      const flips = 1 + Math.floor(rnd() * 4);
      for (let f = 0; f < flips; f++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      try {
        const m = onnx.loadSync(b);
        loaded++;
        try { m.runSync({ x: randn([1, 2, 5, 5], { seed: t }) }); } catch (err) { expect(err, `run of mutation ${t}`).toSatisfy((e: unknown) => e instanceof TypeError || e instanceof RangeError); }
      } catch (err) {
        refused++;
        expect(err, `mutation ${t}: ${(err as Error).message}`).toSatisfy((e: unknown) => e instanceof TypeError || e instanceof RangeError);
      }
    }
    expect(loaded + refused).toBe(300);
    expect(refused).toBeGreaterThan(0);
  });
});

describe('model.run / runSync: bad feeds', () => {
  it('a wrong shape, a wrong dtype, a missing or unknown input; run() rejects the same way', async () => {
    const m = await onnx.load(good());
    const x = randn([1, 2, 5, 5]);
    expect(() => m.runSync({ x: randn([1, 3, 5, 5]) })).toThrow('model.runSync: input "x" has shape [1, 3, 5, 5], the model expects [N, 2, 5, 5]');
    expect(() => m.runSync({ x: randn([2, 5, 5]) })).toThrow(RangeError);
    expect(() => m.runSync({ x: new Tensor(new Int32Array(50), [1, 2, 5, 5]) as never })).toThrow(/must be float32/);
    expect(() => m.runSync({} as never)).toThrow(/input "x" is missing/);
    expect(() => m.runSync({ x, X: x } as never)).toThrow(/the model has no input "X" \(did you mean "x"\?\)/);
    expect(() => m.runSync(x as never)).toThrow(/feeds must be an object/);
    expect(() => m.runSync({ x: { data: new Float32Array(50), shape: [1, 2, 5, 5] } } as never)).toThrow(/must be a Tensor/);
    await expect(m.run({ x: randn([1, 3, 5, 5]) })).rejects.toThrow(RangeError);
    await expect(m.run(null as never)).rejects.toThrow(TypeError);
    await m.close();
  });
});
