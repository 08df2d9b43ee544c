// One thread budget for the whole process: 16 concurrent conv2dAsync / gemmAsync calls with
// setNumThreads(2) may add at most the budget (the compute threads) to the threads Node has at
// rest with libuv's pool started (its workers only wait on the calls); results equal a serial
// run. Before the shared pool, each libuv worker kept an OpenMP team of its own.
// Threads are counted from /proc/self/task, so this runs on Linux only.
import * as fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { conv2d, conv2dAsync, gemm, gemmAsync, getNumThreads, info, randn, setBackend, setNumThreads } from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { nativeRequired } from '../helpers/native';

const linux = process.platform === 'linux' && fs.existsSync('/proc/self/task');

function threadNames(): string[] {
  const names: string[] = [];
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      names.push(fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim());
    } catch {
      // the thread exited between readdir and read
    }
  }
  return names;
}

describe.skipIf(!linux || (!info().native.loaded && !nativeRequired()))('thread budget', () => {
  const saved = getNumThreads();
  afterAll(() => setNumThreads(saved));

  it('16 concurrent async calls run on budget + libuv threads at most, with serial results', async () => {
    setBackend('native');
    const budget = 2;
    setNumThreads(budget);
    const uvPool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
    // Node's own threads at rest: main, V8 platform workers, and libuv's pool, which starts
    // all its workers at the first piece of work (an fs call here).
    const beforeUv = threadNames().length;
    await fs.promises.readFile(__filename);
    await new Promise((r) => setTimeout(r, 20));
    const atRest = threadNames().length;
    expect(atRest).toBeLessThanOrEqual(beforeUv + uvPool);

    // Half convolutions, half GEMMs, each large enough to be threaded inside.
    const jobs: Array<{ run: () => Promise<Tensor>; serial: () => Tensor }> = [];
    for (let i = 0; i < 16; i++) {
      if (i % 2 === 0) {
        const x = randn([2, 16, 40, 40], { seed: 100 + i });
        const w = randn([32, 16, 3, 3], { seed: 200 + i });
        jobs.push({ run: () => conv2dAsync(x, w, { padding: 1 }), serial: () => conv2d(x, w, { padding: 1 }) });
      } else {
        const a = randn([256, 320], { seed: 300 + i });
        const b = randn([320, 288], { seed: 400 + i });
        jobs.push({ run: () => gemmAsync(a, b), serial: () => gemm(a, b) });
      }
    }
    const expected = jobs.map((j) => Array.from(j.serial().data));

    let most = threadNames().length;
    let mostPool = 0;
    const sample = (): void => {
      const names = threadNames();
      most = Math.max(most, names.length);
      mostPool = Math.max(mostPool, names.filter((n) => n === 'convkit-pool').length);
    };
    const timer = setInterval(sample, 1);
    const results = await Promise.all(jobs.map((j) => j.run().then((t) => { sample(); return t; })));
    clearInterval(timer);
    sample();

    console.log(`threads: ${atRest} at rest (libuv pool started), at most ${most} during 16 async calls ` +
                `(${mostPool} named convkit-pool; budget ${budget}, libuv pool ${uvPool})`);
    expect(most).toBeLessThanOrEqual(atRest + budget);
    expect(mostPool).toBeLessThanOrEqual(budget);
    results.forEach((r, i) => expect(Array.from(r.data)).toEqual(expected[i]));
  }, 60_000);
});
