// Optimizer base: holds the parameters; zeroGrad clears their accumulated gradients.
import type { Parameter } from '../nn/module';
import { checkFinite } from '../check';
import { rangeError } from '../errors';

export abstract class Optimizer {
  protected readonly params: Parameter[];

  constructor(op: string, params: Parameter[]) {
    if (!Array.isArray(params) || params.length === 0) throw rangeError(op, 'params must be a non-empty array of parameters (model.parameters())');
    this.params = params;
  }

  abstract step(): void;

  zeroGrad(): void {
    for (const p of this.params) p.grad.data.fill(0);
  }
}

export function nonNegative(op: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const n = checkFinite(op, name, v);
  if (n < 0) throw rangeError(op, `${name} must be >= 0, got ${n}`);
  return n;
}
