// Output buffers for the ts kernels: zero-filled, as several of them accumulate into y.
export function output(n: number): Float32Array {
  return new Float32Array(n);
}
