// node examples/classify [model.onnx] [image.png] [--top 5]
// Classifies a PNG with an ONNX image classifier: ImageNet preprocessing (resize the shorter
// side to 256/224 of the model's input, center crop, normalize with ImageNet's mean and std),
// model.run off the main thread, softmax, the top 5 with ImageNet's class names when the model
// has 1,000 outputs. Defaults: the full-size mobilenet_v2 the bench script exports
// (bench/.cache/models, random weights) or, without it, the narrow test fixture.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ck = require('../..');

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function defaultModel() {
  const cached = path.join(__dirname, '../../bench/.cache/models/mobilenet_v2.onnx');
  if (fs.existsSync(cached)) return cached;
  return path.join(__dirname, '../../test/fixtures/onnx/mobilenet_v2-op13.onnx');
}

/** PNG [H, W, C] in 0..1 -> normalized [1, 3, size, size]: resize (shorter side = size * 256/224), center crop, normalize. */
function preprocess(file, size) {
  let img = ck.image.readPng(file);                        // [H, W, C]
  const [h, w, c] = img.shape;
  if (c === 1 || c === 2) img = ck.concat([0, 0, 0].map(() => ck.slice(img, [0, 0, 0], [h, w, 1])), 2);
  else if (c === 4) img = ck.slice(img, [0, 0, 0], [h, w, 3]);
  let x = ck.transpose(img, [2, 0, 1]).reshape([1, 3, h, w]);
  const short = Math.round(size * 256 / 224);
  const [rh, rw] = h < w ? [short, Math.max(short, Math.round(w * short / h))] : [Math.max(short, Math.round(h * short / w)), short];
  x = ck.upsample2d(x, { size: [rh, rw], mode: 'bilinear' });
  const top = Math.floor((rh - size) / 2), left = Math.floor((rw - size) / 2);
  x = ck.slice(x, [0, 0, top, left], [1, 3, top + size, left + size]);
  const mean = new ck.Tensor(Float32Array.from(MEAN), [1, 3, 1, 1]);
  const std = new ck.Tensor(Float32Array.from(STD), [1, 3, 1, 1]);
  return ck.div(ck.sub(x, mean), std);
}

async function main() {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const k = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 5;
  const modelPath = args[0] ?? defaultModel();
  const imagePath = args[1] ?? path.join(__dirname, 'sample.png');
  const model = await ck.onnx.load(modelPath);
  const input = model.inputs[0];
  const size = typeof input.shape[2] === 'number' ? input.shape[2] : 224;
  const x = preprocess(imagePath, size);
  const t0 = process.hrtime.bigint();
  const out = await model.run({ [input.name]: x });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const logits = out[model.outputs[0].name];
  const probs = ck.softmax(logits.reshape([1, -1]), 1).data;
  const names = probs.length === 1000 ? require('./imagenet-classes.json') : null;
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, k);
  console.log(`${path.basename(modelPath)} on ${path.basename(imagePath)} (${size}x${size}, ${ms.toFixed(1)} ms, backend ${ck.getBackend()})`);
  for (const i of order) console.log(`  ${(probs[i] * 100).toFixed(2).padStart(6)}%  ${names ? names[i] : `class ${i}`}`);
  await model.close();
}

main().catch((err) => { console.error(err.message); process.exitCode = 1; });
