// Conv epilogue fusion: conv2d's own options (residual, activation) absorb the nodes after a
// Conv: an Add of a value of the conv output's exact shape (the residual), then Relu,
// Clip(0, 6) (known bounds), Sigmoid, HardSwish, x * Sigmoid(x) (SiLU) or x * HardSigmoid(x)
// with alpha 1/6, beta 1/2 (HardSwish). The bias is the conv's own input already. A node is
// absorbed only when the value between it and the conv has no other reader and is not a graph
// output; the conv then writes the last absorbed node's output.
import type { Activation } from '../../shape/conv2d-info';
import type { Graph, Node } from '../graph';
import { sameShape, type Shapes } from './shapes';
import { index, onlyFeeds, plural, readers, removeNodes, scalarConst, setAttrs, type Index } from './util';

/** A Conv whose epilogue is still open (at most a folded BN). */
function openConv(n: Node | undefined): n is Node {
  return !!n && n.op === 'Conv' && n.domain === '' && !n.layout && (!n.epilogue || (!n.epilogue.residual && n.epilogue.activation === 'none'));
}

/** Clip's bounds when both are known: the inputs (opset 11+) or the attributes. */
function clipBounds(g: Graph, attrs: Map<Node, unknown>, clip: Node): [number, number] | null {
  const a = attrs.get(clip) as { min: number; max: number };
  const bound = (i: number, dflt: number) => (clip.inputs[i] ? scalarConst(g, clip.inputs[i]) : dflt);
  const lo = bound(1, a.min), hi = bound(2, a.max);
  return lo === null || hi === null ? null : [lo, hi];
}

/** HardSigmoid with alpha 1/6 and beta 1/2, so that x * it is HardSwish. */
function isHardSwishGate(n: Node): boolean {
  const alpha = typeof n.attrs.alpha === 'number' ? n.attrs.alpha : 0.2;
  const beta = typeof n.attrs.beta === 'number' ? n.attrs.beta : 0.5;
  return n.op === 'HardSigmoid' && Math.abs(alpha - 1 / 6) < 1e-6 && Math.abs(beta - 0.5) < 1e-7;
}

/** The gate-times-input pattern on t: Gate(t) * t, the gate's output read by the Mul alone. */
export function gatedBy(ix: Index, t: string, gate: (n: Node) => boolean): { gate: Node; mul: Node } | null {
  const r = readers(ix, t);
  if (r.length !== 2) return null;
  const g = r.find((n) => n.domain === '' && gate(n));
  const mul = r.find((n) => n !== g && n.op === 'Mul' && n.domain === '');
  if (!g || !mul || g.outputs.length !== 1 || !onlyFeeds(ix, g.outputs[0], mul)) return null;
  const ins = [...mul.inputs].sort(), want = [t, g.outputs[0]].sort();
  return ins[0] === want[0] && ins[1] === want[1] ? { gate: g, mul } : null;
}

/** The activation that follows value t, and the nodes it takes, if it can be fused. */
function activationAfter(g: Graph, attrs: Map<Node, unknown>, ix: Index, t: string): { kind: Activation; nodes: Node[]; out: string } | null {
  if (ix.outputs.has(t)) return null;
  const silu = gatedBy(ix, t, (n) => n.op === 'Sigmoid');
  if (silu) return { kind: 'silu', nodes: [silu.gate, silu.mul], out: silu.mul.outputs[0] };
  const hs = gatedBy(ix, t, isHardSwishGate);
  if (hs) return { kind: 'hardSwish', nodes: [hs.gate, hs.mul], out: hs.mul.outputs[0] };
  const r = readers(ix, t);
  if (r.length !== 1 || r[0].domain !== '') return null;
  const n = r[0];
  let kind: Activation | null = null;
  if (n.op === 'Relu') kind = 'relu';
  else if (n.op === 'Sigmoid') kind = 'sigmoid';
  else if (n.op === 'HardSwish') kind = 'hardSwish';
  else if (n.op === 'Clip') {
    const b = clipBounds(g, attrs, n);
    if (b && b[0] === 0 && b[1] === 6) kind = 'relu6';
  }
  return kind ? { kind, nodes: [n], out: n.outputs[0] } : null;
}

export function fuseEpilogue(g: Graph, attrs: Map<Node, unknown>, shapes: Shapes | string): string[] {
  const drop = new Set<Node>();
  let residuals = 0;
  const kinds: Record<string, number> = {};
  // Residual adds first (the activation comes after the add): Add(conv, other) with other of the
  // conv output's exact shape. When both operands are open convs, the later one takes it
  // (the other's output is then ready when it runs).
  if (typeof shapes !== 'string') {
    const ix = index(g);
    for (const add of g.nodes) {
      if (add.op !== 'Add' || add.domain !== '' || add.inputs[0] === add.inputs[1]) continue;
      const cands = [0, 1].filter((i) => {
        const c = ix.producer.get(add.inputs[i]);
        return openConv(c) && !drop.has(c) && onlyFeeds(ix, add.inputs[i], add) && c.outputs.length === 1;
      }).sort((i, j) => ix.position.get(ix.producer.get(add.inputs[j])!)! - ix.position.get(ix.producer.get(add.inputs[i])!)!);
      const i = cands.find((k) => sameShape(shapes, add.inputs[k], add.inputs[1 - k]) && sameShape(shapes, add.inputs[k], add.outputs[0]));
      if (i === undefined) continue;
      const conv = ix.producer.get(add.inputs[i])!, other = add.inputs[1 - i];
      conv.inputs = [conv.inputs[0], conv.inputs[1], conv.inputs[2] ?? '', other];
      conv.outputs = [add.outputs[0]];
      conv.epilogue = { residual: other, activation: 'none', fused: [...(conv.epilogue?.fused ?? []), add.name] };
      drop.add(add);
      residuals++;
    }
    removeNodes(g, attrs, drop);
    drop.clear();
  }
  const ix = index(g);
  for (const conv of g.nodes) {
    if (conv.op !== 'Conv' || conv.domain !== '' || conv.layout || (conv.epilogue && conv.epilogue.activation !== 'none')) continue;
    const act = activationAfter(g, attrs, ix, conv.outputs[0]);
    if (!act || act.nodes.some((n) => drop.has(n))) continue;
    conv.outputs = [act.out];
    conv.epilogue = { residual: conv.epilogue?.residual ?? null, activation: act.kind, fused: [...(conv.epilogue?.fused ?? []), ...act.nodes.map((n) => n.name)] };
    for (const n of act.nodes) drop.add(n);
    kinds[act.kind] = (kinds[act.kind] ?? 0) + 1;
  }
  removeNodes(g, attrs, drop);
  for (const conv of g.nodes) if (conv.epilogue) setAttrs(g, attrs, conv);
  const lines: string[] = [];
  if (residuals) lines.push(`fuse-epilogue: ${plural(residuals, 'residual Add')} fused into the conv before it`);
  const acts = Object.entries(kinds).map(([k, n]) => `${n} ${k}`);
  if (acts.length) lines.push(`fuse-epilogue: activations fused into the conv before them: ${acts.join(', ')}`);
  if (typeof shapes === 'string') lines.push(`fuse-epilogue: no residual fusion: the shapes are not known at load (${shapes})`);
  return lines;
}
