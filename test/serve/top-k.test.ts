// examples/common/imagenet.js largest(): the k largest of a row in one pass must give what a
// full stable sort gives (largest first, equal values in index order), for every k.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '../..');
const req = createRequire(path.join(root, 'package.json'));
const { largest } = req('./examples/common/imagenet.js') as { largest: (row: Float32Array, k: number) => number[] };

/** The reference: every index sorted by value, descending, stable (ties keep index order). */
const bySort = (row: Float32Array, k: number): number[] => Array.from(row.keys()).sort((a, b) => row[b] - row[a]).slice(0, k);

describe('imagenet largest (the server\'s top-k)', () => {
  let seed = 12345;
  const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
  const rows: [string, Float32Array][] = [
    ['1000 distinct', Float32Array.from({ length: 1000 }, rand)],
    // Few distinct values: many ties, at the cut too.
    ['1000 with ties', Float32Array.from({ length: 1000 }, () => Math.floor(rand() * 7) / 7)],
    ['all equal', new Float32Array(300).fill(0.5)],
    ['ascending', Float32Array.from({ length: 200 }, (_, i) => i)],
    ['descending', Float32Array.from({ length: 200 }, (_, i) => -i)],
  ];
  for (const [name, row] of rows) {
    it(`${name}: every k from 1 to 40, and the whole row`, () => {
      for (const k of [...Array.from({ length: 40 }, (_, i) => i + 1), row.length]) {
        expect(largest(row, k), `k ${k}`).toEqual(bySort(row, k));
      }
    });
  }
});
