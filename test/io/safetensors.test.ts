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

  const bad: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /shorter than the 8-byte/],
    ['header length past the end', file({}, new Uint8Array(0), 1000n), /runs past the end/],
    ['header length of 2^63', file({}, new Uint8Array(0), 2n ** 63n), /exceeds/],
    ['header not JSON', file('{"w": '), /not valid JSON/],
    ['header an array', file([1, 2]), /must be a JSON object/],
    ['unsupported dtype', file({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /dtype "I64"/],
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
