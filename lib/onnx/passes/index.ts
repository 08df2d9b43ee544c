// The graph passes onnx.load runs, in order; each returns lines for summary().
import type { Graph, Node } from '../graph';

export function runPasses(g: Graph, attrs: Map<Node, unknown>): string[] {
  void g; void attrs;
  return [];
}
