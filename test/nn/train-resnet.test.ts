// examples/train-resnet: a short run learns, and a run resumed from its checkpoint (model,
// optimizer with momentum buffers, one-cycle schedule, BatchNorm statistics) ends exactly
// where an uninterrupted run does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { info } from '../../lib/index';
import { nativeRequired } from '../helpers/native';

interface Result { testAccuracy: number; epochs: { epoch: number; seconds: number }[]; model: { stateDict(): Record<string, { data: ArrayLike<number> }> } }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { train } = require('../../examples/train-resnet/index.js') as { train: (o: Record<string, unknown>) => Result };

describe('examples/train-resnet', () => {
  it.skipIf(!info().native.loaded && !nativeRequired())('learns, checkpoints, and resumes exactly where it stopped', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-resnet-'));
    const common = { backend: 'native', epochs: 2, limit: 1280, maxLr: 0.02, dropout: 0, quiet: true };
    const straight = train({ ...common, checkpoint: '' });
    expect(straight.testAccuracy).toBeGreaterThan(0.5);
    const first = train({ ...common, epochs: 2, checkpoint: path.join(dir, 'a'), stopAfter: 1 });
    expect(first.epochs.map((e) => e.epoch)).toEqual([1]);
    const resumed = train({ ...common, checkpoint: path.join(dir, 'a'), resume: true });
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    const a = straight.model.stateDict();
    const b = resumed.model.stateDict();
    for (const k of Object.keys(a)) expect(Array.from(b[k].data), k).toEqual(Array.from(a[k].data));
    expect(resumed.testAccuracy).toBe(straight.testAccuracy);
  }, 180_000);
});
