// ONNX import: onnx.load / loadSync and the model type they return.
import { load, loadSync } from './load';

export type { OnnxLoadOptions, OnnxValueInfo } from './model';
export { OnnxModel } from './model';

/** ONNX models (inference): {@link onnx.load} a file exported from PyTorch and run it. */
export const onnx = {
  /**
   * Loads an ONNX model (a path, or the file's bytes) and prepares it to run: decodes it,
   * checks every node is one convkit runs (else a TypeError naming the node and its op type),
   * folds batch norms and fuses conv epilogues. Resolves to an {@link OnnxModel}.
   */
  load,
  /** `onnx.load` on the calling thread, without the promise: returns the {@link OnnxModel}. */
  loadSync,
};
