// Activations that exports spell as several nodes, where no conv absorbed them (after
// fuse-epilogue), become one backend activation call: x * Sigmoid(x) -> silu,
// x * HardSigmoid(x) (alpha 1/6, beta 1/2) -> hardSwish, and PyTorch's exact GELU,
// x * 0.5 * (1 + Erf(x / sqrt 2)) as Div -> Erf -> Add(1) -> Mul(x) -> Mul(0.5) (operands of
// Add and Mul in either order, x / sqrt 2 also as x * (1 / sqrt 2), the 0.5 also applied to x
// first) -> gelu. Every intermediate must have no other reader and not be a graph output.
import type { ActivationKind } from '../../backend/backend';
import type { Graph, Node } from '../graph';
import { gatedBy } from './fuse-epilogue';
import { freshName, index, onlyFeeds, plural, readers, removeNodes, scalarConst, setAttrs, type Index } from './util';

/** The other input of a binary node, when one input is v. */
function otherInput(n: Node, v: string): string | null {
  if (n.inputs[0] === v) return n.inputs[1];
  if (n.inputs[1] === v) return n.inputs[0];
  return null;
}

function near(a: number | null, b: number, tol: number): boolean {
  return a !== null && Math.abs(a - b) <= tol * Math.abs(b);
}

/** The single reader of v, of op type `op`, when v has no other reader and is not an output. */
function sole(ix: Index, v: string, op: string): Node | null {
  const r = readers(ix, v);
  return r.length === 1 && r[0].op === op && r[0].domain === '' && !ix.outputs.has(v) ? r[0] : null;
}

/** GELU starting at the Erf's scaling of x: [nodes, output] or null. */
function gelu(g: Graph, ix: Index, x: string): { nodes: Node[]; out: string } | null {
  for (const first of readers(ix, x)) {
    if (first.domain !== '') continue;
    // x / sqrt(2) or x * (1 / sqrt(2))
    const k = otherInput(first, x);
    if (k === null) continue;
    const scaled = (first.op === 'Div' && first.inputs[0] === x && near(scalarConst(g, k), Math.SQRT2, 1e-6)) ||
      (first.op === 'Mul' && near(scalarConst(g, k), Math.SQRT1_2, 1e-6));
    if (!scaled) continue;
    const erf = sole(ix, first.outputs[0], 'Erf');
    if (!erf) continue;
    const add = sole(ix, erf.outputs[0], 'Add');
    if (!add || scalarConst(g, otherInput(add, erf.outputs[0]) ?? '') !== 1) continue;
    // (x * (1 + erf)) * 0.5, or (x * 0.5) * (1 + erf)
    const mul = sole(ix, add.outputs[0], 'Mul');
    if (!mul) continue;
    const m = otherInput(mul, add.outputs[0]);
    if (m === x) {
      const half = sole(ix, mul.outputs[0], 'Mul');
      if (half && scalarConst(g, otherInput(half, mul.outputs[0]) ?? '') === 0.5) return { nodes: [first, erf, add, mul, half], out: half.outputs[0] };
    } else if (m !== null) {
      const h = ix.producer.get(m);
      if (h && h.op === 'Mul' && h.domain === '' && onlyFeeds(ix, m, mul) && scalarConst(g, otherInput(h, x) ?? '') === 0.5) {
        return { nodes: [first, erf, add, h, mul], out: mul.outputs[0] };
      }
    }
  }
  return null;
}

export function fuseActivations(g: Graph, attrs: Map<Node, unknown>): string[] {
  const counts: Record<string, number> = {};
  const drop = new Set<Node>();
  const made: { node: Node; before: Node }[] = [];
  const ix = index(g);
  const values = new Set<string>([...g.inputs.map((v) => v.name), ...g.nodes.flatMap((n) => n.outputs)]);
  for (const x of values) {
    if (x === '' || g.consts.has(x)) continue;
    let found: { kind: ActivationKind; nodes: Node[]; out: string } | null = null;
    const silu = gatedBy(ix, x, (n) => n.op === 'Sigmoid');
    const hs = gatedBy(ix, x, (n) => n.op === 'HardSigmoid' && Math.abs((typeof n.attrs.alpha === 'number' ? n.attrs.alpha : 0.2) - 1 / 6) < 1e-6 &&
      Math.abs((typeof n.attrs.beta === 'number' ? n.attrs.beta : 0.5) - 0.5) < 1e-7);
    if (silu) found = { kind: 'silu', nodes: [silu.gate, silu.mul], out: silu.mul.outputs[0] };
    else if (hs) found = { kind: 'hardSwish', nodes: [hs.gate, hs.mul], out: hs.mul.outputs[0] };
    else {
      const ge = gelu(g, ix, x);
      if (ge) found = { kind: 'gelu', ...ge };
    }
    if (!found || found.nodes.some((n) => drop.has(n))) continue;
    const node: Node = { name: freshName(g, `${found.nodes[0].name}::${found.kind}`), op: 'Activation', domain: 'convkit', inputs: [x], outputs: [found.out], attrs: { kind: found.kind } };
    for (const n of found.nodes) drop.add(n);
    made.push({ node, before: found.nodes[0] });
    counts[found.kind] = (counts[found.kind] ?? 0) + 1;
  }
  if (!made.length) return [];
  // Each new node takes the place of the first node of its pattern.
  const at = new Map(made.map((m) => [m.before, m.node]));
  g.nodes = g.nodes.flatMap((n) => (at.has(n) ? [at.get(n)!, n] : [n]));
  removeNodes(g, attrs, drop);
  for (const m of made) setAttrs(g, attrs, m.node);
  return [`fuse-activations: ${Object.entries(counts).map(([k, n]) => `${plural(n, `${k} pattern`)}`).join(', ')} made one activation call each`];
}
