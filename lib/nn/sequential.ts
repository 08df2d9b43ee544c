// nn.Sequential: layers applied in order; parameters named "<index>.<name>" as in PyTorch.
import { Tensor } from '../tensor';
import { Module, type Parameter } from './module';

/**
 * Layers applied in order (torch.nn.Sequential). Parameters are named `<index>.<name>`
 * (`'0.weight'`, `'0.bias'`, ...), as PyTorch names them, so state dicts are interchangeable.
 */
export class Sequential extends Module {
  /** The layers, in the order forward applies them. */
  readonly layers: readonly Module[];

  /**
   * Chains the layers.
   * @param layers - the layers, first applied first; each a Module.
   */
  constructor(...layers: Module[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module)) throw new TypeError(`nn.Sequential: layer ${i} is not a Module`);
    });
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const l of this.layers) y = l.forward(y);
    return y;
  }

  override async forwardAsync(x: Tensor): Promise<Tensor> {
    let y = x;
    for (const l of this.layers) y = await l.forwardAsync(y);
    return y;
  }

  backward(dy: Tensor): Tensor {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g);
    return g;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return this.layers.reduce<number[]>((s, l) => l.outputShape(s), [...inputShape]);
  }

  override parameters(): Parameter[] {
    return this.layers.flatMap((l, i) => l.parameters().map((p) => ({ ...p, name: `${i}.${p.name}` })));
  }

  override train(): this {
    super.train();
    for (const l of this.layers) l.train();
    return this;
  }

  override eval(): this {
    super.eval();
    for (const l of this.layers) l.eval();
    return this;
  }

  override children(): [string, Module][] {
    return this.layers.map((l, i) => [String(i), l]);
  }

  describe(): string {
    return `Sequential(${this.layers.length} layers)`;
  }
}
