// Protobuf messages → plain values (the only file besides load.ts that sees onnx-proto's types,
// which stay out of the public declarations). TensorProto → Const: raw little-endian bytes, the typed repeated fields, or external data in
// a file beside the model (TensorProto.external_data: location, offset, length).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DTYPES, sizeOf, type AttrValue, type Const, type Data, type DType } from './graph';
import { halfToFloat } from '../io/safetensors';
import { int64, type pb } from './proto';

/** Reads external-data files beside the model (each file read once), or refuses when the model came as bytes. */
export class ExternalData {
  private files = new Map<string, Uint8Array>();
  constructor(private readonly dir: string | null, private readonly source: string) {}

  read(location: string, offset: number, length: number | null, what: string): Uint8Array {
    if (this.dir === null) throw new TypeError(`onnx.load: ${what} is stored in the external file "${location}", but the model was given as bytes; load it by path`);
    // The ONNX checker's rule: a location is relative and stays inside the model's directory.
    const parts = location.split(/[\\/]+/);
    if (path.isAbsolute(location) || parts.includes('..') || location === '') {
      throw new TypeError(`onnx.load: ${what} has external data location "${location}", which leaves the model's directory`);
    }
    let bytes = this.files.get(location);
    if (!bytes) {
      const file = path.join(this.dir, location);
      try {
        bytes = fs.readFileSync(file);
      } catch (err) {
        throw new TypeError(`onnx.load: ${what}: cannot read its external data ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      this.files.set(location, bytes);
    }
    const end = length === null ? bytes.length : offset + length;
    if (offset < 0 || end > bytes.length || end < offset) {
      throw new RangeError(`onnx.load: ${what}: external data [${offset}, ${end}) lies outside ${location} (${bytes.length} bytes) in ${this.source}`);
    }
    return bytes.subarray(offset, end);
  }
}

const BYTES: Partial<Record<DType, number>> = {
  float32: 4, float64: 8, int64: 8, uint64: 8, int32: 4, uint32: 4, int16: 2, uint16: 2, int8: 1, uint8: 1, bool: 1, float16: 2, bfloat16: 2,
};

/** Decodes little-endian raw bytes of `n` elements of `dtype`. float16/bfloat16/float64 widen or narrow to float32. */
function fromRaw(raw: Uint8Array, dtype: DType, n: number, what: string): Data {
  const width = BYTES[dtype];
  if (width === undefined) throw new TypeError(`onnx.load: ${what} has element type ${dtype}, which convkit does not read`);
  if (raw.length !== n * width) throw new RangeError(`onnx.load: ${what} holds ${raw.length} bytes of data, expected ${n * width} (${n} ${dtype})`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dtype === 'float32') {
    // In shared memory from the start: onnx.load shares every constant with run()'s worker,
    // and a copy there would double the weights while loading (the peak resident memory).
    const out = new Float32Array(new SharedArrayBuffer(n * 4));
    // Copy through bytes: raw may be unaligned inside the file buffer.
    new Uint8Array(out.buffer).set(raw);
    return out;
  }
  const isFloat = dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
  const out = isFloat ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * width;
    switch (dtype) {
      case 'float64': out[i] = view.getFloat64(o, true); break;
      case 'float16': out[i] = halfToFloat(view.getUint16(o, true)); break;
      case 'bfloat16': out[i] = new Float32Array(new Uint32Array([view.getUint16(o, true) << 16]).buffer)[0]; break;
      case 'int64': case 'uint64': {
        const lo = view.getUint32(o, true);
        const hi = dtype === 'int64' ? view.getInt32(o + 4, true) : view.getUint32(o + 4, true);
        out[i] = hi * 4294967296 + lo;
        break;
      }
      case 'int32': out[i] = view.getInt32(o, true); break;
      case 'uint32': out[i] = view.getUint32(o, true); break;
      case 'int16': out[i] = view.getInt16(o, true); break;
      case 'uint16': out[i] = view.getUint16(o, true); break;
      case 'int8': out[i] = view.getInt8(o); break;
      default: out[i] = view.getUint8(o); break;
    }
  }
  return out;
}

/** The element type float32 tensors keep after reading (float16/float64 become float32). */
export function storedType(dtype: DType): DType {
  return dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16' ? 'float32' : dtype;
}

/** Decodes one TensorProto (an initializer, a Constant's value, an attribute). */
export function readTensor(t: pb.ITensorProto, what: string, ext: ExternalData): Const {
  const dtype = DTYPES[t.dataType ?? 0];
  if (dtype === undefined || dtype === 'string') throw new TypeError(`onnx.load: ${what} has element type ${dtype ?? `#${t.dataType ?? 0}`}, which convkit does not read`);
  const shape = (t.dims ?? []).map((d) => int64(d, () => `onnx.load: ${what}`));
  const n = sizeOf(shape, () => `onnx.load: ${what}`);
  let data: Data;
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = kv.get('location');
    if (!location) throw new TypeError(`onnx.load: ${what} is marked external but names no location`);
    const num = (k: string): number | null => {
      const v = kv.get(k);
      if (v === undefined) return null;
      const x = Number(v);
      if (!Number.isSafeInteger(x) || x < 0) throw new RangeError(`onnx.load: ${what}: external data ${k} "${v}" is not a byte count`);
      return x;
    };
    data = fromRaw(ext.read(location, num('offset') ?? 0, num('length'), what), dtype, n, what);
  } else if (t.rawData && t.rawData.length > 0) {
    data = fromRaw(t.rawData, dtype, n, what);
  } else {
    const typed: ArrayLike<unknown> = dtype === 'float32' ? t.floatData ?? []
      : dtype === 'float64' ? t.doubleData ?? []
      : dtype === 'int64' ? t.int64Data ?? []
      : dtype === 'uint64' || dtype === 'uint32' ? t.uint64Data ?? []
      : t.int32Data ?? [];   // int32, int16, int8, uint16, uint8, bool, float16 (bits) live here
    if (typed.length !== n) throw new RangeError(`onnx.load: ${what} holds ${typed.length} elements, expected ${n} for shape [${shape.join(', ')}]`);
    const isFloat = dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
    data = isFloat ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = typed[i];
      if (dtype === 'float16') data[i] = halfToFloat(Number(v));
      else if (dtype === 'bfloat16') data[i] = new Float32Array(new Uint32Array([Number(v) << 16]).buffer)[0];
      else data[i] = typeof v === 'number' ? v : int64(v, () => `onnx.load: ${what}`);
    }
  }
  return { dtype: storedType(dtype), shape, data };
}

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
