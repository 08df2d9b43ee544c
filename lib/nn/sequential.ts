// nn.Sequential and nn.ModuleList: modules in order, named "0", "1", ... as in PyTorch.
import { Tensor } from '../tensor';
import { Module } from './module';

/** An error from layer i, re-thrown with the layer's index and class in front (same error class). */
function inLayer(i: number, layer: Module, e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const Ctor = e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
  return new Ctor(`nn.Sequential[${i}] (${layer.constructor.name}): ${e.message}`, { cause: e });
}

function checkModules(op: string, modules: unknown[]): Module[] {
  modules.forEach((l, i) => {
    if (!(l instanceof Module)) throw new TypeError(`${op}: module ${i} is not a Module (got ${l === null ? 'null' : typeof l})`);
  });
  return modules as Module[];
}

/**
 * Layers applied in order (torch.nn.Sequential): `forward(x) = layers[n-1](...layers[0](x))`.
 * Parameters are named `'<index>.<name>'` (`'0.weight'`), as PyTorch names them.
 * @example
 * ```ts
 * const model = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(6 * 12 * 12, 10));
 * ```
 */
export class Sequential extends Module {
  /** The layers, in order. */
  declare readonly layers: readonly Module[];

  /**
   * Chains the layers.
   * @param layers - the modules to apply, first to last.
   */
  constructor(...layers: Module[]) {
    super();
    // Not an enumerable property: the children are named by index, not "layers.<i>".
    Object.defineProperty(this, 'layers', { value: Object.freeze(checkModules('nn.Sequential', layers)), enumerable: false });
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

  /** The output shape for an input shape, through every layer that states its own (`outputShape`). */
  outputShape(inputShape: readonly number[]): number[] {
    return this.layers.reduce<number[]>((s, l, i) => {
      const f = (l as { outputShape?: (s: readonly number[]) => number[] }).outputShape;
      if (typeof f !== 'function') throw new TypeError(`nn.Sequential[${i}] (${l.constructor.name}) does not state its output shape; use summary(inputShape)`);
      try { return f.call(l, s); } catch (e) { throw inLayer(i, l, e); }
    }, [...inputShape]);
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((l, i) => [String(i), l]);
  }

  override describe(): string {
    return `Sequential(${this.layers.length} layers)`;
  }
}

/**
 * A list of modules registered as children (torch.nn.ModuleList), named `'0'`, `'1'`, ...:
 * for a variable number of blocks. It has no forward of its own; iterate it in the owner's.
 */
export class ModuleList extends Module {
  declare private readonly items: Module[];

  /**
   * Creates the list.
   * @param modules - the initial modules.
   */
  constructor(modules: Iterable<Module> = []) {
    super();
    Object.defineProperty(this, 'items', { value: checkModules('nn.ModuleList', [...modules]), enumerable: false });
  }

  /** The number of modules. */
  get length(): number { return this.items.length; }

  /** The module at index i (negative counts from the end), or undefined. */
  at(i: number): Module | undefined { return this.items.at(i); }

  /** Appends a module; returns this. */
  push(m: Module): this {
    this.items.push(...checkModules('nn.ModuleList.push', [m]));
    return this;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<Module> { return this.items[Symbol.iterator](); }

  /** Throws: a ModuleList only holds modules. */
  forward(_x: Tensor): Tensor {
    throw new Error('nn.ModuleList has no forward: iterate it in the forward of the module that owns it');
  }

  override namedChildren(): [string, Module][] {
    return this.items.map((l, i) => [String(i), l]);
  }
}
