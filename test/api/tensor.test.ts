import { describe, expect, it } from 'vitest';
import { dropout, full, manualSeed, nn, ones, rand, randn, Tensor, tensor, zeros } from '../../lib/index';

describe('Tensor', () => {
  it('wraps data without copying and checks the length', () => {
    const d = new Float32Array(6);
    const t = new Tensor(d, [2, 3]);
    expect(t.data).toBe(d);
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(RangeError);
    expect(() => new Tensor([1, 2] as unknown as Float32Array, [2])).toThrow(TypeError);
    expect(() => new Tensor(new Float32Array(6), [-2, -3])).toThrow(/Tensor:/);
  });
  it('reshape shares data and infers one -1', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    const r = t.reshape([3, -1]);
    expect(r.shape).toEqual([3, 2]);
    expect(r.data).toBe(t.data);
    expect(() => t.reshape([4, -1])).toThrow(RangeError);
    expect(() => t.reshape([-1, -1])).toThrow(RangeError);
  });
  it('toArray, get, clone', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(t.get(1, 0)).toBe(3);
    expect(() => t.get(2, 0)).toThrow(RangeError);
    const c = t.clone();
    c.data[0] = 9;
    expect(t.data[0]).toBe(1);
    expect(tensor(5).shape).toEqual([]);
    expect(tensor(new Float32Array([1, 2, 3, 4]), [2, 2]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(() => tensor([[1, 2], [3]])).toThrow(RangeError);
  });
  it('constructors', () => {
    expect(Array.from(zeros([2]).data)).toEqual([0, 0]);
    expect(Array.from(ones([2]).data)).toEqual([1, 1]);
    expect(Array.from(full([2], 3).data)).toEqual([3, 3]);
    expect(Array.from(rand([5], { seed: 1 }).data)).toEqual(Array.from(rand([5], { seed: 1 }).data));
    const n = randn([10000], { seed: 7 }).data;
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
  });
  it('manualSeed seeds one generator for rand, randn, dropout and layer init (as torch.manual_seed)', () => {
    const draw = () => {
      const conv = new nn.Conv2d(3, 4, 3);
      return [rand([5]), randn([7]), dropout(ones([16]), { p: 0.5, training: true }), conv.weight, conv.bias!]
        .map((t) => Array.from(t.data));
    };
    manualSeed(3);
    const a = draw();
    manualSeed(3);
    expect(draw()).toEqual(a);
    nn.manualSeed(3);  // the same function
    expect(draw()).toEqual(a);
    manualSeed(4);
    expect(draw()[1]).not.toEqual(a[1]);
    expect(() => manualSeed(NaN)).toThrow(RangeError);
    expect(() => manualSeed('1' as never)).toThrow(TypeError);
  });
});
