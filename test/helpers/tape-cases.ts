// One vitest case per [name, make] pair: on the given backend, the tape's gradients of make()'s
// f with respect to its inputs against finite differences (tapeGradError).
import { expect, it } from 'vitest';
import * as ck from '../../lib/index';
import { tapeGradError } from './gradcheck';

/** A named gradient check: make() builds the inputs and the function of them to differentiate. */
export type TapeCase = [string, () => { f: () => ck.Tensor; inputs: ck.Tensor[] }];

/** Registers one `it` per case on `backend`, asserting the backend ran and the worst error is below tol. */
export function itTapeCases(backend: 'ts' | 'native', cases: readonly TapeCase[], tol = 2e-2): void {
  for (const [name, make] of cases) {
    it(name, () => {
      ck.setBackend(backend);
      expect(ck.getBackend()).toBe(backend);
      const { f, inputs } = make();
      expect(tapeGradError(f, inputs)).toBeLessThan(tol);
    });
  }
}
