// Issue 10 item 10: a small PNG whose header claims a huge image (a decompression bomb: 389 KB
// took 14 s and 3.9 GB) is refused from its IHDR before anything is decoded, with a RangeError
// that names readPng, the file, the size and the option that raises the limit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as ck from '../../lib/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'convkit-png-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function ihdr(width: number, height: number): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = 8;  // bit depth
  d[9] = 0;  // grey
  return chunk('IHDR', d);
}

/** A valid grey PNG of the given header size whose IDAT holds the first rows only (a few KB). */
function bomb(width: number, height: number, extraHeaders: Buffer[] = []): Buffer {
  const rows = Buffer.alloc(4 * (width + 1));  // filter byte 0 + zero pixels, 4 rows
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ihdr(width, height), ...extraHeaders,
    chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', new Uint8Array(0)),
  ]);
}

describe('image.readPng pixel limit', () => {
  it('refuses a 20000x20000 header in milliseconds, naming readPng, the file, the size and maxPixels', () => {
    const file = path.join(tmp, 'bomb.png');
    fs.writeFileSync(file, bomb(20000, 20000));
    expect(fs.statSync(file).size).toBeLessThan(2000);
    const started = performance.now();
    let err: unknown;
    try { ck.image.readPng(file); } catch (e) { err = e; }
    expect(performance.now() - started).toBeLessThan(200);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe(`image.readPng: ${file}: the image is 20000x20000 (400000000 pixels), over the limit of 100000000; pass { maxPixels } to raise it`);
  });

  it('maxPixels lowers and raises the limit', () => {
    const file = path.join(tmp, 'small.png');
    ck.image.writePng(file, ck.rand([4, 4], { seed: 1 }));
    expect(ck.image.readPng(file, { maxPixels: 16 }).shape).toEqual([4, 4, 1]);
    expect(() => ck.image.readPng(file, { maxPixels: 15 })).toThrow(/^image\.readPng: .*4x4 \(16 pixels\), over the limit of 15; pass \{ maxPixels \}/);
    expect(() => ck.image.readPng(file, { maxPixels: 0 })).toThrow(RangeError);
    expect(() => ck.image.readPng(file, { maxPixels: '1' as unknown as number })).toThrow(TypeError);
    // Raised past the header's claim, the bomb gets to the decoder, which finds its data short.
    const big = path.join(tmp, 'wide.png');
    fs.writeFileSync(big, bomb(2000, 100));
    expect(() => ck.image.readPng(big, { maxPixels: 100_000 })).toThrow(/over the limit of 100000/);
    // pngjs would decode it into uninitialized memory; the stream is measured first.
    expect(() => ck.image.readPng(big, { maxPixels: 200_000 })).toThrow(/^image\.readPng: .*the image data is truncated \(8004 of 200100 bytes\)/);
  });

  it('a second, huge IHDR behind a small first one is refused too', () => {
    const file = path.join(tmp, 'two-headers.png');
    fs.writeFileSync(file, bomb(4, 4, [ihdr(20000, 20000)]));
    expect(() => ck.image.readPng(file)).toThrow(/^image\.readPng: .*more than one IHDR/);
  });

  it('a file that is not a PNG is an error naming readPng and the file', () => {
    const file = path.join(tmp, 'not.png');
    fs.writeFileSync(file, 'hello, this is not a PNG file at all');
    expect(() => ck.image.readPng(file)).toThrow(`image.readPng: ${file}: not a PNG file`);
  });
});
