// Prometheus metrics (prom-client), one registry per server: request latency by status, batch
// sizes and run times, queue length, and prom-client's process defaults (event-loop lag,
// resident memory, heap, GC).
'use strict';
const client = require('prom-client');

function createMetrics({ engine, queueLength }) {
  const register = new client.Registry();
  register.setDefaultLabels({ engine });
  // Event-loop lag sampled every 1 ms (monitorEventLoopDelay): the figures include that 1 ms
  // (at prom-client's default 10 ms an idle process already shows 10 ms).
  client.collectDefaultMetrics({ register, eventLoopMonitoringPrecision: 1 });
  const requestSeconds = new client.Histogram({
    name: 'serve_request_duration_seconds', help: 'Time from request to response, by route and status code',
    labelNames: ['route', 'code'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [register],
  });
  const batchSize = new client.Histogram({
    name: 'serve_batch_size', help: 'Images per backend call', buckets: [1, 2, 4, 8, 16, 32, 64], registers: [register],
  });
  const batchSeconds = new client.Histogram({
    name: 'serve_batch_duration_seconds', help: 'Time of one backend call', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [register],
  });
  new client.Gauge({
    name: 'serve_queue_length', help: 'Requests waiting for a batch', registers: [register],
    collect() { this.set(queueLength()); },
  });
  const rejected = new client.Counter({
    name: 'serve_rejected_total', help: 'Requests refused, by reason', labelNames: ['reason'], registers: [register],
  });
  return { register, requestSeconds, batchSize, batchSeconds, rejected };
}

module.exports = { createMetrics };
