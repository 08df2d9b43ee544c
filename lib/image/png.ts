// PNG in and out (pngjs): images as [H, W, C] tensors with values in 0..1.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { checkOptions } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { readAt, withFileErrors } from '../io/file';
import { checkTensor, Tensor } from '../tensor';

/** 100 megapixels: a 389 KB file can claim far more, and pngjs would allocate 4 bytes per pixel. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Node's own Buffer limit on 32-bit builds and readFile's: larger PNGs are not a real use. */
const MAX_FILE = 2 ** 31 - 1;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** [width, height] from the IHDR chunk, which the format requires to come first. */
function headerSize(op: string, path: string, head: Uint8Array): [number, number] {
  if (SIGNATURE.some((b, i) => head[i] !== b)) {
    const what = head.length === 0 ? 'the file is empty' : `it starts with ${Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    throw rangeError(op, `${path}: not a PNG file (no PNG signature: ${what}, a PNG with 89 50 4e 47 0d 0a 1a 0a)`);
  }
  if (head.length < 24) throw rangeError(op, `${path}: the PNG file is truncated (${head.length} bytes, too short for its IHDR header)`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (String.fromCharCode(...head.subarray(12, 16)) !== 'IHDR') throw rangeError(op, `${path}: the first chunk is not IHDR`);
  return [view.getUint32(16), view.getUint32(20)];
}

/**
 * Every IHDR chunk's size against maxPixels: pngjs takes a later IHDR's size over the first
 * one's, so checking the first alone would let a second, huge one through.
 */
function checkChunks(op: string, path: string, file: Uint8Array, maxPixels: number): void {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let headers = 0;
  let expected = -1;
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos + 8 <= file.length; pos += 12 + view.getUint32(pos)) {
    const type = String.fromCharCode(...file.subarray(pos + 4, pos + 8));
    if (type === 'IDAT') idat.push(file.subarray(pos + 8, Math.min(file.length, pos + 8 + view.getUint32(pos))));
    if (type !== 'IHDR') continue;
    if (++headers > 1) throw rangeError(op, `${path}: more than one IHDR chunk (a PNG has exactly one)`);
    if (pos + 21 > file.length) continue;
    const width = view.getUint32(pos + 8), height = view.getUint32(pos + 12);
    checkPixels(op, path, width, height, maxPixels);
    expected = rawSize(width, height, file[pos + 16], file[pos + 17], file[pos + 20] === 1);
  }
  if (expected < 0) return;  // pngjs reports a malformed header itself
  // pngjs decodes a short image stream into uninitialized memory without a word (rows past the
  // end read as whatever the buffer held): inflate once here, bounded, and count.
  let got: number;
  try {
    got = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: Math.max(1, expected) }).length;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return;  // more than enough
    throw rangeError(op, `${path}: the image data does not inflate (${(e as Error).message})`);
  }
  if (got < expected) throw rangeError(op, `${path}: the image data is truncated (${got} of ${expected} bytes)`);
}

/** Bytes of filtered scanlines (a filter byte per row) the header's image needs. */
function rawSize(width: number, height: number, bitDepth: number, colorType: number, interlaced: boolean): number {
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType] ?? 0;
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * channels * bitDepth) / 8));
  if (!interlaced) return height * rowBytes(width);
  // Adam7: seven passes, each a sub-image starting at (x0, y0) with steps (dx, dy).
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil(Math.max(0, width - x0) / dx), h = Math.ceil(Math.max(0, height - y0) / dy);
    if (w > 0) total += h * rowBytes(w);
  }
  return total;
}

function checkPixels(op: string, path: string, width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw rangeError(op, `${path}: the image is ${width}x${height} (${width * height} pixels), over the limit of ${maxPixels}; pass { maxPixels } to raise it`);
  }
}

function checkMaxPixels(op: string, v: unknown): number {
  if (v === undefined) return DEFAULT_MAX_PIXELS;
  if (typeof v !== 'number') throw invalidType(op, 'maxPixels', 'a positive integer or Infinity', v);
  if (!(v === Infinity || (Number.isSafeInteger(v) && v >= 1))) throw rangeError(op, `maxPixels must be a positive integer or Infinity, got ${v}`);
  return v;
}

/**
 * Reads a PNG as [H, W, C] in 0..1, C = 1 for grey, 3 for RGB, 4 when it has alpha. The size
 * in the header is checked against maxPixels (default 100 megapixels) before anything is
 * decoded, so a small file claiming a huge image is an error, not gigabytes and seconds.
 */
export function readPng(path: string, opts?: { /** The most pixels (width * height) accepted. Default 100 million. */ maxPixels?: number }): Tensor {
  const op = 'image.readPng';
  if (typeof path !== 'string') throw invalidType(op, 'path', 'a file path', path);
  const maxPixels = checkMaxPixels(op, checkOptions(op, opts, ['maxPixels']).maxPixels);
  const file = withFileErrors(op, path, () => {
    const fd = fs.openSync(path, 'r');
    try {
      const head = new Uint8Array(24);
      // The first IHDR before reading the rest: a bomb is refused without loading it.
      checkPixels(op, path, ...headerSize(op, path, head.subarray(0, readAt(fd, head, 0, 24, 0))), maxPixels);
      const size = fs.fstatSync(fd).size;
      if (size > MAX_FILE) throw rangeError(op, `${path}: the file is ${size} bytes, over the ${MAX_FILE}-byte limit for PNG files`);
      const buf = Buffer.alloc(size);
      return buf.subarray(0, readAt(fd, buf, 0, size, 0));
    } finally {
      fs.closeSync(fd);
    }
  });
  checkChunks(op, path, file, maxPixels);
  let png: PNG;
  try {
    png = PNG.sync.read(file);
  } catch (e) {
    throw new Error(`${op}: ${path}: ${(e as Error).message}`, { cause: e });
  }
  const { width, height, data } = png;
  // pngjs always decodes to RGBA; keep the channels the file really had.
  const meta = png as unknown as { color?: boolean; alpha?: boolean };
  const channels = meta.color === false ? (meta.alpha ? 2 : 1) : (meta.alpha ? 4 : 3);
  const out = new Float32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) {
      const src = channels === 1 ? 0 : channels === 2 ? (c === 0 ? 0 : 3) : c;
      out[p * channels + c] = data[p * 4 + src] / 255;
    }
  }
  return new Tensor(out, [height, width, channels]);
}

/**
 * Writes [H, W], [H, W, 1|3|4] as PNG. Values are clamped to 0..1, or, with normalize,
 * stretched from [min, max] to 0..1 (for feature maps and edge responses).
 */
export function writePng(path: string, t: Tensor, opts?: {
  /** Stretch [min, max] of t to 0..1 instead of clamping. Default false. */
  normalize?: boolean;
}): void {
  const op = 'image.writePng';
  const img = checkTensor(op, 't', t);
  const o = checkOptions(op, opts, ['normalize']);
  if (typeof path !== 'string') throw invalidType(op, 'path', 'a file path', path);
  const [height, width, channels] = img.rank === 2 ? [...img.shape, 1] : img.shape;
  if ((img.rank !== 2 && img.rank !== 3) || ![1, 3, 4].includes(channels) || height < 1 || width < 1) {
    throw rangeError(op, `t must be [H, W] or [H, W, 1|3|4], got t ${shapeStr(img.shape)}`);
  }
  let lo = 0;
  let scale = 1;
  if (o.normalize) {
    let min = Infinity;
    let max = -Infinity;
    for (const v of img.data) { if (v < min) min = v; if (v > max) max = v; }
    lo = min;
    scale = max > min ? 1 / (max - min) : 0;
  }
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = (img.data[p * channels + (channels === 1 ? 0 : c)] - lo) * scale;
      png.data[p * 4 + c] = Math.round(255 * Math.min(1, Math.max(0, Number.isNaN(v) ? 0 : v)));
    }
    png.data[p * 4 + 3] = channels === 4 ? Math.round(255 * Math.min(1, Math.max(0, img.data[p * 4 + 3]))) : 255;
  }
  const bytes = PNG.sync.write(png, { colorType: channels === 1 ? 0 : channels === 3 ? 2 : 6 });
  withFileErrors(op, path, () => fs.writeFileSync(path, bytes));
}
