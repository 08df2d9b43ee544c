// TensorFlow.js, on the wasm backend (XNNPACK, SIMD; no threads in Node) or the plain cpu
// backend. TensorFlow.js convolutions and pools are NHWC only.
'use strict';
const path = require('node:path');
const tf = require('@tensorflow/tfjs');
const { data, checksum } = require('../workloads');

/** Runs the op and waits for its data, as a caller that reads the result would. */
function runner(f) {
  let y;
  return {
    run: async () => {
      if (y) y.dispose();
      y = f();
      await y.data();
    },
    out: () => checksum(y.dataSync()),
  };
}

function make(backend) {
  return {
    name: backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu',
    layouts: ['nhwc'],
    maxThreads: 1,
    async setup() {
      if (backend === 'wasm') {
        const wasm = require('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`);
      }
      await tf.setBackend(backend);
      await tf.ready();
      const simd = backend === 'wasm' && tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ', SIMD' : '';
      return `tfjs ${tf.version.tfjs} ${backend}${simd}, 1 thread`;
    },
    gemm(w) {
      const a = tf.tensor2d(data(w.M * w.K, 1), [w.M, w.K]);
      const b = tf.tensor2d(data(w.K * w.N, 2), [w.K, w.N]);
      return runner(() => tf.matMul(a, b));
    },
    conv2d(w, layout) {
      if (layout !== 'nhwc') return null;
      const x = tf.tensor4d(data(w.N * w.C * w.H * w.W, 3), [w.N, w.H, w.W, w.C]);
      const bias = tf.tensor1d(data(w.K, 5));
      const pad = w.pad === 0 ? 'valid' : [[0, 0], [w.pad, w.pad], [w.pad, w.pad], [0, 0]];
      if (w.groups === w.C && w.groups > 1) {
        const mult = w.K / w.C;
        const filter = tf.tensor4d(data(w.R * w.S * w.C * mult, 4), [w.R, w.S, w.C, mult]);
        return runner(() => tf.fused.depthwiseConv2d({ x, filter, strides: w.stride, pad, bias }));
      }
      if (w.groups !== 1) return null;
      const filter = tf.tensor4d(data(w.R * w.S * w.C * w.K, 4), [w.R, w.S, w.C, w.K]);
      return runner(() => tf.fused.conv2d({ x, filter, strides: w.stride, pad, bias }));
    },
    pool(w, layout) {
      if (layout !== 'nhwc') return null;
      const x = tf.tensor4d(data(w.N * w.C * w.H * w.W, 6), [w.N, w.H, w.W, w.C]);
      if (w.op === 'global_avg') return runner(() => tf.mean(x, [1, 2], true));
      const pad = w.pad === 0 ? 'valid' : 'same';  // avg3x3 s1 p1 is exactly 'same'
      return runner(() => (w.op === 'max' ? tf.maxPool(x, w.kernel, w.stride, pad) : tf.avgPool(x, w.kernel, w.stride, pad)));
    },
  };
}

module.exports = { make };
