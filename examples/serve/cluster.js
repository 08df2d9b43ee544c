// Scale-out on one machine: node:cluster forks `workers` processes sharing the port, each with
// its own model and `threads` compute threads (default cores / workers). The primary prints
// `listening on ...` once every worker listens, refork a worker that dies, and on SIGTERM
// passes it on and exits when every worker has drained.
'use strict';
const cluster = require('node:cluster');

function run(a, serveOne) {
  if (cluster.isWorker) {
    serveOne(a).then(({ address }) => process.send({ listening: address.url }), (err) => {
      console.error(`worker ${process.pid}: ${err.message}`);
      process.exit(1);
    });
    return;
  }
  let listening = 0;
  let stopping = false;
  const fork = () => cluster.fork().on('message', function onMessage(m) {
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
