// The safetensors format: an 8-byte little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {..} }, then raw
// little-endian data. We write F32 and read F32, F16 and BF16 (as float32). Every offset is
// checked before any tensor is built, so a malformed file is an error, never a crash or a
// huge allocation.
import * as fs from 'node:fs';
import { invalidType } from '../errors';
import { Tensor } from '../tensor';

const MAX_HEADER = 100 * 1024 * 1024;
const DTYPE_SIZE: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

function fail(path: string, message: string): RangeError {
  return new RangeError(`io.loadSafetensors: ${path}: ${message}`);
}

/** Writes tensors as F32; names are sorted, data is laid out in that order. */
export function saveSafetensors(path: string, dict: Record<string, Tensor>, metadata?: Record<string, string>): void {
  const op = 'io.saveSafetensors';
  if (typeof path !== 'string') throw invalidType(op, 'path', 'a file path', path);
  if (dict === null || typeof dict !== 'object') throw invalidType(op, 'dict', 'a record of Tensors', dict);
  const names = Object.keys(dict).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = dict[name];
    if (!(t instanceof Tensor)) throw invalidType(op, `dict[${JSON.stringify(name)}]`, 'a Tensor', t);
    if (name === '__metadata__') throw new RangeError(`${op}: "__metadata__" is reserved`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.size * 4] };
    offset += t.size * 4;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let pos = 8 + json.length;
  for (const name of names) {
    const d = dict[name].data;
    // Little-endian float32 regardless of the host's byte order.
    for (let i = 0; i < d.length; i++, pos += 4) out.writeFloatLE(d[i], pos);
  }
  fs.writeFileSync(path, out);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export function loadSafetensors(path: string): Record<string, Tensor> {
  if (typeof path !== 'string') throw invalidType('io.loadSafetensors', 'path', 'a file path', path);
  const buf = fs.readFileSync(path);
  return parseSafetensors(buf, path);
}

/** Parses an in-memory safetensors file (exported for tests and for buffers from elsewhere). */
export function parseSafetensors(buf: Uint8Array, name = '<buffer>'): Record<string, Tensor> {
  if (buf.length < 8) throw fail(name, `file is ${buf.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen64 = view.getBigUint64(0, true);
  if (headerLen64 > BigInt(MAX_HEADER)) throw fail(name, `header length ${headerLen64} exceeds the ${MAX_HEADER}-byte limit`);
  const headerLen = Number(headerLen64);
  if (8 + headerLen > buf.length) throw fail(name, `header length ${headerLen} runs past the end of the ${buf.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8'));
  } catch (e) {
    throw fail(name, `header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw fail(name, 'header must be a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const entries: { key: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, raw] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') continue;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') throw fail(name, `entry ${key} is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_SIZE)) {
      throw fail(name, `tensor ${key} has dtype ${JSON.stringify(e.dtype)}; only F32, F16 and BF16 are supported`);
    }
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw fail(name, `tensor ${key} has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || offs.some((o) => !Number.isSafeInteger(o) || o < 0) || offs[0] > offs[1]) {
      throw fail(name, `tensor ${key} has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end > dataLen) throw fail(name, `tensor ${key} data [${begin}, ${end}) runs past the ${dataLen} data bytes (truncated?)`);
    const count = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (count * DTYPE_SIZE[e.dtype] !== end - begin) {
      throw fail(name, `tensor ${key} [${e.shape}] ${e.dtype} needs ${count * DTYPE_SIZE[e.dtype]} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ key, dtype: e.dtype, shape: e.shape as number[], begin, end });
  }
  // The data must be covered exactly: no overlaps and no holes (the format's rule).
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin < cursor) throw fail(name, `tensor ${e.key} overlaps another tensor's data at byte ${e.begin}`);
    if (e.begin > cursor) throw fail(name, `bytes [${cursor}, ${e.begin}) belong to no tensor`);
    cursor = e.end;
  }
  if (cursor !== dataLen) throw fail(name, `bytes [${cursor}, ${dataLen}) at the end belong to no tensor`);
  const out: Record<string, Tensor> = {};
  for (const e of entries) {
    const n = (e.end - e.begin) / DTYPE_SIZE[e.dtype];
    const data = new Float32Array(n);
    const at = dataStart + e.begin;
    if (e.dtype === 'F32') for (let i = 0; i < n; i++) data[i] = view.getFloat32(at + 4 * i, true);
    else if (e.dtype === 'F16') for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(at + 2 * i, true));
    else {
      const u = new Uint32Array(data.buffer);
      for (let i = 0; i < n; i++) u[i] = view.getUint16(at + 2 * i, true) << 16;
    }
    out[e.key] = new Tensor(data, e.shape);
  }
  return out;
}
