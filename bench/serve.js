// npm run bench -- --only serve   (or: node bench/serve.js [--duration 5] [--rounds 3]
//   [--mem-duration 60] [--models resnet18,mobilenet_v2] [--engines convkit,ort] [--conc 1,8,32]
//   [--quick])
// Load test of examples/serve: each engine's server in its own process on 127.0.0.1, autocannon
// POSTing examples/classify/sample.png (320x240 PNG) at each concurrency, bounded in time
// (--duration s a run) and requests (maxOverallRequests). Each concurrency runs --rounds rounds,
// every engine once a round, the order reversed each round (the VM's speed drifts by 10-15%
// between runs a minute apart: one run each compared the drift, not the engines); reported are
// each engine's medians over the rounds and the median of the rounds' paired throughput ratios
// (first engine / second). Per run: req/s, p50 and p99 latency,
// errors (connection errors, timeouts, non-2xx), the server's event-loop lag (prom-client's
// monitorEventLoopDelay histogram, reset per run: p99 and max) and resident memory; then one
// --mem-duration run per engine (resnet18, concurrency 8) sampling resident memory every 5 s.
// Full-size torchvision models from bench/models-cache.js (skipped, with the reason, without
// PyTorch). Writes bench/results/serve-<stamp>.json.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { ensureModels } = require('./models-cache');
const { NODE_FLAGS } = require('../examples/serve/node-flags');

const ROOT = path.join(__dirname, '..');
const IMAGE = path.join(ROOT, 'examples/classify/sample.png');

function parseArgs(argv) {
  const a = { duration: 5, rounds: 3, 'mem-duration': 60, models: 'resnet18,mobilenet_v2', engines: 'convkit,ort', conc: '1,8,32', quick: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'quick') { a.quick = true; continue; }
    if (!(k in a)) throw new Error(`unknown option --${k}`);
    a[k] = argv[++i];
  }
  if (a.quick) { a.duration = 3; a.rounds = 1; a['mem-duration'] = 10; }
  const rounds = Number(a.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number >= 1, got ${a.rounds}`);
  return { duration: Number(a.duration), rounds, memDuration: Number(a['mem-duration']), models: a.models.split(','), engines: a.engines.split(','), conc: a.conc.split(',').map(Number) };
}

/** Starts examples/serve; resolves to { url, child } once it prints its address. */
function startServer(model, engine) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, 'examples/serve', '--model', model, '--engine', engine, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`server ${engine} exited (${code}): ${err.slice(-400)}`)));
  });
}

function stopServer(child) {
  return new Promise((resolve) => { child.once('exit', (code) => resolve(code)); child.kill('SIGTERM'); });
}

/** The server's metrics: event-loop lag p99 and max (ms, since the last scrape) and RSS (MB). */
async function scrape(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([^\\s]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return { lagP99: get('nodejs_eventloop_lag_p99_seconds') * 1e3, lagMax: get('nodejs_eventloop_lag_max_seconds') * 1e3, rssMB: get('process_resident_memory_bytes') / 2 ** 20 };
}

function median(v) {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One engine's row at one concurrency: medians over its rounds, errors and requests summed, the worst lag and RSS. */
function summarize(model, engine, conc, runs, paired) {
  const pick = (k) => runs.map((r) => r[k]);
  return {
    model, engine, conc, rounds: runs.length, rps: median(pick('rps')), p50: median(pick('p50')), p99: median(pick('p99')),
    requests: pick('requests').reduce((x, y) => x + y, 0), errors: pick('errors').reduce((x, y) => x + y, 0),
    lagP99: Math.max(...pick('lagP99')), lagMax: Math.max(...pick('lagMax')), rssMB: Math.max(...pick('rssMB')), paired, runs,
  };
}

function load(url, connections, duration, body) {
  return autocannon({
    url: `${url}/predict`, method: 'POST', headers: { 'content-type': 'image/png' }, body,
    connections, duration, maxOverallRequests: Math.max(connections, 200 * duration * Math.max(1, connections)), timeout: 30,
  });
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const cache = ensureModels({ names: a.models });
  if (!cache.models) {
    console.log(`serve load test skipped: ${cache.reason}`);
    return;
  }
  const body = fs.readFileSync(IMAGE);
  const load0 = os.loadavg();
  const rows = [];
  const mem = [];
  for (const name of a.models) {
    const servers = {};
    for (const e of a.engines) servers[e] = await startServer(cache.models[name].onnx, e);
    for (const e of a.engines) await load(servers[e].url, 8, 2, body);   // warm-up, not counted
    for (const c of a.conc) {
      const runs = new Map(a.engines.map((e) => [e, []]));
      for (let round = 0; round < a.rounds; round++) {
        const order = round % 2 === 0 ? a.engines : [...a.engines].reverse();
        for (const e of order) {
          const { url } = servers[e];
          await scrape(url);   // resets the lag histogram
          process.stderr.write(`  ${name} ${e} c=${c} round ${round + 1}/${a.rounds} ...\n`);
          const r = await load(url, c, a.duration, body);
          const s = await scrape(url);
          runs.get(e).push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors + r.timeouts + r.non2xx, ...s });
        }
      }
      const [e0, e1] = a.engines;
      const paired = e1 === undefined ? NaN : median(runs.get(e0).map((r, i) => r.rps / runs.get(e1)[i].rps));
      for (const e of a.engines) rows.push(summarize(name, e, c, runs.get(e), e === e0 ? paired : NaN));
    }
    if (name === a.models[0] && a.memDuration > 0) {
      for (const e of a.engines) {
        const { url } = servers[e];
        process.stderr.write(`  ${name} ${e} memory run, ${a.memDuration} s ...\n`);
        const samples = [(await scrape(url)).rssMB];
        const run = load(url, 8, a.memDuration, body);
        let lagMax = 0;
        const tick = setInterval(async () => { const s = await scrape(url); samples.push(s.rssMB); lagMax = Math.max(lagMax, s.lagMax); }, 5000);
        const r = await run;
        clearInterval(tick);
        const end = await scrape(url);
        samples.push(end.rssMB);
        mem.push({ model: name, engine: e, seconds: a.memDuration, samples, requests: r.requests.total, errors: r.errors + r.timeouts + r.non2xx, lagMax: Math.max(lagMax, end.lagMax) });
      }
    }
    for (const e of a.engines) await stopServer(servers[e].child);
  }
  const load1 = os.loadavg();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', `serve-${stamp}.json`), JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadavg: { before: load0, after: load1 }, args: a, rows, mem }, null, 1));

  console.log(`\n## serve: examples/serve under autocannon, ${a.rounds} round(s) of ${a.duration} s per engine, POST ${path.basename(IMAGE)} (320x240 PNG), 127.0.0.1`);
  console.log(`${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}; load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`req/s, p50 and p99: medians over the rounds (each round's req/s under "rounds req/s"); paired: the median over the rounds of ${a.engines[0]} req/s / ${a.engines[1] ?? '-'} req/s in the same round; lag and RSS: the worst round.`);
  console.log('| model | conc | engine | req/s | rounds req/s | paired | p50 ms | p99 ms | requests | errors | loop lag p99 / max ms | RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.conc} | ${r.engine} | ${r.rps.toFixed(1)} | ${r.runs.map((x) => x.rps.toFixed(1)).join(' ')} | ${Number.isNaN(r.paired) ? '' : r.paired.toFixed(3)} | ${r.p50} | ${r.p99} | ${r.requests} | ${r.errors} | ${r.lagP99.toFixed(1)} / ${r.lagMax.toFixed(1)} | ${r.rssMB.toFixed(0)} |`);
  }
  if (mem.length) {
    console.log(`\n## serve: resident memory over a ${a.memDuration} s run (concurrency 8), MB every 5 s`);
    console.log('| model | engine | requests | errors | loop lag max ms | RSS first / max / last | samples |');
    console.log('|---|---|---|---|---|---|---|');
    for (const m of mem) {
      const s = m.samples;
      console.log(`| ${m.model} | ${m.engine} | ${m.requests} | ${m.errors} | ${m.lagMax.toFixed(1)} | ${s[1]?.toFixed(0)} / ${Math.max(...s).toFixed(0)} / ${s[s.length - 1].toFixed(0)} | ${s.map((x) => x.toFixed(0)).join(' ')} |`);
    }
  }
}

main().catch((err) => { console.error(err.stack); process.exitCode = 1; });
