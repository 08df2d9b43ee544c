// PNG in and out (pngjs): images as [H, W, C] tensors with values in 0..1.
import * as fs from 'node:fs';
import { PNG } from 'pngjs';
import { checkOptions } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';

/** Reads a PNG as [H, W, C] in 0..1, C = 1 for grey, 3 for RGB, 4 when it has alpha. */
export function readPng(path: string): Tensor {
  if (typeof path !== 'string') throw invalidType('image.readPng', 'path', 'a file path', path);
  const png = PNG.sync.read(fs.readFileSync(path));
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
export function writePng(path: string, t: Tensor, opts?: { normalize?: boolean }): void {
  const op = 'image.writePng';
  const img = checkTensor(op, 't', t);
  const o = checkOptions(op, opts);
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
  fs.writeFileSync(path, PNG.sync.write(png, { colorType: channels === 1 ? 0 : channels === 3 ? 2 : 6 }));
}
