// The safetensors format: an 8-byte little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {..} }, then raw
// little-endian data. We write F32 (float tensors) and I64 (integer tensors), and read F32,
// F16 and BF16 as float32 and I64, I32, I16, I8, U8 and BOOL as int32. Every offset is
// checked before any tensor is built, so a malformed file is an error, never a crash or a
// huge allocation. Files are read and written in pieces at explicit positions (file.ts), so
// checkpoints over 2 GiB work. Names come from files and users: every map keyed by them is
// prototype-free (a tensor may be called "__proto__" or "constructor").
import * as fs from 'node:fs';
import * as os from 'node:os';
import { MAX_DIM } from '../check';
import { invalidType, shapeStr } from '../errors';
import { type AnyTensor, checkTensor, MAX_RANK, Tensor } from '../tensor';
import { types } from 'node:util';
import { CHUNK, readAt, withFileErrors, writeAll } from './file';

const MAX_HEADER = 100 * 1024 * 1024;
const DTYPE_SIZE: ReadonlyMap<string, number> = new Map([
  ['F32', 4], ['F16', 2], ['BF16', 2], ['I64', 8], ['I32', 4], ['I16', 2], ['I8', 1], ['U8', 1], ['BOOL', 1],
]);
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16']);
const LITTLE_ENDIAN = os.endianness() === 'LE';

const LOAD = 'io.loadSafetensors';

function fail(path: string, message: string, op = LOAD): RangeError {
  return new RangeError(`${op}: ${path}: ${message}`);
}

/** What a file that is not safetensors probably is, from its first bytes. */
function sniff(head: Uint8Array): string {
  const starts = (...b: number[]) => b.every((v, i) => head[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return ' (a PNG image)';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return ' (a zip archive: PyTorch saves .pt/.pth this way; save with safetensors.torch.save_file instead)';
  if (starts(0x80) && head[1] >= 2 && head[1] <= 5) return ' (a Python pickle)';
  if (starts(0x1f, 0x8b)) return ' (gzip-compressed)';
  if (starts(0xff, 0xd8, 0xff)) return ' (a JPEG image)';
  return '';
}

function notSafetensors(name: string, op: string, head: Uint8Array, why: string): RangeError {
  const hex = Array.from(head.subarray(0, 9), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return fail(name, `not a safetensors file: ${why}; it starts with ${hex || 'nothing'}${sniff(head)}, a safetensors file with an 8-byte header length and then '{' (a JSON header)`, op);
}

/** A tensor to write: float32 data, or int32 data (written as I64, PyTorch's integer type). */
function checkSaved(op: string, name: string, v: unknown): AnyTensor {
  if (!(v instanceof Tensor)) return checkTensor(op, name, v);  // throws the usual TypeError
  // data and shape read once each: the constructor checks them against each other.
  const { data, shape } = v as AnyTensor;
  if (types.isInt32Array(data)) return new Tensor(data, shape);
  return checkTensor(op, name, { __proto__: Tensor.prototype, data, shape });
}

/** Writes float tensors as F32 and integer tensors as I64; names are sorted, data is laid out in that order. */
export function saveSafetensors(path: string, dict: Record<string, AnyTensor>, metadata?: Record<string, string>): void {
  const op = 'io.saveSafetensors';
  if (typeof path !== 'string') throw invalidType(op, 'path', 'a file path', path);
  if (dict === null || typeof dict !== 'object') throw invalidType(op, 'dict', 'a record of Tensors', dict);
  // Own keys only, each value read once (checkTensor's snapshot is what gets written).
  const names = Object.keys(dict).sort();
  const tensors = names.map((name) => {
    if (name === '__metadata__') throw new RangeError(`${op}: "__metadata__" is reserved`);
    return checkSaved(op, `dict[${JSON.stringify(name)}]`, dict[name]);
  });
  // The header is assembled as text from [key, value] pairs, not through an object whose
  // "__proto__" key would be a prototype assignment instead of an entry.
  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object') throw invalidType(op, 'metadata', 'a record of strings', metadata);
    const meta: string[] = [];
    for (const key of Object.keys(metadata)) {
      const v: unknown = metadata[key];
      if (typeof v !== 'string') throw invalidType(op, `metadata[${JSON.stringify(key)}]`, 'a string', v);
      meta.push(`${JSON.stringify(key)}:${JSON.stringify(v)}`);
    }
    parts.push(`"__metadata__":{${meta.join(',')}}`);
  }
  let offset = 0;
  tensors.forEach((t, i) => {
    const bytes = t.data instanceof Int32Array ? 8 : 4;
    const entry = { dtype: bytes === 8 ? 'I64' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.size * bytes] };
    parts.push(`${JSON.stringify(names[i])}:${JSON.stringify(entry)}`);
    offset += t.size * bytes;
  });
  let json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length), 0);
  withFileErrors(op, path, () => {
    const fd = fs.openSync(path, 'w');
    try {
      writeAll(fd, head);
      writeAll(fd, json);
      for (const t of tensors) {
        if (t.data instanceof Int32Array) writeI64(fd, t.data);
        else writeF32(fd, t.data);
      }
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Little-endian float32 regardless of the host's byte order. */
function writeF32(fd: number, d: Float32Array): void {
  if (LITTLE_ENDIAN) {
    writeAll(fd, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    return;
  }
  const piece = Buffer.alloc(Math.min(CHUNK, d.byteLength));
  for (let i = 0; i < d.length;) {
    const n = Math.min(piece.length / 4, d.length - i);
    for (let j = 0; j < n; j++) piece.writeFloatLE(d[i + j], 4 * j);
    writeAll(fd, piece.subarray(0, 4 * n));
    i += n;
  }
}

/** Little-endian int64 from int32 values (sign-extended). */
function writeI64(fd: number, d: Int32Array): void {
  const piece = Buffer.alloc(Math.min(CHUNK, d.length * 8));
  for (let i = 0; i < d.length;) {
    const n = Math.min(piece.length / 8, d.length - i);
    for (let j = 0; j < n; j++) piece.writeBigInt64LE(BigInt(d[i + j]), 8 * j);
    writeAll(fd, piece.subarray(0, 8 * n));
    i += n;
  }
}

/** IEEE binary16 bits as a number (safetensors F16, ONNX float16). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Where the bytes come from: a file read at positions, or a buffer in memory. */
interface Source {
  name: string;
  size: number;
  /** Copies up to length bytes at position into target[offset..]; returns the count. */
  read(target: Uint8Array, offset: number, length: number, position: number): number;
}

export function loadSafetensors(path: string): Record<string, AnyTensor> {
  return loadFile(LOAD, path).tensors;
}

/** A file's tensors and its "__metadata__" (the record saveSafetensors' metadata argument writes; {} when absent). */
export interface SafetensorsContents {
  /** The tensors by name, as loadSafetensors returns them. */
  tensors: Record<string, AnyTensor>;
  /** The header's `__metadata__` strings by key ({} when the file has none). */
  metadata: Record<string, string>;
}

/** loadSafetensors, with the file's "__metadata__" as well. */
export function loadSafetensorsWithMetadata(path: string): SafetensorsContents {
  const op = 'io.loadSafetensorsWithMetadata';
  const { tensors, metadata } = loadFile(op, path);
  return { tensors, metadata: checkMetadata(op, path, metadata) };
}

function loadFile(op: string, path: string): { tensors: Record<string, AnyTensor>; metadata: unknown } {
  if (typeof path !== 'string') throw invalidType(op, 'path', 'a file path', path);
  return withFileErrors(op, path, () => {
    const fd = fs.openSync(path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      return parse({ name: path, size, read: (target, offset, length, position) => readAt(fd, target, offset, length, position) }, op);
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** The format's metadata: string keys to string values, in a prototype-free record. */
function checkMetadata(op: string, name: string, raw: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (raw === undefined) return out;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new RangeError(`${op}: ${name}: "__metadata__" must be an object of strings`);
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new RangeError(`${op}: ${name}: "__metadata__" value ${JSON.stringify(k)} is not a string`);
    out[k] = v;
  }
  return out;
}

/** Parses an in-memory safetensors file (exported for tests and for buffers from elsewhere). */
export function parseSafetensors(buf: Uint8Array, name = '<buffer>'): Record<string, AnyTensor> {
  return parseBuffer(buf, name).tensors;
}

function parseBuffer(buf: Uint8Array, name: string) {
  return parse({
    name,
    size: buf.length,
    read: (target, offset, length, position) => {
      const piece = buf.subarray(position, position + length);
      target.set(piece, offset);
      return piece.length;
    },
  }, LOAD);
}

interface Entry { key: string; dtype: string; shape: number[]; begin: number; end: number }

/** Reads exactly length bytes at position, or fails naming what was being read. */
function readExactly(src: Source, length: number, position: number, what: string): Uint8Array {
  const out = new Uint8Array(length);
  const n = src.read(out, 0, length, position);
  if (n !== length) throw fail(src.name, `${what}: the file ended after ${position + n} of ${position + length} bytes (truncated?)`);
  return out;
}

function parse(src: Source, op: string): { tensors: Record<string, AnyTensor>; metadata: unknown } {
  const name = src.name;
  const head = new Uint8Array(Math.min(src.size, 9));
  const got = src.read(head, 0, head.length, 0);
  if (src.size < 8) throw notSafetensors(name, op, head.subarray(0, got), `the file is ${src.size} bytes, shorter than the 8-byte header length`);
  const lenBytes = readExactly(src, 8, 0, 'header length');
  const headerLen64 = new DataView(lenBytes.buffer).getBigUint64(0, true);
  // A header length that cannot be right, and no '{' where the JSON header starts: another kind of file.
  const badLength = headerLen64 > BigInt(MAX_HEADER) || 8n + headerLen64 > BigInt(src.size);
  if (badLength && got === 9 && head[8] !== 0x7b) throw notSafetensors(name, op, head, 'no JSON header after the header length');
  if (headerLen64 > BigInt(MAX_HEADER)) throw fail(name, `header length ${headerLen64} exceeds the ${MAX_HEADER}-byte limit`);
  const headerLen = Number(headerLen64);
  if (8 + headerLen > src.size) throw fail(name, `header length ${headerLen} runs past the end of the ${src.size}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(readExactly(src, headerLen, 8, 'header')).toString('utf8'));
  } catch (e) {
    if (e instanceof RangeError) throw e;
    throw fail(name, `header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw fail(name, 'header must be a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = src.size - dataStart;
  const metadata: unknown = Object.prototype.hasOwnProperty.call(header, '__metadata__') ? (header as Record<string, unknown>).__metadata__ : undefined;
  const entries = Object.entries(header as Record<string, unknown>)
    .filter(([key]) => key !== '__metadata__')
    .map(([key, raw]) => checkEntry(name, key, raw, dataLen));
  // The data must be covered exactly: no overlaps and no holes (the format's rule).
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin < cursor) throw fail(name, `tensor ${e.key} overlaps another tensor's data at byte ${e.begin}`);
    if (e.begin > cursor) throw fail(name, `bytes [${cursor}, ${e.begin}) belong to no tensor`);
    cursor = e.end;
  }
  if (cursor !== dataLen) throw fail(name, `bytes [${cursor}, ${dataLen}) at the end belong to no tensor`);
  const out: Record<string, AnyTensor> = Object.create(null);
  for (const e of entries) out[e.key] = new Tensor(readTensor(src, e, dataStart), e.shape);
  return { tensors: out, metadata };
}

/** Validates one header entry: dtype known, dims sane, span = elements * dtype size, inside the data. */
function checkEntry(name: string, key: string, raw: unknown, dataLen: number): Entry {
  if (raw === null || typeof raw !== 'object') throw fail(name, `entry ${key} is not an object`);
  const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtypeSize = typeof e.dtype === 'string' ? DTYPE_SIZE.get(e.dtype) : undefined;
  if (dtypeSize === undefined) throw fail(name, `tensor ${key} has dtype ${JSON.stringify(e.dtype)}; only F32, F16 and BF16 are supported`);
  const shape = e.shape;
  if (!Array.isArray(shape) || shape.length > MAX_RANK || shape.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_DIM)) {
    throw fail(name, `tensor ${key} has an invalid shape ${JSON.stringify(shape)} (at most ${MAX_RANK} dimensions, each an integer in [0, ${MAX_DIM}])`);
  }
  const offs = e.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || offs.some((o) => !Number.isSafeInteger(o) || o < 0) || offs[0] > offs[1]) {
    throw fail(name, `tensor ${key} has invalid data_offsets ${JSON.stringify(offs)}`);
  }
  const [begin, end] = offs as [number, number];
  if (end > dataLen) throw fail(name, `tensor ${key} data [${begin}, ${end}) runs past the ${dataLen} data bytes (truncated?)`);
  // Past 2^53 the product is inexact but then also larger than any span a file can have.
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count * dtypeSize !== end - begin) {
    throw fail(name, `tensor ${key} ${shapeStr(shape as number[])} ${e.dtype} needs ${count * dtypeSize} bytes but data_offsets span ${end - begin}`);
  }
  return { key, dtype: e.dtype as string, shape: shape as number[], begin, end };
}

/**
 * One tensor's values: floats as float32 (F32 read straight into the result, F16/BF16 converted
 * piece by piece), integers as int32 (I64 values outside int32's range are an error).
 */
function readTensor(src: Source, e: Entry, dataStart: number): Float32Array | Int32Array {
  if (!FLOAT_DTYPES.has(e.dtype)) return readInts(src, e, dataStart);
  const bytes = e.end - e.begin;
  const at = dataStart + e.begin;
  const what = `tensor ${e.key}`;
  let data: Float32Array;
  try {
    data = new Float32Array(bytes / DTYPE_SIZE.get(e.dtype)!);
  } catch (err) {
    throw fail(src.name, `${what} ${shapeStr(e.shape)} needs ${bytes} bytes, which could not be allocated (${(err as Error).message})`);
  }
  if (e.dtype === 'F32' && LITTLE_ENDIAN) {
    const n = src.read(new Uint8Array(data.buffer), 0, bytes, at);
    if (n !== bytes) throw fail(src.name, `${what}: the file ended after ${at + n} of ${at + bytes} bytes (truncated?)`);
    return data;
  }
  const size = DTYPE_SIZE.get(e.dtype)!;
  const u = new Uint32Array(data.buffer);
  for (let done = 0; done < bytes;) {
    const len = Math.min(CHUNK, bytes - done);
    const piece = readExactly(src, len, at + done, what);
    const view = new DataView(piece.buffer);
    const first = done / size;
    for (let i = 0; i < len / size; i++) {
      if (e.dtype === 'F32') data[first + i] = view.getFloat32(4 * i, true);
      else if (e.dtype === 'F16') data[first + i] = halfToFloat(view.getUint16(2 * i, true));
      else u[first + i] = view.getUint16(2 * i, true) << 16;
    }
    done += len;
  }
  return data;
}

/** An integer tensor's values as int32. */
function readInts(src: Source, e: Entry, dataStart: number): Int32Array {
  const size = DTYPE_SIZE.get(e.dtype)!;
  const bytes = e.end - e.begin;
  const at = dataStart + e.begin;
  const what = `tensor ${e.key}`;
  let data: Int32Array;
  try {
    data = new Int32Array(bytes / size);
  } catch (err) {
    throw fail(src.name, `${what} ${shapeStr(e.shape)} needs ${bytes / size * 4} bytes, which could not be allocated (${(err as Error).message})`);
  }
  for (let done = 0; done < bytes;) {
    const len = Math.min(CHUNK - (CHUNK % 8), bytes - done);
    const piece = readExactly(src, len, at + done, what);
    const view = new DataView(piece.buffer, piece.byteOffset, piece.byteLength);
    const first = done / size;
    for (let i = 0; i < len / size; i++) {
      let v: number;
      switch (e.dtype) {
        case 'I64': {
          const big = view.getBigInt64(8 * i, true);
          if (big > 2147483647n || big < -2147483648n) throw fail(src.name, `${what} (I64) holds ${big} at element ${first + i}, outside int32's range: convkit keeps integer tensors as int32`);
          v = Number(big);
          break;
        }
        case 'I32': v = view.getInt32(4 * i, true); break;
        case 'I16': v = view.getInt16(2 * i, true); break;
        case 'I8': v = view.getInt8(i); break;
        default: v = view.getUint8(i);  // U8, BOOL
      }
      data[first + i] = v;
    }
    done += len;
  }
  return data;
}
