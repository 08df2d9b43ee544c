// Scale-out on one machine: node:cluster forks `workers` processes sharing the port, each with
// its own model and `threads` compute threads (default cores / workers). The primary prints
// `listening on ...` once every worker listens, refork a worker that dies, and on SIGTERM
// passes it on and exits when every worker has drained.
// /metrics on any worker answers for the whole cluster: the worker asks the primary over IPC,
// the primary gathers every worker's registry with prom-client's AggregatorRegistry (counters
// and histograms summed, gauges as prom-client aggregates each: summed, averaged or max).
'use strict';
const cluster = require('node:cluster');
const { AggregatorRegistry } = require('prom-client');

const METRICS = 'serve:metrics';
const METRICS_TIMEOUT_MS = 5_000;

// Worker side: a function that resolves to the cluster's metrics text.
function askPrimaryForMetrics() {
  let next = 0;
  const waiting = new Map();
  process.on('message', (m) => {
    if (!m || m.type !== METRICS || !waiting.has(m.id)) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    clearTimeout(w.timer);
    if (m.error) w.reject(new Error(`cluster metrics: ${m.error}`));
    else w.resolve(m.text);
  });
  return () => new Promise((resolve, reject) => {
    const id = ++next;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`cluster metrics: no answer from the primary in ${METRICS_TIMEOUT_MS} ms`));
    }, METRICS_TIMEOUT_MS);
    waiting.set(id, { resolve, reject, timer });
    process.send({ type: METRICS, id });
  });
}

function run(a, serveOne) {
  if (cluster.isWorker) {
    serveOne({ ...a, clusterMetrics: askPrimaryForMetrics() }).then(({ app, address }) => {
      // The registry the primary's clusterMetrics() collects from this worker (constructing an
      // AggregatorRegistry installs prom-client's worker-side listener).
      new AggregatorRegistry();  // eslint-disable-line no-new
      AggregatorRegistry.setRegistries([app.metrics.register]);
      process.send({ listening: address.url });
    }, (err) => {
      console.error(`worker ${process.pid}: ${err.message}`);
      process.exit(1);
    });
    return;
  }
  const aggregator = new AggregatorRegistry();
  let listening = 0;
  let stopping = false;
  const fork = () => cluster.fork().on('message', function onMessage(m) {
    if (m && m.type === METRICS) {
      aggregator.clusterMetrics().then((text) => ({ text }), (err) => ({ error: err.message }))
        .then((r) => { if (this.isConnected()) this.send({ type: METRICS, id: m.id, ...r }); });
      return;
    }
    if (m && m.listening) this.ready = true;
    if (m && m.listening && ++listening === a.workers) {
      console.log(`listening on ${m.listening} (engine ${a.engine}, ${a.workers} workers x ${a.threads} threads)`);
    }
  });
  for (let i = 0; i < a.workers; i++) fork();
  cluster.on('exit', (w, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (!w.ready) {
      console.error(`worker ${w.process.pid} exited (${signal ?? code}) before listening; stopping`);
      stopping = true;
      for (const other of Object.values(cluster.workers)) other.process.kill('SIGTERM');
      process.exitCode = 1;
      if (Object.keys(cluster.workers).length === 0) process.exit(1);
      return;
    }
    console.error(`worker ${w.process.pid} exited (${signal ?? code}); starting another`);
    listening--;
    fork();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { run };
