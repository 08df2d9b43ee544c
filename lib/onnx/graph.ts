// The graph convkit runs: ONNX's GraphProto decoded into plain values, checked (every input
// produced once, no cycles, every output produced) and put in topological order. Passes
// (passes/) rewrite it; the planner (plan.ts) turns it into backend calls.

/** Element types of ONNX tensors (TensorProto.DataType). */
export type DType = 'float32' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'int64' | 'string' | 'bool'
  | 'float16' | 'float64' | 'uint32' | 'uint64' | 'bfloat16';

/** TensorProto.DataType numbers, in order (index = enum value). */
export const DTYPES: readonly (DType | undefined)[] = [undefined, 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64',
  'string', 'bool', 'float16', 'float64', 'uint32', 'uint64', undefined, undefined, 'bfloat16'];

/** Tensor elements: float32 values as a Float32Array; every integer and bool type held exactly in a Float64Array. */
export type Data = Float32Array | Float64Array;

/** A tensor known at load or plan time (an initializer, a Constant, a folded value). */
export interface Const {
  dtype: DType;
  shape: number[];
  data: Data;
}

/** A dimension of a declared input or output: a size, or a name for a dynamic one ('N', 'batch_size'). */
export type Dim = number | string;

/** A graph input or output as the file declares it. */
export interface ValueDecl {
  name: string;
  dtype: DType;
  /** null when the file gives no shape. */
  shape: Dim[] | null;
}

/** An attribute's value, decoded. */
export type AttrValue = number | string | number[] | string[] | Const;

/** The conv epilogue folded in by passes/fuse-epilogue.ts (options of conv2d). */
export interface ConvEpilogue {
  /** The value added after the bias (a residual), or null. */
  residual: string | null;
  activation: 'none' | 'relu' | 'relu6' | 'sigmoid' | 'silu' | 'hardSwish';
  /** The ONNX nodes folded into this one, for summary(). */
  fused: string[];
}

/** One node: an op over named values. */
export interface Node {
  name: string;
  op: string;
  domain: string;
  /** Value names; '' is an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** Set by the epilogue-fusion pass on Conv nodes. */
  epilogue?: ConvEpilogue;
  /**
   * Set by the layout pass (passes/layout.ts): the node runs on NHWC data (its rank-4 float
   * inputs and outputs are [N, H, W, C] in memory; a Conv's weight is OHWI).
   */
  layout?: 'nhwc';
}

export interface Graph {
  /** Where the model came from, for messages: a path or 'the given bytes'. */
  source: string;
  /** The default domain's opset version. */
  opset: number;
  nodes: Node[];
  inputs: ValueDecl[];
  outputs: ValueDecl[];
  /** Initializers and, after folding, every value known before any input arrives. */
  consts: Map<string, Const>;
}

/** `node "name" (Op)`, the way every load and run error names a node. */
export function nodeLabel(node: Node): string {
  return `node "${node.name}" (${node.op})`;
}

/** Elements of a shape; RangeError for sizes past 2^31 - 1 elements per dimension or 2^53 in all. */
export function sizeOf(shape: readonly number[], what: () => string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 2 ** 31 - 1) throw new RangeError(`${what()}: dimension ${d} is not a valid size (shape [${shape.join(', ')}])`);
    n *= d;
  }
  if (n > 2 ** 32) throw new RangeError(`${what()}: shape [${shape.join(', ')}] has ${n} elements, more than convkit allocates (2^32)`);
  return n;
}

/**
 * Puts nodes in dependency order (Kahn) and checks the graph is closed: every input is a graph
 * input, a constant or one node's output; every output is produced; no cycles.
 */
export function sortGraph(g: Graph): void {
  const where = `onnx.load: ${g.source}`;
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (o === '') continue;
      if (producer.has(o) || g.consts.has(o) || g.inputs.some((v) => v.name === o)) {
        throw new TypeError(`${where}: value "${o}" is produced twice (${nodeLabel(n)})`);
      }
      producer.set(o, i);
    }
  });
  const known = (name: string): boolean => name === '' || g.consts.has(name) || g.inputs.some((v) => v.name === name);
  const waiting = g.nodes.map((n) => n.inputs.filter((name) => !known(name)).length);
  const users = new Map<number, number[]>();
  g.nodes.forEach((n, i) => {
    for (const name of n.inputs) {
      if (known(name)) continue;
      const p = producer.get(name);
      if (p === undefined) throw new TypeError(`${where}: ${nodeLabel(n)} reads "${name}", which no node, input or initializer produces`);
      const list = users.get(p) ?? [];
      list.push(i);
      users.set(p, list);
    }
  });
  const ready: number[] = [];
  waiting.forEach((w, i) => { if (w === 0) ready.push(i); });
  const order: Node[] = [];
  // Keep the file's order among ready nodes (a stable sort): summary() reads like the export.
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(g.nodes[i]);
    for (const u of users.get(i) ?? []) if (--waiting[u] === 0) ready.push(u);
  }
  if (order.length !== g.nodes.length) {
    const stuck = g.nodes.find((_, i) => waiting[i] > 0)!;
    throw new TypeError(`${where}: the graph has a cycle through ${nodeLabel(stuck)}`);
  }
  g.nodes = order;
  for (const out of g.outputs) {
    if (!producer.has(out.name) && !known(out.name)) throw new TypeError(`${where}: graph output "${out.name}" is produced by no node`);
  }
}
