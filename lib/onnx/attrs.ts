// Typed getters of node attributes (decoded at load by tensor-proto.ts's readAttr) that name
// the node, its op type and the attribute in every error.
import { nodeLabel, type Const, type Node } from './graph';

/** `onnx.load: node "x" (Conv) attribute "pads": <message>` as a RangeError. */
export function attrError(node: Node, name: string, message: string): RangeError {
  return new RangeError(`onnx.load: ${nodeLabel(node)} attribute "${name}" ${message}`);
}

/** Typed attribute getters for one node; each checks the type and names the attribute on error. */
export class Attrs {
  constructor(readonly node: Node) {}

  has(name: string): boolean {
    return this.node.attrs[name] !== undefined;
  }

  int(name: string, dflt?: number): number {
    const v = this.node.attrs[name];
    if (v === undefined) {
      if (dflt === undefined) throw attrError(this.node, name, 'is required');
      return dflt;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) throw attrError(this.node, name, `must be an integer, got ${JSON.stringify(v)}`);
    return v;
  }

  float(name: string, dflt: number): number {
    const v = this.node.attrs[name];
    if (v === undefined) return dflt;
    if (typeof v !== 'number') throw attrError(this.node, name, `must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  ints(name: string, dflt?: number[]): number[] {
    const v = this.node.attrs[name];
    if (v === undefined) {
      if (dflt === undefined) throw attrError(this.node, name, 'is required');
      return dflt;
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x))) throw attrError(this.node, name, `must be a list of integers, got ${JSON.stringify(v)}`);
    return v as number[];
  }

  floats(name: string, dflt?: number[]): number[] {
    const v = this.node.attrs[name];
    if (v === undefined) {
      if (dflt === undefined) throw attrError(this.node, name, 'is required');
      return dflt;
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw attrError(this.node, name, `must be a list of numbers, got ${JSON.stringify(v)}`);
    return v as number[];
  }

  string<T extends string>(name: string, allowed: readonly T[], dflt: T): T {
    const v = this.node.attrs[name];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      throw attrError(this.node, name, `is ${JSON.stringify(v)}; convkit runs ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    }
    return v as T;
  }

  tensor(name: string): Const | undefined {
    const v = this.node.attrs[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw attrError(this.node, name, 'must be a tensor');
    return v as Const;
  }

  /** Fails at load for any attribute the op's reader did not ask for and that changes results. */
  only(known: readonly string[]): void {
    for (const name of Object.keys(this.node.attrs)) {
      if (!known.includes(name)) throw attrError(this.node, name, `is not supported by convkit for ${this.node.op}`);
    }
  }
}
