// ImageNet preprocessing with convkit ops, shared by examples/classify and examples/serve:
// decode a PNG or JPEG (pngjs, jpeg-js) to a [1, 3, H, W] tensor in 0..1, resize the shorter
// side to size * 256/224 (upsample2d, bilinear), center crop to size x size (slice), normalize
// with ImageNet's mean and std (sub, div).
'use strict';
const { PNG } = require('pngjs');
const jpeg = require('jpeg-js');
const ck = require('../..');

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const MEAN_T = new ck.Tensor(Float32Array.from(MEAN), [1, 3, 1, 1]);
const STD_T = new ck.Tensor(Float32Array.from(STD), [1, 3, 1, 1]);

/** A bad request body: the server answers 400 with its message. */
class ImageError extends Error {}

/** [H, W, C] in 0..1 (C = 1..4, as image.readPng gives) -> [1, 3, H, W]: gray repeated, alpha dropped. */
function fromHWC(img) {
  const [h, w, c] = img.shape;
  if (c === 1 || c === 2) img = ck.concat([0, 0, 0].map(() => ck.slice(img, [0, 0, 0], [h, w, 1])), 2);
  else if (c === 4) img = ck.slice(img, [0, 0, 0], [h, w, 3]);
  return ck.transpose(img, [2, 0, 1]).reshape([1, 3, h, w]);
}

/** RGBA bytes (width * height * 4) -> [1, 3, H, W] float in 0..1 (alpha dropped). */
function fromRGBA(rgba, width, height) {
  const n = width * height;
  const out = new Float32Array(3 * n);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i] = rgba[j] / 255;
    out[n + i] = rgba[j + 1] / 255;
    out[2 * n + i] = rgba[j + 2] / 255;
  }
  return new ck.Tensor(out, [1, 3, height, width]);
}

/** Width and height from a PNG's IHDR or a JPEG's SOF marker, without decoding; null if not found. */
function imageSize(buf, kind) {
  if (kind === 'png') {
    if (buf.length < 24 || buf.readUInt32BE(0) !== 0x89504e47 || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const m = buf[i + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + buf.readUInt16BE(i + 2);
  }
  return null;
}

/** 'png', 'jpeg' or null, from the first bytes. */
function sniff(buf) {
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47) return 'png';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * PNG or JPEG bytes -> [1, 3, H, W] in 0..1. Throws ImageError for bytes that are not a PNG or
 * JPEG, that fail to decode, or whose size is outside minSide..(maxPixels pixels).
 */
function decodeImage(buf, { maxPixels = 16e6, minSide = 8 } = {}) {
  const kind = sniff(buf);
  if (!kind) throw new ImageError('the body is not a PNG or JPEG image');
  const size = imageSize(buf, kind);
  if (!size) throw new ImageError(`the ${kind.toUpperCase()} header is malformed`);
  const { width, height } = size;
  if (width < minSide || height < minSide) throw new ImageError(`the image is ${width}x${height}; the least accepted side is ${minSide}`);
  if (width * height > maxPixels) throw new ImageError(`the image is ${width}x${height} (${width * height} pixels); at most ${maxPixels} are accepted`);
  let img;
  try {
    img = kind === 'png'
      ? PNG.sync.read(buf)
      : jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: Math.ceil(maxPixels / 1e6), maxMemoryUsageInMB: 1024 });
  } catch (err) {
    throw new ImageError(`the ${kind.toUpperCase()} image cannot be decoded: ${err.message}`);
  }
  if (img.width !== width || img.height !== height || img.data.length < width * height * 4) throw new ImageError(`the ${kind.toUpperCase()} image decoded to unexpected dimensions`);
  return fromRGBA(img.data, width, height);
}

/** [1, 3, H, W] in 0..1 -> normalized [1, 3, size, size]: resize (shorter side = size * 256/224, bilinear), center crop, normalize. */
function resizeCropNormalize(x, size) {
  const [, , h, w] = x.shape;
  const short = Math.round(size * 256 / 224);
  const [rh, rw] = h < w ? [short, Math.max(short, Math.round(w * short / h))] : [Math.max(short, Math.round(h * short / w)), short];
  x = ck.upsample2d(x, { size: [rh, rw], mode: 'bilinear' });
  const top = Math.floor((rh - size) / 2), left = Math.floor((rw - size) / 2);
  x = ck.slice(x, [0, 0, top, left], [1, 3, top + size, left + size]);
  return ck.div(ck.sub(x, MEAN_T), STD_T);
}

/**
 * The indices of the k largest values of row, largest first, equal values in index order (as
 * a stable sort would give). One pass keeping the best k in order: a server runs this on the
 * event loop for every row of every batch, where sorting all 1000 classes took 0.2 ms a row.
 */
function largest(row, k) {
  if (k * 16 >= row.length) return Array.from(row.keys()).sort((a, b) => row[b] - row[a]).slice(0, k);
  const index = [], value = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (index.length === k) {
      if (!(v > value[k - 1])) continue;
      index.pop();
      value.pop();
    }
    let j = index.length;
    while (j > 0 && v > value[j - 1]) j--;
    index.splice(j, 0, i);
    value.splice(j, 0, v);
  }
  return index;
}

/** Row-wise softmax of logits [n, classes] and the top k (index, score) of each row. */
function topK(logits, n, k) {
  const classes = logits.length / n;
  const probs = ck.softmax(new ck.Tensor(logits, [n, classes]), 1).data;
  const rows = [];
  for (let r = 0; r < n; r++) {
    const row = probs.subarray(r * classes, (r + 1) * classes);
    rows.push(largest(row, k).map((i) => ({ index: i, score: row[i] })));
  }
  return rows;
}

module.exports = { MEAN, STD, ImageError, fromHWC, fromRGBA, decodeImage, resizeCropNormalize, topK, largest, sniff };
