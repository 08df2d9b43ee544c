// Type-checked by test/api/package.test.ts: the CommonJS entry exposes the typed API.
import ck = require('convkit');

const t: ck.Tensor = ck.zeros([2, 3]);
const g: ck.Tensor = ck.gemm(t, ck.ones([3, 4]), { alpha: 2 });
const s: 'native' | 'ts' = ck.getBackend();
export = { t, g, s };
