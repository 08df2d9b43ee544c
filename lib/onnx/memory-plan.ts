// Where each intermediate lives: one arena, each value at an offset, values whose lifetimes
// overlap never sharing bytes. Greedy by size (largest first, lowest offset that fits), the
// plan TFLite's and ONNX Runtime's planners start from; offsets are 16-float (64-byte) aligned.

/** One intermediate: its element count and the steps from its definition to its last read, inclusive. */
export interface Lifetime {
  size: number;
  first: number;
  last: number;
}

const ALIGN = 16;

/** Offsets (in floats) for each lifetime, and the arena size they need. */
export function planOffsets(values: readonly Lifetime[]): { offsets: number[]; total: number } {
  const order = values.map((_, i) => i).sort((a, b) => values[b].size - values[a].size || values[a].first - values[b].first);
  const offsets = new Array<number>(values.length).fill(-1);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const v = values[i];
    const size = Math.ceil(v.size / ALIGN) * ALIGN;
    // The placed values alive at the same time, by offset: take the first gap that fits.
    const live = placed.filter((j) => values[j].first <= v.last && v.first <= values[j].last).sort((a, b) => offsets[a] - offsets[b]);
    let at = 0;
    for (const j of live) {
      if (offsets[j] - at >= size) break;
      at = Math.max(at, offsets[j] + Math.ceil(values[j].size / ALIGN) * ALIGN);
    }
    offsets[i] = at;
    placed.push(i);
    total = Math.max(total, at + size);
  }
  return { offsets, total };
}
