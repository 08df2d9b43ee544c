// ONNX import: onnx.load / loadSync and the model type they return.
import { load, loadSync } from './load';

export type { OnnxLoadOptions, OnnxValueInfo } from './model';
export { OnnxModel } from './model';

/** ONNX models (inference): {@link onnx.load} a file exported from PyTorch and run it. */
export const onnx = {
  /** Loads and prepares a model from a path or bytes; see {@link load}. */
  load,
  /** The same as {@link load} on the calling thread, without the promise. */
  loadSync,
};
