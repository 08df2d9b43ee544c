// The ONNX protobuf schema (onnx-proto: ONNX's onnx.proto generated for protobufjs) and the
// few conversions every reader of it needs: int64 fields arrive as Long objects.
import { onnx as pb } from 'onnx-proto';

export { pb };

/** An int64 field as a number; RangeError past 2^53 (no ONNX size or attribute is that large legitimately). */
export function int64(v: unknown, what: () => string): number {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'low' in v && 'high' in v) {
    const l = v as { low: number; high: number; unsigned?: boolean };
    const n = l.high * 4294967296 + (l.low >>> 0);
    // Out of the exact range: Slice's INT64_MAX / INT64_MIN sentinels land here; keep them as ±Infinity-like bounds.
    if (Math.abs(n) > Number.MAX_SAFE_INTEGER) return n > 0 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
    return n;
  }
  if (v === undefined || v === null) return 0;
  throw new RangeError(`${what()}: expected an integer, got ${String(v)}`);
}

/**
 * Decodes a ModelProto. protobufjs throws plain Errors on malformed input (a truncated file,
 * bytes that are not protobuf); they become one TypeError naming the source.
 */
export function decodeModel(bytes: Uint8Array, source: string): pb.ModelProto {
  let model: pb.ModelProto;
  try {
    model = pb.ModelProto.decode(bytes);
  } catch (err) {
    throw new TypeError(`onnx.load: ${source} is not an ONNX model (protobuf decoding failed: ${(err as Error).message})`);
  }
  if (!model.graph) throw new TypeError(`onnx.load: ${source} is not an ONNX model (no graph)`);
  return model;
}
