// npm run serve -- --model m.onnx [--port 8080] [--host 127.0.0.1] [--engine convkit|ort]
//   [--workers 1] [--threads N] [--max-batch 8] [--max-wait-ms 2] [--max-queue 256]
//   [--body-limit 8388608] [--timeout-ms 10000] [--max-pixels 16000000] [--preprocess-threads 1]
// An image-classification server over an ONNX model (see README.md): POST /predict with a PNG
// or JPEG body answers the top-k softmax scores. Prints `listening on http://HOST:PORT` when
// ready; SIGTERM (or SIGINT) stops accepting, answers every accepted request and exits.
'use strict';
const os = require('node:os');
const cluster = require('node:cluster');
const { createServer } = require('./server');
const { NODE_FLAGS } = require('./node-flags');

const FLAGS = {
  model: 'string', port: 'number', host: 'string', engine: 'string', workers: 'number', threads: 'number',
  'max-batch': 'number', 'max-wait-ms': 'number', 'max-queue': 'number', 'body-limit': 'number',
  'timeout-ms': 'number', 'max-pixels': 'number', 'preprocess-threads': 'number',
};

function parseArgs(argv) {
  const a = { port: 8080, host: '127.0.0.1', engine: 'convkit', workers: 1 };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in FLAGS)) throw new Error(`unknown argument ${argv[i]}; flags: ${Object.keys(FLAGS).map((f) => `--${f}`).join(' ')}`);
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
    const v = FLAGS[m[1]] === 'number' ? Number(raw) : raw;
    if (typeof v === 'number' && !(v >= 0)) throw new Error(`--${m[1]} must be a number >= 0, got ${raw}`);
    a[m[1]] = v;
  }
  if (!a.model) throw new Error('--model m.onnx is required');
  if (!['convkit', 'ort'].includes(a.engine)) throw new Error(`--engine must be convkit or ort, got ${a.engine}`);
  if (!(a.workers >= 1)) throw new Error('--workers must be at least 1');
  const cores = os.availableParallelism();
  a.threads ??= Math.max(1, Math.floor(cores / a.workers));
  return a;
}

/** Loads the engine, starts one server; resolves to { app, address }. */
async function serveOne(a) {
  const engine = await require(`./engines/${a.engine}`).load(a.model, { threads: a.threads });
  const app = createServer(engine, {
    maxBatch: a['max-batch'], maxWaitMs: a['max-wait-ms'], maxQueue: a['max-queue'], bodyLimit: a['body-limit'],
    timeoutMs: a['timeout-ms'], maxPixels: a['max-pixels'], preprocessThreads: a['preprocess-threads'],
    clusterMetrics: a.clusterMetrics,
  });
  // Warm up: the first run of each batch size builds its plan; do sizes 1 and the largest now.
  const x = new Float32Array(3 * engine.size * engine.size);
  await engine.run(x, 1);
  const mb = app.options.maxBatch;
  if (mb > 1) await engine.run(new Float32Array(mb * x.length), mb);
  const address = await app.listen(a.port, a.host);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    app.shutdown().then(() => process.exit(0), (err) => { console.error(`shutdown failed: ${err.message}`); process.exit(1); });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return { app, address };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const missing = NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
  if (missing.length) console.error(`note: node was started without ${missing.join(' ')} (npm run serve passes it; README.md, "Heap")`);
  if (a.workers > 1) {
    require('./cluster').run(a, serveOne);
    return;
  }
  const { address } = await serveOne(a);
  console.log(`listening on ${address.url} (engine ${a.engine}, ${a.threads} threads)`);
}

if (require.main === module) {
  main().catch((err) => { console.error(err.message); process.exit(1); });
}

module.exports = { parseArgs, serveOne };
