// Malformed safetensors files are clear errors: never a crash, never a huge allocation.
import { describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';

const { parseSafetensors } = ck.io;

function file(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(lengthOverride ?? BigInt(json.length), 0);
  json.copy(out, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (n: number) => new Uint8Array(new Float32Array(n).fill(1.5).buffer);

describe('safetensors', () => {
  it('parses a valid file with metadata and an empty tensor', () => {
    const t = parseSafetensors(file({ __metadata__: { a: 'b' }, w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, e: { dtype: 'F32', shape: [0], data_offsets: [16, 16] } }, f32(4)));
    expect(t.w.shape).toEqual([2, 2]);
    expect(Array.from(t.w.data)).toEqual([1.5, 1.5, 1.5, 1.5]);
    expect(t.e.size).toBe(0);
  });

  it('reads integer dtypes (I64, I32, I16, I8, U8, BOOL) as int32 tensors, and writes int tensors as I64', async () => {
    const i64 = new BigInt64Array([-3n, 0n, 2147483647n, -2147483648n]);
    const i32 = new Int32Array([7, -7]);
    const i16 = new Int16Array([-300, 300]);
    const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const data = Buffer.concat([bytes(i64), bytes(i32), bytes(i16), Buffer.from([0xff, 0x80]), Buffer.from([200]), Buffer.from([1, 0])]);
    const t = parseSafetensors(file({
      num_batches_tracked: { dtype: 'I64', shape: [4], data_offsets: [0, 32] },
      a: { dtype: 'I32', shape: [2], data_offsets: [32, 40] },
      b: { dtype: 'I16', shape: [2], data_offsets: [40, 44] },
      c: { dtype: 'I8', shape: [2], data_offsets: [44, 46] },
      d: { dtype: 'U8', shape: [], data_offsets: [46, 47] },
      e: { dtype: 'BOOL', shape: [2], data_offsets: [47, 49] },
    }, data));
    expect(t.num_batches_tracked.data).toBeInstanceOf(Int32Array);
    expect(Array.from(t.num_batches_tracked.data)).toEqual([-3, 0, 2147483647, -2147483648]);
    expect(Array.from(t.a.data)).toEqual([7, -7]);
    expect(Array.from(t.b.data)).toEqual([-300, 300]);
    expect(Array.from(t.c.data)).toEqual([-1, -128]);
    expect(Array.from(t.d.data)).toEqual([200]);
    expect(Array.from(t.e.data)).toEqual([1, 0]);
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-')), 'ints.safetensors');
    ck.io.saveSafetensors(out, { n: t.num_batches_tracked, w: ck.ones([2]) });
    const raw = fs.readFileSync(out);
    const header = JSON.parse(raw.subarray(8, 8 + Number(raw.readBigUInt64LE(0))).toString());
    expect(header.n).toEqual({ dtype: 'I64', shape: [4], data_offsets: [0, 32] });
    const back = ck.io.loadSafetensors(out);
    expect(Array.from(back.n.data)).toEqual([-3, 0, 2147483647, -2147483648]);
    expect(back.n.data).toBeInstanceOf(Int32Array);
    expect(back.w.data).toBeInstanceOf(Float32Array);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /shorter than the 8-byte/],
    ['header length past the end', file({}, new Uint8Array(0), 1000n), /runs past the end/],
    ['header length of 2^63', file({}, new Uint8Array(0), 2n ** 63n), /exceeds/],
    ['header not JSON', file('{"w": '), /not valid JSON/],
    ['header an array', file([1, 2]), /must be a JSON object/],
    ['unsupported dtype', file({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /dtype "C64"/],
    ['I64 outside int32', file({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([2n ** 40n]).buffer)), /tensor n \(I64\) holds 1099511627776 at element 0, outside int32's range/],
    ['negative shape', file({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /invalid shape/],
    ['offsets reversed', file({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1)), /invalid data_offsets/],
    ['offsets past the data', file({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(2)), /runs past/],
    ['huge shape, small span', file({ w: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 4] } }, f32(1)), /needs/],
    ['overlap', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3)), /overlaps/],
    ['hole', file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /belong to no tensor/],
    ['trailing bytes', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), /belong to no tensor/],
  ];
  it.each(bad)('rejects %s', (_name, buf, message) => {
    expect(() => parseSafetensors(buf)).toThrow(RangeError);
    expect(() => parseSafetensors(buf)).toThrow(message);
  });

  it('rejects every truncation of a valid file', () => {
    const good = file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, f32(3));
    for (let n = 0; n < good.length; n++) expect(() => parseSafetensors(good.subarray(0, n))).toThrow(RangeError);
  });
});
