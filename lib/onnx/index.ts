// ONNX import: onnx.load / loadSync and the model type they return.
import { load, loadSync } from './load';

export type { OnnxLoadOptions, OnnxValueInfo } from './model';
export { OnnxModel } from './model';

/** ONNX models (inference): {@link onnx.load} a file exported from PyTorch and run it. */
export const onnx = { load, loadSync };
