// Module.setPrecision('bf16'): in eval mode nn.Conv2d (1x1 of one group, or NHWC strided on 16+
// input channels) and nn.Linear (8 rows and more) compute conv2d's / linear's bf16 values, the conv from a weight packed once per input
// shape (dropped by train(), eval(), setPrecision() and loadStateDict()); the other layers, and
// training mode, stay fp32. Both backends (ts: the exact bf16 reference); the native conv path is
// compared with the ts reference; gradients flow; a bad value is refused. setPrecision('int8'):
// nn.Conv2d of one group and 16+ input channels as conv2d's int8, the rest fp32.
import { afterEach, describe, expect, it } from 'vitest';
import { abs, conv2d, linear, manualSeed, nn, noGrad, randn, relu, setBackend, sum, Tensor } from '../../lib/index';
import { nativeRequired } from '../helpers/native';

class Net extends nn.Module {
  squeeze = new nn.Conv2d(16, 24, 1);
  conv = new nn.Conv2d(24, 8, 3, { padding: 1 });
  head = new nn.Linear(8 * 5 * 5, 10);
  forward(x: Tensor): Tensor {
    const h = relu(this.conv.forward(relu(this.squeeze.forward(x))));
    return this.head.forward(h.reshape([h.shape[0], 8 * 5 * 5]));
  }
}

// The same net by the functional ops, bf16 where setPrecision says it pays.
function reference(net: Net, x: Tensor, bf16: boolean): Tensor {
  const p = { precision: bf16 ? 'bf16' as const : 'fp32' as const };
  const a = relu(conv2d(x, net.squeeze.weight, { bias: net.squeeze.bias, ...p }));
  const h = relu(conv2d(a, net.conv.weight, { bias: net.conv.bias, padding: 1 }));
  const rows = x.shape[0];
  return linear(h.reshape([rows, 8 * 5 * 5]), net.head.weight, net.head.bias, { precision: bf16 && rows >= 8 ? 'bf16' : 'fp32' });
}

const same = (a: Tensor, b: Tensor) => expect(Array.from(a.data)).toEqual(Array.from(b.data));

afterEach(() => setBackend('native'));

for (const be of ['native', 'ts'] as const) {
  describe.skipIf(be === 'native' && !nativeRequired())(`Module.setPrecision (${be})`, () => {
    it('eval-mode forward equals the functional ops in bf16 where it pays (batch 1 and 9), training mode stays fp32', () => {
      setBackend(be);
      manualSeed(7);
      const net = new Net().setPrecision('bf16');
      expect(net.precision).toBe('bf16');
      for (const [, m] of net.namedModules()) expect(m.precision).toBe('bf16');
      for (const n of [1, 9]) {
        const x = randn([n, 16, 5, 5]);
        net.train();
        noGrad(() => same(net.forward(x), reference(net, x, false)));
        net.eval();
        const y = noGrad(() => net.forward(x));
        same(y, reference(net, x, true));
        // bf16 changed something: the 1x1 conv's operands lost bits.
        expect(Array.from(y.data)).not.toEqual(Array.from(noGrad(() => reference(net, x, false)).data));
        same(noGrad(() => net.forward(x)), y);  // the packed copy, reused
      }
      expect(net.summary()).toMatch(/squeeze: Conv2d\(16, 24, kernel 1x1, bf16 in eval\)/);
      expect(net.summary()).toMatch(/conv: Conv2d\(24, 8, kernel 3x3, padding 1\)/);
      expect(net.setPrecision('fp32').summary()).not.toMatch(/bf16/);
    });

    it('a strided NHWC k x k conv on 16+ channels runs bf16 in eval (the tiled bf16 GEMM), its NCHW twin stays fp32', () => {
      setBackend(be);
      manualSeed(11);
      const nhwc = new nn.Conv2d(16, 40, 3, { stride: 2, padding: 1, layout: 'nhwc' }).setPrecision('bf16').eval();
      const nchw = new nn.Conv2d(16, 40, 3, { stride: 2, padding: 1 }).setPrecision('bf16').eval();
      expect(nhwc.describe()).toMatch(/bf16 in eval/);
      expect(nchw.describe()).not.toMatch(/bf16/);
      const x = randn([2, 9, 11, 16]);
      const opts = { stride: 2, padding: 1, layout: 'nhwc' as const, bias: nhwc.bias };
      const y = noGrad(() => nhwc.forward(x));
      same(y, conv2d(x, nhwc.weight, { ...opts, precision: 'bf16' }));
      expect(Array.from(y.data)).not.toEqual(Array.from(conv2d(x, nhwc.weight, opts).data));
      const xc = randn([2, 16, 9, 11]);
      same(noGrad(() => nchw.forward(xc)), conv2d(xc, nchw.weight, { stride: 2, padding: 1, bias: nchw.bias }));
    });

    it('the packed weight follows eval(), loadStateDict() and setPrecision(), per input shape and backend', () => {
      setBackend(be);
      manualSeed(8);
      const net = new Net().setPrecision('bf16').eval();
      const x = randn([2, 16, 5, 5]);
      noGrad(() => net.squeeze.forward(x));
      // A hand edit is seen after eval() (until then a copy packed before may be used).
      net.squeeze.weight.data.fill(0.25);
      net.eval();
      const w = net.squeeze.weight, b = net.squeeze.bias!;
      same(noGrad(() => net.squeeze.forward(x)), conv2d(x, w, { bias: b, precision: 'bf16' }));
      const dict = net.stateDict();
      const fresh = new Net();
      fresh.squeeze.weight.data.fill(-0.5);
      dict['squeeze.weight'] = fresh.squeeze.weight;
      net.loadStateDict(dict);
      same(noGrad(() => net.squeeze.forward(x)), conv2d(x, w, { bias: b, precision: 'bf16' }));
      expect(net.squeeze.weight.data[0]).toBe(-0.5);
      // Another input shape gets its own packing; the first is still right.
      const x2 = randn([1, 16, 7, 3]);
      same(noGrad(() => net.squeeze.forward(x2)), conv2d(x2, w, { bias: b, precision: 'bf16' }));
      same(noGrad(() => net.squeeze.forward(x)), conv2d(x, w, { bias: b, precision: 'bf16' }));
      // Switching backend between calls: each backend packs its own.
      const other = be === 'native' ? 'ts' : 'native';
      if (other === 'ts' || nativeRequired()) {
        setBackend(other);
        same(noGrad(() => net.squeeze.forward(x)), conv2d(x, w, { bias: b, precision: 'bf16' }));
        setBackend(be);
      }
    });

    it('an NHWC 1x1 packs once for all input shapes (shared panels on native) and stays right for each', () => {
      setBackend(be);
      manualSeed(9);
      const layer = new nn.Conv2d(16, 24, 1, { layout: 'nhwc' }).setPrecision('bf16').eval();
      const want = (x: Tensor) => conv2d(x, layer.weight, { bias: layer.bias, layout: 'nhwc', precision: 'bf16' });
      const xs = [randn([2, 5, 5, 16]), randn([1, 7, 3, 16]), randn([3, 4, 6, 16])];
      for (const x of xs) same(noGrad(() => layer.forward(x)), want(x));
      const packs = [...(layer as unknown as { packed: Map<string, { data: Float32Array }> }).packed.values()];
      expect(packs.length).toBe(3);
      // Native's panels (the bf16 GEMM's B) do not depend on the shape: one copy for the three.
      if (be === 'native') {
        expect(packs[0].data.length).toBeGreaterThan(0);
        expect(new Set(packs.map((q) => q.data)).size).toBe(1);
      }
      for (const x of xs) same(noGrad(() => layer.forward(x)), want(x));
    });

    it('gradients flow through an eval-mode bf16 forward as through the fp32 product', () => {
      setBackend(be);
      manualSeed(9);
      const conv = new nn.Conv2d(6, 5, 1).setPrecision('bf16').eval();
      const x = randn([2, 6, 3, 4]);
      x.requiresGrad = true;
      sum(conv.forward(x)).backward();
      const x2 = x.detach();
      x2.requiresGrad = true;
      const w2 = conv.weight.detach();
      w2.requiresGrad = true;
      sum(conv2d(x2, w2, { bias: conv.bias!.detach(), precision: 'bf16' })).backward();
      same(x.grad!, x2.grad!);
      same(conv.weight.grad!, w2.grad!);
    });

    it('int8: eval-mode nn.Conv2d of one group and 16+ input channels equals conv2d int8 (filters quantized once), the rest fp32', async () => {
      setBackend(be);
      manualSeed(12);
      const net = new Net().setPrecision('int8');
      expect(net.precision).toBe('int8');
      for (const n of [1, 3]) {
        const x = randn([n, 16, 5, 5]);
        net.train();
        noGrad(() => same(net.forward(x), reference(net, x, false)));
        net.eval();
        const y = noGrad(() => net.forward(x));
        // Both convs take int8 (16 and 24 input channels); the head stays fp32.
        const a = relu(conv2d(x, net.squeeze.weight, { bias: net.squeeze.bias, precision: 'int8' }));
        const h = relu(conv2d(a, net.conv.weight, { bias: net.conv.bias, padding: 1, precision: 'int8' }));
        const want = linear(h.reshape([n, 8 * 5 * 5]), net.head.weight, net.head.bias);
        same(y, want);
        expect(Array.from(y.data)).not.toEqual(Array.from(noGrad(() => reference(net, x, false)).data));
        same(noGrad(() => net.forward(x)), y);  // the packed copy, reused
        same(await net.squeeze.forwardAsync(x), conv2d(x, net.squeeze.weight, { bias: net.squeeze.bias, precision: 'int8' }));
      }
      expect(net.summary()).toMatch(/squeeze: Conv2d\(16, 24, kernel 1x1, int8 in eval\)/);
      expect(net.summary()).toMatch(/conv: Conv2d\(24, 8, kernel 3x3, padding 1, int8 in eval\)/);
      const small = new nn.Conv2d(8, 4, 3).setPrecision('int8').eval();
      expect(small.describe()).not.toMatch(/int8/);
      const xs = randn([1, 8, 6, 6]);
      same(noGrad(() => small.forward(xs)), conv2d(xs, small.weight, { bias: small.bias }));
    });

    it('refuses a precision other than fp32, bf16 and int8', () => {
      setBackend(be);
      const net = new Net();
      expect(() => net.setPrecision('fp16' as never)).toThrow(/^setPrecision: precision must be 'fp32', 'bf16' or 'int8', got "fp16"/);
      expect(net.precision).toBe('fp32');
    });
  });
}

// Native and ts sum the same bf16-rounded products in different orders, so each bf16 layer is
// checked on the same input against the ts reference within the fp32 accumulation bound
// (terms + 2) * 2^-24 * sum |a||b| + |bias| (products of bf16 values are exact in fp32). Comparing
// whole nets instead is not sound: an fp32 difference of one ulp upstream can flip the bf16
// rounding of a later layer's input (a 2^-8 relative step).
describe.skipIf(!nativeRequired())('Module.setPrecision on native', () => {
  const within = (got: Tensor, want: Tensor, scale: Tensor, terms: number) => {
    expect(got.shape).toEqual(want.shape);
    let worst = 0;
    for (let i = 0; i < got.size; i++) {
      const bound = (terms + 2) * 2 ** -24 * scale.data[i];
      worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / bound);
    }
    expect(worst).toBeLessThanOrEqual(1);
  };

  it('each bf16 layer equals the ts backend\'s exact bf16 reference to fp32 accumulation error', () => {
    for (const seed of [10, 11, 12]) {
      manualSeed(seed);
      const net = new Net().setPrecision('bf16').eval();
      const x = randn([9, 16, 5, 5]);
      setBackend('native');
      const a = noGrad(() => net.squeeze.forward(x));
      const h = noGrad(() => relu(net.conv.forward(relu(a)))).reshape([9, 8 * 5 * 5]);
      const y = noGrad(() => net.head.forward(h));
      expect(Array.from(noGrad(() => net.forward(x)).data)).toEqual(Array.from(y.data));
      setBackend('ts');
      noGrad(() => {
        const bf16 = { precision: 'bf16' as const };
        within(a, conv2d(x, net.squeeze.weight, { bias: net.squeeze.bias, ...bf16 }),
          conv2d(abs(x), abs(net.squeeze.weight), { bias: abs(net.squeeze.bias!), ...bf16 }), 16);
        within(y, linear(h, net.head.weight, net.head.bias, bf16),
          linear(abs(h), abs(net.head.weight), abs(net.head.bias!), bf16), 8 * 5 * 5);
      });
    }
  });
});
