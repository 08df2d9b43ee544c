// examples/serve over real HTTP on an ephemeral loopback port (it runs the built package,
// dist/): answers equal a direct model.run on the same preprocessed tensor, dynamic batching
// makes one backend call of concurrent requests, and the 400/413/415/503/504 paths.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '../..');
const req = createRequire(path.join(root, 'package.json'));
const ck = req('./');
const { createServer } = req('./examples/serve/server.js');
const convkitEngine = req('./examples/serve/engines/convkit.js');
const ortEngine = req('./examples/serve/engines/ort.js');
const { preprocess } = req('./examples/serve/preprocess.js');
const { topK } = req('./examples/common/imagenet.js');
const { PNG } = req('pngjs');
const jpeg = req('jpeg-js');

const MODEL = path.join(root, 'test/fixtures/onnx/mobilenet_v2-op13.onnx');
const SAMPLE = fs.readFileSync(path.join(root, 'examples/classify/sample.png'));

type Top = { index: number; score: number }[];
type Engine = { size: number; maxBatch: number; name: string; run(d: Float32Array, n: number): Promise<Float32Array>; close(): Promise<void> };

/** A PNG of w x h pseudo-random pixels. */
function noisePng(w: number, h: number, seed: number): Buffer {
  const png = new PNG({ width: w, height: h });
  let s = seed;
  for (let i = 0; i < png.data.length; i++) { s = (s * 1103515245 + 12345) >>> 0; png.data[i] = i % 4 === 3 ? 255 : s >>> 24; }
  return PNG.sync.write(png);
}

/** A JPEG of the sample image. */
function sampleJpeg(): Buffer {
  const img = PNG.sync.read(SAMPLE);
  return Buffer.from(jpeg.encode({ data: img.data, width: img.width, height: img.height }, 90).data);
}

async function post(url: string, body: Buffer, type = 'image/png'): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': type } });
  const text = await r.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, json, headers: r.headers };
}

/** An engine whose runs wait for open() (to hold batches in flight), counting calls. */
function gated(engine: Engine) {
  const calls: number[] = [];
  let gate: Promise<void> = Promise.resolve();
  let release = () => {};
  return {
    calls,
    close() { gate = new Promise((r) => { release = r; }); },
    open() { release(); gate = Promise.resolve(); },
    engine: { ...engine, async run(d: Float32Array, n: number) { calls.push(n); await gate; return engine.run(d, n); } } as Engine,
  };
}

let engine: Engine;
let model: any;

beforeAll(async () => {
  engine = await convkitEngine.load(MODEL, { threads: 2 });
  model = await ck.onnx.load(MODEL, { threads: 2 });
});
afterAll(async () => { await engine.close(); await model.close(); });

/** The direct path: the same preprocessing, model.run at batch 1, softmax, top k. */
async function direct(body: Buffer, k: number): Promise<Top> {
  const x = preprocess(body, 64);
  const out = await model.run({ input: new ck.Tensor(x, [1, 3, 64, 64]) });
  return topK(out[model.outputs[0].name].data, 1, k)[0];
}

async function withServer(e: Engine, opts: object, fn: (url: string, app: any) => Promise<void>) {
  const app = createServer({ ...e, close: async () => {} }, opts);
  const { url } = await app.listen(0, '127.0.0.1');
  try { await fn(url, app); } finally { await app.shutdown(); }
}

describe('examples/serve: answers', () => {
  it('POST /predict (PNG) equals model.run on the same preprocessed tensor; ?k= sets the count', async () => {
    await withServer(engine, {}, async (url) => {
      const r = await post(`${url}/predict?k=10`, SAMPLE);
      expect(r.status).toBe(200);
      const want = await direct(SAMPLE, 10);
      expect(r.json.top.map((t: any) => t.index)).toEqual(want.map((t) => t.index));
      r.json.top.forEach((t: any, i: number) => expect(t.score).toBeCloseTo(want[i].score, 6));
      expect(r.json.top.reduce((a: number, t: any) => a + t.score, 0)).toBeCloseTo(1, 5);
      const five = await post(`${url}/predict`, SAMPLE);
      expect(five.json.top).toHaveLength(5);
      expect((await post(`${url}/predict?k=3`, SAMPLE)).json.top).toHaveLength(3);
    });
  });

  it('decodes a JPEG body (image/jpeg) the same way', async () => {
    await withServer(engine, {}, async (url) => {
      const jpg = sampleJpeg();
      const r = await post(`${url}/predict?k=4`, jpg, 'image/jpeg');
      expect(r.status).toBe(200);
      const want = await direct(jpg, 4);
      expect(r.json.top.map((t: any) => t.index)).toEqual(want.map((t) => t.index));
      r.json.top.forEach((t: any, i: number) => expect(t.score).toBeCloseTo(want[i].score, 6));
    });
  });

  it('a lone request does not wait --max-wait-ms for company; one waiting for a request that fails goes on at once', async () => {
    const g = gated(engine);
    await withServer(g.engine, { maxBatch: 2, maxWaitMs: 60_000 }, async (url, app) => {
      const r = await post(`${url}/predict`, SAMPLE);     // within the test's timeout: not 60 s
      expect(r.status).toBe(200);
      const [good, bad] = await Promise.all([post(`${url}/predict`, SAMPLE), post(`${url}/predict`, Buffer.from('not an image'))]);
      expect([good.status, bad.status]).toEqual([200, 400]);
      expect(g.calls).toEqual([1, 1]);
      expect(app.batcher.batches).toBe(2);
    });
  });

  it('batches: two concurrent requests make one backend call of 2, each answered with its own result', async () => {
    const g = gated(engine);
    await withServer(g.engine, { maxBatch: 2, maxWaitMs: 2000 }, async (url, app) => {
      const other = noisePng(97, 61, 7);
      const [a, b] = await Promise.all([post(`${url}/predict?k=10`, SAMPLE), post(`${url}/predict?k=10`, other)]);
      expect(g.calls).toEqual([2]);
      expect(app.batcher.batches).toBe(1);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^serve_batch_size_count\{engine="convkit"\} 1$/m);
      expect(metrics).toMatch(/^serve_batch_size_sum\{engine="convkit"\} 2$/m);
      for (const [r, body] of [[a, SAMPLE], [b, other]] as const) {
        expect(r.status).toBe(200);
        const want = await direct(body, 10);
        expect(r.json.top.map((t: any) => t.index)).toEqual(want.map((t) => t.index));
        r.json.top.forEach((t: any, i: number) => expect(t.score).toBeCloseTo(want[i].score, 5));
      }
      expect(a.json.top).not.toEqual(b.json.top);
    });
  });
});

describe('examples/serve: --engine ort', () => {
  it('answers as convkit does (onnxruntime-node on its worker thread), batches too', async () => {
    const ort: Engine = await ortEngine.load(MODEL, { threads: 2 });
    expect([ort.size, ort.maxBatch]).toEqual([64, Infinity]);
    const app = createServer(ort, { maxBatch: 2, maxWaitMs: 1000 });
    const { url } = await app.listen(0, '127.0.0.1');
    try {
      const other = noisePng(50, 90, 3);
      const [a, b] = await Promise.all([post(`${url}/predict?k=10`, SAMPLE), post(`${url}/predict?k=10`, other)]);
      expect(app.batcher.batches).toBe(1);
      for (const [r, body] of [[a, SAMPLE], [b, other]] as const) {
        expect(r.status).toBe(200);
        const want = await direct(body, 10);
        expect(r.json.top.map((t: any) => t.index)).toEqual(want.map((t) => t.index));
        r.json.top.forEach((t: any, i: number) => expect(t.score).toBeCloseTo(want[i].score, 4));
      }
    } finally { await app.shutdown(); }
  });
});

describe('examples/serve: limits', () => {
  it('400 for bytes that are not an image, a truncated PNG, a too small or too large image, a bad k', async () => {
    await withServer(engine, { maxPixels: 100_000 }, async (url) => {
      const cases: [Buffer, string, RegExp][] = [
        [Buffer.from('hello, not an image'), 'image/png', /not a PNG or JPEG/],
        [SAMPLE.subarray(0, 200), 'image/png', /cannot be decoded/],
        [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 'image/jpeg', /malformed|cannot be decoded/],
        [noisePng(4, 4, 1), 'image/png', /4x4; the least accepted side is 8/],
        [noisePng(400, 300, 2), 'image/png', /400x300 \(120000 pixels\); at most 100000/],
      ];
      for (const [body, type, msg] of cases) {
        const r = await post(`${url}/predict`, body, type);
        expect(r.status).toBe(400);
        expect(r.json.error).toMatch(msg);
      }
      expect((await post(`${url}/predict?k=0`, SAMPLE)).status).toBe(400);
      expect((await post(`${url}/predict?k=abc`, SAMPLE)).status).toBe(400);
      expect((await post(`${url}/predict`, SAMPLE, 'text/plain')).status).toBe(415);
      expect((await fetch(`${url}/predict`)).status).toBe(405);
      expect((await fetch(`${url}/nope`)).status).toBe(404);
      expect((await post(`${url}/predict`, SAMPLE)).status).toBe(200);   // still serving
    });
  });

  it('413 for a body over the limit', async () => {
    await withServer(engine, { bodyLimit: 1000 }, async (url) => {
      const r = await post(`${url}/predict`, SAMPLE);
      expect(r.status).toBe(413);
      expect(r.json.error).toMatch(/at most 1000/);
    });
  });

  it('503 with Retry-After when the queue is full; 504 past the per-request timeout; serving after both', async () => {
    const g = gated(engine);
    await withServer(g.engine, { maxBatch: 1, maxWaitMs: 0, maxQueue: 1, timeoutMs: 3000 }, async (url) => {
      g.close();
      const running = post(`${url}/predict`, SAMPLE);
      await new Promise((r) => setTimeout(r, 200));
      const queued = post(`${url}/predict`, SAMPLE);
      await new Promise((r) => setTimeout(r, 200));
      const full = await post(`${url}/predict`, SAMPLE);
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toBe('1');
      expect(g.calls).toEqual([1]);
      g.open();
      expect((await running).status).toBe(200);
      expect((await queued).status).toBe(200);
    });
    const h = gated(engine);
    await withServer(h.engine, { timeoutMs: 1500 }, async (url, app) => {
      h.close();
      const t0 = Date.now();
      const r = await post(`${url}/predict`, SAMPLE);
      expect(r.status).toBe(504);
      expect(r.json.error).toBe('no answer within 1500 ms');
      expect(Date.now() - t0).toBeLessThan(5000);
      h.open();
      await app.batcher.idle();
      expect((await post(`${url}/predict`, SAMPLE)).status).toBe(200);
    });
  });

  it('/healthz, /readyz, /metrics (Prometheus text)', async () => {
    await withServer(engine, {}, async (url) => {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      await post(`${url}/predict`, SAMPLE);
      const r = await fetch(`${url}/metrics`);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await r.text();
      for (const name of ['serve_request_duration_seconds_bucket', 'serve_batch_size_bucket', 'serve_queue_length', 'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes']) {
        expect(text).toContain(name);
      }
      expect(text).toMatch(/^serve_request_duration_seconds_count\{engine="convkit",route="\/predict",code="200"\} 1$/m);
    });
  });
});

describe('examples/serve: batcher', () => {
  it('waits maxWaitMs for company only while items are arriving', async () => {
    const { Batcher } = req('./examples/serve/batcher.js');
    const ran: number[][] = [];
    let arriving = 1;
    const b = new Batcher({ maxBatch: 4, maxWaitMs: 60_000, maxQueue: 8, arriving: () => arriving, run: async (items: number[]) => { ran.push(items); return items; } });
    const first = b.submit(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toEqual([]);           // one more on its way: waits
    const second = b.submit(2);        // it came, and another is still arriving
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toEqual([]);
    arriving = 0;                      // the other was answered without queueing (a 400, say)
    b.schedule();
    expect(await first.promise).toBe(1);
    expect(await second.promise).toBe(2);
    expect(ran).toEqual([[1, 2]]);
    const lone = b.submit(3);          // nothing arriving: runs at once, not after 60 s
    expect(await lone.promise).toBe(3);
    expect(ran).toEqual([[1, 2], [3]]);
    // Without arriving(), the classic rule: the lone item waits maxWaitMs.
    const classic = new Batcher({ maxBatch: 4, maxWaitMs: 30, maxQueue: 8, run: async (items: number[]) => items });
    const t0 = performance.now();
    await classic.submit(4).promise;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);   // timers may fire up to ~1 ms early
  });

  it('a request that times out while queued leaves the queue at once (not run, not counted)', async () => {
    const { Batcher } = req('./examples/serve/batcher.js');
    const ran: number[][] = [];
    let release = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const b = new Batcher({ maxBatch: 4, maxWaitMs: 0, maxQueue: 2, run: async (items: number[]) => { ran.push(items); await gate; return items.map((i) => i * 10); } });
    const first = b.submit(1);
    await new Promise((r) => setTimeout(r, 10));   // batch [1] is running
    const second = b.submit(2);
    const third = b.submit(3);
    expect(b.length).toBe(2);
    expect(() => b.submit(4)).toThrow(/queue is full \(2 waiting\)/);
    second.cancel();
    expect(b.length).toBe(1);
    release();
    expect(await first.promise).toBe(10);
    expect(await third.promise).toBe(30);
    expect(ran).toEqual([[1], [3]]);
    await b.idle();
  });
});
