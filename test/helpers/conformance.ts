// Reads ../shared/conformance (manifest + raw little-endian .bin tensors) and runs a case
// through the public API on a chosen backend. Kept free of vitest so scripts can use it too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ck from '../../lib/index';
import type { Tensor } from '../../lib/index';

export const CONFORMANCE_DIR = process.env.CONVKIT_CONFORMANCE_DIR ?? path.resolve(__dirname, '../../../shared/conformance');

export interface TensorDesc { shape: number[]; file: string; dtype?: 'float32' | 'int32' }
export interface Tol { rtol: number; atol: number }
export interface Case {
  id: string;
  op: string;
  params: Record<string, unknown>;
  inputs: Record<string, TensorDesc>;
  expected: Record<string, TensorDesc>;
  tol: Tol;
  tol_by_output?: Record<string, Tol>;
}

export function loadManifest(dir = path.join(CONFORMANCE_DIR, 'cases')): Case[] {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { cases: Case[] };
  return m.cases;
}

export function readBin(desc: TensorDesc, dir = path.join(CONFORMANCE_DIR, 'cases')): Float32Array | Int32Array {
  const buf = fs.readFileSync(path.join(dir, desc.file));
  const n = desc.shape.reduce((a, b) => a * b, 1);
  if (buf.length !== n * 4) throw new Error(`${desc.file}: ${buf.length} bytes, expected ${n * 4}`);
  const copy = new ArrayBuffer(buf.length);
  new Uint8Array(copy).set(buf);
  return desc.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
}

function input(c: Case, name: string): Tensor {
  const d = c.inputs[name];
  return new ck.Tensor(readBin(d) as Float32Array, d.shape);
}

type Outputs = Record<string, Tensor | number>;

/** Maps a case's snake_case params onto the API's options. */
function convOpts(p: Record<string, unknown>, bias?: Tensor): ck.Conv2dOptions {
  return {
    stride: p.stride as [number, number], padding: p.padding as [number, number, number, number],
    dilation: p.dilation as [number, number], groups: p.groups as number,
    layout: p.layout as ck.Layout, activation: (p.activation ?? 'none') as ck.Activation, bias: bias ?? null,
  };
}

function poolOpts(p: Record<string, unknown>): ck.Pool2dOptions {
  return {
    kernel: p.kernel as [number, number], stride: p.stride as [number, number],
    padding: p.padding as [number, number, number, number],
    ...(p.dilation ? { dilation: p.dilation as [number, number] } : {}),
    ceilMode: p.ceil_mode as boolean, countIncludePad: p.count_include_pad as boolean | undefined,
    layout: p.layout as ck.Layout,
  };
}

/** Runs one case through the public API on the current backend. */
export function runCase(c: Case): Outputs {
  const p = c.params;
  const x = (n: string): Tensor => input(c, n);
  switch (c.op) {
    case 'conv2d': return { y: ck.conv2d(x('x'), x('w'), convOpts(p, p.bias ? x('b') : undefined)) };
    case 'conv2d_backward': {
      const g = ck.conv2dBackward(x('dy'), x('x'), x('w'), { ...convOpts(p), outputs: p.bias ? ['dx', 'dw', 'db'] : ['dx', 'dw'] });
      return g as Outputs;
    }
    case 'max_pool2d': return { y: ck.maxPool2d(x('x'), poolOpts(p)) };
    case 'avg_pool2d': return { y: ck.avgPool2d(x('x'), poolOpts(p)) };
    case 'max_pool2d_backward': return { dx: ck.maxPool2dBackward(x('dy'), x('x'), poolOpts(p)) };
    case 'avg_pool2d_backward': return { dx: ck.avgPool2dBackward(x('dy'), x('x'), poolOpts(p)) };
    case 'global_avg_pool2d': return { y: ck.globalAvgPool2d(x('x'), { layout: p.layout as ck.Layout }) };
    case 'global_max_pool2d': return { y: ck.globalMaxPool2d(x('x'), { layout: p.layout as ck.Layout }) };
    case 'gemm': return {
      y: ck.gemm(x('a'), x('b'), {
        transA: p.transA as boolean, transB: p.transB as boolean, alpha: p.alpha as number, beta: p.beta as number,
        ...(c.inputs.c ? { c: x('c') } : {}),
      }),
    };
    case 'matmul': return { y: ck.matmul(x('a'), x('b')) };
    case 'linear': return { y: ck.linear(x('x'), x('w'), c.inputs.b ? x('b') : null) };
    case 'relu': return { y: ck.relu(x('x')) };
    case 'sigmoid': return { y: ck.sigmoid(x('x')) };
    case 'tanh': return { y: ck.tanh(x('x')) };
    case 'relu_backward': return { dx: ck.reluBackward(x('dy'), x('x')) };
    case 'softmax': return { y: ck.softmax(x('x'), p.axis as number) };
    case 'log_softmax': return { y: ck.logSoftmax(x('x'), p.axis as number) };
    case 'cross_entropy': {
      const r = ck.crossEntropy(x('logits'), readBin(c.inputs.labels) as Int32Array);
      return { loss: r.loss, dlogits: r.dlogits };
    }
    case 'filter2d': return {
      y: ck.filter2d(x('image'), x('kernel'), {
        padding: p.padding as 'same' | 'valid', mode: p.mode as 'convolution' | 'correlation',
        ...(p.layout ? { layout: p.layout as ck.Layout } : {}),
      }),
    };
    default: throw new Error(`unknown conformance op ${c.op}`);
  }
}

export interface Mismatch { output: string; index: number; got: number; expected: number; allowed: number; count: number; problem?: string }

/** Every element within atol + rtol*|expected|; shapes must match. Returns the worst violation or null. */
export function compareCase(c: Case, outs: Outputs): Mismatch | null {
  for (const [name, desc] of Object.entries(c.expected)) {
    const got = outs[name];
    if (got === undefined) return { output: name, index: -1, got: NaN, expected: NaN, allowed: 0, count: 1, problem: 'missing output' };
    const tol = c.tol_by_output?.[name] ?? c.tol;
    const exp = readBin(desc) as Float32Array;
    const data = typeof got === 'number' ? Float32Array.of(got) : got.data;
    if (typeof got !== 'number' && (got.shape.length !== desc.shape.length || got.shape.some((d, i) => d !== desc.shape[i]))) {
      return { output: name, index: -1, got: NaN, expected: NaN, allowed: 0, count: 1, problem: `shape [${got.shape}] != [${desc.shape}]` };
    }
    let worst: Mismatch | null = null;
    let count = 0;
    for (let i = 0; i < exp.length; i++) {
      const allowed = tol.atol + tol.rtol * Math.abs(exp[i]);
      const err = Math.abs(data[i] - exp[i]);
      if (!(err <= allowed)) {
        count++;
        if (!worst || !(err - allowed <= Math.abs(worst.got - worst.expected) - worst.allowed)) {
          worst = { output: name, index: i, got: data[i], expected: exp[i], allowed, count: 0 };
        }
      }
    }
    if (worst) return { ...worst, count };
  }
  return null;
}
