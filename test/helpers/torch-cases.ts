// Loads the torch op fixtures (test/fixtures/ops/cases.json + *.safetensors, made by
// scripts/make-ops-fixture.py; the naming convention is in that script's docstring).
// A case's args/options come back resolved: `{ $t: name }` becomes a fresh copy of the stored
// tensor `<case>.<name>` (`int: true`: a number[] of its values), so an op that updates an
// input in place (batchNorm2d's running stats) never changes the fixture.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { io, type Tensor } from '../../lib/index';

const DIR = path.join(__dirname, '../fixtures/ops');

/** One case as stored in cases.json. */
export interface TorchCaseSpec {
  name: string;
  file: string;
  /** The convkit function (`add`, `batchNorm2d`, ...) or `transposeSum` (sum(transpose(x, perm), axis)). */
  op: string;
  args: unknown[];
  options: Record<string, unknown> | null;
  /** Output names: `['y']`, or `['y0', 'y1', ...]` for split. */
  outputs: string[];
  /** Input names with a stored gradient `g<name>`. */
  grads: string[];
  /** Input names with a stored in-place result `<name>_after`. */
  after: string[];
  shapes: Record<string, number[]>;
  note?: string;
}

/** A case with its tensors loaded. */
export interface TorchCase extends TorchCaseSpec {
  /** The positional arguments, resolved (fresh tensor copies). */
  resolvedArgs: unknown[];
  /** The options, resolved (fresh tensor copies), or undefined. */
  resolvedOptions: Record<string, unknown> | undefined;
  /** The stored inputs by name (shared with the cache: do not modify; the resolved ones are copies). */
  inputs: Record<string, Tensor>;
  /** torch's outputs, in `outputs` order. */
  expected: Tensor[];
  /** The upstream gradients, in `outputs` order (empty when nothing is differentiable). */
  gy: Tensor[];
  /** torch's gradient of each input named in `grads`. */
  expectedGrads: Record<string, Tensor>;
  /** torch's in-place results of the inputs named in `after`. */
  expectedAfter: Record<string, Tensor>;
}

const fileCache = new Map<string, Record<string, Tensor>>();
let specs: TorchCaseSpec[] | null = null;

/** Every case of cases.json (specs only), optionally only those of one op. */
export function torchCaseSpecs(op?: string): TorchCaseSpec[] {
  specs ??= (JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as { cases: TorchCaseSpec[] }).cases;
  return op === undefined ? specs : specs.filter((c) => c.op === op);
}

function file(name: string): Record<string, Tensor> {
  const cached = fileCache.get(name);
  if (cached !== undefined) return cached;
  // The fixtures hold float32 tensors only (argmax indices are stored as floats).
  const f = io.loadSafetensors(path.join(DIR, name)) as Record<string, Tensor>;
  fileCache.set(name, f);
  return f;
}

function resolve(v: unknown, inputs: Record<string, Tensor>, caseName: string): unknown {
  if (Array.isArray(v)) return v.map((e) => resolve(e, inputs, caseName));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$t === 'string') {
      const t = inputs[o.$t];
      if (t === undefined) throw new Error(`torch-cases: ${caseName} has no tensor ${o.$t}`);
      return o.int === true ? Array.from(t.data, Math.round) : t.clone();
    }
    return Object.fromEntries(Object.entries(o).map(([k, e]) => [k, resolve(e, inputs, caseName)]));
  }
  return v;
}

/** Loads one case (by spec or name) with its tensors. */
export function loadTorchCase(spec: TorchCaseSpec | string): TorchCase {
  const s = typeof spec === 'string' ? torchCaseSpecs().find((c) => c.name === spec) : spec;
  if (s === undefined) throw new Error(`torch-cases: no case ${String(spec)}`);
  const f = file(s.file);
  const get = (key: string): Tensor => {
    const t = f[`${s.name}.${key}`];
    if (t === undefined) throw new Error(`torch-cases: ${s.file} has no ${s.name}.${key}`);
    return t;
  };
  const inputs: Record<string, Tensor> = {};
  const derived = new Set([...s.outputs, ...s.outputs.map((o) => `g${o}`), ...s.grads.map((g) => `g${g}`), ...s.after.map((a) => `${a}_after`)]);
  for (const key of Object.keys(s.shapes)) if (!derived.has(key)) inputs[key] = get(key);
  return {
    ...s,
    resolvedArgs: resolve(s.args, inputs, s.name) as unknown[],
    resolvedOptions: s.options === null ? undefined : (resolve(s.options, inputs, s.name) as Record<string, unknown>),
    inputs,
    expected: s.outputs.map(get),
    gy: s.grads.length > 0 ? s.outputs.map((o) => get(`g${o}`)) : [],
    expectedGrads: Object.fromEntries(s.grads.map((g) => [g, get(`g${g}`)])),
    expectedAfter: Object.fromEntries(s.after.map((a) => [a, get(`${a}_after`)])),
  };
}

/** Every case (loaded), optionally only those of one op. */
export function torchCases(op?: string): TorchCase[] {
  return torchCaseSpecs(op).map(loadTorchCase);
}
