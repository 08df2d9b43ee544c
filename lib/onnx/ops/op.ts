// What every ONNX operator implementation provides: a load-time attribute reader (which fails
// on what convkit does not run) and a plan-time step: output shapes, and either the outputs'
// values (when they can be known before any input arrives: shape arithmetic, constants) or a
// kernel that calls the backend on preallocated buffers.
import type { Attrs } from '../attrs';
import type { Data, DType, Node } from '../graph';

/** A value at plan time: shape and element type, with its elements when known before any run. */
export interface Value {
  shape: number[];
  dtype: DType;
  data?: Data;
}

/** Writes the outputs `ys` from the inputs `xs` (null for an omitted optional input). */
export type Kernel = (xs: readonly (Data | null)[], ys: readonly Float32Array[]) => void;

export interface Planned {
  outputs: Value[];
  /** How to compute the outputs at run time; absent when every output has its data. */
  kernel?: Kernel;
  /** Output 0 is input 0's elements under a new shape (Reshape, Flatten, Squeeze, Identity): no copy. */
  alias?: boolean;
  /** What summary() says about the step: the chosen algorithm, the fused epilogue. */
  note?: string;
  /**
   * The same step writing its output 0 as a channel slice of a wider tensor of `channels`
   * channels (Conv2dInfo.yChannels), its ys[0] being the slice's span: how the planner elides a
   * Concat of such outputs (plan.ts). Absent: the op cannot.
   */
  intoSlice?: (channels: number) => Kernel;
}

export interface PlanArgs<A> {
  node: Node;
  attrs: A;
  inputs: readonly (Value | null)[];
  opset: number;
  /** The model's arithmetic for Conv, Gemm and MatMul (onnx.load's precision option; absent: fp32, as the load-time passes plan). */
  precision?: 'fp32' | 'bf16' | 'int8';
}

export interface OpDef<A = unknown> {
  /** Fewest and most inputs (omitted optional inputs count). */
  inputs: [number, number];
  /** Load time: reads and checks the attributes; throws naming the node and the attribute. */
  load(a: Attrs, opset: number): A;
  /** Plan time, once per set of input shapes. Throws Error subclasses with plain messages; the planner names the node. */
  plan(p: PlanArgs<A>): Planned;
}

/** Defines an op with its attribute type inferred. */
export function op<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

/** The input at i, which must be present (the planner has checked the count). */
export function input(p: PlanArgs<unknown>, i: number): Value {
  const v = p.inputs[i];
  if (!v) throw new TypeError(`input ${i} is required`);
  return v;
}

/** The input at i's elements, which must be known at plan time (a shape, axes, pads...). */
export function constInput(p: PlanArgs<unknown>, i: number, what: string): Data {
  const v = input(p, i);
  if (!v.data) throw new TypeError(`its ${what} (input ${i}, "${p.node.inputs[i]}") must be known before the inputs arrive; convkit does not run data-dependent ${what}s`);
  return v.data;
}

/** The input at i as float32 runtime data. */
export function floatInput(p: PlanArgs<unknown>, i: number): Value {
  const v = input(p, i);
  if (v.dtype !== 'float32') throw new TypeError(`input ${i} ("${p.node.inputs[i]}") is ${v.dtype}; convkit runs this op on float32`);
  return v;
}

/** Product of the dimensions. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Resolves a possibly negative axis against a rank; RangeError if outside [-rank, rank). */
export function axisOf(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new RangeError(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** `[2, 3]` for messages. */
export function dims(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
