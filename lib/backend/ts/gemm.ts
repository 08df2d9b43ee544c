// Pure-TypeScript SGEMM, row-major. Blocked over k (a KB-row slab of B stays in cache while
// every row of A sweeps it) and over 4 rows of C at a time (each B element loaded once feeds
// 4 multiply-adds). Accumulators are float64 scratch rows allocated once per call: no
// allocation happens inside the loops.
const KB = 128;

export function sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void {
  for (let i = 0; i < m; i++) {
    const row = i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j] *= beta;
  }
  if (k === 0 || alpha === 0 || m === 0 || n === 0) return;
  const acc0 = new Float64Array(n);
  const acc1 = new Float64Array(n);
  const acc2 = new Float64Array(n);
  const acc3 = new Float64Array(n);
  const accs = [acc0, acc1, acc2, acc3];
  // op(A)(i, p) and op(B) rows as index arithmetic, so the loops below serve every transpose.
  const aAt = transA ? (i: number, p: number) => a[p * lda + i] : (i: number, p: number) => a[i * lda + p];
  const bt = transB ? packTransposed(b, ldb, n, k) : null;
  const B = bt ?? b;
  const ldB = bt ? n : ldb;
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = Math.min(4, m - i0);
    for (const acc of accs) acc.fill(0);
    for (let p0 = 0; p0 < k; p0 += KB) {
      const p1 = Math.min(k, p0 + KB);
      if (rows === 4) {
        for (let p = p0; p < p1; p++) {
          const a0 = aAt(i0, p);
          const a1 = aAt(i0 + 1, p);
          const a2 = aAt(i0 + 2, p);
          const a3 = aAt(i0 + 3, p);
          const brow = p * ldB;
          for (let j = 0; j < n; j++) {
            const bv = B[brow + j];
            acc0[j] += a0 * bv;
            acc1[j] += a1 * bv;
            acc2[j] += a2 * bv;
            acc3[j] += a3 * bv;
          }
        }
      } else {
        for (let r = 0; r < rows; r++) {
          for (let p = p0; p < p1; p++) {
            const av = aAt(i0 + r, p);
            const brow = p * ldB;
            const acc = accs[r];
            for (let j = 0; j < n; j++) acc[j] += av * B[brow + j];
          }
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      const row = (i0 + r) * ldc;
      const acc = accs[r];
      for (let j = 0; j < n; j++) c[row + j] += alpha * acc[j];
    }
  }
}

/** B stored [n, k] (transB) copied to [k, n], so the inner loop always walks a contiguous row. */
function packTransposed(b: Float32Array, ldb: number, n: number, k: number): Float32Array {
  const out = new Float32Array(k * n);
  for (let j = 0; j < n; j++) {
    const src = j * ldb;
    for (let p = 0; p < k; p++) out[p * n + j] = b[src + p];
  }
  return out;
}
