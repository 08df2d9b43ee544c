// Type-checked by test/api/package.test.ts: the ESM entry exposes the typed API.
import { conv2d, Tensor, info, type Conv2dOptions } from 'convkit';
import convkit from 'convkit';

const opts: Conv2dOptions = { stride: 1, padding: 'same', layout: 'nchw' };
const y: Tensor = conv2d(new Tensor(new Float32Array(9), [1, 1, 3, 3]), new Tensor(new Float32Array(1), [1, 1, 1, 1]), opts);
const simd: 'avx512' | 'avx2' | 'neon' | 'scalar' = info().native.simd;
const n: number = convkit.conv2dParamCount(3, 8, 5);
export { y, simd, n };
