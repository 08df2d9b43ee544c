// int8 GEMM of the ts backend, the exact reference of the native one
// (native/include/convkit/qgemm.h): op(A) quantized with one scale, each column of op(B) with
// its own, values rounded half to even, products summed exactly (JS numbers hold the int32
// sums), then the dequantization, alpha and beta, each operation rounded to float32 on its own.
// Float32 division and multiplication evaluated in double and rounded once give the float32
// operation's own result, so Math.fround of them matches the native kernels bit for bit.
const f32 = Math.fround;
const F32_MAX = 3.4028234663852886e38;

/** v rounded to the nearest integer, ties to even (the hardware's default rounding). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The int8 value of x under scale s (0 for a zero scale): clamp(rne(fl(x / s)), -127, 127). */
export function quantize(x: number, s: number): number {
  if (s === 0) return 0;
  return Math.min(127, Math.max(-127, roundHalfEven(f32(x / s))));
}

/** fl(max / 127), or NaN when an operand value was NaN or infinite. */
export function scaleOf(max: number, bad: boolean): number {
  return bad ? NaN : f32(max / 127);
}

/** The scale of values[start .. start + n): fl(max |v| / 127), NaN when one is NaN or infinite. */
export function scaleOfRange(values: Float32Array, start: number, n: number): number {
  let max = 0;
  for (let i = start; i < start + n; i++) {
    const v = Math.abs(values[i]);
    if (!(v <= F32_MAX)) return NaN;
    if (v > max) max = v;
  }
  return scaleOf(max, false);
}

export function qgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void {
  if (m === 0 || n === 0) return;
  const A = transA ? (i: number, p: number) => a[p * lda + i] : (i: number, p: number) => a[i * lda + p];
  const B = transB ? (p: number, j: number) => b[j * ldb + p] : (p: number, j: number) => b[p * ldb + j];
  let amax = 0;
  let abad = false;
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const v = Math.abs(A(i, p));
      if (!(v <= F32_MAX)) abad = true;
      else if (v > amax) amax = v;
    }
  }
  const sa = scaleOf(amax, abad);
  const qa = new Int32Array(m * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) qa[i * k + p] = quantize(A(i, p), abad ? 0 : sa);
  const qb = new Int32Array(k);
  for (let j = 0; j < n; j++) {
    let bmax = 0;
    let bbad = false;
    for (let p = 0; p < k; p++) {
      const v = Math.abs(B(p, j));
      if (!(v <= F32_MAX)) bbad = true;
      else if (v > bmax) bmax = v;
    }
    const sb = scaleOf(bmax, bbad);
    for (let p = 0; p < k; p++) qb[p] = quantize(B(p, j), bbad ? 0 : sb);
    const s = f32(sa * sb);
    for (let i = 0; i < m; i++) {
      let q = 0;
      for (let p = 0; p < k; p++) q += qa[i * k + p] * qb[p];
      let y = f32(alpha * f32(f32(q) * s));
      if (beta !== 0) y = f32(y + f32(beta * c[i * ldc + j]));
      c[i * ldc + j] = y;
    }
  }
}
