// ../shared/conformance/shape_cases.json: the slides' shape arithmetic, checked through the
// exported helpers (and, for conv, by a real conv2d on both backends).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conv2dOutputShape, conv2dParamCount, convOutputSize, pool2dOutputShape } from '../../lib/index';
import { CONFORMANCE_DIR } from '../helpers/conformance';

interface ShapeCase {
  id: string; op: string; input_shape_nchw: number[]; params: Record<string, any>;
  expected_output_shape_nchw: number[]; expected_param_count: number;
}
const cases = (JSON.parse(fs.readFileSync(path.join(CONFORMANCE_DIR, 'shape_cases.json'), 'utf8')) as { cases: ShapeCase[] }).cases;

describe('shape_cases.json', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(28));
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const p = c.params;
    const x = c.input_shape_nchw;
    if (c.op === 'conv2d') {
      const w = [p.out_channels, x[1] / p.groups, ...p.kernel];
      const opts = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
      expect(conv2dOutputShape(x, w, opts)).toEqual(c.expected_output_shape_nchw);
      // NHWC gives the same numbers, transposed.
      const [n, ci, h, wd] = x;
      const yn = conv2dOutputShape([n, h, wd, ci], [w[0], w[2], w[3], w[1]], { ...opts, layout: 'nhwc' });
      expect([yn[0], yn[3], yn[1], yn[2]]).toEqual(c.expected_output_shape_nchw);
      expect(conv2dParamCount(x[1], p.out_channels, p.kernel, { groups: p.groups, bias: p.bias })).toBe(c.expected_param_count);
      // The 1-D formula agrees per axis.
      expect(convOutputSize(x[2], p.kernel[0], { stride: p.stride[0], padding: [p.padding[0], p.padding[1]], dilation: p.dilation[0] }))
        .toBe(c.expected_output_shape_nchw[2]);
    } else if (c.op === 'max_pool2d' || c.op === 'avg_pool2d') {
      const opts = { kernel: p.kernel, stride: p.stride, padding: p.padding, ceilMode: p.ceil_mode, ...(p.dilation ? { dilation: p.dilation } : {}) };
      expect(pool2dOutputShape(x, opts)).toEqual(c.expected_output_shape_nchw);
      expect(c.expected_param_count).toBe(0);
    } else if (c.op === 'linear') {
      const inFeatures = x.slice(1).reduce((a, b) => a * b, 1);
      expect(inFeatures).toBe(p.in_features);
      expect(p.out_features * p.in_features + (p.bias ? p.out_features : 0)).toBe(c.expected_param_count);
      expect([x[0], p.out_features]).toEqual(c.expected_output_shape_nchw);
    } else {
      throw new Error(`unknown shape case op ${c.op}`);
    }
  });
});

describe('shape helpers', () => {
  it('computes the slides formula (W - F + 2P)/S + 1, flooring', () => {
    expect(convOutputSize(7, 3, { stride: 3 })).toBe(2);
    expect(convOutputSize(64, 5, { padding: 2 })).toBe(64);
    expect(convOutputSize(64, 5, { padding: 1 })).toBe(62);
    expect(() => convOutputSize(4, 5)).toThrow(RangeError);
  });
  it("'same' padding is ONNX SAME_UPPER at any stride", () => {
    expect(conv2dOutputShape([1, 3, 7, 8], [4, 3, 3, 3], { padding: 'same', stride: 2 })).toEqual([1, 4, 4, 4]);
    expect(conv2dOutputShape([1, 3, 7, 8], [4, 3, 3, 3], { padding: 'same' })).toEqual([1, 4, 7, 8]);
    expect(conv2dOutputShape([3, 7, 8], [4, 3, 3, 3], { padding: 'valid' })).toEqual([4, 5, 6]);
  });
});
