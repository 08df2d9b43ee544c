// The ONNX fixtures (test/fixtures/onnx, made by scripts/make-onnx-fixture.py; the format is in
// that script's docstring): the manifest, and each model's inputs and PyTorch outputs read by a
// standalone safetensors reader (F32 / I64), so checking the fixtures needs nothing of convkit.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The fixtures' folder. */
export const ONNX_FIXTURES = path.join(__dirname, '../fixtures/onnx');

/** One model of manifest.json. Shapes are at batch 1; axis 0 of every input and output is dynamic. */
export interface OnnxFixture {
  name: string;
  /** The safetensors file with `<input or output name>_b1` and `_b3`. */
  io: string;
  /** opset (as a string) -> .onnx file name. */
  onnx: Record<string, string>;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  note: string;
}

/** Every model of manifest.json. */
export function onnxFixtures(): OnnxFixture[] {
  return (JSON.parse(fs.readFileSync(path.join(ONNX_FIXTURES, 'manifest.json'), 'utf8')) as { models: OnnxFixture[] }).models;
}

/** A stored tensor. */
export interface StoredTensor {
  data: Float32Array | BigInt64Array;
  shape: number[];
}

/** Reads a safetensors file's F32 and I64 tensors (copies, aligned). */
export function readSafetensorsFile(file: string): Record<string, StoredTensor> {
  const buf = fs.readFileSync(file);
  const headerLength = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8')) as
    Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + headerLength;
  const out: Record<string, StoredTensor> = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bytes = new Uint8Array(buf.subarray(base + h.data_offsets[0], base + h.data_offsets[1])); // a copy: aligned
    if (h.dtype === 'F32') out[name] = { data: new Float32Array(bytes.buffer), shape: h.shape };
    else if (h.dtype === 'I64') out[name] = { data: new BigInt64Array(bytes.buffer), shape: h.shape };
    else throw new Error(`${file}: ${name} has dtype ${h.dtype}`);
  }
  return out;
}

/** max |a - b| and that over max |b| (b the reference). */
export function maxErrors(a: ArrayLike<number>, b: ArrayLike<number>): { abs: number; rel: number } {
  if (a.length !== b.length) throw new RangeError(`maxErrors: lengths ${a.length} and ${b.length}`);
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= abs)) abs = d; // NaN propagates
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { abs, rel: abs / Math.max(scale, 1e-30) };
}
