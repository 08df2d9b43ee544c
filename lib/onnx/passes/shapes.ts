// Shapes at load, for the passes that must know them (a residual Add fuses only when its other
// operand has the conv output's exact shape; the layout pass moves rank-4 values only). The
// inputs' dynamic dimensions are unknown at load, so the graph's shapes are inferred twice,
// with every named dimension set to 2 and then to 3 (224 and 225 past the first axis: the values the planner would see at
// run time), by the same op plan functions the planner runs (no kernels, no buffers, except
// for folding known values). Two shapes "match" when they match in both probes; a graph whose
// shapes cannot be inferred (an input without a declared shape, an op that rejects the probe
// sizes) gets no shape-dependent rewrites.
import type { Graph, Node } from '../graph';
import { numel, type Value } from '../ops/op';
import { opDef } from './internal-ops';

export interface Shapes {
  /** Each value's shape under each probe (index 0 and 1), or undefined where unknown. */
  probes: Map<string, number[]>[];
}

function infer(g: Graph, attrs: Map<Node, unknown>, dynamic: number): Map<string, number[]> | string {
  const values = new Map<string, Value>();
  for (const [name, c] of g.consts) values.set(name, { shape: c.shape, dtype: c.dtype, data: c.data });
  for (const inp of g.inputs) {
    if (!inp.shape) return `input "${inp.name}" has no declared shape`;
    // A named batch dimension gets the probe value; other named ones (spatial sizes) a plausible image size.
    values.set(inp.name, { shape: inp.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? dynamic : 222 + dynamic)), dtype: inp.dtype });
  }
  for (const node of g.nodes) {
    const inputs = node.inputs.map((v) => (v === '' ? null : values.get(v) ?? null));
    try {
      const planned = opDef(node).plan({ node, attrs: attrs.get(node), inputs, opset: g.opset });
      const outs = planned.outputs;
      if (planned.kernel && outs.some((o) => o.data === undefined) && inputs.every((x) => x === null || x.data !== undefined) && outs.every((o) => o.dtype === 'float32')) {
        const ys = outs.map((o) => new Float32Array(numel(o.shape)));
        planned.kernel(inputs.map((x) => (x ? x.data! : null)), ys);
        outs.forEach((o, i) => { o.data = ys[i]; });
      }
      node.outputs.forEach((name, i) => { if (name !== '' && i < outs.length) values.set(name, outs[i]); });
    } catch (err) {
      return `node "${node.name}" (${node.op}) rejects the probe shapes (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  const shapes = new Map<string, number[]>();
  for (const [name, v] of values) shapes.set(name, v.shape);
  return shapes;
}

/** The graph's shapes under two probes, or the reason they cannot be known. */
export function inferShapes(g: Graph, attrs: Map<Node, unknown>): Shapes | string {
  const probes: Map<string, number[]>[] = [];
  for (const d of [2, 3]) {
    const r = infer(g, attrs, d);
    if (typeof r === 'string') return r;
    probes.push(r);
  }
  return { probes };
}

/** a and b have the same shape in every probe. */
export function sameShape(s: Shapes, a: string, b: string): boolean {
  return s.probes.every((p) => {
    const x = p.get(a), y = p.get(b);
    return x !== undefined && y !== undefined && x.length === y.length && x.every((d, i) => d === y[i]);
  });
}

/** v's rank (the same in every probe), or -1 if unknown. */
export function rankOf(s: Shapes, v: string): number {
  const r = s.probes.map((p) => p.get(v)?.length ?? -1);
  return r.every((x) => x === r[0]) ? r[0] : -1;
}
