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
const { fromHWC, resizeCropNormalize, topK } = require('../common/imagenet');

function defaultModel() {
  const cached = path.join(__dirname, '../../bench/.cache/models/mobilenet_v2.onnx');
  if (fs.existsSync(cached)) return cached;
  return path.join(__dirname, '../../test/fixtures/onnx/mobilenet_v2-op13.onnx');
}

/** PNG file -> normalized [1, 3, size, size] (examples/common/imagenet.js). */
function preprocess(file, size) {
  return resizeCropNormalize(fromHWC(ck.image.readPng(file)), size);
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
  const top = topK(logits.data, 1, k)[0];
  const names = logits.data.length === 1000 ? require('./imagenet-classes.json') : null;
  console.log(`${path.basename(modelPath)} on ${path.basename(imagePath)} (${size}x${size}, ${ms.toFixed(1)} ms, backend ${ck.getBackend()})`);
  for (const { index, score } of top) console.log(`  ${(score * 100).toFixed(2).padStart(6)}%  ${names ? names[index] : `class ${index}`}`);
  await model.close();
}

main().catch((err) => { console.error(err.message); process.exitCode = 1; });
