// examples/serve as a child process (npm run serve's command): it prints its address, and
// SIGTERM under load answers every accepted request, refuses new connections, and exits 0.
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

function request(port: number, onConnect: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path: '/predict', method: 'POST', agent: false, headers: { 'content-type': 'image/png', 'content-length': SAMPLE.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    r.on('socket', (s) => s.on('connect', onConnect));
    r.on('error', reject);
    r.end(SAMPLE);
  });
}

describe('examples/serve: node flags', () => {
  it("npm run serve passes the server's node flags (node-flags.js), and the server says when one is missing", async () => {
    const script: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.serve;
    expect(NODE_FLAGS.length).toBeGreaterThan(0);
    for (const f of NODE_FLAGS) expect(script.split(' ')).toContain(f);
    expect(script.endsWith(' examples/serve')).toBe(true);
    // Without them it still serves, with a note on stderr (a bad --model makes it stop right after).
    const child = spawn(process.execPath, ['examples/serve', '--model', 'no-such-model.onnx', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(`note: node was started without ${NODE_FLAGS.join(' ')}`);
    expect(stderr).toMatch(/cannot read no-such-model\.onnx/);
  });
});

describe('examples/serve: SIGTERM', () => {
  it('loses no accepted request, then exits 0', async () => {
    const child = spawn(process.execPath, [...NODE_FLAGS, 'examples/serve', '--model', 'test/fixtures/onnx/resnet18-op13.onnx', '--port', '0', '--max-batch', '4', '--threads', '2'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)/m.exec(out); if (m) resolve(m[1]); });
      child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
    });
    const port = Number(new URL(url).port);
    const N = 24;
    let connected = 0;
    let allConnected = () => {};
    const connectedP = new Promise<void>((r) => { allConnected = r; });
    const answers = Array.from({ length: N }, () => request(port, () => { if (++connected === N) allConnected(); }));
    await connectedP;
    await Promise.race(answers);   // under load: the first answer is back, the rest are queued or running
    child.kill('SIGTERM');
    const codes = await Promise.all(answers);
    expect(codes).toEqual(new Array(N).fill(200));
    expect(await exited).toBe(0);
    await expect(request(port, () => {})).rejects.toThrow(/ECONNREFUSED/);
  });
});
