// Constant folding at load: Constant nodes become constants, every node whose inputs are all
// known is computed once (its outputs become constants), and Identity / inference-mode Dropout
// disappear (their readers read the input). The planner folds the Shape -> Gather -> Concat ->
// Reshape chains that depend on the input shapes, per shape; this pass folds what does not,
// so that the later passes see BN parameters, Clip bounds and GELU's constants as constants.
import type { Graph, Node } from '../graph';
import { numel, type Value } from '../ops/op';
import { opDef } from './internal-ops';
import { index, plural, removeNodes, renameReads } from './util';

export function foldConstants(g: Graph, attrs: Map<Node, unknown>): string[] {
  const drop = new Set<Node>();
  let constants = 0, computed = 0, identities = 0;
  for (const node of g.nodes) {
    if (node.inputs.some((v) => v !== '' && !g.consts.has(v))) continue;
    let outs: Value[];
    try {
      const inputs = node.inputs.map((v) => {
        if (v === '') return null;
        const c = g.consts.get(v)!;
        return { shape: c.shape, dtype: c.dtype, data: c.data };
      });
      const planned = opDef(node).plan({ node, attrs: attrs.get(node), inputs, opset: g.opset });
      outs = planned.outputs;
      if (outs.some((o) => o.data === undefined)) {
        if (!planned.kernel || outs.some((o) => o.dtype !== 'float32')) continue;
        const ys = outs.map((o) => new Float32Array(numel(o.shape)));
        planned.kernel(inputs.map((x) => (x ? x.data! : null)), ys);
        outs.forEach((o, i) => { o.data = ys[i]; });
      }
    } catch {
      continue;   // the planner reports it, naming the node
    }
    node.outputs.forEach((name, i) => {
      if (name !== '' && i < outs.length) g.consts.set(name, { dtype: outs[i].dtype, shape: outs[i].shape, data: outs[i].data! });
    });
    drop.add(node);
    if (node.op === 'Constant') constants++; else computed++;
  }
  removeNodes(g, attrs, drop);
  // Identity and Dropout (inference): readers read the input instead, unless the output is a graph output.
  const ix = index(g);
  const pass = new Set<Node>();
  for (const node of g.nodes) {
    if ((node.op !== 'Identity' && node.op !== 'Dropout') || node.domain !== '') continue;
    const [out] = node.outputs;
    if (ix.outputs.has(out) || node.outputs.slice(1).some((o) => o !== '')) continue;
    renameReads(g, out, node.inputs[0]);
    pass.add(node);
    identities++;
  }
  removeNodes(g, attrs, pass);
  if (constants + computed + identities === 0) return [];
  return [`fold-constants: ${plural(constants, 'Constant node')} and ${plural(computed, 'node')} of known inputs folded into constants; ${plural(identities, 'Identity/Dropout node')} removed`];
}
