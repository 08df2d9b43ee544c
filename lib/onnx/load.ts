// onnx.load: bytes → ModelProto (onnx-proto) → Graph (checked, sorted) → passes → OnnxModel.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nearest } from '../check';
import { Attrs } from './attrs';
import { DTYPES, nodeLabel, sortGraph, type Dim, type Graph, type Node, type ValueDecl } from './graph';
import { OnnxModel, type OnnxLoadOptions } from './model';
import { OPS } from './ops/index';
import { runPasses } from './passes/index';
import { shareConsts } from './run-worker';
import { decodeModel, int64, type pb } from './proto';
import { ExternalData, readAttr, readTensor } from './tensor-proto';

const OPSET_MIN = 7, OPSET_MAX = 18;

function decl(v: pb.IValueInfoProto, where: string): ValueDecl {
  const t = v.type?.tensorType;
  const name = v.name ?? '';
  if (!t) throw new TypeError(`onnx.load: ${where} "${name}" is not a tensor (sequence and map values are not supported)`);
  const dtype = DTYPES[t.elemType ?? 0];
  if (!dtype) throw new TypeError(`onnx.load: ${where} "${name}" has element type #${t.elemType ?? 0}, which convkit does not read`);
  const shape: Dim[] | null = t.shape ? (t.shape.dim ?? []).map((d, i) => {
    if (d.dimValue !== undefined && d.dimValue !== null && (typeof d.dimValue === 'number' || 'low' in (d.dimValue as object))) {
      const n = int64(d.dimValue, () => `onnx.load: ${where} "${name}" dimension ${i}`);
      if (n > 0 && n <= 2 ** 31 - 1) return n;
      if (n !== 0) throw new RangeError(`onnx.load: ${where} "${name}" dimension ${i} is ${n}, not a valid size`);
    }
    return d.dimParam || `?${i}`;
  }) : null;
  return { name, dtype, shape };
}

/** ModelProto → Graph, every node's op and attributes checked. */
function toGraph(model: pb.ModelProto, source: string, ext: ExternalData): { graph: Graph; attrs: Map<Node, unknown> } {
  const gp = model.graph!;
  const opsetEntry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = opsetEntry ? int64(opsetEntry.version, () => `onnx.load: ${source} opset`) : 0;
  if (opset < OPSET_MIN || opset > OPSET_MAX) throw new RangeError(`onnx.load: ${source} uses opset ${opset || '(none)'} of the default domain; convkit runs opsets ${OPSET_MIN} to ${OPSET_MAX}`);
  const consts = new Map();
  for (const t of gp.initializer ?? []) {
    if (!t.name) throw new TypeError(`onnx.load: ${source} has an initializer without a name`);
    consts.set(t.name, readTensor(t, `initializer "${t.name}"`, ext));
  }
  if ((gp.sparseInitializer ?? []).length) throw new TypeError(`onnx.load: ${source} has sparse initializers, which convkit does not read`);
  // Before IR 4 initializers were listed among the inputs too: those are not inputs to feed.
  const inputs = (gp.input ?? []).filter((v) => !consts.has(v.name ?? '')).map((v) => decl(v, 'input'));
  for (const i of inputs) if (i.dtype !== 'float32') throw new TypeError(`onnx.load: ${source} input "${i.name}" is ${i.dtype}; convkit runs float32 inputs`);
  const outputs = (gp.output ?? []).map((v) => decl(v, 'output'));
  const nodes: Node[] = (gp.node ?? []).map((n, i) => {
    const node: Node = {
      name: n.name || `${n.opType ?? '?'}_${i}`,
      op: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs: {},
    };
    for (const a of n.attribute ?? []) {
      if (!a.name) throw new TypeError(`onnx.load: ${nodeLabel(node)} has an attribute without a name`);
      node.attrs[a.name] = readAttr(a, nodeLabel(node), ext);
    }
    return node;
  });
  const graph: Graph = { source, opset, nodes, inputs, outputs, consts };
  if (!inputs.length && !nodes.length) throw new TypeError(`onnx.load: ${source} has an empty graph`);
  const attrs = new Map<Node, unknown>();
  for (const node of nodes) {
    const def = (node.domain === '' || node.domain === 'ai.onnx') ? OPS[node.op] : undefined;
    if (!def) {
      const hint = nearest(node.op, Object.keys(OPS));
      throw new TypeError(`onnx.load: ${nodeLabel(node).replace(/ \(.*\)$/, '')} has op type ${node.domain ? `${node.domain}.` : ''}${node.op}, which convkit does not run${hint && !node.domain ? ` (did you mean ${hint}?)` : ''}`);
    }
    const [lo, hi] = def.inputs;
    if (node.inputs.length < lo || node.inputs.length > hi) {
      throw new TypeError(`onnx.load: ${nodeLabel(node)} has ${node.inputs.length} inputs; ${node.op} takes ${lo === hi ? lo : `${lo} to ${hi}`}`);
    }
    attrs.set(node, def.load(new Attrs(node), opset));
  }
  sortGraph(graph);
  return { graph, attrs };
}

function bytesOf(src: unknown): { bytes: Uint8Array; source: string; dir: string | null } | null {
  if (src instanceof Uint8Array) return { bytes: src, source: 'the given bytes', dir: null };
  if (src instanceof ArrayBuffer) return { bytes: new Uint8Array(src), source: 'the given bytes', dir: null };
  return null;
}

function checkOptions(opts: unknown): OnnxLoadOptions {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError('onnx.load: options must be an object like { threads: 2 }');
  const o = opts as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['threads', 'optimize', 'precision'].includes(k)) throw new TypeError(`onnx.load: unknown option "${k}" (options: threads, optimize, precision)`);
  if (o.precision !== undefined && o.precision !== 'fp32' && o.precision !== 'bf16' && o.precision !== 'int8') throw new RangeError(`onnx.load: precision must be 'fp32', 'bf16' or 'int8', got ${JSON.stringify(o.precision)}`);
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || (o.threads as number) < 1)) throw new RangeError(`onnx.load: threads must be an integer >= 1, got ${String(o.threads)}`);
  if (o.optimize !== undefined && typeof o.optimize !== 'boolean') throw new TypeError(`onnx.load: optimize must be a boolean, got ${typeof o.optimize}`);
  return o as OnnxLoadOptions;
}

/** Builds a model from bytes already read. */
export function fromBytes(bytes: Uint8Array, source: string, dir: string | null, opts: OnnxLoadOptions): OnnxModel {
  const ext = new ExternalData(dir, source);
  const { graph, attrs } = toGraph(decodeModel(bytes, source), source, ext);
  const report = opts.optimize === false ? [] : runPasses(graph, attrs);
  // The weights go to shared memory now, while nothing else holds them: run()'s worker then
  // reads the same bytes, and the arrays the file was decoded into are garbage at once (a copy
  // made later, when a plan already holds them, would keep both for the model's life).
  shareConsts(graph);
  const model = new OnnxModel(graph, attrs, opts, report);
  // Plan once now when the input shapes are known up to the batch (size 1 stands in for it),
  // so shape errors and data-dependent shapes fail at load, not at the first run.
  const batchOnly = graph.inputs.every((v) => v.shape !== null && v.shape.every((d, i) => typeof d === 'number' || i === 0));
  if (batchOnly) {
    try {
      model.planFor(graph.inputs.map((v) => v.shape!.map((d) => (typeof d === 'number' ? d : 1))));
    } catch (err) {
      const E = err instanceof RangeError ? RangeError : TypeError;
      throw new E(`onnx.load: ${source}: ${(err as Error).message.replace(/^onnx: /, '')}`);
    }
  }
  return model;
}

/**
 * Loads an ONNX model (a file path, or the file's bytes) and prepares it to run: decodes the
 * protobuf, checks every node is one convkit runs (else a TypeError naming the node and its op
 * type), and optimizes the graph (batch norms folded into convs, conv epilogues fused).
 * External weights (`*.onnx.data` beside the file) are read when loading by path.
 *
 * @example
 * ```ts
 * const model = await onnx.load('resnet18.onnx');
 * const { output } = await model.run({ input: x });   // x: [N, 3, 224, 224]
 * ```
 * @param src - a path, or a Uint8Array / ArrayBuffer holding the model.
 * @param opts - `threads`: the compute pool's size for this model's runs; `optimize: false` skips the graph passes.
 */
export async function load(src: string | Uint8Array | ArrayBuffer, opts?: OnnxLoadOptions): Promise<OnnxModel> {
  const o = checkOptions(opts);
  const given = bytesOf(src);
  if (given) return fromBytes(given.bytes, given.source, given.dir, o);
  const file = pathOf('onnx.load', src);
  return fromBytes(await readModel(file, () => fs.promises.readFile(file)), file, path.dirname(path.resolve(file)), o);
}

/** {@link load} without the promise: reads and prepares the model on the calling thread. */
export function loadSync(src: string | Uint8Array | ArrayBuffer, opts?: OnnxLoadOptions): OnnxModel {
  const o = checkOptions(opts);
  const given = bytesOf(src);
  if (given) return fromBytes(given.bytes, given.source, given.dir, o);
  const file = pathOf('onnx.loadSync', src);
  return fromBytes(readModel(file, () => fs.readFileSync(file)), file, path.dirname(path.resolve(file)), o);
}

function pathOf(op: string, src: unknown): string {
  if (typeof src !== 'string') throw new TypeError(`${op}: expected a path or the model's bytes (Uint8Array), got ${src === null ? 'null' : typeof src}`);
  return src;
}

/** Runs read (sync or async) and turns its failure into one TypeError naming the file. */
function readModel<T extends Uint8Array | Promise<Uint8Array>>(file: string, read: () => T): T {
  const fail = (err: unknown): never => {
    throw new TypeError(`onnx.load: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  };
  try {
    const r = read();
    return (r instanceof Promise ? r.catch(fail) : r) as T;
  } catch (err) {
    return fail(err);
  }
}
