// Every fixture model (scripts/make-onnx-fixture.py: narrow torchvision CNNs and op models,
// several opsets, dynamic batch) run by convkit on both backends, at batch 1 and 3, against
// PyTorch's outputs; sync and async agree bit for bit.
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getBackend, onnx, setBackend, Tensor, type OnnxModel } from '../../lib/index';
import { maxErrors, ONNX_FIXTURES, onnxFixtures, readSafetensorsFile } from '../helpers/onnx-fixtures';
import { nativeRequired } from '../helpers/native';

const backends = nativeRequired() ? ['native', 'ts'] as const : ['ts'] as const;
const opened: OnnxModel[] = [];
afterAll(async () => { for (const m of opened) await m.close(); });

for (const fx of onnxFixtures()) {
  const io = readSafetensorsFile(path.join(ONNX_FIXTURES, fx.io));
  for (const [opset, file] of Object.entries(fx.onnx)) {
    describe(`${fx.name} opset ${opset}`, () => {
      for (const be of backends) {
        it(`${be}: batch 1 and 3 equal PyTorch's outputs (1e-4 of the largest), run() equals runSync()`, async () => {
          setBackend(be);
          expect(getBackend()).toBe(be);
          const model = await onnx.load(path.join(ONNX_FIXTURES, file));
          opened.push(model);
          expect(model.inputs.map((i) => i.name)).toEqual(fx.inputs.map((i) => i.name));
          expect(model.outputs.map((o) => o.name)).toEqual(fx.outputs.map((o) => o.name));
          for (const b of ['b1', 'b3']) {
            const feeds: Record<string, Tensor> = {};
            for (const i of fx.inputs) {
              const t = io[`${i.name}_${b}`];
              feeds[i.name] = new Tensor(t.data as Float32Array, t.shape);
            }
            const out = model.runSync(feeds);
            const outAsync = await model.run(feeds);
            for (const o of fx.outputs) {
              const want = io[`${o.name}_${b}`];
              expect(out[o.name].shape, `${o.name} ${b}`).toEqual(want.shape);
              const e = maxErrors(out[o.name].data, want.data as Float32Array);
              expect(e.rel, `${o.name} ${b}: abs ${e.abs}`).toBeLessThan(1e-4);
              expect(Array.from(outAsync[o.name].data)).toEqual(Array.from(out[o.name].data));
            }
          }
        });
      }
    });
  }
}
