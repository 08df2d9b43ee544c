// Output buffers for the native kernels, which overwrite every element they are given: no
// calloc zero-fill (a memset the size of the output, and with it page faults on fresh
// memory), just malloc'd bytes. CONVKIT_POISON_OUTPUTS=1 fills them with NaN instead, so the
// tests catch any kernel that leaves an element unwritten.
//
// Small outputs (up to SMALL_BYTES) are views carved from a shared slab, as Node's Buffer pool
// carves small Buffers: an ArrayBuffer of its own costs a backing-store allocation and its
// bookkeeping in the garbage collector, 1.1-2.6 us per output of 64 B - 1 KB, more than a tiny
// op's whole work (a 1x4x8x8 conv2d spent a quarter of its 5 us there). The slabs are marked
// untransferable (node:worker_threads): a caller posting such a tensor's buffer to a worker
// gets it copied, never detached under the other tensors of its slab. Views start 64-byte
// aligned. As with Node's Buffer pool (also 8 KB), a small tensor kept alive keeps its slab
// alive: at most 8 KB each (1x4x8x8 conv2d: 2.5 us a call with 8 KB slabs, 2.45 with 64 KB).
import { markAsUntransferable } from 'node:worker_threads';

const poison = process.env.CONVKIT_POISON_OUTPUTS === '1';
const SMALL_BYTES = 1024;
const SLAB_BYTES = 8 * 1024;
let slab: ArrayBuffer | null = null;
let used = SLAB_BYTES;

export function output(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const bytes = n * 4;
  let y: Float32Array;
  if (bytes <= SMALL_BYTES) {
    if (used + bytes > SLAB_BYTES) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES).buffer as ArrayBuffer;
      markAsUntransferable(slab);
      used = 0;
    }
    y = new Float32Array(slab!, used, n);
    used += (bytes + 63) & ~63;
  } else {
    y = new Float32Array(Buffer.allocUnsafeSlow(bytes).buffer, 0, n);
  }
  return poison ? y.fill(NaN) : y;
}
