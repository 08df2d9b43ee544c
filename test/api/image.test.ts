import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { image, rand, Tensor } from '../../lib/index';

describe('image', () => {
  it('writePng then readPng round-trips to 8 bits', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-'));
    const t = rand([5, 7, 3], { seed: 9 });
    image.writePng(path.join(dir, 'a.png'), t);
    const back = image.readPng(path.join(dir, 'a.png'));
    expect(back.shape).toEqual([5, 7, 3]);
    for (let i = 0; i < t.size; i++) expect(Math.abs(back.data[i] - t.data[i])).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    fs.rmSync(dir, { recursive: true });
  });
  it('tile lays out feature maps on a grid', () => {
    const maps = new Tensor(new Float32Array(8 * 4 * 5).map((_, i) => i % 7), [1, 8, 4, 5]);
    const t = image.tile(maps);
    expect(t.shape).toEqual([3 * 5 - 1, 3 * 6 - 1]);
    expect(Math.max(...t.data)).toBeLessThanOrEqual(1);
    expect(() => image.writePng('/tmp/x.png', new Tensor(new Float32Array(4), [1, 2, 2, 1]))).toThrow(RangeError);
  });
});
