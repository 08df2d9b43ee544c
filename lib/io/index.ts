// The io namespace: safetensors files.
import { loadSafetensors, parseSafetensors, saveSafetensors } from './safetensors';

export const io = { saveSafetensors, loadSafetensors, parseSafetensors };
