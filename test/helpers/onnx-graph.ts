// A tiny ONNX model builder for per-op tests (single nodes and small graphs), written with
// onnx-proto (protobufjs), and runOrt: the same model on onnxruntime-node, the reference.
//
//   const bytes = buildModel({
//     opset: 13,
//     inputs: [{ name: 'x', shape: ['N', 3, 8, 8] }],            // strings are dynamic dims
//     outputs: [{ name: 'y' }],                                  // type float32 unless given
//     nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } }],
//     initializers: { w: { data: new Float32Array(...), shape: [4, 3, 3, 3] } },
//   });
//   const { y } = await runOrt(bytes, { x: { data, shape: [2, 3, 8, 8] } });
//
// Attribute types are inferred: integer number -> INT, other number -> FLOAT, string -> STRING,
// number[] -> INTS (FLOATS if any element is not an integer), string[] -> STRINGS, a tensor-like
// {data, shape} -> TENSOR. Names ONNX defines as float (alpha, beta, epsilon, ...) are FLOAT /
// FLOATS even for whole numbers; attr.float / attr.floats / attr.int / attr.ints force a type.
// Tensors: data Float32Array -> float32, BigInt64Array -> int64, Int32Array -> int32,
// Uint8Array -> uint8 (bool with dtype 'bool'), Float64Array -> float64; a plain number[]
// takes `dtype` (default float32), so Reshape shapes / Slice starts / pads are
// `{ data: [2, -1], shape: [2], dtype: 'int64' }` (or i64([2, -1])).
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';

/** An element type, by onnxruntime-node's names. */
export type OnnxDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** A dimension: a size, or a name for a dynamic one. */
export type Dim = number | string;

/** Tensor data with its shape, as initializers, tensor attributes, feeds and results take it. */
export interface TensorLike {
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | number[] | bigint[];
  shape: readonly number[];
  /** Needed only for plain arrays (default float32) and bool (Uint8Array data). */
  dtype?: OnnxDtype;
}

/** A graph input or output. No shape: unknown rank. */
export interface ValueSpec {
  name: string;
  shape?: readonly Dim[];
  type?: OnnxDtype;
}

/** An attribute whose type is forced (see attr). */
export interface TypedAttr {
  readonly kind: 'int' | 'ints' | 'float' | 'floats';
  readonly value: number | readonly number[];
}

/** An attribute value; the type is inferred (see the file's comment) unless a TypedAttr. */
export type AttrValue = number | string | readonly number[] | readonly string[] | TensorLike | TypedAttr;

/** One node. `''` in inputs is an omitted optional input. */
export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Record<string, AttrValue>;
  name?: string;
  domain?: string;
}

/** A whole model. */
export interface GraphSpec {
  /** The default domain's opset (default 13). */
  opset?: number;
  /** ModelProto ir_version (default 8). */
  irVersion?: number;
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  nodes: readonly NodeSpec[];
  initializers?: Record<string, TensorLike>;
  /** Graph name (default 'test'). */
  name?: string;
}

/** Forces an attribute's type. */
export const attr = {
  int: (v: number): TypedAttr => ({ kind: 'int', value: v }),
  ints: (v: readonly number[]): TypedAttr => ({ kind: 'ints', value: v }),
  float: (v: number): TypedAttr => ({ kind: 'float', value: v }),
  floats: (v: readonly number[]): TypedAttr => ({ kind: 'floats', value: v }),
};

/** An int64 tensor-like of the values (shape [n] unless given): Reshape shapes, Slice starts, pads, axes. */
export function i64(values: readonly number[], shape: readonly number[] = [values.length]): TensorLike {
  return { data: BigInt64Array.from(values, (v) => BigInt(v)), shape, dtype: 'int64' };
}

/** A float32 tensor-like (shape [n] unless given). */
export function f32(values: ArrayLike<number>, shape: readonly number[] = [values.length]): TensorLike {
  return { data: Float32Array.from(values), shape, dtype: 'float32' };
}

// Attributes ONNX defines as FLOAT / FLOATS, so whole numbers still go as floats.
const FLOAT_ATTRS = new Set([
  'alpha', 'beta', 'gamma', 'epsilon', 'momentum', 'ratio', 'bias', 'lambd', 'min', 'max', 'scale',
  'scales', 'extrapolation_value', 'cubic_coeff_a', 'spatial_scale', 'value_float', 'value_floats',
  'threshold', 'fmod_float',
]);

const DTYPES: Record<OnnxDtype, { code: number; array: (n: number) => TensorLike['data']; bytes: number }> = {
  float32: { code: onnx.TensorProto.DataType.FLOAT, array: (n) => new Float32Array(n), bytes: 4 },
  float64: { code: onnx.TensorProto.DataType.DOUBLE, array: (n) => new Float64Array(n), bytes: 8 },
  int64: { code: onnx.TensorProto.DataType.INT64, array: (n) => new BigInt64Array(n), bytes: 8 },
  int32: { code: onnx.TensorProto.DataType.INT32, array: (n) => new Int32Array(n), bytes: 4 },
  int8: { code: onnx.TensorProto.DataType.INT8, array: (n) => new Int8Array(n), bytes: 1 },
  uint8: { code: onnx.TensorProto.DataType.UINT8, array: (n) => new Uint8Array(n), bytes: 1 },
  bool: { code: onnx.TensorProto.DataType.BOOL, array: (n) => new Uint8Array(n), bytes: 1 },
};

/** The dtype of a tensor-like: its `dtype`, else from its typed array, else float32. */
export function dtypeOf(t: TensorLike): OnnxDtype {
  if (t.dtype !== undefined) return t.dtype;
  const d = t.data;
  if (d instanceof Float32Array) return 'float32';
  if (d instanceof Float64Array) return 'float64';
  if (d instanceof BigInt64Array) return 'int64';
  if (d instanceof Int32Array) return 'int32';
  if (d instanceof Int8Array) return 'int8';
  if (d instanceof Uint8Array) return 'uint8';
  if (d.length > 0 && typeof d[0] === 'bigint') return 'int64';
  return 'float32';
}

/** The data as the typed array of its dtype (plain arrays converted; typed arrays of the right kind as they are). */
export function typedData(t: TensorLike): Exclude<TensorLike['data'], number[] | bigint[]> {
  const dtype = dtypeOf(t);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new RangeError(`onnx-graph: data has ${t.data.length} elements, shape [${t.shape.join(', ')}] needs ${n}`);
  const out = DTYPES[dtype].array(n) as Exclude<TensorLike['data'], number[] | bigint[]>;
  if (out.constructor === t.data.constructor) return t.data as typeof out;
  for (let i = 0; i < n; i++) {
    const v = t.data[i];
    (out as unknown as (number | bigint)[])[i] = dtype === 'int64' ? BigInt(v as number) : Number(v);
  }
  return out;
}

function tensorProto(name: string, t: TensorLike): onnx.ITensorProto {
  const data = typedData(t);
  return {
    name,
    dims: [...t.shape],
    dataType: DTYPES[dtypeOf(t)].code,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(),
  };
}

function isTensorLike(v: unknown): v is TensorLike {
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v;
}

function attributeProto(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  const enc = (s: string) => new TextEncoder().encode(s);
  if (typeof value === 'string') return { name, type: T.STRING, s: enc(value) };
  if (isTensorLike(value)) return { name, type: T.TENSOR, t: tensorProto('', value) };
  if (typeof value === 'object' && !Array.isArray(value) && 'kind' in value) {
    const v = (value as TypedAttr).value;
    switch ((value as TypedAttr).kind) {
      case 'int': return { name, type: T.INT, i: v as number };
      case 'float': return { name, type: T.FLOAT, f: v as number };
      case 'ints': return { name, type: T.INTS, ints: [...(v as number[])] };
      case 'floats': return { name, type: T.FLOATS, floats: [...(v as number[])] };
    }
  }
  const isFloatName = FLOAT_ATTRS.has(name);
  if (typeof value === 'number') {
    return Number.isInteger(value) && !isFloatName ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  }
  const arr = value as readonly (number | string)[];
  if (arr.length > 0 && typeof arr[0] === 'string') return { name, type: T.STRINGS, strings: (arr as string[]).map(enc) };
  const nums = arr as readonly number[];
  return nums.every(Number.isInteger) && !isFloatName
    ? { name, type: T.INTS, ints: [...nums] }
    : { name, type: T.FLOATS, floats: [...nums] };
}

function valueInfo(v: ValueSpec): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType: DTYPES[v.type ?? 'float32'].code };
  if (v.shape !== undefined) {
    tensorType.shape = { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  }
  return { name: v.name, type: { tensorType } };
}

/** The ModelProto bytes of spec (producer 'convkit-test'). */
export function buildModel(spec: GraphSpec): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: spec.irVersion ?? 8,
    producerName: 'convkit-test',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: spec.name ?? 'test',
      node: spec.nodes.map((n, k) => ({
        name: n.name ?? `${n.op}_${k}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs ?? {}).map(([name, v]) => attributeProto(name, v)),
      })),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: Object.entries(spec.initializers ?? {}).map(([name, t]) => tensorProto(name, t)),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** A result of runOrt. */
export interface OrtResult {
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;
  dims: number[];
  type: string;
}

/** Session options runOrt passes through (graph optimizations on by default). */
export interface RunOrtOptions {
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Output names to fetch (default all). */
  outputs?: string[];
}

/** Runs model bytes (or a .onnx path) on onnxruntime-node (CPU, one thread) with the feeds; every output by name. */
export async function runOrt(
  model: Uint8Array | string,
  feeds: Record<string, TensorLike>,
  options: RunOrtOptions = {},
): Promise<Record<string, OrtResult>> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
  };
  const session = typeof model === 'string'
    ? await ort.InferenceSession.create(model, sessionOptions)
    : await ort.InferenceSession.create(model, sessionOptions);
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(dtypeOf(t), typedData(t) as ort.Tensor.DataType, [...t.shape]);
    }
    const out = options.outputs === undefined ? await session.run(ortFeeds) : await session.run(ortFeeds, options.outputs);
    const result: Record<string, OrtResult> = {};
    for (const [name, t] of Object.entries(out)) {
      result[name] = { data: t.data as OrtResult['data'], dims: [...t.dims], type: t.type };
    }
    return result;
  } finally {
    await session.release();
  }
}
