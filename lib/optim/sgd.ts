// optim.SGD, PyTorch's update: g = grad + wd*p; buf = momentum*buf + g (buf = g at the first
// step); g = nesterov ? g + momentum*buf : buf; p -= lr*g.
import type { Parameter } from '../nn/module';
import { checkBool } from '../check';
import { rangeError } from '../errors';
import { nonNegative, Optimizer } from './optimizer';

export interface SGDOptions { lr: number; momentum?: number; weightDecay?: number; nesterov?: boolean }

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buffers: (Float32Array | null)[];

  constructor(params: Parameter[], options: SGDOptions) {
    const op = 'optim.SGD';
    super(op, params);
    const o = this.readOptions(options, ['lr', 'momentum', 'weightDecay', 'nesterov']);
    this.momentum = nonNegative(op, 'momentum', o.momentum, 0);
    this.weightDecay = nonNegative(op, 'weightDecay', o.weightDecay, 0);
    this.nesterov = checkBool(op, 'nesterov', o.nesterov, false);
    if (this.nesterov && this.momentum === 0) throw rangeError(op, 'nesterov needs momentum > 0');
    this.buffers = params.map(() => null);
  }

  step(): void {
    const { lr, momentum, weightDecay, nesterov } = this;
    this.params.forEach((_, k) => {
      let buf = this.buffers[k];
      const { w, g } = this.tensors('optim.SGD.step', k, buf === null ? 0 : buf.length);
      const first = buf === null;
      if (momentum !== 0 && buf === null) buf = this.buffers[k] = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        let d = g[i] + weightDecay * w[i];
        if (buf !== null) {
          buf[i] = first ? d : momentum * buf[i] + d;
          d = nesterov ? d + momentum * buf[i] : buf[i];
        }
        w[i] -= lr * d;
      }
    });
  }
}
