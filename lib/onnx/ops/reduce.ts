// ReduceMean / ReduceSum / ReduceMax / ReduceMin (backend().reduce, one run of adjacent axes at
// a time) and Softmax / LogSoftmax (backend().softmax) with their opset-dependent axis rules.
import { backend } from '../../backend/select';
import type { ReduceKind } from '../../backend/backend';
import type { Attrs } from '../attrs';
import { axisOf, constInput, dims, floatInput, numel, op, type OpDef } from './op';

interface ReduceAttrs { axes: number[] | null; keepdims: boolean; noopWithEmptyAxes: boolean }

/** Reductions: axes as an attribute before `axesInputFrom` (13 for ReduceSum, 18 for the others), an input after. */
function reduceOp(kind: ReduceKind, axesInputFrom: number): OpDef<ReduceAttrs> {
  return op({
    inputs: [1, 2],
    load(a: Attrs, opset: number) {
      const attrs = opset < axesInputFrom ? ['axes', 'keepdims'] : ['keepdims', 'noop_with_empty_axes'];
      a.only(attrs);
      return {
        axes: opset < axesInputFrom && a.has('axes') ? a.ints('axes') : null,
        keepdims: a.int('keepdims', 1) !== 0,
        noopWithEmptyAxes: a.int('noop_with_empty_axes', 0) !== 0,
      };
    },
    plan(p) {
      const x = floatInput(p, 0), r = x.shape.length;
      let axes = p.attrs.axes;
      if (p.inputs[1]) axes = Array.from(constInput(p, 1, 'axes'));
      const be = backend();
      if (!axes || axes.length === 0) {
        if (p.attrs.noopWithEmptyAxes) return { outputs: [{ shape: x.shape, dtype: 'float32' }], kernel: (xs, ys) => ys[0].set(xs[0] as Float32Array) };
        axes = x.shape.map((_, i) => i);
      }
      const set = new Set(axes.map((a) => axisOf(a, r)));
      if (set.size !== axes.length) throw new RangeError(`axes ${dims(axes)} repeat an axis`);
      // Runs of adjacent reduced axes, each one backend call over [outer, axis, inner], last run first.
      const runs: [number, number][] = [];
      for (let i = 0; i < r; i++) {
        if (!set.has(i)) continue;
        if (runs.length && runs[runs.length - 1][1] === i) runs[runs.length - 1][1] = i + 1;
        else runs.push([i, i + 1]);
      }
      let shape = x.shape.slice();
      const calls = runs.reverse().map(([lo, hi]) => {
        const call = { outer: numel(shape.slice(0, lo)), axis: numel(shape.slice(lo, hi)), inner: numel(shape.slice(hi)) };
        shape = [...shape.slice(0, lo), ...new Array(hi - lo).fill(1), ...shape.slice(hi)];
        return { ...call, scratch: new Float32Array(0) };
      });
      calls.forEach((c, i) => { if (i < calls.length - 1) c.scratch = new Float32Array(c.outer * c.inner); });
      const out = p.attrs.keepdims ? shape : x.shape.filter((_, i) => !set.has(i));
      return {
        outputs: [{ shape: out, dtype: 'float32' }],
        kernel: (xs, ys) => {
          let src = xs[0] as Float32Array;
          calls.forEach((c, i) => {
            const dst = i === calls.length - 1 ? ys[0] : c.scratch;
            be.reduce(kind, src, dst, c.outer, c.axis, c.inner);
            src = dst;
          });
        },
      };
    },
  });
}

export const ReduceMean = reduceOp('mean', 18);
export const ReduceSum = reduceOp('sum', 13);
export const ReduceMax = reduceOp('max', 18);
export const ReduceMin = reduceOp('min', 18);

/**
 * Softmax / LogSoftmax: from opset 13 along one axis (default -1); before, over x flattened to
 * 2-D at `axis` (default 1), i.e. over every axis from `axis` on.
 */
function softmaxOp(log: boolean): OpDef<{ axis: number; flat: boolean }> {
  return op({
    inputs: [1, 1],
    load(a: Attrs, opset: number) {
      a.only(['axis']);
      return { axis: a.int('axis', opset < 13 ? 1 : -1), flat: opset < 13 };
    },
    plan(p) {
      const x = floatInput(p, 0), r = x.shape.length;
      const axis = axisOf(p.attrs.axis, r);
      const outer = numel(x.shape.slice(0, axis));
      const n = p.attrs.flat ? numel(x.shape.slice(axis)) : x.shape[axis];
      const inner = p.attrs.flat ? 1 : numel(x.shape.slice(axis + 1));
      const be = backend();
      return { outputs: [{ shape: x.shape, dtype: 'float32' }], kernel: (xs, ys) => be.softmax(xs[0] as Float32Array, ys[0], outer, n, inner, log) };
    },
  });
}

export const Softmax = softmaxOp(false);
export const LogSoftmax = softmaxOp(true);
