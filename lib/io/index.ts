// The io namespace: safetensors files.
import { loadSafetensors, loadSafetensorsWithMetadata, parseSafetensors, saveSafetensors } from './safetensors';
export type { SafetensorsContents } from './safetensors';

/** Checkpoints in the safetensors format (the files PyTorch and Hugging Face write). */
export const io = {
  /**
   * Writes a record of tensors to a safetensors file as F32 (names sorted), with optional
   * string metadata (`__metadata__`). `model.stateDict()` is such a record.
   */
  saveSafetensors,
  /**
   * Reads a safetensors file into a record of float32 tensors by name (F32, F16 and BF16
   * are read; F16 and BF16 are converted). Every offset is checked before any tensor is built.
   */
  loadSafetensors,
  /**
   * loadSafetensors, with the file's string metadata (`__metadata__`, as saveSafetensors
   * writes it): `{ tensors, metadata }`.
   */
  loadSafetensorsWithMetadata,
  /** {@link io}.loadSafetensors on a file already in memory; `name` is used in error messages. */
  parseSafetensors,
};
