// The MNIST example trains for real: one epoch of LeNet-5 on the native backend (the ts one in
// a shorter run) reaches a test accuracy no random or broken model could.
import { describe, expect, it } from 'vitest';
import { info } from '../../lib/index';
import { nativeRequired } from '../helpers/native';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { train } = require('../../examples/train-mnist/index.js') as {
  train: (o: Record<string, unknown>) => { testAccuracy: number; epochs: { seconds: number; loss: number }[] };
};

describe('examples/train-mnist', () => {
  it.skipIf(!info().native.loaded && !nativeRequired())('one epoch on native reaches > 90% test accuracy', () => {
    const r = train({ backend: 'native', epochs: 1, quiet: true, out: '' });
    expect(r.testAccuracy).toBeGreaterThan(0.9);
  }, 120_000);
});
