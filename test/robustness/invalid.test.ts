// Every entry of ../shared/conformance/invalid.json must be rejected with a TypeError or
// RangeError whose message names the op, on both backends. Cases run in a child process so
// a crash fails the test instead of killing the runner.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR } from '../helpers/conformance';
import { info } from '../../lib/index';
import { nativeRequired } from '../helpers/native';

const file = path.join(CONFORMANCE_DIR, 'invalid.json');
const cases = (JSON.parse(fs.readFileSync(file, 'utf8')) as { cases: { id: string; op: string; why: string; params: Record<string, unknown> }[] }).cases;
const runner = path.resolve(__dirname, '../helpers/invalid-runner.cjs');

// Entries whose `why` allows a correctly shaped empty result instead of an error.
const emptyResultAllowed: Record<string, number[]> = {
  conv_empty_batch: [0, 2, 6, 6],
  softmax_zero_length_axis: [4, 0],
};

/** The API names of each invalid.json op (messages start with one of these). */
const apiNames: Record<string, string[]> = {
  tensor: ['Tensor'], conv2d: ['conv2d'], conv2d_backward: ['conv2dBackward'], max_pool2d: ['maxPool2d'],
  avg_pool2d: ['avgPool2d'], max_pool2d_backward: ['maxPool2dBackward'], gemm: ['gemm'], sgemm: ['sgemm'],
  matmul: ['matmul'], linear: ['linear'], cross_entropy: ['crossEntropy'], softmax: ['softmax'],
  relu_backward: ['reluBackward'], global_avg_pool2d: ['globalAvgPool2d'], global_max_pool2d: ['globalMaxPool2d'],
};

for (const backend of ['ts', 'native'] as const) {
  describe.skipIf(backend === 'native' && !info().native.loaded && !nativeRequired())(`invalid.json on ${backend}`, () => {
    const child = spawnSync(process.execPath, [runner, backend, file], { encoding: 'utf8', timeout: 120_000 });
    const lines = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    const results = new Map(lines.filter((l) => l.id).map((l) => [l.id as string, l]));

    it('the runner finished without crashing', () => {
      const started = lines.filter((l) => l.start).map((l) => l.start as string);
      const crashedIn = started.find((id) => !results.has(id));
      expect({ status: child.status, signal: child.signal, crashedIn, stderr: child.stderr.slice(-2000) })
        .toEqual({ status: 0, signal: null, crashedIn: undefined, stderr: '' });
      expect(lines.at(-1)).toEqual({ done: true });
    });

    it.each(cases.map((c) => [c.id, c] as const))('%s is rejected', (id, c) => {
      const r = results.get(id);
      expect(r, 'no result (crash?)').toBeDefined();
      if (!r!.threw && emptyResultAllowed[id]) {
        expect(r!.shape).toEqual(emptyResultAllowed[id]);
        return;
      }
      expect(r!.threw, `returned ${JSON.stringify(r)}; why: ${c.why}`).toBe(true);
      expect(['TypeError', 'RangeError']).toContain(r!.name);
      // A data length that disagrees with the shape is caught when the Tensor is built.
      const names = c.params.data_length !== undefined ? [...apiNames[c.op], 'Tensor'] : apiNames[c.op];
      expect(names.some((n) => (r!.message as string).startsWith(`${n}:`)), r!.message).toBe(true);
    });
  });
}
