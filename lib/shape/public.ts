// The slides' shape arithmetic, exported: output shapes and parameter counts.
import { checkBool, checkIntAtLeast, checkOptions, checkPair } from '../check';
import { shapeSize } from '../tensor';
import { CONV2D_SHAPE_KEYS, conv2dInfo, conv2dOutputShapeOf, type Conv2dShapeOptions } from './conv2d-info';
import { pool2dInfo, pool2dOutputShapeOf, type Pool2dOptions } from './pool2d-info';

function withBatch(op: string, shape: readonly number[]): { s4: readonly number[]; rank3: boolean } {
  shapeSize(op, shape, 'xShape');
  return shape.length === 3 ? { s4: [1, ...shape], rank3: true } : { s4: shape, rank3: false };
}

/** Output shape of conv2d for x and w shapes in the layout's order. */
export function conv2dOutputShape(xShape: readonly number[], wShape: readonly number[], opts?: Conv2dShapeOptions): number[] {
  const op = 'conv2dOutputShape';
  const { s4, rank3 } = withBatch(op, xShape);
  shapeSize(op, wShape, 'wShape');
  const o = checkOptions(op, opts, CONV2D_SHAPE_KEYS);
  const out = conv2dOutputShapeOf(conv2dInfo(op, s4, wShape, o, null));
  return rank3 ? out.slice(1) : out;
}

/** Output shape of maxPool2d / avgPool2d. */
export function pool2dOutputShape(xShape: readonly number[], opts: Pool2dOptions): number[] {
  const op = 'pool2dOutputShape';
  const { s4, rank3 } = withBatch(op, xShape);
  const o = checkOptions(op, opts);
  const out = pool2dOutputShapeOf(pool2dInfo(op, 'max', s4, o));
  return rank3 ? out.slice(1) : out;
}

/** cout*kh*kw*cin/groups weights plus cout biases: the slides' m*k*k*d + m. */
export function conv2dParamCount(cin: number, cout: number, kernel: number | [number, number], opts?: { groups?: number; bias?: boolean }): number {
  const op = 'conv2dParamCount';
  const o = checkOptions(op, opts, ['groups', 'bias']);
  checkIntAtLeast(op, 'cin', cin, 1);
  checkIntAtLeast(op, 'cout', cout, 1);
  const [kh, kw] = checkPair(op, 'kernel', kernel, 1, 1);
  const groups = o.groups === undefined ? 1 : checkIntAtLeast(op, 'groups', o.groups, 1);
  const bias = checkBool(op, 'bias', o.bias, true);
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new RangeError(`${op}: groups ${groups} must divide cin ${cin} and cout ${cout}`);
  }
  return cout * kh * kw * (cin / groups) + (bias ? cout : 0);
}
