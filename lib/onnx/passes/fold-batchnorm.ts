// BatchNormalization folded into the convolution before it: w'[o] = w[o] * scale[o],
// b'[o] = b[o] * scale[o] + shift[o] (scale = gamma / sqrt(var + eps), shift = beta - mean *
// scale), computed in float64 and rounded once. PyTorch's export folds eval-mode BN itself
// unless asked not to (do_constant_folding=False, training=TrainingMode.PRESERVE); this pass
// does it then. Only when the conv's output feeds the BN alone and is not a graph output (else
// the unnormalized values are still needed: the BN then runs as its own step), and when the
// weights and the BN's parameters are constants. The folded weights are new constants: a
// weight shared with another node stays as it was.
import type { Graph, Node } from '../graph';
import { floatConst, freshName, index, onlyFeeds, plural, removeNodes, setAttrs, sharedFloats } from './util';

export function foldBatchNorm(g: Graph, attrs: Map<Node, unknown>): string[] {
  const ix = index(g);
  const drop = new Set<Node>();
  const kept: string[] = [];
  for (const bn of g.nodes) {
    if (bn.op !== 'BatchNormalization' || bn.domain !== '') continue;
    const conv = ix.producer.get(bn.inputs[0]);
    if (!conv || conv.op !== 'Conv' || conv.domain !== '' || (conv.epilogue && (conv.epilogue.residual || conv.epilogue.activation !== 'none')) || conv.layout || drop.has(conv)) continue;
    const w = floatConst(g, conv.inputs[1]);
    const bias = conv.inputs[2] ? floatConst(g, conv.inputs[2]) : null;
    const params = bn.inputs.slice(1, 5).map((v) => floatConst(g, v));
    if (!w || w.shape.length !== 4 || (conv.inputs[2] && !bias) || params.some((p) => !p)) continue;
    const cout = w.shape[0];
    if (params.some((p) => p!.data.length !== cout) || (bias && bias.data.length !== cout)) continue;
    if (!onlyFeeds(ix, conv.outputs[0], bn)) {
      kept.push(bn.name);
      continue;
    }
    const { epsilon } = attrs.get(bn) as { epsilon: number };
    const [gamma, beta, mean, variance] = params.map((p) => p!.data);
    const per = w.data.length / cout;
    const wf = sharedFloats(w.data.length), bf = sharedFloats(cout);
    for (let o = 0; o < cout; o++) {
      const s = gamma[o] / Math.sqrt(variance[o] + epsilon);   // float64, as ops/norm.ts's bnScaleShift
      for (let i = o * per; i < (o + 1) * per; i++) wf[i] = w.data[i] * s;
      bf[o] = (bias ? bias.data[o] : 0) * s + (beta[o] - mean[o] * s);
    }
    const wName = freshName(g, `${conv.inputs[1]}::bn`), bName = freshName(g, `${bn.inputs[2]}::bn`);
    g.consts.set(wName, { dtype: 'float32', shape: w.shape.slice(), data: wf });
    g.consts.set(bName, { dtype: 'float32', shape: [cout], data: bf });
    conv.inputs = [conv.inputs[0], wName, bName];
    conv.outputs = [bn.outputs[0]];
    conv.epilogue = { residual: null, activation: 'none', fused: [...(conv.epilogue?.fused ?? []), bn.name] };
    setAttrs(g, attrs, conv);
    drop.add(bn);
  }
  removeNodes(g, attrs, drop);
  const lines: string[] = [];
  if (drop.size) lines.push(`fold-batchnorm: ${plural(drop.size, 'BatchNormalization')} folded into the preceding Conv's weights and bias`);
  if (kept.length) lines.push(`fold-batchnorm: ${plural(kept.length, 'BatchNormalization')} left as a step (the conv's output has other readers): ${kept.join(', ')}`);
  return lines;
}
