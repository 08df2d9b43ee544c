// model.summary(): the plan as a table a reader can check against the export.
import type { Graph } from './graph';
import type { Plan } from './plan';

function human(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

export function describeModel(g: Graph, plan: Plan, passes: readonly string[]): string {
  const lines: string[] = [];
  const params = new Set<Float32Array>();
  const views = new Set<unknown>(plan.views);
  for (const s of plan.steps) for (const x of s.xs) if (x instanceof Float32Array && !views.has(x)) params.add(x);
  let paramCount = 0;
  for (const p of params) paramCount += p.length;
  lines.push(`ONNX model ${g.source} (opset ${g.opset}): ${g.nodes.length} nodes after the passes, ${plan.steps.length} backend calls`);
  const rows = plan.steps.map((s, i) => [String(i), s.node.op, s.node.name, `[${s.ys.map((y) => y.length).join(', ')}]`, [s.note, ...(s.node.epilogue?.fused.length ? [`fused ${s.node.epilogue.fused.join(', ')}`] : [])].filter(Boolean).join('; ')]);
  const head = ['#', 'op', 'node', 'elements', 'notes'];
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: string[]) => r.map((v, c) => v.padEnd(width[c])).join('  ').trimEnd();
  lines.push(fmt(head), ...rows.map(fmt));
  for (const p of passes) lines.push(`pass: ${p}`);
  lines.push(`parameters: ${paramCount.toLocaleString('en-US')} (${human(paramCount * 4)})`);
  lines.push(`peak intermediate memory: ${human(plan.arenaBytes)} (one arena, reused by lifetime)`);
  return lines.join('\n');
}
