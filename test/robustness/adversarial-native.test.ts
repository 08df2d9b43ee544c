// Reproducers of an adversarial pass over the native addon (issue 10): every case that used to
// kill the process (SIGSEGV, SIGABRT) runs in a child process, so a regression shows as a failed
// test, not a dead runner. Each child prints one JSON line with what it saw.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { blas, nativeRequired } from '../helpers/native';

const root = path.resolve(__dirname, '../..');
const native = ck.info().native.loaded;

/** Runs `body` (CommonJS, `ck` = the built package) in a fresh node; returns its JSON line. */
function child(body: string, flags: string[] = []): { status: number | null; signal: string | null; out: Record<string, unknown>; stderr: string } {
  const src = `const ck = require(${JSON.stringify(root)}); ck.setBackend('native');\n(async () => {\n${body}\n})().then((r) => { console.log(JSON.stringify(r)); }, (e) => { console.log(JSON.stringify({ thrown: String(e && e.stack || e) })); });`;
  const r = spawnSync(process.execPath, [...flags, '-e', src], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CONVKIT_POISON_OUTPUTS: '1' } });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let out: Record<string, unknown> = {};
  try { out = JSON.parse(line); } catch { out = { unparsed: r.stdout }; }
  return { status: r.status, signal: r.signal, out, stderr: r.stderr };
}

// Shared by the children: a tensor on a resizable ArrayBuffer (shrinking it unmaps the pages at
// once: the old glue then read unmapped memory), and an exact comparison.
const prelude = `
const resizable = (t) => { const rab = new ArrayBuffer(t.size * 4, { maxByteLength: t.size * 4 }); const d = new Float32Array(rab, 0, t.size); d.set(t.data); return new ck.Tensor(d, t.shape); };
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const detach = (t) => structuredClone(t.data.buffer, { transfer: [t.data.buffer] });
`;

describe.skipIf(!native && !nativeRequired())('issue 10: crashes', () => {
  it('1. an async input shrunk or transferred mid-call: the result equals the sync call on the original values', () => {
    const r = child(`${prelude}
      const out = {};
      const cases = {
        conv2dAsync: [() => ck.randn([1, 16, 256, 256]), () => ck.randn([16, 16, 3, 3]), (x, w) => ck.conv2d(x, w, { padding: 1 }), (x, w) => ck.conv2dAsync(x, w, { padding: 1 })],
        maxPool2dAsync: [() => ck.randn([1, 16, 512, 512]), null, (x) => ck.maxPool2d(x, { kernel: 3, stride: 1 }), (x) => ck.maxPool2dAsync(x, { kernel: 3, stride: 1 })],
        avgPool2dAsync: [() => ck.randn([1, 16, 512, 512]), null, (x) => ck.avgPool2d(x, { kernel: 3, stride: 1 }), (x) => ck.avgPool2dAsync(x, { kernel: 3, stride: 1 })],
        gemmAsync: [() => ck.randn([1024, 1024]), () => ck.randn([1024, 1024]), (a, b) => ck.gemm(a, b), (a, b) => ck.gemmAsync(a, b)],
        matmulAsync: [() => ck.randn([4, 512, 512]), () => ck.randn([4, 512, 512]), (a, b) => ck.matmul(a, b), (a, b) => ck.matmulAsync(a, b)],
        forwardAsync: [() => ck.randn([2, 16, 128, 128]), null, (x) => model.forward(x), (x) => model.forwardAsync(x)],
        // The int8 paths (their own glue entries, the same call-arrays machinery).
        'conv2dAsync int8': [() => ck.randn([1, 16, 256, 256]), () => ck.randn([16, 16, 3, 3]), (x, w) => ck.conv2d(x, w, { padding: 1, precision: 'int8' }), (x, w) => ck.conv2dAsync(x, w, { padding: 1, precision: 'int8' })],
        'gemmAsync int8': [() => ck.randn([1024, 1024]), () => ck.randn([1024, 1024]), (a, b) => ck.gemm(a, b, { precision: 'int8' }), (a, b) => ck.gemmAsync(a, b, { precision: 'int8' })],
        'matmulAsync int8': [() => ck.randn([4, 256, 256]), () => ck.randn([4, 256, 256]), (a, b) => ck.matmul(a, b, { precision: 'int8' }), (a, b) => ck.matmulAsync(a, b, { precision: 'int8' })],
      };
      const { nn } = ck;
      nn.manualSeed(1);
      const model = new nn.Sequential(new nn.Conv2d(16, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(16, 8, 3));
      model.eval();
      for (const [name, [mx, mw, sync, run]] of Object.entries(cases)) {
        for (const how of ['shrink', 'transfer']) {
          const x = resizable(mx()), w = mw ? resizable(mw()) : null;
          const ref = sync(x, w);
          const p = run(x, w);
          if (how === 'shrink') { x.data.buffer.resize(0); if (w) w.data.buffer.resize(0); }
          else { detach(x); if (w) detach(w); }
          if (global.gc) global.gc();
          for (let i = 0; i < 4; i++) new Float32Array(1 << 22).fill(7);  // reuse of freed memory
          const y = await p;
          out[name + ' ' + how] = same(y.data, ref.data);
        }
      }
      return out;`, ['--expose-gc']);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.out).toEqual({
      'conv2dAsync shrink': true, 'conv2dAsync transfer': true, 'maxPool2dAsync shrink': true, 'maxPool2dAsync transfer': true,
      'avgPool2dAsync shrink': true, 'avgPool2dAsync transfer': true, 'gemmAsync shrink': true, 'gemmAsync transfer': true,
      'matmulAsync shrink': true, 'matmulAsync transfer': true, 'forwardAsync shrink': true, 'forwardAsync transfer': true,
      'conv2dAsync int8 shrink': true, 'conv2dAsync int8 transfer': true, 'gemmAsync int8 shrink': true, 'gemmAsync int8 transfer': true,
      'matmulAsync int8 shrink': true, 'matmulAsync int8 transfer': true,
    });
  }, 60_000);

  it('1. a caller-supplied output detached mid-call rejects with a RangeError (backend level, both backends agree on inputs)', () => {
    const r = child(`${prelude}
      const out = {};
      const be = ck.backends.native;
      const a = ck.randn([512, 512]), b = ck.randn([512, 512]);
      const c = new Float32Array(512 * 512);
      const p = be.sgemmAsync(a.data, b.data, c, { transA: false, transB: false, m: 512, n: 512, k: 512, alpha: 1, beta: 0, lda: 512, ldb: 512, ldc: 512 });
      structuredClone(c.buffer, { transfer: [c.buffer] });
      try { await p; out.sgemm = 'resolved'; } catch (e) { out.sgemm = e.name + ': ' + e.message; }
      const c8 = new Float32Array(512 * 512);
      const p8 = be.qgemmAsync(a.data, b.data, c8, { transA: false, transB: false, m: 512, n: 512, k: 512, alpha: 1, beta: 0, lda: 512, ldb: 512, ldc: 512 });
      structuredClone(c8.buffer, { transfer: [c8.buffer] });
      try { await p8; out.qgemm = 'resolved'; } catch (e) { out.qgemm = e.name + ': ' + e.message; }
      const x = ck.randn([1, 8, 64, 64]);
      const y = new Float32Array(new ArrayBuffer(8 * 32 * 32 * 4, { maxByteLength: 8 * 32 * 32 * 4 }));
      const info = { batch: 1, channels: 8, inHeight: 64, inWidth: 64, outHeight: 32, outWidth: 32, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, ceilMode: false, countIncludePad: false, layout: 'nchw' };
      const q = be.maxPool2dAsync(x.data, y, info);
      y.buffer.resize(0);
      try { await q; out.pool = 'resolved'; } catch (e) { out.pool = e.name + ': ' + e.message; }
      // The ts backend computes on the values at the call too.
      const x2 = ck.randn([1, 8, 64, 64]);
      const ref = ck.backends.ts.output(8 * 32 * 32);
      ck.backends.ts.maxPool2d(x2.data, ref, info);
      const tp = ck.backends.ts.maxPool2dAsync(x2.data, null, info);
      x2.data.fill(0);
      out.ts = same(await tp, ref);
      return out;`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.out.sgemm).toMatch(/^RangeError: sgemm: c was detached, transferred or shrunk while the call ran/);
    expect(r.out.qgemm).toMatch(/^RangeError: qgemm: c was detached, transferred or shrunk while the call ran/);
    expect(r.out.pool).toMatch(/^RangeError: maxPool2d: y was detached, transferred or shrunk while the call ran/);
    expect(r.out.ts).toBe(true);
  }, 60_000);

  it('2. a worker terminated, or exiting, with async calls in flight leaves the process and other workers alive', () => {
    const r = child(`
      const { Worker } = require('node:worker_threads');
      const src = \`
        const { parentPort, workerData } = require('node:worker_threads');
        const ck = require(\${JSON.stringify(${JSON.stringify(root)})});
        const a = ck.randn([768, 768]), b = ck.randn([768, 768]);
        for (let i = 0; i < 4; i++) ck.gemmAsync(a, b).then(() => {}, () => {});
        ck.conv2dAsync(ck.randn([1, 16, 128, 128]), ck.randn([16, 16, 3, 3])).then(() => {}, () => {});
        parentPort.postMessage('started');
        if (workerData.exit) setTimeout(() => process.exit(0), 1);
      \`;
      let rounds = 0;
      for (const exit of [false, true]) {
        for (let i = 0; i < 6; i++) {
          const w = new Worker(src, { eval: true, workerData: { exit } });
          await new Promise((r) => w.once('message', r));
          if (exit) await new Promise((r) => w.once('exit', r)); else await w.terminate();
          rounds++;
        }
      }
      const y = await ck.gemmAsync(ck.ones([64, 64]), ck.ones([64, 64]));
      return { rounds, alive: y.data[0] };`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.out).toEqual({ rounds: 12, alive: 64 });
  }, 60_000);

  it('3. huge padding and dilation on a tiny conv: every native path, both layouts, sync and async, forward and backward, equal to ts', () => {
    const r = child(`${prelude}
      const P = 2 ** 31 - 1;
      const out = {};
      const y = ck.conv2d(ck.ones([1, 1, 2, 2]), ck.ones([1, 1, 3, 3]), { padding: P, dilation: P });
      out.basic = Array.from(y.data);
      const close = (a, b) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-4 * (1 + Math.abs(b[i])));
      for (const layout of ['nchw', 'nhwc']) {
        // [input channels, output channels, groups]: the igemm, depthwise, grouped and direct paths.
        const shapes = { igemm: [32, 8, 1], depthwise: [32, 32, 32], grouped: [32, 8, 4], direct: [2, 8, 1] };
        for (const [path, [c, co, groups]] of Object.entries(shapes)) {
          const ci = c / groups;
          const xx = layout === 'nchw' ? ck.randn([2, c, 3, 2]) : ck.randn([2, 3, 2, c]);
          const w = layout === 'nchw' ? ck.randn([co, ci, 3, 3]) : ck.randn([co, 3, 3, ci]);
          const opts = { padding: [P, 1], dilation: [P, 1], layout, groups };
          ck.setBackend('ts');
          const ref = ck.conv2d(xx, w, opts);
          const gref = ck.conv2dBackward(ref, xx, w, opts);
          ck.setBackend('native');
          const s = ck.conv2d(xx, w, opts);
          const as = await ck.conv2dAsync(xx, w, opts);
          const g = ck.conv2dBackward(ref, xx, w, opts);
          out[layout + ' ' + path] = close(s.data, ref.data) && close(as.data, ref.data) && close(g.dx.data, gref.dx.data) && close(g.dw.data, gref.dw.data) && close(g.db.data, gref.db.data);
        }
      }
      return out;`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.out.basic, JSON.stringify(r.out)).toEqual([1, 1, 1, 1]);
    for (const k of ['nchw igemm', 'nchw depthwise', 'nchw grouped', 'nchw direct', 'nhwc igemm', 'nhwc depthwise', 'nhwc grouped', 'nhwc direct']) {
      expect(r.out[k], k).toBe(true);
    }
  }, 60_000);

  it('4. a getter on the info object that transfers x after the check cannot make the kernel read freed memory', () => {
    const r = child(`${prelude}
      const info = { batch: 1, channels: 8, inHeight: 512, inWidth: 512, outHeight: 256, outWidth: 256, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, ceilMode: false, countIncludePad: false };
      const out = {};
      for (const how of ['shrink', 'transfer']) {
        for (const op of ['maxPool2d', 'avgPool2d', 'maxPool2dAsync']) {
          const x = resizable(ck.randn([1, 8, 512, 512]));
          const y = new Float32Array(8 * 256 * 256);
          const evil = { ...info };
          Object.defineProperty(evil, 'layout', { enumerable: true, get() {
            if (how === 'shrink') x.data.buffer.resize(0); else detach(x);
            if (global.gc) global.gc();
            return 'nchw';
          } });
          try { await ck.backends.native[op](x.data, y, evil); out[op + ' ' + how] = 'returned'; } catch (e) { out[op + ' ' + how] = e.name + ': ' + e.message; }
        }
      }
      return out;`, ['--expose-gc']);
    expect(r.signal, r.stderr).toBeNull();
    for (const how of ['shrink', 'transfer']) {
      expect(r.out[`maxPool2d ${how}`]).toMatch(/^RangeError: maxPool2d: x has 0 elements/);
      expect(r.out[`avgPool2d ${how}`]).toMatch(/^RangeError: avgPool2d: x has 0 elements/);
      expect(r.out[`maxPool2dAsync ${how}`]).toMatch(/^RangeError: maxPool2d: x has 0 elements/);
    }
  }, 60_000);
});

describe.skipIf(!native && !nativeRequired())('issue 10: resources and semantics', () => {
  it('6. a huge stride is as cheap natively as on ts (was 26 s and 7 GB, or out of memory)', () => {
    const x = ck.randn([2, 3, 9, 9]);
    const w = ck.randn([4, 3, 3, 3]);
    for (const stride of [2 ** 26, 2 ** 31 - 1]) {
      ck.setBackend('ts');
      const ref = ck.conv2d(x, w, { stride });
      ck.setBackend('native');
      const t0 = performance.now();
      const y = ck.conv2d(x, w, { stride });
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(y.shape).toEqual([2, 4, 1, 1]);
      for (let i = 0; i < y.size; i++) expect(y.data[i]).toBeCloseTo(ref.data[i], 4);
    }
  });

  it('7. an output that overlaps an input is refused with the same RangeError on both backends', async () => {
    for (const name of ['native', 'ts'] as const) {
      const be = ck.backends[name];
      const a = new Float32Array(16).fill(1);
      expect(() => be.sgemm(...blas(false, false, 4, 4, 4, 1, a, 4, new Float32Array(16), 4, 0, a, 4)), name).toThrow(/^sgemm: c overlaps a \(the same memory\)/);
      const buf = new Float32Array(40);
      expect(() => be.sgemm(...blas(false, false, 4, 4, 4, 1, buf.subarray(0, 16), 4, buf.subarray(16, 32), 4, 1, buf.subarray(24, 40), 4)), name).toThrow(RangeError);
      await expect(be.sgemmAsync(...blas(false, false, 4, 4, 4, 1, a, 4, new Float32Array(16), 4, 0, a, 4)), name).rejects.toThrow(/c overlaps a/);
      // Disjoint views of one buffer are fine.
      be.sgemm(...blas(false, false, 4, 4, 4, 1, buf.subarray(0, 16), 4, buf.subarray(16, 32), 4, 0, new Float32Array(16), 4));
      // Element-wise ops may write in place, not shifted.
      const x = new Float32Array([-1, 2, -3, 4]);
      be.activation('relu', x, x);
      expect(Array.from(x)).toEqual([0, 2, 0, 4]);
      const y = new Float32Array(5);
      expect(() => be.activation('relu', y.subarray(0, 4), y.subarray(1, 5))).toThrow(/relu: y overlaps x/);
    }
    // Through the public sgemm too.
    const c = new Float32Array(16);
    expect(() => ck.sgemm(false, false, 4, 4, 4, 1, c, 4, c, 4, 0, c, 4)).toThrow(RangeError);
  });

  it('11. setNumThreads refuses more than 4x the hardware threads and says so', () => {
    const saved = ck.getNumThreads();
    const max = ck.info().native.maxThreads!;
    expect(max).toBeGreaterThanOrEqual(4);
    expect(() => ck.setNumThreads(1024)).toThrow(/setNumThreads: n must be at most \d+ \(4x the hardware threads/);
    ck.setNumThreads(max);
    expect(ck.getNumThreads()).toBe(max);
    ck.setNumThreads(saved);
  });

  // ASan's allocator has its own retention policy: the glibc trim is not what runs there.
  it.skipIf(/asan/.test(process.env.LD_PRELOAD ?? ''))('12. memory held after a burst of 4,000 fire-and-forget async calls (128 KB in, 128 KB out) goes back to the system', () => {
    const r = child(`
      const x = ck.randn([1, 32, 32, 32]), w = ck.randn([32, 32, 3, 3]);
      const rss = () => process.memoryUsage().rss / 2 ** 20;
      const start = rss();
      let peak = 0;
      const after = [];
      for (let round = 0; round < 2; round++) {
        const ps = [];
        for (let i = 0; i < 4000; i++) ps.push(ck.conv2dAsync(x, w, { padding: 1 }));
        peak = Math.max(peak, rss());
        await Promise.all(ps);
        ps.length = 0;
        for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setTimeout(r, 100)); }
        await new Promise((r) => setTimeout(r, 200));  // the trim runs 50 ms after the last free
        after.push(rss());
      }
      return { start, peak, after };`, ['--expose-gc']);
    expect(r.signal, r.stderr).toBeNull();
    const { start, peak, after } = r.out as { start: number; peak: number; after: number[] };
    expect(peak - start).toBeGreaterThan(500);  // the burst really held ~1 GB
    for (const a of after) expect(a - start, `RSS ${a} MiB after the burst, ${start} before`).toBeLessThan(150);  // was +810 MiB
  }, 120_000);
});

describe('issue 10: backends.ts checks its arguments as the native glue does', () => {
  const info = { batch: 1, channels: 2, inHeight: 8, inWidth: 8, outHeight: 4, outWidth: 4, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, countIncludePad: false, layout: 'nchw' as const };
  const backends = native ? (['ts', 'native'] as const) : (['ts'] as const);

  it('an info that disagrees with the arrays, or with itself, is a RangeError on both backends', () => {
    for (const name of backends) {
      const be = ck.backends[name];
      const x = ck.randn([1, 2, 8, 8]).data;
      expect(() => be.maxPool2d(x, new Float32Array(32), { ...info, outHeight: 5 }), name).toThrow(RangeError);
      expect(() => be.maxPool2d(x.subarray(1), new Float32Array(32), info), name).toThrow(/maxPool2d: x has 127 elements/);
      expect(() => be.maxPool2d(x, new Float32Array(31), info), name).toThrow(/maxPool2d: y has 31 elements/);
      expect(() => be.maxPool2d(new Float64Array(128) as unknown as Float32Array, new Float32Array(32), info), name).toThrow(TypeError);
      expect(() => be.avgPool2d(x, new Float32Array(32), { ...info, batch: 2 ** 31 - 1, channels: 2 ** 31 - 1 }), name).toThrow(RangeError);
      // Batched matmul in one call: every batch's offsets must stay inside a and b.
      const F = (o: number[]) => Float64Array.from(o);
      const a = new Float32Array(2 * 6), b = new Float32Array(6), y = new Float32Array(2 * 4);
      expect(() => be.matmul(a, b, y, { m: 2, n: 2, k: 3, aOffsets: F([0, 7]), bOffsets: F([0, 0]) }), name).toThrow(RangeError);
      expect(() => be.matmul(a, b, y, { m: 2, n: 2, k: 3, aOffsets: F([0, 6]), bOffsets: F([0]) }), name).toThrow(RangeError);
      expect(() => be.matmul(a, b, y, { m: 2, n: 2, k: 3, aOffsets: F([0, -1]), bOffsets: F([0, 0]) }), name).toThrow(RangeError);
      // A plain array or a Proxy claiming 2^32 - 1 offsets is refused before anything is read.
      const huge = new Proxy([0], { get: (t, p) => (p === 'length' ? 2 ** 32 - 1 : Reflect.get(t, p)) });
      expect(() => be.matmul(a, b, y, { m: 2, n: 2, k: 3, aOffsets: huge as never, bOffsets: F([0, 0]) }), name).toThrow(TypeError);
      be.matmul(a.fill(1), b.fill(2), y, { m: 2, n: 2, k: 3, aOffsets: F([0, 6]), bOffsets: F([0, 0]) });
      expect(Array.from(y), name).toEqual([6, 6, 6, 6, 6, 6, 6, 6]);
    }
  });

  it('a getter that answers differently on each read cannot make the ts kernel read or write outside its arrays', async () => {
    const x = ck.randn([1, 2, 8, 8]).data;
    let reads = 0;
    const evil = { ...info };
    Object.defineProperty(evil, 'inHeight', { enumerable: true, get: () => (reads++ === 0 ? 8 : 4096) });
    const y = new Float32Array(32);
    ck.backends.ts.maxPool2d(x, y, evil);  // read once: 8, consistent with the arrays
    expect(reads).toBe(1);
    const ref = new Float32Array(32);
    ck.backends.ts.maxPool2d(x, ref, info);
    expect(Array.from(y)).toEqual(Array.from(ref));
    // With y = null the async form allocates from the checked info.
    reads = 0;
    const z = await ck.backends.ts.maxPool2dAsync(x, null, evil);
    expect(Array.from(z)).toEqual(Array.from(ref));
  });

  it('a conv2d yChannels getter (y a channel slice) is read once on both backends: a later, wider answer cannot widen the writes', () => {
    const ci = conv2dInfo('conv2d', [1, 5, 5, 8], [6, 3, 3, 8], { layout: 'nhwc', padding: 1 }, null);
    const x = ck.randn([1, 5, 5, 8]).data, w = ck.randn([6, 3, 3, 8]).data;
    const span = (25 - 1) * 10 + 6;
    for (const name of ['native', 'ts'] as const) {
      let reads = 0;
      const evil = { ...ci };
      Object.defineProperty(evil, 'yChannels', { enumerable: true, get: () => (reads++ === 0 ? 10 : 100000) });
      const wide = new Float32Array(span + 64).fill(7);
      ck.backends[name].conv2d(x, w, null, wide.subarray(0, span), evil, null);
      expect(reads, name).toBe(1);
      expect(Array.from(wide.subarray(span)), name).toEqual(new Array(64).fill(7));   // nothing past the span
      const plain = new Float32Array(150);
      ck.backends[name].conv2d(x, w, null, plain, ci, null);
      for (let q = 0; q < 25; q++) expect(Array.from(wide.subarray(q * 10, q * 10 + 6)), name).toEqual(Array.from(plain.subarray(q * 6, q * 6 + 6)));
    }
  });
});
