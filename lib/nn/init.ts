// PyTorch's default initialization: kaiming_uniform_(a = sqrt(5)) for weights, which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for biases. Seedable for
// reproducible runs (manualSeed), like torch.manual_seed.
let state = (Math.random() * 2 ** 32) >>> 0;

export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new RangeError(`manualSeed: seed must be a finite number, got ${seed}`);
  state = seed >>> 0;
}

/** mulberry32 step on the shared state. */
export function uniform01(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function fillUniform(data: Float32Array, bound: number): void {
  for (let i = 0; i < data.length; i++) data[i] = (uniform01() * 2 - 1) * bound;
}
