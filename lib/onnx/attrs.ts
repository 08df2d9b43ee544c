// Node attributes: AttributeProto decoded into plain values at load, and typed getters that
// name the node, its op type and the attribute in every error.
import { nodeLabel, type AttrValue, type Const, type Node } from './graph';
import { int64, type pb } from './proto';
import { readTensor, type ExternalData } from './tensor-proto';

const utf8 = new TextDecoder();

/** AttributeProto → value (AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, GRAPH 5, FLOATS 6, INTS 7, STRINGS 8). */
export function readAttr(a: pb.IAttributeProto, where: string, ext: ExternalData): AttrValue {
  const what = () => `onnx.load: ${where} attribute "${a.name}"`;
  switch (a.type) {
    case 1: return a.f ?? 0;
    case 2: return int64(a.i, what);
    case 3: return utf8.decode(a.s ?? new Uint8Array(0));
    case 4: return readTensor(a.t ?? {}, `${where} attribute "${a.name}"`, ext);
    case 6: return Array.from(a.floats ?? [], Number);
    case 7: return (a.ints ?? []).map((v) => int64(v, what));
    case 8: return (a.strings ?? []).map((s) => utf8.decode(s));
    default:
      throw new TypeError(`${what()} has type ${a.type === 5 ? 'GRAPH (a subgraph: If/Loop/Scan)' : `#${a.type}`}, which convkit does not run`);
  }
}

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
