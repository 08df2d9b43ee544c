// npm start: convkit's main demo, on data it makes itself.
//  1. a 5x5 image filtered with a 3x3 box of ones, valid and same padding;
//  2. Sobel and box filters on a generated picture, written as PNG files under out/;
//  3. a 64x64x3 -> 8 kernels 5x5 layer: output shape and parameter count from the textbook formulas;
//  4. the time of one convolution on the native and the ts backend.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ck = require('convkit');

const outDir = path.resolve(process.argv[2] || path.join(__dirname, '..', 'out'));
fs.mkdirSync(outDir, { recursive: true });

const fmt = (rows) => rows.map((r) => `    [${r.map((v) => String(Math.round(v * 1000) / 1000).padStart(4)).join(', ')}]`).join('\n');

// 1. The 5x5 example.
console.log('1. A 5x5 image filtered with 3x3 ones, valid padding, stride 1');
const x5 = ck.tensor([[1, 2, 3, 2, 1], [3, 2, 2, 1, 3], [2, 1, 3, 2, 3], [2, 3, 3, 1, 2], [3, 1, 2, 2, 3]]);
const valid = ck.filter2d(x5, ck.ones([3, 3]), { padding: 'valid' });
console.log(fmt(valid.toArray()));
console.log('   (each entry is the sum of a 3x3 window: the first, [1 2 3; 3 2 2; 2 1 3], sums to 19)');
const same = ck.filter2d(x5, ck.ones([3, 3]), { padding: 'same' });
console.log('   with padding 1 (same):');
console.log(fmt(same.toArray()));
const pooled = ck.maxPool2d(x5.reshape([1, 1, 5, 5]), { kernel: 2 });
console.log(`   max pool 2x2 stride 2: ${JSON.stringify(pooled.toArray()[0][0])}\n`);

// 2. Filters on a generated picture: a bright disc, a square and a diagonal ramp.
/** The scene as [3, h, w] (nchw) in 0..1: a red disc, a blue square, a grey ramp. */
function scene(h, w) {
  const t = ck.zeros([3, h, w]);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let rgb = [0.15 + 0.25 * (i / h + j / w) / 2, 0.15 + 0.25 * (i / h + j / w) / 2, 0.2];
      if ((i - h / 2) ** 2 + (j - 0.31 * w) ** 2 < (0.23 * h) ** 2) rgb = [0.95, 0.85, 0.3];
      if (i > 0.26 * h && i < 0.73 * h && j > 0.59 * w && j < 0.88 * w) rgb = [0.3, 0.55, 0.9];
      for (let c = 0; c < 3; c++) t.data[(c * h + i) * w + j] = rgb[c];
    }
  }
  return t;
}
const H = 192;
const W = 256;
const color = scene(H, W);
// Luma of the colour scene, [H, W].
const picture = ck.zeros([H, W]);
for (let i = 0; i < H * W; i++) picture.data[i] = 0.299 * color.data[i] + 0.587 * color.data[H * W + i] + 0.114 * color.data[2 * H * W + i];
const sobelX = ck.filter2d(picture, ck.filters.sobelX());
const sobelY = ck.filter2d(picture, ck.filters.sobelY());
const magnitude = ck.zeros([H, W]);
for (let i = 0; i < magnitude.size; i++) magnitude.data[i] = Math.hypot(sobelX.data[i], sobelY.data[i]);
const hwc = ck.zeros([H, W, 3]);
for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) hwc.data[i * 3 + c] = color.data[c * H * W + i];
const files = {
  'input.png': [hwc, false],
  'sobel-x.png': [sobelX, true],
  'sobel-y.png': [sobelY, true],
  'edges.png': [magnitude, true],
  'box5.png': [ck.filter2d(picture, ck.filters.box(5)), false],
  'box21.png': [ck.filter2d(picture, ck.filters.box(21)), false],
  'gaussian7.png': [ck.filter2d(picture, ck.filters.gaussian(7, 2)), false],
};
console.log(`2. Filters on a generated ${W}x${H} picture, written to ${outDir}:`);
for (const [name, [t, normalize]] of Object.entries(files)) {
  ck.image.writePng(path.join(outDir, name), t, { normalize });
  console.log(`   ${name}`);
}

// 3. A conv layer: 64x64x3 input, 8 kernels of 5x5x3; output size (W - F + 2P)/S + 1.
console.log('\n3. A conv layer: 64x64x3 input, 8 kernels 5x5x3, stride 1; output size (W - F + 2P)/S + 1');
const rgb = scene(64, 64).reshape([1, 3, 64, 64]);
const w = ck.randn([8, 3, 5, 5], { seed: 2 });
const b = ck.zeros([8]);
for (const pad of [2, 1, 0]) {
  const shape = ck.conv2dOutputShape(rgb.shape, w.shape, { padding: pad });
  console.log(`   padding ${pad}: (64 - 5 + 2*${pad})/1 + 1 = ${ck.convOutputSize(64, 5, { padding: pad })} -> output [${shape}] (N, C, H, W)` +
    (pad === 1 ? '   (not 64x64: only padding 2 keeps the size of a 5x5 kernel)' : ''));
}
console.log(`   parameters: 8*5*5*3 + 8 = ${ck.conv2dParamCount(3, 8, 5)}`);
const maps = ck.conv2d(rgb, w, { padding: 2, bias: b, activation: 'relu' });
ck.image.writePng(path.join(outDir, 'feature-maps.png'), ck.image.tile(maps), {});
console.log(`   its 8 ReLU feature maps: ${path.join(outDir, 'feature-maps.png')}\n`);

// 4. Native vs ts on that layer.
function median(fn, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((p, q) => p - q);
  return times[Math.floor(runs / 2)];
}
const info = ck.info();
console.log(`4. One conv (1x3x64x64 -> 8 maps, 5x5, padding 2), median of repeated runs:`);
const timings = {};
for (const name of ['native', 'ts']) {
  if (name === 'native' && !info.native.loaded) {
    console.log(`   native: unavailable (${info.native.error})`);
    continue;
  }
  ck.setBackend(name);
  median(() => ck.conv2d(rgb, w, { padding: 2, bias: b }), 3);
  timings[name] = median(() => ck.conv2d(rgb, w, { padding: 2, bias: b }), name === 'ts' ? 15 : 101);
  const gflops = (2 * 8 * 64 * 64 * 75) / (timings[name] * 1e6);
  const detail = name === 'native' ? ` (${info.native.simd}, ${info.native.threads} threads${info.native.openmp ? ', OpenMP' : ''})` : '';
  console.log(`   ${name.padEnd(6)} ${timings[name].toFixed(3).padStart(8)} ms  ${gflops.toFixed(1).padStart(6)} GFLOP/s${detail}`);
}
if (timings.native && timings.ts) console.log(`   native is ${(timings.ts / timings.native).toFixed(1)}x faster than ts`);
