// Runs one small ONNX graph on onnxruntime-node (the reference) and on convkit with each
// backend (native when loaded, and ts), asserting which backend ran and that every output
// matches: |convkit - ort| <= abs + rel * |ort| per element, shapes equal.
import { expect } from 'vitest';
import { getBackend, info, onnx, setBackend, Tensor, type BackendName } from '../../lib/index';
import { buildModel, runOrt, typedData, type GraphSpec, type TensorLike } from './onnx-graph';
import { prng, randomData } from './random';

/** The backends a check runs on: native when the addon loaded, and ts. */
export function backendNames(): BackendName[] {
  return info().native.loaded ? ['native', 'ts'] : ['ts'];
}

export interface CheckOptions { abs?: number; rel?: number; optimize?: boolean }

/** Checks spec on feeds against onnxruntime-node; returns the worst error seen (for messages). */
export async function checkAgainstOrt(spec: GraphSpec, feeds: Record<string, TensorLike>, o: CheckOptions = {}): Promise<void> {
  const abs = o.abs ?? 1e-5, rel = o.rel ?? 1e-4;
  const bytes = buildModel(spec);
  const ref = await runOrt(bytes, feeds, { graphOptimizationLevel: 'disabled' });
  const before = getBackend();
  try {
    for (const be of backendNames()) {
      setBackend(be);
      expect(getBackend()).toBe(be);
      const model = onnx.loadSync(bytes, { optimize: o.optimize ?? false });
      const ins: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(feeds)) ins[k] = new Tensor(Float32Array.from(typedData(t) as Float32Array), [...t.shape]);
      const out = model.runSync(ins);
      for (const [name, r] of Object.entries(ref)) {
        const y = out[name];
        expect(y, `output ${name}`).toBeDefined();
        expect([...y.shape], `${be}: shape of ${name}`).toEqual(r.dims);
        const want = r.data as Float32Array;
        let worst = 0, at = -1;
        for (let i = 0; i < want.length; i++) {
          const a = y.data[i], b = want[i];
          if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) continue;
          const e = Math.abs(a - b) / (abs + rel * Math.abs(b));
          if (!(e <= worst)) { worst = e; at = i; }
        }
        expect(worst, `${be}: ${name}[${at}] = ${y.data[at]}, ort ${want[at]}`).toBeLessThanOrEqual(1);
      }
    }
  } finally {
    setBackend(before);
  }
}

/** A float32 tensor-like of random values in [-scale, scale). */
export function rnd(shape: number[], seed = 1, scale = 1): TensorLike {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: randomData(prng(seed), n).map((v) => v * scale), shape, dtype: 'float32' };
}

/** One node over float inputs x0, x1... (given with their shapes) and named initializers; output y (and more names given). */
export function single(op: string, inputs: { name: string; t?: TensorLike; init?: boolean }[], attrs: GraphSpec['nodes'][0]['attrs'] = {}, opset = 13,
  outputs = ['y'], extraInputs: string[] = []): { spec: GraphSpec; feeds: Record<string, TensorLike> } {
  const feeds: Record<string, TensorLike> = {};
  const initializers: Record<string, TensorLike> = {};
  for (const i of inputs) {
    if (!i.t) continue;
    if (i.init) initializers[i.name] = i.t;
    else feeds[i.name] = i.t;
  }
  return {
    spec: {
      opset,
      inputs: inputs.filter((i) => i.t && !i.init).map((i) => ({ name: i.name, shape: [...i.t!.shape] })),
      outputs: outputs.map((name) => ({ name })),
      nodes: [{ op, inputs: [...inputs.map((i) => i.name), ...extraInputs], outputs, attrs, name: `${op}_node` }],
      initializers,
    },
    feeds,
  };
}
