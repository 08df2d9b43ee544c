// native sgemm == ts sgemm: every transpose, partial tiles, k below the unroll, strided
// leading dimensions, alpha/beta, and beta = 0 ignoring NaN in C.
import { describe } from 'vitest';
import { info } from '../../lib/index';
import { gemmParityCases } from '../helpers/gemm-parity';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();

const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 1000, 2048], [2, 37, 19], [3, 5, 1], [7, 33, 17], [17, 1, 9], [64, 64, 64],
  [65, 129, 31], [100, 3, 257], [128, 128, 300], [13, 300, 7],
];

describe.skipIf(skip)('sgemm parity native vs ts', () => {
  itRunsAtForcedIsa();
  gemmParityCases('sgemm', shapes);
});
