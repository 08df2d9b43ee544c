// The body of a model's worker thread (run-worker.ts): rebuilds the model over the shared
// graph and answers run requests in order.
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend } from '../backend/select';
import type { BackendName } from '../backend/backend';
import { Attrs } from './attrs';
import type { Graph, Node } from './graph';
import { OnnxModel } from './model';
import { opDef } from './passes/internal-ops';
import type { Reply } from './run-worker';

const { graph, opts, backend } = workerData as { graph: Graph; opts: { threads?: number; precision?: 'fp32' | 'bf16' | 'int8' }; backend: BackendName };
setBackend(backend);
const attrs = new Map<Node, unknown>();
for (const node of graph.nodes) attrs.set(node, opDef(node).load(new Attrs(node), graph.opset));
const model = new OnnxModel(graph, attrs, opts, []);

parentPort!.on('message', (m: { id: number; arrays: Float32Array[]; shapes: number[][] }) => {
  // The input copies go back with the reply (transferred, not copied) for the next run to reuse.
  const inputs = m.arrays.map((a) => a.buffer as ArrayBuffer);
  let reply: Reply;
  try {
    const outputs = model.runArrays(m.arrays, m.shapes);
    reply = { id: m.id, outputs, inputs: m.arrays };
    parentPort!.postMessage(reply, [...outputs.map((o) => o.data.buffer as ArrayBuffer), ...inputs]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: m.id, error: { name: e.name, message: e.message }, inputs: m.arrays };
    parentPort!.postMessage(reply, inputs);
  }
});
