// Request body -> one preprocessed image: decode (pngjs, jpeg-js), resize, crop, normalize with
// convkit ops (examples/common/imagenet.js); returns the [3, size, size] elements.
'use strict';
const { decodeImage, resizeCropNormalize, ImageError } = require('../common/imagenet');

function preprocess(body, size, { maxPixels } = {}) {
  return resizeCropNormalize(decodeImage(body, { maxPixels }), size).data;
}

module.exports = { preprocess, ImageError };
