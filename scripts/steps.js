// Shared by the build scripts: the parallel job count and a step that ends the script on
// failure (exit code = the step's).
'use strict';
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jobs = String(Math.max(2, os.availableParallelism ? os.availableParallelism() : os.cpus().length));

/** Runs cmd in the repository root with inherited output; exits the process when it fails. */
function runOrExit(cmd, argv, options = {}) {
  console.log(`> ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) {
    console.error(`convkit: could not run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
}

module.exports = { root, jobs, runOrExit };
