// onnx.load(..., { precision: 'int8' }) on the fixture CNNs: native against the ts backend's
// reference (the same layers in int8: the quantization is exact integer arithmetic, so the
// two agree to the fp32 layers' rounding), run() equals runSync(), summary() marks the int8
// steps; the logit error against PyTorch's fp32 outputs at batch 1 and 3 is printed, and top-1
// agrees on the ResNets. Dynamic per-tensor quantization of the activations is known to cost
// the depthwise-separable nets more (MobileNetV2, EfficientNet: their 1x1 projections see the
// activations of a depthwise layer, whose range one scale covers badly): on these narrow
// random-weight fixtures their error reaches 23-53% of the largest logit and one of three top-1
// flips, so for them the error is bounded and reported rather than top-1 asserted. (Scales per
// receptive field instead of per tensor, tried on the ts reference, brought the ResNets from
// 4-6% to 2-4% and EfficientNet from 23% to 20%: not the fix for these nets.)
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onnx, setBackend, Tensor, type OnnxModel } from '../../lib/index';
import { maxErrors, ONNX_FIXTURES, onnxFixtures, readSafetensorsFile } from '../helpers/onnx-fixtures';
import { nativeRequired } from '../helpers/native';

const opened: OnnxModel[] = [];
afterAll(async () => { for (const m of opened) await m.close(); });
const RESNETS = ['resnet18', 'resnet-bottleneck'];
const SEPARABLE = ['mobilenet_v2', 'efficientnet_b0'];

function argmaxRows(d: Float32Array, rows: number): number[] {
  const c = d.length / rows, out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (d[r * c + j] > d[r * c + best]) best = j;
    out.push(best);
  }
  return out;
}

describe.skipIf(!nativeRequired())('onnx precision int8', () => {
  for (const fx of onnxFixtures().filter((f) => RESNETS.includes(f.name) || SEPARABLE.includes(f.name))) {
    const resnet = RESNETS.includes(fx.name);
    it(`${fx.name}: native equals the ts reference${resnet ? ', top-1 as PyTorch fp32' : ''}`, async () => {
      const io = readSafetensorsFile(path.join(ONNX_FIXTURES, fx.io));
      const file = path.join(ONNX_FIXTURES, fx.onnx['13'] ?? Object.values(fx.onnx)[0]);
      const results: Record<string, Float32Array> = {};
      for (const be of ['native', 'ts'] as const) {
        setBackend(be);
        try {
          const model = await onnx.load(file, { precision: 'int8' });
          opened.push(model);
          if (be === 'native') expect(model.summary()).toMatch(/int8/);
          const i = fx.inputs[0], o = fx.outputs[0];
          for (const b of ['b1', 'b3']) {
            const t = io[`${i.name}_${b}`];
            const feeds = { [i.name]: new Tensor(t.data as Float32Array, t.shape) };
            const out = model.runSync(feeds)[o.name];
            const want = io[`${o.name}_${b}`].data as Float32Array;
            const rows = t.shape[0];
            const top = argmaxRows(out.data, rows), wantTop = argmaxRows(want, rows);
            const agree = top.filter((k, r) => k === wantTop[r]).length;
            const e = maxErrors(out.data, want);
            console.log(`onnx int8 ${fx.name} ${be} ${b}: max |logit - PyTorch fp32| ${e.abs.toExponential(2)} (${(e.rel * 100).toFixed(2)}% of the largest), top-1 ${agree}/${rows}`);
            if (resnet) {
              expect(top, `${be} ${b}`).toEqual(wantTop);
              expect(e.rel).toBeLessThan(0.1);
            } else {
              expect(e.rel).toBeLessThan(0.75);
            }
            results[`${be} ${b}`] = out.data;
            if (be === 'native') expect(Array.from((await model.run(feeds))[o.name].data)).toEqual(Array.from(out.data));
          }
        } finally {
          setBackend('native');
        }
      }
      // The int8 layers give the same bits on both backends on the same inputs; the fp32 layers
      // between them differ by their summation order and the activations' exp approximation,
      // and where such a difference moves an activation's largest value the whole next layer's
      // scale moves with it: exact on the ResNets here, about 10% of the largest logit at worst
      // on EfficientNet (its SiLU and sigmoid gates).
      for (const b of ['b1', 'b3']) {
        const e = maxErrors(results[`native ${b}`], results[`ts ${b}`]);
        console.log(`onnx int8 ${fx.name} ${b}: native vs ts max diff ${(e.rel * 100).toFixed(4)}% of the largest`);
        expect(e.rel).toBeLessThan(resnet ? 1e-6 : 0.2);
        expect(argmaxRows(results[`native ${b}`], b === 'b1' ? 1 : 3)).toEqual(argmaxRows(results[`ts ${b}`], b === 'b1' ? 1 : 3));
      }
    }, 120_000);
  }

  it('int8 runs the convolutions of one group only, and a bad value is refused', () => {
    const fx = onnxFixtures().find((f) => f.name === 'mobilenet_v2')!;
    const model = onnx.loadSync(path.join(ONNX_FIXTURES, fx.onnx['13'] ?? Object.values(fx.onnx)[0]), { precision: 'int8' });
    opened.push(model);
    const s = model.summary();
    expect(s).toMatch(/1x1 nhwc.* int8 prepacked/);
    expect(s).not.toMatch(/groups \d+.*int8/);
    expect(() => onnx.loadSync(path.join(ONNX_FIXTURES, fx.onnx['13']), { precision: 'int4' as never })).toThrow(/^onnx.load: precision must be 'fp32', 'bf16' or 'int8', got "int4"$/);
  });
});
