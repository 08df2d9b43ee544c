// PyTorch's default initialization: kaiming_uniform_(a = sqrt(5)) for weights, which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for biases. Seedable for
// reproducible runs (manualSeed), like torch.manual_seed.
import { mulberry32 } from '../random';

let next = mulberry32((Math.random() * 2 ** 32) >>> 0);

/**
 * Seeds the generator that initializes new layers' weights and biases (like torch.manual_seed),
 * so models built after it are reproducible.
 * @param seed - a finite number.
 */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new RangeError(`manualSeed: seed must be a finite number, got ${seed}`);
  next = mulberry32(seed);
}

export function fillUniform(data: Float32Array, bound: number): void {
  for (let i = 0; i < data.length; i++) data[i] = (next() * 2 - 1) * bound;
}
