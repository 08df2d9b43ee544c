// The op fixtures load and are self-consistent (the op tests themselves use test/helpers/torch-cases.ts).
import { describe, expect, it } from 'vitest';
import { torchCaseSpecs, torchCases } from '../helpers/torch-cases';

describe('torch op fixtures (test/fixtures/ops)', () => {
  it('every case loads with the shapes cases.json states', () => {
    const cases = torchCases();
    expect(cases.length).toBeGreaterThan(100);
    for (const c of cases) {
      c.expected.forEach((t, i) => expect(t.shape, `${c.name} ${c.outputs[i]}`).toEqual(c.shapes[c.outputs[i]]));
      c.gy.forEach((t, i) => expect(t.shape).toEqual(c.expected[i].shape));
      for (const [k, g] of Object.entries(c.expectedGrads)) expect(g.shape, `${c.name} g${k}`).toEqual(c.inputs[k].shape);
    }
    const ops = new Set(torchCaseSpecs().map((c) => c.op));
    for (const op of ['add', 'sub', 'mul', 'div', 'neg', 'exp', 'log', 'sqrt', 'pow', 'abs', 'clamp', 'leakyRelu', 'silu', 'gelu',
      'hardSigmoid', 'hardSwish', 'relu6', 'sum', 'mean', 'max', 'min', 'argmax', 'transpose', 'concat', 'split', 'slice', 'pad',
      'batchNorm2d', 'dropout', 'convTranspose2d', 'upsample2d', 'adaptiveAvgPool2d', 'crossEntropyLoss', 'mseLoss']) expect(ops.has(op), op).toBe(true);
  });
  it('resolved arguments are copies (in-place ops cannot change the fixture)', () => {
    const [c] = torchCases('batchNorm2d');
    const rm = c.resolvedOptions!.runningMean as { data: Float32Array };
    rm.data.fill(7);
    expect(c.inputs.runningMean.data[0]).not.toBe(7);
    const ce = torchCases('crossEntropyLoss')[0];
    expect(ce.resolvedArgs[1]).toEqual([3, 0, 1, 3, 2]);
  });
});
