// examples/serve with --workers 2 (node:cluster) as a child process: both workers answer, and
// /metrics on whichever worker takes the connection counts the whole cluster's requests
// (?scope=worker: that worker's own); SIGTERM stops every worker and the primary exits 0.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '../..');
// Node's flags as npm run serve passes them.
const { NODE_FLAGS } = createRequire(path.join(root, 'package.json'))('./examples/serve/node-flags.js') as { NODE_FLAGS: string[] };
const SAMPLE = fs.readFileSync(path.join(root, 'examples/classify/sample.png'));

function get(port: number, p: string, body?: Buffer): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'image/png', 'content-length': body.length } : {};
    const r = http.request({ host: '127.0.0.1', port, path: p, method: body ? 'POST' : 'GET', agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ code: res.statusCode!, text }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

// Sum of serve_request_duration_seconds_count{route="/predict",code="200"} in a metrics text.
function predictCount(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/^serve_request_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    if (m[1].includes('route="/predict"') && m[1].includes('code="200"')) n += Number(m[2]);
  }
  return n;
}

describe('examples/serve: --workers 2', () => {
  it('aggregates /metrics over the workers, exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [...NODE_FLAGS, 'examples/serve', '--model', 'test/fixtures/onnx/resnet18-op13.onnx', '--port', '0', '--workers', '2', '--threads', '1', '--max-batch', '2'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => { out += d; const m = /^listening on (http:\/\/127\.0\.0\.1:\d+) .*2 workers/m.exec(out); if (m) resolve(m[1]); });
        child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
      });
      const port = Number(new URL(url).port);
      const N = 12;
      const codes = await Promise.all(Array.from({ length: N }, () => get(port, '/predict', SAMPLE).then((r) => r.code)));
      expect(codes).toEqual(new Array(N).fill(200));
      // Every connection is new (agent: false), so both workers see some of them; whichever
      // answers /metrics reports all N, and its own count is a part of them.
      for (let i = 0; i < 4; i++) {
        const all = await get(port, '/metrics');
        expect(all.code).toBe(200);
        expect(predictCount(all.text)).toBe(N);
        expect(all.text).toMatch(/^serve_batch_size_count\{engine="convkit"\} \d+/m);
      }
      const own = await get(port, '/metrics?scope=worker');
      expect(own.code).toBe(200);
      expect(predictCount(own.text)).toBeLessThanOrEqual(N);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});
