// Every conv2d backward path is reached (the addon's hook: lastPath('conv2d-dx' | 'conv2d-dw'),
// native/include/convkit/last-path.h conv_backward_path) and agrees with the ts backend, both
// layouts, at whatever ISA level the project runs (the in-place dw tile exists on AVX-512 only).
import { afterEach, describe, expect, it } from 'vitest';
import { conv2dBackward, randn, setBackend, type Tensor } from '../../lib/index';
import { lastPath, simdLevel } from '../helpers/paths';

interface Case { name: string; x: number[]; w: number[]; stride: number; padding: number | [number, number, number, number]; groups: number; dx: string; dw: string | { nchw: string; nhwc: string } }
const avx512 = simdLevel() === 'avx512';
const inPlace = avx512 ? 'packed-in-place' : 'packed';
// dw of stride-1 NCHW layers with few channels: the direct kernel where the config has it, up to
// Cin/group x KH x KW = 160 on AVX-512 and 96 on AVX2 (conv2d-config.cc).
const directUpTo = avx512 ? 160 : simdLevel() === 'avx2' ? 96 : 0;
const direct = (kd: number) => ({ nchw: kd <= directUpTo ? 'direct' : 'packed', nhwc: 'packed' });
// dw of 3x3 stride-1 layers with 24+ channels and 64+ tiles: Winograd where the forward prefers
// it (the vectorized transforms: AVX-512, AVX2), else the packed GEMM.
const winogradDw = simdLevel() === 'avx512' || simdLevel() === 'avx2' ? 'winograd' : 'packed';
const cases: Case[] = [
  { name: 'absurd stride', x: [1, 2, 5, 5], w: [3, 2, 3, 3], stride: 100000, padding: 0, groups: 1, dx: 'ref', dw: 'ref' },
  { name: 'stride 1, many positions', x: [4, 8, 32, 32], w: [16, 8, 3, 3], stride: 1, padding: 1, groups: 1, dx: 'as-forward', dw: direct(72) },
  { name: 'LeNet conv1: Cin 1, 5x5 pad 2', x: [3, 1, 28, 28], w: [6, 1, 5, 5], stride: 1, padding: 2, groups: 1, dx: 'as-forward', dw: direct(25) },
  { name: 'groups 2, 7x7, asymmetric pad', x: [2, 6, 13, 11], w: [10, 3, 7, 7], stride: 1, padding: [3, 1, 0, 2], groups: 2, dx: 'gemm', dw: direct(147) },
  { name: 'rows longer than a tile of positions', x: [1, 3, 9, 700], w: [5, 3, 3, 3], stride: 1, padding: 1, groups: 1, dx: 'as-forward', dw: direct(27) },
  { name: 'stride 2', x: [2, 8, 15, 15], w: [6, 8, 3, 3], stride: 2, padding: 1, groups: 1, dx: 'gemm', dw: 'packed' },
  { name: 'Cin 32, stride 1', x: [1, 32, 12, 12], w: [16, 32, 3, 3], stride: 1, padding: 1, groups: 1, dx: 'gemm', dw: inPlace },
  { name: 'ResNet-like 3x3, odd width', x: [2, 32, 20, 17], w: [40, 32, 3, 3], stride: 1, padding: 1, groups: 1, dx: 'gemm', dw: winogradDw },
  { name: 'depthwise', x: [2, 8, 9, 9], w: [8, 1, 3, 3], stride: 1, padding: 1, groups: 8, dx: 'depthwise', dw: 'depthwise' },
  { name: '1x1', x: [2, 8, 9, 9], w: [4, 8, 1, 1], stride: 1, padding: 0, groups: 1, dx: 'gemm', dw: 'gemm' },
];

afterEach(() => setBackend('native'));

function maxRelDiff(a: Tensor, b: Tensor): number {
  let scale = 1e-3;
  for (let i = 0; i < b.size; i++) scale = Math.max(scale, Math.abs(b.data[i]));
  let d = 0;
  for (let i = 0; i < a.size; i++) d = Math.max(d, Math.abs(a.data[i] - b.data[i]));
  return d / scale;
}

describe('conv2d backward paths', () => {
  for (const c of cases) {
    for (const layout of ['nchw', 'nhwc'] as const) {
      it(`${c.name} (${layout}): dx ${c.dx}, dw ${typeof c.dw === 'string' ? c.dw : c.dw[layout]}`, () => {
        const nhwc = (s: number[]): number[] => (layout === 'nchw' ? s : [s[0], s[2], s[3], s[1]]);
        const x = randn(nhwc(c.x), { seed: 3 });
        const w = randn(nhwc(c.w), { seed: 4 });
        const opts = { stride: c.stride, padding: c.padding, groups: c.groups, layout, bias: randn([c.w[0]], { seed: 5 }) };
        const [pt, pb, pl, pr] = typeof c.padding === 'number' ? [c.padding, c.padding, c.padding, c.padding] : c.padding;
        const oh = Math.floor((c.x[2] + pt + pb - c.w[2]) / c.stride) + 1;
        const ow = Math.floor((c.x[3] + pl + pr - c.w[3]) / c.stride) + 1;
        const dy = randn(nhwc([c.x[0], c.w[0], oh, ow]), { seed: 6 });
        setBackend('native');
        lastPath('conv2d-dx');
        lastPath('conv2d-dw');
        const got = conv2dBackward(dy, x, w, opts);
        expect(lastPath('conv2d-dx')).toBe(c.dx);
        expect(lastPath('conv2d-dw')).toBe(typeof c.dw === 'string' ? c.dw : c.dw[layout]);
        setBackend('ts');
        const want = conv2dBackward(dy, x, w, opts);
        expect(maxRelDiff(got.dx!, want.dx!)).toBeLessThan(1e-4);
        expect(maxRelDiff(got.dw!, want.dw!)).toBeLessThan(1e-4);
        expect(maxRelDiff(got.db!, want.db!)).toBeLessThan(1e-4);
      });
    }
  }
});
