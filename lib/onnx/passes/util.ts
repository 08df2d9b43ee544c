// What the passes share: who reads each value, which values the caller sees, constants by
// name, fresh value names, and how a new node gets its parsed attributes.
import { Attrs } from '../attrs';
import type { Const, Graph, Node } from '../graph';
import { opDef } from './internal-ops';

/** The graph as the passes read it; rebuild (index()) after changing the graph. */
export interface Index {
  /** The node producing each value (not for inputs and constants). */
  producer: Map<string, Node>;
  /** The nodes reading each value (a node reading it twice is listed twice). */
  consumers: Map<string, Node[]>;
  /** Graph outputs: values a fusion must not make disappear. */
  outputs: Set<string>;
  /** Position of each node in g.nodes. */
  position: Map<Node, number>;
}

export function index(g: Graph): Index {
  const producer = new Map<string, Node>(), consumers = new Map<string, Node[]>(), position = new Map<Node, number>();
  g.nodes.forEach((n, i) => {
    position.set(n, i);
    for (const o of n.outputs) if (o !== '') producer.set(o, n);
    for (const v of n.inputs) {
      if (v === '') continue;
      const list = consumers.get(v);
      if (list) list.push(n); else consumers.set(v, [n]);
    }
  });
  return { producer, consumers, outputs: new Set(g.outputs.map((o) => o.name)), position };
}

/** The nodes reading v (empty if none). */
export function readers(ix: Index, v: string): Node[] {
  return ix.consumers.get(v) ?? [];
}

/** v is read by `node` alone (once) and is not a graph output: a fusion may absorb it. */
export function onlyFeeds(ix: Index, v: string, node: Node): boolean {
  const r = readers(ix, v);
  return !ix.outputs.has(v) && r.length === 1 && r[0] === node;
}

/** The float32 constant named v, or null. */
export function floatConst(g: Graph, v: string): Const | null {
  const c = v === '' ? undefined : g.consts.get(v);
  return c && c.dtype === 'float32' ? c : null;
}

/** A known scalar (one element, any numeric type), or null. */
export function scalarConst(g: Graph, v: string): number | null {
  const c = v === '' ? undefined : g.consts.get(v);
  return c && c.data.length === 1 && c.dtype !== 'string' ? c.data[0] : null;
}

/** A value name not used in the graph, from `base`. */
export function freshName(g: Graph, base: string): string {
  const used = (n: string) => g.consts.has(n) || g.inputs.some((v) => v.name === n) || g.nodes.some((x) => x.outputs.includes(n));
  let name = base;
  for (let i = 1; used(name); i++) name = `${base}_${i}`;
  return name;
}

/** Parses a new or rewritten node's attributes as onnx.load does, into attrs. */
export function setAttrs(g: Graph, attrs: Map<Node, unknown>, node: Node): void {
  attrs.set(node, opDef(node).load(new Attrs(node), g.opset));
}

/** Drops the given nodes from the graph (and their parsed attributes). */
export function removeNodes(g: Graph, attrs: Map<Node, unknown>, drop: Iterable<Node>): void {
  const set = new Set(drop);
  if (set.size === 0) return;
  g.nodes = g.nodes.filter((n) => !set.has(n));
  for (const n of set) attrs.delete(n);
}

/** Every read of value `from` becomes a read of `to`. */
export function renameReads(g: Graph, from: string, to: string): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((v) => (v === from ? to : v));
}

/** `a, b and c` for report lines. */
export function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * A zeroed float32 array in shared memory, for the constants the passes make: onnx.load moves
 * every constant to shared memory for run()'s worker, and one made there is not copied again.
 */
export function sharedFloats(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}
