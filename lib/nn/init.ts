// PyTorch's default initialization: kaiming_uniform_(a = sqrt(5)) for weights, which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for biases. Drawn from the
// shared generator, so manualSeed (torch.manual_seed's twin) makes it reproducible.
import { sharedRandom } from '../random';

export { manualSeed } from '../random';

export function fillUniform(data: Float32Array, bound: number): void {
  const next = sharedRandom();
  for (let i = 0; i < data.length; i++) data[i] = (next() * 2 - 1) * bound;
}
