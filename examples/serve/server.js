// The HTTP server: POST /predict (PNG or JPEG body -> top-k softmax scores), /healthz, /readyz,
// /metrics; limits (body size 413, full queue 503 + Retry-After, per-request timeout 504, bad
// image 400); graceful shutdown (stop accepting, answer every accepted request, then close).
// It keeps no state between requests, so replicas can sit behind any load balancer.
'use strict';
const http = require('node:http');
const net = require('node:net');
const { Batcher, QueueFullError } = require('./batcher');
const { createMetrics } = require('./metrics');
const { createDecoder, finish, ImageError } = require('./preprocess');
const { topK } = require('../common/imagenet');

const DEFAULTS = {
  maxBatch: 8, maxWaitMs: 2, maxQueue: 256, bodyLimit: 8 << 20, timeoutMs: 10_000,
  maxPixels: 16e6, k: 5, shutdownTimeoutMs: 30_000, preprocessThreads: 1,
};
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg']);

/**
 * An inference server over a loaded engine (engines/*.js); call listen(port, host) to start.
 * options: maxBatch, maxWaitMs, maxQueue, bodyLimit (bytes), timeoutMs, maxPixels, k, shutdownTimeoutMs,
 * preprocessThreads (worker threads that decode images; 0: the event loop's thread).
 */
function createServer(engine, options = {}) {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  // The largest batch, within what the model accepts (a fixed batch dimension).
  const maxBatch = Math.max(1, Math.min(o.maxBatch, engine.maxBatch));
  const size = engine.size;
  const per = 3 * size * size;
  const decoder = createDecoder({ threads: o.preprocessThreads, maxPixels: o.maxPixels });
  let shuttingDown = false;
  let inflight = 0;
  // /predict requests being read or decoded: the batcher waits for company only while some are.
  let arriving = 0;
  const inflightDone = [];

  const batcher = new Batcher({
    maxBatch, maxWaitMs: o.maxWaitMs, maxQueue: o.maxQueue, arriving: () => arriving,
    onBatch: (n, ms) => { metrics.batchSize.observe(n); metrics.batchSeconds.observe(ms / 1000); },
    async run(items) {
      const n = items.length;
      // Resize, crop, normalize here, between batches (preprocess.js says why). One image is
      // its own batch: no copy into a batch array (a fresh 0.6 MB, ArrayBuffer bytes that count
      // toward V8's next mark-compact: node-flags.js).
      let data;
      if (n === 1) {
        data = finish(items[0].img, size);
      } else {
        data = new Float32Array(n * per);
        items.forEach((it, i) => data.set(finish(it.img, size), i * per));
      }
      const logits = await engine.run(data, n);
      const classes = logits.length / n;
      const rows = topK(logits, n, Math.min(classes, Math.max(...items.map((it) => it.k))));
      return rows.map((row, i) => row.slice(0, items[i].k));
    },
  });
  const metrics = createMetrics({ engine: engine.name, queueLength: () => batcher.length });

  function send(res, code, body, headers = {}) {
    if (res.headersSent || res.writableEnded) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...(shuttingDown ? { Connection: 'close' } : {}),
      ...headers,
    });
    res.end(text);
  }
  const fail = (res, code, message, headers) => send(res, code, { error: message }, headers);

  function readBody(req, res) {
    return new Promise((resolve) => {
      const declared = Number(req.headers['content-length']);
      if (declared > o.bodyLimit) {
        metrics.rejected.inc({ reason: 'too_large' });
        fail(res, 413, `the body is ${declared} bytes; at most ${o.bodyLimit} are accepted`, { Connection: 'close' });
        req.resume();
        return resolve(null);
      }
      const chunks = [];
      let total = 0;
      req.on('data', (c) => {
        if (total < 0) return;
        total += c.length;
        if (total > o.bodyLimit) {
          total = -1;
          metrics.rejected.inc({ reason: 'too_large' });
          fail(res, 413, `the body is over ${o.bodyLimit} bytes`, { Connection: 'close' });
          return resolve(null);
        }
        chunks.push(c);
      });
      req.on('end', () => { if (total >= 0) resolve(Buffer.concat(chunks)); });
      req.on('error', () => resolve(null));
      req.on('aborted', () => resolve(null));
    });
  }

  async function predict(req, res, url) {
    if (req.method !== 'POST') return fail(res, 405, 'use POST with the image as the body', { Allow: 'POST' });
    const kParam = url.searchParams.get('k');
    const k = kParam === null ? o.k : Number(kParam);
    if (!Number.isInteger(k) || k < 1 || k > 1000) return fail(res, 400, `k must be an integer from 1 to 1000, got ${JSON.stringify(kParam)}`);
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!IMAGE_TYPES.has(type)) {
      req.resume();
      return fail(res, 415, `Content-Type must be image/png or image/jpeg, got ${JSON.stringify(type)}`);
    }
    let job = null;
    // Counted as arriving until it is queued or answered (a batch waiting for it looks again then).
    arriving++;
    let counted = true;
    const arrived = () => { counted = false; arriving--; };
    const timer = setTimeout(() => {
      job?.cancel();
      metrics.rejected.inc({ reason: 'timeout' });
      fail(res, 504, `no answer within ${o.timeoutMs} ms`);
    }, o.timeoutMs);
    try {
      const body = await readBody(req, res);
      if (body === null || res.headersSent) return;
      const full = () => {
        metrics.rejected.inc({ reason: 'queue_full' });
        fail(res, 503, `the queue is full (${o.maxQueue} waiting)`, { 'Retry-After': '1' });
      };
      if (batcher.length >= o.maxQueue) return full();
      let img;
      try {
        img = await decoder.run(body);
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        metrics.rejected.inc({ reason: 'bad_image' });
        return fail(res, 400, err.message);
      }
      if (res.headersSent) return;   // timed out while decoding
      try {
        arrived();
        job = batcher.submit({ img, k });
      } catch (err) {
        if (!(err instanceof QueueFullError)) throw err;
        return full();
      }
      const top = await job.promise;
      send(res, 200, { top });
    } catch (err) {
      fail(res, 500, `internal error: ${err.message}`);
    } finally {
      clearTimeout(timer);
      if (counted) { arrived(); batcher.schedule(); }
    }
  }

  async function handle(req, res) {
    const t0 = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = ['/predict', '/healthz', '/readyz', '/metrics'].includes(url.pathname) ? url.pathname : 'other';
    res.on('finish', () => metrics.requestSeconds.observe({ route, code: res.statusCode }, (performance.now() - t0) / 1000));
    if (route === '/predict') {
      inflight++;
      try { await predict(req, res, url); } finally {
        if (--inflight === 0) for (const w of inflightDone.splice(0)) w();
      }
    } else if (route === '/healthz') send(res, 200, 'ok\n');
    else if (route === '/readyz') send(res, shuttingDown ? 503 : 200, shuttingDown ? 'shutting down\n' : 'ready\n');
    else if (route === '/metrics') {
      // Under --workers, the whole cluster's figures (o.clusterMetrics, cluster.js) unless
      // ?scope=worker asks for this process's own.
      const text = o.clusterMetrics && url.searchParams.get('scope') !== 'worker' ? await o.clusterMetrics() : await metrics.register.metrics();
      send(res, 200, text, { 'Content-Type': metrics.register.contentType });
    } else fail(res, 404, `no route ${url.pathname}; POST /predict, GET /healthz, /readyz, /metrics`);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => fail(res, 500, `internal error: ${err.message}`));
  });
  server.keepAliveTimeout = 5_000;

  return {
    server,
    batcher,
    metrics,
    options: { ...o, maxBatch },
    /** Starts listening; resolves to { host, port, url }. */
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address();
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          resolve({ host: a.address, port: a.port, url: `http://${h}:${a.port}` });
        });
      });
    },
    /** Stops accepting, answers every accepted request, closes the connections and the engine. */
    async shutdown() {
      if (shuttingDown) return;
      shuttingDown = true;
      // Stop listening, but leave keep-alive connections open (http.Server.close would close
      // the idle ones at once, dropping a request whose bytes are in flight): each answer from
      // now on says Connection: close; idle ones are closed once every accepted request is answered.
      const closed = new Promise((resolve) => net.Server.prototype.close.call(server, resolve));
      const force = setTimeout(() => server.closeAllConnections(), o.shutdownTimeoutMs);
      if (inflight > 0) await new Promise((resolve) => inflightDone.push(resolve));
      await batcher.idle();
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (inflight > 0) await new Promise((resolve) => inflightDone.push(resolve));
      server.closeIdleConnections();
      await closed;
      clearTimeout(force);
      await engine.close();
      await decoder.close();
    },
  };
}

module.exports = { createServer, DEFAULTS };
