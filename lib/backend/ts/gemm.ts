// Pure-TypeScript SGEMM, row-major. Each output row is accumulated in a float64 scratch row
// (the k loop outside, a contiguous j loop inside), so no allocation happens in the inner loops.
export function sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void {
  const acc = new Float64Array(n);
  // Blocking over k keeps a KB x n slab of B hot while all rows of A sweep it.
  const KB = 256;
  const scaleC = (i: number): void => {
    const row = i * ldc;
    if (beta === 0) for (let j = 0; j < n; j++) c[row + j] = 0;
    else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j] *= beta;
  };
  for (let i = 0; i < m; i++) scaleC(i);
  if (k === 0 || alpha === 0) return;
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      if (!transB) {
        for (let p = k0; p < k1; p++) {
          const av = transA ? a[p * lda + i] : a[i * lda + p];
          if (av === 0) continue;
          const brow = p * ldb;
          for (let j = 0; j < n; j++) acc[j] += av * b[brow + j];
        }
      } else {
        for (let j = 0; j < n; j++) {
          const brow = j * ldb;
          let s = 0;
          if (transA) for (let p = k0; p < k1; p++) s += a[p * lda + i] * b[brow + p];
          else { const arow = i * lda; for (let p = k0; p < k1; p++) s += a[arow + p] * b[brow + p]; }
          acc[j] = s;
        }
      }
      const row = i * ldc;
      for (let j = 0; j < n; j++) c[row + j] += alpha * acc[j];
    }
  }
}
