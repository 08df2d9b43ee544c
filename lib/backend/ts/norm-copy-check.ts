// The info checks of the batch-norm and copy kernels (as info-check.ts for the others): each
// field read once, the info rebuilt, every index a copy reaches inside its arrays.
import { rangeError, typeError } from '../../errors';
import { type BatchNorm2dInfo, batchNorm2dInfo } from '../../shape/batch-norm-info';
import { copyExtent, MAX_COPY_RANK, type PadInfo, padOutputShape, type StridedCopyInfo } from '../../shape/copy-info';

function snapshot<K extends string>(op: string, info: unknown, fields: readonly K[]): Record<K, unknown> {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) throw typeError(op, 'info must be an object');
  const out = Object.create(null) as Record<K, unknown>;
  for (const f of fields) out[f] = (info as Record<string, unknown>)[f];
  return out;
}

function int(op: string, name: string, v: unknown, min: number, max = 2 ** 31 - 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw rangeError(op, `info.${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

function ints(op: string, name: string, v: unknown, rank: number, min: number, max = 2 ** 31 - 1): number[] {
  if (!Array.isArray(v)) throw typeError(op, `info.${name} must be an array, got ${typeof v}`);
  const a = Array.from(v as unknown[]);
  if (rank < 0 ? a.length > MAX_COPY_RANK : a.length !== rank) {
    throw rangeError(op, `info.${name} must have ${rank < 0 ? `at most ${MAX_COPY_RANK}` : rank} entries, got ${a.length}`);
  }
  return a.map((x, i) => int(op, `${name}[${i}]`, x, min, max));
}

export function batchNormInfoOf(op: string, info: unknown): BatchNorm2dInfo {
  const s = snapshot(op, info, ['batch', 'channels', 'height', 'width', 'layout'] as const);
  const n = int(op, 'batch', s.batch, 1), c = int(op, 'channels', s.channels, 1);
  const h = int(op, 'height', s.height, 1), w = int(op, 'width', s.width, 1);
  if (s.layout !== 'nchw' && s.layout !== 'nhwc') throw rangeError(op, `info.layout must be 'nchw' or 'nhwc', got ${String(s.layout)}`);
  return batchNorm2dInfo(op, s.layout === 'nhwc' ? [n, h, w, c] : [n, c, h, w], s.layout);
}

const BIG = Number.MAX_SAFE_INTEGER;

/** The info read once and checked against x's and y's lengths. */
export function copyInfoOf(op: string, info: unknown, xLength: number, yLength: number): StridedCopyInfo {
  const s = snapshot(op, info, ['shape', 'xOffset', 'xStrides', 'yOffset', 'yStrides'] as const);
  const shape = ints(op, 'shape', s.shape, -1, 0);
  const r = shape.length;
  const c: StridedCopyInfo = {
    shape, xStrides: ints(op, 'xStrides', s.xStrides, r, -BIG, BIG), yStrides: ints(op, 'yStrides', s.yStrides, r, -BIG, BIG),
    xOffset: int(op, 'xOffset', s.xOffset, 0, BIG), yOffset: int(op, 'yOffset', s.yOffset, 0, BIG),
  };
  const [xl, xh] = copyExtent(shape, c.xOffset, c.xStrides), [yl, yh] = copyExtent(shape, c.yOffset, c.yStrides);
  if (xl <= xh && (xl < 0 || xh >= xLength)) throw rangeError(op, `x has ${xLength} elements but info reads [${xl}, ${xh}]`);
  if (yl <= yh && (yl < 0 || yh >= yLength)) throw rangeError(op, `y has ${yLength} elements but info writes [${yl}, ${yh}]`);
  return c;
}

export function padInfoOf(op: string, info: unknown): { info: PadInfo; outShape: number[] } {
  const s = snapshot(op, info, ['inShape', 'begins', 'ends', 'mode', 'value'] as const);
  const inShape = ints(op, 'inShape', s.inShape, -1, 0);
  if (inShape.length === 0) throw rangeError(op, 'info.inShape must have at least one dimension');
  const begins = ints(op, 'begins', s.begins, inShape.length, -(2 ** 31 - 1));
  const ends = ints(op, 'ends', s.ends, inShape.length, -(2 ** 31 - 1));
  if (s.mode !== 'constant' && s.mode !== 'reflect' && s.mode !== 'edge') throw rangeError(op, `info.mode must be 'constant', 'reflect' or 'edge', got ${String(s.mode)}`);
  if (typeof s.value !== 'number') throw typeError(op, `info.value must be a number, got ${typeof s.value}`);
  const outShape = padOutputShape(op, inShape, begins, ends, s.mode);
  return { info: { inShape, begins, ends, mode: s.mode, value: s.value }, outShape };
}
