// Layout: regions of convolutions run NHWC where that is measured faster (a region with a
// grouped/depthwise conv or a strided 1x1 conv: see pass 1 below), and so do the nodes between
// them that can (pools, element-wise ops, channel Concat), so that values cross layouts only at the
// borders of NHWC regions: a Transpose where an NCHW value enters (the graph input), and where
// an NHWC value leaves to a node that needs ONNX's NCHW semantics (Flatten, Reshape, Gemm,
// Shape, a graph output...). A border after a global pool ([N, 1, 1, C]) costs nothing: the
// Transpose of a value whose spatial size is 1 is a view. Conv weights are turned to OHWI once
// here; constant operands of NHWC element-wise ops are permuted once.
// CONVKIT_ONNX_LAYOUT=nchw skips this pass, =nhwc takes every region NHWC (to measure the difference).
import type { Const, Graph, Node } from '../graph';
import { transposeCopy } from './internal-ops';
import { rankOf, type Shapes } from './shapes';
import { freshName, plural, setAttrs, sharedFloats } from './util';

const UNARY = new Set(['Relu', 'Sigmoid', 'Tanh', 'Neg', 'Exp', 'Log', 'Sqrt', 'Abs', 'HardSwish', 'HardSigmoid', 'LeakyRelu', 'Clip', 'Erf', 'Elu', 'Softplus', 'Reciprocal']);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min']);
const TO_NHWC = [0, 2, 3, 1], TO_NCHW = [0, 3, 1, 2];

/** A float constant permuted (after padding its rank to 4 with leading 1s) into NHWC order. */
function nhwcConst(c: Const): Const {
  const shape = [...new Array(4 - c.shape.length).fill(1), ...c.shape];
  const info = transposeCopy(shape, TO_NHWC);
  const out = sharedFloats(c.data.length);
  const [d0, d1, d2, d3] = info.shape, [s0, s1, s2, s3] = info.xStrides;
  let k = 0;
  for (let a = 0; a < d0; a++) for (let b = 0; b < d1; b++) for (let e = 0; e < d2; e++) for (let f = 0; f < d3; f++) out[k++] = c.data[a * s0 + b * s1 + e * s2 + f * s3];
  return { dtype: 'float32', shape: info.shape, data: out };
}

export function chooseLayout(g: Graph, attrs: Map<Node, unknown>, shapes: Shapes | string): string[] {
  if (process.env.CONVKIT_ONNX_LAYOUT === 'nchw') return ['layout: NCHW throughout (CONVKIT_ONNX_LAYOUT=nchw)'];
  if (typeof shapes === 'string') return [`layout: NCHW throughout: the shapes are not known at load (${shapes})`];
  const outputs = new Set(g.outputs.map((o) => o.name));
  const nhwc = new Set<string>();   // runtime values held NHWC
  const converted = new Map<string, string>();   // `${value}|${layout}` -> the transposed value
  const constCache = new Map<string, string>();
  const order: Node[] = [];
  let transposes = 0, regions = 0, moved = 0;
  const rank4 = (v: string) => rankOf(shapes, v) === 4;
  const runtime = (v: string) => v !== '' && !g.consts.has(v);

  /** v in the wanted layout, adding a Transpose before the current node if needed. */
  const need = (v: string, want: 'nhwc' | 'nchw'): string => {
    if ((want === 'nhwc') === nhwc.has(v)) return v;
    const key = `${v}|${want}`;
    let t = converted.get(key);
    if (!t) {
      t = freshName(g, `${v}::${want}`);
      const node: Node = { name: freshName(g, `${v}::to_${want}`), op: 'Transpose', domain: 'convkit', inputs: [v], outputs: [t], attrs: { perm: want === 'nhwc' ? TO_NHWC : TO_NCHW } };
      setAttrs(g, attrs, node);
      order.push(node);
      if (want === 'nhwc') nhwc.add(t);
      converted.set(key, t);
      transposes++;
    }
    return t;
  };
  const constNhwc = (v: string): string => {
    let name = constCache.get(v);
    if (!name) {
      name = freshName(g, `${v}::nhwc`);
      g.consts.set(name, nhwcConst(g.consts.get(v)!));
      constCache.set(v, name);
    }
    return name;
  };
  const weightOhwi = (v: string): string => {
    let name = constCache.get(`${v}|ohwi`);
    if (!name) {
      const w = g.consts.get(v)!;
      const [o, i, kh, kw] = w.shape;
      const out = sharedFloats(w.data.length);
      for (let a = 0; a < o; a++) for (let c = 0; c < i; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
        out[((a * kh + y) * kw + x) * i + c] = w.data[((a * i + c) * kh + y) * kw + x];
      }
      name = freshName(g, `${v}::ohwi`);
      g.consts.set(name, { dtype: 'float32', shape: [o, kh, kw, i], data: out });
      constCache.set(`${v}|ohwi`, name);
    }
    return name;
  };

  /** Whether the node can run NHWC, given which values are NHWC so far. */
  const wants = (node: Node, held: Set<string>): boolean => {
    const runtimeIns = node.inputs.filter(runtime);
    const producesOutput = node.outputs.some((o) => outputs.has(o));
    const anyNhwc = runtimeIns.some((v) => held.has(v));
    let go = false;
    if (node.domain === '' && node.op === 'Conv') {
      const w = g.consts.get(node.inputs[1]);
      go = rank4(node.inputs[0]) && !!w && w.dtype === 'float32' && w.shape.length === 4 && !producesOutput && runtimeIns.every((v) => v === node.inputs[0] || v === node.epilogue?.residual);
    } else if (producesOutput || !anyNhwc || node.outputs.length !== 1) {
      go = false;
    } else if (node.domain === '' && ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool'].includes(node.op)) {
      go = rank4(node.inputs[0]);
    } else if (node.domain === '' && node.op === 'Concat') {
      const axis = attrs.get(node) as number;
      go = runtimeIns.length === node.inputs.length && node.inputs.every(rank4) && (axis === 1 || axis === -3);
    } else if ((node.domain === '' && (UNARY.has(node.op) || BINARY.has(node.op))) || (node.domain === 'convkit' && node.op === 'Activation')) {
      go = runtimeIns.every(rank4) && node.inputs.every((v) => v === '' || runtime(v) || (g.consts.get(v)!.dtype === 'float32' && g.consts.get(v)!.shape.length <= 4));
      // A constant of more than one element broadcasts against the NCHW axes: only for binary ops (permuted below).
      if (go && !BINARY.has(node.op)) go = node.inputs.every((v) => v === '' || runtime(v) || g.consts.get(v)!.data.length === 1);
    }
    return go;
  };

  // Pass 1: the regions NHWC would take (connected through NHWC values), and whether each has a
  // conv the NCHW kernels are weak at (grouped/depthwise, or a strided 1x1): measured, only
  // those regions gain (mobilenet_v2 and efficientnet_b0 35% and 30% less CPU time, resnet18
  // and resnet50 7%). Also a region with a windowed pool (MaxPool, AveragePool): the NHWC pools
  // run 2-3x the NCHW ones on small planes, and the NHWC 1x1 GEMM has caught up (squeezenet1_1,
  // dense 3x3 and 1x1 convs and three 3x3/2 max pools: 1.18-1.24x onnxruntime's time at batch 1
  // and 4 NHWC against 1.25-1.35x NCHW, scripts/onnx-profile.js). A region of dense convs
  // alone stays NCHW.
  const parent: number[] = [];
  const find = (r: number): number => (parent[r] === r ? r : (parent[r] = find(parent[r])));
  const gains: boolean[] = [];
  const regionOfValue = new Map<string, number>(), regionOfConv = new Map<Node, number>();
  {
    const held = new Set<string>();
    for (const node of g.nodes) {
      if (!wants(node, held)) continue;
      const joined = [...new Set(node.inputs.filter((v) => held.has(v)).map((v) => find(regionOfValue.get(v)!)))];
      let r: number;
      if (joined.length === 0) { r = parent.length; parent.push(r); gains.push(false); } else r = joined[0];
      for (const o of joined.slice(1)) { parent[o] = r; gains[r] = gains[r] || gains[o]; }
      if (node.domain === '' && (node.op === 'MaxPool' || node.op === 'AveragePool')) gains[r] = true;
      if (node.op === 'Conv' && node.domain === '') {
        regionOfConv.set(node, r);
        const w = g.consts.get(node.inputs[1])!;
        const { group, strides } = attrs.get(node) as { group: number; strides: number[] };
        if (group > 1 || (w.shape[2] === 1 && w.shape[3] === 1 && (strides[0] > 1 || strides[1] > 1))) gains[r] = true;
      }
      for (const o of node.outputs) if (o !== '') { held.add(o); regionOfValue.set(o, r); }
    }
  }
  const everyRegion = process.env.CONVKIT_ONNX_LAYOUT === 'nhwc';
  const keep = (node: Node): boolean => everyRegion || !(node.op === 'Conv' && node.domain === '') || gains[find(regionOfConv.get(node)!)];

  // Pass 2: rewrite the regions that gain.
  for (const node of g.nodes) {
    const anyNhwc = node.inputs.some((v) => runtime(v) && nhwc.has(v));
    const go = wants(node, nhwc) && keep(node);
    if (go) {
      if (!anyNhwc) regions++;
      node.inputs = node.inputs.map((v, i) => {
        if (v === '') return v;
        if (node.op === 'Conv' && node.domain === '') {
          if (i === 1) return weightOhwi(v);
          if (i === 2) return v;
        }
        if (runtime(v)) return need(v, 'nhwc');
        return g.consts.get(v)!.data.length === 1 ? v : constNhwc(v);
      });
      if (node.epilogue?.residual) node.epilogue.residual = node.inputs[3];
      node.layout = 'nhwc';
      setAttrs(g, attrs, node);
      for (const o of node.outputs) if (o !== '') nhwc.add(o);
      moved++;
    } else {
      node.inputs = node.inputs.map((v) => (runtime(v) && nhwc.has(v) ? need(v, 'nchw') : v));
    }
    order.push(node);
  }
  g.nodes = order;
  if (moved === 0) return parent.length ? ['layout: NCHW throughout (no region with a grouped conv, a strided 1x1 conv or a windowed pool, where NHWC gains)'] : [];
  return [`layout: ${plural(moved, 'node')} run NHWC in ${plural(regions, 'region')}, ${plural(transposes, 'Transpose')} at the borders (views where the spatial size is 1); conv weights turned to OHWI once`];
}
