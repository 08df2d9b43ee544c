// onnx.load(..., { precision: 'bf16' }) on the fixture CNNs: top-1 agreement with PyTorch's fp32
// outputs at batch 1 and 3 and the largest logit error (printed), native against the ts
// backend's reference (the same layers in bf16), run() equals runSync(), summary() marks the
// bf16 steps, and a bad value is refused.
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onnx, setBackend, Tensor, type OnnxModel } from '../../lib/index';
import { maxErrors, ONNX_FIXTURES, onnxFixtures, readSafetensorsFile } from '../helpers/onnx-fixtures';
import { nativeRequired } from '../helpers/native';

const opened: OnnxModel[] = [];
afterAll(async () => { for (const m of opened) await m.close(); });
const CNNS = ['resnet18', 'resnet-bottleneck', 'mobilenet_v2', 'efficientnet_b0'];

function argmaxRows(d: Float32Array, rows: number): number[] {
  const c = d.length / rows, out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (d[r * c + j] > d[r * c + best]) best = j;
    out.push(best);
  }
  return out;
}

describe.skipIf(!nativeRequired())('onnx precision bf16', () => {
  for (const fx of onnxFixtures().filter((f) => CNNS.includes(f.name))) {
    it(`${fx.name}: top-1 as PyTorch fp32, native equals the ts reference`, async () => {
      const io = readSafetensorsFile(path.join(ONNX_FIXTURES, fx.io));
      const file = path.join(ONNX_FIXTURES, fx.onnx['13'] ?? Object.values(fx.onnx)[0]);
      const results: Record<string, Float32Array> = {};
      for (const be of ['native', 'ts'] as const) {
        setBackend(be);
        try {
          const model = await onnx.load(file, { precision: 'bf16' });
          opened.push(model);
          if (be === 'native') expect(model.summary()).toMatch(/bf16/);
          const i = fx.inputs[0], o = fx.outputs[0];
          for (const b of ['b1', 'b3']) {
            const t = io[`${i.name}_${b}`];
            const feeds = { [i.name]: new Tensor(t.data as Float32Array, t.shape) };
            const out = model.runSync(feeds)[o.name];
            const want = io[`${o.name}_${b}`].data as Float32Array;
            const rows = t.shape[0];
            expect(argmaxRows(out.data, rows), `${be} ${b}`).toEqual(argmaxRows(want, rows));
            const e = maxErrors(out.data, want);
            console.log(`onnx bf16 ${fx.name} ${be} ${b}: max |logit - PyTorch fp32| ${e.abs.toExponential(2)} (${(e.rel * 100).toFixed(2)}% of the largest)`);
            // Reported, and bounded loosely: these narrow random-weight fixtures have small logits
            // (mobilenet_v2's bf16 error reaches ~12% of its largest); the strict checks are top-1
            // and native against the ts reference below.
            expect(e.rel).toBeLessThan(0.25);
            results[`${be} ${b}`] = out.data;
            if (be === 'native') expect(Array.from((await model.run(feeds))[o.name].data)).toEqual(Array.from(out.data));
          }
        } finally {
          setBackend('native');
        }
      }
      // Per op native equals the reference to fp32 accumulation error (test/parity/sbgemm.test.ts);
      // through a deep net those tiny differences can flip later bf16 roundings (a bf16 ulp is
      // 2^-8 relative), so the models agree to about a percent, and on top-1.
      for (const b of ['b1', 'b3']) {
        const e = maxErrors(results[`native ${b}`], results[`ts ${b}`]);
        console.log(`onnx bf16 ${fx.name} ${b}: native vs ts max diff ${(e.rel * 100).toFixed(3)}% of the largest`);
        expect(e.rel).toBeLessThan(0.05);
        expect(argmaxRows(results[`native ${b}`], b === 'b1' ? 1 : 3)).toEqual(argmaxRows(results[`ts ${b}`], b === 'b1' ? 1 : 3));
      }
    }, 120_000);
  }

  it('refuses an unknown precision', async () => {
    const file = path.join(ONNX_FIXTURES, onnxFixtures()[0].onnx['13']);
    expect(() => onnx.loadSync(file, { precision: 'fp16' as never })).toThrow(/^onnx.load: precision must be 'fp32', 'bf16' or 'int8', got "fp16"$/);
  });
});
