// The ONNX fixtures are right, independently of convkit: every exported model runs in
// onnxruntime-node at batch 1 and batch 3 (the batch axis is dynamic) and gives PyTorch's stored
// outputs; together the fixtures cover onnx.load's op list.
import * as path from 'node:path';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { onnx } from 'onnx-proto';
import { maxErrors, ONNX_FIXTURES, onnxFixtures, readSafetensorsFile } from '../helpers/onnx-fixtures';
import { runOrt } from '../helpers/onnx-graph';

// Relative to the output's largest magnitude. float32 PyTorch vs ORT (different summation
// orders, ORT's fused Conv+Add+Relu, its Erf and Sigmoid approximations): seen up to 1.2e-5 (mobilenet_v2).
const TOLERANCE = 1e-4;

const opsSeen = new Set<string>();
const worst: Record<string, number> = {};

describe('ONNX fixtures on onnxruntime-node', () => {
  for (const m of onnxFixtures()) {
    for (const [opset, file] of Object.entries(m.onnx)) {
      it(`${file} (${m.note})`, async () => {
        const bytes = fs.readFileSync(path.join(ONNX_FIXTURES, file));
        const proto = onnx.ModelProto.decode(bytes);
        const graph = proto.graph as onnx.GraphProto;
        expect(proto.opsetImport.find((o) => (o.domain ?? '') === '')?.version?.toString()).toBe(opset);
        for (const n of graph.node) opsSeen.add(n.opType!);
        const graphInputs = graph.input.map((v) => v.name).filter((n) => !graph.initializer.some((t) => t.name === n));
        expect(graphInputs).toEqual(m.inputs.map((i) => i.name));
        expect(graph.output.map((v) => v.name)).toEqual(m.outputs.map((o) => o.name));
        for (const v of [...graph.input.filter((i) => graphInputs.includes(i.name!)), ...graph.output]) {
          expect((v.type as onnx.TypeProto).tensorType!.shape!.dim![0].dimParam, `${v.name} batch axis`).toBe('N');
        }
        const io = readSafetensorsFile(path.join(ONNX_FIXTURES, m.io));
        for (const batch of [1, 3]) {
          const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, io[`${i.name}_b${batch}`]]));
          const got = await runOrt(bytes, feeds);
          for (const o of m.outputs) {
            const want = io[`${o.name}_b${batch}`];
            expect(want.shape).toEqual([batch, ...o.shape.slice(1)]);
            expect(got[o.name].dims, `${o.name} at batch ${batch}`).toEqual(want.shape);
            const err = maxErrors(got[o.name].data as Float32Array, want.data as Float32Array);
            worst[file] = Math.max(worst[file] ?? 0, err.rel);
            expect(err.rel, `${file} ${o.name} at batch ${batch}: max abs error ${err.abs}`).toBeLessThan(TOLERANCE);
          }
        }
      });
    }
  }

  it('cover the op list', () => {
    const required = [
      'Conv', 'ConvTranspose', 'Resize', 'Concat', 'Split', 'Slice', 'Pad', 'Softmax', 'ReduceMean', 'Erf',
      'HardSwish', 'HardSigmoid', 'LeakyRelu', 'Clip', 'Sigmoid', 'Tanh', 'Mul', 'MaxPool', 'AveragePool',
      'GlobalAveragePool', 'Flatten', 'Shape', 'Gather', 'Unsqueeze', 'Reshape', 'Transpose', 'MatMul', 'Gemm',
      'BatchNormalization', 'Add', 'Sub', 'Div', 'Pow', 'Sqrt', 'Relu', 'LayerNormalization',
    ];
    expect(required.filter((op) => !opsSeen.has(op))).toEqual([]);
    console.log(`ONNX fixture op types: ${[...opsSeen].sort().join(' ')}`);
    console.log(`ORT vs PyTorch, max relative error: ${Object.entries(worst).map(([f, e]) => `${f} ${e.toExponential(1)}`).join(', ')}`);
  });
});
