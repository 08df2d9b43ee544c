// A minimal ONNX ModelProto writer (protobuf wire format by hand), so the onnxruntime peer can
// run one Conv / Gemm / pool node (or a small graph) without Python or the onnx package. Weights are graph
// initializers (constants), as in an exported model, so onnxruntime may pre-pack them.
'use strict';

const FLOAT = 1;
const INT64 = 7;

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

const key = (field, wire) => varint((field << 3) | wire);
const int = (field, v) => Buffer.concat([key(field, 0), varint(v)]);
const bytes = (field, b) => Buffer.concat([key(field, 2), varint(b.length), b]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, parts) => bytes(field, Buffer.concat(parts));

/** AttributeProto: ints (type INTS = 7), int (INT = 2), float (FLOAT = 1), string (STRING = 3). */
function attribute(name, value) {
  const parts = [str(1, name)];
  if (Array.isArray(value)) {
    for (const v of value) parts.push(int(8, v));
    parts.push(int(20, 7));
  } else if (typeof value === 'string') {
    parts.push(bytes(4, Buffer.from(value)), int(20, 3));
  } else if (Number.isInteger(value)) {
    parts.push(int(3, value), int(20, 2));
  } else {
    const f = Buffer.alloc(4);
    f.writeFloatLE(value);
    parts.push(Buffer.concat([key(2, 5), f]), int(20, 1));
  }
  return msg(5, parts);
}

function valueInfo(field, name, shape) {
  const dims = shape.map((d) => msg(1, [int(1, d)]));
  const tensorType = msg(1, [int(1, FLOAT), msg(2, dims)]);
  return msg(field, [str(1, name), msg(2, [tensorType])]);
}

function initializer(name, shape, data) {
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return msg(5, [...shape.map((d) => int(1, d)), int(2, data instanceof BigInt64Array ? INT64 : FLOAT), str(8, name), bytes(9, raw)]);
}

/**
 * A graph of nodes [{ op, inputs: [names], outputs: [names], attrs?, domain? }] (in order).
 * inputs: [{ name, shape, data? }] (data => initializer: Float32Array, or BigInt64Array for
 * int64), outputs: [{ name, shape }]. Returns the serialized ModelProto (opset 13, plus
 * com.microsoft 1 when a node uses that domain).
 */
function graphModel(nodes, inputs, outputs) {
  const nodeProtos = nodes.map((n, i) => msg(1, [
    ...n.inputs.map((x) => str(1, x)),
    ...n.outputs.map((x) => str(2, x)),
    str(3, `node${i}`),
    str(4, n.op),
    ...Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    ...(n.domain ? [str(7, n.domain)] : []),
  ]));
  const graph = msg(7, [
    ...nodeProtos,
    str(2, 'convkit_bench'),
    ...inputs.filter((i) => i.data).map((i) => initializer(i.name, i.shape, i.data)),
    ...inputs.filter((i) => !i.data).map((i) => valueInfo(11, i.name, i.shape)),
    ...outputs.map((o) => valueInfo(12, o.name, o.shape)),
  ]);
  const domains = [...new Set(nodes.map((n) => n.domain).filter(Boolean))];
  return Buffer.concat([int(1, 8), msg(8, [str(1, ''), int(2, 13)]), ...domains.map((d) => msg(8, [str(1, d), int(2, 1)])), graph]);
}

/**
 * One-node model. inputs: [{ name, shape, data? }] (data => initializer), outputs: [{ name, shape }].
 * Returns the serialized ModelProto (opset 13).
 */
function oneNodeModel(opType, inputs, outputs, attrs = {}) {
  return graphModel([{ op: opType, inputs: inputs.map((i) => i.name), outputs: outputs.map((o) => o.name), attrs }], inputs, outputs);
}

module.exports = { oneNodeModel, graphModel };
