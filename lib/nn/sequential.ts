// nn.Sequential: layers applied in order; parameters named "<index>.<name>" as in PyTorch.
import { Tensor } from '../tensor';
import { Module, type Parameter } from './module';

/**
 * e with the failing layer named first ("nn.Sequential[3] (Linear): ..."), same error class,
 * the original as its cause.
 */
function inLayer(i: number, layer: Module, e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const Ctor = e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
  return new Ctor(`nn.Sequential[${i}] (${layer.constructor.name}): ${e.message}`, { cause: e });
}

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
    this.layers.forEach((l, i) => {
      try { y = l.forward(y); } catch (e) { throw inLayer(i, l, e); }
    });
    return y;
  }

  override async forwardAsync(x: Tensor): Promise<Tensor> {
    let y = x;
    for (let i = 0; i < this.layers.length; i++) {
      try { y = await this.layers[i].forwardAsync(y); } catch (e) { throw inLayer(i, this.layers[i], e); }
    }
    return y;
  }

  backward(dy: Tensor): Tensor {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      try { g = this.layers[i].backward(g); } catch (e) { throw inLayer(i, this.layers[i], e); }
    }
    return g;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return this.layers.reduce<number[]>((s, l, i) => {
      try { return l.outputShape(s); } catch (e) { throw inLayer(i, l, e); }
    }, [...inputShape]);
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
