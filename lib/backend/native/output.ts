// Output buffers for the native kernels, which overwrite every element they are given: no
// calloc zero-fill (a memset the size of the output, and with it page faults on fresh
// memory), just malloc'd bytes. CONVKIT_POISON_OUTPUTS=1 fills them with NaN instead, so the
// tests catch any kernel that leaves an element unwritten.
const poison = process.env.CONVKIT_POISON_OUTPUTS === '1';

export function output(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const y = new Float32Array(Buffer.allocUnsafeSlow(n * 4).buffer, 0, n);
  return poison ? y.fill(NaN) : y;
}
