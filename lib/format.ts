// How a Tensor prints (String(t), console.log(t)): PyTorch's layout, values with 4 decimals
// (integers as "1."), big tensors summarized to the first and last 3 entries of each dimension,
// and the shape after the values: tensor([[1., 2.], [3., 4.]], shape=[2, 2]).

/** PyTorch's defaults: summarize past 1000 elements, keeping 3 at each end of every dimension. */
const THRESHOLD = 1000;
const EDGE = 3;

function formatter(values: number[], integral: boolean): (v: number) => string {
  if (integral) return (v: number) => String(v);
  const finite = values.filter(Number.isFinite);
  const ints = finite.every(Number.isInteger);
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.reduce((m, v) => (v !== 0 ? Math.min(m, Math.abs(v)) : m), Infinity);
  const sci = ints ? maxAbs >= 1e8 : maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || (maxAbs / minAbs > 1e3 && maxAbs >= 1e3);
  return (v: number) => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
    if (ints) return `${v}.`;
    return v.toFixed(4);
  };
}

/**
 * t's values as PyTorch prints them, then its shape; `extra` (e.g. `dtype=int32`,
 * `gradFn=conv2d`) follows the shape.
 */
export function formatTensor(data: Float32Array | Int32Array, shape: readonly number[], extra: string[] = []): string {
  const size = data.length;
  const summarize = size > THRESHOLD;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // The indices shown along a dimension of length n (null: the "..." gap).
  const shown = (n: number): (number | null)[] => (summarize && n > 2 * EDGE
    ? [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
    : Array.from({ length: n }, (_, i) => i));
  const visible: number[] = [];
  const collect = (dim: number, offset: number): void => {
    if (dim === shape.length) { visible.push(data[offset]); return; }
    for (const i of shown(shape[dim])) if (i !== null) collect(dim + 1, offset + i * strides[dim]);
  };
  collect(0, 0);
  const fmt = formatter(visible, data instanceof Int32Array);
  const width = visible.reduce((w, v) => Math.max(w, fmt(v).length), 0);
  const cell = (v: number) => fmt(v).padStart(width);
  const prefix = 'tensor(';
  const build = (dim: number, offset: number, indent: number): string => {
    if (dim === shape.length) return cell(data[offset]);
    const parts = shown(shape[dim]).map((i) => (i === null ? '...' : build(dim + 1, offset + i * strides[dim], indent + 1)));
    if (dim === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = `,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(indent + 1)}`;
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? cell(data[0]) : size === 0 ? '[]' : build(0, 0, prefix.length);
  return `${prefix}${body}, ${[`shape=[${shape.join(', ')}]`, ...extra].join(', ')})`;
}
