// The graph passes onnx.load runs, in order; each returns lines for summary(). One file per
// pass: fold-constants, fold-batchnorm, fuse-epilogue (conv + residual Add + activation),
// fuse-activations (SiLU, HardSwish, GELU spelled as several nodes), layout (NHWC regions).
// The planner (plan.ts) then folds what depends on the input shapes and places the
// intermediates in one arena by lifetime (memory-plan.ts).
import { sortGraph, type Graph, type Node } from '../graph';
import { foldBatchNorm } from './fold-batchnorm';
import { foldConstants } from './fold-constants';
import { fuseActivations } from './fuse-activations';
import { fuseEpilogue } from './fuse-epilogue';
import { chooseLayout } from './layout';
import { inferShapes } from './shapes';
import { plural } from './util';

/** Constants no node reads and no output names: dropped (a folded BN's or a turned weight's originals). */
function pruneConsts(g: Graph): string[] {
  const read = new Set<string>([...g.nodes.flatMap((n) => n.inputs), ...g.outputs.map((o) => o.name)]);
  let n = 0;
  for (const name of [...g.consts.keys()]) if (!read.has(name)) { g.consts.delete(name); n++; }
  return n ? [`prune: ${plural(n, 'unused constant')} dropped`] : [];
}

export function runPasses(g: Graph, attrs: Map<Node, unknown>): string[] {
  const lines = [...foldConstants(g, attrs), ...foldBatchNorm(g, attrs)];
  const shapes = inferShapes(g, attrs);
  lines.push(...fuseEpilogue(g, attrs, shapes), ...fuseActivations(g, attrs));
  sortGraph(g);
  lines.push(...chooseLayout(g, attrs, shapes));
  sortGraph(g);
  lines.push(...pruneConsts(g));
  return lines;
}
