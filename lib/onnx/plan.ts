// Plan: the graph for one set of input shapes turned into a list of backend calls over
// preallocated buffers. Every value's shape is known here, so the Shape/Gather/Concat/Reshape
// chains of an export fold into constants (dynamic batch included: a new batch size makes a
// new plan); intermediates share one arena by lifetime (memory-plan.ts).
import { nodeLabel, type Data, type Graph, type Node } from './graph';
import { planOffsets, type Lifetime } from './memory-plan';
import { numel, type Kernel, type Value } from './ops/op';
import { opDef } from './passes/internal-ops';
import { sliceSpan } from '../shape/conv2d-info';
import { backend } from '../backend/select';

/** One backend call of the plan. */
export interface Step {
  node: Node;
  kernel: Kernel;
  /** Inputs: constants and arena views bound once; graph inputs patched in per run. */
  xs: (Data | null)[];
  ys: Float32Array[];
  note: string;
}

/** Where a value's elements live. */
type Home = { kind: 'const'; data: Data } | { kind: 'input'; index: number } | { kind: 'arena'; id: number };

export interface Plan {
  steps: Step[];
  /** Positions of step inputs that read a graph input (their arrays change per run). */
  patches: { step: number; pos: number; input: number }[];
  /** Each graph output: its shape and where its elements are at the end of a run. */
  outputs: { name: string; shape: number[]; home: Home }[];
  /** Bytes of the arena that holds every intermediate. */
  arenaBytes: number;
  /** The arena views, by arena id (outputs are copied out of these). */
  views: Float32Array[];
}

interface Entry {
  value: Value;
  home: Home;
}

/** Thrown errors keep their class and gain the node's name. */
function atNode(node: Node, err: unknown): Error {
  const message = `onnx: ${nodeLabel(node)}: ${err instanceof Error ? err.message : String(err)}`;
  if (err instanceof RangeError) return new RangeError(message);
  return new TypeError(message);
}

/**
 * Builds the plan for the graph input shapes `shapes` (in g.inputs order; already checked
 * against the declared ranks and fixed sizes by the caller). `attrs` are the load-time parsed
 * attributes of each node; elideConcats: channel Concats of conv outputs run no step (below).
 */
export function buildPlan(g: Graph, attrs: Map<Node, unknown>, shapes: readonly number[][], precision: 'fp32' | 'bf16' | 'int8' = 'fp32', elideConcats = true): Plan {
  const values = new Map<string, Entry>();
  for (const [name, c] of g.consts) values.set(name, { value: { shape: c.shape, dtype: c.dtype, data: c.data }, home: { kind: 'const', data: c.data } });
  g.inputs.forEach((v, i) => values.set(v.name, { value: { shape: shapes[i], dtype: 'float32' }, home: { kind: 'input', index: i } }));

  const lifetimes: Lifetime[] = [];
  const pending: { node: Node; kernel: Kernel; xs: Home[]; ys: number[]; note: string }[] = [];
  const use = (home: Home, step: number): void => {
    if (home.kind === 'arena') lifetimes[home.id].last = Math.max(lifetimes[home.id].last, step);
  };
  // Concat elision: a channel Concat whose inputs are each the one-reader output of a step that
  // can write a channel slice (Planned.intoSlice: Conv) runs no step; its producers write their
  // slices of its output (SqueezeNet's fire modules: 8 copies of both expands' outputs; at batch
  // 4 the model ran 11.1 -> 9.4 ms on 2 threads, 16.8 -> 15.6 on 1, batch 1 unchanged).
  // Readers count node inputs and graph outputs.
  const readers = new Map<string, number>();
  for (const n of g.nodes) for (const name of n.inputs) if (name !== '') readers.set(name, (readers.get(name) ?? 0) + 1);
  for (const o of g.outputs) readers.set(o.name, (readers.get(o.name) ?? 0) + 1);
  const sliceable = new Map<string, { step: number; intoSlice: (channels: number) => Kernel }>();
  // A producer's arena id -> its slice of the Concat output's arena value.
  const sliceOf = new Map<number, { id: number; offset: number; length: number }>();

  for (const node of g.nodes) {
    const def = opDef(node);
    const inputs = node.inputs.map((name) => (name === '' ? null : values.get(name)!));
    let planned;
    try {
      planned = def.plan({ node, attrs: attrs.get(node), inputs: inputs.map((e) => (e ? e.value : null)), opset: g.opset, precision });
    } catch (err) {
      throw atNode(node, err);
    }
    const outs = planned.outputs;
    if (outs.length < node.outputs.filter((o) => o !== '').length) throw atNode(node, new TypeError(`produces ${outs.length} outputs, the graph reads ${node.outputs.length}`));
    let known = outs.every((o) => o.data !== undefined);
    const allConst = inputs.every((e) => e === null || e.value.data !== undefined);
    if (!known && planned.kernel && allConst && outs.every((o) => o.dtype === 'float32')) {
      // Constant folding: every input is known, so run the kernel now, once.
      const ys = outs.map((o) => new Float32Array(numel(o.shape)));
      try {
        planned.kernel(inputs.map((e) => (e ? e.value.data! : null)), ys);
      } catch (err) {
        throw atNode(node, err);
      }
      outs.forEach((o, i) => { o.data = ys[i]; });
      known = true;   // folded: no step at run time
    } else if (!known) {
      if (!planned.kernel && !planned.alias) throw atNode(node, new TypeError('has no kernel for these inputs'));
      const bad = outs.find((o) => o.dtype !== 'float32' && o.data === undefined);
      if (bad) throw atNode(node, new TypeError(`computes ${bad.dtype} values from the model's inputs at run time; convkit runs float32 data and folds integer (shape) arithmetic at plan time`));
    }
    const stepIndex = pending.length;
    const elided = elideConcats && !known && !planned.alias ? elidableConcat(node, attrs.get(node), inputs.map((e) => e?.value ?? null), outs) : null;
    if (elided) {
      const producers = node.inputs.map((name) => sliceable.get(name));
      if (new Set(node.inputs).size === node.inputs.length && node.inputs.every((name, k) => producers[k] !== undefined && readers.get(name) === 1)) {
        const id = lifetimes.length, o = outs[0];
        lifetimes.push({ size: numel(o.shape), first: Math.min(...producers.map((q) => q!.step)), last: stepIndex });
        values.set(node.outputs[0], { value: o, home: { kind: 'arena', id } });
        let c0 = 0;
        node.inputs.forEach((name, k) => {
          const q = producers[k]!, e = values.get(name)!, v = e.value, pid = (e.home as { id: number }).id;
          const ck = v.shape[elided.axis];
          pending[q.step].kernel = q.intoSlice(elided.channels);
          pending[q.step].note += ` -> channels [${c0}, ${c0 + ck}) of the output of ${nodeLabel(node)} (elements: its span)`;
          const offset = elided.nhwc ? c0 : c0 * elided.pixels;
          const length = sliceSpan(elided.nhwc ? 'nhwc' : 'nchw', elided.batch, elided.pixels, ck, elided.channels);
          sliceOf.set(pid, { id, offset, length });
          lifetimes[pid].size = 0;
          c0 += ck;
        });
        continue;
      }
    }
    node.outputs.forEach((name, i) => {
      if (name === '' || i >= outs.length) return;
      const o = outs[i];
      let home: Home;
      if (o.data !== undefined) home = { kind: 'const', data: o.data };
      else if (planned.alias && i === 0) {
        home = inputs[0]!.home;
        if (home.kind === 'const') home = { kind: 'const', data: home.data };
      } else {
        home = { kind: 'arena', id: lifetimes.length };
        lifetimes.push({ size: numel(o.shape), first: stepIndex, last: stepIndex });
      }
      values.set(name, { value: o, home });
    });
    if (!known && !planned.alias) {
      const xs = inputs.map((e) => (e ? e.home : { kind: 'const' as const, data: null as unknown as Data }));
      for (const h of xs) use(h, stepIndex);
      const ys = node.outputs.map((name) => (values.get(name)!.home as { id: number }).id);
      if (planned.intoSlice && node.outputs.length === 1 && outs[0].dtype === 'float32') {
        sliceable.set(node.outputs[0], { step: pending.length, intoSlice: planned.intoSlice });
      }
      pending.push({ node, kernel: planned.kernel!, xs, ys, note: planned.note ?? '' });
    } else if (planned.alias) {
      // A view: no step; the root's lifetime reaches the alias's readers.
      use(inputs[0]!.home, stepIndex);
    }
  }
  const end = pending.length;
  const outputs = g.outputs.map((o) => {
    const e = values.get(o.name)!;
    use(e.home, end);
    return { name: o.name, shape: e.value.shape, home: e.home };
  });
  // Aliases read after their root's last step: the readers were recorded via use() on the root's home.
  const { offsets, total } = planOffsets(lifetimes);
  // The backend's output memory (64-byte aligned natively, output.ts), zeroed once.
  const arena = backend().output(total).fill(0);
  const views = lifetimes.map((l, i) => arena.subarray(offsets[i], offsets[i] + l.size));
  for (const [id, sl] of sliceOf) views[id] = views[sl.id].subarray(sl.offset, sl.offset + sl.length);
  const patches: Plan['patches'] = [];
  const steps: Step[] = pending.map((p, s) => ({
    node: p.node,
    kernel: p.kernel,
    note: p.note,
    xs: p.xs.map((h, pos) => {
      if (h.kind === 'const') return h.data;
      if (h.kind === 'input') { patches.push({ step: s, pos, input: h.index }); return null; }
      return views[h.id];
    }),
    ys: p.ys.map((id) => views[id]),
  }));
  return { steps, patches, outputs, arenaBytes: total * 4, views };
}

/**
 * Whether a node is a Concat of 4-D float values along the channels (ONNX axis 1: NCHW's, or
 * the last axis of the NHWC form, passes/layout.ts), with its geometry: the output's channels,
 * the channel axis of the values' shapes, images and pixels per image.
 */
function elidableConcat(node: Node, axis: unknown, inputs: readonly (Value | null)[], outs: readonly Value[]):
  { channels: number; axis: number; nhwc: boolean; batch: number; pixels: number } | null {
  if (node.domain !== '' || node.op !== 'Concat' || typeof axis !== 'number' || outs.length !== 1) return null;
  const o = outs[0];
  if (o.dtype !== 'float32' || o.shape.length !== 4 || (axis !== 1 && axis !== -3)) return null;
  if (inputs.some((v) => v === null || v.dtype !== 'float32' || v.data !== undefined || v.shape.length !== 4)) return null;
  const nhwc = node.layout === 'nhwc';
  const [n, c, h, w] = nhwc ? [o.shape[0], o.shape[3], o.shape[1], o.shape[2]] : o.shape;
  return { channels: c, axis: nhwc ? 3 : 1, nhwc, batch: n, pixels: h * w };
}

/** Runs a plan on the given input arrays (g.inputs order); returns each output's elements (fresh arrays). */
export function runPlan(plan: Plan, feeds: readonly Float32Array[]): Data[] {
  for (const p of plan.patches) plan.steps[p.step].xs[p.pos] = feeds[p.input];
  for (const s of plan.steps) {
    try {
      s.kernel(s.xs, s.ys);
    } catch (err) {
      throw atNode(s.node, err);
    }
  }
  // Outputs leave the arena (the next run overwrites it): a copy each, the caller owns it.
  const out = plan.outputs.map((o) => {
    const h = o.home;
    if (h.kind === 'const') return h.data.slice();
    if (h.kind === 'input') return feeds[h.index].slice();
    return plan.views[h.id].slice();
  });
  for (const p of plan.patches) plan.steps[p.step].xs[p.pos] = null;
  return out;
}
