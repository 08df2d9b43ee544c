// Pure-TypeScript binary element-wise ops over a broadcast loop nest (lib/shape/broadcast-info.ts).
import type { BinaryKind } from '../backend';
import type { BroadcastInfo } from '../../shape/broadcast-info';

const OPS: Record<BinaryKind, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),  // NaN propagates (torch.maximum)
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
};

/** y = a (op) b, element-wise, a and b broadcast as info says. */
export function binary(kind: BinaryKind, a: Float32Array, b: Float32Array, y: Float32Array, info: BroadcastInfo): void {
  const f = OPS[kind];
  const { dims, aStrides, bStrides } = info;
  const r = dims.length;
  if (r === 0) {
    if (info.size === 1) y[0] = f(a[0], b[0]);
    return;
  }
  const n = dims[r - 1], sa = aStrides[r - 1], sb = bStrides[r - 1];
  const rows = info.size / n;
  const idx = new Array<number>(r).fill(0);
  let ao = 0, bo = 0, yo = 0;
  for (let row = 0; row < rows; row++) {
    for (let i = 0; i < n; i++) y[yo + i] = f(a[ao + i * sa], b[bo + i * sb]);
    yo += n;
    // Odometer over the outer dims.
    for (let k = r - 2; k >= 0; k--) {
      ao += aStrides[k]; bo += bStrides[k];
      if (++idx[k] < dims[k]) break;
      ao -= aStrides[k] * dims[k]; bo -= bStrides[k] * dims[k];
      idx[k] = 0;
    }
  }
}
