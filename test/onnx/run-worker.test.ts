// model.run(): off the main thread on the model's worker; many calls in flight; inputs copied at
// the call; close() with calls pending; a detached input; a model used inside a user's worker.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { onnx, randn, Tensor } from '../../lib/index';

const fixture = path.join(__dirname, '../fixtures/onnx/resnet18-op13.onnx');

describe('model.run on the worker', () => {
  it('12 calls in flight at different batch sizes equal runSync, in order', async () => {
    const m = await onnx.load(fixture);
    const xs = Array.from({ length: 12 }, (_, i) => randn([1 + (i % 3), 3, 64, 64], { seed: i }));
    const outs = await Promise.all(xs.map((x) => m.run({ input: x })));
    outs.forEach((o, i) => {
      expect(Array.from(o.output.data)).toEqual(Array.from(m.runSync({ input: xs[i] }).output.data));
      expect(o.output.shape).toEqual([1 + (i % 3), 10]);
    });
    await m.close();
  });

  it('copies the inputs at the call: changing x afterwards does not change the result', async () => {
    const m = await onnx.load(fixture);
    const x = randn([1, 3, 64, 64], { seed: 5 });
    const want = m.runSync({ input: x }).output.data;
    const p = m.run({ input: x });
    x.data.fill(0);
    expect(Array.from((await p).output.data)).toEqual(Array.from(want));
    await m.close();
  });

  it('recycles its input copies: the buffer a run copied into comes back and carries the next run', async () => {
    const m = await onnx.load(fixture);
    const spare = () => ((m as unknown as { worker: { spare: Map<number, ArrayBuffer[]> } }).worker.spare);
    const x = randn([2, 3, 64, 64], { seed: 7 }), y = randn([2, 3, 64, 64], { seed: 8 });
    const a = (await m.run({ input: x })).output.data;
    const kept = spare().get(x.data.byteLength);
    expect(kept?.length).toBe(1);
    const buf = kept![0];
    const p = m.run({ input: y });
    expect(spare().get(x.data.byteLength)?.length).toBe(0);   // taken by the call
    const b = (await p).output.data;
    expect(spare().get(x.data.byteLength)).toEqual([buf]);     // the same buffer, back again
    expect(Array.from(a)).toEqual(Array.from(m.runSync({ input: x }).output.data));
    expect(Array.from(b)).toEqual(Array.from(m.runSync({ input: y }).output.data));
    // Many in flight: at most 4 copies are kept per size.
    await Promise.all(Array.from({ length: 9 }, (_, i) => m.run({ input: randn([2, 3, 64, 64], { seed: i }) })));
    expect(spare().get(x.data.byteLength)!.length).toBe(4);
    await m.close();
  });

  it('the event loop stays free while a run computes', async () => {
    const m = await onnx.load(fixture);
    await m.run({ input: randn([1, 3, 64, 64]) });   // worker started
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    await m.run({ input: randn([8, 3, 64, 64]) });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    await m.close();
  });

  it('close() with calls pending rejects them; a later run starts a new worker', async () => {
    const m = await onnx.load(fixture);
    const pending = [m.run({ input: randn([4, 3, 64, 64]) }), m.run({ input: randn([4, 3, 64, 64]) })];
    await m.close();
    const settled = await Promise.allSettled(pending);
    for (const s of settled) if (s.status === 'rejected') expect(String(s.reason)).toMatch(/worker thread exited/);
    const { output } = await m.run({ input: randn([1, 3, 64, 64]) });
    expect(output.shape).toEqual([1, 10]);
    await m.close();
  });

  it('an input whose buffer was transferred is refused, naming it', async () => {
    const m = await onnx.load(fixture);
    const x = randn([1, 3, 64, 64]);
    structuredClone(x.data.buffer, { transfer: [x.data.buffer] });
    expect(() => m.runSync({ input: x })).toThrow(/input "input" holds 0 elements for shape \[1, 3, 64, 64\]/);
    await expect(m.run({ input: x })).rejects.toThrow(RangeError);
    await m.close();
  });

  it('works inside a user worker thread, and a terminated user worker takes its model worker with it', async () => {
    const src = `
      const { parentPort, workerData } = require('node:worker_threads');
      const ck = require(${JSON.stringify(path.join(__dirname, '../../dist/index.js'))});
      (async () => {
        const m = await ck.onnx.load(workerData.file);
        const x = ck.randn([2, 3, 64, 64], { seed: 3 });
        const a = (await m.run({ input: x })).output.data;
        const b = m.runSync({ input: x }).output.data;
        parentPort.postMessage({ same: a.every((v, i) => v === b[i]) });
        m.run({ input: ck.randn([8, 3, 64, 64]) });   // left in flight when the parent terminates us
      })();`;
    const w = new Worker(src, { eval: true, workerData: { file: fixture } });
    const msg = await new Promise<{ same: boolean }>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    expect(msg.same).toBe(true);
    expect(await w.terminate()).toBe(1);
  });
});

describe('runSync inputs', () => {
  it('a Tensor is required, with float32 data', () => {
    const m = onnx.loadSync(fixture);
    expect(() => m.runSync({ input: new Tensor(new Float32Array(3 * 64 * 64), [1, 3, 64, 64]) })).not.toThrow();
  });
});
