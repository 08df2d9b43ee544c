// The addon in several worker_threads and the main thread at once: results equal a serial run;
// workers exit and start again without crashes.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { job } = require('../helpers/worker-job.cjs') as { job: (seed: number) => Promise<number[][]> };
const file = path.resolve(__dirname, '../helpers/worker-job.cjs');

function runWorker(seed: number): Promise<{ ok: boolean; r?: number[][]; e?: string; info?: { backend: string } }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(file, { workerData: { seed } });
    w.once('message', (m) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0 && code !== 1) reject(new Error(`worker exited with ${code}`)); });
  });
}

describe('worker_threads', () => {
  it('four workers and the main thread compute the same results as a serial run, three rounds', async () => {
    const seeds = [1, 2, 3, 4];
    const serial = await Promise.all(seeds.map((s) => job(s)));
    for (let round = 0; round < 3; round++) {
      const [workers, main] = await Promise.all([Promise.all(seeds.map(runWorker)), Promise.all(seeds.map((s) => job(s)))]);
      workers.forEach((m, i) => {
        expect(m.ok, m.e).toBe(true);
        expect(m.r).toEqual(serial[i]);
      });
      expect(main).toEqual(serial);
    }
  }, 120_000);

  it('a worker terminated mid-call does not take the process down', async () => {
    for (let i = 0; i < 5; i++) {
      const w = new Worker(file, { workerData: { seed: 10 + i } });
      await new Promise((r) => setTimeout(r, 5 + i * 3));
      await w.terminate();
    }
    expect(await job(1)).toEqual(await job(1));
  }, 60_000);
});
