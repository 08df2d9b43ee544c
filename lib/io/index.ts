// The io namespace: safetensors files.
import { loadSafetensors, loadSafetensorsWithMetadata, parseSafetensors, saveSafetensors } from './safetensors';
export type { SafetensorsContents } from './safetensors';

export const io = { saveSafetensors, loadSafetensors, loadSafetensorsWithMetadata, parseSafetensors };
